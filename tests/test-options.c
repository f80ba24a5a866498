/* Unit tests: size parsing and key=value format options. */
#include "testutil.h"

static void test_sizes(void **state)
{
  uint64_t v;
  (void)state;
  assert_int_equal(hvx_parse_size("0", &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(hvx_parse_size("512", &v), 0);
  assert_int_equal(v, 512);
  assert_int_equal(hvx_parse_size("64K", &v), 0);
  assert_int_equal(v, 65536);
  assert_int_equal(hvx_parse_size("10G", &v), 0);
  assert_int_equal(v, 10ull << 30);
  assert_int_equal(hvx_parse_size("2MiB", &v), 0);
  assert_int_equal(v, 2ull << 20);
  assert_int_equal(hvx_parse_size("1T", &v), 0);
  assert_int_equal(v, 1ull << 40);
}

static void test_bad_sizes(void **state)
{
  uint64_t v = 42;
  (void)state;
  assert_int_equal(hvx_parse_size("", &v), -1);
  assert_hvx_error(EINVAL, "invalid size");
  assert_int_equal(hvx_parse_size("-1", &v), -1);
  assert_int_equal(hvx_parse_size("12Q", &v), -1);
  assert_hvx_error(EINVAL, "unknown suffix");
  assert_int_equal(hvx_parse_size("20000000000000000000", &v), -1);
  assert_hvx_error(EINVAL, "too large");
  assert_int_equal(hvx_parse_size("99999999E", &v), -1);
  assert_hvx_error(EINVAL, "too large");
  assert_int_equal(v, 42);
}

static void test_opts(void **state)
{
  struct hvx_opts o;
  uint64_t cs = 0;
  (void)state;
  assert_int_equal(hvx_opts_parse(&o, "cluster_size=64K,compat=1.1"), 0);
  assert_int_equal(hvx_opts_take_size(&o, "cluster_size", &cs), 0);
  assert_int_equal(cs, 65536);
  assert_int_equal(hvx_opts_check_all_taken(&o, "qcow2"), -1);
  assert_hvx_error(EINVAL, "qcow2: unknown option 'compat'");
  assert_string_equal(hvx_opts_take(&o, "compat"), "1.1");
  assert_int_equal(hvx_opts_check_all_taken(&o, "qcow2"), 0);
  hvx_opts_free(&o);
}

static void test_bad_opts(void **state)
{
  struct hvx_opts o;
  (void)state;
  assert_int_equal(hvx_opts_parse(&o, "novalue"), -1);
  assert_hvx_error(EINVAL, "not of the form key=value");
  assert_int_equal(hvx_opts_parse(&o, "a=1,a=2"), -1);
  assert_hvx_error(EINVAL, "given twice");
  assert_int_equal(hvx_opts_parse(&o, "=1"), -1);
  assert_int_equal(hvx_opts_parse(&o, NULL), 0);
  assert_int_equal(o.n, 0);
}

static void test_is_zero(void **state)
{
  uint8_t buf[4096] = { 0 };
  (void)state;
  assert_true(hvx_is_zero(buf, sizeof buf));
  assert_true(hvx_is_zero(buf, 3));
  buf[4095] = 1;
  assert_false(hvx_is_zero(buf, sizeof buf));
  assert_true(hvx_is_zero(buf, 4095));
  buf[5] = 1;
  assert_false(hvx_is_zero(buf, 7));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sizes),
    cmocka_unit_test(test_bad_sizes),
    cmocka_unit_test(test_opts),
    cmocka_unit_test(test_bad_opts),
    cmocka_unit_test(test_is_zero),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
