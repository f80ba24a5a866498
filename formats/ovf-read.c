/* hvx - reading an OVF descriptor (DMTF DSP0243, envelope 1.x or 2.0)
 * into the guest model: the first VirtualSystem's processors, memory,
 * IDE/SCSI/other storage controllers, disks, CD-ROM and floppy drives,
 * and Ethernet adapters. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hvx/ovf.h"
#include "hyperv-internal.h"
#include "ovf-internal.h"
#include "xml-util.h"

struct item {
  xmlNodePtr node;
  uint64_t type;
  char *id, *parent, *address, *aop, *host, *quantity, *units, *connection,
       *subtype;
  int bus;          /* for a controller */
  unsigned index;   /* for a controller */
};

struct reader {
  const char *file, *ns;
  xmlNodePtr root;
  hvx_vm *vm;
  hvx_report *r;
};

/* Fail at node N: "ovf: FILE:LINE: /path: MESSAGE". */
#define bad(rd, n, err, ...) \
  hvx_xml_error("ovf", (rd)->file, (n), (err), __VA_ARGS__)

static char *ovf_attr(struct reader *rd, const xmlNode *n, const char *name)
{
  xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name,
                            (const xmlChar *)rd->ns);
  char *s;

  if (!v)
    v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  s = hvx_strdup((const char *)v);
  xmlFree(v);
  return s;
}

static void item_free(struct item *it)
{
  free(it->id);
  free(it->parent);
  free(it->address);
  free(it->aop);
  free(it->host);
  free(it->quantity);
  free(it->units);
  free(it->connection);
  free(it->subtype);
}

static int read_item(struct reader *rd, xmlNodePtr n, struct item *it)
{
  static const struct { const char *name; size_t off; } fields[] = {
    { "InstanceID", offsetof(struct item, id) },
    { "Parent", offsetof(struct item, parent) },
    { "Address", offsetof(struct item, address) },
    { "AddressOnParent", offsetof(struct item, aop) },
    { "HostResource", offsetof(struct item, host) },
    { "VirtualQuantity", offsetof(struct item, quantity) },
    { "AllocationUnits", offsetof(struct item, units) },
    { "Connection", offsetof(struct item, connection) },
    { "ResourceSubType", offsetof(struct item, subtype) },
  };
  xmlNodePtr t;
  char *text;

  memset(it, 0, sizeof *it);
  it->node = n;
  for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
    xmlNodePtr f = hvx_xml_child(n, fields[k].name, RASD_NS);
    if (f && !(*(char **)((char *)it + fields[k].off) = hvx_xml_text(f)))
      return -1;
  }
  if (!(t = hvx_xml_child(n, "ResourceType", RASD_NS)))
    return bad(rd, n, EBADMSG, "an Item without rasd:ResourceType");
  if (!(text = hvx_xml_text(t)))
    return -1;
  if (hvx_xml_parse_uint(text, 65535, &it->type) < 0) {
    bad(rd, t, EBADMSG, "ResourceType '%.32s' is not a number", text);
    free(text);
    return -1;
  }
  free(text);
  if (!it->id || !*it->id)
    return bad(rd, n, EBADMSG, "an Item without rasd:InstanceID");
  return 0;
}

/* VirtualQuantity of a memory item in bytes. */
static int memory_bytes(struct reader *rd, const struct item *it,
                        uint64_t *out)
{
  const char *u = it->units ? it->units : "byte * 2^20";
  uint64_t q, shift;

  if (hvx_xml_parse_uint(it->quantity, UINT64_MAX, &q) < 0)
    return bad(rd, it->node, EBADMSG, "memory VirtualQuantity '%.32s' is "
               "not a number", it->quantity ? it->quantity : "");
  if (!strcasecmp(u, "byte * 2^20") || !strcasecmp(u, "MegaBytes") ||
      !strcasecmp(u, "MB"))
    shift = 20;
  else if (!strcasecmp(u, "byte * 2^30") || !strcasecmp(u, "GigaBytes") ||
           !strcasecmp(u, "GB"))
    shift = 30;
  else if (!strcasecmp(u, "byte * 2^10") || !strcasecmp(u, "KiloBytes") ||
           !strcasecmp(u, "KB"))
    shift = 10;
  else if (!strcasecmp(u, "byte"))
    shift = 0;
  else
    return bad(rd, it->node, ENOTSUP, "memory AllocationUnits '%.40s' not "
               "understood", u);
  if (q > (HVX_VM_MAX_MEMORY >> shift))
    return bad(rd, it->node, EFBIG, "%" PRIu64 " x 2^%" PRIu64 " bytes of "
               "memory is absurd", q, shift);
  *out = q << shift;
  if (*out % (UINT64_C(1) << 20))
    *out = (*out + (UINT64_C(1) << 20) - 1) & ~((UINT64_C(1) << 20) - 1);
  return 0;
}

/* The file a HostResource names: "ovf:/disk/ID" through the
 * DiskSection, "ovf:/file/ID" directly (also without the slash). */
static int host_file(struct reader *rd, const struct item *it,
                     char **path, char **format, uint64_t *capacity)
{
  const char *h = it->host, *id;
  xmlNodePtr sec, refs;
  char *file_id = NULL;
  bool disk;

  *path = *format = NULL;
  *capacity = 0;
  if (!h || !*h)
    return 0;
  if (!strncmp(h, "ovf:/disk/", 10) || !strncmp(h, "ovf:disk/", 9))
    disk = true;
  else if (!strncmp(h, "ovf:/file/", 10) || !strncmp(h, "ovf:file/", 9))
    disk = false;
  else
    return bad(rd, it->node, EBADMSG, "HostResource '%.64s' is not "
               "ovf:/disk/ID or ovf:/file/ID", h);
  id = strrchr(h, '/') + 1;
  if (disk) {
    sec = hvx_xml_child(rd->root, "DiskSection", rd->ns);
    for (xmlNodePtr d = sec ? sec->children : NULL; d; d = d->next) {
      char *did;
      if (!hvx_xml_is(d, "Disk", rd->ns) || !(did = ovf_attr(rd, d, "diskId")))
        continue;
      if (strcmp(did, id) == 0) {
        char *cap = ovf_attr(rd, d, "capacity"), *uri = ovf_attr(rd, d,
                                                                 "format");
        file_id = ovf_attr(rd, d, "fileRef");
        if (cap && hvx_xml_parse_uint(cap, UINT64_MAX, capacity) < 0)
          *capacity = 0;
        for (size_t k = 0; uri && k < sizeof ovf_formats /
                                        sizeof ovf_formats[0]; k++)
          if (strncmp(uri, ovf_formats[k].uri,
                      strlen(ovf_formats[k].uri)) == 0)
            *format = (char *)ovf_formats[k].format;
        free(cap);
        free(uri);
        free(did);
        break;
      }
      free(did);
    }
    if (!file_id)
      return bad(rd, it->node, EBADMSG, "HostResource %s names no Disk of "
                 "the DiskSection (or one without a file)", h);
  } else if (!(file_id = hvx_strdup(id))) {
    return -1;
  }
  refs = hvx_xml_child(rd->root, "References", rd->ns);
  for (xmlNodePtr f = refs ? refs->children : NULL; f; f = f->next) {
    char *fid;
    if (!hvx_xml_is(f, "File", rd->ns) || !(fid = ovf_attr(rd, f, "id")))
      continue;
    if (strcmp(fid, file_id) == 0)
      *path = ovf_attr(rd, f, "href");
    free(fid);
    if (*path)
      break;
  }
  if (!*path) {
    bad(rd, it->node, EBADMSG, "file '%s' is not in References", file_id);
    free(file_id);
    return -1;
  }
  free(file_id);
  return 0;
}

static int add_drive(struct reader *rd, struct item *items, size_t n,
                     const struct item *it)
{
  const struct item *ctl = NULL;
  char *path = NULL, *format = NULL;
  uint64_t slot = 0, capacity;
  int bus = HVX_BUS_UNSPECIFIED, i;
  unsigned controller = 0;
  hvx_vm *vm = rd->vm;
  bool floppy = it->type == RT_FLOPPY;

  if (it->parent) {
    for (size_t k = 0; k < n; k++)
      if (items[k].bus && strcmp(items[k].id, it->parent) == 0)
        ctl = &items[k];
    if (!ctl)
      return bad(rd, it->node, EBADMSG, "Parent %.40s is not a storage "
                 "controller Item", it->parent);
    bus = ctl->bus;
    controller = ctl->index;
  } else if (floppy) {
    bus = HVX_BUS_FLOPPY;
  }
  if (it->aop && hvx_xml_parse_uint(it->aop, HVX_VM_MAX_SLOT, &slot) < 0)
    return bad(rd, it->node, EBADMSG, "AddressOnParent '%.32s' is not a "
               "slot number", it->aop);
  if (!it->aop && bus != HVX_BUS_UNSPECIFIED)
    for (; slot < HVX_VM_MAX_SLOT; slot++) {
      bool used = false;
      for (size_t k = 0; k < vm->n_disks; k++)
        used |= vm->disks[k].bus == bus &&
                vm->disks[k].controller == controller &&
                vm->disks[k].slot == slot;
      if (!used)
        break;
    }
  for (size_t k = 0; k < vm->n_disks; k++)
    if (bus != HVX_BUS_UNSPECIFIED && vm->disks[k].bus == bus &&
        vm->disks[k].controller == controller && vm->disks[k].slot == slot)
      return bad(rd, it->node, EBADMSG, "a second drive at %s %u:%" PRIu64,
                 hvx_bus_name(bus), controller, slot);
  if (host_file(rd, it, &path, &format, &capacity) < 0)
    return -1;
  if (it->type == RT_DISK && !path) {
    free(path);
    return bad(rd, it->node, EBADMSG, "a disk Item without a HostResource");
  }
  if ((i = hvx_vm_add_disk(vm)) < 0 ||
      hvx_vm_disk_set_address(vm, (size_t)i, bus, controller, (unsigned)slot,
                              0) < 0 ||
      hvx_vm_disk_set_cdrom(vm, (size_t)i, it->type == RT_CD ||
                            it->type == RT_DVD) < 0 ||
      hvx_vm_disk_set_path(vm, (size_t)i, path) < 0 ||
      hvx_vm_disk_set_format(vm, (size_t)i, format) < 0) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", hvx_error());
    free(path);
    return bad(rd, it->node, EBADMSG, "%s", msg);
  }
  free(path);
  if (capacity) {
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, capacity);
    if (hvx_vm_set_extra(vm, HVX_OBJECT_DISK, (size_t)i, "ovf.capacity",
                         num) < 0)
      return -1;
  }
  return 0;
}

static int add_nic(struct reader *rd, const struct item *it)
{
  hvx_vm *vm = rd->vm;
  int i = hvx_vm_add_nic(vm);
  char model[65];

  if (i < 0)
    return -1;
  if ((it->address && *it->address &&
       hvx_vm_nic_set_mac(vm, (size_t)i, it->address) < 0) ||
      (it->connection && *it->connection &&
       hvx_vm_nic_set_network(vm, (size_t)i, it->connection) < 0))
    goto bad_value;
  if (it->subtype && *it->subtype) {
    size_t k;
    for (k = 0; it->subtype[k] && k < 64; k++)
      model[k] = (char)tolower((unsigned char)it->subtype[k]);
    model[k] = '\0';
    if (hvx_vm_nic_set_model(vm, (size_t)i, model) < 0)
      goto bad_value;
  }
  return 0;
bad_value: {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", hvx_error());
    return bad(rd, it->node, EBADMSG, "%s", msg);
  }
}

static int read_hardware(struct reader *rd, xmlNodePtr hw)
{
  struct item *items = NULL;
  size_t n = 0, cap = 0;
  unsigned counts[8] = { 0 };
  int rc = -1;

  for (xmlNodePtr c = hw->children; c; c = c->next) {
    if (!hvx_xml_is(c, "Item", rd->ns) &&
        !hvx_xml_is(c, "StorageItem", rd->ns) &&
        !hvx_xml_is(c, "EthernetPortItem", rd->ns))
      continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 32;
      struct item *v;
      if (nc > 8192) {
        bad(rd, c, EFBIG, "more than 8192 Items");
        goto out;
      }
      if (!(v = realloc(items, nc * sizeof *v))) {
        hvx_set_error(ENOMEM, "ovf: cannot list Items");
        goto out;
      }
      items = v;
      cap = nc;
    }
    if (read_item(rd, c, &items[n]) < 0) {
      item_free(&items[n]);
      goto out;
    }
    n++;
  }
  for (size_t k = 0; k < n; k++) {
    struct item *it = &items[k];
    for (size_t j = 0; j < k; j++)
      if (strcmp(items[j].id, it->id) == 0) {
        bad(rd, it->node, EBADMSG, "InstanceID %.40s is used twice", it->id);
        goto out;
      }
    if (it->type == RT_IDE || it->type == RT_SCSI ||
        it->type == RT_OTHER_STORAGE) {
      const char *sub = it->subtype ? it->subtype : "";
      uint64_t a;
      it->bus = it->type == RT_IDE ? HVX_BUS_IDE : it->type == RT_SCSI ?
                HVX_BUS_SCSI : !strcasecmp(sub, "AHCI") ? HVX_BUS_SATA :
                !strcasecmp(sub, "virtio") ? HVX_BUS_VIRTIO : HVX_BUS_XEN;
      if (it->address && hvx_xml_parse_uint(it->address,
                                            HVX_VM_MAX_CONTROLLER, &a) == 0)
        it->index = (unsigned)a;
      else
        it->index = counts[it->bus];
      counts[it->bus]++;
    }
  }
  for (size_t k = 0; k < n; k++) {
    struct item *it = &items[k];
    uint64_t v;
    switch (it->type) {
    case RT_PROCESSOR:
      if (hvx_xml_parse_uint(it->quantity, HVX_VM_MAX_VCPUS, &v) < 0) {
        bad(rd, it->node, EFBIG, "processor VirtualQuantity '%.32s' is not "
            "a number up to %u", it->quantity ? it->quantity : "",
            HVX_VM_MAX_VCPUS);
        goto out;
      }
      rd->vm->vcpus = (unsigned)v;
      break;
    case RT_MEMORY:
      if (memory_bytes(rd, it, &v) < 0)
        goto out;
      rd->vm->memory = v;
      break;
    case RT_DISK: case RT_CD: case RT_DVD: case RT_FLOPPY:
      if (add_drive(rd, items, n, it) < 0)
        goto out;
      break;
    case RT_ETHERNET:
      if (add_nic(rd, it) < 0)
        goto out;
      break;
    case RT_IDE: case RT_SCSI: case RT_OTHER_STORAGE:
      break;
    default:
      if (hvx_report_addf(rd->r, it->type == RT_SERIAL ? HVX_SEVERITY_LOSS :
                          HVX_SEVERITY_INFO, "ovf", NULL, "Item %s of "
                          "ResourceType %" PRIu64 " (line %ld) is not "
                          "carried over", it->id, it->type,
                          xmlGetLineNo(it->node)) < 0)
        goto out;
    }
  }
  rc = 0;
out:
  for (size_t k = 0; k < n; k++)
    item_free(&items[k]);
  free(items);
  return rc;
}

HVX_API hvx_vm *hvx_vm_from_ovf(const char *data, size_t len,
                                const char *filename, hvx_report *report)
{
  struct reader rd = { filename ? filename : "(memory)", OVF_NS1, NULL, NULL,
                       report };
  xmlDocPtr doc;
  xmlNodePtr vs, hw, name;

  if (!data) {
    hvx_set_error(EINVAL, "ovf: NULL data");
    return NULL;
  }
  if (!(doc = hvx_xml_parse(data, len, "ovf", filename)))
    return NULL;
  rd.root = xmlDocGetRootElement(doc);
  if (hvx_xml_is(rd.root, "Envelope", OVF_NS2))
    rd.ns = OVF_NS2;
  else if (!hvx_xml_is(rd.root, "Envelope", OVF_NS1)) {
    bad(&rd, rd.root, EBADMSG, "the root element is not an OVF Envelope (in "
        "namespace %s)", OVF_NS1);
    goto fail;
  }
  vs = hvx_xml_child(rd.root, "VirtualSystem", rd.ns);
  if (!vs) {
    xmlNodePtr coll = hvx_xml_child(rd.root, "VirtualSystemCollection",
                                    rd.ns);
    vs = hvx_xml_child(coll, "VirtualSystem", rd.ns);
    if (vs && hvx_report_addf(report, HVX_SEVERITY_LOSS, "ovf", NULL, "only "
                              "the first VirtualSystem of the collection is "
                              "read") < 0)
      goto fail;
  }
  if (!vs) {
    bad(&rd, rd.root, EBADMSG, "no VirtualSystem");
    goto fail;
  }
  if (!(hw = hvx_xml_child(vs, "VirtualHardwareSection", rd.ns))) {
    bad(&rd, vs, EBADMSG, "no VirtualHardwareSection");
    goto fail;
  }
  if (!(rd.vm = hvx_vm_new()))
    goto fail;
  name = hvx_xml_child(vs, "Name", rd.ns);
  {
    char *s = name ? hvx_xml_text(name) : ovf_attr(&rd, vs, "id");
    if (s && *s && hvx_vm_set_name(rd.vm, s) < 0) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s", hvx_error());
      free(s);
      bad(&rd, name ? name : vs, EBADMSG, "%s", msg);
      goto fail;
    }
    free(s);
  }
  if (read_hardware(&rd, hw) < 0)
    goto fail;
  if (hvx_xml_validate_vm("ovf", rd.file, rd.vm) < 0)
    goto fail;
  xmlFreeDoc(doc);
  return rd.vm;
fail:
  hvx_vm_free(rd.vm);
  xmlFreeDoc(doc);
  return NULL;
}

HVX_API hvx_vm *hvx_vm_from_ovf_file(const char *path, hvx_report *report)
{
  return hvx_xml_vm_from_file(path, "ovf", hvx_vm_from_ovf, report);
}
