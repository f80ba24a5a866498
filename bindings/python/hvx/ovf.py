"""OVF descriptors and libvirt domain XML.

Wraps include/hvx/ovf.h through :class:`hvx.VM`'s methods
(:meth:`~hvx.VM.from_ovf`, :meth:`~hvx.VM.to_ovf`,
:meth:`~hvx.VM.to_libvirt`).
"""

from __future__ import annotations

from ctypes import c_char_p, c_size_t, c_void_p
from typing import List, Optional

from . import _lib
from .report import Report
from .vm import VM

__all__: List[str] = []

_F = _lib.bind({
    "hvx_vm_to_ovf": (c_void_p, [c_void_p, c_void_p], _lib.OWNED_STRING),
    "hvx_vm_from_ovf": (c_void_p, [c_char_p, c_size_t, c_char_p, c_void_p],
                        _lib.HANDLE),
    "hvx_vm_from_ovf_file": (c_void_p, [c_char_p, c_void_p], _lib.HANDLE),
    "hvx_vm_to_libvirt": (c_void_p, [c_void_p, c_char_p, c_void_p],
                          _lib.OWNED_STRING),
})


def _from_ovf(text: str, filename: Optional[str],
              report: Optional[Report]) -> VM:
    return VM._read(_F.hvx_vm_from_ovf, text, filename, report)


def _from_ovf_file(path: _lib.PathArg, report: Optional[Report]) -> VM:
    return VM._read_file(_F.hvx_vm_from_ovf_file, path, report)


def _to_ovf(vm: VM, report: Optional[Report]) -> str:
    return vm._write(_F.hvx_vm_to_ovf, report)


def _to_libvirt(vm: VM, type: str, report: Optional[Report]) -> str:
    return vm._write(_F.hvx_vm_to_libvirt, report,
                     _lib.str_arg(type, "type"))
