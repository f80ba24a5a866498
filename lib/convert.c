/* hvx - converting images: options, the temporary target, and putting
 * it in place.  The copying itself is lib/convert-engine.c (which also
 * handles a target created on a backing file, e.g. "-o parent=" for a
 * differencing VHD: there it writes what differs from the backing file).
 *
 * The target is made under a temporary name beside the destination and
 * renamed over it only when complete and (unless told otherwise) synced;
 * on error or cancellation the temporary file is removed and an existing
 * destination is untouched.
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

#include "convert-engine.h"

struct hvx_convert_options {
  char *src_format, *dst_format, *dst_options, *digest_algo;
  int compress, detect_zeroes, overwrite, threads, no_backing;
  hvx_progress_fn progress;
  void *progress_opaque;
  int sync;
  /* Set from any thread or a signal handler: a lock-free atomic is
   * async-signal-safe, and unlike sig_atomic_t safe across threads. */
  atomic_int cancelled;
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
  o->sync = 1;
  atomic_init(&o->cancelled, 0);
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

HVX_API int hvx_convert_set_sync(hvx_convert_options *o, int on)
{
  NEED_OPTS(o);
  o->sync = !!on;
  return 0;
}

HVX_API void hvx_convert_cancel(hvx_convert_options *o)
{
  if (o)
    atomic_store(&o->cancelled, 1);
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

/* Remove TMP (an image we created) when the conversion fails. */
static void discard(const char *tmp)
{
  if (tmp)
    unlink(tmp);
}

HVX_API int hvx_convert(const char *src, const char *dst,
                        hvx_convert_options *opts)
{
  hvx_convert_options *own = NULL;
  struct hvx_convert_job j = { 0 };
  char *tmp = NULL;
  int r = -1;
  struct stat st;

  if (!src || !dst)
    return hvx_set_error(EINVAL, "hvx_convert: source or destination is "
                         "NULL");
  if (!opts && !(opts = own = hvx_convert_options_new()))
    return -1;
  opts->have_digest = false;
  atomic_store(&opts->cancelled, 0);
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
  j.dst->file.nosync = !opts->sync;
  /* A format that sizes disks in sectors (qcow2, as qemu does) would
   * round the size up: the copy would read longer than its source, and
   * its digest would differ from the one computed here.  VHD and VHDX
   * refuse such sizes themselves. */
  if (j.dst->size != j.src->size) {
    hvx_set_error(EINVAL, "%s: the source's size %llu bytes is not a whole "
                  "number of sectors: the copy would be %llu bytes",
                  j.dst->drv->name, (unsigned long long)j.src->size,
                  (unsigned long long)j.dst->size);
    goto out;
  }
  if (opts->compress && !j.dst->drv->pwrite_compressed &&
      !j.dst->drv->compress_unit) {
    hvx_set_error(ENOTSUP, "%s: compressed output is not supported",
                  j.dst->drv->name);
    goto out;
  }
  j.threads = opts->threads ? opts->threads : hvx_convert_default_threads();
  j.compress = opts->compress;
  j.detect_zeroes = opts->detect_zeroes;
  j.cancelled = &opts->cancelled;
  j.progress = opts->progress;
  j.progress_opaque = opts->progress_opaque;
  if (hvx_convert_run(&j) < 0)
    goto out;
  if (hvx_flush(j.dst) < 0)
    goto out;
  r = hvx_close(j.dst);
  j.dst = NULL;
  if (r < 0)
    goto out;
  r = -1;
  if (j.md && hvx_digest_end(j.md, opts->digest, sizeof opts->digest) < 0)
    goto out;
  /* A cancellation that came during the final sync still counts. */
  if (atomic_load(&opts->cancelled)) {
    hvx_set_error(ECANCELED, "conversion cancelled");
    goto out;
  }
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
  discard(tmp);
  free(tmp);
  hvx_close(j.src);
  if (j.md)
    EVP_MD_CTX_free(j.md);
  hvx_convert_options_free(own);
  return r;
}
