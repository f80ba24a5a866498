/* hvx - Xen guest descriptions: xl.cfg, virtual block device names,
 * live domains in xenstore.
 *
 * xl.cfg is read with Xen's own libxlutil, so a file means to hvx what it
 * means to `xl create`; hvx writes xl.cfg itself.  Keys hvx has no model
 * field for are kept as guest extras named "xl.KEY" whose value is the
 * xl syntax of the setting (a quoted string, a number or a [list]), and
 * reported; they are written back out unchanged.
 *
 * Calls returning int give -1 on error (see hvx/error.h).  Without the
 * Xen libraries (configure --without-xen) the xl.cfg reader and the
 * xenstore reader fail with ENOTSUP; the VBD functions and the xl.cfg
 * writer work everywhere.
 */
#ifndef HVX_XEN_H
#define HVX_XEN_H

#include <stddef.h>
#include <stdint.h>

#include <hvx/report.h>
#include <hvx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- virtual block device numbers (Xen's VBD interface) -------------
 *
 * A Xen disk is identified by a number encoding the kind of name the
 * guest should use, the disk and the partition (docs/misc/
 * vbd-interface in Xen):
 *   (202 << 8) | (disk << 4) | partition    xvd, disks and partitions
 *                                            up to 15 ("xvda".."xvdp15")
 *   (1 << 28) | (disk << 8) | partition     xvd, disks up to 2^20 - 1,
 *                                            partitions up to 255: used
 *                                            only where the form above is
 *                                            too small ("xvdq", "xvda16")
 *   (8 << 8) | (disk << 4) | partition      sd, disks and partitions up
 *                                            to 15 ("sda".."sdp15")
 *   (3 << 8) | (disk << 6) | partition      hd, disks 0..1 ("hda",
 *                                            "hdb"), partitions up to 63
 *   (22 << 8) | ((disk-2) << 6) | partition hd, disks 2..3 ("hdc", "hdd")
 * Disk letters count a..z, aa..az, ba.. (base 26 without a zero digit);
 * a partition number follows without leading zeros.  "dN" and "dNpM"
 * name Xen disk N (partition M) in decimal.  A plain number (decimal,
 * 0x hex or 0 octal) is taken as the VBD number itself. */

/* hvx_vbd_parse: the VBD number for NAME ("xvda", "xvdq3", "hdc",
 * "sdb1", "d0p2", "d536", "51712"), as Xen computes it.  Returns 0 and
 * sets *NUMBER, or -1 with EINVAL naming what is wrong with NAME (unknown
 * prefix, disk beyond the form's limit, partition too large, leading
 * zero, junk, a number above 2^31 - 1). */
int hvx_vbd_parse(const char *name, uint32_t *number);

/* hvx_vbd_name: the canonical name of VBD NUMBER ("xvda", "hdc1",
 * "xvdaa"), written with its NUL into BUF of LEN bytes.  Returns 0, or
 * -1 with EINVAL for a number no name form encodes or ERANGE if BUF is
 * too small (16 bytes always suffice). */
int hvx_vbd_name(uint32_t number, char *buf, size_t len);

/* hvx_vbd_decode: split NUMBER into *BUS, HVX_BUS_XEN (xvd and
 * extended), HVX_BUS_IDE (model address: controller = disk / 2, slot =
 * disk % 2) or HVX_BUS_SCSI (controller 0, slot = disk); *DISK, the disk
 * index within its name form (0 = "a"); and *PARTITION (0 = whole disk).
 * Any output pointer may be NULL.  Returns 0, or -1 with EINVAL for a
 * number in none of the forms above (deprecated or reserved values). */
int hvx_vbd_decode(uint32_t number, int *bus, unsigned *disk,
                   unsigned *partition);

/* hvx_vbd_encode: the VBD number for disk DISK, partition PARTITION of
 * BUS as hvx_vbd_decode splits it (HVX_BUS_XEN: the 202 << 8 form where
 * it fits, else the extended form; HVX_BUS_IDE: DISK 0..3; HVX_BUS_SCSI:
 * DISK 0..15).  Returns 0, or -1 with EINVAL naming the limit exceeded
 * or a bus Xen cannot name. */
int hvx_vbd_encode(int bus, unsigned disk, unsigned partition,
                   uint32_t *number);

/* ---- xl.cfg ---------------------------------------------------------- */

/* hvx_vm_from_xl: parse the xl.cfg text DATA of LEN bytes.  FILENAME
 * (may be NULL) names it in messages.  Returns a new hvx_vm, or NULL
 * with EBADMSG and a message naming the file, line and column (syntax
 * errors, as libxlutil reports them) or the key and value (a bad disk
 * spec, an unknown vdev, duplicate devices, absurd sizes).  REPORT (may
 * be NULL) receives an item for every key kept without being understood
 * and every value normalised. */
hvx_vm *hvx_vm_from_xl(const char *data, size_t len, const char *filename,
                       hvx_report *report);

/* hvx_vm_from_xl_file: the same for the file at PATH (at most 1 MiB). */
hvx_vm *hvx_vm_from_xl_file(const char *path, hvx_report *report);

/* hvx_vm_to_xl: VM as xl.cfg text, in a string the caller frees with
 * free().  The VM is validated first (EINVAL).  REPORT (may be NULL)
 * receives a loss item for every fact xl.cfg cannot express (a SATA
 * disk, a VHDX image, extras of other formats, ...).  NULL on error. */
char *hvx_vm_to_xl(const hvx_vm *vm, hvx_report *report);

/* hvx_xl_disk_spec: the xl disk specification string for disk I of VM
 * ("format=raw, vdev=xvda, access=rw, target=/img/a.raw"), in a string
 * the caller frees.  NULL on error (EINVAL for a disk xl cannot name). */
char *hvx_xl_disk_spec(const hvx_vm *vm, size_t i, hvx_report *report);

/* ---- live domains ---------------------------------------------------- */

/* hvx_vm_from_xenstore: describe running domain DOMID from xenstore
 * (name, UUID, vCPUs, memory target, the vbd and vif devices, their
 * backends and states) through libxenstore, so it reaches xenstored
 * exactly as the xl tools do: the socket XENSTORED_PATH names, else
 * $XENSTORED_RUNDIR/socket (default /var/run/xenstored/socket), else the
 * xenbus device.
 * Device states and backend paths are kept as extras ("xs.state",
 * "xs.backend", ...).  Returns a new hvx_vm, or NULL: ENOENT if the
 * domain does not exist, ECONNREFUSED/ENOENT if no xenstored is
 * reachable, EBADMSG for malformed entries.  Domain facts from the
 * hypervisor itself are hvx_xen_domain_info's job. */
hvx_vm *hvx_vm_from_xenstore(unsigned domid, hvx_report *report);

/* hvx_vm_from_xenstore_listing: the same for domain DOMID of a saved
 * listing of the store (LEN bytes of TEXT), one node a line as
 * `xenstore-ls -f` prints it: 'PATH = "VALUE"' with C-style escapes
 * (\\, \", \n, \t, \r, \xHH, \ooo; permissions `-p` adds after the
 * value are ignored), or 'PATH = VALUE' to the end of the line; blank
 * lines and lines starting with '#' are skipped.  Directories need not
 * be listed themselves.  Works without libxenstore.  NULL on error:
 * EBADMSG for a malformed line (naming it) or entry, ENOENT if the
 * domain is not in the listing, EFBIG beyond 16 MiB. */
hvx_vm *hvx_vm_from_xenstore_listing(const char *text, size_t len,
                                     unsigned domid, hvx_report *report);

/* Facts about a domain that only the hypervisor knows. */
struct hvx_xen_domain_info {
  uint32_t domid;
  int guest_type;        /* hvx_guest_type */
  unsigned max_vcpu_id;  /* highest vCPU number */
  unsigned online_vcpus;
  uint64_t memory_bytes; /* currently populated */
  uint64_t max_memory_bytes;
  int running, paused, shutdown, dying;
};

/* hvx_xen_domain_info: fill *INFO for DOMID through libxenctrl.  Needs
 * a Xen host: without /proc/xen or the privcmd device it fails with
 * ENOTSUP ("not running on a Xen host"); ENOENT if DOMID does not
 * exist; EACCES without the privilege. */
int hvx_xen_domain_info(unsigned domid, struct hvx_xen_domain_info *info);

/* hvx_vm_add_domain_info: fill VM's guest type, vCPUs and memory from
 * hvx_xen_domain_info(DOMID) where they are unset.  Same errors. */
int hvx_vm_add_domain_info(hvx_vm *vm, unsigned domid);

#ifdef __cplusplus
}
#endif

#endif /* HVX_XEN_H */
