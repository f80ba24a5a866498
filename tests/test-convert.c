/* Unit tests: the conversion engine (raw to raw here; each format's own
 * tests convert through it too). */
#include "testutil.h"

#include <sys/stat.h>

#define SIZE (8u << 20)

/* A raw image with data, an allocated all-zero run, and holes. */
static const char *make_source(void)
{
  const char *p = test_path("src.raw");
  static uint8_t buf[1 << 20];
  hvx_image *img;
  struct stat st;

  if (stat(p, &st) == 0)
    return p;
  img = hvx_create(p, "raw", SIZE, NULL);
  assert_non_null(img);
  fill_pattern(buf, sizeof buf, 0);
  assert_int_equal(hvx_pwrite(img, buf, sizeof buf, 1 << 20), 0);
  memset(buf, 0, sizeof buf);
  assert_int_equal(hvx_pwrite(img, buf, sizeof buf, 3 << 20), 0);
  fill_pattern(buf, 1000, 7);
  assert_int_equal(hvx_pwrite(img, buf, 1000, SIZE - 1000), 0);
  assert_int_equal(hvx_close(img), 0);
  return p;
}

static void test_convert_raw_raw(void **state)
{
  const char *src = make_source(), *dst = test_path("out1.raw");
  struct stat st;
  (void)state;

  assert_int_equal(hvx_convert(src, dst, NULL), 0);
  assert_same_image(src, dst);
  /* The zero run and the holes stay holes. */
  assert_int_equal(stat(dst, &st), 0);
  assert_true((uint64_t)st.st_blocks * 512 < (2u << 20));
}

static void test_refuses_existing_destination(void **state)
{
  const char *src = make_source(), *dst = test_path("exists.raw");
  FILE *f = fopen(dst, "w");
  struct stat st;
  (void)state;

  fputs("precious", f);
  fclose(f);
  assert_int_equal(hvx_convert(src, dst, NULL), -1);
  assert_hvx_error(EEXIST, "destination exists");
  assert_int_equal(stat(dst, &st), 0);
  assert_int_equal(st.st_size, 8);
}

static void test_overwrite(void **state)
{
  const char *src = make_source(), *dst = test_path("over.raw");
  hvx_convert_options *o = hvx_convert_options_new();
  FILE *f = fopen(dst, "w");
  (void)state;

  fputs("old", f);
  fclose(f);
  assert_int_equal(hvx_convert_set_overwrite(o, 1), 0);
  assert_int_equal(hvx_convert(src, dst, o), 0);
  assert_same_image(src, dst);
  hvx_convert_options_free(o);
}

static void test_digest_matches(void **state)
{
  const char *src = make_source(), *dst = test_path("dig.raw");
  hvx_convert_options *o = hvx_convert_options_new();
  char d[129];
  hvx_image *img;
  (void)state;

  assert_int_equal(hvx_convert_set_digest(o, "sha256"), 0);
  assert_int_equal(hvx_convert(src, dst, o), 0);
  assert_non_null(hvx_convert_digest(o));
  img = hvx_open(dst, NULL, 0);
  assert_int_equal(hvx_digest(img, "sha256", d, sizeof d), 0);
  assert_string_equal(d, hvx_convert_digest(o));
  assert_int_equal(strlen(d), 64);
  hvx_close(img);
  assert_int_equal(hvx_convert_set_digest(o, "nope"), -1);
  assert_hvx_error(EINVAL, "unknown digest");
  hvx_convert_options_free(o);
}

static int cancel_half(void *opaque, uint64_t done, uint64_t total)
{
  int *calls = opaque;
  (*calls)++;
  return done > total / 4;
}

static void test_cancel_removes_partial(void **state)
{
  const char *src = make_source(), *dst = test_path("cancel.raw");
  hvx_convert_options *o = hvx_convert_options_new();
  struct stat st;
  int calls = 0;
  char cmd[512];
  (void)state;

  hvx_convert_set_progress(o, cancel_half, &calls);
  assert_int_equal(hvx_convert(src, dst, o), -1);
  assert_hvx_error(ECANCELED, "cancelled");
  assert_true(calls > 1);
  assert_int_equal(stat(dst, &st), -1);
  /* No temporary file is left in the directory either. */
  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q 'hvx-'", test_dir);
  assert_int_not_equal(system(cmd), 0);
  hvx_convert_options_free(o);
}

static void test_no_zero_detection_still_identical(void **state)
{
  const char *src = make_source(), *dst = test_path("nozero.raw");
  hvx_convert_options *o = hvx_convert_options_new();
  (void)state;

  hvx_convert_set_detect_zeroes(o, 0);
  assert_int_equal(hvx_convert(src, dst, o), 0);
  assert_same_image(src, dst);
  hvx_convert_options_free(o);
}

static void test_bad_options(void **state)
{
  hvx_convert_options *o = hvx_convert_options_new();
  (void)state;

  assert_int_equal(hvx_convert_set_target_format(o, "floppy"), -1);
  assert_hvx_error(EINVAL, "unknown target format 'floppy'");
  assert_int_equal(hvx_convert_set_threads(o, 1000), -1);
  assert_int_equal(hvx_convert_set_compress(o, 1), 0);
  /* raw cannot be compressed */
  assert_int_equal(hvx_convert(make_source(), test_path("c.raw"), o), -1);
  assert_hvx_error(ENOTSUP, "compressed output");
  hvx_convert_options_free(o);
}

static void test_compare_detects_difference(void **state)
{
  const char *src = make_source(), *dst = test_path("diff.raw");
  hvx_image *a, *b;
  uint64_t where = 0;
  uint8_t x = 0x55;
  (void)state;

  assert_int_equal(hvx_convert(src, dst, NULL), 0);
  b = hvx_open(dst, "raw", HVX_OPEN_WRITE);
  assert_int_equal(hvx_pwrite(b, &x, 1, 5 << 20), 0);
  hvx_close(b);
  a = hvx_open(src, NULL, 0);
  b = hvx_open(dst, NULL, 0);
  assert_int_equal(hvx_compare(a, b, &where), 1);
  assert_int_equal(where, 5 << 20);
  hvx_close(a);
  hvx_close(b);
}

/* Found by the convert fuzz target: qcow2 sizes disks in sectors, so a
 * 24-byte source became a 512-byte copy with another digest.  Refused,
 * as VHD and VHDX refuse such sizes; raw keeps any size. */
static void test_refuses_size_the_target_would_round(void **state)
{
  const char *src = test_path("odd.raw"), *dst = test_path("odd.qcow2");
  hvx_convert_options *o = hvx_convert_options_new();
  FILE *f = fopen(src, "w");
  struct stat st;
  (void)state;

  fputs("twenty-four bytes here..", f);
  fclose(f);
  assert_int_equal(hvx_convert_set_target_format(o, "qcow2"), 0);
  assert_int_equal(hvx_convert(src, dst, o), -1);
  assert_hvx_error(EINVAL, "size 24 bytes is not a whole number of sectors");
  assert_int_not_equal(stat(dst, &st), 0);
  assert_int_equal(hvx_convert_set_target_format(o, "raw"), 0);
  assert_int_equal(hvx_convert(src, test_path("odd2.raw"), o), 0);
  assert_same_image(src, test_path("odd2.raw"));
  hvx_convert_options_free(o);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_convert_raw_raw),
    cmocka_unit_test(test_refuses_existing_destination),
    cmocka_unit_test(test_overwrite),
    cmocka_unit_test(test_digest_matches),
    cmocka_unit_test(test_cancel_removes_partial),
    cmocka_unit_test(test_no_zero_detection_still_identical),
    cmocka_unit_test(test_bad_options),
    cmocka_unit_test(test_compare_detects_difference),
    cmocka_unit_test(test_refuses_size_the_target_would_round),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
