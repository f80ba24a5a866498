/* hvx - decoding one line of a hypercall trace (syntax in
 * include/hvx/hypercall.h).  Parsing only: the CLI does the printing. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAX_TOKENS 8
#define MAX_TOKEN 64

struct tokens {
  unsigned n;
  char v[MAX_TOKENS][MAX_TOKEN];
};

/* Split LINE at white space and commas, up to '#' or the end. */
static int tokenize(const char *line, unsigned long lineno, struct tokens *t)
{
  const char *p = line;

  t->n = 0;
  for (;;) {
    size_t len;

    while (*p && (isspace((unsigned char)*p) || *p == ','))
      p++;
    if (!*p || *p == '#')
      return 0;
    len = 0;
    while (p[len] && !isspace((unsigned char)p[len]) && p[len] != ',' &&
           p[len] != '#')
      len++;
    if (t->n == MAX_TOKENS)
      return hvx_set_error(EINVAL, "hypercall trace line %lu: more than %d "
                           "fields", lineno, MAX_TOKENS);
    if (len >= MAX_TOKEN)
      return hvx_set_error(EINVAL, "hypercall trace line %lu: field '%.20s"
                           "...' is too long", lineno, p);
    memcpy(t->v[t->n], p, len);
    t->v[t->n][len] = '\0';
    t->n++;
    p += len;
  }
}

static int number(const char *tok, unsigned long lineno, const char *what,
                  uint64_t *out)
{
  if (hvx_parse_u64(tok, out) < 0)
    return hvx_set_error(EINVAL, "hypercall trace line %lu: %s '%s' is not "
                         "a number (decimal or 0x hex, up to 64 bits)",
                         lineno, what, tok);
  return 0;
}

static int decode_hv(const struct tokens *t, unsigned first,
                     unsigned long lineno,
                     const struct hvx_trace_options *opts,
                     struct hvx_trace_record *rec)
{
  unsigned i = first;

  if (i >= t->n)
    return hvx_set_error(EINVAL, "hypercall trace line %lu: 'hv' without "
                         "an input value", lineno);
  if (number(t->v[i], lineno, "Hyper-V input value", &rec->hv_value) < 0)
    return -1;
  i++;
  /* optional result: "RESULT", "-> RESULT" or "result=RESULT" */
  if (i < t->n && strcmp(t->v[i], "->") == 0)
    i++;
  if (i < t->n) {
    const char *r = t->v[i];
    if (strncmp(r, "result=", 7) == 0)
      r += 7;
    if (number(r, lineno, "Hyper-V result value", &rec->hv_result_value) < 0)
      return -1;
    rec->has_result = true;
    i++;
  } else if (i > first + 1) {
    return hvx_set_error(EINVAL, "hypercall trace line %lu: '->' without a "
                         "result value", lineno);
  }
  if (i < t->n)
    return hvx_set_error(EINVAL, "hypercall trace line %lu: unexpected '%s' "
                         "after the Hyper-V values", lineno, t->v[i]);
  rec->kind = HVX_TRACE_HV;
  hvx_hv_input_decode(rec->hv_value, &rec->hv);
  rec->hv_call = hvx_hv_call_by_code(rec->hv.code);
  rec->violations = hvx_hv_input_validate(&rec->hv, opts->hv_features);
  if (rec->has_result) {
    hvx_hv_result_decode(rec->hv_result_value, &rec->hv_result);
    rec->violations |= hvx_hv_result_validate(&rec->hv, &rec->hv_result);
  }
  return 0;
}

static int decode_xen(const struct tokens *t, unsigned long lineno,
                      const struct hvx_trace_options *opts,
                      struct hvx_trace_record *rec)
{
  const char *nr;
  unsigned nargs;

  if (t->n < 2)
    return hvx_set_error(EINVAL, "hypercall trace line %lu: 'xen' without "
                         "a hypercall number or name", lineno);
  nr = t->v[1];
  if (isdigit((unsigned char)nr[0])) {
    if (number(nr, lineno, "Xen hypercall number", &rec->xen.number) < 0)
      return -1;
    rec->xen_call = hvx_xen_hypercall_by_number(rec->xen.number);
  } else {
    rec->xen_call = hvx_xen_hypercall_by_name(nr);
    if (!rec->xen_call)
      return hvx_set_error(EINVAL, "hypercall trace line %lu: unknown Xen "
                           "hypercall name '%s'", lineno, nr);
    rec->xen.number = rec->xen_call->number;
  }
  nargs = t->n - 2;
  if (nargs > HVX_XEN_MAX_ARGS)
    return hvx_set_error(EINVAL, "hypercall trace line %lu: %u arguments, "
                         "but Xen hypercalls take at most %d", lineno, nargs,
                         HVX_XEN_MAX_ARGS);
  rec->xen.nargs = nargs;
  for (unsigned i = 0; i < nargs; i++) {
    char what[32];
    snprintf(what, sizeof what, "argument %u", i + 1);
    if (number(t->v[2 + i], lineno, what, &rec->xen.args[i]) < 0)
      return -1;
  }
  rec->kind = HVX_TRACE_XEN;
  if (rec->xen_call && nargs >= 1)
    rec->xen_subop = hvx_xen_subop(rec->xen_call, rec->xen.args[0]);
  rec->violations = hvx_xen_frame_validate(&rec->xen, opts->xen_mode);
  return 0;
}

HVX_API int hvx_trace_decode_line(const char *line, unsigned long lineno,
                                  const struct hvx_trace_options *opts,
                                  struct hvx_trace_record *rec)
{
  static const struct hvx_trace_options no_opts;
  struct tokens t;

  if (!line || !rec)
    return hvx_set_error(EINVAL, "hvx_trace_decode_line: NULL argument");
  if (!opts)
    opts = &no_opts;
  memset(rec, 0, sizeof *rec);
  if (tokenize(line, lineno, &t) < 0)
    return -1;
  if (t.n == 0) {
    rec->kind = HVX_TRACE_NONE;
    return 0;
  }
  if (strcmp(t.v[0], "xen") == 0)
    return decode_xen(&t, lineno, opts, rec);
  if (strcmp(t.v[0], "hv") == 0)
    return decode_hv(&t, 1, lineno, opts, rec);
  if (isdigit((unsigned char)t.v[0][0]))
    return decode_hv(&t, 0, lineno, opts, rec);
  return hvx_set_error(EINVAL, "hypercall trace line %lu: '%s' is neither "
                       "'hv', 'xen' nor a Hyper-V input value", lineno,
                       t.v[0]);
}
