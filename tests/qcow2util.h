/* hvx tests - helpers for the qcow2 unit tests: patching header fields
 * of a test image, and qemu-img as an independent oracle. */
#ifndef HVX_QCOW2UTIL_H
#define HVX_QCOW2UTIL_H

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"
#include "endian.h"

static inline uint64_t peek_be64(const char *path, uint64_t off)
{
  uint8_t b[8];
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, b, 8, (off_t)off), 8);
  close(fd);
  return hvx_be64(b);
}

/* Is qemu-img there?  Under CI (HVX_STRICT=1) it must be. */
static inline bool have_qemu_img(void)
{
  static int have = -1;
  if (have < 0) {
    have = system("command -v qemu-img >/dev/null 2>&1") == 0;
    if (!have && getenv("HVX_STRICT"))
      fail_msg("qemu-img is required (HVX_STRICT is set)");
    if (!have)
      fprintf(stderr, "note: qemu-img not found; oracle checks skipped\n");
  }
  return have;
}

/* Run a shell command; return its exit status. */
static inline int run_cmd(const char *fmt, ...)
{
  char cmd[1024];
  va_list ap;
  int st;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* qemu-img check must find PATH clean: no corruption, no leaks. */
static inline void assert_qemu_check_clean(const char *path)
{
  int rc;
  if (!have_qemu_img())
    return;
  rc = run_cmd("qemu-img check -q -f qcow2 '%s'", path);
  if (rc != 0) {
    run_cmd("qemu-img check -f qcow2 '%s' >&2", path);
    fail_msg("qemu-img check %s exited %d", path, rc);
  }
}

/* qemu-img must read PATH (qcow2) as the raw bytes in RAW. */
static inline void assert_qemu_same(const char *raw, const char *path)
{
  if (!have_qemu_img())
    return;
  if (run_cmd("qemu-img compare -q -f raw -F qcow2 '%s' '%s'", raw,
              path) != 0)
    fail_msg("qemu-img compare: %s differs from %s", path, raw);
}

static inline void write_file(const char *path, const void *buf, size_t n)
{
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

#endif /* HVX_QCOW2UTIL_H */
