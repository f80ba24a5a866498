/* hvx - move virtual machines between Xen and Hyper-V.
 *
 * Umbrella header: include this one.  Link with `pkg-config --libs hvx`.
 */
#ifndef HVX_H
#define HVX_H

#include <hvx/version.h>
#include <hvx/error.h>
#include <hvx/image.h>
#include <hvx/convert.h>
#include <hvx/hypercall.h>
#include <hvx/detect.h>
#include <hvx/enlightenment.h>
#include <hvx/report.h>
#include <hvx/vm.h>
#include <hvx/xen.h>
#include <hvx/hyperv.h>
#include <hvx/ovf.h>

#endif /* HVX_H */
