"""Which hypervisor interfaces a guest sees, decoded from CPUID.

Wraps include/hvx/detect.h.  Detection is a pure function of CPUID
values, so a dump recorded elsewhere decodes exactly as this machine's.
"""

from __future__ import annotations

import ctypes
from ctypes import (POINTER, Structure, c_bool, c_char, c_char_p, c_int,
                    c_size_t, c_uint, c_uint32)
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from . import _lib

__all__ = ["CpuidLeaf", "CpuidDump", "HypervisorSignature", "HvInterface",
           "XenInterface", "KvmInterface", "Detection", "detect",
           "kvm_feature_flags", "kvm_hint_flags", "xen_hvm_flags"]

MAX_SIGS = 8
HV_LEAVES = 11


class _Leaf(Structure):
    _fields_ = [("leaf", c_uint32), ("subleaf", c_uint32), ("eax", c_uint32),
                ("ebx", c_uint32), ("ecx", c_uint32), ("edx", c_uint32)]


class _Dump(Structure):
    _fields_ = [("n", c_size_t), ("leaves", POINTER(_Leaf))]


class _Sig(Structure):
    _fields_ = [("base", c_uint32), ("max_leaf", c_uint32),
                ("id", c_char * 13), ("vendor", c_char_p)]


class _Detect(Structure):
    _fields_ = [("have_leaf1", c_bool), ("hypervisor_bit", c_bool),
                ("n_sigs", c_uint), ("sigs", _Sig * MAX_SIGS),
                ("linux_choice", c_int),
                ("hv", c_bool), ("hv_base", c_uint32),
                ("hv_regs", (c_uint32 * 4) * HV_LEAVES),
                ("xen", c_bool), ("xen_base", c_uint32),
                ("xen_major", c_uint), ("xen_minor", c_uint),
                ("xen_hypercall_pages", c_uint32), ("xen_msr_base", c_uint32),
                ("xen_has_hvm_leaf", c_bool), ("xen_hvm_features", c_uint32),
                ("kvm", c_bool), ("kvm_base", c_uint32),
                ("kvm_features", c_uint32), ("kvm_hints", c_uint32)]


class _Flag(Structure):
    _fields_ = [("bit", c_uint), ("name", c_char_p)]


LAYOUTS = {"hvx_cpuid_leaf": _Leaf, "hvx_cpuid_dump": _Dump,
           "hvx_hypervisor_sig": _Sig, "hvx_detect": _Detect,
           "hvx_cpuid_flag": _Flag}

_SZ = POINTER(c_size_t)
_F = _lib.bind({
    "hvx_cpuid_dump_parse": (c_int, [c_char_p, c_size_t, POINTER(_Dump)],
                             _lib.STATUS),
    "hvx_cpuid_dump_read": (c_int, [c_char_p, POINTER(_Dump)], _lib.STATUS),
    "hvx_cpuid_probe": (c_int, [POINTER(_Dump)], _lib.STATUS),
    "hvx_cpuid_dump_free": (None, [POINTER(_Dump)], _lib.NO_ERROR),
    "hvx_cpuid_dump_get": (c_bool, [POINTER(_Dump), c_uint32, c_uint32,
                                    POINTER(c_uint32 * 4)], _lib.NO_ERROR),
    "hvx_detect_from_dump": (None, [POINTER(_Dump), POINTER(_Detect)],
                             _lib.NO_ERROR),
    "hvx_kvm_feature_flags": (POINTER(_Flag), [_SZ], _lib.NO_ERROR),
    "hvx_kvm_hint_flags": (POINTER(_Flag), [_SZ], _lib.NO_ERROR),
    "hvx_xen_hvm_flags": (POINTER(_Flag), [_SZ], _lib.NO_ERROR),
})


@dataclass(frozen=True)
class CpuidLeaf:
    """The registers one CPUID leaf/subleaf returned."""
    leaf: int
    subleaf: int
    eax: int
    ebx: int
    ecx: int
    edx: int


class CpuidDump:
    """A set of CPUID results: parsed from text (the Linux ``cpuid -r``
    raw format, or ``LEAF [SUBLEAF] EAX EBX ECX EDX`` lines), read from a
    file, or probed on this CPU."""

    __slots__ = ("_leaves",)

    def __init__(self, leaves: Sequence[CpuidLeaf] = ()):
        self._leaves: Tuple[CpuidLeaf, ...] = tuple(leaves)

    @classmethod
    def _take(cls, run: Any) -> "CpuidDump":
        """Run RUN(dump) to fill a C dump; copy it out and free it."""
        d = _Dump()
        run(ctypes.byref(d))
        try:
            leaves = tuple(CpuidLeaf(x.leaf, x.subleaf, x.eax, x.ebx, x.ecx,
                                     x.edx)
                           for x in (d.leaves[i] for i in range(d.n)))
        finally:
            _F.hvx_cpuid_dump_free(ctypes.byref(d))
        return cls(leaves)

    @classmethod
    def parse(cls, text: str) -> "CpuidDump":
        """Parse TEXT.  :raises CorruptImageError: (EBADMSG) naming the
        line that is not a CPUID line, or a leaf given twice."""
        b = text.encode("utf-8")
        return cls._take(lambda d: _F.hvx_cpuid_dump_parse(b, len(b), d))

    @classmethod
    def read(cls, path: _lib.PathArg) -> "CpuidDump":
        """Read and parse the file PATH (at most 1 MiB: TooLargeError)."""
        p = _lib.path_arg(path)
        return cls._take(lambda d: _F.hvx_cpuid_dump_read(p, d))

    @classmethod
    def probe(cls) -> "CpuidDump":
        """Run CPUID on this CPU (UnsupportedError off x86)."""
        return cls._take(_F.hvx_cpuid_probe)

    @property
    def leaves(self) -> Tuple[CpuidLeaf, ...]:
        return self._leaves

    def __len__(self) -> int:
        return len(self._leaves)

    def __repr__(self) -> str:
        return f"<hvx.CpuidDump {len(self._leaves)} leaves>"

    def _c(self) -> Tuple[_Dump, object]:
        arr = (_Leaf * max(1, len(self._leaves)))()
        for i, x in enumerate(self._leaves):
            arr[i] = _lib.fill(_Leaf(), x, "cpuid leaf")
        return _Dump(len(self._leaves), arr), arr  # arr kept alive

    def get(self, leaf: int, subleaf: int = 0
            ) -> Optional[Tuple[int, int, int, int]]:
        """(EAX, EBX, ECX, EDX) of LEAF/SUBLEAF, or None if absent."""
        d, keep = self._c()
        regs = (c_uint32 * 4)()
        if not _F.hvx_cpuid_dump_get(
                ctypes.byref(d), _lib.c_int_range(leaf, "leaf", 0, 0xFFFFFFFF),
                _lib.c_int_range(subleaf, "subleaf", 0, 0xFFFFFFFF),
                ctypes.byref(regs)):
            return None
        del keep
        return (regs[0], regs[1], regs[2], regs[3])


@dataclass(frozen=True)
class HypervisorSignature:
    """A hypervisor vendor signature found in the 0x400000xx ranges."""
    base: int
    max_leaf: int
    id: str                 #: the 12 signature bytes
    vendor: Optional[str]   #: "xen", "kvm", "microsoft", ... or None


@dataclass(frozen=True)
class HvInterface:
    """The Hyper-V interface: where it is and its leaves' registers."""
    base: int
    #: (EAX, EBX, ECX, EDX) of base+0 .. base+0xA
    leaves: Tuple[Tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class XenInterface:
    base: int
    version: Tuple[int, int]
    hypercall_pages: int
    msr_base: int
    hvm_features: Optional[int]  #: leaf base+4 EAX, None without it


@dataclass(frozen=True)
class KvmInterface:
    base: int
    features: int  #: leaf base+1 EAX
    hints: int     #: leaf base+1 EDX


@dataclass(frozen=True)
class Detection:
    """What a CPUID dump says about the hypervisor(s) present."""
    have_leaf1: bool
    hypervisor_bit: bool
    signatures: Tuple[HypervisorSignature, ...]
    #: the signature Linux would choose, or None
    linux_choice: Optional[HypervisorSignature]
    hv: Optional[HvInterface]
    xen: Optional[XenInterface]
    kvm: Optional[KvmInterface]


def _detect_c(dump: CpuidDump) -> _Detect:
    d, keep = dump._c()
    out = _Detect()
    _F.hvx_detect_from_dump(ctypes.byref(d), ctypes.byref(out))
    del keep
    return out


def detect(dump: Optional[CpuidDump] = None) -> Detection:
    """Decode DUMP (default: probe this CPU)."""
    c = _detect_c(dump if dump is not None else CpuidDump.probe())
    sigs = tuple(HypervisorSignature(
        s.base, s.max_leaf, s.id.decode("latin-1"),
        None if s.vendor is None else s.vendor.decode())
        for s in c.sigs[:min(c.n_sigs, MAX_SIGS)])
    choice = sigs[c.linux_choice] if 0 <= c.linux_choice < len(sigs) \
        else None
    return Detection(
        c.have_leaf1, c.hypervisor_bit, sigs, choice,
        HvInterface(c.hv_base, tuple((r[0], r[1], r[2], r[3])
                                     for r in c.hv_regs))
        if c.hv else None,
        XenInterface(c.xen_base, (c.xen_major, c.xen_minor),
                     c.xen_hypercall_pages, c.xen_msr_base,
                     c.xen_hvm_features if c.xen_has_hvm_leaf else None)
        if c.xen else None,
        KvmInterface(c.kvm_base, c.kvm_features, c.kvm_hints)
        if c.kvm else None)


def _flags(fn: Any) -> Dict[int, str]:
    n = c_size_t()
    p = fn(ctypes.byref(n))
    return {p[i].bit: p[i].name.decode() for i in range(n.value)} if p \
        else {}


def kvm_feature_flags() -> Dict[int, str]:
    """KVM_FEATURE_* bits of KVM leaf base+1 EAX: bit number -> name."""
    return _flags(_F.hvx_kvm_feature_flags)


def kvm_hint_flags() -> Dict[int, str]:
    """KVM_HINTS_* bits of KVM leaf base+1 EDX."""
    return _flags(_F.hvx_kvm_hint_flags)


def xen_hvm_flags() -> Dict[int, str]:
    """XEN_HVM_CPUID_* bits of Xen leaf base+4 EAX."""
    return _flags(_F.hvx_xen_hvm_flags)
