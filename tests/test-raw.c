/* Unit tests: the raw driver and the generic image API around it. */
#include "testutil.h"

#include <sys/stat.h>

static void test_create_write_read(void **state)
{
  const char *p = test_path("rw.raw");
  uint8_t w[8192], r[8192];
  hvx_image *img;
  (void)state;

  img = hvx_create(p, "raw", 1 << 20, NULL);
  assert_non_null(img);
  assert_string_equal(hvx_image_format(img), "raw");
  assert_int_equal(hvx_image_size(img), 1 << 20);
  fill_pattern(w, sizeof w, 4096);
  assert_int_equal(hvx_pwrite(img, w, sizeof w, 4096), 0);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(hvx_image_format(img), "raw");
  assert_int_equal(hvx_pread(img, r, sizeof r, 4096), 0);
  assert_memory_equal(r, w, sizeof r);
  assert_int_equal(hvx_pread(img, r, 100, 0), 0);
  assert_true(hvx_is_zero(r, 100));
  hvx_close(img);
}

static void test_out_of_range(void **state)
{
  const char *p = test_path("range.raw");
  uint8_t b[16];
  hvx_image *img = hvx_create(p, "raw", 4096, NULL);
  (void)state;

  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, 16, 4090), -1);
  assert_hvx_error(EINVAL, "beyond the virtual size");
  assert_int_equal(hvx_pwrite(img, b, 1, UINT64_MAX), -1);
  assert_hvx_error(EINVAL, "beyond the virtual size");
  hvx_close(img);
}

static void test_read_only(void **state)
{
  const char *p = test_path("ro.raw");
  uint8_t b[16] = { 1 };
  hvx_image *img = hvx_create(p, "raw", 4096, NULL);
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  img = hvx_open(p, "raw", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, 16, 0), -1);
  assert_hvx_error(EPERM, "read-only");
  assert_int_equal(hvx_zero(img, 0, 16, 0), -1);
  hvx_close(img);
}

static void test_create_refuses_existing(void **state)
{
  const char *p = test_path("exists.raw");
  hvx_image *img = hvx_create(p, "raw", 4096, NULL);
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  assert_null(hvx_create(p, "raw", 4096, NULL));
  assert_hvx_error(EEXIST, "exists.raw");
}

static void test_create_unknown_option(void **state)
{
  const char *p = test_path("opt.raw");
  struct stat st;
  (void)state;

  assert_null(hvx_create(p, "raw", 4096, "bogus=1"));
  assert_hvx_error(EINVAL, "raw: unknown option 'bogus'");
  /* The half-made file must not stay behind. */
  assert_int_equal(stat(p, &st), -1);
}

static void test_block_status_holes(void **state)
{
  const char *p = test_path("sparse.raw");
  uint8_t w[65536];
  uint64_t pnum;
  unsigned flags;
  hvx_image *img = hvx_create(p, "raw", 64 << 20, NULL);
  (void)state;

  assert_non_null(img);
  fill_pattern(w, sizeof w, 0);
  assert_int_equal(hvx_pwrite(img, w, sizeof w, 32 << 20), 0);
  assert_int_equal(hvx_flush(img), 0);
  assert_int_equal(hvx_block_status(img, 0, 64 << 20, &pnum, &flags), 0);
  assert_true(flags & HVX_BS_ZERO);
  assert_true(pnum >= 4096 && pnum <= (32 << 20));
  assert_int_equal(hvx_block_status(img, 32 << 20, (64u << 20) - (32u << 20),
                                    &pnum, &flags), 0);
  assert_true(flags & HVX_BS_ALLOCATED);
  assert_false(flags & HVX_BS_ZERO);
  assert_true(pnum >= sizeof w);

  /* Zeroing punches the data out again. */
  assert_int_equal(hvx_zero(img, 32 << 20, sizeof w, HVX_ZERO_MAY_UNMAP), 0);
  assert_int_equal(hvx_pread(img, w, sizeof w, 32 << 20), 0);
  assert_true(hvx_is_zero(w, sizeof w));
  hvx_close(img);
}

static void test_block_status_args(void **state)
{
  const char *p = test_path("bsargs.raw");
  uint64_t pnum;
  unsigned flags;
  hvx_image *img = hvx_create(p, "raw", 4096, NULL);
  (void)state;

  assert_non_null(img);
  assert_int_equal(hvx_block_status(img, 0, 0, &pnum, &flags), -1);
  assert_hvx_error(EINVAL, "length is 0");
  assert_int_equal(hvx_block_status(img, 0, 8192, &pnum, &flags), -1);
  assert_int_equal(hvx_block_status(img, 0, 1, NULL, &flags), -1);
  hvx_close(img);
}

static void test_info_and_check(void **state)
{
  const char *p = test_path("info.raw");
  hvx_image *img = hvx_create(p, "raw", 12345, NULL);
  (void)state;

  assert_non_null(img);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  assert_int_equal(hvx_image_size(img), 12345);
  hvx_close(img);
}

static void test_write_lock(void **state)
{
  const char *p = test_path("lock.raw");
  hvx_image *a = hvx_create(p, "raw", 4096, NULL), *b;
  (void)state;

  assert_non_null(a);
  /* flock locks belong to the open file description, so a second
   * writable open, even in this process, is refused. */
  b = hvx_open(p, "raw", HVX_OPEN_WRITE);
  assert_null(b);
  assert_hvx_error(EBUSY, "in use");
  hvx_close(a);
  b = hvx_open(p, "raw", HVX_OPEN_WRITE);
  assert_non_null(b);
  hvx_close(b);
}

static void test_formats_listed(void **state)
{
  int n = hvx_format_count(), raw = 0;
  (void)state;

  assert_true(n >= 1);
  for (int i = 0; i < n; i++)
    if (strcmp(hvx_format_name(i), "raw") == 0)
      raw = 1;
  assert_true(raw);
  assert_null(hvx_format_name(n));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_write_read),
    cmocka_unit_test(test_out_of_range),
    cmocka_unit_test(test_read_only),
    cmocka_unit_test(test_create_refuses_existing),
    cmocka_unit_test(test_create_unknown_option),
    cmocka_unit_test(test_block_status_holes),
    cmocka_unit_test(test_block_status_args),
    cmocka_unit_test(test_info_and_check),
    cmocka_unit_test(test_write_lock),
    cmocka_unit_test(test_formats_listed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
