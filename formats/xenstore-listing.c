/* hvx - a xenstore tree from a text listing, one node a line as
 * `xenstore-ls -f` prints it:
 *
 *   /local/domain/5/name = "web01"
 *
 * so that the domain reader (xenstore.c) can translate a saved listing
 * as it translates a live store, and so that the translation can be
 * tested and fuzzed without a xenstored.  The listing answers the two
 * questions the reader asks, like libxenstore's xs_read and
 * xs_directory; directories not listed themselves exist when something
 * below them is listed (with an empty value, as in xenstored). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xenstore-listing.h"

/* xenstored's own limits (xs_wire.h: XENSTORE_ABS_PATH_MAX and the
 * 4096-byte payload). */
#define XS_PATH_MAX 3072
#define XS_VALUE_MAX 4096
#define XS_LISTING_MAX (16u << 20)

static int by_path(const void *a, const void *b)
{
  return strcmp(((const struct xs_node *)a)->path,
                ((const struct xs_node *)b)->path);
}

static int hexval(int c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
         c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The quoted value at S (after the opening quote, up to E) into OUT
 * (room for E - S bytes); its length, or -1. */
static long unquote(const char *s, const char *e, char *out,
                    unsigned long line)
{
  long n = 0;

  for (; s < e && *s != '"'; s++) {
    int c = (unsigned char)*s;
    if (c == '\\') {
      if (++s == e)
        break;
      c = (unsigned char)*s;
      switch (c) {
      case '\\': case '"': case '\'': break;
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'x':
        if (e - s < 3 || hexval(s[1]) < 0 || hexval(s[2]) < 0)
          return hvx_set_error(EBADMSG, "xenstore listing: line %lu: \\x "
                               "needs two hex digits", line);
        c = hexval(s[1]) * 16 + hexval(s[2]);
        s += 2;
        break;
      default:
        if (c < '0' || c > '7')
          return hvx_set_error(EBADMSG, "xenstore listing: line %lu: "
                               "unknown escape '\\%c'", line,
                               c > ' ' && c < 127 ? c : '?');
        c -= '0';
        for (int k = 0; k < 2 && s + 1 < e && s[1] >= '0' && s[1] <= '7';
             k++)
          c = c * 8 + *++s - '0';
        if (c > 255)
          return hvx_set_error(EBADMSG, "xenstore listing: line %lu: octal "
                               "escape above \\377", line);
      }
    }
    out[n++] = (char)c;
  }
  if (s == e)
    return hvx_set_error(EBADMSG, "xenstore listing: line %lu: value has "
                         "no closing quote", line);
  /* `xenstore-ls -p` appends the permissions: "  (n0,r5)" */
  for (s++; s < e && (*s == ' ' || *s == '\t'); s++)
    ;
  if (s < e && *s != '(')
    return hvx_set_error(EBADMSG, "xenstore listing: line %lu: text after "
                         "the closing quote", line);
  return n;
}

/* A path as xenstored takes it: absolute, no empty component, no
 * trailing slash, printable. */
static int check_path(const char *p, size_t n, unsigned long line)
{
  if (n == 0 || p[0] != '/' || (n > 1 && p[n - 1] == '/') ||
      n > XS_PATH_MAX)
    return hvx_set_error(EBADMSG, "xenstore listing: line %lu: '%.*s' is "
                         "not an absolute xenstore path", line,
                         (int)(n < 64 ? n : 64), p);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] <= ' ' || p[i] == 127 ||
        (p[i] == '/' && i + 1 < n && p[i + 1] == '/'))
      return hvx_set_error(EBADMSG, "xenstore listing: line %lu: path has "
                           "an empty component or a control character",
                           line);
  return 0;
}

static int add_node(struct xs_listing *l, const char *line, const char *e,
                    unsigned long lineno)
{
  const char *eq = memchr(line, '=', (size_t)(e - line)), *p, *v;
  size_t plen;
  struct xs_node *nv;
  char *path, *value;
  long vlen;

  if (!eq || eq == line || eq[-1] != ' ')
    return hvx_set_error(EBADMSG, "xenstore listing: line %lu: not of the "
                         "form 'PATH = \"VALUE\"'", lineno);
  /* blanks before the path, but not the one before '=' (a line of
   * blanks and " = x" has an empty path) */
  for (p = line; p < eq - 1 && (*p == ' ' || *p == '\t'); p++)
    ;
  plen = (size_t)(eq - 1 - p);
  while (plen && p[plen - 1] == ' ')
    plen--;
  if (check_path(p, plen, lineno) < 0)
    return -1;
  for (v = eq + 1; v < e && *v == ' '; v++)
    ;
  if (!(path = hvx_malloc(plen + 1, "xenstore path")))
    return -1;
  memcpy(path, p, plen);
  path[plen] = '\0';
  if (!(value = hvx_malloc((size_t)(e - v) + 1, "xenstore value"))) {
    free(path);
    return -1;
  }
  if (v < e && *v == '"') {
    vlen = unquote(v + 1, e, value, lineno);
  } else {
    /* unquoted: the rest of the line, as a hand-written listing has it */
    vlen = e - v;
    memcpy(value, v, (size_t)vlen);
  }
  if (vlen > XS_VALUE_MAX)
    vlen = hvx_set_error(EBADMSG, "xenstore listing: line %lu: value of "
                         "%ld bytes (xenstored's limit is %d)", lineno, vlen,
                         XS_VALUE_MAX);
  if (vlen < 0) {
    free(path);
    free(value);
    return -1;
  }
  value[vlen] = '\0';
  if (!(nv = realloc(l->v, (l->n + 1) * sizeof *nv))) {
    free(path);
    free(value);
    return hvx_set_error(ENOMEM, "xenstore listing: out of memory");
  }
  l->v = nv;
  l->v[l->n].path = path;
  l->v[l->n].value = value;
  l->v[l->n].len = (unsigned)vlen;
  l->v[l->n].line = lineno;
  l->n++;
  return 0;
}

int hvx_xs_listing_parse(struct xs_listing *l, const char *text, size_t len)
{
  const char *s = text, *end = text + len;
  unsigned long lineno = 0;

  l->v = NULL;
  l->n = 0;
  if (!text)
    return hvx_set_error(EINVAL, "xenstore listing: NULL text");
  if (len > XS_LISTING_MAX)
    return hvx_set_error(EFBIG, "xenstore listing: %zu bytes (at most %u)",
                         len, XS_LISTING_MAX);
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s)), *e;
    const char *first = s;
    e = nl ? nl : end;
    lineno++;
    if (e > s && e[-1] == '\r')
      e--;
    while (first < e && (*first == ' ' || *first == '\t'))
      first++;
    if (first < e && *first != '#' && add_node(l, s, e, lineno) < 0) {
      hvx_xs_listing_free(l);
      return -1;
    }
    s = nl ? nl + 1 : end;
  }
  if (l->n)   /* qsort's base must not be NULL, even for no nodes */
    qsort(l->v, l->n, sizeof *l->v, by_path);
  for (size_t i = 1; i < l->n; i++)
    if (strcmp(l->v[i - 1].path, l->v[i].path) == 0) {
      hvx_set_error(EBADMSG, "xenstore listing: lines %lu and %lu both set "
                    "%.200s", l->v[i - 1].line < l->v[i].line ?
                    l->v[i - 1].line : l->v[i].line,
                    l->v[i - 1].line < l->v[i].line ? l->v[i].line :
                    l->v[i - 1].line, l->v[i].path);
      hvx_xs_listing_free(l);
      return -1;
    }
  return 0;
}

void hvx_xs_listing_free(struct xs_listing *l)
{
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].path);
    free(l->v[i].value);
  }
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* The first node not before PATH. */
static size_t lower_bound(const struct xs_listing *l, const char *path)
{
  size_t lo = 0, hi = l->n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(l->v[mid].path, path) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Whether a node below PATH is listed, i.e. PATH is a directory. */
static int has_children(const struct xs_listing *l, const char *path,
                        size_t plen)
{
  size_t i = lower_bound(l, path);

  /* "PATH/..." sorts after PATH and after "PATH" followed by any byte
   * below '/', so look past those. */
  for (; i < l->n && strncmp(l->v[i].path, path, plen) == 0; i++)
    if (l->v[i].path[plen] == '/' || plen == 1)
      return 1;
  return 0;
}

char *hvx_xs_listing_read(const struct xs_listing *l, const char *path,
                          unsigned *len)
{
  size_t i = lower_bound(l, path), plen = strlen(path);
  const char *v = "";
  unsigned n = 0;
  char *out;

  if (i < l->n && strcmp(l->v[i].path, path) == 0) {
    v = l->v[i].value;
    n = l->v[i].len;
  } else if (!has_children(l, path, plen)) {
    errno = ENOENT;
    return NULL;
  }
  if (!(out = malloc(n + 1))) {
    errno = ENOMEM;
    return NULL;
  }
  memcpy(out, v, n);
  out[n] = '\0';
  if (len)
    *len = n;
  return out;
}

static int by_string(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **hvx_xs_listing_directory(const struct xs_listing *l, const char *path,
                                unsigned *num)
{
  size_t plen = strlen(path), count = 0, bytes = 0, k = 0;
  size_t first = lower_bound(l, path), i;
  int exists = first < l->n && strcmp(l->v[first].path, path) == 0;
  const char **names;
  char **out, *at;

  *num = 0;
  /* one pass to count, as the block is allocated once (xs_directory's
   * result is freed with a single free) */
  for (i = first; i < l->n && strncmp(l->v[i].path, path, plen) == 0; i++)
    if (l->v[i].path[plen] == '/' || (plen == 1 && l->v[i].path[1]))
      count++;
  if (!count && !exists) {
    errno = ENOENT;
    return NULL;
  }
  if (!(names = calloc(count ? count : 1, sizeof *names))) {
    errno = ENOMEM;
    return NULL;
  }
  for (i = first; i < l->n && strncmp(l->v[i].path, path, plen) == 0; i++) {
    const char *p = l->v[i].path;
    if (p[plen] == '/' || (plen == 1 && p[1]))
      names[k++] = p + (plen == 1 ? 1 : plen + 1);
  }
  /* Children are the first components, each once. */
  for (i = 0; i < k; i++)
    bytes += strcspn(names[i], "/") + 1;
  if (!(out = malloc(k * sizeof *out + bytes + 1))) {
    free(names);
    errno = ENOMEM;
    return NULL;
  }
  at = (char *)(out + k);
  for (i = 0; i < k; i++) {
    size_t n = strcspn(names[i], "/");
    memcpy(at, names[i], n);
    at[n] = '\0';
    out[i] = at;
    at += n + 1;
  }
  free(names);
  qsort(out, k, sizeof *out, by_string);
  count = 0;
  for (i = 0; i < k; i++)
    if (count == 0 || strcmp(out[count - 1], out[i]) != 0)
      out[count++] = out[i];
  *num = (unsigned)count;
  return out;
}
