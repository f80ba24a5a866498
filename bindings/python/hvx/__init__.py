"""hvx: move virtual machines between Xen and Hyper-V.

Python bindings for libhvx (loaded with ctypes; set HVX_LIBRARY to the
path of a particular libhvx.so to use that one)::

    import hvx

    with hvx.Image.open("disk.qcow2") as img:
        info = img.info()
        print(info.format, info.virtual_size)
        if not img.check().clean:
            ...

    digest = hvx.convert("disk.qcow2", "disk.vhdx", format="vhdx",
                         progress=lambda done, total: print(done, total),
                         digest="sha256")
    assert hvx.compare("disk.qcow2", "disk.vhdx").identical

Errors raise :class:`hvx.Error` subclasses carrying libhvx's message.
"""

from __future__ import annotations

from . import _lib
from .errors import (BackingChainError, BusyError, CancelledError,
                     CorruptImageError, Error, ExistsError, FormatError,
                     InvalidArgumentError, IsADirectoryError_,
                     NotADirectoryError_, NotFoundError, OutOfMemoryError,
                     PermissionDeniedError, TooLargeError, UnsupportedError)
from .image import (CheckResult, Comparison, Extent, Image, ImageInfo,
                    Problem, ProblemKind, compare, digest, formats,
                    parse_size, probe)
from .convert import Conversion, ProgressCallback, convert

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the libhvx actually loaded, "MAJOR.MINOR.MICRO"."""
    return _lib.version()


def library_path() -> str:
    """The file the loaded libhvx came from."""
    return _lib.library_path()


__all__ = [
    # images
    "Image", "ImageInfo", "CheckResult", "Problem", "ProblemKind", "Extent",
    "Comparison", "compare", "digest", "probe", "formats", "parse_size",
    # conversion
    "Conversion", "convert", "ProgressCallback",
    # library
    "library_version", "library_path", "__version__",
    # errors
    "Error", "FormatError", "CorruptImageError", "UnsupportedError",
    "InvalidArgumentError", "TooLargeError", "ExistsError", "NotFoundError",
    "PermissionDeniedError", "BackingChainError", "CancelledError",
    "BusyError", "IsADirectoryError_", "NotADirectoryError_",
    "OutOfMemoryError",
]
