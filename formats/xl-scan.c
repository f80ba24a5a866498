/* hvx - xl.cfg: the keys of a config and where they are, and quoting.
 *
 * libxlutil parses the file and answers for values by key, but cannot
 * list the keys nor say where a value is.  This scanner follows the
 * same lexical rules (identifiers [a-z][a-z0-9._]*, '…' and "…" strings
 * with backslash escapes, # comments, lists across lines) so hvx can
 * keep every key it does not understand and point at the line and
 * column of a bad one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xl-internal.h"

struct scanner {
  const char *p, *end;
  int line, col;
};

static bool is_id_start(char c) { return c >= 'a' && c <= 'z'; }
static bool is_id_char(char c)
{
  return is_id_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '_';
}
static bool is_atom_char(char c)
{
  return is_id_char(c) || (c >= 'A' && c <= 'Z');
}

static void advance(struct scanner *s)
{
  if (*s->p == '\n') {
    s->line++;
    s->col = 1;
  } else {
    s->col++;
  }
  s->p++;
}

/* Skip blanks and comments; newlines too when NL. */
static void skip_space(struct scanner *s, bool nl)
{
  while (s->p < s->end) {
    if (*s->p == ' ' || *s->p == '\t' || (nl && *s->p == '\n')) {
      advance(s);
    } else if (*s->p == '#') {
      while (s->p < s->end && *s->p != '\n')
        advance(s);
    } else {
      break;
    }
  }
}

static int scan_error(struct scanner *s, const char *what)
{
  return hvx_set_error(EBADMSG, "xl: line %d column %d: %s", s->line, s->col,
                       what);
}

/* A string or an atom; its start in *POS. */
static int skip_scalar(struct scanner *s)
{
  if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
    char q = *s->p;
    advance(s);
    while (s->p < s->end && *s->p != q) {
      if (*s->p == '\n')
        return scan_error(s, "newline in a string");
      if (*s->p == '\\' && s->p + 1 < s->end)
        advance(s);
      advance(s);
    }
    if (s->p >= s->end)
      return scan_error(s, "unterminated string");
    advance(s);
    return 0;
  }
  if (s->p < s->end && is_atom_char(*s->p)) {
    while (s->p < s->end && is_atom_char(*s->p))
      advance(s);
    return 0;
  }
  return scan_error(s, "expected a value");
}

static int add_item(struct xl_setting *st, struct xl_pos pos)
{
  struct xl_pos *v = realloc(st->items, (st->n_items + 1) * sizeof *v);

  if (!v)
    return hvx_set_error(ENOMEM, "xl: cannot record list positions");
  st->items = v;
  st->items[st->n_items++] = pos;
  return 0;
}

/* A value; top-level list items' positions go to ST (NULL below the top
 * level). */
static int skip_value(struct scanner *s, struct xl_setting *st, int depth)
{
  if (depth > 64)
    return scan_error(s, "lists nested too deeply");
  if (s->p >= s->end || *s->p != '[')
    return skip_scalar(s);
  advance(s);
  for (;;) {
    skip_space(s, true);
    if (s->p >= s->end)
      return scan_error(s, "unterminated list");
    if (*s->p == ']') {
      advance(s);
      return 0;
    }
    if (st && add_item(st, (struct xl_pos){ s->line, s->col }) < 0)
      return -1;
    if (skip_value(s, NULL, depth + 1) < 0)
      return -1;
    skip_space(s, true);
    if (s->p < s->end && *s->p == ',')
      advance(s);
    else if (s->p < s->end && *s->p != ']')
      return scan_error(s, "expected ',' or ']' in a list");
  }
}

/* libxlutil's lexer drops a last byte of the input that cannot begin a
 * token ("a = 1\\" at the very end parses as "a = 1"). */
static bool lone_last_byte(const struct scanner *s)
{
  char c = *s->p;

  return s->p + 1 == s->end && !is_id_start(c) && !(c >= '0' && c <= '9') &&
         !strchr("[],;= \t\n", c);
}

struct xl_setting *xl_find(struct xl_settings *set, const char *key)
{
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->v[i].key, key) == 0)
      return &set->v[i];
  return NULL;
}

void xl_settings_free(struct xl_settings *set)
{
  for (size_t i = 0; i < set->n; i++) {
    free(set->v[i].key);
    free(set->v[i].items);
  }
  free(set->v);
  set->v = NULL;
  set->n = 0;
}

static struct xl_setting *new_setting(struct xl_settings *set,
                                      const char *key, size_t klen)
{
  struct xl_setting *v = realloc(set->v, (set->n + 1) * sizeof *v);
  char *k = malloc(klen + 1);

  if (v)
    set->v = v;
  if (!v || !k) {
    free(k);
    hvx_set_error(ENOMEM, "xl: cannot record a setting");
    return NULL;
  }
  memcpy(k, key, klen);
  k[klen] = '\0';
  memset(&set->v[set->n], 0, sizeof set->v[0]);
  set->v[set->n].key = k;
  return &set->v[set->n++];
}

int xl_scan(const char *data, size_t len, struct xl_settings *out)
{
  struct scanner s = { data, data + len, 1, 1 };

  out->v = NULL;
  out->n = 0;
  for (;;) {
    skip_space(&s, true);
    while (s.p < s.end && *s.p == ';') {
      advance(&s);
      skip_space(&s, true);
    }
    if (s.p >= s.end || lone_last_byte(&s))
      return 0;
    if (!is_id_start(*s.p)) {
      scan_error(&s, "expected a key");
      goto fail;
    }
    struct xl_pos pos = { s.line, s.col };
    const char *k = s.p;
    while (s.p < s.end && is_id_char(*s.p))
      advance(&s);
    size_t klen = (size_t)(s.p - k);
    skip_space(&s, false);
    bool append = false;
    if (s.p + 1 < s.end && s.p[0] == '+' && s.p[1] == '=') {
      append = true;
      advance(&s);
    } else if (s.p >= s.end || *s.p != '=') {
      scan_error(&s, "expected '=' after a key");
      goto fail;
    }
    advance(&s);
    skip_space(&s, false);

    struct xl_setting *st = NULL;
    for (size_t i = 0; i < out->n; i++)
      if (strlen(out->v[i].key) == klen &&
          memcmp(out->v[i].key, k, klen) == 0)
        st = &out->v[i];
    if (!st && !(st = new_setting(out, k, klen)))
      goto fail;
    st->pos = pos;
    if (!append) {
      free(st->items);
      st->items = NULL;
      st->n_items = 0;
    }
    if (skip_value(&s, st, 0) < 0)
      goto fail;
    skip_space(&s, false);
    if (s.p < s.end && *s.p != '\n' && *s.p != ';' && !lone_last_byte(&s)) {
      scan_error(&s, "expected the end of the line after a value");
      goto fail;
    }
  }
fail:
  xl_settings_free(out);
  return -1;
}

int xl_column_of(const char *data, size_t len, int line, const char *needle,
                 size_t nlen)
{
  const char *p = data, *end = data + len, *eol;

  for (int l = 1; l < line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
      return 0;
    p = nl + 1;
  }
  if (p >= end && line > 1)
    return 0;
  eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol)
    eol = end;
  /* The end of the line, for a newline or end-of-file token. */
  if (nlen == 0 || (nlen == 1 && *needle == '\n'))
    return (int)(eol - p) + 1;
  if (nlen > (size_t)(eol - p))
    return 0;
  for (const char *q = p; q + nlen <= eol; q++)
    if (memcmp(q, needle, nlen) == 0)
      return (int)(q - p) + 1;
  return 0;
}

bool xl_is_key(const char *s)
{
  if (!is_id_start(*s))
    return false;
  for (s++; *s; s++)
    if (!is_id_char(*s))
      return false;
  return true;
}

void xl_quote(struct hvx_buf *b, const char *s)
{
  hvx_buf_add(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': hvx_buf_add(b, "\\\""); break;
    case '\\': hvx_buf_add(b, "\\\\"); break;
    /* libxlutil's numeric escapes (\\x41, \\101) do not work: other
     * control characters go in raw, which its lexer takes. */
    case '\a': hvx_buf_add(b, "\\a"); break;
    case '\b': hvx_buf_add(b, "\\b"); break;
    case '\f': hvx_buf_add(b, "\\f"); break;
    case '\n': hvx_buf_add(b, "\\n"); break;
    case '\r': hvx_buf_add(b, "\\r"); break;
    case '\t': hvx_buf_add(b, "\\t"); break;
    case '\v': hvx_buf_add(b, "\\v"); break;
    default: hvx_buf_addn(b, (const char *)p, 1);
    }
  }
  hvx_buf_add(b, "\"");
}

void xl_atom(struct hvx_buf *b, const char *s)
{
  size_t n = strlen(s);
  bool number = n > 0 && n < 20 && strspn(s, "0123456789") == n &&
                (s[0] != '0' || n == 1);

  if (number)
    hvx_buf_add(b, s);
  else
    xl_quote(b, s);
}
