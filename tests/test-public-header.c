/* Compiled with -std=c99 -pedantic against the public header alone and
 * linked with the shared library: the installed API must be usable as is. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hvx.h>

static void test_version(void **state)
{
  (void)state;
  assert_string_equal(hvx_version(), "0.1.0");
}

static void test_error_through_public_api(void **state)
{
  (void)state;
  assert_null(hvx_open("/nonexistent/x.img", NULL, 0));
  assert_int_equal(hvx_errno(), ENOENT);
  assert_non_null(strstr(hvx_error(), "/nonexistent/x.img"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_version),
    cmocka_unit_test(test_error_through_public_api),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
