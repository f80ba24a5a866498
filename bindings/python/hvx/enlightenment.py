"""Hyper-V enlightenments and how Xen, QEMU/KVM and libvirt name them.

Wraps include/hvx/enlightenment.h.  Features are named by strings
("stimer", "synic", ...: see :func:`enlightenments`); a configuration in
any vocabulary reduces to an :class:`EnlConfig`, and :func:`compat` says
what a target must enable to give a guest what its source gave it.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import (POINTER, Structure, c_char, c_char_p, c_int, c_size_t,
                    c_uint, c_uint32, c_uint64)
from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional, Tuple, Union

from . import _lib
from . import errors
from .detect import CpuidDump, _Detect, _detect_c

__all__ = ["Vocabulary", "EnlStatus", "EnlightenmentInfo", "EnlConfig",
           "CompatItem", "CompatReport", "enlightenments", "enlightenment",
           "enlightenment_closure", "xl_groups", "parse_enlightenments",
           "enlightenments_from_cpuid", "compat"]

_COUNT_MAX = 64     # an hvx_enl_set is 64 bits
_ITEMS = 32         # HVX_ENL_COUNT when these bindings were written;
#                     tests/test_layouts.py checks it against the header
_CONFIG_MAX = 2048
XL_GROUP_COUNT = 13


class _Info(Structure):
    _fields_ = [("name", c_char_p), ("description", c_char_p),
                ("cpuid_leaf", c_uint32), ("cpuid_reg", c_uint),
                ("cpuid_mask", c_uint32), ("requires", c_uint64),
                ("xl", c_char_p), ("xl_note", c_char_p), ("qemu", c_char_p),
                ("qemu_note", c_char_p), ("libvirt", c_char_p)]


class _Config(Structure):
    _fields_ = [("set", c_uint64), ("spinlock_retries", c_uint32),
                ("xl_groups", c_uint32), ("viridian_mask", c_uint32)]


class _Item(Structure):
    _fields_ = [("feature", c_uint), ("status", c_uint),
                ("reason", c_char * 200)]


class _Report(Structure):
    _fields_ = [("target_vocab", c_uint), ("source", _Config),
                ("target", _Config), ("n_items", c_size_t),
                ("items", _Item * _ITEMS), ("config", c_char * _CONFIG_MAX)]


LAYOUTS = {"hvx_enl_info": _Info, "hvx_enl_config": _Config,
           "hvx_enl_item": _Item, "hvx_enl_report": _Report}

_F = _lib.bind({
    "hvx_enl_info": (POINTER(_Info), [c_uint], _lib.NO_ERROR),
    "hvx_enl_by_name": (c_int, [c_char_p], _lib.NO_ERROR),
    "hvx_enl_closure": (c_uint64, [c_uint64], _lib.NO_ERROR),
    "hvx_vocab_by_name": (c_int, [c_char_p], _lib.NO_ERROR),
    "hvx_vocab_name": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_xl_group_name": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_enl_parse": (c_int, [c_uint, c_char_p, POINTER(_Config)],
                      _lib.STATUS),
    "hvx_enl_from_detect": (None, [POINTER(_Detect), POINTER(_Config)],
                            _lib.NO_ERROR),
    "hvx_enl_status_name": (c_char_p, [c_uint], _lib.OPTIONAL_STRING),
    "hvx_enl_compat": (c_int, [POINTER(_Config), c_uint, POINTER(_Report)],
                       _lib.STATUS),
})


class Vocabulary(enum.IntEnum):
    """How a configuration names enlightenments."""
    HV = 0       #: hvx feature names: "synic,stimer"
    XL = 1       #: xl.cfg: viridian = [ "base", ... ]
    QEMU = 2     #: -cpu ...,hv-relaxed,hv-spinlocks=0x1fff
    LIBVIRT = 3  #: <hyperv> XML or a list of its names
    CPUID = 4    #: a CPUID dump (see enlightenments_from_cpuid)

    @property
    def label(self) -> str:
        """libhvx's name for it ("hv", "xl", ...)."""
        return _F.hvx_vocab_name(self.value) or self.name.lower()

    @classmethod
    def from_name(cls, name: Union[str, "Vocabulary"]) -> "Vocabulary":
        """The vocabulary named NAME ("xl", "qemu", ...)."""
        if isinstance(name, Vocabulary):
            return name
        v = _F.hvx_vocab_by_name(_lib.str_arg(name, "vocabulary"))
        if v < 0:
            raise errors.invalid(f"unknown vocabulary '{name}' (use hv, xl, "
                                 "qemu, libvirt or cpuid)")
        return cls(v)


class EnlStatus(enum.IntEnum):
    """What a target does with one feature (see :func:`compat`)."""
    PROVIDED = 0  #: the target provides it
    MISSING = 1   #: the target cannot provide it
    ADDED = 2     #: the target enables it too, unasked

    @property
    def label(self) -> str:
        return _F.hvx_enl_status_name(self.value) or self.name.lower()


@dataclass(frozen=True)
class EnlightenmentInfo:
    """A row of the map: a Hyper-V feature and who provides it.  In the
    vocabulary fields, alternatives are separated by '|', "*" means any
    token of the vocabulary, and None that it cannot express the feature
    (the matching ``*_note`` says why)."""

    index: int
    name: str
    description: str
    cpuid_leaf: Optional[int]  #: 0x4000000X, None without a CPUID bit
    cpuid_reg: str             #: "eax".."edx"
    cpuid_mask: int
    requires: FrozenSet[str]
    xl: Optional[str]
    xl_note: Optional[str]
    qemu: Optional[str]
    qemu_note: Optional[str]
    libvirt: Optional[str]


def _s(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _table() -> Tuple[Tuple[str, ...], Tuple[_Info, ...]]:
    infos = []
    for i in range(_COUNT_MAX):
        p = _F.hvx_enl_info(i)
        if not p:
            break
        infos.append(p.contents)
    return tuple(_s(x.name) or "" for x in infos), tuple(infos)


def _names(mask: int) -> FrozenSet[str]:
    names, _ = _table()
    return frozenset(n for i, n in enumerate(names) if mask >> i & 1)


def _mask(features: Iterable[str]) -> int:
    if isinstance(features, str):
        raise TypeError("features must be a collection of names, not a str")
    m = 0
    for f in features:
        i = _F.hvx_enl_by_name(_lib.str_arg(f, "feature"))
        if i < 0:
            raise errors.invalid(f"unknown enlightenment '{f}'")
        m |= 1 << i
    return m


def enlightenments() -> Tuple[EnlightenmentInfo, ...]:
    """The whole map, in libhvx's order."""
    _, infos = _table()
    return tuple(EnlightenmentInfo(
        i, _s(x.name) or "", _s(x.description) or "",
        x.cpuid_leaf or None, ("eax", "ebx", "ecx", "edx")[x.cpuid_reg & 3],
        x.cpuid_mask, _names(x.requires), _s(x.xl), _s(x.xl_note),
        _s(x.qemu), _s(x.qemu_note), _s(x.libvirt))
        for i, x in enumerate(infos))


def enlightenment(name: str) -> Optional[EnlightenmentInfo]:
    """The feature named NAME ('-' and '_' alike), or None."""
    i = _F.hvx_enl_by_name(_lib.str_arg(name, "name"))
    return enlightenments()[i] if i >= 0 else None


def enlightenment_closure(features: Iterable[str]) -> FrozenSet[str]:
    """FEATURES plus everything they require, transitively."""
    return _names(_F.hvx_enl_closure(_mask(features)))


def xl_groups() -> Tuple[str, ...]:
    """Xen's viridian groups, by bit number ("base", "freq", ...)."""
    return tuple(_F.hvx_xl_group_name(i) or f"group-{i}"
                 for i in range(XL_GROUP_COUNT))


@dataclass(frozen=True)
class EnlConfig:
    """A configuration, in any vocabulary, reduced to features."""

    features: FrozenSet[str] = frozenset()
    #: with "spinlocks": the retry count
    spinlock_retries: Optional[int] = None
    #: xl: the viridian groups enabled
    xl_groups: FrozenSet[str] = frozenset()
    #: xl: the HVM_PARAM_VIRIDIAN value libxl would set
    viridian_mask: int = 0

    @classmethod
    def _from_c(cls, c: _Config) -> "EnlConfig":
        feats = _names(c.set)
        groups = xl_groups()
        return cls(feats, c.spinlock_retries if "spinlocks" in feats
                   else None,
                   frozenset(g for i, g in enumerate(groups)
                             if c.xl_groups >> i & 1),
                   c.viridian_mask)

    def _c(self) -> _Config:
        groups = xl_groups()
        gmask = 0
        for g in self.xl_groups:
            if g not in groups:
                raise errors.invalid(f"unknown xl viridian group '{g}'")
            gmask |= 1 << groups.index(g)
        return _Config(_mask(self.features),
                       _lib.c_int_range(self.spinlock_retries or 0,
                                        "spinlock_retries", 0, 0xFFFFFFFF),
                       gmask, _lib.c_int_range(self.viridian_mask,
                                               "viridian_mask", 0,
                                               0xFFFFFFFF))


def parse_enlightenments(vocabulary: Union[Vocabulary, str],
                         text: str) -> EnlConfig:
    """Parse TEXT in VOCABULARY (not CPUID: see
    :func:`enlightenments_from_cpuid`).

    :raises InvalidArgumentError: naming the offending token.
    :raises UnsupportedError: for QEMU's hv-passthrough."""
    c = _Config()
    _F.hvx_enl_parse(Vocabulary.from_name(vocabulary),
                     _lib.str_arg(text, "text"), ctypes.byref(c))
    return EnlConfig._from_c(c)


def enlightenments_from_cpuid(dump: CpuidDump) -> EnlConfig:
    """The features the Hyper-V leaves of DUMP announce (empty if it has
    no Hyper-V interface)."""
    d = _detect_c(dump)
    c = _Config()
    _F.hvx_enl_from_detect(ctypes.byref(d), ctypes.byref(c))
    return EnlConfig._from_c(c)


@dataclass(frozen=True)
class CompatItem:
    feature: str
    status: EnlStatus
    reason: str


@dataclass(frozen=True)
class CompatReport:
    """What a target must enable to give a guest its source's features."""

    target: Vocabulary
    source_config: EnlConfig
    target_config: EnlConfig   #: what the suggested config gives
    items: Tuple[CompatItem, ...]
    config: str                #: the suggested config, in the target's words

    @property
    def missing(self) -> Tuple[str, ...]:
        """Features the target cannot provide."""
        return tuple(i.feature for i in self.items
                     if i.status == EnlStatus.MISSING)


def compat(source: EnlConfig,
           target: Union[Vocabulary, str]) -> CompatReport:
    """What TARGET (xl, qemu, libvirt or hv) must enable to give a guest
    the features of SOURCE."""
    r = _Report()
    _F.hvx_enl_compat(ctypes.byref(source._c()),
                      Vocabulary.from_name(target), ctypes.byref(r))
    names, _ = _table()
    items = tuple(CompatItem(names[it.feature] if it.feature < len(names)
                             else str(it.feature), EnlStatus(it.status),
                             it.reason.decode("utf-8", "replace"))
                  for it in r.items[:min(r.n_items, _ITEMS)])
    return CompatReport(Vocabulary(r.target_vocab),
                        EnlConfig._from_c(r.source),
                        EnlConfig._from_c(r.target), items,
                        r.config.decode("utf-8", "replace"))
