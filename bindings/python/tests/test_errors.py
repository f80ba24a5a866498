"""The exception hierarchy and the errno mapping."""

from __future__ import annotations

import errno
import pickle
import threading

import pytest

import hvx
from hvx import _lib

EXPECTED = [
    # errno, hvx class, built-in it must also be (or None)
    (errno.EBADMSG, hvx.CorruptImageError, None),
    (errno.ENOTSUP, hvx.UnsupportedError, None),
    (errno.EINVAL, hvx.InvalidArgumentError, ValueError),
    (errno.EFBIG, hvx.TooLargeError, None),
    (errno.EEXIST, hvx.ExistsError, FileExistsError),
    (errno.ENOENT, hvx.NotFoundError, FileNotFoundError),
    (errno.EACCES, hvx.PermissionDeniedError, PermissionError),
    (errno.EPERM, hvx.PermissionDeniedError, PermissionError),
    (errno.ELOOP, hvx.BackingChainError, None),
    (errno.ECANCELED, hvx.CancelledError, None),
    (errno.EBUSY, hvx.BusyError, None),
    (errno.EISDIR, hvx.IsADirectoryError_, IsADirectoryError),
    (errno.ENOTDIR, hvx.NotADirectoryError_, NotADirectoryError),
    (errno.ENOMEM, hvx.OutOfMemoryError, MemoryError),
    (errno.EIO, hvx.Error, OSError),
    (errno.ENOSPC, hvx.Error, OSError),
]


@pytest.mark.parametrize("code,cls,builtin", EXPECTED,
                         ids=[errno.errorcode[c] for c, _, _ in EXPECTED])
def test_errno_mapping(code, cls, builtin):
    e = hvx.errors.from_errno(code, f"area: message for {code}")
    assert type(e) is cls
    assert isinstance(e, hvx.Error) and isinstance(e, OSError)
    if builtin is not None:
        assert isinstance(e, builtin)
    assert e.errno == code
    assert str(e) == f"area: message for {code}"
    assert e.strerror == str(e)
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is cls and str(again) == str(e)


def test_format_errors_share_a_base():
    assert issubclass(hvx.CorruptImageError, hvx.FormatError)
    assert issubclass(hvx.UnsupportedError, hvx.FormatError)
    assert issubclass(hvx.FormatError, hvx.Error)


def test_c_error_carries_library_message(tmp_path):
    """The message is libhvx's, fetched in the thread that failed."""
    missing = tmp_path / "nope.qcow2"
    with pytest.raises(hvx.Error) as e:
        hvx.Image.open(missing)
    code, msg = _lib.last_error()
    assert (code, msg) == (e.value.errno, str(e.value))
    assert str(missing) in msg


def test_errors_are_per_thread(tmp_path):
    """A failure in one thread does not show up as another's error."""
    _lib.clear_error()
    results = {}

    def fail_here():
        try:
            hvx.Image.open(tmp_path / "t-missing")
        except hvx.NotFoundError as e:
            results["thread"] = str(e)

    t = threading.Thread(target=fail_here)
    t.start()
    t.join()
    assert "t-missing" in results["thread"]
    assert _lib.last_error() == (0, "")
