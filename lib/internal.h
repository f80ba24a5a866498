/* hvx - internal interfaces shared by lib/ and formats/.  Not installed. */
#ifndef HVX_INTERNAL_H
#define HVX_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvx.h"

#define HVX_API __attribute__((visibility("default")))
#define HVX_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- errors (lib/errors.c) ---------------------------------------- */

/* hvx_set_error: record ERRNUM and a formatted message as the calling
 * thread's last error.  Always returns -1 so callers can
 * `return hvx_set_error(...)`. */
int hvx_set_error(int errnum, const char *fmt, ...) HVX_PRINTF(2, 3);

/* hvx_prefix_error: put "PREFIX: " in front of the current message, for
 * adding context as an error travels up (e.g. the backing file name). */
void hvx_prefix_error(const char *fmt, ...) HVX_PRINTF(1, 2);

/* ---- files (lib/io.c) ---------------------------------------------- */

struct hvx_io_hook;

struct hvx_file {
  int fd;
  bool writable;
  bool nosync; /* hvx_file_sync does nothing (a conversion asked for
                  no sync: the caller syncs, or does not need to) */
  char *path;
  const struct hvx_io_hook *hook; /* tests only; NULL in normal use */
};

/* Open PATH; WRITE for read-write.  CREATE makes a new file (O_EXCL). */
int hvx_file_open(struct hvx_file *f, const char *path, bool write,
                  bool create);
void hvx_file_close(struct hvx_file *f);
/* The current size of the file, or -1. */
int64_t hvx_file_size(struct hvx_file *f);
/* Read exactly COUNT bytes at OFFSET; a short read is EBADMSG naming
 * WHAT ("qcow2 header", ...) since it means the file is truncated. */
int hvx_file_pread(struct hvx_file *f, void *buf, size_t count,
                   uint64_t offset, const char *what);
/* Read up to COUNT bytes; bytes past end of file read as zeros. */
int hvx_file_pread_zerofill(struct hvx_file *f, void *buf, size_t count,
                            uint64_t offset);
int hvx_file_pwrite(struct hvx_file *f, const void *buf, size_t count,
                    uint64_t offset);
int hvx_file_truncate(struct hvx_file *f, uint64_t size);
/* Make the range read as zeros, punching a hole where possible. */
int hvx_file_punch(struct hvx_file *f, uint64_t offset, uint64_t length);
int hvx_file_sync(struct hvx_file *f);
/* hvx_file_block_status: what the LENGTH (> 0) bytes of F at file
 * offset OFFSET hold, as SEEK_DATA/SEEK_HOLE tell: sets *PNUM (1 to
 * LENGTH) bytes of data (*FLAGS = HVX_BS_ALLOCATED) or of a hole
 * (HVX_BS_ZERO).  Where the filesystem cannot tell, all LENGTH bytes
 * are data.  Where no data follows OFFSET up to the end of the file
 * (ENXIO), all LENGTH bytes get NO_DATA_FLAGS: HVX_BS_ZERO when reads
 * there give zeros (raw), HVX_BS_ALLOCATED when they must be read to
 * see what they are (a fixed VHD, whose footer follows its data: the
 * range is then not what open checked).  Never fails. */
/* Ask the kernel to start reading the data extents of [OFFSET,
 * OFFSET+LENGTH) into the page cache (POSIX_FADV_WILLNEED), skipping
 * holes; returns at once.  A hint: errors are ignored. */
void hvx_file_readahead(struct hvx_file *f, uint64_t offset,
                        uint64_t length);
int hvx_file_block_status(struct hvx_file *f, uint64_t offset,
                          uint64_t length, unsigned no_data_flags,
                          uint64_t *pnum, unsigned *flags);

/* ---- test-only I/O interposition (lib/io.c) ------------------------ *
 * For crash simulation: a test opens an image with hvx_open_hooked and
 * its hook sees every operation that changes the file, in order, before
 * it happens, and decides how much of it reaches the file.  Never used
 * by the library itself, not reachable from the public API, and not
 * exported from libhvx.so (tests link libhvxcore). */
enum hvx_io_kind { HVX_IO_PWRITE, HVX_IO_TRUNCATE, HVX_IO_PUNCH, HVX_IO_SYNC };

struct hvx_io_op {
  enum hvx_io_kind kind;
  uint64_t offset;  /* pwrite, punch: where; truncate: the new size */
  uint64_t length;  /* pwrite, punch: how many bytes; else 0 */
  const void *buf;  /* pwrite: the bytes; else NULL */
};

struct hvx_io_hook {
  /* Return how many leading bytes of a pwrite or punch reach the file
   * (0..length: fewer is a torn operation); for truncate and sync, 0
   * drops the operation and anything else does it.  Either way the
   * caller is told it succeeded, as a page cache would.  A negative
   * value fails the operation with EIO, untouched: a dead device. */
  int64_t (*fn)(void *opaque, const struct hvx_io_op *op);
  void *opaque;
};

/* As hvx_open, with HOOK (which must outlive the image) installed on the
 * image's file before the driver's open runs, so it sees an open-time
 * log replay too.  Backing files are opened without it. */
struct hvx_image *hvx_open_hooked(const char *path, const char *format,
                                  unsigned flags,
                                  const struct hvx_io_hook *hook);

/* ---- format options (lib/options.c) -------------------------------- */

/* A parsed "k=v,k=v" string.  Drivers take the keys they know with
 * hvx_opts_take*; hvx_opts_check_all_taken then rejects the rest. */
struct hvx_opt {
  char *key, *value;
  bool taken;
};
struct hvx_opts {
  struct hvx_opt *v;
  size_t n;
};
int hvx_opts_parse(struct hvx_opts *o, const char *s);
void hvx_opts_free(struct hvx_opts *o);
/* The value of KEY or NULL; marks it taken. */
const char *hvx_opts_take(struct hvx_opts *o, const char *key);
/* A size value with optional K/M/G/T suffix into *OUT (untouched if the
 * key is absent).  Returns 0, or -1 with EINVAL. */
int hvx_opts_take_size(struct hvx_opts *o, const char *key, uint64_t *out);
int hvx_opts_check_all_taken(struct hvx_opts *o, const char *format);

/* ---- the format-driver interface (lib/driver.c) -------------------- */

struct hvx_image;

struct hvx_driver {
  const char *name;
  const char *alias; /* another accepted name, or NULL */

  /* Score how sure the driver is that F holds its format: 0 = not mine,
   * 100 = certain (magic and checksums verified).  HEAD holds the first
   * HEADLEN bytes (up to 64 KiB; less for a short file), FILESIZE the
   * file's size.  May read more of F.  -1 on I/O error. */
  int (*probe)(struct hvx_file *f, const uint8_t *head, size_t headlen,
               uint64_t filesize);

  /* Open IMG->file (already opened): validate the metadata, set
   * IMG->size and IMG->priv.  Open the backing file, if any, through
   * hvx_open_backing. */
  int (*open)(struct hvx_image *img);

  /* Lay out a new, empty image of SIZE in IMG->file (freshly created,
   * empty) taking its options from OPTS, then leave IMG open as `open`
   * would.  NULL: the format cannot be created. */
  int (*create)(struct hvx_image *img, uint64_t size, struct hvx_opts *opts);

  /* Extent at OFFSET, as hvx_block_status (already range-checked and
   * clipped to the virtual size).  NULL: everything is allocated data. */
  int (*block_status)(struct hvx_image *img, uint64_t offset,
                      uint64_t length, uint64_t *pnum, unsigned *flags);

  /* Read/write within the virtual size (already range-checked). */
  int (*pread)(struct hvx_image *img, void *buf, size_t count,
               uint64_t offset);
  int (*pwrite)(struct hvx_image *img, const void *buf, size_t count,
                uint64_t offset); /* NULL: read-only format */
  /* Make a range read as zeros.  NULL: the core writes zero buffers. */
  int (*zero)(struct hvx_image *img, uint64_t offset, uint64_t length,
              unsigned flags);
  /* Write a whole, aligned compressed unit (qcow2 -c); NULL if none. */
  int (*pwrite_compressed)(struct hvx_image *img, const void *buf,
                           size_t count, uint64_t offset);
  /* Compression split in two so the conversion engine can compress on
   * many threads and store in order (all three NULL if not supported; a
   * driver with them keeps pwrite_compressed for other callers).
   * compress_unit compresses one unit -- a whole cluster of
   * write_granularity bytes, or the short last one at the end of the
   * disk, which the driver pads as the format wants -- from IN into OUT,
   * which holds OUTCAP >= LEN bytes.  It returns the compressed length,
   * 0 if the unit is not worth compressing (the engine then writes it
   * with pwrite), or -1 on error.  It must be pure: it may read IMG's
   * constant parameters but change no state, for it runs on several
   * threads at once, concurrently with other calls on IMG.  *CTX is the
   * calling thread's own scratch (NULL at first; the driver may allocate
   * it, e.g. a zlib stream, and keep it there); compress_end frees it.
   * store_compressed stores DATA[0..LEN) from compress_unit as the
   * compressed unit of UNIT_LEN bytes at virtual OFFSET (aligned).
   * Called from one thread at a time, like pwrite. */
  long (*compress_unit)(struct hvx_image *img, void **ctx, const void *in,
                        size_t len, void *out, size_t outcap);
  void (*compress_end)(void *ctx);
  int (*store_compressed)(struct hvx_image *img, uint64_t offset,
                          size_t unit_len, const void *data, size_t len);
  int (*flush)(struct hvx_image *img);
  /* Report problems through hvx_report_problem; return their count. */
  int (*check)(struct hvx_image *img, hvx_problem_fn fn, void *opaque);
  /* Start reading the stored data of the virtual range [OFFSET,
   * OFFSET+LENGTH) into the page cache (hvx_file_readahead on where it
   * lies in the file), without waiting and without reading metadata
   * not already in memory.  A hint: no errors.  Called only on images
   * that are thread_safe, from any thread.  NULL: no hint. */
  void (*readahead)(struct hvx_image *img, uint64_t offset,
                    uint64_t length);
  /* Emit format-specific info pairs through FN. */
  void (*info)(struct hvx_image *img, hvx_info_fn fn, void *opaque);
  /* Free IMG->priv (flush already done by the core). */
  void (*close)(struct hvx_image *img);

  /* Largest granularity the engine should write in (cluster/block
   * size) and the unit compressed writes need; 0 = any. */
  uint32_t (*write_granularity)(struct hvx_image *img);

  /* true: pread, pwrite and block_status may run on several threads at
   * once, and the file's bytes do not depend on the order of writes
   * (positional I/O only, no allocation: raw).  The conversion engine
   * then reads and writes such an image from all its workers; any other
   * image it uses from one thread at a time, writing in disk order.
   * This is the default for each image (hvx_image.thread_safe). */
  bool thread_safe;
};

struct hvx_image {
  const struct hvx_driver *drv;
  struct hvx_file file;
  char *filename;
  unsigned flags;       /* HVX_OPEN_* */
  uint64_t size;        /* virtual size */
  void *priv;           /* the driver's state */
  struct hvx_image *backing;
  struct hvx_image *child; /* the image this one is backing for, or NULL */
  int depth;            /* 0 for the top image, +1 per backing level */
  bool created;         /* made by hvx_create: its structures are ours */
  bool thread_safe;     /* as hvx_driver.thread_safe, for this image: set
                           from the driver before open/create, which may
                           change it (e.g. true for a fixed VHD) */
};

/* Open PATH as hvx_open does; CHILD is the image it backs (or NULL). */
struct hvx_image *hvx_open_internal(const char *path, const char *format,
                                    unsigned flags, struct hvx_image *child);

/* The drivers compiled in, NULL-terminated, in probe order. */
extern const struct hvx_driver *const hvx_drivers[];
const struct hvx_driver *hvx_find_driver(const char *name);

/* Write a compressed unit through the driver (range-checked). */
int hvx_pwrite_compressed(struct hvx_image *img, const void *buf,
                          size_t count, uint64_t offset);

/* Longest backing chain hvx follows. */
#define HVX_MAX_BACKING_DEPTH 32

/* hvx_open_backing: open NAME (as written in IMG's metadata) as IMG's
 * backing file with FORMAT (NULL to probe), applying the safety rules:
 * no protocol names, relative to IMG's directory, depth limit, no
 * cycles.  With HVX_OPEN_NO_BACKING it does nothing and returns 0.
 * On success sets IMG->backing. */
int hvx_open_backing(struct hvx_image *img, const char *name,
                     const char *format);

/* Read from IMG's backing file, zeros where there is none or it is
 * shorter than the range. */
int hvx_read_backing(struct hvx_image *img, void *buf, size_t count,
                     uint64_t offset);

/* A lock around a driver's caches, for images several threads may read
 * at once (a driver sets img->thread_safe for such an open, read-only
 * and without a backing file): the cache lookups go under it, the
 * preads of data outside it, so reads overlap.  Not enabled, it costs a
 * branch. */
struct hvx_lock {
  pthread_mutex_t m;
  bool on;
};

static inline void hvx_lock_enable(struct hvx_lock *l)
{
  pthread_mutex_init(&l->m, NULL);
  l->on = true;
}

static inline void hvx_lock_destroy(struct hvx_lock *l)
{
  if (l->on)
    pthread_mutex_destroy(&l->m);
  l->on = false;
}

static inline void hvx_lock(struct hvx_lock *l)
{
  if (l->on)
    pthread_mutex_lock(&l->m);
}

static inline void hvx_unlock(struct hvx_lock *l)
{
  if (l->on)
    pthread_mutex_unlock(&l->m);
}

/* Before the first write to an existing image: run CHECK, the part of a
 * driver's check whose damage a write would spread (two structures in
 * one place), and fail with EBADMSG naming the first corruption found. */
int hvx_refuse_write_if_corrupt(struct hvx_image *img,
                                int (*check)(struct hvx_image *img,
                                             hvx_problem_fn fn,
                                             void *opaque));

/* Report a problem from a driver's check: calls FN if set, returns 1 so
 * a driver can write `problems += hvx_report_problem(...)`. */
int hvx_report_problem(hvx_problem_fn fn, void *opaque, int kind,
                       uint64_t offset, const char *fmt, ...)
  HVX_PRINTF(5, 6);

/* ---- digests (lib/verify.c) ---------------------------------------- */

typedef struct evp_md_ctx_st EVP_MD_CTX;
EVP_MD_CTX *hvx_digest_begin(const char *algo);
int hvx_digest_zeros(EVP_MD_CTX *ctx, uint64_t len);
/* Finish CTX into lowercase hex in OUT (does not free CTX). */
int hvx_digest_end(EVP_MD_CTX *ctx, char *out, size_t outlen);

/* ---- small helpers (lib/util.c) ------------------------------------ */

/* True if the COUNT bytes at BUF are all zero. */
bool hvx_is_zero(const void *buf, size_t count);
/* True only if raw deflate with a window of at most WINDOW bytes surely
 * cannot turn the N bytes at P into fewer than N (lib/deflate-bound.c);
 * false means "maybe", so the caller runs zlib.  SCRATCH holds
 * HVX_DEFLATE_SCRATCH bytes, one per thread, zeroed once when allocated
 * (later calls may leave anything in it). */
#define HVX_DEFLATE_SCRATCH (2 * sizeof(uint32_t) << 13)
bool hvx_deflate_cannot_shrink(const uint8_t *p, size_t n, size_t window,
                               void *scratch);
/* Allocate; on failure set ENOMEM naming WHAT and return NULL. */
void *hvx_malloc(size_t size, const char *what);
void *hvx_calloc(size_t n, size_t size, const char *what);
/* Page-aligned allocation (for O_DIRECT-friendly buffers). */
void *hvx_aligned_alloc(size_t size, const char *what);
char *hvx_strdup(const char *s);
/* Parse a whole decimal/hex number; -1 on junk. */
int hvx_parse_u64(const char *s, uint64_t *out);

static inline bool hvx_is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static inline uint64_t hvx_round_up(uint64_t x, uint64_t align)
{
  return (x + align - 1) / align * align;
}
static inline uint64_t hvx_div_round_up(uint64_t x, uint64_t d)
{
  return x / d + (x % d != 0);
}
static inline uint64_t hvx_min_u64(uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

#endif /* HVX_INTERNAL_H */
