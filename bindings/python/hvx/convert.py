"""Converting an image from one format to another.

Wraps include/hvx/convert.h.
"""

from __future__ import annotations

import errno
import threading
from ctypes import CFUNCTYPE, c_char_p, c_int, c_uint64, c_void_p
from typing import Any, Callable, Dict, Mapping, Optional, Union, cast

from . import _lib
from . import errors
from .image import PathArg

__all__ = ["Conversion", "convert", "ProgressCallback"]

#: progress(done, total): bytes of virtual disk done so far and in all.
ProgressCallback = Callable[[int, int], Any]

_PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)

_F = _lib.bind({
    "hvx_convert_options_new": (c_void_p, [], _lib.HANDLE),
    "hvx_convert_options_free": (None, [c_void_p], _lib.NO_ERROR),
    "hvx_convert_set_source_format": (c_int, [c_void_p, c_char_p],
                                      _lib.STATUS),
    "hvx_convert_set_target_format": (c_int, [c_void_p, c_char_p],
                                      _lib.STATUS),
    "hvx_convert_set_target_options": (c_int, [c_void_p, c_char_p],
                                       _lib.STATUS),
    "hvx_convert_set_compress": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_set_detect_zeroes": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_set_overwrite": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_set_threads": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_set_digest": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_convert_set_progress": (c_int, [c_void_p, _PROGRESS_FN, c_void_p],
                                 _lib.STATUS),
    "hvx_convert_set_no_backing": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_set_sync": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_convert_cancel": (None, [c_void_p], _lib.NO_ERROR),
    "hvx_convert_digest": (c_char_p, [c_void_p], _lib.OPTIONAL_STRING),
    "hvx_convert": (c_int, [c_char_p, c_char_p, c_void_p], _lib.STATUS),
})


class Conversion:
    """One conversion, set up in advance so another thread can
    :meth:`cancel` it while :meth:`run` works.  :func:`convert` is the
    one-call form; the parameters are the same.

    While :meth:`run` works, the calling thread only waits: the C call
    runs on a helper thread, so Ctrl-C (KeyboardInterrupt) in the main
    thread cancels the conversion cleanly and is re-raised once libhvx
    has removed its temporary file.  The progress callback may be called
    from any thread.
    """

    def __init__(self, src: PathArg, dst: PathArg, *, format: str = "raw",
                 source_format: Optional[str] = None,
                 options: Union[str, Mapping[str, Any], None] = None,
                 compress: bool = False, detect_zeroes: bool = True,
                 overwrite: bool = False, threads: int = 0,
                 digest: Optional[str] = None,
                 progress: Optional[ProgressCallback] = None,
                 backing: bool = True, sync: bool = True):
        self._opts: Optional[int] = None
        self._lock = threading.Lock()      # guards _opts against free
        self._running = threading.Lock()   # one run() at a time
        self._cancelled = False
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable")
        self._src = _lib.path_arg(src)
        self._dst = _lib.path_arg(dst)
        self._progress = progress
        # The C callback always goes through here: it delivers cancel()
        # even if it raced with the start of hvx_convert, and it turns
        # an exception in PROGRESS into a clean cancellation.
        self._tramp = _lib.Trampoline(self._on_progress, failed=1)
        self._cfn = _PROGRESS_FN(self._tramp)  # kept alive while C has it
        opts = _F.hvx_convert_options_new()
        self._opts = opts
        try:
            _F.hvx_convert_set_source_format(
                opts, _lib.str_arg(source_format, "source_format"))
            _F.hvx_convert_set_target_format(opts,
                                             _lib.str_arg(format, "format"))
            _F.hvx_convert_set_target_options(opts,
                                              _lib.options_arg(options))
            _F.hvx_convert_set_compress(opts, int(bool(compress)))
            _F.hvx_convert_set_detect_zeroes(opts, int(bool(detect_zeroes)))
            _F.hvx_convert_set_overwrite(opts, int(bool(overwrite)))
            _F.hvx_convert_set_threads(
                opts, _lib.c_int_range(threads, "threads", 0, 64))
            _F.hvx_convert_set_digest(opts, _lib.str_arg(digest, "digest"))
            _F.hvx_convert_set_no_backing(opts, int(not backing))
            _F.hvx_convert_set_sync(opts, int(bool(sync)))
            _F.hvx_convert_set_progress(opts, self._cfn, None)
        except BaseException:
            self.close()
            raise

    def _on_progress(self, opaque: Any, done: int, total: int) -> int:
        if self._cancelled:
            return 1
        if self._progress is not None:
            self._progress(done, total)
        # cancel() may have come while the callback ran
        return 1 if self._cancelled else 0

    def cancel(self) -> None:
        """Ask the conversion to stop; :meth:`run` then raises
        :class:`CancelledError`.  Safe from any thread, at any time (a
        conversion cancelled before it starts does not start)."""
        self._cancelled = True
        with self._lock:
            if self._opts is not None:
                _F.hvx_convert_cancel(self._opts)

    @property
    def digest(self) -> Optional[str]:
        """The hex digest computed by the last successful :meth:`run`, if
        a digest was asked for."""
        with self._lock:
            if self._opts is None:
                return None
            return cast(Optional[str], _F.hvx_convert_digest(self._opts))

    def run(self) -> Optional[str]:
        """Convert.  Returns the digest (when asked for) or None.

        :raises CancelledError: when cancelled.
        :raises Exception: whatever the progress callback raised; the
            conversion was cancelled and the destination left untouched.
        :raises Error: the library's error otherwise (ExistsError if the
            destination exists and overwrite is off, ...)."""
        if not self._running.acquire(blocking=False):
            raise RuntimeError("this conversion is already running")
        try:
            return self._run()
        finally:
            self._running.release()

    def _run(self) -> Optional[str]:
        with self._lock:
            opts = self._opts
        if opts is None:
            raise ValueError("conversion is closed")
        if self._cancelled:
            raise errors.CancelledError(errno.ECANCELED,
                                        "conversion cancelled before it "
                                        "started")
        outcome: Dict[str, BaseException] = {}
        done = threading.Event()
        # The worker claims the conversion under GATE unless cancelled
        # first, so after an interrupt we know whether libhvx is (or
        # will be) working and must be waited for.
        gate = threading.Lock()
        running = [False]

        def work() -> None:
            # hvx errors are thread-local: the errcheck that turns -1
            # into an exception runs here, in the calling thread.
            try:
                with gate:
                    if self._cancelled:  # by another thread meanwhile
                        raise errors.CancelledError(
                            errno.ECANCELED,
                            "conversion cancelled before it started")
                    running[0] = True
                _F.hvx_convert(self._src, self._dst, opts)
            except BaseException as e:
                outcome["error"] = e
            finally:
                done.set()

        interrupted: Optional[BaseException] = None
        try:
            # Both inside the try: an interrupt may arrive anywhere,
            # even inside Thread.start().
            threading.Thread(target=work, name="hvx-convert",
                             daemon=True).start()
            done.wait()
        except BaseException as e:  # KeyboardInterrupt, SystemExit
            interrupted = e
        if interrupted is not None:
            # Stop libhvx and let it remove its temporary file before
            # the interrupt goes on, whatever else arrives meanwhile.
            while True:
                try:
                    self.cancel()
                    with gate:
                        claimed = running[0]
                    if claimed:
                        done.wait()
                    break
                except BaseException:
                    continue
            raise interrupted
        err = outcome.get("error")
        if self._tramp.error is not None:
            self._tramp.reraise()
        if err is not None:
            raise err
        return self.digest

    def close(self) -> None:
        """Release the options (done automatically when collected).  If
        another thread is running the conversion, wait for it first."""
        with self._running, self._lock:
            opts, self._opts = self._opts, None
        if opts is not None:
            _F.hvx_convert_options_free(opts)

    def __enter__(self) -> "Conversion":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except AttributeError:  # half-built object
            pass


def convert(src: PathArg, dst: PathArg, *, format: str = "raw",
            source_format: Optional[str] = None,
            options: Union[str, Mapping[str, Any], None] = None,
            compress: bool = False, detect_zeroes: bool = True,
            overwrite: bool = False, threads: int = 0,
            digest: Optional[str] = None,
            progress: Optional[ProgressCallback] = None,
            backing: bool = True, sync: bool = True) -> Optional[str]:
    """Convert the image SRC to a new image DST.

    Holes and zero runs stay holes.  DST is written under a temporary
    name beside it and renamed into place only when complete; on error
    or cancellation nothing is left behind and an existing DST is
    untouched.

    :param format: the target format ("raw", "qcow2", "vhd", "vhdx").
    :param source_format: the source format, or None to probe.
    :param options: target format options, "key=value,..." or a mapping.
    :param compress: compress the output (qcow2 only).
    :param detect_zeroes: write all-zero data as unallocated (default).
    :param overwrite: replace an existing DST (default: ExistsError).
    :param threads: worker threads, 0 to let libhvx choose (at most 64).
    :param digest: compute a digest of the virtual content while
        converting, e.g. "sha256"; it is returned.
    :param progress: ``progress(done, total)`` called as the conversion
        advances, possibly from another thread.  If it raises, the
        conversion is cancelled and the exception re-raised here.
    :param backing: open the source's backing files (when False,
        unallocated areas of the source read as zeros).
    :param sync: make the output durable (fdatasync) before renaming it
        into place (default); False is faster, as ``qemu-img convert``,
        but a system crash soon after may leave DST missing data.
    :returns: the hex digest if DIGEST was given, else None.
    """
    with Conversion(src, dst, format=format, source_format=source_format,
                    options=options, compress=compress,
                    detect_zeroes=detect_zeroes, overwrite=overwrite,
                    threads=threads, digest=digest, progress=progress,
                    backing=backing, sync=sync) as c:
        return c.run()
