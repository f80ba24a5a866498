/* hvx - the guest model as JSON (for the CLI and the bindings). */
#include "config.h"

#include <inttypes.h>

#include "strbuf.h"
#include "vm-internal.h"

static void key(struct hvx_buf *b, const char *indent, const char *k)
{
  hvx_buf_printf(b, ",\n%s\"%s\": ", indent, k);
}

static void number_or_null(struct hvx_buf *b, uint64_t v)
{
  if (v)
    hvx_buf_printf(b, "%" PRIu64, v);
  else
    hvx_buf_add(b, "null");
}

static void extras(struct hvx_buf *b, const struct hvx_extras *x)
{
  hvx_buf_add(b, "{");
  for (size_t i = 0; i < x->n; i++) {
    hvx_buf_add(b, i ? ", " : "");
    hvx_buf_json_string(b, x->v[i].key);
    hvx_buf_add(b, ": ");
    hvx_buf_json_string(b, x->v[i].value);
  }
  hvx_buf_add(b, "}");
}

static void disk(struct hvx_buf *b, const struct hvx_vm_disk *d)
{
  const char *in = "      ";

  hvx_buf_add(b, "\n    {\n      \"name\": ");
  hvx_buf_json_string(b, d->name);
  key(b, in, "path");
  hvx_buf_json_string(b, d->path);
  key(b, in, "format");
  hvx_buf_json_string(b, d->format);
  key(b, in, "bus");
  hvx_buf_json_string(b, hvx_bus_name(d->bus));
  key(b, in, "controller");
  hvx_buf_printf(b, "%u", d->controller);
  key(b, in, "slot");
  hvx_buf_printf(b, "%u", d->slot);
  key(b, in, "partition");
  hvx_buf_printf(b, "%u", d->partition);
  key(b, in, "readonly");
  hvx_buf_add(b, d->readonly ? "true" : "false");
  key(b, in, "cdrom");
  hvx_buf_add(b, d->cdrom ? "true" : "false");
  key(b, in, "extras");
  extras(b, &d->extras);
  hvx_buf_add(b, "\n    }");
}

static void nic(struct hvx_buf *b, const struct hvx_vm_nic *n)
{
  const char *in = "      ";

  hvx_buf_add(b, "\n    {\n      \"mac\": ");
  hvx_buf_json_string(b, n->mac);
  key(b, in, "network");
  hvx_buf_json_string(b, n->network);
  key(b, in, "model");
  hvx_buf_json_string(b, n->model);
  key(b, in, "extras");
  extras(b, &n->extras);
  hvx_buf_add(b, "\n    }");
}

HVX_API char *hvx_vm_to_json(const hvx_vm *vm)
{
  struct hvx_buf b = HVX_BUF_INIT;
  const char *in = "  ";
  bool first;
  uint64_t enl;

  if (!vm) {
    hvx_set_error(EINVAL, "vm: NULL guest");
    return NULL;
  }
  hvx_buf_add(&b, "{\n  \"name\": ");
  hvx_buf_json_string(&b, vm->name);
  key(&b, in, "uuid");
  hvx_buf_json_string(&b, vm->uuid);
  key(&b, in, "guest_type");
  hvx_buf_json_string(&b, vm->guest_type ?
                      hvx_guest_type_name(vm->guest_type) : NULL);
  key(&b, in, "firmware");
  hvx_buf_json_string(&b, vm->firmware ? hvx_firmware_name(vm->firmware)
                      : NULL);
  key(&b, in, "secure_boot");
  hvx_buf_add(&b, vm->secure_boot ? "true" : "false");
  key(&b, in, "vcpus");
  number_or_null(&b, vm->vcpus);
  key(&b, in, "max_vcpus");
  number_or_null(&b, vm->max_vcpus);
  key(&b, in, "memory");
  number_or_null(&b, vm->memory);
  key(&b, in, "max_memory");
  number_or_null(&b, vm->max_memory);
  key(&b, in, "kernel");
  hvx_buf_json_string(&b, vm->kernel);
  key(&b, in, "ramdisk");
  hvx_buf_json_string(&b, vm->ramdisk);
  key(&b, in, "cmdline");
  hvx_buf_json_string(&b, vm->cmdline);
  key(&b, in, "bootloader");
  hvx_buf_json_string(&b, vm->bootloader);
  key(&b, in, "bootloader_args");
  hvx_buf_json_string(&b, vm->bootloader_args);
  key(&b, in, "boot_order");
  hvx_buf_json_string(&b, vm->boot_order);
  key(&b, in, "actions");
  hvx_buf_add(&b, "{");
  first = true;
  for (int e = 0; e < HVX_VM_N_EVENTS; e++) {
    if (!vm->actions[e])
      continue;
    hvx_buf_printf(&b, "%s\"%s\": ", first ? "" : ", ", hvx_event_name(e));
    hvx_buf_json_string(&b, hvx_action_name(vm->actions[e]));
    first = false;
  }
  hvx_buf_add(&b, "}");
  key(&b, in, "enlightenments");
  hvx_buf_add(&b, "[");
  first = true;
  /* The older viridian-group view, kept for existing readers. */
  enl = hvx_vm_enlightenments(vm);
  for (int bit = 0; bit < 64; bit++) {
    uint64_t m = UINT64_C(1) << bit;
    if (!(enl & m))
      continue;
    hvx_buf_add(&b, first ? "" : ", ");
    hvx_buf_json_string(&b, hvx_enlightenment_name(m));
    first = false;
  }
  hvx_buf_add(&b, "]");
  key(&b, in, "hv_features");
  hvx_buf_add(&b, "[");
  first = true;
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    if (!(vm->hv_features & HVX_ENL_BIT(f)))
      continue;
    hvx_buf_add(&b, first ? "" : ", ");
    hvx_buf_json_string(&b, hvx_enl_info(f)->name);
    first = false;
  }
  hvx_buf_add(&b, "]");
  key(&b, in, "hv_spinlock_retries");
  if (vm->hv_spinlock_retries)
    hvx_buf_printf(&b, "%" PRIu32, vm->hv_spinlock_retries);
  else
    hvx_buf_add(&b, "null");
  key(&b, in, "xen_platform");
  hvx_buf_add(&b, vm->xen_platform ? "true" : "false");
  key(&b, in, "extras");
  extras(&b, &vm->extras);
  key(&b, in, "disks");
  hvx_buf_add(&b, "[");
  for (size_t i = 0; i < vm->n_disks; i++) {
    hvx_buf_add(&b, i ? "," : "");
    disk(&b, &vm->disks[i]);
  }
  hvx_buf_add(&b, vm->n_disks ? "\n  ]" : "]");
  key(&b, in, "nics");
  hvx_buf_add(&b, "[");
  for (size_t i = 0; i < vm->n_nics; i++) {
    hvx_buf_add(&b, i ? "," : "");
    nic(&b, &vm->nics[i]);
  }
  hvx_buf_add(&b, vm->n_nics ? "\n  ]" : "]");
  key(&b, in, "serials");
  hvx_buf_add(&b, "[");
  for (size_t i = 0; i < vm->n_serials; i++) {
    hvx_buf_add(&b, i ? ",\n    {\"target\": " : "\n    {\"target\": ");
    hvx_buf_json_string(&b, vm->serials[i].target);
    hvx_buf_add(&b, ", \"extras\": ");
    extras(&b, &vm->serials[i].extras);
    hvx_buf_add(&b, "}");
  }
  hvx_buf_add(&b, vm->n_serials ? "\n  ]" : "]");
  hvx_buf_add(&b, "\n}\n");
  return hvx_buf_finish(&b);
}
