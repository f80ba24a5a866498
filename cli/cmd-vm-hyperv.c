/* hvx CLI - the Hyper-V, OVF and libvirt formats of `hvx vm`: readers
 * and writers with the signatures of cmd-vm.c's format table.  The
 * Hyper-V writers lay the guest out for Hyper-V first (unless it already
 * is), and xen-xl lays it out for a Xen HVM guest, so their reports say
 * what the move changes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* VM laid out for Hyper-V: a copy if VM needed translating, else NULL
 * with *USE pointing at VM.  Returns -1 on error. */
static int hyperv_layout(const hvx_vm *vm, hvx_report *report,
                         hvx_vm **copy, const hvx_vm **use)
{
  char *probe = NULL;
  size_t len;

  *copy = NULL;
  *use = vm;
  /* A guest read from Hyper-V (offered what a Hyper-V host offers, no
   * Xen platform device, laid out on Hyper-V's controllers) is written
   * back as it is; any other is translated, with the report of what the
   * move changes. */
  if (hvx_vm_hv_features(vm) == hvx_hyperv_features(NULL) &&
      !hvx_vm_xen_platform(vm) &&
      hvx_vm_to_hyperv_xml(vm, 0, &probe, &len, NULL) == 0) {
    free(probe);
    return 0;
  }
  if (hvx_hyperv_translate(vm, 0, copy, report) < 0)
    return -1;
  *use = *copy;
  return 0;
}

char *cli_vm_to_hyperv_ps(const hvx_vm *vm, hvx_report *report)
{
  hvx_vm *copy;
  const hvx_vm *use;
  char *out;

  if (hyperv_layout(vm, report, &copy, &use) < 0)
    return NULL;
  out = hvx_hyperv_to_powershell(use, report);
  hvx_vm_free(copy);
  return out;
}

char *cli_vm_to_hyperv_xml(const hvx_vm *vm, hvx_report *report)
{
  hvx_vm *copy;
  const hvx_vm *use;
  char *out = NULL;
  size_t len;

  if (hyperv_layout(vm, report, &copy, &use) < 0)
    return NULL;
  if (hvx_vm_to_hyperv_xml(use, 0, &out, &len, report) < 0)
    out = NULL;
  hvx_vm_free(copy);
  return out;
}

char *cli_vm_to_xen_xl(const hvx_vm *vm, hvx_report *report)
{
  hvx_vm *x;
  char *out;

  if (hvx_xen_translate(vm, &x, report) < 0)
    return NULL;
  out = hvx_vm_to_xl(x, report);
  hvx_vm_free(x);
  return out;
}

char *cli_vm_to_libvirt(const hvx_vm *vm, hvx_report *report)
{
  return hvx_vm_to_libvirt(vm, "xen", report);
}

char *cli_vm_to_libvirt_kvm(const hvx_vm *vm, hvx_report *report)
{
  return hvx_vm_to_libvirt(vm, "kvm", report);
}
