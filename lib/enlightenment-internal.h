/* hvx - shared between lib/enlightenments.c (the map, Xen semantics),
 * lib/enlightenment-{tokens,parse,compat}.c (vocabularies, parsing, the
 * compatibility report) and the guest-description translators that use
 * the map (formats/xl*.c, formats/libvirt.c, formats/hyperv*.c).  Not
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
extern const char *const hvx_xl_groups[HVX_XL_GROUP_COUNT];

/* A equals the BLEN bytes at B, '-' and '_' the same, case ignored. */
bool hvx_enl_name_eq(const char *a, const char *b, size_t blen);
int hvx_xl_group_by_name(const char *name, size_t len);
uint32_t hvx_xl_groups_to_mask(uint32_t groups);
hvx_enl_set hvx_xl_mask_to_features(uint32_t mask);

/* Longest token or item word, and the least spin-lock retry count
 * libvirt accepts (older QEMU raised lower values to it). */
#define HVX_ENL_MAX_WORD 64
#define HVX_MIN_SPINLOCK_RETRIES 0xFFFu

/* ---- vocabulary tokens (lib/enlightenment-tokens.c) ---------------- */

/* The tokens of VOCAB (xl, qemu, libvirt) in writing order. */
const char *const *hvx_vocab_tokens(unsigned vocab, size_t *n);
/* The map's field for VOCAB of feature F, and why it may be missing. */
const char *hvx_enl_row_field(unsigned f, unsigned vocab);
const char *hvx_enl_row_note(unsigned f, unsigned vocab);
/* Features token TOK provides (not counting "any token" ones). */
hvx_enl_set hvx_token_provides(unsigned vocab, const char *tok);
/* Features every non-empty configuration of VOCAB gives. */
hvx_enl_set hvx_vocab_implied(unsigned vocab);
/* Features VOCAB can express at all. */
hvx_enl_set hvx_vocab_expressible(unsigned vocab);
/* Features libvirt before 10.0 can express (some of its names are
 * newer). */
hvx_enl_set hvx_libvirt9_expressible(void);
/* Index of TOK in VOCAB's token list, or -1. */
int hvx_token_index(unsigned vocab, const char *tok);
/* The token that first provides F in VOCAB, or -1. */
int hvx_first_token_for(unsigned vocab, unsigned f);
/* Features the token set TOKS (bit i = token i) gives. */
hvx_enl_set hvx_tokens_provide(unsigned vocab, uint64_t toks);

/* ---- xl.cfg viridian lists (lib/enlightenment-parse.c) ------------ */

/* A viridian list as xl_parse.c reads it, item by item. */
struct hvx_xl_viridian {
  bool defaults;               /* "defaults", or viridian = 1 */
  uint32_t enable, disable;    /* groups named, and named with '!' */
};
/* Apply ITEM ("base", "!freq", "all", "defaults") to *V; -1 with EINVAL
 * for an unknown group. */
int hvx_xl_viridian_item(struct hvx_xl_viridian *v, const char *item);
/* The groups *V gives and their features, into *OUT; -1 with EINVAL for
 * what libxl refuses (a group both enabled and disabled, no base). */
int hvx_xl_viridian_config(const struct hvx_xl_viridian *v,
                           struct hvx_enl_config *out);

/* ---- target configurations (lib/enlightenment-compat.c) ------------ */

struct hvx_buf;
/* hvx_enl_compat, also giving the QEMU or libvirt tokens chosen (bit i =
 * token i of hvx_vocab_tokens; 0 for xl and hv) in *TOKENS (may be
 * NULL). */
int hvx_enl_compat_tokens(const struct hvx_enl_config *source,
                          unsigned target_vocab, struct hvx_enl_report *out,
                          uint64_t *tokens);
/* The QEMU or libvirt tokens closest to WANT, with those they need. */
uint64_t hvx_enl_choose_tokens(unsigned vocab, hvx_enl_set want);
/* Is token NAME of VOCAB in TOKS? */
bool hvx_enl_has_token(unsigned vocab, uint64_t toks, const char *name);
/* libvirt's <hyperv mode='custom'> element for the libvirt tokens TOKS
 * (those that are its children), every line indented by INDENT spaces;
 * nothing if none is.  <timer name='hypervclock'> and <panic
 * model='hyperv'> live elsewhere in a domain: hvx_enl_has_token says. */
void hvx_enl_libvirt_hyperv(struct hvx_buf *b, uint64_t toks,
                            uint32_t retries, unsigned indent);

#endif /* HVX_ENLIGHTENMENT_INTERNAL_H */
