/* Unit tests: thread-local errors and their messages. */
#include "testutil.h"

#include <pthread.h>

static void test_set_error_returns_minus_one(void **state)
{
  (void)state;
  assert_int_equal(hvx_set_error(EBADMSG, "qcow2: bad %s %d", "field", 7), -1);
  assert_hvx_error(EBADMSG, "qcow2: bad field 7");
}

static void test_prefix_error(void **state)
{
  (void)state;
  hvx_set_error(ENOENT, "base.img: not found");
  hvx_prefix_error("top.qcow2: backing file '%s'", "base.img");
  assert_hvx_error(ENOENT, "top.qcow2: backing file 'base.img': base.img: not found");
}

static void test_clear_error(void **state)
{
  (void)state;
  hvx_set_error(EIO, "x");
  hvx_clear_error();
  assert_int_equal(hvx_errno(), 0);
  assert_string_equal(hvx_error(), "");
}

static void test_zero_errnum_becomes_eio(void **state)
{
  (void)state;
  hvx_set_error(0, "no code");
  assert_int_equal(hvx_errno(), EIO);
}

static void test_long_message_truncated(void **state)
{
  char big[4000];
  (void)state;
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  hvx_set_error(EINVAL, "%s", big);
  assert_true(strlen(hvx_error()) < 1024);
}

static void *other_thread(void *arg)
{
  (void)arg;
  hvx_set_error(ENOSPC, "other thread");
  return NULL;
}

static void test_errors_are_per_thread(void **state)
{
  pthread_t t;
  (void)state;
  hvx_set_error(EACCES, "main thread");
  assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
  pthread_join(t, NULL);
  assert_hvx_error(EACCES, "main thread");
}

static void test_open_missing_file(void **state)
{
  (void)state;
  assert_null(hvx_open(test_path("does-not-exist"), NULL, 0));
  assert_hvx_error(ENOENT, "does-not-exist");
}

static void test_open_unknown_format(void **state)
{
  (void)state;
  assert_null(hvx_open("/dev/null", "floppy", 0));
  assert_hvx_error(ENOTSUP, "unknown format 'floppy'");
}

static void test_open_bad_flags(void **state)
{
  (void)state;
  assert_null(hvx_open("/dev/null", "raw", 0x100));
  assert_hvx_error(EINVAL, "unknown flags");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_set_error_returns_minus_one),
    cmocka_unit_test(test_prefix_error),
    cmocka_unit_test(test_clear_error),
    cmocka_unit_test(test_zero_errnum_becomes_eio),
    cmocka_unit_test(test_long_message_truncated),
    cmocka_unit_test(test_errors_are_per_thread),
    cmocka_unit_test(test_open_missing_file),
    cmocka_unit_test(test_open_unknown_format),
    cmocka_unit_test(test_open_bad_flags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
