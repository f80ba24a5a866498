/* The write side of fuzz-image.c, target "convert": a differential
 * oracle for the conversion engine and the drivers' write paths.
 *
 * The input is opened as an image of whatever format probing finds (so
 * a broken qcow2 that no longer probes is fuzzed as raw).  Images whose
 * virtual size exceeds CONVERT_MAX_SIZE are skipped so that one input
 * stays fast.  Then:
 *   - it is converted with hvx_convert to raw, qcow2, compressed qcow2,
 *     dynamic VHD and dynamic VHDX, in a scratch directory (on /dev/shm
 *     when there is one); each output must open, check clean, have the
 *     input's virtual size and the input's SHA-256 (the digest the
 *     conversion computes on the way must be the same too);
 *   - a read-write copy of it (images up to WRITE_MAX_SIZE) gets a few
 *     hvx_pwrite and hvx_zero calls chosen by the input's bytes, is
 *     closed, reopened and must read as those writes applied to what it
 *     read before, and check clean if it checked clean before.
 * A broken promise aborts, so libFuzzer keeps the input.
 *
 * A header of static functions, included once by fuzz-image.c, so that
 * every libFuzzer target stays one source file (run-fuzz.sh). */
#ifndef HVX_FUZZ_CONVERT_H
#define HVX_FUZZ_CONVERT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hvx.h>

#include "fuzz-scratch.h"

#define CONVERT_MAX_SIZE (64u << 20)
#define WRITE_MAX_SIZE (8u << 20)

#define CPROMISE(cond, ...)                                               \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "fuzz-convert: broken promise: " __VA_ARGS__);      \
      fprintf(stderr, "\n  (%s; last error %d: %s)\n", #cond, hvx_errno(), \
              hvx_error());                                               \
      abort();                                                            \
    }                                                                     \
  } while (0)

static int convert_verbose(void)
{
  return getenv("HVX_FUZZ_VERBOSE") != NULL;
}

/* A failed call must say why. */
static void convert_failed_properly(const char *what)
{
  CPROMISE(hvx_errno() != 0 && hvx_error()[0] != '\0',
           "%s failed without errno or message", what);
  if (convert_verbose())
    fprintf(stderr, "fuzz-convert: %s: %s\n", what, hvx_error());
}

/* ---- the input's own choices ------------------------------------------ */

/* A small PRNG seeded from the input, so a reproducer replays the same
 * writes and thread counts. */
static uint64_t convert_rng;

static uint64_t next_random(void)
{
  convert_rng ^= convert_rng << 13;
  convert_rng ^= convert_rng >> 7;
  convert_rng ^= convert_rng << 17;
  return convert_rng;
}

static void seed_from_file(int fd)
{
  uint8_t b[4096];
  ssize_t n = pread(fd, b, sizeof b, 0);
  uint64_t h = 0xcbf29ce484222325ull;

  for (ssize_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  convert_rng = h | 1;
}

/* ---- conversion --------------------------------------------------------- */

static const struct output {
  const char *name, *format, *options;
  int compress;
} outputs[] = {
  { "raw", "raw", NULL, 0 },
  { "qcow2", "qcow2", NULL, 0 },
  { "qcow2 (512-byte clusters)", "qcow2", "cluster_size=512", 0 },
  { "compressed qcow2", "qcow2", NULL, 1 },
  { "dynamic VHD", "vhd", "subformat=dynamic", 0 },
  { "dynamic VHDX", "vhdx", "subformat=dynamic", 0 },
};

static void print_problem(void *o, int kind, uint64_t off, const char *m)
{
  (void)o;
  fprintf(stderr, "fuzz-convert:   problem %d at %llu: %s\n", kind,
          (unsigned long long)off, m);
}

/* Convert SRC to OUT; WANT is the input's digest ("" if it could not be
 * read whole), SIZE its virtual size. */
static void convert_one(const char *src, const struct output *out,
                        const char *want, int64_t size)
{
  hvx_convert_options *o = hvx_convert_options_new();
  const char *dst = scratch("out");
  char got[129];
  hvx_image *img;
  int rc;

  CPROMISE(o, "hvx_convert_options_new");
  CPROMISE(hvx_convert_set_target_format(o, out->format) == 0 &&
           hvx_convert_set_target_options(o, out->options) == 0 &&
           hvx_convert_set_compress(o, out->compress) == 0 &&
           hvx_convert_set_overwrite(o, 1) == 0 &&
           hvx_convert_set_no_backing(o, 1) == 0 &&
           hvx_convert_set_sync(o, 0) == 0 &&
           hvx_convert_set_threads(o, 1 + (int)(next_random() % 3)) == 0 &&
           hvx_convert_set_digest(o, "sha256") == 0,
           "setting the conversion options");
  hvx_clear_error();
  rc = hvx_convert(src, dst, o);
  if (rc < 0) {
    convert_failed_properly(out->name);
    /* The source read whole: only the target's own limits may refuse. */
    CPROMISE(!want[0] || hvx_errno() == EINVAL || hvx_errno() == EFBIG ||
             hvx_errno() == ENOTSUP,
             "converting a readable image to %s failed", out->name);
    hvx_convert_options_free(o);
    return;
  }
  CPROMISE(want[0], "converted to %s an image that does not read whole",
           out->name);
  CPROMISE(hvx_convert_digest(o) && strcmp(hvx_convert_digest(o), want) == 0,
           "the digest computed converting to %s is %s, not %s", out->name,
           hvx_convert_digest(o) ? hvx_convert_digest(o) : "(none)", want);
  hvx_convert_options_free(o);
  img = hvx_open(dst, out->format, 0);
  CPROMISE(img, "the %s written does not open", out->name);
  CPROMISE(hvx_image_size(img) == size, "the %s written has %lld bytes, not "
           "%lld", out->name, (long long)hvx_image_size(img), (long long)size);
  CPROMISE(hvx_check(img, print_problem, NULL) == 0,
           "the %s written does not check clean", out->name);
  CPROMISE(hvx_digest(img, "sha256", got, sizeof got) == 0,
           "the %s written does not read", out->name);
  CPROMISE(strcmp(got, want) == 0, "the %s written reads %s, not %s",
           out->name, got, want);
  hvx_close(img);
  unlink(dst);
}

/* ---- writing in place --------------------------------------------------- */

static int copy_file(const char *from, const char *to)
{
  static uint8_t buf[1 << 16];
  int in = open(from, O_RDONLY), out;
  off_t at = 0;
  ssize_t n;

  if (in < 0)
    return -1;
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) {
    close(in);
    return -1;
  }
  /* Only the data: a sparse input's holes stay holes. */
  while ((at = lseek(in, at, SEEK_DATA)) >= 0) {
    off_t end = lseek(in, at, SEEK_HOLE);
    while (at < end && (n = pread(in, buf, (size_t)(end - at < (off_t)sizeof
                                  buf ? end - at : (off_t)sizeof buf),
                                  at)) > 0) {
      if (pwrite(out, buf, (size_t)n, at) != n)
        abort();
      at += n;
    }
  }
  if (ftruncate(out, lseek(in, 0, SEEK_END)) < 0)
    abort();
  close(in);
  close(out);
  return 0;
}

/* A few writes and zeroings of the copy at RW (format FORMAT, clean if
 * CLEAN) whose content before was MODEL (SIZE bytes); then it must read
 * as MODEL with those applied. */
static void write_in_place(const char *rw, const char *format, uint8_t *model,
                           size_t size, int clean)
{
  static uint8_t data[65536];
  hvx_image *img;
  uint8_t *back;
  int ops = 1 + (int)(next_random() % 4);

  hvx_clear_error();
  img = hvx_open(rw, format, HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING);
  if (!img) {
    convert_failed_properly("opening for writing");
    return;
  }
  for (int k = 0; k < ops && size; k++) {
    uint64_t r = next_random();
    uint64_t off = r % size, len = 1 + (r >> 32) % sizeof data;
    int rc;

    if (r & 0x10000)             /* often whole sectors */
      off &= ~(uint64_t)511, len = (len + 511) & ~(uint64_t)511;
    if (len > size - off)
      len = size - off;
    if (convert_verbose())
      fprintf(stderr, "fuzz-convert: %s %llu bytes at %llu%s\n",
              r & 0x20000 ? "zero" : r & 0x80000 ? "write zeros" : "write",
              (unsigned long long)len, (unsigned long long)off,
              r & 0x20000 && r & 0x40000 ? " (may unmap)" : "");
    hvx_clear_error();
    if (r & 0x20000) {
      rc = hvx_zero(img, off, len, r & 0x40000 ? HVX_ZERO_MAY_UNMAP : 0);
      if (rc == 0)
        memset(model + off, 0, len);
    } else {
      for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(r >> 8 * (i % 8)) ^ (uint8_t)i;
      if (r & 0x80000)           /* some all-zero writes */
        memset(data, 0, len);
      rc = hvx_pwrite(img, data, len, off);
      if (rc == 0)
        memcpy(model + off, data, len);
    }
    if (rc < 0) {
      convert_failed_properly(r & 0x20000 ? "hvx_zero" : "hvx_pwrite");
      /* a clean image must take any write inside its size */
      CPROMISE(!clean, "%s of %llu bytes at %llu into a clean %s failed",
               r & 0x20000 ? "zeroing" : "writing", (unsigned long long)len,
               (unsigned long long)off, format);
      hvx_close(img);
      return;
    }
  }
  CPROMISE(hvx_close(img) == 0 || !clean, "closing the written %s", format);
  img = hvx_open(rw, format, HVX_OPEN_NO_BACKING);
  CPROMISE(img, "the %s written in place does not open again", format);
  CPROMISE(hvx_image_size(img) == (int64_t)size, "the %s written in place "
           "changed size", format);
  if (clean)
    CPROMISE(hvx_check(img, print_problem, NULL) == 0,
             "the %s written in place does not check clean", format);
  back = malloc(size ? size : 1);
  CPROMISE(back, "malloc");
  CPROMISE(hvx_pread(img, back, size, 0) == 0,
           "the %s written in place does not read", format);
  for (size_t i = 0; i < size; i++)
    CPROMISE(back[i] == model[i], "the %s written in place reads 0x%02x at "
             "%zu, not 0x%02x", format, back[i], i, model[i]);
  free(back);
  hvx_close(img);
}

static void convert_oracle(const char *path)
{
  char want[129] = "";
  hvx_image *in = hvx_open(path, NULL, HVX_OPEN_NO_BACKING);
  const char *format;
  int64_t size;
  int clean, fd;

  if (!in) {
    convert_failed_properly("hvx_open");
    return;
  }
  size = hvx_image_size(in);
  format = hvx_image_format(in);
  if (size < 0 || size > CONVERT_MAX_SIZE) {
    hvx_close(in);
    return;
  }
  fd = open(path, O_RDONLY);
  if (fd < 0)
    abort();
  seed_from_file(fd);
  close(fd);
  clean = hvx_check(in, NULL, NULL) == 0;
  if (hvx_digest(in, "sha256", want, sizeof want) < 0) {
    convert_failed_properly("hvx_digest");
    want[0] = '\0';
  }
  if (convert_verbose())
    fprintf(stderr, "fuzz-convert: %s, %lld bytes, %s, digest %s\n", format,
            (long long)size, clean ? "clean" : "not clean",
            want[0] ? want : "(unreadable)");
  for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++)
    convert_one(path, &outputs[i], want, size);

  if (want[0] && size <= WRITE_MAX_SIZE) {
    const char *rw = scratch("rw");
    uint8_t *model = malloc((size_t)size ? (size_t)size : 1);
    CPROMISE(model, "malloc");
    CPROMISE(hvx_pread(in, model, (size_t)size, 0) == 0,
             "a %s that digests does not read", format);
    if (copy_file(path, rw) == 0)
      write_in_place(rw, format, model, (size_t)size, clean);
    unlink(rw);
    free(model);
  }
  hvx_close(in);
}

#endif /* HVX_FUZZ_CONVERT_H */
