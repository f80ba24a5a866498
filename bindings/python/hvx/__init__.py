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

Submodules: :mod:`hvx.hypercall` (Hyper-V and Xen hypercall tables,
input/result values, validation, trace decoding), :mod:`hvx.detect`
(hypervisor detection from CPUID), :mod:`hvx.enlightenment` (Hyper-V
enlightenments in the xl, QEMU and libvirt vocabularies).
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
# Areas with many names of their own stay in their modules:
# hvx.hypercall.hv_calls(), hvx.detect.detect(), hvx.enlightenment.compat().
from . import detect, enlightenment, hypercall
from .report import Report, ReportItem, Severity
from .vm import (VM, Action, Bus, Disk, Event, Extras, Firmware, GuestType,
                 Nic, Serial)
from . import hyperv, ovf, xen  # after vm: they extend hvx.VM

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
    # guests
    "VM", "Disk", "Nic", "Serial", "Extras", "GuestType", "Firmware",
    "Event", "Action", "Bus", "Report", "ReportItem", "Severity",
    # areas
    "hypercall", "detect", "enlightenment", "xen", "hyperv", "vm",
    # library
    "library_version", "library_path", "__version__",
    # errors
    "Error", "FormatError", "CorruptImageError", "UnsupportedError",
    "InvalidArgumentError", "TooLargeError", "ExistsError", "NotFoundError",
    "PermissionDeniedError", "BackingChainError", "CancelledError",
    "BusyError", "IsADirectoryError_", "NotADirectoryError_",
    "OutOfMemoryError",
]
