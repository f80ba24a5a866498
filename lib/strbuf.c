/* hvx - a growing string for the text writers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strbuf.h"

static bool buf_reserve(struct hvx_buf *b, size_t more)
{
  size_t cap;
  char *p;

  if (b->failed)
    return false;
  if (more < b->cap - b->len)
    return true;
  if (more > SIZE_MAX / 4 - b->len) {
    b->failed = true;
    return false;
  }
  cap = b->cap ? b->cap : 256;
  while (cap - b->len <= more)
    cap *= 2;
  p = realloc(b->s, cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  b->s = p;
  b->cap = cap;
  return true;
}

void hvx_buf_addn(struct hvx_buf *b, const char *s, size_t n)
{
  if (!buf_reserve(b, n))
    return;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void hvx_buf_add(struct hvx_buf *b, const char *s)
{
  hvx_buf_addn(b, s, strlen(s));
}

void hvx_buf_printf(struct hvx_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (b->failed)
    return;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !buf_reserve(b, (size_t)n)) {
    b->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void hvx_buf_json_string(struct hvx_buf *b, const char *s)
{
  if (!s) {
    hvx_buf_add(b, "null");
    return;
  }
  hvx_buf_add(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': hvx_buf_add(b, "\\\""); break;
    case '\\': hvx_buf_add(b, "\\\\"); break;
    case '\n': hvx_buf_add(b, "\\n"); break;
    case '\t': hvx_buf_add(b, "\\t"); break;
    case '\r': hvx_buf_add(b, "\\r"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        hvx_buf_printf(b, "\\u%04x", *p);
      else
        hvx_buf_addn(b, (const char *)p, 1);
    }
  }
  hvx_buf_add(b, "\"");
}

void hvx_buf_shell_quote(struct hvx_buf *b, const char *s)
{
  hvx_buf_add(b, "'");
  for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1) {
    hvx_buf_addn(b, s, (size_t)(q - s));
    hvx_buf_add(b, "'\\''");
  }
  hvx_buf_add(b, s);
  hvx_buf_add(b, "'");
}

char *hvx_buf_finish(struct hvx_buf *b)
{
  char *s;

  if (!b->failed && !b->s)
    hvx_buf_add(b, "");
  if (b->failed) {
    hvx_buf_free(b);
    hvx_set_error(ENOMEM, "cannot allocate memory for a text buffer");
    return NULL;
  }
  s = b->s;
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}

void hvx_buf_free(struct hvx_buf *b)
{
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}
