/* hvx - the hypervisor interfaces of the guest model, in the
 * enlightenment map's vocabulary (hvx/enlightenment.h), the older
 * viridian-group bits kept for existing callers, and the report items
 * translators give for what a move loses or gains.
 *
 * The model keeps one thing: the set of Hyper-V features the guest is
 * offered.  The older HVX_ENL_HV_* bits are Xen viridian groups; they
 * are converted both ways with the map (libxl's group -> feature rules,
 * and its closest xl configuration), never with a table of their own. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enlightenment-internal.h"
#include "strbuf.h"
#include "vm-internal.h"

/* The older bits in bit order: which Xen viridian group each one is
 * (their names are "hv_" and the group's name without "hcall_"). */
static const struct {
  uint64_t bit;
  unsigned group;
  const char *name;
} legacy[] = {
  { HVX_ENL_HV_BASE, HVX_XL_BASE, "hv_base" },
  { HVX_ENL_HV_FREQ, HVX_XL_FREQ, "hv_freq" },
  { HVX_ENL_HV_TIME_REF_COUNT, HVX_XL_TIME_REF_COUNT, "hv_time_ref_count" },
  { HVX_ENL_HV_REFERENCE_TSC, HVX_XL_REFERENCE_TSC, "hv_reference_tsc" },
  { HVX_ENL_HV_REMOTE_TLB_FLUSH, HVX_XL_HCALL_REMOTE_TLB_FLUSH,
    "hv_remote_tlb_flush" },
  { HVX_ENL_HV_APIC_ASSIST, HVX_XL_APIC_ASSIST, "hv_apic_assist" },
  { HVX_ENL_HV_CRASH_CTL, HVX_XL_CRASH_CTL, "hv_crash_ctl" },
  { HVX_ENL_HV_STIMER, HVX_XL_STIMER, "hv_stimer" },
  { HVX_ENL_HV_IPI, HVX_XL_HCALL_IPI, "hv_ipi" },
  { HVX_ENL_HV_EX_PROCESSOR_MASKS, HVX_XL_EX_PROCESSOR_MASKS,
    "hv_ex_processor_masks" },
  { HVX_ENL_HV_NO_VP_LIMIT, HVX_XL_NO_VP_LIMIT, "hv_no_vp_limit" },
  { HVX_ENL_HV_CPU_HOTPLUG, HVX_XL_CPU_HOTPLUG, "hv_cpu_hotplug" },
  { HVX_ENL_HV_SYNIC, HVX_XL_SYNIC, "hv_synic" },
};

#define N_LEGACY (sizeof legacy / sizeof legacy[0])
#define ALL_FEATURES (HVX_ENL_BIT(HVX_ENL_COUNT) - 1)

HVX_API int hvx_vm_set_hv_features(hvx_vm *vm, hvx_enl_set features)
{
  if (!vm)
    return hvx_set_error(EINVAL, "vm: NULL guest");
  if (features & ~ALL_FEATURES)
    return hvx_set_error(EINVAL, "vm: unknown Hyper-V feature bits 0x%"
                         PRIx64 " (enum hvx_enl has %d)",
                         features & ~ALL_FEATURES, HVX_ENL_COUNT);
  vm->hv_features = features;
  return 0;
}

HVX_API hvx_enl_set hvx_vm_hv_features(const hvx_vm *vm)
{
  return vm ? vm->hv_features : 0;
}

HVX_API int hvx_vm_set_hv_spinlock_retries(hvx_vm *vm, uint32_t retries)
{
  if (!vm)
    return hvx_set_error(EINVAL, "vm: NULL guest");
  vm->hv_spinlock_retries = retries;
  return 0;
}

HVX_API uint32_t hvx_vm_hv_spinlock_retries(const hvx_vm *vm)
{
  return vm ? vm->hv_spinlock_retries : 0;
}

HVX_API int hvx_vm_set_xen_platform(hvx_vm *vm, int on)
{
  if (!vm)
    return hvx_set_error(EINVAL, "vm: NULL guest");
  vm->xen_platform = on != 0;
  return 0;
}

HVX_API int hvx_vm_xen_platform(const hvx_vm *vm)
{
  return vm && vm->xen_platform;
}

/* ---- the older viridian-group bits ----------------------------------- */

HVX_API int hvx_vm_set_enlightenments(hvx_vm *vm, uint64_t mask)
{
  struct hvx_xl_viridian v = { false, 0, 0 };
  struct hvx_enl_config c;

  if (!vm)
    return hvx_set_error(EINVAL, "vm: NULL guest");
  if (mask & ~HVX_ENL_ALL)
    return hvx_set_error(EINVAL, "vm: unknown enlightenment bits 0x%" PRIx64,
                         mask & ~HVX_ENL_ALL);
  for (size_t i = 0; i < N_LEGACY; i++)
    if (mask & legacy[i].bit)
      v.enable |= 1u << legacy[i].group;
  /* libxl refuses groups without base; these bits always meant "this
   * group on", so base comes with them. */
  if (v.enable)
    v.enable |= 1u << HVX_XL_BASE;
  if (hvx_xl_viridian_config(&v, &c) < 0)
    return -1;
  vm->hv_features = c.set;
  vm->hv_spinlock_retries = c.spinlock_retries;
  vm->xen_platform = (mask & HVX_ENL_XEN_PLATFORM) != 0;
  return 0;
}

HVX_API uint64_t hvx_vm_enlightenments(const hvx_vm *vm)
{
  struct hvx_enl_config src = { 0 };
  struct hvx_enl_report rep;
  uint64_t mask = 0;

  if (!vm)
    return 0;
  if (vm->xen_platform)
    mask |= HVX_ENL_XEN_PLATFORM;
  if (!vm->hv_features)
    return mask;
  src.set = vm->hv_features;
  src.spinlock_retries = vm->hv_spinlock_retries;
  if (hvx_enl_compat(&src, HVX_VOCAB_XL, &rep) < 0)
    return mask;
  for (size_t i = 0; i < N_LEGACY; i++)
    if (rep.target.xl_groups & (1u << legacy[i].group))
      mask |= legacy[i].bit;
  return mask;
}

HVX_API const char *hvx_enlightenment_name(uint64_t bit)
{
  if (bit == HVX_ENL_XEN_PLATFORM)
    return "xen_platform";
  for (size_t i = 0; i < N_LEGACY; i++)
    if (legacy[i].bit == bit)
      return legacy[i].name;
  return NULL;
}

HVX_API uint64_t hvx_enlightenment_from_name(const char *name)
{
  if (!name)
    return 0;
  if (strcmp(name, "xen_platform") == 0)
    return HVX_ENL_XEN_PLATFORM;
  for (size_t i = 0; i < N_LEGACY; i++)
    if (strcmp(legacy[i].name, name) == 0)
      return legacy[i].bit;
  return 0;
}

/* ---- what a move loses and gains ------------------------------------- */

void hvx_enl_list_names(struct hvx_buf *b, hvx_enl_set set)
{
  bool first = true;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (set & HVX_ENL_BIT(f)) {
      hvx_buf_printf(b, "%s%s", first ? "" : ", ", hvx_enl_info(f)->name);
      first = false;
    }
}

/* Why the target lacks F: the compatibility report ER says, or the
 * map's note on why ER's vocabulary cannot express F. */
static const char *missing_reason(const struct hvx_enl_report *er,
                                  unsigned f)
{
  for (size_t i = 0; er && i < er->n_items; i++)
    if (er->items[i].feature == f && er->items[i].status == HVX_ENL_MISSING)
      return er->items[i].reason;
  if (er && !hvx_enl_row_field(f, er->target_vocab))
    return hvx_enl_row_note(f, er->target_vocab);
  return NULL;
}

int hvx_enl_report_move(hvx_report *r, const char *target, hvx_enl_set src,
                        hvx_enl_set tgt, const struct hvx_enl_report *er,
                        const char *note, const char *gained_advice)
{
  hvx_enl_set lost = src & ~tgt, gained = tgt & ~src;
  char subject[96], advice[256];

  snprintf(advice, sizeof advice, "nothing to set: %s cannot offer it; "
           "the guest sees it missing from CPUID at boot and does without "
           "it", target);
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const struct hvx_enl_info *e = hvx_enl_info(f);
    const char *why;

    if (!(lost & HVX_ENL_BIT(f)))
      continue;
    why = missing_reason(er, f);
    snprintf(subject, sizeof subject, "enlightenment %s", e->name);
    if (hvx_report_addf(r, HVX_SEVERITY_LOSS, subject, advice, "%s is "
                        "lost on %s: %s", e->description, target,
                        why ? why : note ? note : "it is not offered") < 0)
      return -1;
  }
  if (gained) {
    struct hvx_buf b = HVX_BUF_INIT;
    char *list;
    int rc;

    hvx_enl_list_names(&b, gained);
    if (!(list = hvx_buf_finish(&b)))
      return -1;
    rc = hvx_report_addf(r, HVX_SEVERITY_WARNING, "enlightenments",
                         gained_advice, "on %s the guest is also offered "
                         "Hyper-V features it did not have: %s", target,
                         list);
    free(list);
    if (rc < 0)
      return -1;
  }
  return 0;
}
