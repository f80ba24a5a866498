"""Loading libhvx and binding its C functions (private).

Every C function the package uses is declared once, in a table in the
module that wraps it (``_lib.bind({...})``), with its argument types and
its error convention.  The tables are the single list of bound symbols:
``tests/test_symbols.py`` compares it with what ``libhvx.so`` exports,
so a C function added without bindings (or listed in ``UNBOUND`` with a
reason) fails the test suite.

Nothing here is public: no ctypes object leaves the package.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import operator
import os
import subprocess
import threading
from typing import (Any, Callable, Dict, List, Optional, Sequence, Tuple,
                    TypeVar, Union)

from . import errors

#: What the API accepts as a file name.
PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

# Exported C functions deliberately not bound, each with its reason.
# An entry for a symbol that is no longer exported fails the tests too.
UNBOUND: Dict[str, str] = {}

# The library's file name: its soname first (what an installed libhvx is
# found by), then the development link.
_SONAMES = ("libhvx.so.0", "libhvx.so")

# Directories `make install` uses by default, for when ld.so's cache has
# not been refreshed (no ldconfig after installing to /usr/local).
_FALLBACK_DIRS = ("/usr/local/lib", "/usr/local/lib64",
                  "/usr/local/lib/x86_64-linux-gnu", "/usr/lib",
                  "/usr/lib64")


def _pkg_config_libdir() -> Optional[str]:
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "hvx"],
                             capture_output=True, text=True, timeout=10,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    d = out.stdout.strip()
    return d if out.returncode == 0 and d else None


def _load() -> ctypes.CDLL:
    """Find and load libhvx.

    HVX_LIBRARY, when set, names the file to load and nothing else is
    tried (the test suite points it at the build tree).  Otherwise the
    soname is tried through the dynamic linker (LD_LIBRARY_PATH, the
    ld.so cache), then the libdir pkg-config reports for hvx, then the
    usual install directories.
    """
    explicit = os.environ.get("HVX_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit)
        except OSError as e:
            raise ImportError(f"hvx: cannot load HVX_LIBRARY={explicit}: "
                              f"{e}") from e
    tried: List[str] = []

    def attempt(names: Sequence[str]) -> Optional[ctypes.CDLL]:
        for c in names:
            if os.sep in c and not os.path.exists(c):
                continue
            try:
                return ctypes.CDLL(c)
            except OSError as e:
                tried.append(f"{c}: {e}")
        return None

    lib = attempt(_SONAMES)
    if lib is None:
        # Only now run pkg-config: most imports never need it.
        dirs = [d for d in (_pkg_config_libdir(),) if d]
        dirs.extend(_FALLBACK_DIRS)
        lib = attempt([os.path.join(d, n) for d in dirs for n in _SONAMES])
    if lib is not None:
        return lib
    found = ctypes.util.find_library("hvx")
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError as e:
            tried.append(f"{found}: {e}")
    raise ImportError("hvx: libhvx not found (install it, or set "
                      "HVX_LIBRARY to its path); tried: " + "; ".join(tried))


_dll = _load()
_declared: Dict[str, "_Proto"] = {}


class _Proto:
    __slots__ = ("name", "restype", "argtypes", "check")

    def __init__(self, name: str, restype: Any, argtypes: Sequence[Any],
                 check: Optional[Callable[..., Any]]):
        self.name = name
        self.restype = restype
        self.argtypes = list(argtypes)
        self.check = check


def raise_last_error(func: str) -> None:
    """Raise the calling thread's last hvx error as a Python exception.

    Must run in the thread that made the failing call, before any other
    hvx call there: the error is thread-local and the message is only
    valid until the next call."""
    code = _errno_fn()
    msg = _error_fn()
    text = msg.decode("utf-8", "replace") if msg else ""
    if not code:
        raise errors.Error(0, f"{func} failed without reporting an error")
    raise errors.from_errno(code, text or os.strerror(code))


# Error conventions, as ctypes errcheck functions.  Each returns what
# the Python caller gets.
def _check_status(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """int: -1 (any negative) is an error; other values are returned."""
    if result < 0:
        raise_last_error(func.__name__)
    return result


def _check_handle(result: Optional[int], func: Any,
                  args: Tuple[Any, ...]) -> int:
    """pointer: NULL is an error."""
    if not result:
        raise_last_error(func.__name__)
    return result  # type: ignore[return-value]


def _check_string(result: Optional[bytes], func: Any,
                  args: Tuple[Any, ...]) -> str:
    """const char *: NULL is an error; the text is decoded."""
    if result is None:
        raise_last_error(func.__name__)
    return os.fsdecode(result)  # type: ignore[arg-type]


def _optional_string(result: Optional[bytes], func: Any,
                     args: Tuple[Any, ...]) -> Optional[str]:
    """const char *: NULL means "none", not an error."""
    return None if result is None else os.fsdecode(result)


# The C library's free(), for strings libhvx returns for the caller to
# free (the process has one allocator: ASan's, when it is preloaded).
_free = ctypes.CDLL(None).free
_free.argtypes = [ctypes.c_void_p]
_free.restype = None


def take_string(ptr: Optional[int]) -> bytes:
    """The NUL-terminated string at PTR, which is then freed."""
    if not ptr:
        return b""
    try:
        return ctypes.string_at(ptr)
    finally:
        _free(ptr)


def take_bytes(ptr: Optional[int], n: int) -> bytes:
    """N bytes at PTR, which is then freed."""
    if not ptr:
        return b""
    try:
        return ctypes.string_at(ptr, n)
    finally:
        _free(ptr)


def _check_owned_string(result: Optional[int], func: Any,
                        args: Tuple[Any, ...]) -> str:
    """char * the caller frees: NULL is an error; the text is decoded and
    the C string freed."""
    if not result:
        raise_last_error(func.__name__)
    return take_string(result).decode("utf-8", "replace")


STATUS = _check_status
HANDLE = _check_handle
STRING = _check_string
OPTIONAL_STRING = _optional_string
OWNED_STRING = _check_owned_string  # restype must be c_void_p
NO_ERROR = None


class Missing:
    """Stands for a C function this libhvx does not export (an older
    library than the bindings): calling it raises UnsupportedError."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, *args: Any) -> Any:
        raise errors.UnsupportedError(
            errno.ENOTSUP,
            f"{self.__name__}: not provided by the loaded libhvx "
            f"(version {version()}); upgrade libhvx")


class Functions:
    """The bound C functions of one area, as attributes."""

    def __init__(self, names: Sequence[str]):
        self._names = tuple(names)

    def __repr__(self) -> str:
        return f"<hvx C functions {', '.join(self._names)}>"


def bind(table: Dict[str, Tuple[Any, Sequence[Any], Any]]) -> Any:
    """Bind TABLE {name: (restype, argtypes, check)} and return an object
    with one attribute per function.  A name declared twice is a bug."""
    ns = Functions(list(table))
    for name, (restype, argtypes, check) in table.items():
        if name in _declared:
            raise RuntimeError(f"hvx: {name} bound twice")
        _declared[name] = _Proto(name, restype, argtypes, check)
        try:
            fn = getattr(_dll, name)
        except AttributeError:
            setattr(ns, name, Missing(name))
            continue
        fn.restype = restype
        fn.argtypes = list(argtypes)
        if check is not None:
            fn.errcheck = check
        setattr(ns, name, fn)
    return ns


def declared_names() -> List[str]:
    """The C functions the package binds (for the coverage test)."""
    return sorted(_declared)


def library_path() -> str:
    """The file libhvx was loaded from, as the dynamic linker resolved it."""
    name = _dll._name
    try:
        with open("/proc/self/maps", encoding="utf-8",
                  errors="replace") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip()
                if os.path.basename(path).startswith("libhvx.so"):
                    return path
    except OSError:
        pass
    return name


# The error functions themselves, bound by hand: every errcheck uses them.
_f = bind({
    "hvx_errno": (ctypes.c_int, [], NO_ERROR),
    "hvx_error": (ctypes.c_char_p, [], NO_ERROR),
    "hvx_clear_error": (None, [], NO_ERROR),
    "hvx_version": (ctypes.c_char_p, [], OPTIONAL_STRING),
})
_errno_fn = _f.hvx_errno
_error_fn = _f.hvx_error


def clear_error() -> None:
    _f.hvx_clear_error()


def version() -> str:
    v = _f.hvx_version()
    return v or "unknown"


def last_error() -> Tuple[int, str]:
    """The calling thread's last (code, message)."""
    msg = _error_fn()
    return _errno_fn(), (msg.decode("utf-8", "replace") if msg else "")


class Trampoline:
    """A Python function called from C.  An exception must never cross
    into C (ctypes would print it and carry on), so the first one is
    kept, FAILED is returned to C instead, and the caller re-raises it
    with :meth:`reraise` once the C call has returned.  C may call from
    any thread."""

    def __init__(self, fn: Callable[..., Any], failed: Any = None):
        self._fn = fn
        self._failed = failed
        self.error: Optional[BaseException] = None

    def __call__(self, *args: Any) -> Any:
        try:
            return self._fn(*args)
        except BaseException as e:  # re-raised by reraise()
            if self.error is None:
                self.error = e
            return self._failed

    def reraise(self) -> None:
        e, self.error = self.error, None
        if e is not None:
            try:
                raise e
            finally:
                del e


def call_with(tramp: Trampoline, fn: Callable[..., Any], *args: Any) -> Any:
    """FN(*ARGS), a C call that may call back into TRAMP.  The callback's
    exception wins over the C error it caused (a progress callback that
    raised makes the C call fail with ECANCELED: the caller wants the
    callback's exception, not that)."""
    try:
        result = fn(*args)
    except errors.Error:
        if tramp.error is None:
            raise
        result = None
    tramp.reraise()
    return result


class Owned:
    """Base of the classes that own one C object, freed by close(), by
    leaving a ``with`` block, or when collected.  Subclasses set _WHAT
    (for messages) and _FREE (the C destructor), and keep _handle and
    _lock (an RLock held by every call on the object)."""

    __slots__ = ("_handle", "_lock", "__weakref__")
    _WHAT = "object"
    _FREE: Any = None

    def _own(self, handle: int) -> None:
        self._lock = threading.RLock()
        self._handle: Optional[int] = handle

    def _h(self) -> int:
        if self._handle is None:
            raise ValueError(f"the {self._WHAT} is closed")
        return self._handle

    def close(self) -> None:
        """Release the C object (done automatically when collected)."""
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            type(self)._FREE(h)

    def __del__(self) -> None:
        try:
            self.close()
        except AttributeError:  # half-built object, interpreter exit
            pass

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ---- argument conversion ------------------------------------------------

U64_MAX = (1 << 64) - 1


def _index(value: Any, what: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not "
                        f"{type(value).__name__}") from None


def u64(value: Any, what: str) -> int:
    """VALUE as an unsigned 64-bit int: ctypes would silently wrap a
    negative or oversized one."""
    v = _index(value, what)
    if v < 0 or v > U64_MAX:
        raise errors.invalid(f"{what} {v} out of range 0..{U64_MAX}")
    return v


def c_int_range(value: Any, what: str, lo: int, hi: int) -> int:
    """VALUE as an int in LO..HI."""
    v = _index(value, what)
    if v < lo or v > hi:
        raise errors.invalid(f"{what} {v} out of range {lo}..{hi}")
    return v


_INT_MAX = {ctypes.c_bool: 1, ctypes.c_uint8: 0xFF, ctypes.c_uint16: 0xFFFF,
            ctypes.c_uint32: 0xFFFFFFFF, ctypes.c_uint: 0xFFFFFFFF,
            ctypes.c_uint64: U64_MAX}


_S = TypeVar("_S", bound=ctypes.Structure)


def fill(struct: _S, source: Any, what: str) -> _S:
    """Set each integer field of the ctypes STRUCT from the attribute of
    the same name of SOURCE, checked against the field's C type (ctypes
    would truncate silently).  Returns STRUCT."""
    for name, ctype in struct._fields_:
        value = getattr(source, name)
        if ctype is ctypes.c_bool and not isinstance(value, bool) and \
                value not in (0, 1):
            raise errors.invalid(f"{what}: {name} must be a bool")
        setattr(struct, name, c_int_range(value, f"{what}: {name}", 0,
                                          _INT_MAX[ctype]))
    return struct


def path_arg(path: Any) -> bytes:
    """A str, bytes or os.PathLike file name as bytes for C."""
    p = os.fsencode(path)
    if b"\0" in p:
        raise errors.invalid(f"path {path!r} contains a NUL byte")
    return p


def str_arg(value: Optional[str], what: str) -> Optional[bytes]:
    """A text argument (format name, options) for C; None stays NULL."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise errors.invalid(f"{what} {value!r} contains a NUL byte")
    return value.encode("utf-8")


def options_arg(options: Any, what: str = "options") -> Optional[bytes]:
    """Format options as the C "key=value,key=value" string, from a str
    or a mapping; a comma or '=' inside a mapping's key, or a comma in a
    value, would change the meaning and is refused."""
    if options is None:
        return None
    if isinstance(options, str):
        return str_arg(options, what)
    try:
        items = list(options.items())
    except AttributeError:
        raise TypeError(f"{what} must be a str or a mapping, not "
                        f"{type(options).__name__}") from None
    parts = []
    for key, value in items:
        k = str(key)
        # Booleans as qemu-img spells them (lazy_refcounts=on).
        v = ("on" if value else "off") if isinstance(value, bool) \
            else str(value)
        if not k or "," in k or "=" in k or "," in v:
            raise errors.invalid(f"{what}: bad option {k!r}={v!r} (no ',' "
                                 "allowed, and no '=' in a key)")
        parts.append(f"{k}={v}")
    return str_arg(",".join(parts), what)

