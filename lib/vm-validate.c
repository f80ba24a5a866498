/* hvx - checks of a guest description as a whole. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vm-internal.h"

/* "disk 2 (xvdc)" or "disk 2", for messages. */
static const char *disk_label(const struct hvx_vm_disk *d, size_t i,
                              char *buf, size_t len)
{
  if (d->name)
    snprintf(buf, len, "disk %zu (%s)", i, d->name);
  else
    snprintf(buf, len, "disk %zu", i);
  return buf;
}

static int check_disks(const hvx_vm *vm)
{
  char a[300], b[300];

  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    if (!d->cdrom && !d->path)
      return hvx_set_error(EINVAL, "vm: %s is a hard disk without an image "
                           "(only a CD-ROM drive may be empty)",
                           disk_label(d, i, a, sizeof a));
    for (size_t j = 0; j < i; j++) {
      const struct hvx_vm_disk *e = &vm->disks[j];
      if (d->bus != HVX_BUS_UNSPECIFIED && d->bus == e->bus &&
          d->controller == e->controller && d->slot == e->slot &&
          d->partition == e->partition)
        return hvx_set_error(EINVAL, "vm: %s and %s are both at %s "
                             "controller %u slot %u%s",
                             disk_label(e, j, a, sizeof a),
                             disk_label(d, i, b, sizeof b),
                             hvx_bus_name(d->bus), d->controller, d->slot,
                             d->partition ? " (same partition)" : "");
      if (d->name && e->name && strcmp(d->name, e->name) == 0)
        return hvx_set_error(EINVAL, "vm: disks %zu and %zu are both named "
                             "%s", j, i, d->name);
    }
  }
  return 0;
}

static int check_nics(const hvx_vm *vm)
{
  for (size_t i = 0; i < vm->n_nics; i++)
    for (size_t j = 0; vm->nics[i].mac && j < i; j++)
      if (vm->nics[j].mac && strcmp(vm->nics[i].mac, vm->nics[j].mac) == 0)
        return hvx_set_error(EINVAL, "vm: nics %zu and %zu have the same MAC "
                             "%s", j, i, vm->nics[i].mac);
  return 0;
}

HVX_API int hvx_vm_validate(const hvx_vm *vm)
{
  if (!vm)
    return hvx_set_error(EINVAL, "vm: NULL guest");
  if (vm->max_vcpus && vm->max_vcpus < vm->vcpus)
    return hvx_set_error(EINVAL, "vm: maximum vcpus %u is below vcpus %u",
                         vm->max_vcpus, vm->vcpus);
  if (vm->max_memory && vm->max_memory < vm->memory)
    return hvx_set_error(EINVAL, "vm: maximum memory %llu MiB is below "
                         "memory %llu MiB",
                         (unsigned long long)(vm->max_memory >> 20),
                         (unsigned long long)(vm->memory >> 20));
  if (vm->guest_type == HVX_GUEST_PV &&
      (vm->firmware == HVX_FIRMWARE_BIOS || vm->firmware == HVX_FIRMWARE_UEFI))
    return hvx_set_error(EINVAL, "vm: a PV guest has no %s firmware",
                         hvx_firmware_name(vm->firmware));
  if (vm->guest_type == HVX_GUEST_PVH && vm->firmware == HVX_FIRMWARE_BIOS)
    return hvx_set_error(EINVAL, "vm: a PVH guest has no BIOS");
  if (vm->secure_boot && vm->firmware != HVX_FIRMWARE_UEFI)
    return hvx_set_error(EINVAL, "vm: secure boot needs UEFI firmware "
                         "(firmware is %s)", hvx_firmware_name(vm->firmware));
  if (check_disks(vm) < 0 || check_nics(vm) < 0)
    return -1;
  return 0;
}
