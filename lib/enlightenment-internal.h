/* hvx - shared between lib/enlightenments.c (the map, Xen semantics)
 * and lib/enlightenment-vocab.c (parse, format, compatibility).  Not
 * installed. */
#ifndef HVX_ENLIGHTENMENT_INTERNAL_H
#define HVX_ENLIGHTENMENT_INTERNAL_H

#include "internal.h"

/* Xen viridian groups, libxl_viridian_enlightenment order. */
enum {
  HVX_XL_BASE, HVX_XL_FREQ, HVX_XL_TIME_REF_COUNT, HVX_XL_REFERENCE_TSC,
  HVX_XL_HCALL_REMOTE_TLB_FLUSH, HVX_XL_APIC_ASSIST, HVX_XL_CRASH_CTL,
  HVX_XL_SYNIC, HVX_XL_STIMER, HVX_XL_HCALL_IPI, HVX_XL_EX_PROCESSOR_MASKS,
  HVX_XL_NO_VP_LIMIT, HVX_XL_CPU_HOTPLUG,
};

/* The groups "viridian = 1" / "defaults" enable (libxl_x86.c). */
#define HVX_XL_DEFAULT_GROUPS \
  ((1u << HVX_XL_BASE) | (1u << HVX_XL_FREQ) | \
   (1u << HVX_XL_TIME_REF_COUNT) | (1u << HVX_XL_APIC_ASSIST) | \
   (1u << HVX_XL_CRASH_CTL) | (1u << HVX_XL_NO_VP_LIMIT) | \
   (1u << HVX_XL_CPU_HOTPLUG))
#define HVX_XL_ALL_GROUPS ((1u << HVX_XL_GROUP_COUNT) - 1)

/* Xen's default spin-lock retry count (viridian-spinlock-retry-count). */
#define HVX_XEN_SPINLOCK_RETRIES 2047u

extern const struct hvx_enl_info hvx_enl_table[HVX_ENL_COUNT];

/* A equals the BLEN bytes at B, '-' and '_' the same, case ignored. */
bool hvx_enl_name_eq(const char *a, const char *b, size_t blen);
int hvx_xl_group_by_name(const char *name, size_t len);
uint32_t hvx_xl_groups_to_mask(uint32_t groups);
hvx_enl_set hvx_xl_mask_to_features(uint32_t mask);

#endif /* HVX_ENLIGHTENMENT_INTERNAL_H */
