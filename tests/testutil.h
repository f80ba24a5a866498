/* hvx tests - helpers shared by the cmocka unit tests. */
#ifndef HVX_TESTUTIL_H
#define HVX_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "endian.h"
#include "internal.h"

/* A fresh scratch directory per test program, removed at exit. */
static char test_dir[64];

static void remove_test_dir(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", test_dir);
}

static inline const char *test_path(const char *name)
{
  static char buf[8][256];
  static int next;
  char *p = buf[next++ % 8];

  if (!test_dir[0]) {
    strcpy(test_dir, "/tmp/hvx-test-XXXXXX");
    if (!mkdtemp(test_dir))
      abort();
    atexit(remove_test_dir);
  }
  snprintf(p, 256, "%s/%s", test_dir, name);
  return p;
}

/* Assert that the last hvx error has code ERRNUM and its message
 * contains NEEDLE. */
#define assert_hvx_error(errnum, needle) \
  do { \
    assert_int_equal(hvx_errno(), (errnum)); \
    if (!strstr(hvx_error(), (needle))) \
      fail_msg("error message '%s' lacks '%s'", hvx_error(), (needle)); \
  } while (0)

/* The report R has an item of severity SEV (-1: any) whose subject
 * contains SUBJ and whose message or advice contains NEEDLE. */
static inline bool has_item(const hvx_report *r, int sev, const char *subj,
                            const char *needle)
{
  for (size_t i = 0; i < hvx_report_count(r); i++)
    if ((sev < 0 || hvx_report_severity(r, i) == sev) &&
        strstr(hvx_report_subject(r, i), subj) &&
        (strstr(hvx_report_message(r, i), needle) ||
         strstr(hvx_report_advice(r, i), needle)))
      return true;
  return false;
}

#define assert_item(r, sev, subj, needle)                                   \
  do {                                                                      \
    if (!has_item((r), (sev), (subj), (needle))) {                          \
      char *j_ = hvx_report_to_json(r);                                     \
      fail_msg("no report item %s/%s in %s", (subj), (needle), j_);         \
    }                                                                       \
  } while (0)

/* Fill BUF with a deterministic pattern that depends on OFFSET. */
static inline void fill_pattern(uint8_t *buf, size_t n, uint64_t offset)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull;
    buf[i] = (uint8_t)(x >> 56) | 1;
  }
}

/* Assert that images A and B (formats probed) have the same size and
 * virtual content. */
static inline void assert_same_image(const char *a, const char *b)
{
  hvx_image *ia = hvx_open(a, NULL, 0), *ib = hvx_open(b, NULL, 0);
  uint64_t where = 0;

  if (!ia || !ib)
    fail_msg("cannot open %s or %s: %s", a, b, hvx_error());
  assert_int_equal(hvx_image_size(ia), hvx_image_size(ib));
  if (hvx_compare(ia, ib, &where) != 0)
    fail_msg("%s and %s differ at offset %llu", a, b,
             (unsigned long long)where);
  hvx_close(ia);
  hvx_close(ib);
}

/* Raw access to a test image's bytes, for building and damaging files
 * independently of the drivers. */
static inline uint64_t file_size(const char *path)
{
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (uint64_t)st.st_size;
}

static inline void file_read(const char *path, uint64_t off, void *buf,
                             size_t n)
{
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
  close(fd);
}

static inline void file_write(const char *path, uint64_t off,
                              const void *buf, size_t n)
{
  int fd = open(path, O_WRONLY);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
  close(fd);
}

static inline void file_write_be32(const char *path, uint64_t off,
                                   uint32_t v)
{
  uint8_t b[4];
  hvx_put_be32(b, v);
  file_write(path, off, b, 4);
}

static inline void file_write_be64(const char *path, uint64_t off,
                                   uint64_t v)
{
  uint8_t b[8];
  hvx_put_be64(b, v);
  file_write(path, off, b, 8);
}

#endif /* HVX_TESTUTIL_H */
