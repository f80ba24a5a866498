/* hvx - the public image API: argument and state checks around the
 * drivers, so drivers only ever see valid, in-range requests. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define PROBE_HEAD 65536

static const struct hvx_driver *probe(struct hvx_file *f, const char *path)
{
  uint8_t *head;
  int64_t size = hvx_file_size(f);
  const struct hvx_driver *best = NULL;
  int best_score = 0;

  if (size < 0)
    return NULL;
  head = hvx_malloc(PROBE_HEAD, "probe buffer");
  if (!head)
    return NULL;
  if (hvx_file_pread_zerofill(f, head, PROBE_HEAD, 0) < 0)
    goto out;
  for (int i = 0; hvx_drivers[i]; i++) {
    int s = hvx_drivers[i]->probe(f, head,
                                  (size_t)hvx_min_u64((uint64_t)size, PROBE_HEAD),
                                  (uint64_t)size);
    if (s < 0)
      goto out;
    if (s > best_score) {
      best_score = s;
      best = hvx_drivers[i];
    }
  }
  if (!best)
    hvx_set_error(ENOTSUP, "%s: unknown image format", path);
out:
  free(head);
  return best;
}

static const struct hvx_driver *named_driver(const char *format)
{
  const struct hvx_driver *d = hvx_find_driver(format);

  if (!d)
    hvx_set_error(ENOTSUP, "unknown format '%s'", format);
  return d;
}

static struct hvx_image *open_image(const char *path, const char *format,
                                    unsigned flags, struct hvx_image *child,
                                    const struct hvx_io_hook *hook)
{
  struct hvx_image *img;
  bool write = flags & HVX_OPEN_WRITE;

  if (!path)
    return hvx_set_error(EINVAL, "hvx_open: path is NULL"), NULL;
  if (flags & ~(HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING |
                HVX_OPEN_BACKING_ANYWHERE))
    return hvx_set_error(EINVAL, "hvx_open: unknown flags 0x%x", flags), NULL;
  img = hvx_calloc(1, sizeof *img, "image handle");
  if (!img)
    return NULL;
  img->file.fd = -1;
  img->flags = flags;
  img->child = child;
  img->depth = child ? child->depth + 1 : 0;
  img->filename = hvx_strdup(path);
  if (!img->filename)
    goto fail;
  if (hvx_file_open(&img->file, path, write, false) < 0)
    goto fail;
  img->file.hook = hook;
  if (write && flock(img->file.fd, LOCK_EX | LOCK_NB) < 0) {
    hvx_set_error(errno == EWOULDBLOCK ? EBUSY : errno,
                  "%s: image is in use by another process (locked)", path);
    goto fail;
  }
  img->drv = format ? named_driver(format) : probe(&img->file, path);
  if (!img->drv)
    goto fail;
  img->thread_safe = img->drv->thread_safe;
  if (img->drv->open(img) < 0) {
    img->drv = NULL; /* open cleaned up after itself */
    goto fail;
  }
  if (write && !img->drv->pwrite) {
    hvx_set_error(ENOTSUP, "%s: %s images cannot be opened for writing",
                  path, img->drv->name);
    goto fail;
  }
  return img;

fail:
  hvx_close(img);
  return NULL;
}

struct hvx_image *hvx_open_internal(const char *path, const char *format,
                                    unsigned flags, struct hvx_image *child)
{
  return open_image(path, format, flags, child, NULL);
}

struct hvx_image *hvx_open_hooked(const char *path, const char *format,
                                  unsigned flags,
                                  const struct hvx_io_hook *hook)
{
  return open_image(path, format, flags, NULL, hook);
}

HVX_API hvx_image *hvx_open(const char *path, const char *format,
                            unsigned flags)
{
  return hvx_open_internal(path, format, flags, NULL);
}

HVX_API hvx_image *hvx_create(const char *path, const char *format,
                              uint64_t size, const char *options)
{
  const struct hvx_driver *drv;
  struct hvx_opts opts;
  struct hvx_image *img;

  if (!path || !format)
    return hvx_set_error(EINVAL, "hvx_create: path or format is NULL"), NULL;
  drv = named_driver(format);
  if (!drv)
    return NULL;
  if (!drv->create)
    return hvx_set_error(ENOTSUP, "%s: creating images is not supported",
                         drv->name), NULL;
  if (size > INT64_MAX)
    return hvx_set_error(EFBIG, "%s: size %llu too large", drv->name,
                         (unsigned long long)size), NULL;
  if (hvx_opts_parse(&opts, options) < 0)
    return NULL;

  img = hvx_calloc(1, sizeof *img, "image handle");
  if (!img)
    goto fail_opts;
  img->file.fd = -1;
  img->flags = HVX_OPEN_WRITE;
  img->filename = hvx_strdup(path);
  if (!img->filename)
    goto fail;
  if (hvx_file_open(&img->file, path, true, true) < 0)
    goto fail;
  if (flock(img->file.fd, LOCK_EX | LOCK_NB) < 0) {
    hvx_set_error(EBUSY, "%s: image is in use by another process", path);
    goto fail_unlink;
  }
  img->thread_safe = drv->thread_safe;
  img->created = true;
  if (drv->create(img, size, &opts) < 0)
    goto fail_unlink;
  img->drv = drv;
  hvx_opts_free(&opts);
  return img;

fail_unlink:
  /* We created the file; a half-made image must not stay behind. */
  unlink(path);
fail:
  hvx_close(img);
fail_opts:
  hvx_opts_free(&opts);
  return NULL;
}

HVX_API int hvx_close(hvx_image *img)
{
  int r = 0;

  if (!img)
    return 0;
  if (img->drv) {
    if ((img->flags & HVX_OPEN_WRITE) && img->drv->flush &&
        img->drv->flush(img) < 0)
      r = -1;
    if (img->drv->close)
      img->drv->close(img);
  }
  if (img->backing && hvx_close(img->backing) < 0)
    r = -1;
  hvx_file_close(&img->file);
  free(img->filename);
  free(img);
  return r;
}

HVX_API const char *hvx_image_format(const hvx_image *img)
{
  return img ? img->drv->name : NULL;
}

HVX_API int64_t hvx_image_size(const hvx_image *img)
{
  if (!img)
    return hvx_set_error(EINVAL, "hvx_image_size: image is NULL");
  return (int64_t)img->size;
}

HVX_API const char *hvx_image_filename(const hvx_image *img)
{
  return img ? img->filename : NULL;
}

HVX_API hvx_image *hvx_image_backing(const hvx_image *img)
{
  return img ? img->backing : NULL;
}

static int check_range(const hvx_image *img, const char *fn, uint64_t offset,
                       uint64_t count)
{
  if (!img)
    return hvx_set_error(EINVAL, "%s: image is NULL", fn);
  if (offset > img->size || count > img->size - offset)
    return hvx_set_error(EINVAL, "%s: range 0x%llx+%llu is beyond the "
                         "virtual size %llu of %s", fn,
                         (unsigned long long)offset,
                         (unsigned long long)count,
                         (unsigned long long)img->size, img->filename);
  return 0;
}

static int check_writable(const hvx_image *img, const char *fn)
{
  if (!(img->flags & HVX_OPEN_WRITE))
    return hvx_set_error(EPERM, "%s: %s is open read-only", fn,
                         img->filename);
  return 0;
}

HVX_API int hvx_pread(hvx_image *img, void *buf, size_t count,
                      uint64_t offset)
{
  if (check_range(img, "hvx_pread", offset, count) < 0)
    return -1;
  if (count == 0)
    return 0;
  return img->drv->pread(img, buf, count, offset);
}

HVX_API int hvx_pwrite(hvx_image *img, const void *buf, size_t count,
                       uint64_t offset)
{
  if (check_range(img, "hvx_pwrite", offset, count) < 0 ||
      check_writable(img, "hvx_pwrite") < 0)
    return -1;
  if (count == 0)
    return 0;
  return img->drv->pwrite(img, buf, count, offset);
}

int hvx_pwrite_compressed(hvx_image *img, const void *buf, size_t count,
                          uint64_t offset)
{
  if (check_range(img, "hvx_pwrite_compressed", offset, count) < 0 ||
      check_writable(img, "hvx_pwrite_compressed") < 0)
    return -1;
  if (!img->drv->pwrite_compressed)
    return hvx_set_error(ENOTSUP, "%s: compressed output is not supported",
                         img->drv->name);
  return img->drv->pwrite_compressed(img, buf, count, offset);
}

HVX_API int hvx_zero(hvx_image *img, uint64_t offset, uint64_t length,
                     unsigned flags)
{
  static const char zeros[65536];

  if (check_range(img, "hvx_zero", offset, length) < 0 ||
      check_writable(img, "hvx_zero") < 0)
    return -1;
  if (flags & ~HVX_ZERO_MAY_UNMAP)
    return hvx_set_error(EINVAL, "hvx_zero: unknown flags 0x%x", flags);
  if (length == 0)
    return 0;
  if (img->drv->zero)
    return img->drv->zero(img, offset, length, flags);
  while (length > 0) {
    size_t n = (size_t)hvx_min_u64(length, sizeof zeros);
    if (img->drv->pwrite(img, zeros, n, offset) < 0)
      return -1;
    offset += n;
    length -= n;
  }
  return 0;
}

HVX_API int hvx_flush(hvx_image *img)
{
  if (!img)
    return hvx_set_error(EINVAL, "hvx_flush: image is NULL");
  if (!(img->flags & HVX_OPEN_WRITE) || !img->drv->flush)
    return 0;
  return img->drv->flush(img);
}

HVX_API int hvx_block_status(hvx_image *img, uint64_t offset,
                             uint64_t length, uint64_t *pnum,
                             unsigned *flags)
{
  if (!pnum || !flags)
    return hvx_set_error(EINVAL, "hvx_block_status: NULL output pointer");
  if (check_range(img, "hvx_block_status", offset, length) < 0)
    return -1;
  if (length == 0)
    return hvx_set_error(EINVAL, "hvx_block_status: length is 0");
  if (!img->drv->block_status) {
    *pnum = length;
    *flags = HVX_BS_ALLOCATED;
    return 0;
  }
  if (img->drv->block_status(img, offset, length, pnum, flags) < 0)
    return -1;
  /* A driver bug here would make callers loop forever or skip data. */
  if (*pnum == 0 || *pnum > length)
    return hvx_set_error(EIO, "%s: driver returned a bad extent length %llu",
                         img->drv->name, (unsigned long long)*pnum);
  return 0;
}

HVX_API int hvx_image_info(hvx_image *img, hvx_info_fn fn, void *opaque)
{
  char buf[32];
  struct stat st;

  if (!img || !fn)
    return hvx_set_error(EINVAL, "hvx_image_info: NULL argument");
  fn(opaque, "format", img->drv->name);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)img->size);
  fn(opaque, "virtual_size", buf);
  if (fstat(img->file.fd, &st) == 0) {
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)st.st_blocks * 512);
    fn(opaque, "actual_size", buf);
  }
  if (img->drv->info)
    img->drv->info(img, fn, opaque);
  return 0;
}

HVX_API int hvx_check(hvx_image *img, hvx_problem_fn fn, void *opaque)
{
  if (!img)
    return hvx_set_error(EINVAL, "hvx_check: image is NULL");
  if (!img->drv->check)
    return 0;
  return img->drv->check(img, fn, opaque);
}

/* What hvx_refuse_write_if_corrupt collects: the first corruption, and
 * how many there were. */
struct first_corruption {
  unsigned count;
  char msg[512];
};

static void note_corruption(void *opaque, int kind, uint64_t offset,
                            const char *msg)
{
  struct first_corruption *f = opaque;

  (void)offset;
  if (kind != HVX_PROBLEM_CORRUPTION)
    return;
  if (f->count++ == 0)
    snprintf(f->msg, sizeof f->msg, "%s", msg);
}

/* A write into an inconsistent image spreads the damage, silently: when
 * one host area serves two purposes (a qcow2 refcount block that is
 * also guest data, two VHD or VHDX blocks in one place, two L2 entries
 * sharing a cluster whose refcount says one), updating one changes the
 * other's guest data.  Reading such an image is allowed; writing is
 * not.  Leaks are harmless and do not stop writes. */
int hvx_refuse_write_if_corrupt(struct hvx_image *img,
                                int (*check)(struct hvx_image *img,
                                             hvx_problem_fn fn,
                                             void *opaque))
{
  struct first_corruption f = { 0, "" };
  const char *first = f.msg;
  size_t n;

  if (img->created)
    return 0;
  n = strlen(img->drv->name);
  if (check(img, note_corruption, &f) < 0)
    return -1;
  /* Some checks name their format in each message; say it once. */
  if (strncmp(first, img->drv->name, n) == 0 && first[n] == ':' &&
      first[n + 1] == ' ')
    first += n + 2;
  if (f.count)
    return hvx_set_error(EBADMSG, "%s: %s: refusing to write to an "
                         "inconsistent image (%u corruption%s, the first: "
                         "%s); 'hvx check' lists them", img->drv->name,
                         img->filename, f.count, f.count == 1 ? "" : "s",
                         first);
  return 0;
}

int hvx_report_problem(hvx_problem_fn fn, void *opaque, int kind,
                       uint64_t offset, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!fn)
    return 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fn(opaque, kind, offset, msg);
  return 1;
}

HVX_API const char *hvx_probe(const char *path)
{
  struct hvx_file f;
  const struct hvx_driver *d;

  if (!path)
    return hvx_set_error(EINVAL, "hvx_probe: path is NULL"), NULL;
  if (hvx_file_open(&f, path, false, false) < 0)
    return NULL;
  d = probe(&f, path);
  hvx_file_close(&f);
  return d ? d->name : NULL;
}
