"""The ctypes mirrors of the public C structs match the C compiler's
layout, field by field: a mismatch would read garbage, or let C write
past a Python buffer."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import hvx
from conftest import tool

MODULES = [hvx.hypercall, hvx.detect, hvx.enlightenment, hvx.xen]


def include_dir() -> Path:
    top = os.environ.get("top_srcdir")
    d = Path(top) / "include" if top else \
        Path(hvx.__file__).resolve().parents[3] / "include"
    assert (d / "hvx.h").exists(), f"no public headers in {d}"
    return d


def test_struct_layouts_match_c(tmp_path: Path):
    prog = ["#include <stdio.h>", "#include <stddef.h>", "#include <hvx.h>",
            "int main(void)", "{"]
    mirrors = {}
    for mod in MODULES:
        for cname, cls in mod.LAYOUTS.items():
            mirrors[cname] = cls
            prog.append(f'  printf("{cname} . %zu %zu\\n", (size_t)0, '
                        f'sizeof(struct {cname}));')
            for fname, _ in cls._fields_:
                prog.append(
                    f'  printf("{cname} {fname} %zu %zu\\n", '
                    f'offsetof(struct {cname}, {fname}), '
                    f'sizeof(((struct {cname} *)0)->{fname}));')
    prog += ["  return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(prog) + "\n")
    exe = tmp_path / "layout"
    r = tool(["cc", "-std=c99", "-I", str(include_dir()), "-o", str(exe),
              str(src)])
    assert r.returncode == 0, r.stderr  # a field name the header lacks
    out = tool([str(exe)], check=True).stdout.splitlines()
    assert len(out) == sum(1 + len(c._fields_) for c in mirrors.values())
    for line in out:
        cname, fname, off, size = line.split()
        cls = mirrors[cname]
        if fname == ".":
            assert ctypes.sizeof(cls) == int(size), f"sizeof(struct {cname})"
        else:
            f = getattr(cls, fname)
            assert (f.offset, f.size) == (int(off), int(size)), \
                f"struct {cname}.{fname}"
