/* hvx - comparing images and digesting their content.  Both walk block
 * status so that holes cost nothing to compare and little to hash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

#define VERIFY_CHUNK (2u << 20)

/* Zeros to hash for holes: hashing reads them, so keep them in cache. */
static const uint8_t zero_block[65536];

int hvx_digest_zeros(EVP_MD_CTX *ctx, uint64_t len)
{
  while (len > 0) {
    size_t n = (size_t)hvx_min_u64(len, sizeof zero_block);
    if (!EVP_DigestUpdate(ctx, zero_block, n))
      return hvx_set_error(EIO, "digest update failed");
    len -= n;
  }
  return 0;
}

EVP_MD_CTX *hvx_digest_begin(const char *algo)
{
  const EVP_MD *md = EVP_get_digestbyname(algo);
  EVP_MD_CTX *ctx;

  if (!md) {
    hvx_set_error(EINVAL, "unknown digest algorithm '%s'", algo);
    return NULL;
  }
  ctx = EVP_MD_CTX_new();
  if (!ctx) {
    hvx_set_error(ENOMEM, "cannot allocate a digest context");
    return NULL;
  }
  if (!EVP_DigestInit_ex(ctx, md, NULL)) {
    EVP_MD_CTX_free(ctx);
    hvx_set_error(EIO, "cannot start a '%s' digest", algo);
    return NULL;
  }
  return ctx;
}

int hvx_digest_end(EVP_MD_CTX *ctx, char *out, size_t outlen)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;

  if (!EVP_DigestFinal_ex(ctx, md, &n))
    return hvx_set_error(EIO, "digest finalisation failed");
  if (outlen < 2 * (size_t)n + 1)
    return hvx_set_error(EINVAL, "digest output buffer of %zu bytes is too "
                         "small (need %u)", outlen, 2 * n + 1);
  for (unsigned i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", md[i]);
  return 0;
}

HVX_API int hvx_digest(hvx_image *img, const char *algo, char *out,
                       size_t outlen)
{
  EVP_MD_CTX *ctx;
  uint8_t *buf = NULL;
  uint64_t off = 0;
  int r = -1;

  if (!img || !algo || !out)
    return hvx_set_error(EINVAL, "hvx_digest: NULL argument");
  ctx = hvx_digest_begin(algo);
  if (!ctx)
    return -1;
  buf = hvx_malloc(VERIFY_CHUNK, "digest buffer");
  if (!buf)
    goto out;
  while (off < img->size) {
    uint64_t pnum;
    unsigned flags;
    if (hvx_block_status(img, off, hvx_min_u64(img->size - off, 1ull << 40),
                         &pnum, &flags) < 0)
      goto out;
    if (flags & HVX_BS_ZERO) {
      if (hvx_digest_zeros(ctx, pnum) < 0)
        goto out;
      off += pnum;
      continue;
    }
    for (uint64_t end = off + pnum; off < end; ) {
      size_t n = (size_t)hvx_min_u64(end - off, VERIFY_CHUNK);
      if (hvx_pread(img, buf, n, off) < 0)
        goto out;
      if (!EVP_DigestUpdate(ctx, buf, n)) {
        hvx_set_error(EIO, "digest update failed");
        goto out;
      }
      off += n;
    }
  }
  r = hvx_digest_end(ctx, out, outlen);
out:
  EVP_MD_CTX_free(ctx);
  free(buf);
  return r;
}

/* Does IMG read as zeros over [off, end)?  1 yes, 0 no (with *WHERE the
 * first non-zero byte), -1 error. */
static int reads_as_zero(hvx_image *img, uint64_t off, uint64_t end,
                         uint8_t *buf, uint64_t *where)
{
  while (off < end) {
    uint64_t pnum;
    unsigned flags;
    if (hvx_block_status(img, off, end - off, &pnum, &flags) < 0)
      return -1;
    if (!(flags & HVX_BS_ZERO)) {
      for (uint64_t e = off + pnum; off < e; ) {
        size_t n = (size_t)hvx_min_u64(e - off, VERIFY_CHUNK);
        if (hvx_pread(img, buf, n, off) < 0)
          return -1;
        if (!hvx_is_zero(buf, n)) {
          for (size_t i = 0; i < n; i++)
            if (buf[i]) {
              *where = off + i;
              return 0;
            }
        }
        off += n;
      }
    } else {
      off += pnum;
    }
  }
  return 1;
}

HVX_API int hvx_compare(hvx_image *a, hvx_image *b, uint64_t *first_diff)
{
  uint8_t *ba = NULL, *bb = NULL;
  uint64_t common, off = 0, where = 0;
  int r = -1;

  if (!a || !b)
    return hvx_set_error(EINVAL, "hvx_compare: image is NULL");
  ba = hvx_malloc(VERIFY_CHUNK, "compare buffer");
  bb = hvx_malloc(VERIFY_CHUNK, "compare buffer");
  if (!ba || !bb)
    goto out;
  common = hvx_min_u64(a->size, b->size);
  while (off < common) {
    uint64_t na, nb, n;
    unsigned fa, fb;
    if (hvx_block_status(a, off, common - off, &na, &fa) < 0 ||
        hvx_block_status(b, off, common - off, &nb, &fb) < 0)
      goto out;
    n = hvx_min_u64(na, nb);
    if ((fa & HVX_BS_ZERO) && (fb & HVX_BS_ZERO)) {
      off += n;
      continue;
    }
    if (fa & HVX_BS_ZERO || fb & HVX_BS_ZERO) {
      /* One side is known zero: only the other needs reading. */
      hvx_image *data = (fa & HVX_BS_ZERO) ? b : a;
      int z = reads_as_zero(data, off, off + n, ba, &where);
      if (z < 0)
        goto out;
      if (z == 0)
        goto differ;
      off += n;
      continue;
    }
    for (uint64_t e = off + n; off < e; ) {
      size_t c = (size_t)hvx_min_u64(e - off, VERIFY_CHUNK);
      if (hvx_pread(a, ba, c, off) < 0 || hvx_pread(b, bb, c, off) < 0)
        goto out;
      if (memcmp(ba, bb, c) != 0) {
        size_t i = 0;
        while (ba[i] == bb[i])
          i++;
        where = off + i;
        goto differ;
      }
      off += c;
    }
  }
  /* Like qemu-img compare: a longer image must be zero past the end of
   * the shorter one. */
  if (a->size != b->size) {
    hvx_image *longer = a->size > b->size ? a : b;
    int z = reads_as_zero(longer, common, longer->size, ba, &where);
    if (z < 0)
      goto out;
    if (z == 0)
      goto differ;
  }
  r = 0;
  goto out;

differ:
  if (first_diff)
    *first_diff = where;
  r = 1;
out:
  free(ba);
  free(bb);
  return r;
}
