"""Disk images: open, create, read, write, inspect, check, compare.

Wraps include/hvx/image.h.
"""

from __future__ import annotations

import ctypes
import errno
import enum
import os
import threading
import warnings
from ctypes import (CFUNCTYPE, POINTER, c_char, c_char_p, c_int, c_int64,
                    c_size_t, c_uint, c_uint64, c_void_p)
from dataclasses import dataclass, field
from typing import (Any, Dict, Iterator, List, Mapping, Optional,
                    Tuple, Union)

from . import _lib
from . import errors

__all__ = [
    "Image", "ImageInfo", "CheckResult", "Problem", "ProblemKind",
    "Extent", "Comparison", "compare", "digest", "probe", "formats",
    "parse_size",
]

PathArg = _lib.PathArg

# C constants from include/hvx/image.h.
_OPEN_WRITE = 0x1
_OPEN_NO_BACKING = 0x2
_OPEN_BACKING_ANYWHERE = 0x4
_ZERO_MAY_UNMAP = 0x1
_BS_ZERO = 0x1
_BS_ALLOCATED = 0x2
_NO_OFFSET = (1 << 64) - 1

_INFO_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)
_PROBLEM_FN = CFUNCTYPE(None, c_void_p, c_int, c_uint64, c_char_p)

_F = _lib.bind({
    "hvx_open": (c_void_p, [c_char_p, c_char_p, c_uint], _lib.HANDLE),
    "hvx_create": (c_void_p, [c_char_p, c_char_p, c_uint64, c_char_p],
                   _lib.HANDLE),
    "hvx_close": (c_int, [c_void_p], _lib.STATUS),
    "hvx_image_format": (c_char_p, [c_void_p], _lib.STRING),
    "hvx_image_size": (c_int64, [c_void_p], _lib.STATUS),
    "hvx_image_filename": (c_char_p, [c_void_p], _lib.STRING),
    "hvx_image_backing": (c_void_p, [c_void_p], _lib.NO_ERROR),
    "hvx_pread": (c_int, [c_void_p, c_void_p, c_size_t, c_uint64],
                  _lib.STATUS),
    "hvx_pwrite": (c_int, [c_void_p, c_void_p, c_size_t, c_uint64],
                   _lib.STATUS),
    "hvx_zero": (c_int, [c_void_p, c_uint64, c_uint64, c_uint], _lib.STATUS),
    "hvx_flush": (c_int, [c_void_p], _lib.STATUS),
    "hvx_block_status": (c_int, [c_void_p, c_uint64, c_uint64,
                                 POINTER(c_uint64), POINTER(c_uint)],
                         _lib.STATUS),
    "hvx_image_info": (c_int, [c_void_p, _INFO_FN, c_void_p], _lib.STATUS),
    "hvx_check": (c_int, [c_void_p, _PROBLEM_FN, c_void_p], _lib.STATUS),
    "hvx_compare": (c_int, [c_void_p, c_void_p, POINTER(c_uint64)],
                    _lib.STATUS),
    "hvx_digest": (c_int, [c_void_p, c_char_p, c_char_p, c_size_t],
                   _lib.STATUS),
    "hvx_format_count": (c_int, [], _lib.STATUS),
    "hvx_format_name": (c_char_p, [c_int], _lib.OPTIONAL_STRING),
    "hvx_parse_size": (c_int, [c_char_p, POINTER(c_uint64)], _lib.STATUS),
    "hvx_probe": (c_char_p, [c_char_p], _lib.STRING),
})


# ---- result types -------------------------------------------------------

@dataclass(frozen=True)
class ImageInfo:
    """What :meth:`Image.info` reports about one image (not its backing
    file: see :attr:`Image.backing`).

    ``properties`` holds every key/value pair libhvx reported, in order,
    as strings (``cluster_size``, ``subformat``, ``creator_app``...);
    the common ones are also typed attributes."""

    format: str
    virtual_size: int
    actual_size: Optional[int] = None
    backing_file: Optional[str] = None
    properties: Dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.properties[key]

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        return self.properties.get(key, default)


class ProblemKind(enum.IntEnum):
    """The kind of a problem :meth:`Image.check` found."""

    CORRUPTION = 1  #: data or metadata is wrong
    LEAK = 2        #: space is allocated but unused
    ERROR = 3       #: the check itself could not proceed somewhere


@dataclass(frozen=True)
class Problem:
    """One problem found by :meth:`Image.check`."""

    kind: ProblemKind
    offset: Optional[int]  #: file offset concerned, or None
    message: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :meth:`Image.check`."""

    problems: Tuple[Problem, ...] = ()

    def _count(self, kind: ProblemKind) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    @property
    def corruptions(self) -> int:
        return self._count(ProblemKind.CORRUPTION)

    @property
    def leaks(self) -> int:
        return self._count(ProblemKind.LEAK)

    @property
    def errors(self) -> int:
        return self._count(ProblemKind.ERROR)

    @property
    def clean(self) -> bool:
        """True when no problem at all was found."""
        return not self.problems


@dataclass(frozen=True)
class Extent:
    """A run of the virtual disk with the same block status."""

    offset: int
    length: int
    zero: bool       #: reads as zeros
    allocated: bool  #: occupies storage in this image file


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: ``identical``, or the offset of
    the first difference."""

    identical: bool
    first_difference: Optional[int] = None


# ---- the image handle ---------------------------------------------------

class Image:
    """An open disk image (raw, qcow2, vhd, vhdx...).

    Get one with :meth:`Image.open` or :meth:`Image.create`, and use it
    as a context manager (or call :meth:`close`)::

        with hvx.Image.open("disk.qcow2") as img:
            print(img.format, img.size, img.info().actual_size)

    A handle may be shared between threads: calls on it (and on its
    backing images) are serialized by a lock, as libhvx requires.
    """

    __slots__ = ("_handle", "_owner", "_lock", "_closed_flag",
                 "__weakref__")
    _handle: int
    _owner: Optional["Image"]
    _lock: "threading.RLock"
    _closed_flag: bool

    def __init__(self, *args: Any, **kwargs: Any):
        raise TypeError("use hvx.Image.open() or hvx.Image.create()")

    @classmethod
    def _wrap(cls, handle: int, owner: Optional["Image"]) -> "Image":
        self = object.__new__(cls)
        self._handle = handle
        # A backing image belongs to the top image: it shares its lock
        # and dies with it.
        self._owner = owner
        self._lock = owner._lock if owner is not None else threading.RLock()
        self._closed_flag = False
        return self

    @classmethod
    def open(cls, path: PathArg, format: Optional[str] = None, *,
             writable: bool = False, backing: bool = True,
             backing_anywhere: bool = False) -> "Image":
        """Open the image at PATH.

        :param format: "raw", "qcow2", "vhd" (or "vpc"), "vhdx", or None
            to probe the contents.  A file declared "raw" is never probed.
        :param writable: open read-write, taking an exclusive lock
            (:class:`BusyError` if another process holds it).
        :param backing: open backing (parent) files; when False,
            unallocated areas read as zeros.
        :param backing_anywhere: follow backing paths that are absolute
            or lead out of the image's directory (refused by default with
            :class:`PermissionDeniedError`).
        :raises NotFoundError, CorruptImageError, UnsupportedError, ...:
        """
        flags = 0
        if writable:
            flags |= _OPEN_WRITE
        if not backing:
            flags |= _OPEN_NO_BACKING
        if backing_anywhere:
            flags |= _OPEN_BACKING_ANYWHERE
        h = _F.hvx_open(_lib.path_arg(path), _lib.str_arg(format, "format"),
                        flags)
        return cls._wrap(h, None)

    @classmethod
    def create(cls, path: PathArg, format: str, size: Union[int, str],
               options: Union[str, Mapping[str, Any], None] = None
               ) -> "Image":
        """Create a new image of FORMAT and virtual SIZE at PATH (which
        must not exist: :class:`ExistsError`) and return it open
        read-write.

        :param size: bytes, or a string with a K/M/G/T suffix ("10G").
        :param options: format options, as "key=value,..." or a mapping,
            e.g. ``{"cluster_size": 65536}`` for qcow2,
            ``{"subformat": "fixed"}`` for vhd.  Unknown options raise
            :class:`InvalidArgumentError`.
        """
        if isinstance(size, str):
            size = parse_size(size)
        h = _F.hvx_create(_lib.path_arg(path), _lib.str_arg(format, "format"),
                          _lib.u64(size, "size"), _lib.options_arg(options))
        return cls._wrap(h, None)

    # -- lifetime --

    def _h(self) -> int:
        """The C handle, checking it is still usable (lock held)."""
        if self._closed_flag or (self._owner is not None and
                                 self._owner._closed_flag):
            raise ValueError("I/O operation on a closed hvx image")
        return self._handle

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed_flag or (self._owner is not None and
                                         self._owner._closed_flag)

    def close(self) -> None:
        """Flush and release the image (and its backing chain).  Closing
        twice is harmless.  A backing image is closed with its top image;
        closing it directly does nothing.

        :raises Error: if the final flush failed (the handle is released
            anyway)."""
        with self._lock:
            if self._closed_flag or self._owner is not None:
                return
            self._closed_flag = True
            _F.hvx_close(self._handle)

    def __enter__(self) -> "Image":
        self._h()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Like a file object: closing is the owner's job; an image left
        # open is still released, with a ResourceWarning.
        try:
            if self._owner is None and not self._closed_flag:
                warnings.warn(f"unclosed hvx image {self._handle:#x}",
                              ResourceWarning, source=self)
                self._closed_flag = True
                try:
                    _F.hvx_close(self._handle)
                except errors.Error:
                    pass
        except AttributeError:  # half-built object
            pass

    def __repr__(self) -> str:
        with self._lock:
            if self._closed_flag or (self._owner is not None and
                                     self._owner._closed_flag):
                return "<hvx.Image closed>"
            return (f"<hvx.Image {self.filename!r} format={self.format} "
                    f"size={self.size}>")

    # -- properties --

    @property
    def format(self) -> str:
        """The image's format name ("qcow2", ...)."""
        with self._lock:
            return str(_F.hvx_image_format(self._h()))

    @property
    def size(self) -> int:
        """The virtual size in bytes."""
        with self._lock:
            return int(_F.hvx_image_size(self._h()))

    def __len__(self) -> int:
        return self.size

    @property
    def filename(self) -> str:
        """The path the image was opened with."""
        with self._lock:
            return str(_F.hvx_image_filename(self._h()))

    @property
    def backing(self) -> Optional["Image"]:
        """The opened backing (parent) image, or None.  It belongs to this
        image: it is closed with it and cannot be closed on its own."""
        with self._lock:
            h = _F.hvx_image_backing(self._h())
            if not h:
                return None
            return Image._wrap(h, self._owner or self)

    def chain(self) -> Iterator["Image"]:
        """This image, then each opened backing image in turn."""
        img: Optional[Image] = self
        while img is not None:
            yield img
            img = img.backing

    # -- data --

    def _range(self, offset: int, length: int, what: str) -> None:
        size = _F.hvx_image_size(self._h())
        if offset + length > size:
            raise errors.invalid(
                f"{what}: range {offset}+{length} beyond the virtual size "
                f"{size} of {_F.hvx_image_filename(self._handle)}")

    def pread(self, length: int, offset: int) -> bytes:
        """Read LENGTH bytes at OFFSET of the virtual disk (the range must
        lie within the virtual size), like :func:`os.pread`."""
        length = _lib.u64(length, "length")
        offset = _lib.u64(offset, "offset")
        with self._lock:
            self._range(offset, length, "pread")
            buf = ctypes.create_string_buffer(length)
            _F.hvx_pread(self._h(), buf, length, offset)
            return buf.raw

    def readinto(self, buffer: Any, offset: int) -> int:
        """Fill the writable BUFFER (bytearray, memoryview, array...) from
        OFFSET without an intermediate copy; returns its length."""
        offset = _lib.u64(offset, "offset")
        mv = memoryview(buffer).cast("B")
        if mv.readonly:
            raise TypeError("readinto needs a writable buffer")
        n = mv.nbytes
        with self._lock:
            self._range(offset, n, "readinto")
            if n:
                cbuf = (c_char * n).from_buffer(mv)
                _F.hvx_pread(self._h(), cbuf, n, offset)
        return n

    def pwrite(self, data: Any, offset: int) -> int:
        """Write the bytes-like DATA at OFFSET (the image must be open
        writable); returns the number of bytes written."""
        offset = _lib.u64(offset, "offset")
        mv = memoryview(data).cast("B")
        n = mv.nbytes
        cbuf: Any
        if mv.readonly:
            cbuf = bytes(mv) if not isinstance(data, bytes) else data
        else:
            cbuf = (c_char * n).from_buffer(mv) if n else None
        with self._lock:
            self._range(offset, n, "pwrite")
            if n:
                _F.hvx_pwrite(self._h(), cbuf, n, offset)
        return n

    def zero(self, offset: int, length: int, *,
             may_unmap: bool = False) -> None:
        """Make LENGTH bytes at OFFSET read as zeros, without writing data
        where the format can avoid it; MAY_UNMAP allows deallocating."""
        offset = _lib.u64(offset, "offset")
        length = _lib.u64(length, "length")
        with self._lock:
            _F.hvx_zero(self._h(), offset, length,
                        _ZERO_MAY_UNMAP if may_unmap else 0)

    def flush(self) -> None:
        """Make everything written so far durable."""
        with self._lock:
            _F.hvx_flush(self._h())

    def block_status(self, offset: int, length: int) -> Extent:
        """The extent starting at OFFSET (at most LENGTH bytes) whose
        bytes all have the same status.  A non-zero extent may still
        contain zeros."""
        offset = _lib.u64(offset, "offset")
        length = _lib.u64(length, "length")
        pnum = c_uint64()
        flags = c_uint()
        with self._lock:
            _F.hvx_block_status(self._h(), offset, length, ctypes.byref(pnum),
                                ctypes.byref(flags))
        return Extent(offset, pnum.value, bool(flags.value & _BS_ZERO),
                      bool(flags.value & _BS_ALLOCATED))

    def extents(self, offset: int = 0,
                length: Optional[int] = None) -> Iterator[Extent]:
        """The block status of [OFFSET, OFFSET+LENGTH) (default: to the
        end), extent by extent."""
        size = self.size
        end = size if length is None else min(size, offset + length)
        while offset < end:
            e = self.block_status(offset, end - offset)
            if e.length <= 0:  # the C API promises >= 1; never spin
                raise errors.Error(errno.EIO,
                                   f"block status at {offset} returned an "
                                   "empty extent")
            yield e
            offset += e.length

    # -- inspection --

    def info(self) -> ImageInfo:
        """Facts about this image: format, sizes, and the format's own
        key/value pairs (see :class:`ImageInfo`)."""
        pairs: Dict[str, str] = {}

        def collect(opaque: Any, key: bytes, value: bytes) -> None:
            pairs[key.decode("utf-8", "replace")] = os.fsdecode(value)

        tramp = _lib.Trampoline(collect)
        with self._lock:
            _lib.call_with(tramp, _F.hvx_image_info, self._h(),
                           _INFO_FN(tramp), None)
        return ImageInfo(
            format=pairs.get("format", ""),
            virtual_size=_int_or(pairs.get("virtual_size"), 0) or 0,
            actual_size=_int_or(pairs.get("actual_size"), None),
            backing_file=pairs.get("backing_file"),
            properties=pairs)

    def check(self) -> CheckResult:
        """Check the image's structure.  Problems found are returned (see
        :attr:`CheckResult.clean`), not raised; an exception means the
        check could not run at all."""
        problems: List[Problem] = []

        def collect(opaque: Any, kind: int, offset: int,
                    message: bytes) -> None:
            try:
                k = ProblemKind(kind)
            except ValueError:
                k = ProblemKind.ERROR
            problems.append(Problem(
                k, None if offset == _NO_OFFSET else offset,
                message.decode("utf-8", "replace") if message else ""))

        tramp = _lib.Trampoline(collect)
        with self._lock:
            _lib.call_with(tramp, _F.hvx_check, self._h(),
                           _PROBLEM_FN(tramp), None)
        return CheckResult(tuple(problems))

    def digest(self, algorithm: str = "sha256") -> str:
        """The lowercase hex digest of the whole virtual content, with an
        OpenSSL digest name ("sha256", "sha512", ...)."""
        out = ctypes.create_string_buffer(129)
        with self._lock:
            _F.hvx_digest(self._h(), _lib.str_arg(algorithm, "algorithm"),
                          out, len(out))
        return out.value.decode("ascii")

    def compare(self, other: "Image") -> Comparison:
        """Compare this image's virtual contents with OTHER's (see
        :func:`compare`)."""
        if not isinstance(other, Image):
            raise TypeError(f"compare needs an hvx.Image, not "
                            f"{type(other).__name__}")
        first, second = sorted((self._lock, other._lock), key=id)
        where = c_uint64()
        with first, second:
            r = _F.hvx_compare(self._h(), other._h(), ctypes.byref(where))
        return Comparison(True) if r == 0 else Comparison(False, where.value)


def _int_or(s: Optional[str], default: Optional[int]) -> Optional[int]:
    try:
        return int(s) if s is not None else default
    except ValueError:
        return default




# ---- module-level helpers -----------------------------------------------

def _opened(x: Union[Image, PathArg], fmt: Optional[str],
            stack: List[Image]) -> Image:
    if isinstance(x, Image):
        return x
    img = Image.open(x, fmt)
    stack.append(img)
    return img


def compare(a: Union[Image, PathArg], b: Union[Image, PathArg], *,
            format_a: Optional[str] = None,
            format_b: Optional[str] = None) -> Comparison:
    """Compare the virtual contents of A and B (paths or open images),
    like ``qemu-img compare``: when the sizes differ, the tail of the
    larger must read as zeros.

    >>> hvx.compare("a.qcow2", "b.vhdx")
    Comparison(identical=True, first_difference=None)
    """
    opened: List[Image] = []
    try:
        ia = _opened(a, format_a, opened)
        ib = _opened(b, format_b, opened)
        return ia.compare(ib)
    finally:
        for img in opened:
            img.close()


def digest(path: PathArg, algorithm: str = "sha256", *,
           format: Optional[str] = None) -> str:
    """The hex digest of the virtual content of the image at PATH."""
    with Image.open(path, format) as img:
        return img.digest(algorithm)


def probe(path: PathArg) -> str:
    """The format name hvx would choose for the file at PATH."""
    return str(_F.hvx_probe(_lib.path_arg(path)))


def formats() -> Tuple[str, ...]:
    """The image formats this libhvx supports, e.g. ("qcow2", "raw")."""
    n = _F.hvx_format_count()
    names = (_F.hvx_format_name(i) for i in range(n))
    return tuple(x for x in names if x)


def parse_size(text: str) -> int:
    """Parse a byte count with an optional K, M, G, T, P or E suffix
    (powers of 1024), as the hvx command does: ``parse_size("1.5G")``
    is an error, ``parse_size("64K") == 65536``."""
    out = c_uint64()
    _F.hvx_parse_size(_lib.str_arg(text, "size"), ctypes.byref(out))
    return out.value
