/* Unit tests: VHD images made and written by hvx -- fixed, dynamic and
 * differencing round trips, sizes, options, block status, zeroing, the
 * footer copy fallback. */
#include "testutil.h"
#include "vhd-testutil.h"

#define MIB (1u << 20)

struct info {
  char subformat[32], creator[32], geometry[32], unique_id[40];
  char parent_uuid[40], parent_name[256];
  uint64_t current, block_size;
};

static void take_info(void *opaque, const char *k, const char *v)
{
  struct info *i = opaque;
#define COPY(key, field) \
  if (strcmp(k, key) == 0) snprintf(i->field, sizeof i->field, "%s", v)
  COPY("subformat", subformat);
  COPY("creator_app", creator);
  COPY("disk_geometry", geometry);
  COPY("unique_id", unique_id);
  COPY("parent_uuid", parent_uuid);
  COPY("parent_name", parent_name);
#undef COPY
  if (strcmp(k, "current_size") == 0)
    i->current = strtoull(v, NULL, 10);
  if (strcmp(k, "block_size") == 0)
    i->block_size = strtoull(v, NULL, 10);
}

static struct info get_info(hvx_image *img)
{
  struct info i = { 0 };
  assert_int_equal(hvx_image_info(img, take_info, &i), 0);
  return i;
}

/* Write pattern pieces (unaligned, across blocks) to IMG and to the
 * expected buffer EXP of the whole disk. */
static void write_pieces(hvx_image *img, uint8_t *exp, uint64_t size)
{
  static const struct { uint64_t off, len; } w[] = {
    { 0, 512 }, { 1000, 100 }, { 511, 1 }, { 4096, 65536 },
    { 512 * 1024 - 300, 700 }, { 3 * MIB - 7, 1234 }, { 2 * MIB, 4096 },
  };
  uint8_t buf[65536];

  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
    if (w[i].off + w[i].len > size)
      continue;
    fill_pattern(buf, w[i].len, w[i].off + 17 * i);
    assert_int_equal(hvx_pwrite(img, buf, w[i].len, w[i].off), 0);
    memcpy(exp + w[i].off, buf, w[i].len);
  }
}

static void assert_content(hvx_image *img, const uint8_t *exp, uint64_t size)
{
  uint8_t *got = malloc(size);
  assert_non_null(got);
  assert_int_equal(hvx_pread(img, got, size, 0), 0);
  for (uint64_t i = 0; i < size; i++)
    if (got[i] != exp[i])
      fail_msg("byte %llu: got 0x%02x, expected 0x%02x",
               (unsigned long long)i, got[i], exp[i]);
  free(got);
}

static void round_trip(const char *name, const char *opts, uint64_t size,
                       const char *subformat)
{
  const char *p = test_path(name);
  uint8_t *exp = calloc(1, size);
  hvx_image *img;
  struct info i;

  assert_non_null(exp);
  img = hvx_create(p, "vhd", size, opts);
  assert_non_null(img);
  assert_int_equal(hvx_image_size(img), (int64_t)size);
  write_pieces(img, exp, size);
  assert_content(img, exp, size);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_open(p, NULL, 0); /* probed */
  assert_non_null(img);
  assert_string_equal(hvx_image_format(img), "vhd");
  assert_int_equal(hvx_image_size(img), (int64_t)size);
  i = get_info(img);
  assert_string_equal(i.subformat, subformat);
  assert_string_equal(i.creator, "win ");
  assert_int_equal(i.current, size);
  assert_content(img, exp, size);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  hvx_close(img);
  free(exp);
}

static void test_fixed_round_trip(void **state)
{
  (void)state;
  round_trip("f.vhd", "subformat=fixed", 5 * MIB, "fixed");
}

static void test_dynamic_round_trip(void **state)
{
  (void)state;
  round_trip("d.vhd", NULL, 5 * MIB, "dynamic");
  round_trip("d512k.vhd", "block_size=512K", 5 * MIB + 3 * 512, "dynamic");
}

/* Sizes that are not CHS products keep their exact value. */
static void test_exact_sizes(void **state)
{
  static const uint64_t sizes[] = { 10000384, 4ull << 30, (4ull << 30) + 512,
                                    3 * MIB + 7 * 512, 512 };
  static const char *const opts[] = { "subformat=fixed", "subformat=dynamic" };
  (void)state;

  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (int o = 0; o < 2; o++) {
      const char *p = test_path("exact.vhd");
      hvx_image *img = hvx_create(p, "vhd", sizes[s], opts[o]);
      struct vhd_chs g = vhd_chs_from_size(sizes[s]);
      char geo[32];
      uint8_t last[512], back[512];

      assert_non_null(img);
      fill_pattern(last, sizeof last, sizes[s]);
      assert_int_equal(hvx_pwrite(img, last, 512, sizes[s] - 512), 0);
      hvx_close(img);
      img = hvx_open(p, "vpc", 0);
      assert_non_null(img);
      assert_int_equal(hvx_image_size(img), (int64_t)sizes[s]);
      snprintf(geo, sizeof geo, "%u/%u/%u", g.cylinders, g.heads, g.spt);
      assert_string_equal(get_info(img).geometry, geo);
      assert_int_equal(hvx_pread(img, back, 512, sizes[s] - 512), 0);
      assert_memory_equal(back, last, 512);
      hvx_close(img);
      unlink(p);
    }
}

static void test_create_option_errors(void **state)
{
  static const struct {
    uint64_t size;
    const char *opts;
    int err;
    const char *msg;
  } t[] = {
    { MIB + 1, NULL, EINVAL, "not a multiple of 512 bytes" },
    { MIB + 1, NULL, EINVAL, "nearest valid sizes: 1048576 or 1049088" },
    { MIB, "subformat=sparse", EINVAL, "unknown subformat 'sparse'" },
    { MIB, "block_size=3M", EINVAL, "block_size 3145728 must be a power" },
    { MIB, "block_size=256K", EINVAL, "from 512 KiB to 256 MiB" },
    { MIB, "subformat=fixed,block_size=2M", EINVAL, "block_size applies" },
    { MIB, "subformat=differencing", EINVAL, "needs parent=PATH" },
    { MIB, "parent=x.vhd,subformat=fixed", EINVAL, "parent= needs" },
    { MIB, "cluster_size=64K", EINVAL, "unknown option 'cluster_size'" },
    { 2041ull << 30, NULL, EFBIG, "2040 GiB" },
    { 0, "subformat=fixed", EINVAL, "size 0: a VHD disk needs at least" },
  };
  const char *p = test_path("opts.vhd");
  struct stat st;
  (void)state;

  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    assert_null(hvx_create(p, "vhd", t[i].size, t[i].opts));
    assert_hvx_error(t[i].err, t[i].msg);
    assert_int_equal(stat(p, &st), -1);
  }
}

static void test_azure(void **state)
{
  const char *p = test_path("azure.vhd");
  hvx_image *img;
  (void)state;

  assert_null(hvx_create(p, "vhd", 10000384, "azure=on"));
  assert_hvx_error(EINVAL, "size 10000384 is not a whole number of MiB");
  assert_hvx_error(EINVAL, "9437184 or 10485760 (9 or 10 MiB)");
  assert_null(hvx_create(p, "vhd", 512, "azure=on"));
  assert_hvx_error(EINVAL, "nearest valid size: 1048576");
  assert_null(hvx_create(p, "vhd", 64 * MIB, "azure=on,subformat=dynamic"));
  assert_hvx_error(EINVAL, "azure=on needs subformat=fixed");
  assert_null(hvx_create(p, "vhd", 64 * MIB, "azure=yes"));
  assert_hvx_error(EINVAL, "azure must be 'on' or 'off'");
  img = hvx_create(p, "vhd", 64 * MIB, "azure=on");
  assert_non_null(img);
  assert_string_equal(get_info(img).subformat, "fixed");
  assert_int_equal(hvx_image_size(img), 64 * MIB);
  hvx_close(img);
  assert_int_equal(file_size(p), 64 * MIB + 512);
}

static void test_block_status_bitmap(void **state)
{
  const char *p = test_path("bs.vhd");
  hvx_image *img = hvx_create(p, "vhd", 4 * MIB, "block_size=512K");
  uint8_t buf[1024];
  uint64_t pnum;
  unsigned flags;
  (void)state;

  assert_non_null(img);
  assert_int_equal(img->drv->write_granularity(img), 512 * 1024);
  /* Sectors 3-4 of block 1 only. */
  fill_pattern(buf, sizeof buf, 1);
  assert_int_equal(hvx_pwrite(img, buf, 1024, 512 * 1024 + 3 * 512), 0);
  assert_int_equal(hvx_block_status(img, 0, 4 * MIB, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  assert_int_equal(pnum, 512 * 1024 + 3 * 512);
  assert_int_equal(hvx_block_status(img, pnum, 4 * MIB - pnum, &pnum,
                                    &flags), 0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  assert_int_equal(pnum, 1024);
  assert_int_equal(hvx_block_status(img, 512 * 1024 + 5 * 512,
                                    4 * MIB - (512 * 1024 + 5 * 512), &pnum,
                                    &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  assert_int_equal(pnum, 4 * MIB - (512 * 1024 + 5 * 512));
  hvx_close(img);

  /* The bitmap is on disk, MSB first: bits 3 and 4 of the first byte. */
  img = hvx_open(p, "vhd", 0);
  assert_non_null(img);
  {
    struct vhd_state *s = img->priv;
    uint8_t bm;
    file_read(p, (uint64_t)s->bat[1] * 512, &bm, 1);
    assert_int_equal(bm, 0x18);
  }
  hvx_close(img);
}

/* Block status walks allocated blocks one at a time on a cold bitmap
 * cache: reading the bitmaps of the blocks ahead would interleave small
 * reads far ahead of a converter's data reads (seeks on a cold cache).
 * Once the bitmaps are cached, runs merge again. */
static void test_block_status_no_lookahead(void **state)
{
  const char *p = test_path("la.vhd");
  hvx_image *img = hvx_create(p, "vhd", 4 * MIB, "block_size=512K");
  uint8_t *buf = malloc(4 * MIB);
  uint64_t pnum, at;
  unsigned flags;
  (void)state;

  assert_non_null(img);
  assert_non_null(buf);
  fill_pattern(buf, 4 * MIB, 0);
  assert_int_equal(hvx_pwrite(img, buf, 4 * MIB, 0), 0);
  hvx_close(img);
  img = hvx_open(p, "vhd", 0);
  assert_non_null(img);
  for (at = 0; at < 4 * MIB; at += pnum) {
    assert_int_equal(hvx_block_status(img, at, 4 * MIB - at, &pnum, &flags),
                     0);
    assert_int_equal(flags, HVX_BS_ALLOCATED);
    assert_int_equal(pnum, 512 * 1024);
  }
  assert_int_equal(hvx_block_status(img, 0, 4 * MIB, &pnum, &flags), 0);
  assert_int_equal(pnum, 4 * MIB);
  hvx_close(img);
  free(buf);
}

static void test_zero(void **state)
{
  const char *p = test_path("zero.vhd");
  hvx_image *img = hvx_create(p, "vhd", 4 * MIB, "block_size=512K");
  uint8_t buf[8192];
  uint64_t size;
  (void)state;

  assert_non_null(img);
  fill_pattern(buf, sizeof buf, 0);
  assert_int_equal(hvx_pwrite(img, buf, sizeof buf, 0), 0);
  assert_int_equal(hvx_flush(img), 0);
  size = file_size(p);
  assert_int_equal(hvx_zero(img, 100, 5000, 0), 0);
  /* Unallocated blocks stay unallocated. */
  assert_int_equal(hvx_zero(img, MIB, 3 * MIB, HVX_ZERO_MAY_UNMAP), 0);
  assert_int_equal(file_size(p), size);
  assert_int_equal(hvx_pread(img, buf, sizeof buf, 0), 0);
  for (size_t i = 0; i < sizeof buf; i++) {
    uint8_t e;
    fill_pattern(&e, 1, i);
    assert_int_equal(buf[i], i >= 100 && i < 5100 ? 0 : e);
  }
  hvx_close(img);
}

/* A parent with data everywhere, as a raw buffer and a dynamic VHD. */
static uint8_t *make_parent(const char *p, uint64_t size)
{
  uint8_t *data = malloc(size);
  hvx_image *img = hvx_create(p, "vhd", size, "block_size=512K");

  assert_non_null(data);
  assert_non_null(img);
  fill_pattern(data, size, 12345);
  memset(data + MIB, 0, MIB); /* a hole in the parent */
  assert_int_equal(hvx_pwrite(img, data, MIB, 0), 0);
  assert_int_equal(hvx_pwrite(img, data + 2 * MIB, size - 2 * MIB, 2 * MIB),
                   0);
  hvx_close(img);
  return data;
}

static void test_differencing(void **state)
{
  const char *pp = test_path("parent.vhd"), *cp = test_path("child.vhd");
  uint64_t size = 4 * MIB, pnum;
  uint8_t *exp = make_parent(pp, size);
  hvx_image *img, *parent;
  struct info ci, pi;
  unsigned flags;
  (void)state;

  parent = hvx_open(pp, "vhd", 0);
  assert_non_null(parent);
  pi = get_info(parent);
  hvx_close(parent);

  /* Size 0 means the parent's. */
  img = hvx_create(cp, "vhd", 0, "parent=parent.vhd,block_size=512K");
  assert_non_null(img);
  assert_int_equal(hvx_image_size(img), (int64_t)size);
  assert_content(img, exp, size);
  write_pieces(img, exp, size);
  assert_content(img, exp, size);
  hvx_close(img);

  img = hvx_open(cp, NULL, 0);
  assert_non_null(img);
  ci = get_info(img);
  assert_string_equal(ci.subformat, "differencing");
  assert_string_equal(ci.parent_uuid, pi.unique_id);
  assert_string_equal(ci.parent_name, "parent.vhd");
  assert_content(img, exp, size);
  /* Unwritten: the parent's status, not allocated here. */
  assert_int_equal(hvx_block_status(img, MIB, MIB, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  assert_int_equal(hvx_block_status(img, 3 * MIB + 4096, 4096, &pnum,
                                    &flags), 0);
  assert_int_equal(flags, 0);
  /* Written sectors are allocated in the child. */
  assert_int_equal(hvx_block_status(img, 4096, 4096, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  /* Zeroing hides the parent's data. */
  hvx_close(img);
  img = hvx_open(cp, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_zero(img, 2 * MIB + 10, 70000, 0), 0);
  memset(exp + 2 * MIB + 10, 0, 70000);
  assert_content(img, exp, size);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  hvx_close(img);
  free(exp);
}

/* Partial bitmaps in a differencing disk: a one-sector write marks its
 * 4 KiB unit with the parent open (the rest copied from the parent), and
 * just its sector without. */
static void test_differencing_bitmap(void **state)
{
  const char *pp = test_path("bparent.vhd"), *cp = test_path("bchild.vhd");
  uint8_t *exp = make_parent(pp, 2 * MIB), buf[512], bm[4];
  hvx_image *img;
  struct vhd_state *s;
  (void)state;

  img = hvx_create(cp, "vhd", 0, "parent=bparent.vhd,block_size=512K");
  assert_non_null(img);
  fill_pattern(buf, sizeof buf, 99);
  assert_int_equal(hvx_pwrite(img, buf, 512, 512 * 1024 + 5120), 0);
  memcpy(exp + 512 * 1024 + 5120, buf, 512);
  assert_content(img, exp, 2 * MIB);
  s = img->priv;
  file_read(cp, (uint64_t)s->bat[1] * 512, bm, 4);
  assert_int_equal(bm[0], 0x00);
  assert_int_equal(bm[1], 0xFF);
  assert_int_equal(bm[2], 0x00);
  hvx_close(img);

  img = hvx_open(cp, NULL, HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, buf, 512, 5 * 512), 0);
  s = img->priv;
  file_read(cp, (uint64_t)s->bat[0] * 512, bm, 2);
  assert_int_equal(bm[0], 0x04);
  assert_int_equal(bm[1], 0x00);
  hvx_close(img);
  free(exp);
}

static void test_differencing_errors(void **state)
{
  const char *pp = test_path("dparent.vhd"), *cp = test_path("dchild.vhd");
  uint8_t *exp = make_parent(pp, 2 * MIB), buf[512];
  hvx_image *img;
  (void)state;

  assert_null(hvx_create(cp, "vhd", MIB, "parent=dparent.vhd"));
  assert_hvx_error(EINVAL, "has its parent's size 2097152, not 1048576");
  assert_null(hvx_create(cp, "vhd", 0, "parent=missing.vhd"));
  assert_hvx_error(ENOENT, "missing.vhd");
  img = hvx_create(cp, "vhd", 0, "parent=dparent.vhd");
  assert_non_null(img);
  hvx_close(img);

  /* Without its parent: unallocated reads as zeros, and a partial-sector
   * write that needs the parent's bytes is refused. */
  img = hvx_open(cp, "vhd", HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, buf, 512, 0), 0);
  assert_true(hvx_is_zero(buf, 512));
  assert_int_equal(hvx_pwrite(img, buf, 10, 5), -1);
  assert_hvx_error(ENOTSUP, "needs the rest of it from the parent");
  assert_int_equal(hvx_pwrite(img, buf, 512, 512), 0);
  hvx_close(img);

  /* A different disk under the parent's name. */
  unlink(pp);
  hvx_close(hvx_create(pp, "vhd", 2 * MIB, NULL));
  assert_null(hvx_open(cp, NULL, 0));
  assert_hvx_error(EBADMSG, "but the differencing disk was made from");
  unlink(pp);
  assert_null(hvx_open(cp, NULL, 0));
  assert_hvx_error(ENOENT, "parent image not found (tried '");
  free(exp);
}

/* A damaged end footer: the copy at 0 is used, check reports it, and a
 * writable open puts a good footer back. */
static void test_footer_fallback(void **state)
{
  const char *p = test_path("fallback.vhd");
  hvx_image *img = hvx_create(p, "vhd", 2 * MIB, NULL);
  uint8_t buf[4096], back[4096], junk = 0x55;
  struct problems pr = { 0 };
  uint64_t end;
  (void)state;

  assert_non_null(img);
  fill_pattern(buf, sizeof buf, 7);
  assert_int_equal(hvx_pwrite(img, buf, sizeof buf, 8192), 0);
  hvx_close(img);
  end = file_size(p) - 512;
  file_write(p, end + 100, &junk, 1);

  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_int_equal(hvx_check(img, collect_problem, &pr), 1);
  assert_problem(&pr, end, "checksum mismatch: stored 0x");
  assert_problem(&pr, end, "the copy at offset 0 is used");
  assert_int_equal(hvx_pread(img, back, sizeof back, 8192), 0);
  assert_memory_equal(back, buf, sizeof buf);
  hvx_close(img);

  img = hvx_open(p, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, buf, sizeof buf, MIB), 0);
  hvx_close(img);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  assert_int_equal(hvx_pread(img, back, sizeof back, MIB), 0);
  assert_memory_equal(back, buf, sizeof buf);
  hvx_close(img);
}

/* Through the conversion engine: raw -> vhd (all subformats) -> raw. */
static void test_convert(void **state)
{
  const char *raw = test_path("conv.raw"), *v = test_path("conv.vhd");
  const char *back = test_path("back.raw"), *d = test_path("conv-d.vhd");
  hvx_convert_options *o = hvx_convert_options_new();
  uint8_t buf[100000];
  hvx_image *a, *b;
  uint64_t diff;
  (void)state;

  a = hvx_create(raw, "raw", 3 * MIB + 512, NULL);
  fill_pattern(buf, sizeof buf, 3);
  assert_int_equal(hvx_pwrite(a, buf, sizeof buf, 1234567), 0);
  hvx_close(a);
  assert_int_equal(hvx_convert_set_target_format(o, "vhd"), 0);
  assert_int_equal(hvx_convert(raw, v, o), 0);
  assert_int_equal(hvx_convert_set_target_options(o, "parent=conv.vhd"), 0);
  /* Over a parent: the engine must write zeros where the parent has data. */
  memset(buf, 0, 5000);
  a = hvx_open(raw, "raw", HVX_OPEN_WRITE);
  assert_int_equal(hvx_pwrite(a, buf, 5000, 1234567 + 100), 0);
  hvx_close(a);
  assert_int_equal(hvx_convert(raw, d, o), 0);
  assert_int_equal(hvx_convert_set_target_format(o, "raw"), 0);
  assert_int_equal(hvx_convert_set_target_options(o, NULL), 0);
  assert_int_equal(hvx_convert(d, back, o), 0);
  a = hvx_open(raw, "raw", 0);
  b = hvx_open(back, "raw", 0);
  assert_int_equal(hvx_compare(a, b, &diff), 0);
  hvx_close(b);
  b = hvx_open(d, NULL, 0);
  assert_int_equal(hvx_compare(a, b, &diff), 0);
  hvx_close(a);
  hvx_close(b);
  hvx_convert_options_free(o);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixed_round_trip),
    cmocka_unit_test(test_dynamic_round_trip),
    cmocka_unit_test(test_exact_sizes),
    cmocka_unit_test(test_create_option_errors),
    cmocka_unit_test(test_azure),
    cmocka_unit_test(test_block_status_bitmap),
    cmocka_unit_test(test_block_status_no_lookahead),
    cmocka_unit_test(test_zero),
    cmocka_unit_test(test_differencing),
    cmocka_unit_test(test_differencing_bitmap),
    cmocka_unit_test(test_differencing_errors),
    cmocka_unit_test(test_footer_fallback),
    cmocka_unit_test(test_convert),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
