"""hvx.convert / hvx.Conversion, checked with qemu-img compare."""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from pathlib import Path

import pytest

import hvx
from conftest import (MIB, WRITABLE_FORMATS, leftovers, mkpattern,
                      qemu_compare)


@pytest.mark.parametrize("fmt", WRITABLE_FORMATS)
def test_convert_each_format(fmt: str, pattern, tmp_path: Path, qemu_img):
    src, content = pattern
    dst = tmp_path / f"out.{fmt}"
    seen = []
    digest = hvx.convert(src, dst, format=fmt, digest="sha256",
                         progress=lambda d, t: seen.append((d, t)))
    assert digest == hashlib.sha256(content).hexdigest()
    r = qemu_compare(src, "raw", dst, fmt)
    assert r.returncode == 0, r.stdout + r.stderr
    # progress: non-decreasing, right total, finishes
    assert seen and all(t == len(content) for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == len(content)
    assert leftovers(tmp_path) == []
    with hvx.Image.open(dst) as img:
        assert img.format == fmt
        assert img.check().clean
    # and back to raw: hvx reads what it wrote
    back = tmp_path / f"back-{fmt}.raw"
    hvx.convert(dst, back, source_format=fmt)
    assert back.read_bytes() == content


def test_convert_without_sync(pattern, tmp_path: Path, qemu_img):
    src, _ = pattern
    dst = tmp_path / "nosync.qcow2"
    hvx.convert(src, dst, format="qcow2", sync=False, threads=3)
    assert qemu_compare(src, "raw", dst, "qcow2").returncode == 0


def test_convert_result_is_sparse(pattern, tmp_path: Path):
    src, _ = pattern
    dst = tmp_path / "sparse.raw"
    assert hvx.convert(src, dst) is None  # no digest asked for
    # a quarter random, a quarter text: about 2 of 4 MiB hold data
    assert dst.stat().st_blocks * 512 <= int(2.5 * MIB)


def test_existing_destination(pattern, tmp_path: Path):
    src, content = pattern
    dst = tmp_path / "dst.raw"
    dst.write_bytes(b"precious")
    with pytest.raises(hvx.ExistsError, match="exists") as e:
        hvx.convert(src, dst)
    assert isinstance(e.value, FileExistsError)
    assert dst.read_bytes() == b"precious"
    hvx.convert(src, dst, overwrite=True)
    assert dst.read_bytes() == content
    assert leftovers(tmp_path) == []


def test_exception_in_progress_cancels_and_is_reraised(pattern,
                                                        tmp_path: Path):
    src, _ = pattern
    dst = tmp_path / "never.raw"

    class Boom(Exception):
        pass

    boom = Boom("stop here")
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done > 0:
            raise boom

    with pytest.raises(Boom) as e:
        hvx.convert(src, dst, progress=progress)
    assert e.value is boom
    assert len(calls) == 2  # no call after the one that raised
    assert not dst.exists()
    assert leftovers(tmp_path) == []


def test_progress_can_cancel_with_cancelled_error(pattern, tmp_path: Path):
    src, _ = pattern

    def progress(done: int, total: int) -> None:
        raise hvx.CancelledError(125, "user said no")

    with pytest.raises(hvx.CancelledError, match="user said no"):
        hvx.convert(src, tmp_path / "x.raw", progress=progress)
    assert list(tmp_path.iterdir()) == [src]


def _slow_progress(done: int, total: int) -> None:
    """Hold the conversion at its first progress report (libhvx reports
    0 first; later reports may be throttled), so that a cancel or signal
    sent meanwhile lands while libhvx is working, whatever the speed of
    the machine."""
    if done == 0:
        time.sleep(0.2)


def test_cancel_from_another_thread(tmp_path: Path):
    src = tmp_path / "big.raw"
    mkpattern(src, 8)
    dst = tmp_path / "dst.raw"
    conv = hvx.Conversion(src, dst, progress=_slow_progress)
    timer = threading.Timer(0.05, conv.cancel)
    timer.start()
    with pytest.raises(hvx.CancelledError) as e:
        conv.run()
    timer.join()
    assert e.value.errno == 125
    assert "cancel" in str(e.value)
    assert not dst.exists() and leftovers(tmp_path) == []
    conv.close()


def test_cancel_before_run(pattern, tmp_path: Path):
    src, _ = pattern
    with hvx.Conversion(src, tmp_path / "d.raw") as conv:
        conv.cancel()
        with pytest.raises(hvx.CancelledError, match="before it started"):
            conv.run()
    assert not (tmp_path / "d.raw").exists()


@pytest.fixture
def sigint_raises():
    """Python's own SIGINT handler, whatever was inherited: a shell runs
    background jobs with SIGINT ignored, and Python then keeps it so."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


@pytest.mark.parametrize("delay", [0.0, 0.0005, 0.002, 0.01, 0.03])
@pytest.mark.usefixtures("sigint_raises")
def test_keyboard_interrupt_cancels_cleanly(tmp_path: Path, delay: float):
    """Ctrl-C during convert(), wherever it lands (before the C call,
    while the helper thread starts, mid-copy): libhvx removes its
    temporary file before KeyboardInterrupt reaches the caller, and
    nothing goes on converting in the background."""
    src = tmp_path / "big.raw"
    mkpattern(src, 8)
    dst = tmp_path / "dst.raw"
    # a real SIGINT, as Ctrl-C sends, to the main thread (this one)
    timer = threading.Timer(delay, signal.pthread_kill,
                            (threading.main_thread().ident, signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        timer.start()
        hvx.convert(src, dst, progress=_slow_progress)
    timer.join()
    assert not dst.exists() and leftovers(tmp_path) == []
    time.sleep(0.1)
    assert not dst.exists() and leftovers(tmp_path) == []


def test_cancel_races_with_the_start(pattern, tmp_path: Path):
    """cancel() from another thread at any moment: either the conversion
    completes or CancelledError is raised, never a silent no-op."""
    src, content = pattern
    for i, delay in enumerate([0.0, 0.0002, 0.001, 0.003]):
        dst = tmp_path / f"d{i}.raw"
        conv = hvx.Conversion(src, dst, progress=_slow_progress)
        timer = threading.Timer(delay, conv.cancel)
        timer.start()
        try:
            conv.run()
        except hvx.CancelledError:
            assert not dst.exists()
        else:
            assert dst.read_bytes() == content
        timer.join()
        conv.close()
        assert leftovers(tmp_path) == []


def test_conversion_object_reports_digest(pattern, tmp_path: Path):
    src, content = pattern
    with hvx.Conversion(src, tmp_path / "a.raw", digest="sha512",
                        threads=2) as conv:
        assert conv.digest is None
        assert conv.run() == hashlib.sha512(content).hexdigest()
        assert conv.digest == hashlib.sha512(content).hexdigest()
    assert conv.digest is None  # closed
    with pytest.raises(ValueError, match="closed"):
        conv.run()


def test_bad_arguments_fail_before_converting(pattern, tmp_path: Path):
    src, _ = pattern
    dst = tmp_path / "d.raw"
    with pytest.raises(hvx.InvalidArgumentError, match="no-such-digest"):
        hvx.convert(src, dst, digest="no-such-digest")
    with pytest.raises(hvx.InvalidArgumentError, match="nope"):
        hvx.convert(src, dst, format="nope")
    with pytest.raises(hvx.InvalidArgumentError, match="nope"):
        hvx.convert(src, dst, source_format="nope")
    with pytest.raises(hvx.InvalidArgumentError, match="threads 65"):
        hvx.convert(src, dst, threads=65)
    with pytest.raises(TypeError, match="callable"):
        hvx.convert(src, dst, progress=3)
    with pytest.raises(hvx.InvalidArgumentError, match="bogus"):
        hvx.convert(src, dst, options="bogus=1")
    with pytest.raises(hvx.NotFoundError):
        hvx.convert(tmp_path / "missing.raw", dst)
    assert not dst.exists() and leftovers(tmp_path) == []


def test_compress_unsupported_for_raw(pattern, tmp_path: Path):
    src, _ = pattern
    with pytest.raises(hvx.UnsupportedError, match="compress"):
        hvx.convert(src, tmp_path / "c.raw", compress=True)
    assert leftovers(tmp_path) == []


def test_concurrent_conversions(tmp_path: Path, qemu_img):
    """Several conversions at once, each with a progress callback
    (called from libhvx's threads)."""
    srcs = []
    for i in range(3):
        p = tmp_path / f"s{i}.raw"
        mkpattern(p, 2, seed=i)
        srcs.append(p)
    errors = []
    counts = [0, 0, 0]

    def work(i: int) -> None:
        def progress(done: int, total: int) -> None:
            counts[i] += 1
        try:
            hvx.convert(srcs[i], tmp_path / f"d{i}.raw", progress=progress)
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    assert all(c > 0 for c in counts)
    for i in range(3):
        assert qemu_compare(srcs[i], "raw", tmp_path / f"d{i}.raw",
                            "raw").returncode == 0
