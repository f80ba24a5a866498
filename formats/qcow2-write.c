/* hvx - qcow2: writes (allocate on write, copy on write from the
 * backing file), zeroing, compressed clusters, and writing metadata
 * back in an order that keeps the image consistent at every flush:
 * refcounts first, then the tables that reference clusters, then the
 * header. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "endian.h"
#include "qcow2.h"

int qcow2_file_write(struct hvx_image *img, const void *buf, size_t count,
                     uint64_t offset)
{
  struct qcow2 *q = qcow2_state(img);

  if (hvx_file_pwrite(&img->file, buf, count, offset) < 0)
    return -1;
  if (offset + count > q->file_size)
    q->file_size = offset + count;
  return 0;
}

static void l1_mark_dirty(struct qcow2 *q, uint32_t i)
{
  if (q->l1_dirty_lo >= q->l1_dirty_hi) {
    q->l1_dirty_lo = i;
    q->l1_dirty_hi = i + 1;
    return;
  }
  if (i < q->l1_dirty_lo)
    q->l1_dirty_lo = i;
  if (i + 1 > q->l1_dirty_hi)
    q->l1_dirty_hi = i + 1;
}

/* The L2 table for guest cluster GC, allocated if there is none. */
static uint8_t *l2_for_write(struct hvx_image *img, uint64_t gc,
                             unsigned *idx)
{
  struct qcow2 *q = qcow2_state(img);
  uint32_t l1i = (uint32_t)(gc >> q->l2_bits);
  uint64_t e = q->l1[l1i], off = e & QCOW2_OFFSET_MASK;
  uint8_t *t;

  *idx = (unsigned)(gc & ((1ull << q->l2_bits) - 1));
  if (off) {
    if (qcow2_check_host_offset(img, off, "L2 table",
                                gc << q->cluster_bits) < 0)
      return NULL;
    if (!(e & QCOW2_OFLAG_COPIED)) {
      /* Without snapshots every table is used once; a missing flag
       * with a refcount of 1 is only stale, anything else we cannot
       * write through safely. */
      uint64_t rc;
      if (qcow2_get_refcount(img, off >> q->cluster_bits, &rc) < 0)
        return NULL;
      if (rc != 1) {
        hvx_set_error(EBADMSG, "qcow2: %s: L2 table at 0x%llx has refcount "
                      "%llu; refusing to write through it", img->filename,
                      (unsigned long long)off, (unsigned long long)rc);
        return NULL;
      }
      q->l1[l1i] = off | QCOW2_OFLAG_COPIED;
      l1_mark_dirty(q, l1i);
    }
    return qcow2_cache_get(img, &q->l2c, off, false);
  }
  off = qcow2_alloc_cluster(img);
  if (!off)
    return NULL;
  t = qcow2_cache_get(img, &q->l2c, off, true);
  if (!t)
    return NULL;
  qcow2_cache_mark_dirty(&q->l2c, t);
  q->l1[l1i] = off | QCOW2_OFLAG_COPIED;
  l1_mark_dirty(q, l1i);
  return t;
}

/* Set the L2 entry of GC (looking the table up again: allocations may
 * have moved it in the cache). */
static int set_l2_entry(struct hvx_image *img, uint64_t gc, uint64_t entry)
{
  struct qcow2 *q = qcow2_state(img);
  unsigned idx;
  uint8_t *t = l2_for_write(img, gc, &idx);

  if (!t)
    return -1;
  hvx_put_be64(t + 8 * (size_t)idx, entry);
  qcow2_cache_mark_dirty(&q->l2c, t);
  return 0;
}

/* Contiguous host writes gathered into one. */
struct wrun {
  uint64_t host;
  const uint8_t *src;
  size_t len;
};

static int wrun_flush(struct hvx_image *img, struct wrun *r)
{
  int ret = 0;

  if (r->len)
    ret = qcow2_file_write(img, r->src, r->len, r->host);
  r->len = 0;
  return ret;
}

static int wrun_add(struct hvx_image *img, struct wrun *r, uint64_t host,
                    const uint8_t *src, size_t len)
{
  if (r->len && r->host + r->len == host && r->src + r->len == src) {
    r->len += len;
    return 0;
  }
  if (wrun_flush(img, r) < 0)
    return -1;
  r->host = host;
  r->src = src;
  r->len = len;
  return 0;
}

/* Can ENTRY's host cluster be written in place?  Only when this image
 * alone uses it (the COPIED flag, or a refcount of 1). */
static int in_place(struct hvx_image *img, uint64_t entry, bool *yes)
{
  struct qcow2 *q = qcow2_state(img);
  enum qcow2_ctype t = qcow2_ctype(q, entry);
  uint64_t rc;

  *yes = false;
  if (t != QCOW2_NORMAL && t != QCOW2_ZERO_ALLOC)
    return 0;
  if (entry & QCOW2_OFLAG_COPIED) {
    *yes = true;
    return 0;
  }
  if (qcow2_get_refcount(img, (entry & QCOW2_OFFSET_MASK) >> q->cluster_bits,
                         &rc) < 0)
    return -1;
  *yes = rc == 1;
  return 0;
}

/* Write N bytes at O within guest cluster GC. */
static int write_one(struct hvx_image *img, struct wrun *run, uint64_t gc,
                     size_t o, size_t n, const uint8_t *src)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t entry, host;
  unsigned idx;
  uint8_t *t = l2_for_write(img, gc, &idx);
  bool inplace;

  if (!t)
    return -1;
  entry = hvx_be64(t + 8 * (size_t)idx);
  if (in_place(img, entry, &inplace) < 0)
    return -1;
  if (inplace) {
    host = entry & QCOW2_OFFSET_MASK;
    if (qcow2_check_host_offset(img, host, "data cluster",
                                gc << q->cluster_bits) < 0)
      return -1;
    if (qcow2_ctype(q, entry) == QCOW2_ZERO_ALLOC && n < q->cs) {
      /* The rest of a preallocated zero cluster must read as zeros. */
      memset(q->cbuf, 0, q->cs);
      memcpy(q->cbuf + o, src, n);
      if (wrun_flush(img, run) < 0 ||
          qcow2_file_write(img, q->cbuf, q->cs, host) < 0)
        return -1;
    } else if (wrun_add(img, run, host + o, src, n) < 0) {
      return -1;
    }
    if (entry != (host | QCOW2_OFLAG_COPIED))
      return set_l2_entry(img, gc, host | QCOW2_OFLAG_COPIED);
    return 0;
  }

  /* A new cluster: whole-cluster writes go straight in; partial ones
   * are merged with what the cluster reads as now (backing file,
   * compressed data, zeros). */
  if (n < q->cs) {
    if (qcow2_read_cluster(img, gc, q->cbuf) < 0)
      return -1;
    memcpy(q->cbuf + o, src, n);
  }
  host = qcow2_alloc_cluster(img);
  if (!host)
    return -1;
  if (n < q->cs) {
    if (wrun_flush(img, run) < 0 ||
        qcow2_file_write(img, q->cbuf, q->cs, host) < 0)
      return -1;
  } else if (wrun_add(img, run, host, src, n) < 0) {
    return -1;
  }
  if (set_l2_entry(img, gc, host | QCOW2_OFLAG_COPIED) < 0)
    return -1;
  return qcow2_free_entry(img, entry);
}

int qcow2_pwrite(struct hvx_image *img, const void *vbuf, size_t count,
                 uint64_t offset)
{
  struct qcow2 *q = qcow2_state(img);
  const uint8_t *buf = vbuf;
  struct wrun run = { 0, NULL, 0 };

  while (count > 0) {
    uint64_t gc = offset >> q->cluster_bits;
    size_t o = (size_t)(offset & (q->cs - 1));
    size_t n = (size_t)hvx_min_u64(q->cs - o, count);

    if (write_one(img, &run, gc, o, n, buf) < 0)
      return -1;
    buf += n;
    offset += n;
    count -= n;
  }
  return wrun_flush(img, &run);
}

/* Does guest cluster GC read as zeros without looking at data? */
static int reads_as_zero(struct hvx_image *img, uint64_t gc, bool *yes)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t entry;

  if (qcow2_get_l2_entry(img, gc, &entry, NULL, NULL) < 0)
    return -1;
  switch (qcow2_ctype(q, entry)) {
  case QCOW2_ZERO_PLAIN:
  case QCOW2_ZERO_ALLOC: *yes = true; break;
  case QCOW2_UNALLOCATED: *yes = !img->backing; break;
  default: *yes = false; break;
  }
  return 0;
}

static int write_zeros(struct hvx_image *img, uint64_t offset, size_t n)
{
  uint8_t *z = hvx_calloc(1, n, "qcow2 zero buffer");
  int r;

  if (!z)
    return -1;
  r = qcow2_pwrite(img, z, n, offset);
  free(z);
  return r;
}

/* Make the whole guest cluster GC read as zeros. */
static int zero_cluster(struct hvx_image *img, uint64_t gc, unsigned flags)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t entry, host, ne;
  enum qcow2_ctype t;
  bool inplace, unmap = flags & HVX_ZERO_MAY_UNMAP;

  if (qcow2_get_l2_entry(img, gc, &entry, NULL, NULL) < 0)
    return -1;
  t = qcow2_ctype(q, entry);
  if (t == QCOW2_UNALLOCATED && !img->backing)
    return 0; /* already zeros, and no L2 table needed */
  if (in_place(img, entry, &inplace) < 0)
    return -1;
  host = entry & QCOW2_OFFSET_MASK;
  if (q->version >= 3) {
    if (!img->backing && unmap)
      ne = 0;
    else if (inplace && !unmap)
      ne = host | QCOW2_OFLAG_COPIED | QCOW2_OFLAG_ZERO; /* keep space */
    else
      ne = QCOW2_OFLAG_ZERO;
  } else {
    /* Version 2 has no zero flag: only an unallocated cluster without
     * a backing file reads as zeros; otherwise write them. */
    if (img->backing || (inplace && !unmap)) {
      return write_zeros(img, gc << q->cluster_bits,
                         (size_t)hvx_min_u64(q->cs, img->size -
                                             (gc << q->cluster_bits)));
    }
    ne = 0;
  }
  if (ne == entry)
    return 0;
  if (set_l2_entry(img, gc, ne) < 0)
    return -1;
  /* Drop the old data unless the new entry still owns it. */
  if ((ne & QCOW2_OFFSET_MASK) == host && host)
    return 0;
  return qcow2_free_entry(img, entry);
}

int qcow2_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
               unsigned flags)
{
  struct qcow2 *q = qcow2_state(img);

  while (length > 0) {
    uint64_t gc = offset >> q->cluster_bits;
    size_t o = (size_t)(offset & (q->cs - 1));
    size_t n = (size_t)hvx_min_u64(q->cs - o, length);
    /* The last cluster of a disk whose size is not a multiple of the
     * cluster size counts as whole when zeroed to the end. */
    bool whole = o == 0 && (n == q->cs || offset + n == img->size);
    bool zero;

    if (whole) {
      if (zero_cluster(img, gc, flags) < 0)
        return -1;
    } else {
      if (reads_as_zero(img, gc, &zero) < 0)
        return -1;
      if (!zero && write_zeros(img, offset, n) < 0)
        return -1;
    }
    offset += n;
    length -= n;
  }
  return 0;
}

/* Deflate one cluster at IN into q->zbuf (qcow2-compress.c, with the
 * image's own zlib context); *OUTLEN 0 if it does not shrink. */
static int compress_cluster(struct hvx_image *img, const uint8_t *in,
                            size_t *outlen)
{
  struct qcow2 *q = qcow2_state(img);
  long r = qcow2_compress_unit(img, &q->zstream, in, q->cs, q->zbuf, q->cs);

  if (r < 0)
    return -1;
  *outlen = (size_t)r;
  return 0;
}

/* Where to put LEN bytes of compressed data: packed after the previous
 * compressed cluster when it fits (spilling into the next cluster when
 * that is the next one allocated), else at the start of a new cluster.
 * Counts one reference for each host cluster the data touches. */
static uint64_t place_compressed(struct hvx_image *img, size_t len)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t pos = q->comp_next, c, room, rc, next;

  if (pos && pos % q->cs) {
    c = pos >> q->cluster_bits;
    room = q->cs - pos % q->cs;
    if (qcow2_get_refcount(img, c, &rc) < 0)
      return 0;
    if (rc && rc < (q->refcount_bits == 64 ? UINT64_MAX
                    : (1ull << q->refcount_bits) - 1)) {
      if (len <= room) {
        if (qcow2_update_refcount(img, c, 1) < 0)
          return 0;
        q->comp_next = pos + len;
        return pos;
      }
      if (c + 1 == q->end_cluster) {
        next = qcow2_alloc_clusters(img, 1);
        if (!next)
          return 0;
        if (next == (c + 1) << q->cluster_bits) {
          if (qcow2_update_refcount(img, c, 1) < 0)
            return 0;
          q->comp_next = pos + len;
          return pos;
        }
        q->comp_next = next + len;
        return next;
      }
    }
  }
  pos = qcow2_alloc_cluster(img);
  if (pos)
    q->comp_next = pos + len;
  return pos;
}

int qcow2_pwrite_compressed(struct hvx_image *img, const void *buf,
                            size_t count, uint64_t offset)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t gc = offset >> q->cluster_bits;
  const uint8_t *in = buf;
  size_t len = 0, o = (size_t)(offset % q->cs);

  if (count == 0 || count > q->cs - o)
    return hvx_set_error(EINVAL, "qcow2: compressed write at 0x%llx (%zu "
                         "bytes) is not within one cluster of %llu bytes",
                         (unsigned long long)offset, count,
                         (unsigned long long)q->cs);
  if (count < q->cs) {
    /* Part of a cluster (the end of the disk, or a caller's extent
     * ending mid-cluster): compress it merged with what the rest of
     * the cluster reads as now. */
    if (!q->mbuf && !(q->mbuf = hvx_aligned_alloc(q->cs, "qcow2 buffer")))
      return -1;
    if (qcow2_read_cluster(img, gc, q->mbuf) < 0)
      return -1;
    memcpy(q->mbuf + o, buf, count);
    in = q->mbuf;
  }
  if (compress_cluster(img, in, &len) < 0)
    return -1;
  if (len == 0)
    return qcow2_pwrite(img, in, (size_t)hvx_min_u64(q->cs, img->size -
                        (gc << q->cluster_bits)), gc << q->cluster_bits);
  return qcow2_store_compressed(img, gc << q->cluster_bits, q->cs, q->zbuf,
                                len);
}

int qcow2_store_compressed(struct hvx_image *img, uint64_t offset,
                           size_t unit_len, const void *data, size_t len)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t gc = offset >> q->cluster_bits, entry, pos, nb;
  uint8_t *t;
  unsigned idx;

  (void)unit_len;
  if (offset % q->cs || len == 0 || len >= q->cs)
    return hvx_set_error(EINVAL, "qcow2: compressed cluster at 0x%llx of "
                         "%zu bytes: not cluster-aligned or not smaller "
                         "than a cluster (%llu)", (unsigned long long)offset,
                         len, (unsigned long long)q->cs);
  /* The L2 table first (as qemu does), so it does not land between
   * compressed clusters that could otherwise be packed together. */
  if (!(t = l2_for_write(img, gc, &idx)))
    return -1;
  entry = hvx_be64(t + 8 * (size_t)idx);
  pos = place_compressed(img, len);
  if (!pos)
    return -1;
  if (pos >> q->csize_shift)
    return hvx_set_error(EFBIG, "qcow2: %s: compressed data at 0x%llx "
                         "beyond the largest offset a descriptor can hold",
                         img->filename, (unsigned long long)pos);
  if (qcow2_file_write(img, data, len, pos) < 0)
    return -1;
  /* The descriptor counts the 512-byte sectors after the first. */
  nb = ((pos + len - 1) >> 9) - (pos >> 9);
  q->dc_offset = 0;
  if (set_l2_entry(img, gc, QCOW2_OFLAG_COMPRESSED |
                   nb << q->csize_shift | pos) < 0)
    return -1;
  return qcow2_free_entry(img, entry);
}

static int flush_l1(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint32_t lo = q->l1_dirty_lo, hi = q->l1_dirty_hi;
  uint8_t *raw;
  int r;

  if (lo >= hi)
    return 0;
  raw = hvx_malloc((size_t)(hi - lo) * 8, "qcow2 L1 table");
  if (!raw)
    return -1;
  for (uint32_t i = lo; i < hi; i++)
    hvx_put_be64(raw + 8 * (size_t)(i - lo), q->l1[i]);
  r = qcow2_file_write(img, raw, (size_t)(hi - lo) * 8,
                       q->l1_offset + 8 * (uint64_t)lo);
  free(raw);
  if (r == 0)
    q->l1_dirty_lo = q->l1_dirty_hi = 0;
  return r;
}

/* The header fields that move: size, L1 and refcount table location. */
static int flush_header(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint8_t h[36];

  if (!q->header_dirty)
    return 0;
  hvx_put_be64(h, img->size);
  hvx_put_be32(h + 8, 0); /* crypt_method */
  hvx_put_be32(h + 12, q->l1_size);
  hvx_put_be64(h + 16, q->l1_offset);
  hvx_put_be64(h + 24, q->reftable_offset);
  hvx_put_be32(h + 32, q->reftable_clusters);
  if (qcow2_file_write(img, h, sizeof h, 24) < 0)
    return -1;
  q->header_dirty = false;
  return 0;
}

static bool cache_dirty(const struct qcow2_cache *c)
{
  for (unsigned i = 0; i < c->n; i++)
    if (c->e[i].offset && c->e[i].dirty)
      return true;
  return false;
}

/* Metadata goes out in an order that keeps what is on disk consistent
 * at every moment, even if the disk reorders writes between syncs:
 * data, sync; refcounts of new clusters (blocks, sync, refcount
 * table), sync; the tables that reference them (L2, L1, header), sync;
 * only then the refcounts of clusters those tables no longer reference
 * (freed, so reusable).  A crash leaves at worst leaked clusters.  Each
 * sync is skipped when there is nothing to order. */
int qcow2_write_metadata(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  bool tables, counts;

  if (!q->writable)
    return 0;
  tables = cache_dirty(&q->l2c) || q->l1_dirty_lo < q->l1_dirty_hi ||
    q->header_dirty;
  counts = cache_dirty(&q->rbc) || q->reftable_dirty;
  if ((tables || counts) && hvx_file_sync(&img->file) < 0)
    return -1;
  if (qcow2_flush_refcounts(img, true) < 0)
    return -1;
  if (tables && counts && hvx_file_sync(&img->file) < 0)
    return -1;
  /* An L2 table already linked from the L1 table on disk may now
   * reference clusters counted in blocks only a grown refcount table
   * lists: the header points at that table, durably, first. */
  if (qcow2_publish_reftable(img) < 0 ||
      qcow2_cache_flush(img, &q->l2c) < 0 ||
      flush_l1(img) < 0 ||
      flush_header(img) < 0)
    return -1;
  if (q->nfreed && (hvx_file_sync(&img->file) < 0 ||
                    qcow2_free_deferred(img) < 0))
    return -1;
  /* The counts freed: these, or the old refcount table's. */
  if (qcow2_cache_flush(img, &q->rbc) < 0)
    return -1;
  /* Compressed data can end mid-sector; readers that work in sectors
   * expect the file to end on one. */
  if (q->file_size % 512) {
    uint64_t end = hvx_round_up(q->file_size, 512);
    if (hvx_file_truncate(&img->file, end) < 0)
      return -1;
    q->file_size = end;
  }
  return 0;
}

int qcow2_flush(struct hvx_image *img)
{
  if (qcow2_write_metadata(img) < 0)
    return -1;
  return hvx_file_sync(&img->file);
}
