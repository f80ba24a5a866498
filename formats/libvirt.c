/* hvx - the guest model as a libvirt domain XML document.
 *
 * The element names and values follow libvirt's domain format
 * (docs/formatdomain; the RelaxNG schema domain.rng that libvirt ships,
 * which the interop test validates our output against). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvx/ovf.h"
#include "hvx/xen.h"
#include "enlightenment-internal.h"
#include "hyperv-internal.h"
#include "strbuf.h"
#include "xml-util.h"

#define LOSS(subject, ...)                                                 \
  do {                                                                     \
    if (hvx_report_addf(r, HVX_SEVERITY_LOSS, (subject), NULL,             \
                        __VA_ARGS__) < 0)                                  \
      goto fail;                                                           \
  } while (0)

static void attr(struct hvx_buf *b, const char *name, const char *value)
{
  hvx_buf_printf(b, " %s='", name);
  hvx_buf_xml(b, value);
  hvx_buf_add(b, "'");
}

/* The driver type libvirt (qemu) calls each image format. */
static const char *driver_type(const char *format)
{
  if (!format)
    return "raw";
  if (strcmp(format, "vhd") == 0)
    return "vpc";
  return format;
}

/* Target device name and bus of disk I. */
static int disk_target(const hvx_vm *vm, size_t i, char *dev, size_t len,
                       const char **bus)
{
  const struct hvx_vm_disk *d = &vm->disks[i];
  const char *prefix;
  unsigned idx;
  uint32_t n;

  switch (d->bus) {
  case HVX_BUS_XEN:
  case HVX_BUS_UNSPECIFIED:
    if (hvx_vbd_encode(HVX_BUS_XEN, d->controller * 16 + d->slot, 0, &n) < 0 ||
        hvx_vbd_name(n, dev, len) < 0)
      return -1;
    *bus = "xen";
    return 0;
  case HVX_BUS_IDE: prefix = "hd"; *bus = "ide"; idx = d->controller * 2 + d->slot;
    break;
  case HVX_BUS_SCSI: prefix = "sd"; *bus = "scsi"; idx = d->controller * 64 + d->slot;
    break;
  case HVX_BUS_SATA: prefix = "sd"; *bus = "sata"; idx = d->controller * 32 + d->slot;
    break;
  case HVX_BUS_VIRTIO: prefix = "vd"; *bus = "virtio"; idx = d->controller * 32 + d->slot;
    break;
  case HVX_BUS_FLOPPY: prefix = "fd"; *bus = "fdc"; idx = d->slot;
    break;
  default:
    return hvx_set_error(EINVAL, "libvirt: unknown bus %d", d->bus);
  }
  /* The same letters as Xen's names: a..z, aa.. */
  if (hvx_vbd_encode(HVX_BUS_XEN, idx, 0, &n) < 0 ||
      hvx_vbd_name(n, dev, len) < 0)
    return -1;
  memmove(dev + strlen(prefix), dev + 3, strlen(dev + 3) + 1);
  memcpy(dev, prefix, strlen(prefix));
  return 0;
}

static const char *boot_dev(char c)
{
  switch (c) {
  case 'c': return "hd";
  case 'd': return "cdrom";
  case 'n': return "network";
  default: return "fd";
  }
}

static const char *const libvirt_actions[] = {
  NULL, "destroy", "restart", "rename-restart", "preserve",
  "coredump-destroy", "coredump-restart", NULL,
};

/* Features of SET that only libvirt 10.0 and later can name. */
static int libvirt10_features(hvx_enl_set set, hvx_report *r)
{
  char subject[96];

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const char *name = hvx_enl_row_field(f, HVX_VOCAB_LIBVIRT);
    const char *slash;
    char advice[160];

    if (!(set & HVX_ENL_BIT(f)) || !name)
      continue;
    slash = strchr(name, '/');
    if (slash)
      snprintf(advice, sizeof advice, "with libvirt 10.0 or later, add "
               "<%s state='on'/> inside <%.*s> in <hyperv>", slash + 1,
               (int)(slash - name), name);
    else
      snprintf(advice, sizeof advice, "with libvirt 10.0 or later, add "
               "<%s state='on'/> to <hyperv>", name);
    snprintf(subject, sizeof subject, "enlightenment %s",
             hvx_enl_info(f)->name);
    if (hvx_report_addf(r, HVX_SEVERITY_LOSS, subject, advice, "%s is not "
                        "written: libvirt before 10.0 has no element for it",
                        hvx_enl_info(f)->description) < 0)
      return -1;
  }
  return 0;
}

/* What the domain offers of the guest's Hyper-V features, and the
 * report of what it loses and gains: libvirt's libxl driver knows only
 * <viridian/> (xl's viridian = 1), a Hyper-V host offers its own set,
 * and for KVM the enlightenment map chooses the <hyperv> elements
 * (*TOKS, with the spin-lock retries in *RETRIES). */
static int libvirt_enlightenments(const hvx_vm *vm, const char *type,
                                  uint64_t *toks, uint32_t *retries,
                                  hvx_report *r)
{
  struct hvx_enl_config src = { 0 }, c;
  struct hvx_enl_report *er;
  hvx_enl_set newer;
  int rc = -1;

  src.set = vm->hv_features;
  src.spinlock_retries = vm->hv_spinlock_retries;
  if (strcmp(type, "xen") == 0) {
    struct hvx_xl_viridian v = { true, 0, 0 };
    if (hvx_xl_viridian_config(&v, &c) < 0)
      return -1;
    return hvx_enl_report_move(r, "Xen (libvirt <viridian/>)", src.set,
                               c.set, NULL, "libvirt's libxl driver turns "
                               "on xl's default viridian groups only",
                               "libvirt's <viridian/> is xl's viridian = 1; "
                               "write the guest as xl.cfg (hvx vm convert "
                               "--to xl) to choose the groups");
  }
  if (strcmp(type, "hyperv") == 0)
    return hvx_enl_report_move(r, "Hyper-V", src.set,
                               hvx_hyperv_features(NULL), NULL,
                               "a Hyper-V host does not announce it",
                               "nothing to set: Hyper-V offers them to "
                               "every guest");
  if (!(er = hvx_malloc(sizeof *er, "a compatibility report")))
    return -1;
  /* Written for the libvirt of Debian 12 (9.0) and later: features only
   * newer libvirt names are left to the user. */
  newer = hvx_vocab_expressible(HVX_VOCAB_LIBVIRT) &
          ~hvx_libvirt9_expressible();
  if (libvirt10_features(src.set & newer, r) < 0)
    goto out;
  src.set &= ~newer;
  if (hvx_enl_compat_tokens(&src, HVX_VOCAB_LIBVIRT, er, toks) == 0) {
    *retries = er->target.spinlock_retries;
    rc = hvx_enl_report_move(r, "KVM", src.set, er->target.set, er, NULL,
                             "remove the element from <hyperv> (or the "
                             "hypervclock timer, the hyperv panic device) "
                             "if the guest must not see it");
  }
out:
  free(er);
  return rc;
}

HVX_API char *hvx_vm_to_libvirt(const hvx_vm *vm, const char *type,
                                hvx_report *r)
{
  struct hvx_buf b = HVX_BUF_INIT;
  bool xen, hvm;
  uint64_t mem, maxmem;
  unsigned vcpus, maxvcpus;
  char dev[16];
  uint64_t hv_toks = 0;
  uint32_t hv_retries = 0;

  if (!type)
    type = "xen";
  if (strcmp(type, "xen") != 0 && strcmp(type, "kvm") != 0 &&
      strcmp(type, "qemu") != 0 && strcmp(type, "hyperv") != 0) {
    hvx_set_error(EINVAL, "libvirt: unknown domain type '%.32s' (xen, kvm, "
                  "qemu, hyperv)", type);
    return NULL;
  }
  if (!vm || hvx_vm_validate(vm) < 0) {
    if (vm)
      hvx_prefix_error("libvirt");
    else
      hvx_set_error(EINVAL, "libvirt: NULL guest");
    return NULL;
  }
  xen = strcmp(type, "xen") == 0;
  hvm = vm->guest_type == HVX_GUEST_HVM ||
        vm->guest_type == HVX_GUEST_UNSPECIFIED;
  if (!hvm && !xen) {
    hvx_set_error(EINVAL, "libvirt: a %s guest can only be a 'xen' domain",
                  hvx_guest_type_name(vm->guest_type));
    return NULL;
  }
  mem = vm->memory ? vm->memory : UINT64_C(1024) << 20;
  if (!vm->memory &&
      hvx_report_addf(r, HVX_SEVERITY_WARNING, "memory", NULL, "no memory "
                      "size given: 1024 MiB") < 0)
    goto fail;
  maxmem = vm->max_memory > mem ? vm->max_memory : mem;
  vcpus = vm->vcpus ? vm->vcpus : 1;
  maxvcpus = vm->max_vcpus > vcpus ? vm->max_vcpus : vcpus;

  if (hvm && vm->hv_features &&
      libvirt_enlightenments(vm, type, &hv_toks, &hv_retries, r) < 0)
    goto fail;

  hvx_buf_printf(&b, "<domain type='%s'>\n", type);
  hvx_buf_xml_element(&b, 2, "name", vm->name ? vm->name : "hvx-guest");
  if (vm->uuid)
    hvx_buf_xml_element(&b, 2, "uuid", vm->uuid);
  hvx_buf_printf(&b, "  <memory unit='KiB'>%" PRIu64 "</memory>\n"
                 "  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n",
                 maxmem >> 10, mem >> 10);
  if (maxvcpus > vcpus)
    hvx_buf_printf(&b, "  <vcpu placement='static' current='%u'>%u</vcpu>\n",
                   vcpus, maxvcpus);
  else
    hvx_buf_printf(&b, "  <vcpu placement='static'>%u</vcpu>\n", vcpus);
  if (vm->bootloader) {
    hvx_buf_xml_element(&b, 2, "bootloader", vm->bootloader);
    if (vm->bootloader_args)
      hvx_buf_xml_element(&b, 2, "bootloader_args", vm->bootloader_args);
  }

  /* <os> */
  hvx_buf_add(&b, "  <os");
  if (hvm && vm->firmware == HVX_FIRMWARE_UEFI)
    hvx_buf_add(&b, " firmware='efi'");
  hvx_buf_add(&b, ">\n");
  if (hvm)
    hvx_buf_printf(&b, "    <type arch='x86_64'%s>hvm</type>\n",
                   xen ? " machine='xenfv'" : "");
  else if (vm->guest_type == HVX_GUEST_PVH)
    hvx_buf_add(&b, "    <type arch='x86_64' machine='xenpvh'>xenpvh</type>\n");
  else
    hvx_buf_add(&b, "    <type arch='x86_64' machine='xenpv'>linux</type>\n");
  if (hvm && vm->firmware == HVX_FIRMWARE_UEFI)
    hvx_buf_printf(&b, "    <firmware>\n      <feature enabled='%s' "
                   "name='secure-boot'/>\n    </firmware>\n",
                   vm->secure_boot ? "yes" : "no");
  if (vm->kernel)
    hvx_buf_xml_element(&b, 4, "kernel", vm->kernel);
  if (vm->ramdisk)
    hvx_buf_xml_element(&b, 4, "initrd", vm->ramdisk);
  if (vm->cmdline)
    hvx_buf_xml_element(&b, 4, "cmdline", vm->cmdline);
  if (hvm && !vm->kernel)
    for (const char *p = vm->boot_order ? vm->boot_order : "c"; *p; p++)
      hvx_buf_printf(&b, "    <boot dev='%s'/>\n", boot_dev(*p));
  hvx_buf_add(&b, "  </os>\n");

  /* <features> */
  if (hvm) {
    hvx_buf_add(&b, "  <features>\n    <acpi/>\n    <apic/>\n    <pae/>\n");
    if (xen && vm->hv_features)
      hvx_buf_add(&b, "    <viridian/>\n");
    else if (!xen && strcmp(type, "hyperv") != 0)
      hvx_enl_libvirt_hyperv(&b, hv_toks, hv_retries, 4);
    hvx_buf_add(&b, "  </features>\n");
    if (hvx_enl_has_token(HVX_VOCAB_LIBVIRT, hv_toks, "hypervclock"))
      hvx_buf_add(&b, "  <clock offset='utc'>\n    <timer name='hypervclock' "
                  "present='yes'/>\n  </clock>\n");
    if (!xen && vm->xen_platform &&
        hvx_report_addf(r, HVX_SEVERITY_LOSS, "enlightenments", "the "
                        "guest's Xen PV drivers stay idle without it; "
                        "install the target's drivers (virtio, or Hyper-V's "
                        "built into Windows and Linux) before moving",
                        "the Xen platform device exists only on Xen") < 0)
      goto fail;
  } else if (vm->hv_features) {
    LOSS("enlightenments", "a %s guest has no Hyper-V interfaces",
         hvx_guest_type_name(vm->guest_type));
  }
  for (int e = 0; e < 3; e++)
    if (vm->actions[e] && libvirt_actions[vm->actions[e]])
      hvx_buf_printf(&b, "  <on_%s>%s</on_%s>\n", hvx_event_name(e),
                     libvirt_actions[vm->actions[e]], hvx_event_name(e));
    else if (vm->actions[e])
      LOSS(hvx_event_name(e), "action %s has no libvirt equivalent",
           hvx_action_name(vm->actions[e]));
  for (int e = 3; e < HVX_VM_N_EVENTS; e++)
    if (vm->actions[e])
      LOSS(hvx_event_name(e), "on_%s = %s has no libvirt element",
           hvx_event_name(e), hvx_action_name(vm->actions[e]));

  /* <devices> */
  hvx_buf_add(&b, "  <devices>\n");
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    const char *bus = "xen";
    bool block = d->path && strncmp(d->path, "/dev/", 5) == 0;
    if (d->path && d->path[0] != '/')
      block = false;
    if (disk_target(vm, i, dev, sizeof dev, &bus) < 0)
      goto fail;
    if (d->partition)
      snprintf(dev + strlen(dev), sizeof dev - strlen(dev), "%u",
               d->partition);
    hvx_buf_printf(&b, "    <disk type='%s' device='%s'>\n",
                   block ? "block" : "file",
                   d->bus == HVX_BUS_FLOPPY ? "floppy" :
                   d->cdrom ? "cdrom" : "disk");
    if (d->format && strcmp(d->format, "vhdx") == 0) {
      char subject[300];
      /* libvirt has no VHDX driver type (its schema's storageFormat). */
      hvx_buf_add(&b, "      <driver name='qemu'/>\n");
      if (hvx_report_addf(r, HVX_SEVERITY_WARNING, hvx_disk_subject(vm, i,
                          subject, sizeof subject), "convert it: hvx "
                          "convert -O qcow2 IMAGE NEW.qcow2", "libvirt has no "
                          "VHDX disk type: the driver type is left out") < 0)
        goto fail;
    } else {
      hvx_buf_printf(&b, "      <driver name='qemu' type='%s'/>\n",
                     driver_type(d->format));
    }
    if (d->path && d->path[0] != '/') {
      char subject[300];
      /* libvirt takes absolute paths only (a script's target, a file
       * next to an OVF descriptor): leave the drive without a source. */
      LOSS(hvx_disk_subject(vm, i, subject, sizeof subject), "image '%s' is "
           "not an absolute path, which libvirt needs: the drive is written "
           "without a source", d->path);
    } else if (d->path) {
      hvx_buf_printf(&b, "      <source");
      attr(&b, block ? "dev" : "file", d->path);
      hvx_buf_add(&b, "/>\n");
    }
    hvx_buf_printf(&b, "      <target dev='%s' bus='%s'/>\n", dev, bus);
    if (d->readonly)
      hvx_buf_add(&b, "      <readonly/>\n");
    hvx_buf_add(&b, "    </disk>\n");
  }
  for (size_t i = 0; i < vm->n_nics; i++) {
    const struct hvx_vm_nic *n = &vm->nics[i];
    const char *model = n->model;
    if (model && (strcmp(model, "netfront") == 0 ||
                  strcmp(model, "netvsc") == 0))
      model = xen ? NULL : strcmp(type, "hyperv") == 0 ? NULL : "virtio";
    if (n->network) {
      hvx_buf_add(&b, "    <interface type='bridge'>\n");
      if (n->mac)
        hvx_buf_printf(&b, "      <mac address='%s'/>\n", n->mac);
      hvx_buf_add(&b, "      <source");
      attr(&b, "bridge", n->network);
      hvx_buf_add(&b, "/>\n");
    } else {
      hvx_buf_add(&b, "    <interface type='network'>\n");
      if (n->mac)
        hvx_buf_printf(&b, "      <mac address='%s'/>\n", n->mac);
      hvx_buf_add(&b, "      <source network='default'/>\n");
    }
    if (model) {
      hvx_buf_add(&b, "      <model");
      attr(&b, "type", model);
      hvx_buf_add(&b, "/>\n");
    }
    hvx_buf_add(&b, "    </interface>\n");
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    const char *t = vm->serials[i].target;
    char subject[32];
    snprintf(subject, sizeof subject, "serial %zu", i);
    if (strcmp(t, "pty") == 0) {
      hvx_buf_add(&b, "    <serial type='pty'>\n");
    } else if (strncmp(t, "file:", 5) == 0 || strncmp(t, "pipe:", 5) == 0) {
      hvx_buf_printf(&b, "    <serial type='%.4s'>\n      <source", t);
      attr(&b, "path", t + 5);
      hvx_buf_add(&b, "/>\n");
    } else {
      LOSS(subject, "serial port target '%s' is not written", t);
      continue;
    }
    hvx_buf_printf(&b, "      <target port='%zu'/>\n    </serial>\n", i);
  }
  if (hvm && vm->n_serials)
    hvx_buf_add(&b, "    <console type='pty'>\n      <target type='serial' "
                "port='0'/>\n    </console>\n");
  else if (!hvm)
    hvx_buf_add(&b, "    <console type='pty'>\n      <target type='xen' "
                "port='0'/>\n    </console>\n");
  if (hvx_enl_has_token(HVX_VOCAB_LIBVIRT, hv_toks, "panic"))
    hvx_buf_add(&b, "    <panic model='hyperv'/>\n");
  hvx_buf_add(&b, "  </devices>\n</domain>\n");
  for (size_t j = 0; j < vm->extras.n; j++)
    if (!hvx_extra_is(vm->extras.v[j].key, "hvx."))
      LOSS("guest", "%s is not written", vm->extras.v[j].key);
  return hvx_buf_finish(&b);
fail:
  hvx_buf_free(&b);
  return NULL;
}
