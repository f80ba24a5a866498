/* Unit tests: the conversion pipeline -- thread counts, zero detection,
 * holes, digests, progress and cancellation (raw targets; the format
 * tests convert through the same engine). */
#include "config.h"

#include "testutil.h"

#include "convert-engine.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#define SIZE (12u << 20)
#define MIB (1u << 20)

/* A raw source: data with a 4 KiB zero block inside, an allocated zero
 * MiB, holes, data at odd offsets, and a short tail. */
static const char *make_source(void)
{
  /* A copy: test_path's buffers are reused after a few calls. */
  static char p[256];
  static uint8_t buf[2 * MIB];
  hvx_image *img;
  struct stat st;

  snprintf(p, sizeof p, "%s", test_path("engine-src.raw"));
  if (stat(p, &st) == 0)
    return p;
  img = hvx_create(p, "raw", SIZE, NULL);
  assert_non_null(img);
  fill_pattern(buf, 2 * MIB, MIB);
  memset(buf + 65536, 0, 4096);            /* zero block inside data */
  assert_int_equal(hvx_pwrite(img, buf, 2 * MIB, MIB), 0);
  memset(buf, 0, MIB);
  assert_int_equal(hvx_pwrite(img, buf, MIB, 4 * MIB), 0); /* zeros */
  fill_pattern(buf, 300000, 6 * MIB + 12345);
  assert_int_equal(hvx_pwrite(img, buf, 300000, 6 * MIB + 12345), 0);
  fill_pattern(buf, 4097, 9 * MIB - 1);
  assert_int_equal(hvx_pwrite(img, buf, 4097, 9 * MIB - 1), 0);
  fill_pattern(buf, 1000, SIZE - 1000);
  assert_int_equal(hvx_pwrite(img, buf, 1000, SIZE - 1000), 0);
  assert_int_equal(hvx_close(img), 0);
  return p;
}

/* Is [off, off+len) of the file at PATH wholly a hole? */
static bool is_hole(const char *path, off_t off, off_t len)
{
  int fd = open(path, O_RDONLY);
  off_t d;

  assert_true(fd >= 0);
  d = lseek(fd, off, SEEK_DATA);
  close(fd);
  return d < 0 || d >= off + len;
}

static bool is_data(const char *path, off_t off, off_t len)
{
  int fd = open(path, O_RDONLY);
  off_t d, h;

  assert_true(fd >= 0);
  d = lseek(fd, off, SEEK_DATA);
  h = lseek(fd, off, SEEK_HOLE);
  close(fd);
  return d == off && h >= off + len;
}

/* The file's allocation map as a string of 'D'/'.' per 4 KiB. */
static char *alloc_map(const char *path)
{
  struct stat st;
  char *m;
  int fd = open(path, O_RDONLY);

  assert_true(fd >= 0);
  assert_int_equal(fstat(fd, &st), 0);
  m = calloc((size_t)st.st_size / 4096 + 2, 1);
  for (off_t o = 0; o < st.st_size; o += 4096) {
    off_t d = lseek(fd, o, SEEK_DATA);
    m[o / 4096] = d == o ? 'D' : '.';
  }
  close(fd);
  return m;
}

static hvx_convert_options *opts_threads(int threads)
{
  hvx_convert_options *o = hvx_convert_options_new();

  assert_non_null(o);
  assert_int_equal(hvx_convert_set_threads(o, threads), 0);
  return o;
}

/* The same output, content and layout, whatever the thread count. */
static void test_thread_counts_identical(void **state)
{
  static const int counts[] = { 1, 2, 3, 8, 64 };
  const char *src = make_source();
  char *first_map = NULL, first_digest[129] = "";
  (void)state;

  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    char name[32];
    const char *dst;
    hvx_convert_options *o = opts_threads(counts[i]);
    char *map;
    snprintf(name, sizeof name, "threads-%d.raw", counts[i]);
    dst = test_path(name);
    assert_int_equal(hvx_convert_set_digest(o, "sha256"), 0);
    assert_int_equal(hvx_convert(src, dst, o), 0);
    assert_same_image(src, dst);
    map = alloc_map(dst);
    if (!first_map) {
      first_map = map;
      snprintf(first_digest, sizeof first_digest, "%s",
               hvx_convert_digest(o));
    } else {
      assert_string_equal(map, first_map);
      assert_string_equal(hvx_convert_digest(o), first_digest);
      free(map);
    }
    hvx_convert_options_free(o);
  }
  free(first_map);
}

/* All-zero data in allocated extents becomes holes, down to one 4 KiB
 * block; with detection off it stays allocated. */
static void test_zero_detection(void **state)
{
  const char *src = make_source(), *on = test_path("zd-on.raw"),
             *off = test_path("zd-off.raw");
  hvx_convert_options *o = opts_threads(2);
  (void)state;

  /* The oracle: the source really has these zeros allocated. */
  assert_true(is_data(src, 4 * MIB, MIB));
  assert_true(is_data(src, MIB + 65536, 4096));
  assert_int_equal(hvx_convert(src, on, o), 0);
  assert_same_image(src, on);
  assert_true(is_hole(on, 4 * MIB, MIB));
  assert_true(is_hole(on, MIB + 65536, 4096));
  assert_true(is_data(on, MIB, 65536));
  assert_true(is_data(on, MIB + 65536 + 4096, 4096));
  assert_true(is_hole(on, 0, MIB));       /* a hole stays a hole */

  assert_int_equal(hvx_convert_set_detect_zeroes(o, 0), 0);
  assert_int_equal(hvx_convert(src, off, o), 0);
  assert_same_image(src, off);
  assert_true(is_data(off, 4 * MIB, MIB));
  assert_true(is_data(off, MIB + 65536, 4096));
  assert_true(is_hole(off, 0, MIB));
  /* With a digest the data is read even on the copy-offload path. */
  assert_int_equal(hvx_convert_set_digest(o, "sha256"), 0);
  assert_int_equal(hvx_convert_set_overwrite(o, 1), 0);
  assert_int_equal(hvx_convert(src, off, o), 0);
  assert_same_image(src, off);
  assert_true(is_data(off, 4 * MIB, MIB));
  hvx_convert_options_free(o);
}

/* Holes are never read: a 1 TiB disk with 1 MiB of data converts in a
 * blink and stays sparse. */
static void test_huge_sparse(void **state)
{
  const char *src = test_path("huge.raw"), *dst = test_path("huge-out.raw");
  static uint8_t buf[MIB];
  uint64_t tb = 1ull << 40;
  hvx_image *img = hvx_create(src, "raw", tb, NULL);
  struct timespec t0, t1;
  struct stat st;
  (void)state;

  assert_non_null(img);
  fill_pattern(buf, MIB, 0);
  assert_int_equal(hvx_pwrite(img, buf, MIB, tb / 2 + 4096), 0);
  assert_int_equal(hvx_close(img), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(hvx_convert(src, dst, NULL), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  /* Reading 1 TiB would take many minutes. */
  assert_true(t1.tv_sec - t0.tv_sec < 30);
  assert_int_equal(stat(dst, &st), 0);
  assert_int_equal((uint64_t)st.st_size, tb);
  assert_true((uint64_t)st.st_blocks * 512 <= 2 * MIB);
  assert_same_image(src, dst);
  unlink(src);
  unlink(dst);
}

/* SHA-256 of the raw file by plain reads: independent of hvx's reader. */
static void file_sha256(const char *path, char *out)
{
  static uint8_t buf[MIB];
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int fd = open(path, O_RDONLY);
  ssize_t r;

  assert_true(fd >= 0);
  assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
  while ((r = read(fd, buf, sizeof buf)) > 0)
    EVP_DigestUpdate(c, buf, (size_t)r);
  close(fd);
  EVP_DigestFinal_ex(c, md, &n);
  EVP_MD_CTX_free(c);
  for (unsigned i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", md[i]);
}

static void test_digest_agreement(void **state)
{
  const char *src = make_source();
  char want[129], got[129];
  hvx_image *img;
  (void)state;

  file_sha256(src, want);
  img = hvx_open(src, NULL, 0);
  assert_int_equal(hvx_digest(img, "sha256", got, sizeof got), 0);
  hvx_close(img);
  assert_string_equal(got, want);
  for (int t = 1; t <= 4; t *= 2) {
    for (int zd = 0; zd <= 1; zd++) {
      char name[32];
      hvx_convert_options *o = opts_threads(t);
      snprintf(name, sizeof name, "dig-%d-%d.raw", t, zd);
      hvx_convert_set_digest(o, "sha256");
      hvx_convert_set_detect_zeroes(o, zd);
      assert_int_equal(hvx_convert(src, test_path(name), o), 0);
      assert_string_equal(hvx_convert_digest(o), want);
      hvx_convert_options_free(o);
    }
  }
}

struct progress_log {
  pthread_t caller;
  atomic_int inside;
  int calls, bad;
  uint64_t last, total;
};

static int log_progress(void *opaque, uint64_t done, uint64_t total)
{
  struct progress_log *l = opaque;

  if (atomic_fetch_add(&l->inside, 1) != 0)
    l->bad |= 1; /* two calls at once */
  if (!pthread_equal(pthread_self(), l->caller))
    l->bad |= 2;
  if ((l->calls == 0 && done != 0) || done < l->last || done > total ||
      (l->total && total != l->total))
    l->bad |= 4;
  l->calls++;
  l->last = done;
  l->total = total;
  usleep(1000); /* widen the window for a concurrent call */
  atomic_fetch_sub(&l->inside, 1);
  return 0;
}

static void test_progress(void **state)
{
  const char *src = make_source();
  struct progress_log l = { .caller = pthread_self() };
  hvx_convert_options *o = opts_threads(4);
  (void)state;

  atomic_init(&l.inside, 0);
  hvx_convert_set_progress(o, log_progress, &l);
  hvx_convert_set_digest(o, "sha256");
  assert_int_equal(hvx_convert(src, test_path("prog.raw"), o), 0);
  assert_int_equal(l.bad, 0);
  assert_true(l.calls >= 2);
  assert_int_equal(l.last, SIZE);
  assert_int_equal(l.total, SIZE);
  hvx_convert_options_free(o);
}

/* ---- cancellation ------------------------------------------------- */

struct canceller {
  hvx_convert_options *o;
  pthread_mutex_t m;
  pthread_cond_t cv;
  int stage; /* 1: conversion running, 2: cancel requested */
};

static void *cancel_thread(void *arg)
{
  struct canceller *c = arg;

  pthread_mutex_lock(&c->m);
  while (c->stage < 1)
    pthread_cond_wait(&c->cv, &c->m);
  hvx_convert_cancel(c->o);
  c->stage = 2;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->m);
  return NULL;
}

/* Holds the conversion at its first progress call until the other
 * thread has cancelled it, so the cancel surely lands mid-way. */
static int hold_until_cancelled(void *opaque, uint64_t done, uint64_t total)
{
  struct canceller *c = opaque;
  (void)done; (void)total;

  pthread_mutex_lock(&c->m);
  if (c->stage == 0) {
    c->stage = 1;
    pthread_cond_broadcast(&c->cv);
    while (c->stage < 2)
      pthread_cond_wait(&c->cv, &c->m);
  }
  pthread_mutex_unlock(&c->m);
  return 0;
}

static bool temp_files_left(void)
{
  char cmd[512];

  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q 'hvx-'", test_dir);
  return system(cmd) == 0;
}

static void test_cancel_from_another_thread(void **state)
{
  const char *src = make_source(), *dst = test_path("keep.raw");
  struct canceller c = { .m = PTHREAD_MUTEX_INITIALIZER,
                         .cv = PTHREAD_COND_INITIALIZER };
  pthread_t t;
  char buf[16] = "";
  FILE *f = fopen(dst, "w");
  (void)state;

  fputs("precious", f);
  fclose(f);
  for (int threads = 1; threads <= 3; threads += 2) {
    c.o = opts_threads(threads);
    c.stage = 0;
    hvx_convert_set_overwrite(c.o, 1);
    hvx_convert_set_digest(c.o, "sha256");
    hvx_convert_set_progress(c.o, hold_until_cancelled, &c);
    assert_int_equal(pthread_create(&t, NULL, cancel_thread, &c), 0);
    assert_int_equal(hvx_convert(src, dst, c.o), -1);
    assert_hvx_error(ECANCELED, "cancelled");
    pthread_join(t, NULL);
    assert_null(hvx_convert_digest(c.o));
    hvx_convert_options_free(c.o);
    /* The existing destination is untouched, no partial file is left. */
    f = fopen(dst, "r");
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "precious");
    assert_false(temp_files_left());
  }
}

/* A cancelled options object converts normally next time. */
static void test_cancel_then_reuse(void **state)
{
  const char *src = make_source();
  hvx_convert_options *o = opts_threads(2);
  (void)state;

  hvx_convert_cancel(o);
  hvx_convert_cancel(NULL);
  assert_int_equal(hvx_convert(src, test_path("reuse.raw"), o), 0);
  assert_same_image(src, test_path("reuse.raw"));
  hvx_convert_options_free(o);
}

static void test_empty_and_tiny(void **state)
{
  const char *e = test_path("empty.raw"), *t = test_path("tiny.raw");
  hvx_image *img;
  struct stat st;
  uint8_t b[100];
  (void)state;

  img = hvx_create(e, "raw", 0, NULL);
  assert_non_null(img);
  hvx_close(img);
  assert_int_equal(hvx_convert(e, test_path("empty-out.raw"), NULL), 0);
  assert_int_equal(stat(test_path("empty-out.raw"), &st), 0);
  assert_int_equal(st.st_size, 0);
  /* Smaller than one zero-detection granule. */
  img = hvx_create(t, "raw", 100, NULL);
  fill_pattern(b, 100, 0);
  assert_int_equal(hvx_pwrite(img, b, 100, 0), 0);
  hvx_close(img);
  assert_int_equal(hvx_convert(t, test_path("tiny-out.raw"), NULL), 0);
  assert_same_image(t, test_path("tiny-out.raw"));
}

static void test_bad_thread_counts(void **state)
{
  hvx_convert_options *o = hvx_convert_options_new();
  (void)state;

  assert_int_equal(hvx_convert_set_threads(o, -1), -1);
  assert_hvx_error(EINVAL, "thread count -1");
  assert_int_equal(hvx_convert_set_threads(o, 65), -1);
  assert_hvx_error(EINVAL, "out of range");
  assert_int_equal(hvx_convert_set_threads(o, 64), 0);
  assert_int_equal(hvx_convert_set_sync(NULL, 1), -1);
  assert_hvx_error(EINVAL, "options are NULL");
  hvx_convert_options_free(o);
}

/* Two files with the same bytes? */
static bool same_file(const char *a, const char *b)
{
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int ca, cb;

  assert_non_null(fa);
  assert_non_null(fb);
  do {
    ca = getc(fa);
    cb = getc(fb);
  } while (ca == cb && ca != EOF);
  fclose(fa);
  fclose(fb);
  return ca == cb;
}

/* Formats whose files hold random identifiers or timestamps (VHD's
 * unique id and time stamp, VHDX's GUIDs), so no two conversions give
 * the same bytes; test_driver_calls_identical covers them. */
static bool has_ids(const char *fmt)
{
  return strcmp(fmt, "vhd") == 0 || strcmp(fmt, "vhdx") == 0;
}

/* Every format the build has, as a target: the file is byte-identical
 * whatever the thread count (writes come in disk order), the content is
 * the source's, and the digest agrees with one of the flat file. */
static void test_formats_identical(void **state)
{
  static const int counts[] = { 1, 2, 5 };
  const char *src = make_source();
  char want[129];
  (void)state;

  file_sha256(src, want);
  for (int f = 0; f < hvx_format_count(); f++) {
    const char *fmt = hvx_format_name(f);
    char first[64] = "", name[64], back[64];
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
      hvx_convert_options *o = opts_threads(counts[i]);
      char d[129];
      hvx_image *img;
      snprintf(name, sizeof name, "fmt-%d.%s", counts[i], fmt);
      assert_int_equal(hvx_convert_set_target_format(o, fmt), 0);
      assert_int_equal(hvx_convert_set_digest(o, "sha256"), 0);
      if (hvx_convert(src, test_path(name), o) < 0)
        fail_msg("convert to %s: %s", fmt, hvx_error());
      assert_string_equal(hvx_convert_digest(o), want);
      assert_same_image(src, test_path(name));
      img = hvx_open(test_path(name), fmt, 0);
      assert_int_equal(hvx_digest(img, "sha256", d, sizeof d), 0);
      assert_string_equal(d, want);
      hvx_close(img);
      if (!first[0])
        snprintf(first, sizeof first, "%s", test_path(name));
      else if (!has_ids(fmt) && !same_file(first, test_path(name)))
        fail_msg("%s: -m %d output differs from -m %d", fmt, counts[i],
                 counts[0]);
      hvx_convert_options_free(o);
    }
    /* And back to raw from that format, in parallel. */
    snprintf(back, sizeof back, "back-%s.raw", fmt);
    {
      hvx_convert_options *o = opts_threads(3);
      hvx_convert_set_digest(o, "sha256");
      assert_int_equal(hvx_convert(first, test_path(back), o), 0);
      assert_string_equal(hvx_convert_digest(o), want);
      assert_same_image(src, test_path(back));
      hvx_convert_options_free(o);
    }
  }
}

/* Compressed output (formats that have it): compression runs on the
 * workers, yet the file is the same for any thread count. */
static void test_compressed_identical(void **state)
{
  const char *src = make_source();
  int tested = 0;
  (void)state;

  for (int f = 0; f < hvx_format_count(); f++) {
    const char *fmt = hvx_format_name(f);
    const struct hvx_driver *d = hvx_find_driver(fmt);
    char a[64], b[64];
    if (!d->compress_unit)
      continue;
    for (int t = 1; t <= 4; t += 3) {
      hvx_convert_options *o = opts_threads(t);
      snprintf(t == 1 ? a : b, 64, "%s", test_path(t == 1 ? "c1.img" :
                                                   "c4.img"));
      hvx_convert_set_target_format(o, fmt);
      hvx_convert_set_compress(o, 1);
      if (hvx_convert(src, t == 1 ? a : b, o) < 0)
        fail_msg("compressed convert to %s: %s", fmt, hvx_error());
      assert_same_image(src, t == 1 ? a : b);
      hvx_convert_options_free(o);
    }
    assert_true(same_file(a, b));
    unlink(a);
    unlink(b);
    tested++;
  }
  assert_true(tested > 0);
}

/* An error in the writer thread (the file size limit) ends the
 * conversion with that error, and removes the partial file. */
static void test_writer_error(void **state)
{
  const char *src = make_source();
  struct rlimit old, lim;
  (void)state;

  signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 2 * MIB;
  for (int f = 0; f < hvx_format_count(); f++) {
    const char *fmt = hvx_format_name(f);
    hvx_convert_options *o;
    int r;
    if (strcmp(fmt, "raw") == 0)
      continue; /* a raw target is sized up front */
    o = opts_threads(2);
    hvx_convert_set_target_format(o, fmt);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    r = hvx_convert(src, test_path("toobig.img"), o);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(r, -1);
    assert_int_equal(hvx_errno(), EFBIG);
    assert_false(temp_files_left());
    hvx_convert_options_free(o);
  }
  signal(SIGXFSZ, SIG_DFL);
}

/* ---- the calls the engine makes into a target driver -------------- */

/* One write as the driver saw it: which call, where, how much, and a
 * hash of the bytes. */
struct call {
  int op;
  uint64_t off, len, hash;
};

static struct {
  const struct hvx_driver *real;
  struct hvx_driver wrap;
  struct call *v;
  size_t n, cap;
} rec;

static void record(int op, uint64_t off, const void *buf, uint64_t len)
{
  const uint8_t *p = buf;
  uint64_t h = 14695981039346656037ull; /* FNV-1a */

  for (uint64_t i = 0; p && i < len; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  if (rec.n == rec.cap) {
    rec.cap = rec.cap ? 2 * rec.cap : 256;
    rec.v = realloc(rec.v, rec.cap * sizeof *rec.v);
    assert_non_null(rec.v);
  }
  rec.v[rec.n++] = (struct call){ op, off, len, h };
}

static int rec_pwrite(struct hvx_image *img, const void *buf, size_t count,
                      uint64_t offset)
{
  record(1, offset, buf, count);
  return rec.real->pwrite(img, buf, count, offset);
}

static int rec_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
                    unsigned flags)
{
  record(2, offset, NULL, length);
  return rec.real->zero(img, offset, length, flags);
}

static int rec_pwrite_compressed(struct hvx_image *img, const void *buf,
                                 size_t count, uint64_t offset)
{
  record(3, offset, buf, count);
  return rec.real->pwrite_compressed(img, buf, count, offset);
}

static int rec_store_compressed(struct hvx_image *img, uint64_t offset,
                                size_t unit_len, const void *data, size_t len)
{
  record(4, offset, data, len);
  return rec.real->store_compressed(img, offset, unit_len, data, len);
}

/* Convert SRC into a new FMT image through the engine with THREADS,
 * recording every write the target's driver gets; returns the count. */
static size_t recorded_convert(const char *src, const char *fmt, int threads,
                               bool compress)
{
  const char *dst = test_path("rec.img");
  atomic_int cancel;
  struct hvx_convert_job j = { 0 };

  unlink(dst);
  rec.n = 0;
  j.src = hvx_open(src, "raw", 0);
  j.dst = hvx_create(dst, fmt, (uint64_t)hvx_image_size(j.src), NULL);
  assert_non_null(j.src);
  assert_non_null(j.dst);
  rec.real = j.dst->drv;
  rec.wrap = *rec.real;
  rec.wrap.pwrite = rec_pwrite;
  rec.wrap.zero = rec.real->zero ? rec_zero : NULL;
  rec.wrap.pwrite_compressed =
    rec.real->pwrite_compressed ? rec_pwrite_compressed : NULL;
  rec.wrap.store_compressed =
    rec.real->store_compressed ? rec_store_compressed : NULL;
  j.dst->drv = &rec.wrap;
  atomic_init(&cancel, 0);
  j.threads = threads;
  j.compress = compress;
  j.detect_zeroes = true;
  j.cancelled = &cancel;
  if (hvx_convert_run(&j) < 0)
    fail_msg("%s: %s", fmt, hvx_error());
  j.dst->drv = rec.real;
  assert_int_equal(hvx_close(j.dst), 0);
  hvx_close(j.src);
  assert_same_image(src, dst);
  return rec.n;
}

/* For a target that is not thread-safe the engine makes the same driver
 * calls, in the same order, with the same data, whatever the thread
 * count -- so any deterministic driver writes the same file. */
static void test_driver_calls_identical(void **state)
{
  const char *src = make_source();
  int tested = 0;
  (void)state;

  for (int f = 0; f < hvx_format_count(); f++) {
    const char *fmt = hvx_format_name(f);
    const struct hvx_driver *d = hvx_find_driver(fmt);
    for (int c = 0; c <= (d->compress_unit != NULL); c++) {
      struct call *first;
      size_t n = recorded_convert(src, fmt, 1, c);
      if (d->thread_safe)
        break; /* raw: written from all workers, in any order */
      assert_true(n > 0);
      first = malloc(n * sizeof *first);
      memcpy(first, rec.v, n * sizeof *first);
      for (int t = 2; t <= 8; t *= 2) {
        if (recorded_convert(src, fmt, t, c) != n ||
            memcmp(rec.v, first, n * sizeof *first) != 0)
          fail_msg("%s%s: the writes with %d threads differ from 1 thread",
                   fmt, c ? " -c" : "", t);
      }
      free(first);
      tested++;
    }
  }
  free(rec.v);
  rec.v = NULL;
  rec.cap = 0;
  assert_true(tested > 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_thread_counts_identical),
    cmocka_unit_test(test_zero_detection),
    cmocka_unit_test(test_huge_sparse),
    cmocka_unit_test(test_digest_agreement),
    cmocka_unit_test(test_progress),
    cmocka_unit_test(test_cancel_from_another_thread),
    cmocka_unit_test(test_cancel_then_reuse),
    cmocka_unit_test(test_empty_and_tiny),
    cmocka_unit_test(test_bad_thread_counts),
    cmocka_unit_test(test_formats_identical),
    cmocka_unit_test(test_compressed_identical),
    cmocka_unit_test(test_writer_error),
    cmocka_unit_test(test_driver_calls_identical),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
