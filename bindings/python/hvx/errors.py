"""Exceptions raised by hvx.

Every failure of a libhvx call becomes an instance of :class:`Error`
carrying the library's message (``str(e)``) and its errno code
(``e.errno``).  :class:`Error` is an :class:`OSError`, and the subclass
chosen from the code also derives from the matching built-in exception
where there is one, so ``except FileNotFoundError`` or
``except ValueError`` work as expected:

==============  ===============================  ============================
errno           hvx exception                    also a
==============  ===============================  ============================
EBADMSG         :class:`CorruptImageError`       :class:`FormatError`
ENOTSUP         :class:`UnsupportedError`        :class:`FormatError`
EINVAL          :class:`InvalidArgumentError`    :class:`ValueError`
EFBIG           :class:`TooLargeError`
EEXIST          :class:`ExistsError`             :class:`FileExistsError`
ENOENT          :class:`NotFoundError`           :class:`FileNotFoundError`
EACCES, EPERM   :class:`PermissionDeniedError`   :class:`PermissionError`
ELOOP           :class:`BackingChainError`
ECANCELED       :class:`CancelledError`
EBUSY           :class:`BusyError`
EISDIR          :class:`IsADirectoryError_`      :class:`IsADirectoryError`
ENOTDIR         :class:`NotADirectoryError_`     :class:`NotADirectoryError`
ENOMEM          :class:`OutOfMemoryError`        :class:`MemoryError`
other           :class:`Error`
==============  ===============================  ============================
"""

from __future__ import annotations

import errno as errno_mod
from typing import Any, Dict, Optional, Tuple, Type

__all__ = [
    "Error", "FormatError", "CorruptImageError", "UnsupportedError",
    "InvalidArgumentError", "TooLargeError", "ExistsError", "NotFoundError",
    "PermissionDeniedError", "BackingChainError", "CancelledError",
    "BusyError", "IsADirectoryError_", "NotADirectoryError_",
    "OutOfMemoryError", "from_errno", "invalid",
]


class Error(OSError):
    """A libhvx call failed.  ``errno`` is the code, ``str(e)`` (and
    ``strerror``) the library's message naming what was wrong."""

    def __init__(self, code: int, message: str,
                 filename: Optional[str] = None):
        super().__init__(code, message)
        if filename is not None:
            self.filename = filename

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> Tuple[Any, ...]:  # keep pickling working
        return (type(self), (self.errno, self.strerror))


class FormatError(Error):
    """Something about an input's format: corrupt or unsupported."""


class CorruptImageError(FormatError):
    """Malformed or corrupt input (EBADMSG): an image with a bad magic,
    checksum, out-of-range offset or truncated file; equally an xl.cfg,
    XML document or CPUID dump that does not parse (the message names
    the file, line and field)."""


class UnsupportedError(FormatError):
    """Valid input using a feature hvx does not support, or an operation
    the format (or this build, or this host) cannot do (ENOTSUP)."""


class InvalidArgumentError(Error, ValueError):
    """A bad argument: unknown format or option, bad size... (EINVAL)."""


class TooLargeError(Error):
    """A size beyond what the format or hvx allows (EFBIG)."""


class ExistsError(Error, FileExistsError):
    """The destination exists and overwriting was not asked for
    (EEXIST)."""


class NotFoundError(Error, FileNotFoundError):
    """A file does not exist (ENOENT)."""


class PermissionDeniedError(Error, PermissionError):
    """Access refused by the system (EACCES) or by hvx's backing-file
    policy (EPERM)."""


class BackingChainError(Error):
    """A backing chain that is too deep or cyclic (ELOOP)."""


class CancelledError(Error):
    """An operation was cancelled (ECANCELED)."""


class BusyError(Error):
    """The image is locked by another process (EBUSY)."""


class IsADirectoryError_(Error, IsADirectoryError):
    """A directory where a file was expected (EISDIR)."""


class NotADirectoryError_(Error, NotADirectoryError):
    """A path component is not a directory (ENOTDIR)."""


class OutOfMemoryError(Error, MemoryError):
    """An allocation failed (ENOMEM)."""


_BY_ERRNO: Dict[int, Type[Error]] = {
    errno_mod.EBADMSG: CorruptImageError,
    errno_mod.ENOTSUP: UnsupportedError,
    errno_mod.EINVAL: InvalidArgumentError,
    errno_mod.EFBIG: TooLargeError,
    errno_mod.EEXIST: ExistsError,
    errno_mod.ENOENT: NotFoundError,
    errno_mod.EACCES: PermissionDeniedError,
    errno_mod.EPERM: PermissionDeniedError,
    errno_mod.ELOOP: BackingChainError,
    errno_mod.ECANCELED: CancelledError,
    errno_mod.EBUSY: BusyError,
    errno_mod.EISDIR: IsADirectoryError_,
    errno_mod.ENOTDIR: NotADirectoryError_,
    errno_mod.ENOMEM: OutOfMemoryError,
}
# EOPNOTSUPP is ENOTSUP on Linux, but not everywhere.
_BY_ERRNO.setdefault(errno_mod.EOPNOTSUPP, UnsupportedError)


def from_errno(code: int, message: str) -> Error:
    """The exception for errno CODE with MESSAGE."""
    return _BY_ERRNO.get(code, Error)(code, message)


def invalid(message: str) -> InvalidArgumentError:
    """An EINVAL error raised by the bindings themselves (a bad argument
    caught before it reaches C)."""
    return InvalidArgumentError(errno_mod.EINVAL, message)
