/* hvx - the enlightenment map: Hyper-V features <-> Xen viridian groups
 * <-> QEMU hv-* flags <-> libvirt names, with dependencies; the Xen
 * group/mask semantics; features from detected CPUID leaves.
 *
 * Sources: TLFS feature-discovery.md (CPUID bits); Xen
 * xen/arch/x86/hvm/viridian/viridian.c cpuid_viridian_leaves() (what
 * each HVMPV_* bit exposes), tools/libs/light/libxl_x86.c
 * hvm_set_viridian_features() (groups -> HVMPV_* bits) and
 * tools/xl/xl_parse.c ("defaults", "all", "!"); QEMU
 * docs/system/i386/hyperv.rst and target/i386/kvm/kvm.c
 * kvm_hyperv_properties[] and hyperv_fill_cpuids() (flag -> CPUID bits,
 * dependencies, bits every hv-* configuration gets); libvirt's
 * <hyperv> element names.
 */
#include "config.h"

#include <string.h>

#include "enlightenment-internal.h"

#define L(n) (0x40000000u + (n))
#define EAX 0
#define EBX 1
#define ECX 2
#define EDX 3
#define F(x) HVX_ENL_BIT(HVX_ENL_##x)

const struct hvx_enl_info hvx_enl_table[HVX_ENL_COUNT] = {
  [HVX_ENL_HYPERCALL] = {
    "hypercall", "hypercall MSRs (HV_X64_MSR_GUEST_OS_ID, _HYPERCALL)",
    L(3), EAX, 1u << 5, 0,
    "base", NULL, "*", NULL, "*" },
  [HVX_ENL_VPINDEX] = {
    "vpindex", "virtual processor index MSR (HV_X64_MSR_VP_INDEX)",
    L(3), EAX, 1u << 6, 0,
    "base", NULL, "hv-vpindex", NULL, "vpindex" },
  [HVX_ENL_APIC_MSRS] = {
    "apic-msrs", "APIC access MSRs (EOI, ICR, TPR, VP assist page)",
    L(3), EAX, 1u << 4, 0,
    "base", NULL, "hv-vapic", NULL, "vapic" },
  [HVX_ENL_APIC_ASSIST] = {
    "apic-assist", "exit-less EOI through the VP assist page",
    0, 0, 0, F(APIC_MSRS),
    "apic_assist", NULL, "hv-vapic", NULL, "vapic" },
  [HVX_ENL_RELAXED] = {
    "relaxed", "relaxed timing recommended (no watchdog timeouts)",
    L(4), EAX, 1u << 5, 0,
    "base", NULL, "hv-relaxed", NULL, "relaxed" },
  [HVX_ENL_SPINLOCKS] = {
    "spinlocks", "notify the hypervisor of long spin waits "
    "(retry count in leaf 0x40000004 EBX)",
    L(4), EBX, 0, 0,
    "base", NULL, "hv-spinlocks", NULL, "spinlocks" },
  [HVX_ENL_VP_RUNTIME] = {
    "vp-runtime", "virtual processor run time MSR (HV_X64_MSR_VP_RUNTIME)",
    L(3), EAX, 1u << 0, 0,
    NULL, "Xen's viridian has no HV_X64_MSR_VP_RUNTIME",
    "hv-runtime", NULL, "runtime" },
  [HVX_ENL_TIME_REF_COUNT] = {
    "time-ref-count", "partition reference counter MSR "
    "(HV_X64_MSR_TIME_REF_COUNT)",
    L(3), EAX, 1u << 1, 0,
    "time_ref_count|stimer", NULL, "hv-time", NULL, "hypervclock" },
  [HVX_ENL_REFERENCE_TSC] = {
    "reference-tsc", "reference TSC page (HV_X64_MSR_REFERENCE_TSC)",
    L(3), EAX, 1u << 9, 0,
    "reference_tsc", NULL, "hv-time", NULL, "hypervclock" },
  [HVX_ENL_FREQUENCIES] = {
    "frequencies", "TSC and APIC frequency MSRs (AccessFrequencyRegs)",
    L(3), EAX, 1u << 11, 0,
    "freq", NULL, "hv-frequencies", NULL, "frequencies" },
  [HVX_ENL_FREQUENCIES_EDX] = {
    "frequencies-edx", "frequency MSRs announced in leaf 0x40000003 EDX "
    "bit 8 (Linux reads the MSRs only with both bits)",
    L(3), EDX, 1u << 8, F(FREQUENCIES),
    NULL, "Xen's freq group sets AccessFrequencyRegs but not "
    "FrequencyRegsAvailable (EDX bit 8)",
    "hv-frequencies", NULL, "frequencies" },
  [HVX_ENL_RESET] = {
    "reset", "reset MSR (HV_X64_MSR_RESET)",
    L(3), EAX, 1u << 7, 0,
    NULL, "Xen's viridian has no HV_X64_MSR_RESET",
    "hv-reset", NULL, "reset" },
  [HVX_ENL_SYNIC] = {
    "synic", "synthetic interrupt controller MSRs",
    L(3), EAX, 1u << 2, F(VPINDEX),
    "synic|stimer", NULL, "hv-synic", NULL, "synic" },
  [HVX_ENL_SYNIC_MESSAGES] = {
    "synic-messages", "HvCallPostMessage and HvCallSignalEvent (VMBus)",
    L(3), EBX, (1u << 4) | (1u << 5), F(SYNIC),
    NULL, "Xen grants neither PostMessages nor SignalEvents (leaf "
    "0x40000003 EBX is 0) and serves neither hypercall: no VMBus",
    "hv-synic", NULL, "synic" },
  [HVX_ENL_SINT_POLLING] = {
    "sint-polling", "SINT polling mode",
    L(3), EDX, 1u << 17, F(SYNIC),
    "synic|stimer", NULL,
    NULL, "QEMU/KVM do not announce SINT polling mode", NULL },
  [HVX_ENL_STIMER] = {
    "stimer", "synthetic timers",
    L(3), EAX, 1u << 3, F(SYNIC) | F(TIME_REF_COUNT),
    "stimer", NULL, "hv-stimer", NULL, "stimer" },
  [HVX_ENL_STIMER_DIRECT] = {
    "stimer-direct", "direct-mode synthetic timers",
    L(3), EDX, 1u << 19, F(STIMER),
    NULL, "Xen's synthetic timers have no direct mode",
    "hv-stimer-direct", NULL, "stimer/direct" },
  [HVX_ENL_CRASH] = {
    "crash", "guest crash MSRs (HV_X64_MSR_CRASH_P0-P4, _CRASH_CTL)",
    L(3), EDX, 1u << 10, 0,
    "crash_ctl", NULL, "hv-crash", NULL, "panic" },
  [HVX_ENL_TLBFLUSH] = {
    "tlbflush", "remote TLB flush by hypercall recommended",
    L(4), EAX, 1u << 2, F(VPINDEX),
    "hcall_remote_tlb_flush", NULL, "hv-tlbflush", NULL, "tlbflush" },
  [HVX_ENL_IPI] = {
    "ipi", "HvCallSendSyntheticClusterIpi recommended",
    L(4), EAX, 1u << 10, F(VPINDEX),
    "hcall_ipi", NULL, "hv-ipi", NULL, "ipi" },
  [HVX_ENL_EX_PROCESSOR_MASKS] = {
    "ex-processor-masks", "sparse VP sets (the Ex hypercalls)",
    L(4), EAX, 1u << 11, F(VPINDEX),
    "ex_processor_masks", NULL, "hv-tlbflush|hv-ipi", NULL,
    "tlbflush|ipi" },
  [HVX_ENL_NO_VP_LIMIT] = {
    "no-vp-limit", "no limit on virtual processors (leaf 0x40000005 "
    "EAX = 0xFFFFFFFF)",
    L(5), EAX, 0xFFFFFFFFu, 0,
    "no_vp_limit", NULL, "*", NULL, "*" },
  [HVX_ENL_CPU_HOTPLUG] = {
    "cpu-hotplug", "CPU dynamic partitioning events",
    L(3), EDX, 1u << 3, 0,
    "cpu_hotplug", NULL, "*", NULL, "*" },
  [HVX_ENL_REENLIGHTENMENT] = {
    "reenlightenment", "reenlightenment and TSC emulation MSRs",
    L(3), EAX, 1u << 13, 0,
    NULL, "Xen's viridian has no reenlightenment MSRs",
    "hv-reenlightenment", NULL, "reenlightenment" },
  [HVX_ENL_EVMCS] = {
    "evmcs", "enlightened VMCS for a nested hypervisor",
    L(4), EAX, 1u << 14, F(APIC_MSRS),
    NULL, "Xen does not offer an enlightened VMCS",
    "hv-evmcs", NULL, "evmcs" },
  [HVX_ENL_AVIC] = {
    "avic", "AutoEOI deprecated: use hardware APICv/AVIC with SynIC",
    L(4), EAX, 1u << 9, 0,
    NULL, "Xen does not set DeprecateAutoEoi",
    "hv-avic|hv-apicv", NULL, "avic" },
  [HVX_ENL_XMM_INPUT] = {
    "xmm-input", "XMM fast hypercall input",
    L(3), EDX, 1u << 4, 0,
    NULL, "Xen's viridian takes no XMM fast hypercall input",
    "hv-xmm-input", NULL, "xmm_input" },
  [HVX_ENL_TLBFLUSH_EXT] = {
    "tlbflush-ext", "extended GVA ranges for the flush hypercalls",
    L(3), EDX, 1u << 14, F(TLBFLUSH),
    NULL, "Xen's viridian has no extended GVA ranges",
    "hv-tlbflush-ext", NULL, "tlbflush/extended" },
  [HVX_ENL_TLBFLUSH_DIRECT] = {
    "tlbflush-direct", "direct virtual flush for nested guests",
    L(10), EAX, 1u << 17, F(APIC_MSRS),
    NULL, "Xen offers no nested Hyper-V enlightenments",
    "hv-tlbflush-direct", NULL, "tlbflush/direct" },
  [HVX_ENL_EMSR_BITMAP] = {
    "emsr-bitmap", "enlightened MSR bitmap for nested guests",
    L(10), EAX, 1u << 19, 0,
    NULL, "Xen offers no nested Hyper-V enlightenments",
    "hv-emsr-bitmap", NULL, "emsr_bitmap" },
  [HVX_ENL_SYNDBG] = {
    "syndbg", "synthetic kernel debugger (debug MSRs)",
    L(3), EDX, 1u << 11, F(SYNIC) | F(RELAXED),
    NULL, "Xen's viridian has no synthetic debugger",
    "hv-syndbg", "libvirt has no element for hv-syndbg", NULL },
  [HVX_ENL_NO_NONARCH_CORESHARING] = {
    "no-nonarch-coresharing", "VPs never share a core except as SMT "
    "siblings",
    L(4), EAX, 1u << 18, 0,
    NULL, "Xen does not set NoNonArchitecturalCoreSharing",
    "hv-no-nonarch-coresharing", "libvirt has no element for "
    "hv-no-nonarch-coresharing", NULL },
};

HVX_API const struct hvx_enl_info *hvx_enl_info(unsigned f)
{
  return f < HVX_ENL_COUNT ? &hvx_enl_table[f] : NULL;
}

/* Names compare with '-' and '_' the same and case ignored. */
bool hvx_enl_name_eq(const char *a, const char *b, size_t blen)
{
  size_t i;

  for (i = 0; i < blen && a[i]; i++) {
    char x = a[i] == '_' ? '-' : a[i], y = b[i] == '_' ? '-' : b[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (char)(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return i == blen && a[i] == '\0';
}

HVX_API int hvx_enl_by_name(const char *name)
{
  if (!name)
    return -1;
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (hvx_enl_name_eq(hvx_enl_table[f].name, name, strlen(name)))
      return (int)f;
  return -1;
}

HVX_API hvx_enl_set hvx_enl_closure(hvx_enl_set s)
{
  hvx_enl_set prev;

  do {
    prev = s;
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
      if (s & HVX_ENL_BIT(f))
        s |= hvx_enl_table[f].requires;
  } while (s != prev);
  return s;
}

static const char *const vocab_names[] = {
  [HVX_VOCAB_HV] = "hv",
  [HVX_VOCAB_XL] = "xl",
  [HVX_VOCAB_QEMU] = "qemu",
  [HVX_VOCAB_LIBVIRT] = "libvirt",
  [HVX_VOCAB_CPUID] = "cpuid",
};

HVX_API int hvx_vocab_by_name(const char *name)
{
  for (unsigned v = 0; v < sizeof vocab_names / sizeof vocab_names[0]; v++)
    if (name && strcmp(vocab_names[v], name) == 0)
      return (int)v;
  return -1;
}

HVX_API const char *hvx_vocab_name(unsigned vocab)
{
  return vocab < sizeof vocab_names / sizeof vocab_names[0]
         ? vocab_names[vocab] : NULL;
}

/* ---- Xen viridian groups and HVM_PARAM_VIRIDIAN -------------------- */

/* libxl_viridian_enlightenment order (libxl_types.idl). */
const char *const hvx_xl_groups[HVX_XL_GROUP_COUNT] = {
  "base", "freq", "time_ref_count", "reference_tsc",
  "hcall_remote_tlb_flush", "apic_assist", "crash_ctl", "synic", "stimer",
  "hcall_ipi", "ex_processor_masks", "no_vp_limit", "cpu_hotplug",
};

HVX_API const char *hvx_xl_group_name(unsigned group)
{
  return group < HVX_XL_GROUP_COUNT ? hvx_xl_groups[group] : NULL;
}

int hvx_xl_group_by_name(const char *name, size_t len)
{
  for (unsigned g = 0; g < HVX_XL_GROUP_COUNT; g++)
    if (strlen(hvx_xl_groups[g]) == len &&
        memcmp(hvx_xl_groups[g], name, len) == 0)
      return (int)g;
  return -1;
}

/* HVMPV_* bit numbers (xen/include/public/hvm/params.h). */
enum {
  PV_BASE_FREQ, PV_NO_FREQ, PV_TIME_REF_COUNT, PV_REFERENCE_TSC,
  PV_HCALL_REMOTE_TLB_FLUSH, PV_APIC_ASSIST, PV_CRASH_CTL, PV_SYNIC,
  PV_STIMER, PV_HCALL_IPI, PV_EX_PROCESSOR_MASKS, PV_NO_VP_LIMIT,
  PV_CPU_HOTPLUG,
};
#define PV(x) (1u << PV_##x)
#define G(x) (1u << HVX_XL_##x)

/* libxl's hvm_set_viridian_features(): groups -> HVMPV_* mask. */
uint32_t hvx_xl_groups_to_mask(uint32_t groups)
{
  static const struct { uint32_t group, bits; } map[] = {
    { G(TIME_REF_COUNT), PV(TIME_REF_COUNT) },
    { G(REFERENCE_TSC), PV(REFERENCE_TSC) },
    { G(HCALL_REMOTE_TLB_FLUSH), PV(HCALL_REMOTE_TLB_FLUSH) },
    { G(APIC_ASSIST), PV(APIC_ASSIST) },
    { G(CRASH_CTL), PV(CRASH_CTL) },
    { G(SYNIC), PV(SYNIC) },
    { G(STIMER), PV(TIME_REF_COUNT) | PV(SYNIC) | PV(STIMER) },
    { G(HCALL_IPI), PV(HCALL_IPI) },
    { G(EX_PROCESSOR_MASKS), PV(EX_PROCESSOR_MASKS) },
    { G(NO_VP_LIMIT), PV(NO_VP_LIMIT) },
    { G(CPU_HOTPLUG), PV(CPU_HOTPLUG) },
  };
  uint32_t mask = 0;

  if (groups & G(BASE)) {
    mask |= PV(BASE_FREQ);
    if (!(groups & G(FREQ)))
      mask |= PV(NO_FREQ);
  }
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (groups & map[i].group)
      mask |= map[i].bits;
  return mask;
}

/* Xen's cpuid_viridian_leaves(): what a HVM_PARAM_VIRIDIAN mask shows a
 * (Windows) guest.  Leaf 0x40000004 is filled only once a Windows guest
 * has set its guest OS ID; relaxed timing and the spin-lock count are
 * counted here as that guest sees them. */
hvx_enl_set hvx_xl_mask_to_features(uint32_t mask)
{
  static const struct { uint32_t bits; hvx_enl_set f; } map[] = {
    { PV(TIME_REF_COUNT), F(TIME_REF_COUNT) },
    { PV(REFERENCE_TSC), F(REFERENCE_TSC) },
    { PV(HCALL_REMOTE_TLB_FLUSH), F(TLBFLUSH) },
    { PV(APIC_ASSIST), F(APIC_ASSIST) },
    { PV(CRASH_CTL), F(CRASH) },
    { PV(SYNIC), F(SYNIC) | F(SINT_POLLING) },
    { PV(STIMER), F(STIMER) },
    { PV(HCALL_IPI), F(IPI) },
    { PV(EX_PROCESSOR_MASKS), F(EX_PROCESSOR_MASKS) },
    { PV(NO_VP_LIMIT), F(NO_VP_LIMIT) },
    { PV(CPU_HOTPLUG), F(CPU_HOTPLUG) },
  };
  hvx_enl_set s;

  if (mask == 0)
    return 0;                   /* viridian off */
  s = F(HYPERCALL) | F(VPINDEX) | F(APIC_MSRS) | F(RELAXED) | F(SPINLOCKS);
  if (!(mask & PV(NO_FREQ)))
    s |= F(FREQUENCIES);
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (mask & map[i].bits)
      s |= map[i].f;
  return s;
}

/* ---- features from CPUID -------------------------------------------- */

HVX_API void hvx_enl_from_detect(const struct hvx_detect *d,
                                 struct hvx_enl_config *out)
{
  memset(out, 0, sizeof *out);
  if (!d->hv)
    return;
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const struct hvx_enl_info *e = &hvx_enl_table[f];
    uint32_t v;

    if (!e->cpuid_leaf || !e->cpuid_mask)
      continue;
    v = d->hv_regs[e->cpuid_leaf - L(0)][e->cpuid_reg];
    if ((v & e->cpuid_mask) == e->cpuid_mask)
      out->set |= HVX_ENL_BIT(f);
  }
  /* 0xFFFFFFFF means "never notify"; 0 is what Xen shows before a
   * Windows guest has set its OS ID, so neither counts. */
  {
    uint32_t retries = d->hv_regs[4][1];
    if (retries != 0 && retries != 0xFFFFFFFFu) {
      out->set |= F(SPINLOCKS);
      out->spinlock_retries = retries;
    }
  }
  if (out->set & F(APIC_MSRS))
    out->set |= F(APIC_ASSIST);
}

static const char *const status_names[] = { "provided", "missing", "added" };

HVX_API const char *hvx_enl_status_name(unsigned status)
{
  return status < 3 ? status_names[status] : NULL;
}
