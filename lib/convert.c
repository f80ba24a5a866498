/* hvx - the conversion engine.
 *
 * The source is walked by block status.  Zero extents and holes are never
 * read; allocated extents are read in chunks, all-zero pieces (at the
 * target's write granularity) are skipped, and the rest written.  Since
 * the target is a new image, skipped ranges already read as zeros there --
 * unless it was created on a backing file (a differencing VHD, ...): then
 * the pieces that equal the backing file's are skipped instead, and zeros
 * that would show the backing file's data are written.
 * The target is made under a temporary name beside the destination and
 * renamed over it only when complete and synced.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

#define CONVERT_CHUNK (2u << 20)

struct hvx_convert_options {
  char *src_format, *dst_format, *dst_options, *digest_algo;
  int compress, detect_zeroes, overwrite, threads, no_backing;
  hvx_progress_fn progress;
  void *progress_opaque;
  volatile sig_atomic_t cancelled;
  char digest[2 * EVP_MAX_MD_SIZE + 1];
  bool have_digest;
};

HVX_API hvx_convert_options *hvx_convert_options_new(void)
{
  hvx_convert_options *o = hvx_calloc(1, sizeof *o, "convert options");

  if (!o)
    return NULL;
  o->dst_format = hvx_strdup("raw");
  if (!o->dst_format) {
    free(o);
    return NULL;
  }
  o->detect_zeroes = 1;
  return o;
}

HVX_API void hvx_convert_options_free(hvx_convert_options *o)
{
  if (!o)
    return;
  free(o->src_format);
  free(o->dst_format);
  free(o->dst_options);
  free(o->digest_algo);
  free(o);
}

/* Replace *SLOT by a copy of S (NULL allowed when NULLABLE). */
static int set_string(char **slot, const char *s, bool nullable,
                      const char *what)
{
  char *c = NULL;

  if (!s && !nullable)
    return hvx_set_error(EINVAL, "%s must not be NULL", what);
  if (s && !(c = hvx_strdup(s)))
    return -1;
  free(*slot);
  *slot = c;
  return 0;
}

#define NEED_OPTS(o) \
  do { if (!(o)) return hvx_set_error(EINVAL, "%s: options are NULL", __func__); } while (0)

HVX_API int hvx_convert_set_source_format(hvx_convert_options *o,
                                          const char *format)
{
  NEED_OPTS(o);
  if (format && !hvx_find_driver(format))
    return hvx_set_error(EINVAL, "unknown source format '%s'", format);
  return set_string(&o->src_format, format, true, "source format");
}

HVX_API int hvx_convert_set_target_format(hvx_convert_options *o,
                                          const char *format)
{
  NEED_OPTS(o);
  if (!format || !hvx_find_driver(format))
    return hvx_set_error(EINVAL, "unknown target format '%s'",
                         format ? format : "(null)");
  return set_string(&o->dst_format, format, false, "target format");
}

HVX_API int hvx_convert_set_target_options(hvx_convert_options *o,
                                           const char *options)
{
  NEED_OPTS(o);
  return set_string(&o->dst_options, options, true, "target options");
}

HVX_API int hvx_convert_set_compress(hvx_convert_options *o, int on)
{
  NEED_OPTS(o);
  o->compress = !!on;
  return 0;
}

HVX_API int hvx_convert_set_detect_zeroes(hvx_convert_options *o, int on)
{
  NEED_OPTS(o);
  o->detect_zeroes = !!on;
  return 0;
}

HVX_API int hvx_convert_set_overwrite(hvx_convert_options *o, int on)
{
  NEED_OPTS(o);
  o->overwrite = !!on;
  return 0;
}

HVX_API int hvx_convert_set_threads(hvx_convert_options *o, int threads)
{
  NEED_OPTS(o);
  if (threads < 0 || threads > 64)
    return hvx_set_error(EINVAL, "thread count %d out of range 0..64",
                         threads);
  o->threads = threads;
  return 0;
}

HVX_API int hvx_convert_set_digest(hvx_convert_options *o, const char *algo)
{
  NEED_OPTS(o);
  if (algo && !EVP_get_digestbyname(algo))
    return hvx_set_error(EINVAL, "unknown digest algorithm '%s'", algo);
  return set_string(&o->digest_algo, algo, true, "digest");
}

HVX_API int hvx_convert_set_progress(hvx_convert_options *o,
                                     hvx_progress_fn fn, void *opaque)
{
  NEED_OPTS(o);
  o->progress = fn;
  o->progress_opaque = opaque;
  return 0;
}

HVX_API int hvx_convert_set_no_backing(hvx_convert_options *o, int on)
{
  NEED_OPTS(o);
  o->no_backing = !!on;
  return 0;
}

HVX_API void hvx_convert_cancel(hvx_convert_options *o)
{
  if (o)
    o->cancelled = 1;
}

HVX_API const char *hvx_convert_digest(const hvx_convert_options *o)
{
  return o && o->have_digest ? o->digest : NULL;
}

/* A fresh name beside DST: "DIR/.NAME.hvx-XXXXXX". */
static char *temp_name(const char *dst)
{
  const char *slash = strrchr(dst, '/');
  size_t dirlen = slash ? (size_t)(slash - dst) + 1 : 0;
  const char *base = dst + dirlen;
  char *t = hvx_malloc(strlen(dst) + 16, "temporary file name");
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  unsigned long r;

  if (!t)
    return NULL;
  r = (unsigned long)getpid() * 2654435761u ^ (unsigned long)time(NULL) ^
      (unsigned long)(uintptr_t)t;
  memcpy(t, dst, dirlen);
  sprintf(t + dirlen, ".%s.hvx-", base);
  for (size_t i = 0, n = strlen(t); i < 6; i++, r /= 36)
    t[n + i] = digits[r % 36], t[n + i + 1] = '\0';
  return t;
}

struct job {
  hvx_image *src, *dst;
  hvx_convert_options *o;
  EVP_MD_CTX *md;
  uint8_t *buf;
  uint8_t *bbuf;      /* the target's backing data, if it has a backing */
  uint32_t gran;      /* target write granularity */
  uint64_t done;
};

static int report(struct job *j)
{
  if (j->o->cancelled)
    return hvx_set_error(ECANCELED, "conversion cancelled");
  if (j->o->progress &&
      j->o->progress(j->o->progress_opaque, j->done, j->src->size) != 0) {
    j->o->cancelled = 1;
    return hvx_set_error(ECANCELED, "conversion cancelled by the progress "
                         "callback");
  }
  return 0;
}

/* Does the target already read BUF[I..I+C) (zeros, or its backing's)? */
static bool unchanged(struct job *j, const uint8_t *buf, size_t i, size_t c)
{
  return j->bbuf ? memcmp(buf + i, j->bbuf + i, c) == 0 :
                   hvx_is_zero(buf + i, c);
}

/* Write BUF[0..N) at OFF, skipping granules the target already reads
 * (when asked). */
static int write_data(struct job *j, const uint8_t *buf, size_t n,
                      uint64_t off)
{
  size_t g = j->gran;

  if (j->bbuf && hvx_read_backing(j->dst, j->bbuf, n, off) < 0)
    return -1;

  if (j->o->compress) {
    /* Compressed units are whole granules (clusters); the last one may
     * be short at the end of the disk. */
    for (size_t i = 0; i < n; i += g) {
      size_t c = (size_t)hvx_min_u64(g, n - i);
      if (unchanged(j, buf, i, c))
        continue;
      if (hvx_pwrite_compressed(j->dst, buf + i, c, off + i) < 0)
        return -1;
    }
    return 0;
  }
  if (!j->o->detect_zeroes && !j->bbuf)
    return hvx_pwrite(j->dst, buf, n, off);
  /* Coalesce runs of non-zero granules into one write. */
  for (size_t i = 0; i < n; ) {
    size_t start, c = (size_t)hvx_min_u64(g - (off + i) % g, n - i);
    if (unchanged(j, buf, i, c)) {
      i += c;
      continue;
    }
    start = i;
    i += c;
    while (i < n) {
      c = (size_t)hvx_min_u64(g, n - i);
      if (unchanged(j, buf, i, c))
        break;
      i += c;
    }
    if (hvx_pwrite(j->dst, buf + start, i - start, off + start) < 0)
      return -1;
  }
  return 0;
}

/* Copy [OFF, OFF+LEN) of the source; ZERO: it is known to read zeros. */
static int copy_extent(struct job *j, uint64_t off, uint64_t len, bool zero)
{
  while (len > 0) {
    /* Chunks aligned to CONVERT_CHUNK so compressed granules line up. */
    size_t n = (size_t)hvx_min_u64(len, CONVERT_CHUNK - off % CONVERT_CHUNK);
    if (zero)
      memset(j->buf, 0, n);
    else if (hvx_pread(j->src, j->buf, n, off) < 0)
      return -1;
    if (j->md && !EVP_DigestUpdate(j->md, j->buf, n))
      return hvx_set_error(EIO, "digest update failed");
    if (write_data(j, j->buf, n, off) < 0)
      return -1;
    off += n;
    len -= n;
    j->done += n;
    if (report(j) < 0)
      return -1;
  }
  return 0;
}

static int run(struct job *j)
{
  uint64_t off = 0, size = j->src->size;

  if (report(j) < 0)
    return -1;
  while (off < size) {
    uint64_t pnum;
    unsigned flags;
    /* Ask about a bounded range so progress and cancellation stay live
     * across huge holes too. */
    uint64_t want = hvx_min_u64(size - off, 1ull << 30);
    if (hvx_block_status(j->src, off, want, &pnum, &flags) < 0)
      return -1;
    if ((flags & HVX_BS_ZERO) && !j->bbuf) {
      if (j->md && hvx_digest_zeros(j->md, pnum) < 0)
        return -1;
      j->done += pnum;
      off += pnum;
      if (report(j) < 0)
        return -1;
      continue;
    }
    if (copy_extent(j, off, pnum, flags & HVX_BS_ZERO) < 0)
      return -1;
    off += pnum;
  }
  return 0;
}

HVX_API int hvx_convert(const char *src, const char *dst,
                        hvx_convert_options *opts)
{
  hvx_convert_options *own = NULL;
  struct job j = { 0 };
  char *tmp = NULL;
  int r = -1;
  struct stat st;

  if (!src || !dst)
    return hvx_set_error(EINVAL, "hvx_convert: source or destination is "
                         "NULL");
  if (!opts && !(opts = own = hvx_convert_options_new()))
    return -1;
  j.o = opts;
  opts->have_digest = false;
  opts->cancelled = 0;
  if (!opts->overwrite && lstat(dst, &st) == 0) {
    hvx_set_error(EEXIST, "%s: destination exists; allow overwriting to "
                  "replace it", dst);
    goto out;
  }
  j.src = hvx_open(src, opts->src_format,
                   opts->no_backing ? HVX_OPEN_NO_BACKING : 0);
  if (!j.src)
    goto out;
  if (opts->digest_algo && !(j.md = hvx_digest_begin(opts->digest_algo)))
    goto out;
  if (!(tmp = temp_name(dst)))
    goto out;
  j.dst = hvx_create(tmp, opts->dst_format, j.src->size, opts->dst_options);
  if (!j.dst)
    goto out;
  if (opts->compress && !j.dst->drv->pwrite_compressed) {
    hvx_set_error(ENOTSUP, "%s: compressed output is not supported",
                  j.dst->drv->name);
    goto out;
  }
  j.gran = j.dst->drv->write_granularity ?
    j.dst->drv->write_granularity(j.dst) : 0;
  if (j.gran == 0 || j.gran > CONVERT_CHUNK)
    j.gran = j.gran > CONVERT_CHUNK ? CONVERT_CHUNK : 65536;
  if (!(j.buf = hvx_aligned_alloc(CONVERT_CHUNK, "conversion buffer")))
    goto out;
  if (j.dst->backing &&
      !(j.bbuf = hvx_aligned_alloc(CONVERT_CHUNK, "conversion buffer")))
    goto out;
  if (run(&j) < 0)
    goto out;
  if (hvx_flush(j.dst) < 0)
    goto out;
  if (hvx_close(j.dst) < 0) {
    j.dst = NULL;
    goto out;
  }
  j.dst = NULL;
  if (j.md && hvx_digest_end(j.md, opts->digest, sizeof opts->digest) < 0)
    goto out;
  /* Without overwrite, link() refuses a destination that appeared while
   * we worked; with it, rename() replaces it atomically. */
  if (opts->overwrite) {
    if (rename(tmp, dst) < 0) {
      hvx_set_error(errno, "%s: rename into place: %s", dst, strerror(errno));
      goto out;
    }
  } else {
    if (link(tmp, dst) < 0) {
      hvx_set_error(errno, "%s: %s", dst, errno == EEXIST ?
                    "destination appeared during the conversion" :
                    strerror(errno));
      goto out;
    }
    unlink(tmp);
  }
  free(tmp);
  tmp = NULL;
  opts->have_digest = j.md != NULL;
  r = 0;

out:
  if (j.dst)
    hvx_close(j.dst);
  if (tmp)
    unlink(tmp);
  free(tmp);
  hvx_close(j.src);
  if (j.md)
    EVP_MD_CTX_free(j.md);
  free(j.buf);
  free(j.bbuf);
  hvx_convert_options_free(own);
  return r;
}
