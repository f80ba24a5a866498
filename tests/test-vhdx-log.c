/* Unit tests: VHDX log replay, on the dirty images vhdx-logutil.h
 * builds by hand.
 *
 * With "--make-dirty PATH" the program only writes that image, for the
 * interop test to compare our replay with qemu's. */
#include "testutil.h"

#include "vhdx-testutil.h"
#include "vhdx-logutil.h"

/* What the disk holds once both entries are replayed (or only the
 * first, with ONLY_FIRST). */
static uint8_t *expected(bool only_first, bool none)
{
  uint8_t *e = calloc(1, SIZE);
  fill_pattern(e, MIB, 1000);
  if (none)
    return e;
  fill_pattern(e + 2 * MIB, MIB, 2000);
  if (!only_first)
    memset(e, 0, 8192);
  return e;
}

static void assert_disk(hvx_image *img, const uint8_t *want)
{
  uint8_t *got = malloc(SIZE);
  assert_int_equal(hvx_pread(img, got, SIZE, 0), 0);
  assert_memory_equal(got, want, SIZE);
  free(got);
}

static uint8_t *slurp(const char *p, uint64_t *n, struct timespec *mtime)
{
  struct stat st;
  uint8_t *b;

  assert_int_equal(stat(p, &st), 0);
  *n = (uint64_t)st.st_size;
  *mtime = st.st_mtim;
  b = malloc(*n);
  file_read(p, 0, b, *n);
  return b;
}

static void test_read_only_replay(void **state)
{
  const char *p = test_path("dirty-ro.vhdx");
  uint8_t *before, *after, *want = expected(false, false);
  uint64_t n1, n2;
  struct timespec m1, m2;
  hvx_image *img;
  (void)state;

  make_dirty(p, V_OK);
  before = slurp(p, &n1, &m1);
  img = hvx_open(p, NULL, 0);
  if (!img)
    fail_msg("%s", hvx_error());
  assert_true(strstr(info_value(img, "log_state"), "2 log entries"));
  assert_true(strstr(info_value(img, "log_state"), "in memory"));
  assert_disk(img, want);
  hvx_check(img, NULL, NULL);
  assert_int_equal(hvx_close(img), 0);
  after = slurp(p, &n2, &m2);
  assert_int_equal(n1, n2);
  assert_memory_equal(before, after, n1);
  assert_int_equal(m1.tv_sec, m2.tv_sec);
  assert_int_equal(m1.tv_nsec, m2.tv_nsec);
  free(before);
  free(after);
  free(want);
}

static void test_read_write_replay(void **state)
{
  const char *p = test_path("dirty-rw.vhdx");
  uint8_t *want = expected(false, false);
  hvx_image *img;
  (void)state;

  make_dirty(p, V_OK);
  img = hvx_open(p, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_true(strstr(info_value(img, "log_state"), "into the file"));
  assert_string_equal(info_value(img, "log_guid"),
                      "00000000-0000-0000-0000-000000000000");
  assert_disk(img, want);
  assert_int_equal(hvx_close(img), 0);
  /* Now clean, on disk, in both header slots. */
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(info_value(img, "log_state"), "clean");
  assert_disk(img, want);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  hvx_close(img);
  {
    uint8_t h[80];
    file_read(p, 0x10000, h, sizeof h);
    assert_true(hvx_is_zero(h + 48, 16));
    file_read(p, 0x20000, h, sizeof h);
    assert_true(hvx_is_zero(h + 48, 16));
  }
  free(want);
}

static void clear_log_guid(uint8_t *h, void *arg)
{
  (void)arg;
  memset(h + 48, 0, 16);
}

/* Without the log the image reads differently, so the replay tests
 * above can fail. */
static void test_replay_matters(void **state)
{
  const char *p = test_path("dirty-ignored.vhdx");
  uint8_t *want = expected(false, true);
  hvx_image *img;
  (void)state;

  make_dirty(p, V_OK);
  patch_headers(p, clear_log_guid, NULL);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_disk(img, want);
  hvx_close(img);
  free(want);
}

static void expect_refusal(enum variant v, const char *name,
                           const char *needle)
{
  const char *p = test_path(name);
  uint8_t *before, *after;
  uint64_t n1, n2;
  struct timespec m1, m2;

  make_dirty(p, v);
  before = slurp(p, &n1, &m1);
  assert_null(hvx_open(p, NULL, 0));
  assert_hvx_error(EBADMSG, needle);
  /* Read-write too, and nothing applied. */
  assert_null(hvx_open(p, NULL, HVX_OPEN_WRITE));
  assert_hvx_error(EBADMSG, needle);
  after = slurp(p, &n2, &m2);
  assert_int_equal(n1, n2);
  assert_memory_equal(before, after, n1);
  free(before);
  free(after);
}

static void test_missing_data_sector(void **state)
{
  (void)state;
  expect_refusal(V_MISSING_DATA, "missing-data.vhdx",
                 "more data descriptors than the 0 data sectors");
}

/* The newest entry's LastFileOffset is past the end of the file: the
 * read-only view reads zeros there, a read-write replay grows the file. */
static void test_extend(void **state)
{
  const char *p = test_path("extend.vhdx");
  uint8_t *want = expected(false, false);
  hvx_image *img;
  (void)state;

  make_dirty(p, V_EXTEND);
  img = hvx_open(p, NULL, 0);
  if (!img)
    fail_msg("%s", hvx_error());
  assert_disk(img, want);
  hvx_close(img);
  assert_int_equal(file_size(p), 6 * MIB);
  img = hvx_open(p, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_disk(img, want);
  hvx_close(img);
  assert_int_equal(file_size(p), 16 * MIB);
  free(want);
}

static void test_torn_middle(void **state)
{
  (void)state;
  expect_refusal(V_TORN_MIDDLE, "torn-middle.vhdx", "broken");
}

static void test_sequence_gap(void **state)
{
  (void)state;
  expect_refusal(V_GAP, "gap.vhdx", "where 101 should follow");
}

static void test_data_sector_sequence(void **state)
{
  (void)state;
  expect_refusal(V_DATA_SEQ, "dataseq.vhdx", "data sector 0");
}

static void test_target_in_log(void **state)
{
  (void)state;
  expect_refusal(V_TARGET_LOG, "target-log.vhdx", "overlaps the log");
}

static void test_truncated(void **state)
{
  (void)state;
  expect_refusal(V_TRUNCATED, "truncated.vhdx", "file truncated");
}

/* A torn newest entry was never acknowledged: the entries before it
 * are the log. */
static void replays_first_only(enum variant v, const char *name)
{
  const char *p = test_path(name);
  uint8_t *want = expected(true, false);
  hvx_image *img;

  make_dirty(p, v);
  img = hvx_open(p, NULL, 0);
  if (!img)
    fail_msg("%s", hvx_error());
  assert_true(strstr(info_value(img, "log_state"), "1 log entries"));
  assert_true(strstr(info_value(img, "log_state"),
                     "1 incomplete entries ignored"));
  assert_disk(img, want);
  hvx_close(img);
  free(want);
}

static void test_torn_head(void **state)
{
  (void)state;
  replays_first_only(V_TORN_HEAD, "torn-head.vhdx");
}

static void test_huge_descriptor_count(void **state)
{
  (void)state;
  replays_first_only(V_HUGE_COUNT, "huge-count.vhdx");
}

/* A log GUID with no intact entry: nothing was ever logged. */
static void test_no_intact_entry(void **state)
{
  const char *p = test_path("garbage.vhdx");
  uint8_t *want = expected(false, true);
  hvx_image *img;
  (void)state;

  make_dirty(p, V_ONLY_GARBAGE);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(info_value(img, "log_state"),
                      "clean; 1 incomplete entries ignored");
  assert_disk(img, want);
  hvx_close(img);
  free(want);
}

/* The sequence may wrap round the end of the circular log, between
 * entries or inside one. */
static void wrapped(enum variant v, const char *name)
{
  const char *p = test_path(name);
  uint8_t *want = expected(false, false);
  hvx_image *img;

  make_dirty(p, v);
  img = hvx_open(p, NULL, 0);
  if (!img)
    fail_msg("%s", hvx_error());
  assert_true(strstr(info_value(img, "log_state"), "2 log entries"));
  assert_disk(img, want);
  hvx_close(img);
  free(want);
}

static void test_wrapped_entry(void **state)
{
  (void)state;
  wrapped(V_WRAP, "wrap.vhdx");
}

static void test_wrapped_sequence(void **state)
{
  (void)state;
  wrapped(V_WRAP_BETWEEN, "wrap2.vhdx");
}

static uint64_t rng = 2463534242ull;
static uint64_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Random damage to the entries, with their checksums made valid again
 * half the time: opening must fail cleanly or read consistently. */
static void test_random_log_damage(void **state)
{
  const char *p = test_path("logfuzz.vhdx");
  uint8_t orig[12288], e[12288], *buf = malloc(SIZE);
  static const uint32_t values[] = { 0, 1, 0xffffffffu, 0x80000000u, 4096,
                                     8192, 0x100000u, 0x300000u };
  (void)state;

  make_dirty(p, V_OK);
  file_read(p, LOG_OFF, orig, sizeof orig);
  for (int iter = 0; iter < 300; iter++) {
    hvx_image *img;
    memcpy(e, orig, sizeof e);
    for (int k = 0, n = 1 + (int)(next_rand() % 3); k < n; k++) {
      size_t at = (next_rand() % 2 ? next_rand() % 256 :
                   next_rand() % sizeof e) / 4 * 4;
      hvx_put_le32(e + at, values[next_rand() % 8] ^
                   (next_rand() % 3 ? 0 : (uint32_t)next_rand()));
    }
    if (iter % 2) {
      memset(e + 4, 0, 4);
      hvx_put_le32(e + 4, hvx_crc32c(0, e, 8192));
      memset(e + 8192 + 4, 0, 4);
      hvx_put_le32(e + 8192 + 4, hvx_crc32c(0, e + 8192, 4096));
    }
    file_write(p, LOG_OFF, e, sizeof e);
    img = hvx_open(p, NULL, 0);
    if (img) {
      assert_int_equal(hvx_pread(img, buf, SIZE, 0) == 0 ||
                       hvx_errno() == EBADMSG, 1);
      hvx_close(img);
    } else {
      assert_true(hvx_errno() == EBADMSG || hvx_errno() == ENOTSUP);
    }
  }
  free(buf);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_read_only_replay),
    cmocka_unit_test(test_read_write_replay),
    cmocka_unit_test(test_replay_matters),
    cmocka_unit_test(test_torn_middle),
    cmocka_unit_test(test_missing_data_sector),
    cmocka_unit_test(test_extend),
    cmocka_unit_test(test_sequence_gap),
    cmocka_unit_test(test_data_sector_sequence),
    cmocka_unit_test(test_target_in_log),
    cmocka_unit_test(test_truncated),
    cmocka_unit_test(test_torn_head),
    cmocka_unit_test(test_huge_descriptor_count),
    cmocka_unit_test(test_no_intact_entry),
    cmocka_unit_test(test_wrapped_entry),
    cmocka_unit_test(test_wrapped_sequence),
    cmocka_unit_test(test_random_log_damage),
  };

  if (argc == 3 && strcmp(argv[1], "--make-dirty") == 0) {
    make_dirty(argv[2], V_OK);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "--make-dirty-wrapped") == 0) {
    make_dirty(argv[2], V_WRAP_BETWEEN);
    return 0;
  }
  return cmocka_run_group_tests(tests, NULL, NULL);
}
