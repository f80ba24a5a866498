/* hvx - Hyper-V enlightenments and how Xen, QEMU/KVM and libvirt name
 * them.
 *
 * One table (hvx_enl_info) maps each Hyper-V feature a guest can use to
 * the CPUID bits that announce it, the Xen `viridian` group, the QEMU
 * `hv-*` flag and the libvirt element that provide it, and the features
 * it depends on.  On top of it: parsers and formatters for each
 * vocabulary and a compatibility report saying what a target must
 * enable to give a guest what it had on its source.
 */
#ifndef HVX_ENLIGHTENMENT_H
#define HVX_ENLIGHTENMENT_H

#include <stddef.h>
#include <stdint.h>

#include <hvx/detect.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The features ("enlightenments"), as bit numbers of an hvx_enl_set. */
enum hvx_enl {
  HVX_ENL_HYPERCALL,        /* GUEST_OS_ID + HYPERCALL MSRs (L3 EAX 5) */
  HVX_ENL_VPINDEX,          /* VP_INDEX MSR (L3 EAX 6) */
  HVX_ENL_APIC_MSRS,        /* EOI/ICR/TPR + VP assist MSRs (L3 EAX 4) */
  HVX_ENL_APIC_ASSIST,      /* exit-less EOI via the VP assist page */
  HVX_ENL_RELAXED,          /* relaxed timing recommended (L4 EAX 5) */
  HVX_ENL_SPINLOCKS,        /* notify long spin waits (L4 EBX count) */
  HVX_ENL_VP_RUNTIME,       /* VP_RUNTIME MSR (L3 EAX 0) */
  HVX_ENL_TIME_REF_COUNT,   /* TIME_REF_COUNT MSR (L3 EAX 1) */
  HVX_ENL_REFERENCE_TSC,    /* reference TSC page (L3 EAX 9) */
  HVX_ENL_FREQUENCIES,      /* TSC/APIC frequency MSRs (L3 EAX 11) */
  HVX_ENL_FREQUENCIES_EDX,  /* ... announced in L3 EDX 8 too */
  HVX_ENL_RESET,            /* RESET MSR (L3 EAX 7) */
  HVX_ENL_SYNIC,            /* synthetic interrupt controller (L3 EAX 2) */
  HVX_ENL_SYNIC_MESSAGES,   /* PostMessage/SignalEvent (L3 EBX 4, 5) */
  HVX_ENL_SINT_POLLING,     /* SINT polling mode (L3 EDX 17) */
  HVX_ENL_STIMER,           /* synthetic timers (L3 EAX 3) */
  HVX_ENL_STIMER_DIRECT,    /* direct-mode timers (L3 EDX 19) */
  HVX_ENL_CRASH,            /* guest crash MSRs (L3 EDX 10) */
  HVX_ENL_TLBFLUSH,         /* remote TLB flush hypercalls (L4 EAX 2) */
  HVX_ENL_IPI,              /* SyntheticClusterIpi (L4 EAX 10) */
  HVX_ENL_EX_PROCESSOR_MASKS, /* sparse VP sets (L4 EAX 11) */
  HVX_ENL_NO_VP_LIMIT,      /* no VP limit (L5 EAX 0xFFFFFFFF) */
  HVX_ENL_CPU_HOTPLUG,      /* CPU dynamic partitioning (L3 EDX 3) */
  HVX_ENL_REENLIGHTENMENT,  /* reenlightenment MSRs (L3 EAX 13) */
  HVX_ENL_EVMCS,            /* enlightened VMCS (L4 EAX 14) */
  HVX_ENL_AVIC,             /* AutoEOI deprecated: APICv/AVIC (L4 EAX 9) */
  HVX_ENL_XMM_INPUT,        /* XMM fast hypercall input (L3 EDX 4) */
  HVX_ENL_TLBFLUSH_EXT,     /* extended GVA ranges (L3 EDX 14) */
  HVX_ENL_TLBFLUSH_DIRECT,  /* direct virtual flush (LA EAX 17) */
  HVX_ENL_EMSR_BITMAP,      /* enlightened MSR bitmap (LA EAX 19) */
  HVX_ENL_SYNDBG,           /* synthetic debugger (L3 EDX 11) */
  HVX_ENL_NO_NONARCH_CORESHARING, /* (L4 EAX 18) */
  HVX_ENL_COUNT
};

typedef uint64_t hvx_enl_set;
#define HVX_ENL_BIT(f) ((hvx_enl_set)1 << (f))

/* A row of the map.  Vocabulary fields hold the name(s) that provide
 * the feature, alternatives separated by '|'; "*" means "any token of
 * that vocabulary" (e.g. every hv-* flag gives the hypercall MSRs); NULL
 * means the vocabulary cannot express it, and *_NOTE says why. */
struct hvx_enl_info {
  const char *name;          /* "stimer" */
  const char *description;
  uint32_t cpuid_leaf;       /* 0x4000000X, 0 if no CPUID bit */
  unsigned cpuid_reg;        /* 0..3 = EAX..EDX */
  uint32_t cpuid_mask;       /* all these bits must be set */
  hvx_enl_set requires;      /* features it depends on */
  const char *xl;            /* Xen viridian group, e.g. "stimer" */
  const char *xl_note;
  const char *qemu;          /* QEMU flag, e.g. "hv-stimer" */
  const char *qemu_note;
  const char *libvirt;       /* libvirt name, e.g. "stimer", or
                                "stimer/direct" for a child element,
                                "hypervclock" (<timer>), "panic"
                                (<panic model='hyperv'/>) */
};

/* Row F, or NULL if F >= HVX_ENL_COUNT. */
const struct hvx_enl_info *hvx_enl_info(unsigned f);
/* The feature named NAME ("stimer"; '-' and '_' are the same), or -1. */
int hvx_enl_by_name(const char *name);
/* S plus everything its members require, transitively. */
hvx_enl_set hvx_enl_closure(hvx_enl_set s);

/* Vocabularies. */
#define HVX_VOCAB_HV      0  /* hvx feature names: "synic,stimer" */
#define HVX_VOCAB_XL      1  /* xl.cfg: viridian = [ "base", ... ] */
#define HVX_VOCAB_QEMU    2  /* -cpu ...,hv-relaxed,hv-spinlocks=0x1fff */
#define HVX_VOCAB_LIBVIRT 3  /* <hyperv> XML or a list of its names */
#define HVX_VOCAB_CPUID   4  /* a CPUID dump (parse only) */
/* "hv", "xl", "qemu", "libvirt", "cpuid"; -1 if unknown. */
int hvx_vocab_by_name(const char *name);
const char *hvx_vocab_name(unsigned vocab);

/* Xen viridian groups: bit numbers of libxl_viridian_enlightenment
 * (base 0, freq 1, ... cpu_hotplug 12). */
#define HVX_XL_GROUP_COUNT 13
const char *hvx_xl_group_name(unsigned group);

/* A configuration in one vocabulary, reduced to features. */
struct hvx_enl_config {
  hvx_enl_set set;
  uint32_t spinlock_retries;  /* when set has HVX_ENL_SPINLOCKS */
  uint32_t xl_groups;         /* xl: the groups enabled (bit = group) */
  uint32_t viridian_mask;     /* xl: the HVM_PARAM_VIRIDIAN value libxl
                                 would set (HVMPV_* bits) */
};

/* hvx_enl_parse: parse TEXT in VOCAB (not CPUID) into *OUT.
 *   hv:      feature names separated by commas or spaces
 *   xl:      `viridian = [ "base", "!freq" ]`, `viridian = 1`, or the bare
 *            list; "defaults", "all" and "!group" as xl/libxl treat them,
 *            and libxl's errors (group both enabled and disabled, base
 *            missing)
 *   qemu:    a -cpu option ("host,hv-relaxed,hv_time,hv-spinlocks=0x1fff");
 *            tokens not starting with hv are ignored, dependencies are
 *            checked as QEMU does, hv-passthrough is ENOTSUP
 *   libvirt: a <hyperv>...</hyperv> element (with <timer
 *            name='hypervclock'/> and <panic model='hyperv'/> allowed
 *            around it), or a list of libvirt names
 * EINVAL names the offending token. */
int hvx_enl_parse(unsigned vocab, const char *text,
                  struct hvx_enl_config *out);
/* hvx_enl_from_detect: the features the Hyper-V leaves of D announce
 * (empty if D has no "Hv#1" interface).  apic-assist has no CPUID bit
 * and is taken to come with apic-msrs. */
void hvx_enl_from_detect(const struct hvx_detect *d,
                         struct hvx_enl_config *out);

/* Report item statuses. */
#define HVX_ENL_PROVIDED 0   /* the target provides it */
#define HVX_ENL_MISSING  1   /* the target cannot provide it */
#define HVX_ENL_ADDED    2   /* the target enables it too, unasked */
const char *hvx_enl_status_name(unsigned status);

struct hvx_enl_item {
  unsigned feature;          /* enum hvx_enl */
  unsigned status;           /* HVX_ENL_PROVIDED / _MISSING / _ADDED */
  char reason[200];
};

#define HVX_ENL_CONFIG_MAX 2048

struct hvx_enl_report {
  unsigned target_vocab;
  struct hvx_enl_config source;
  struct hvx_enl_config target;  /* what the suggested config gives */
  size_t n_items;
  struct hvx_enl_item items[HVX_ENL_COUNT];
  char config[HVX_ENL_CONFIG_MAX]; /* the suggested config in the
                                      target's vocabulary */
};

/* hvx_enl_compat: what TARGET_VOCAB (xl, qemu, libvirt or hv) must
 * enable to give a guest the features of SOURCE: the closest config and
 * one item per feature of SOURCE or of that config.  EINVAL for a bad
 * vocabulary. */
int hvx_enl_compat(const struct hvx_enl_config *source, unsigned target_vocab,
                   struct hvx_enl_report *out);

#ifdef __cplusplus
}
#endif

#endif /* HVX_ENLIGHTENMENT_H */
