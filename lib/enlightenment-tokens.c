/* hvx - the tokens of each enlightenment vocabulary (xl groups, QEMU
 * flags, libvirt names) and what each provides.  What a token provides is
 * derived from the one map in lib/enlightenments.c; the token lists here
 * only fix the order tokens are written in and which names are valid.
 */
#include "config.h"

#include <string.h>

#include "enlightenment-internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const qemu_tokens[] = {
  "hv-relaxed", "hv-vapic", "hv-spinlocks", "hv-vpindex", "hv-runtime",
  "hv-crash", "hv-time", "hv-synic", "hv-stimer", "hv-tlbflush", "hv-ipi",
  "hv-reset", "hv-frequencies", "hv-reenlightenment", "hv-evmcs",
  "hv-stimer-direct", "hv-avic", "hv-apicv", "hv-no-nonarch-coresharing",
  "hv-syndbg", "hv-emsr-bitmap", "hv-xmm-input", "hv-tlbflush-ext",
  "hv-tlbflush-direct",
};

/* libvirt names in <hyperv> order; "X/Y" is child Y of element X;
 * hypervclock is <clock><timer name='hypervclock'/>, panic is
 * <devices><panic model='hyperv'/>. */
static const char *const libvirt_tokens[] = {
  "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
  "stimer/direct", "reset", "frequencies", "reenlightenment", "tlbflush",
  "tlbflush/direct", "tlbflush/extended", "ipi", "evmcs", "avic",
  "emsr_bitmap", "xmm_input", "hypervclock", "panic",
};

/* The libvirt names libvirt 10.0 added (formatdomain: "Since 10.0.0");
 * older libvirt, such as Debian 12's 9.0, refuses a domain using them. */
static const char *const libvirt_10_tokens[] = {
  "tlbflush/direct", "tlbflush/extended", "emsr_bitmap", "xmm_input",
};

const char *const *hvx_vocab_tokens(unsigned vocab, size_t *n)
{
  switch (vocab) {
  case HVX_VOCAB_QEMU:
    *n = N(qemu_tokens);
    return qemu_tokens;
  case HVX_VOCAB_LIBVIRT:
    *n = N(libvirt_tokens);
    return libvirt_tokens;
  case HVX_VOCAB_XL:
    *n = HVX_XL_GROUP_COUNT;
    return hvx_xl_groups;
  default:
    *n = 0;
    return NULL;
  }
}

const char *hvx_enl_row_field(unsigned f, unsigned vocab)
{
  const struct hvx_enl_info *e = &hvx_enl_table[f];

  switch (vocab) {
  case HVX_VOCAB_XL: return e->xl;
  case HVX_VOCAB_QEMU: return e->qemu;
  case HVX_VOCAB_LIBVIRT: return e->libvirt;
  default: return NULL;
  }
}

const char *hvx_enl_row_note(unsigned f, unsigned vocab)
{
  const struct hvx_enl_info *e = &hvx_enl_table[f];

  return vocab == HVX_VOCAB_XL ? e->xl_note : e->qemu_note;
}

/* Is TOK one of the '|'-separated ALTS? */
static bool alt_has(const char *alts, const char *tok)
{
  size_t len = strlen(tok);

  while (alts && *alts) {
    const char *bar = strchr(alts, '|');
    size_t n = bar ? (size_t)(bar - alts) : strlen(alts);
    if (n == len && memcmp(alts, tok, len) == 0)
      return true;
    alts = bar ? bar + 1 : NULL;
  }
  return false;
}

hvx_enl_set hvx_token_provides(unsigned vocab, const char *tok)
{
  hvx_enl_set s = 0;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const char *alts = hvx_enl_row_field(f, vocab);
    if (alts && strcmp(alts, "*") != 0 && alt_has(alts, tok))
      s |= HVX_ENL_BIT(f);
  }
  return s;
}

/* Features every non-empty configuration of VOCAB gives. */
hvx_enl_set hvx_vocab_implied(unsigned vocab)
{
  hvx_enl_set s = 0;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const char *alts = hvx_enl_row_field(f, vocab);
    if (alts && strcmp(alts, "*") == 0)
      s |= HVX_ENL_BIT(f);
  }
  return s;
}

hvx_enl_set hvx_vocab_expressible(unsigned vocab)
{
  hvx_enl_set s = 0;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (hvx_enl_row_field(f, vocab))
      s |= HVX_ENL_BIT(f);
  return s;
}

static bool libvirt_10_only(const char *tok, size_t len)
{
  for (size_t i = 0; i < N(libvirt_10_tokens); i++)
    if (strlen(libvirt_10_tokens[i]) == len &&
        memcmp(libvirt_10_tokens[i], tok, len) == 0)
      return true;
  return false;
}

hvx_enl_set hvx_libvirt9_expressible(void)
{
  hvx_enl_set s = 0;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const char *alts = hvx_enl_row_field(f, HVX_VOCAB_LIBVIRT);
    while (alts && *alts) {
      size_t n = strcspn(alts, "|");
      if (!libvirt_10_only(alts, n)) {
        s |= HVX_ENL_BIT(f);
        break;
      }
      alts = alts[n] ? alts + n + 1 : NULL;
    }
  }
  return s;
}

int hvx_token_index(unsigned vocab, const char *tok)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(vocab, &n);

  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i], tok) == 0)
      return (int)i;
  return -1;
}

/* The token that first provides F in VOCAB, or -1. */
int hvx_first_token_for(unsigned vocab, unsigned f)
{
  const char *alts = hvx_enl_row_field(f, vocab);
  char first[HVX_ENL_MAX_WORD];
  size_t n;

  if (!alts || strcmp(alts, "*") == 0)
    return -1;
  n = strcspn(alts, "|");
  if (n >= sizeof first)
    return -1;
  memcpy(first, alts, n);
  first[n] = '\0';
  return hvx_token_index(vocab, first);
}

hvx_enl_set hvx_tokens_provide(unsigned vocab, uint64_t toks)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(vocab, &n);
  hvx_enl_set s = 0;

  for (size_t i = 0; i < n; i++)
    if (toks & ((uint64_t)1 << i))
      s |= hvx_token_provides(vocab, t[i]);
  if (toks)
    s |= hvx_vocab_implied(vocab);
  return s;
}

