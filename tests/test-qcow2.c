/* Unit tests: qcow2 create/write/read round trips.  Every image is also
 * handed to qemu-img (check: no errors, no leaks; compare: the same
 * bytes as an in-memory model of the disk) as an independent oracle. */
#include "qcow2util.h"

/* The expected content of a virtual disk. */
struct model {
  uint8_t *d;
  uint64_t size;
};

static void model_init(struct model *m, uint64_t size)
{
  m->d = calloc(1, size ? size : 1);
  assert_non_null(m->d);
  m->size = size;
}

static void mwrite(hvx_image *img, struct model *m, const void *b, size_t n,
                   uint64_t off)
{
  assert_int_equal(hvx_pwrite(img, b, n, off), 0);
  memcpy(m->d + off, b, n);
}

static void mzero(hvx_image *img, struct model *m, uint64_t off, uint64_t n,
                  unsigned flags)
{
  if (hvx_zero(img, off, n, flags) != 0)
    fail_msg("hvx_zero(0x%llx, %llu): %s", (unsigned long long)off,
             (unsigned long long)n, hvx_error());
  memset(m->d + off, 0, n);
}

static void mcompress(hvx_image *img, struct model *m, const void *b,
                      size_t n, uint64_t off)
{
  if (hvx_pwrite_compressed(img, b, n, off) != 0)
    fail_msg("compressed write at 0x%llx: %s", (unsigned long long)off,
             hvx_error());
  memcpy(m->d + off, b, n);
}

static void assert_reads(hvx_image *img, const struct model *m)
{
  uint8_t *b = malloc(m->size ? m->size : 1);

  assert_non_null(b);
  assert_int_equal(hvx_image_size(img), m->size);
  assert_int_equal(hvx_pread(img, b, m->size, 0), 0);
  for (uint64_t i = 0; i < m->size; i++)
    if (b[i] != m->d[i])
      fail_msg("%s: byte 0x%llx is 0x%02x, expected 0x%02x",
               hvx_image_filename(img), (unsigned long long)i, b[i],
               m->d[i]);
  free(b);
}

/* The image at PATH: hvx reads the model, hvx and qemu-img check find
 * no problems, qemu-img reads the model too. */
static void verify(const char *path, const struct model *m)
{
  char raw[300];
  hvx_image *img = hvx_open(path, NULL, 0);

  if (!img)
    fail_msg("reopen %s: %s", path, hvx_error());
  assert_string_equal(hvx_image_format(img), "qcow2");
  assert_reads(img, m);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  hvx_close(img);
  assert_qemu_check_clean(path);
  snprintf(raw, sizeof raw, "%s.model.raw", path);
  write_file(raw, m->d, m->size);
  assert_qemu_same(raw, path);
  unlink(raw);
}

static void fill_compressible(uint8_t *b, size_t n, unsigned seed)
{
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)("hvx qcow2 compressible text "[(i + seed) % 28]);
}

/* Writes inside one cluster, across cluster boundaries, and large
 * unaligned ones, for each cluster size. */
static void roundtrip(const char *name, const char *opts, uint64_t cs,
                      uint64_t size)
{
  const char *p = test_path(name);
  size_t bufn = (size_t)(3 * cs + 12345);
  uint8_t *b = malloc(bufn);
  struct model m;
  hvx_image *img;

  model_init(&m, size);
  img = hvx_create(p, "qcow2", size, opts);
  if (!img)
    fail_msg("create %s: %s", opts, hvx_error());
  assert_int_equal(hvx_image_size(img), size);
  fill_pattern(b, bufn, 1);
  mwrite(img, &m, b, 100, 7);                       /* inside cluster 0 */
  mwrite(img, &m, b, 1000, cs - 500);               /* across 0|1 */
  mwrite(img, &m, b, bufn, 2 * cs + 333);           /* several, unaligned */
  mwrite(img, &m, b, (size_t)cs, 8 * cs);           /* exactly one */
  mwrite(img, &m, b + 5, 17, 8 * cs + 100);         /* rewrite in place */
  mwrite(img, &m, b, 10, size - 10);                /* the last bytes */
  assert_reads(img, &m);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);

  /* Reopen for writing and change existing clusters. */
  img = hvx_open(p, "qcow2", HVX_OPEN_WRITE);
  assert_non_null(img);
  fill_pattern(b, bufn, 99);
  mwrite(img, &m, b, 3000, 2 * cs + 100);
  mwrite(img, &m, b, 64, 20 * cs);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(b);
  free(m.d);
}

static void test_roundtrip_512(void **state)
{
  (void)state;
  roundtrip("c512.qcow2", "cluster_size=512", 512, (1 << 20) + 512);
}

static void test_roundtrip_64k(void **state)
{
  (void)state;
  roundtrip("c64k.qcow2", NULL, 65536, 3 << 20);
}

static void test_roundtrip_2m(void **state)
{
  (void)state;
  roundtrip("c2m.qcow2", "cluster_size=2M", 2 << 20, 48 << 20);
}

static void test_roundtrip_v2(void **state)
{
  (void)state;
  roundtrip("v2.qcow2", "compat=0.10,cluster_size=4096", 4096, 1 << 20);
}

static void test_refcount_widths(void **state)
{
  (void)state;
  roundtrip("rb1.qcow2", "refcount_bits=1,cluster_size=1024", 1024, 1 << 20);
  roundtrip("rb64.qcow2", "refcount_bits=64,cluster_size=1024", 1024,
            1 << 20);
}

static void test_zero(void **state)
{
  const char *p = test_path("zero.qcow2");
  static uint8_t b[65536 * 4];
  struct model m;
  uint64_t pnum;
  unsigned flags;
  hvx_image *img;
  (void)state;

  model_init(&m, 2 << 20);
  img = hvx_create(p, "qcow2", m.size, NULL);
  assert_non_null(img);
  fill_pattern(b, sizeof b, 3);
  mwrite(img, &m, b, sizeof b, 0);
  mwrite(img, &m, b, sizeof b, 1 << 20);
  mzero(img, &m, 65536, 65536, HVX_ZERO_MAY_UNMAP);  /* deallocated */
  mzero(img, &m, 2 * 65536, 65536, 0);               /* keeps its space */
  mzero(img, &m, 100, 200, 0);                       /* partial: zeros */
  mzero(img, &m, (1 << 20) + 1000, 200000, HVX_ZERO_MAY_UNMAP);
  assert_int_equal(hvx_block_status(img, 65536, 65536, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  assert_int_equal(hvx_block_status(img, 2 * 65536, 65536, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO | HVX_BS_ALLOCATED);
  assert_int_equal(hvx_block_status(img, 0, 65536, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  /* Writing into a zeroed-but-allocated cluster keeps the rest zero. */
  mwrite(img, &m, b, 10, 2 * 65536 + 500);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(m.d);
}

static void test_zero_v2(void **state)
{
  const char *p = test_path("zero-v2.qcow2");
  static uint8_t b[8192];
  struct model m;
  hvx_image *img;
  (void)state;

  model_init(&m, 1 << 20);
  img = hvx_create(p, "qcow2", m.size, "compat=0.10,cluster_size=4096");
  assert_non_null(img);
  fill_pattern(b, sizeof b, 4);
  for (uint64_t off = 0; off < m.size; off += 65536)
    mwrite(img, &m, b, sizeof b, off);
  mzero(img, &m, 0, 4096, HVX_ZERO_MAY_UNMAP);
  mzero(img, &m, 65536, 8192, 0);
  mzero(img, &m, 2 * 65536 + 4000, 100, 0);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(m.d);
}

static void test_compressed(void **state)
{
  const char *p = test_path("comp.qcow2");
  static uint8_t b[65536];
  uint64_t size = 10 * 65536 + 4096; /* a short last cluster */
  struct model m;
  hvx_image *img;
  struct stat st;
  (void)state;

  model_init(&m, size);
  img = hvx_create(p, "qcow2", size, NULL);
  assert_non_null(img);
  for (int i = 0; i < 6; i++) {
    fill_compressible(b, sizeof b, (unsigned)i);
    mcompress(img, &m, b, sizeof b, (uint64_t)i * 65536);
  }
  fill_pattern(b, sizeof b, 5); /* incompressible: stored plainly */
  mcompress(img, &m, b, sizeof b, 7 * 65536);
  fill_compressible(b, 4096, 9);
  mcompress(img, &m, b, 4096, 10 * 65536);
  /* Overwrite part of a compressed cluster, and a whole one. */
  fill_pattern(b, 300, 6);
  mwrite(img, &m, b, 300, 2 * 65536 + 1000);
  fill_compressible(b, sizeof b, 17);
  mcompress(img, &m, b, sizeof b, 3 * 65536);
  mzero(img, &m, 4 * 65536, 65536, HVX_ZERO_MAY_UNMAP);
  assert_reads(img, &m);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  /* Six compressible clusters pack into far less than six clusters. */
  assert_int_equal(stat(p, &st), 0);
  assert_true(st.st_size < 12 * 65536);
  free(m.d);
}

static void test_compressed_512(void **state)
{
  const char *p = test_path("comp512.qcow2");
  uint8_t b[512];
  struct model m;
  hvx_image *img;
  (void)state;

  model_init(&m, 64 * 512);
  img = hvx_create(p, "qcow2", m.size, "cluster_size=512");
  assert_non_null(img);
  for (int i = 0; i < 64; i++) {
    fill_compressible(b, sizeof b, (unsigned)i);
    mcompress(img, &m, b, sizeof b, (uint64_t)i * 512);
  }
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(m.d);
}

/* An overlay over a qcow2 base: partial writes copy the rest of the
 * cluster from the base; unallocated ranges report the base's status. */
static void test_backing_cow(void **state)
{
  const char *base = test_path("base.qcow2"), *top = test_path("top.qcow2");
  static uint8_t b[3 * 65536];
  struct model m;
  uint64_t pnum, size = 1 << 20;
  unsigned flags;
  hvx_image *img;
  (void)state;

  model_init(&m, size);
  img = hvx_create(base, "qcow2", size - 65536, NULL); /* shorter */
  assert_non_null(img);
  fill_pattern(b, sizeof b, 11);
  mwrite(img, &m, b, sizeof b, 65536);
  mwrite(img, &m, b, 5000, 8 * 65536 + 300);
  assert_int_equal(hvx_close(img), 0);

  img = hvx_create(top, "qcow2", size, "backing_file=base.qcow2");
  if (!img)
    fail_msg("create overlay: %s", hvx_error());
  assert_non_null(hvx_image_backing(img));
  assert_reads(img, &m);
  /* Unallocated over base data: not zero, not allocated here. */
  assert_int_equal(hvx_block_status(img, 65536, size - 65536, &pnum,
                                    &flags), 0);
  assert_int_equal(flags, 0);
  assert_int_equal(pnum, 3 * 65536);
  /* Beyond the base's end: zeros. */
  assert_int_equal(hvx_block_status(img, size - 65536, 65536, &pnum,
                                    &flags), 0);
  assert_int_equal(flags, HVX_BS_ZERO);
  fill_pattern(b, 100, 12);
  mwrite(img, &m, b, 100, 65536 + 4000);        /* COW from the base */
  mwrite(img, &m, b, 50, size - 50);            /* COW past its end */
  mzero(img, &m, 2 * 65536, 65536, HVX_ZERO_MAY_UNMAP); /* hides base */
  mzero(img, &m, 8 * 65536 + 1000, 10, 0);
  assert_int_equal(hvx_block_status(img, 2 * 65536, 65536, &pnum, &flags),
                   0);
  assert_int_equal(flags, HVX_BS_ZERO);
  assert_int_equal(hvx_block_status(img, 65536, 65536, &pnum, &flags), 0);
  assert_int_equal(flags, HVX_BS_ALLOCATED);
  assert_int_equal(hvx_close(img), 0);
  verify(top, &m);

  /* The recorded backing format, as qemu-img info sees it too. */
  img = hvx_open(top, NULL, HVX_OPEN_NO_BACKING);
  assert_non_null(img);
  assert_null(hvx_image_backing(img));
  hvx_close(img);
  if (have_qemu_img())
    assert_int_equal(run_cmd("qemu-img info '%s' | grep -q "
                             "'backing file format: qcow2'", top), 0);
  free(m.d);
}

/* A version 2 overlay over a raw base: zeroing must write zeros. */
static void test_backing_v2_raw(void **state)
{
  const char *base = test_path("base2.raw"), *top = test_path("top2.qcow2");
  static uint8_t b[1 << 20];
  struct model m;
  hvx_image *img;
  (void)state;

  model_init(&m, sizeof b);
  fill_pattern(m.d, sizeof b, 21);
  write_file(base, m.d, sizeof b);
  img = hvx_create(top, "qcow2", sizeof b,
                   "compat=0.10,cluster_size=4096,backing_file=base2.raw,"
                   "backing_fmt=raw");
  assert_non_null(img);
  mzero(img, &m, 4096, 3 * 4096, HVX_ZERO_MAY_UNMAP);
  mzero(img, &m, 10 * 4096 + 7, 99, 0);
  fill_pattern(b, 5, 22);
  mwrite(img, &m, b, 5, 20 * 4096 + 4093);
  assert_int_equal(hvx_close(img), 0);
  verify(top, &m);
  free(m.d);
}

/* Random writes, zeroes and compressed writes against the model. */
static uint64_t rnd(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void random_ops(const char *name, const char *opts, uint64_t cs,
                       uint64_t size, bool backing, uint64_t seed)
{
  const char *p = test_path(name);
  char o[256], bname[64];
  size_t maxn = (size_t)(3 * cs);
  uint8_t *b = malloc(maxn);
  struct model m;
  hvx_image *img;

  model_init(&m, size);
  snprintf(o, sizeof o, "%s", opts);
  if (backing) {
    snprintf(bname, sizeof bname, "%s.base", name);
    fill_pattern(m.d, (size_t)size / 2, seed);
    write_file(test_path(bname), m.d, (size_t)size / 2);
    snprintf(o, sizeof o, "%s,backing_file=%s,backing_fmt=raw", opts, bname);
  }
  img = hvx_create(p, "qcow2", size, o);
  if (!img)
    fail_msg("create %s: %s", o, hvx_error());
  for (int i = 0; i < 150; i++) {
    uint64_t r = rnd(&seed), off = r % size, n;
    switch ((r >> 40) % 4) {
    case 0:
    case 1:
      n = 1 + rnd(&seed) % maxn;
      n = hvx_min_u64(n, size - off);
      fill_pattern(b, (size_t)n, rnd(&seed));
      mwrite(img, &m, b, (size_t)n, off);
      break;
    case 2:
      n = hvx_min_u64(1 + rnd(&seed) % maxn, size - off);
      mzero(img, &m, off, n, (r >> 50) & 1 ? HVX_ZERO_MAY_UNMAP : 0);
      break;
    case 3:
      off -= off % cs;
      n = hvx_min_u64(cs, size - off);
      if ((r >> 50) & 1)
        fill_compressible(b, (size_t)n, (unsigned)r);
      else
        fill_pattern(b, (size_t)n, r);
      mcompress(img, &m, b, (size_t)n, off);
      break;
    }
    if (i == 75) { /* midway: flush, check, and carry on */
      assert_int_equal(hvx_flush(img), 0);
      assert_int_equal(hvx_check(img, NULL, NULL), 0);
    }
  }
  assert_reads(img, &m);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(b);
  free(m.d);
}

static void test_random_v3(void **state)
{
  (void)state;
  random_ops("r1.qcow2", "cluster_size=512", 512, 300 * 512 + 512, false, 1);
  random_ops("r2.qcow2", "cluster_size=4096", 4096, 1 << 20, true, 2);
  random_ops("r3.qcow2", "cluster_size=65536", 65536, 4 << 20, true, 3);
  random_ops("r4.qcow2", "cluster_size=1024,refcount_bits=2", 1024,
             200 * 1024, false, 4);
}

static void test_random_v2(void **state)
{
  (void)state;
  random_ops("r5.qcow2", "compat=0.10,cluster_size=512", 512, 256 * 1024,
             true, 5);
  random_ops("r6.qcow2", "compat=0.10,cluster_size=8192", 8192, 1 << 20,
             false, 6);
}

/* Huge virtual sizes stay cheap, and small clusters with a big disk
 * need many refcount blocks and a growing refcount table at create. */
static void test_large_virtual(void **state)
{
  const char *a = test_path("big.qcow2"), *c = test_path("l1big.qcow2");
  uint8_t b[4096];
  struct model m = { NULL, 0 };
  hvx_image *img;
  struct stat st;
  (void)state;

  img = hvx_create(a, "qcow2", 4ull << 40, NULL);
  assert_non_null(img);
  fill_pattern(b, sizeof b, 31);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, (4ull << 40) - 4096), 0);
  assert_int_equal(hvx_close(img), 0);
  assert_int_equal(stat(a, &st), 0);
  assert_true(st.st_blocks * 512 < (2 << 20));
  assert_qemu_check_clean(a);

  img = hvx_create(c, "qcow2", 2ull << 30, "cluster_size=512");
  assert_non_null(img);
  assert_int_equal(hvx_pwrite(img, b, sizeof b, (2ull << 30) - 8192), 0);
  assert_int_equal(hvx_check(img, NULL, NULL), 0);
  assert_int_equal(hvx_close(img), 0);
  assert_qemu_check_clean(c);
  img = hvx_open(c, NULL, 0);
  assert_non_null(img);
  memset(b, 0, sizeof b);
  assert_int_equal(hvx_pread(img, b, sizeof b, (2ull << 30) - 8192), 0);
  {
    uint8_t e[4096];
    fill_pattern(e, sizeof e, 31);
    assert_memory_equal(b, e, sizeof b);
  }
  hvx_close(img);
  (void)m;
}

/* 64-bit refcounts in 512-byte clusters: a refcount block covers only
 * 64 clusters, so a few MiB of data outgrow the first refcount table. */
static void test_reftable_growth(void **state)
{
  const char *p = test_path("grow.qcow2");
  static uint8_t b[6 << 20];
  struct model m;
  hvx_image *img;
  (void)state;

  model_init(&m, sizeof b);
  img = hvx_create(p, "qcow2", sizeof b, "cluster_size=512,refcount_bits=64");
  assert_non_null(img);
  fill_pattern(b, sizeof b, 51);
  mwrite(img, &m, b, sizeof b / 2, 0);
  assert_int_equal(hvx_flush(img), 0);
  mwrite(img, &m, b, sizeof b / 2, sizeof b / 2);
  assert_int_equal(hvx_close(img), 0);
  verify(p, &m);
  free(m.d);
}

/* Images qemu-img made (plain and compressed), changed by hvx. */
static void test_write_qemu_image(void **state)
{
  const char *raw = test_path("qsrc.raw"), *p = test_path("q.qcow2");
  static uint8_t b[1 << 20];
  struct model m;
  hvx_image *img;
  (void)state;

  if (!have_qemu_img())
    skip();
  for (int c = 0; c < 2; c++) {
    model_init(&m, 2 << 20);
    fill_compressible(m.d, 1 << 20, 1);
    fill_pattern(m.d + (1 << 20), 300000, 61);
    write_file(raw, m.d, (size_t)m.size);
    unlink(p);
    assert_int_equal(run_cmd("qemu-img convert %s -f raw -O qcow2 -o "
                             "cluster_size=4096 '%s' '%s'", c ? "-c" : "",
                             raw, p), 0);
    img = hvx_open(p, NULL, HVX_OPEN_WRITE);
    assert_non_null(img);
    fill_pattern(b, sizeof b, 62);
    mwrite(img, &m, b, 10000, 5000);             /* over (compressed) data */
    mwrite(img, &m, b, 4096, 8192);
    mzero(img, &m, 100 * 4096, 20 * 4096, HVX_ZERO_MAY_UNMAP);
    mcompress(img, &m, b, 4096, 300 * 4096);
    mwrite(img, &m, b, 70000, (1 << 20) + 123);
    assert_int_equal(hvx_close(img), 0);
    verify(p, &m);
    free(m.d);
  }
}

struct info_seen {
  char cluster[32], compat[16], backing[64], fmt[16], rb[8];
};

static void grab_info(void *opaque, const char *k, const char *v)
{
  struct info_seen *s = opaque;
  if (!strcmp(k, "cluster_size")) snprintf(s->cluster, 32, "%s", v);
  if (!strcmp(k, "compat")) snprintf(s->compat, 16, "%s", v);
  if (!strcmp(k, "backing_file")) snprintf(s->backing, 64, "%s", v);
  if (!strcmp(k, "backing_format")) snprintf(s->fmt, 16, "%s", v);
  if (!strcmp(k, "refcount_bits")) snprintf(s->rb, 8, "%s", v);
}

static void test_info_probe(void **state)
{
  const char *base = test_path("ib.raw"), *p = test_path("info.qcow2");
  struct info_seen s = { "", "", "", "", "" };
  hvx_image *img;
  (void)state;

  write_file(base, "x", 1);
  img = hvx_create(p, "qcow2", 1 << 20, "compat=0.10,cluster_size=16K,"
                   "backing_file=ib.raw");
  assert_non_null(img);
  hvx_close(img);
  assert_string_equal(hvx_probe(p), "qcow2");
  img = hvx_open(p, NULL, 0);
  assert_non_null(img);
  assert_int_equal(hvx_image_info(img, grab_info, &s), 0);
  assert_string_equal(s.cluster, "16384");
  assert_string_equal(s.compat, "0.10");
  assert_string_equal(s.backing, "ib.raw");
  assert_string_equal(s.fmt, "raw"); /* probed and recorded at create */
  assert_string_equal(s.rb, "16");
  hvx_close(img);
}

static void test_convert(void **state)
{
  const char *src = test_path("cv.raw"), *d1 = test_path("cv.qcow2"),
             *d2 = test_path("cvc.qcow2"), *d3 = test_path("cv2.raw");
  static uint8_t b[4 << 20];
  hvx_convert_options *o = hvx_convert_options_new();
  struct model m = { b, sizeof b };
  (void)state;

  fill_pattern(b, 1 << 20, 41);
  fill_compressible(b + (2 << 20), 1 << 20, 3);
  write_file(src, b, sizeof b);
  assert_int_equal(hvx_convert_set_target_format(o, "qcow2"), 0);
  assert_int_equal(hvx_convert(src, d1, o), 0);
  verify(d1, &m);
  assert_int_equal(hvx_convert_set_compress(o, 1), 0);
  assert_int_equal(hvx_convert_set_target_options(o, "cluster_size=2M"), 0);
  assert_int_equal(hvx_convert(src, d2, o), 0);
  verify(d2, &m);
  assert_int_equal(hvx_convert_set_compress(o, 0), 0);
  assert_int_equal(hvx_convert_set_target_format(o, "raw"), 0);
  assert_int_equal(hvx_convert_set_target_options(o, NULL), 0);
  assert_int_equal(hvx_convert(d2, d3, o), 0);
  hvx_convert_options_free(o);
  {
    hvx_image *a = hvx_open(src, "raw", 0), *c = hvx_open(d3, "raw", 0);
    assert_non_null(a);
    assert_non_null(c);
    assert_int_equal(hvx_compare(a, c, NULL), 0);
    hvx_close(a);
    hvx_close(c);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_roundtrip_512),
    cmocka_unit_test(test_roundtrip_64k),
    cmocka_unit_test(test_roundtrip_2m),
    cmocka_unit_test(test_roundtrip_v2),
    cmocka_unit_test(test_refcount_widths),
    cmocka_unit_test(test_zero),
    cmocka_unit_test(test_zero_v2),
    cmocka_unit_test(test_compressed),
    cmocka_unit_test(test_compressed_512),
    cmocka_unit_test(test_backing_cow),
    cmocka_unit_test(test_backing_v2_raw),
    cmocka_unit_test(test_random_v3),
    cmocka_unit_test(test_random_v2),
    cmocka_unit_test(test_large_virtual),
    cmocka_unit_test(test_reftable_growth),
    cmocka_unit_test(test_write_qemu_image),
    cmocka_unit_test(test_info_probe),
    cmocka_unit_test(test_convert),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
