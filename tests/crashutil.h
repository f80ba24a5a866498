/* hvx tests - simulating a power cut at every operation of an in-place
 * change to an image, through the I/O hook of lib/io.c.
 *
 * A scenario runs one in-place operation (a log replay, a repair, API
 * writes) on a copy of an original image, with the hook installed on
 * the file for the whole of it (open, writes, close).  Power is cut:
 *  - by prefix: operations 0..k-1 reach the disk, operation k reaches it
 *    not at all, or torn (up to the first sector boundary of the file
 *    inside it, or up to the one at its middle: sectors are atomic),
 *    and from then on every operation fails (EIO) and nothing more
 *    reaches the file: for every k, injected live into the real run;
 *  - by reordering: a disk may persist the writes issued since the last
 *    sync (fdatasync, the only barrier) in any order, so a crash inside
 *    such an epoch leaves any subset of them, the last one possibly
 *    torn.  From a recording of the run's operations we rebuild, for
 *    each epoch, the image with each single write of it lost alone, and
 *    with seeded random subsets (HVX_CRASH_SEED overrides the seed).
 * The scenario's verify callback then judges each crashed image.
 * When there are more crash points than a scenario allows (max_points),
 * a seeded random sample of them is run, and the count says so. */
#ifndef HVX_CRASHUTIL_H
#define HVX_CRASHUTIL_H

#include "testutil.h"

#include <time.h>

/* ---- files -------------------------------------------------------- */

/* Copy FROM to TO keeping holes (images may be large and sparse). */
static void sparse_copy(const char *from, const char *to)
{
  int in = open(from, O_RDONLY), out;
  uint8_t *buf = malloc(1 << 20);
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
                                                      1 << 20), pos);
      assert_true(n > 0);
      assert_int_equal(pwrite(out, buf, (size_t)n, pos), n);
      pos += n;
    }
  }
  close(in);
  close(out);
  free(buf);
}

static bool same_file(const char *a, const char *b)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
  return system(cmd) == 0;
}

static bool have_qemu_img(void)
{
  return system("qemu-img --version >/dev/null 2>&1") == 0;
}

/* A test that says (by skipping) when qemu-img, the independent
 * oracle, is missing, so that its checks were not run. */
static void test_qemu_img_present(void **state)
{
  (void)state;
  if (!have_qemu_img())
    skip();
}

static void run_ok(const char *what, const char *cmd)
{
  int r = system(cmd);
  if (r != 0)
    fail_msg("%s: '%s' failed (status %d)", what, cmd, r);
}

/* ---- seeded choices ---------------------------------------------- */

static uint64_t rng_state;

static void crash_seed(void)
{
  rng_state = 0x9E3779B97F4A7C15ull;
  if (getenv("HVX_CRASH_SEED"))
    rng_state ^= strtoull(getenv("HVX_CRASH_SEED"), NULL, 0);
}

static uint64_t rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* ---- recording and injecting ------------------------------------ */

#define CRASH_MAX_OPS 8192

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
    assert_true(c->nrec < CRASH_MAX_OPS);
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

/* Apply recorded operation OP to FD, only its first KEEP bytes. */
static void crash_apply(int fd, const struct rec_op *op, uint64_t keep)
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

static const char *kind_name(enum hvx_io_kind k)
{
  static const char *const names[] = { "pwrite", "truncate", "punch",
                                       "sync" };
  return names[k];
}

/* ---- a scenario --------------------------------------------------- */

struct crash_scenario {
  const char *name;
  const char *orig, *work;   /* the untouched image; the one crashed */
  /* Run the in-place operation on WORK with HOOK on its file.  It may
   * fail part-way (the hook fails everything after the power cut). */
  void (*run)(struct crash_scenario *sc, const struct hvx_io_hook *hook);
  /* Judge the crashed image at WORK (fail_msg naming LABEL if bad). */
  void (*verify)(struct crash_scenario *sc, const char *label);
  void *opaque;
  unsigned max_points;       /* 0: no limit, else sample */
  /* Filled in by crash_everywhere: */
  size_t ops, syncs;
  unsigned prefix, reordered, candidates;
};

/* A crash point: prefix (K, TORN), or a subset of the epoch
 * [START, END) -- all of it but LOST, or a random one (LOST ==
 * SIZE_MAX, seeded by SEED). */
struct crash_point {
  bool subset;
  size_t k, start, end, lost;
  uint64_t torn, seed;
};

/* Power cut at operation K of N, TORN bytes of it written. */
static void crash_prefix(struct crash_scenario *sc, const struct rec_op *ops,
                         size_t n, size_t k, uint64_t torn)
{
  struct crash c = { .k = k, .torn = torn };
  struct hvx_io_hook hook = { crash_hook, &c };
  char label[256];

  snprintf(label, sizeof label, "%s: crash at operation %zu of %zu (%s at "
           "0x%llx, %llu of %llu bytes written)", sc->name, k, n,
           kind_name(ops[k].kind), (unsigned long long)ops[k].offset,
           (unsigned long long)torn, (unsigned long long)ops[k].length);
  sparse_copy(sc->orig, sc->work);
  sc->run(sc, &hook);
  /* The hook did cut the power: nothing reached the file. */
  if (k == 0 && torn == 0 && !same_file(sc->orig, sc->work))
    fail_msg("%s: the file changed", label);
  sc->verify(sc, label);
}

/* Operations [0, START) done, then those of [START, END) marked in
 * PICK, the one at TORN_AT (if any) only its first TORN bytes. */
static void crash_subset(struct crash_scenario *sc, const struct rec_op *ops,
                         size_t start, const bool *pick, size_t end,
                         size_t torn_at, uint64_t torn, const char *how)
{
  char label[320];
  int fd;

  snprintf(label, sizeof label, "%s: crash in the epoch of operations "
           "%zu-%zu: %s", sc->name, start, end - 1, how);
  sparse_copy(sc->orig, sc->work);
  fd = open(sc->work, O_RDWR);
  assert_true(fd >= 0);
  for (size_t i = 0; i < end; i++)
    if (i < start || pick[i - start])
      crash_apply(fd, &ops[i], i == torn_at ? torn : ops[i].length);
  close(fd);
  sc->verify(sc, label);
}

#define RANDOM_SUBSETS 8

/* Where a write may tear: a disk writes each 512-byte sector of the
 * file whole or not at all, so only at a sector boundary of the file
 * strictly inside the operation (its offset need not be aligned).
 * These return how many of its bytes reach the disk, 0 for none. */
static uint64_t torn_at_sector(const struct rec_op *op, uint64_t at)
{
  uint64_t cut = at / 512 * 512;
  if (op->kind != HVX_IO_PWRITE && op->kind != HVX_IO_PUNCH)
    return 0;
  return cut > op->offset && cut < op->offset + op->length ?
         cut - op->offset : 0;
}

/* The first sector boundary inside OP; the one at or before its middle. */
static uint64_t torn_first(const struct rec_op *op)
{
  return torn_at_sector(op, op->offset + 512);
}

static uint64_t torn_half(const struct rec_op *op)
{
  return torn_at_sector(op, op->offset + op->length / 2);
}

/* A seeded random boundary inside OP, half the time (else 0). */
static uint64_t torn_random(const struct rec_op *op)
{
  uint64_t first = torn_first(op), last, n;

  if (!first || !(rnd() & 1))
    return 0;
  last = torn_at_sector(op, op->offset + op->length - 1);
  n = (last - first) / 512 + 1;
  return first + 512 * (rnd() % n);
}

static void crash_run_point(struct crash_scenario *sc,
                            const struct rec_op *ops, size_t n,
                            const struct crash_point *p)
{
  size_t m = p->end - p->start, torn_at = SIZE_MAX, last = SIZE_MAX, len;
  bool *pick;
  uint64_t torn = 0, saved = rng_state;
  char how[200];

  if (!p->subset) {
    crash_prefix(sc, ops, n, p->k, p->torn);
    sc->prefix++;
    return;
  }
  pick = calloc(m, sizeof *pick);
  assert_non_null(pick);
  if (p->lost != SIZE_MAX) {
    for (size_t i = 0; i < m; i++)
      pick[i] = p->start + i != p->lost;
    snprintf(how, sizeof how, "operation %zu (%s at 0x%llx) lost alone",
             p->lost, kind_name(ops[p->lost].kind),
             (unsigned long long)ops[p->lost].offset);
  } else {
    rng_state = p->seed;
    len = (size_t)snprintf(how, sizeof how, "random subset {");
    for (size_t i = 0; i < m; i++) {
      pick[i] = rnd() & 1;
      if (pick[i] && ops[p->start + i].kind == HVX_IO_PWRITE)
        last = p->start + i;
      if (pick[i] && len < sizeof how - 8)
        len += (size_t)snprintf(how + len, sizeof how - len, " %zu",
                                p->start + i);
    }
    if (last != SIZE_MAX && (torn = torn_random(&ops[last])) != 0)
      torn_at = last;
    if (len < sizeof how - 40)
      snprintf(how + len, sizeof how - len, " }, %llu bytes of %zu",
               (unsigned long long)torn, torn_at);
    rng_state = saved;
  }
  crash_subset(sc, ops, p->start, pick, p->end, torn_at, torn, how);
  sc->reordered++;
  free(pick);
}

/* Every crash point of the recorded run OPS[0..N). */
static size_t crash_points(const struct rec_op *ops, size_t n,
                           struct crash_point **out)
{
  size_t cap = 16, np = 0, start = 0;
  struct crash_point *p = malloc(cap * sizeof *p);

#define ADD(...) do {                                                      \
    if (np == cap)                                                         \
      assert_non_null(p = realloc(p, (cap *= 2) * sizeof *p));             \
    p[np++] = (struct crash_point){ __VA_ARGS__ };                         \
  } while (0)
  assert_non_null(p);
  for (size_t k = 0; k < n; k++) {
    uint64_t first = torn_first(&ops[k]), half = torn_half(&ops[k]);
    ADD(.k = k);
    if (first)
      ADD(.k = k, .torn = first);
    if (half > first)
      ADD(.k = k, .torn = half);
  }
  for (size_t i = 0; i < n; i++) {
    size_t m = 0;
    if (ops[i].kind != HVX_IO_SYNC && i != n - 1)
      continue;
    for (size_t j = start; j <= i; j++)
      m += ops[j].kind != HVX_IO_SYNC;
    if (m >= 2) { /* else the prefixes cover it */
      for (size_t j = start; j <= i; j++)
        if (ops[j].kind != HVX_IO_SYNC)
          ADD(.subset = true, .start = start, .end = i + 1, .lost = j);
      for (int r = 0; m > 2 && r < RANDOM_SUBSETS; r++)
        ADD(.subset = true, .start = start, .end = i + 1, .lost = SIZE_MAX,
            .seed = rnd() | 1);
    }
    start = i + 1;
  }
#undef ADD
  *out = p;
  return np;
}

/* Record SC's run without a crash (and verify it), then crash it at
 * every point, or at a seeded sample of max_points of them. */
static void crash_everywhere(struct crash_scenario *sc)
{
  struct crash rec = { .k = SIZE_MAX };
  struct hvx_io_hook hook = { crash_hook, &rec };
  struct crash_point *pts;
  size_t n, np;
  char label[160];

  sc->prefix = sc->reordered = 0;
  rec.rec = calloc(CRASH_MAX_OPS, sizeof *rec.rec);
  assert_non_null(rec.rec);
  sparse_copy(sc->orig, sc->work);
  sc->run(sc, &hook);
  snprintf(label, sizeof label, "%s: no crash", sc->name);
  sc->verify(sc, label);
  n = rec.nrec;
  assert_true(n > 0);
  sc->ops = n;
  sc->syncs = 0;
  for (size_t i = 0; i < n; i++)
    sc->syncs += rec.rec[i].kind == HVX_IO_SYNC;
  np = crash_points(rec.rec, n, &pts);
  sc->candidates = (unsigned)np;
  if (sc->max_points && np > sc->max_points) {
    /* A seeded sample: a partial Fisher-Yates shuffle, run in order. */
    for (size_t i = 0; i < sc->max_points; i++) {
      size_t j = i + (size_t)(rnd() % (np - i));
      struct crash_point t = pts[i];
      pts[i] = pts[j];
      pts[j] = t;
    }
    np = sc->max_points;
  }
  for (size_t i = 0; i < np; i++)
    crash_run_point(sc, rec.rec, n, &pts[i]);
  free(pts);
  for (size_t i = 0; i < n; i++)
    free(rec.rec[i].data);
  free(rec.rec);
}

/* One line for the log: what was covered. */
static void crash_report(const struct crash_scenario *sc, double secs,
                         const char *extra)
{
  print_message("%s: %zu operations, %zu syncs; %u crash points (of %u): "
                "%u prefix (torn or not), %u reordered within an epoch%s; "
                "%.1f s\n", sc->name, sc->ops, sc->syncs,
                sc->prefix + sc->reordered, sc->candidates, sc->prefix,
                sc->reordered, extra, secs);
}

static double crash_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif /* HVX_CRASHUTIL_H */
