/* Unit tests: hostile and damaged VHD files -- every one must give a
 * clear error (or a check problem) naming the structure, never a crash,
 * a hang or a huge allocation.  The files are made by hvx and then
 * patched; vhd-testutil.h re-seals checksums where a test wants only one
 * field to be wrong. */
#include "testutil.h"
#include "vhd-testutil.h"

#define MIB (1u << 20)
#define BAT 1536u /* where hvx puts the BAT */

static const char *make(const char *name, uint64_t size, const char *opts)
{
  const char *p = test_path(name);
  hvx_image *img;

  unlink(p);
  img = hvx_create(p, "vhd", size, opts);
  assert_non_null(img);
  assert_int_equal(hvx_close(img), 0);
  return p;
}

static void write_data(const char *p, uint64_t off, size_t n)
{
  uint8_t buf[4096];
  hvx_image *img = hvx_open(p, "vhd", HVX_OPEN_WRITE);

  assert_non_null(img);
  assert_true(n <= sizeof buf);
  fill_pattern(buf, n, off);
  assert_int_equal(hvx_pwrite(img, buf, n, off), 0);
  assert_int_equal(hvx_close(img), 0);
}

static void expect_open_error(const char *p, const char *fmt, int err,
                              const char *needle)
{
  hvx_image *img = hvx_open(p, fmt, 0);
  if (img)
    fail_msg("%s opened, expected '%s'", p, needle);
  if (hvx_errno() != err)
    fail_msg("errno %d, expected %d: %s", hvx_errno(), err, hvx_error());
  assert_hvx_error(err, needle);
}

/* Damage a byte of the LEN-byte structure at OFF of P; opening must name
 * WHAT with the stored and the computed checksum. */
static void expect_checksum_error(const char *p, uint64_t off, size_t len,
                                  size_t csum_off, const char *what)
{
  uint8_t b[1024], junk = 0x77;
  char want[160];

  file_write(p, off + 200, &junk, 1);
  file_read(p, off, b, len);
  snprintf(want, sizeof want, "%s: checksum mismatch: stored 0x%08x, "
           "computed 0x%08x", what, hvx_be32(b + csum_off),
           vhd_checksum(b, len, csum_off));
  expect_open_error(p, NULL, EBADMSG, want);
  expect_open_error(p, "vhd", EBADMSG, want);
}

static void test_footer_checksum(void **state)
{
  (void)state;
  expect_checksum_error(make("fsum.vhd", MIB, "subformat=fixed"), MIB, 512,
                        VHD_F_CHECKSUM, "footer at 0x100000");
}

static void test_both_footers_bad(void **state)
{
  const char *p = make("fsum2.vhd", MIB, NULL);
  uint8_t junk = 0x77;
  (void)state;

  file_write(p, file_size(p) - 300, &junk, 1);
  file_write(p, 300, &junk, 1);
  expect_open_error(p, "vhd", EBADMSG, "and no valid footer copy");
}

static void test_not_vhd(void **state)
{
  const char *p = test_path("junk.bin");
  uint8_t buf[4096];
  (void)state;

  unlink(p);
  fill_pattern(buf, sizeof buf, 1);
  assert_int_equal(creat(p, 0644) >= 0, 1);
  file_write(p, 0, buf, sizeof buf);
  expect_open_error(p, "vhd", EBADMSG, "no footer cookie 'conectix'");
  assert_int_equal(truncate(p, 100), 0);
  expect_open_error(p, "vpc", EBADMSG, "too small to hold a VHD footer");
  /* Probing leaves it to raw. */
  assert_string_equal(hvx_probe(p), "raw");
}

static void test_header_checksum_and_cookie(void **state)
{
  const char *p;
  (void)state;

  expect_checksum_error(make("hsum.vhd", MIB, NULL), HDR, 1024,
                        VHD_H_CHECKSUM, "dynamic disk header at 0x200");
  p = make("hcookie.vhd", MIB, NULL);
  file_write(p, HDR, "cxsparsX", 8);
  reseal_at(p, HDR, 1024, VHD_H_CHECKSUM);
  expect_open_error(p, NULL, EBADMSG, "cookie is not 'cxsparse'");
}

static void test_block_sizes(void **state)
{
  static const struct { uint32_t bs; int err; const char *msg; } t[] = {
    { 0, EBADMSG, "block size 0 is not a power of two" },
    { 3000, EBADMSG, "block size 3000 is not a power of two" },
    { 256, EBADMSG, "block size 256 is not a power of two of at least 512" },
    { 1u << 30, ENOTSUP, "block size 1073741824 larger than" },
  };
  (void)state;

  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const char *p = make("bs.vhd", 4 * MIB, NULL);
    patch_header32(p, VHD_H_BLOCK_SIZE, t[i].bs);
    expect_open_error(p, NULL, t[i].err, t[i].msg);
  }
}

static void test_bat_bounds(void **state)
{
  const char *p = make("maxent.vhd", 4 * MIB, NULL);
  (void)state;

  /* 4 billion entries would be 16 GiB of BAT: refused before reading. */
  patch_header32(p, VHD_H_MAX_ENTRIES, 0xFFFFFFFFu);
  expect_open_error(p, NULL, EBADMSG, "BAT at 0x600 with 4294967295 entries "
                    "(max table entries) extends past the end of the file");

  p = make("fewent.vhd", 4 * MIB, NULL);
  patch_header32(p, VHD_H_MAX_ENTRIES, 1);
  expect_open_error(p, NULL, EBADMSG, "max table entries 1 of 2097152-byte "
                    "blocks cover 2097152 bytes, less than the disk size "
                    "4194304");

  p = make("batoff.vhd", 4 * MIB, NULL);
  patch_header64(p, VHD_H_TABLE_OFFSET, 1ull << 40);
  expect_open_error(p, NULL, EBADMSG, "BAT at 0x10000000000");

  p = make("dataoff.vhd", 4 * MIB, NULL);
  patch_footer32(p, VHD_F_DATA_OFFSET + 4, 0x7FFFFE00u);
  expect_open_error(p, NULL, EBADMSG, "footer data offset 0x7ffffe00");
}

static void test_sizes(void **state)
{
  const char *p = make("bigcur.vhd", 4 * MIB, NULL);
  (void)state;

  /* 2^62 bytes: far more than the BAT covers. */
  patch_footer32(p, VHD_F_CUR_SIZE, 0x40000000u);
  expect_open_error(p, NULL, EBADMSG, "less than the disk size");
  patch_footer32(p, VHD_F_CUR_SIZE, 0xFFFFFFFFu);
  expect_open_error(p, NULL, EFBIG, "current size");

  p = make("trunc.vhd", MIB, "subformat=fixed");
  patch_footer32(p, VHD_F_CUR_SIZE + 4, 2 * MIB);
  expect_open_error(p, NULL, EBADMSG, "fixed disk of 2097152 bytes needs a "
                    "file of at least 2097664 bytes, but the file has 1049088");

  p = make("type.vhd", MIB, "subformat=fixed");
  patch_footer32(p, VHD_F_TYPE, 5);
  expect_open_error(p, NULL, ENOTSUP, "disk type 5 not supported");
  patch_footer32(p, VHD_F_TYPE, 2);
  patch_footer32(p, VHD_F_VERSION, 0x00020000);
  expect_open_error(p, NULL, ENOTSUP, "version 0x00020000 not supported");
}

/* The size rule on footers crafted for each kind of creator. */
static void test_size_rule_files(void **state)
{
  static const struct { const char *creator; uint32_t geo; uint64_t size; }
  t[] = {
    { "vpc ", 18u << 16 | 16 << 8 | 63, 9289728 },
    { "qemu", 18u << 16 | 16 << 8 | 63, 9289728 },
    { "xen ", 18u << 16 | 16 << 8 | 63, 10000384 },
    { "d2v\0", 18u << 16 | 16 << 8 | 63, 10000384 },
    { "vpc ", 65535u << 16 | 16 << 8 | 255, 10000384 },
  };
  (void)state;

  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const char *p = make("rule.vhd", 10000384, "subformat=fixed");
    hvx_image *img;
    patch_footer32(p, VHD_F_CREATOR_APP, hvx_be32(t[i].creator));
    patch_footer32(p, VHD_F_GEOMETRY, t[i].geo);
    img = hvx_open(p, NULL, 0);
    assert_non_null(img);
    assert_int_equal(hvx_image_size(img), (int64_t)t[i].size);
    hvx_close(img);
  }
}

/* A Virtual PC 2004 era fixed disk: the footer is the last 511 bytes. */
static void test_legacy_footer(void **state)
{
  const char *p = make("legacy.vhd", MIB, "subformat=fixed");
  hvx_image *img;
  uint8_t b[512];
  (void)state;

  write_data(p, MIB - 512, 512);
  assert_int_equal(truncate(p, MIB + 511), 0);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(hvx_image_format(img), "vhd");
  assert_int_equal(hvx_image_size(img), MIB);
  assert_int_equal(hvx_pread(img, b, 512, MIB - 512), 0);
  assert_false(hvx_is_zero(b, 512));
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  hvx_close(img);
}

/* Open P; reading at VOFF must fail with READ_ERR (unless NULL); check
 * must find exactly one problem, NEEDLE at OFFSET. */
static void expect_one_problem(const char *p, uint64_t voff,
                               const char *read_err, uint64_t offset,
                               const char *needle)
{
  struct problems pr = { 0 };
  hvx_image *img = hvx_open(p, NULL, 0);
  uint8_t b[512];

  assert_non_null(img);
  if (read_err) {
    assert_int_equal(hvx_pread(img, b, 512, voff), -1);
    assert_hvx_error(EBADMSG, read_err);
  }
  assert_int_equal(hvx_pread(img, b, 512, 0), 0);
  assert_int_equal(hvx_check(img, collect_problem, &pr), 1);
  assert_problem(&pr, offset, needle);
  hvx_close(img);
}

static void test_bat_entries(void **state)
{
  const char *p = make("batent.vhd", 4 * MIB, NULL);
  uint8_t b[4];
  uint32_t e0;
  (void)state;

  write_data(p, 0, 512);
  write_data(p, 2 * MIB, 512);
  file_read(p, BAT, b, 4);
  e0 = hvx_be32(b);
  file_write_be32(p, BAT + 4, 0x10000000u);
  expect_one_problem(p, 2 * MIB, "BAT entry 1: block at 0x2000000000",
                     0x2000000000ull, "beyond the end of the file");
  file_write_be32(p, BAT + 4, BAT / 512);
  expect_one_problem(p, 2 * MIB, "overlaps the block allocation table at "
                     "0x600", BAT, "overlaps the block allocation table");
  /* Entries 0 and 1 share a block. */
  file_write_be32(p, BAT + 4, e0);
  expect_one_problem(p, 0, NULL, (uint64_t)e0 * 512, "blocks of BAT entries "
                     "0 and 1 overlap");
  /* Writing through entry 1 would change block 0's data (the convert
   * fuzz target's in-place writes found that for qcow2): refused. */
  assert_null(hvx_open(p, "vhd", HVX_OPEN_WRITE));
  assert_hvx_error(EBADMSG, "vhd: ");
  assert_hvx_error(EBADMSG, "batent.vhd: refusing to write to an inconsistent "
                   "image (1 corruption, the first: blocks of BAT entries 0 "
                   "and 1 overlap at");
}

/* A dynamic disk cut in the middle of its last block. */
static void test_truncated_dynamic(void **state)
{
  const char *p = make("cut.vhd", 4 * MIB, NULL);
  struct problems pr = { 0 };
  hvx_image *img;
  uint8_t b[512];
  (void)state;

  write_data(p, 0, 512);
  write_data(p, 2 * MIB, 512);
  assert_int_equal(truncate(p, file_size(p) - MIB), 0);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, 512, 0), 0);
  assert_int_equal(hvx_pread(img, b, 512, 2 * MIB), -1);
  assert_hvx_error(EBADMSG, "BAT entry 1");
  assert_true(hvx_check(img, collect_problem, &pr) >= 2);
  assert_problem(&pr, file_size(p) - 512, "footer at the end of the file");
  hvx_close(img);
}

/* Rewrite locator I of the differencing disk P: CODE, its data at the
 * existing offset, and the data space field. */
static void set_locator(const char *p, int i, uint32_t code,
                        const uint8_t *data, uint32_t len, uint32_t space)
{
  uint64_t e = HDR + VHD_H_LOCATORS + (uint64_t)i * VHD_LOCATOR_SIZE;
  uint8_t off[8];

  file_read(p, e + 16, off, 8);
  file_write_be32(p, e, code);
  file_write_be32(p, e + 4, space);
  file_write_be32(p, e + 8, len);
  if (data)
    file_write(p, hvx_be64(off), data, len);
  reseal_at(p, HDR, 1024, VHD_H_CHECKSUM);
}

static void clear_parent_name(const char *p)
{
  uint8_t z[512] = { 0 };
  file_write(p, HDR + VHD_H_PARENT_NAME, z, sizeof z);
  reseal_at(p, HDR, 1024, VHD_H_CHECKSUM);
}

static uint32_t utf16(const char *s, bool le, uint8_t *out)
{
  int n = vhd_utf16_encode(s, le, out, 512, "test");
  assert_true(n > 0);
  return (uint32_t)n;
}

static void test_locator_bounds(void **state)
{
  const char *c;
  (void)state;

  make("lparent.vhd", MIB, NULL);
  c = make("lchild.vhd", 0, "parent=lparent.vhd");
  set_locator(c, 0, VHD_PLAT_W2KU, NULL, 70000, 70144);
  expect_open_error(c, NULL, EBADMSG, "parent locator 0: data length 70000 "
                    "exceeds");
  c = make("lchild.vhd", 0, "parent=lparent.vhd");
  set_locator(c, 1, VHD_PLAT_W2RU, NULL, 60000, 60000);
  expect_open_error(c, NULL, EBADMSG, "parent locator 1: data at 0x");
  expect_open_error(c, NULL, EBADMSG, "(60000 bytes) extends past the end");
}

/* Windows' paths: a drive letter (not followed; the file name is looked
 * for beside the child), data space in sectors or bytes, big-endian
 * UTF-16, backslashes into a subdirectory. */
static void test_windows_locators(void **state)
{
  const char *c;
  hvx_image *img;
  uint8_t d[512];
  uint32_t n;
  char sub[256];
  (void)state;

  make("wparent.vhd", MIB, NULL);
  c = make("wchild.vhd", 0, "parent=wparent.vhd");
  n = utf16("C:\\Hyper-V\\Disks\\wparent.vhd", true, d);
  set_locator(c, 0, VHD_PLAT_W2KU, d, n, 1); /* space in sectors */
  set_locator(c, 1, 0, NULL, 0, 0);
  clear_parent_name(c);
  img = hvx_open(c, NULL, 0);
  if (!img)
    fail_msg("%s", hvx_error());
  assert_non_null(hvx_image_backing(img));
  hvx_close(img);

  n = utf16(".\\wparent.vhd", false, d); /* big-endian */
  set_locator(c, 0, VHD_PLAT_W2RU, d, n, 512);
  img = hvx_open(c, NULL, 0);
  assert_non_null(img);
  hvx_close(img);

  snprintf(sub, sizeof sub, "%s", test_path("sub"));
  assert_int_equal(mkdir(sub, 0755), 0);
  make("sub/sparent.vhd", MIB, NULL);
  c = make("schild.vhd", 0, "parent=sub/sparent.vhd");
  n = utf16(".\\sub\\sparent.vhd", true, d);
  set_locator(c, 1, VHD_PLAT_W2RU, d, n, 512);
  set_locator(c, 0, 0, NULL, 0, 0);
  clear_parent_name(c);
  img = hvx_open(c, NULL, 0);
  assert_non_null(img);
  assert_string_equal(hvx_image_filename(hvx_image_backing(img)) +
                      strlen(hvx_image_filename(hvx_image_backing(img))) -
                      strlen("sub/sparent.vhd"), "sub/sparent.vhd");
  hvx_close(img);
}

static void test_locator_loops_and_junk(void **state)
{
  const char *c;
  uint8_t d[512], self[40];
  uint32_t n;
  (void)state;

  make("yparent.vhd", MIB, NULL);
  c = make("ychild.vhd", 0, "parent=yparent.vhd");
  /* The child names itself (and claims its own unique ID). */
  file_read(c, VHD_F_UUID, self, 16);
  file_write(c, HDR + VHD_H_PARENT_UUID, self, 16);
  n = utf16(".\\ychild.vhd", true, d);
  set_locator(c, 1, VHD_PLAT_W2RU, d, n, 512);
  set_locator(c, 0, 0, NULL, 0, 0);
  clear_parent_name(c);
  expect_open_error(c, NULL, ELOOP, "cyclic");

  /* An unpaired surrogate: the locator is unusable, nothing else left. */
  d[0] = 'a', d[1] = 0, d[2] = 0x00, d[3] = 0xD8;
  set_locator(c, 1, VHD_PLAT_W2RU, d, 4, 512);
  expect_open_error(c, NULL, EBADMSG, "without a usable parent locator");
}

/* A parent outside the child's directory is followed only when allowed;
 * a name that is a directory is no candidate. */
static void test_locator_policy(void **state)
{
  char dir[256];
  const char *c;
  hvx_image *img;
  uint8_t d[512];
  (void)state;

  snprintf(dir, sizeof dir, "%s", test_path("inner"));
  assert_int_equal(mkdir(dir, 0755), 0);
  make("outer.vhd", MIB, NULL);
  c = make("inner/ichild.vhd", 0, "parent=../outer.vhd");
  expect_open_error(c, NULL, EPERM, "lies outside the image's directory");
  img = hvx_open(c, NULL, HVX_OPEN_BACKING_ANYWHERE);
  assert_non_null(img);
  hvx_close(img);

  set_locator(c, 0, 0, NULL, 0, 0);
  set_locator(c, 1, VHD_PLAT_W2RU, d, utf16("..", true, d), 512);
  clear_parent_name(c);
  expect_open_error(c, NULL, ENOENT, "parent image not found (tried '..')");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_footer_checksum),
    cmocka_unit_test(test_both_footers_bad),
    cmocka_unit_test(test_not_vhd),
    cmocka_unit_test(test_header_checksum_and_cookie),
    cmocka_unit_test(test_block_sizes),
    cmocka_unit_test(test_bat_bounds),
    cmocka_unit_test(test_sizes),
    cmocka_unit_test(test_size_rule_files),
    cmocka_unit_test(test_legacy_footer),
    cmocka_unit_test(test_bat_entries),
    cmocka_unit_test(test_truncated_dynamic),
    cmocka_unit_test(test_locator_bounds),
    cmocka_unit_test(test_windows_locators),
    cmocka_unit_test(test_locator_loops_and_junk),
    cmocka_unit_test(test_locator_policy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
