/* Unit tests: VHDX round trips - fixed, dynamic and differencing images
 * at 512 and 4096-byte logical sectors and several block sizes, checked
 * against an in-memory copy of what was written. */
#include "testutil.h"

#include "vhdx-testutil.h"

/* Apply the same writes to IMG and to SHADOW (the expected disk). */
static void both_write(hvx_image *img, uint8_t *shadow, uint64_t off,
                       size_t n, uint64_t seed)
{
  uint8_t *b = malloc(n);
  assert_non_null(b);
  fill_pattern(b, n, seed);
  assert_int_equal(hvx_pwrite(img, b, n, off), 0);
  memcpy(shadow + off, b, n);
  free(b);
}

static void assert_content(hvx_image *img, const uint8_t *shadow,
                           uint64_t size)
{
  uint8_t *b = malloc(size);
  assert_non_null(b);
  assert_int_equal(hvx_pread(img, b, size, 0), 0);
  for (uint64_t i = 0; i < size; i++)
    if (b[i] != shadow[i])
      fail_msg("byte %llu is 0x%02x, expected 0x%02x", (unsigned long long)i,
               b[i], shadow[i]);
  /* Odd-sized, unaligned reads across block boundaries too. */
  for (uint64_t off = 1; off + 3 * MIB < size; off += 3 * MIB + 511) {
    assert_int_equal(hvx_pread(img, b, 2 * MIB + 77, off), 0);
    assert_memory_equal(b, shadow + off, 2 * MIB + 77);
  }
  free(b);
}

static void count_problem(void *opaque, int kind, uint64_t offset,
                          const char *msg)
{
  (void)kind;
  fprintf(stderr, "problem at 0x%llx: %s\n", (unsigned long long)offset, msg);
  (*(int *)opaque)++;
}

static void assert_clean(hvx_image *img)
{
  int n = 0;
  assert_int_equal(hvx_check(img, count_problem, &n), 0);
  assert_int_equal(n, 0);
}

/* Writes that exercise the block and sector edges of a layout. */
static void write_mix(hvx_image *img, uint8_t *shadow, uint64_t size,
                      uint32_t bs)
{
  both_write(img, shadow, 0, 4096, 1);
  both_write(img, shadow, 5000, 3, 2);                  /* inside a sector */
  both_write(img, shadow, bs - 700, 1400, 3);           /* across blocks */
  both_write(img, shadow, 2 * (uint64_t)bs + 512,        /* two blocks */
             (size_t)hvx_min_u64(bs, size - 2 * (uint64_t)bs - 600), 4);
  both_write(img, shadow, size - 10, 10, 5);            /* the very end */
  both_write(img, shadow, 700, 100, 6);                 /* overwrite */
}

struct layout {
  const char *opts;
  uint64_t size;
  uint32_t bs, lss;
  const char *subformat;
};

static void round_trip(const struct layout *l, const char *name)
{
  const char *p = test_path(name);
  uint8_t *shadow = calloc(1, l->size);
  hvx_image *img;
  uint64_t pnum;
  unsigned flags;

  assert_non_null(shadow);
  img = hvx_create(p, "vhdx", l->size, l->opts);
  if (!img)
    fail_msg("create %s: %s", l->opts, hvx_error());
  assert_int_equal(hvx_image_size(img), l->size);
  assert_content(img, shadow, l->size); /* a new disk reads as zeros */
  write_mix(img, shadow, l->size, l->bs);
  assert_content(img, shadow, l->size);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(hvx_image_format(img), "vhdx");
  assert_string_equal(info_value(img, "subformat"), l->subformat);
  assert_int_equal(atoi(info_value(img, "block_size")), l->bs);
  assert_int_equal(atoi(info_value(img, "logical_sector_size")), l->lss);
  assert_string_equal(info_value(img, "log_state"), "clean");
  assert_content(img, shadow, l->size);
  assert_clean(img);
  /* An untouched block in a dynamic image is a hole. */
  if (strcmp(l->subformat, "dynamic") == 0 && l->size >= 6 * (uint64_t)l->bs) {
    assert_int_equal(hvx_block_status(img, 5 * (uint64_t)l->bs, l->bs,
                                      &pnum, &flags), 0);
    assert_int_equal(flags, HVX_BS_ZERO);
    assert_int_equal(hvx_block_status(img, 0, l->size, &pnum, &flags), 0);
    assert_int_equal(flags, HVX_BS_ALLOCATED);
    assert_int_equal(pnum, 4 * (uint64_t)l->bs); /* blocks 0-3 */
  }
  hvx_close(img);
  free(shadow);
}

static void test_dynamic_512_1m(void **state)
{
  struct layout l = { "block_size=1M", 13 * MIB + 3 * 4096, MIB, 512,
                      "dynamic" };
  (void)state;
  round_trip(&l, "d512-1m.vhdx");
}

static void test_dynamic_4k_1m(void **state)
{
  struct layout l = { "block_size=1M,logical_sector_size=4096",
                      13 * MIB + 3 * 4096, MIB, 4096, "dynamic" };
  (void)state;
  round_trip(&l, "d4k-1m.vhdx");
}

static void test_dynamic_512_8m(void **state)
{
  struct layout l = { "subformat=dynamic,block_size=8M,physical_sector_size=512",
                      50 * MIB, 8 * MIB, 512, "dynamic" };
  (void)state;
  round_trip(&l, "d512-8m.vhdx");
}

static void test_dynamic_default(void **state)
{
  struct layout l = { NULL, 70 * MIB + 512, 32 * MIB, 512, "dynamic" };
  (void)state;
  round_trip(&l, "ddefault.vhdx");
}

static void test_fixed_512_1m(void **state)
{
  struct layout l = { "subformat=fixed,block_size=1M", 9 * MIB + 512, MIB,
                      512, "fixed" };
  (void)state;
  round_trip(&l, "f512-1m.vhdx");
}

static void test_fixed_4k_2m(void **state)
{
  struct layout l = { "subformat=fixed,block_size=2M,logical_sector_size=4096",
                      11 * MIB, 2 * MIB, 4096, "fixed" };
  (void)state;
  round_trip(&l, "f4k-2m.vhdx");
}

/* Block 17 of 256 MiB blocks at 512-byte sectors (chunk ratio 16) lies
 * after the first sector bitmap entry of the BAT. */
static void test_second_chunk(void **state)
{
  const char *p = test_path("chunks.vhdx");
  uint64_t size = 5ull << 30, off = 17ull * 256 * MIB + 4096;
  uint8_t w[8192], r[8192];
  hvx_image *img = hvx_create(p, "vhdx", size, "block_size=256M");
  (void)state;

  assert_non_null(img);
  fill_pattern(w, sizeof w, 17);
  assert_int_equal(hvx_pwrite(img, w, sizeof w, off), 0);
  assert_int_equal(hvx_pwrite(img, w, sizeof w, 16ull * 256 * MIB), 0);
  assert_int_equal(hvx_close(img), 0);
  img = hvx_open(p, "vhdx", 0);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, r, sizeof r, off), 0);
  assert_memory_equal(r, w, sizeof r);
  assert_int_equal(hvx_pread(img, r, sizeof r, 16ull * 256 * MIB), 0);
  assert_memory_equal(r, w, sizeof r);
  assert_int_equal(hvx_pread(img, r, sizeof r, 15ull * 256 * MIB), 0);
  assert_true(hvx_is_zero(r, sizeof r));
  assert_clean(img);
  hvx_close(img);
}

/* ---- differencing --------------------------------------------------- */

static void diff_round_trip(const char *popts, const char *copts,
                            uint64_t size, uint32_t lss, const char *tag)
{
  char pn[64], cn[64];
  const char *pp, *cp;
  uint8_t *shadow = calloc(1, size), *parent_copy;
  hvx_image *img;
  uint64_t pnum;
  unsigned flags;
  char opts[512];

  snprintf(pn, sizeof pn, "parent-%s.vhdx", tag);
  snprintf(cn, sizeof cn, "child-%s.vhdx", tag);
  pp = test_path(pn);
  cp = test_path(cn);
  assert_non_null(shadow);
  img = hvx_create(pp, "vhdx", size, popts);
  assert_non_null(img);
  for (uint64_t off = 0; off < size; off += 3 * MIB)
    both_write(img, shadow, off, (size_t)hvx_min_u64(1536 * 1024, size - off),
               off + 11);
  assert_int_equal(hvx_close(img), 0);
  parent_copy = malloc(size);
  memcpy(parent_copy, shadow, size);

  snprintf(opts, sizeof opts, "parent=%s%s%s", pp, copts ? "," : "",
           copts ? copts : "");
  img = hvx_create(cp, "vhdx", 0, opts);
  if (!img)
    fail_msg("create child: %s", hvx_error());
  assert_int_equal(hvx_image_size(img), size);
  assert_content(img, shadow, size); /* all from the parent */
  both_write(img, shadow, 4096 + 1, 700, 21);          /* partial sectors */
  both_write(img, shadow, 3 * MIB - 10, 20, 22);       /* across blocks */
  both_write(img, shadow, 8 * MIB, 2 * MIB, 23);       /* whole blocks */
  both_write(img, shadow, 4096 + 300, 4096, 24);       /* partial again */
  both_write(img, shadow, size - lss, lss, 25);        /* last sector */
  assert_content(img, shadow, size);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_open(cp, NULL, 0);
  assert_non_null(img);
  /* The guest sees the same disk through the child. */
  snprintf(opts, sizeof opts, "%s", info_value(img, "virtual_disk_id"));
  assert_string_equal(info_value(hvx_image_backing(img), "virtual_disk_id"),
                      opts);
  assert_string_equal(info_value(img, "subformat"), "differencing");
  assert_true(strstr(info_value(img, "parent_locator.relative_path"), pn));
  assert_int_equal(atoi(info_value(img, "logical_sector_size")), lss);
  assert_content(img, shadow, size);
  assert_clean(img);
  /* Sectors from the parent are not this file's. */
  assert_int_equal(hvx_block_status(img, 6 * MIB, MIB, &pnum, &flags), 0);
  assert_int_equal(flags, 0);
  assert_int_equal(hvx_block_status(img, 8 * MIB, 2 * MIB, &pnum, &flags),
                   0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  assert_int_equal(pnum, 2 * MIB);
  hvx_close(img);

  /* The parent is untouched. */
  img = hvx_open(pp, NULL, 0);
  assert_non_null(img);
  assert_content(img, parent_copy, size);
  hvx_close(img);

  /* Without the parent, its sectors read as zeros. */
  img = hvx_open(cp, NULL, HVX_OPEN_NO_BACKING);
  assert_non_null(img);
  assert_int_equal(hvx_pread(img, shadow, MIB, 5 * MIB), 0);
  assert_true(hvx_is_zero(shadow, MIB));
  hvx_close(img);
  free(shadow);
  free(parent_copy);
}

static void test_differencing_512(void **state)
{
  (void)state;
  diff_round_trip("block_size=1M", NULL, 12 * MIB, 512, "512");
}

static void test_differencing_4k(void **state)
{
  (void)state;
  diff_round_trip("block_size=4M,logical_sector_size=4096", "block_size=1M",
                  12 * MIB, 4096, "4k");
}

static void test_differencing_default_block(void **state)
{
  (void)state;
  diff_round_trip("subformat=fixed,block_size=8M", "subformat=differencing",
                  16 * MIB, 512, "fixedparent");
}

static void make_pair(const char *pp, const char *cp)
{
  hvx_image *img = hvx_create(pp, "vhdx", 4 * MIB, "block_size=1M");
  char opts[300];
  uint8_t b[512] = { 1 };

  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 0), 0);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s", pp);
  img = hvx_create(cp, "vhdx", 4 * MIB, opts);
  assert_non_null(img);
  hvx_close(img);
}

static void test_parent_changed(void **state)
{
  const char *pp = test_path("chg-parent.vhdx"), *cp = test_path("chg.vhdx");
  uint8_t b[512] = { 2 };
  hvx_image *img;
  (void)state;

  make_pair(pp, cp);
  img = hvx_open(pp, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, 0), 0);
  hvx_close(img);
  assert_null(hvx_open(cp, NULL, 0));
  assert_hvx_error(EBADMSG, "parent_linkage");
  /* Opening the parent read-only, or read-write without writing, does
   * not change its identity. */
  make_pair(test_path("ro-parent.vhdx"), test_path("ro.vhdx"));
  img = hvx_open(test_path("ro-parent.vhdx"), NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  hvx_close(img);
  img = hvx_open(test_path("ro.vhdx"), NULL, 0);
  assert_non_null(img);
  hvx_close(img);
}

static void test_parent_missing(void **state)
{
  const char *pp = test_path("gone-parent.vhdx"), *cp = test_path("gone.vhdx");
  (void)state;

  make_pair(pp, cp);
  assert_int_equal(unlink(pp), 0);
  assert_null(hvx_open(cp, NULL, 0));
  assert_hvx_error(ENOENT, "gone-parent.vhdx");
}

/* grandparent <- parent <- child, each with writes of its own. */
static void test_chain(void **state)
{
  const char *g = test_path("chain-g.vhdx"), *pa = test_path("chain-p.vhdx"),
    *c = test_path("chain-c.vhdx");
  uint64_t size = 6 * MIB;
  uint8_t *shadow = calloc(1, size);
  char opts[300];
  hvx_image *img = hvx_create(g, "vhdx", size, "block_size=1M");
  (void)state;

  assert_non_null(img);
  both_write(img, shadow, 0, size, 1);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", g);
  img = hvx_create(pa, "vhdx", 0, opts);
  assert_non_null(img);
  both_write(img, shadow, MIB + 100, 1000, 2);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s", pa);
  img = hvx_create(c, "vhdx", size, opts);
  assert_non_null(img);
  both_write(img, shadow, MIB + 600, 1000, 3);
  both_write(img, shadow, 4 * MIB - 1, 2, 4);
  hvx_close(img);
  img = hvx_open(c, NULL, 0);
  assert_non_null(img);
  assert_non_null(hvx_image_backing(hvx_image_backing(img)));
  assert_content(img, shadow, size);
  hvx_close(img);
  /* Writing needs the parents. */
  assert_null(hvx_open(c, NULL, HVX_OPEN_WRITE | HVX_OPEN_NO_BACKING));
  assert_hvx_error(EINVAL, "without its parent");
  free(shadow);
}

/* The parent one directory up, as Hyper-V lays out checkpoints: the
 * relative path climbs out, which hvx follows only when allowed. */
static void test_parent_elsewhere(void **state)
{
  char a[300], b[300], pp[320], cp[320], opts[400];
  hvx_image *img;
  (void)state;

  snprintf(a, sizeof a, "%s", test_path("dir-a"));
  snprintf(b, sizeof b, "%s", test_path("dir-b"));
  assert_int_equal(mkdir(a, 0755), 0);
  assert_int_equal(mkdir(b, 0755), 0);
  snprintf(pp, sizeof pp, "%s/p.vhdx", a);
  snprintf(cp, sizeof cp, "%s/c.vhdx", b);
  img = hvx_create(pp, "vhdx", 4 * MIB, "block_size=1M");
  assert_non_null(img);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  assert_non_null(img);
  assert_string_equal(info_value(img, "parent_locator.relative_path"),
                      "..\\dir-a\\p.vhdx");
  hvx_close(img);
  assert_null(hvx_open(cp, NULL, 0));
  assert_hvx_error(EPERM, "outside");
  img = hvx_open(cp, NULL, HVX_OPEN_BACKING_ANYWHERE);
  assert_non_null(img);
  assert_non_null(hvx_image_backing(img));
  hvx_close(img);
}

/* Non-ASCII names go through the parent locator's UTF-16 and back. */
static void test_unicode_parent_name(void **state)
{
  const char *pp = test_path("p\xc3\xa4rent-\xe2\x82\xac-\xf0\x9f\x98\x80.vhdx");
  const char *cp = test_path("uni-child.vhdx");
  hvx_image *img = hvx_create(pp, "vhdx", 2 * MIB, "block_size=1M");
  char opts[400];
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  assert_non_null(img);
  hvx_close(img);
  img = hvx_open(cp, NULL, 0);
  assert_non_null(img);
  assert_string_equal(info_value(img, "parent_locator.relative_path"),
                      ".\\p\xc3\xa4rent-\xe2\x82\xac-\xf0\x9f\x98\x80.vhdx");
  assert_non_null(hvx_image_backing(img));
  hvx_close(img);
}

/* A partially present block whose sectors all get written becomes
 * fully present. */
static void test_partial_fills_up(void **state)
{
  const char *pp = test_path("fill-parent.vhdx"), *cp = test_path("fill.vhdx");
  hvx_image *img = hvx_create(pp, "vhdx", 4 * MIB, "block_size=1M");
  uint8_t *b = malloc(MIB), e[8];
  char opts[400];
  uint64_t bat = 0;
  uint32_t len = 0;
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  assert_non_null(img);
  fill_pattern(b, MIB, 5);
  assert_int_equal(hvx_pwrite(img, b, MIB / 2, MIB), 0);
  assert_int_equal(hvx_flush(img), 0);
  find_region(cp, BAT_D1, &bat, &len);
  file_read(cp, bat + 8, e, 8);
  assert_int_equal(hvx_le64(e) & 7, 7); /* partially present */
  assert_int_equal(hvx_pwrite(img, b + MIB / 2, MIB / 2, MIB + MIB / 2), 0);
  assert_int_equal(hvx_close(img), 0);
  file_read(cp, bat + 8, e, 8);
  assert_int_equal(hvx_le64(e) & 7, 6); /* fully present */
  img = hvx_open(cp, NULL, 0);
  assert_non_null(img);
  memset(b, 0, MIB);
  assert_int_equal(hvx_pread(img, b, MIB, MIB), 0);
  {
    uint8_t *w = malloc(MIB);
    fill_pattern(w, MIB, 5);
    assert_memory_equal(b, w, MIB);
    free(w);
  }
  assert_clean(img);
  hvx_close(img);
  free(b);
}

/* A fixed image of more than one chunk: BAT entries for sector bitmaps
 * sit between its payload entries. */
static void test_fixed_two_chunks(void **state)
{
  const char *p = test_path("fixed-chunks.vhdx");
  uint64_t size = 17ull * 256 * MIB + 512;
  uint8_t w[4096], r[4096];
  hvx_image *img = hvx_create(p, "vhdx", size,
                              "subformat=fixed,block_size=256M");
  (void)state;

  assert_non_null(img);
  fill_pattern(w, sizeof w, 8);
  assert_int_equal(hvx_pwrite(img, w, sizeof w, size - sizeof w), 0);
  assert_int_equal(hvx_close(img), 0);
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_string_equal(info_value(img, "subformat"), "fixed");
  assert_int_equal(hvx_pread(img, r, sizeof r, size - sizeof r), 0);
  assert_memory_equal(r, w, sizeof r);
  assert_clean(img);
  hvx_close(img);
  /* Every block allocated in order after 4 MiB of structures. */
  assert_int_equal(file_size(p), 4 * MIB + 18ull * 256 * MIB);
}

static void test_create_options(void **state)
{
  (void)state;
  assert_null(hvx_create(test_path("o1.vhdx"), "vhdx", MIB, "block_size=3M"));
  assert_hvx_error(EINVAL, "block_size");
  assert_null(hvx_create(test_path("o2.vhdx"), "vhdx", MIB,
                         "block_size=512M"));
  assert_hvx_error(EINVAL, "block_size");
  assert_null(hvx_create(test_path("o3.vhdx"), "vhdx", MIB,
                         "logical_sector_size=1024"));
  assert_hvx_error(EINVAL, "sector sizes");
  assert_null(hvx_create(test_path("o4.vhdx"), "vhdx", 1000, NULL));
  assert_hvx_error(EINVAL, "multiple of the logical sector size");
  assert_null(hvx_create(test_path("o5.vhdx"), "vhdx", MIB,
                         "subformat=sparse"));
  assert_hvx_error(EINVAL, "subformat 'sparse'");
  assert_null(hvx_create(test_path("o6.vhdx"), "vhdx", 65ull << 40, NULL));
  assert_hvx_error(EFBIG, "64 TiB");
  assert_null(hvx_create(test_path("o7.vhdx"), "vhdx", MIB, "colour=red"));
  assert_hvx_error(EINVAL, "unknown option 'colour'");
  assert_null(hvx_create(test_path("o8.vhdx"), "vhdx", MIB,
                         "subformat=differencing"));
  assert_hvx_error(EINVAL, "parent");
  assert_null(hvx_create(test_path("o9.vhdx"), "vhdx", MIB, "log_size=3000"));
  assert_hvx_error(EINVAL, "log_size");
}

/* A write changes the data write GUID and moves both headers on. */
static void test_write_updates_headers(void **state)
{
  const char *p = test_path("guid.vhdx");
  hvx_image *img = hvx_create(p, "vhdx", 4 * MIB, "block_size=1M");
  char guid[64];
  long seq;
  uint8_t b[512] = { 9 }, h1[80], h2[80];
  (void)state;

  assert_non_null(img);
  hvx_close(img);
  img = hvx_open(p, NULL, HVX_OPEN_WRITE);
  assert_non_null(img);
  snprintf(guid, sizeof guid, "%s", info_value(img, "data_write_guid"));
  seq = atol(info_value(img, "header_sequence"));
  hvx_close(img);
  img = hvx_open(p, NULL, HVX_OPEN_WRITE);
  assert_string_equal(info_value(img, "data_write_guid"), guid);
  assert_int_equal(atol(info_value(img, "header_sequence")), seq);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, MIB), 0);
  assert_string_not_equal(info_value(img, "data_write_guid"), guid);
  assert_int_equal(atol(info_value(img, "header_sequence")), seq + 2);
  hvx_close(img);
  /* Both slots carry the new identity. */
  file_read(p, 0x10000, h1, sizeof h1);
  file_read(p, 0x20000, h2, sizeof h2);
  assert_memory_equal(h1 + 16, h2 + 16, 32);
  assert_int_equal(hvx_le64(h1 + 8) + hvx_le64(h2 + 8), 2 * seq + 3);
}

static void test_zero(void **state)
{
  const char *p = test_path("zero.vhdx");
  uint8_t *shadow = calloc(1, 8 * MIB);
  hvx_image *img = hvx_create(p, "vhdx", 8 * MIB, "block_size=1M");
  uint64_t pnum;
  unsigned flags;
  (void)state;

  assert_non_null(img);
  both_write(img, shadow, 0, 4 * MIB, 5);
  assert_int_equal(hvx_zero(img, MIB, MIB, HVX_ZERO_MAY_UNMAP), 0);
  memset(shadow + MIB, 0, MIB);
  assert_int_equal(hvx_zero(img, 2 * MIB + 100, 1000, HVX_ZERO_MAY_UNMAP), 0);
  memset(shadow + 2 * MIB + 100, 0, 1000);
  assert_int_equal(hvx_zero(img, 3 * MIB, MIB, 0), 0);
  memset(shadow + 3 * MIB, 0, MIB);
  assert_int_equal(hvx_zero(img, 6 * MIB, 2 * MIB, 0), 0);
  assert_content(img, shadow, 8 * MIB);
  assert_int_equal(hvx_close(img), 0);
  img = hvx_open(p, NULL, 0);
  assert_content(img, shadow, 8 * MIB);
  assert_int_equal(hvx_block_status(img, MIB, MIB, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  /* Zeroing without MAY_UNMAP keeps the block allocated. */
  assert_int_equal(hvx_block_status(img, 3 * MIB, MIB, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  assert_clean(img);
  hvx_close(img);
  free(shadow);
}

static void test_convert_through_vhdx(void **state)
{
  const char *raw = test_path("conv.raw"), *vx = test_path("conv.vhdx"),
    *back = test_path("conv-back.raw");
  hvx_convert_options *o = hvx_convert_options_new();
  hvx_image *a, *b;
  uint8_t buf[65536];
  uint64_t diff;
  (void)state;

  a = hvx_create(raw, "raw", 20 * MIB, NULL);
  assert_non_null(a);
  fill_pattern(buf, sizeof buf, 3);
  assert_int_equal(hvx_pwrite(a, buf, sizeof buf, 5 * MIB + 3), 0);
  assert_int_equal(hvx_pwrite(a, buf, 100, 20 * MIB - 100), 0);
  hvx_close(a);
  assert_int_equal(hvx_convert_set_target_format(o, "vhdx"), 0);
  assert_int_equal(hvx_convert_set_target_options(o, "block_size=2M"), 0);
  assert_int_equal(hvx_convert(raw, vx, o), 0);
  assert_int_equal(hvx_convert_set_target_format(o, "raw"), 0);
  assert_int_equal(hvx_convert_set_target_options(o, NULL), 0);
  assert_int_equal(hvx_convert(vx, back, o), 0);
  a = hvx_open(raw, "raw", 0);
  b = hvx_open(back, "raw", 0);
  assert_int_equal(hvx_compare(a, b, &diff), 0);
  hvx_close(a);
  hvx_close(b);
  /* Only the two written blocks are allocated: 4 MiB of structures + 2
   * blocks of 2 MiB. */
  assert_int_equal(file_size(vx), 8 * MIB);
  hvx_convert_options_free(o);
}

/* For the interop test: DIR/parent.vhdx, DIR/child.vhdx (differencing,
 * with writes of its own) and DIR/expected.raw, the disk the child
 * should read as, built from the same patterns without the driver. */
static int make_diff(const char *dir)
{
  char pp[512], cp[512], rp[512], opts[600];
  uint64_t size = 12 * MIB;
  uint8_t *shadow = calloc(1, size);
  hvx_image *img;
  FILE *f;

  snprintf(pp, sizeof pp, "%s/parent.vhdx", dir);
  snprintf(cp, sizeof cp, "%s/child.vhdx", dir);
  snprintf(rp, sizeof rp, "%s/expected.raw", dir);
  img = hvx_create(pp, "vhdx", size, "block_size=1M");
  if (!img || !shadow)
    return 1;
  for (uint64_t off = 0; off < size; off += 3 * MIB)
    both_write(img, shadow, off, 1536 * 1024, off + 11);
  if (hvx_close(img) < 0)
    return 1;
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", pp);
  img = hvx_create(cp, "vhdx", 0, opts);
  if (!img)
    return 1;
  both_write(img, shadow, 4096 + 1, 700, 21);
  both_write(img, shadow, 3 * MIB - 10, 20, 22);
  both_write(img, shadow, 8 * MIB, 2 * MIB, 23);
  both_write(img, shadow, size - 512, 512, 25);
  if (hvx_close(img) < 0 || !(f = fopen(rp, "wb")) ||
      fwrite(shadow, 1, size, f) != size || fclose(f) != 0)
    return 1;
  free(shadow);
  return 0;
}

/* For the interop test: write LEN pattern bytes (seeded SEED) at OFF of
 * the FMT image FILE, opened read-write the normal way. */
static int write_pattern(char **argv)
{
  uint64_t off, len, seed;
  hvx_image *img = hvx_open(argv[3], argv[2], HVX_OPEN_WRITE);
  uint8_t *b;
  int r;

  if (!img || hvx_parse_u64(argv[4], &off) < 0 ||
      hvx_parse_u64(argv[5], &len) < 0 || hvx_parse_u64(argv[6], &seed) < 0) {
    fprintf(stderr, "--write: %s\n", img ? "bad number" : hvx_error());
    return 1;
  }
  b = malloc(len ? len : 1);
  fill_pattern(b, len, seed);
  r = len ? hvx_pwrite(img, b, len, off) : 0;
  if (r < 0)
    fprintf(stderr, "--write: %s\n", hvx_error());
  free(b);
  return hvx_close(img) < 0 || r < 0;
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_dynamic_512_1m),
    cmocka_unit_test(test_dynamic_4k_1m),
    cmocka_unit_test(test_dynamic_512_8m),
    cmocka_unit_test(test_dynamic_default),
    cmocka_unit_test(test_fixed_512_1m),
    cmocka_unit_test(test_fixed_4k_2m),
    cmocka_unit_test(test_second_chunk),
    cmocka_unit_test(test_differencing_512),
    cmocka_unit_test(test_differencing_4k),
    cmocka_unit_test(test_differencing_default_block),
    cmocka_unit_test(test_chain),
    cmocka_unit_test(test_parent_elsewhere),
    cmocka_unit_test(test_unicode_parent_name),
    cmocka_unit_test(test_partial_fills_up),
    cmocka_unit_test(test_fixed_two_chunks),
    cmocka_unit_test(test_parent_changed),
    cmocka_unit_test(test_parent_missing),
    cmocka_unit_test(test_create_options),
    cmocka_unit_test(test_write_updates_headers),
    cmocka_unit_test(test_zero),
    cmocka_unit_test(test_convert_through_vhdx),
  };
  if (argc == 3 && strcmp(argv[1], "--make-diff") == 0)
    return make_diff(argv[2]);
  if (argc == 7 && strcmp(argv[1], "--write") == 0)
    return write_pattern(argv);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
