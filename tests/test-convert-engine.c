/* Unit tests: the conversion pipeline -- thread counts, zero detection,
 * holes, digests, progress and cancellation (raw targets; the format
 * tests convert through the same engine). */
#include "config.h"

#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
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
  const char *p = test_path("engine-src.raw");
  static uint8_t buf[2 * MIB];
  hvx_image *img;
  struct stat st;

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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
