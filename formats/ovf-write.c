/* hvx - the guest model as an OVF 1.x descriptor (DMTF DSP0243).
 *
 * Layout: Envelope / References (one File per image) / DiskSection /
 * NetworkSection / VirtualSystem / VirtualHardwareSection of Items.
 * An Item's rasd: elements are written in the alphabetical order the
 * CIM schema's sequence requires. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvx/image.h"
#include "hvx/ovf.h"
#include "hyperv-internal.h"
#include "ovf-internal.h"
#include "strbuf.h"
#include "xml-util.h"

static void rasd(struct hvx_buf *b, const char *name, const char *value)
{
  hvx_buf_printf(b, "        <rasd:%s>", name);
  hvx_buf_xml(b, value);
  hvx_buf_printf(b, "</rasd:%s>\n", name);
}

static void rasd_num(struct hvx_buf *b, const char *name, uint64_t v)
{
  hvx_buf_printf(b, "        <rasd:%s>%" PRIu64 "</rasd:%s>\n", name, v,
                 name);
}

static const char *format_uri(const char *format)
{
  for (size_t i = 0; i < sizeof ovf_formats / sizeof ovf_formats[0]; i++)
    if (format && strcmp(ovf_formats[i].format, format) == 0)
      return ovf_formats[i].uri;
  return "urn:hvx:image-format:raw";
}

/* A disk's capacity: its "ovf.capacity" extra, else its image's size. */
static int capacity(const hvx_vm *vm, size_t i, uint64_t *out,
                    hvx_report *r)
{
  const char *x = hvx_vm_extra(vm, HVX_OBJECT_DISK, i, "ovf.capacity");
  const struct hvx_vm_disk *d = &vm->disks[i];
  hvx_image *img;
  char subject[300];

  if (x && hvx_parse_u64(x, out) == 0)
    return 0;
  img = hvx_open(d->path, d->format && strcmp(d->format, "raw") != 0 ?
                 d->format : NULL, HVX_OPEN_NO_BACKING);
  if (img) {
    *out = (uint64_t)hvx_image_size(img);
    hvx_close(img);
    return 0;
  }
  *out = 0;
  return hvx_report_addf(r, HVX_SEVERITY_WARNING,
                         hvx_disk_subject(vm, i, subject, sizeof subject),
                         "fix ovf:capacity before importing",
                         "cannot open %s to learn its size (%s): capacity "
                         "written as 0", d->path, hvx_error());
}

/* Controller buses in OVF terms. */
static int controller_type(int bus, const char **subtype)
{
  *subtype = NULL;
  switch (bus) {
  case HVX_BUS_IDE: return RT_IDE;
  case HVX_BUS_SCSI: *subtype = "lsilogic"; return RT_SCSI;
  case HVX_BUS_SATA: *subtype = "AHCI"; return RT_OTHER_STORAGE;
  case HVX_BUS_VIRTIO: *subtype = "virtio"; return RT_OTHER_STORAGE;
  /* A drive on no particular bus is written without a Parent, as the
   * reader takes it: putting it on a "xen" controller could place it on
   * the slot of a real Xen disk. */
  case HVX_BUS_FLOPPY: case HVX_BUS_UNSPECIFIED: return 0;
  default: *subtype = "xen"; return RT_OTHER_STORAGE;
  }
}

HVX_API char *hvx_vm_to_ovf(const hvx_vm *vm, hvx_report *r)
{
  struct hvx_buf b = HVX_BUF_INIT;
  const char *name;
  unsigned id = 1, ctrl_id[8][HVX_VM_MAX_CONTROLLER + 1];
  bool ctrl_used[8][HVX_VM_MAX_CONTROLLER + 1];
  uint64_t cap;

  if (!vm || hvx_vm_validate(vm) < 0) {
    if (vm)
      hvx_prefix_error("ovf");
    else
      hvx_set_error(EINVAL, "ovf: NULL guest");
    return NULL;
  }
  /* References name files by their base name: a path ending in a
   * separator would give an empty href, which no reader takes (found by
   * fuzzing). */
  for (size_t i = 0; i < vm->n_disks; i++)
    if (vm->disks[i].path && !*hvx_path_basename(vm->disks[i].path)) {
      hvx_set_error(EINVAL, "ovf: disk %zu: image path '%s' ends in a "
                    "separator: no file name to reference", i,
                    vm->disks[i].path);
      return NULL;
    }
  name = vm->name ? vm->name : "hvx-guest";
  memset(ctrl_used, 0, sizeof ctrl_used);
  hvx_buf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<Envelope xmlns=\"" OVF_NS1 "\" xmlns:ovf=\"" OVF_NS1 "\"\n"
              "    xmlns:rasd=\"" RASD_NS "\"\n    xmlns:vssd=\"" VSSD_NS "\"\n"
              "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
              "  <References>\n");
  for (size_t i = 0; i < vm->n_disks; i++)
    if (vm->disks[i].path) {
      hvx_buf_printf(&b, "    <File ovf:id=\"file%zu\" ovf:href=\"", i + 1);
      hvx_buf_xml(&b, hvx_path_basename(vm->disks[i].path));
      hvx_buf_add(&b, "\"/>\n");
    }
  hvx_buf_add(&b, "  </References>\n  <DiskSection>\n    <Info>Virtual "
              "disks</Info>\n");
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    if (d->cdrom || !d->path || d->bus == HVX_BUS_FLOPPY)
      continue;
    if (capacity(vm, i, &cap, r) < 0)
      goto fail;
    hvx_buf_printf(&b, "    <Disk ovf:diskId=\"disk%zu\" ovf:fileRef=\"file%zu\""
                   " ovf:capacity=\"%" PRIu64 "\" ovf:capacityAllocationUnits="
                   "\"byte\" ovf:format=\"%s\"/>\n", i + 1, i + 1, cap,
                   format_uri(d->format));
  }
  hvx_buf_add(&b, "  </DiskSection>\n  <NetworkSection>\n    <Info>Logical "
              "networks</Info>\n");
  for (size_t i = 0; i < vm->n_nics; i++) {
    const char *net = vm->nics[i].network;
    bool seen = false;
    for (size_t k = 0; k < i; k++)
      if (vm->nics[k].network && net && strcmp(vm->nics[k].network, net) == 0)
        seen = true;
    if (!net || seen)
      continue;
    hvx_buf_add(&b, "    <Network ovf:name=\"");
    hvx_buf_xml(&b, net);
    hvx_buf_add(&b, "\">\n      <Description>The ");
    hvx_buf_xml(&b, net);
    hvx_buf_add(&b, " network</Description>\n    </Network>\n");
  }
  hvx_buf_add(&b, "  </NetworkSection>\n  <VirtualSystem ovf:id=\"");
  hvx_buf_xml(&b, name);
  hvx_buf_add(&b, "\">\n    <Info>A virtual machine</Info>\n");
  hvx_buf_xml_element(&b, 4, "Name", name);
  hvx_buf_add(&b, "    <VirtualHardwareSection>\n      <Info>Virtual "
              "hardware requirements</Info>\n      <System>\n");
  hvx_buf_add(&b, "        <vssd:ElementName>Virtual Hardware Family"
              "</vssd:ElementName>\n        <vssd:InstanceID>0"
              "</vssd:InstanceID>\n        <vssd:VirtualSystemIdentifier>");
  hvx_buf_xml(&b, vm->uuid ? vm->uuid : name);
  hvx_buf_printf(&b, "</vssd:VirtualSystemIdentifier>\n        "
                 "<vssd:VirtualSystemType>hvx-%s</vssd:VirtualSystemType>\n"
                 "      </System>\n",
                 hvx_guest_type_name(vm->guest_type ? vm->guest_type
                                                    : HVX_GUEST_HVM));
  /* processors and memory */
  hvx_buf_add(&b, "      <Item>\n");
  rasd(&b, "AllocationUnits", "hertz * 10^6");
  rasd(&b, "Description", "Number of virtual CPUs");
  hvx_buf_printf(&b, "        <rasd:ElementName>%u virtual CPU(s)"
                 "</rasd:ElementName>\n", vm->vcpus ? vm->vcpus : 1);
  rasd_num(&b, "InstanceID", id++);
  rasd_num(&b, "ResourceType", RT_PROCESSOR);
  rasd_num(&b, "VirtualQuantity", vm->vcpus ? vm->vcpus : 1);
  hvx_buf_add(&b, "      </Item>\n      <Item>\n");
  rasd(&b, "AllocationUnits", "byte * 2^20");
  rasd(&b, "Description", "Memory size");
  hvx_buf_printf(&b, "        <rasd:ElementName>%" PRIu64 " MB of memory"
                 "</rasd:ElementName>\n", vm->memory >> 20);
  rasd_num(&b, "InstanceID", id++);
  rasd_num(&b, "ResourceType", RT_MEMORY);
  rasd_num(&b, "VirtualQuantity", vm->memory >> 20);
  hvx_buf_add(&b, "      </Item>\n");
  if (vm->max_memory > vm->memory &&
      hvx_report_addf(r, HVX_SEVERITY_LOSS, "memory", NULL, "maximum memory "
                      "%" PRIu64 " MiB is not written", vm->max_memory >> 20) < 0)
    goto fail;
  if (vm->max_vcpus > vm->vcpus &&
      hvx_report_addf(r, HVX_SEVERITY_LOSS, "maxvcpus", NULL, "maximum "
                      "vCPUs %u is not written", vm->max_vcpus) < 0)
    goto fail;
  /* controllers, then the drives on them */
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    const char *sub;
    int rt = controller_type(d->bus, &sub);
    unsigned c = d->controller;
    char label[64];
    if (!rt || ctrl_used[d->bus][c])
      continue;
    ctrl_used[d->bus][c] = true;
    ctrl_id[d->bus][c] = id;
    hvx_buf_add(&b, "      <Item>\n");
    rasd_num(&b, "Address", c);
    snprintf(label, sizeof label, "%s controller %u",
             rt == RT_IDE ? "IDE" : rt == RT_SCSI ? "SCSI" : sub, c);
    rasd(&b, "ElementName", label);
    rasd_num(&b, "InstanceID", id++);
    if (sub)
      rasd(&b, "ResourceSubType", sub);
    rasd_num(&b, "ResourceType", (uint64_t)rt);
    hvx_buf_add(&b, "      </Item>\n");
  }
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    const char *sub;
    int rt = controller_type(d->bus, &sub);
    char host[40], label[64];
    hvx_buf_add(&b, "      <Item>\n");
    if (rt)
      rasd_num(&b, "AddressOnParent", d->slot);
    if (d->cdrom || d->bus == HVX_BUS_FLOPPY)
      rasd(&b, "AutomaticAllocation", d->path ? "true" : "false");
    snprintf(label, sizeof label, "%s %zu", d->bus == HVX_BUS_FLOPPY ?
             "Floppy drive" : d->cdrom ? "CD-ROM drive" : "Hard disk", i + 1);
    rasd(&b, "ElementName", label);
    if (d->path) {
      snprintf(host, sizeof host, d->cdrom || d->bus == HVX_BUS_FLOPPY ?
               "ovf:/file/file%zu" : "ovf:/disk/disk%zu", i + 1);
      rasd(&b, "HostResource", host);
    }
    rasd_num(&b, "InstanceID", id++);
    if (rt)
      rasd_num(&b, "Parent", ctrl_id[d->bus][d->controller]);
    rasd_num(&b, "ResourceType", d->bus == HVX_BUS_FLOPPY ? RT_FLOPPY :
             d->cdrom ? RT_CD : RT_DISK);
    hvx_buf_add(&b, "      </Item>\n");
  }
  for (size_t i = 0; i < vm->n_nics; i++) {
    const struct hvx_vm_nic *n = &vm->nics[i];
    char label[64];
    hvx_buf_add(&b, "      <Item>\n");
    if (n->mac)
      rasd(&b, "Address", n->mac);
    rasd(&b, "AutomaticAllocation", "true");
    if (n->network)
      rasd(&b, "Connection", n->network);
    snprintf(label, sizeof label, "Ethernet adapter %zu", i + 1);
    rasd(&b, "ElementName", label);
    rasd_num(&b, "InstanceID", id++);
    if (n->model)
      rasd(&b, "ResourceSubType", n->model);
    rasd_num(&b, "ResourceType", RT_ETHERNET);
    hvx_buf_add(&b, "      </Item>\n");
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    char subject[32];
    snprintf(subject, sizeof subject, "serial %zu", i);
    if (hvx_report_addf(r, HVX_SEVERITY_LOSS, subject, NULL, "serial port "
                        "(%s) is not written: OVF has no standard way to "
                        "say where it is connected",
                        vm->serials[i].target) < 0)
      goto fail;
  }
  hvx_buf_add(&b, "    </VirtualHardwareSection>\n  </VirtualSystem>\n"
              "</Envelope>\n");
  if ((vm->kernel && hvx_report_addf(r, HVX_SEVERITY_LOSS, "kernel", NULL,
                                     "direct kernel boot is not written") < 0) ||
      (vm->bootloader && hvx_report_addf(r, HVX_SEVERITY_LOSS, "bootloader",
                                         NULL, "bootloader %s is not written",
                                         vm->bootloader) < 0) ||
      (vm->firmware == HVX_FIRMWARE_UEFI &&
       hvx_report_addf(r, HVX_SEVERITY_LOSS, "firmware", "choose UEFI on "
                       "import", "OVF 1.x has no standard element for UEFI "
                       "firmware") < 0) ||
      ((vm->hv_features || vm->xen_platform) &&
       hvx_report_addf(r, HVX_SEVERITY_INFO, "enlightenments", NULL,
                       "hypervisor interfaces are the importing "
                       "hypervisor's choice") < 0))
    goto fail;
  for (size_t j = 0; j < vm->extras.n; j++)
    if (!hvx_extra_is(vm->extras.v[j].key, "hvx.") &&
        !hvx_extra_is(vm->extras.v[j].key, "ovf.") &&
        hvx_report_addf(r, HVX_SEVERITY_LOSS, "guest", NULL, "%s is not "
                        "written", vm->extras.v[j].key) < 0)
      goto fail;
  return hvx_buf_finish(&b);
fail:
  hvx_buf_free(&b);
  return NULL;
}
