/* Unit tests: a crash at any point of a VHDX log replay leaves an image
 * that is never worse than before.
 *
 * The crash models are crashutil.h's: a read-write open of a dirty
 * image replays its log in place, and power is cut at each of its
 * operations (by prefix, torn or not, and by reordering within a sync
 * epoch).
 * Every crashed image must then: open read-only, read exactly as the
 * dirty original reads (virtual size, block status, a digest of the
 * data), pass hvx check without corruption, and replay on a further
 * read-write open to a current header whose log GUID is zero, still
 * reading the same.  A sample is also given to qemu-img (check, after
 * its own replay with -r all if still dirty, and compare with the
 * reference read by hvx as raw), an oracle independent of hvx.
 *
 * Fixtures: qemu's dirty-log sample image and hand-built ones
 * (vhdx-logutil.h): a log rewriting the BAT and zeroing data, one whose
 * entry wraps round the end of the log, one growing the file, and a
 * bigger one changing the virtual size in the metadata region with
 * many writes in one epoch. */
#include "config.h" /* SEEK_DATA */

#include "testutil.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include "crashutil.h"

#include "vhdx-testutil.h"
#include "vhdx-logutil.h"

/* The log GUID of the current header as [MS-VHDX] defines it (the
 * valid one with the higher sequence number), read independently of
 * the driver: true if it is zero.  Fails if no header is valid. */
static bool header_clean(const char *path)
{
  uint8_t h[2][4096];
  int best = -1;

  for (int i = 0; i < 2; i++) {
    uint32_t crc;
    file_read(path, 0x10000 * (uint64_t)(i + 1), h[i], 4096);
    crc = hvx_le32(h[i] + 4);
    memset(h[i] + 4, 0, 4);
    if (memcmp(h[i], "head", 4) != 0 || hvx_crc32c(0, h[i], 4096) != crc)
      continue;
    if (best < 0 || hvx_le64(h[i] + 8) > hvx_le64(h[best] + 8))
      best = i;
  }
  if (best < 0)
    fail_msg("%s: no valid header", path);
  return hvx_is_zero(h[best] + 48, 16);
}

/* ---- what an image reads as ------------------------------------- */

struct sig {
  uint64_t vsize;
  size_t extents;
  char digest[65]; /* of the extent list and the data of non-zero ones */
};

static void signature(hvx_image *img, struct sig *s)
{
  EVP_MD_CTX *ctx = hvx_digest_begin("sha256");
  uint8_t *buf = malloc(MIB);
  uint64_t off = 0;

  assert_non_null(ctx);
  assert_non_null(buf);
  s->vsize = hvx_image_size(img);
  s->extents = 0;
  while (off < s->vsize) {
    uint64_t pnum, e[3];
    unsigned flags;
    if (hvx_block_status(img, off, s->vsize - off, &pnum, &flags) < 0)
      fail_msg("block status at %llu: %s", (unsigned long long)off,
               hvx_error());
    e[0] = off;
    e[1] = pnum;
    e[2] = flags;
    assert_true(EVP_DigestUpdate(ctx, e, sizeof e));
    s->extents++;
    for (uint64_t end = off + pnum; !(flags & HVX_BS_ZERO) && off < end; ) {
      size_t n = (size_t)hvx_min_u64(end - off, MIB);
      if (hvx_pread(img, buf, n, off) < 0)
        fail_msg("read at %llu: %s", (unsigned long long)off, hvx_error());
      assert_true(EVP_DigestUpdate(ctx, buf, n));
      off += n;
    }
    off = e[0] + e[1];
  }
  assert_int_equal(hvx_digest_end(ctx, s->digest, sizeof s->digest), 0);
  EVP_MD_CTX_free(ctx);
  free(buf);
}

static void open_signature(const char *path, struct sig *s, const char *what)
{
  hvx_image *img = hvx_open(path, "vhdx", 0);

  if (!img)
    fail_msg("%s: cannot open read-only: %s", what, hvx_error());
  signature(img, s);
  hvx_close(img);
}

static void assert_same_sig(const struct sig *got, const struct sig *want,
                            const char *what)
{
  if (got->vsize != want->vsize || got->extents != want->extents ||
      strcmp(got->digest, want->digest) != 0)
    fail_msg("%s: reads differently from the dirty original: size %llu "
             "(want %llu), %zu extents (want %zu), digest %.16s (want %.16s)",
             what, (unsigned long long)got->vsize,
             (unsigned long long)want->vsize, got->extents, want->extents,
             got->digest, want->digest);
}

struct problems {
  int bad;
  char first[256];
};

static void count_problem(void *opaque, int kind, uint64_t offset,
                          const char *msg)
{
  struct problems *p = opaque;
  (void)offset;
  if (kind == HVX_PROBLEM_LEAK)
    return;
  if (!p->bad++)
    snprintf(p->first, sizeof p->first, "%s", msg);
}

static void assert_checks_clean(const char *path, const char *what)
{
  hvx_image *img = hvx_open(path, "vhdx", 0);
  struct problems p = { 0 };

  if (!img)
    fail_msg("%s: cannot open read-only: %s", what, hvx_error());
  if (hvx_check(img, count_problem, &p) < 0)
    fail_msg("%s: check could not run: %s", what, hvx_error());
  if (p.bad)
    fail_msg("%s: check found %d problems, first: %s", what, p.bad, p.first);
  hvx_close(img);
}

/* ---- one fixture -------------------------------------------------- */

struct fixture {
  struct crash_scenario sc; /* first: verify gets it back as a fixture */
  const char *name, *orig, *work, *qcopy, *raw;
  struct sig ref;
  bool qemu;            /* qemu-img is there */
  bool qemu_replays;    /* and replays this log right (see qemu_check) */
  unsigned points, qemu_points, sample;
  uint64_t window;      /* bytes qemu-img compares */
};

/* The reference as raw, read by hvx, for qemu-img compare: its first
 * FX->window bytes, which hold all the data hvx finds.  (qemu's VHDX
 * driver has no block status: comparing the 10 GiB of the qemu sample
 * through it takes long, so qemu reads only that window, as in
 * interop-vhdx.sh.) */
static void write_raw(struct fixture *fx)
{
  hvx_image *in = hvx_open(fx->orig, "vhdx", 0), *out;
  uint8_t *buf = malloc(MIB);
  uint64_t off, end, size, data_end = 0;
  unsigned flags;

  assert_non_null(in);
  size = hvx_image_size(in);
  for (off = 0; off < size; off = end) {
    uint64_t pnum;
    assert_int_equal(hvx_block_status(in, off, size - off, &pnum, &flags), 0);
    end = off + pnum;
    if (!(flags & HVX_BS_ZERO))
      data_end = end;
  }
  fx->window = hvx_min_u64(size, hvx_round_up(data_end, MIB) + 16 * MIB);
  unlink(fx->raw);
  out = hvx_create(fx->raw, "raw", fx->window, NULL);
  assert_non_null(out);
  for (off = 0; off < data_end; off += (size_t)hvx_min_u64(data_end - off,
                                                           MIB)) {
    size_t n = (size_t)hvx_min_u64(data_end - off, MIB);
    assert_int_equal(hvx_pread(in, buf, n, off), 0);
    assert_int_equal(hvx_pwrite(out, buf, n, off), 0);
  }
  hvx_close(in);
  assert_int_equal(hvx_close(out), 0);
  free(buf);
}

static void qemu_check(struct fixture *fx, const char *label)
{
  char cmd[1024];

  /* qemu opens a dirty image only to repair it: let it replay first. */
  snprintf(cmd, sizeof cmd, "qemu-img check %s-f vhdx '%s' >/dev/null 2>&1",
           header_clean(fx->qcopy) ? "" : "-r all ", fx->qcopy);
  run_ok(label, cmd);
  snprintf(cmd, sizeof cmd, "qemu-img compare -q -f raw '%s' 'json:{"
           "\"driver\": \"raw\", \"size\": %llu, \"file\": {\"driver\": "
           "\"vhdx\", \"file\": {\"driver\": \"file\", \"filename\": "
           "\"%s\"}}}'", fx->raw, (unsigned long long)fx->window, fx->qcopy);
  run_ok(label, cmd);
  fx->qemu_points++;
}

/* The crashed image at FX->work must be no worse than the original.
 * qemu 7.2 replays a log sequence that wraps round the end of the log
 * wrongly (see interop-vhdx.sh), so there it checks only images whose
 * replay hvx already finished. */
static void verify(struct crash_scenario *sc, const char *label)
{
  struct fixture *fx = (struct fixture *)sc;
  struct sig s;
  hvx_image *img;
  bool qemu = fx->qemu && (fx->qemu_replays || header_clean(fx->work)) &&
    fx->points++ % fx->sample == 0;

  if (qemu)
    sparse_copy(fx->work, fx->qcopy);
  open_signature(fx->work, &s, label);
  assert_same_sig(&s, &fx->ref, label);
  assert_checks_clean(fx->work, label);
  img = hvx_open(fx->work, "vhdx", HVX_OPEN_WRITE);
  if (!img)
    fail_msg("%s: cannot open read-write: %s", label, hvx_error());
  assert_int_equal(hvx_close(img), 0);
  if (!header_clean(fx->work))
    fail_msg("%s: log GUID still set after a read-write open", label);
  open_signature(fx->work, &s, label);
  assert_same_sig(&s, &fx->ref, label);
  if (qemu)
    qemu_check(fx, label);
}

static void clear_log_guid(uint8_t *h, void *arg)
{
  (void)arg;
  memset(h + 48, 0, 16);
}

/* A read-write open replays the log (it may fail part-way). */
static void replay(struct crash_scenario *sc, const struct hvx_io_hook *hook)
{
  hvx_image *img = hvx_open_hooked(sc->work, "vhdx", HVX_OPEN_WRITE, hook);

  if (img)
    hvx_close(img);
}

static void crash_fixture(struct fixture *fx)
{
  double t0 = crash_now();
  struct sig s;
  char extra[80];

  fx->qemu = have_qemu_img();
  if (fx->qemu)
    write_raw(fx);
  open_signature(fx->orig, &fx->ref, fx->name);
  assert_false(header_clean(fx->orig));
  /* The log matters: without it the image reads differently, so a
   * crash that loses a replayed write can be seen. */
  sparse_copy(fx->orig, fx->work);
  patch_headers(fx->work, clear_log_guid, NULL);
  open_signature(fx->work, &s, fx->name);
  assert_true(s.vsize != fx->ref.vsize ||
              strcmp(s.digest, fx->ref.digest) != 0);

  fx->sc = (struct crash_scenario){ .name = fx->name, .orig = fx->orig,
                                    .work = fx->work, .run = replay,
                                    .verify = verify };
  crash_everywhere(&fx->sc);
  assert_true(fx->sc.ops > 4);
  snprintf(extra, sizeof extra, "; %u of them also checked by qemu-img%s",
           fx->qemu_points, fx->qemu ? "" : " (qemu-img not found)");
  crash_report(&fx->sc, crash_now() - t0, extra);
}

/* ---- the fixtures -------------------------------------------------- */

static struct fixture *new_fixture(const char *name, unsigned sample,
                                   bool qemu_replays)
{
  static struct fixture fx;
  static char paths[4][256];
  const char *p[4] = { "orig", "work", "qcopy", "raw" };

  memset(&fx, 0, sizeof fx);
  fx.name = name;
  fx.sample = sample;
  fx.qemu_replays = qemu_replays;
  for (int i = 0; i < 4; i++)
    snprintf(paths[i], sizeof paths[i], "%s", test_path(p[i]));
  fx.orig = paths[0];
  fx.work = paths[1];
  fx.qcopy = paths[2];
  fx.raw = paths[3];
  crash_seed();
  return &fx;
}

/* qemu's sample: one entry rewriting a BAT page of a 10 GiB image. */
static void test_qemu_sample(void **state)
{
  struct fixture *fx = new_fixture("qemu dirty-log sample", 4, true);
  const char *top = getenv("top_srcdir");
  char cmd[1024];
  (void)state;

  snprintf(cmd, sizeof cmd, "bzcat '%s/tests/fixtures/iotest-dirtylog-10G-"
           "4M.vhdx.bz2' | cp --sparse=always /dev/stdin '%s'",
           top ? top : "..", fx->orig);
  run_ok("decompressing the fixture", cmd);
  crash_fixture(fx);
}

static void test_bat_and_zero(void **state)
{
  struct fixture *fx = new_fixture("BAT and zero entries", 3, true);
  (void)state;

  make_dirty(fx->orig, V_OK);
  crash_fixture(fx);
}

static void test_wrapped_entry(void **state)
{
  struct fixture *fx = new_fixture("entry wrapping round the log", 2, false);
  (void)state;

  make_dirty(fx->orig, V_WRAP);
  crash_fixture(fx);
}

static void test_file_grows(void **state)
{
  struct fixture *fx = new_fixture("log growing the file", 3, true);
  (void)state;

  make_dirty(fx->orig, V_EXTEND);
  crash_fixture(fx);
}

/* Three entries (not wrapping round the log, so that qemu can replay
 * them too): the BAT gains blocks 2 and 3, block 0 gets 16 new sectors
 * and a zeroed range, the metadata region a virtual size of 16 MiB, and
 * the newest entry grows the file to 9 MiB. */
static void make_big_log(const char *p)
{
  uint8_t *a = malloc(MIB), *e = malloc(128 * 1024), bat[4096], meta[4096];
  uint8_t (*data)[4096] = malloc(16 * 4096);
  struct tdesc d1 = { false, BAT_OFF, 0, bat }, d2[18], d3;
  uint64_t vpos;
  hvx_image *img;
  size_t l1, l2;

  assert_true(a && e && data);
  unlink(p);
  img = hvx_create(p, "vhdx", SIZE, "block_size=1M");
  assert_non_null(img);
  fill_pattern(a, MIB, 1000);
  assert_int_equal(hvx_pwrite(img, a, MIB, 0), 0);
  assert_int_equal(hvx_close(img), 0);
  fill_pattern(a, MIB, 2000);
  file_write(p, BLOCK2, a, MIB);
  fill_pattern(a, MIB, 3000);
  file_write(p, BLOCK2 + MIB, a, MIB);
  file_read(p, BAT_OFF, bat, sizeof bat);
  assert_int_equal(hvx_le64(bat), BLOCK0 | 6);
  hvx_put_le64(bat + 16, BLOCK2 | 6);
  hvx_put_le64(bat + 24, (BLOCK2 + MIB) | 6);
  for (int i = 0; i < 16; i++) {
    fill_pattern(data[i], 4096, 5000 + 7919 * (uint64_t)i);
    d2[i] = (struct tdesc){ false, BLOCK0 + 12288 * (uint64_t)i, 0,
                            data[i] };
  }
  d2[16] = (struct tdesc){ true, BLOCK0 + 50 * 4096, 8192, NULL };
  d2[17] = (struct tdesc){ true, 8 * MIB, 4096, NULL };
  vpos = find_meta_value(p, VSIZE_D1);
  file_read(p, vpos / 4096 * 4096, meta, sizeof meta);
  hvx_put_le64(meta + vpos % 4096, 2 * SIZE);
  d3 = (struct tdesc){ false, vpos / 4096 * 4096, 0, meta };

  l1 = build_entry(e, 300, 0, 7 * MIB, 7 * MIB, &d1, 1);
  file_write(p, LOG_OFF, e, l1);
  l2 = build_entry(e, 301, 0, 7 * MIB, 7 * MIB, d2, 18);
  file_write(p, LOG_OFF + l1, e, l2);
  file_write(p, LOG_OFF + l1 + l2,
             e, build_entry(e, 302, 0, 7 * MIB, 9 * MIB, &d3, 1));
  patch_headers(p, set_log_guid, NULL);
  free(a);
  free(e);
  free(data);
}

static void test_big_log(void **state)
{
  struct fixture *fx = new_fixture("metadata, many writes, growth", 5, true);
  (void)state;

  make_big_log(fx->orig);
  crash_fixture(fx);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_qemu_img_present),
    cmocka_unit_test(test_qemu_sample),
    cmocka_unit_test(test_bat_and_zero),
    cmocka_unit_test(test_wrapped_entry),
    cmocka_unit_test(test_file_grows),
    cmocka_unit_test(test_big_log),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
