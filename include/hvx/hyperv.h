/* hvx - Hyper-V guests: VMBus device classes, translating a guest to
 * Hyper-V's rules (and a Hyper-V guest to Xen's), a PowerShell script
 * that recreates a guest on a Hyper-V host, and the XML virtual machine
 * configuration of Windows Server 2008 R2 to 2012 R2.
 *
 * Calls returning int give -1 on error, calls returning pointers NULL
 * (see hvx/error.h).  Every translation fills an hvx_report
 * (hvx/report.h), which may be NULL when the caller does not want one.
 */
#ifndef HVX_HYPERV_H
#define HVX_HYPERV_H

#include <stddef.h>
#include <stdint.h>

#include <hvx/report.h>
#include <hvx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- VMBus device classes -------------------------------------------
 *
 * Synthetic devices reach a Hyper-V guest over VMBus; the host offers
 * each one as a channel whose class (interface type) GUID says what it
 * is.  The GUIDs below are the ones Linux's VMBus drivers match on
 * (include/linux/hyperv.h). */
enum hvx_vmbus_class {
  HVX_VMBUS_SCSI = 0,       /* synthetic SCSI controller (storvsc) */
  HVX_VMBUS_IDE,            /* IDE accelerator for Gen1 IDE disks */
  HVX_VMBUS_NETWORK,        /* synthetic network adapter (netvsc) */
  HVX_VMBUS_HEARTBEAT,
  HVX_VMBUS_SHUTDOWN,
  HVX_VMBUS_TIMESYNC,
  HVX_VMBUS_KVP,            /* key-value pair (data) exchange */
  HVX_VMBUS_VSS,            /* volume shadow copy (backup) */
  HVX_VMBUS_FCOPY,          /* guest services: host-to-guest file copy */
  HVX_VMBUS_KEYBOARD,
  HVX_VMBUS_MOUSE,          /* synthetic mouse / input (HID) */
  HVX_VMBUS_VIDEO,          /* synthetic video (framebuffer) */
  HVX_VMBUS_DYNAMIC_MEMORY, /* ballooning and hot-add */
  HVX_VMBUS_RDV,            /* Remote Desktop Virtualization */
  HVX_VMBUS_FIBRE_CHANNEL,  /* synthetic Fibre Channel */
  HVX_VMBUS_PCIE,           /* PCI Express pass-through */
  HVX_VMBUS_NETWORK_DIRECT, /* guest RDMA */
  HVX_VMBUS_AVMA1,          /* automatic VM activation */
  HVX_VMBUS_AVMA2,
  HVX_VMBUS_IMC,            /* initial machine configuration */
  HVX_VMBUS_N_CLASSES
};

/* The class GUID in lower-case 8-4-4-4-12 form, a short name ("scsi",
 * "heartbeat", ...), a description, and the Linux module that drives
 * it ("hv_storvsc", "hv_utils", ...; "" if Linux has none).  NULL for
 * an unknown class.  Strings are static. */
const char *hvx_vmbus_class_guid(int cls);
const char *hvx_vmbus_class_name(int cls);
const char *hvx_vmbus_class_description(int cls);
const char *hvx_vmbus_class_linux_driver(int cls);
/* The class for GUID (either case, with or without braces), or -1 with
 * ENOENT if it names no known class (EINVAL if it is not a GUID). */
int hvx_vmbus_class_from_guid(const char *guid);

/* ---- translating a guest to Hyper-V ----------------------------------
 *
 * Generation 1: BIOS; the boot disk on IDE (2 controllers x 2
 * locations, 4 IDE devices at most), DVD drives on IDE only, other
 * disks on synthetic SCSI.  Generation 2: UEFI (optionally Secure
 * Boot); SCSI only, DVD drives on SCSI too.  Both: up to 4 SCSI
 * controllers of 64 locations each. */
#define HVX_HYPERV_IDE_CONTROLLERS 2u
#define HVX_HYPERV_IDE_LOCATIONS 2u
#define HVX_HYPERV_SCSI_CONTROLLERS 4u
#define HVX_HYPERV_SCSI_LOCATIONS 64u
#define HVX_HYPERV_MAX_NICS 8u       /* synthetic adapters per guest */
#define HVX_HYPERV_MAX_COM_PORTS 2u
#define HVX_HYPERV_MAX_VCPUS 240u    /* Windows Server 2016 and later */
#define HVX_HYPERV_MAX_MEMORY (UINT64_C(12) << 40)

/* The guest extra naming the guest's operating system family, which
 * decides the drivers the reports ask for: "linux", "windows" or
 * "other" (absent: unknown, both are mentioned). */
#define HVX_EXTRA_OS "hvx.os"

/* hvx_hyperv_features: the Hyper-V features (hvx/enlightenment.h) a
 * Hyper-V host (Windows Server 2016 and later) offers every guest, as
 * the enlightenment map reads them from the host's CPUID leaves
 * 0x40000003-5; nested-virtualization features are not included.  The
 * spin-lock retry count it recommends goes to *SPINLOCK_RETRIES (may be
 * NULL).  Translators give these to a guest laid out for Hyper-V and
 * take them as what a guest read from Hyper-V had. */
hvx_enl_set hvx_hyperv_features(uint32_t *spinlock_retries);

/* hvx_hyperv_translate: a copy of SRC laid out for Hyper-V, in *OUT
 * (free it with hvx_vm_free).  GENERATION is 1, 2, or 0 to choose: 2
 * for a UEFI guest, 1 otherwise (BIOS, or a Xen PV/PVH guest, which
 * also gets a report item saying it needs a bootloader on its disk).
 * The boot disk is the disk at controller 0 slot 0 of the source, else
 * the first hard disk.  Every disk gets an IDE or SCSI address by the
 * rules above; NICs become synthetic adapters keeping their MACs;
 * images not in VHD/VHDX get a .vhdx path and a report item with the
 * conversion command.  REPORT receives an item for each change and
 * each loss (renamed disks and what breaks in the guest, drivers the
 * guest needs, enlightenments lost, keys of other formats dropped).
 * Returns 0, or -1: EINVAL for a bad argument or an invalid SRC
 * (hvx_vm_validate), EFBIG for more devices than Hyper-V allows (more
 * than 260 disks on Gen1 or 256 on Gen2, more DVD drives than Gen1's
 * free IDE locations, more than 8 NICs, more than 240 vCPUs), ENOTSUP
 * for a guest the generation cannot hold (Secure Boot on Gen1). */
int hvx_hyperv_translate(const hvx_vm *src, int generation, hvx_vm **out,
                         hvx_report *report);

/* hvx_hyperv_generation: 2 for a UEFI guest, 1 for a BIOS guest, -1
 * (EINVAL) for one that has not been through hvx_hyperv_translate
 * (firmware unspecified or none). */
int hvx_hyperv_generation(const hvx_vm *vm);

/* hvx_xen_translate: a copy of SRC (typically read from Hyper-V) laid
 * out for a Xen HVM guest, in *OUT: Gen2/UEFI becomes OVMF (Secure Boot
 * is reported lost), the boot disk goes to xvda (emulated as IDE until
 * PV drivers load), DVD drives to hdc/hdd, other disks to xvdb, xvde,
 * ...; a Windows guest gets the viridian enlightenments and an emulated
 * e1000 NIC, and a report item saying it needs the Xen PV drivers.
 * Returns 0 or -1 (EINVAL for an invalid SRC, EFBIG past Xen's
 * limits). */
int hvx_xen_translate(const hvx_vm *src, hvx_vm **out, hvx_report *report);

/* ---- PowerShell ------------------------------------------------------ */

/* hvx_hyperv_to_powershell: a PowerShell script that recreates VM (as
 * returned by hvx_hyperv_translate) on a Hyper-V host with the Hyper-V
 * module: New-VM -Generation, Set-VMProcessor, Set-VMMemory, SCSI
 * controllers, Add-VMHardDiskDrive/Add-VMDvdDrive at their addresses,
 * Add-VMNetworkAdapter with static MACs, Set-VMFirmware, Set-VMComPort.
 * Image paths that are not Windows paths are taken relative to the
 * script's -DiskRoot parameter.  Every string is a single-quoted
 * PowerShell literal.  Returns the script (caller frees), or NULL:
 * EINVAL if VM has not been laid out for Hyper-V. */
char *hvx_hyperv_to_powershell(const hvx_vm *vm, hvx_report *report);

/* hvx_ps_quote: S as a single-quoted PowerShell string literal ('' for
 * each quote, and for the typographic quotes PowerShell also takes as
 * quotes), in a string the caller frees.  NULL on ENOMEM. */
char *hvx_ps_quote(const char *s);

/* ---- Hyper-V XML configuration (Windows Server 2008 R2 - 2012 R2) ---- */

/* hvx_vm_from_hyperv_xml: read the virtual machine configuration DATA
 * of LEN bytes (UTF-8 or UTF-16 with a byte-order mark, as Hyper-V
 * writes it).  FILENAME (may be NULL) names it in messages.  The
 * document may have no DOCTYPE (refused, so no entity can be declared
 * or expanded) and no network access is made.  Returns a new hvx_vm
 * (Gen1: BIOS; Gen2: UEFI), or NULL: EBADMSG with the line and column
 * for malformed XML, the element path and line for a bad value
 * (unknown value type, a non-number integer, a duplicate drive), ENOTSUP
 * for a device hvx cannot carry (a pass-through disk), EFBIG for absurd
 * sizes.  REPORT receives an item for each setting dropped. */
hvx_vm *hvx_vm_from_hyperv_xml(const char *data, size_t len,
                               const char *filename, hvx_report *report);

/* hvx_vm_from_hyperv_xml_file: the same for the file at PATH (at most
 * 16 MiB). */
hvx_vm *hvx_vm_from_hyperv_xml_file(const char *path, hvx_report *report);

/* Output options for hvx_vm_to_hyperv_xml. */
#define HVX_HYPERV_XML_UTF16 0x1u /* UTF-16LE with a BOM and CRLF line
                                     ends, as Hyper-V writes; default
                                     UTF-8 */

/* hvx_vm_to_hyperv_xml: VM (laid out for Hyper-V, see
 * hvx_hyperv_translate) as a Hyper-V XML configuration, in *OUT of
 * *LEN bytes (plus a terminating NUL; caller frees).  Returns 0 or -1
 * (EINVAL for a VM with disks off Hyper-V's controllers).  REPORT
 * receives a loss item for every fact the format cannot hold. */
int hvx_vm_to_hyperv_xml(const hvx_vm *vm, unsigned flags, char **out,
                         size_t *len, hvx_report *report);

#ifdef __cplusplus
}
#endif

#endif /* HVX_HYPERV_H */
