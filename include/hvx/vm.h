/* hvx - a neutral description of a virtual machine (guest).
 *
 * An hvx_vm describes a guest independently of any hypervisor: its
 * name, UUID, firmware, processors, memory, disks, network interfaces,
 * serial ports and the hypervisor interfaces ("enlightenments") it is
 * offered.  Readers (xl.cfg, xenstore, ...) build one; writers (xl.cfg,
 * Hyper-V, ...) turn one into their own form, each filling an
 * hvx_report (hvx/report.h) with what changed or was lost.
 *
 * Devices are addressed by index: hvx_vm_add_disk returns the new disk's
 * index, 0, 1, 2, ... in the order added; removing a device shifts the
 * later ones down.  Setters check the single value they are given
 * (EINVAL, message naming the field and value); hvx_vm_validate checks
 * the description as a whole (duplicate slots, clashing MACs, maximums
 * below current values).  Strings passed in are copied; strings
 * returned belong to the hvx_vm and stay valid until the field is set
 * again, the device removed or the hvx_vm freed.
 *
 * Facts the model has no field for, but that a format wants to keep for
 * a faithful round trip, are "extras": key/value strings attached to the
 * guest or to one device.  Keys are namespaced by the format that set
 * them ("xl.cpus", "xl.backendtype", ...); a writer for another format
 * reports each foreign extra it drops.
 *
 * An hvx_vm may be used by one thread at a time.  Calls returning int
 * give -1 on error (see hvx/error.h).
 */
#ifndef HVX_VM_H
#define HVX_VM_H

#include <stddef.h>
#include <stdint.h>

#include <hvx/enlightenment.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvx_vm hvx_vm;

/* ---- limits (sanity bounds of the model itself; a target may allow
 * less and says so in its report or error) ---------------------------- */
#define HVX_VM_MAX_VCPUS 4096u
#define HVX_VM_MAX_MEMORY (UINT64_C(64) << 40) /* 64 TiB */
#define HVX_VM_MAX_DEVICES 1024u    /* per kind: disks, NICs, serials */
#define HVX_VM_MAX_CONTROLLER 255u
#define HVX_VM_MAX_SLOT ((1u << 20) - 1) /* Xen's extended VBD disk limit */
#define HVX_VM_MAX_STRING 4096u     /* any string field, in bytes */

/* ---- the guest ------------------------------------------------------ */

/* hvx_vm_new: an empty description: no name, no UUID, type and firmware
 * unspecified, 0 vCPUs and memory (unspecified), no devices.  NULL on
 * ENOMEM.  Free it with hvx_vm_free. */
hvx_vm *hvx_vm_new(void);

/* hvx_vm_free: release VM (NULL is ignored). */
void hvx_vm_free(hvx_vm *vm);

/* hvx_vm_dup: a deep copy of VM, or NULL on ENOMEM. */
hvx_vm *hvx_vm_dup(const hvx_vm *vm);

/* Name: printable, no control characters, at most 255 bytes (EINVAL);
 * NULL unsets.  The getter returns NULL when unset. */
int hvx_vm_set_name(hvx_vm *vm, const char *name);
const char *hvx_vm_name(const hvx_vm *vm);

/* UUID in the canonical 8-4-4-4-12 hex form (either case; stored in lower
 * case); NULL unsets.  The getter returns NULL when unset. */
int hvx_vm_set_uuid(hvx_vm *vm, const char *uuid);
const char *hvx_vm_uuid(const hvx_vm *vm);

/* How the guest is virtualised. */
enum hvx_guest_type {
  HVX_GUEST_UNSPECIFIED = 0,
  HVX_GUEST_HVM = 1, /* fully virtualised: emulated firmware and devices
                        (Xen HVM, every Hyper-V guest) */
  HVX_GUEST_PV = 2,  /* paravirtualised, no firmware (Xen PV) */
  HVX_GUEST_PVH = 3, /* paravirtualised in a hardware container (Xen PVH) */
};
int hvx_vm_set_guest_type(hvx_vm *vm, int type);
int hvx_vm_guest_type(const hvx_vm *vm);
/* "unspecified", "hvm", "pv", "pvh"; NULL for an unknown value. */
const char *hvx_guest_type_name(int type);
/* The enum for a name above, or -1 (EINVAL). */
int hvx_guest_type_from_name(const char *name);

/* Firmware the guest boots with. */
enum hvx_firmware {
  HVX_FIRMWARE_UNSPECIFIED = 0, /* the hypervisor's default */
  HVX_FIRMWARE_BIOS = 1,
  HVX_FIRMWARE_UEFI = 2,
  HVX_FIRMWARE_NONE = 3, /* direct kernel boot or a host-side bootloader */
};
int hvx_vm_set_firmware(hvx_vm *vm, int firmware);
int hvx_vm_firmware(const hvx_vm *vm);
const char *hvx_firmware_name(int firmware); /* "unspecified", "bios", ... */
int hvx_firmware_from_name(const char *name);
/* UEFI Secure Boot on (1) or off (0). */
int hvx_vm_set_secure_boot(hvx_vm *vm, int on);
int hvx_vm_secure_boot(const hvx_vm *vm);

/* Virtual processors at boot, 0..HVX_VM_MAX_VCPUS (0: unspecified), and
 * the maximum they may be raised to (0: same as vcpus). */
int hvx_vm_set_vcpus(hvx_vm *vm, unsigned vcpus);
unsigned hvx_vm_vcpus(const hvx_vm *vm);
int hvx_vm_set_max_vcpus(hvx_vm *vm, unsigned max_vcpus);
unsigned hvx_vm_max_vcpus(const hvx_vm *vm);

/* Memory at boot and its maximum, in bytes, a multiple of 1 MiB up to
 * HVX_VM_MAX_MEMORY (EINVAL otherwise; EFBIG if too large).  0 means
 * unspecified (maximum: same as memory). */
int hvx_vm_set_memory(hvx_vm *vm, uint64_t bytes);
uint64_t hvx_vm_memory(const hvx_vm *vm);
int hvx_vm_set_max_memory(hvx_vm *vm, uint64_t bytes);
uint64_t hvx_vm_max_memory(const hvx_vm *vm);

/* Direct kernel boot: kernel and initial ramdisk paths on the host and
 * the kernel command line.  A host-side bootloader (Xen's pygrub) and
 * its arguments.  NULL unsets; getters return NULL when unset. */
int hvx_vm_set_kernel(hvx_vm *vm, const char *path);
const char *hvx_vm_kernel(const hvx_vm *vm);
int hvx_vm_set_ramdisk(hvx_vm *vm, const char *path);
const char *hvx_vm_ramdisk(const hvx_vm *vm);
int hvx_vm_set_cmdline(hvx_vm *vm, const char *cmdline);
const char *hvx_vm_cmdline(const hvx_vm *vm);
int hvx_vm_set_bootloader(hvx_vm *vm, const char *bootloader);
const char *hvx_vm_bootloader(const hvx_vm *vm);
int hvx_vm_set_bootloader_args(hvx_vm *vm, const char *args);
const char *hvx_vm_bootloader_args(const hvx_vm *vm);

/* Boot order, as letters tried in turn: 'c' hard disk, 'd' CD-ROM,
 * 'n' network, 'a' floppy; each at most once (e.g. "dc").  NULL or ""
 * unsets. */
int hvx_vm_set_boot_order(hvx_vm *vm, const char *order);
const char *hvx_vm_boot_order(const hvx_vm *vm);

/* What happens when the guest powers off, reboots or crashes. */
enum hvx_event {
  HVX_EVENT_POWEROFF = 0,
  HVX_EVENT_REBOOT = 1,
  HVX_EVENT_CRASH = 2,
  HVX_EVENT_WATCHDOG = 3,
  HVX_EVENT_SOFT_RESET = 4,
};
enum hvx_action {
  HVX_ACTION_UNSPECIFIED = 0,
  HVX_ACTION_DESTROY = 1,          /* stop the guest */
  HVX_ACTION_RESTART = 2,          /* start it again */
  HVX_ACTION_RENAME_RESTART = 3,   /* keep the old one, start a new one */
  HVX_ACTION_PRESERVE = 4,         /* keep it paused for inspection */
  HVX_ACTION_COREDUMP_DESTROY = 5, /* dump memory, then stop */
  HVX_ACTION_COREDUMP_RESTART = 6, /* dump memory, then start again */
  HVX_ACTION_SOFT_RESET = 7,       /* reset without rebuilding (kexec) */
};
int hvx_vm_set_action(hvx_vm *vm, int event, int action);
int hvx_vm_action(const hvx_vm *vm, int event);
/* Names as xl spells them: "poweroff", "reboot", "crash", "watchdog",
 * "soft_reset"; "destroy", "restart", "rename-restart", "preserve",
 * "coredump-destroy", "coredump-restart", "soft-reset" ("unspecified"
 * for 0).  NULL for an unknown value. */
const char *hvx_event_name(int event);
const char *hvx_action_name(int action);
int hvx_action_from_name(const char *name);

/* Hypervisor interfaces offered to the guest.
 *
 * The Hyper-V features ("enlightenments") the guest is offered, as a set
 * of the enlightenment map's features (enum hvx_enl, hvx/enlightenment.h:
 * HVX_ENL_BIT(HVX_ENL_STIMER) | ...), the spin-lock retry count that
 * goes with HVX_ENL_SPINLOCKS (0: unspecified, the target's default),
 * and whether the Xen platform PCI device (which Xen's PV drivers use in
 * an HVM guest) is present.  Readers fill them from what their format
 * says (xl's viridian groups, a Hyper-V host's interfaces); writers and
 * translators turn them into the target's closest configuration with
 * the map and report what is lost or gained.  Set (EINVAL for bits past
 * HVX_ENL_COUNT) and get: */
int hvx_vm_set_hv_features(hvx_vm *vm, hvx_enl_set features);
hvx_enl_set hvx_vm_hv_features(const hvx_vm *vm);
int hvx_vm_set_hv_spinlock_retries(hvx_vm *vm, uint32_t retries);
uint32_t hvx_vm_hv_spinlock_retries(const hvx_vm *vm);
/* The Xen platform device on (1) or off (0); the xl writer turns off
 * into xen_platform_pci = 0 for an HVM guest. */
int hvx_vm_set_xen_platform(hvx_vm *vm, int on);
int hvx_vm_xen_platform(const hvx_vm *vm);

/* The same as a mask of the older HVX_ENL_HV_* bits, one per Xen
 * viridian group (xl.cfg `viridian = [ ... ]`), plus HVX_ENL_XEN_PLATFORM.
 * Kept for existing callers; the feature set above is the model's field.
 * hvx_vm_set_enlightenments sets the features the groups give under
 * libxl's rules (any group brings "base"; EINVAL for unknown bits) and
 * the platform device; hvx_vm_enlightenments returns the groups of the
 * closest xl configuration of the features (what the xl writer writes),
 * so a mask with redundant groups comes back in that canonical form. */
#define HVX_ENL_HV_BASE            (UINT64_C(1) << 0)  /* hypercall page,
                                                        guest OS id, APIC
                                                        MSRs, VP index */
#define HVX_ENL_HV_FREQ            (UINT64_C(1) << 1)  /* TSC/APIC freq MSRs */
#define HVX_ENL_HV_TIME_REF_COUNT  (UINT64_C(1) << 2)
#define HVX_ENL_HV_REFERENCE_TSC   (UINT64_C(1) << 3)
#define HVX_ENL_HV_REMOTE_TLB_FLUSH (UINT64_C(1) << 4)
#define HVX_ENL_HV_APIC_ASSIST     (UINT64_C(1) << 5)
#define HVX_ENL_HV_CRASH_CTL       (UINT64_C(1) << 6)
#define HVX_ENL_HV_STIMER          (UINT64_C(1) << 7)
#define HVX_ENL_HV_IPI             (UINT64_C(1) << 8)
#define HVX_ENL_HV_EX_PROCESSOR_MASKS (UINT64_C(1) << 9)
#define HVX_ENL_HV_NO_VP_LIMIT     (UINT64_C(1) << 10)
#define HVX_ENL_HV_CPU_HOTPLUG     (UINT64_C(1) << 11)
#define HVX_ENL_HV_SYNIC           (UINT64_C(1) << 12) /* synthetic
                                                        interrupt controller */
#define HVX_ENL_XEN_PLATFORM       (UINT64_C(1) << 32) /* Xen platform PCI
                                                        device (PV drivers
                                                        in an HVM guest) */
/* All the bits above. */
#define HVX_ENL_ALL \
  (((UINT64_C(1) << 13) - 1) | HVX_ENL_XEN_PLATFORM)
int hvx_vm_set_enlightenments(hvx_vm *vm, uint64_t mask);
uint64_t hvx_vm_enlightenments(const hvx_vm *vm);
/* The name of one HVX_ENL_* bit ("hv_base", "hv_freq", ...,
 * "xen_platform"), NULL if BIT is not exactly one known bit; and the bit
 * for a name, 0 if unknown. */
const char *hvx_enlightenment_name(uint64_t bit);
uint64_t hvx_enlightenment_from_name(const char *name);

/* ---- disks ---------------------------------------------------------- */

/* The bus a disk hangs on. */
enum hvx_bus {
  HVX_BUS_UNSPECIFIED = 0,
  HVX_BUS_XEN = 1,    /* Xen PV block device (xvdX); controller 0 */
  HVX_BUS_IDE = 2,    /* controller 0 = primary, 1 = secondary, ...;
                         slot 0 = master, 1 = slave */
  HVX_BUS_SCSI = 3,
  HVX_BUS_SATA = 4,
  HVX_BUS_VIRTIO = 5,
  HVX_BUS_FLOPPY = 6,
};
/* "unspecified", "xen", "ide", "scsi", "sata", "virtio", "floppy";
 * NULL for an unknown value. */
const char *hvx_bus_name(int bus);
int hvx_bus_from_name(const char *name);

/* hvx_vm_add_disk: append an empty disk (no image, format unspecified,
 * bus unspecified, read-write, not a CD-ROM).  Returns its index, or -1
 * (EFBIG beyond HVX_VM_MAX_DEVICES, ENOMEM). */
int hvx_vm_add_disk(hvx_vm *vm);
size_t hvx_vm_disk_count(const hvx_vm *vm);
/* hvx_vm_remove_disk: delete disk I; later disks move down one. */
int hvx_vm_remove_disk(hvx_vm *vm, size_t i);

/* In all hvx_vm_disk_* calls, I must be below hvx_vm_disk_count
 * (EINVAL otherwise; getters then return NULL / -1). */

/* Path of the image on the host (a file or a block device); NULL for
 * an empty drive (a CD-ROM without a medium). */
int hvx_vm_disk_set_path(hvx_vm *vm, size_t i, const char *path);
const char *hvx_vm_disk_path(const hvx_vm *vm, size_t i);
/* Image format: "raw", "qcow", "qcow2", "vhd", "vhdx", "qed" or "vmdk"
 * (EINVAL naming the value otherwise); NULL = unspecified. */
int hvx_vm_disk_set_format(hvx_vm *vm, size_t i, const char *format);
const char *hvx_vm_disk_format(const hvx_vm *vm, size_t i);
/* Where the disk is attached: BUS (hvx_bus), CONTROLLER (0..
 * HVX_VM_MAX_CONTROLLER) and SLOT (0..HVX_VM_MAX_SLOT; for IDE 0..1).
 * PARTITION is 0 for the whole disk, or N when the device exposes a
 * single partition (Xen's "xvda1"), 1..255. */
int hvx_vm_disk_set_address(hvx_vm *vm, size_t i, int bus,
                            unsigned controller, unsigned slot,
                            unsigned partition);
int hvx_vm_disk_bus(const hvx_vm *vm, size_t i);
int hvx_vm_disk_controller(const hvx_vm *vm, size_t i);
int hvx_vm_disk_slot(const hvx_vm *vm, size_t i);
int hvx_vm_disk_partition(const hvx_vm *vm, size_t i);
/* The name the source gave the device, as the guest sees it ("xvda",
 * "hdc", "sda1", "d3"), kept for reports and round trips; NULL unsets.
 * It does not have to agree with the address: writers use the address. */
int hvx_vm_disk_set_name(hvx_vm *vm, size_t i, const char *name);
const char *hvx_vm_disk_name(const hvx_vm *vm, size_t i);
/* Read-only (1) or read-write (0). */
int hvx_vm_disk_set_readonly(hvx_vm *vm, size_t i, int on);
int hvx_vm_disk_readonly(const hvx_vm *vm, size_t i);
/* A CD-ROM drive (1) or a hard disk (0).  A CD-ROM is read-only. */
int hvx_vm_disk_set_cdrom(hvx_vm *vm, size_t i, int on);
int hvx_vm_disk_cdrom(const hvx_vm *vm, size_t i);

/* ---- network interfaces -------------------------------------------- */

int hvx_vm_add_nic(hvx_vm *vm);
size_t hvx_vm_nic_count(const hvx_vm *vm);
int hvx_vm_remove_nic(hvx_vm *vm, size_t i);
/* MAC address "xx:xx:xx:xx:xx:xx" (colons or dashes, either case; stored
 * as lower case with colons).  A multicast address is refused.  NULL:
 * let the hypervisor choose. */
int hvx_vm_nic_set_mac(hvx_vm *vm, size_t i, const char *mac);
const char *hvx_vm_nic_mac(const hvx_vm *vm, size_t i);
/* The host network it is attached to: a Xen bridge or a Hyper-V virtual
 * switch name; NULL = the default. */
int hvx_vm_nic_set_network(hvx_vm *vm, size_t i, const char *network);
const char *hvx_vm_nic_network(const hvx_vm *vm, size_t i);
/* Device model as the source named it ("e1000", "rtl8139", "netfront",
 * "netvsc", ...); NULL = the hypervisor's paravirtual default. */
int hvx_vm_nic_set_model(hvx_vm *vm, size_t i, const char *model);
const char *hvx_vm_nic_model(const hvx_vm *vm, size_t i);

/* ---- serial ports -------------------------------------------------- */

/* hvx_vm_add_serial: append serial port (COM1, COM2, ... in order)
 * connected on the host as TARGET: "pty", "file:PATH", "pipe:PATH"
 * (a named pipe), "tcp:HOST:PORT", "none", ... as the source spelled
 * it.  Returns its index or -1. */
int hvx_vm_add_serial(hvx_vm *vm, const char *target);
size_t hvx_vm_serial_count(const hvx_vm *vm);
int hvx_vm_remove_serial(hvx_vm *vm, size_t i);
int hvx_vm_serial_set_target(hvx_vm *vm, size_t i, const char *target);
const char *hvx_vm_serial_target(const hvx_vm *vm, size_t i);

/* ---- extras --------------------------------------------------------- */

/* What an extra is attached to. */
enum hvx_object {
  HVX_OBJECT_GUEST = 0, /* INDEX must be 0 */
  HVX_OBJECT_DISK = 1,
  HVX_OBJECT_NIC = 2,
  HVX_OBJECT_SERIAL = 3,
};
/* hvx_vm_set_extra: set KEY (printable, 1..255 bytes, no '=' or spaces)
 * to VALUE on the object; NULL VALUE deletes it.  Keys keep the order of
 * first setting. */
int hvx_vm_set_extra(hvx_vm *vm, int object, size_t index, const char *key,
                     const char *value);
/* The value of KEY, or NULL if absent (no error) or on a bad object
 * (EINVAL). */
const char *hvx_vm_extra(const hvx_vm *vm, int object, size_t index,
                         const char *key);
/* The number of extras on the object (-1 on a bad object), and the J-th
 * key and value. */
int hvx_vm_extra_count(const hvx_vm *vm, int object, size_t index);
const char *hvx_vm_extra_key(const hvx_vm *vm, int object, size_t index,
                             size_t j);
const char *hvx_vm_extra_value(const hvx_vm *vm, int object, size_t index,
                               size_t j);

/* ---- the whole ------------------------------------------------------ */

/* hvx_vm_validate: check VM as a whole.  Returns 0, or -1 with EINVAL
 * and a message naming the first problem: two disks at the same bus,
 * controller, slot and partition; two disks with the same name; two NICs
 * with the same MAC; max_vcpus below vcpus; max_memory below memory; a
 * PV/PVH guest with BIOS/UEFI firmware; secure boot without UEFI; a
 * hard disk without an image; a boot order naming a device kind the
 * guest lacks is only a report matter, not an error. */
int hvx_vm_validate(const hvx_vm *vm);

/* hvx_vm_to_json: VM as a JSON object, in a string the caller frees with
 * free().  Unset fields are null; memory in bytes.  NULL on ENOMEM. */
char *hvx_vm_to_json(const hvx_vm *vm);

#ifdef __cplusplus
}
#endif

#endif /* HVX_VM_H */
