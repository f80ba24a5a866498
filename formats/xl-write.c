/* hvx - writing the guest model as xl.cfg.
 *
 * The output is hvx's own; with the Xen libraries it is parsed back
 * through libxlutil before it is returned, so hvx never hands out a file
 * xl cannot read. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvx/xen.h"
#include "xl-internal.h"

#ifdef HAVE_XEN
#include <libxlutil.h>
#endif

/* Keys the model part of the output may set, so that guest extras of
 * the same name do not repeat them. */
#define MAX_EMITTED 40

struct writer {
  const hvx_vm *vm;
  hvx_report *report;
  struct hvx_buf b;
  const char *emitted[MAX_EMITTED];
  size_t n_emitted;
  uint32_t *vbds;   /* the VBD number chosen for each disk */
};

static void emitted(struct writer *w, const char *key)
{
  if (w->n_emitted < MAX_EMITTED)
    w->emitted[w->n_emitted++] = key;
}

static bool was_emitted(const struct writer *w, const char *key)
{
  for (size_t i = 0; i < w->n_emitted; i++)
    if (strcmp(w->emitted[i], key) == 0)
      return true;
  return false;
}

static void put_str(struct writer *w, const char *key, const char *value)
{
  hvx_buf_printf(&w->b, "%s = ", key);
  xl_quote(&w->b, value);
  hvx_buf_add(&w->b, "\n");
  emitted(w, key);
}

static void put_num(struct writer *w, const char *key, uint64_t value)
{
  hvx_buf_printf(&w->b, "%s = %llu\n", key, (unsigned long long)value);
  emitted(w, key);
}

static int loss(struct writer *w, const char *subject, const char *advice,
                const char *what)
{
  return hvx_report_addf(w->report, HVX_SEVERITY_LOSS, subject, advice,
                         "%s", what);
}

/* ---- disks ---------------------------------------------------------- */

/* The VBD number the disk's address maps to directly, or 0. */
static uint32_t direct_vbd(const struct hvx_vm_disk *d)
{
  uint32_t n = 0;
  unsigned disk;

  switch (d->bus) {
  case HVX_BUS_XEN:
    if (d->controller)
      return 0;
    disk = d->slot;
    break;
  case HVX_BUS_IDE:
    disk = d->controller * 2 + d->slot;
    break;
  case HVX_BUS_SCSI:
    if (d->controller)
      return 0;
    disk = d->slot;
    break;
  default:
    return 0;
  }
  if (hvx_vbd_encode(d->bus, disk, d->partition, &n) < 0) {
    hvx_clear_error();
    return 0;
  }
  return n;
}

static bool vbd_used(const uint32_t *v, size_t n, uint32_t x)
{
  for (size_t i = 0; i < n; i++)
    if (v[i] == x)
      return true;
  return false;
}

/* Choose every disk's VBD: its own address where Xen can name it, else
 * the next free xvd disk (reported, since the guest sees a new name). */
static int choose_vbds(struct writer *w)
{
  const hvx_vm *vm = w->vm;
  unsigned next = 0;

  if (!vm->n_disks)
    return 0;
  if (!(w->vbds = hvx_calloc(vm->n_disks, sizeof *w->vbds, "disk numbers")))
    return -1;
  for (size_t i = 0; i < vm->n_disks; i++)
    w->vbds[i] = direct_vbd(&vm->disks[i]);
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    char subject[300], name[16], msg[400];
    uint32_t n;
    if (w->vbds[i])
      continue;
    do {
      if (hvx_vbd_encode(HVX_BUS_XEN, next++, 0, &n) < 0)
        return -1;
    } while (vbd_used(w->vbds, vm->n_disks, n));
    w->vbds[i] = n;
    hvx_vbd_name(n, name, sizeof name);
    snprintf(subject, sizeof subject, "disk %s", d->name ? d->name : "");
    if (!d->name)
      snprintf(subject, sizeof subject, "disk %zu", i);
    snprintf(msg, sizeof msg, "%s %u:%u%s has no Xen device name; attached "
             "as %s", hvx_bus_name(d->bus), d->controller, d->slot,
             d->partition ? " (a partition)" : "", name);
    if (hvx_report_addf(w->report, HVX_SEVERITY_WARNING, subject,
                        "the guest sees a different device name: refer to "
                        "file systems by UUID or LABEL in /etc/fstab and the "
                        "bootloader", "%s", msg) < 0)
      return -1;
  }
  return 0;
}

/* Extras of a device written into its spec as KEY=VALUE, or as a bare
 * KEY for an empty value where the spec has flags (disks). */
static int spec_extras(struct writer *w, struct hvx_buf *b,
                       const struct hvx_extras *x, const char *subject,
                       bool flags, bool *first)
{
  for (size_t j = 0; j < x->n; j++) {
    const char *k = x->v[j].key, *v = x->v[j].value;
    char msg[400];
    if (strncmp(k, "xl.", 3) != 0) {
      snprintf(msg, sizeof msg, "%s = %.200s is not carried over: xl has no "
               "such setting", k, v);
      if (loss(w, subject, NULL, msg) < 0)
        return -1;
      continue;
    }
    k += 3;
    if (!*k || strpbrk(k, ",= ") || strchr(v, ',')) {
      snprintf(msg, sizeof msg, "xl.%s = %.200s cannot be written into a "
               "spec (a comma or '=' in it)", k, v);
      if (loss(w, subject, NULL, msg) < 0)
        return -1;
      continue;
    }
    hvx_buf_printf(b, "%s%s%s%s", *first ? "" : ", ", k,
                   *v || !flags ? "=" : "", v);
    *first = false;
  }
  return 0;
}

static int disk_spec(struct writer *w, size_t i, struct hvx_buf *b)
{
  const struct hvx_vm_disk *d = &w->vm->disks[i];
  char name[16], subject[300];
  uint32_t n;
  bool first = false;

  snprintf(subject, sizeof subject, "disk %s", d->name ? d->name : "");
  if (!d->name)
    snprintf(subject, sizeof subject, "disk %zu", i);
  if (d->format && (strcmp(d->format, "vhdx") == 0 ||
                    strcmp(d->format, "vmdk") == 0))
    return hvx_set_error(EINVAL, "xl: %s: Xen cannot use %s images (raw, "
                         "qcow, qcow2, vhd, qed); convert %s first", subject,
                         d->format, d->path ? d->path : "it");
  if (d->path && strchr(d->path, '\n'))
    return hvx_set_error(EINVAL, "xl: %s: image path has a newline", subject);
  /* Keep the source's spelling (hda, d0p0) when it names the same VBD. */
  if (d->name && hvx_vbd_parse(d->name, &n) == 0 && n == w->vbds[i] &&
      strlen(d->name) < sizeof name)
    snprintf(name, sizeof name, "%s", d->name);
  else if (hvx_vbd_name(w->vbds[i], name, sizeof name) < 0)
    return -1;
  hvx_clear_error();
  if (d->format)
    hvx_buf_printf(b, "format=%s, ", d->format);
  else if (d->path && hvx_report_addf(w->report, HVX_SEVERITY_INFO, subject,
                                      "state the format if it is not raw",
                                      "no image format known: xl assumes "
                                      "raw") < 0)
    return -1;
  hvx_buf_printf(b, "vdev=%s, access=%s", name, d->readonly ? "ro" : "rw");
  if (d->cdrom)
    hvx_buf_add(b, ", devtype=cdrom");
  if (spec_extras(w, b, &d->extras, subject, true, &first) < 0)
    return -1;
  /* target= takes the rest of the spec verbatim: it goes last. */
  if (d->path)
    hvx_buf_printf(b, ", target=%s", d->path);
  return 0;
}

static int nic_spec(struct writer *w, size_t i, struct hvx_buf *b)
{
  const struct hvx_vm_nic *n = &w->vm->nics[i];
  char subject[32];
  bool first = true;

  snprintf(subject, sizeof subject, "nic %zu", i);
  if ((n->network && strchr(n->network, ',')) ||
      (n->model && strchr(n->model, ',')))
    return hvx_set_error(EINVAL, "xl: %s: a comma in the network or model "
                         "name cannot be written in a vif spec", subject);
  if (n->mac) {
    hvx_buf_printf(b, "mac=%s", n->mac);
    first = false;
  }
  if (n->network) {
    hvx_buf_printf(b, "%sbridge=%s", first ? "" : ", ", n->network);
    first = false;
  }
  if (n->model) {
    hvx_buf_printf(b, "%smodel=%s", first ? "" : ", ", n->model);
    first = false;
  }
  return spec_extras(w, b, &n->extras, subject, false, &first);
}

HVX_API char *hvx_xl_disk_spec(const hvx_vm *vm, size_t i, hvx_report *report)
{
  struct writer w = { .vm = vm, .report = report };
  struct hvx_buf b = HVX_BUF_INIT;
  char *s = NULL;

  if (!vm || i >= vm->n_disks) {
    hvx_set_error(EINVAL, "xl: no disk %zu", i);
    return NULL;
  }
  if (choose_vbds(&w) == 0 && disk_spec(&w, i, &b) == 0)
    s = hvx_buf_finish(&b);
  else
    hvx_buf_free(&b);
  free(w.vbds);
  return s;
}

/* ---- the guest ------------------------------------------------------ */

static int put_list(struct writer *w, const char *key, char **items,
                    size_t n)
{
  hvx_buf_printf(&w->b, "%s = [", key);
  for (size_t i = 0; i < n; i++) {
    hvx_buf_add(&w->b, i ? ",\n    " : "\n    ");
    xl_quote(&w->b, items[i]);
  }
  hvx_buf_add(&w->b, n ? ",\n]\n" : "]\n");
  emitted(w, key);
  return 0;
}

static int write_firmware(struct writer *w)
{
  const hvx_vm *vm = w->vm;
  const char *flavour = hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.bios");

  if (vm->secure_boot &&
      loss(w, "guest", "enable Secure Boot in the guest's firmware by hand "
           "if the Xen build supports it", "Secure Boot: xl.cfg has no "
           "setting for it") < 0)
    return -1;
  if (vm->guest_type != HVX_GUEST_HVM) {
    if (vm->firmware == HVX_FIRMWARE_UEFI &&
        loss(w, "guest", "set kernel to an OVMF build for PVH by hand",
             "UEFI firmware for a PVH guest is not an xl.cfg setting") < 0)
      return -1;
    return 0;
  }
  /* bios = names the firmware; a kept "xl.firmware" (a custom image)
   * still follows, as in the source. */
  switch (vm->firmware) {
  case HVX_FIRMWARE_UEFI:
    put_str(w, "bios", "ovmf");
    break;
  case HVX_FIRMWARE_BIOS:
    if (flavour && (strcmp(flavour, "seabios") == 0 ||
                    strcmp(flavour, "rombios") == 0)) {
      put_str(w, "bios", flavour);
    } else {
      put_str(w, "firmware", "bios");
      emitted(w, "bios");
    }
    break;
  default:
    emitted(w, "bios");
  }
  return 0;
}

static int write_boot(struct writer *w)
{
  const hvx_vm *vm = w->vm;

  if (vm->kernel)
    put_str(w, "kernel", vm->kernel);
  if (vm->ramdisk)
    put_str(w, "ramdisk", vm->ramdisk);
  if (vm->cmdline)
    put_str(w, "cmdline", vm->cmdline);
  if (vm->bootloader)
    put_str(w, "bootloader", vm->bootloader);
  /* An "xl.bootloader_args" extra is the exact list: it wins. */
  if (vm->bootloader_args &&
      !hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.bootloader_args")) {
    /* xl wants a list of arguments; the model has them space-separated. */
    char *copy = hvx_strdup(vm->bootloader_args), *save = NULL;
    char *items[64];
    size_t n = 0;
    if (!copy)
      return -1;
    for (char *t = strtok_r(copy, " \t", &save); t && n < 64;
         t = strtok_r(NULL, " \t", &save))
      items[n++] = t;
    put_list(w, "bootloader_args", items, n);
    free(copy);
  }
  if (vm->guest_type != HVX_GUEST_HVM && !vm->kernel && !vm->bootloader &&
      !hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.firmware") &&
      hvx_report_addf(w->report, HVX_SEVERITY_WARNING, "guest",
                      "add kernel =, bootloader = \"pygrub\" or firmware = "
                      "\"pvgrub64\"", "a %s guest without a kernel or a "
                      "bootloader: xl will refuse to start it",
                      hvx_guest_type_name(vm->guest_type)) < 0)
    return -1;
  return 0;
}

/* viridian: the groups of the map's closest xl configuration for the
 * guest's Hyper-V features; what no group gives is reported lost, what
 * the groups add besides is reported too. */
static int write_viridian(struct writer *w)
{
  struct hvx_enl_config src = { 0 };
  struct hvx_enl_report *er = hvx_malloc(sizeof *er, "a compatibility "
                                         "report");
  char *items[HVX_XL_GROUP_COUNT];
  size_t n = 0;
  int rc = -1;

  if (!er)
    return -1;
  src.set = w->vm->hv_features;
  src.spinlock_retries = w->vm->hv_spinlock_retries;
  if (hvx_enl_compat(&src, HVX_VOCAB_XL, er) < 0)
    goto out;
  for (unsigned g = 0; g < HVX_XL_GROUP_COUNT; g++)
    if (er->target.xl_groups & (1u << g))
      items[n++] = (char *)hvx_xl_group_name(g);
  if (n)
    put_list(w, "viridian", items, n);
  rc = hvx_enl_report_move(w->report, "Xen", src.set, er->target.set, er,
                           NULL, "remove groups from viridian = [ ... ] if "
                           "the guest must not see them (base must stay)");
out:
  free(er);
  return rc;
}

static int write_hvm_devices(struct writer *w)
{
  const hvx_vm *vm = w->vm;
  hvx_enl_set hv = vm->hv_features;

  if (vm->guest_type != HVX_GUEST_HVM) {
    if (vm->boot_order &&
        loss(w, "guest", NULL, "boot order: PV and PVH guests have none") < 0)
      return -1;
    if (hv && loss(w, "guest", "make the guest HVM to offer Hyper-V "
                   "interfaces", "viridian (Hyper-V) enlightenments: only "
                   "HVM guests have them") < 0)
      return -1;
    for (size_t i = 0; i < vm->n_serials; i++) {
      char subject[32];
      snprintf(subject, sizeof subject, "serial %zu", i);
      if (loss(w, subject, "use the PV console (hvc0) in the guest",
               "xl gives PV and PVH guests no serial ports") < 0)
        return -1;
    }
    return 0;
  }
  if (vm->boot_order)
    put_str(w, "boot", vm->boot_order);
  if (hv && write_viridian(w) < 0)
    return -1;
  if (!vm->xen_platform)
    put_num(w, "xen_platform_pci", 0);
  if (vm->n_serials) {
    char **items = hvx_calloc(vm->n_serials, sizeof *items, "serials");
    if (!items)
      return -1;
    for (size_t i = 0; i < vm->n_serials; i++) {
      items[i] = vm->serials[i].target;
      if (vm->serials[i].extras.n) {
        char subject[32];
        snprintf(subject, sizeof subject, "serial %zu", i);
        if (loss(w, subject, NULL, "extras of a serial port: xl has no "
                 "settings for them") < 0) {
          free(items);
          return -1;
        }
      }
    }
    put_list(w, "serial", items, vm->n_serials);
    free(items);
  }
  return 0;
}

/* "KEY = [ ... ]" with one quoted spec per line, SPEC making the Ith
 * (disk_spec, nic_spec); nothing when there are none. */
static int put_spec_list(struct writer *w, const char *key, size_t n,
                         int (*spec)(struct writer *, size_t,
                                     struct hvx_buf *))
{
  struct hvx_buf b = HVX_BUF_INIT;
  char *s;

  if (n == 0)
    return 0;
  hvx_buf_add(&w->b, key);
  hvx_buf_add(&w->b, " = [\n");
  for (size_t i = 0; i < n; i++) {
    if (spec(w, i, &b) < 0 || !(s = hvx_buf_finish(&b))) {
      hvx_buf_free(&b);
      return -1;
    }
    hvx_buf_add(&w->b, "    ");
    xl_quote(&w->b, s);
    hvx_buf_add(&w->b, ",\n");
    free(s);
  }
  hvx_buf_add(&w->b, "]\n");
  emitted(w, key);
  return 0;
}

static int write_devices(struct writer *w)
{
  if (choose_vbds(w) < 0 ||
      put_spec_list(w, "disk", w->vm->n_disks, disk_spec) < 0 ||
      put_spec_list(w, "vif", w->vm->n_nics, nic_spec) < 0)
    return -1;
  return 0;
}

/* Guest extras: "xl.KEY" ones are settings kept from an xl.cfg, written
 * back verbatim; others belong to other formats and are reported. */
static int write_extras(struct writer *w)
{
  const struct hvx_extras *x = &w->vm->extras;

  for (size_t j = 0; j < x->n; j++) {
    const char *k = x->v[j].key, *v = x->v[j].value;
    char subject[300], msg[400];
    snprintf(subject, sizeof subject, "key %s", k);
    /* hvx's own hints (hvx.os) are not guest settings. */
    if (strncmp(k, "hvx.", 4) == 0)
      continue;
    if (strncmp(k, "xl.", 3) != 0) {
      bool runtime = strncmp(k, "xs.", 3) == 0;
      snprintf(msg, sizeof msg, "%s = %.200s: %s", k, v, runtime ?
               "state of a running domain, not a setting" :
               "xl.cfg has no such setting");
      if (hvx_report_addf(w->report, runtime ? HVX_SEVERITY_INFO :
                          HVX_SEVERITY_LOSS, subject, NULL, "%s", msg) < 0)
        return -1;
      continue;
    }
    k += 3;
    if (was_emitted(w, k)) {
      if (strcmp(k, "bios") && hvx_report_addf(w->report, HVX_SEVERITY_INFO,
                                               subject, NULL, "%s is written "
                                               "from the model instead", k) <
          0)
        return -1;
      continue;
    }
    if (!xl_is_key(k)) {
      snprintf(msg, sizeof msg, "'%s' is not an xl key", k);
      if (loss(w, subject, NULL, msg) < 0)
        return -1;
      continue;
    }
    hvx_buf_printf(&w->b, "%s = %s\n", k, v);
  }
  return 0;
}

#ifdef HAVE_XEN
/* Parse TEXT back with libxlutil: what hvx writes, xl must read. */
static int self_check(const char *text)
{
  char *rep = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&rep, &len);
  XLU_Config *cfg;
  int e = ENOMEM;

  if (!f)
    return hvx_set_error(errno, "xl: cannot open a memory stream: %m");
  if ((cfg = xlu_cfg_init(f, "output"))) {
    e = xlu_cfg_readdata(cfg, text, (int)strlen(text));
    xlu_cfg_destroy(cfg);
  }
  fclose(f);
  if (e)
    hvx_set_error(EINVAL, "xl: the config hvx wrote does not parse (%s): "
                  "please report", rep && *rep ? rep : strerror(e));
  free(rep);
  return e ? -1 : 0;
}
#endif

HVX_API char *hvx_vm_to_xl(const hvx_vm *vm, hvx_report *report)
{
  struct writer w = { .vm = vm, .report = report };
  static const char *const events[] = {
    "on_poweroff", "on_reboot", "on_crash", "on_watchdog", "on_soft_reset",
  };
  char *out = NULL;

  if (hvx_vm_validate(vm) < 0)
    return NULL;
  if (!vm->name) {
    hvx_set_error(EINVAL, "xl: the guest has no name (xl requires one)");
    return NULL;
  }
  hvx_buf_printf(&w.b, "# xl.cfg written by hvx %s\n", hvx_version());
  put_str(&w, "name", vm->name);
  if (vm->uuid)
    put_str(&w, "uuid", vm->uuid);
  if (vm->guest_type)
    put_str(&w, "type", hvx_guest_type_name(vm->guest_type));
  else if (hvx_report_addf(report, HVX_SEVERITY_WARNING, "guest",
                           "set the guest type in the model",
                           "no guest type: xl will take it for PV") < 0)
    goto out;
  if (vm->memory)
    put_num(&w, "memory", vm->memory >> 20);
  if (vm->max_memory)
    put_num(&w, "maxmem", vm->max_memory >> 20);
  if (vm->vcpus)
    put_num(&w, "vcpus", vm->vcpus);
  if (vm->max_vcpus)
    put_num(&w, "maxvcpus", vm->max_vcpus);
  if (write_firmware(&w) < 0 || write_boot(&w) < 0 ||
      write_hvm_devices(&w) < 0)
    goto out;
  for (int e = 0; e < HVX_VM_N_EVENTS; e++)
    if (vm->actions[e])
      put_str(&w, events[e], hvx_action_name(vm->actions[e]));
  if (write_devices(&w) < 0 || write_extras(&w) < 0)
    goto out;
  if (!(out = hvx_buf_finish(&w.b)))
    goto out;
#ifdef HAVE_XEN
  if (self_check(out) < 0) {
    free(out);
    out = NULL;
  }
#endif
out:
  hvx_buf_free(&w.b);
  free(w.vbds);
  return out;
}
