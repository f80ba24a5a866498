"""Shared fixtures for the hvx binding tests.

The tests run against the library HVX_LIBRARY names (the build tree's,
under `make check`).  Tools we did not write (qemu-img, nm) are the
oracles; under CI or HVX_STRICT=1 a missing one is a failure, never a
skip, since a skipped oracle proves nothing.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest

import hvx

STRICT = os.environ.get("CI") == "true" or os.environ.get("HVX_STRICT") == "1"
MIB = 1 << 20

# hvx format name -> qemu-img's name for it
QEMU_NAME = {"raw": "raw", "qcow2": "qcow2", "vhd": "vpc", "vhdx": "vhdx"}


def require(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    if STRICT:
        pytest.fail(f"required tool '{name}' is missing")
    pytest.skip(f"'{name}' not installed")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def qemu_img() -> str:
    return require("qemu-img")


def tool(args: List[str], check: bool = False) -> subprocess.CompletedProcess:
    """Run an oracle tool.  The ASan runtime this process may have
    preloaded (tests/pylib.sh) is not for it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    return subprocess.run([require(args[0])] + args[1:], env=env,
                          capture_output=True, text=True, check=check)


def hvx_cli(*args: str, input: Optional[str] = None,
            ok_codes: Tuple[int, ...] = (0,)) -> Any:
    """Run the hvx command (written in C against the same structs the
    bindings mirror) and return its JSON output."""
    exe = os.environ.get("HVX")
    if not exe or not os.access(exe, os.X_OK):
        if STRICT:
            pytest.fail("HVX does not name the hvx command")
        pytest.skip("HVX not set")
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    r = subprocess.run([exe, *args], input=input, env=env,
                       capture_output=True, text=True, check=False)
    assert r.returncode in ok_codes, r.stderr
    return json.loads(r.stdout)


def source_dir() -> Path:
    """The source tree (for its test data)."""
    top = os.environ.get("top_srcdir")
    return Path(top) if top else Path(__file__).resolve().parents[3]


def qemu_compare(a: Path, fa: str, b: Path,
                 fb: str) -> subprocess.CompletedProcess:
    return tool(["qemu-img", "compare", "-f", QEMU_NAME[fa], "-F",
                 QEMU_NAME[fb], str(a), str(b)])


def qemu_info(path: Path, fmt: str) -> dict:
    out = tool(["qemu-img", "info", "--output=json", "-f", QEMU_NAME[fmt],
                str(path)], check=True)
    return json.loads(out.stdout)


def mkpattern(path: Path, mib: int, seed: int = 1) -> bytes:
    """A raw file of MIB MiB mixing random data, text, written zeros and
    holes (one per MiB, in turn) and an odd-sized tail; returns its
    content."""
    rnd = random.Random(seed)
    content = bytearray(mib * MIB)
    with open(path, "wb") as f:
        f.truncate(mib * MIB)
        for i in range(mib):
            kind = i % 4
            if kind == 0:
                chunk = rnd.randbytes(MIB)
            elif kind == 1:
                chunk = (b"hvx-compressible\n" * (MIB // 17 + 1))[:MIB]
            elif kind == 2:
                chunk = bytes(MIB)
            else:
                continue  # hole
            f.seek(i * MIB)
            f.write(chunk)
            content[i * MIB:(i + 1) * MIB] = chunk
        tail = b"tail-bytes"
        f.seek(mib * MIB - len(tail))
        f.write(tail)
        content[-len(tail):] = tail
    return bytes(content)


@pytest.fixture
def pattern(tmp_path: Path):
    """(path, content) of a 4 MiB raw pattern image."""
    p = tmp_path / "src.raw"
    return p, mkpattern(p, 4)


def leftovers(directory: Path) -> List[str]:
    """Temporary files hvx convert may have left behind."""
    return [p.name for p in directory.iterdir() if ".hvx-" in p.name]


def _writable(fmt: str) -> bool:
    d = tempfile.mkdtemp(prefix="hvx-py-")
    try:
        hvx.Image.create(os.path.join(d, "probe"), fmt, MIB).close()
        return True
    except hvx.UnsupportedError:
        return False
    finally:
        shutil.rmtree(d)


# The formats this build can create and qemu-img can read: conversion
# tests run once for each, so a new driver is covered as it lands.
WRITABLE_FORMATS = [f for f in hvx.formats() if f in QEMU_NAME and
                    _writable(f)]
