/* Unit tests: damaged and hostile VHDX files get clear errors naming
 * what is wrong - never a crash, hang or huge allocation.  Each test
 * damages a fresh valid image (8 MiB, 1 MiB blocks, block 0 written). */
#include "testutil.h"

#include "vhdx-testutil.h"

static const char *fresh(const char *name)
{
  const char *p = test_path(name);
  uint8_t b[4096];
  hvx_image *img;

  unlink(p);
  img = hvx_create(p, "vhdx", 8 * MIB, "block_size=1M");
  assert_non_null(img);
  fill_pattern(b, sizeof b, 1);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 0), 0);
  assert_int_equal(hvx_close(img), 0);
  return p;
}

static void refused(const char *p, int err, const char *needle)
{
  hvx_image *img = hvx_open(p, "vhdx", 0);
  if (img)
    fail_msg("%s opened despite the damage", p);
  assert_hvx_error(err, needle);
}

static void put32_at(const char *p, uint64_t off, uint32_t v)
{
  uint8_t b[4];
  hvx_put_le32(b, v);
  file_write(p, off, b, 4);
}

static void put64_at(const char *p, uint64_t off, uint64_t v)
{
  uint8_t b[8];
  hvx_put_le64(b, v);
  file_write(p, off, b, 8);
}

struct matcher {
  const char *needle;
  int n, match;
};

static void match_problem(void *o, int kind, uint64_t off, const char *msg)
{
  struct matcher *c = o;
  (void)kind;
  (void)off;
  c->n++;
  if (strstr(msg, c->needle))
    c->match++;
}

/* Check P: how many problems mention NEEDLE (there must be some). */
static int count_problems(const char *p, const char *needle)
{
  struct matcher c = { needle, 0, 0 };
  hvx_image *img = hvx_open(p, "vhdx", 0);

  assert_non_null(img);
  assert_true(hvx_check(img, match_problem, &c) > 0);
  hvx_close(img);
  return c.match;
}

/* ---- header section ------------------------------------------------- */

static void test_not_vhdx(void **state)
{
  const char *p = fresh("sig.vhdx");
  (void)state;
  file_write(p, 0, "vhdxfilX", 8);
  refused(p, EBADMSG, "no 'vhdxfile' signature");
  assert_string_equal(hvx_probe(p), "raw");
}

static void test_short_file(void **state)
{
  const char *p = fresh("short.vhdx");
  (void)state;
  assert_int_equal(truncate(p, 300000), 0);
  refused(p, EBADMSG, "shorter than the 1 MiB header section");
}

static void test_both_headers_bad(void **state)
{
  const char *p = fresh("hdrs.vhdx");
  (void)state;
  file_write(p, 0x10000 + 100, "x", 1);
  file_write(p, 0x20000, "HEAD", 4);
  refused(p, EBADMSG, "no valid header: header 1 at 0x10000: checksum");
  assert_true(strstr(hvx_error(), "header 2 at 0x20000: signature"));
}

static void test_one_header_bad(void **state)
{
  const char *p = fresh("hdr1.vhdx");
  hvx_image *img;
  uint8_t b[4096];
  (void)state;
  file_write(p, cur_header(p) + 200, "x", 1);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img); /* the other copy serves */
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0);
  hvx_close(img);
  assert_int_equal(count_problems(p, "checksum"), 1);
}

static void set_version2(uint8_t *h, void *a) { (void)a; hvx_put_le16(h + 66, 2); }

static void set_seq_max(uint8_t *h, void *a)
{
  (void)a;
  hvx_put_le64(h + 8, UINT64_MAX - 3); /* patch_headers adds 1 and 2 */
}

/* Both headers at the top of the sequence numbers: readable, but a write
 * could not make a newer header. */
static void test_sequence_exhausted(void **state)
{
  const char *p = fresh("seq.vhdx");
  uint8_t b[512] = { 1 };
  hvx_image *img;
  (void)state;
  patch_headers(p, set_seq_max, NULL);
  img = hvx_open(p, "vhdx", HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 0), -1);
  assert_hvx_error(EBADMSG, "cannot be increased");
  hvx_close(img);
}

static void test_header_version(void **state)
{
  const char *p = fresh("ver.vhdx");
  (void)state;
  patch_headers(p, set_version2, NULL);
  refused(p, ENOTSUP, "version 2");
}

/* ---- region table --------------------------------------------------- */

static void rt_bat_far(uint8_t *t, void *a) { (void)a; hvx_put_le64(t + 32, 1ull << 40); }
static void rt_count(uint8_t *t, void *a) { (void)a; hvx_put_le32(t + 8, 5000); }
static void rt_unknown(uint8_t *t, void *a)
{
  uint32_t required = *(uint32_t *)a;
  hvx_put_le32(t + 8, 3);
  memcpy(t + 80, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
  hvx_put_le64(t + 96, 100 * MIB);
  hvx_put_le32(t + 104, MIB);
  hvx_put_le32(t + 108, required);
}
static void rt_dup(uint8_t *t, void *a) { (void)a; memcpy(t + 48, t + 16, 16); }
static void rt_overlap(uint8_t *t, void *a) { (void)a; hvx_put_le64(t + 32, hvx_le64(t + 64)); }

static void test_region_beyond_eof(void **state)
{
  const char *p = fresh("rt-far.vhdx");
  (void)state;
  patch_region_tables(p, rt_bat_far, NULL);
  refused(p, EBADMSG, "extends beyond end of file");
}

static void test_region_count(void **state)
{
  const char *p = fresh("rt-count.vhdx");
  (void)state;
  patch_region_tables(p, rt_count, NULL);
  refused(p, EBADMSG, "entry count 5000");
}

static void test_region_unknown_required(void **state)
{
  const char *p = fresh("rt-req.vhdx");
  uint32_t req = 1;
  hvx_image *img;
  (void)state;
  patch_region_tables(p, rt_unknown, &req);
  refused(p, ENOTSUP, "unknown required region 04030201-0605-0807-090a");
  req = 0;
  p = fresh("rt-opt.vhdx");
  patch_region_tables(p, rt_unknown, &req);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img); /* optional regions may be ignored */
  hvx_close(img);
}

static void test_region_duplicate_and_overlap(void **state)
{
  const char *p = fresh("rt-dup.vhdx");
  (void)state;
  patch_region_tables(p, rt_dup, NULL);
  refused(p, EBADMSG, "appears twice");
  p = fresh("rt-ovl.vhdx");
  patch_region_tables(p, rt_overlap, NULL);
  refused(p, EBADMSG, "overlaps metadata region");
}

static void test_first_region_table_bad(void **state)
{
  const char *p = fresh("rt1.vhdx");
  hvx_image *img;
  (void)state;
  file_write(p, 0x30000 + 40, "x", 1);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img);
  hvx_close(img);
  assert_int_equal(count_problems(p, "region table at 0x30000: checksum"), 1);
  file_write(p, 0x40000 + 40, "x", 1);
  refused(p, EBADMSG, "both region tables are damaged");
}

/* ---- metadata ------------------------------------------------------- */

static void test_block_sizes(void **state)
{
  static const uint32_t bad[] = { 0, 1, 3 * MIB, 512 * 1024, 512 * MIB,
                                  0x80000000u, 0xffffffffu };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *p = fresh("bs.vhdx");
    put32_at(p, find_meta_value(p, FILE_PARAMS_D1), bad[i]);
    refused(p, EBADMSG, "block size");
  }
}

static void test_sector_and_disk_size(void **state)
{
  const char *p = fresh("lss.vhdx");
  (void)state;
  put32_at(p, find_meta_value(p, LSS_D1), 1000);
  refused(p, EBADMSG, "logical sector size 1000");
  p = fresh("vsize.vhdx");
  put64_at(p, find_meta_value(p, VSIZE_D1), 1ull << 60);
  refused(p, EBADMSG, "up to 64 TiB");
  p = fresh("vsize-odd.vhdx");
  put64_at(p, find_meta_value(p, VSIZE_D1), 8 * MIB + 100);
  refused(p, EBADMSG, "not a multiple");
}

/* The largest disk with the smallest blocks needs a 512 MiB BAT, which
 * a 1 MiB region cannot hold: refuse rather than read past it. */
static void test_bat_too_small(void **state)
{
  const char *p = fresh("bat-small.vhdx");
  (void)state;
  put64_at(p, find_meta_value(p, VSIZE_D1), 64ull << 40);
  refused(p, EBADMSG, "too small for 67125247 entries");
}

static void test_metadata_items(void **state)
{
  const char *p = fresh("md-req.vhdx");
  uint64_t e;
  uint8_t ent[32];
  (void)state;

  /* The logical sector size item renamed to an unknown required one. */
  e = find_meta_entry(p, LSS_D1);
  put32_at(p, e, 0xDEADBEEFu);
  refused(p, ENOTSUP, "unknown required item deadbeef-");
  /* ... or an unknown optional one: then it is missing. */
  put32_at(p, e + 24, 0);
  refused(p, EBADMSG, "required item 'logical sector size' is missing");

  p = fresh("md-dup.vhdx");
  e = find_meta_entry(p, VSIZE_D1);
  file_read(p, find_meta_entry(p, LSS_D1), ent, 32);
  file_write(p, e, ent, 32);
  refused(p, EBADMSG, "appears twice");

  p = fresh("md-far.vhdx");
  put32_at(p, find_meta_entry(p, VSIZE_D1) + 16, 0xFFFFFFF0u);
  refused(p, EBADMSG, "outside the metadata region");

  p = fresh("md-len.vhdx");
  put32_at(p, find_meta_entry(p, VSIZE_D1) + 20, 4);
  refused(p, EBADMSG, "virtual disk size item is 4 bytes");

  p = fresh("md-count.vhdx");
  {
    uint64_t m;
    uint32_t len;
    uint8_t c[2] = { 0xff, 0xff };
    find_region(p, META_D1, &m, &len);
    file_write(p, m + 10, c, 2);
  }
  refused(p, EBADMSG, "entry count 65535");
}

static void test_metadata_overlap(void **state)
{
  const char *p = fresh("md-ovl.vhdx");
  uint8_t off[4];
  (void)state;
  file_read(p, find_meta_entry(p, FILE_PARAMS_D1) + 16, off, 4);
  file_write(p, find_meta_entry(p, VSIZE_D1) + 16, off, 4);
  /* Readable (the size is then 1 MiB), but wrong. */
  assert_int_equal(count_problems(p, "metadata entries 0 and 1 overlap"), 1);
}

static void test_has_parent_without_locator(void **state)
{
  const char *p = fresh("noploc.vhdx");
  (void)state;
  put32_at(p, find_meta_value(p, FILE_PARAMS_D1) + 4, 2);
  refused(p, EBADMSG, "without a parent locator");
}

static void test_bad_parent_locator(void **state)
{
  const char *pp = test_path("pl-parent.vhdx"), *cp = test_path("pl.vhdx");
  hvx_image *img = hvx_create(pp, "vhdx", 4 * MIB, "block_size=1M");
  char opts[300];
  uint64_t v;
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  assert_non_null(img);
  hvx_close(img);
  v = find_meta_value(cp, PLOC_D1);
  put32_at(cp, v + 20, 0x7FFFFFF0u); /* first key offset */
  refused(cp, EBADMSG, "outside the");
  put32_at(cp, v + 20, 56);
  file_write(cp, v + 18, "\xff\xff", 2); /* key/value count */
  refused(cp, EBADMSG, "entries do not fit");
  file_write(cp, v, "XXXX", 4); /* locator type */
  refused(cp, ENOTSUP, "unknown locator type");
}

/* ---- log ------------------------------------------------------------ */

static void log_far(uint8_t *h, void *a)
{
  (void)a;
  memset(h + 48, 0x5a, 16);
  hvx_put_le64(h + 72, 1ull << 40);
}
static void log_zero_len(uint8_t *h, void *a)
{
  (void)a;
  memset(h + 48, 0x5a, 16);
  hvx_put_le32(h + 68, 0);
}
static void log_version(uint8_t *h, void *a)
{
  (void)a;
  memset(h + 48, 0x5a, 16);
  hvx_put_le16(h + 64, 1);
}

static void test_log_fields(void **state)
{
  const char *p = fresh("log-far.vhdx");
  (void)state;
  patch_headers(p, log_far, NULL);
  refused(p, EBADMSG, "log at 0x10000000000");
  p = fresh("log-len.vhdx");
  patch_headers(p, log_zero_len, NULL);
  refused(p, EBADMSG, "length 0 is not");
  p = fresh("log-ver.vhdx");
  patch_headers(p, log_version, NULL);
  refused(p, ENOTSUP, "log version 1");
}

/* ---- BAT ------------------------------------------------------------ */

static uint64_t bat_at(const char *p, uint64_t idx)
{
  uint64_t off;
  uint32_t len;
  find_region(p, BAT_D1, &off, &len);
  return off + 8 * idx;
}

static void test_block_beyond_eof(void **state)
{
  const char *p = fresh("bat-eof.vhdx");
  hvx_image *img;
  uint8_t b[512];
  (void)state;
  put64_at(p, bat_at(p, 3), (1ull << 40) | 6);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0); /* block 0 is fine */
  assert_int_equal(hvx_pread(img, b, sizeof b, 3 * MIB), -1);
  assert_hvx_error(EBADMSG, "payload block 3 data at 0x10000000000 extends "
                   "beyond end of file");
  hvx_close(img);
  assert_int_equal(count_problems(p, "BAT entry 3: block at 0x10000000000"),
                   1);
}

static void test_bad_states(void **state)
{
  const char *p = fresh("bat-state.vhdx");
  hvx_image *img;
  uint8_t b[512];
  uint64_t pnum;
  unsigned flags;
  (void)state;
  put64_at(p, bat_at(p, 4), (6 * MIB) | 4);
  put64_at(p, bat_at(p, 5), (4 * MIB) | 7);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 4 * MIB), -1);
  assert_hvx_error(EBADMSG, "payload block 4) has invalid state 4");
  assert_int_equal(hvx_block_status(img, 5 * MIB, MIB, &pnum, &flags), -1);
  assert_hvx_error(EBADMSG, "partially present in an image without parent");
  hvx_close(img);
  assert_int_equal(count_problems(p, "invalid state"), 2);
}

static void test_overlaps(void **state)
{
  const char *p = fresh("bat-ovl.vhdx");
  static uint8_t before[8 * MIB], after[8 * MIB];
  size_t size;
  hvx_image *img;
  uint8_t b[512] = { 1 };
  (void)state;
  put64_at(p, bat_at(p, 1), (2 * MIB) | 6);     /* on the metadata */
  put64_at(p, bat_at(p, 2), (4 * MIB) | 6);     /* on block 0 */
  assert_int_equal(count_problems(p, "overlaps"), 2);
  assert_int_equal(count_problems(p, "overlaps the metadata region"), 1);
  /* A write to block 2 would change block 0: no writes at all, and the
   * file stays as it was.  Reading is still allowed. */
  size = (size_t)file_size(p);
  assert_true(size <= sizeof before);
  file_read(p, 0, before, size);
  assert_null(hvx_open(p, "vhdx", HVX_OPEN_WRITE));
  assert_hvx_error(EBADMSG, "vhdx: ");
  assert_hvx_error(EBADMSG, "refusing to write to an inconsistent image (2 "
                   "corruptions, the first: payload block 1 at 0x200000 "
                   "overlaps the metadata region at 0x200000");
  assert_int_equal(file_size(p), size);
  file_read(p, 0, after, size);
  assert_memory_equal(before, after, size);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0);
  hvx_close(img);
}

/* A partially present block whose chunk lost its sector bitmap. */
static void test_partial_without_bitmap(void **state)
{
  const char *pp = test_path("sb-parent.vhdx"), *cp = test_path("sb.vhdx");
  hvx_image *img = hvx_create(pp, "vhdx", 4 * MIB, "block_size=1M");
  uint8_t b[512] = { 7 };
  char opts[300];
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 0), 0);
  assert_int_equal(hvx_close(img), 0);
  put64_at(cp, bat_at(cp, 4096), 0); /* chunk 0's bitmap entry */
  img = hvx_open(cp, "vhdx", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), -1);
  assert_hvx_error(EBADMSG, "sector bitmap block of chunk 0 is not present");
  hvx_close(img);
  assert_int_equal(count_problems(cp, "has no sector bitmap block"), 1);
}

/* ---- random damage -------------------------------------------------- */

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void fix_crcs(const char *p)
{
  uint8_t *t = malloc(65536);
  for (int i = 0; i < 2; i++) {
    file_read(p, 0x10000 * (uint64_t)(i + 1), t, 4096);
    memset(t + 4, 0, 4);
    hvx_put_le32(t + 4, hvx_crc32c(0, t, 4096));
    file_write(p, 0x10000 * (uint64_t)(i + 1), t, 4096);
    file_read(p, 0x30000 + 0x10000 * (uint64_t)i, t, 65536);
    memset(t + 4, 0, 4);
    hvx_put_le32(t + 4, hvx_crc32c(0, t, 65536));
    file_write(p, 0x30000 + 0x10000 * (uint64_t)i, t, 65536);
  }
  free(t);
}

/* Damage the structures at random, with valid checksums, and use the
 * result: only errors may come of it. */
static void test_random_damage(void **state)
{
  const char *p = fresh("fuzz.vhdx");
  static const uint64_t places[][2] = {
    { 0x10000, 80 }, { 0x30000, 80 }, { 2 * MIB, 256 },
    { 2 * MIB + 65536, 64 }, { 3 * MIB, 64 },
  };
  static const uint32_t values[] = { 0, 1, 0xffffffffu, 0x80000000u,
                                     0x7fffffffu, 0x100000u, 4096, 512 };
  size_t sz = 5 * MIB;
  uint8_t *orig = malloc(sz), *buf = malloc(8 * MIB);
  (void)state;

  file_read(p, 0, orig, sz);
  for (int iter = 0; iter < 400; iter++) {
    int n = 1 + (int)(next_rand() % 4);
    hvx_image *img;
    for (int k = 0; k < n; k++) {
      const uint64_t *pl = places[next_rand() % 5];
      uint64_t at = pl[0] + (next_rand() % pl[1]) / 4 * 4;
      put32_at(p, at, values[next_rand() % 8] ^
               (next_rand() % 3 == 0 ? (uint32_t)next_rand() : 0));
    }
    if (iter % 2)
      fix_crcs(p);
    img = hvx_open(p, "vhdx", 0);
    if (img) {
      uint64_t size = (uint64_t)hvx_image_size(img), pnum;
      unsigned flags;
      for (uint64_t off = 0; off < size && off < 64 * MIB; off += MIB)
        hvx_pread(img, buf, (size_t)hvx_min_u64(MIB, size - off), off);
      if (size)
        hvx_block_status(img, 0, size, &pnum, &flags);
      hvx_check(img, NULL, NULL);
      hvx_image_info(img, pick_info, &(struct info_pick){ "x", "" });
      hvx_close(img);
    } else {
      assert_true(hvx_errno() != 0);
      assert_true(strstr(hvx_error(), "vhdx") != NULL);
    }
    file_write(p, 0, orig, sz);
  }
  free(orig);
  free(buf);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_not_vhdx),
    cmocka_unit_test(test_short_file),
    cmocka_unit_test(test_both_headers_bad),
    cmocka_unit_test(test_one_header_bad),
    cmocka_unit_test(test_header_version),
    cmocka_unit_test(test_sequence_exhausted),
    cmocka_unit_test(test_region_beyond_eof),
    cmocka_unit_test(test_region_count),
    cmocka_unit_test(test_region_unknown_required),
    cmocka_unit_test(test_region_duplicate_and_overlap),
    cmocka_unit_test(test_first_region_table_bad),
    cmocka_unit_test(test_block_sizes),
    cmocka_unit_test(test_sector_and_disk_size),
    cmocka_unit_test(test_bat_too_small),
    cmocka_unit_test(test_metadata_items),
    cmocka_unit_test(test_metadata_overlap),
    cmocka_unit_test(test_has_parent_without_locator),
    cmocka_unit_test(test_bad_parent_locator),
    cmocka_unit_test(test_log_fields),
    cmocka_unit_test(test_block_beyond_eof),
    cmocka_unit_test(test_bad_states),
    cmocka_unit_test(test_overlaps),
    cmocka_unit_test(test_partial_without_bitmap),
    cmocka_unit_test(test_random_damage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
