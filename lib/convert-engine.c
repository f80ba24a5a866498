/* hvx - the conversion pipeline.
 *
 * The source is cut into units by its block status: a "hole" unit is a
 * run of zero/unallocated extents (never read, never written: the target
 * is new, so it reads as zeros there already), a data unit is at most one
 * chunk of allocated data.  Units are numbered in disk order and live in
 * a ring of slots (unit n in slot n % nslots), which bounds memory: unit n
 * can start only once unit n - nslots is completely finished.
 *
 * Threads:
 *  - workers (J->threads): plan the next unit and read it (one at a time,
 *    under plan_lock, unless the source is thread-safe, when reads run in
 *    parallel), detect all-zero granules, compress with -c; for a
 *    thread-safe target (raw) they write the unit too, in any order;
 *  - the writer (other targets): writes units strictly in disk order, so
 *    an allocating format lays its file out the same way whatever the
 *    thread count and the output is byte-identical;
 *  - the caller's thread: feeds the digest in disk order, calls the
 *    progress callback (so it is never called concurrently), and watches
 *    for cancellation.
 * raw to raw shares blocks on a reflink filesystem (FICLONERANGE), and
 * lets the kernel copy (copy_file_range) when nothing needs to see the
 * data; on other filesystems writing the buffer already read is cheaper.
 * Writeback is started every few MiB so the final sync finds little to do.
 * Drivers are plain blocking code: each image is only ever used by one
 * thread at a time unless its driver declares itself thread_safe.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "convert-engine.h"

#define CHUNK (1u << 20)           /* largest data unit */
#define HOLE_UNIT_MAX (64u << 20)  /* longest hole handled as one unit */
#define SLOT_BUDGET (24u << 20)    /* buffer bytes in flight, at most */
#define DETECT_GRAN 4096u          /* zero detection unit, as qemu -S 4k */
#define WRITEBACK_EVERY (32u << 20) /* start writeback this often */
#define PROGRESS_NS 20000000       /* call progress at most every 20 ms */
#define READAHEAD (16u << 20)      /* source hinted this far past the plan */
#define READAHEAD_STEP (4u << 20)  /* in steps at least this long */

/* Per-granule plan of a data unit: what to store for it. */
#define GR_ZERO 0u           /* all zero: skip */
#define GR_PLAIN UINT32_MAX  /* the data as it is */
/* anything else: compressed length, the bytes at the same offset in cbuf */

struct slot {
  uint64_t seq;         /* the unit held, when busy */
  uint64_t off, len;    /* its virtual range */
  bool busy, hole, have_data, read, processed, written, digested;
  uint8_t *buf;         /* chunk bytes of data */
  uint8_t *cbuf;        /* with -c: compressed granules, same offsets */
  uint32_t *gran;       /* chunk / align entries, GR_* */
};

struct engine {
  struct hvx_convert_job *j;
  struct hvx_image *src, *dst;
  uint64_t size;
  uint32_t align;       /* unit boundaries and zero-detection granule */
  uint32_t chunk;       /* data units never cross a multiple of this */
  bool src_parallel;    /* read from all workers at once */
  bool dst_parallel;    /* workers write, in any order */
  bool offload;         /* raw to raw: reflink, or copy_file_range when
                           the data need not pass through us */
  bool skip_read;       /* offload with nothing needing the data */
  bool writeback;       /* start writeback early (the target is synced) */
  bool backed;          /* the target has a backing file (write_backed) */
  uint8_t *bbuf, *zbuf; /* the writer's: backing data, and zeros */
  atomic_bool offload_ok;
  atomic_uint_fast64_t unflushed;

  /* The planner, under plan_lock: the next offset and the last block
   * status answer (the planner asks about one extent repeatedly as it
   * cuts it into units). */
  pthread_mutex_t plan_lock;
  uint64_t pos;
  uint64_t bs_start, bs_end;
  bool bs_zero;
  uint64_t ra_pos;          /* the source is hinted up to here */

  /* Everything below, under m. */
  pthread_mutex_t m;
  pthread_cond_t cv_slot;   /* a slot was released (the planner waits) */
  pthread_cond_t cv_write;  /* a unit was processed (the writer waits) */
  pthread_cond_t cv_main;   /* a unit was read or finished, or stop */
  struct slot *slots;
  unsigned nslots;
  uint64_t next_seq;
  uint64_t done;            /* bytes of finished units */
  bool stop;                /* an error or cancellation: everyone quits */
  int err;
  char msg[1024];
};

int hvx_convert_default_threads(void)
{
  cpu_set_t cs;
  long n = 0;

  if (sched_getaffinity(0, sizeof cs, &cs) == 0)
    n = CPU_COUNT(&cs);
  if (n <= 0)
    n = sysconf(_SC_NPROCESSORS_ONLN);
  /* One worker per CPU, at most 8.  Eight workers on the 2-CPU
   * benchmark machine helped some cold-cache conversions (vhdx to raw
   * 1.5 s against 1.5-4.4 s) but made warm ones to raw and VHDX
   * 1.5-2x slower (raw to raw 1.40 s against 0.76 s): workers ahead of
   * the one writer took its CPU time.  Past a few workers a conversion
   * is bound by the disk or the writer, and each worker holds buffers. */
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Record this thread's last hvx error as the conversion's (the first one
 * wins) and make every thread quit. */
static void fail(struct engine *e)
{
  pthread_mutex_lock(&e->m);
  if (!e->stop) {
    e->stop = true;
    e->err = hvx_errno();
    snprintf(e->msg, sizeof e->msg, "%s", hvx_error());
  }
  pthread_cond_broadcast(&e->cv_slot);
  pthread_cond_broadcast(&e->cv_write);
  pthread_cond_broadcast(&e->cv_main);
  pthread_mutex_unlock(&e->m);
}

static bool cancelled(struct engine *e)
{
  if (!atomic_load_explicit(e->j->cancelled, memory_order_relaxed))
    return false;
  hvx_set_error(ECANCELED, "conversion cancelled");
  fail(e);
  return true;
}

/* Under m: free S once every stage is through with it. */
static void finish_if_done(struct engine *e, struct slot *s)
{
  if (!s->processed || !s->written || (e->j->md && !s->digested))
    return;
  e->done += s->len;
  s->busy = false;
  pthread_cond_signal(&e->cv_slot);
  if (e->done == e->size)
    pthread_cond_signal(&e->cv_main);
}

/* ---- planning ----------------------------------------------------- */

/* Block status at OFF: the end of its extent and whether it is zero. */
static int status(struct engine *e, uint64_t off, uint64_t *end, bool *zero)
{
  if (off < e->bs_start || off >= e->bs_end) {
    uint64_t pnum;
    unsigned flags;
    if (hvx_block_status(e->src, off, hvx_min_u64(e->size - off, 1ull << 30),
                         &pnum, &flags) < 0)
      return -1;
    e->bs_start = off;
    e->bs_end = off + pnum;
    e->bs_zero = flags & HVX_BS_ZERO;
  }
  *end = e->bs_end;
  *zero = e->bs_zero;
  return 0;
}

/* The length of the run of zero extents at OFF, at most LIMIT. */
static int zero_run(struct engine *e, uint64_t off, uint64_t limit,
                    uint64_t *len)
{
  uint64_t q = off, end;
  bool zero;

  while (q - off < limit) {
    if (status(e, q, &end, &zero) < 0)
      return -1;
    if (!zero)
      break;
    q = end;
  }
  *len = hvx_min_u64(q - off, limit);
  return 0;
}

/* Cut the next unit at e->pos (always a multiple of align, or the end)
 * into S.  A hole unit is a run of whole zero granules; a data unit runs
 * to the first whole zero granule or the end of the chunk, so the same
 * source always gives the same units. */
static int plan(struct engine *e, struct slot *s)
{
  uint64_t pos = e->pos, a = e->align, q, cend, zl;

  if (zero_run(e, pos, hvx_min_u64(e->size - pos, HOLE_UNIT_MAX), &zl) < 0)
    return -1;
  if (pos + zl < e->size)
    zl -= zl % a;
  if (zl > 0) {
    s->hole = true;
    s->off = pos;
    s->len = zl;
    e->pos = pos + zl;
    return 0;
  }
  cend = hvx_min_u64(e->size, pos - pos % e->chunk + e->chunk);
  q = pos;
  while (q < cend) {
    uint64_t end, g, gend;
    bool zero;
    if (status(e, q, &end, &zero) < 0)
      return -1;
    if (!zero) {
      q = hvx_min_u64(hvx_round_up(end, a), cend);
      continue;
    }
    /* Zeros at q: the unit ends before the first granule they cover
     * whole; a shorter run is part of the data. */
    g = hvx_round_up(q, a);
    if (g >= cend) {
      q = cend;
      break;
    }
    gend = hvx_min_u64(g + a, e->size);
    if (zero_run(e, q, gend - q, &zl) < 0)
      return -1;
    if (q + zl >= gend) {
      q = g;
      break;
    }
    q += zl;
  }
  s->hole = false;
  s->off = pos;
  s->len = q - pos;
  e->pos = q;
  return 0;
}

/* Under plan_lock, after plan(): the next stretch of the source to hint
 * ([*START, *END), empty if none).  Each worker reads one unit at a
 * time, so on a cold cache only a couple of reads are in flight, and
 * the kernel's own readahead restarts small after every hole; hinting
 * the data of the next READAHEAD bytes keeps the disk busy ahead of the
 * workers without a thread per read (qemu-img -W keeps 16 reads in
 * flight).  Only for thread-safe sources, whose drivers take the hint
 * from any thread. */
static void next_readahead(struct engine *e, uint64_t *start, uint64_t *end)
{
  uint64_t want = hvx_min_u64(e->size, e->pos + READAHEAD);

  *start = *end = 0;
  if (!e->src_parallel || !e->src->drv->readahead || e->skip_read)
    return;
  if (e->ra_pos < e->pos)
    e->ra_pos = e->pos;
  if (want <= e->ra_pos ||
      (want - e->ra_pos < READAHEAD_STEP && want < e->size))
    return;
  *start = e->ra_pos;
  *end = want;
  e->ra_pos = want;
}

/* Under plan_lock: wait for the slot of the next unit; NULL when there is
 * nothing left to plan or the conversion stops. */
static struct slot *claim(struct engine *e)
{
  struct slot *s = NULL;

  pthread_mutex_lock(&e->m);
  if (e->pos < e->size) {
    s = &e->slots[e->next_seq % e->nslots];
    while (s->busy && !e->stop)
      pthread_cond_wait(&e->cv_slot, &e->m);
    if (e->stop) {
      s = NULL;
    } else {
      s->busy = true;
      s->seq = e->next_seq++;
      s->read = s->processed = s->written = s->digested = false;
      s->have_data = false;
    }
  }
  pthread_mutex_unlock(&e->m);
  return s;
}

/* ---- reading, zero detection, compression ------------------------- */

static int read_unit(struct engine *e, struct slot *s)
{
  if (s->hole || e->skip_read)
    return 0;
  if (hvx_pread(e->src, s->buf, s->len, s->off) < 0)
    return -1;
  s->have_data = true;
  return 0;
}

static int process(struct engine *e, struct slot *s, void **ctx)
{
  const struct hvx_driver *d = e->dst->drv;
  size_t a = e->align;

  for (size_t i = 0, at = 0; at < s->len; i++, at += a) {
    size_t n = (size_t)hvx_min_u64(a, s->len - at);
    long c;
    if (!s->have_data) {
      s->gran[i] = GR_PLAIN;
      continue;
    }
    if (e->j->detect_zeroes && !e->backed && hvx_is_zero(s->buf + at, n)) {
      s->gran[i] = GR_ZERO;
      continue;
    }
    if (!e->j->compress || !d->compress_unit) {
      s->gran[i] = GR_PLAIN;
      continue;
    }
    c = d->compress_unit(e->dst, ctx, s->buf + at, n, s->cbuf + at, a);
    if (c < 0)
      return -1;
    if ((size_t)c > a)
      return hvx_set_error(EIO, "%s: compressed unit of %ld bytes overflows "
                           "its %zu-byte buffer", d->name, c, a);
    s->gran[i] = c == 0 ? GR_PLAIN : (uint32_t)c;
  }
  return 0;
}

/* ---- writing ------------------------------------------------------ */

/* Ask the kernel to start writing back what we wrote, so the final sync
 * finds little left to do and the disk works while we compute. */
static void kick_writeback(struct engine *e, uint64_t n)
{
  uint_fast64_t u = atomic_fetch_add(&e->unflushed, n) + n;

  if (e->writeback && u >= WRITEBACK_EVERY &&
      atomic_compare_exchange_strong(&e->unflushed, &u, 0))
    sync_file_range(e->dst->file.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* raw to raw, data not needed here (no zero detection, no digest): let
 * the kernel copy, or share the blocks on a reflink filesystem.
 * Returns 1 if done, 0 if the filesystem cannot (the caller writes). */
static int offload_copy(struct engine *e, uint64_t off, uint64_t n)
{
  loff_t in = (loff_t)off, out = (loff_t)off;

  while (n > 0) {
    ssize_t r = copy_file_range(e->src->file.fd, &in, e->dst->file.fd, &out,
                                (size_t)n, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS ||
                  errno == EINVAL || errno == EBADF) && in == (loff_t)off) {
      atomic_store(&e->offload_ok, false);
      return 0;
    }
    if (r < 0)
      return hvx_set_error(errno, "%s: copy to %s at 0x%llx: %s",
                           e->src->filename, e->dst->filename,
                           (unsigned long long)in, strerror(errno));
    if (r == 0) /* the source shrank under us: the rest reads as zeros */
      return 1;
    n -= (uint64_t)r;
  }
  return 1;
}

/* raw to raw, data already read: share the blocks if the filesystem can
 * (btrfs, XFS, ...); a copy, even in the kernel, would cost more than
 * writing the buffer we hold.  Returns 1 if done, 0 if not. */
static int reflink(struct engine *e, uint64_t off, uint64_t n)
{
  struct file_clone_range r = {
    .src_fd = e->src->file.fd, .src_offset = off, .src_length = n,
    .dest_offset = off,
  };

  if (ioctl(e->dst->file.fd, FICLONERANGE, &r) == 0)
    return 1;
  /* EINVAL: this range is not block-aligned; anything else: never. */
  if (errno != EINVAL)
    atomic_store(&e->offload_ok, false);
  return 0;
}

static int write_run(struct engine *e, struct slot *s, size_t at, size_t n)
{
  int r = 0;

  if (e->offload && atomic_load(&e->offload_ok))
    r = s->have_data ? reflink(e, s->off + at, n) :
                       offload_copy(e, s->off + at, n);
  if (r == 0 && !s->have_data &&
      hvx_pread(e->src, s->buf + at, n, s->off + at) < 0)
    return -1;
  if (r == 0 && hvx_pwrite(e->dst, s->buf + at, n, s->off + at) < 0)
    return -1;
  if (r < 0)
    return -1;
  kick_writeback(e, n);
  return 0;
}

/* Store granule I of S (AT bytes in, N long) as process() planned it. */
static int store_granule(struct engine *e, struct slot *s, size_t i,
                         size_t at, size_t n)
{
  const struct hvx_driver *d = e->dst->drv;
  uint32_t g = s->gran[i];
  int r;

  if (g == GR_ZERO)
    return 0;
  if (g != GR_PLAIN)
    r = d->store_compressed(e->dst, s->off + at, n, s->cbuf + at, g);
  else if (!e->j->compress || d->compress_unit)
    r = hvx_pwrite(e->dst, s->buf + at, n, s->off + at);
  else
    r = hvx_pwrite_compressed(e->dst, s->buf + at, n, s->off + at);
  if (r < 0)
    return -1;
  kick_writeback(e, g == GR_PLAIN ? n : g);
  return 0;
}

static int write_compressed(struct engine *e, struct slot *s)
{
  for (size_t i = 0, at = 0; at < s->len; i++, at += e->align)
    if (store_granule(e, s, i, at,
                      (size_t)hvx_min_u64(e->align, s->len - at)) < 0)
      return -1;
  return 0;
}

/* A target on a backing file (a differencing VHD, ...) does not read as
 * zeros: skip the granules that equal the backing file's data, and write
 * the others -- zeros too, holes included, where they would otherwise
 * show the backing file's data.  Only the writer thread runs this, as
 * reading the backing file may not run beside the target's driver. */
static int write_backed(struct engine *e, struct slot *s)
{
  size_t a = e->align;

  for (uint64_t base = 0; base < s->len; base += e->chunk) {
    size_t n = (size_t)hvx_min_u64(e->chunk, s->len - base);
    const uint8_t *data = s->hole ? e->zbuf : s->buf;
    uint64_t off = s->off + base;
    if (base && cancelled(e))
      return -1;
    if (hvx_read_backing(e->dst, e->bbuf, n, off) < 0)
      return -1;
    for (size_t i = 0, at = 0; at < n; ) {
      size_t start, c = (size_t)hvx_min_u64(a, n - at);
      int r = 0;
      if (memcmp(data + at, e->bbuf + at, c) == 0) {
        i++;
        at += c;
        continue;
      }
      if (e->j->compress && !s->hole)
        r = store_granule(e, s, i, at, c);
      else if (e->j->compress)
        r = hvx_pwrite_compressed(e->dst, data + at, c, off + at);
      if (r < 0)
        return -1;
      start = at;
      i++;
      at += c;
      if (e->j->compress)
        continue;
      /* One write per run of changed granules. */
      while (at < n && memcmp(data + at, e->bbuf + at,
                              (c = (size_t)hvx_min_u64(a, n - at))) != 0) {
        i++;
        at += c;
      }
      if (hvx_pwrite(e->dst, data + start, at - start, off + start) < 0)
        return -1;
    }
  }
  return 0;
}

static int write_unit(struct engine *e, struct slot *s)
{
  size_t a = e->align;

  if (e->backed)
    return write_backed(e, s);
  if (s->hole)
    return 0;
  if (e->j->compress)
    return write_compressed(e, s);
  /* One write per run of non-zero granules. */
  for (size_t i = 0, at = 0; at < s->len; ) {
    size_t start;
    if (s->gran[i] == GR_ZERO) {
      i++;
      at += a;
      continue;
    }
    start = at;
    while (at < s->len && s->gran[i] != GR_ZERO) {
      i++;
      at += a;
    }
    if (write_run(e, s, start,
                  (size_t)hvx_min_u64(at, s->len) - start) < 0)
      return -1;
  }
  return 0;
}

/* ---- the threads -------------------------------------------------- */

static void *worker(void *arg)
{
  struct engine *e = arg;
  void *ctx = NULL; /* the driver's compression scratch for this thread */

  while (!cancelled(e)) {
    struct slot *s;
    uint64_t ra_start = 0, ra_end = 0;
    int r;
    pthread_mutex_lock(&e->plan_lock);
    s = claim(e);
    if (!s) {
      pthread_mutex_unlock(&e->plan_lock);
      break;
    }
    r = plan(e, s);
    if (r == 0)
      next_readahead(e, &ra_start, &ra_end);
    if (r == 0 && !e->src_parallel)
      r = read_unit(e, s);
    pthread_mutex_unlock(&e->plan_lock);
    if (ra_end > ra_start)
      e->src->drv->readahead(e->src, ra_start, ra_end - ra_start);
    if (r == 0 && e->src_parallel)
      r = read_unit(e, s);
    if (r < 0) {
      fail(e);
      break;
    }
    if (e->j->md) {
      pthread_mutex_lock(&e->m);
      s->read = true;
      pthread_cond_signal(&e->cv_main);
      pthread_mutex_unlock(&e->m);
    }
    r = s->hole ? 0 : process(e, s, &ctx);
    if (r == 0 && e->dst_parallel)
      r = write_unit(e, s);
    if (r < 0) {
      fail(e);
      break;
    }
    pthread_mutex_lock(&e->m);
    s->processed = true;
    if (e->dst_parallel)
      s->written = true;
    else
      pthread_cond_signal(&e->cv_write);
    finish_if_done(e, s);
    pthread_mutex_unlock(&e->m);
  }
  if (ctx && e->dst->drv->compress_end)
    e->dst->drv->compress_end(ctx);
  return NULL;
}

/* Writes units in disk order (targets that are not thread_safe). */
static void *writer(void *arg)
{
  struct engine *e = arg;
  uint64_t seq = 0, pos = 0;

  while (pos < e->size) {
    struct slot *s = &e->slots[seq % e->nslots];
    bool stop;
    pthread_mutex_lock(&e->m);
    while (!e->stop && !(s->busy && s->seq == seq && s->processed))
      pthread_cond_wait(&e->cv_write, &e->m);
    stop = e->stop;
    pthread_mutex_unlock(&e->m);
    if (stop || cancelled(e))
      break;
    if (write_unit(e, s) < 0) {
      fail(e);
      break;
    }
    pthread_mutex_lock(&e->m);
    pos += s->len;
    s->written = true;
    finish_if_done(e, s);
    pthread_mutex_unlock(&e->m);
    seq++;
  }
  return NULL;
}

/* Hash unit S into the digest; holes in pieces, to notice cancellation. */
static int digest_unit(struct engine *e, struct slot *s)
{
  if (!s->hole) {
    if (!EVP_DigestUpdate(e->j->md, s->buf, s->len))
      return hvx_set_error(EIO, "digest update failed");
    return 0;
  }
  for (uint64_t at = 0; at < s->len; at += 4u << 20) {
    if (atomic_load_explicit(e->j->cancelled, memory_order_relaxed))
      return hvx_set_error(ECANCELED, "conversion cancelled");
    if (hvx_digest_zeros(e->j->md, hvx_min_u64(4u << 20, s->len - at)) < 0)
      return -1;
  }
  return 0;
}

static void report(struct engine *e, uint64_t done)
{
  if (e->j->progress &&
      e->j->progress(e->j->progress_opaque, done, e->size) != 0) {
    atomic_store(e->j->cancelled, 1);
    hvx_set_error(ECANCELED, "conversion cancelled by the progress "
                  "callback");
    fail(e);
  }
}

/* The caller's thread: digest in order, progress, cancellation. */
static void supervise(struct engine *e)
{
  uint64_t seq = 0, dpos = 0, reported = 0, last = now_ns();
  bool md = e->j->md != NULL;

  report(e, 0);
  for (;;) {
    struct slot *s = md && dpos < e->size ? &e->slots[seq % e->nslots] : NULL;
    bool ready = false, stop;
    uint64_t done;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += PROGRESS_NS;
    if (until.tv_nsec >= 1000000000) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&e->m);
    for (;;) {
      ready = s && s->busy && s->seq == seq && s->read;
      if (ready || e->stop || e->done == e->size ||
          pthread_cond_timedwait(&e->cv_main, &e->m, &until) != 0)
        break;
    }
    stop = e->stop;
    done = e->done;
    pthread_mutex_unlock(&e->m);
    if (stop || cancelled(e))
      return;
    if (ready) {
      if (digest_unit(e, s) < 0) {
        fail(e);
        return;
      }
      pthread_mutex_lock(&e->m);
      dpos += s->len;
      s->digested = true;
      finish_if_done(e, s);
      done = e->done;
      pthread_mutex_unlock(&e->m);
      seq++;
    }
    if (done == e->size)
      break;
    if (done != reported && now_ns() - last >= PROGRESS_NS) {
      report(e, done);
      reported = done;
      last = now_ns();
    }
  }
  report(e, e->size);
}

/* ---- set-up ------------------------------------------------------- */

static int setup(struct engine *e, struct hvx_convert_job *j)
{
  const struct hvx_driver *sd = j->src->drv, *dd = j->dst->drv;
  uint32_t g = dd->write_granularity ? dd->write_granularity(j->dst) : 0;
  size_t per_slot;

  e->j = j;
  e->src = j->src;
  e->dst = j->dst;
  e->size = j->src->size;
  if (j->compress) {
    /* Compressed writes come in whole clusters. */
    if (!hvx_is_pow2(g) || g > (2u << 20))
      return hvx_set_error(ENOTSUP, "%s: compressed output needs a "
                           "power-of-two cluster size up to 2 MiB, not %u",
                           dd->name, g);
    if (!dd->compress_unit != !dd->store_compressed ||
        !dd->compress_unit != !dd->compress_end)
      return hvx_set_error(EINVAL, "%s: driver has only half of the "
                           "compression interface", dd->name);
    e->align = g;
  } else {
    e->align = DETECT_GRAN;
  }
  e->chunk = e->align > CHUNK ? e->align : CHUNK;
  e->src_parallel = j->src->thread_safe && !j->src->backing;
  e->dst_parallel = j->dst->thread_safe;
  e->offload = sd == dd && e->src_parallel && strcmp(sd->name, "raw") == 0;
  atomic_init(&e->offload_ok, true);
  atomic_init(&e->unflushed, 0);
  e->skip_read = e->offload && !j->detect_zeroes && !j->md;
  e->writeback = !j->dst->file.nosync;
  e->backed = j->dst->backing != NULL;
  if (e->backed) {
    e->dst_parallel = false;
    if (!(e->bbuf = hvx_aligned_alloc(e->chunk, "conversion buffer")) ||
        !(e->zbuf = hvx_calloc(1, e->chunk, "conversion buffer")))
      return -1;
  }

  per_slot = e->chunk * (j->compress ? 2u : 1u);
  e->nslots = (unsigned)(2 * j->threads + 4);
  if (e->nslots > SLOT_BUDGET / per_slot)
    e->nslots = (unsigned)(SLOT_BUDGET / per_slot);
  if (e->nslots < 3)
    e->nslots = 3;
  e->slots = hvx_calloc(e->nslots, sizeof *e->slots, "conversion slots");
  if (!e->slots)
    return -1;
  for (unsigned i = 0; i < e->nslots; i++) {
    struct slot *s = &e->slots[i];
    if (!(s->buf = hvx_aligned_alloc(e->chunk, "conversion buffer")) ||
        (j->compress &&
         !(s->cbuf = hvx_aligned_alloc(e->chunk, "compression buffer"))) ||
        !(s->gran = hvx_calloc(e->chunk / e->align, sizeof *s->gran,
                               "conversion granule map")))
      return -1;
  }
  /* Only the top image is read in order; fadvise is a hint only. */
  posix_fadvise(e->src->file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return 0;
}

static void teardown(struct engine *e)
{
  if (e->slots)
    for (unsigned i = 0; i < e->nslots; i++) {
      free(e->slots[i].buf);
      free(e->slots[i].cbuf);
      free(e->slots[i].gran);
    }
  free(e->slots);
  free(e->bbuf);
  free(e->zbuf);
}

int hvx_convert_run(struct hvx_convert_job *j)
{
  struct engine e = { 0 };
  pthread_t *tids = NULL, wtid;
  pthread_condattr_t ca;
  int started = 0, r = -1;
  bool have_writer = false;

  if (j->threads < 1)
    return hvx_set_error(EINVAL, "conversion needs at least one thread");
  if (setup(&e, j) < 0)
    goto out;
  if (e.size == 0) {
    r = 0;
    goto out;
  }
  pthread_mutex_init(&e.plan_lock, NULL);
  pthread_mutex_init(&e.m, NULL);
  pthread_cond_init(&e.cv_slot, NULL);
  pthread_cond_init(&e.cv_write, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&e.cv_main, &ca);
  pthread_condattr_destroy(&ca);

  tids = hvx_calloc((size_t)j->threads, sizeof *tids, "worker threads");
  if (tids) {
    int err = 0;
    if (!e.dst_parallel) {
      err = pthread_create(&wtid, NULL, writer, &e);
      have_writer = err == 0;
    }
    for (; err == 0 && started < j->threads; started++)
      if ((err = pthread_create(&tids[started], NULL, worker, &e)) != 0)
        break;
    if (err) {
      hvx_set_error(err, "cannot start a conversion thread: %s",
                    strerror(err));
      fail(&e);
    } else {
      supervise(&e);
    }
  } else {
    fail(&e);
  }
  pthread_mutex_lock(&e.m);
  if (!e.stop && e.done != e.size) { /* cannot happen; never hang on it */
    e.stop = true;
    snprintf(e.msg, sizeof e.msg, "conversion ended early");
    e.err = EIO;
  }
  pthread_mutex_unlock(&e.m);
  if (e.stop) /* wake everyone so they see it */
    fail(&e);
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  if (have_writer)
    pthread_join(wtid, NULL);
  free(tids);
  if (e.stop)
    hvx_set_error(e.err, "%s", e.msg);
  else
    r = 0;
  pthread_cond_destroy(&e.cv_main);
  pthread_cond_destroy(&e.cv_write);
  pthread_cond_destroy(&e.cv_slot);
  pthread_mutex_destroy(&e.m);
  pthread_mutex_destroy(&e.plan_lock);
out:
  teardown(&e);
  return r;
}
