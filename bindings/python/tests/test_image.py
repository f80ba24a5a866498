"""hvx.Image: open, create, read, write, info, check, extents."""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import warnings
from pathlib import Path

import pytest

import hvx
from conftest import MIB, WRITABLE_FORMATS, qemu_compare, qemu_info


def test_open_is_a_context_manager(pattern):
    path, _ = pattern
    with hvx.Image.open(path) as img:
        assert not img.closed
        assert img.format == "raw"
        assert img.size == 4 * MIB
        assert len(img) == 4 * MIB
        assert img.filename == str(path)
        assert img.backing is None
        assert list(img.chain()) == [img]
    assert img.closed
    img.close()  # twice is harmless
    with pytest.raises(ValueError, match="closed"):
        img.pread(1, 0)
    assert "closed" in repr(img)


def test_image_cannot_be_constructed_directly():
    with pytest.raises(TypeError, match="Image.open"):
        hvx.Image()


def test_info_agrees_with_qemu_img(pattern, qemu_img):
    path, _ = pattern
    q = qemu_info(path, "raw")
    with hvx.Image.open(path, "raw") as img:
        info = img.info()
    assert isinstance(info, hvx.ImageInfo)
    assert info.format == q["format"] == "raw"
    assert info.virtual_size == q["virtual-size"]
    assert info.actual_size == q["actual-size"]
    assert info.backing_file is None
    assert info["virtual_size"] == str(q["virtual-size"])
    assert info.get("no_such_key") is None
    assert list(info.properties)[:3] == ["format", "virtual_size",
                                         "actual_size"]


def test_pread_and_readinto_match_the_file(pattern):
    path, content = pattern
    with hvx.Image.open(path) as img:
        assert img.pread(4 * MIB, 0) == content
        assert img.pread(10, 4 * MIB - 10) == b"tail-bytes"
        assert img.pread(0, 4 * MIB) == b""
        buf = bytearray(12345)
        assert img.readinto(buf, MIB - 100) == 12345
        assert bytes(buf) == content[MIB - 100:MIB - 100 + 12345]
        with pytest.raises(TypeError, match="writable"):
            img.readinto(b"readonly", 0)


def test_read_range_errors(pattern):
    path, _ = pattern
    with hvx.Image.open(path) as img:
        with pytest.raises(hvx.InvalidArgumentError, match="beyond") as e:
            img.pread(11, 4 * MIB - 10)
        assert e.value.errno == 22
        # ctypes would wrap these silently into huge offsets
        with pytest.raises(hvx.InvalidArgumentError, match="offset -1"):
            img.pread(1, -1)
        with pytest.raises(ValueError, match="length"):
            img.pread(-5, 0)
        with pytest.raises(hvx.InvalidArgumentError, match="out of range"):
            img.pread(1, 1 << 64)
        with pytest.raises(TypeError, match="integer"):
            img.pread(1, 1.5)


def test_create_write_zero_flush(tmp_path: Path, qemu_img):
    for fmt in WRITABLE_FORMATS:
        p = tmp_path / f"new.{fmt}"
        with hvx.Image.create(p, fmt, "2M") as img:
            assert img.format == fmt
            assert img.size == 2 * MIB
            assert img.pwrite(b"hello", 1000) == 5
            assert img.pwrite(bytearray(b"x" * 70000), MIB) == 70000
            assert img.pwrite(memoryview(b"abc")[1:], 5) == 2
            img.zero(MIB + 4096, 8192)
            img.flush()
            assert img.pread(5, 1000) == b"hello"
        # the reference: a raw file with the same writes
        ref = bytearray(2 * MIB)
        ref[1000:1005] = b"hello"
        ref[MIB:MIB + 70000] = b"x" * 70000
        ref[5:7] = b"bc"
        ref[MIB + 4096:MIB + 4096 + 8192] = bytes(8192)
        (tmp_path / "ref.raw").write_bytes(bytes(ref))
        r = qemu_compare(tmp_path / "ref.raw", "raw", p, fmt)
        assert r.returncode == 0, f"{fmt}: {r.stdout}{r.stderr}"


def test_create_refuses_existing_and_bad_options(tmp_path: Path):
    p = tmp_path / "x.raw"
    p.write_bytes(b"keep")
    with pytest.raises(hvx.ExistsError) as e:
        hvx.Image.create(p, "raw", MIB)
    assert isinstance(e.value, FileExistsError)
    assert e.value.errno == 17
    assert str(p) in str(e.value)
    assert p.read_bytes() == b"keep"
    with pytest.raises(hvx.InvalidArgumentError, match="no_such_opt"):
        hvx.Image.create(tmp_path / "y.raw", "raw", MIB,
                         {"no_such_opt": 1})
    with pytest.raises(hvx.InvalidArgumentError, match="bad option"):
        hvx.Image.create(tmp_path / "z.raw", "raw", MIB, {"a,b": 1})
    with pytest.raises(hvx.UnsupportedError, match="no-such-format") as e:
        hvx.Image.create(tmp_path / "w.img", "no-such-format", MIB)
    assert isinstance(e.value, hvx.FormatError)
    assert not (tmp_path / "w.img").exists()


def test_write_needs_writable(pattern):
    path, content = pattern
    with hvx.Image.open(path) as img:
        with pytest.raises(hvx.PermissionDeniedError) as e:
            img.pwrite(b"x", 0)
        assert isinstance(e.value, PermissionError)
    assert path.read_bytes()[:1] == content[:1]
    with hvx.Image.open(path, writable=True) as img:
        img.pwrite(b"XY", 3)
    assert path.read_bytes()[3:5] == b"XY"


def test_open_errors(tmp_path: Path):
    missing = tmp_path / "missing.img"
    with pytest.raises(hvx.NotFoundError) as e:
        hvx.Image.open(missing)
    assert isinstance(e.value, FileNotFoundError)
    assert isinstance(e.value, hvx.Error)
    assert e.value.errno == 2
    assert str(missing) in str(e.value)
    missing.write_bytes(bytes(512))
    with pytest.raises(hvx.UnsupportedError, match="no-such-format"):
        hvx.Image.open(missing, "no-such-format")
    with pytest.raises(hvx.InvalidArgumentError, match="NUL"):
        hvx.Image.open("a\0b")
    with pytest.raises(TypeError):
        hvx.Image.open(tmp_path, 7)  # format must be a str
    with pytest.raises(hvx.Error) as e:
        hvx.Image.open(tmp_path)  # a directory
    assert str(tmp_path) in str(e.value)


def test_path_types(pattern):
    path, _ = pattern
    for p in (path, str(path), os.fsencode(path)):
        with hvx.Image.open(p) as img:
            assert img.size == 4 * MIB


def test_extents_describe_the_data(pattern):
    path, content = pattern
    with hvx.Image.open(path) as img:
        ext = list(img.extents())
        assert ext[0].offset == 0
        assert sum(e.length for e in ext) == img.size
        for a, b in zip(ext, ext[1:]):
            assert a.offset + a.length == b.offset
        for e in ext:
            if e.zero:
                assert content[e.offset:e.offset + e.length].count(0) == \
                    e.length, e
        # the random and text MiBs are data, the hole is not allocated
        assert not img.block_status(0, 4096).zero
        hole = img.block_status(3 * MIB, MIB)
        assert hole.zero and not hole.allocated
        assert list(img.extents(MIB, 100))[0].length == 100


def test_check_clean(pattern):
    path, _ = pattern
    with hvx.Image.open(path) as img:
        r = img.check()
    assert isinstance(r, hvx.CheckResult)
    assert r.clean and r.problems == ()
    assert (r.corruptions, r.leaks, r.errors) == (0, 0, 0)


def test_digest_matches_hashlib(pattern):
    path, content = pattern
    with hvx.Image.open(path) as img:
        assert img.digest() == hashlib.sha256(content).hexdigest()
        assert img.digest("sha512") == hashlib.sha512(content).hexdigest()
        with pytest.raises(hvx.InvalidArgumentError, match="no-such-algo"):
            img.digest("no-such-algo")
    assert hvx.digest(path, "md5") == hashlib.md5(content).hexdigest()


def test_compare_agrees_with_qemu_img(pattern, tmp_path: Path, qemu_img):
    path, content = pattern
    other = tmp_path / "other.raw"
    other.write_bytes(content)
    assert hvx.compare(path, other) == hvx.Comparison(True, None)
    assert qemu_compare(path, "raw", other, "raw").returncode == 0
    with open(other, "r+b") as f:
        f.seek(3 * MIB + 12345)
        f.write(b"!")
    r = hvx.compare(path, other, format_a="raw", format_b="raw")
    q = qemu_compare(path, "raw", other, "raw")
    assert q.returncode == 1
    assert not r.identical
    assert r.first_difference == 3 * MIB + 12345
    # qemu-img names the 512-byte sector; hvx the byte
    assert f"offset {r.first_difference & ~511}!" in q.stdout
    # open images work too, and are left open
    with hvx.Image.open(path) as a, hvx.Image.open(other) as b:
        assert a.compare(b).first_difference == 3 * MIB + 12345
        assert hvx.compare(a, a).identical
        assert not a.closed
    with pytest.raises(TypeError):
        hvx.Image.compare(a, str(other))


def test_compare_size_mismatch_tail_zero(tmp_path: Path, qemu_img):
    a, b = tmp_path / "a.raw", tmp_path / "b.raw"
    a.write_bytes(b"data" + bytes(4092))
    b.write_bytes(b"data" + bytes(8188))
    assert hvx.compare(a, b).identical
    assert qemu_compare(a, "raw", b, "raw").returncode == 0


def test_concurrent_reads_share_one_handle(pattern):
    """A handle may be used from several threads: calls are serialized."""
    path, content = pattern
    failures = []
    with hvx.Image.open(path) as img:
        def reader(k: int) -> None:
            for i in range(40):
                off = (k * 7919 + i * 104729) % (4 * MIB - 4096)
                if img.pread(4096, off) != content[off:off + 4096]:
                    failures.append((k, off))
        threads = [threading.Thread(target=reader, args=(k,))
                   for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_unclosed_image_warns_and_is_released(pattern):
    path, _ = pattern
    img = hvx.Image.open(path)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        del img
        gc.collect()
    assert any(issubclass(x.category, ResourceWarning) for x in w)


def test_module_helpers(pattern):
    path, _ = pattern
    assert "raw" in hvx.formats()
    assert hvx.probe(path) == "raw"
    assert hvx.parse_size("64K") == 65536
    assert hvx.parse_size("2G") == 2 << 30
    assert hvx.parse_size("123") == 123
    with pytest.raises(hvx.InvalidArgumentError, match="1.5G"):
        hvx.parse_size("1.5G")
    with pytest.raises(hvx.NotFoundError):
        hvx.probe(path.parent / "nope")
    assert hvx.library_version().count(".") == 2
    assert os.path.basename(hvx.library_path()).startswith("libhvx.so")
