/* hvx - reading xl.cfg into the guest model, through Xen's libxlutil.
 *
 * libxlutil does the parsing (so a file means to hvx what it means to
 * `xl create`, syntax errors included) and xlu_disk_parse reads every
 * disk spec.  What xl itself does with the values (types, firmware,
 * viridian groups, vif specs) is xl's code, not a library: hvx follows
 * xl_parse.c's rules here and says so where it differs. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enlightenment-internal.h"
#include "hvx/xen.h"
#include "xl-internal.h"

#ifdef HAVE_XEN
#include <libxl.h>
#include <libxlutil.h>

struct reader {
  XLU_Config *cfg;
  FILE *rep;           /* libxlutil's report stream, in memory */
  char *rep_buf;
  size_t rep_len, rep_taken;
  const char *src, *data;
  size_t len;
  struct xl_settings set;
  hvx_vm *vm;
  hvx_report *report;
  int type;
  uint32_t *vbds;      /* VBD number of each disk, for duplicates */
  char msg[768];
};

/* What libxlutil reported since the last call: its first line, without
 * the "SOURCE: " prefix it puts first. */
static const char *take_report(struct reader *r)
{
  const char *p;
  size_t n, skip;

  fflush(r->rep);
  if (r->rep_taken >= r->rep_len)
    return "no details from libxlutil";
  p = r->rep_buf + r->rep_taken;
  n = strcspn(p, "\n");
  r->rep_taken = r->rep_len;
  skip = strlen(r->src);
  /* "SOURCE: message" or, for syntax errors, "SOURCE:LINE: message". */
  if (n > skip + 1 && strncmp(p, r->src, skip) == 0 && p[skip] == ':') {
    size_t k = p[skip + 1] == ' ' ? skip + 2 : skip + 1;
    p += k;
    n -= k;
  }
  /* Shown to people: control characters (a stray CR) as escapes. */
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < sizeof r->msg; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '\r')
      o += (size_t)snprintf(r->msg + o, sizeof r->msg - o, "\\r");
    else if (c < 0x20 || c == 0x7f)
      o += (size_t)snprintf(r->msg + o, sizeof r->msg - o, "\\x%02x", c);
    else
      r->msg[o++] = (char)c;
  }
  r->msg[o] = '\0';
  return r->msg;
}

/* Raise an error about KEY (item ITEM of its list, or -1) at its place
 * in the file.  Returns -1. */
static int rerr(struct reader *r, const char *key, long item, int errnum,
                const char *fmt, ...) HVX_PRINTF(5, 6);
static int rerr(struct reader *r, const char *key, long item, int errnum,
                const char *fmt, ...)
{
  char what[512];
  va_list ap;
  struct xl_setting *st = key ? xl_find(&r->set, key) : NULL;
  struct xl_pos pos = { 0, 0 };

  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (st) {
    pos = st->pos;
    if (item >= 0 && (size_t)item < st->n_items)
      pos = st->items[item];
  }
  if (!key)
    return hvx_set_error(errnum, "xl: %s: %s", r->src, what);
  if (item >= 0)
    return hvx_set_error(errnum, "xl: %s:%d:%d: %s[%ld]: %s", r->src,
                         pos.line, pos.col, key, item, what);
  return hvx_set_error(errnum, "xl: %s:%d:%d: %s: %s", r->src, pos.line,
                       pos.col, key, what);
}

/* Re-raise the model's or the enlightenment map's last error (a setter
 * or a viridian rule refused a value) at KEY. */
static int rerr_model(struct reader *r, const char *key, long item)
{
  char tmp[600];
  const char *m = hvx_error();

  if (strncmp(m, "vm: ", 4) == 0 || strncmp(m, "xl: ", 4) == 0)
    m += 4;
  snprintf(tmp, sizeof tmp, "%s", m);
  return rerr(r, key, item, hvx_errno() == EFBIG ? EFBIG : EBADMSG, "%s",
              tmp);
}

static void consume(struct reader *r, const char *key)
{
  struct xl_setting *st = xl_find(&r->set, key);
  if (st)
    st->consumed = true;
}

/* KEY is mapped only in part: keep it verbatim too. */
static void unconsume(struct reader *r, const char *key)
{
  struct xl_setting *st = xl_find(&r->set, key);
  if (st)
    st->consumed = false;
}

/* A string value: 1 and *OUT, 0 if absent, -1 if it is a list. */
static int get_str(struct reader *r, const char *key, const char **out)
{
  int e = xlu_cfg_get_string(r->cfg, key, out, 1);

  consume(r, key);
  if (e == ESRCH)
    return 0;
  if (e)
    return rerr(r, key, -1, EBADMSG, "expected a single value, found a "
                "list");
  return 1;
}

/* A number in [MIN, MAX]: 1 and *OUT, 0 if absent, -1 if bad. */
static int get_long(struct reader *r, const char *key, long min, long max,
                    long *out, const char *unit)
{
  const char *s;
  int e = xlu_cfg_get_long(r->cfg, key, out, 1);

  consume(r, key);
  if (e == ESRCH)
    return 0;
  if (e) {
    if (xlu_cfg_get_string(r->cfg, key, &s, 1))
      return rerr(r, key, -1, EBADMSG, "expected a number, found a list");
    return rerr(r, key, -1, EBADMSG, "'%.64s' is not a number%s", s,
                e == ERANGE ? " in range" : "");
  }
  if (*out < min || *out > max)
    return rerr(r, key, -1, *out > max && max > 1 ? EFBIG : EBADMSG,
                "%ld%s is out of range (%ld to %ld)", *out, unit, min, max);
  return 1;
}

/* Append the xl syntax of list LIST (from libxlutil) to B. */
static int list_to_xl(struct reader *r, XLU_ConfigList *list,
                      struct hvx_buf *b, int depth)
{
  XLU_ConfigValue *v;

  if (depth > 64)
    return hvx_set_error(EBADMSG, "xl: lists nested too deeply");
  hvx_buf_add(b, "[");
  for (int i = 0; (v = xlu_cfg_get_listitem2(list, i)); i++) {
    char *s;
    XLU_ConfigList *sub;
    hvx_buf_add(b, i ? ", " : " ");
    if (xlu_cfg_value_type(v) == XLU_STRING) {
      if (xlu_cfg_value_get_string(r->cfg, v, &s, 1))
        return hvx_set_error(EBADMSG, "xl: unreadable list item");
      xl_atom(b, s);
    } else {
      if (xlu_cfg_value_get_list(r->cfg, v, &sub, 1) ||
          list_to_xl(r, sub, b, depth + 1) < 0)
        return -1;
    }
  }
  hvx_buf_add(b, b->len && b->s[b->len - 1] == '[' ? "]" : " ]");
  return 0;
}

/* Keep KEY, which hvx does not map onto the model, as the guest extra
 * "xl.KEY" holding its xl syntax, and report it. */
static int keep_unknown(struct reader *r, struct xl_setting *st)
{
  struct hvx_buf b = HVX_BUF_INIT;
  const char *s;
  XLU_ConfigList *list;
  char name[300], *value;
  int rc;

  if (!xlu_cfg_get_string(r->cfg, st->key, &s, 1))
    xl_atom(&b, s);
  else if (!xlu_cfg_get_list(r->cfg, st->key, &list, NULL, 1)) {
    if (list_to_xl(r, list, &b, 0) < 0) {
      hvx_buf_free(&b);
      return -1;
    }
  } else {
    hvx_buf_free(&b);
    return rerr(r, st->key, -1, EBADMSG, "libxlutil has no value for it");
  }
  if (!(value = hvx_buf_finish(&b)))
    return -1;
  snprintf(name, sizeof name, "xl.%s", st->key);
  rc = hvx_vm_set_extra(r->vm, HVX_OBJECT_GUEST, 0, name, value);
  free(value);
  if (rc < 0)
    return rerr_model(r, st->key, -1);
  snprintf(name, sizeof name, "key %s", st->key);
  return hvx_report_addf(r->report, HVX_SEVERITY_WARNING, name,
                         "carry it over by hand if the target needs it",
                         "%s:%d: kept as it is; hvx does not interpret "
                         "'%s'", r->src, st->pos.line, st->key);
}

/* ---- guest facts ---------------------------------------------------- */

/* xl compares with strncmp(value, name, strlen(value)): any prefix of a
 * name, even the empty one, selects it. */
static bool xl_prefix(const char *value, const char *name)
{
  return strncmp(value, name, strlen(value)) == 0;
}

static int read_type(struct reader *r)
{
  const char *s;
  int rc, type = HVX_GUEST_UNSPECIFIED, builder = HVX_GUEST_UNSPECIFIED;

  if ((rc = get_str(r, "type", &s)) < 0)
    return -1;
  if (rc) {
    if (xl_prefix(s, "hvm"))
      type = HVX_GUEST_HVM;
    else if (xl_prefix(s, "pv"))
      type = HVX_GUEST_PV;
    else if (xl_prefix(s, "pvh"))
      type = HVX_GUEST_PVH;
    else
      return rerr(r, "type", -1, EBADMSG, "invalid domain type '%.64s' "
                  "(hvm, pv or pvh)", s);
  }
  if ((rc = get_str(r, "builder", &s)) < 0)
    return -1;
  if (rc) {
    if (xl_prefix(s, "hvm"))
      builder = HVX_GUEST_HVM;
    else if (xl_prefix(s, "generic"))
      builder = HVX_GUEST_PV;
    else
      return rerr(r, "builder", -1, EBADMSG, "invalid builder '%.64s' (hvm "
                  "or generic)", s);
    if (type && type != builder)
      return rerr(r, "builder", -1, EBADMSG, "contradicts type");
    type = builder;
  }
  if (!type) {
    /* xl on x86 makes such a guest PV. */
    type = HVX_GUEST_PV;
    if (hvx_report_addf(r->report, HVX_SEVERITY_INFO, "guest",
                        "set type = \"pv\", \"pvh\" or \"hvm\"",
                        "no type given: a PV guest, as xl assumes on x86") <
        0)
      return -1;
  }
  r->type = type;
  return hvx_vm_set_guest_type(r->vm, type);
}

static int read_identity(struct reader *r)
{
  const char *s;
  int rc;

  if ((rc = get_str(r, "name", &s)) < 0)
    return -1;
  if (!rc)
    return rerr(r, NULL, -1, EBADMSG, "no name = \"...\" (xl requires a "
                "domain name)");
  if (hvx_vm_set_name(r->vm, s) < 0)
    return rerr_model(r, "name", -1);
  if ((rc = get_str(r, "uuid", &s)) < 0)
    return -1;
  if (rc && hvx_vm_set_uuid(r->vm, s) < 0)
    return rerr_model(r, "uuid", -1);
  return 0;
}

static int read_sizes(struct reader *r)
{
  long mem = 0, maxmem = 0, vcpus = 0, maxvcpus = 0;
  const long max_mib = (long)(HVX_VM_MAX_MEMORY >> 20);

  if (get_long(r, "memory", 1, max_mib, &mem, " MiB") < 0 ||
      get_long(r, "maxmem", 1, max_mib, &maxmem, " MiB") < 0 ||
      get_long(r, "vcpus", 1, HVX_VM_MAX_VCPUS, &vcpus, "") < 0 ||
      get_long(r, "maxvcpus", 1, HVX_VM_MAX_VCPUS, &maxvcpus, "") < 0)
    return -1;
  if (maxvcpus && maxvcpus < vcpus)
    return rerr(r, "maxvcpus", -1, EBADMSG, "%ld is below vcpus %ld (xl "
                "refuses this)", maxvcpus, vcpus);
  if (maxmem && maxmem < mem)
    return rerr(r, "maxmem", -1, EBADMSG, "%ld MiB is below memory %ld MiB",
                maxmem, mem);
  hvx_vm_set_memory(r->vm, (uint64_t)mem << 20);
  hvx_vm_set_max_memory(r->vm, (uint64_t)maxmem << 20);
  hvx_vm_set_vcpus(r->vm, (unsigned)vcpus);
  hvx_vm_set_max_vcpus(r->vm, (unsigned)maxvcpus);
  return 0;
}

static int read_actions(struct reader *r)
{
  static const struct { const char *key; int event; } keys[] = {
    { "on_poweroff", HVX_EVENT_POWEROFF },
    { "on_reboot", HVX_EVENT_REBOOT },
    { "on_watchdog", HVX_EVENT_WATCHDOG },
    { "on_crash", HVX_EVENT_CRASH },
    { "on_soft_reset", HVX_EVENT_SOFT_RESET },
  };

  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *s;
    int rc = get_str(r, keys[i].key, &s), a;
    if (rc < 0)
      return -1;
    if (!rc)
      continue;
    a = strcmp(s, "unspecified") ? hvx_action_from_name(s) : -1;
    if (a < 0)
      return rerr(r, keys[i].key, -1, EBADMSG, "unknown action '%.64s' "
                  "(destroy, restart, rename-restart, preserve, "
                  "coredump-destroy, coredump-restart, soft-reset)", s);
    hvx_vm_set_action(r->vm, keys[i].event, a);
  }
  return 0;
}

static int read_boot(struct reader *r)
{
  const char *s, *root = NULL, *extra = NULL, *cmdline = NULL;
  char *joined = NULL;
  int rc;

  if ((rc = get_str(r, "kernel", &s)) < 0)
    return -1;
  if (rc) {
    const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
    if (r->type == HVX_GUEST_HVM && strcmp(base, "hvmloader") == 0) {
      /* xl ignores it: hvmloader is the HVM firmware loader itself. */
      unconsume(r, "kernel");
    } else if (hvx_vm_set_kernel(r->vm, s) < 0) {
      return rerr_model(r, "kernel", -1);
    }
  }
  if ((rc = get_str(r, "ramdisk", &s)) < 0)
    return -1;
  if (rc && hvx_vm_set_ramdisk(r->vm, s) < 0)
    return rerr_model(r, "ramdisk", -1);
  if (get_str(r, "cmdline", &cmdline) < 0 || get_str(r, "root", &root) < 0 ||
      get_str(r, "extra", &extra) < 0)
    return -1;
  /* xl's rule: cmdline wins; else "root=ROOT EXTRA". */
  if (cmdline) {
    if ((root || extra) &&
        hvx_report_addf(r->report, HVX_SEVERITY_INFO, "key cmdline", NULL,
                        "root= and extra= are ignored in favour of "
                        "cmdline=, as xl does") < 0)
      return -1;
  } else if (root) {
    size_t n = strlen(root) + (extra ? strlen(extra) : 0) + 8;
    if (!(joined = hvx_malloc(n, "a kernel command line")))
      return -1;
    snprintf(joined, n, "root=%s%s%s", root, extra ? " " : "",
             extra ? extra : "");
    cmdline = joined;
  } else {
    cmdline = extra;
  }
  rc = cmdline ? hvx_vm_set_cmdline(r->vm, cmdline) : 0;
  free(joined);
  if (rc < 0)
    return rerr_model(r, "cmdline", -1);

  if ((rc = get_str(r, "bootloader", &s)) < 0)
    return -1;
  if (rc && hvx_vm_set_bootloader(r->vm, s) < 0)
    return rerr_model(r, "bootloader", -1);
  return 0;
}

/* bootloader_args: a list of arguments (or, deprecated, one string). */
static int read_bootloader_args(struct reader *r)
{
  XLU_ConfigList *list;
  const char *s;
  int n, rc;
  struct hvx_buf b = HVX_BUF_INIT;
  char *args;

  consume(r, "bootloader_args");
  if (xlu_cfg_get_list(r->cfg, "bootloader_args", &list, &n, 1) != 0) {
    if ((rc = get_str(r, "bootloader_args", &s)) <= 0)
      return rc;
    return hvx_vm_set_bootloader_args(r->vm, s) < 0 ?
           rerr_model(r, "bootloader_args", -1) : 0;
  }
  bool lossy = false;
  for (int i = 0; i < n; i++) {
    s = xlu_cfg_get_listitem(list, i);
    if (!s) {
      hvx_buf_free(&b);
      return rerr(r, "bootloader_args", i, EBADMSG, "a nested list");
    }
    lossy |= !*s || strpbrk(s, " \t\n") != NULL;
    hvx_buf_add(&b, i ? " " : "");
    hvx_buf_add(&b, s);
  }
  /* The model has one space-separated string; where that loses the
   * argument boundaries, the list is also kept verbatim for xl. */
  if (lossy)
    unconsume(r, "bootloader_args");
  if (!(args = hvx_buf_finish(&b)))
    return -1;
  rc = hvx_vm_set_bootloader_args(r->vm, *args ? args : NULL);
  free(args);
  return rc < 0 ? rerr_model(r, "bootloader_args", -1) : 0;
}

/* HVM firmware: bios = "rombios" | "seabios" | "ovmf"; firmware = one of
 * those, or "uefi", or "bios", or a path to a custom firmware. */
static int read_hvm_firmware(struct reader *r)
{
  const char *s;
  libxl_bios_type bt;
  int rc, fw = HVX_FIRMWARE_UNSPECIFIED;
  const char *flavour = NULL;

  if ((rc = get_str(r, "bios", &s)) < 0)
    return -1;
  if (rc) {
    if (libxl_bios_type_from_string(s, &bt))
      return rerr(r, "bios", -1, EBADMSG, "invalid value '%.64s' (rombios, "
                  "seabios or ovmf)", s);
    fw = bt == LIBXL_BIOS_TYPE_OVMF ? HVX_FIRMWARE_UEFI : HVX_FIRMWARE_BIOS;
    flavour = libxl_bios_type_to_string(bt);
  }
  if ((rc = get_str(r, "firmware", &s)) < 0)
    return -1;
  if (rc) {
    if (!libxl_bios_type_from_string(s, &bt)) {
      fw = bt == LIBXL_BIOS_TYPE_OVMF ? HVX_FIRMWARE_UEFI : HVX_FIRMWARE_BIOS;
      flavour = libxl_bios_type_to_string(bt);
    } else if (xl_prefix(s, "uefi")) {
      fw = HVX_FIRMWARE_UEFI;
    } else if (xl_prefix(s, "bios")) {
      /* xl leaves the BIOS to libxl's default for the device model. */
      fw = HVX_FIRMWARE_BIOS;
      flavour = NULL;
    } else {
      /* A custom firmware image: the model has no field for it. */
      unconsume(r, "firmware");
    }
  }
  if (flavour && fw == HVX_FIRMWARE_BIOS &&
      hvx_vm_set_extra(r->vm, HVX_OBJECT_GUEST, 0, "xl.bios", flavour) < 0)
    return -1;
  return hvx_vm_set_firmware(r->vm, fw);
}

/* PV/PVH: firmware = "pvgrub32" | "pvgrub64" loads PV-GRUB as the kernel;
 * without it, a kernel or a bootloader is needed. */
static int read_pv_firmware(struct reader *r)
{
  const char *s;
  int rc;

  if ((rc = get_str(r, "firmware", &s)) < 0)
    return -1;
  if (rc) {
    if (hvx_vm_kernel(r->vm))
      return rerr(r, "firmware", -1, EBADMSG, "both kernel and firmware "
                  "given (xl refuses this)");
    if (!xl_prefix(s, "pvgrub32") && !xl_prefix(s, "pvgrub64"))
      return rerr(r, "firmware", -1, EBADMSG, "'%.64s': only pvgrub32 and "
                  "pvgrub64 are PV firmware", s);
    /* Kept verbatim as an extra: it names a file of the Xen install. */
    unconsume(r, "firmware");
  } else if (!hvx_vm_kernel(r->vm) && !hvx_vm_bootloader(r->vm)) {
    return rerr(r, NULL, -1, EBADMSG, "a %s guest needs a kernel, a "
                "bootloader or firmware = \"pvgrub64\" (xl refuses it)",
                r->type == HVX_GUEST_PV ? "PV" : "PVH");
  }
  return hvx_vm_set_firmware(r->vm, HVX_FIRMWARE_NONE);
}

/* viridian = 1 | 0 | [ "defaults", "all", "GROUP", "!GROUP", ... ]: the
 * enlightenment map applies xl's and libxl's rules item by item; its
 * error is raised again at the item's place in the file. */
static int read_viridian(struct reader *r, struct hvx_enl_config *c)
{
  XLU_ConfigList *list;
  struct hvx_xl_viridian v = { false, 0, 0 };
  int n;
  long l;

  memset(c, 0, sizeof *c);
  consume(r, "viridian");
  switch (xlu_cfg_get_list(r->cfg, "viridian", &list, &n, 1)) {
  case ESRCH:
    return 0;
  case 0:
    break;
  default:
    if (get_long(r, "viridian", 0, 1, &l, "") < 0)
      return -1;
    v.defaults = l != 0;
    return hvx_xl_viridian_config(&v, c) < 0 ? rerr_model(r, "viridian", -1) : 0;
  }
  for (int i = 0; i < n; i++) {
    const char *s = xlu_cfg_get_listitem(list, i);
    if (!s)
      return rerr(r, "viridian", i, EBADMSG, "a nested list");
    if (hvx_xl_viridian_item(&v, s) < 0)
      return rerr_model(r, "viridian", i);
  }
  return hvx_xl_viridian_config(&v, c) < 0 ? rerr_model(r, "viridian", -1) : 0;
}

static int read_hvm(struct reader *r)
{
  XLU_ConfigList *list;
  const char *s;
  struct hvx_enl_config viridian;
  long l;
  int n, rc;

  if (read_hvm_firmware(r) < 0 || read_viridian(r, &viridian) < 0)
    return -1;
  r->vm->hv_features = viridian.set;
  r->vm->hv_spinlock_retries = viridian.spinlock_retries;
  if ((rc = get_long(r, "xen_platform_pci", 0, 1, &l, "")) < 0)
    return -1;
  r->vm->xen_platform = !rc || l;

  if ((rc = get_str(r, "boot", &s)) < 0)
    return -1;
  if (rc && hvx_vm_set_boot_order(r->vm, s) < 0)
    return rerr_model(r, "boot", -1);

  /* serial = "pty" or serial = [ "pty", "file:/x" ] */
  consume(r, "serial");
  if (!xlu_cfg_get_list(r->cfg, "serial", &list, &n, 1)) {
    for (int i = 0; i < n; i++) {
      if (!(s = xlu_cfg_get_listitem(list, i)))
        return rerr(r, "serial", i, EBADMSG, "a nested list");
      if (hvx_vm_add_serial(r->vm, s) < 0)
        return rerr_model(r, "serial", i);
    }
  } else if ((rc = get_str(r, "serial", &s)) < 0) {
    return -1;
  } else if (rc && hvx_vm_add_serial(r->vm, s) < 0) {
    return rerr_model(r, "serial", -1);
  }
  return 0;
}

/* ---- disks ---------------------------------------------------------- */

static int disk_extra(struct reader *r, int i, const char *key,
                      const char *value)
{
  return value ? hvx_vm_set_extra(r->vm, HVX_OBJECT_DISK, (size_t)i, key,
                                  value) : 0;
}

static int read_disk(struct reader *r, long idx, const char *spec)
{
  libxl_device_disk d;
  uint32_t vbd;
  int i, bus, e, rc = -1;
  unsigned disk, part;
  char port[16];

  libxl_device_disk_init(&d);
  e = xlu_disk_parse(r->cfg, 1, &spec, &d);
  if (e) {
    rerr(r, "disk", idx, e == ENOMEM ? ENOMEM : EBADMSG, "%s",
         take_report(r));
    goto out;
  }
  if (!d.vdev || hvx_vbd_parse(d.vdev, &vbd) < 0 ||
      hvx_vbd_decode(vbd, &bus, &disk, &part) < 0) {
    char why[600];
    snprintf(why, sizeof why, "%s", hvx_error());
    rerr(r, "disk", idx, EBADMSG, "bad vdev: %s", why + (strncmp(why,
         "vbd: ", 5) ? 0 : 5));
    goto out;
  }
  for (i = 0; i < (int)hvx_vm_disk_count(r->vm); i++)
    if (r->vbds[i] == vbd) {
      rerr(r, "disk", idx, EBADMSG, "vdev '%s' is the same device as "
           "disk[%d] ('%s')", d.vdev, i, hvx_vm_disk_name(r->vm, (size_t)i));
      goto out;
    }
  if ((i = hvx_vm_add_disk(r->vm)) < 0)
    goto out;
  r->vbds[i] = vbd;
  if (bus == HVX_BUS_IDE)
    rc = hvx_vm_disk_set_address(r->vm, (size_t)i, bus, disk / 2, disk % 2,
                                 part);
  else
    rc = hvx_vm_disk_set_address(r->vm, (size_t)i, bus, 0, disk, part);
  if (rc < 0 || hvx_vm_disk_set_name(r->vm, (size_t)i, d.vdev) < 0)
    goto model;
  rc = -1;
  if (d.is_cdrom)
    hvx_vm_disk_set_cdrom(r->vm, (size_t)i, 1);
  hvx_vm_disk_set_readonly(r->vm, (size_t)i, !d.readwrite);
  if (d.format != LIBXL_DISK_FORMAT_EMPTY && d.pdev_path && *d.pdev_path) {
    if (hvx_vm_disk_set_path(r->vm, (size_t)i, d.pdev_path) < 0)
      goto model;
    if (d.format != LIBXL_DISK_FORMAT_UNKNOWN &&
        hvx_vm_disk_set_format(r->vm, (size_t)i,
                               libxl_disk_format_to_string(d.format)) < 0)
      goto model;
  } else if (!d.is_cdrom) {
    rerr(r, "disk", idx, EBADMSG, "'%s' has no target (only a CD-ROM "
         "drive may be empty)", d.vdev);
    goto out;
  }
  /* Backend details the model has no field for, as the flags and keys
   * of the disk spec language (written back the same way). */
  snprintf(port, sizeof port, "%d", d.colo_port);
  if ((d.backend != LIBXL_DISK_BACKEND_UNKNOWN &&
       disk_extra(r, i, "xl.backendtype",
                  libxl_disk_backend_to_string(d.backend)) < 0) ||
      disk_extra(r, i, "xl.backend", d.backend_domname) < 0 ||
      disk_extra(r, i, "xl.script", d.script) < 0 ||
      (d.direct_io_safe && disk_extra(r, i, "xl.direct-io-safe", "") < 0) ||
      (!libxl_defbool_is_default(d.discard_enable) &&
       disk_extra(r, i, libxl_defbool_val(d.discard_enable) ?
                  "xl.discard" : "xl.no-discard", "") < 0) ||
      (!libxl_defbool_is_default(d.colo_enable) &&
       libxl_defbool_val(d.colo_enable) &&
       disk_extra(r, i, "xl.colo", "") < 0) ||
      disk_extra(r, i, "xl.colo-host", d.colo_host) < 0 ||
      (d.colo_port && disk_extra(r, i, "xl.colo-port", port) < 0) ||
      disk_extra(r, i, "xl.colo-export", d.colo_export) < 0 ||
      disk_extra(r, i, "xl.active-disk", d.active_disk) < 0 ||
      disk_extra(r, i, "xl.hidden-disk", d.hidden_disk) < 0 ||
      (d.specification != LIBXL_DISK_SPECIFICATION_UNKNOWN &&
       disk_extra(r, i, "xl.specification",
                  libxl_disk_specification_to_string(d.specification)) < 0))
    goto model;
  rc = 0;
  goto out;
model:
  rc = rerr_model(r, "disk", idx);
out:
  libxl_device_disk_dispose(&d);
  return rc;
}

static int read_disks(struct reader *r)
{
  XLU_ConfigList *list;
  int n;

  consume(r, "disk");
  switch (xlu_cfg_get_list(r->cfg, "disk", &list, &n, 1)) {
  case ESRCH: return 0;
  case 0: break;
  default: return rerr(r, "disk", -1, EBADMSG, "expected a list of disk "
                       "specs");
  }
  if ((unsigned)n > HVX_VM_MAX_DEVICES)
    return rerr(r, "disk", -1, EFBIG, "%d disks (at most %u)", n,
                HVX_VM_MAX_DEVICES);
  if (!(r->vbds = hvx_calloc((size_t)n, sizeof *r->vbds, "disk numbers")))
    return -1;
  for (int i = 0; i < n; i++) {
    const char *spec = xlu_cfg_get_listitem(list, i);
    if (!spec)
      return rerr(r, "disk", i, EBADMSG, "a nested list, not a disk spec");
    if (read_disk(r, i, spec) < 0)
      return -1;
  }
  return 0;
}

/* ---- network interfaces ------------------------------------------- */

/* The keys xl's vif parser knows (besides colo_*), kept as extras. */
static const char *const vif_extra_keys[] = {
  "type", "ip", "script", "backend", "vifname", "gatewaydev", "netdev",
  "rate", "forwarddev", "accel", "devid", "mtu",
};

static int read_vif_mac(struct reader *r, long idx, int n, const char *arg)
{
  unsigned char mac[6];
  char canon[18];
  const char *p = arg;

  /* As xl: six hex numbers up to ff, each followed by one separator. */
  for (int k = 0; k < 6; k++) {
    char *end;
    unsigned long v;
    if (*p == '-' || *p == '+' || *p == ' ')
      goto bad;
    v = strtoul(p, &end, 16);
    if (end == p || v > 255 || (k < 5 && !*end) || (k == 5 && *end))
      goto bad;
    mac[k] = (unsigned char)v;
    p = end + 1;
  }
  snprintf(canon, sizeof canon, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
           mac[1], mac[2], mac[3], mac[4], mac[5]);
  if (hvx_vm_nic_set_mac(r->vm, (size_t)n, canon) < 0)
    return rerr_model(r, "vif", idx);
  return 0;
bad:
  return rerr(r, "vif", idx, EBADMSG, "invalid mac '%.64s' (six hex "
              "octets such as 00:16:3e:12:34:56)", arg);
}

static int read_vif_arg(struct reader *r, long idx, int n, char *tok)
{
  char *eq = strchr(tok, '='), key[300];
  const char *val = eq ? eq + 1 : "";
  bool known = false;

  if (eq)
    *eq = '\0';
  if (!eq || !*tok) {
    if (eq)
      *eq = '=';
    return rerr(r, "vif", idx, EBADMSG, "'%.64s' is not key=value", tok);
  }
  if (strcmp(tok, "mac") == 0)
    return read_vif_mac(r, idx, n, val);
  if (strcmp(tok, "bridge") == 0)
    return hvx_vm_nic_set_network(r->vm, (size_t)n, val) < 0 ?
           rerr_model(r, "vif", idx) : 0;
  if (strcmp(tok, "model") == 0)
    return hvx_vm_nic_set_model(r->vm, (size_t)n, val) < 0 ?
           rerr_model(r, "vif", idx) : 0;
  if (strcmp(tok, "type") == 0 && strcmp(val, "vif") && strcmp(val, "ioemu"))
    return rerr(r, "vif", idx, EBADMSG, "invalid type '%.64s' (vif or "
                "ioemu)", val);
  if (strcmp(tok, "rate") == 0) {
    libxl_device_nic nic;
    int e;
    libxl_device_nic_init(&nic);
    e = xlu_vif_parse_rate(r->cfg, val, &nic);
    libxl_device_nic_dispose(&nic);
    if (e)
      return rerr(r, "vif", idx, EBADMSG, "%s", take_report(r));
  }
  if ((strcmp(tok, "devid") == 0 || strcmp(tok, "mtu") == 0) &&
      (!*val || strspn(val, "0123456789") != strlen(val) ||
       strlen(val) > 9))
    return rerr(r, "vif", idx, EBADMSG, "%s '%.64s' is not a number", tok,
                val);
  for (size_t k = 0; k < sizeof vif_extra_keys / sizeof *vif_extra_keys; k++)
    known |= strcmp(tok, vif_extra_keys[k]) == 0;
  known |= strncmp(tok, "colo_", 5) == 0;
  if (!known) {
    char subject[64];
    snprintf(subject, sizeof subject, "vif %d", n);
    if (hvx_report_addf(r->report, HVX_SEVERITY_WARNING, subject,
                        "remove it or check the spelling",
                        "%s: xl does not know '%.64s' and ignores it; hvx "
                        "keeps it", r->src, tok) < 0)
      return -1;
  }
  snprintf(key, sizeof key, "xl.%s", tok);
  if (hvx_vm_set_extra(r->vm, HVX_OBJECT_NIC, (size_t)n, key, val) < 0)
    return rerr_model(r, "vif", idx);
  return 0;
}

static int read_vifs(struct reader *r)
{
  XLU_ConfigList *list;
  int n;

  consume(r, "vif");
  switch (xlu_cfg_get_list(r->cfg, "vif", &list, &n, 1)) {
  case ESRCH: return 0;
  case 0: break;
  default: return rerr(r, "vif", -1, EBADMSG, "expected a list of vif "
                       "specs");
  }
  for (int i = 0; i < n; i++) {
    const char *spec = xlu_cfg_get_listitem(list, i);
    char *copy, *save = NULL;
    int k, rc = 0;
    if (!spec)
      return rerr(r, "vif", i, EBADMSG, "a nested list, not a vif spec");
    if ((k = hvx_vm_add_nic(r->vm)) < 0 || !(copy = hvx_strdup(spec)))
      return rerr_model(r, "vif", i);
    /* xl's tokenizing: split at commas (empty fields vanish), drop the
     * spaces that lead a field. */
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
      while (*t == ' ')
        t++;
      rc = read_vif_arg(r, i, k, t);
    }
    free(copy);
    if (rc < 0)
      return -1;
  }
  return 0;
}

/* ---- the whole ------------------------------------------------------ */

/* Turn libxlutil's syntax report into one error with line and column. */
static int syntax_error(struct reader *r, int e)
{
  const char *rep = take_report(r), *near, *msg;
  char tok[128] = "";
  int line = 0, col = 0, consumed = 0;

  if (e == ENOMEM)
    return hvx_set_error(ENOMEM, "xl: %s: out of memory parsing", r->src);
  if (sscanf(rep, "%d:%n", &line, &consumed) < 1)
    return hvx_set_error(EBADMSG, "xl: %s: %s", r->src, rep);
  msg = rep + consumed;
  while (*msg == ' ')
    msg++;
  if ((near = strstr(msg, "near `"))) {
    const char *t = near + 6, *q = strstr(t, "': ");
    if (q && q > t)
      snprintf(tok, sizeof tok, "%.*s", (int)(q - t), t);
  }
  if (strstr(msg, "near <newline>") || (!tok[0] && line == 0)) {
    /* libxlutil counts the newline token into the previous line. */
    line++;
    col = xl_column_of(r->data, r->len, line, "\n", 1);
  } else {
    /* Undo take_report's escapes to find the token in the text. */
    char raw[128];
    size_t n = 0;
    for (const char *t = tok; *t && n + 1 < sizeof raw; t++) {
      unsigned v;
      if (t[0] == '\\' && t[1] == 'r') {
        raw[n++] = '\r';
        t++;
      } else if (t[0] == '\\' && t[1] == 'x' &&
                 isxdigit((unsigned char)t[2]) &&
                 isxdigit((unsigned char)t[3]) &&
                 sscanf(t + 2, "%2x", &v) == 1) {
        /* both digits checked: a "\x" cut short (at the end of a token
         * that snprintf truncated) must not step over the NUL */
        raw[n++] = (char)v;
        t += 3;
      } else {
        raw[n++] = *t;
      }
    }
    col = xl_column_of(r->data, r->len, line, raw, n);
  }
  return hvx_set_error(EBADMSG, "xl: %s:%d:%d: %s%s%s", r->src, line,
                       col ? col : 1, msg,
                       memchr(r->data, '\r', r->len) ?
                       " (the file has DOS line endings; xl reads only "
                       "Unix ones)" : "",
                       strstr(r->rep_buf, "looks like it contains Python") ?
                       " (the file looks like Python, which xl no longer "
                       "runs)" : "");
}

static int read_all(struct reader *r)
{
  int e;
  const char *nul = memchr(r->data, '\0', r->len);

  if (nul) {
    int line = 1;
    for (const char *p = r->data; p < nul; p++)
      line += *p == '\n';
    return hvx_set_error(EBADMSG, "xl: %s:%d: a NUL byte (this is not a "
                         "text file)", r->src, line);
  }
  e = xlu_cfg_readdata(r->cfg, r->data, (int)r->len);
  if (e)
    return syntax_error(r, e);
  if (xl_scan(r->data, r->len, &r->set) < 0) {
    hvx_prefix_error("%s (libxlutil accepted the file: please report)",
                     r->src);
    return -1;
  }
  if (read_type(r) < 0 || read_identity(r) < 0 || read_sizes(r) < 0 ||
      read_actions(r) < 0 || read_boot(r) < 0 ||
      read_bootloader_args(r) < 0)
    return -1;
  if (r->type == HVX_GUEST_HVM ? read_hvm(r) < 0 : read_pv_firmware(r) < 0)
    return -1;
  if (read_disks(r) < 0 || read_vifs(r) < 0)
    return -1;
  for (size_t i = 0; i < r->set.n; i++)
    if (!r->set.v[i].consumed && keep_unknown(r, &r->set.v[i]) < 0)
      return -1;
  if (hvx_vm_validate(r->vm) < 0) {
    /* The file describes an impossible guest: malformed input. */
    char why[600];
    snprintf(why, sizeof why, "%s", hvx_error());
    return hvx_set_error(EBADMSG, "xl: %s: %s", r->src,
                         why + (strncmp(why, "vm: ", 4) ? 0 : 4));
  }
  return 0;
}

HVX_API hvx_vm *hvx_vm_from_xl(const char *data, size_t len,
                               const char *filename, hvx_report *report)
{
  struct reader r;
  int rc = -1;

  memset(&r, 0, sizeof r);
  r.src = filename ? filename : "xl.cfg";
  r.data = data;
  r.len = len;
  r.report = report;
  if (!data) {
    hvx_set_error(EINVAL, "xl: NULL config text");
    return NULL;
  }
  if (len > XL_MAX_CONFIG) {
    hvx_set_error(EFBIG, "xl: %s: %zu bytes is too big for an xl.cfg "
                  "(limit %u)", r.src, len, XL_MAX_CONFIG);
    return NULL;
  }
  /* libxlutil writes its complaints to a FILE: keep them in memory. */
  if (!(r.rep = open_memstream(&r.rep_buf, &r.rep_len))) {
    hvx_set_error(errno, "xl: cannot open a memory stream: %m");
    return NULL;
  }
  if (!(r.cfg = xlu_cfg_init(r.rep, r.src))) {
    hvx_set_error(ENOMEM, "xl: cannot set up libxlutil");
    goto out;
  }
  if (!(r.vm = hvx_vm_new()))
    goto out;
  rc = read_all(&r);
out:
  if (r.cfg)
    xlu_cfg_destroy(r.cfg);
  fclose(r.rep);
  free(r.rep_buf);
  free(r.vbds);
  xl_settings_free(&r.set);
  if (rc < 0) {
    hvx_vm_free(r.vm);
    return NULL;
  }
  return r.vm;
}

#else /* !HAVE_XEN */

HVX_API hvx_vm *hvx_vm_from_xl(const char *data, size_t len,
                               const char *filename, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xl: hvx was built without the Xen libraries "
                "(libxlutil), which read xl.cfg");
  return NULL;
}

#endif /* HAVE_XEN */

HVX_API hvx_vm *hvx_vm_from_xl_file(const char *path, hvx_report *report)
{
  struct hvx_file f;
  int64_t size;
  char *buf;
  hvx_vm *vm = NULL;

  if (!path) {
    hvx_set_error(EINVAL, "xl: NULL path");
    return NULL;
  }
  if (hvx_file_open(&f, path, false, false) < 0)
    return NULL;
  size = hvx_file_size(&f);
  if (size < 0) {
    hvx_file_close(&f);
    return NULL;
  }
  if ((uint64_t)size > XL_MAX_CONFIG) {
    hvx_file_close(&f);
    hvx_set_error(EFBIG, "xl: %s: %lld bytes is too big for an xl.cfg "
                  "(limit %u)", path, (long long)size, XL_MAX_CONFIG);
    return NULL;
  }
  if ((buf = hvx_malloc((size_t)size + 1, "an xl.cfg")) &&
      hvx_file_pread(&f, buf, (size_t)size, 0, "xl.cfg") == 0)
    vm = hvx_vm_from_xl(buf, (size_t)size, path, report);
  free(buf);
  hvx_file_close(&f);
  return vm;
}
