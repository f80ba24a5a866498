/* hvx - allocation and parsing helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool hvx_is_zero(const void *buf, size_t count)
{
  const unsigned char *p = buf;

  /* Check a short head byte by byte, then compare the buffer with
   * itself shifted by 16 bytes: memcmp is vectorised and this touches
   * each cache line once. */
  if (count < 16) {
    for (size_t i = 0; i < count; i++)
      if (p[i])
        return false;
    return true;
  }
  for (size_t i = 0; i < 16; i++)
    if (p[i])
      return false;
  return memcmp(p, p + 16, count - 16) == 0;
}

void *hvx_malloc(size_t size, const char *what)
{
  void *p = malloc(size ? size : 1);

  if (!p)
    hvx_set_error(ENOMEM, "cannot allocate %zu bytes for %s", size, what);
  return p;
}

void *hvx_calloc(size_t n, size_t size, const char *what)
{
  void *p = calloc(n ? n : 1, size ? size : 1);

  if (!p)
    hvx_set_error(ENOMEM, "cannot allocate %zu x %zu bytes for %s", n, size,
                  what);
  return p;
}

void *hvx_aligned_alloc(size_t size, const char *what)
{
  void *p = NULL;

  if (posix_memalign(&p, 4096, size ? size : 1) != 0) {
    hvx_set_error(ENOMEM, "cannot allocate %zu bytes for %s", size, what);
    return NULL;
  }
  return p;
}

char *hvx_strdup(const char *s)
{
  char *p = strdup(s);

  if (!p)
    hvx_set_error(ENOMEM, "cannot allocate a string");
  return p;
}

int hvx_parse_u64(const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;

  if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 0);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

HVX_API int hvx_parse_size(const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  unsigned shift = 0;

  if (!s || *s < '0' || *s > '9')
    return hvx_set_error(EINVAL, "invalid size '%s': expected a number "
                         "with an optional K, M, G or T suffix",
                         s ? s : "(null)");
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno)
    return hvx_set_error(EINVAL, "invalid size '%s': too large", s);
  switch (*end) {
  case '\0': break;
  case 'b': case 'B': end++; break;
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  case 't': case 'T': shift = 40; end++; break;
  case 'p': case 'P': shift = 50; end++; break;
  case 'e': case 'E': shift = 60; end++; break;
  default: end = NULL;
  }
  /* Accept "KiB"/"KB"-style spellings after a unit letter. */
  if (end && shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
    end += strlen(end);
  if (!end || *end)
    return hvx_set_error(EINVAL, "invalid size '%s': unknown suffix", s);
  if (shift && v > (UINT64_MAX >> shift))
    return hvx_set_error(EINVAL, "invalid size '%s': too large", s);
  *out = (uint64_t)v << shift;
  return 0;
}
