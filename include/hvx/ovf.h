/* hvx - guest descriptions for management tools: OVF (DMTF DSP0243)
 * packages' descriptors and libvirt domain XML.
 *
 * Calls returning pointers give NULL on error (see hvx/error.h).  Every
 * call fills an hvx_report (hvx/report.h) when one is given.
 */
#ifndef HVX_OVF_H
#define HVX_OVF_H

#include <stddef.h>

#include <hvx/report.h>
#include <hvx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hvx_vm_to_ovf: VM as an OVF 1.x envelope (References, DiskSection,
 * NetworkSection, VirtualSystem with a VirtualHardwareSection of CPU,
 * memory, IDE/SCSI controllers, disks, CD-ROM drives and Ethernet
 * adapters), in a UTF-8 string the caller frees.  A disk's capacity is
 * its "ovf.capacity" extra when set, else the virtual size of its image
 * if the file can be opened, else 0 with a warning.  NULL on error
 * (EINVAL for an invalid VM). */
char *hvx_vm_to_ovf(const hvx_vm *vm, hvx_report *report);

/* hvx_vm_from_ovf: read an OVF descriptor (the .ovf file; OVF 1.x or
 * 2.0 envelope namespace) of LEN bytes.  FILENAME (may be NULL) names
 * it in messages.  DOCTYPEs are refused; nothing is fetched.  Disk
 * images are the References' file names, relative as written.  Returns
 * a new hvx_vm, or NULL: EBADMSG (with line and column for malformed
 * XML, the element and line for a bad value: a disk pointing at no
 * file, an item on an unknown controller, two disks in one slot),
 * EFBIG for absurd quantities.  Items hvx does not model are reported. */
hvx_vm *hvx_vm_from_ovf(const char *data, size_t len, const char *filename,
                        hvx_report *report);
/* The same for the file at PATH (at most 16 MiB). */
hvx_vm *hvx_vm_from_ovf_file(const char *path, hvx_report *report);

/* hvx_vm_to_libvirt: VM as a libvirt domain XML document of domain
 * TYPE ("xen", "kvm", "qemu" or "hyperv"; NULL for "xen"), in a string
 * the caller frees: name, uuid, memory/currentMemory, vcpu, os (BIOS,
 * UEFI loader, direct kernel boot, bootloader), features (acpi, apic,
 * pae, and hyperv elements for the enlightenments), the lifecycle
 * actions, devices (disks with driver type from the image format and
 * target dev/bus, interfaces with MAC, bridge and model, serial ports
 * and a console).  NULL on error (EINVAL for an invalid VM or type). */
char *hvx_vm_to_libvirt(const hvx_vm *vm, const char *type,
                        hvx_report *report);

#ifdef __cplusplus
}
#endif

#endif /* HVX_OVF_H */
