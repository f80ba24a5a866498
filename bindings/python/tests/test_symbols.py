"""The bindings cover the C API exactly, and show no ctypes.

Every hvx_* function libhvx.so exports must be bound by the package (in
a ``_lib.bind`` table, and called from the wrapper code) or listed in
``hvx._lib.UNBOUND`` with a reason; nothing may be bound that the library
does not export.  A C function added without bindings fails here.
"""

from __future__ import annotations

import ctypes
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

import hvx
from hvx import _lib
from conftest import tool

PACKAGE = Path(hvx.__file__).parent


def exported() -> set:
    out = tool(["nm", "-D", "--defined-only", hvx.library_path()],
               check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        # "ADDRESS TYPE NAME[@VERSION]"; functions are T (text)
        if len(parts) == 3 and parts[1] in ("T", "W", "i"):
            names.add(parts[2].split("@")[0])
    return {n for n in names if n.startswith("hvx_")}


def test_library_exports_hvx_functions():
    syms = exported()
    # the test must be able to fail: nm must have found the API
    assert {"hvx_open", "hvx_convert", "hvx_errno"} <= syms


def test_every_exported_function_is_bound_or_excluded():
    syms = exported()
    bound = set(_lib.declared_names())
    excluded = set(_lib.UNBOUND)
    assert not bound & excluded, "both bound and excluded"
    missing = sorted(syms - bound - excluded)
    assert missing == [], ("exported by libhvx but neither bound by the "
                           f"Python package nor in _lib.UNBOUND: {missing}")
    stale = sorted((bound | excluded) - syms)
    assert stale == [], f"bound or excluded but not exported: {stale}"
    for name, reason in _lib.UNBOUND.items():
        assert reason.strip(), f"{name}: exclusion without a reason"


def test_every_bound_function_is_used():
    """Declaring a prototype is not covering it: each bound function
    must be called by the package's code."""
    used = set()
    for py in PACKAGE.glob("*.py"):
        text = py.read_text(encoding="utf-8")
        # called, or handed to _lib.call_with to call
        used |= set(re.findall(r"\b_[Ff]\.(hvx_\w+)\b", text))
    unused = sorted(set(_lib.declared_names()) - used)
    assert unused == [], f"bound but never called: {unused}"


AREAS = [hvx.hypercall, hvx.detect, hvx.enlightenment, hvx.vm, hvx.report,
         hvx.xen, hvx.hyperv]


def _public_objects():
    for name in hvx.__all__:
        yield name, getattr(hvx, name)
    for mod in AREAS:
        for name in mod.__all__:
            yield f"{mod.__name__}.{name}", getattr(mod, name)


def test_all_names_exist_and_are_documented():
    for name, obj in _public_objects():
        if name.startswith("__") or not (inspect.isclass(obj) or
                                         inspect.isfunction(obj)):
            continue  # type aliases, the version string
        assert inspect.getdoc(obj), f"hvx.{name} has no docstring"


def _ctypes_mentioned(annotation) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return "ctypes" in text or re.search(r"\bc_\w+", text) is not None


def test_no_ctypes_in_public_signatures():
    for name, obj in _public_objects():
        members = [(name, obj)]
        if inspect.isclass(obj):
            members += [(f"{name}.{m}", v) for m, v in vars(obj).items()
                        if not m.startswith("_") or m in ("__init__",)]
        for qual, member in members:
            fn = member.fget if isinstance(member, property) else member
            fn = getattr(fn, "__func__", fn)
            if not callable(fn):
                continue
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                continue
            for p in sig.parameters.values():
                assert not _ctypes_mentioned(p.annotation), (qual, p)
            assert not _ctypes_mentioned(sig.return_annotation), qual
        if dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                assert not _ctypes_mentioned(f.type), (name, f.name)


def _assert_plain(value, where: str) -> None:
    assert not isinstance(value, (ctypes._SimpleCData, ctypes.Array,
                                  ctypes.Structure, ctypes._Pointer,
                                  ctypes._CFuncPtr)), where
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _assert_plain(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            _assert_plain(v, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), where
            _assert_plain(v, f"{where}[{k!r}]")


def test_no_ctypes_in_returned_values(pattern, tmp_path):
    path, _ = pattern
    with hvx.Image.open(path) as img:
        for what in ("format", "size", "filename", "backing"):
            _assert_plain(getattr(img, what), what)
        _assert_plain(img.info(), "info()")
        _assert_plain(img.check(), "check()")
        _assert_plain(img.block_status(0, 4096), "block_status()")
        _assert_plain(list(img.extents()), "extents()")
        _assert_plain(img.pread(10, 0), "pread()")
        _assert_plain(img.compare(img), "compare()")
        _assert_plain(img.digest(), "digest()")
        # the handle stays private: nothing public exposes it
        assert not [a for a in dir(img) if not a.startswith("_") and
                    isinstance(getattr(img, a), int) and
                    not isinstance(getattr(img, a), bool) and a != "size"]
    _assert_plain(hvx.formats(), "formats()")
    _assert_plain(hvx.convert(path, tmp_path / "o.raw", digest="sha1"),
                  "convert()")
    try:
        hvx.Image.open(tmp_path / "missing")
    except hvx.Error as e:
        _assert_plain(e.args, "Error.args")
    else:
        pytest.fail("opening a missing file succeeded")
