"""Hyper-V: VMBus device classes, translating a guest for Hyper-V (and
back to Xen), PowerShell, and Hyper-V's XML configuration.

Wraps include/hvx/hyperv.h.  The translations and formats are methods of
:class:`hvx.VM` (:meth:`~hvx.VM.to_hyperv`, :meth:`~hvx.VM.to_xen`,
:meth:`~hvx.VM.to_powershell`, :meth:`~hvx.VM.from_hyperv_xml`,
:meth:`~hvx.VM.to_hyperv_xml`); this module has the rest.
"""

from __future__ import annotations

import ctypes
from ctypes import (POINTER, c_char_p, c_int, c_size_t, c_uint, c_uint32,
                    c_uint64, c_void_p)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Tuple, Union

from . import _lib
from .report import Report, using
from .vm import VM

if TYPE_CHECKING:
    from .enlightenment import EnlConfig

__all__ = ["VmbusClass", "vmbus_classes", "vmbus_class", "ps_quote",
           "host_features",
           "IDE_CONTROLLERS", "IDE_LOCATIONS", "SCSI_CONTROLLERS",
           "SCSI_LOCATIONS", "MAX_NICS", "MAX_COM_PORTS", "MAX_VCPUS",
           "MAX_MEMORY"]

IDE_CONTROLLERS = 2
IDE_LOCATIONS = 2
SCSI_CONTROLLERS = 4
SCSI_LOCATIONS = 64
MAX_NICS = 8
MAX_COM_PORTS = 2
MAX_VCPUS = 240
MAX_MEMORY = 12 << 40
_XML_UTF16 = 0x1

_F = _lib.bind({
    "hvx_vmbus_class_guid": (c_char_p, [c_int], _lib.OPTIONAL_STRING),
    "hvx_vmbus_class_name": (c_char_p, [c_int], _lib.OPTIONAL_STRING),
    "hvx_vmbus_class_description": (c_char_p, [c_int],
                                    _lib.OPTIONAL_STRING),
    "hvx_vmbus_class_linux_driver": (c_char_p, [c_int],
                                     _lib.OPTIONAL_STRING),
    "hvx_vmbus_class_from_guid": (c_int, [c_char_p], _lib.STATUS),
    "hvx_hyperv_features": (c_uint64, [POINTER(c_uint32)], _lib.NO_ERROR),
    "hvx_hyperv_translate": (c_int, [c_void_p, c_int, POINTER(c_void_p),
                                     c_void_p], _lib.STATUS),
    "hvx_hyperv_generation": (c_int, [c_void_p], _lib.STATUS),
    "hvx_xen_translate": (c_int, [c_void_p, POINTER(c_void_p), c_void_p],
                          _lib.STATUS),
    "hvx_hyperv_to_powershell": (c_void_p, [c_void_p, c_void_p],
                                 _lib.OWNED_STRING),
    "hvx_ps_quote": (c_void_p, [c_char_p], _lib.OWNED_STRING),
    "hvx_vm_from_hyperv_xml": (c_void_p, [c_char_p, c_size_t, c_char_p,
                                          c_void_p], _lib.HANDLE),
    "hvx_vm_from_hyperv_xml_file": (c_void_p, [c_char_p, c_void_p],
                                    _lib.HANDLE),
    "hvx_vm_to_hyperv_xml": (c_int, [c_void_p, c_uint, POINTER(c_void_p),
                                     POINTER(c_size_t), c_void_p],
                             _lib.STATUS),
})


@dataclass(frozen=True)
class VmbusClass:
    """A VMBus device class Hyper-V offers its guests."""
    index: int
    guid: str
    name: str
    description: str
    linux_driver: Optional[str]  #: None if Linux has none


def _class(i: int) -> Optional[VmbusClass]:
    guid = _F.hvx_vmbus_class_guid(i)
    if guid is None:
        return None
    return VmbusClass(i, guid, _F.hvx_vmbus_class_name(i) or "",
                      _F.hvx_vmbus_class_description(i) or "",
                      _F.hvx_vmbus_class_linux_driver(i) or None)


def vmbus_classes() -> Tuple[VmbusClass, ...]:
    """Every VMBus class hvx knows."""
    out = []
    i = 0
    while (c := _class(i)) is not None:
        out.append(c)
        i += 1
    return tuple(out)


def vmbus_class(key: Union[int, str]) -> VmbusClass:
    """The class with index KEY, or with GUID KEY (either case, braces
    optional).  :raises NotFoundError: for an unknown GUID;
    InvalidArgumentError for something not a GUID."""
    if isinstance(key, str):
        key = _F.hvx_vmbus_class_from_guid(_lib.str_arg(key, "guid"))
    c = _class(_lib.c_int_range(key, "class", 0, 0x7FFFFFFF))
    if c is None:
        raise IndexError(f"no VMBus class {key}")
    return c


def host_features() -> "EnlConfig":
    """The Hyper-V features a Hyper-V host (Windows Server 2016 and
    later) offers every guest, with the spin-lock retry count it
    recommends."""
    from .enlightenment import EnlConfig, _names
    retries = c_uint32()
    feats = _names(_F.hvx_hyperv_features(ctypes.byref(retries)))
    return EnlConfig(feats, retries.value if "spinlocks" in feats else None)


def ps_quote(s: str) -> str:
    """S as a single-quoted PowerShell string literal."""
    return str(_F.hvx_ps_quote(_lib.str_arg(s, "string")))


# ---- behind hvx.VM's methods -------------------------------------------

def _translate(vm: VM, generation: int, report: Optional[Report]) -> VM:
    out = c_void_p()
    with vm._lock, using(report) as r:
        _F.hvx_hyperv_translate(vm._h(), _lib.c_int_range(
            generation, "generation", 0, 2), ctypes.byref(out), r)
    assert out.value
    return VM._wrap(out.value)


def _xen_translate(vm: VM, report: Optional[Report]) -> VM:
    out = c_void_p()
    with vm._lock, using(report) as r:
        _F.hvx_xen_translate(vm._h(), ctypes.byref(out), r)
    assert out.value
    return VM._wrap(out.value)


def _generation(vm: VM) -> int:
    with vm._lock:
        return int(_F.hvx_hyperv_generation(vm._h()))


def _to_powershell(vm: VM, report: Optional[Report]) -> str:
    return vm._write(_F.hvx_hyperv_to_powershell, report)


def _from_xml(data: Union[bytes, str], filename: Optional[str],
              report: Optional[Report]) -> VM:
    return VM._read(_F.hvx_vm_from_hyperv_xml, data, filename, report)


def _from_xml_file(path: _lib.PathArg, report: Optional[Report]) -> VM:
    return VM._read_file(_F.hvx_vm_from_hyperv_xml_file, path, report)


def _to_xml(vm: VM, utf16: bool, report: Optional[Report]) -> bytes:
    out = c_void_p()
    n = c_size_t()
    with vm._lock, using(report) as r:
        _F.hvx_vm_to_hyperv_xml(vm._h(), _XML_UTF16 if utf16 else 0,
                                ctypes.byref(out), ctypes.byref(n), r)
    return _lib.take_bytes(out.value, n.value)
