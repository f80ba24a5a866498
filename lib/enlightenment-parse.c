/* hvx - parsing enlightenment configurations: xl.cfg viridian lines,
 * QEMU -cpu hv-* flags, libvirt <hyperv> XML and hvx feature names, into
 * feature sets, with the checks each tool itself makes. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enlightenment-internal.h"

#define F(x) HVX_ENL_BIT(HVX_ENL_##x)
#define MAX_TOKENS 64
#define MAX_TEXT (1024 * 1024)

/* ---- parsing: words -------------------------------------------------- */

struct words {
  unsigned n;
  char v[MAX_TOKENS][HVX_ENL_MAX_WORD];
};

static int add_word(struct words *w, const char *vocab, const char *s,
                    size_t len)
{
  if (w->n == MAX_TOKENS)
    return hvx_set_error(EINVAL, "%s: more than %d items", vocab,
                         MAX_TOKENS);
  if (len >= HVX_ENL_MAX_WORD)
    return hvx_set_error(EINVAL, "%s: item '%.20s...' is too long", vocab, s);
  memcpy(w->v[w->n], s, len);
  w->v[w->n][len] = '\0';
  w->n++;
  return 0;
}

/* Split S at commas and white space, dropping quotes around items. */
static int split_words(const char *s, const char *vocab, struct words *w)
{
  w->n = 0;
  for (;;) {
    size_t len;
    while (*s && (isspace((unsigned char)*s) || *s == ','))
      s++;
    if (!*s)
      return 0;
    if (*s == '"' || *s == '\'') {
      const char *q = strchr(s + 1, *s);
      if (!q)
        return hvx_set_error(EINVAL, "%s: unterminated quote in '%.30s'",
                             vocab, s);
      if (add_word(w, vocab, s + 1, (size_t)(q - s - 1)) < 0)
        return -1;
      s = q + 1;
      continue;
    }
    len = strcspn(s, ", \t\r\n");
    if (add_word(w, vocab, s, len) < 0)
      return -1;
    s += len;
  }
}

static int check_text(const char *text, const char *vocab)
{
  if (!text)
    return hvx_set_error(EINVAL, "%s: no text to parse", vocab);
  if (strlen(text) > MAX_TEXT)
    return hvx_set_error(EFBIG, "%s: text longer than %d bytes", vocab,
                         MAX_TEXT);
  return 0;
}

/* ---- parsing: hv (feature names) ------------------------------------ */

static int parse_hv(const char *text, struct hvx_enl_config *out)
{
  struct words w;

  if (split_words(text, "hv", &w) < 0)
    return -1;
  for (unsigned i = 0; i < w.n; i++) {
    char *eq = strchr(w.v[i], '=');
    int f;

    if (eq)
      *eq = '\0';
    f = hvx_enl_by_name(w.v[i]);
    if (f < 0)
      return hvx_set_error(EINVAL, "hv: unknown Hyper-V feature '%s'",
                           w.v[i]);
    if (eq) {
      uint64_t v;
      if (f != HVX_ENL_SPINLOCKS || hvx_parse_u64(eq + 1, &v) < 0 ||
          v > 0xFFFFFFFFu)
        return hvx_set_error(EINVAL, "hv: bad value '%s' for '%s' (only "
                             "spinlocks=RETRIES takes one)", eq + 1, w.v[i]);
      out->spinlock_retries = (uint32_t)v;
    }
    out->set |= HVX_ENL_BIT(f);
  }
  /* Features a guest uses bring what they need. */
  out->set = hvx_enl_closure(out->set);
  if ((out->set & F(SPINLOCKS)) && out->spinlock_retries == 0)
    out->spinlock_retries = HVX_MIN_SPINLOCK_RETRIES;
  return 0;
}

/* ---- parsing: xl ----------------------------------------------------- */

/* xl_parse.c: one item of the viridian list. */
int hvx_xl_viridian_item(struct hvx_xl_viridian *v, const char *item)
{
  bool neg = false;
  int g;

  if (strcmp(item, "all") == 0) {
    v->enable |= HVX_XL_ALL_GROUPS;   /* disable is left as it is */
    return 0;
  }
  if (strcmp(item, "defaults") == 0) {
    v->defaults = true;
    return 0;
  }
  if (*item == '!') {
    neg = true;
    item++;
  }
  g = hvx_xl_group_by_name(item, strlen(item));
  if (g < 0)
    return hvx_set_error(EINVAL, "xl: unknown viridian enlightenment '%.64s'",
                         item);
  if (neg) {
    v->disable |= 1u << g;
    v->enable &= ~(1u << g);
  } else {
    v->enable |= 1u << g;
    v->disable &= ~(1u << g);
  }
  return 0;
}

/* libxl_x86.c hvm_set_viridian_features(): the groups and what they
 * give, with libxl's checks. */
int hvx_xl_viridian_config(const struct hvx_xl_viridian *v,
                           struct hvx_enl_config *out)
{
  uint32_t groups;

  memset(out, 0, sizeof *out);
  if (v->enable & v->disable) {
    unsigned g = 0;
    while (!((v->enable & v->disable) & (1u << g)))
      g++;
    return hvx_set_error(EINVAL, "xl: viridian group '%s' both enabled and "
                         "disabled", hvx_xl_group_name(g));
  }
  groups = (v->defaults ? HVX_XL_DEFAULT_GROUPS : 0) | v->enable;
  groups &= ~v->disable;
  if (groups && !(groups & (1u << HVX_XL_BASE)))
    return hvx_set_error(EINVAL, "xl: viridian base group not enabled (it "
                         "is a prerequisite of all others)");
  out->xl_groups = groups;
  out->viridian_mask = hvx_xl_groups_to_mask(groups);
  out->set = hvx_xl_mask_to_features(out->viridian_mask);
  if (out->set & F(SPINLOCKS))
    out->spinlock_retries = HVX_XEN_SPINLOCK_RETRIES;
  return 0;
}

/* xl_parse.c and libxl_x86.c, applied to the items of the list. */
static int xl_apply(const struct words *w, bool defaults,
                    struct hvx_enl_config *out)
{
  struct hvx_xl_viridian v = { defaults, 0, 0 };

  for (unsigned i = 0; i < w->n; i++)
    if (hvx_xl_viridian_item(&v, w->v[i]) < 0)
      return -1;
  return hvx_xl_viridian_config(&v, out);
}

static int parse_xl(const char *text, struct hvx_enl_config *out)
{
  const char *p = text;
  struct words w = { 0 };

  while (isspace((unsigned char)*p))
    p++;
  if (strncmp(p, "viridian", 8) == 0) {
    p += 8;
    while (isspace((unsigned char)*p))
      p++;
    if (*p != '=')
      return hvx_set_error(EINVAL, "xl: expected '=' after 'viridian'");
    p++;
    while (isspace((unsigned char)*p))
      p++;
  }
  if (*p == '[') {
    const char *end = strchr(p, ']');
    char *inner;
    int r;

    if (!end)
      return hvx_set_error(EINVAL, "xl: viridian list without ']'");
    for (const char *q = end + 1; *q && *q != '#'; q++)
      if (!isspace((unsigned char)*q) && *q != ';')
        return hvx_set_error(EINVAL, "xl: unexpected '%.20s' after the "
                             "viridian list", q);
    inner = hvx_malloc((size_t)(end - p), "xl viridian list");
    if (!inner)
      return -1;
    memcpy(inner, p + 1, (size_t)(end - p - 1));
    inner[end - p - 1] = '\0';
    /* Items must be quoted strings in xl.cfg. */
    for (const char *q = inner; *q; q++) {
      if (isspace((unsigned char)*q) || *q == ',')
        continue;
      if (*q != '"' && *q != '\'') {
        hvx_set_error(EINVAL, "xl: viridian list items must be quoted "
                      "strings, not '%.20s'", q);
        free(inner);
        return -1;
      }
      q = strchr(q + 1, *q);
      if (!q)
        break;              /* split_words reports it */
    }
    r = split_words(inner, "xl", &w);
    free(inner);
    if (r < 0)
      return -1;
    return xl_apply(&w, false, out);
  }
  if (isdigit((unsigned char)*p)) {
    char *end;
    long v = strtol(p, &end, 0);
    while (isspace((unsigned char)*end) || *end == ';')
      end++;
    if (*end && *end != '#')
      return hvx_set_error(EINVAL, "xl: viridian value '%.20s' is neither a "
                           "number nor a list", p);
    return xl_apply(&w, v != 0, out);
  }
  if (split_words(p, "xl", &w) < 0)
    return -1;
  return xl_apply(&w, false, out);
}

/* ---- parsing: QEMU and libvirt tokens ------------------------------- */

/* Turn the token set into features; refuse what QEMU refuses: a flag
 * without the flags it depends on. */
static int tokens_to_config(unsigned vocab, uint64_t toks, uint32_t retries,
                            struct hvx_enl_config *out)
{
  size_t n;
  const char *const *t = hvx_vocab_tokens(vocab, &n);
  hvx_enl_set set = hvx_tokens_provide(vocab, toks);

  for (size_t i = 0; i < n; i++) {
    hvx_enl_set p;
    if (!(toks & ((uint64_t)1 << i)))
      continue;
    p = hvx_token_provides(vocab, t[i]);
    for (unsigned g = 0; g < HVX_ENL_COUNT; g++) {
      hvx_enl_set missing;
      if (!(p & HVX_ENL_BIT(g)))
        continue;
      missing = hvx_enl_table[g].requires & ~set;
      if (missing) {
        unsigned r = 0;
        int k;
        while (!(missing & HVX_ENL_BIT(r)))
          r++;
        k = hvx_first_token_for(vocab, r);
        return hvx_set_error(EINVAL, "%s: %s requires %s",
                             hvx_vocab_name(vocab), t[i],
                             k >= 0 ? t[k] : hvx_enl_table[r].name);
      }
    }
  }
  out->set = set;
  if (set & F(SPINLOCKS))
    out->spinlock_retries = retries;
  return 0;
}

static int parse_bool(const char *v, bool *out)
{
  if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
    *out = true;
  else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
    *out = false;
  else
    return -1;
  return 0;
}

static int parse_qemu(const char *text, struct hvx_enl_config *out)
{
  struct words w;
  uint64_t toks = 0;
  uint32_t retries = 0xFFFFFFFFu;

  if (split_words(text, "qemu", &w) < 0)
    return -1;
  for (unsigned i = 0; i < w.n; i++) {
    char *name = w.v[i], *val;
    bool on = true;
    int k;

    if (strcmp(name, "-cpu") == 0)
      continue;
    if (*name == '+' || *name == '-') {    /* legacy +flag / -flag */
      on = *name == '+';
      name++;
    }
    if (strncmp(name, "hv", 2) != 0 || (name[2] != '-' && name[2] != '_'))
      continue;             /* CPU model or a non-Hyper-V feature */
    for (char *c = name; *c && *c != '='; c++)
      if (*c == '_')
        *c = '-';
    val = strchr(name, '=');
    if (val)
      *val++ = '\0';
    if (!strcmp(name, "hv-passthrough"))
      return hvx_set_error(ENOTSUP, "qemu: hv-passthrough takes whatever "
                           "the host KVM offers; list the hv-* flags "
                           "instead");
    if (!strcmp(name, "hv-vendor-id") || !strcmp(name, "hv-enforce-cpuid") ||
        !strncmp(name, "hv-version-id-", 14))
      continue;             /* identification, not enlightenments */
    k = hvx_token_index(HVX_VOCAB_QEMU, name);
    if (k < 0)
      return hvx_set_error(EINVAL, "qemu: unknown Hyper-V flag '%s'", name);
    if (!strcmp(name, "hv-spinlocks")) {
      uint64_t v;
      if (!val || hvx_parse_u64(val, &v) < 0 || v > 0xFFFFFFFFu)
        return hvx_set_error(EINVAL, "qemu: hv-spinlocks needs a retry "
                             "count, not '%s'", val ? val : "");
      retries = (uint32_t)v;
      on = retries != 0xFFFFFFFFu;   /* "never notify" */
    } else if (!strcmp(name, "hv-no-nonarch-coresharing") && val &&
               !strcmp(val, "auto")) {
      return hvx_set_error(ENOTSUP, "qemu: hv-no-nonarch-coresharing=auto "
                           "depends on the host's SMT; say on or off");
    } else if (val && parse_bool(val, &on) < 0) {
      return hvx_set_error(EINVAL, "qemu: bad value '%s' for %s", val, name);
    }
    if (on)
      toks |= (uint64_t)1 << k;
    else
      toks &= ~((uint64_t)1 << k);
  }
  return tokens_to_config(HVX_VOCAB_QEMU, toks, retries, out);
}

/* A minimal XML tag scanner: enough for libvirt's <hyperv> block. */
struct tag {
  bool close, empty;
  char name[HVX_ENL_MAX_WORD];
  unsigned nattr;
  char attr[4][2][HVX_ENL_MAX_WORD];
};

static const char *tag_attr(const struct tag *t, const char *name)
{
  for (unsigned i = 0; i < t->nattr; i++)
    if (!strcmp(t->attr[i][0], name))
      return t->attr[i][1];
  return NULL;
}

/* Parse the tag at *P (just after '<'); advance past '>'. */
static int scan_tag(const char **pp, struct tag *t)
{
  const char *p = *pp;
  size_t n;

  memset(t, 0, sizeof *t);
  if (*p == '/') {
    t->close = true;
    p++;
  }
  n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789_-.:");
  if (n == 0 || n >= HVX_ENL_MAX_WORD)
    return hvx_set_error(EINVAL, "libvirt: bad element name at '<%.20s'", p);
  memcpy(t->name, p, n);
  p += n;
  for (;;) {
    const char *q;
    char quote;
    while (isspace((unsigned char)*p))
      p++;
    if (*p == '>') {
      *pp = p + 1;
      return 0;
    }
    if (p[0] == '/' && p[1] == '>') {
      t->empty = true;
      *pp = p + 2;
      return 0;
    }
    n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789_-.:");
    if (n == 0 || n >= HVX_ENL_MAX_WORD || p[n] != '=' ||
        (p[n + 1] != '\'' && p[n + 1] != '"'))
      return hvx_set_error(EINVAL, "libvirt: bad attribute in <%s> at "
                           "'%.20s'", t->name, p);
    quote = p[n + 1];
    q = strchr(p + n + 2, quote);
    if (!q || (size_t)(q - (p + n + 2)) >= HVX_ENL_MAX_WORD)
      return hvx_set_error(EINVAL, "libvirt: bad attribute value in <%s>",
                           t->name);
    if (t->nattr < 4) {
      memcpy(t->attr[t->nattr][0], p, n);
      memcpy(t->attr[t->nattr][1], p + n + 2, (size_t)(q - (p + n + 2)));
      t->nattr++;
    }
    p = q + 1;
  }
}

static int state_on(const struct tag *t, const char *attr, bool *on)
{
  const char *s = tag_attr(t, attr);

  if (!s)
    return hvx_set_error(EINVAL, "libvirt: <%s> has no %s attribute",
                         t->name, attr);
  if (parse_bool(s, on) < 0)
    return hvx_set_error(EINVAL, "libvirt: <%s %s='%s'> is neither on nor "
                         "off", t->name, attr, s);
  return 0;
}

static int libvirt_token(uint64_t *toks, const char *name, bool on)
{
  int k = hvx_token_index(HVX_VOCAB_LIBVIRT, name);

  if (k < 0)
    return hvx_set_error(EINVAL, "libvirt: unknown Hyper-V feature <%s>",
                         name);
  if (on)
    *toks |= (uint64_t)1 << k;
  else
    *toks &= ~((uint64_t)1 << k);
  return 0;
}

static int parse_libvirt_xml(const char *p, struct hvx_enl_config *out)
{
  uint64_t toks = 0;
  uint32_t retries = 0;
  int depth = 0, hv_depth = -1;
  char parent[HVX_ENL_MAX_WORD] = "";
  bool parent_on = false;

  while ((p = strchr(p, '<')) != NULL) {
    struct tag t;
    p++;
    if (*p == '!' || *p == '?') {          /* comment or declaration */
      const char *end = strstr(p, *p == '!' ? "-->" : "?>");
      if (!end)
        return hvx_set_error(EINVAL, "libvirt: unterminated <%c", *p);
      p = end;
      continue;
    }
    if (scan_tag(&p, &t) < 0)
      return -1;
    if (t.close) {
      depth--;
      if (depth == hv_depth)
        hv_depth = -1;
      if (depth == hv_depth + 1)
        parent[0] = '\0';
      continue;
    }
    if (!strcmp(t.name, "timer") && hv_depth < 0) {
      const char *n = tag_attr(&t, "name"), *pr = tag_attr(&t, "present");
      bool on = true;
      if (n && !strcmp(n, "hypervclock")) {
        if (pr && parse_bool(pr, &on) < 0)
          return hvx_set_error(EINVAL, "libvirt: <timer present='%s'>", pr);
        (void)libvirt_token(&toks, "hypervclock", on);
      }
    } else if (!strcmp(t.name, "panic") && hv_depth < 0) {
      const char *m = tag_attr(&t, "model");
      if (m && !strcmp(m, "hyperv"))
        (void)libvirt_token(&toks, "panic", true);
    } else if (!strcmp(t.name, "hyperv") && hv_depth < 0) {
      const char *mode = tag_attr(&t, "mode");
      if (mode && !strcmp(mode, "passthrough"))
        return hvx_set_error(ENOTSUP, "libvirt: <hyperv mode='passthrough'> "
                             "takes whatever the host offers; list the "
                             "features instead");
      if (!t.empty)
        hv_depth = depth;
    } else if (hv_depth >= 0 && depth == hv_depth + 1) {
      bool on;
      if (!strcmp(t.name, "vendor_id"))
        goto nest;          /* identification, not an enlightenment */
      if (state_on(&t, "state", &on) < 0)
        return -1;
      if (!strcmp(t.name, "spinlocks") && on) {
        const char *r = tag_attr(&t, "retries");
        uint64_t v;
        if (!r || hvx_parse_u64(r, &v) < 0 || v > 0xFFFFFFFFu)
          return hvx_set_error(EINVAL, "libvirt: <spinlocks state='on'> "
                               "needs retries='N'");
        retries = (uint32_t)v;
      }
      if (libvirt_token(&toks, t.name, on) < 0)
        return -1;
      snprintf(parent, sizeof parent, "%s", t.name);
      parent_on = on;
    } else if (hv_depth >= 0 && depth == hv_depth + 2) {
      char name[2 * HVX_ENL_MAX_WORD + 1];
      bool on;
      if (state_on(&t, "state", &on) < 0)
        return -1;
      snprintf(name, sizeof name, "%s/%s", parent, t.name);
      if (libvirt_token(&toks, name, on && parent_on) < 0)
        return -1;
    }
  nest:
    if (!t.empty)
      depth++;
    if (depth > 32)
      return hvx_set_error(EINVAL, "libvirt: elements nested too deeply");
  }
  return tokens_to_config(HVX_VOCAB_LIBVIRT, toks, retries, out);
}

static int parse_libvirt(const char *text, struct hvx_enl_config *out)
{
  struct words w;
  uint64_t toks = 0;
  uint32_t retries = 0;

  if (strchr(text, '<'))
    return parse_libvirt_xml(text, out);
  /* A plain list of libvirt names; spinlocks=N gives the retries. */
  if (split_words(text, "libvirt", &w) < 0)
    return -1;
  for (unsigned i = 0; i < w.n; i++) {
    char *eq = strchr(w.v[i], '=');
    if (eq) {
      uint64_t v;
      *eq = '\0';
      if (strcmp(w.v[i], "spinlocks") != 0 || hvx_parse_u64(eq + 1, &v) < 0 ||
          v > 0xFFFFFFFFu)
        return hvx_set_error(EINVAL, "libvirt: bad value '%s' for '%s' (only "
                             "spinlocks=RETRIES takes one)", eq + 1, w.v[i]);
      retries = (uint32_t)v;
    } else if (!strcmp(w.v[i], "spinlocks")) {
      return hvx_set_error(EINVAL, "libvirt: spinlocks needs a retry count "
                           "(spinlocks=N)");
    }
    if (libvirt_token(&toks, w.v[i], true) < 0)
      return -1;
  }
  return tokens_to_config(HVX_VOCAB_LIBVIRT, toks, retries, out);
}

HVX_API int hvx_enl_parse(unsigned vocab, const char *text,
                          struct hvx_enl_config *out)
{
  const char *name = hvx_vocab_name(vocab);

  if (!out)
    return hvx_set_error(EINVAL, "hvx_enl_parse: NULL argument");
  memset(out, 0, sizeof *out);
  if (!name || vocab == HVX_VOCAB_CPUID)
    return hvx_set_error(EINVAL, "hvx_enl_parse: vocabulary %u cannot be "
                         "parsed from text (use hvx_enl_from_detect for "
                         "CPUID)", vocab);
  if (check_text(text, name) < 0)
    return -1;
  switch (vocab) {
  case HVX_VOCAB_HV: return parse_hv(text, out);
  case HVX_VOCAB_XL: return parse_xl(text, out);
  case HVX_VOCAB_QEMU: return parse_qemu(text, out);
  default: return parse_libvirt(text, out);
  }
}

