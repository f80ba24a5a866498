/* hvx - the guest model: construction, fields, devices. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-internal.h"

/* ---- strings -------------------------------------------------------- */

/* Length of the UTF-8 sequence at P (1..4), or 0 if it is not valid
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const unsigned char *p)
{
  unsigned c = p[0];
  size_t n;
  uint32_t cp;

  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; }
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

int hvx_vm_check_string(const char *s, size_t max, const char *field)
{
  size_t len = strnlen(s, max + 1);

  if (len > max)
    return hvx_set_error(EINVAL, "vm: %s is longer than %zu bytes", field,
                         max);
  for (size_t i = 0; i < len;) {
    const unsigned char *p = (const unsigned char *)s + i;
    size_t n;
    if (*p < 0x20 || *p == 0x7f)
      return hvx_set_error(EINVAL, "vm: %s has a control character (0x%02x) "
                           "at byte %zu", field, *p, i);
    if (!(n = utf8_len(p)))
      return hvx_set_error(EINVAL, "vm: %s is not valid UTF-8 (byte %zu is "
                           "0x%02x)", field, i, *p);
    i += n;
  }
  return 0;
}

/* Set *FIELD to a checked copy of S (NULL unsets). */
static int set_string(char **field, const char *s, size_t max,
                      const char *what)
{
  char *copy = NULL;

  if (s) {
    if (hvx_vm_check_string(s, max, what) < 0 || !(copy = hvx_strdup(s)))
      return -1;
  }
  free(*field);
  *field = copy;
  return 0;
}

/* ---- name tables ---------------------------------------------------- */

static const char *const guest_type_names[] = {
  "unspecified", "hvm", "pv", "pvh",
};
static const char *const firmware_names[] = {
  "unspecified", "bios", "uefi", "none",
};
static const char *const event_names[HVX_VM_N_EVENTS] = {
  "poweroff", "reboot", "crash", "watchdog", "soft_reset",
};
static const char *const action_names[] = {
  "unspecified", "destroy", "restart", "rename-restart", "preserve",
  "coredump-destroy", "coredump-restart", "soft-reset",
};
static const char *const bus_names[] = {
  "unspecified", "xen", "ide", "scsi", "sata", "virtio", "floppy",
};
static const char *const disk_formats[] = {
  "raw", "qcow", "qcow2", "vhd", "vhdx", "qed", "vmdk",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *table_name(const char *const *t, size_t n, int v)
{
  return v >= 0 && (size_t)v < n ? t[v] : NULL;
}

static int table_lookup(const char *const *t, size_t n, const char *name,
                        const char *what)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp(t[i], name) == 0)
      return (int)i;
  return hvx_set_error(EINVAL, "vm: unknown %s '%s'", what,
                       name ? name : "(null)");
}

HVX_API const char *hvx_guest_type_name(int type)
{
  return table_name(guest_type_names, N_OF(guest_type_names), type);
}

HVX_API int hvx_guest_type_from_name(const char *name)
{
  return table_lookup(guest_type_names, N_OF(guest_type_names), name,
                      "guest type");
}

HVX_API const char *hvx_firmware_name(int firmware)
{
  return table_name(firmware_names, N_OF(firmware_names), firmware);
}

HVX_API int hvx_firmware_from_name(const char *name)
{
  return table_lookup(firmware_names, N_OF(firmware_names), name,
                      "firmware");
}

HVX_API const char *hvx_event_name(int event)
{
  return table_name(event_names, N_OF(event_names), event);
}

HVX_API const char *hvx_action_name(int action)
{
  return table_name(action_names, N_OF(action_names), action);
}

HVX_API int hvx_action_from_name(const char *name)
{
  return table_lookup(action_names, N_OF(action_names), name, "action");
}

HVX_API const char *hvx_bus_name(int bus)
{
  return table_name(bus_names, N_OF(bus_names), bus);
}

HVX_API int hvx_bus_from_name(const char *name)
{
  return table_lookup(bus_names, N_OF(bus_names), name, "bus");
}

/* ---- extras --------------------------------------------------------- */

static void extras_free(struct hvx_extras *x)
{
  for (size_t i = 0; i < x->n; i++) {
    free(x->v[i].key);
    free(x->v[i].value);
  }
  free(x->v);
  x->v = NULL;
  x->n = 0;
}

static int extras_copy(struct hvx_extras *dst, const struct hvx_extras *src)
{
  dst->v = NULL;
  dst->n = 0;
  if (!src->n)
    return 0;
  if (!(dst->v = hvx_calloc(src->n, sizeof *dst->v, "extras")))
    return -1;
  for (size_t i = 0; i < src->n; i++) {
    dst->v[i].key = hvx_strdup(src->v[i].key);
    dst->v[i].value = hvx_strdup(src->v[i].value);
    dst->n++;
    if (!dst->v[i].key || !dst->v[i].value)
      return -1;
  }
  return 0;
}

/* Extras per object: enough for every key of a real config, small enough
 * that a hostile one cannot make lookups quadratic in a big way. */
#define MAX_EXTRAS 4096u

static int extras_set(struct hvx_extras *x, const char *key,
                      const char *value)
{
  size_t klen = key ? strlen(key) : 0;
  char *copy = NULL;
  size_t i;

  if (!key || klen == 0 || klen > 255)
    return hvx_set_error(EINVAL, "vm: extra key must be 1 to 255 bytes");
  for (const char *p = key; *p; p++)
    if (*p <= ' ' || *p == '=' || *p == 0x7f)
      return hvx_set_error(EINVAL, "vm: extra key '%s' contains a space, "
                           "'=' or a control character", key);
  if (hvx_vm_check_string(key, 255, "extra key") < 0)
    return -1;
  for (i = 0; i < x->n; i++)
    if (strcmp(x->v[i].key, key) == 0)
      break;
  if (!value) {
    if (i < x->n) {
      free(x->v[i].key);
      free(x->v[i].value);
      memmove(&x->v[i], &x->v[i + 1], (x->n - i - 1) * sizeof *x->v);
      x->n--;
    }
    return 0;
  }
  if (hvx_vm_check_string(value, HVX_VM_MAX_STRING, key) < 0 ||
      !(copy = hvx_strdup(value)))
    return -1;
  if (i < x->n) {
    free(x->v[i].value);
    x->v[i].value = copy;
    return 0;
  }
  if (x->n >= MAX_EXTRAS) {
    free(copy);
    return hvx_set_error(EFBIG, "vm: more than %u extras on one object",
                         MAX_EXTRAS);
  }
  struct hvx_extra *v = realloc(x->v, (x->n + 1) * sizeof *v);
  char *kcopy = hvx_strdup(key);
  if (!v || !kcopy) {
    if (v)
      x->v = v;
    free(copy);
    free(kcopy);
    return hvx_set_error(ENOMEM, "vm: cannot add extra '%s'", key);
  }
  x->v = v;
  x->v[x->n].key = kcopy;
  x->v[x->n].value = copy;
  x->n++;
  return 0;
}

/* ---- devices -------------------------------------------------------- */

static void disk_clear(struct hvx_vm_disk *d)
{
  free(d->path);
  free(d->name);
  extras_free(&d->extras);
}

static void nic_clear(struct hvx_vm_nic *n)
{
  free(n->mac);
  free(n->network);
  free(n->model);
  extras_free(&n->extras);
}

static void serial_clear(struct hvx_vm_serial *s)
{
  free(s->target);
  extras_free(&s->extras);
}

/* Grow *V (of *N elements of SIZE) by one zeroed element; its index, or
 * -1 (EFBIG past the device limit, ENOMEM). */
static int grow(void **v, size_t *n, size_t size, const char *what)
{
  char *p;

  if (*n >= HVX_VM_MAX_DEVICES)
    return hvx_set_error(EFBIG, "vm: more than %u %s", HVX_VM_MAX_DEVICES,
                         what);
  p = realloc(*v, (*n + 1) * size);
  if (!p)
    return hvx_set_error(ENOMEM, "vm: cannot add one of %s", what);
  memset(p + *n * size, 0, size);
  *v = p;
  return (int)(*n)++;
}

static int bad_index(const char *what, size_t i, size_t n)
{
  return hvx_set_error(EINVAL, "vm: no %s %zu (the guest has %zu)", what, i,
                       n);
}

static struct hvx_vm_disk *disk_at(const hvx_vm *vm, size_t i)
{
  if (!vm || i >= vm->n_disks) {
    bad_index("disk", i, vm ? vm->n_disks : 0);
    return NULL;
  }
  return &vm->disks[i];
}

static struct hvx_vm_nic *nic_at(const hvx_vm *vm, size_t i)
{
  if (!vm || i >= vm->n_nics) {
    bad_index("nic", i, vm ? vm->n_nics : 0);
    return NULL;
  }
  return &vm->nics[i];
}

static struct hvx_vm_serial *serial_at(const hvx_vm *vm, size_t i)
{
  if (!vm || i >= vm->n_serials) {
    bad_index("serial port", i, vm ? vm->n_serials : 0);
    return NULL;
  }
  return &vm->serials[i];
}

/* ---- the guest ------------------------------------------------------ */

HVX_API hvx_vm *hvx_vm_new(void)
{
  return hvx_calloc(1, sizeof(hvx_vm), "a guest description");
}

HVX_API void hvx_vm_free(hvx_vm *vm)
{
  if (!vm)
    return;
  free(vm->name);
  free(vm->uuid);
  free(vm->kernel);
  free(vm->ramdisk);
  free(vm->cmdline);
  free(vm->bootloader);
  free(vm->bootloader_args);
  free(vm->boot_order);
  extras_free(&vm->extras);
  for (size_t i = 0; i < vm->n_disks; i++)
    disk_clear(&vm->disks[i]);
  for (size_t i = 0; i < vm->n_nics; i++)
    nic_clear(&vm->nics[i]);
  for (size_t i = 0; i < vm->n_serials; i++)
    serial_clear(&vm->serials[i]);
  free(vm->disks);
  free(vm->nics);
  free(vm->serials);
  free(vm);
}

/* Copy a possibly-NULL string; false on ENOMEM. */
static bool dup_opt(char **dst, const char *src)
{
  *dst = NULL;
  return !src || (*dst = hvx_strdup(src)) != NULL;
}

HVX_API hvx_vm *hvx_vm_dup(const hvx_vm *vm)
{
  hvx_vm *c;
  bool ok = true;

  if (!vm) {
    hvx_set_error(EINVAL, "vm: NULL guest");
    return NULL;
  }
  if (!(c = hvx_vm_new()))
    return NULL;
  *c = *vm;
  /* Detach every pointer first so a failure half-way frees only copies. */
  c->name = c->uuid = c->kernel = c->ramdisk = c->cmdline = NULL;
  c->bootloader = c->bootloader_args = c->boot_order = NULL;
  c->extras.v = NULL;
  c->extras.n = 0;
  c->disks = NULL;
  c->nics = NULL;
  c->serials = NULL;
  c->n_disks = c->n_nics = c->n_serials = 0;
  ok = dup_opt(&c->name, vm->name) && dup_opt(&c->uuid, vm->uuid) &&
       dup_opt(&c->kernel, vm->kernel) && dup_opt(&c->ramdisk, vm->ramdisk) &&
       dup_opt(&c->cmdline, vm->cmdline) &&
       dup_opt(&c->bootloader, vm->bootloader) &&
       dup_opt(&c->bootloader_args, vm->bootloader_args) &&
       dup_opt(&c->boot_order, vm->boot_order) &&
       extras_copy(&c->extras, &vm->extras) == 0;
  if (ok && vm->n_disks) {
    ok = (c->disks = hvx_calloc(vm->n_disks, sizeof *c->disks, "disks"));
    for (size_t i = 0; ok && i < vm->n_disks; i++) {
      struct hvx_vm_disk *d = &c->disks[i];
      *d = vm->disks[i];
      d->extras.v = NULL;
      d->extras.n = 0;
      ok = dup_opt(&d->path, vm->disks[i].path) &&
           dup_opt(&d->name, vm->disks[i].name) &&
           extras_copy(&d->extras, &vm->disks[i].extras) == 0;
      c->n_disks++;
    }
  }
  if (ok && vm->n_nics) {
    ok = (c->nics = hvx_calloc(vm->n_nics, sizeof *c->nics, "nics"));
    for (size_t i = 0; ok && i < vm->n_nics; i++) {
      struct hvx_vm_nic *n = &c->nics[i];
      ok = dup_opt(&n->mac, vm->nics[i].mac) &&
           dup_opt(&n->network, vm->nics[i].network) &&
           dup_opt(&n->model, vm->nics[i].model) &&
           extras_copy(&n->extras, &vm->nics[i].extras) == 0;
      c->n_nics++;
    }
  }
  if (ok && vm->n_serials) {
    ok = (c->serials = hvx_calloc(vm->n_serials, sizeof *c->serials,
                                  "serial ports"));
    for (size_t i = 0; ok && i < vm->n_serials; i++) {
      ok = dup_opt(&c->serials[i].target, vm->serials[i].target) &&
           extras_copy(&c->serials[i].extras, &vm->serials[i].extras) == 0;
      c->n_serials++;
    }
  }
  if (!ok) {
    hvx_vm_free(c);
    return NULL;
  }
  return c;
}

HVX_API int hvx_vm_set_name(hvx_vm *vm, const char *name)
{
  if (name && !*name)
    return hvx_set_error(EINVAL, "vm: the name is empty");
  return set_string(&vm->name, name, 255, "name");
}

HVX_API const char *hvx_vm_name(const hvx_vm *vm)
{
  return vm->name;
}

HVX_API int hvx_vm_set_uuid(hvx_vm *vm, const char *uuid)
{
  char buf[37];

  if (!uuid) {
    free(vm->uuid);
    vm->uuid = NULL;
    return 0;
  }
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    unsigned char c = (unsigned char)uuid[i];
    if (dash ? c != '-' : !isxdigit(c))
      return hvx_set_error(EINVAL, "vm: UUID '%.64s' is not of the form "
                           "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", uuid);
    buf[i] = (char)tolower(c);
  }
  if (uuid[36])
    return hvx_set_error(EINVAL, "vm: UUID '%.64s' has junk after 36 "
                         "characters", uuid);
  buf[36] = '\0';
  return set_string(&vm->uuid, buf, 36, "UUID");
}

HVX_API const char *hvx_vm_uuid(const hvx_vm *vm)
{
  return vm->uuid;
}

HVX_API int hvx_vm_set_guest_type(hvx_vm *vm, int type)
{
  if (!hvx_guest_type_name(type))
    return hvx_set_error(EINVAL, "vm: unknown guest type %d", type);
  vm->guest_type = type;
  return 0;
}

HVX_API int hvx_vm_guest_type(const hvx_vm *vm)
{
  return vm->guest_type;
}

HVX_API int hvx_vm_set_firmware(hvx_vm *vm, int firmware)
{
  if (!hvx_firmware_name(firmware))
    return hvx_set_error(EINVAL, "vm: unknown firmware %d", firmware);
  vm->firmware = firmware;
  return 0;
}

HVX_API int hvx_vm_firmware(const hvx_vm *vm)
{
  return vm->firmware;
}

HVX_API int hvx_vm_set_secure_boot(hvx_vm *vm, int on)
{
  vm->secure_boot = on != 0;
  return 0;
}

HVX_API int hvx_vm_secure_boot(const hvx_vm *vm)
{
  return vm->secure_boot;
}

static int check_vcpus(unsigned n, const char *what)
{
  if (n > HVX_VM_MAX_VCPUS)
    return hvx_set_error(EINVAL, "vm: %s %u is more than %u", what, n,
                         HVX_VM_MAX_VCPUS);
  return 0;
}

HVX_API int hvx_vm_set_vcpus(hvx_vm *vm, unsigned vcpus)
{
  if (check_vcpus(vcpus, "vcpus") < 0)
    return -1;
  vm->vcpus = vcpus;
  return 0;
}

HVX_API unsigned hvx_vm_vcpus(const hvx_vm *vm)
{
  return vm->vcpus;
}

HVX_API int hvx_vm_set_max_vcpus(hvx_vm *vm, unsigned max_vcpus)
{
  if (check_vcpus(max_vcpus, "maximum vcpus") < 0)
    return -1;
  vm->max_vcpus = max_vcpus;
  return 0;
}

HVX_API unsigned hvx_vm_max_vcpus(const hvx_vm *vm)
{
  return vm->max_vcpus;
}

static int check_memory(uint64_t bytes, const char *what)
{
  if (bytes > HVX_VM_MAX_MEMORY)
    return hvx_set_error(EFBIG, "vm: %s %" PRIu64 " MiB is more than %"
                         PRIu64 " MiB", what, bytes >> 20,
                         HVX_VM_MAX_MEMORY >> 20);
  if (bytes % (1u << 20))
    return hvx_set_error(EINVAL, "vm: %s %" PRIu64 " bytes is not a "
                         "multiple of 1 MiB", what, bytes);
  return 0;
}

HVX_API int hvx_vm_set_memory(hvx_vm *vm, uint64_t bytes)
{
  if (check_memory(bytes, "memory") < 0)
    return -1;
  vm->memory = bytes;
  return 0;
}

HVX_API uint64_t hvx_vm_memory(const hvx_vm *vm)
{
  return vm->memory;
}

HVX_API int hvx_vm_set_max_memory(hvx_vm *vm, uint64_t bytes)
{
  if (check_memory(bytes, "maximum memory") < 0)
    return -1;
  vm->max_memory = bytes;
  return 0;
}

HVX_API uint64_t hvx_vm_max_memory(const hvx_vm *vm)
{
  return vm->max_memory;
}

#define STRING_FIELD(field, what)                                        \
  HVX_API int hvx_vm_set_##field(hvx_vm *vm, const char *s)              \
  {                                                                      \
    return set_string(&vm->field, s, HVX_VM_MAX_STRING, what);           \
  }                                                                      \
  HVX_API const char *hvx_vm_##field(const hvx_vm *vm)                   \
  {                                                                      \
    return vm->field;                                                    \
  }

STRING_FIELD(kernel, "kernel")
STRING_FIELD(ramdisk, "ramdisk")
STRING_FIELD(cmdline, "kernel command line")
STRING_FIELD(bootloader, "bootloader")
STRING_FIELD(bootloader_args, "bootloader arguments")

HVX_API int hvx_vm_set_boot_order(hvx_vm *vm, const char *order)
{
  if (order && !*order)
    order = NULL;
  for (size_t i = 0; order && order[i]; i++) {
    if (!strchr("acdn", order[i]))
      return hvx_set_error(EINVAL, "vm: boot order '%.32s': '%c' is not one "
                           "of a (floppy), c (disk), d (CD-ROM), n (network)",
                           order, isprint((unsigned char)order[i]) ?
                           order[i] : '?');
    if (strchr(order + i + 1, order[i]))
      return hvx_set_error(EINVAL, "vm: boot order '%.32s' names '%c' twice",
                           order, order[i]);
  }
  return set_string(&vm->boot_order, order, 4, "boot order");
}

HVX_API const char *hvx_vm_boot_order(const hvx_vm *vm)
{
  return vm->boot_order;
}

HVX_API int hvx_vm_set_action(hvx_vm *vm, int event, int action)
{
  if (!hvx_event_name(event))
    return hvx_set_error(EINVAL, "vm: unknown event %d", event);
  if (!hvx_action_name(action))
    return hvx_set_error(EINVAL, "vm: unknown action %d for %s", action,
                         hvx_event_name(event));
  vm->actions[event] = action;
  return 0;
}

HVX_API int hvx_vm_action(const hvx_vm *vm, int event)
{
  if (!hvx_event_name(event))
    return hvx_set_error(EINVAL, "vm: unknown event %d", event);
  return vm->actions[event];
}

/* ---- disks ---------------------------------------------------------- */

HVX_API int hvx_vm_add_disk(hvx_vm *vm)
{
  return grow((void **)&vm->disks, &vm->n_disks, sizeof *vm->disks,
              "disks");
}

HVX_API size_t hvx_vm_disk_count(const hvx_vm *vm)
{
  return vm->n_disks;
}

HVX_API int hvx_vm_remove_disk(hvx_vm *vm, size_t i)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  disk_clear(d);
  memmove(d, d + 1, (vm->n_disks - i - 1) * sizeof *d);
  vm->n_disks--;
  return 0;
}

HVX_API int hvx_vm_disk_set_path(hvx_vm *vm, size_t i, const char *path)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  if (path && !*path)
    return hvx_set_error(EINVAL, "vm: disk %zu: empty image path (use NULL "
                         "for an empty drive)", i);
  return set_string(&d->path, path, HVX_VM_MAX_STRING, "disk image path");
}

HVX_API const char *hvx_vm_disk_path(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_disk *d = disk_at(vm, i);
  return d ? d->path : NULL;
}

HVX_API int hvx_vm_disk_set_format(hvx_vm *vm, size_t i, const char *format)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  if (!format) {
    d->format = NULL;
    return 0;
  }
  for (size_t k = 0; k < N_OF(disk_formats); k++)
    if (strcmp(disk_formats[k], format) == 0) {
      d->format = disk_formats[k];
      return 0;
    }
  return hvx_set_error(EINVAL, "vm: disk %zu: unknown image format '%.64s' "
                       "(known: raw, qcow, qcow2, vhd, vhdx, qed, vmdk)", i,
                       format);
}

HVX_API const char *hvx_vm_disk_format(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_disk *d = disk_at(vm, i);
  return d ? d->format : NULL;
}

HVX_API int hvx_vm_disk_set_address(hvx_vm *vm, size_t i, int bus,
                                    unsigned controller, unsigned slot,
                                    unsigned partition)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  if (!hvx_bus_name(bus))
    return hvx_set_error(EINVAL, "vm: disk %zu: unknown bus %d", i, bus);
  if (controller > HVX_VM_MAX_CONTROLLER)
    return hvx_set_error(EINVAL, "vm: disk %zu: controller %u is more than "
                         "%u", i, controller, HVX_VM_MAX_CONTROLLER);
  if (slot > HVX_VM_MAX_SLOT)
    return hvx_set_error(EINVAL, "vm: disk %zu: slot %u is more than %u", i,
                         slot, HVX_VM_MAX_SLOT);
  if (bus == HVX_BUS_IDE && slot > 1)
    return hvx_set_error(EINVAL, "vm: disk %zu: IDE slot %u (an IDE "
                         "controller has slots 0 and 1)", i, slot);
  if (partition > 255)
    return hvx_set_error(EINVAL, "vm: disk %zu: partition %u is more than "
                         "255", i, partition);
  d->bus = bus;
  d->controller = controller;
  d->slot = slot;
  d->partition = partition;
  return 0;
}

#define DISK_INT_GETTER(field)                                           \
  HVX_API int hvx_vm_disk_##field(const hvx_vm *vm, size_t i)            \
  {                                                                      \
    struct hvx_vm_disk *d = disk_at(vm, i);                              \
    return d ? (int)d->field : -1;                                       \
  }

DISK_INT_GETTER(bus)
DISK_INT_GETTER(controller)
DISK_INT_GETTER(slot)
DISK_INT_GETTER(partition)
DISK_INT_GETTER(readonly)
DISK_INT_GETTER(cdrom)

HVX_API int hvx_vm_disk_set_name(hvx_vm *vm, size_t i, const char *name)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  if (name && !*name)
    return hvx_set_error(EINVAL, "vm: disk %zu: empty device name", i);
  return set_string(&d->name, name, 255, "disk name");
}

HVX_API const char *hvx_vm_disk_name(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_disk *d = disk_at(vm, i);
  return d ? d->name : NULL;
}

HVX_API int hvx_vm_disk_set_readonly(hvx_vm *vm, size_t i, int on)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  d->readonly = on != 0;
  return 0;
}

HVX_API int hvx_vm_disk_set_cdrom(hvx_vm *vm, size_t i, int on)
{
  struct hvx_vm_disk *d = disk_at(vm, i);

  if (!d)
    return -1;
  d->cdrom = on != 0;
  if (d->cdrom)
    d->readonly = true;
  return 0;
}

/* ---- network interfaces -------------------------------------------- */

HVX_API int hvx_vm_add_nic(hvx_vm *vm)
{
  return grow((void **)&vm->nics, &vm->n_nics, sizeof *vm->nics,
              "network interfaces");
}

HVX_API size_t hvx_vm_nic_count(const hvx_vm *vm)
{
  return vm->n_nics;
}

HVX_API int hvx_vm_remove_nic(hvx_vm *vm, size_t i)
{
  struct hvx_vm_nic *n = nic_at(vm, i);

  if (!n)
    return -1;
  nic_clear(n);
  memmove(n, n + 1, (vm->n_nics - i - 1) * sizeof *n);
  vm->n_nics--;
  return 0;
}

HVX_API int hvx_vm_nic_set_mac(hvx_vm *vm, size_t i, const char *mac)
{
  struct hvx_vm_nic *n = nic_at(vm, i);
  unsigned char b[6];
  char canon[18];
  char sep = 0;

  if (!n)
    return -1;
  if (!mac)
    return set_string(&n->mac, NULL, 0, "MAC");
  /* Exactly six two-digit hex octets, one separator kind throughout. */
  for (size_t k = 0; k < 6; k++) {
    const char *p = mac + 3 * k;
    if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
      goto bad;
    if (k < 5) {
      if ((p[2] != ':' && p[2] != '-') || (sep && p[2] != sep))
        goto bad;
      sep = p[2];
    } else if (p[2]) {
      goto bad;
    }
    unsigned v;
    sscanf(p, "%2x", &v);
    b[k] = (unsigned char)v;
  }
  if (b[0] & 1)
    return hvx_set_error(EINVAL, "vm: nic %zu: MAC %s is a multicast "
                         "address (low bit of the first octet set)", i, mac);
  snprintf(canon, sizeof canon, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
           b[2], b[3], b[4], b[5]);
  return set_string(&n->mac, canon, 17, "MAC");
bad:
  return hvx_set_error(EINVAL, "vm: nic %zu: MAC '%.64s' is not six "
                       "hex octets separated by ':' or '-'", i, mac);
}

HVX_API const char *hvx_vm_nic_mac(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_nic *n = nic_at(vm, i);
  return n ? n->mac : NULL;
}

HVX_API int hvx_vm_nic_set_network(hvx_vm *vm, size_t i, const char *network)
{
  struct hvx_vm_nic *n = nic_at(vm, i);

  if (!n)
    return -1;
  return set_string(&n->network, network, 255, "network");
}

HVX_API const char *hvx_vm_nic_network(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_nic *n = nic_at(vm, i);
  return n ? n->network : NULL;
}

HVX_API int hvx_vm_nic_set_model(hvx_vm *vm, size_t i, const char *model)
{
  struct hvx_vm_nic *n = nic_at(vm, i);

  if (!n)
    return -1;
  return set_string(&n->model, model, 64, "nic model");
}

HVX_API const char *hvx_vm_nic_model(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_nic *n = nic_at(vm, i);
  return n ? n->model : NULL;
}

/* ---- serial ports -------------------------------------------------- */

HVX_API int hvx_vm_add_serial(hvx_vm *vm, const char *target)
{
  int i;

  if (!target || !*target)
    return hvx_set_error(EINVAL, "vm: a serial port needs a target");
  if (hvx_vm_check_string(target, HVX_VM_MAX_STRING, "serial target") < 0)
    return -1;
  i = grow((void **)&vm->serials, &vm->n_serials, sizeof *vm->serials,
           "serial ports");
  if (i < 0)
    return -1;
  if (set_string(&vm->serials[i].target, target, HVX_VM_MAX_STRING,
                 "serial target") < 0) {
    vm->n_serials--;
    return -1;
  }
  return i;
}

HVX_API size_t hvx_vm_serial_count(const hvx_vm *vm)
{
  return vm->n_serials;
}

HVX_API int hvx_vm_remove_serial(hvx_vm *vm, size_t i)
{
  struct hvx_vm_serial *s = serial_at(vm, i);

  if (!s)
    return -1;
  serial_clear(s);
  memmove(s, s + 1, (vm->n_serials - i - 1) * sizeof *s);
  vm->n_serials--;
  return 0;
}

HVX_API int hvx_vm_serial_set_target(hvx_vm *vm, size_t i, const char *target)
{
  struct hvx_vm_serial *s = serial_at(vm, i);

  if (!s)
    return -1;
  if (!target || !*target)
    return hvx_set_error(EINVAL, "vm: serial port %zu needs a target", i);
  return set_string(&s->target, target, HVX_VM_MAX_STRING, "serial target");
}

HVX_API const char *hvx_vm_serial_target(const hvx_vm *vm, size_t i)
{
  struct hvx_vm_serial *s = serial_at(vm, i);
  return s ? s->target : NULL;
}

/* ---- extras --------------------------------------------------------- */

struct hvx_extras *hvx_vm_extras(hvx_vm *vm, int object, size_t index)
{
  switch (object) {
  case HVX_OBJECT_GUEST:
    if (index != 0)
      break;
    return &vm->extras;
  case HVX_OBJECT_DISK: {
    struct hvx_vm_disk *d = disk_at(vm, index);
    return d ? &d->extras : NULL;
  }
  case HVX_OBJECT_NIC: {
    struct hvx_vm_nic *n = nic_at(vm, index);
    return n ? &n->extras : NULL;
  }
  case HVX_OBJECT_SERIAL: {
    struct hvx_vm_serial *s = serial_at(vm, index);
    return s ? &s->extras : NULL;
  }
  }
  hvx_set_error(EINVAL, "vm: no object %d index %zu for extras", object,
                index);
  return NULL;
}

HVX_API int hvx_vm_set_extra(hvx_vm *vm, int object, size_t index,
                             const char *key, const char *value)
{
  struct hvx_extras *x = hvx_vm_extras(vm, object, index);
  return x ? extras_set(x, key, value) : -1;
}

HVX_API const char *hvx_vm_extra(const hvx_vm *vm, int object, size_t index,
                                 const char *key)
{
  /* The lookup does not modify; the cast only reuses the finder. */
  struct hvx_extras *x = hvx_vm_extras((hvx_vm *)vm, object, index);

  for (size_t j = 0; x && key && j < x->n; j++)
    if (strcmp(x->v[j].key, key) == 0)
      return x->v[j].value;
  return NULL;
}

HVX_API int hvx_vm_extra_count(const hvx_vm *vm, int object, size_t index)
{
  struct hvx_extras *x = hvx_vm_extras((hvx_vm *)vm, object, index);
  return x ? (int)x->n : -1;
}

static struct hvx_extra *extra_at(const hvx_vm *vm, int object, size_t index,
                                  size_t j)
{
  struct hvx_extras *x = hvx_vm_extras((hvx_vm *)vm, object, index);

  if (!x)
    return NULL;
  if (j >= x->n) {
    hvx_set_error(EINVAL, "vm: no extra %zu (the object has %zu)", j, x->n);
    return NULL;
  }
  return &x->v[j];
}

HVX_API const char *hvx_vm_extra_key(const hvx_vm *vm, int object,
                                     size_t index, size_t j)
{
  struct hvx_extra *e = extra_at(vm, object, index, j);
  return e ? e->key : NULL;
}

HVX_API const char *hvx_vm_extra_value(const hvx_vm *vm, int object,
                                       size_t index, size_t j)
{
  struct hvx_extra *e = extra_at(vm, object, index, j);
  return e ? e->value : NULL;
}
