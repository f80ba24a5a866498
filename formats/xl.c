/* hvx - live Xen domains (placeholder until the xenstore reader lands). */
#include "config.h"

#include "hvx/xen.h"
#include "internal.h"

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
