/* Compiled with -std=c99 -pedantic against the public header alone and
 * linked with the shared library: the installed API must be usable as is. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

static void test_vm_model_through_public_api(void **state)
{
  hvx_vm *vm = hvx_vm_new();
  hvx_report *r = hvx_report_new();
  char *s;
  uint32_t n;

  (void)state;
  assert_non_null(vm);
  assert_int_equal(hvx_vm_set_name(vm, "pub"), 0);
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/a.raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_IDE, 0, 1, 0), 0);
  assert_int_equal(hvx_vbd_parse("hdb", &n), 0);
  assert_int_equal(n, 3 << 8 | 1 << 6);
  s = hvx_vm_to_json(vm);
  assert_non_null(s);
  assert_non_null(strstr(s, "\"bus\": \"ide\""));
  free(s);
  s = hvx_vm_to_xl(vm, r);
  assert_non_null(s);
  assert_non_null(strstr(s, "vdev=hdb"));
  free(s);
  n = (uint32_t)hvx_report_count(r);
  assert_int_equal(hvx_report_add(r, HVX_SEVERITY_LOSS, "guest", "m", NULL),
                   (int)n);
  assert_int_equal(hvx_report_max_severity(r), HVX_SEVERITY_LOSS);
  hvx_report_free(r);
  hvx_vm_free(vm);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_version),
    cmocka_unit_test(test_error_through_public_api),
    cmocka_unit_test(test_vm_model_through_public_api),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
