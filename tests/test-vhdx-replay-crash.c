/* Unit tests: a crash at any point of a VHDX log replay leaves an image
 * that is never worse than before.
 *
 * Crash model.  A read-write open of a dirty image replays its log in
 * place; the I/O hook (lib/io.c, hvx_open_hooked) sees each pwrite,
 * truncate, punch and sync it makes.  Power is cut:
 *  - by prefix: operations 0..k-1 reach the disk, operation k reaches it
 *    not at all, or torn (its first 512 bytes, or its first half), and
 *    from then on every operation fails (EIO) and nothing more reaches
 *    the file: for every k, injected live into the real open;
 *  - by reordering: a disk may persist the writes issued since the last
 *    sync (fdatasync, the only barrier) in any order, so a crash inside
 *    such an epoch leaves any subset of them, the last one possibly
 *    torn.  From a recording of the replay's operations we rebuild, for
 *    each epoch, the image with each single write of it lost alone, and
 *    with seeded random subsets (HVX_CRASH_SEED overrides the seed).
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
#include <time.h>

#include "vhdx-testutil.h"
#include "vhdx-logutil.h"

/* ---- files ------------------------------------------------------- */

/* Copy FROM to TO keeping holes (the qemu image is 10 GiB virtual). */
static void sparse_copy(const char *from, const char *to)
{
  int in = open(from, O_RDONLY), out;
  uint8_t *buf = malloc(MIB);
  off_t size, pos = 0;

  assert_true(in >= 0);
  assert_non_null(buf);
  unlink(to);
  out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
  assert_true(out >= 0);
  size = lseek(in, 0, SEEK_END);
  assert_int_equal(ftruncate(out, size), 0);
  while (pos < size) {
    off_t data = lseek(in, pos, SEEK_DATA), hole;
    if (data < 0)
      break;
    hole = lseek(in, data, SEEK_HOLE);
    for (pos = data; pos < hole; ) {
      ssize_t n = pread(in, buf, (size_t)hvx_min_u64((uint64_t)(hole - pos),
                                                      MIB), pos);
      assert_true(n > 0);
      assert_int_equal(pwrite(out, buf, (size_t)n, pos), n);
      pos += n;
    }
  }
  close(in);
  close(out);
  free(buf);
}

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

/* ---- recording and injecting ------------------------------------ */

struct rec_op {
  enum hvx_io_kind kind;
  uint64_t offset, length;
  uint8_t *data;
};

struct crash {
  size_t k;            /* operation where power is cut */
  uint64_t torn;       /* bytes of operation K that reach the disk */
  size_t seen;
  struct rec_op *rec;  /* recording: every operation, none cut */
  size_t nrec;
};

static int64_t crash_hook(void *opaque, const struct hvx_io_op *op)
{
  struct crash *c = opaque;
  size_t i = c->seen++;

  if (c->rec) {
    struct rec_op *r = &c->rec[c->nrec++];
    assert_true(c->nrec < 4096);
    r->kind = op->kind;
    r->offset = op->offset;
    r->length = op->length;
    r->data = NULL;
    if (op->kind == HVX_IO_PWRITE) {
      r->data = malloc(op->length);
      assert_non_null(r->data);
      memcpy(r->data, op->buf, op->length);
    }
  }
  if (i > c->k)
    return -1;
  /* The order syncs impose is what this test models; a real fdatasync
   * of a scratch file would only cost time. */
  if (op->kind == HVX_IO_SYNC)
    return 0;
  return i < c->k ? INT64_MAX : (int64_t)c->torn;
}

/* A read-write open with the crash C injected; it may fail or not. */
static void crashing_open(const char *path, struct crash *c)
{
  struct hvx_io_hook hook = { crash_hook, c };
  hvx_image *img = hvx_open_hooked(path, "vhdx", HVX_OPEN_WRITE, &hook);

  if (img)
    hvx_close(img);
}

/* Apply recorded operation OP to FD, only its first KEEP bytes. */
static void apply(int fd, const struct rec_op *op, uint64_t keep)
{
  static const uint8_t zeros[4096];

  switch (op->kind) {
  case HVX_IO_PWRITE:
    assert_int_equal(pwrite(fd, op->data, keep, (off_t)op->offset),
                     (ssize_t)keep);
    break;
  case HVX_IO_TRUNCATE:
    assert_int_equal(ftruncate(fd, (off_t)op->offset), 0);
    break;
  case HVX_IO_PUNCH:
    for (uint64_t done = 0; done < keep; done += sizeof zeros) {
      size_t n = (size_t)hvx_min_u64(keep - done, sizeof zeros);
      assert_int_equal(pwrite(fd, zeros, n, (off_t)(op->offset + done)),
                       (ssize_t)n);
    }
    break;
  case HVX_IO_SYNC:
    break;
  }
}

/* ---- one fixture -------------------------------------------------- */

struct fixture {
  const char *name, *orig, *work, *qcopy, *raw;
  struct sig ref;
  bool qemu;            /* qemu-img is there */
  bool qemu_replays;    /* and replays this log right (see qemu_check) */
  unsigned points, qemu_points, sample;
  uint64_t window;      /* bytes qemu-img compares */
};

static bool have_qemu_img(void)
{
  return system("qemu-img --version >/dev/null 2>&1") == 0;
}

static void run_ok(const char *what, const char *cmd)
{
  int r = system(cmd);
  if (r != 0)
    fail_msg("%s: '%s' failed (status %d)", what, cmd, r);
}

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
static void verify(struct fixture *fx, const char *label)
{
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

static const char *kind_name(enum hvx_io_kind k)
{
  static const char *const names[] = { "pwrite", "truncate", "punch",
                                       "sync" };
  return names[k];
}

static bool same_file(const char *a, const char *b)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
  return system(cmd) == 0;
}

/* Power cut at operation K of N, TORN bytes of it written. */
static void crash_prefix(struct fixture *fx, const struct rec_op *ops,
                         size_t n, size_t k, uint64_t torn)
{
  struct crash c = { .k = k, .torn = torn };
  char label[256];

  snprintf(label, sizeof label, "%s: crash at operation %zu of %zu (%s at "
           "0x%llx, %llu of %llu bytes written)", fx->name, k, n,
           kind_name(ops[k].kind), (unsigned long long)ops[k].offset,
           (unsigned long long)torn, (unsigned long long)ops[k].length);
  sparse_copy(fx->orig, fx->work);
  crashing_open(fx->work, &c);
  /* The hook did cut the power: nothing reached the file. */
  if (k == 0 && torn == 0 && !same_file(fx->orig, fx->work))
    fail_msg("%s: the file changed", label);
  verify(fx, label);
}

/* Operations [0, START) done, then those of the epoch marked in PICK,
 * the one at TORN_AT (if any) only its first TORN bytes. */
static void crash_subset(struct fixture *fx, const struct rec_op *ops,
                         size_t start, const bool *pick, size_t end,
                         size_t torn_at, uint64_t torn, const char *how)
{
  char label[256];
  int fd;

  snprintf(label, sizeof label, "%s: crash in the epoch of operations "
           "%zu-%zu: %s", fx->name, start, end - 1, how);
  sparse_copy(fx->orig, fx->work);
  fd = open(fx->work, O_RDWR);
  assert_true(fd >= 0);
  for (size_t i = 0; i < end; i++)
    if (i < start || pick[i])
      apply(fd, &ops[i], i == torn_at ? torn : ops[i].length);
  close(fd);
  verify(fx, label);
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

#define RANDOM_SUBSETS 8

/* Each sync epoch [START, END) of N operations: each write lost alone,
 * and random subsets with the last write kept perhaps torn. */
static void crash_epoch(struct fixture *fx, const struct rec_op *ops,
                        size_t start, size_t end, unsigned *points)
{
  bool *pick = calloc(end, sizeof *pick);
  size_t m = 0;
  char how[160];

  assert_non_null(pick);
  for (size_t i = start; i < end; i++)
    m += ops[i].kind != HVX_IO_SYNC;
  if (m < 2)
    goto out; /* the prefixes cover it */
  for (size_t j = start; j < end; j++) {
    if (ops[j].kind == HVX_IO_SYNC)
      continue;
    for (size_t i = start; i < end; i++)
      pick[i] = i != j;
    snprintf(how, sizeof how, "operation %zu (%s at 0x%llx) lost alone", j,
             kind_name(ops[j].kind), (unsigned long long)ops[j].offset);
    crash_subset(fx, ops, start, pick, end, SIZE_MAX, 0, how);
    ++*points;
  }
  for (int r = 0; m > 2 && r < RANDOM_SUBSETS; r++) {
    size_t torn_at = SIZE_MAX, last = SIZE_MAX, len;
    uint64_t torn = 0;
    len = (size_t)snprintf(how, sizeof how, "random subset {");
    for (size_t i = start; i < end; i++) {
      pick[i] = rnd() & 1;
      if (pick[i] && ops[i].kind == HVX_IO_PWRITE)
        last = i;
      if (pick[i] && len < sizeof how - 8)
        len += (size_t)snprintf(how + len, sizeof how - len, " %zu", i);
    }
    if (last != SIZE_MAX && ops[last].length > 512 && rnd() & 1) {
      torn_at = last;
      torn = 512 * (1 + rnd() % (ops[last].length / 512 - 1));
    }
    if (len < sizeof how - 40)
      snprintf(how + len, sizeof how - len, " }, %llu bytes of %zu",
               (unsigned long long)torn, torn_at);
    crash_subset(fx, ops, start, pick, end, torn_at, torn, how);
    ++*points;
  }
out:
  free(pick);
}

static void clear_log_guid(uint8_t *h, void *arg)
{
  (void)arg;
  memset(h + 48, 0, 16);
}

static void crash_everywhere(struct fixture *fx)
{
  struct crash rec = { .k = SIZE_MAX };
  struct timespec t0, t1;
  struct sig s;
  unsigned prefix = 0, reordered = 0, syncs = 0;
  size_t n, start = 0;
  char label[160];

  clock_gettime(CLOCK_MONOTONIC, &t0);
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

  /* Record a replay without a crash. */
  rec.rec = calloc(4096, sizeof *rec.rec);
  assert_non_null(rec.rec);
  sparse_copy(fx->orig, fx->work);
  crashing_open(fx->work, &rec);
  snprintf(label, sizeof label, "%s: no crash", fx->name);
  verify(fx, label);
  n = rec.nrec;
  assert_true(n > 4);

  for (size_t k = 0; k < n; k++) {
    uint64_t len = rec.rec[k].length;
    crash_prefix(fx, rec.rec, n, k, 0);
    prefix++;
    if (rec.rec[k].kind != HVX_IO_PWRITE && rec.rec[k].kind != HVX_IO_PUNCH)
      continue;
    if (len > 512) {
      crash_prefix(fx, rec.rec, n, k, 512);
      prefix++;
    }
    if (len / 2 > 512) {
      crash_prefix(fx, rec.rec, n, k, len / 2);
      prefix++;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (rec.rec[i].kind == HVX_IO_SYNC || i == n - 1) {
      syncs += rec.rec[i].kind == HVX_IO_SYNC;
      crash_epoch(fx, rec.rec, start, i + 1, &reordered);
      start = i + 1;
    }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  print_message("%s: %zu operations, %u syncs; %u crash points: %u prefix "
                "(torn or not), %u reordered within an epoch; %u of them "
                "also checked by qemu-img%s; %.1f s\n", fx->name, n, syncs,
                prefix + reordered, prefix, reordered, fx->qemu_points,
                fx->qemu ? "" : " (qemu-img not found)",
                (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  for (size_t i = 0; i < n; i++)
    free(rec.rec[i].data);
  free(rec.rec);
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
  rng_state = 0x9E3779B97F4A7C15ull;
  if (getenv("HVX_CRASH_SEED"))
    rng_state ^= strtoull(getenv("HVX_CRASH_SEED"), NULL, 0);
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
  crash_everywhere(fx);
}

static void test_bat_and_zero(void **state)
{
  struct fixture *fx = new_fixture("BAT and zero entries", 3, true);
  (void)state;

  make_dirty(fx->orig, V_OK);
  crash_everywhere(fx);
}

static void test_wrapped_entry(void **state)
{
  struct fixture *fx = new_fixture("entry wrapping round the log", 2, false);
  (void)state;

  make_dirty(fx->orig, V_WRAP);
  crash_everywhere(fx);
}

static void test_file_grows(void **state)
{
  struct fixture *fx = new_fixture("log growing the file", 3, true);
  (void)state;

  make_dirty(fx->orig, V_EXTEND);
  crash_everywhere(fx);
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
  crash_everywhere(fx);
}

static void test_qemu_img_present(void **state)
{
  (void)state;
  if (!have_qemu_img())
    skip();
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
