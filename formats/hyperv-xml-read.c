/* hvx - reading the Hyper-V XML virtual machine configuration (Windows
 * Server 2008 R2 to 2012 R2; 2016 and later keep it in binary .vmcx).
 *
 * What the layout is, and how sure we are of it: every value is an
 * element with a type="string|integer|bool|bytes" attribute; containers
 * have none.  Verified against a Windows Server 2012 R2 Gen1 export
 * reproduced by a public packaging tool, Vagrant/Packer's generated
 * box.xml (subtype = generation - 1, memory sizes in MB), and public
 * loaders that read drives from the IDE section and the SCSI sections
 * alike (controllerN/driveN/{pathname,type}):
 *   properties/{name, global_id, subtype, version}
 *   settings/processors/count
 *   settings/memory/bank/{size, dynamic_memory_enabled, limit,
 *                         reservation}              (MB)
 *   manifest/vdevNNN/{device, instance, name}       device type GUIDs
 *   _<instance>_                                    one per device
 *     IDE (83f8638b-...): controller0..1/drive0..1/{pathname, type}
 *     SCSI (d422512d-..., one section per controller, named by its
 *       instance): ChannelInstanceGuid, controller0/drive0..63/...
 *     NIC (2fc216b0-...): MacAddress ("00-15-5D-01-07-DC"),
 *       MacAddressIsStatic, Connection/AltSwitchName, SwitchName
 *     COM ports (8e3a359f-...): port0..1/connection (named pipe)
 *     BIOS (ac6b8dc1-...): boot/device0..3, secure_boot_enabled
 *     floppy (8f0d2762-...): controller0/drive0/pathname
 *   drive types: VHD (hard disk), ISO (DVD drive, empty pathname = no
 *   medium), NONE (nothing attached), VFD (floppy).
 * Not verified: the drive type of a pass-through disk (refused, as is
 * any other type), the Gen2 boot entries (ignored, reported). */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hyperv-internal.h"
#include "xml-util.h"

struct reader {
  const char *file;
  hvx_vm *vm;
  hvx_report *r;
};

/* Fail at node N: "hyperv-xml: FILE:LINE: /path: MESSAGE". */
#define bad(rd, n, err, ...) \
  hvx_xml_error("hyperv-xml", (rd)->file, (n), (err), __VA_ARGS__)

/* A model setter failed on the value at N: same error as EBADMSG with
 * the location in front. */
static int bad_value(struct reader *rd, const xmlNode *n)
{
  char msg[512];

  snprintf(msg, sizeof msg, "%s", hvx_error());
  return bad(rd, n, hvx_errno() == EFBIG ? EFBIG : EBADMSG, "%s", msg);
}

/* ---- typed values ------------------------------------------------------ */

static const char *type_of(const xmlNode *n)
{
  static char buf[32];
  xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");

  if (!t)
    return NULL;
  snprintf(buf, sizeof buf, "%s", (const char *)t);
  xmlFree(t);
  return buf;
}

static bool has_element_child(const xmlNode *n)
{
  for (xmlNodePtr c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return true;
  return false;
}

/* Every typed element holds a value of its type and no elements. */
static int check_values(struct reader *rd, const xmlNode *n, int depth)
{
  for (; n; n = n->next) {
    char *text;
    const char *t;
    int rc = 0;

    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (depth > 64)
      return bad(rd, n, EBADMSG, "nested more than 64 deep");
    if (!(t = type_of(n))) {
      if (check_values(rd, n->children, depth + 1) < 0)
        return -1;
      continue;
    }
    if (has_element_child(n))
      return bad(rd, n, EBADMSG, "a value of type %s holds elements", t);
    if (strcmp(t, "string") == 0 || strcmp(t, "bytes") == 0)
      continue;
    if (!(text = hvx_xml_text(n)))
      return -1;
    if (strcmp(t, "integer") == 0) {
      const char *p = text + (text[0] == '-');
      uint64_t v;
      if (hvx_xml_parse_uint(p, UINT64_MAX, &v) < 0)
        rc = bad(rd, n, EBADMSG, "integer value '%.40s' is not a decimal "
                 "number", text);
    } else if (strcmp(t, "bool") == 0 || strcmp(t, "boolean") == 0) {
      if (strcasecmp(text, "true") != 0 && strcasecmp(text, "false") != 0)
        rc = bad(rd, n, EBADMSG, "bool value '%.40s' is not True or False",
                 text);
    } else {
      rc = bad(rd, n, EBADMSG, "unknown value type '%.32s' (expected "
               "string, integer, bool or bytes)", t);
    }
    free(text);
    if (rc < 0)
      return -1;
  }
  return 0;
}

/* The element at relative PATH ("a/b") under N; section names compare
 * without case since Hyper-V writes GUIDs in either. */
static xmlNodePtr find(const xmlNode *n, const char *path)
{
  char part[128];

  while (n && *path) {
    size_t len = strcspn(path, "/");
    xmlNodePtr c;
    snprintf(part, sizeof part, "%.*s", (int)len, path);
    for (c = n->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE &&
          strcasecmp((const char *)c->name, part) == 0)
        break;
    n = c;
    path += len + (path[len] == '/');
  }
  return (xmlNodePtr)n;
}

/* String at PATH under N into *OUT (caller frees; NULL if absent). */
static int get_string(struct reader *rd, const xmlNode *n, const char *path,
                      char **out, xmlNodePtr *where)
{
  xmlNodePtr e = find(n, path);
  const char *t;

  *out = NULL;
  if (where)
    *where = e;
  if (!e)
    return 0;
  t = type_of(e);
  if (!t || strcmp(t, "string") != 0)
    return bad(rd, e, EBADMSG, "expected a value of type string, found %s",
               t ? t : "a container");
  return (*out = hvx_xml_text(e)) ? 0 : -1;
}

/* Unsigned integer at PATH (at most MAX); *PRESENT says if it was. */
static int get_uint(struct reader *rd, const xmlNode *n, const char *path,
                    uint64_t max, uint64_t *out, bool *present)
{
  xmlNodePtr e = find(n, path);
  const char *t;
  char *text;
  int rc = 0;

  *present = false;
  if (!e)
    return 0;
  t = type_of(e);
  if (!t || strcmp(t, "integer") != 0)
    return bad(rd, e, EBADMSG, "expected a value of type integer, found %s",
               t ? t : "a container");
  if (!(text = hvx_xml_text(e)))
    return -1;
  if (hvx_xml_parse_uint(text, max, out) < 0)
    rc = bad(rd, e, text[0] == '-' ? EBADMSG : EFBIG, "%.40s is %s", text,
             text[0] == '-' ? "negative" : "out of range");
  free(text);
  *present = rc == 0;
  return rc;
}

static int get_bool(struct reader *rd, const xmlNode *n, const char *path,
                    bool *out)
{
  xmlNodePtr e = find(n, path);
  const char *t;
  char *text;

  *out = false;
  if (!e)
    return 0;
  t = type_of(e);
  if (!t || (strcmp(t, "bool") != 0 && strcmp(t, "boolean") != 0))
    return bad(rd, e, EBADMSG, "expected a value of type bool, found %s",
               t ? t : "a container");
  if (!(text = hvx_xml_text(e)))
    return -1;
  *out = strcasecmp(text, "true") == 0;
  free(text);
  return 0;
}

/* GUID text ("{...}" or bare) into canonical lower case OUT[37]. */
static bool parse_guid(const char *s, char out[37])
{
  size_t len = strlen(s);

  if (len == 38 && s[0] == '{' && s[37] == '}') {
    s++;
    len = 36;
  }
  if (len != 36)
    return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
      return false;
    out[i] = (char)tolower((unsigned char)s[i]);
  }
  out[36] = '\0';
  return true;
}

/* The number after PREFIX in element name NAME ("drive12" -> 12), or -1. */
static long indexed(const xmlNode *n, const char *prefix)
{
  const char *name = (const char *)n->name;
  size_t pl = strlen(prefix);
  uint64_t v;

  if (n->type != XML_ELEMENT_NODE || strncmp(name, prefix, pl) != 0 ||
      hvx_xml_parse_uint(name + pl, 9999, &v) < 0)
    return -1;
  return (long)v;
}

/* ---- devices ----------------------------------------------------------- */

enum dev_kind { DEV_OTHER, DEV_IDE, DEV_SCSI, DEV_NIC, DEV_SERIAL, DEV_BIOS,
                DEV_FLOPPY, DEV_BENIGN };

struct device {
  char type[37], instance[37];
  char *name;
  xmlNodePtr section;
  int kind;
};

/* Devices every guest has, which carry nothing the model keeps. */
static const char *const benign[] = {
  "197f74e3-b84b-46de-8ae6-82f1cd181cdc", /* synthetic keyboard */
  "2497f4de-e9fa-4204-80e4-4b75c46419c0", /* time synchronization */
  "2a34b1c2-fd73-4043-8a5b-dd2159bc743f", /* key-value pair exchange */
  "58f75a6d-d949-4320-99e1-a2a2576d581c", /* synthetic mouse */
  "5ced1297-4598-4915-a5fc-ad21bb4d02a4", /* VSS */
  "655bc5c5-a784-46b7-81bc-e26328f7eb0e", /* emulated i8042 */
  "6c09bb55-d683-4da0-8931-c9bf705f6480", /* guest service interface */
  "6c5addb9-a11a-4e8e-84cb-e6208201db63", /* RDV */
  "7d80d3db-61ee-4879-8879-5609f1100ad0", /* emulated S3 video */
  "84eaae65-2f2e-45f5-9bb5-0e857dc8eb47", /* heartbeat */
  "9f8233ac-be49-4c79-8ee3-e7e1985b2077", /* shutdown */
  "bc12c717-8898-4688-8ee4-2cd14894f8ea", /* activation */
  "de6cdc86-e1fb-4940-801b-c3c1a26c4da4", /* input management */
  "e51b7ef6-4a7f-4780-aaae-d4b291aacd2e", /* emulated RTC */
  "f3cf6965-e8d3-44a9-9b7d-a04245ea7525", /* synthetic video */
  "e3c82929-edb4-475e-85a4-29aaa2a30c2d", /* dynamic memory */
  "d41a1872-3740-41ce-a1ee-4522ab82f991", /* VMBus */
  NULL,
};

static int kind_of_type(const char *type)
{
  if (strcmp(type, HV_VDEV_IDE) == 0) return DEV_IDE;
  if (strcmp(type, HV_VDEV_SCSI) == 0) return DEV_SCSI;
  if (strcmp(type, HV_VDEV_NIC) == 0) return DEV_NIC;
  if (strcmp(type, HV_VDEV_SERIAL) == 0) return DEV_SERIAL;
  if (strcmp(type, HV_VDEV_BIOS) == 0) return DEV_BIOS;
  if (strcmp(type, HV_VDEV_FLOPPY) == 0) return DEV_FLOPPY;
  for (size_t i = 0; benign[i]; i++)
    if (strcmp(type, benign[i]) == 0)
      return DEV_BENIGN;
  return DEV_OTHER;
}

/* The "_GUID_" section for INSTANCE at the top level, or NULL. */
static xmlNodePtr section_for(const xmlNode *root, const char *instance)
{
  char name[40];

  snprintf(name, sizeof name, "_%s_", instance);
  return find(root, name);
}

static void free_devices(struct device *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(d[i].name);
  free(d);
}

/* Devices from the manifest, in its order; then sections the manifest
 * does not list, recognised by name or content. */
static int list_devices(struct reader *rd, const xmlNode *root,
                        struct device **out, size_t *count)
{
  xmlNodePtr manifest = find(root, "manifest");
  struct device *v = NULL;
  size_t n = 0, cap = 0;

  for (int pass = 0; pass < 2; pass++) {
    const xmlNode *parent = pass ? root : manifest;
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
      struct device d;
      char *s = NULL;
      memset(&d, 0, sizeof d);
      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (pass == 0) {
        xmlNodePtr where;
        if (indexed(c, "vdev") < 0)
          continue;
        if (get_string(rd, c, "device", &s, &where) < 0)
          goto fail;
        if (!s || !parse_guid(s, d.type)) {
          free(s);
          bad(rd, where ? where : c, EBADMSG, "missing or malformed device "
              "type GUID");
          goto fail;
        }
        free(s);
        if (get_string(rd, c, "instance", &s, &where) < 0)
          goto fail;
        if (!s || !parse_guid(s, d.instance)) {
          free(s);
          bad(rd, where ? where : c, EBADMSG, "missing or malformed device "
              "instance GUID");
          goto fail;
        }
        free(s);
        /* A singleton device's instance GUID is its type GUID (see the
         * second pass); another device with that instance would be
         * taken for it, and written twice. */
        if (kind_of_type(d.instance) != DEV_OTHER &&
            strcmp(d.instance, d.type) != 0) {
          bad(rd, where ? where : c, EBADMSG, "device instance %s is the "
              "type GUID of another kind of device", d.instance);
          goto fail;
        }
        if (get_string(rd, c, "name", &d.name, NULL) < 0)
          goto fail;
        d.section = section_for(root, d.instance);
        d.kind = kind_of_type(d.type);
      } else {
        const char *name = (const char *)c->name;
        char guid[40];
        bool listed = false;
        if (strlen(name) != 38 || name[0] != '_' || name[37] != '_')
          continue;
        snprintf(guid, sizeof guid, "%.36s", name + 1);
        if (!parse_guid(guid, d.instance))
          continue;
        for (size_t k = 0; k < n; k++)
          if (strcmp(v[k].instance, d.instance) == 0)
            listed = true;
        if (listed)
          continue;
        d.section = c;
        d.kind = kind_of_type(d.instance);
        memcpy(d.type, d.instance, sizeof d.type);
        if (d.kind == DEV_OTHER && find(c, "MacAddress"))
          d.kind = DEV_NIC;
        else if (d.kind == DEV_OTHER && find(c, "controller0") &&
                 find(c, "ChannelInstanceGuid"))
          d.kind = DEV_SCSI;
      }
      for (size_t k = 0; k < n; k++)
        if (strcmp(v[k].instance, d.instance) == 0) {
          free(d.name);
          bad(rd, c, EBADMSG, "device instance %s is listed twice",
              d.instance);
          goto fail;
        }
      if (n == cap) {
        size_t nc = cap ? cap * 2 : 16;
        struct device *nv;
        if (nc > 4096 || !(nv = realloc(v, nc * sizeof *nv))) {
          free(d.name);
          if (nc > 4096)
            bad(rd, c, EFBIG, "more than 4096 devices");
          else
            hvx_set_error(ENOMEM, "hyperv-xml: cannot list devices");
          goto fail;
        }
        v = nv;
        cap = nc;
      }
      v[n++] = d;
    }
  }
  *out = v;
  *count = n;
  return 0;
fail:
  free_devices(v, n);
  return -1;
}

/* ---- drives ------------------------------------------------------------ */

static const char *format_from_path(const char *path)
{
  const char *dot = strrchr(hvx_path_basename(path), '.');

  if (!dot)
    return NULL;
  if (strcasecmp(dot, ".vhdx") == 0 || strcasecmp(dot, ".avhdx") == 0)
    return "vhdx";
  if (strcasecmp(dot, ".vhd") == 0 || strcasecmp(dot, ".avhd") == 0)
    return "vhd";
  if (strcasecmp(dot, ".iso") == 0 || strcasecmp(dot, ".vfd") == 0)
    return "raw";
  return NULL;
}

static int read_drive(struct reader *rd, xmlNodePtr drive, int bus,
                      unsigned controller, unsigned slot)
{
  char *type = NULL, *path = NULL;
  xmlNodePtr where;
  int i, rc = -1;
  hvx_vm *vm = rd->vm;

  if (get_string(rd, drive, "type", &type, &where) < 0 ||
      get_string(rd, drive, "pathname", &path, NULL) < 0)
    goto out;
  if (!type) {
    bad(rd, drive, EBADMSG, "drive without a type");
    goto out;
  }
  if (strcasecmp(type, "NONE") == 0 || strcmp(type, "") == 0) {
    rc = 0;
    goto out;
  }
  if (strcasecmp(type, "VHD") != 0 && strcasecmp(type, "ISO") != 0 &&
      !(bus == HVX_BUS_FLOPPY && strcasecmp(type, "VFD") == 0)) {
    bad(rd, where, ENOTSUP, "drive type '%.32s' is not supported (hvx "
        "carries VHD, ISO%s and NONE; pass-through disks are not)", type,
        bus == HVX_BUS_FLOPPY ? ", VFD" : "");
    goto out;
  }
  if (bus == HVX_BUS_FLOPPY && (!path || !*path)) {
    rc = 0; /* an empty floppy drive: nothing to carry */
    goto out;
  }
  if (strcasecmp(type, "VHD") == 0 && (!path || !*path)) {
    bad(rd, drive, EBADMSG, "a hard disk drive without a pathname");
    goto out;
  }
  for (size_t k = 0; k < vm->n_disks; k++)
    if (vm->disks[k].bus == bus && vm->disks[k].controller == controller &&
        vm->disks[k].slot == slot) {
      bad(rd, drive, EBADMSG, "a second drive at %s %u:%u",
          hvx_bus_name(bus), controller, slot);
      goto out;
    }
  if ((i = hvx_vm_add_disk(vm)) < 0)
    goto out;
  if (hvx_vm_disk_set_address(vm, (size_t)i, bus, controller, slot, 0) < 0 ||
      hvx_vm_disk_set_cdrom(vm, (size_t)i, strcasecmp(type, "ISO") == 0) < 0 ||
      hvx_vm_disk_set_path(vm, (size_t)i, path && *path ? path : NULL) < 0 ||
      (path && *path &&
       hvx_vm_disk_set_format(vm, (size_t)i, format_from_path(path)) < 0)) {
    bad_value(rd, drive);
    goto out;
  }
  rc = 0;
out:
  free(type);
  free(path);
  return rc;
}

/* controllerN/driveM of a drive section; N below MAXC, M below MAXD. */
static int read_controllers(struct reader *rd, xmlNodePtr sec, int bus,
                            unsigned base, unsigned maxc, unsigned maxd)
{
  bool seen_c[4] = { false };

  for (xmlNodePtr c = sec->children; c; c = c->next) {
    long ci = indexed(c, "controller");
    bool seen_d[64] = { false };
    if (ci < 0)
      continue;
    if ((unsigned long)ci >= maxc)
      return bad(rd, c, EBADMSG, "controller%ld: this controller has %s",
                 ci, maxc == 1 ? "only controller0" :
                 "controller0 and controller1 only");
    if (seen_c[ci])
      return bad(rd, c, EBADMSG, "controller%ld appears twice", ci);
    seen_c[ci] = true;
    for (xmlNodePtr d = c->children; d; d = d->next) {
      long di = indexed(d, "drive");
      if (di < 0)
        continue;
      if ((unsigned long)di >= maxd)
        return bad(rd, d, EBADMSG, "drive%ld: locations go up to %u", di,
                   maxd - 1);
      if (seen_d[di])
        return bad(rd, d, EBADMSG, "drive%ld appears twice", di);
      seen_d[di] = true;
      if (read_drive(rd, d, bus, base + (unsigned)ci, (unsigned)di) < 0)
        return -1;
    }
  }
  return 0;
}

/* ---- NICs, COM ports, BIOS ----------------------------------------------- */

static int read_nic(struct reader *rd, const struct device *dev)
{
  xmlNodePtr sec = dev->section, where;
  char *mac = NULL, *sw = NULL, *swid = NULL;
  bool is_static;
  int i, rc = -1;
  char subject[32];

  if ((i = hvx_vm_add_nic(rd->vm)) < 0)
    return -1;
  snprintf(subject, sizeof subject, "nic %d", i);
  if (get_string(rd, sec, "MacAddress", &mac, &where) < 0 ||
      get_string(rd, sec, "Connection/AltSwitchName", &sw, NULL) < 0 ||
      get_string(rd, sec, "SwitchName", &swid, NULL) < 0 ||
      get_bool(rd, sec, "MacAddressIsStatic", &is_static) < 0)
    goto out;
  if (mac && strlen(mac) == 12) {
    /* Also seen without separators. */
    char sep[18];
    snprintf(sep, sizeof sep, "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", mac, mac + 2,
             mac + 4, mac + 6, mac + 8, mac + 10);
    free(mac);
    mac = hvx_strdup(sep);
  }
  if (mac && *mac && strcmp(mac, "00:00:00:00:00:00") != 0 &&
      strcmp(mac, "00-00-00-00-00-00") != 0 &&
      hvx_vm_nic_set_mac(rd->vm, (size_t)i, mac) < 0) {
    bad_value(rd, where);
    goto out;
  }
  if (hvx_vm_nic_set_model(rd->vm, (size_t)i, "netvsc") < 0 ||
      (sw && *sw && hvx_vm_nic_set_network(rd->vm, (size_t)i, sw) < 0) ||
      (swid && *swid && hvx_vm_set_extra(rd->vm, HVX_OBJECT_NIC, (size_t)i,
                                         "hyperv.switch_id", swid) < 0) ||
      hvx_vm_set_extra(rd->vm, HVX_OBJECT_NIC, (size_t)i, "hyperv.instance",
                       dev->instance) < 0) {
    bad_value(rd, sec);
    goto out;
  }
  if (!is_static && hvx_vm_nic_mac(rd->vm, (size_t)i)) {
    if (hvx_vm_set_extra(rd->vm, HVX_OBJECT_NIC, (size_t)i,
                         "hyperv.mac_dynamic", "true") < 0 ||
        hvx_report_addf(rd->r, HVX_SEVERITY_INFO, subject, NULL, "the "
                        "dynamic MAC %s Hyper-V last assigned is kept as "
                        "the adapter's MAC",
                        hvx_vm_nic_mac(rd->vm, (size_t)i)) < 0)
      goto out;
  }
  rc = 0;
out:
  free(mac);
  free(sw);
  free(swid);
  return rc;
}

static int read_serial(struct reader *rd, xmlNodePtr sec)
{
  char *conn[2] = { NULL, NULL };
  char target[HVX_VM_MAX_STRING + 8];
  int rc = -1, last = -1;

  for (int p = 0; p < 2; p++) {
    char path[32];
    snprintf(path, sizeof path, "port%d/connection", p);
    if (get_string(rd, sec, path, &conn[p], NULL) < 0)
      goto out;
    if (conn[p] && *conn[p])
      last = p;
  }
  for (int p = 0; p <= last; p++) {
    if (conn[p] && *conn[p])
      snprintf(target, sizeof target, "pipe:%s", conn[p]);
    else
      snprintf(target, sizeof target, "none");
    if (hvx_vm_add_serial(rd->vm, target) < 0) {
      bad_value(rd, sec);
      goto out;
    }
  }
  rc = 0;
out:
  free(conn[0]);
  free(conn[1]);
  return rc;
}

static int read_bios(struct reader *rd, xmlNodePtr sec, int gen)
{
  char order[8] = "";
  size_t n = 0;
  bool sb;

  if (get_bool(rd, sec, "secure_boot_enabled", &sb) < 0)
    return -1;
  if (sb && gen == 2)
    rd->vm->secure_boot = true;
  for (int k = 0; k < 4; k++) {
    char path[32], *dev;
    xmlNodePtr where;
    char letter = 0;
    snprintf(path, sizeof path, "boot/device%d", k);
    if (get_string(rd, sec, path, &dev, &where) < 0)
      return -1;
    if (!dev)
      continue;
    if (strcasecmp(dev, "Optical") == 0) letter = 'd';
    else if (strcasecmp(dev, "HardDrive") == 0) letter = 'c';
    else if (strcasecmp(dev, "Network") == 0) letter = 'n';
    else if (strcasecmp(dev, "Floppy") == 0) letter = 'a';
    if (!letter || strchr(order, letter)) {
      int rc = hvx_report_addf(rd->r, HVX_SEVERITY_LOSS, "boot order", NULL,
                               "boot device '%.40s' (line %ld) is not "
                               "understood and dropped", dev,
                               xmlGetLineNo(where));
      free(dev);
      if (rc < 0)
        return -1;
      continue;
    }
    free(dev);
    order[n++] = letter;
    order[n] = '\0';
  }
  if (!n)
    return 0;
  /* Only Generation 1 boots by this list (Generation 2 from its UEFI
   * entries), and Hyper-V always lists all four kinds: complete a
   * partial list in its default order, as the writer does, so the model
   * says what Hyper-V does and survives a round trip. */
  if (gen == 2)
    return hvx_report_addf(rd->r, HVX_SEVERITY_LOSS, "boot order", NULL,
                           "BIOS boot order '%s' of a Generation 2 guest is "
                           "not used by Hyper-V and dropped", order);
  for (const char *p = "dcna"; *p; p++)
    if (!strchr(order, *p)) {
      order[n++] = *p;
      order[n] = '\0';
    }
  if (hvx_vm_set_boot_order(rd->vm, order) < 0)
    return bad_value(rd, sec);
  return 0;
}

/* ---- the whole ----------------------------------------------------------- */

static int read_guest(struct reader *rd, const xmlNode *root, int *gen)
{
  hvx_vm *vm = rd->vm;
  char *s = NULL;
  xmlNodePtr where;
  uint64_t v, size = 0, limit = 0, reservation = 0;
  bool present, dynamic, has_size, has_limit, has_res;
  char guid[37], num[24];
  const uint64_t max_mb = HVX_VM_MAX_MEMORY >> 20;

  if (get_string(rd, root, "properties/name", &s, &where) < 0)
    return -1;
  if (s && *s && hvx_vm_set_name(vm, s) < 0) {
    free(s);
    return bad_value(rd, where);
  }
  free(s);
  if (get_string(rd, root, "properties/global_id", &s, &where) < 0)
    return -1;
  if (!s && get_string(rd, root, "settings/global/logical_id", &s,
                       &where) < 0)
    return -1;
  if (s && *s) {
    if (!parse_guid(s, guid)) {
      free(s);
      return bad(rd, where, EBADMSG, "malformed GUID");
    }
    hvx_vm_set_uuid(vm, guid);
  }
  free(s);
  if (get_uint(rd, root, "properties/subtype", 1000, &v, &present) < 0)
    return -1;
  if (present && v > 1)
    return bad(rd, find(root, "properties/subtype"), ENOTSUP, "subtype %"
               PRIu64 " is not generation 1 (0) or 2 (1)", v);
  *gen = present ? (int)v + 1 : 1;
  vm->guest_type = HVX_GUEST_HVM;
  vm->firmware = *gen == 2 ? HVX_FIRMWARE_UEFI : HVX_FIRMWARE_BIOS;
  /* Hyper-V offers its interfaces to every guest. */
  vm->hv_features = hvx_hyperv_features(&vm->hv_spinlock_retries);
  if (get_uint(rd, root, "properties/version", 1000000, &v, &present) < 0)
    return -1;
  /* 1280 (5.0, Windows Server 2012 R2) is what the writer assumes. */
  if (present && v != 1280) {
    snprintf(num, sizeof num, "%" PRIu64, v);
    if (hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "hyperv.version", num) < 0)
      return -1;
  }
  if (get_uint(rd, root, "settings/processors/count", HVX_VM_MAX_VCPUS, &v,
               &present) < 0)
    return -1;
  if (present)
    vm->vcpus = (unsigned)v;
  if (get_uint(rd, root, "settings/memory/bank/size", max_mb, &size,
               &has_size) < 0 ||
      get_uint(rd, root, "settings/memory/bank/limit", max_mb, &limit,
               &has_limit) < 0 ||
      get_uint(rd, root, "settings/memory/bank/reservation", max_mb,
               &reservation, &has_res) < 0 ||
      get_bool(rd, root, "settings/memory/bank/dynamic_memory_enabled",
               &dynamic) < 0)
    return -1;
  if (has_size)
    vm->memory = size << 20;
  if (dynamic && has_limit && limit > size)
    vm->max_memory = limit << 20;
  /* The minimum defaults to the startup memory.  It is kept only where
   * the model stays dynamic (a maximum above the startup size) and it
   * lies below the startup size, as Hyper-V requires and the writer
   * writes it; otherwise it could not survive a round trip, so it is
   * reported as dropped. */
  if (dynamic && has_res && reservation && reservation != size) {
    if (vm->max_memory > vm->memory && reservation < size) {
      snprintf(num, sizeof num, "%" PRIu64, reservation);
      if (hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                           "hyperv.memory_minimum_mb", num) < 0)
        return -1;
    } else if (hvx_report_addf(rd->r, HVX_SEVERITY_LOSS, "memory", NULL,
                               "dynamic memory minimum %" PRIu64 " MiB is "
                               "dropped: it needs a maximum above the "
                               "startup %" PRIu64 " MiB and must lie below "
                               "it (maximum %" PRIu64 " MiB)", reservation,
                               size, limit) < 0) {
      return -1;
    }
  }
  return 0;
}

static int read_devices(struct reader *rd, const xmlNode *root, int gen)
{
  struct device *dev = NULL;
  size_t n = 0;
  unsigned scsi = 0;
  bool seen_ide = false, seen_serial = false;
  int rc = -1;

  if (list_devices(rd, root, &dev, &n) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    struct device *d = &dev[i];
    char key[48];
    if (!d->section && d->kind != DEV_BENIGN && d->kind != DEV_OTHER) {
      if (d->kind == DEV_SCSI || d->kind == DEV_NIC) {
        bad(rd, find(root, "manifest"), EBADMSG, "device %s (%s) has no "
            "_%s_ section", d->instance, d->name ? d->name : "?",
            d->instance);
        goto out;
      }
      continue;
    }
    switch (d->kind) {
    case DEV_IDE:
      if (gen == 2 || seen_ide) {
        bad(rd, d->section, EBADMSG, gen == 2 ? "a Generation 2 guest has "
            "no IDE controller" : "a second IDE section");
        goto out;
      }
      seen_ide = true;
      if (read_controllers(rd, d->section, HVX_BUS_IDE, 0,
                           HVX_HYPERV_IDE_CONTROLLERS,
                           HVX_HYPERV_IDE_LOCATIONS) < 0)
        goto out;
      break;
    case DEV_SCSI:
      if (scsi >= HVX_HYPERV_SCSI_CONTROLLERS) {
        bad(rd, d->section, EFBIG, "more than %u SCSI controllers",
            HVX_HYPERV_SCSI_CONTROLLERS);
        goto out;
      }
      snprintf(key, sizeof key, "hyperv.scsi%u.instance", scsi);
      if (hvx_vm_set_extra(rd->vm, HVX_OBJECT_GUEST, 0, key,
                           d->instance) < 0 ||
          read_controllers(rd, d->section, HVX_BUS_SCSI, scsi, 1,
                           HVX_HYPERV_SCSI_LOCATIONS) < 0)
        goto out;
      scsi++;
      break;
    case DEV_NIC:
      if (read_nic(rd, d) < 0)
        goto out;
      break;
    case DEV_SERIAL:
      if (seen_serial) {
        bad(rd, d->section, EBADMSG, "a second COM port section");
        goto out;
      }
      seen_serial = true;
      if (read_serial(rd, d->section) < 0)
        goto out;
      break;
    case DEV_BIOS:
      if (read_bios(rd, d->section, gen) < 0)
        goto out;
      break;
    case DEV_FLOPPY:
      if (read_controllers(rd, d->section, HVX_BUS_FLOPPY, 0, 1, 1) < 0)
        goto out;
      break;
    case DEV_OTHER:
      if (hvx_report_addf(rd->r, HVX_SEVERITY_LOSS, "device", "recreate it "
                          "on the target by hand if the guest needs it",
                          "device '%s' (type %s) is not carried over",
                          d->name ? d->name : "unnamed", d->type) < 0)
        goto out;
      break;
    }
  }
  rc = 0;
out:
  free_devices(dev, n);
  return rc;
}

HVX_API hvx_vm *hvx_vm_from_hyperv_xml(const char *data, size_t len,
                                       const char *filename,
                                       hvx_report *report)
{
  struct reader rd = { filename ? filename : "(memory)", NULL, report };
  xmlDocPtr doc;
  xmlNodePtr root;
  int gen = 1;

  if (!data) {
    hvx_set_error(EINVAL, "hyperv-xml: NULL data");
    return NULL;
  }
  if (!(doc = hvx_xml_parse(data, len, "hyperv-xml", filename)))
    return NULL;
  root = xmlDocGetRootElement(doc);
  if (!hvx_xml_is(root, "configuration", NULL)) {
    bad(&rd, root, EBADMSG, "the root element is <%s>, not <configuration> "
        "(not a Hyper-V virtual machine configuration)", root->name);
    goto fail;
  }
  if (check_values(&rd, root->children, 1) < 0)
    goto fail;
  if (!(rd.vm = hvx_vm_new()))
    goto fail;
  if (read_guest(&rd, root, &gen) < 0 || read_devices(&rd, root, gen) < 0)
    goto fail;
  if (hvx_xml_validate_vm("hyperv-xml", rd.file, rd.vm) < 0)
    goto fail;
  xmlFreeDoc(doc);
  return rd.vm;
fail:
  hvx_vm_free(rd.vm);
  xmlFreeDoc(doc);
  return NULL;
}

HVX_API hvx_vm *hvx_vm_from_hyperv_xml_file(const char *path,
                                            hvx_report *report)
{
  return hvx_xml_vm_from_file(path, "hyperv-xml", hvx_vm_from_hyperv_xml,
                              report);
}
