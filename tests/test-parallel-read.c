/* Unit tests: several threads reading one image at once.
 *
 * Opened read-only and without a backing file, raw, fixed and dynamic
 * VHD, qcow2 and VHDX images say they are thread-safe, and the
 * conversion engine then reads them from all its workers.  Here four
 * threads read random ranges and ask block status while the others do
 * the same, and every answer is compared with the content the image was
 * written with.  The caches are kept small on purpose (512-byte qcow2
 * clusters: the L2 cache covers 2 of the 8 MiB; 16 VHD blocks
 * against 8 bitmap slots), so they evict all the time: a cached table
 * used outside its lock shows up as wrong data, or as an ASan report in
 * the sanitizer build. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define SIZE (8u << 20)
#define REGION 65536u
#define THREADS 4
#define ROUNDS 400

static uint8_t model[SIZE];

/* Which regions hold what: data, zeros written as data, partly written
 * (a few sectors of data, the rest never written), compressed (qcow2),
 * or a hole. */
enum region { R_DATA, R_ZEROS, R_PARTIAL, R_COMPRESSED, R_HOLE };

static enum region region_kind(uint32_t i)
{
  static const enum region mix[] = {
    R_DATA, R_HOLE, R_PARTIAL, R_COMPRESSED, R_DATA, R_ZEROS, R_HOLE,
    R_DATA, R_PARTIAL, R_HOLE, R_HOLE, R_COMPRESSED,
  };
  return mix[(i * 7 + i / 5) % (sizeof mix / sizeof *mix)];
}

/* Write the model into IMG (and fill the model as it goes). */
static void write_image(hvx_image *img, bool compressed)
{
  memset(model, 0, SIZE);
  for (uint32_t i = 0; i < SIZE / REGION; i++) {
    uint64_t off = (uint64_t)i * REGION;
    uint8_t *m = model + off;
    switch (region_kind(i)) {
    case R_DATA:
      fill_pattern(m, REGION, off);
      assert_int_equal(hvx_pwrite(img, m, REGION, off), 0);
      break;
    case R_ZEROS:
      assert_int_equal(hvx_pwrite(img, m, REGION, off), 0);
      break;
    case R_PARTIAL:
      /* Sectors 3-5 and 40: bitmaps with mixed runs in a VHD. */
      fill_pattern(m + 3 * 512, 3 * 512, off + 3 * 512);
      fill_pattern(m + 40 * 512, 512, off + 40 * 512);
      assert_int_equal(hvx_pwrite(img, m + 3 * 512, 3 * 512,
                                  off + 3 * 512), 0);
      assert_int_equal(hvx_pwrite(img, m + 40 * 512, 512, off + 40 * 512),
                       0);
      break;
    case R_COMPRESSED:
      /* Compressible: a repeated short pattern. */
      for (uint32_t k = 0; k < REGION; k++)
        m[k] = (uint8_t)("compressed cluster"[k % 18] + i);
      if (compressed)
        assert_int_equal(hvx_pwrite_compressed(img, m, REGION, off), 0);
      else
        assert_int_equal(hvx_pwrite(img, m, REGION, off), 0);
      break;
    case R_HOLE:
      break;
    }
  }
}

struct reader {
  hvx_image *img;
  uint64_t seed;
  atomic_int *failures;
  char what[160];
};

static uint64_t next(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void *read_randomly(void *arg)
{
  struct reader *r = arg;
  static _Thread_local uint8_t buf[256 * 1024];

  for (int k = 0; k < ROUNDS && !atomic_load(r->failures); k++) {
    uint64_t x = next(&r->seed);
    uint64_t off = x % SIZE, len = 1 + (x >> 32) % sizeof buf, pnum;
    unsigned flags;

    if (len > SIZE - off)
      len = SIZE - off;
    if (x & 1) {
      if (hvx_pread(r->img, buf, len, off) < 0 ||
          memcmp(buf, model + off, len) != 0) {
        snprintf(r->what, sizeof r->what, "%llu bytes at %llu read %s",
                 (unsigned long long)len, (unsigned long long)off,
                 hvx_errno() ? hvx_error() : "wrong");
        atomic_fetch_add(r->failures, 1);
      }
      continue;
    }
    if (hvx_block_status(r->img, off, len, &pnum, &flags) < 0 ||
        pnum == 0 || pnum > len) {
      snprintf(r->what, sizeof r->what, "block status at %llu failed",
               (unsigned long long)off);
      atomic_fetch_add(r->failures, 1);
      continue;
    }
    for (uint64_t i = 0; (flags & HVX_BS_ZERO) && i < pnum; i++)
      if (model[off + i] != 0) {
        snprintf(r->what, sizeof r->what, "block status says %llu bytes "
                 "at %llu are zeros; byte %llu is not",
                 (unsigned long long)pnum, (unsigned long long)off,
                 (unsigned long long)(off + i));
        atomic_fetch_add(r->failures, 1);
        break;
      }
  }
  return NULL;
}

/* Make PATH as FORMAT with OPTIONS, write the model, reopen it
 * read-only, and read it from THREADS threads at once. */
static void read_in_parallel(const char *name, const char *format,
                             const char *options, bool compressed)
{
  const char *p = test_path(name);
  struct reader r[THREADS];
  pthread_t t[THREADS];
  atomic_int failures = 0;
  hvx_image *img;

  unlink(p);
  img = hvx_create(p, format, SIZE, options);
  assert_non_null(img);
  write_image(img, compressed);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_open(p, format, 0);
  assert_non_null(img);
  /* Otherwise the engine would not read it from several threads, and
   * this test would test nothing it relies on. */
  assert_true(img->thread_safe);
  for (int i = 0; i < THREADS; i++) {
    r[i] = (struct reader){ img, 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1),
                            &failures, "" };
    assert_int_equal(pthread_create(&t[i], NULL, read_randomly, &r[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  for (int i = 0; i < THREADS; i++)
    if (r[i].what[0])
      fail_msg("%s: thread %d: %s", format, i, r[i].what);
  assert_int_equal(atomic_load(&failures), 0);
  hvx_close(img);
}

static void test_qcow2(void **state)
{
  (void)state;
  read_in_parallel("par.qcow2", "qcow2", "cluster_size=512", true);
}

static void test_qcow2_64k(void **state)
{
  (void)state;
  read_in_parallel("par64k.qcow2", "qcow2", NULL, true);
}

static void test_vhd_dynamic(void **state)
{
  (void)state;
  read_in_parallel("par.vhd", "vhd", "block_size=512K", false);
}

static void test_vhdx(void **state)
{
  (void)state;
  read_in_parallel("par.vhdx", "vhdx", "block_size=1M", false);
}

/* Bytes of P's allocated data in the page cache (mincore). */
static uint64_t resident(const char *p)
{
  int fd = open(p, O_RDONLY);
  uint64_t size = file_size(p), n = 0;
  long page = sysconf(_SC_PAGESIZE);
  size_t pages = (size_t)((size + (uint64_t)page - 1) / (uint64_t)page);
  unsigned char *vec = malloc(pages ? pages : 1);
  void *map;

  assert_true(fd >= 0 && vec);
  map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
  assert_true(map != MAP_FAILED);
  assert_int_equal(mincore(map, (size_t)size, vec), 0);
  for (size_t i = 0; i < pages; i++)
    n += (vec[i] & 1) ? (uint64_t)page : 0;
  munmap(map, (size_t)size);
  free(vec);
  close(fd);
  return n;
}

/* The conversion engine hints the source ahead of its reads (the
 * driver's readahead); the hint must bring the stored data of the range
 * into the page cache.  Where the file cannot be dropped from the cache
 * (tmpfs), there is nothing to see. */
static void readahead_brings_data(const char *name, const char *format,
                                  const char *options)
{
  const char *p = test_path(name);
  struct stat st;
  hvx_image *img;
  uint64_t data, before, after;
  int fd;

  unlink(p);
  img = hvx_create(p, format, SIZE, options);
  assert_non_null(img);
  write_image(img, false);
  assert_int_equal(hvx_close(img), 0);
  assert_int_equal(stat(p, &st), 0);
  data = (uint64_t)st.st_blocks * 512;

  img = hvx_open(p, format, 0);
  assert_non_null(img);
  assert_non_null(img->drv->readahead);
  fd = open(p, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
  close(fd);
  before = resident(p);
  if (before > data / 4) {
    hvx_close(img);
    skip();
  }
  img->drv->readahead(img, 0, SIZE);
  /* The hint covers the stored data (at least 7/8 of what the file
   * allocates: the rest is metadata).  The reads it starts show in
   * mincore as they complete: wait for them, up to 5 s. */
  for (int i = 0; i < 100; i++) {
    after = resident(p);
    if (after >= before + data * 7 / 8)
      break;
    usleep(50000);
  }
  if (after < before + data * 7 / 8)
    fail_msg("%s: %llu of %llu allocated bytes in the page cache after "
             "the hint (%llu before)", format, (unsigned long long)after,
             (unsigned long long)data, (unsigned long long)before);
  hvx_close(img);
}

static void test_readahead(void **state)
{
  (void)state;
  readahead_brings_data("ra.raw", "raw", NULL);
  readahead_brings_data("ra.qcow2", "qcow2", NULL);
  readahead_brings_data("ra.vhd", "vhd", "block_size=512K");
  readahead_brings_data("ra-fixed.vhd", "vhd", "subformat=fixed");
  readahead_brings_data("ra.vhdx", "vhdx", "block_size=1M");
}

/* A writable open, or one with a backing file, is not thread-safe: the
 * engine then reads from one thread at a time. */
static void test_not_when_writable(void **state)
{
  const char *p = test_path("par-w.qcow2");
  hvx_image *img;
  (void)state;

  unlink(p);
  img = hvx_create(p, "qcow2", SIZE, NULL);
  assert_non_null(img);
  assert_false(img->thread_safe);
  assert_int_equal(hvx_close(img), 0);
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_false(img->thread_safe);
  hvx_close(img);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_qcow2),
    cmocka_unit_test(test_qcow2_64k),
    cmocka_unit_test(test_vhd_dynamic),
    cmocka_unit_test(test_vhdx),
    cmocka_unit_test(test_not_when_writable),
    cmocka_unit_test(test_readahead),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
