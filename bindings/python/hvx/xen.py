"""Xen guest descriptions: virtual block device names, xl.cfg, live
domains.

Wraps include/hvx/xen.h.  The xl.cfg and xenstore readers are methods of
:class:`hvx.VM` (:meth:`~hvx.VM.from_xl`, :meth:`~hvx.VM.to_xl`,
:meth:`~hvx.VM.from_xenstore`); this module has the rest.
"""

from __future__ import annotations

import ctypes
from ctypes import (POINTER, Structure, c_char_p, c_int, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)
from dataclasses import dataclass
from typing import Optional, Union

from . import _lib
from .report import Report, using
from .vm import VM, Bus, GuestType

__all__ = ["VbdAddress", "vbd_parse", "vbd_name", "vbd_decode",
           "vbd_encode", "DomainInfo", "domain_info"]


class _DomainInfo(Structure):
    _fields_ = [("domid", c_uint32), ("guest_type", c_int),
                ("max_vcpu_id", c_uint), ("online_vcpus", c_uint),
                ("memory_bytes", c_uint64), ("max_memory_bytes", c_uint64),
                ("running", c_int), ("paused", c_int), ("shutdown", c_int),
                ("dying", c_int)]


LAYOUTS = {"hvx_xen_domain_info": _DomainInfo}

_F = _lib.bind({
    "hvx_vbd_parse": (c_int, [c_char_p, POINTER(c_uint32)], _lib.STATUS),
    "hvx_vbd_name": (c_int, [c_uint32, c_char_p, c_size_t], _lib.STATUS),
    "hvx_vbd_decode": (c_int, [c_uint32, POINTER(c_int), POINTER(c_uint),
                               POINTER(c_uint)], _lib.STATUS),
    "hvx_vbd_encode": (c_int, [c_int, c_uint, c_uint, POINTER(c_uint32)],
                       _lib.STATUS),
    "hvx_vm_from_xl": (c_void_p, [c_char_p, c_size_t, c_char_p, c_void_p],
                       _lib.HANDLE),
    "hvx_vm_from_xl_file": (c_void_p, [c_char_p, c_void_p], _lib.HANDLE),
    "hvx_vm_to_xl": (c_void_p, [c_void_p, c_void_p], _lib.OWNED_STRING),
    "hvx_xl_disk_spec": (c_void_p, [c_void_p, c_size_t, c_void_p],
                         _lib.OWNED_STRING),
    "hvx_vm_from_xenstore": (c_void_p, [c_uint, c_void_p], _lib.HANDLE),
    "hvx_vm_from_xenstore_listing": (c_void_p, [c_char_p, c_size_t, c_uint,
                                                c_void_p], _lib.HANDLE),
    "hvx_xen_domain_info": (c_int, [c_uint, POINTER(_DomainInfo)],
                            _lib.STATUS),
    "hvx_vm_add_domain_info": (c_int, [c_void_p, c_uint], _lib.STATUS),
})


@dataclass(frozen=True)
class VbdAddress:
    """A Xen virtual block device number, split."""
    bus: Bus        #: XEN (xvd), IDE (hd) or SCSI (sd)
    disk: int       #: index within its name form, 0 = "a"
    partition: int  #: 0 for the whole disk


def vbd_parse(name: str) -> int:
    """The VBD number Xen computes for NAME ("xvda", "hdc", "sdb1",
    "d0p2", "51712").  :raises InvalidArgumentError: naming the problem."""
    n = c_uint32()
    _F.hvx_vbd_parse(_lib.str_arg(name, "name"), ctypes.byref(n))
    return n.value


def vbd_name(number: int) -> str:
    """The canonical name of VBD NUMBER ("xvda", "hdc1", ...)."""
    buf = ctypes.create_string_buffer(32)
    _F.hvx_vbd_name(_lib.c_int_range(number, "number", 0, 0xFFFFFFFF), buf,
                    len(buf))
    return buf.value.decode("ascii")


def vbd_decode(number: int) -> VbdAddress:
    """Split VBD NUMBER into bus, disk and partition."""
    bus, disk, part = c_int(), c_uint(), c_uint()
    _F.hvx_vbd_decode(_lib.c_int_range(number, "number", 0, 0xFFFFFFFF),
                      ctypes.byref(bus), ctypes.byref(disk),
                      ctypes.byref(part))
    return VbdAddress(Bus(bus.value), disk.value, part.value)


def vbd_encode(bus: Bus, disk: int, partition: int = 0) -> int:
    """The VBD number of DISK, PARTITION on BUS (XEN, IDE or SCSI)."""
    n = c_uint32()
    u32 = 0xFFFFFFFF
    _F.hvx_vbd_encode(_lib.c_int_range(bus, "bus", 0, 0x7FFFFFFF),
                      _lib.c_int_range(disk, "disk", 0, u32),
                      _lib.c_int_range(partition, "partition", 0, u32),
                      ctypes.byref(n))
    return n.value


@dataclass(frozen=True)
class DomainInfo:
    """What the Xen hypervisor knows about a domain."""
    domid: int
    guest_type: GuestType
    max_vcpu_id: int
    online_vcpus: int
    memory_bytes: int
    max_memory_bytes: int
    running: bool
    paused: bool
    shutdown: bool
    dying: bool


def domain_info(domid: int) -> DomainInfo:
    """Ask the Xen hypervisor about DOMID.  :raises UnsupportedError: when
    not running on a Xen host; NotFoundError for no such domain."""
    c = _DomainInfo()
    _F.hvx_xen_domain_info(_lib.c_int_range(domid, "domid", 0, 0xFFFFFFFF),
                           ctypes.byref(c))
    return DomainInfo(c.domid, GuestType(c.guest_type), c.max_vcpu_id,
                      c.online_vcpus, c.memory_bytes, c.max_memory_bytes,
                      bool(c.running), bool(c.paused), bool(c.shutdown),
                      bool(c.dying))


# ---- behind hvx.VM's methods -------------------------------------------

def _from_xl(text: str, filename: Optional[str],
             report: Optional[Report]) -> VM:
    return VM._read(_F.hvx_vm_from_xl, text, filename, report)


def _from_xl_file(path: _lib.PathArg, report: Optional[Report]) -> VM:
    return VM._read_file(_F.hvx_vm_from_xl_file, path, report)


def _to_xl(vm: VM, report: Optional[Report]) -> str:
    return vm._write(_F.hvx_vm_to_xl, report)


def _xl_disk_spec(vm: VM, i: int, report: Optional[Report]) -> str:
    return vm._write(_F.hvx_xl_disk_spec, report, i)


def _from_xenstore(domid: int, report: Optional[Report]) -> VM:
    with using(report) as r:
        return VM._wrap(_F.hvx_vm_from_xenstore(
            _lib.c_int_range(domid, "domid", 0, 0xFFFFFFFF), r))


def _from_xenstore_listing(text: Union[bytes, str], domid: int,
                           report: Optional[Report]) -> VM:
    b = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    with using(report) as r:
        return VM._wrap(_F.hvx_vm_from_xenstore_listing(
            b, len(b), _lib.c_int_range(domid, "domid", 0, 0xFFFFFFFF), r))


def _add_domain_info(vm: VM, domid: int) -> None:
    with vm._lock:
        _F.hvx_vm_add_domain_info(vm._h(), _lib.c_int_range(
            domid, "domid", 0, 0xFFFFFFFF))
