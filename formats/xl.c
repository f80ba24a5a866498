/* hvx - xl.cfg (placeholder until the reader and writer land). */
#include "config.h"

#include "hvx/xen.h"
#include "internal.h"

HVX_API hvx_vm *hvx_vm_from_xl(const char *data, size_t len,
                               const char *filename, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xl: reading xl.cfg is not implemented yet");
  return NULL;
}

HVX_API hvx_vm *hvx_vm_from_xl_file(const char *path, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xl: reading xl.cfg is not implemented yet");
  return NULL;
}

HVX_API char *hvx_vm_to_xl(const hvx_vm *vm, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xl: writing xl.cfg is not implemented yet");
  return NULL;
}

HVX_API char *hvx_xl_disk_spec(const hvx_vm *vm, size_t i, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xl: writing xl.cfg is not implemented yet");
  return NULL;
}

HVX_API hvx_vm *hvx_vm_from_xenstore(unsigned domid, hvx_report *report)
{
  hvx_set_error(ENOTSUP, "xenstore: not implemented yet");
  return NULL;
}

HVX_API int hvx_xen_domain_info(unsigned domid,
                                struct hvx_xen_domain_info *info)
{
  return hvx_set_error(ENOTSUP, "xenctrl: not implemented yet");
}

HVX_API int hvx_vm_add_domain_info(hvx_vm *vm, unsigned domid)
{
  return hvx_set_error(ENOTSUP, "xenctrl: not implemented yet");
}
