/* hvx - helpers shared by the Hyper-V and translation formats.
 * Internal. */
#ifndef HVX_HYPERV_INTERNAL_H
#define HVX_HYPERV_INTERNAL_H

#include "hvx/hyperv.h"
#include "vm-internal.h"

/* Operating system families, from the HVX_EXTRA_OS guest extra. */
enum guest_os {
  GUEST_OS_UNKNOWN = 0,
  GUEST_OS_LINUX,
  GUEST_OS_WINDOWS,
  GUEST_OS_OTHER,
};
int hvx_guest_os(const hvx_vm *vm);

/* "disk 2 (xvdc)" / "disk 2" for report subjects, into BUF. */
const char *hvx_disk_subject(const hvx_vm *vm, size_t i, char *buf,
                             size_t len);

/* "IDE 0:1" / "SCSI 1:5" / "xen 0:3" for disk I's address, into BUF. */
const char *hvx_disk_address(const hvx_vm *vm, size_t i, char *buf,
                             size_t len);

/* True if EXTRA key K belongs to format PREFIX ("hyperv." etc.). */
bool hvx_extra_is(const char *k, const char *prefix);

/* Report (LOSS) and delete every extra of VM, guest and devices, whose
 * key does not start with one of the KEEP prefixes (NULL-terminated);
 * TARGET names the target format in the messages. */
int hvx_drop_foreign_extras(hvx_vm *vm, const char *const *keep,
                            const char *target, hvx_report *report);

/* The last path component of PATH, for '/' and '\' separators. */
const char *hvx_path_basename(const char *path);

/* True if PATH is a Windows path: "X:\...", "X:/..." or "\\server\...". */
bool hvx_is_windows_path(const char *path);

/* Advice to convert image SRC to format FMT at DST: WHAT, then the
 * `hvx convert` command with both paths quoted for a POSIX shell (and
 * "--" before them if one starts with '-'), in a string the caller
 * frees.  NULL on ENOMEM. */
char *hvx_convert_advice(const char *what, const char *fmt, const char *src,
                         const char *dst);

/* The boot disk: the first hard disk at controller 0 slot 0, else the
 * first hard disk (floppies and CD-ROMs aside); SIZE_MAX if none. */
size_t hvx_boot_disk(const hvx_vm *vm);

/* Check that VM is laid out for Hyper-V (firmware BIOS or UEFI, every
 * disk on a controller and location its generation has); WHAT starts
 * the EINVAL message.  Returns the generation or -1. */
int hvx_hyperv_check_layout(const hvx_vm *vm, const char *what);

/* ---- Hyper-V XML device types (the "device" GUIDs of the manifest and
 * the "_GUID_" section names; host-side, not the VMBus classes) ------- */
#define HV_VDEV_IDE "83f8638b-8dca-4152-9eda-2ca8b33039b4"
#define HV_VDEV_SCSI "d422512d-2bf2-4752-809d-7b82b5fcb1b4"
#define HV_VDEV_NIC "2fc216b0-d2e2-4967-9b6d-b8a5c9ca2778"
#define HV_VDEV_SERIAL "8e3a359f-559a-4b6a-98a9-1690a6100ed7"
#define HV_VDEV_FLOPPY "8f0d2762-0b00-4e04-af4f-19010527cb93"
#define HV_VDEV_BIOS "ac6b8dc1-3257-4a70-b1b2-a9c9215659ad"

#endif /* HVX_HYPERV_INTERNAL_H */
