"""hvx.enlightenment against the hvx command's JSON (C code reading the
same structs) and its own table."""

from __future__ import annotations

import pytest

import hvx
from hvx import enlightenment as E
from conftest import hvx_cli


def test_table_matches_cli():
    cli = hvx_cli("enlightenments", "--table", "--output=json")
    ours = E.enlightenments()
    assert len(ours) == len(cli) > 20
    for e, j in zip(ours, cli):
        assert (e.name, e.description) == (j["name"], j["description"])
        assert (e.cpuid_leaf or 0) == j["cpuid_leaf"]
        assert e.cpuid_mask == j["cpuid_mask"]
        if e.cpuid_leaf:
            assert e.cpuid_reg == j["cpuid_reg"]
        assert e.requires == set(j["requires"])
        assert (e.xl, e.xl_note, e.qemu, e.qemu_note, e.libvirt) == \
            (j["xl"], j["xl_note"], j["qemu"], j["qemu_note"], j["libvirt"])
    assert E.enlightenment("stimer") is not None
    assert E.enlightenment("no-such-feature") is None


def test_closure_is_transitive_requires():
    table = {e.name: e.requires for e in E.enlightenments()}
    for name in table:
        want = {name}
        todo = [name]
        while todo:
            for r in table[todo.pop()]:
                if r not in want:
                    want.add(r)
                    todo.append(r)
        assert E.enlightenment_closure([name]) == want, name
    with pytest.raises(hvx.InvalidArgumentError, match="bogus"):
        E.enlightenment_closure(["bogus"])
    with pytest.raises(TypeError):
        E.enlightenment_closure("stimer")


CASES = [
    ("xl", 'viridian = [ "base", "freq" ]', "qemu"),
    ("xl", "viridian = 1", "libvirt"),
    ("hv", "synic stimer evmcs", "xl"),
    ("qemu", "host,hv-relaxed,hv-vapic,hv-time,hv-spinlocks=0x1fff", "xl"),
    ("libvirt", "<hyperv><relaxed state='on'/><vapic state='on'/>"
                "<vpindex state='on'/>"
                "<synic state='on'/></hyperv>", "qemu"),
]


@pytest.mark.parametrize("src,text,dst", CASES)
def test_parse_and_compat_match_cli(src, text, dst):
    j = hvx_cli("enlightenments", "--output=json", "--from", src, "--to",
                dst, text, ok_codes=(0, 2))
    cfg = E.parse_enlightenments(src, text)
    assert cfg.features == set(j["source"]["features"])
    if "viridian_mask" in j["source"]:
        assert cfg.viridian_mask == j["source"]["viridian_mask"]
    r = E.compat(cfg, dst)
    assert r.target == E.Vocabulary.from_name(dst)
    assert r.config == j["target"]["config"]
    assert r.target_config.features == set(j["target"]["features"])
    assert [(i.feature, i.status.label, i.reason) for i in r.items] == \
        [(i["feature"], i["status"], i["reason"]) for i in j["items"]]
    assert set(r.missing) == {i["feature"] for i in j["items"]
                              if i["status"] == "missing"}


def test_config_round_trips_through_c():
    cfg = E.parse_enlightenments(E.Vocabulary.XL, 'viridian = [ "base" ]')
    assert "base" in cfg.xl_groups and cfg.spinlock_retries
    again = E.compat(cfg, "xl").source_config
    assert again == cfg
    made = E.EnlConfig(features=frozenset({"hypercall", "vpindex"}))
    assert E.compat(made, "hv").source_config.features == made.features
    with pytest.raises(hvx.InvalidArgumentError, match="nope"):
        E.compat(E.EnlConfig(features=frozenset({"nope"})), "qemu")
    with pytest.raises(hvx.InvalidArgumentError, match="group"):
        E.compat(E.EnlConfig(xl_groups=frozenset({"nope"})), "qemu")


def test_errors():
    with pytest.raises(hvx.UnsupportedError, match="hv-passthrough"):
        E.parse_enlightenments("qemu", "host,hv-passthrough")
    with pytest.raises(hvx.InvalidArgumentError, match="frobnicate"):
        E.parse_enlightenments("hv", "synic frobnicate")
    with pytest.raises(hvx.InvalidArgumentError, match="vocabulary"):
        E.parse_enlightenments("vmware", "x")
    assert E.Vocabulary.from_name("libvirt") is E.Vocabulary.LIBVIRT
    assert [v.label for v in E.Vocabulary] == \
        ["hv", "xl", "qemu", "libvirt", "cpuid"]
    assert [s.label for s in E.EnlStatus] == ["provided", "missing", "added"]
    assert E.xl_groups()[0] == "base" and len(E.xl_groups()) == 13
