"""Hypercall interfaces of Hyper-V and Xen: call tables, input/result
values, validation, and trace decoding.

Wraps include/hvx/hypercall.h.  Everything here is pure computation on
values you give; nothing talks to a hypervisor.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import (POINTER, Structure, c_bool, c_char_p, c_int, c_size_t,
                    c_uint, c_uint8, c_uint16, c_uint32, c_uint64, c_ulong)
from dataclasses import dataclass
from typing import (Any, Dict, Iterable, Iterator, List, Optional, Tuple,
                    Union)

from . import _lib
from . import errors

__all__ = [
    "HvCallClass", "HvFast", "HvCallFlag", "HvCall", "HvMsr", "HvCpuidBit",
    "HvInput", "HvResult", "HvViolation", "HvFeature", "Violation",
    "XenCaller", "XenSubopFlag", "XenSubop", "XenHypercall", "XenFrame",
    "XenViolation", "TraceKind", "TraceRecord",
    "hv_calls", "hv_call", "hv_statuses", "hv_status_name", "hv_msrs",
    "hv_msr", "hv_cpuid_bits", "hv_violations", "xen_hypercalls",
    "xen_hypercall", "xen_arg_register", "xen_violations",
    "decode_trace_line", "decode_trace",
]

XEN_MAX_ARGS = 5
_HV_SIZE_UNKNOWN = 0xFFFF


# ---- C layouts (include/hvx/hypercall.h; tests/test_layouts.py checks
# them against the C compiler) -----------------------------------------

class _HvCall(Structure):
    _fields_ = [("code", c_uint16), ("name", c_char_p), ("cls", c_uint),
                ("flags", c_uint), ("in_fixed", c_uint16),
                ("in_elem", c_uint16), ("out_fixed", c_uint16),
                ("out_elem", c_uint16)]


class _HvStatus(Structure):
    _fields_ = [("code", c_uint16), ("name", c_char_p)]


class _HvMsr(Structure):
    _fields_ = [("index", c_uint32), ("name", c_char_p), ("group", c_char_p)]


class _HvCpuidBit(Structure):
    _fields_ = [("leaf", c_uint32), ("reg", c_uint), ("bit", c_uint),
                ("width", c_uint), ("name", c_char_p)]


class _HvInput(Structure):
    _fields_ = [("code", c_uint16), ("fast", c_bool),
                ("var_header_size", c_uint16), ("rsvd_30_27", c_uint8),
                ("nested", c_bool), ("rep_count", c_uint16),
                ("rsvd_47_44", c_uint8), ("rep_start", c_uint16),
                ("rsvd_63_60", c_uint8)]


class _HvResult(Structure):
    _fields_ = [("status", c_uint16), ("rsvd_31_16", c_uint16),
                ("reps_completed", c_uint16), ("rsvd_63_44", c_uint32)]


class _XenSubop(Structure):
    _fields_ = [("op", c_uint), ("name", c_char_p), ("flags", c_uint)]


class _XenHypercall(Structure):
    _fields_ = [("number", c_uint), ("name", c_char_p), ("alias", c_char_p),
                ("nargs", c_uint), ("args", c_char_p), ("flags", c_uint),
                ("subop_prefix", c_char_p),
                ("subops", POINTER(_XenSubop)), ("n_subops", c_size_t)]


class _XenFrame(Structure):
    _fields_ = [("number", c_uint64), ("nargs", c_uint),
                ("args", c_uint64 * XEN_MAX_ARGS)]


class _TraceRecord(Structure):
    _fields_ = [("kind", c_uint), ("hv_value", c_uint64), ("hv", _HvInput),
                ("hv_call", POINTER(_HvCall)), ("has_result", c_bool),
                ("hv_result_value", c_uint64), ("hv_result", _HvResult),
                ("xen", _XenFrame),
                ("xen_call", POINTER(_XenHypercall)),
                ("xen_subop", POINTER(_XenSubop)),
                ("violations", c_uint)]


class _TraceOptions(Structure):
    _fields_ = [("hv_features", c_uint), ("xen_mode", c_uint)]


LAYOUTS = {  # C struct name -> ctypes mirror, for the layout test
    "hvx_hv_call": _HvCall, "hvx_hv_status": _HvStatus,
    "hvx_hv_msr": _HvMsr, "hvx_hv_cpuid_bit": _HvCpuidBit,
    "hvx_hv_input": _HvInput, "hvx_hv_result": _HvResult,
    "hvx_xen_subop": _XenSubop, "hvx_xen_hypercall": _XenHypercall,
    "hvx_xen_frame": _XenFrame, "hvx_trace_record": _TraceRecord,
    "hvx_trace_options": _TraceOptions,
}

_SZ = POINTER(c_size_t)
_F = _lib.bind({
    "hvx_hv_call_fast": (c_uint, [POINTER(_HvCall)], _lib.NO_ERROR),
    "hvx_hv_calls": (POINTER(_HvCall), [_SZ], _lib.NO_ERROR),
    "hvx_hv_call_by_code": (POINTER(_HvCall), [c_uint16], _lib.NO_ERROR),
    "hvx_hv_call_by_name": (POINTER(_HvCall), [c_char_p], _lib.NO_ERROR),
    "hvx_hv_statuses": (POINTER(_HvStatus), [_SZ], _lib.NO_ERROR),
    "hvx_hv_status_name": (c_char_p, [c_uint16], _lib.OPTIONAL_STRING),
    "hvx_hv_msrs": (POINTER(_HvMsr), [_SZ], _lib.NO_ERROR),
    "hvx_hv_msr_by_index": (POINTER(_HvMsr), [c_uint32], _lib.NO_ERROR),
    "hvx_hv_cpuid_bits": (POINTER(_HvCpuidBit), [_SZ], _lib.NO_ERROR),
    "hvx_hv_input_encode": (c_int, [POINTER(_HvInput), POINTER(c_uint64)],
                            _lib.STATUS),
    "hvx_hv_input_decode": (None, [c_uint64, POINTER(_HvInput)],
                            _lib.NO_ERROR),
    "hvx_hv_result_encode": (c_int, [POINTER(_HvResult), POINTER(c_uint64)],
                             _lib.STATUS),
    "hvx_hv_result_decode": (None, [c_uint64, POINTER(_HvResult)],
                             _lib.NO_ERROR),
    "hvx_hv_input_validate": (c_uint, [POINTER(_HvInput), c_uint],
                              _lib.NO_ERROR),
    "hvx_hv_result_validate": (c_uint, [POINTER(_HvInput),
                                        POINTER(_HvResult)], _lib.NO_ERROR),
    "hvx_hv_violation_name": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_hv_violation_text": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_xen_hypercalls": (POINTER(_XenHypercall), [_SZ], _lib.NO_ERROR),
    "hvx_xen_hypercall_by_number": (POINTER(_XenHypercall), [c_uint64],
                                    _lib.NO_ERROR),
    "hvx_xen_hypercall_by_name": (POINTER(_XenHypercall), [c_char_p],
                                  _lib.NO_ERROR),
    "hvx_xen_subop": (POINTER(_XenSubop), [POINTER(_XenHypercall),
                                           c_uint64], _lib.NO_ERROR),
    "hvx_xen_arg_register": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_xen_frame_validate": (c_uint, [POINTER(_XenFrame), c_uint],
                               _lib.NO_ERROR),
    "hvx_xen_violation_name": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_xen_violation_text": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_trace_decode_line": (c_int, [c_char_p, c_ulong,
                                      POINTER(_TraceOptions),
                                      POINTER(_TraceRecord)], _lib.STATUS),
})


def _s(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _table(fn: Any) -> List[Any]:
    """The entries of a C table returned with its length."""
    n = c_size_t()
    p = fn(ctypes.byref(n))
    return [p[i] for i in range(n.value)] if p else []


# ---- Hyper-V ----------------------------------------------------------

class HvCallClass(enum.IntEnum):
    """TLFS hypercall classes."""
    SIMPLE = 0
    REP = 1
    UNKNOWN = 2  #: known only from Linux's header


class HvFast(enum.IntEnum):
    """The cheapest calling convention a call can use."""
    NONE = 0     #: memory-based only
    REG = 1      #: input in RDX and R8
    XMM = 2      #: input in RDX, R8 and XMM0-XMM5
    UNKNOWN = 3  #: parameter sizes not documented


class HvCallFlag(enum.IntFlag):
    VAR_HEADER = 0x1   #: accepts a variable-size input header
    TLFS_PAGE = 0x2    #: has its own TLFS reference page
    LINUX_ONLY = 0x4   #: named only in Linux hvgdk_mini.h
    XEN = 0x8          #: served by Xen's viridian code
    XEN_FAST = 0x10    #: ... and Xen accepts it fast


def _size(v: int) -> Optional[int]:
    return None if v == _HV_SIZE_UNKNOWN else v


@dataclass(frozen=True)
class HvCall:
    """A Hyper-V hypercall.  Parameter sizes are bytes, None where the
    TLFS does not give them."""

    code: int
    name: str
    cls: HvCallClass
    flags: HvCallFlag
    in_fixed: Optional[int]
    in_elem: Optional[int]
    out_fixed: Optional[int]
    out_elem: Optional[int]
    fast: HvFast  #: the cheapest calling convention, for one rep


def _hv_call(c: _HvCall) -> HvCall:
    return HvCall(c.code, _s(c.name) or "", HvCallClass(c.cls),
                  HvCallFlag(c.flags), _size(c.in_fixed), _size(c.in_elem),
                  _size(c.out_fixed), _size(c.out_elem),
                  HvFast(_F.hvx_hv_call_fast(ctypes.byref(c))))


def hv_calls() -> Tuple[HvCall, ...]:
    """Every Hyper-V hypercall hvx knows, by code."""
    return tuple(_hv_call(c) for c in _table(_F.hvx_hv_calls))


def hv_call(key: Union[int, str]) -> Optional[HvCall]:
    """The call with code KEY, or named KEY ("HvCallPostMessage";
    "PostMessage" and any case work too); None if unknown."""
    if isinstance(key, str):
        p = _F.hvx_hv_call_by_name(_lib.str_arg(key, "name"))
    else:
        p = _F.hvx_hv_call_by_code(_lib.c_int_range(key, "code", 0, 0xFFFF))
    return _hv_call(p.contents) if p else None


def hv_statuses() -> Dict[int, str]:
    """HV_STATUS codes and their names."""
    return {s.code: _s(s.name) or ""
            for s in _table(_F.hvx_hv_statuses)}


def hv_status_name(status: int) -> Optional[str]:
    """The name of an HV_STATUS code, or None."""
    name: Optional[str] = _F.hvx_hv_status_name(
        _lib.c_int_range(status, "status", 0, 0xFFFF))
    return name


@dataclass(frozen=True)
class HvMsr:
    """A Hyper-V synthetic MSR."""
    index: int
    name: str
    group: str


def _hv_msr(m: _HvMsr) -> HvMsr:
    return HvMsr(m.index, _s(m.name) or "", _s(m.group) or "")


def hv_msrs() -> Tuple[HvMsr, ...]:
    """The synthetic MSRs."""
    return tuple(_hv_msr(m) for m in _table(_F.hvx_hv_msrs))


def hv_msr(index: int) -> Optional[HvMsr]:
    """The synthetic MSR at INDEX, or None."""
    p = _F.hvx_hv_msr_by_index(_lib.c_int_range(index, "index", 0,
                                                0xFFFFFFFF))
    return _hv_msr(p.contents) if p else None


@dataclass(frozen=True)
class HvCpuidBit:
    """A named bit (or field) of the Hyper-V CPUID leaves."""
    leaf: int
    reg: str     #: "eax", "ebx", "ecx" or "edx"
    bit: int     #: lowest bit
    width: int   #: 1 for a flag
    name: str


_REGS = ("eax", "ebx", "ecx", "edx")


def hv_cpuid_bits() -> Tuple[HvCpuidBit, ...]:
    """The named bits of CPUID leaves 0x40000000 to 0x4000000A."""
    return tuple(HvCpuidBit(b.leaf, _REGS[b.reg & 3], b.bit, b.width,
                            _s(b.name) or "")
                 for b in _table(_F.hvx_hv_cpuid_bits))


class HvViolation(enum.IntFlag):
    """Rules a Hyper-V hypercall input or result breaks."""
    BAD_CODE = 0x0001
    BAD_RESERVED = 0x0002
    BAD_REP_ON_SIMPLE = 0x0004
    BAD_REP_COUNT_ZERO = 0x0008
    BAD_REP_START = 0x0010
    BAD_VAR_HEADER = 0x0020
    BAD_FAST = 0x0040
    BAD_FAST_XMM = 0x0080
    BAD_FAST_OUTPUT = 0x0100
    BAD_XEN = 0x0200
    BAD_REPS_DONE = 0x0400
    BAD_RESULT_RESERVED = 0x0800


class HvFeature(enum.IntFlag):
    """Features validation may assume (CPUID 0x40000003 EDX)."""
    XMM_INPUT = 0x1
    XMM_OUTPUT = 0x2
    XEN = 0x4  #: the host is Xen with viridian


@dataclass(frozen=True)
class Violation:
    """One broken rule: its bit, short name and explanation."""
    bit: int
    name: str
    text: str


def _violations(mask: int, name_fn: Any, text_fn: Any) -> List[Violation]:
    out = []
    for i in range(32):
        bit = 1 << i
        if mask & bit:
            out.append(Violation(bit, name_fn(bit) or f"bit-{i}",
                                 text_fn(bit) or ""))
    return out


def hv_violations(mask: int) -> List[Violation]:
    """The Hyper-V violations in MASK, named and explained."""
    return _violations(mask, _F.hvx_hv_violation_name,
                       _F.hvx_hv_violation_text)


@dataclass(frozen=True)
class HvInput:
    """The 64-bit Hyper-V hypercall input value, field by field.
    Reserved fields are kept so that any value round-trips."""

    code: int
    fast: bool = False
    var_header_size: int = 0   #: in 8-byte units
    rep_count: int = 0
    rep_start: int = 0
    nested: bool = False
    rsvd_30_27: int = 0
    rsvd_47_44: int = 0
    rsvd_63_60: int = 0

    def _c(self) -> _HvInput:
        # Range-check against the C field types first (ctypes would
        # truncate silently); hvx_hv_input_encode then checks the bit
        # widths, naming the field.
        return _lib.fill(_HvInput(), self, "hv input")

    @classmethod
    def _from_c(cls, c: _HvInput) -> "HvInput":
        return cls(**{f: getattr(c, f) for f, _ in _HvInput._fields_})

    def encode(self) -> int:
        """The 64-bit value.  :raises InvalidArgumentError: naming the
        first field too wide for its bits."""
        out = c_uint64()
        _F.hvx_hv_input_encode(ctypes.byref(self._c()), ctypes.byref(out))
        return out.value

    @classmethod
    def decode(cls, value: int) -> "HvInput":
        """Every field of the 64-bit VALUE."""
        c = _HvInput()
        _F.hvx_hv_input_decode(_lib.u64(value, "value"), ctypes.byref(c))
        return cls._from_c(c)

    def validate(self, features: int = 0) -> HvViolation:
        """The rules this input breaks (empty when valid), given the
        FEATURES (:class:`HvFeature`) the hypervisor offers."""
        return HvViolation(_F.hvx_hv_input_validate(
            ctypes.byref(self._c()), _lib.c_int_range(features, "features",
                                                      0, 0xFFFFFFFF)))

    @property
    def call(self) -> Optional[HvCall]:
        """The call this input names, or None."""
        return hv_call(self.code)


@dataclass(frozen=True)
class HvResult:
    """The 64-bit Hyper-V hypercall result value, field by field."""

    status: int
    reps_completed: int = 0
    rsvd_31_16: int = 0
    rsvd_63_44: int = 0

    def _c(self) -> _HvResult:
        return _lib.fill(_HvResult(), self, "hv result")

    def encode(self) -> int:
        """The 64-bit value (InvalidArgumentError if a field is too wide)."""
        out = c_uint64()
        _F.hvx_hv_result_encode(ctypes.byref(self._c()), ctypes.byref(out))
        return out.value

    @classmethod
    def decode(cls, value: int) -> "HvResult":
        c = _HvResult()
        _F.hvx_hv_result_decode(_lib.u64(value, "value"), ctypes.byref(c))
        return cls(c.status, c.reps_completed, c.rsvd_31_16, c.rsvd_63_44)

    def validate(self, input: HvInput) -> HvViolation:
        """The rules this result breaks as the answer to INPUT."""
        return HvViolation(_F.hvx_hv_result_validate(
            ctypes.byref(input._c()), ctypes.byref(self._c())))

    @property
    def status_name(self) -> Optional[str]:
        return hv_status_name(self.status)


# ---- Xen --------------------------------------------------------------

class XenCaller(enum.IntFlag):
    """Where a Xen hypercall may be made from."""
    PV64 = 0x1
    HVM64 = 0x2
    REMOVED = 0x4  #: number reserved, no longer served
    COMPAT = 0x8   #: superseded by a newer hypercall


class XenSubopFlag(enum.IntFlag):
    TOOLS = 0x1     #: only with __XEN_TOOLS__ (dom0)
    INTERNAL = 0x2  #: only with __XEN__ (Xen itself)


@dataclass(frozen=True)
class XenSubop:
    """A sub-operation of a Xen hypercall (its first argument)."""
    op: int
    name: str
    flags: XenSubopFlag


def _xen_subop(s: _XenSubop) -> XenSubop:
    return XenSubop(s.op, _s(s.name) or "", XenSubopFlag(s.flags))


@dataclass(frozen=True)
class XenHypercall:
    """A Xen hypercall, as Xen's public headers define it."""

    number: int
    name: str                 #: as in xen.h, without __HYPERVISOR_
    alias: Optional[str]      #: x86 name of an arch_N slot
    nargs: int
    args: Tuple[str, ...]     #: argument names
    flags: XenCaller
    subop_prefix: Optional[str]
    subops: Tuple[XenSubop, ...]

    def subop(self, op: int) -> Optional[XenSubop]:
        """The sub-op selected by first argument OP (memory_op keeps a
        continuation above bit 6), or None."""
        p = _F.hvx_xen_hypercall_by_number(self.number)
        if not p:
            return None
        s = _F.hvx_xen_subop(p, _lib.u64(op, "op"))
        return _xen_subop(s.contents) if s else None


def _xen_call(h: _XenHypercall) -> XenHypercall:
    args = _s(h.args) or ""
    return XenHypercall(
        h.number, _s(h.name) or "", _s(h.alias), h.nargs,
        tuple(a.strip() for a in args.split(",") if a.strip()),
        XenCaller(h.flags), _s(h.subop_prefix),
        tuple(_xen_subop(h.subops[i]) for i in range(h.n_subops))
        if h.subops else ())


def xen_hypercalls() -> Tuple[XenHypercall, ...]:
    """Every Xen hypercall, by number."""
    return tuple(_xen_call(h) for h in _table(_F.hvx_xen_hypercalls))


def xen_hypercall(key: Union[int, str]) -> Optional[XenHypercall]:
    """The hypercall numbered KEY or named KEY ("memory_op",
    "__HYPERVISOR_memory_op", or an alias), or None."""
    if isinstance(key, str):
        p = _F.hvx_xen_hypercall_by_name(_lib.str_arg(key, "name"))
    else:
        p = _F.hvx_xen_hypercall_by_number(_lib.u64(key, "number"))
    return _xen_call(p.contents) if p else None


def xen_arg_register(i: int) -> Optional[str]:
    """The x86-64 register of argument I (0..4), or None beyond."""
    r: Optional[str] = _F.hvx_xen_arg_register(
        _lib.c_int_range(i, "argument", 0, 0xFFFFFFFF))
    return r


class XenViolation(enum.IntFlag):
    """Rules a Xen hypercall frame breaks."""
    BAD_NUMBER = 0x01
    BAD_REMOVED = 0x02
    BAD_EXTRA = 0x04
    BAD_MISSING = 0x08
    BAD_SUBOP = 0x10
    BAD_MODE = 0x20


def xen_violations(mask: int) -> List[Violation]:
    """The Xen violations in MASK, named and explained."""
    return _violations(mask, _F.hvx_xen_violation_name,
                       _F.hvx_xen_violation_text)


@dataclass(frozen=True)
class XenFrame:
    """A Xen hypercall as made: its number and argument registers."""

    number: int
    args: Tuple[int, ...] = ()

    def _c(self) -> _XenFrame:
        if len(self.args) > XEN_MAX_ARGS:
            raise errors.invalid(
                f"xen frame: {len(self.args)} arguments, at most "
                f"{XEN_MAX_ARGS}")
        c = _XenFrame(_lib.u64(self.number, "number"), len(self.args))
        for i, a in enumerate(self.args):
            c.args[i] = _lib.u64(a, f"argument {i}")
        return c

    def validate(self, mode: int = 0) -> XenViolation:
        """The rules this call breaks; MODE is XenCaller.PV64 or HVM64
        to check the guest type, 0 not to."""
        return XenViolation(_F.hvx_xen_frame_validate(
            ctypes.byref(self._c()),
            _lib.c_int_range(mode, "mode", 0, 0xFFFFFFFF)))


# ---- traces -----------------------------------------------------------

class TraceKind(enum.IntEnum):
    NONE = 0  #: blank or comment line
    HV = 1
    XEN = 2


@dataclass(frozen=True)
class TraceRecord:
    """One decoded line of a hypercall trace."""

    kind: TraceKind
    lineno: int
    hv_value: Optional[int] = None
    hv_input: Optional[HvInput] = None
    hv_call: Optional[HvCall] = None
    hv_result_value: Optional[int] = None
    hv_result: Optional[HvResult] = None
    xen_frame: Optional[XenFrame] = None
    xen_call: Optional[XenHypercall] = None
    xen_subop: Optional[XenSubop] = None
    #: HvViolation or XenViolation bits, according to KIND
    violations: int = 0

    def violation_list(self) -> List[Violation]:
        """The broken rules, named and explained."""
        if self.kind == TraceKind.HV:
            return hv_violations(self.violations)
        return xen_violations(self.violations)


def decode_trace_line(line: str, lineno: int = 1, *, hv_features: int = 0,
                      xen_mode: int = 0) -> TraceRecord:
    """Decode one trace line::

        [hv] INPUT [RESULT]        a Hyper-V input (and result) value
        xen NUMBER|NAME [ARG...]   a Xen hypercall and up to 5 arguments

    A blank or comment line gives kind NONE.  Bad syntax raises
    :class:`InvalidArgumentError` naming the line and token; a call that
    breaks the rules is not an error: see ``violations``."""
    opts = _TraceOptions(_lib.c_int_range(hv_features, "hv_features", 0,
                                          0xFFFFFFFF),
                         _lib.c_int_range(xen_mode, "xen_mode", 0,
                                          0xFFFFFFFF))
    rec = _TraceRecord()
    _F.hvx_trace_decode_line(_lib.str_arg(line, "line"),
                             _lib.c_int_range(lineno, "lineno", 0,
                                              (1 << 32) - 1),
                             ctypes.byref(opts), ctypes.byref(rec))
    kind = TraceKind(rec.kind)
    if kind == TraceKind.HV:
        return TraceRecord(
            kind, lineno, hv_value=rec.hv_value,
            hv_input=HvInput._from_c(rec.hv),
            hv_call=_hv_call(rec.hv_call.contents) if rec.hv_call else None,
            hv_result_value=rec.hv_result_value if rec.has_result else None,
            hv_result=HvResult(rec.hv_result.status,
                               rec.hv_result.reps_completed,
                               rec.hv_result.rsvd_31_16,
                               rec.hv_result.rsvd_63_44)
            if rec.has_result else None,
            violations=HvViolation(rec.violations))
    if kind == TraceKind.XEN:
        return TraceRecord(
            kind, lineno,
            xen_frame=XenFrame(rec.xen.number,
                               tuple(rec.xen.args[:rec.xen.nargs])),
            xen_call=_xen_call(rec.xen_call.contents)
            if rec.xen_call else None,
            xen_subop=_xen_subop(rec.xen_subop.contents)
            if rec.xen_subop else None,
            violations=XenViolation(rec.violations))
    return TraceRecord(kind, lineno)


def decode_trace(lines: Union[str, Iterable[str]], *, hv_features: int = 0,
                 xen_mode: int = 0) -> Iterator[TraceRecord]:
    """Decode a trace (a string or an iterable of lines, such as an open
    file), skipping blank and comment lines."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    for n, line in enumerate(lines, 1):
        rec = decode_trace_line(line.rstrip("\n"), n,
                                hv_features=hv_features, xen_mode=xen_mode)
        if rec.kind != TraceKind.NONE:
            yield rec
