/* hvx - the compatibility report: choose the target configuration
 * closest to a guest's features, write it in the target's vocabulary and
 * say, feature by feature, what it provides, lacks or adds. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "enlightenment-internal.h"

#define F(x) HVX_ENL_BIT(HVX_ENL_##x)

/* ---- small string builder ------------------------------------------- */

struct sbuf {
  char *p;
  size_t size, len;
  bool overflow;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
  HVX_PRINTF(2, 3);

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (b->overflow)
    return;
  va_start(ap, fmt);
  n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= b->size - b->len) {
    b->overflow = true;
    b->p[b->len] = '\0';
    return;
  }
  b->len += (size_t)n;
}

/* ---- choosing and formatting a target configuration ----------------- */

static uint32_t clamp_retries(uint32_t r)
{
  return r < HVX_MIN_SPINLOCK_RETRIES ? HVX_MIN_SPINLOCK_RETRIES : r;
}

/* The xl groups closest to WANT. */
static uint32_t choose_xl(hvx_enl_set want)
{
  uint32_t groups = 0;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    int g;
    if (!(want & HVX_ENL_BIT(f)) ||
        (hvx_xl_mask_to_features(hvx_xl_groups_to_mask(
           groups | (1u << HVX_XL_BASE))) & HVX_ENL_BIT(f)))
      continue;
    g = hvx_first_token_for(HVX_VOCAB_XL, f);
    if (g >= 0)
      groups |= 1u << g;
  }
  if (groups || want)
    groups |= 1u << HVX_XL_BASE;
  return groups;
}

/* The QEMU or libvirt tokens closest to WANT, with the tokens their
 * features depend on. */
static uint64_t choose_tokens(unsigned vocab, hvx_enl_set want)
{
  uint64_t toks = 0;
  hvx_enl_set need = hvx_enl_closure(want), have;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    int k;
    if (!(need & HVX_ENL_BIT(f)) ||
        (hvx_tokens_provide(vocab, toks) & HVX_ENL_BIT(f)))
      continue;
    k = hvx_first_token_for(vocab, f);
    if (k >= 0)
      toks |= (uint64_t)1 << k;
  }
  /* Requirements of what the chosen tokens bring along; in libvirt a
   * child element ("tlbflush/direct") needs its parent on. */
  do {
    size_t n;
    const char *const *t = hvx_vocab_tokens(vocab, &n);

    for (size_t i = 0; i < n; i++) {
      const char *slash = strchr(t[i], '/');
      char parent[HVX_ENL_MAX_WORD];
      if (!slash || !(toks & ((uint64_t)1 << i)) ||
          (size_t)(slash - t[i]) >= sizeof parent)
        continue;
      memcpy(parent, t[i], (size_t)(slash - t[i]));
      parent[slash - t[i]] = '\0';
      toks |= (uint64_t)1 << hvx_token_index(vocab, parent);
    }
    have = hvx_tokens_provide(vocab, toks);
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
      hvx_enl_set missing;
      if (!(have & HVX_ENL_BIT(f)))
        continue;
      missing = hvx_enl_table[f].requires & ~have;
      for (unsigned r = 0; r < HVX_ENL_COUNT; r++) {
        int k;
        if (!(missing & HVX_ENL_BIT(r)))
          continue;
        k = hvx_first_token_for(vocab, r);
        if (k >= 0)
          toks |= (uint64_t)1 << k;
      }
    }
  } while (hvx_tokens_provide(vocab, toks) != have);
  /* Features only "any flag" gives (the hypercall MSRs) still need one
   * flag; relaxed timing is harmless everywhere. */
  if (!toks && (want & hvx_vocab_implied(vocab)))
    toks = (uint64_t)1 << hvx_token_index(vocab, vocab == HVX_VOCAB_QEMU
                                      ? "hv-relaxed" : "relaxed");
  return toks;
}

static void format_xl(struct sbuf *b, uint32_t groups)
{
  bool first = true;

  if (!groups) {
    sb_printf(b, "viridian = 0");
    return;
  }
  sb_printf(b, "viridian = [ ");
  for (unsigned g = 0; g < HVX_XL_GROUP_COUNT; g++)
    if (groups & (1u << g)) {
      sb_printf(b, "%s\"%s\"", first ? "" : ", ", hvx_xl_group_name(g));
      first = false;
    }
  sb_printf(b, " ]");
}

static void format_qemu(struct sbuf *b, uint64_t toks, uint32_t retries)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(HVX_VOCAB_QEMU, &n);
  bool first = true;

  for (size_t i = 0; i < n; i++) {
    if (!(toks & ((uint64_t)1 << i)))
      continue;
    sb_printf(b, "%s%s", first ? "" : ",", t[i]);
    if (!strcmp(t[i], "hv-spinlocks"))
      sb_printf(b, "=0x%x", retries);
    else if (!strcmp(t[i], "hv-no-nonarch-coresharing"))
      sb_printf(b, "=on");
    first = false;
  }
}

static bool has_tok(uint64_t toks, const char *name)
{
  int k = hvx_token_index(HVX_VOCAB_LIBVIRT, name);
  return k >= 0 && (toks & ((uint64_t)1 << k));
}

static void format_libvirt(struct sbuf *b, uint64_t toks, uint32_t retries)
{
  size_t n;
  const char *const *names = hvx_vocab_tokens(HVX_VOCAB_LIBVIRT, &n);
  bool any = false;

  for (size_t i = 0; i < n; i++) {
    const char *t = names[i];
    if (!(toks & ((uint64_t)1 << i)) || strchr(t, '/') ||
        !strcmp(t, "hypervclock") || !strcmp(t, "panic"))
      continue;
    if (!any)
      sb_printf(b, "<hyperv mode='custom'>\n");
    any = true;
    if (!strcmp(t, "spinlocks")) {
      sb_printf(b, "  <spinlocks state='on' retries='%u'/>\n", retries);
    } else if (!strcmp(t, "stimer") && has_tok(toks, "stimer/direct")) {
      sb_printf(b, "  <stimer state='on'>\n    <direct state='on'/>\n"
                "  </stimer>\n");
    } else if (!strcmp(t, "tlbflush") &&
               (has_tok(toks, "tlbflush/direct") ||
                has_tok(toks, "tlbflush/extended"))) {
      sb_printf(b, "  <tlbflush state='on'>\n");
      if (has_tok(toks, "tlbflush/direct"))
        sb_printf(b, "    <direct state='on'/>\n");
      if (has_tok(toks, "tlbflush/extended"))
        sb_printf(b, "    <extended state='on'/>\n");
      sb_printf(b, "  </tlbflush>\n");
    } else {
      sb_printf(b, "  <%s state='on'/>\n", t);
    }
  }
  if (any)
    sb_printf(b, "</hyperv>\n");
  if (has_tok(toks, "hypervclock"))
    sb_printf(b, "<!-- in <clock>: -->\n"
              "<timer name='hypervclock' present='yes'/>\n");
  if (has_tok(toks, "panic"))
    sb_printf(b, "<!-- in <devices>: -->\n<panic model='hyperv'/>\n");
  if (b->len && b->p[b->len - 1] == '\n')
    b->p[--b->len] = '\0';
}

static void format_hv(struct sbuf *b, hvx_enl_set s, uint32_t retries)
{
  bool first = true;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    if (!(s & HVX_ENL_BIT(f)))
      continue;
    sb_printf(b, "%s%s", first ? "" : ",", hvx_enl_table[f].name);
    if (f == HVX_ENL_SPINLOCKS)
      sb_printf(b, "=%u", retries);
    first = false;
  }
}

/* The first chosen token that provides F, for the report. */
static const char *provider(unsigned vocab, uint64_t toks, uint32_t groups,
                            unsigned f)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(vocab, &n);

  if (vocab == HVX_VOCAB_XL) {
    for (unsigned g = 0; g < HVX_XL_GROUP_COUNT; g++)
      if ((groups & (1u << g)) &&
          (hvx_xl_mask_to_features(hvx_xl_groups_to_mask(
             (1u << g) | (1u << HVX_XL_BASE))) & HVX_ENL_BIT(f)) &&
          (g == HVX_XL_BASE ||
           !(hvx_xl_mask_to_features(hvx_xl_groups_to_mask(
               1u << HVX_XL_BASE)) & HVX_ENL_BIT(f))))
        return t[g];
    return t[HVX_XL_BASE];
  }
  for (size_t i = 0; i < n; i++)
    if ((toks & ((uint64_t)1 << i)) &&
        (hvx_token_provides(vocab, t[i]) & HVX_ENL_BIT(f)))
      return t[i];
  return NULL;
}

static void add_item(struct hvx_enl_report *r, unsigned f, unsigned status,
                     const char *fmt, ...) HVX_PRINTF(4, 5);

static void add_item(struct hvx_enl_report *r, unsigned f, unsigned status,
                     const char *fmt, ...)
{
  struct hvx_enl_item *it = &r->items[r->n_items++];
  va_list ap;

  it->feature = f;
  it->status = status;
  va_start(ap, fmt);
  vsnprintf(it->reason, sizeof it->reason, fmt, ap);
  va_end(ap);
}

static const char *vocab_what(unsigned vocab)
{
  switch (vocab) {
  case HVX_VOCAB_XL: return "xl group";
  case HVX_VOCAB_QEMU: return "QEMU flag";
  default: return "libvirt";
  }
}

static void explain(struct hvx_enl_report *r, unsigned vocab, uint64_t toks,
                    uint32_t groups)
{
  hvx_enl_set src = r->source.set, tgt = r->target.set;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const char *who;
    bool in_src = src & HVX_ENL_BIT(f), in_tgt = tgt & HVX_ENL_BIT(f);

    if (!in_src && !in_tgt)
      continue;
    if (vocab == HVX_VOCAB_HV) {
      add_item(r, f, in_src ? HVX_ENL_PROVIDED : HVX_ENL_ADDED,
               in_src ? "listed" : "required by a listed feature");
      continue;
    }
    if (in_src && !in_tgt) {
      const char *note = hvx_enl_row_note(f, vocab);
      add_item(r, f, HVX_ENL_MISSING, "%s", note ? note :
               "the target cannot express it");
      continue;
    }
    who = provider(vocab, toks, groups, f);
    if (f == HVX_ENL_SPINLOCKS && vocab == HVX_VOCAB_XL) {
      if (in_src)
        add_item(r, f, HVX_ENL_PROVIDED, "xl group 'base'; Xen reports its "
                 "viridian-spinlock-retry-count (default %u), the source "
                 "had %u", HVX_XEN_SPINLOCK_RETRIES,
                 r->source.spinlock_retries);
      else
        add_item(r, f, HVX_ENL_ADDED, "comes with xl group 'base' (%u "
                 "retries by default)", HVX_XEN_SPINLOCK_RETRIES);
      continue;
    }
    if (f == HVX_ENL_SPINLOCKS && in_src &&
        r->target.spinlock_retries != r->source.spinlock_retries) {
      add_item(r, f, HVX_ENL_PROVIDED, "%s %s with %u retries (the source "
               "had %u; %u is the least libvirt accepts)", vocab_what(vocab),
               who ? who : "?", r->target.spinlock_retries,
               r->source.spinlock_retries, HVX_MIN_SPINLOCK_RETRIES);
      continue;
    }
    if (!who)
      add_item(r, f, in_src ? HVX_ENL_PROVIDED : HVX_ENL_ADDED,
               "%s every Hyper-V configuration of the target",
               in_src ? "given by" : "comes with");
    else
      add_item(r, f, in_src ? HVX_ENL_PROVIDED : HVX_ENL_ADDED, "%s %s '%s'",
               in_src ? "by" : "comes with", vocab_what(vocab), who);
  }
}

HVX_API int hvx_enl_compat(const struct hvx_enl_config *source,
                           unsigned target_vocab, struct hvx_enl_report *out)
{
  struct sbuf b;
  uint64_t toks = 0;
  uint32_t groups = 0;
  hvx_enl_set want;

  if (!source || !out)
    return hvx_set_error(EINVAL, "hvx_enl_compat: NULL argument");
  if (target_vocab != HVX_VOCAB_HV && target_vocab != HVX_VOCAB_XL &&
      target_vocab != HVX_VOCAB_QEMU && target_vocab != HVX_VOCAB_LIBVIRT)
    return hvx_set_error(EINVAL, "enlightenments: cannot write a "
                         "configuration for vocabulary %u (use hv, xl, "
                         "qemu or libvirt)", target_vocab);
  memset(out, 0, sizeof *out);
  out->target_vocab = target_vocab;
  out->source = *source;
  b.p = out->config;
  b.size = sizeof out->config;
  b.len = 0;
  b.overflow = false;
  out->config[0] = '\0';
  want = source->set & hvx_vocab_expressible(target_vocab);

  switch (target_vocab) {
  case HVX_VOCAB_HV:
    out->target.set = hvx_enl_closure(source->set);
    out->target.spinlock_retries = source->spinlock_retries;
    format_hv(&b, out->target.set, out->target.spinlock_retries);
    break;
  case HVX_VOCAB_XL:
    groups = choose_xl(want);
    out->target.xl_groups = groups;
    out->target.viridian_mask = hvx_xl_groups_to_mask(groups);
    out->target.set = hvx_xl_mask_to_features(out->target.viridian_mask);
    if (out->target.set & F(SPINLOCKS))
      out->target.spinlock_retries = HVX_XEN_SPINLOCK_RETRIES;
    format_xl(&b, groups);
    break;
  default:
    toks = choose_tokens(target_vocab, want);
    out->target.set = hvx_tokens_provide(target_vocab, toks);
    if (out->target.set & F(SPINLOCKS))
      out->target.spinlock_retries =
        clamp_retries(source->spinlock_retries);
    if (target_vocab == HVX_VOCAB_QEMU)
      format_qemu(&b, toks, out->target.spinlock_retries);
    else
      format_libvirt(&b, toks, out->target.spinlock_retries);
    break;
  }
  if (b.overflow)
    return hvx_set_error(EFBIG, "enlightenments: configuration longer than "
                         "%d bytes", HVX_ENL_CONFIG_MAX);
  explain(out, target_vocab, toks, groups);
  return 0;
}

