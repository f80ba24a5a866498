/* Unit tests: qcow2 error paths.  Each test takes a valid image, breaks
 * one header field or table entry, and checks the open/read/write/check
 * fails (or reports) with the right errno and a message naming it. */
#include "qcow2util.h"

#define CS 65536ull
#define L1_OFF (3 * CS)   /* where hvx_create puts the L1 table */

/* A fresh 1 MiB image with data in cluster 0 and a compressed cluster 1;
 * returns its path (a new file for each NAME). */
static const char *fresh(const char *name)
{
  const char *p = test_path(name);
  uint8_t b[CS];
  hvx_image *img;

  unlink(p);
  img = hvx_create(p, "qcow2", 1 << 20, NULL);
  assert_non_null(img);
  fill_pattern(b, sizeof b, 1);
  assert_int_equal(hvx_pwrite(img, b, 4096, 0), 0);
  memset(b, 'q', sizeof b);
  assert_int_equal(hvx_pwrite_compressed(img, b, CS, CS), 0);
  assert_int_equal(hvx_close(img), 0);
  return p;
}

static void expect_open_fail(const char *p, unsigned flags, int err,
                             const char *needle)
{
  hvx_image *img = hvx_open(p, "qcow2", flags);
  if (img) {
    hvx_close(img);
    fail_msg("open of %s succeeded; expected '%s'", p, needle);
  }
  assert_hvx_error(err, needle);
}

static uint64_t l2_offset(const char *p)
{
  return peek_be64(p, L1_OFF) & 0x00fffffffffffe00ull;
}

static void test_magic_version(void **state)
{
  const char *p = fresh("magic.qcow2");
  (void)state;

  file_write_be32(p, 4, 1);
  expect_open_fail(p, 0, ENOTSUP, "version 1 is not supported");
  /* Probing still picks qcow2, so the error is not "raw". */
  assert_null(hvx_open(p, NULL, 0));
  assert_hvx_error(ENOTSUP, "version 1");
  file_write_be32(p, 4, 3);
  file_write(p, 0, "QFI\xfa", 4);
  expect_open_fail(p, 0, EBADMSG, "bad magic");
}

static void test_cluster_bits(void **state)
{
  const char *p = fresh("cbits.qcow2");
  (void)state;

  file_write_be32(p, 20, 8);
  expect_open_fail(p, 0, EBADMSG, "cluster_bits 8 out of range 9..21");
  file_write_be32(p, 20, 22);
  expect_open_fail(p, 0, ENOTSUP, "cluster_bits 22");
  file_write_be32(p, 20, 0xffffffffu);
  expect_open_fail(p, 0, EBADMSG, "cluster_bits 4294967295");
}

static void test_sizes(void **state)
{
  const char *p = fresh("sizes.qcow2");
  (void)state;

  file_write_be64(p, 24, 1ull << 63);
  expect_open_fail(p, 0, EFBIG, "size 9223372036854775808");
  file_write_be64(p, 24, 1ull << 62);
  expect_open_fail(p, 0, EFBIG, "needs an L1 table");
  file_write_be64(p, 24, 1ull << 40); /* needs 2048 L1 entries, has 1 */
  expect_open_fail(p, 0, EBADMSG, "l1_size 1 too small");
  file_write_be64(p, 24, 1 << 20);
  file_write_be32(p, 36, 0xffffffffu);
  expect_open_fail(p, 0, EFBIG, "l1_size 4294967295 exceeds");
  file_write_be32(p, 36, 100000); /* 800000 bytes: past the end of the file */
  expect_open_fail(p, 0, EBADMSG, "beyond end of file");
}

static void test_table_offsets(void **state)
{
  const char *p = fresh("offsets.qcow2");
  (void)state;

  file_write_be64(p, 40, L1_OFF + 8);
  expect_open_fail(p, 0, EBADMSG, "l1_table_offset 0x30008");
  file_write_be64(p, 40, 1ull << 50);
  expect_open_fail(p, 0, EBADMSG, "L1 table at 0x4000000000000");
  file_write_be64(p, 40, L1_OFF);
  file_write_be64(p, 48, 1ull << 40);
  expect_open_fail(p, 0, EBADMSG, "refcount table at 0x10000000000");
  file_write_be64(p, 48, 100);
  expect_open_fail(p, 0, EBADMSG, "refcount_table_offset 0x64");
  file_write_be64(p, 48, CS);
  file_write_be32(p, 56, 0);
  expect_open_fail(p, 0, EBADMSG, "refcount_table_clusters is 0");
  file_write_be32(p, 56, 0x7fffffff);
  expect_open_fail(p, 0, EFBIG, "refcount_table_clusters 2147483647");
  file_write_be32(p, 56, 1);
  file_write_be32(p, 60, 1000000);
  expect_open_fail(p, 0, EBADMSG, "nb_snapshots 1000000");
}

static void test_header_fields(void **state)
{
  const char *p = fresh("fields.qcow2");
  (void)state;

  file_write_be32(p, 96, 7);
  expect_open_fail(p, 0, EBADMSG, "refcount_order 7");
  file_write_be32(p, 96, 4);
  file_write_be32(p, 100, 100);
  expect_open_fail(p, 0, EBADMSG, "header_length 100");
  file_write_be32(p, 100, 113);
  expect_open_fail(p, 0, EBADMSG, "header_length 113");
  file_write_be32(p, 100, 1u << 30);
  expect_open_fail(p, 0, EBADMSG, "header_length 1073741824");
  file_write_be32(p, 100, 112);
  file_write_be32(p, 32, 1);
  expect_open_fail(p, 0, ENOTSUP, "encrypted images (crypt_method 1, AES)");
  file_write_be32(p, 32, 2);
  expect_open_fail(p, 0, ENOTSUP, "LUKS");
  file_write_be32(p, 32, 9);
  expect_open_fail(p, 0, EBADMSG, "crypt_method 9");
}

static void test_incompatible_features(void **state)
{
  const char *p = fresh("incompat.qcow2");
  uint8_t ext[8 + 48 + 8] = { 0 };
  (void)state;

  file_write_be64(p, 72, 1ull << 2);
  expect_open_fail(p, 0, ENOTSUP, "external data files");
  file_write_be64(p, 72, 1ull << 4);
  expect_open_fail(p, 0, ENOTSUP, "extended L2 entries");
  file_write_be64(p, 72, 1ull << 3);
  expect_open_fail(p, 0, EBADMSG, "compression_type is 0");
  file_write(p, 104, "\x01", 1);
  expect_open_fail(p, 0, ENOTSUP, "zstd");
  file_write(p, 104, "\x05", 1);
  expect_open_fail(p, 0, ENOTSUP, "unknown compression_type 5");
  file_write_be64(p, 72, 0);
  expect_open_fail(p, 0, EBADMSG, "compression_type 5 without");
  file_write(p, 104, "\x00", 1);
  file_write_be64(p, 72, 1ull << 40);
  expect_open_fail(p, 0, ENOTSUP, "unknown incompatible feature bit 40");
  /* With a feature name table the error names the feature. */
  hvx_put_be32(ext, 0x6803f857);
  hvx_put_be32(ext + 4, 48);
  ext[8] = 0;
  ext[9] = 40;
  memcpy(ext + 10, "time travel", 11);
  file_write(p, 112, ext, sizeof ext);
  expect_open_fail(p, 0, ENOTSUP, "bit 40 (\"time travel\")");
}

static void test_extensions(void **state)
{
  const char *p = fresh("ext.qcow2");
  uint8_t e[16] = { 0 };
  static uint8_t many[CS - 112];
  hvx_image *img;
  (void)state;

  /* A length running past the header cluster. */
  hvx_put_be32(e, 0x12345678);
  hvx_put_be32(e + 4, 0xfffffff0u);
  file_write(p, 112, e, 8);
  expect_open_fail(p, 0, EBADMSG, "header extension 0x12345678 at offset "
                   "112: length 4294967280 runs past");
  /* Backing format twice. */
  hvx_put_be32(e, 0xe2792aca);
  hvx_put_be32(e + 4, 3);
  memcpy(e + 8, "raw", 3);
  file_write(p, 112, e, 16);
  file_write(p, 128, e, 16);
  expect_open_fail(p, 0, EBADMSG, "header extension 0xe2792aca appears "
                   "twice");
  /* An oversized backing format name. */
  hvx_put_be32(e + 4, 40);
  file_write(p, 112, e, 8);
  expect_open_fail(p, 0, EBADMSG, "backing format header extension length "
                   "40");
  /* The whole cluster full of empty unknown extensions, no end marker:
   * still a bounded walk, and the image opens. */
  for (size_t i = 0; i + 8 <= sizeof many; i += 8)
    hvx_put_be32(many + i, 0x0badcafe);
  file_write(p, 112, many, sizeof many);
  img = hvx_open(p, "qcow2", 0);
  if (!img)
    fail_msg("open: %s", hvx_error());
  hvx_close(img);
}

static void test_backing_name(void **state)
{
  const char *p = fresh("bname.qcow2");
  (void)state;

  file_write(p, 512, "nbd:foo", 7);
  file_write_be64(p, 8, 512);
  file_write_be32(p, 16, 2000);
  expect_open_fail(p, 0, EBADMSG, "backing_file_size 2000 exceeds 1023");
  file_write_be64(p, 8, CS - 3);
  file_write_be32(p, 16, 7);
  expect_open_fail(p, 0, EBADMSG, "outside the header cluster");
  file_write_be64(p, 8, 512);
  expect_open_fail(p, 0, EPERM, "names a protocol");
  file_write(p, 512, "/etc/passwd", 11);
  file_write_be32(p, 16, 11);
  expect_open_fail(p, 0, EPERM, "outside the image's directory");
  file_write(p, 512, "missing.raw", 11);
  expect_open_fail(p, 0, ENOENT, "missing.raw");
  file_write(p, 512, "a\0b", 3);
  file_write_be32(p, 16, 3);
  expect_open_fail(p, 0, EBADMSG, "NUL byte");
}

/* Two images naming each other as backing file. */
static void test_backing_cycle(void **state)
{
  const char *a = fresh("cyc-a.qcow2"), *b = fresh("cyc-b.qcow2");
  hvx_image *img;
  (void)state;

  file_write(a, 512, "cyc-b.qcow2", 11);
  file_write_be64(a, 8, 512);
  file_write_be32(a, 16, 11);
  file_write(b, 512, "cyc-a.qcow2", 11);
  file_write_be64(b, 8, 512);
  file_write_be32(b, 16, 11);
  expect_open_fail(a, 0, ELOOP, "cyclic");
  /* Without backing files it opens. */
  img = hvx_open(a, "qcow2", HVX_OPEN_NO_BACKING);
  assert_non_null(img);
  hvx_close(img);
  /* Writing an image whose backing file is not open would copy zeros
   * where the backing data should be: refused. */
  expect_open_fail(a, HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING, EINVAL,
                   "backing file");
}

static void test_truncated(void **state)
{
  const char *p = fresh("trunc.qcow2");
  uint8_t b[4096];
  hvx_image *img;
  (void)state;

  /* Lose the data clusters: the L2 table points past the end. */
  assert_int_equal(truncate(p, (off_t)(5 * CS)), 0);
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), -1);
  assert_hvx_error(EBADMSG, "beyond end of file");
  hvx_close(img);
  assert_int_equal(truncate(p, (off_t)(3 * CS)), 0);
  expect_open_fail(p, 0, EBADMSG, "L1 table at 0x30000 (8 bytes) extends "
                   "beyond end of file");
  assert_int_equal(truncate(p, 50), 0);
  expect_open_fail(p, 0, EBADMSG, "truncated");
  assert_int_equal(truncate(p, 0), 0);
  expect_open_fail(p, 0, EBADMSG, "truncated");
}

static void test_bad_entries(void **state)
{
  const char *p = fresh("entries.qcow2");
  uint64_t l2 = l2_offset(p), e1 = peek_be64(p, l2 + 8);
  uint8_t b[4096];
  hvx_image *img;
  (void)state;

  /* An L2 entry not aligned to a cluster. */
  file_write_be64(p, l2, (1ull << 63) | (5 * CS + 512));
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, 512, 0), -1);
  assert_hvx_error(EBADMSG, "not cluster-aligned");
  hvx_close(img);
  /* An L1 entry pointing past the end of the file. */
  file_write_be64(p, L1_OFF, (1ull << 63) | (1ull << 40));
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, 512, 0), -1);
  assert_hvx_error(EBADMSG, "L2 table for 0x0 at host offset 0x10000000000 "
                   "beyond end of file");
  hvx_close(img);
  /* Garbage where compressed data should be. */
  file_write_be64(p, L1_OFF, (1ull << 63) | l2);
  memset(b, 0xff, sizeof b);
  file_write(p, e1 & ((1ull << 54) - 1), b, 64);
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, 512, CS), -1);
  assert_hvx_error(EBADMSG, "compressed cluster for 0x10000");
  hvx_close(img);
}

static void test_dirty_corrupt_autoclear(void **state)
{
  const char *p = fresh("flags.qcow2");
  uint8_t b[4096], e[4096];
  hvx_image *img;
  (void)state;

  fill_pattern(e, sizeof e, 1);
  file_write_be64(p, 72, 1); /* dirty: reading is fine */
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0);
  assert_memory_equal(b, e, sizeof b);
  hvx_close(img);
  expect_open_fail(p, HVX_OPEN_WRITE, ENOTSUP, "dirty");
  file_write_be64(p, 72, 2); /* corrupt: reading is fine, writing is not */
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  hvx_close(img);
  expect_open_fail(p, HVX_OPEN_WRITE, EBADMSG, "marked corrupt");
  file_write_be64(p, 72, 0);
  file_write_be32(p, 60, 1);
  file_write_be64(p, 64, CS);
  expect_open_fail(p, HVX_OPEN_WRITE, ENOTSUP, "internal snapshots");
  file_write_be32(p, 60, 0);
  file_write_be64(p, 64, 0);
  /* Unknown autoclear bits are cleared by a writer. */
  file_write_be64(p, 88, 0x8000000000000003ull);
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, e, 100, 5000), 0);
  assert_int_equal(hvx_close(img), 0);
  assert_int_equal(peek_be64(p, 88), 0);
  assert_qemu_check_clean(p);
}

struct problems {
  int n[4];
  char last[256];
};

static void count_problem(void *opaque, int kind, uint64_t off,
                          const char *msg)
{
  struct problems *s = opaque;
  (void)off;
  s->n[kind]++;
  snprintf(s->last, sizeof s->last, "%s", msg);
}

static void check_expect(const char *p, int corrupt, int leaks,
                         const char *needle)
{
  struct problems s = { { 0 }, "" };
  hvx_image *img = hvx_open(p, "qcow2", HVX_OPEN_NO_BACKING);

  assert_non_null(img);
  assert_int_equal(hvx_check(img, count_problem, &s), corrupt + leaks);
  hvx_close(img);
  assert_int_equal(s.n[HVX_PROBLEM_CORRUPTION], corrupt);
  assert_int_equal(s.n[HVX_PROBLEM_LEAK], leaks);
  if (needle && !strstr(s.last, needle))
    fail_msg("last problem '%s' lacks '%s'", s.last, needle);
  /* qemu-img check agrees on the verdict: 2 corruption, 3 leaks. */
  if (have_qemu_img())
    assert_int_equal(run_cmd("qemu-img check -q -f qcow2 '%s' >/dev/null "
                             "2>&1", p), corrupt ? 2 : leaks ? 3 : 0);
}

static void test_check(void **state)
{
  const char *p = fresh("check.qcow2");
  uint64_t l2 = l2_offset(p), data = peek_be64(p, l2) & ~(1ull << 63);
  uint8_t rc[2];
  (void)state;

  check_expect(p, 0, 0, NULL);
  /* Header refcount 2: a leak. */
  hvx_put_be16(rc, 2);
  file_write(p, 2 * CS, rc, 2);
  check_expect(p, 0, 1, "cluster 0x0 leaked: refcount 2, 1 references");
  /* Data cluster refcount 0: corruption (and COPIED now wrong). */
  hvx_put_be16(rc, 1);
  file_write(p, 2 * CS, rc, 2);
  hvx_put_be16(rc, 0);
  file_write(p, 2 * CS + 2 * (data / CS), rc, 2);
  check_expect(p, 2, 0, "has refcount 0 but 1 references");
  hvx_put_be16(rc, 1);
  file_write(p, 2 * CS + 2 * (data / CS), rc, 2);
  check_expect(p, 0, 0, NULL);
  /* Data "in" the refcount block: overlap, refcount and COPIED. */
  file_write_be64(p, l2, (1ull << 63) | (2 * CS));
  check_expect(p, 2, 1, NULL);
}

static void test_check_beyond_eof(void **state)
{
  const char *p = fresh("check-eof.qcow2");
  uint64_t l2 = l2_offset(p);
  struct problems s = { { 0 }, "" };
  hvx_image *img;
  (void)state;

  file_write_be64(p, l2, (1ull << 63) | (1ull << 40));
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_true(hvx_check(img, count_problem, &s) >= 1);
  assert_true(s.n[HVX_PROBLEM_CORRUPTION] >= 1);
  hvx_close(img);
}

/* Found by the convert fuzz target: a refcount for a cluster past the
 * end of the file went unreported (qemu-img check does not look there
 * either), yet the allocator steps over it, so writes that grow the
 * file leave it behind as a leak that both then see. */
static void test_check_refcount_beyond_eof(void **state)
{
  const char *p = fresh("check-rc-eof.qcow2");
  struct problems s = { { 0 }, "" };
  uint8_t rc[2], b[2 * CS];
  struct stat st;
  hvx_image *img;
  uint64_t beyond;
  (void)state;

  assert_int_equal(stat(p, &st), 0);
  beyond = (uint64_t)st.st_size / CS + 1;
  hvx_put_be16(rc, 1);
  file_write(p, 2 * CS + 2 * beyond, rc, 2);
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_check(img, count_problem, &s), 1);
  assert_int_equal(s.n[HVX_PROBLEM_LEAK], 1);
  assert_non_null(strstr(s.last, "refcount block at 0x20000 counts clusters "
                                 "beyond the end of the file"));
  hvx_close(img);
  /* Growing the file makes it an ordinary leak, for qemu too. */
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  assert_non_null(img);
  fill_pattern(b, sizeof b, 3);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 8 * CS), 0);
  assert_int_equal(hvx_close(img), 0);
  check_expect(p, 0, 1, "leaked: refcount 1, 0 references");
}

/* Found by the convert fuzz target: in an image whose refcount block is
 * also guest cluster 0's data, allocating any other cluster changed
 * guest data at 0 (and with an L2 table that is also the refcount
 * table, worse).  hvx now checks an image before writing to it and
 * refuses one with any corruption; reading it is still allowed. */
static void test_write_refused_when_corrupt(void **state)
{
  const char *p = fresh("write-corrupt.qcow2");
  uint64_t l2 = l2_offset(p), data = peek_be64(p, l2) & ~(1ull << 63);
  uint8_t before[4096], after[4096], b[512];
  hvx_image *img;
  (void)state;

  /* Guest cluster 0 "in" the refcount block. */
  file_write_be64(p, l2, (1ull << 63) | (2 * CS));
  file_read(p, 0, before, sizeof before);
  expect_open_fail(p, HVX_OPEN_WRITE, EBADMSG, "refusing to write to an "
                   "inconsistent image (2 corruptions, the first: cluster "
                   "0x20000 is used as both refcount block and data)");
  file_read(p, 0, after, sizeof after);
  assert_memory_equal(before, after, sizeof before);
  img = hvx_open(p, "qcow2", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, b, sizeof b, 0), 0);
  hvx_close(img);

  /* Two guest clusters sharing one host cluster whose refcount is 1:
   * writing one in place would change the other. */
  file_write_be64(p, l2, (1ull << 63) | data);
  file_write_be64(p, l2 + 16, (1ull << 63) | data);
  expect_open_fail(p, HVX_OPEN_WRITE, EBADMSG, "has refcount 1 but 2 "
                   "references");
  /* Once consistent again, writes are allowed. */
  file_write_be64(p, l2 + 16, 0);
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 2 * CS), 0);
  assert_int_equal(hvx_close(img), 0);
  check_expect(p, 0, 0, NULL);
}

static void test_create_options(void **state)
{
  static const struct {
    uint64_t size;
    const char *opts;
    int err;
    const char *needle;
  } bad[] = {
    { 1 << 20, "cluster_size=1000", EINVAL, "cluster_size 1000" },
    { 1 << 20, "cluster_size=4M", EINVAL, "cluster_size 4194304" },
    { 1 << 20, "compat=0.9", EINVAL, "compat '0.9'" },
    { 1 << 20, "lazy_refcounts=on", ENOTSUP, "lazy_refcounts" },
    { 1 << 20, "refcount_bits=3", EINVAL, "refcount_bits '3'" },
    { 1 << 20, "compat=0.10,refcount_bits=8", EINVAL, "refcount_bits=16" },
    { 1 << 20, "backing_fmt=raw", EINVAL, "backing_fmt given without" },
    { 1 << 20, "encryption=on", EINVAL, "unknown option 'encryption'" },
    { 1 << 20, "backing_file=nbd:x:1", EPERM, "protocol" },
    { 1ull << 62, "cluster_size=512", EFBIG, "L1 table" },
  };
  const char *p = test_path("opts.qcow2");
  struct stat st;
  (void)state;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_null(hvx_create(p, "qcow2", bad[i].size, bad[i].opts));
    assert_hvx_error(bad[i].err, bad[i].needle);
    assert_int_equal(stat(p, &st), -1); /* nothing left behind */
  }
}

/* Random corruption of the metadata clusters: whatever happens, no
 * crash, no hang, and every failure comes with an error message.  (Run
 * under the sanitizer build, this is the memory-safety test.) */
static uint64_t xorshift(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int exercise(const char *p)
{
  static uint8_t buf[256 << 10];
  uint64_t off = 0, pnum;
  unsigned flags;
  hvx_image *img = hvx_open(p, "qcow2", 0);

  if (!img) {
    assert_true(hvx_errno() != 0 && hvx_error()[0] != '\0');
    return 0;
  }
  while (off < (uint64_t)hvx_image_size(img) &&
         hvx_block_status(img, off, hvx_image_size(img) - off, &pnum,
                          &flags) == 0)
    off += pnum;
  (void)hvx_pread(img, buf, (size_t)hvx_min_u64(sizeof buf,
                  (uint64_t)hvx_image_size(img)), 0);
  (void)hvx_check(img, NULL, NULL);
  hvx_close(img);
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  if (img) {
    fill_pattern(buf, 9000, 5);
    if (hvx_image_size(img) > 20000)
      (void)hvx_pwrite(img, buf, 9000, 10000);
    (void)hvx_zero(img, 0, (uint64_t)hvx_image_size(img) / 2,
                   HVX_ZERO_MAY_UNMAP);
    hvx_close(img);
  }
  return 1;
}

static void test_fuzz(void **state)
{
  const char *p = test_path("fuzz.qcow2"), *orig = test_path("fuzz.orig");
  static uint8_t b[24 * 4096], pristine[24 * 4096];
  size_t len;
  uint64_t seed = 0x1234567;
  hvx_image *img;
  int opened = 0;
  FILE *f;
  (void)state;

  img = hvx_create(orig, "qcow2", 256 << 10, "cluster_size=4096");
  assert_non_null(img);
  fill_pattern(b, sizeof b, 7);
  assert_int_equal(hvx_pwrite(img, b, 20000, 3000), 0);
  memset(b, 'z', 4096);
  assert_int_equal(hvx_pwrite_compressed(img, b, 4096, 40960), 0);
  assert_int_equal(hvx_close(img), 0);
  f = fopen(orig, "rb");
  assert_non_null(f);
  len = fread(pristine, 1, sizeof pristine, f);
  assert_true(len > 10 * 4096 && len < sizeof pristine);
  fclose(f);
  for (int i = 0; i < 400; i++) {
    memcpy(b, pristine, sizeof b);
    for (int k = 1 + (int)(xorshift(&seed) % 4); k > 0; k--) {
      uint64_t r = xorshift(&seed);
      size_t at = (size_t)(r % len);
      if (r >> 60 < 6)
        at = (size_t)(r % 128); /* mostly the header */
      b[at] = (uint8_t)(r >> 32);
    }
    write_file(p, b, len);
    opened += exercise(p);
  }
  /* Most mutations leave an image that opens, so reads, checks and
   * writes of damaged metadata were exercised too. */
  assert_true(opened > 100);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_magic_version),
    cmocka_unit_test(test_cluster_bits),
    cmocka_unit_test(test_sizes),
    cmocka_unit_test(test_table_offsets),
    cmocka_unit_test(test_header_fields),
    cmocka_unit_test(test_incompatible_features),
    cmocka_unit_test(test_extensions),
    cmocka_unit_test(test_backing_name),
    cmocka_unit_test(test_backing_cycle),
    cmocka_unit_test(test_truncated),
    cmocka_unit_test(test_bad_entries),
    cmocka_unit_test(test_dirty_corrupt_autoclear),
    cmocka_unit_test(test_check),
    cmocka_unit_test(test_check_beyond_eof),
    cmocka_unit_test(test_check_refcount_beyond_eof),
    cmocka_unit_test(test_write_refused_when_corrupt),
    cmocka_unit_test(test_create_options),
    cmocka_unit_test(test_fuzz),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
