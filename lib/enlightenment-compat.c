/* hvx - the compatibility report: choose the target configuration
 * closest to a guest's features, write it in the target's vocabulary and
 * say, feature by feature, what it provides, lacks or adds. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enlightenment-internal.h"
#include "strbuf.h"

#define F(x) HVX_ENL_BIT(HVX_ENL_##x)

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
uint64_t hvx_enl_choose_tokens(unsigned vocab, hvx_enl_set want)
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

static void format_xl(struct hvx_buf *b, uint32_t groups)
{
  bool first = true;

  if (!groups) {
    hvx_buf_printf(b, "viridian = 0");
    return;
  }
  hvx_buf_printf(b, "viridian = [ ");
  for (unsigned g = 0; g < HVX_XL_GROUP_COUNT; g++)
    if (groups & (1u << g)) {
      hvx_buf_printf(b, "%s\"%s\"", first ? "" : ", ", hvx_xl_group_name(g));
      first = false;
    }
  hvx_buf_printf(b, " ]");
}

static void format_qemu(struct hvx_buf *b, uint64_t toks, uint32_t retries)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(HVX_VOCAB_QEMU, &n);
  bool first = true;

  for (size_t i = 0; i < n; i++) {
    if (!(toks & ((uint64_t)1 << i)))
      continue;
    hvx_buf_printf(b, "%s%s", first ? "" : ",", t[i]);
    if (!strcmp(t[i], "hv-spinlocks"))
      hvx_buf_printf(b, "=0x%x", retries);
    else if (!strcmp(t[i], "hv-no-nonarch-coresharing"))
      hvx_buf_printf(b, "=on");
    first = false;
  }
}

bool hvx_enl_has_token(unsigned vocab, uint64_t toks, const char *name)
{
  int k = hvx_token_index(vocab, name);
  return k >= 0 && (toks & ((uint64_t)1 << k));
}

static bool has_tok(uint64_t toks, const char *name)
{
  return hvx_enl_has_token(HVX_VOCAB_LIBVIRT, toks, name);
}

void hvx_enl_libvirt_hyperv(struct hvx_buf *b, uint64_t toks,
                            uint32_t retries, unsigned indent)
{
  size_t n;
  const char *const *names = hvx_vocab_tokens(HVX_VOCAB_LIBVIRT, &n);
  const int in = (int)indent;
  bool any = false;

  for (size_t i = 0; i < n; i++) {
    const char *t = names[i];
    if (!(toks & ((uint64_t)1 << i)) || strchr(t, '/') ||
        !strcmp(t, "hypervclock") || !strcmp(t, "panic"))
      continue;
    if (!any)
      hvx_buf_printf(b, "%*s<hyperv mode='custom'>\n", in, "");
    any = true;
    if (!strcmp(t, "spinlocks")) {
      hvx_buf_printf(b, "%*s  <spinlocks state='on' retries='%u'/>\n", in,
                     "", retries);
    } else if (!strcmp(t, "stimer") && has_tok(toks, "stimer/direct")) {
      hvx_buf_printf(b, "%*s  <stimer state='on'>\n%*s    <direct "
                     "state='on'/>\n%*s  </stimer>\n", in, "", in, "", in,
                     "");
    } else if (!strcmp(t, "tlbflush") &&
               (has_tok(toks, "tlbflush/direct") ||
                has_tok(toks, "tlbflush/extended"))) {
      hvx_buf_printf(b, "%*s  <tlbflush state='on'>\n", in, "");
      if (has_tok(toks, "tlbflush/direct"))
        hvx_buf_printf(b, "%*s    <direct state='on'/>\n", in, "");
      if (has_tok(toks, "tlbflush/extended"))
        hvx_buf_printf(b, "%*s    <extended state='on'/>\n", in, "");
      hvx_buf_printf(b, "%*s  </tlbflush>\n", in, "");
    } else {
      hvx_buf_printf(b, "%*s  <%s state='on'/>\n", in, "", t);
    }
  }
  if (any)
    hvx_buf_printf(b, "%*s</hyperv>\n", in, "");
}

static void format_libvirt(struct hvx_buf *b, uint64_t toks, uint32_t retries)
{
  hvx_enl_libvirt_hyperv(b, toks, retries, 0);
  if (has_tok(toks, "hypervclock"))
    hvx_buf_printf(b, "<!-- in <clock>: -->\n"
                   "<timer name='hypervclock' present='yes'/>\n");
  if (has_tok(toks, "panic"))
    hvx_buf_printf(b, "<!-- in <devices>: -->\n<panic model='hyperv'/>\n");
  if (b->len && b->s[b->len - 1] == '\n')
    b->s[--b->len] = '\0';
}

static void format_hv(struct hvx_buf *b, hvx_enl_set s, uint32_t retries)
{
  bool first = true;

  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    if (!(s & HVX_ENL_BIT(f)))
      continue;
    hvx_buf_printf(b, "%s%s", first ? "" : ",", hvx_enl_table[f].name);
    if (f == HVX_ENL_SPINLOCKS)
      hvx_buf_printf(b, "=%u", retries);
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

int hvx_enl_compat_tokens(const struct hvx_enl_config *source,
                          unsigned target_vocab, struct hvx_enl_report *out,
                          uint64_t *tokens)
{
  struct hvx_buf b = HVX_BUF_INIT;
  uint64_t toks = 0;
  uint32_t groups = 0;
  hvx_enl_set want;
  char *text;

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
    toks = hvx_enl_choose_tokens(target_vocab, want);
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
  if (!(text = hvx_buf_finish(&b)))
    return -1;
  if (strlen(text) >= sizeof out->config) {
    free(text);
    return hvx_set_error(EFBIG, "enlightenments: configuration longer than "
                         "%d bytes", HVX_ENL_CONFIG_MAX);
  }
  memcpy(out->config, text, strlen(text) + 1);
  free(text);
  explain(out, target_vocab, toks, groups);
  if (tokens)
    *tokens = toks;
  return 0;
}

HVX_API int hvx_enl_compat(const struct hvx_enl_config *source,
                           unsigned target_vocab, struct hvx_enl_report *out)
{
  return hvx_enl_compat_tokens(source, target_vocab, out, NULL);
}
