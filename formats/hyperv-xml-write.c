/* hvx - writing the Hyper-V XML virtual machine configuration (the
 * layout is described, with what was verified, in hyperv-xml-read.c).
 *
 * Hyper-V writes each element's children sorted by name (ASCII), the
 * device sections "_<instance GUID>_" first; so does this writer, so
 * that a file read and written again changes as little as possible.
 * Instance GUIDs the model does not carry (extras "hyperv.instance",
 * "hyperv.scsiN.instance") are derived from the guest's UUID, so the
 * same guest always gets the same ones. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hyperv-internal.h"
#include "strbuf.h"
#include "xml-util.h"

/* Integration components and platform devices every guest lists, with
 * the names Hyper-V gives them; written with their default settings. */
static const struct {
  const char *type, *name;
  int gen; /* 0: both generations, 1: Gen1 only */
} standard[] = {
  { "197f74e3-b84b-46de-8ae6-82f1cd181cdc", "Microsoft Synthetic Keyboard", 0 },
  { "2497f4de-e9fa-4204-80e4-4b75c46419c0",
    "Microsoft Time Synchronization Component", 0 },
  { "2a34b1c2-fd73-4043-8a5b-dd2159bc743f",
    "Microsoft Key-Value Pair Exchange Component", 0 },
  { "58f75a6d-d949-4320-99e1-a2a2576d581c", "Microsoft Synthetic Mouse", 0 },
  { "5ced1297-4598-4915-a5fc-ad21bb4d02a4", "Microsoft VSS Component", 0 },
  { "84eaae65-2f2e-45f5-9bb5-0e857dc8eb47", "Microsoft Heartbeat Component",
    0 },
  { "9f8233ac-be49-4c79-8ee3-e7e1985b2077", "Microsoft Shutdown Component",
    0 },
  { "f3cf6965-e8d3-44a9-9b7d-a04245ea7525", "Microsoft Synthetic Video", 0 },
};

struct section {
  char name[40];
  char *text;
};

struct writer {
  const hvx_vm *vm;
  hvx_report *r;
  int gen;
  struct section sec[32];
  size_t n_sec;
  struct hvx_buf manifest;
  unsigned n_vdev;
  bool failed;
};

static void upper(char *s)
{
  for (; *s; s++)
    if (*s >= 'a' && *s <= 'f')
      *s = (char)(*s - 'a' + 'A');
}

/* A name-based GUID for WHAT (e.g. "nic", 2) of this guest. */
static void derived_guid(const hvx_vm *vm, const char *what, unsigned idx,
                         char out[37])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char in[600];
  int n = snprintf(in, sizeof in, "hvx:%s:%s:%s:%u", vm->uuid ? vm->uuid : "",
                   vm->name ? vm->name : "", what, idx);

  if (n < 0 || !EVP_Digest(in, (size_t)n, md, &mdlen, EVP_sha1(), NULL))
    memset(md, 0x5a, sizeof md);
  md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
  md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4],
           md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
           md[13], md[14], md[15]);
}

static bool guid_ok(const char *s)
{
  if (!s || strlen(s) != 36)
    return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                            (c >= 'A' && c <= 'F')))
      return false;
  }
  return true;
}

/* X is the instance GUID the writer gives a singleton device (the
 * emulated controllers, the BIOS, the integration components). */
static bool singleton_instance(const char *x)
{
  static const char *const fixed[] = {
    HV_VDEV_IDE, HV_VDEV_FLOPPY, HV_VDEV_SERIAL, HV_VDEV_BIOS,
  };

  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (strcasecmp(x, fixed[i]) == 0)
      return true;
  for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++)
    if (strcasecmp(x, standard[i].type) == 0)
      return true;
  return false;
}

/* X is the instance of a device already written. */
static bool written_instance(const struct writer *w, const char *x)
{
  for (size_t k = 0; k < w->n_sec; k++)
    if (strncasecmp(w->sec[k].name + 1, x, 36) == 0)
      return true;
  return false;
}

/* X is an instance GUID the guest keeps for one of its devices. */
static bool kept_instance(const hvx_vm *vm, const char *x)
{
  int n = hvx_vm_extra_count(vm, HVX_OBJECT_GUEST, 0);

  for (int j = 0; j < n; j++) {
    const char *k = hvx_vm_extra_key(vm, HVX_OBJECT_GUEST, 0, (size_t)j);
    if (strncmp(k, "hyperv.scsi", 11) == 0 && strstr(k, ".instance") &&
        strcasecmp(hvx_vm_extra_value(vm, HVX_OBJECT_GUEST, 0, (size_t)j),
                   x) == 0)
      return true;
  }
  for (size_t i = 0; i < vm->n_nics; i++) {
    const char *v = hvx_vm_extra(vm, HVX_OBJECT_NIC, i, "hyperv.instance");
    if (v && strcasecmp(v, x) == 0)
      return true;
  }
  return false;
}

/* Instance GUID from extra KEY of an object, else derived.  Instances
 * must be unique in the file (found by fuzzing: a kept GUID equal to a
 * singleton's, or to one derived for another device, was written
 * twice): a kept GUID already in use is not kept, and a derived one
 * avoids every GUID in use or kept. */
static void instance_guid(const struct writer *w, int object, size_t index,
                          const char *key, const char *what, unsigned idx,
                          char out[37])
{
  const hvx_vm *vm = w->vm;
  const char *x = hvx_vm_extra(vm, object, index, key);

  if (guid_ok(x) && !singleton_instance(x) && !written_instance(w, x)) {
    for (size_t i = 0; i < 37; i++)
      out[i] = (char)(x[i] >= 'A' && x[i] <= 'F' ? x[i] - 'A' + 'a' : x[i]);
    return;
  }
  derived_guid(vm, what, idx, out);
  for (unsigned salt = 1; salt < 64 && (singleton_instance(out) ||
                                        written_instance(w, out) ||
                                        kept_instance(vm, out)); salt++) {
    char salted[48];
    snprintf(salted, sizeof salted, "%s#%u", what, salt);
    derived_guid(vm, salted, idx, out);
  }
}

/* ---- typed elements ------------------------------------------------------ */

static void el_str(struct hvx_buf *b, int ind, const char *name,
                   const char *v)
{
  hvx_buf_printf(b, "%*s<%s type=\"string\">", ind, "", name);
  hvx_buf_xml(b, v ? v : "");
  hvx_buf_printf(b, "</%s>\n", name);
}

static void el_int(struct hvx_buf *b, int ind, const char *name, uint64_t v)
{
  hvx_buf_printf(b, "%*s<%s type=\"integer\">%" PRIu64 "</%s>\n", ind, "",
                 name, v, name);
}

static void el_bool(struct hvx_buf *b, int ind, const char *name, bool v)
{
  hvx_buf_printf(b, "%*s<%s type=\"bool\">%s</%s>\n", ind, "", name,
                 v ? "True" : "False", name);
}

static void open_el(struct hvx_buf *b, int ind, const char *name)
{
  hvx_buf_printf(b, "%*s<%s>\n", ind, "", name);
}

static void close_el(struct hvx_buf *b, int ind, const char *name)
{
  hvx_buf_printf(b, "%*s</%s>\n", ind, "", name);
}

/* Start a device: its manifest entry, and a section buffer. */
static void add_vdev(struct writer *w, const char *type, const char *inst,
                     const char *name)
{
  char upper_inst[37];

  snprintf(upper_inst, sizeof upper_inst, "%s", inst);
  upper(upper_inst);
  hvx_buf_printf(&w->manifest, "    <vdev%03u>\n", ++w->n_vdev);
  el_str(&w->manifest, 6, "device", type);
  el_int(&w->manifest, 6, "flags", 1);
  el_str(&w->manifest, 6, "instance", upper_inst);
  el_str(&w->manifest, 6, "name", name);
  hvx_buf_printf(&w->manifest, "    </vdev%03u>\n", w->n_vdev);
}

static void add_section(struct writer *w, const char *inst,
                        struct hvx_buf *body)
{
  char *text = hvx_buf_finish(body);

  if (!text || w->n_sec >= sizeof w->sec / sizeof w->sec[0]) {
    free(text);
    w->failed = true;
    return;
  }
  snprintf(w->sec[w->n_sec].name, sizeof w->sec[0].name, "_%s_", inst);
  w->sec[w->n_sec++].text = text;
}

static int loss(struct writer *w, const char *subject, const char *fmt,
                ...) HVX_PRINTF(3, 4);
static int loss(struct writer *w, const char *subject, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!w->r)
    return 0;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hvx_report_add(w->r, HVX_SEVERITY_LOSS, subject, msg, NULL) < 0
           ? -1 : 0;
}

/* ---- devices ------------------------------------------------------------- */

static void drive(struct writer *w, struct hvx_buf *b, const hvx_vm *vm,
                  size_t i, unsigned slot)
{
  const struct hvx_vm_disk *d = i < vm->n_disks ? &vm->disks[i] : NULL;
  char subject[300];

  hvx_buf_printf(b, "      <drive%u>\n", slot);
  el_str(b, 8, "pathname", d && d->path ? d->path : "");
  el_str(b, 8, "type", !d ? "NONE" : d->bus == HVX_BUS_FLOPPY ? "VFD" :
         d->cdrom ? "ISO" : "VHD");
  hvx_buf_printf(b, "      </drive%u>\n", slot);
  if (d && d->path && !hvx_is_windows_path(d->path) &&
      hvx_report_addf(w->r, HVX_SEVERITY_WARNING,
                      hvx_disk_subject(vm, i, subject, sizeof subject),
                      "edit the pathname after copying the image to the "
                      "Hyper-V host", "image path %s is not a Windows path",
                      d->path) < 0)
    w->failed = true;
  if (d && d->readonly && !d->cdrom &&
      loss(w, hvx_disk_subject(vm, i, subject, sizeof subject),
           "read-only attachment of %s is not kept (Hyper-V has none)",
           d->path) < 0)
    w->failed = true;
}

static size_t disk_at(const hvx_vm *vm, int bus, unsigned c, unsigned s)
{
  for (size_t i = 0; i < vm->n_disks; i++)
    if (vm->disks[i].bus == bus && vm->disks[i].controller == c &&
        vm->disks[i].slot == s)
      return i;
  return SIZE_MAX;
}

static void storage(struct writer *w)
{
  const hvx_vm *vm = w->vm;
  unsigned n_scsi = 0;

  if (w->gen == 1) {
    struct hvx_buf b = HVX_BUF_INIT;
    add_vdev(w, HV_VDEV_IDE, HV_VDEV_IDE, "Microsoft Emulated IDE "
             "Controller");
    el_int(&b, 4, "VDEVVersion", 1280);
    for (unsigned c = 0; c < HVX_HYPERV_IDE_CONTROLLERS; c++) {
      hvx_buf_printf(&b, "    <controller%u>\n", c);
      for (unsigned s = 0; s < HVX_HYPERV_IDE_LOCATIONS; s++)
        drive(w, &b, vm, disk_at(vm, HVX_BUS_IDE, c, s), s);
      hvx_buf_printf(&b, "    </controller%u>\n", c);
    }
    add_section(w, HV_VDEV_IDE, &b);
  }
  for (size_t i = 0; i < vm->n_disks; i++)
    if (vm->disks[i].bus == HVX_BUS_SCSI &&
        vm->disks[i].controller + 1 > n_scsi)
      n_scsi = vm->disks[i].controller + 1;
  /* Gen2 always has the SCSI controller its boot disk would be on. */
  if (!n_scsi && w->gen == 2)
    n_scsi = 1;
  /* A controller the guest was read with is written even when it holds
   * no drive: dropping it lost the device silently (found by fuzzing:
   * hyperv.scsiN.instance vanished on a round trip). */
  for (unsigned c = n_scsi; c < HVX_HYPERV_SCSI_CONTROLLERS; c++) {
    char key[40];
    snprintf(key, sizeof key, "hyperv.scsi%u.instance", c);
    if (guid_ok(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, key)))
      n_scsi = c + 1;
  }
  for (unsigned c = 0; c < n_scsi; c++) {
    struct hvx_buf b = HVX_BUF_INIT;
    char key[40], inst[37], braced[40];
    snprintf(key, sizeof key, "hyperv.scsi%u.instance", c);
    instance_guid(w, HVX_OBJECT_GUEST, 0, key, "scsi", c, inst);
    add_vdev(w, HV_VDEV_SCSI, inst, "Synthetic SCSI Controller");
    snprintf(braced, sizeof braced, "{%s}", inst);
    el_str(&b, 4, "ChannelInstanceGuid", braced);
    el_int(&b, 4, "VDEVVersion", 256);
    hvx_buf_add(&b, "    <controller0>\n");
    for (unsigned s = 0; s < HVX_HYPERV_SCSI_LOCATIONS; s++) {
      size_t i = disk_at(vm, HVX_BUS_SCSI, c, s);
      if (i != SIZE_MAX)
        drive(w, &b, vm, i, s);
    }
    hvx_buf_add(&b, "    </controller0>\n");
    add_section(w, inst, &b);
  }
  if (w->gen == 1) {
    size_t f = disk_at(vm, HVX_BUS_FLOPPY, 0, 0);
    struct hvx_buf b = HVX_BUF_INIT;
    add_vdev(w, HV_VDEV_FLOPPY, HV_VDEV_FLOPPY, "Microsoft Emulated Floppy "
             "Controller");
    el_int(&b, 4, "VDEVVersion", 256);
    hvx_buf_add(&b, "    <controller0>\n      <drive0>\n");
    el_str(&b, 8, "pathname", f != SIZE_MAX && vm->disks[f].path ?
           vm->disks[f].path : "");
    el_str(&b, 8, "type", "VFD");
    hvx_buf_add(&b, "      </drive0>\n    </controller0>\n");
    add_section(w, HV_VDEV_FLOPPY, &b);
  }
}

static void nics(struct writer *w)
{
  const hvx_vm *vm = w->vm;

  for (size_t i = 0; i < vm->n_nics; i++) {
    const struct hvx_vm_nic *n = &vm->nics[i];
    const char *swid = hvx_vm_extra(vm, HVX_OBJECT_NIC, i,
                                    "hyperv.switch_id");
    struct hvx_buf b = HVX_BUF_INIT;
    char inst[37], braced[40], mac[18] = "", subject[32];
    instance_guid(w, HVX_OBJECT_NIC, i, "hyperv.instance", "nic",
                  (unsigned)i, inst);
    add_vdev(w, HV_VDEV_NIC, inst, "Synthetic Ethernet Port");
    snprintf(braced, sizeof braced, "{%s}", inst);
    if (n->mac) {
      for (size_t k = 0; k < 17; k++)
        mac[k] = n->mac[k] == ':' ? '-' : n->mac[k];
      mac[17] = '\0';
      upper(mac);
    }
    el_str(&b, 4, "ChannelInstanceGuid", braced);
    open_el(&b, 4, "Connection");
    el_str(&b, 6, "AltSwitchName", n->network);
    close_el(&b, 4, "Connection");
    el_str(&b, 4, "FriendlyName", "Network Adapter");
    el_bool(&b, 4, "IsConnected", n->network != NULL);
    el_str(&b, 4, "MacAddress", mac);
    el_bool(&b, 4, "MacAddressIsStatic",
            n->mac && !hvx_vm_extra(vm, HVX_OBJECT_NIC, i,
                                    "hyperv.mac_dynamic"));
    el_str(&b, 4, "SwitchName", swid ? swid : "");
    el_int(&b, 4, "VDEVVersion", 256);
    add_section(w, inst, &b);
    snprintf(subject, sizeof subject, "nic %zu", i);
    if (n->model && strcmp(n->model, "netvsc") != 0 &&
        hvx_report_addf(w->r, HVX_SEVERITY_INFO, subject, NULL, "the %s "
                        "adapter is written as a synthetic network adapter",
                        n->model) < 0)
      w->failed = true;
  }
}

static void platform(struct writer *w)
{
  const hvx_vm *vm = w->vm;
  struct hvx_buf b = HVX_BUF_INIT;
  static const char letters[] = "dcna";
  static const char *const names[] = { "Optical", "HardDrive", "Network",
                                       "Floppy" };

  add_vdev(w, HV_VDEV_SERIAL, HV_VDEV_SERIAL, "Microsoft Emulated Serial "
           "Controller");
  el_int(&b, 4, "VDEVVersion", 512);
  for (size_t p = 0; p < 2; p++) {
    const char *t = p < vm->n_serials ? vm->serials[p].target : NULL;
    hvx_buf_printf(&b, "    <port%zu>\n", p);
    el_str(&b, 6, "connection", t && strncmp(t, "pipe:", 5) == 0 ? t + 5 :
           "");
    hvx_buf_printf(&b, "    </port%zu>\n", p);
    if (t && strncmp(t, "pipe:", 5) != 0 && strcmp(t, "none") != 0 &&
        loss(w, "serial", "COM port target '%s' is not a named pipe: the "
             "port is written unconnected", t) < 0)
      w->failed = true;
  }
  add_section(w, HV_VDEV_SERIAL, &b);

  add_vdev(w, HV_VDEV_BIOS, HV_VDEV_BIOS, "Microsoft Virtual BIOS");
  el_int(&b, 4, "VDEVVersion", 512);
  /* Hyper-V lists all four device kinds: a partial order is completed
   * in its default order (CD, IDE, network, floppy). */
  if (w->gen == 1 && vm->boot_order) {
    const char *order = vm->boot_order;
    char all[8];
    size_t n = 0;
    for (const char *p = order; *p; p++)
      all[n++] = *p;
    for (const char *p = letters; *p; p++)
      if (!strchr(order, *p))
        all[n++] = *p;
    open_el(&b, 4, "boot");
    for (size_t k = 0; k < n; k++) {
      char name[16];
      snprintf(name, sizeof name, "device%zu", k);
      el_str(&b, 6, name, names[strchr(letters, all[k]) - letters]);
    }
    close_el(&b, 4, "boot");
  } else if (vm->boot_order &&
             loss(w, "boot order", "boot order '%s' is not written for "
                  "Generation 2 (set it with Set-VMFirmware)",
                  vm->boot_order) < 0) {
    w->failed = true;
  }
  el_bool(&b, 4, "num_lock", false);
  el_bool(&b, 4, "secure_boot_enabled", w->gen == 2 && vm->secure_boot);
  add_section(w, HV_VDEV_BIOS, &b);

  for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
    struct hvx_buf s = HVX_BUF_INIT;
    add_vdev(w, standard[i].type, standard[i].type, standard[i].name);
    el_int(&s, 4, "VDEVVersion", 256);
    add_section(w, standard[i].type, &s);
  }
}

/* What the format cannot hold. */
static int report_losses(struct writer *w)
{
  const hvx_vm *vm = w->vm;

  if ((vm->kernel && loss(w, "kernel", "direct kernel boot (%s) is not "
                          "written", vm->kernel) < 0) ||
      (vm->bootloader && loss(w, "bootloader", "bootloader %s is not "
                              "written", vm->bootloader) < 0) ||
      (vm->cmdline && loss(w, "cmdline", "kernel command line '%s' is not "
                           "written", vm->cmdline) < 0))
    return -1;
  for (int e = 0; e < HVX_VM_N_EVENTS; e++)
    if (vm->actions[e] &&
        loss(w, hvx_event_name(e), "action %s is not written",
             hvx_action_name(vm->actions[e])) < 0)
      return -1;
  if (vm->max_vcpus > vm->vcpus &&
      hvx_report_addf(w->r, HVX_SEVERITY_LOSS, "maxvcpus", NULL, "maximum "
                      "vCPUs %u is not written", vm->max_vcpus) < 0)
    return -1;
  if (vm->xen_platform &&
      loss(w, "enlightenments", "%s is not written (Hyper-V has no Xen "
           "platform device)", "xen_platform") < 0)
    return -1;
  for (size_t j = 0; j < vm->extras.n; j++)
    if (!hvx_extra_is(vm->extras.v[j].key, "hyperv.") &&
        !hvx_extra_is(vm->extras.v[j].key, "hvx.") &&
        loss(w, "guest", "%s is not written", vm->extras.v[j].key) < 0)
      return -1;
  return 0;
}

static int cmp_section(const void *a, const void *b)
{
  return strcmp(((const struct section *)a)->name,
                ((const struct section *)b)->name);
}

/* UTF-8 text to UTF-16LE with a BOM and CRLF line ends. */
static int to_utf16(const char *s, char **out, size_t *len)
{
  size_t n = strlen(s), cap = 2 + 4 * n + 4, o = 0;
  unsigned char *u = hvx_malloc(cap, "UTF-16 text");

  if (!u)
    return -1;
  u[o++] = 0xff;
  u[o++] = 0xfe;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    uint32_t cp;
    size_t k;
    if (c < 0x80) { cp = c; k = 1; }
    else if (c < 0xe0) { cp = c & 0x1f; k = 2; }
    else if (c < 0xf0) { cp = c & 0x0f; k = 3; }
    else { cp = c & 0x07; k = 4; }
    for (size_t j = 1; j < k && i + j < n; j++)
      cp = cp << 6 | ((unsigned char)s[i + j] & 0x3f);
    i += k;
    if (cp == '\n') {
      u[o++] = '\r';
      u[o++] = 0;
    }
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000, hi = 0xd800 | (v >> 10),
               lo = 0xdc00 | (v & 0x3ff);
      u[o++] = (unsigned char)hi;
      u[o++] = (unsigned char)(hi >> 8);
      u[o++] = (unsigned char)lo;
      u[o++] = (unsigned char)(lo >> 8);
    } else {
      u[o++] = (unsigned char)cp;
      u[o++] = (unsigned char)(cp >> 8);
    }
  }
  u[o] = u[o + 1] = 0;
  *out = (char *)u;
  *len = o;
  return 0;
}

HVX_API int hvx_vm_to_hyperv_xml(const hvx_vm *vm, unsigned flags, char **out,
                                 size_t *len, hvx_report *r)
{
  struct writer w;
  struct hvx_buf b = HVX_BUF_INIT;
  char uuid[37], *text;
  int rc = -1;

  if (!out || !len)
    return hvx_set_error(EINVAL, "hyperv-xml: NULL output");
  *out = NULL;
  *len = 0;
  if (flags & ~HVX_HYPERV_XML_UTF16)
    return hvx_set_error(EINVAL, "hyperv-xml: unknown flags 0x%x", flags);
  memset(&w, 0, sizeof w);
  w.vm = vm;
  w.r = r;
  if ((w.gen = hvx_hyperv_check_layout(vm, "hyperv-xml")) < 0)
    return -1;
  if (vm->uuid) {
    snprintf(uuid, sizeof uuid, "%s", vm->uuid);
  } else {
    derived_guid(vm, "vm", 0, uuid);
    if (hvx_report_addf(r, HVX_SEVERITY_INFO, "uuid", NULL, "the guest has "
                        "no UUID: %s is derived from its name", uuid) < 0)
      return -1;
  }
  upper(uuid);
  if (report_losses(&w) < 0)
    return -1;
  hvx_buf_add(&w.manifest, "");
  storage(&w);
  nics(&w);
  platform(&w);
  if (w.failed)
    goto out;
  qsort(w.sec, w.n_sec, sizeof w.sec[0], cmp_section);

  hvx_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"%s\" "
                 "standalone=\"yes\"?>\n<configuration>\n",
                 flags & HVX_HYPERV_XML_UTF16 ? "UTF-16" : "UTF-8");
  for (size_t i = 0; i < w.n_sec; i++) {
    open_el(&b, 2, w.sec[i].name);
    hvx_buf_add(&b, w.sec[i].text);
    close_el(&b, 2, w.sec[i].name);
  }
  open_el(&b, 2, "manifest");
  el_int(&b, 4, "size", w.n_vdev);
  hvx_buf_add(&b, w.manifest.s ? w.manifest.s : "");
  el_int(&b, 4, "version", 260);
  close_el(&b, 2, "manifest");
  open_el(&b, 2, "properties");
  el_str(&b, 4, "global_id", uuid);
  el_str(&b, 4, "name", vm->name ? vm->name : "");
  el_str(&b, 4, "notes", "");
  el_int(&b, 4, "subtype", (uint64_t)(w.gen - 1));
  el_str(&b, 4, "type_id", "Virtual Machines");
  {
    uint64_t version = 1280; /* configuration version 5.0: 2012 R2 */
    const char *x = hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "hyperv.version");
    if (x)
      hvx_parse_u64(x, &version);
    el_int(&b, 4, "version", version);
  }
  close_el(&b, 2, "properties");
  open_el(&b, 2, "settings");
  open_el(&b, 4, "global");
  el_str(&b, 6, "logical_id", uuid);
  close_el(&b, 4, "global");
  {
    uint64_t size = vm->memory >> 20, min = size, v;
    const char *x = hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0,
                                 "hyperv.memory_minimum_mb");
    bool dynamic = vm->max_memory > vm->memory;
    if (dynamic && x && hvx_parse_u64(x, &v) == 0 && v && v <= size)
      min = v;
    hvx_buf_add(&b, "    <memory>\n      <bank>\n");
    el_bool(&b, 8, "dynamic_memory_enabled", dynamic);
    el_int(&b, 8, "limit", dynamic ? vm->max_memory >> 20 : 1048576);
    el_int(&b, 8, "reservation", min);
    el_int(&b, 8, "size", size);
    hvx_buf_add(&b, "      </bank>\n    </memory>\n");
  }
  open_el(&b, 4, "processors");
  el_int(&b, 6, "count", vm->vcpus ? vm->vcpus : 1);
  close_el(&b, 4, "processors");
  close_el(&b, 2, "settings");
  hvx_buf_add(&b, "</configuration>\n");
  if (!(text = hvx_buf_finish(&b)))
    goto out;
  if (flags & HVX_HYPERV_XML_UTF16) {
    rc = to_utf16(text, out, len);
    free(text);
  } else {
    *out = text;
    *len = strlen(text);
    rc = 0;
  }
out:
  if (rc < 0 && w.failed)
    hvx_set_error(ENOMEM, "hyperv-xml: out of memory");
  for (size_t i = 0; i < w.n_sec; i++)
    free(w.sec[i].text);
  hvx_buf_free(&w.manifest);
  hvx_buf_free(&b);
  return rc;
}
