"""hvx.hypercall and hvx.detect, against the Xen headers, the TLFS bit
layout, and the hvx command's JSON (C code reading the same structs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hvx
from hvx import detect as D
from hvx import hypercall as H
from conftest import hvx_cli, source_dir

XEN_H = Path("/usr/include/xen/xen.h")


def test_hv_call_table_matches_cli():
    cli = hvx_cli("hypercall", "list", "--hyperv", "--output=json")
    ours = H.hv_calls()
    assert len(ours) == len(cli) > 50
    for c, j in zip(ours, cli):
        assert (c.code, c.name) == (j["code"], j["name"])
        assert c.cls.name.lower() == j["class"]
        # the command says "no" where the enum says NONE
        assert {"none": "no"}.get(c.fast.name.lower(),
                                  c.fast.name.lower()) == j["fast"]
        assert bool(c.flags & H.HvCallFlag.VAR_HEADER) == j["variable_header"]
        assert bool(c.flags & H.HvCallFlag.XEN) == j["xen"]
    assert H.hv_call("PostMessage") == H.hv_call(0x5C) == \
        H.hv_call("hvcallpostmessage")
    assert H.hv_call(0xFFFF) is None and H.hv_call("NoSuchCall") is None
    with pytest.raises(hvx.InvalidArgumentError, match="code"):
        H.hv_call(0x10000)


def test_hv_status_msr_cpuid_tables_match_cli():
    st = hvx_cli("hypercall", "list", "--hv-status", "--output=json")
    assert H.hv_statuses() == {j["code"]: j["name"] for j in st}
    assert H.hv_status_name(0) == "HV_STATUS_SUCCESS"
    assert H.hv_status_name(0xFFFF) is None
    msrs = hvx_cli("hypercall", "list", "--hv-msrs", "--output=json")
    assert [(m.index, m.name, m.group) for m in H.hv_msrs()] == \
        [(j["index"], j["name"], j["group"]) for j in msrs]
    assert H.hv_msr(0x40000000).name == "HV_X64_MSR_GUEST_OS_ID"
    assert H.hv_msr(0x12345) is None
    bits = hvx_cli("hypercall", "list", "--hv-cpuid", "--output=json")
    assert [(b.leaf, b.reg, b.bit, b.width, b.name)
            for b in H.hv_cpuid_bits()] == \
        [(j["leaf"], j["reg"], j["bit"], j["width"], j["name"])
         for j in bits]


def test_hv_input_bit_layout_per_tlfs():
    # TLFS "Hypercall Inputs": code 15:0, fast 16, variable header size
    # 26:17, nested 31, rep count 43:32, rep start 59:48
    i = H.HvInput(code=0x13, fast=True, var_header_size=5, nested=True,
                  rep_count=0x123, rep_start=0x45)
    want = 0x13 | 1 << 16 | 5 << 17 | 1 << 31 | 0x123 << 32 | 0x45 << 48
    assert i.encode() == want
    assert H.HvInput.decode(want) == i
    raw = (1 << 64) - 1  # every bit, reserved ones too, round-trips
    assert H.HvInput.decode(raw).encode() == raw
    r = H.HvResult(status=3, reps_completed=7)
    assert r.encode() == 3 | 7 << 32
    assert H.HvResult.decode(r.encode()) == r
    assert r.status_name == "HV_STATUS_INVALID_HYPERCALL_INPUT"


def test_hv_input_range_errors():
    with pytest.raises(hvx.InvalidArgumentError, match="var_header_size"):
        H.HvInput(code=1, var_header_size=1 << 10).encode()  # 10 bits
    with pytest.raises(hvx.InvalidArgumentError, match="code"):
        H.HvInput(code=1 << 16).encode()  # wider than the C field
    with pytest.raises(hvx.InvalidArgumentError, match="fast"):
        H.HvInput(code=1, fast=2).encode()  # type: ignore[arg-type]
    with pytest.raises(hvx.InvalidArgumentError, match="value"):
        H.HvInput.decode(-1)


def test_hv_validation():
    post = H.HvInput(code=0x5C)
    assert post.validate() == 0
    assert post.call is not None and post.call.name == "HvCallPostMessage"
    bad = H.HvInput(code=0x5C, rep_count=3)
    v = bad.validate()
    assert v == H.HvViolation.BAD_REP_ON_SIMPLE
    (one,) = H.hv_violations(v)
    assert one.name == "rep-on-simple-call" and "simple" in one.text
    assert H.HvInput(code=0x7FFF).validate() & H.HvViolation.BAD_CODE
    flush = H.hv_call("FlushVirtualAddressSpace")
    assert flush is not None and flush.fast == H.HvFast.XMM
    fast = H.HvInput(code=flush.code, fast=True)
    assert fast.validate() & H.HvViolation.BAD_FAST_XMM
    assert not fast.validate(H.HvFeature.XMM_INPUT) & \
        H.HvViolation.BAD_FAST_XMM
    done = H.HvResult(status=0, reps_completed=2)
    assert done.validate(post) & H.HvViolation.BAD_REPS_DONE


def _xen_header_numbers():
    nums = {}
    for m in re.finditer(r"#define __HYPERVISOR_(\w+)\s+(\d+)\b",
                         XEN_H.read_text()):
        nums[m.group(1)] = int(m.group(2))
    return nums


def test_xen_table_matches_xen_headers():
    assert XEN_H.exists(), "libxen-dev is missing"
    header = _xen_header_numbers()
    table = {h.name: h.number for h in H.xen_hypercalls()}
    # every hypercall xen.h names is in the table, at its number
    for name, number in header.items():
        if name.startswith("arch_"):
            continue  # reserved slots: named by alias in the table
        assert table.get(name) == number, name
    mem = H.xen_hypercall("memory_op")
    assert mem == H.xen_hypercall(header["memory_op"]) == \
        H.xen_hypercall("__HYPERVISOR_memory_op")
    assert mem.args == ("cmd", "arg") and mem.nargs == 2
    assert mem.subop_prefix == "XENMEM_"
    assert mem.subop(6).name == "populate_physmap"
    # the continuation extent above bit 6 does not change the sub-op
    assert mem.subop(6 | 5 << 6) == mem.subop(6)
    assert H.xen_hypercall(4096) is None
    assert [H.xen_arg_register(i) for i in range(6)] == \
        ["rdi", "rsi", "rdx", "r10", "r8", None]


def test_xen_table_matches_cli():
    cli = hvx_cli("hypercall", "list", "--xen", "--output=json")
    ours = H.xen_hypercalls()
    assert [(h.number, h.name, h.alias, h.nargs, ", ".join(h.args))
            for h in ours] == \
        [(j["number"], j["name"], j["alias"], j["nargs"], j["args"])
         for j in cli]
    assert [[(h.subop_prefix or "") + s.name for s in h.subops]
            for h in ours] == \
        [[s if isinstance(s, str) else s["name"] for s in j["subops"]]
         for j in cli]


def test_xen_frame_validation():
    ok = H.XenFrame(H.xen_hypercall("memory_op").number, (6, 0x1000))
    assert ok.validate() == 0
    assert H.XenFrame(99).validate() == H.XenViolation.BAD_NUMBER
    extra = H.XenFrame(ok.number, (6, 1, 2))
    assert extra.validate() & H.XenViolation.BAD_EXTRA
    assert "argument" in H.xen_violations(H.XenViolation.BAD_EXTRA)[0].text \
        or H.xen_violations(H.XenViolation.BAD_EXTRA)[0].name
    with pytest.raises(hvx.InvalidArgumentError, match="at most 5"):
        H.XenFrame(1, (0,) * 6).validate()


TRACE = """\
0x0001005c
# a comment

xen memory_op 0 0x1000
xen 99
0x30000005c 0x0
"""


def test_trace_decoding_matches_cli():
    cli = hvx_cli("hypercall", "decode", "--output=json", input=TRACE,
                  ok_codes=(0, 2))
    # the command assumes XMM fast input and output are offered
    ours = list(H.decode_trace(
        TRACE, hv_features=H.HvFeature.XMM_INPUT | H.HvFeature.XMM_OUTPUT))
    assert [r.lineno for r in ours] == [j["line"] for j in cli] == \
        [1, 4, 5, 6]
    for r, j in zip(ours, cli):
        assert r.kind.name.lower() == j["kind"]
        assert [v.name for v in r.violation_list()] == \
            [v["name"] for v in j["violations"]]
        if r.kind == H.TraceKind.HV:
            assert r.hv_value == int(j["value"], 16)
            assert r.hv_input.rep_count == j["rep_count"]
            assert (r.hv_call.name if r.hv_call else None) == j["call"]
            assert (r.hv_result.status if r.hv_result else None) == \
                (j["result"]["status"] if "result" in j else None)
        else:
            assert r.xen_frame.number == j["number"]
            assert (r.xen_call.name if r.xen_call else None) == j["name"]
            assert [hex(a) for a in r.xen_frame.args] == \
                [hex(int(a["value"], 16)) for a in j["args"]]
    assert H.decode_trace_line("# only a comment").kind == H.TraceKind.NONE
    with pytest.raises(hvx.InvalidArgumentError, match="line 7"):
        H.decode_trace_line("bogus tokens here", 7)


@pytest.mark.parametrize("name", ["hyperv", "kvm-hv", "kvm", "xen-hvm",
                                  "xen-viridian"])
def test_detection_matches_cli(name):
    path = source_dir() / "tests" / "data" / "cpuid" / f"{name}.txt"
    cli = hvx_cli("detect", "--output=json", "--cpuid-dump", str(path))
    dump = D.CpuidDump.read(path)
    assert D.CpuidDump.parse(path.read_text()).leaves == dump.leaves
    det = D.detect(dump)
    assert det.hypervisor_bit == cli["hypervisor_bit"]
    assert [(s.base, s.max_leaf, s.id, s.vendor) for s in det.signatures] \
        == [(j["base"], j["max_leaf"], j["id"], j["vendor"])
            for j in cli["signatures"]]
    choice = det.linux_choice
    assert (choice.vendor or choice.id if choice else None) == \
        cli["linux_choice"]
    if cli["hyperv"] is None:
        assert det.hv is None
    else:
        assert det.hv.base == cli["hyperv"]["base"]
        assert [list(r) for r in det.hv.leaves] == cli["hyperv"]["leaves"]
        enl = hvx.enlightenment.enlightenments_from_cpuid(dump)
        assert enl.features == set(cli["hyperv"]["enlightenments"])
    assert (det.xen is None) == (cli["xen"] is None)
    assert (det.kvm is None) == (cli["kvm"] is None)
    if det.xen:
        assert det.xen.base == cli["xen"]["base"]
    if det.kvm:
        assert det.kvm.base == cli["kvm"]["base"]
    first = dump.leaves[0]
    assert dump.get(first.leaf, first.subleaf) == \
        (first.eax, first.ebx, first.ecx, first.edx)
    assert dump.get(0x4FFFFFFF, 7) is None


def test_cpuid_dump_errors(tmp_path: Path):
    with pytest.raises(hvx.CorruptImageError, match="line 2") as e:
        D.CpuidDump.parse("0x0 0x1 0x2 0x3 0x4\nnot cpuid\n")
    assert e.value.errno == 74
    with pytest.raises(hvx.NotFoundError):
        D.CpuidDump.read(tmp_path / "none.txt")
    big = tmp_path / "big.txt"
    big.write_bytes(b"#" * (2 << 20))
    with pytest.raises(hvx.TooLargeError):
        D.CpuidDump.read(big)


def test_detect_this_machine_and_flag_tables():
    det = D.detect()  # probes this CPU
    assert det.have_leaf1
    assert isinstance(det.signatures, tuple)
    kvm = D.kvm_feature_flags()
    assert kvm and all(isinstance(b, int) and 0 <= b < 32 for b in kvm)
    assert D.kvm_hint_flags() and D.xen_hvm_flags()
