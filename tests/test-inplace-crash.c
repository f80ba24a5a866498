/* Unit tests: a crash at any point of an in-place change to an existing
 * image -- a repair made by a read-write open, or writes through the
 * API -- never leaves the image worse than before.
 *
 * The crash models are crashutil.h's: power is cut at each operation
 * of the run (open, writes, close), by prefix (torn or not) and by
 * reordering the writes between two syncs.
 *
 * What every crashed image must do:
 *  - open read-only, and read, per 512-byte sector: where the run
 *    wrote (pwrite or zero), the old content or the new, never a third
 *    value; everywhere else, the old content.  Sectors are the unit
 *    every format here can promise: a disk writes a sector whole or not
 *    at all, and no driver splits a sector's data over two writes;
 *  - pass hvx check with no corruption.  Leaks are accepted: a crash
 *    between taking space and publishing it leaves the space
 *    unreferenced (qcow2 clusters, VHD and VHDX blocks at the end of
 *    the file), as qemu's own drivers do;
 *  - open read-write and close again (completing any repair), and
 *    read the same afterwards;
 *  - for a sample, pass qemu-img check (leaks accepted for qcow2; qemu
 *    has no check for vpc) and read, through qemu-img convert, by the
 *    same rule: qemu is an oracle independent of hvx.  Differencing
 *    VHDX, which qemu cannot open, are read by libvhdi instead.
 * The repair scenarios also require the repair to be complete after
 * that read-write open (a valid footer at the end of the VHD, no
 * problem left for hvx check).
 *
 * Scenarios: the VHD end-footer repair (a damaged footer; a missing
 * one), qcow2's clearing of autoclear bits, and writes (allocating,
 * overwriting, zeroing with and without unmapping) to qcow2, dynamic
 * VHD, differencing VHD and dynamic VHDX images; to a qcow2 with a
 * backing file, version 3 and version 2 (no zero flag); to a qcow2
 * with 512-byte clusters, evicting dirty L2 tables and refcount blocks
 * and growing the refcount table; and to differencing VHDX images
 * (parents open), one with more partially present blocks than the
 * sector bitmap cache holds. */
#include "config.h" /* SEEK_DATA */

#include "crashutil.h"
#include "vhdx-testutil.h" /* find_region */

#include <dlfcn.h>

#define MIB (1u << 20)
#define SECTOR 512u

enum wkind { W_WRITE, W_ZERO, W_ZERO_UNMAP, W_END };

struct wop {
  enum wkind kind;
  uint64_t off, len;
};

struct wfix {
  struct crash_scenario sc; /* first: verify gets it back */
  const char *fmt, *qfmt;
  const struct wop *ops;    /* NULL: a repair (open and close only) */
  bool repair;              /* the original needs a repair */
  uint64_t vsize;
  uint8_t *old, *new, *buf, *written; /* written: one byte a sector */
  uint8_t *first;           /* verify's first reading (kept: page faults
                             * on a fresh 40 MiB buffer a point cost) */
  const char *qcopy, *qraw;
  bool qemu, no_qemu;       /* no_qemu: qemu-img cannot read the format */
  const char *vhdi_parent;  /* read the sample by libvhdi, with this parent */
  uint64_t seed;            /* of make_orig's data */
  unsigned vhdi_skipped;    /* blocks libvhdi was not asked about */
  unsigned points, sample, qemu_points;
};

/* ---- the write pattern and what it makes of the disk ------------- */

static void data_for(uint8_t *buf, const struct wop *w)
{
  fill_pattern(buf, w->len, w->off * 7 + 12345);
}

static void model(struct wfix *fx)
{
  memcpy(fx->new, fx->old, fx->vsize);
  memset(fx->written, 0, fx->vsize / SECTOR);
  for (const struct wop *w = fx->ops; w && w->kind != W_END; w++) {
    if (w->kind == W_WRITE)
      data_for(fx->new + w->off, w);
    else
      memset(fx->new + w->off, 0, w->len);
    memset(fx->written + w->off / SECTOR, 1,
           hvx_div_round_up(w->off + w->len, SECTOR) - w->off / SECTOR);
  }
}

static void run(struct crash_scenario *sc, const struct hvx_io_hook *hook)
{
  struct wfix *fx = (struct wfix *)sc;
  hvx_image *img = hvx_open_hooked(sc->work, fx->fmt, HVX_OPEN_WRITE, hook);
  uint8_t *buf;

  if (!img)
    return;
  buf = malloc(MIB);
  assert_non_null(buf);
  for (const struct wop *w = fx->ops; w && w->kind != W_END; w++) {
    int r;
    if (w->kind == W_WRITE) {
      data_for(buf, w);
      r = hvx_pwrite(img, buf, w->len, w->off);
    } else {
      r = hvx_zero(img, w->off, w->len,
                   w->kind == W_ZERO_UNMAP ? HVX_ZERO_MAY_UNMAP : 0);
    }
    if (r < 0)
      break; /* the power is off */
  }
  free(buf);
  hvx_close(img);
}

/* ---- judging ------------------------------------------------------ */

/* BUF (the whole disk as read) against the old and new content. */
static void judge(struct wfix *fx, const uint8_t *buf, const char *who,
                  const char *label)
{
  for (uint64_t s = 0; s < fx->vsize / SECTOR; s++) {
    const uint8_t *got = buf + s * SECTOR;
    bool old = memcmp(got, fx->old + s * SECTOR, SECTOR) == 0;
    if (old || (fx->written[s] &&
                memcmp(got, fx->new + s * SECTOR, SECTOR) == 0))
      continue;
    fail_msg("%s: read by %s, the sector at 0x%llx (%s) holds neither the "
             "old content%s (first bytes %02x %02x %02x %02x)", label, who,
             (unsigned long long)(s * SECTOR),
             fx->written[s] ? "written" : "not written",
             fx->written[s] ? " nor the new" : "", got[0], got[1], got[2],
             got[3]);
  }
}

static void read_all(struct wfix *fx, const char *label)
{
  hvx_image *img = hvx_open(fx->sc.work, fx->fmt, 0);

  if (!img)
    fail_msg("%s: cannot open read-only: %s", label, hvx_error());
  assert_int_equal(hvx_image_size(img), fx->vsize);
  if (hvx_pread(img, fx->buf, fx->vsize, 0) < 0)
    fail_msg("%s: cannot read: %s", label, hvx_error());
  hvx_close(img);
}

struct problems {
  int bad, leaks;
  char first[256];
};

static void count_problem(void *opaque, int kind, uint64_t offset,
                          const char *msg)
{
  struct problems *p = opaque;
  (void)offset;
  if (kind == HVX_PROBLEM_LEAK) {
    p->leaks++;
    return;
  }
  if (!p->bad++)
    snprintf(p->first, sizeof p->first, "%s", msg);
}

static struct problems check(struct wfix *fx, const char *label)
{
  hvx_image *img = hvx_open(fx->sc.work, fx->fmt, 0);
  struct problems p = { 0 };

  if (!img)
    fail_msg("%s: cannot open read-only: %s", label, hvx_error());
  if (hvx_check(img, count_problem, &p) < 0)
    fail_msg("%s: check could not run: %s", label, hvx_error());
  hvx_close(img);
  return p;
}

/* True if the last 512 bytes of PATH are a valid VHD footer. */
static bool vhd_end_footer_ok(const char *path)
{
  uint8_t f[512];
  uint32_t sum = 0;

  file_read(path, file_size(path) - 512, f, sizeof f);
  for (int i = 0; i < 512; i++)
    if (i < 64 || i >= 68)
      sum += f[i];
  return memcmp(f, "conectix", 8) == 0 && hvx_be32(f + 64) == ~sum;
}

/* ---- libvhdi, the oracle for differencing VHDX ------------------- *
 * qemu-img cannot open differencing VHDX images (ENOTSUP), so a sample
 * of them is read by libvhdi instead, the child given its parent
 * explicitly.  libvhdi has no -dev package here: its few calls are
 * looked up at run time, and a missing library means no oracle. */
struct vhdi {
  void *lib;
  int (*init)(void **file, void **err);
  int (*open)(void *file, const char *path, int flags, void **err);
  int (*set_parent)(void *file, void *parent, void **err);
  int (*media_size)(void *file, uint64_t *size, void **err);
  ssize_t (*read)(void *file, void *buf, size_t n, int64_t off, void **err);
  int (*close)(void *file, void **err);
  int (*free)(void **file, void **err);
  int (*err_free)(void **err);
};

static bool vhdi_load(struct vhdi *v)
{
  static const char *const names[] = {
    "libvhdi_file_initialize", "libvhdi_file_open",
    "libvhdi_file_set_parent_file", "libvhdi_file_get_media_size",
    "libvhdi_file_read_buffer_at_offset", "libvhdi_file_close",
    "libvhdi_file_free", "libvhdi_error_free"
  };
  void **fn[] = { (void **)&v->init, (void **)&v->open,
                  (void **)&v->set_parent, (void **)&v->media_size,
                  (void **)&v->read, (void **)&v->close, (void **)&v->free,
                  (void **)&v->err_free };

  if (v->lib)
    return true;
  v->lib = dlopen("libvhdi.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!v->lib)
    return false;
  for (size_t i = 0; i < sizeof fn / sizeof fn[0]; i++)
    if (!(*fn[i] = dlsym(v->lib, names[i])))
      fail_msg("libvhdi.so.1 has no %s", names[i]);
  return true;
}

static struct vhdi vhdi;

static void *vhdi_open(const char *path, const char *label)
{
  void *f = NULL, *err = NULL;

  if (vhdi.init(&f, &err) != 1 || vhdi.open(f, path, 1, &err) != 1)
    fail_msg("%s: libvhdi cannot open %s", label, path);
  return f;
}

static void vhdi_done(void *f)
{
  void *err = NULL;
  vhdi.close(f, &err);
  vhdi.free(&f, &err);
}

/* Read the differencing VHDX at PATH, with parent PARENT, into BUF. */
static void vhdi_read(const char *path, const char *parent, uint8_t *buf,
                      uint64_t size, const char *label)
{
  void *c = vhdi_open(path, label), *p = vhdi_open(parent, label), *err = NULL;
  uint64_t got = 0;

  if (vhdi.set_parent(c, p, &err) != 1 ||
      vhdi.media_size(c, &got, &err) != 1 || got != size ||
      vhdi.read(c, buf, size, 0, &err) != (ssize_t)size)
    fail_msg("%s: libvhdi cannot read %s (media size %llu)", label, path,
             (unsigned long long)got);
  if (err)
    vhdi.err_free(&err);
  vhdi_done(c);
  vhdi_done(p);
}

/* libvhdi (20210425) follows the sector bitmap even for a block the
 * BAT says is not present, whose data is all the parent's (MS-VHDX
 * 2.5.1.1); a crash between writing a new block's bits and its BAT
 * entry leaves such bits, and libvhdi then reads the child's zeros (it
 * also takes the bits from file offset 0 in a chunk with no sector
 * bitmap block yet).  Likewise for a block in a zero state (unmapped,
 * its BAT offset 0) that was partially present before, its bits left
 * as they were: libvhdi reads the sectors whose bits are set from the
 * file at offset 0 (the file's headers), where the spec says zeros.
 * Those blocks read as the spec says by hvx, which judged them:
 * libvhdi judges the rest.  (The scenarios' blocks are 1 MiB; the BAT
 * interleaves an entry for the sector bitmap block after each chunk of
 * RATIO payload entries.) */
static void vhdi_skip_absent(struct wfix *fx)
{
  const uint64_t bs = MIB, ratio = (8388608ull * SECTOR) / bs;
  uint64_t bat = 0;
  uint32_t len;
  uint8_t e[8], bits[MIB / SECTOR / 8];

  find_region(fx->qcopy, BAT_D1, &bat, &len);
  for (uint64_t b = 0; b < fx->vsize / bs; b++) {
    unsigned st;
    file_read(fx->qcopy, bat + 8 * (b + b / ratio), e, 8);
    st = hvx_le64(e) & 7;
    if (st >= 1 && st <= 3) { /* undefined, zero, unmapped */
      uint64_t sb;
      file_read(fx->qcopy, bat + 8 * (b / ratio * (ratio + 1) + ratio), e,
                8);
      sb = hvx_le64(e) >> 20 << 20;
      if (!sb)
        continue; /* no bits anywhere, libvhdi reads zeros */
      file_read(fx->qcopy, sb + b % ratio * sizeof bits, bits, sizeof bits);
      if (hvx_is_zero(bits, sizeof bits))
        continue;
    } else if (st != 0) {
      continue;
    }
    memcpy(fx->buf + b * bs, fx->old + b * bs, bs);
    fx->vhdi_skipped++;
  }
}

static void qemu_check(struct wfix *fx, const char *label)
{
  char cmd[1024];
  int r;

  if (fx->vhdi_parent) {
    vhdi_read(fx->qcopy, fx->vhdi_parent, fx->buf, fx->vsize, label);
    vhdi_skip_absent(fx);
    judge(fx, fx->buf, "libvhdi", label);
    fx->qemu_points++;
    return;
  }

  if (strcmp(fx->qfmt, "vpc") != 0) {
    snprintf(cmd, sizeof cmd, "qemu-img check -f %s '%s' >/dev/null 2>&1",
             fx->qfmt, fx->qcopy);
    r = system(cmd);
    /* 0: clean; 3: leaked clusters only (accepted for qcow2). */
    if (r != 0 && !(WEXITSTATUS(r) == 3 && !strcmp(fx->qfmt, "qcow2")))
      fail_msg("%s: '%s' failed (status %d)", label, cmd, r);
  }
  unlink(fx->qraw);
  snprintf(cmd, sizeof cmd, "qemu-img convert -f %s -O raw '%s' '%s'",
           fx->qfmt, fx->qcopy, fx->qraw);
  run_ok(label, cmd);
  assert_int_equal(file_size(fx->qraw), fx->vsize);
  file_read(fx->qraw, 0, fx->buf, fx->vsize);
  judge(fx, fx->buf, "qemu-img", label);
  fx->qemu_points++;
}

static void verify(struct crash_scenario *sc, const char *label)
{
  struct wfix *fx = (struct wfix *)sc;
  bool qemu = fx->qemu && fx->points++ % fx->sample == 0;
  struct problems p;
  hvx_image *img;
  uint8_t *first = fx->first;

  if (qemu)
    sparse_copy(sc->work, fx->qcopy);
  read_all(fx, label);
  judge(fx, fx->buf, "hvx", label);
  memcpy(first, fx->buf, fx->vsize);
  p = check(fx, label);
  /* A repair not yet made leaves the original's problem, no more. */
  if (p.bad && !(fx->repair && p.bad == 1 && !vhd_end_footer_ok(sc->work)))
    fail_msg("%s: check found %d problems, first: %s", label, p.bad,
             p.first);
  img = hvx_open(sc->work, fx->fmt, HVX_OPEN_WRITE);
  if (!img)
    fail_msg("%s: cannot open read-write: %s", label, hvx_error());
  if (hvx_close(img) < 0)
    fail_msg("%s: closing after a read-write open: %s", label, hvx_error());
  read_all(fx, label);
  if (memcmp(first, fx->buf, fx->vsize) != 0)
    fail_msg("%s: reads differently after a read-write open", label);
  if (fx->repair) {
    p = check(fx, label);
    if (p.bad || !vhd_end_footer_ok(sc->work))
      fail_msg("%s: the repair is not complete after a read-write open: "
               "%d problems, first: %s", label, p.bad, p.first);
  }
  if (qemu)
    qemu_check(fx, label);
}

/* ---- fixtures ------------------------------------------------------ */

static struct wfix *new_fix(const char *name, const char *fmt,
                            const char *qfmt, const struct wop *ops,
                            unsigned sample, unsigned max_points)
{
  static struct wfix fx;
  static char paths[4][256];
  const char *p[4] = { "orig", "work", "qcopy", "qraw" };

  memset(&fx, 0, sizeof fx);
  for (int i = 0; i < 4; i++)
    snprintf(paths[i], sizeof paths[i], "%s", test_path(p[i]));
  fx.sc = (struct crash_scenario){ .name = name, .orig = paths[0],
                                   .work = paths[1], .run = run,
                                   .verify = verify,
                                   .max_points = max_points };
  fx.fmt = fmt;
  fx.qfmt = qfmt;
  fx.ops = ops;
  fx.qcopy = paths[2];
  fx.qraw = paths[3];
  fx.sample = sample;
  fx.seed = 999;
  crash_seed();
  unlink(paths[0]);
  return &fx;
}

/* Some data in the original: the ranges of DATA written (or zeroed,
 * for the zero kinds); len 0 ends. */
static void make_orig(struct wfix *fx, uint64_t vsize, const char *opts,
                      const struct wop *data)
{
  hvx_image *img = hvx_create(fx->sc.orig, fx->fmt, vsize, opts);
  uint8_t *buf = malloc(MIB);

  if (!img)
    fail_msg("create %s: %s", fx->sc.orig, hvx_error());
  assert_non_null(buf);
  for (const struct wop *w = data; w->len; w++) {
    if (w->kind != W_WRITE) {
      assert_int_equal(hvx_zero(img, w->off, w->len, w->kind == W_ZERO_UNMAP
                                ? HVX_ZERO_MAY_UNMAP : 0), 0);
      continue;
    }
    for (uint64_t at = 0; at < w->len; at += MIB) {
      size_t n = (size_t)hvx_min_u64(w->len - at, MIB);
      fill_pattern(buf, n, w->off + at + fx->seed);
      assert_int_equal(hvx_pwrite(img, buf, n, w->off + at), 0);
    }
  }
  assert_int_equal(hvx_close(img), 0);
  free(buf);
}

static void crash_fix(struct wfix *fx)
{
  double t0 = crash_now();
  hvx_image *img = hvx_open(fx->sc.orig, fx->fmt, 0);
  char extra[160];

  assert_non_null(img);
  fx->vsize = (uint64_t)hvx_image_size(img);
  fx->old = malloc(fx->vsize);
  fx->new = malloc(fx->vsize);
  fx->buf = malloc(fx->vsize);
  fx->written = malloc(fx->vsize / SECTOR);
  fx->first = malloc(fx->vsize);
  assert_true(fx->old && fx->new && fx->buf && fx->written && fx->first);
  assert_int_equal(hvx_pread(img, fx->old, fx->vsize, 0), 0);
  hvx_close(img);
  model(fx);
  /* The writes change the content, so losing one can be seen. */
  assert_true(!fx->ops || memcmp(fx->old, fx->new, fx->vsize) != 0);
  fx->qemu = fx->vhdi_parent ? vhdi_load(&vhdi) :
             !fx->no_qemu && have_qemu_img();
  crash_everywhere(&fx->sc);
  snprintf(extra, sizeof extra, "; %u of them also read by %s%s",
           fx->qemu_points, fx->vhdi_parent ? "libvhdi" : "qemu-img",
           fx->qemu ? "" : fx->vhdi_parent ? " (libvhdi.so.1 not found)" :
           fx->no_qemu ? " (it cannot read this format)" :
           " (qemu-img not found)");
  if (fx->vhdi_skipped)
    snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
             " (not about %u absent blocks)", fx->vhdi_skipped);
  crash_report(&fx->sc, crash_now() - t0, extra);
  free(fx->old);
  free(fx->new);
  free(fx->buf);
  free(fx->written);
  free(fx->first);
}

static const struct wop vhd_data[] = {
  { W_WRITE, 0, 300 * 1024 }, { W_WRITE, 2 * MIB + 4096, 64 * 1024 },
  { W_WRITE, 0, 0 }
};

/* ---- VHD footer repair ------------------------------------------- */

static void test_vhd_footer_damaged(void **state)
{
  struct wfix *fx = new_fix("vhd: repair of a damaged end footer", "vhd",
                            "vpc", NULL, 1, 0);
  uint8_t b = 0x55;
  (void)state;

  fx->repair = true;
  make_orig(fx, 4 * MIB, "block_size=1M", vhd_data);
  file_write(fx->sc.orig, file_size(fx->sc.orig) - 512 + 100, &b, 1);
  assert_false(vhd_end_footer_ok(fx->sc.orig));
  crash_fix(fx);
  assert_true(fx->sc.ops >= 3);
}

static void test_vhd_footer_missing(void **state)
{
  struct wfix *fx = new_fix("vhd: repair of a lost end footer", "vhd",
                            "vpc", NULL, 1, 0);
  (void)state;

  fx->repair = true;
  make_orig(fx, 4 * MIB, "block_size=1M", vhd_data);
  assert_int_equal(truncate(fx->sc.orig, (off_t)file_size(fx->sc.orig) -
                            512), 0);
  assert_false(vhd_end_footer_ok(fx->sc.orig));
  crash_fix(fx);
  assert_true(fx->sc.ops >= 3);
}

/* ---- qcow2 autoclear bits ---------------------------------------- */

static void test_qcow2_autoclear(void **state)
{
  struct wfix *fx = new_fix("qcow2: clearing autoclear bits", "qcow2",
                            "qcow2", NULL, 1, 0);
  static const struct wop data[] = { { W_WRITE, 0, 100000 },
                                     { W_WRITE, 0, 0 } };
  uint8_t h[8];
  (void)state;

  make_orig(fx, 4 * MIB, "cluster_size=65536", data);
  file_write_be64(fx->sc.orig, 88, 1ull << 40); /* an unknown one */
  crash_fix(fx);
  file_read(fx->sc.work, 88, h, 8);
  assert_true(hvx_is_zero(h, 8));
}

/* ---- writes through the API -------------------------------------- */

/* Data at [0, 300K) and [2M+4K, 2M+68K) first; then, in order: an
 * overwrite in allocated space, a write allocating new space with
 * partial units at both ends, zeros unmapping a whole allocated unit,
 * zeros in allocated space without unmapping, a write that may take the
 * space just freed, and one straddling allocated and new space. */
static const struct wop writes_1m[] = {
  { W_WRITE, 4096 + 512, 8192 },
  { W_WRITE, 3 * MIB + 1000, 100000 },
  { W_ZERO_UNMAP, 2 * MIB, MIB },
  { W_ZERO, 128 * 1024 + 512, 4096 },
  { W_WRITE, 5 * MIB, 70000 },
  { W_WRITE, 250 * 1024, 100 * 1024 },
  { W_END, 0, 0 }
};

static void test_qcow2_writes(void **state)
{
  struct wfix *fx = new_fix("qcow2: writes", "qcow2", "qcow2", writes_1m,
                            10, 0);
  (void)state;

  make_orig(fx, 6 * MIB, "cluster_size=65536", vhd_data);
  crash_fix(fx);
}

static void test_vhd_writes(void **state)
{
  struct wfix *fx = new_fix("vhd dynamic: writes", "vhd", "vpc", writes_1m,
                            10, 0);
  (void)state;

  make_orig(fx, 6 * MIB, "block_size=1M", vhd_data);
  crash_fix(fx);
}

static void test_vhdx_writes(void **state)
{
  struct wfix *fx = new_fix("vhdx dynamic: writes", "vhdx", "vhdx",
                            writes_1m, 10, 0);
  (void)state;

  make_orig(fx, 6 * MIB, "block_size=1M", vhd_data);
  crash_fix(fx);
}

/* A differencing VHD: the sectors the child does not hold read from the
 * parent, so a bitmap bit that reached the disk before its data would
 * show the child's zeros where the parent's data was.  (qemu-img cannot
 * read differencing VHDs: hvx is the only reader here.) */
static void test_vhd_diff_writes(void **state)
{
  struct wfix *fx = new_fix("vhd differencing: writes", "vhd", "vpc",
                            writes_1m, 1, 0);
  static const struct wop parent_data[] = {
    { W_WRITE, 0, 6 * MIB }, { W_WRITE, 0, 0 }
  };
  const char *parent = test_path("parent.vhd");
  hvx_image *img;
  uint8_t *buf = malloc(6 * MIB);
  char opts[300];
  (void)state;

  assert_non_null(buf);
  fx->no_qemu = true;
  img = hvx_create(parent, "vhd", 6 * MIB, "block_size=1M");
  assert_non_null(img);
  fill_pattern(buf, parent_data[0].len, 4242);
  assert_int_equal(hvx_pwrite(img, buf, parent_data[0].len, 0), 0);
  assert_int_equal(hvx_close(img), 0);
  free(buf);
  snprintf(opts, sizeof opts, "block_size=1M,parent=%s", parent);
  make_orig(fx, 6 * MIB, opts, vhd_data);
  crash_fix(fx);
}

/* ---- images with a parent ---------------------------------------- */

/* NAME in the test directory, an image of FX's format holding DATA
 * (a pattern of its own, not the child's); returns its path. */
static const char *make_parent(struct wfix *fx, const char *name,
                               uint64_t vsize, const char *opts,
                               const struct wop *data)
{
  static char parent[256];
  const char *orig = fx->sc.orig;

  snprintf(parent, sizeof parent, "%s", test_path(name));
  unlink(parent);
  fx->sc.orig = parent;
  fx->seed = 4242;
  make_orig(fx, vsize, opts, data);
  fx->sc.orig = orig;
  fx->seed = 999;
  return parent;
}

/* A qcow2 overlay (64 KiB clusters) of a qcow2 holding data everywhere
 * but its last 256 KiB; the overlay holds [0, 200K) and [2M, 2M+128K)
 * and a zero cluster at 1M.  In order: a partial cluster over the
 * backing file (copied from it); a partial overwrite in place; whole
 * clusters zeroed over the backing file's data without and with
 * unmapping (the zero flag must win over the backing file); zeros
 * unmapping an allocated cluster and keeping one; partial zeros over
 * the backing file (copied, then zeroed); a partial write into the zero
 * cluster (merged with zeros, not the backing file's data); a write
 * over three clusters, partial at both ends; one where the backing file
 * holds zeros. */
static const struct wop qcow2_backed_writes[] = {
  { W_WRITE, 512 * 1024 + 1000, 3000 },
  { W_WRITE, 100 * 1024 + 300, 5000 },
  { W_ZERO, 768 * 1024, 64 * 1024 },
  { W_ZERO_UNMAP, 832 * 1024, 128 * 1024 },
  { W_ZERO_UNMAP, 2 * MIB, 64 * 1024 },
  { W_ZERO, 2 * MIB + 64 * 1024, 64 * 1024 },
  { W_ZERO, 1536 * 1024 + 4096, 10000 },
  { W_WRITE, MIB + 1000, 2000 },
  { W_WRITE, 3 * MIB + 60 * 1024, 80 * 1024 },
  { W_WRITE, 4 * MIB - 100 * 1024, 1000 },
  { W_END, 0, 0 }
};

/* A 4 MiB base and overlay (64 KiB clusters, OPTS added to both); the
 * run makes OPS; the images stay version VERSION. */
static void qcow2_backed(const char *name, const struct wop *ops,
                         const char *opts, uint32_t version)
{
  struct wfix *fx = new_fix(name, "qcow2", "qcow2", ops, 5, 0);
  static const struct wop base_data[] = {
    { W_WRITE, 0, 4 * MIB - 256 * 1024 }, { W_WRITE, 0, 0 }
  };
  static const struct wop data[] = {
    { W_WRITE, 0, 200 * 1024 }, { W_ZERO, MIB, 64 * 1024 },
    { W_WRITE, 2 * MIB, 128 * 1024 }, { W_WRITE, 0, 0 }
  };
  char o[200];
  uint8_t v[4];

  snprintf(o, sizeof o, "cluster_size=65536%s", opts);
  make_parent(fx, "base.qcow2", 4 * MIB, o, base_data);
  /* Named relative to the overlay: the copies qemu-img reads are in
   * the same directory. */
  snprintf(o, sizeof o, "cluster_size=65536%s,backing_file=base.qcow2,"
           "backing_fmt=qcow2", opts);
  make_orig(fx, 4 * MIB, o, data);
  crash_fix(fx);
  file_read(fx->sc.work, 4, v, 4);
  assert_int_equal(hvx_be32(v), version);
}

static void test_qcow2_backed_writes(void **state)
{
  (void)state;
  qcow2_backed("qcow2 with a backing file: writes", qcow2_backed_writes, "",
               3);
}

/* The same overlay in qcow2 version 2 (compat=0.10), over a version 2
 * base: no zero flag, so zeros over backed data, with or without
 * HVX_ZERO_MAY_UNMAP, are real clusters of zeros (whole ones written
 * straight, partial ones copied from the base and zeroed), and zeros
 * over allocated clusters are written in place; the original's zero
 * cluster at 1M is one too.  The run is the version 3 one, then: zeros
 * with unmapping inside an allocated cluster; zeros with unmapping over
 * backed clusters, partial at both ends and whole between; zeros with
 * unmapping where the base holds zeros (still a real cluster: the base
 * could be changed under the overlay). */
static const struct wop *qcow2_v2_backed_writes(void)
{
  static const struct wop extra[] = {
    { W_ZERO_UNMAP, 150 * 1024 + 512, 3000 },
    { W_ZERO_UNMAP, 2560 * 1024 - 10000, 192 * 1024 + 20000 },
    { W_ZERO_UNMAP, 4 * MIB - 192 * 1024, 64 * 1024 },
    { W_END, 0, 0 }
  };
  static struct wop ops[sizeof qcow2_backed_writes / sizeof (struct wop) +
                        sizeof extra / sizeof (struct wop)];
  size_t n = sizeof qcow2_backed_writes / sizeof (struct wop) - 1;

  memcpy(ops, qcow2_backed_writes, n * sizeof *ops);
  memcpy(ops + n, extra, sizeof extra);
  return ops;
}

static void test_qcow2_v2_backed_writes(void **state)
{
  (void)state;
  qcow2_backed("qcow2 version 2 with a backing file: writes",
               qcow2_v2_backed_writes(), ",compat=0.10", 2);
}

/* ---- qcow2 cache eviction and refcount table growth --------------- *
 * 512-byte clusters and 64-bit refcounts: an L2 table maps 32 KiB of
 * the disk (128 tables for 4 MiB; the cache holds 64), a refcount block
 * counts 32 KiB of the file (the cache holds 16), and the refcount
 * table of one cluster covers 2 MiB of file.  The original holds the
 * first 15 KiB of every 32 KiB, which puts its file just under 2 MiB. */
#define EV_TABLES 128u
#define EV_SPAN (32u * 1024)

static const struct wop *ev_orig_data(void)
{
  static struct wop d[EV_TABLES + 1];

  for (unsigned i = 0; i < EV_TABLES; i++)
    d[i] = (struct wop){ W_WRITE, i * EV_SPAN, 15 * 1024 };
  d[EV_TABLES] = (struct wop){ W_WRITE, 0, 0 };
  return d;
}

static struct wfix *ev_fix(const char *name, const struct wop *ops,
                           unsigned sample, unsigned max_points)
{
  struct wfix *fx = new_fix(name, "qcow2", "qcow2", ops, sample,
                            max_points);

  make_orig(fx, EV_TABLES * EV_SPAN, "cluster_size=512,refcount_bits=64",
            ev_orig_data());
  /* Within 32 KiB of what the refcount table covers.  (A pre-existing
   * image: the syncs skipped for one this handle made, q->fresh, are
   * all taken.) */
  assert_true(file_size(fx->sc.orig) > 2 * MIB - 32 * 1024);
  assert_true(file_size(fx->sc.orig) < 2 * MIB);
  return fx;
}

/* Two passes over all 128 tables: a 2 KiB write at an odd offset into
 * each (new clusters, partial at both ends; the file passes 2 MiB
 * early, so the refcount table grows, and refcount blocks fill and are
 * evicted dirty), then an unmapping zero of the first cluster of each
 * (dropped entries, freed only at the end).  Every table is dirty when
 * the cache evicts it, 64 tables into each pass. */
static void test_qcow2_cache_eviction(void **state)
{
  static struct wop ops[2 * EV_TABLES + 1];
  struct wfix *fx;
  (void)state;

  for (unsigned i = 0; i < EV_TABLES; i++) {
    ops[i] = (struct wop){ W_WRITE, i * EV_SPAN + 16 * 1024 + 100, 2048 };
    ops[EV_TABLES + i] = (struct wop){ W_ZERO_UNMAP, i * EV_SPAN, 512 };
  }
  ops[2 * EV_TABLES] = (struct wop){ W_END, 0, 0 };
  fx = ev_fix("qcow2 512-byte clusters: cache eviction", ops, 25, 400);
  crash_fix(fx);
}

/* One write over three tables, overwriting and allocating, that needs a
 * refcount block beyond what the refcount table covers: a larger table
 * at the end of the file, the header pointing at it, the old one
 * freed. */
static void test_qcow2_reftable_growth(void **state)
{
  static const struct wop ops[] = {
    { W_WRITE, 100 * EV_SPAN + 16 * 1024 - 300, 48 * 1024 }, { W_END, 0, 0 }
  };
  struct wfix *fx = ev_fix("qcow2 512-byte clusters: refcount table growth",
                           ops, 5, 0);
  (void)state;
  crash_fix(fx);
}

/* ---- differencing VHDX ---------------------------------------------- */

/* 8 MiB, 1 MiB blocks; the parent holds data everywhere but its last
 * half MiB.  In order: partial sectors in a block the child lacks
 * (merged with the parent's); a write over present and absent sectors
 * of a partially present block, partial sectors at both ends; one that
 * fills a partially present block to its end (it becomes fully
 * present); zeros over absent sectors (they must not read the
 * parent's); a whole block unmapped over the parent's data; zeros
 * without unmapping in a block the child lacks; an overwrite in a fully
 * present block and a punched range next to it; a second write into a
 * block this run made partially present; a whole new block; one
 * straddling two blocks. */
static const struct wop vhdx_diff_writes[] = {
  { W_WRITE, MIB + 1000, 3000 },
  { W_WRITE, 2 * MIB + 60 * 1024 + 100, 20000 },
  { W_WRITE, 300 * 1024 - 200, MIB - 300 * 1024 + 200 },
  { W_ZERO, 2 * MIB + 200 * 1024 + 300, 5000 },
  { W_ZERO_UNMAP, 4 * MIB, MIB },
  { W_ZERO, 5 * MIB + 512, 4096 },
  { W_WRITE, 3 * MIB + 100 * 1024, 50000 },
  { W_ZERO_UNMAP, 3 * MIB + 512 * 1024, 256 * 1024 },
  { W_WRITE, 5 * MIB + 512 * 1024 - 1000, 2000 },
  { W_WRITE, 6 * MIB, MIB },
  { W_WRITE, 7 * MIB - 3000, 6000 },
  { W_END, 0, 0 }
};

static void vhdx_diff(const char *name, const struct wop *child_data)
{
  struct wfix *fx = new_fix(name, "vhdx", "vhdx", vhdx_diff_writes, 5, 0);
  static const struct wop parent_data[] = {
    { W_WRITE, 0, 7 * MIB + 512 * 1024 }, { W_WRITE, 0, 0 }
  };
  const char *parent = make_parent(fx, "parent.vhdx", 8 * MIB,
                                   "block_size=1M", parent_data);
  char opts[300];

  fx->vhdi_parent = parent;
  fx->no_qemu = true;
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", parent);
  make_orig(fx, 0, opts, child_data);
  crash_fix(fx);
}

/* A child holding two partially present blocks and a fully present
 * one (it has its sector bitmap block already). */
static void test_vhdx_diff_writes(void **state)
{
  static const struct wop child_data[] = {
    { W_WRITE, 0, 300 * 1024 }, { W_WRITE, 2 * MIB + 4096, 64 * 1024 },
    { W_WRITE, 3 * MIB, MIB }, { W_WRITE, 0, 0 }
  };
  (void)state;
  vhdx_diff("vhdx differencing: writes", child_data);
}

/* An empty child: the run makes its sector bitmap block (synced, and
 * its BAT entry written, before anything depends on it). */
static void test_vhdx_diff_writes_empty(void **state)
{
  static const struct wop none[] = { { W_WRITE, 0, 0 } };
  (void)state;
  vhdx_diff("vhdx differencing: writes to an empty child", none);
}

/* ---- differencing VHDX: sector bitmap cache pressure -------------- *
 * The driver caches the sector bitmaps of VHDX_BITMAP_CACHE (32) blocks
 * and, with all of them dirty, flushes to make room: data synced, every
 * dirty bitmap written, synced, then the BAT.  A 40 MiB child (1 MiB
 * blocks) of a parent holding the first 256 KiB of every block; the
 * child holds 4 KiB at 64 KiB into each of its first 36 blocks
 * (partially present), the last 4 absent, and block 37 has stale
 * bits (below). */
#define BM_BLOCKS 40u
#define BM_PRESENT 36u

/* Two passes over the 40 blocks, touching the bitmaps of 38 and 37 of
 * them, so the cache is full of dirty bitmaps twice (at the 33rd block
 * of the first pass and in the second) and bitmaps flushed and evicted
 * are read back from the file.  Pass 1, all blocks but 5 and 39: 2 KiB
 * at an odd offset into the parent's data (edge sectors merged with
 * it; blocks 36-38 become partially present).  Pass 2: 1000 bytes of
 * zeros at an odd offset into the parent's data, except: blocks 5
 * (partially present) and 39 (absent) unmapped whole, block 10 filled
 * around what it holds (it becomes fully present).  Then a write
 * straddling blocks 19 and 20.  No sector is written twice: a crash
 * between two writes of one sector, after a flush, rightly leaves the
 * first one's content, which the judging (old or new) does not
 * allow. */
static const struct wop *bm_writes(void)
{
  static struct wop ops[2 * BM_BLOCKS + 4];
  unsigned n = 0;

  for (unsigned b = 0; b < BM_BLOCKS; b++)
    if (b != 5 && b != BM_BLOCKS - 1)
      ops[n++] = (struct wop){ W_WRITE, b * MIB + 128 * 1024 + 100, 2048 };
  for (unsigned b = 0; b < BM_BLOCKS; b++) {
    if (b == 5 || b == BM_BLOCKS - 1)
      ops[n++] = (struct wop){ W_ZERO_UNMAP, b * MIB, MIB };
    else if (b == 10) {
      ops[n++] = (struct wop){ W_WRITE, b * MIB, 64 * 1024 };
      ops[n++] = (struct wop){ W_WRITE, b * MIB + 68 * 1024, 60 * 1024 };
      ops[n++] = (struct wop){ W_WRITE, b * MIB + 128 * 1024 + 2560,
                               MIB - 128 * 1024 - 2560 };
    } else
      ops[n++] = (struct wop){ W_ZERO, b * MIB + 200 * 1024 + 300, 1000 };
  }
  ops[n++] = (struct wop){ W_WRITE, 20 * MIB - 5000, 9000 };
  ops[n] = (struct wop){ W_END, 0, 0 };
  return ops;
}

/* Bits an earlier crash left for absent block BLK of the child at PATH
 * (written before its BAT entry, which never came): the block still
 * reads as the parent's, and when the run makes it partially present,
 * its zeroed bits must be durable before its BAT entry.  (1 MiB
 * blocks: one chunk, its sector bitmap entry after 4096 payload
 * entries.) */
static void bm_stale_bits(const char *path, unsigned blk)
{
  uint64_t bat = 0, sb;
  uint32_t len;
  uint8_t e[8], bits[MIB / SECTOR / 8];

  find_region(path, BAT_D1, &bat, &len);
  file_read(path, bat + 8 * 4096, e, 8);
  sb = hvx_le64(e) >> 20 << 20;
  assert_true(sb != 0);
  file_read(path, bat + 8 * blk, e, 8);
  assert_int_equal(hvx_le64(e), 0); /* not present */
  memset(bits, 0xff, sizeof bits);
  file_write(path, sb + blk * sizeof bits, bits, sizeof bits);
}

static void test_vhdx_diff_bitmap_cache(void **state)
{
  static struct wop parent_data[BM_BLOCKS + 1], child_data[BM_PRESENT + 1];
  struct wfix *fx = new_fix("vhdx differencing: sector bitmap cache "
                            "pressure", "vhdx", "vhdx", bm_writes(), 12,
                            200);
  const char *parent;
  char opts[300];
  (void)state;

  for (unsigned b = 0; b < BM_BLOCKS; b++)
    parent_data[b] = (struct wop){ W_WRITE, b * MIB, 256 * 1024 };
  parent_data[BM_BLOCKS] = (struct wop){ W_WRITE, 0, 0 };
  for (unsigned b = 0; b < BM_PRESENT; b++)
    child_data[b] = (struct wop){ W_WRITE, b * MIB + 64 * 1024, 4096 };
  child_data[BM_PRESENT] = (struct wop){ W_WRITE, 0, 0 };
  parent = make_parent(fx, "parent.vhdx", BM_BLOCKS * MIB, "block_size=1M",
                       parent_data);
  fx->vhdi_parent = parent;
  fx->no_qemu = true;
  snprintf(opts, sizeof opts, "parent=%s,block_size=1M", parent);
  make_orig(fx, 0, opts, child_data);
  bm_stale_bits(fx->sc.orig, BM_PRESENT + 1);
  crash_fix(fx);
  /* More syncs than the close's three: the cache did flush mid-run. */
  assert_true(fx->sc.syncs > 8);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_qemu_img_present),
    cmocka_unit_test(test_vhd_footer_damaged),
    cmocka_unit_test(test_vhd_footer_missing),
    cmocka_unit_test(test_qcow2_autoclear),
    cmocka_unit_test(test_qcow2_writes),
    cmocka_unit_test(test_vhd_writes),
    cmocka_unit_test(test_vhd_diff_writes),
    cmocka_unit_test(test_vhdx_writes),
    cmocka_unit_test(test_qcow2_backed_writes),
    cmocka_unit_test(test_qcow2_v2_backed_writes),
    cmocka_unit_test(test_qcow2_cache_eviction),
    cmocka_unit_test(test_qcow2_reftable_growth),
    cmocka_unit_test(test_vhdx_diff_writes),
    cmocka_unit_test(test_vhdx_diff_writes_empty),
    cmocka_unit_test(test_vhdx_diff_bitmap_cache),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
