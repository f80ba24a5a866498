/* hvx - the Hyper-V tables (lib/hyperv-tables.c), shared by the
 * hypercall, detection and enlightenment code.  Not installed. */
#ifndef HVX_HYPERV_TABLES_H
#define HVX_HYPERV_TABLES_H

#include <stddef.h>

#include "internal.h"

extern const struct hvx_hv_call hvx_hv_call_table[];
extern const size_t hvx_hv_call_count;
extern const struct hvx_hv_status hvx_hv_status_table[];
extern const size_t hvx_hv_status_count;
extern const struct hvx_hv_msr hvx_hv_msr_table[];
extern const size_t hvx_hv_msr_count;
extern const struct hvx_hv_cpuid_bit hvx_hv_cpuid_bit_table[];
extern const size_t hvx_hv_cpuid_bit_count;

#endif /* HVX_HYPERV_TABLES_H */
