"""qcow2 through the bindings: backing chains, corruption, check, info,
compression, create options; qemu-img and qemu-io are the oracles."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

import hvx
from conftest import MIB, leftovers, mkpattern, qemu_compare, qemu_info, tool


def qemu_io(path: Path, *commands: str) -> None:
    args = ["qemu-io", "-f", "qcow2"]
    for c in commands:
        args += ["-c", c]
    tool(args + [str(path)], check=True)


def qemu_raw(path: Path, out: Path) -> bytes:
    tool(["qemu-img", "convert", "-O", "raw", str(path), str(out)],
         check=True)
    return out.read_bytes()


@pytest.fixture
def chain(tmp_path: Path):
    """base.qcow2 (a pattern) <- top.qcow2 (a few writes), made by qemu."""
    raw = tmp_path / "src.raw"
    mkpattern(raw, 4)
    base, top = tmp_path / "base.qcow2", tmp_path / "top.qcow2"
    tool(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw),
          str(base)], check=True)
    tool(["qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2",
          "-F", "qcow2", str(top)], check=True)
    qemu_io(top, "write -P 0xbb 1100k 5k", "write -z 3M 128k")
    return base, top


def test_qcow2_is_supported():
    assert "qcow2" in hvx.formats()


def test_backing_chain(chain, tmp_path: Path, qemu_img):
    base, top = chain
    want = qemu_raw(top, tmp_path / "ref.raw")
    with hvx.Image.open(top) as img:
        assert img.format == "qcow2"
        back = img.backing
        assert back is not None and back.format == "qcow2"
        assert os.path.samefile(back.filename, base)
        assert [i.format for i in img.chain()] == ["qcow2", "qcow2"]
        assert img.pread(len(want), 0) == want
        info = img.info()
        q = qemu_info(top, "qcow2")
        assert info.backing_file == q["backing-filename"] == "base.qcow2"
        assert info["backing_format"] == q["backing-filename-format"]
        # only what top itself holds is allocated in it
        allocated = [e for e in img.extents() if e.allocated]
        assert allocated and all(e.offset < 3 * MIB + 128 * 1024
                                 for e in allocated)
        assert back.closed is False
    # the backing image belongs to the top one
    assert back.closed
    with pytest.raises(ValueError, match="closed"):
        back.pread(1, 0)
    back.close()  # harmless


def test_backing_can_be_left_closed(chain):
    _, top = chain
    with hvx.Image.open(top, backing=False) as img:
        assert img.backing is None
        assert img.pread(4096, 0) == bytes(4096)  # from base otherwise
        assert img.pread(5 * 1024, 1100 * 1024) == b"\xbb" * 5 * 1024


def test_backing_outside_the_directory_is_refused(chain, tmp_path: Path):
    base, _ = chain
    sub = tmp_path / "sub"
    sub.mkdir()
    top = sub / "escape.qcow2"
    tool(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F",
          "qcow2", str(top)], check=True)
    with pytest.raises(hvx.PermissionDeniedError) as e:
        hvx.Image.open(top)
    assert isinstance(e.value, PermissionError)
    assert e.value.errno == 1
    assert str(base) in str(e.value) or "base.qcow2" in str(e.value)
    with hvx.Image.open(top, backing_anywhere=True) as img:
        assert img.backing is not None


def test_create_overlay_with_options(chain, tmp_path: Path):
    base, _ = chain
    over = tmp_path / "over.qcow2"
    opts = {"backing_file": "base.qcow2", "backing_fmt": "qcow2",
            "cluster_size": "128K", "lazy_refcounts": False}
    with hvx.Image.create(over, "qcow2", 4 * MIB, opts) as img:
        img.pwrite(b"overlay!", 12345)
    q = qemu_info(over, "qcow2")
    assert q["cluster-size"] == 128 * 1024
    assert q["backing-filename"] == "base.qcow2"
    assert tool(["qemu-img", "check", "-q", str(over)]).returncode == 0
    with hvx.Image.open(over) as img, hvx.Image.open(base) as b:
        assert img.pread(8, 12345) == b"overlay!"
        assert img.pread(4096, 2 * MIB) == b.pread(4096, 2 * MIB)


def test_unsupported_option_is_unsupported_error(tmp_path: Path):
    p = tmp_path / "lazy.qcow2"
    with pytest.raises(hvx.UnsupportedError, match="lazy_refcounts"):
        hvx.Image.create(p, "qcow2", MIB, {"lazy_refcounts": True})
    with pytest.raises(hvx.InvalidArgumentError, match="cluster_size"):
        hvx.Image.create(p, "qcow2", MIB, "cluster_size=3000")
    assert not p.exists()


def _header_field(path: Path, offset: int, value: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(struct.pack(">Q", value))


def test_corrupt_header_raises_corrupt_image_error(tmp_path: Path):
    p = tmp_path / "bad.qcow2"
    hvx.Image.create(p, "qcow2", 4 * MIB).close()
    _header_field(p, 40, 0x40000000)  # l1_table_offset, far past EOF
    # qemu-img check calls it corrupt too (exit 2), naming the offset
    q = tool(["qemu-img", "check", str(p)])
    assert q.returncode == 2 and "0x40000000" in q.stdout + q.stderr
    with pytest.raises(hvx.CorruptImageError) as e:
        hvx.Image.open(p, "qcow2")
    assert isinstance(e.value, hvx.FormatError)
    assert e.value.errno == 74  # EBADMSG
    msg = str(e.value)
    assert "qcow2" in msg and "L1" in msg and "0x40000000" in msg


def test_check_agrees_with_qemu_img(tmp_path: Path, pattern):
    src, _ = pattern
    p = tmp_path / "c.qcow2"
    hvx.convert(src, p, format="qcow2")
    with hvx.Image.open(p) as img:
        assert img.check().clean
    # a refcount raised from 1 to 2 (the header's cluster): a leak
    with open(p, "r+b") as f:
        f.seek(128 * 1024)  # hvx puts the first refcount block at cluster 2
        f.write(b"\x00\x02")
    q = json.loads(tool(["qemu-img", "check", "--output=json",
                         str(p)]).stdout)
    with hvx.Image.open(p) as img:
        r = img.check()
    assert q.get("leaks", 0) > 0 and q.get("corruptions", 0) == 0
    assert r.leaks > 0 and r.corruptions == 0
    assert r.problems[0].kind is hvx.ProblemKind.LEAK
    assert r.problems[0].offset == 0
    # a refcount of 0 for a data cluster in use: corruption
    with open(p, "r+b") as f:
        f.seek(128 * 1024 + 10)
        f.write(b"\x00\x00")
    q = json.loads(tool(["qemu-img", "check", "--output=json",
                         str(p)]).stdout)
    with hvx.Image.open(p) as img:
        r = img.check()
    assert q.get("corruptions", 0) > 0
    assert r.corruptions > 0 and not r.clean
    assert any(x.kind is hvx.ProblemKind.CORRUPTION and x.offset == 0x50000
               for x in r.problems)


def test_compressed_conversion(pattern, tmp_path: Path, qemu_img):
    src, _ = pattern
    plain, packed = tmp_path / "plain.qcow2", tmp_path / "packed.qcow2"
    hvx.convert(src, plain, format="qcow2")
    hvx.convert(src, packed, format="qcow2", compress=True,
                options={"cluster_size": 65536})
    for p in (plain, packed):
        assert qemu_compare(src, "raw", p, "qcow2").returncode == 0
        assert tool(["qemu-img", "check", "-q", str(p)]).returncode == 0
    # the text MiB compresses well
    assert packed.stat().st_size < plain.stat().st_size
    assert leftovers(tmp_path) == []


def test_flatten_chain_matches_qemu(chain, tmp_path: Path, qemu_img):
    _, top = chain
    flat = tmp_path / "flat.qcow2"
    d = hvx.convert(top, flat, format="qcow2", digest="sha256")
    assert qemu_compare(top, "qcow2", flat, "qcow2").returncode == 0
    with hvx.Image.open(flat) as img:
        assert img.backing is None
        assert img.digest() == d
    # and without the backing file, only top's own data is copied
    alone = tmp_path / "alone.raw"
    hvx.convert(top, alone, backing=False)
    data = alone.read_bytes()
    assert data[:4096] == bytes(4096)
    assert data[1100 * 1024:1105 * 1024] == b"\xbb" * 5 * 1024
