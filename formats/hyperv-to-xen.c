/* hvx - laying a guest (typically one read from Hyper-V) out for a Xen
 * HVM guest, with the report of what the move changes.
 *
 * Xen HVM disks: xvda..xvdd are also emulated as IDE hda..hdd (until PV
 * drivers unplug the emulated ones), disks past the fourth are PV only;
 * CD-ROMs must be emulated IDE.  So the boot disk goes to xvda, CD-ROMs
 * to hdc, hdd, hdb, and the other disks to the remaining xvd names.
 * xl's disk formats are raw, qcow, qcow2, vhd and qed: VHDX images must
 * be converted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvx/xen.h"
#include "hyperv-internal.h"
#include "strbuf.h"

#define ADD(sev, subj, advice, ...)                                       \
  do {                                                                    \
    if (hvx_report_addf(r, (sev), (subj), (advice), __VA_ARGS__) < 0)     \
      return -1;                                                          \
  } while (0)

/* Where the images are expected on the Xen host. */
#define XEN_IMAGE_DIR "/var/lib/xen/images/"

/* A Windows guest (or one of unknown OS) keeps the Hyper-V interfaces
 * it had (those of a Hyper-V host if its description does not say) as
 * far as Xen's viridian groups give them: the map's closest xl
 * configuration, and a report item for each one lost. */
static int xen_viridian(hvx_vm *vm, const hvx_vm *src, hvx_report *r)
{
  struct hvx_enl_config want = { 0 };
  struct hvx_enl_report *er = hvx_malloc(sizeof *er, "a compatibility "
                                         "report");
  int rc = -1;

  if (!er)
    return -1;
  want.set = src->hv_features;
  want.spinlock_retries = src->hv_spinlock_retries;
  if (!want.set)
    want.set = hvx_hyperv_features(&want.spinlock_retries);
  if (hvx_enl_compat(&want, HVX_VOCAB_XL, er) < 0)
    goto out;
  vm->hv_features = er->target.set;
  vm->hv_spinlock_retries = er->target.spinlock_retries;
  if (hvx_report_addf(r, HVX_SEVERITY_INFO, "enlightenments", NULL, "%s: "
                      "the closest Xen comes to the Hyper-V interfaces "
                      "Windows expects", er->config) < 0 ||
      hvx_enl_report_move(r, "Xen", want.set, er->target.set, er, NULL,
                          "remove groups from viridian = [ ... ] if the "
                          "guest must not see them (base must stay)") < 0)
    goto out;
  rc = 0;
out:
  free(er);
  return rc;
}

/* A Linux guest uses Xen's own interfaces (PV clock, event channels, PV
 * drivers) on Xen, so it is offered no Hyper-V ones. */
static int xen_linux_enlightenments(hvx_vm *vm, const hvx_vm *src,
                                    hvx_report *r)
{
  vm->hv_features = 0;
  vm->hv_spinlock_retries = 0;
  if (src->hv_features)
    ADD(HVX_SEVERITY_INFO, "enlightenments", "add viridian = [ \"base\" ] "
        "(and more groups) by hand if the guest needs them", "viridian is "
        "off: a Linux guest on Xen uses Xen's PV clock, event channels and "
        "PV drivers instead of the Hyper-V interfaces it had");
  return 0;
}

static int xen_guest(hvx_vm *vm, const hvx_vm *src, int os, hvx_report *r)
{
  if (vm->guest_type == HVX_GUEST_UNSPECIFIED)
    vm->guest_type = HVX_GUEST_HVM;
  if (vm->guest_type != HVX_GUEST_HVM)
    return 0;
  if (vm->firmware != HVX_FIRMWARE_UEFI)
    vm->firmware = HVX_FIRMWARE_BIOS;
  else
    ADD(HVX_SEVERITY_INFO, "firmware", NULL, "the UEFI guest boots with "
        "OVMF (bios = \"ovmf\")");
  if (vm->secure_boot) {
    ADD(HVX_SEVERITY_LOSS, "secure boot", "turn Secure Boot off in the "
        "guest's expectations (BitLocker may ask for its recovery key)",
        "Secure Boot is lost: xl's OVMF runs without it");
    vm->secure_boot = false;
  }
  vm->xen_platform = true;
  if (os == GUEST_OS_LINUX) {
    if (xen_linux_enlightenments(vm, src, r) < 0)
      return -1;
    ADD(HVX_SEVERITY_WARNING, "drivers", "check 'lsinitrd | grep xen' (or "
        "lsinitramfs) and add xen-blkfront and xen-netfront to the "
        "initramfs before moving", "a Linux guest uses the Xen PV drivers "
        "xen-blkfront and xen-netfront instead of hv_storvsc and hv_netvsc");
  } else {
    if (xen_viridian(vm, src, r) < 0)
      return -1;
    ADD(HVX_SEVERITY_WARNING, "drivers", "install the Xen PV drivers for "
        "Windows (xenbus, xenvbd, xennet, xenvif, xeniface) once it runs on "
        "Xen, then remove the Hyper-V Integration Services if installed",
        "%sWindows sees emulated IDE disks and an emulated e1000 NIC until "
        "the Xen PV drivers are installed; disks past the fourth are visible "
        "only with them", os == GUEST_OS_UNKNOWN ? "if the guest is Windows: "
        : "");
  }
  if (vm->max_memory > vm->memory)
    ADD(HVX_SEVERITY_WARNING, "memory", "set memory = maxmem until the "
        "guest has a Xen balloon driver", "memory %llu MiB with maxmem "
        "%llu MiB starts the guest in populate-on-demand mode, which crashes "
        "a guest without a Xen balloon driver",
        (unsigned long long)(vm->memory >> 20),
        (unsigned long long)(vm->max_memory >> 20));
  return 0;
}

static char *xen_path(const char *path, const char *ext)
{
  const char *base = hvx_path_basename(path);
  const char *dot = strrchr(base, '.');
  size_t stem = dot && dot != base && ext ? (size_t)(dot - base)
                                          : strlen(base);
  size_t len = strlen(XEN_IMAGE_DIR) + stem + (ext ? strlen(ext) : 0) + 1;
  char *out = hvx_malloc(len, "an image path");

  if (out)
    snprintf(out, len, "%s%.*s%s", XEN_IMAGE_DIR, (int)stem, base,
             ext ? ext : "");
  return out;
}

static int xen_image(hvx_vm *vm, size_t i, const char *subject,
                     hvx_report *r)
{
  struct hvx_vm_disk *d = &vm->disks[i];
  bool vhdx = d->format && strcmp(d->format, "vhdx") == 0;
  char *np, *advice;
  int rc;

  if (!d->path)
    return 0;
  if (!hvx_is_windows_path(d->path) && !vhdx)
    return 0;
  if (!(np = xen_path(d->path, vhdx ? ".raw" : NULL)))
    return -1;
  if (vhdx)
    advice = hvx_convert_advice("convert it on the way", "raw", d->path,
                                np);
  else {
    struct hvx_buf b = HVX_BUF_INIT;
    hvx_buf_printf(&b, "copy it to %s or edit the path", np);
    advice = hvx_buf_finish(&b);
  }
  rc = advice ? hvx_report_addf(r, HVX_SEVERITY_WARNING, subject, advice,
                                "%s%s is expected at %s on the Xen host",
                                d->path, vhdx ? " (VHDX, which xl cannot "
                                "attach)" : "", np) : -1;
  free(advice);
  if (rc < 0) {
    free(np);
    return -1;
  }
  free(d->path);
  d->path = np;
  if (vhdx)
    d->format = "raw";
  return 0;
}

/* "xvdc" for Xen disk IDX, "hdc" for a CD-ROM. */
static void xvd_name(unsigned idx, bool cdrom, char *buf, size_t len)
{
  uint32_t n;

  if (hvx_vbd_encode(cdrom ? HVX_BUS_IDE : HVX_BUS_XEN, idx, 0, &n) < 0 ||
      hvx_vbd_name(n, buf, len) < 0)
    snprintf(buf, len, "disk %u", idx);
}

static int xen_disks(hvx_vm *vm, const hvx_vm *src, int os, hvx_report *r)
{
  static const unsigned cd_slots[] = { 2, 3, 1, 0 };
  bool used[4096] = { false };
  size_t boot = hvx_boot_disk(src);
  unsigned next = 0;
  char subject[300], was[64], name[16];

  if (vm->guest_type != HVX_GUEST_HVM)
    return 0;
  if (vm->n_disks > 4096)
    return hvx_set_error(EFBIG, "xen: %zu disks is too many", vm->n_disks);
  for (size_t i = vm->n_disks; i-- > 0;)
    if (vm->disks[i].bus == HVX_BUS_FLOPPY) {
      ADD(HVX_SEVERITY_LOSS, hvx_disk_subject(vm, i, subject,
                                              sizeof subject), NULL,
          "floppy image %s is dropped: xl has no floppy drive",
          vm->disks[i].path ? vm->disks[i].path : "(none)");
    }
  if (boot != SIZE_MAX)
    used[0] = true;
  for (int pass = 0; pass < 3; pass++)
    for (size_t i = 0; i < vm->n_disks; i++) {
      struct hvx_vm_disk *d = &vm->disks[i];
      int mine = i == boot ? 0 : d->cdrom ? 1 : 2;
      unsigned idx = 0;
      if (mine != pass || d->bus == HVX_BUS_FLOPPY)
        continue;
      hvx_disk_subject(src, i, subject, sizeof subject);
      hvx_disk_address(src, i, was, sizeof was);
      if (pass == 1) {
        size_t k = 0;
        while (k < 4 && used[cd_slots[k]])
          k++;
        if (k == 4)
          return hvx_set_error(EFBIG, "xen: more CD-ROM drives than the four "
                               "emulated IDE locations hold");
        idx = cd_slots[k];
        used[idx] = true;
        d->bus = HVX_BUS_IDE;
        d->controller = idx / 2;
        d->slot = idx % 2;
      } else {
        if (pass == 2) {
          while (used[next])
            next++;
          idx = next;
          used[idx] = true;
        }
        d->bus = HVX_BUS_XEN;
        d->controller = 0;
        d->slot = idx;
      }
      d->partition = 0;
      xvd_name(idx, d->cdrom, name, sizeof name);
      if (d->cdrom)
        ADD(HVX_SEVERITY_INFO, subject, NULL, "the CD-ROM drive at %s is now "
            "%s", was, name);
      else if (os == GUEST_OS_LINUX)
        ADD(HVX_SEVERITY_WARNING, subject, "refer to filesystems by UUID= "
            "or LABEL= in /etc/fstab and the bootloader before moving",
            "%s is now %s (%s): fstab and bootloader entries naming "
            "/dev/sd* break", was, name,
            idx < 4 ? "emulated as IDE until the PV driver loads"
                    : "a PV disk");
      else
        ADD(idx < 4 ? HVX_SEVERITY_INFO : HVX_SEVERITY_WARNING, subject,
            idx < 4 ? NULL : "install the Xen PV drivers to see it",
            "%s is now %s (%s)", was, name,
            idx < 4 ? "emulated as IDE until the PV drivers load"
                    : "a PV disk, invisible without the Xen PV drivers");
      if (xen_image(vm, i, subject, r) < 0)
        return -1;
    }
  for (size_t i = vm->n_disks; i-- > 0;)
    if (vm->disks[i].bus == HVX_BUS_FLOPPY && hvx_vm_remove_disk(vm, i) < 0)
      return -1;
  return 0;
}

/* A Linux bridge name: at most 15 bytes, no white space or '/'. */
static bool bridge_name_ok(const char *s)
{
  if (strlen(s) > 15 || !*s)
    return false;
  for (; *s; s++)
    if (*s <= ' ' || *s == '/' || *s == ':' || (unsigned char)*s >= 0x7f)
      return false;
  return true;
}

static int xen_nics(hvx_vm *vm, int os, hvx_report *r)
{
  char subject[32];

  for (size_t i = 0; i < vm->n_nics; i++) {
    struct hvx_vm_nic *n = &vm->nics[i];
    snprintf(subject, sizeof subject, "nic %zu", i);
    free(n->model);
    n->model = NULL;
    if (os != GUEST_OS_LINUX && vm->guest_type == HVX_GUEST_HVM) {
      if (!(n->model = hvx_strdup("e1000")))
        return -1;
      ADD(HVX_SEVERITY_INFO, subject, NULL, "the synthetic adapter becomes "
          "an emulated e1000 (Windows has its driver), taken over by xennet "
          "once the Xen PV drivers are in");
    }
    if (n->network && !bridge_name_ok(n->network)) {
      ADD(HVX_SEVERITY_WARNING, subject, "edit bridge= to the bridge the "
          "guest belongs on", "virtual switch '%s' is not a valid bridge "
          "name: the adapter goes on xenbr0", n->network);
      free(n->network);
      if (!(n->network = hvx_strdup("xenbr0")))
        return -1;
    } else if (n->network) {
      ADD(HVX_SEVERITY_WARNING, subject, "create the bridge or edit "
          "bridge=", "virtual switch '%s' becomes bridge '%s'", n->network,
          n->network);
    }
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    if (strncmp(vm->serials[i].target, "pipe:", 5) != 0)
      continue;
    snprintf(subject, sizeof subject, "serial %zu", i);
    ADD(HVX_SEVERITY_WARNING, subject, "attach with xl console -t serial",
        "COM%zu (named pipe %s) becomes a pty", i + 1,
        vm->serials[i].target + 5);
    if (hvx_vm_serial_set_target(vm, i, "pty") < 0)
      return -1;
  }
  return 0;
}

static const char *const keep_prefixes[] = { "xl.", "hvx.", NULL };

HVX_API int hvx_xen_translate(const hvx_vm *src, hvx_vm **out,
                              hvx_report *r)
{
  hvx_vm *vm;
  int os;

  if (!src || !out)
    return hvx_set_error(EINVAL, "xen: NULL guest or result");
  *out = NULL;
  if (hvx_vm_validate(src) < 0) {
    hvx_prefix_error("xen: the source guest is not valid");
    return -1;
  }
  if (!(vm = hvx_vm_dup(src)))
    return -1;
  os = hvx_guest_os(src);
  if (xen_guest(vm, src, os, r) < 0 || xen_disks(vm, src, os, r) < 0 ||
      xen_nics(vm, os, r) < 0 ||
      hvx_drop_foreign_extras(vm, keep_prefixes, "Xen", r) < 0 ||
      hvx_vm_validate(vm) < 0) {
    hvx_vm_free(vm);
    return -1;
  }
  *out = vm;
  return 0;
}
