"""hvx.VM, hvx.Report, hvx.xen and hvx.hyperv: the model's properties
against libhvx's own JSON (hvx_vm_to_json, a separate C path), VBD
numbers against Xen's documented encoding, round trips through xl.cfg,
Hyper-V XML and OVF, libvirt XML read back with the standard library."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import hvx
from conftest import hvx_cli, source_dir

XL = """\
name = "web"
type = "hvm"
memory = 2048
vcpus = 2
uuid = "6f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
disk = [ "format=qcow2, vdev=xvda, access=rw, target=/img/web.qcow2",
         "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/iso/x.iso" ]
vif = [ "mac=00:16:3e:11:22:33, bridge=xenbr0" ]
viridian = [ "base", "freq" ]
cpus = "0-3"
serial = "pty"
on_crash = "preserve"
"""


def _check_against_json(vm: hvx.VM) -> None:
    """Every property equals what libhvx's JSON writer says."""
    j = vm.to_dict()
    for f in ("name", "uuid", "kernel", "ramdisk", "cmdline", "bootloader",
              "bootloader_args", "boot_order"):
        assert getattr(vm, f) == j[f], f
    for f in ("vcpus", "max_vcpus", "memory", "max_memory"):
        assert getattr(vm, f) == (j[f] or 0), f
    assert vm.guest_type.label == (j["guest_type"] or "unspecified")
    assert vm.firmware.label == (j["firmware"] or "unspecified")
    assert vm.secure_boot == j["secure_boot"]
    assert vm.enlightenments == set(j["enlightenments"])
    assert vm.hv_features == set(j["hv_features"])
    assert vm.hv_spinlock_retries == (j["hv_spinlock_retries"] or 0)
    assert vm.xen_platform == j["xen_platform"]
    assert dict(vm.extras) == j["extras"]
    assert {e.label: vm.action(e).label for e in hvx.Event
            if vm.action(e) != hvx.Action.UNSPECIFIED} == j["actions"]
    assert len(vm.disks) == len(j["disks"])
    for d, jd in zip(vm.disks, j["disks"]):
        assert (d.name, d.path, d.format, d.bus.label, d.controller, d.slot,
                d.partition, d.readonly, d.cdrom, dict(d.extras)) == \
            (jd["name"], jd["path"], jd["format"], jd["bus"] or "unspecified",
             jd["controller"], jd["slot"], jd["partition"], jd["readonly"],
             jd["cdrom"], jd["extras"])
    for n, jn in zip(vm.nics, j["nics"]):
        assert (n.mac, n.network, n.model) == \
            (jn["mac"], jn["network"], jn["model"])
    assert [s.target for s in vm.serials] == \
        [s if isinstance(s, str) else s["target"] for s in j["serials"]]


def test_from_xl_matches_json_and_cli(tmp_path: Path):
    cfg = tmp_path / "web.cfg"
    cfg.write_text(XL)
    report = hvx.Report()
    vm = hvx.VM.from_xl_file(cfg, report=report)
    _check_against_json(vm)
    assert vm.name == "web" and vm.memory == 2048 << 20 and vm.vcpus == 2
    assert vm.guest_type is hvx.GuestType.HVM
    assert vm.action(hvx.Event.CRASH) is hvx.Action.PRESERVE
    assert [d.name for d in vm.disks] == ["xvda", "hdc"]
    assert vm.disks[1].cdrom and vm.disks[1].readonly
    assert vm.nics[0].mac == "00:16:3e:11:22:33"
    assert vm.extras["xl.cpus"] == '"0-3"'
    # the report: the key hvx keeps without understanding
    items = list(report)
    assert any(i.subject == "key cpus" and i.severity is
               hvx.Severity.WARNING for i in items)
    assert report.max_severity is hvx.Severity.WARNING
    assert [(x["severity"], x["subject"], x["message"],
             x.get("advice") or None) for x in report.to_list()] == \
        [(i.severity.label, i.subject, i.message, i.advice) for i in items]
    cli = hvx_cli("vm", "show", "--from", "xl", "--output=json", str(cfg))
    assert cli["vm"] == vm.to_dict()


def test_xl_round_trip():
    vm = hvx.VM.from_xl(XL, "web.cfg")
    text = vm.to_xl()
    again = hvx.VM.from_xl(text, "again.cfg")
    assert again.to_dict() == vm.to_dict()
    assert vm.disks[0].xl_spec() == \
        "format=qcow2, vdev=xvda, access=rw, target=/img/web.qcow2"


def test_xl_errors_name_the_place():
    with pytest.raises(hvx.CorruptImageError, match=r"bad\.cfg:2") as e:
        hvx.VM.from_xl('name = "x"\nmemory = = 3\n', "bad.cfg")
    assert e.value.errno == 74
    with pytest.raises(hvx.NotFoundError):
        hvx.VM.from_xl_file("/nonexistent/x.cfg")


def test_build_a_guest_by_hand():
    vm = hvx.VM()
    assert vm.name is None and vm.vcpus == 0 and len(vm.disks) == 0
    vm.name = "db"
    vm.uuid = "6F8E1A2B-3C4D-4E5F-8A9B-0C1D2E3F4A5B"
    assert vm.uuid == "6f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    vm.guest_type = hvx.GuestType.HVM
    vm.firmware = hvx.Firmware.UEFI
    vm.secure_boot = True
    vm.vcpus, vm.max_vcpus = 4, 8
    vm.memory = 4 << 30
    vm.boot_order = "dc"
    vm.set_action(hvx.Event.REBOOT, hvx.Action.RESTART)
    vm.enlightenments = {"hv_base", "hv_stimer"}
    vm.extras["xl.note"] = '"kept"'
    d = vm.disks.add("/img/db.vhdx", format="vhdx", bus=hvx.Bus.SCSI,
                     controller=0, slot=1, name="sda")
    vm.disks.add("/iso/inst.iso", bus=hvx.Bus.SCSI, slot=2, cdrom=True)
    d.extras["x.y"] = "1"
    vm.nics.add("00-16-3E-AA-BB-CC", network="br0", model="e1000")
    vm.serials.add("pty")
    vm.validate()
    _check_against_json(vm)
    assert vm.nics[0].mac == "00:16:3e:aa:bb:cc"
    # stimer needs synic and time-ref-count: their groups come along
    assert {"hv_base", "hv_stimer"} <= vm.enlightenments
    assert "stimer" in vm.hv_features and "synic" in vm.hv_features
    vm.hv_features = {"hypercall", "vpindex", "spinlocks"}
    vm.hv_spinlock_retries = 8191
    vm.xen_platform = False
    _check_against_json(vm)
    assert vm.hv_spinlock_retries == 8191 and not vm.xen_platform
    with pytest.raises(hvx.InvalidArgumentError, match="warp-drive"):
        vm.hv_features = {"warp-drive"}
    assert vm.os is None
    vm.os = "windows"
    assert vm.extras["hvx.os"] == "windows" and vm.os == "windows"
    vm.os = None
    assert "hvx.os" not in vm.extras
    assert (d.bus, d.controller, d.slot) == (hvx.Bus.SCSI, 0, 1)
    # copies are deep
    c = copy.deepcopy(vm)
    c.name = "other"
    c.disks[0].path = "/elsewhere"
    assert vm.name == "db" and vm.disks[0].path == "/img/db.vhdx"
    # removing shifts later devices down; the removed one's object dies
    last = vm.disks[1]
    del vm.disks[0]
    assert vm.disks[0].path == "/iso/inst.iso"
    with pytest.raises(IndexError):
        last.path
    del vm.extras["xl.note"]
    assert "xl.note" not in vm.extras
    with pytest.raises(KeyError):
        del vm.extras["xl.note"]
    vm.close()
    with pytest.raises(ValueError, match="closed"):
        vm.name


def test_setters_check_values():
    vm = hvx.VM()
    with pytest.raises(hvx.InvalidArgumentError, match="uuid|UUID"):
        vm.uuid = "not-a-uuid"
    with pytest.raises(hvx.InvalidArgumentError, match="MiB|memory"):
        vm.memory = (1 << 20) + 1
    with pytest.raises(hvx.InvalidArgumentError, match="vcpus"):
        vm.vcpus = 5000
    with pytest.raises(hvx.InvalidArgumentError, match="vcpus"):
        vm.vcpus = -1
    with pytest.raises(hvx.InvalidArgumentError, match="no_such"):
        vm.enlightenments = {"no_such"}
    d = vm.disks.add()
    with pytest.raises(hvx.InvalidArgumentError, match="floppy-disk"):
        d.format = "floppy-disk"
    nic = vm.nics.add()
    with pytest.raises(hvx.InvalidArgumentError, match="01:00:5e"):
        nic.mac = "01:00:5e:00:00:01"  # multicast
    # a failed add leaves nothing behind
    with pytest.raises(hvx.InvalidArgumentError):
        vm.nics.add("zz:zz")
    assert len(vm.nics) == 1
    vm.nics.add("00:16:3e:00:00:01")
    vm.nics[0].mac = "00:16:3e:00:00:01"
    del vm.disks[0]  # a hard disk without an image is invalid too
    with pytest.raises(hvx.InvalidArgumentError, match="00:16:3e:00:00:01"):
        vm.validate()  # the same MAC twice
    assert hvx.GuestType.from_label("pvh") is hvx.GuestType.PVH
    assert hvx.Action.from_label("rename-restart") is \
        hvx.Action.RENAME_RESTART
    assert hvx.Bus.from_label("virtio").label == "virtio"
    with pytest.raises(hvx.InvalidArgumentError):
        hvx.Firmware.from_label("coreboot")


def test_hyperv_translation_powershell_and_xml(tmp_path: Path):
    report = hvx.Report()
    src = hvx.VM.from_xl(XL)
    hv = src.to_hyperv(report=report)
    assert hv.hyperv_generation == 1
    assert [(d.bus, d.controller, d.slot) for d in hv.disks] == \
        [(hvx.Bus.IDE, 0, 0), (hvx.Bus.IDE, 1, 0)]
    assert hv.disks[0].path == "/img/web.vhdx"  # to be converted
    assert any(i.severity is hvx.Severity.LOSS for i in report)
    ps = hv.to_powershell()
    assert "New-VM" in ps and "$Name = 'web'" in ps
    assert "Generation = 1" in ps and "-ControllerType IDE" in ps
    xml = hv.to_hyperv_xml()
    ET.fromstring(xml)  # well-formed
    utf16 = hv.to_hyperv_xml(utf16=True)
    assert utf16.startswith(b"\xff\xfe")
    assert utf16.decode("utf-16").replace("\r\n", "\n").strip() == \
        xml.decode("utf-8").replace('encoding="UTF-8"',
                                    'encoding="UTF-16"').strip()
    back = hvx.VM.from_hyperv_xml(utf16, "web.xml")
    assert back.name == "web" and len(back.disks) == 2
    assert back.hyperv_generation == 1
    gen2 = src.to_hyperv(2)
    assert gen2.firmware is hvx.Firmware.UEFI
    assert {d.bus for d in gen2.disks} == {hvx.Bus.SCSI}
    xen = back.to_xen()
    assert xen.guest_type is hvx.GuestType.HVM
    with pytest.raises(hvx.InvalidArgumentError):
        src.hyperv_generation  # not laid out for Hyper-V
    with pytest.raises(hvx.InvalidArgumentError, match="generation"):
        src.to_hyperv(3)


@pytest.mark.parametrize("name", ["hyperv-gen1.xml", "hyperv-gen2.xml"])
def test_hyperv_xml_fixtures(name):
    path = source_dir() / "tests" / "data" / name
    vm = hvx.VM.from_hyperv_xml_file(path)
    assert vm.hyperv_generation == (2 if "gen2" in name else 1)
    _check_against_json(vm)


def test_ovf_and_libvirt_round_trip():
    vm = hvx.VM.from_xl(XL)
    report = hvx.Report()
    ovf = vm.to_ovf(report=report)
    again = hvx.VM.from_ovf(ovf, "web.ovf")
    assert again.name == "web" and again.vcpus == 2
    assert again.memory == vm.memory
    # OVF references images by file name
    assert [d.path for d in again.disks] == \
        [Path(d.path).name for d in vm.disks]
    dom = ET.fromstring(vm.to_libvirt("kvm"))
    assert dom.get("type") == "kvm"
    assert dom.findtext("name") == "web"
    assert dom.findtext("uuid") == vm.uuid
    assert int(dom.findtext("memory")) * 1024 == vm.memory
    assert int(dom.findtext("vcpu")) == 2
    with pytest.raises(hvx.InvalidArgumentError):
        vm.to_libvirt("bhyve")
    with pytest.raises(hvx.CorruptImageError):
        hvx.VM.from_ovf("<not-ovf/>")


def test_vbd_numbers_per_xen_docs():
    # docs/misc/vbd-interface: (202<<8)|(disk<<4)|part for xvd, the
    # extended (1<<28)|(disk<<8)|part form past 15, (8<<8) for sd,
    # (3<<8)|(disk<<6) for hda/hdb, (22<<8)|((disk-2)<<6) for hdc/hdd
    cases = {"xvda": 202 << 8, "xvdb3": 202 << 8 | 1 << 4 | 3,
             "xvdq": 1 << 28 | 16 << 8, "xvda16": 1 << 28 | 16,
             "sdb1": 8 << 8 | 1 << 4 | 1, "hda": 3 << 8,
             "hdb2": 3 << 8 | 1 << 6 | 2, "hdc": 22 << 8,
             "hdd": 22 << 8 | 1 << 6, "d0p2": 202 << 8 | 2}
    for name, number in cases.items():
        assert hvx.xen.vbd_parse(name) == number, name
    for name in ("xvda", "xvdb3", "xvdq", "sdb1", "hda", "hdc"):
        assert hvx.xen.vbd_name(hvx.xen.vbd_parse(name)) == name
    a = hvx.xen.vbd_decode(hvx.xen.vbd_parse("hdc"))
    assert a == hvx.xen.VbdAddress(hvx.Bus.IDE, 2, 0)
    assert hvx.xen.vbd_encode(a.bus, a.disk, a.partition) == 22 << 8
    assert hvx.xen.vbd_encode(hvx.Bus.XEN, 16) == 1 << 28 | 16 << 8
    with pytest.raises(hvx.InvalidArgumentError, match="xvda0|leading"):
        hvx.xen.vbd_parse("xvda01")
    with pytest.raises(hvx.InvalidArgumentError):
        hvx.xen.vbd_encode(hvx.Bus.IDE, 4)


def test_xen_host_calls_fail_cleanly_here():
    # no Xen hypervisor or xenstored on the test machine
    with pytest.raises(hvx.Error) as e:
        hvx.xen.domain_info(0)
    assert e.value.errno and str(e.value)
    with pytest.raises(hvx.Error) as e:
        hvx.VM.from_xenstore(0)
    assert str(e.value)


def test_from_xenstore_listing():
    text = ('/local/domain/3/name = "web"\n'
            '/local/domain/3/memory/target = "1048576"  (n0,r3)\n')
    vm = hvx.VM.from_xenstore_listing(text, 3)
    assert vm.name == "web"
    assert vm.memory == 1 << 30
    with pytest.raises(hvx.CorruptImageError) as e:
        hvx.VM.from_xenstore_listing("/local/domain/3/name = \"x\\q\"\n", 3)
    assert "line 1: unknown escape" in str(e.value)


def test_hyperv_host_features():
    host = hvx.hyperv.host_features()
    assert {"hypercall", "vpindex", "synic", "stimer"} <= host.features
    assert host.spinlock_retries and host.spinlock_retries > 0
    # every name is one the enlightenment map knows
    assert host.features <= {e.name for e in
                             hvx.enlightenment.enlightenments()}
    hv = hvx.VM.from_xl(XL).to_hyperv()
    assert hv.hv_features <= host.features


def test_vmbus_classes_and_ps_quote():
    classes = hvx.hyperv.vmbus_classes()
    assert len(classes) >= 19
    scsi = classes[0]
    assert scsi.name == "scsi" and scsi.linux_driver == "hv_storvsc"
    assert hvx.hyperv.vmbus_class("{" + scsi.guid.upper() + "}") == scsi
    with pytest.raises(hvx.NotFoundError):
        hvx.hyperv.vmbus_class("00000000-0000-0000-0000-000000000001")
    with pytest.raises(hvx.InvalidArgumentError):
        hvx.hyperv.vmbus_class("not a guid")
    assert hvx.hyperv.ps_quote("it's") == "'it''s'"
    assert hvx.hyperv.ps_quote("a\u2019b") == "'a\u2019\u2019b'"


def test_report_by_hand():
    with hvx.Report() as r:
        assert len(r) == 0 and r.max_severity is None
        assert r.add(hvx.Severity.INFO, "disk xvda", "renamed", "fix fstab") \
            == 0
        r.add(hvx.Severity.LOSS, "guest", "dropped")
        assert r[1] == hvx.ReportItem(hvx.Severity.LOSS, "guest", "dropped",
                                      None)
        assert r[-1].subject == "guest"
        assert r.max_severity is hvx.Severity.LOSS
        with pytest.raises(IndexError):
            r[2]
        with pytest.raises(hvx.InvalidArgumentError):
            r.add(7, "x", "y")  # type: ignore[arg-type]
        assert [x["subject"] for x in r.to_list()] == ["disk xvda", "guest"]
    with pytest.raises(ValueError, match="closed"):
        len(r)
    with pytest.raises(TypeError, match="hvx.Report"):
        hvx.VM.from_xl(XL, report=[])  # type: ignore[arg-type]
