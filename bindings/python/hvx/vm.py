"""A neutral description of a virtual machine (guest): name, firmware,
processors, memory, disks, network interfaces, serial ports,
enlightenments, and format-specific extras.

Wraps include/hvx/vm.h.  Readers and writers of hypervisor formats are
methods too: :meth:`VM.from_xl`, :meth:`VM.to_xl`, :meth:`VM.to_hyperv`,
:meth:`VM.to_powershell`, :meth:`VM.to_hyperv_xml`, :meth:`VM.to_ovf`,
... (include/hvx/xen.h, hyperv.h, ovf.h); each may fill a
:class:`hvx.Report` with what changed or was lost::

    report = hvx.Report()
    guest = hvx.VM.from_xl_file("/etc/xen/web.cfg", report=report)
    hyperv = guest.to_hyperv(report=report)
    script = hyperv.to_powershell(report=report)
"""

from __future__ import annotations

import enum
import json
from ctypes import (c_char_p, c_int, c_size_t, c_uint, c_uint32, c_uint64,
                    c_void_p)
from typing import (Any, Dict, FrozenSet, Iterable, Iterator, List,
                    MutableMapping, Optional, Sequence, Tuple, Union)

from . import _lib
from . import errors

__all__ = ["GuestType", "Firmware", "Event", "Action", "Bus", "VM", "Disk",
           "Nic", "Serial", "Extras", "enlightenment_names"]

VCPUS_MAX = 4096
EXTRA_OS = "hvx.os"  # HVX_EXTRA_OS, hvx/hyperv.h
_OBJ_GUEST, _OBJ_DISK, _OBJ_NIC, _OBJ_SERIAL = 0, 1, 2, 3

_VM = [c_void_p]
_VMI = [c_void_p, c_size_t]
_S = _lib.OPTIONAL_STRING
_F = _lib.bind({
    "hvx_vm_new": (c_void_p, [], _lib.HANDLE),
    "hvx_vm_free": (None, _VM, _lib.NO_ERROR),
    "hvx_vm_dup": (c_void_p, _VM, _lib.HANDLE),
    "hvx_vm_set_name": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_name": (c_char_p, _VM, _S),
    "hvx_vm_set_uuid": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_uuid": (c_char_p, _VM, _S),
    "hvx_vm_set_guest_type": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_vm_guest_type": (c_int, _VM, _lib.STATUS),
    "hvx_guest_type_name": (c_char_p, [c_int], _S),
    "hvx_guest_type_from_name": (c_int, [c_char_p], _lib.STATUS),
    "hvx_vm_set_firmware": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_vm_firmware": (c_int, _VM, _lib.STATUS),
    "hvx_firmware_name": (c_char_p, [c_int], _S),
    "hvx_firmware_from_name": (c_int, [c_char_p], _lib.STATUS),
    "hvx_vm_set_secure_boot": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_vm_secure_boot": (c_int, _VM, _lib.STATUS),
    "hvx_vm_set_vcpus": (c_int, [c_void_p, c_uint], _lib.STATUS),
    "hvx_vm_vcpus": (c_uint, _VM, _lib.NO_ERROR),
    "hvx_vm_set_max_vcpus": (c_int, [c_void_p, c_uint], _lib.STATUS),
    "hvx_vm_max_vcpus": (c_uint, _VM, _lib.NO_ERROR),
    "hvx_vm_set_memory": (c_int, [c_void_p, c_uint64], _lib.STATUS),
    "hvx_vm_memory": (c_uint64, _VM, _lib.NO_ERROR),
    "hvx_vm_set_max_memory": (c_int, [c_void_p, c_uint64], _lib.STATUS),
    "hvx_vm_max_memory": (c_uint64, _VM, _lib.NO_ERROR),
    "hvx_vm_set_kernel": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_kernel": (c_char_p, _VM, _S),
    "hvx_vm_set_ramdisk": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_ramdisk": (c_char_p, _VM, _S),
    "hvx_vm_set_cmdline": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_cmdline": (c_char_p, _VM, _S),
    "hvx_vm_set_bootloader": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_bootloader": (c_char_p, _VM, _S),
    "hvx_vm_set_bootloader_args": (c_int, [c_void_p, c_char_p],
                                   _lib.STATUS),
    "hvx_vm_bootloader_args": (c_char_p, _VM, _S),
    "hvx_vm_set_boot_order": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_boot_order": (c_char_p, _VM, _S),
    "hvx_vm_set_action": (c_int, [c_void_p, c_int, c_int], _lib.STATUS),
    "hvx_vm_action": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_event_name": (c_char_p, [c_int], _S),
    "hvx_action_name": (c_char_p, [c_int], _S),
    "hvx_action_from_name": (c_int, [c_char_p], _lib.STATUS),
    "hvx_vm_set_hv_features": (c_int, [c_void_p, c_uint64], _lib.STATUS),
    "hvx_vm_hv_features": (c_uint64, _VM, _lib.NO_ERROR),
    "hvx_vm_set_hv_spinlock_retries": (c_int, [c_void_p, c_uint32],
                                       _lib.STATUS),
    "hvx_vm_hv_spinlock_retries": (c_uint32, _VM, _lib.NO_ERROR),
    "hvx_vm_set_xen_platform": (c_int, [c_void_p, c_int], _lib.STATUS),
    "hvx_vm_xen_platform": (c_int, _VM, _lib.STATUS),
    "hvx_vm_set_enlightenments": (c_int, [c_void_p, c_uint64], _lib.STATUS),
    "hvx_vm_enlightenments": (c_uint64, _VM, _lib.NO_ERROR),
    "hvx_enlightenment_name": (c_char_p, [c_uint64], _S),
    "hvx_enlightenment_from_name": (c_uint64, [c_char_p], _lib.NO_ERROR),
    "hvx_bus_name": (c_char_p, [c_int], _S),
    "hvx_bus_from_name": (c_int, [c_char_p], _lib.STATUS),
    "hvx_vm_add_disk": (c_int, _VM, _lib.STATUS),
    "hvx_vm_disk_count": (c_size_t, _VM, _lib.NO_ERROR),
    "hvx_vm_remove_disk": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_set_path": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_disk_path": (c_char_p, _VMI, _S),
    "hvx_vm_disk_set_format": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_disk_format": (c_char_p, _VMI, _S),
    "hvx_vm_disk_set_address": (c_int, _VMI + [c_int, c_uint, c_uint,
                                                c_uint], _lib.STATUS),
    "hvx_vm_disk_bus": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_controller": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_slot": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_partition": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_set_name": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_disk_name": (c_char_p, _VMI, _S),
    "hvx_vm_disk_set_readonly": (c_int, _VMI + [c_int], _lib.STATUS),
    "hvx_vm_disk_readonly": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_disk_set_cdrom": (c_int, _VMI + [c_int], _lib.STATUS),
    "hvx_vm_disk_cdrom": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_add_nic": (c_int, _VM, _lib.STATUS),
    "hvx_vm_nic_count": (c_size_t, _VM, _lib.NO_ERROR),
    "hvx_vm_remove_nic": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_nic_set_mac": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_nic_mac": (c_char_p, _VMI, _S),
    "hvx_vm_nic_set_network": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_nic_network": (c_char_p, _VMI, _S),
    "hvx_vm_nic_set_model": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_nic_model": (c_char_p, _VMI, _S),
    "hvx_vm_add_serial": (c_int, [c_void_p, c_char_p], _lib.STATUS),
    "hvx_vm_serial_count": (c_size_t, _VM, _lib.NO_ERROR),
    "hvx_vm_remove_serial": (c_int, _VMI, _lib.STATUS),
    "hvx_vm_serial_set_target": (c_int, _VMI + [c_char_p], _lib.STATUS),
    "hvx_vm_serial_target": (c_char_p, _VMI, _S),
    "hvx_vm_set_extra": (c_int, [c_void_p, c_int, c_size_t, c_char_p,
                                 c_char_p], _lib.STATUS),
    "hvx_vm_extra": (c_char_p, [c_void_p, c_int, c_size_t, c_char_p], _S),
    "hvx_vm_extra_count": (c_int, [c_void_p, c_int, c_size_t], _lib.STATUS),
    "hvx_vm_extra_key": (c_char_p, [c_void_p, c_int, c_size_t, c_size_t],
                         _lib.STRING),
    "hvx_vm_extra_value": (c_char_p, [c_void_p, c_int, c_size_t, c_size_t],
                           _lib.STRING),
    "hvx_vm_validate": (c_int, _VM, _lib.STATUS),
    "hvx_vm_to_json": (c_void_p, _VM, _lib.OWNED_STRING),
})


def _str(v: Optional[str]) -> Optional[str]:
    return v


class _Named(enum.IntEnum):
    """An enum whose values libhvx names ("hvm", "uefi", ...)."""

    @property
    def label(self) -> str:
        """libhvx's name for the value."""
        return self.name.lower()

    @classmethod
    def from_label(cls, name: str) -> Any:
        """The value libhvx calls NAME (InvalidArgumentError if none)."""
        for v in cls:
            if v.label == name:
                return v
        raise errors.invalid(f"unknown {cls.__name__} '{name}'")


class GuestType(_Named):
    """How the guest is virtualised."""
    UNSPECIFIED = 0
    HVM = 1  #: fully virtualised (Xen HVM, every Hyper-V guest)
    PV = 2   #: paravirtualised (Xen PV)
    PVH = 3  #: paravirtualised in a hardware container (Xen PVH)

    @property
    def label(self) -> str:
        return _F.hvx_guest_type_name(self.value) or self.name.lower()

    @classmethod
    def from_label(cls, name: str) -> "GuestType":
        return cls(_F.hvx_guest_type_from_name(_lib.str_arg(name, "name")))


class Firmware(_Named):
    UNSPECIFIED = 0
    BIOS = 1
    UEFI = 2
    NONE = 3  #: direct kernel boot or a host-side bootloader

    @property
    def label(self) -> str:
        return _F.hvx_firmware_name(self.value) or self.name.lower()

    @classmethod
    def from_label(cls, name: str) -> "Firmware":
        return cls(_F.hvx_firmware_from_name(_lib.str_arg(name, "name")))


class Event(_Named):
    """What happens to the guest (see :meth:`VM.action`)."""
    POWEROFF = 0
    REBOOT = 1
    CRASH = 2
    WATCHDOG = 3
    SOFT_RESET = 4

    @property
    def label(self) -> str:
        return _F.hvx_event_name(self.value) or self.name.lower()


class Action(_Named):
    """What the host does on an :class:`Event`."""
    UNSPECIFIED = 0
    DESTROY = 1
    RESTART = 2
    RENAME_RESTART = 3
    PRESERVE = 4
    COREDUMP_DESTROY = 5
    COREDUMP_RESTART = 6
    SOFT_RESET = 7

    @property
    def label(self) -> str:
        return _F.hvx_action_name(self.value) or self.name.lower()

    @classmethod
    def from_label(cls, name: str) -> "Action":
        return cls(_F.hvx_action_from_name(_lib.str_arg(name, "name")))


class Bus(_Named):
    """The bus a disk hangs on."""
    UNSPECIFIED = 0
    XEN = 1
    IDE = 2
    SCSI = 3
    SATA = 4
    VIRTIO = 5
    FLOPPY = 6

    @property
    def label(self) -> str:
        return _F.hvx_bus_name(self.value) or self.name.lower()

    @classmethod
    def from_label(cls, name: str) -> "Bus":
        return cls(_F.hvx_bus_from_name(_lib.str_arg(name, "name")))


def enlightenment_names() -> Dict[str, int]:
    """The enlightenments a guest description can offer (vm.h's
    HVX_ENL_* bits): name -> bit."""
    out: Dict[str, int] = {}
    for i in range(64):
        name = _F.hvx_enlightenment_name(1 << i)
        if name:
            out[name] = 1 << i
    return out


class Extras(MutableMapping[str, str]):
    """Key/value facts a format keeps for a faithful round trip, on the
    guest or on one device ("xl.cpus", ...).  Keys keep the order of
    first setting."""

    __slots__ = ("_vm", "_obj", "_dev")

    def __init__(self, vm: "VM", obj: int, dev: Optional["_Device"]):
        self._vm, self._obj, self._dev = vm, obj, dev

    def _index(self) -> int:
        return self._dev._i() if self._dev is not None else 0

    def __getitem__(self, key: str) -> str:
        with self._vm._lock:
            v = _F.hvx_vm_extra(self._vm._h(), self._obj, self._index(),
                                _lib.str_arg(key, "key"))
        if v is None:
            raise KeyError(key)
        return str(v)

    def __setitem__(self, key: str, value: str) -> None:
        with self._vm._lock:
            _F.hvx_vm_set_extra(self._vm._h(), self._obj, self._index(),
                                _lib.str_arg(key, "key"),
                                _lib.str_arg(value, "value"))

    def __delitem__(self, key: str) -> None:
        self[key]  # KeyError if absent
        with self._vm._lock:
            _F.hvx_vm_set_extra(self._vm._h(), self._obj, self._index(),
                                _lib.str_arg(key, "key"), None)

    def __iter__(self) -> Iterator[str]:
        with self._vm._lock:
            h, i = self._vm._h(), self._index()
            keys = [str(_F.hvx_vm_extra_key(h, self._obj, i, j))
                    for j in range(_F.hvx_vm_extra_count(h, self._obj, i))]
        return iter(keys)

    def __len__(self) -> int:
        with self._vm._lock:
            return int(_F.hvx_vm_extra_count(self._vm._h(), self._obj,
                                             self._index()))

    def items_list(self) -> List[Tuple[str, str]]:
        """(key, value) pairs, in order, read in one go."""
        with self._vm._lock:
            h, i = self._vm._h(), self._index()
            return [(str(_F.hvx_vm_extra_key(h, self._obj, i, j)),
                     str(_F.hvx_vm_extra_value(h, self._obj, i, j)))
                    for j in range(_F.hvx_vm_extra_count(h, self._obj, i))]

    def __repr__(self) -> str:
        return f"Extras({dict(self.items_list())!r})"


class _Device:
    """A device of a VM, by index: removing an earlier device of the same
    kind shifts it down, as in the C API; a removed device's object
    raises IndexError."""

    __slots__ = ("_vm", "_index")
    _KIND = ""
    _OBJ = 0

    def __init__(self, vm: "VM", index: int):
        self._vm, self._index = vm, index

    def _count(self) -> int:
        raise NotImplementedError

    def _i(self) -> int:
        if self._index >= self._count():
            raise IndexError(f"{self._KIND} {self._index} no longer exists")
        return self._index

    @property
    def index(self) -> int:
        return self._index

    @property
    def extras(self) -> Extras:
        """This device's extras."""
        return Extras(self._vm, self._OBJ, self)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and \
            other._vm is self._vm and other._index == self._index  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((id(self._vm), self._KIND, self._index))


class Disk(_Device):
    """A disk (or CD-ROM drive) of a :class:`VM`."""

    __slots__ = ()
    _KIND = "disk"
    _OBJ = _OBJ_DISK

    def _count(self) -> int:
        return int(_F.hvx_vm_disk_count(self._vm._h()))

    def _get(self, fn: Any) -> Any:
        with self._vm._lock:
            return fn(self._vm._h(), self._i())

    def _set(self, fn: Any, *args: Any) -> None:
        with self._vm._lock:
            fn(self._vm._h(), self._i(), *args)

    @property
    def path(self) -> Optional[str]:
        """The image on the host; None for an empty drive."""
        return _str(self._get(_F.hvx_vm_disk_path))

    @path.setter
    def path(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_disk_set_path, _lib.str_arg(value, "path"))

    @property
    def format(self) -> Optional[str]:
        """The image format ("raw", "qcow2", "vhd", "vhdx", ...)."""
        return _str(self._get(_F.hvx_vm_disk_format))

    @format.setter
    def format(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_disk_set_format, _lib.str_arg(value, "format"))

    @property
    def bus(self) -> Bus:
        return Bus(self._get(_F.hvx_vm_disk_bus))

    @property
    def controller(self) -> int:
        return int(self._get(_F.hvx_vm_disk_controller))

    @property
    def slot(self) -> int:
        return int(self._get(_F.hvx_vm_disk_slot))

    @property
    def partition(self) -> int:
        """0 for the whole disk, N for a single-partition device."""
        return int(self._get(_F.hvx_vm_disk_partition))

    def set_address(self, bus: Union[Bus, int], controller: int = 0,
                    slot: int = 0, partition: int = 0) -> None:
        """Attach the disk at BUS, CONTROLLER, SLOT (and PARTITION)."""
        u32 = 0xFFFFFFFF
        self._set(_F.hvx_vm_disk_set_address,
                  _lib.c_int_range(bus, "bus", 0, 0x7FFFFFFF),
                  _lib.c_int_range(controller, "controller", 0, u32),
                  _lib.c_int_range(slot, "slot", 0, u32),
                  _lib.c_int_range(partition, "partition", 0, u32))

    @property
    def name(self) -> Optional[str]:
        """The name the source gave the device ("xvda", "hdc", ...)."""
        return _str(self._get(_F.hvx_vm_disk_name))

    @name.setter
    def name(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_disk_set_name, _lib.str_arg(value, "name"))

    @property
    def readonly(self) -> bool:
        return bool(self._get(_F.hvx_vm_disk_readonly))

    @readonly.setter
    def readonly(self, value: bool) -> None:
        self._set(_F.hvx_vm_disk_set_readonly, int(bool(value)))

    @property
    def cdrom(self) -> bool:
        """A CD-ROM drive (read-only) rather than a hard disk."""
        return bool(self._get(_F.hvx_vm_disk_cdrom))

    @cdrom.setter
    def cdrom(self, value: bool) -> None:
        self._set(_F.hvx_vm_disk_set_cdrom, int(bool(value)))

    def xl_spec(self, report: Optional["Report"] = None) -> str:
        """This disk as an xl.cfg disk specification."""
        from .xen import _xl_disk_spec
        return _xl_disk_spec(self._vm, self._i(), report)

    def __repr__(self) -> str:
        return f"<hvx.Disk {self._index} of {self._vm!r}>"


class Nic(_Device):
    """A network interface of a :class:`VM`."""

    __slots__ = ()
    _KIND = "nic"
    _OBJ = _OBJ_NIC

    def _count(self) -> int:
        return int(_F.hvx_vm_nic_count(self._vm._h()))

    def _get(self, fn: Any) -> Optional[str]:
        with self._vm._lock:
            return _str(fn(self._vm._h(), self._i()))

    def _set(self, fn: Any, value: Optional[str], what: str) -> None:
        with self._vm._lock:
            fn(self._vm._h(), self._i(), _lib.str_arg(value, what))

    @property
    def mac(self) -> Optional[str]:
        """"xx:xx:xx:xx:xx:xx", or None to let the hypervisor choose."""
        return self._get(_F.hvx_vm_nic_mac)

    @mac.setter
    def mac(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_nic_set_mac, value, "mac")

    @property
    def network(self) -> Optional[str]:
        """A Xen bridge or a Hyper-V virtual switch; None: the default."""
        return self._get(_F.hvx_vm_nic_network)

    @network.setter
    def network(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_nic_set_network, value, "network")

    @property
    def model(self) -> Optional[str]:
        """Device model ("e1000", "netvsc", ...); None: paravirtual."""
        return self._get(_F.hvx_vm_nic_model)

    @model.setter
    def model(self, value: Optional[str]) -> None:
        self._set(_F.hvx_vm_nic_set_model, value, "model")

    def __repr__(self) -> str:
        return f"<hvx.Nic {self._index} of {self._vm!r}>"


class Serial(_Device):
    """A serial port (COM1, COM2, ... in order) of a :class:`VM`."""

    __slots__ = ()
    _KIND = "serial"
    _OBJ = _OBJ_SERIAL

    def _count(self) -> int:
        return int(_F.hvx_vm_serial_count(self._vm._h()))

    @property
    def target(self) -> str:
        """Where it is connected on the host: "pty", "file:PATH", ..."""
        with self._vm._lock:
            return str(_F.hvx_vm_serial_target(self._vm._h(), self._i()))

    @target.setter
    def target(self, value: str) -> None:
        with self._vm._lock:
            _F.hvx_vm_serial_set_target(self._vm._h(), self._i(),
                                        _lib.str_arg(value, "target"))

    def __repr__(self) -> str:
        return f"<hvx.Serial {self._index} of {self._vm!r}>"


class _Devices(Sequence[Any]):
    """The devices of one kind, as a sequence; add() appends one."""

    __slots__ = ("_vm",)
    _CLS: Any = None
    _COUNT: Any = None
    _REMOVE: Any = None

    def __init__(self, vm: "VM"):
        self._vm = vm

    def __len__(self) -> int:
        with self._vm._lock:
            return int(type(self)._COUNT(self._vm._h()))

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"{self._CLS._KIND} index out of range")
        return self._CLS(self._vm, i)

    def __delitem__(self, i: int) -> None:
        dev = self[i]
        with self._vm._lock:
            type(self)._REMOVE(self._vm._h(), dev.index)


class DiskList(_Devices):
    __slots__ = ()
    _CLS = Disk
    _COUNT = _F.hvx_vm_disk_count
    _REMOVE = _F.hvx_vm_remove_disk

    def add(self, path: Optional[str] = None, *, format: Optional[str] = None,
            bus: Union[Bus, int, None] = None, controller: int = 0,
            slot: int = 0, partition: int = 0, name: Optional[str] = None,
            readonly: bool = False, cdrom: bool = False) -> Disk:
        """Append a disk, set up as given; returns it."""
        with self._vm._lock:
            d = Disk(self._vm, _F.hvx_vm_add_disk(self._vm._h()))
            try:
                if path is not None:
                    d.path = path
                if format is not None:
                    d.format = format
                if bus is not None:
                    d.set_address(bus, controller, slot, partition)
                if name is not None:
                    d.name = name
                if cdrom:
                    d.cdrom = True
                if readonly:
                    d.readonly = True
            except BaseException:
                _F.hvx_vm_remove_disk(self._vm._h(), d.index)
                raise
            return d


class NicList(_Devices):
    __slots__ = ()
    _CLS = Nic
    _COUNT = _F.hvx_vm_nic_count
    _REMOVE = _F.hvx_vm_remove_nic

    def add(self, mac: Optional[str] = None, *, network: Optional[str] = None,
            model: Optional[str] = None) -> Nic:
        """Append a network interface, set up as given; returns it."""
        with self._vm._lock:
            n = Nic(self._vm, _F.hvx_vm_add_nic(self._vm._h()))
            try:
                if mac is not None:
                    n.mac = mac
                if network is not None:
                    n.network = network
                if model is not None:
                    n.model = model
            except BaseException:
                _F.hvx_vm_remove_nic(self._vm._h(), n.index)
                raise
            return n


class SerialList(_Devices):
    __slots__ = ()
    _CLS = Serial
    _COUNT = _F.hvx_vm_serial_count
    _REMOVE = _F.hvx_vm_remove_serial

    def add(self, target: str = "pty") -> Serial:
        """Append a serial port connected to TARGET; returns it."""
        with self._vm._lock:
            return Serial(self._vm, _F.hvx_vm_add_serial(
                self._vm._h(), _lib.str_arg(target, "target")))


from .report import Report, using  # noqa: E402  (after the enums it needs)


class VM(_lib.Owned):
    """A guest description, independent of any hypervisor.

    ``VM()`` is empty; readers make full ones (:meth:`from_xl`,
    :meth:`from_hyperv_xml`, :meth:`from_ovf`, :meth:`from_xenstore`).
    Setters check the one value they get (:class:`InvalidArgumentError`
    naming the field); :meth:`validate` checks the whole.  A VM may be
    shared between threads: calls are serialized by a lock.
    """

    __slots__ = ()
    _WHAT = "VM description"
    _FREE = _F.hvx_vm_free

    def __init__(self) -> None:
        self._own(_F.hvx_vm_new())

    @classmethod
    def _wrap(cls, handle: int) -> "VM":
        self = object.__new__(cls)
        self._own(handle)
        return self

    def __enter__(self) -> "VM":
        return self

    def copy(self) -> "VM":
        """A deep copy."""
        with self._lock:
            return VM._wrap(_F.hvx_vm_dup(self._h()))

    __copy__ = copy

    def __deepcopy__(self, memo: Any) -> "VM":
        return self.copy()

    @property
    def os(self) -> Optional[str]:
        """The guest's operating system family ("linux", "windows",
        "other"; the "hvx.os" extra), which decides the drivers reports
        ask for; None: unknown."""
        return self.extras.get(EXTRA_OS)

    @os.setter
    def os(self, value: Optional[str]) -> None:
        if value is None:
            self.extras.pop(EXTRA_OS, None)
        else:
            self.extras[EXTRA_OS] = value

    def __repr__(self) -> str:
        if self._handle is None:
            return "<hvx.VM closed>"
        return f"<hvx.VM {self.name!r}>"

    # -- the guest --

    @property
    def name(self) -> Optional[str]:
        """Printable name, at most 255 bytes; None when unset."""
        with self._lock:
            return _str(_F.hvx_vm_name(self._h()))

    @name.setter
    def name(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_name(self._h(), _lib.str_arg(value, "name"))

    @property
    def uuid(self) -> Optional[str]:
        """UUID in 8-4-4-4-12 hex form (stored lower case); None when unset."""
        with self._lock:
            return _str(_F.hvx_vm_uuid(self._h()))

    @uuid.setter
    def uuid(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_uuid(self._h(), _lib.str_arg(value, "uuid"))

    @property
    def kernel(self) -> Optional[str]:
        """Direct kernel boot: the kernel's path on the host."""
        with self._lock:
            return _str(_F.hvx_vm_kernel(self._h()))

    @kernel.setter
    def kernel(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_kernel(self._h(), _lib.str_arg(value, "kernel"))

    @property
    def ramdisk(self) -> Optional[str]:
        """Direct kernel boot: the initial ramdisk's path."""
        with self._lock:
            return _str(_F.hvx_vm_ramdisk(self._h()))

    @ramdisk.setter
    def ramdisk(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_ramdisk(self._h(), _lib.str_arg(value, "ramdisk"))

    @property
    def cmdline(self) -> Optional[str]:
        """Direct kernel boot: the kernel command line."""
        with self._lock:
            return _str(_F.hvx_vm_cmdline(self._h()))

    @cmdline.setter
    def cmdline(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_cmdline(self._h(), _lib.str_arg(value, "cmdline"))

    @property
    def bootloader(self) -> Optional[str]:
        """A host-side bootloader (Xen's pygrub)."""
        with self._lock:
            return _str(_F.hvx_vm_bootloader(self._h()))

    @bootloader.setter
    def bootloader(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_bootloader(self._h(), _lib.str_arg(value, "bootloader"))

    @property
    def bootloader_args(self) -> Optional[str]:
        """Arguments of the host-side bootloader."""
        with self._lock:
            return _str(_F.hvx_vm_bootloader_args(self._h()))

    @bootloader_args.setter
    def bootloader_args(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_bootloader_args(self._h(), _lib.str_arg(value, "bootloader_args"))

    @property
    def boot_order(self) -> Optional[str]:
        """Boot order as letters: c disk, d CD-ROM, n network, a floppy ("dc")."""
        with self._lock:
            return _str(_F.hvx_vm_boot_order(self._h()))

    @boot_order.setter
    def boot_order(self, value: Optional[str]) -> None:
        with self._lock:
            _F.hvx_vm_set_boot_order(self._h(), _lib.str_arg(value, "boot_order"))

    @property
    def vcpus(self) -> int:
        """Virtual processors at boot (0: unspecified)."""
        with self._lock:
            return int(_F.hvx_vm_vcpus(self._h()))

    @vcpus.setter
    def vcpus(self, value: int) -> None:
        with self._lock:
            _F.hvx_vm_set_vcpus(self._h(), _lib.c_int_range(value, "vcpus", 0, VCPUS_MAX))

    @property
    def max_vcpus(self) -> int:
        """Most vCPUs the guest may be raised to (0: same as vcpus)."""
        with self._lock:
            return int(_F.hvx_vm_max_vcpus(self._h()))

    @max_vcpus.setter
    def max_vcpus(self, value: int) -> None:
        with self._lock:
            _F.hvx_vm_set_max_vcpus(self._h(), _lib.c_int_range(value, "max_vcpus", 0, VCPUS_MAX))

    @property
    def memory(self) -> int:
        """Memory at boot in bytes, a multiple of 1 MiB (0: unspecified)."""
        with self._lock:
            return int(_F.hvx_vm_memory(self._h()))

    @memory.setter
    def memory(self, value: int) -> None:
        with self._lock:
            _F.hvx_vm_set_memory(self._h(), _lib.u64(value, "memory"))

    @property
    def max_memory(self) -> int:
        """Maximum memory in bytes (0: same as memory)."""
        with self._lock:
            return int(_F.hvx_vm_max_memory(self._h()))

    @max_memory.setter
    def max_memory(self, value: int) -> None:
        with self._lock:
            _F.hvx_vm_set_max_memory(self._h(), _lib.u64(value, "max_memory"))

    @property
    def guest_type(self) -> GuestType:
        with self._lock:
            return GuestType(_F.hvx_vm_guest_type(self._h()))

    @guest_type.setter
    def guest_type(self, value: Union[GuestType, int]) -> None:
        with self._lock:
            _F.hvx_vm_set_guest_type(self._h(), _lib.c_int_range(
                value, "guest_type", 0, 0x7FFFFFFF))

    @property
    def firmware(self) -> Firmware:
        with self._lock:
            return Firmware(_F.hvx_vm_firmware(self._h()))

    @firmware.setter
    def firmware(self, value: Union[Firmware, int]) -> None:
        with self._lock:
            _F.hvx_vm_set_firmware(self._h(), _lib.c_int_range(
                value, "firmware", 0, 0x7FFFFFFF))

    @property
    def secure_boot(self) -> bool:
        """UEFI Secure Boot."""
        with self._lock:
            return bool(_F.hvx_vm_secure_boot(self._h()))

    @secure_boot.setter
    def secure_boot(self, value: bool) -> None:
        with self._lock:
            _F.hvx_vm_set_secure_boot(self._h(), int(bool(value)))

    def action(self, event: Union[Event, int]) -> Action:
        """What the host does when EVENT happens."""
        with self._lock:
            return Action(_F.hvx_vm_action(self._h(), _lib.c_int_range(
                event, "event", 0, 0x7FFFFFFF)))

    def set_action(self, event: Union[Event, int],
                   action: Union[Action, int]) -> None:
        with self._lock:
            _F.hvx_vm_set_action(
                self._h(), _lib.c_int_range(event, "event", 0, 0x7FFFFFFF),
                _lib.c_int_range(action, "action", 0, 0x7FFFFFFF))

    @property
    def hv_features(self) -> FrozenSet[str]:
        """The Hyper-V features ("enlightenments") the guest is offered,
        named as in :mod:`hvx.enlightenment` ("stimer", "synic", ...)."""
        from .enlightenment import _names
        with self._lock:
            return _names(_F.hvx_vm_hv_features(self._h()))

    @hv_features.setter
    def hv_features(self, names: Iterable[str]) -> None:
        from .enlightenment import _mask
        mask = _mask(names)
        with self._lock:
            _F.hvx_vm_set_hv_features(self._h(), mask)

    @property
    def hv_spinlock_retries(self) -> int:
        """The spin-lock retry count that goes with the "spinlocks"
        feature (0: the target's default)."""
        with self._lock:
            return int(_F.hvx_vm_hv_spinlock_retries(self._h()))

    @hv_spinlock_retries.setter
    def hv_spinlock_retries(self, value: int) -> None:
        with self._lock:
            _F.hvx_vm_set_hv_spinlock_retries(self._h(), _lib.c_int_range(
                value, "hv_spinlock_retries", 0, 0xFFFFFFFF))

    @property
    def xen_platform(self) -> bool:
        """The Xen platform PCI device (for Xen's PV drivers in an HVM
        guest)."""
        with self._lock:
            return bool(_F.hvx_vm_xen_platform(self._h()))

    @xen_platform.setter
    def xen_platform(self, value: bool) -> None:
        with self._lock:
            _F.hvx_vm_set_xen_platform(self._h(), int(bool(value)))

    @property
    def enlightenments(self) -> FrozenSet[str]:
        """The same as :attr:`hv_features` and :attr:`xen_platform`, as
        Xen's viridian groups ("hv_base", "hv_freq", ..., "xen_platform";
        see :func:`enlightenment_names`).  Kept for existing callers."""
        with self._lock:
            mask = _F.hvx_vm_enlightenments(self._h())
        return frozenset(n for n, b in enlightenment_names().items()
                         if mask & b)

    @enlightenments.setter
    def enlightenments(self, names: Iterable[str]) -> None:
        if isinstance(names, str):
            raise TypeError("enlightenments must be a collection of names")
        mask = 0
        for n in names:
            bit = _F.hvx_enlightenment_from_name(_lib.str_arg(n, "name"))
            if not bit:
                raise errors.invalid(f"unknown enlightenment '{n}'")
            mask |= bit
        with self._lock:
            _F.hvx_vm_set_enlightenments(self._h(), mask)

    # -- devices and extras --

    @property
    def disks(self) -> DiskList:
        """The disks, a sequence; ``vm.disks.add(...)`` appends one and
        ``del vm.disks[i]`` removes one."""
        return DiskList(self)

    @property
    def nics(self) -> NicList:
        return NicList(self)

    @property
    def serials(self) -> SerialList:
        return SerialList(self)

    @property
    def extras(self) -> Extras:
        """The guest's extras (facts of one format: "xl.cpus", ...)."""
        return Extras(self, _OBJ_GUEST, None)

    # -- the whole --

    def validate(self) -> None:
        """Check the description as a whole.
        :raises InvalidArgumentError: naming the first problem."""
        with self._lock:
            _F.hvx_vm_validate(self._h())

    def to_json(self) -> str:
        """The description as libhvx's JSON object."""
        with self._lock:
            return str(_F.hvx_vm_to_json(self._h()))

    def to_dict(self) -> Dict[str, Any]:
        """:meth:`to_json`, parsed."""
        d: Dict[str, Any] = json.loads(self.to_json())
        return d

    # -- formats (include/hvx/xen.h, hyperv.h, ovf.h) --

    @classmethod
    def _read(cls, fn: Any, data: Union[bytes, str],
              filename: Optional[str], report: Optional[Report]) -> "VM":
        """A reader FN(data, len, filename, report) -> hvx_vm *."""
        b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        with using(report) as r:
            return cls._wrap(fn(b, len(b), _lib.str_arg(filename,
                                                        "filename"), r))

    @classmethod
    def _read_file(cls, fn: Any, path: _lib.PathArg,
                   report: Optional[Report]) -> "VM":
        """A reader FN(path, report) -> hvx_vm *."""
        with using(report) as r:
            return cls._wrap(fn(_lib.path_arg(path), r))

    def _write(self, fn: Any, report: Optional[Report], *args: Any) -> str:
        """A writer FN(vm, *ARGS, report) -> char * (caller frees)."""
        with self._lock, using(report) as r:
            return str(fn(self._h(), *args, r))

    @classmethod
    def from_xl(cls, text: str, filename: Optional[str] = None, *,
                report: Optional[Report] = None) -> "VM":
        """Parse xl.cfg TEXT (with Xen's libxlutil).
        :raises CorruptImageError: (EBADMSG) naming file, line and column,
            or the key and value."""
        from .xen import _from_xl
        return _from_xl(text, filename, report)

    @classmethod
    def from_xl_file(cls, path: _lib.PathArg, *,
                     report: Optional[Report] = None) -> "VM":
        """Parse the xl.cfg file at PATH (at most 1 MiB)."""
        from .xen import _from_xl_file
        return _from_xl_file(path, report)

    def to_xl(self, *, report: Optional[Report] = None) -> str:
        """This guest as xl.cfg text (validated first)."""
        from .xen import _to_xl
        return _to_xl(self, report)

    @classmethod
    def from_xenstore(cls, domid: int, *,
                      report: Optional[Report] = None) -> "VM":
        """Describe running Xen domain DOMID from xenstore."""
        from .xen import _from_xenstore
        return _from_xenstore(domid, report)

    @classmethod
    def from_xenstore_listing(cls, text: Union[bytes, str], domid: int, *,
                              report: Optional[Report] = None) -> "VM":
        """Describe domain DOMID from a saved listing of xenstore, as
        ``xenstore-ls -f`` prints it (works without libxenstore).
        :raises CorruptImageError: (EBADMSG) naming the line or node."""
        from .xen import _from_xenstore_listing
        return _from_xenstore_listing(text, domid, report)

    def add_domain_info(self, domid: int) -> None:
        """Fill guest type, vCPUs and memory, where unset, from the Xen
        hypervisor's facts about DOMID."""
        from .xen import _add_domain_info
        _add_domain_info(self, domid)

    def to_hyperv(self, generation: int = 0, *,
                  report: Optional[Report] = None) -> "VM":
        """A copy laid out for Hyper-V (GENERATION 1, 2, or 0 to choose)."""
        from .hyperv import _translate
        return _translate(self, generation, report)

    def to_xen(self, *, report: Optional[Report] = None) -> "VM":
        """A copy laid out for a Xen HVM guest."""
        from .hyperv import _xen_translate
        return _xen_translate(self, report)

    @property
    def hyperv_generation(self) -> int:
        """1 or 2, for a VM laid out for Hyper-V (InvalidArgumentError
        otherwise)."""
        from .hyperv import _generation
        return _generation(self)

    def to_powershell(self, *, report: Optional[Report] = None) -> str:
        """A PowerShell script that recreates this Hyper-V guest."""
        from .hyperv import _to_powershell
        return _to_powershell(self, report)

    @classmethod
    def from_hyperv_xml(cls, data: Union[bytes, str],
                        filename: Optional[str] = None, *,
                        report: Optional[Report] = None) -> "VM":
        """Read a Hyper-V XML configuration (UTF-8 or UTF-16 bytes)."""
        from .hyperv import _from_xml
        return _from_xml(data, filename, report)

    @classmethod
    def from_hyperv_xml_file(cls, path: _lib.PathArg, *,
                             report: Optional[Report] = None) -> "VM":
        from .hyperv import _from_xml_file
        return _from_xml_file(path, report)

    def to_hyperv_xml(self, *, utf16: bool = False,
                      report: Optional[Report] = None) -> bytes:
        """This Hyper-V guest as a Hyper-V XML configuration: UTF-8, or
        UTF-16LE with a BOM and CRLFs as Hyper-V writes it."""
        from .hyperv import _to_xml
        return _to_xml(self, utf16, report)

    @classmethod
    def from_ovf(cls, text: str, filename: Optional[str] = None, *,
                 report: Optional[Report] = None) -> "VM":
        """Read an OVF descriptor."""
        from .ovf import _from_ovf
        return _from_ovf(text, filename, report)

    @classmethod
    def from_ovf_file(cls, path: _lib.PathArg, *,
                      report: Optional[Report] = None) -> "VM":
        from .ovf import _from_ovf_file
        return _from_ovf_file(path, report)

    def to_ovf(self, *, report: Optional[Report] = None) -> str:
        """This guest as an OVF descriptor."""
        from .ovf import _to_ovf
        return _to_ovf(self, report)

    def to_libvirt(self, type: str = "kvm", *,
                   report: Optional[Report] = None) -> str:
        """This guest as libvirt domain XML of TYPE ("kvm", "xen", ...)."""
        from .ovf import _to_libvirt
        return _to_libvirt(self, type, report)
