/* hvx - qcow2: state and helpers shared by the qcow2 driver's files.
 *
 * qcow2.c        header parsing, open/close, info, the driver table
 * qcow2-cache.c  the L2-table and refcount-block caches
 * qcow2-read.c   cluster lookup, reads, block status, decompression
 * qcow2-alloc.c  refcounts and cluster allocation
 * qcow2-write.c  writes, zeroing, compressed writes, flush
 * qcow2-compress.c deflating clusters, on any thread (conversion -c)
 * qcow2-create.c laying out a new image
 * qcow2-check.c  the consistency check
 *
 * Layout facts are from qemu's docs/interop/qcow2.txt.
 */
#ifndef HVX_QCOW2_H
#define HVX_QCOW2_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */

#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104
/* The header hvx writes for v3: up to compression_type, padded to 8. */
#define QCOW2_V3_HEADER_WRITE_LEN 112

#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21

/* Limits qemu applies too: images beyond them cannot be made by qemu, and
 * holding them bounds what a hostile header can make us allocate. */
#define QCOW2_MAX_L1_BYTES (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_SNAPSHOTS 65536

/* Incompatible feature bits. */
#define QCOW2_INCOMPAT_DIRTY      (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT    (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE  (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESS   (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2      (1ull << 4)
/* Compatible feature bits. */
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)
/* Autoclear feature bits. */
#define QCOW2_AUTOCLEAR_BITMAPS   (1ull << 0)

/* Header extension types. */
#define QCOW2_EXT_END          0x00000000u
#define QCOW2_EXT_BACKING_FMT  0xe2792acau
#define QCOW2_EXT_FEATURES     0x6803f857u
#define QCOW2_EXT_BITMAPS      0x23852875u
#define QCOW2_EXT_CRYPTO       0x0537be77u
#define QCOW2_EXT_DATA_FILE    0x44415441u

/* L1/L2 entry bits. */
#define QCOW2_OFLAG_COPIED     (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO       (1ull << 0)
#define QCOW2_OFFSET_MASK      0x00fffffffffffe00ull /* bits 9..55 */

/* What one L2 entry describes. */
enum qcow2_ctype {
  QCOW2_UNALLOCATED,  /* reads from the backing file, or zeros */
  QCOW2_ZERO_PLAIN,   /* zero flag, no host cluster */
  QCOW2_ZERO_ALLOC,   /* zero flag, host cluster preallocated */
  QCOW2_NORMAL,       /* data at a host cluster */
  QCOW2_COMPRESSED,   /* zlib data at a byte offset */
};

/* A small write-back LRU cache of cluster-sized metadata tables. */
struct qcow2_cache_entry {
  uint64_t offset;   /* host offset of the table, 0 = free slot */
  uint8_t *data;
  uint64_t used;     /* LRU stamp */
  bool dirty;
};

struct qcow2_cache {
  struct qcow2_cache_entry *e;
  unsigned n;
  uint64_t tick;
  const char *what;  /* "L2 table", "refcount block" */
};

struct qcow2 {
  /* From the header. */
  uint32_t version;
  unsigned cluster_bits;
  uint64_t cs;                 /* cluster size */
  unsigned l2_bits;            /* log2 of entries per L2 table */
  uint32_t l1_size;            /* entries */
  uint64_t l1_offset;
  uint64_t reftable_offset;
  uint32_t reftable_clusters;
  unsigned refcount_order, refcount_bits;
  uint64_t rb_entries;         /* refcounts per refcount block */
  uint32_t nb_snapshots;
  uint64_t snapshots_offset;
  uint64_t incompat, compat, autoclear;
  uint32_t header_length;
  uint8_t compression_type;
  char *backing_name;          /* NUL-terminated copy, or NULL */
  char *backing_fmt;           /* from the header extension, or NULL */
  /* Bitmaps extension (only needed to account for its clusters). */
  bool has_bitmaps;
  uint32_t nb_bitmaps;
  uint64_t bitmap_dir_size, bitmap_dir_offset;

  /* Compressed descriptors: offset in bits 0..x-1, sectors above. */
  unsigned csize_shift;
  uint64_t csize_mask, coffset_mask;

  uint64_t *l1;                /* the active L1 table, host byte order */
  struct qcow2_cache l2c;      /* L2 tables */
  struct qcow2_cache rbc;      /* refcount blocks */

  /* Reading. */
  uint64_t file_size;          /* known end of file (grows as we write) */
  uint8_t *zbuf;               /* compressed input, 2 clusters */
  uint8_t *dcbuf;              /* last decompressed cluster */
  uint64_t dc_offset;          /* its descriptor, 0 = none */
  struct hvx_lock lock;        /* around l2c and the decompression buffers
                                  when several threads read */

  /* Writing (only set up when open for writing). */
  bool writable;
  bool fresh;                  /* created by this handle: an evicted L2
                                  table needs no syncs (qcow2-cache.c) */
  uint64_t *reftable;          /* host byte order */
  uint64_t reftable_entries;
  uint64_t end_cluster;        /* clusters below are in use or reserved */
  uint64_t free_hint;          /* lowest cluster that may have been freed */
  uint64_t comp_next;          /* next free byte for compressed data, 0 = none */
  uint32_t l1_dirty_lo, l1_dirty_hi; /* dirty L1 range [lo, hi) */
  bool reftable_dirty;
  bool header_dirty;           /* L1/reftable location fields changed */
  uint64_t old_reftable_offset;  /* freed once the header on disk no
                                  * longer points at it */
  uint32_t old_reftable_clusters;
  uint64_t *freed;             /* L2 entries dropped since the last flush: */
  size_t nfreed, freed_cap;    /* their clusters are freed after it */
  uint8_t *cbuf;               /* a cluster of scratch for RMW */
  uint8_t *mbuf;               /* partial compressed writes, merged */
  void *zstream;               /* qcow2_compress_unit context, made on
                                  first use */
  int alloc_depth;             /* refcount-block allocation recursion */
};

static inline struct qcow2 *qcow2_state(struct hvx_image *img)
{
  return img->priv;
}

/* ---- qcow2.c --------------------------------------------------------- */
int qcow2_read_refcount_table(struct hvx_image *img);
int qcow2_setup_write(struct hvx_image *img);
void qcow2_free_state(struct qcow2 *q);

/* ---- qcow2-cache.c -------------------------------------------------- */
int qcow2_cache_init(struct qcow2_cache *c, unsigned n, uint64_t cs,
                     const char *what);
void qcow2_cache_free(struct qcow2_cache *c);
/* The table at host OFFSET, read from the file on a miss (FRESH: start
 * from zeros instead, for a table just allocated).  Evicting a dirty
 * table writes it back first. */
uint8_t *qcow2_cache_get(struct hvx_image *img, struct qcow2_cache *c,
                         uint64_t offset, bool fresh);
void qcow2_cache_mark_dirty(struct qcow2_cache *c, const uint8_t *data);
int qcow2_cache_flush(struct hvx_image *img, struct qcow2_cache *c);
/* Forget the table at OFFSET without writing it (it was freed). */
void qcow2_cache_drop(struct qcow2_cache *c, uint64_t offset);

/* ---- qcow2-read.c --------------------------------------------------- */
enum qcow2_ctype qcow2_ctype(const struct qcow2 *q, uint64_t entry);
/* The L2 entry for guest cluster GC (0 when its L1 entry is empty);
 * PTABLE and PINDEX (if PTABLE) locate it in the cache. */
int qcow2_get_l2_entry(struct hvx_image *img, uint64_t gc, uint64_t *entry,
                       uint8_t **ptable, unsigned *pindex);
/* Host byte range [*START, *END) of a compressed descriptor. */
void qcow2_compressed_range(const struct qcow2 *q, uint64_t entry,
                            uint64_t *start, uint64_t *end);
/* Read the whole guest cluster GC (backing, zeros, data, compressed)
 * into BUF (cluster size). */
int qcow2_read_cluster(struct hvx_image *img, uint64_t gc, uint8_t *buf);
int qcow2_pread(struct hvx_image *img, void *buf, size_t count,
                uint64_t offset);
void qcow2_readahead(struct hvx_image *img, uint64_t offset,
                     uint64_t length);
int qcow2_block_status(struct hvx_image *img, uint64_t offset,
                       uint64_t length, uint64_t *pnum, unsigned *flags);
/* Check that the host cluster OFFSET of a table or data cluster is
 * aligned and inside the file; WHAT names it in the error. */
int qcow2_check_host_offset(struct hvx_image *img, uint64_t offset,
                            const char *what, uint64_t guest);

/* ---- qcow2-alloc.c -------------------------------------------------- */
uint64_t qcow2_refcount_get(const struct qcow2 *q, const uint8_t *block,
                            uint64_t index);
void qcow2_refcount_set(const struct qcow2 *q, uint8_t *block,
                        uint64_t index, uint64_t value);
/* The refcount of host cluster C (from the cached blocks). */
int qcow2_get_refcount(struct hvx_image *img, uint64_t c, uint64_t *rc);
/* Add DELTA (+1/-1) to host cluster C's refcount; a count dropping to
 * zero frees the cluster (and punches it out of the file). */
int qcow2_update_refcount(struct hvx_image *img, uint64_t c, int delta);
/* Reserve N contiguous new clusters with refcount 1; returns the host
 * offset of the first, or 0 on error. */
uint64_t qcow2_alloc_clusters(struct hvx_image *img, uint64_t n);
/* Reserve one cluster, reusing a freed one when there is one. */
uint64_t qcow2_alloc_cluster(struct hvx_image *img);
/* Drop the references an L2 entry held (data, compressed bytes) once
 * the tables that no longer hold it are durable (qcow2_free_deferred):
 * until then the entry on disk still points at the clusters, so they
 * must be neither reused nor punched. */
int qcow2_free_entry(struct hvx_image *img, uint64_t entry);
/* Free the clusters of the entries qcow2_free_entry deferred. */
int qcow2_free_deferred(struct hvx_image *img);
/* Write the dirty refcount blocks, then (after a sync if SYNC) the
 * refcount table, to where it is now: a grown one is not yet what the
 * header on disk points at. */
int qcow2_flush_refcounts(struct hvx_image *img, bool sync);
/* Before a table written back early (an evicted L2 table) may count on
 * refcount blocks only a grown refcount table lists: with that table
 * written and synced, point the header on disk at it, sync, and free
 * the old one.  Nothing to do if the table has not moved. */
int qcow2_publish_reftable(struct hvx_image *img);

/* ---- qcow2-write.c -------------------------------------------------- */
int qcow2_pwrite(struct hvx_image *img, const void *buf, size_t count,
                 uint64_t offset);
int qcow2_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
               unsigned flags);
/* Store LEN bytes of deflated data as the compressed cluster at virtual
 * OFFSET (cluster-aligned; UNIT_LEN is how much of the disk it covers). */
int qcow2_store_compressed(struct hvx_image *img, uint64_t offset,
                           size_t unit_len, const void *data, size_t len);
/* ---- qcow2-compress.c -------------------------------------------- */
long qcow2_compress_unit(struct hvx_image *img, void **ctx, const void *in,
                         size_t len, void *out, size_t outcap);
void qcow2_compress_end(void *ctx);

int qcow2_pwrite_compressed(struct hvx_image *img, const void *buf,
                            size_t count, uint64_t offset);
int qcow2_flush(struct hvx_image *img);
/* Write metadata back without syncing (before a check, and by flush). */
int qcow2_write_metadata(struct hvx_image *img);
/* Write BUF at host OFFSET, tracking the end of file. */
int qcow2_file_write(struct hvx_image *img, const void *buf, size_t count,
                     uint64_t offset);

/* ---- qcow2-create.c ------------------------------------------------- */
int qcow2_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts);

/* ---- qcow2-check.c -------------------------------------------------- */
int qcow2_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque);
/* Refuse (EBADMSG) to write to an image with any corruption. */
int qcow2_verify_for_write(struct hvx_image *img);

#endif /* HVX_QCOW2_H */
