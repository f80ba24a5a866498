/* hvx - qcow2: reference counts and host cluster allocation.
 *
 * New clusters come from the end of the file (q->end_cluster), which is
 * advanced before any refcount is touched: a refcount block or a larger
 * refcount table needed while counting a cluster is then placed after
 * it and can never land on a cluster already handed out.  Clusters freed
 * in this session are reused for data and L2 tables.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "qcow2.h"

#define REFT_OFFSET_MASK (~511ull)
/* Host offsets an L2 entry can hold: bits 9..55. */
#define MAX_HOST_OFFSET (1ull << 56)
/* In-use clusters past the end of the file we step over when
 * allocating there. */
#define MAX_SKIP_IN_USE 65536u

uint64_t qcow2_refcount_get(const struct qcow2 *q, const uint8_t *b,
                            uint64_t i)
{
  switch (q->refcount_order) {
  case 3: return b[i];
  case 4: return hvx_be16(b + 2 * i);
  case 5: return hvx_be32(b + 4 * i);
  case 6: return hvx_be64(b + 8 * i);
  default: {
    /* Sub-byte widths: entry 0 in the least significant bits. */
    unsigned bits = q->refcount_bits;
    uint64_t bit = i * bits;
    return (uint64_t)(b[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
  }
  }
}

void qcow2_refcount_set(const struct qcow2 *q, uint8_t *b, uint64_t i,
                        uint64_t v)
{
  switch (q->refcount_order) {
  case 3: b[i] = (uint8_t)v; break;
  case 4: hvx_put_be16(b + 2 * i, (uint16_t)v); break;
  case 5: hvx_put_be32(b + 4 * i, (uint32_t)v); break;
  case 6: hvx_put_be64(b + 8 * i, v); break;
  default: {
    unsigned bits = q->refcount_bits;
    uint64_t bit = i * bits;
    unsigned mask = ((1u << bits) - 1) << (bit % 8);
    b[bit / 8] = (uint8_t)((b[bit / 8] & ~mask) | ((v << (bit % 8)) & mask));
  }
  }
}

static uint64_t refcount_max(const struct qcow2 *q)
{
  return q->refcount_bits == 64 ? UINT64_MAX
                                : (1ull << q->refcount_bits) - 1;
}

int qcow2_get_refcount(struct hvx_image *img, uint64_t c, uint64_t *rc)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t k = c / q->rb_entries, off;
  uint8_t *b;

  *rc = 0;
  if (k >= q->reftable_entries || !(off = q->reftable[k] & REFT_OFFSET_MASK))
    return 0;
  b = qcow2_cache_get(img, &q->rbc, off, false);
  if (!b)
    return -1;
  *rc = qcow2_refcount_get(q, b, c % q->rb_entries);
  return 0;
}

/* Take N clusters from the end of the file; returns the first cluster
 * index, or UINT64_MAX on error. */
static uint64_t reserve_end(struct hvx_image *img, uint64_t n)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t c = q->end_cluster;

  /* Refcounts past the end of the file (preallocation by another tool)
   * are respected rather than trusted away; but only so many, or a
   * damaged refcount block could make this a very long walk. */
  for (uint64_t i = 0; i < n; i++) {
    uint64_t rc;
    if (qcow2_get_refcount(img, c + i, &rc) < 0)
      return UINT64_MAX;
    if (rc) {
      c += i + 1;
      i = UINT64_MAX; /* restart at the next cluster (wraps to 0) */
      if (c - q->end_cluster > MAX_SKIP_IN_USE) {
        hvx_set_error(EBADMSG, "qcow2: %s: refcounts claim more than %u "
                      "clusters past cluster 0x%llx (end of file); refusing "
                      "to allocate", img->filename, MAX_SKIP_IN_USE,
                      (unsigned long long)q->end_cluster);
        return UINT64_MAX;
      }
    }
    if ((c + n) > MAX_HOST_OFFSET >> q->cluster_bits) {
      hvx_set_error(EFBIG, "qcow2: %s: image file would exceed the "
                    "largest host offset 2^56", img->filename);
      return UINT64_MAX;
    }
  }
  q->end_cluster = c + n;
  return c;
}

static int grow_reftable(struct hvx_image *img, uint64_t need);

int qcow2_update_refcount(struct hvx_image *img, uint64_t c, int delta)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t k = c / q->rb_entries, i = c % q->rb_entries, v, off;
  uint8_t *b;
  int r = -1;

  /* New refcount blocks count themselves, possibly in another new
   * block; this can only nest a few levels. */
  if (++q->alloc_depth > 16) {
    hvx_set_error(EIO, "qcow2: %s: refcount allocation does not converge",
                  img->filename);
    goto out;
  }
  if (k >= q->reftable_entries && grow_reftable(img, k) < 0)
    goto out;
  if (!(q->reftable[k] & REFT_OFFSET_MASK)) {
    uint64_t rb;
    if (delta < 0) {
      hvx_set_error(EBADMSG, "qcow2: %s: freeing cluster 0x%llx which has "
                    "no refcount block", img->filename,
                    (unsigned long long)(c << q->cluster_bits));
      goto out;
    }
    rb = reserve_end(img, 1);
    if (rb == UINT64_MAX ||
        !(b = qcow2_cache_get(img, &q->rbc, rb << q->cluster_bits, true)))
      goto out;
    qcow2_cache_mark_dirty(&q->rbc, b);
    q->reftable[k] = rb << q->cluster_bits;
    q->reftable_dirty = true;
    if (qcow2_update_refcount(img, rb, 1) < 0)
      goto out;
  }
  off = q->reftable[k] & REFT_OFFSET_MASK;
  b = qcow2_cache_get(img, &q->rbc, off, false);
  if (!b)
    goto out;
  v = qcow2_refcount_get(q, b, i);
  if (delta > 0 && v == refcount_max(q)) {
    hvx_set_error(EFBIG, "qcow2: %s: refcount of cluster 0x%llx would "
                  "overflow %u bits", img->filename,
                  (unsigned long long)(c << q->cluster_bits),
                  q->refcount_bits);
    goto out;
  }
  if (delta < 0 && v == 0) {
    hvx_set_error(EBADMSG, "qcow2: %s: freeing cluster 0x%llx whose "
                  "refcount is already 0", img->filename,
                  (unsigned long long)(c << q->cluster_bits));
    goto out;
  }
  v = delta > 0 ? v + 1 : v - 1;
  qcow2_refcount_set(q, b, i, v);
  qcow2_cache_mark_dirty(&q->rbc, b);
  if (v == 0) {
    uint64_t host = c << q->cluster_bits;
    if (c < q->free_hint)
      q->free_hint = c;
    if (q->comp_next && q->comp_next >> q->cluster_bits == c)
      q->comp_next = 0;
    /* Give the space back to the filesystem. */
    if (host < q->file_size &&
        hvx_file_punch(&img->file, host,
                       hvx_min_u64(q->cs, q->file_size - host)) < 0)
      goto out;
  }
  r = 0;
out:
  q->alloc_depth--;
  return r;
}

/* Make the refcount table cover index NEED: a larger table at the end
 * of the file.  The one the header points at is freed only after the
 * header points at the new one (at flush). */
static int grow_reftable(struct hvx_image *img, uint64_t need)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t per_cluster = q->cs / 8, entries, n, t, *nt;
  uint64_t old_off = q->reftable_offset;
  uint32_t old_clusters = q->reftable_clusters;

  entries = need + 1;
  if (entries < q->reftable_entries * 2)
    entries = q->reftable_entries * 2;
  /* The new table must also cover itself and the refcount blocks that
   * count it, which go after it at the end of the file. */
  for (;;) {
    entries = hvx_round_up(entries, per_cluster);
    if (entries > QCOW2_MAX_REFTABLE_BYTES / 8)
      entries = QCOW2_MAX_REFTABLE_BYTES / 8;
    n = entries / per_cluster;
    if (need < entries &&
        (q->end_cluster + n + n / q->rb_entries + 8) / q->rb_entries <
        entries)
      break;
    if (entries == QCOW2_MAX_REFTABLE_BYTES / 8)
      return hvx_set_error(EFBIG, "qcow2: %s: refcount table would exceed "
                           "%u bytes", img->filename,
                           QCOW2_MAX_REFTABLE_BYTES);
    entries *= 2;
  }
  t = reserve_end(img, n);
  if (t == UINT64_MAX)
    return -1;
  nt = hvx_calloc((size_t)entries, sizeof *nt, "qcow2 refcount table");
  if (!nt)
    return -1;
  memcpy(nt, q->reftable, (size_t)q->reftable_entries * sizeof *nt);
  free(q->reftable);
  q->reftable = nt;
  q->reftable_entries = entries;
  q->reftable_offset = t << q->cluster_bits;
  q->reftable_clusters = (uint32_t)n;
  q->reftable_dirty = true;
  q->header_dirty = true;
  if (q->old_reftable_offset) {
    /* An intermediate table nothing on disk points at: free it now. */
    for (uint32_t i = 0; i < old_clusters; i++)
      if (qcow2_update_refcount(img, (old_off >> q->cluster_bits) + i,
                                -1) < 0)
        return -1;
  } else {
    q->old_reftable_offset = old_off;
    q->old_reftable_clusters = old_clusters;
  }
  for (uint64_t i = 0; i < n; i++)
    if (qcow2_update_refcount(img, t + i, 1) < 0)
      return -1;
  return 0;
}

uint64_t qcow2_alloc_clusters(struct hvx_image *img, uint64_t n)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t c = reserve_end(img, n);

  if (c == UINT64_MAX)
    return 0;
  for (uint64_t i = 0; i < n; i++)
    if (qcow2_update_refcount(img, c + i, 1) < 0)
      return 0;
  return c << q->cluster_bits;
}

uint64_t qcow2_alloc_cluster(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);

  for (uint64_t c = q->free_hint; c < q->end_cluster; c++) {
    uint64_t rc;
    if (qcow2_get_refcount(img, c, &rc) < 0)
      return 0;
    if (rc == 0 && c != 0) {
      q->free_hint = c + 1;
      if (qcow2_update_refcount(img, c, 1) < 0)
        return 0;
      return c << q->cluster_bits;
    }
  }
  q->free_hint = q->end_cluster;
  return qcow2_alloc_clusters(img, 1);
}

int qcow2_free_entry(struct hvx_image *img, uint64_t entry)
{
  struct qcow2 *q = qcow2_state(img);

  if (qcow2_ctype(q, entry) != QCOW2_NORMAL &&
      qcow2_ctype(q, entry) != QCOW2_ZERO_ALLOC &&
      qcow2_ctype(q, entry) != QCOW2_COMPRESSED)
    return 0;
  if (q->nfreed == q->freed_cap) {
    size_t cap = q->freed_cap ? 2 * q->freed_cap : 64;
    uint64_t *n = realloc(q->freed, cap * sizeof *n);
    if (!n)
      return hvx_set_error(ENOMEM, "qcow2: %s: out of memory for the list "
                           "of clusters to free", img->filename);
    q->freed = n;
    q->freed_cap = cap;
  }
  q->freed[q->nfreed++] = entry;
  return 0;
}

static int free_entry_now(struct hvx_image *img, uint64_t entry)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t start, end;

  switch (qcow2_ctype(q, entry)) {
  case QCOW2_NORMAL:
  case QCOW2_ZERO_ALLOC:
    return qcow2_update_refcount(img, (entry & QCOW2_OFFSET_MASK) >>
                                 q->cluster_bits, -1);
  case QCOW2_COMPRESSED:
    q->dc_offset = 0;
    qcow2_compressed_range(q, entry, &start, &end);
    for (uint64_t c = start >> q->cluster_bits;
         c <= (end - 1) >> q->cluster_bits; c++)
      if (qcow2_update_refcount(img, c, -1) < 0)
        return -1;
    return 0;
  default:
    return 0;
  }
}

int qcow2_free_deferred(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);

  while (q->nfreed > 0) {
    if (free_entry_now(img, q->freed[q->nfreed - 1]) < 0)
      return -1;
    q->nfreed--;
  }
  return 0;
}

int qcow2_flush_refcounts(struct hvx_image *img, bool sync)
{
  struct qcow2 *q = qcow2_state(img);
  uint8_t *raw;
  size_t bytes = (size_t)q->reftable_entries * 8;
  int r;

  if (qcow2_cache_flush(img, &q->rbc) < 0)
    return -1;
  if (!q->reftable_dirty)
    return 0;
  /* A table entry must never reach the disk before the block it points
   * at: the block would read as zeros, its own cluster with refcount 0
   * for the next allocator (of any tool) to hand out. */
  if (sync && hvx_file_sync(&img->file) < 0)
    return -1;
  raw = hvx_malloc(bytes, "qcow2 refcount table");
  if (!raw)
    return -1;
  for (uint64_t i = 0; i < q->reftable_entries; i++)
    hvx_put_be64(raw + 8 * i, q->reftable[i]);
  r = qcow2_file_write(img, raw, bytes, q->reftable_offset);
  free(raw);
  if (r == 0)
    q->reftable_dirty = false;
  return r;
}

/* After the header on disk points at a grown refcount table: free the
 * table it replaced. */
static int free_old_reftable(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t c0 = q->old_reftable_offset >> q->cluster_bits;
  uint32_t n = q->old_reftable_clusters;

  if (!q->old_reftable_offset)
    return 0;
  q->old_reftable_offset = 0;
  for (uint32_t i = 0; i < n; i++)
    if (qcow2_update_refcount(img, c0 + i, -1) < 0)
      return -1;
  return 0;
}

int qcow2_publish_reftable(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint8_t h[12];

  if (!q->old_reftable_offset)
    return 0;
  /* Only the two fields that locate the table (one sector, written
   * whole): the rest of the header (size, L1 table) keeps waiting for
   * the flush, which rewrites these with it. */
  hvx_put_be64(h, q->reftable_offset);
  hvx_put_be32(h + 8, q->reftable_clusters);
  if (qcow2_file_write(img, h, sizeof h, 48) < 0 ||
      hvx_file_sync(&img->file) < 0)
    return -1;
  return free_old_reftable(img);
}
