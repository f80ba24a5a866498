/* hvx - qcow2: mapping guest clusters through the L1/L2 tables, reads,
 * block status, and zlib decompression of compressed clusters. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "endian.h"
#include "qcow2.h"

enum qcow2_ctype qcow2_ctype(const struct qcow2 *q, uint64_t entry)
{
  (void)q;
  if (entry & QCOW2_OFLAG_COMPRESSED)
    return QCOW2_COMPRESSED;
  /* qemu honours the zero flag in version 2 images too. */
  if (entry & QCOW2_OFLAG_ZERO)
    return entry & QCOW2_OFFSET_MASK ? QCOW2_ZERO_ALLOC : QCOW2_ZERO_PLAIN;
  if (!(entry & QCOW2_OFFSET_MASK))
    return QCOW2_UNALLOCATED;
  return QCOW2_NORMAL;
}

/* The end of what may legitimately be referenced: the file, plus, when
 * writing, clusters reserved but not yet written. */
static uint64_t host_limit(const struct qcow2 *q)
{
  uint64_t lim = q->file_size;

  if (q->writable && q->end_cluster * q->cs > lim)
    lim = q->end_cluster * q->cs;
  return lim;
}

int qcow2_check_host_offset(struct hvx_image *img, uint64_t offset,
                            const char *what, uint64_t guest)
{
  struct qcow2 *q = qcow2_state(img);

  if (offset % q->cs)
    return hvx_set_error(EBADMSG, "qcow2: %s: %s for 0x%llx at host offset "
                         "0x%llx is not cluster-aligned", img->filename, what,
                         (unsigned long long)guest,
                         (unsigned long long)offset);
  if (offset >= host_limit(q))
    return hvx_set_error(EBADMSG, "qcow2: %s: %s for 0x%llx at host offset "
                         "0x%llx beyond end of file (size %llu)",
                         img->filename, what, (unsigned long long)guest,
                         (unsigned long long)offset,
                         (unsigned long long)q->file_size);
  return 0;
}

/* The L2 table covering guest cluster GC, or NULL with *NONE set when
 * its L1 entry is empty. */
static uint8_t *l2_table(struct hvx_image *img, uint64_t gc, bool *none)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t l1i = gc >> q->l2_bits, l2off;

  *none = false;
  if (l1i >= q->l1_size) {
    *none = true;
    return NULL;
  }
  l2off = q->l1[l1i] & QCOW2_OFFSET_MASK;
  if (!l2off) {
    *none = true;
    return NULL;
  }
  if (qcow2_check_host_offset(img, l2off, "L2 table",
                              gc << q->cluster_bits) < 0)
    return NULL;
  return qcow2_cache_get(img, &q->l2c, l2off, false);
}

/* qcow2_get_l2_entry for readers, which may share the cache with other
 * threads (q->lock): the entry is copied out under the lock. */
static int read_l2_entry(struct hvx_image *img, uint64_t gc, uint64_t *entry)
{
  struct qcow2 *q = qcow2_state(img);
  int r;

  hvx_lock(&q->lock);
  r = qcow2_get_l2_entry(img, gc, entry, NULL, NULL);
  hvx_unlock(&q->lock);
  return r;
}

int qcow2_get_l2_entry(struct hvx_image *img, uint64_t gc, uint64_t *entry,
                       uint8_t **ptable, unsigned *pindex)
{
  struct qcow2 *q = qcow2_state(img);
  bool none;
  uint8_t *t = l2_table(img, gc, &none);
  unsigned idx = (unsigned)(gc & ((1ull << q->l2_bits) - 1));

  if (ptable) {
    *ptable = t;
    *pindex = idx;
  }
  if (!t) {
    *entry = 0;
    return none ? 0 : -1;
  }
  *entry = hvx_be64(t + 8 * (size_t)idx);
  return 0;
}

void qcow2_compressed_range(const struct qcow2 *q, uint64_t entry,
                            uint64_t *start, uint64_t *end)
{
  uint64_t nb = ((entry >> q->csize_shift) & q->csize_mask) + 1;

  *start = entry & q->coffset_mask;
  *end = (*start & ~511ull) + nb * 512;
}

/* Decompress the cluster ENTRY describes into q->dcbuf. */
static int decompress(struct hvx_image *img, uint64_t entry, uint64_t guest)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t start, end;
  z_stream zs;
  int r;

  if (q->dc_offset == entry)
    return 0;
  qcow2_compressed_range(q, entry, &start, &end);
  if (start >= host_limit(q))
    return hvx_set_error(EBADMSG, "qcow2: %s: compressed cluster for 0x%llx "
                         "at host offset 0x%llx beyond end of file (size "
                         "%llu)", img->filename, (unsigned long long)guest,
                         (unsigned long long)start,
                         (unsigned long long)q->file_size);
  /* The last sector may run past the end of the file (it is only
   * partly used): read what is there. */
  if (hvx_file_pread_zerofill(&img->file, q->zbuf, (size_t)(end - start),
                              start) < 0)
    return -1;
  memset(&zs, 0, sizeof zs);
  /* Raw deflate.  qemu compresses with a 4 KiB window (-12); the
   * largest window accepts that and any other raw stream. */
  if (inflateInit2(&zs, -15) != Z_OK)
    return hvx_set_error(ENOMEM, "qcow2: cannot initialise zlib");
  zs.next_in = q->zbuf;
  zs.avail_in = (uInt)(end - start);
  zs.next_out = q->dcbuf;
  zs.avail_out = (uInt)q->cs;
  r = inflate(&zs, Z_FINISH);
  /* The stored length is rounded to sectors, so input may be left
   * over; what matters is a whole cluster of output. */
  if ((r != Z_STREAM_END && r != Z_BUF_ERROR && r != Z_OK) ||
      zs.avail_out != 0) {
    q->dc_offset = 0;
    hvx_set_error(EBADMSG, "qcow2: %s: compressed cluster for 0x%llx at "
                  "host offset 0x%llx is corrupt (zlib: %s; %llu of %llu "
                  "bytes)", img->filename, (unsigned long long)guest,
                  (unsigned long long)start,
                  zs.msg ? zs.msg : "data ends early",
                  (unsigned long long)(q->cs - zs.avail_out),
                  (unsigned long long)q->cs);
    inflateEnd(&zs);
    return -1;
  }
  inflateEnd(&zs);
  q->dc_offset = entry;
  return 0;
}

/* A run of reads that can be done with one call: host data, or the
 * backing file. */
enum { P_NONE, P_HOST, P_BACKING };

struct pending {
  int kind;
  uint64_t off;
  uint8_t *buf;
  size_t len;
};

static int pending_flush(struct hvx_image *img, struct pending *p)
{
  int r = 0;

  if (p->kind == P_HOST)
    r = hvx_file_pread_zerofill(&img->file, p->buf, p->len, p->off);
  else if (p->kind == P_BACKING)
    r = hvx_read_backing(img, p->buf, p->len, p->off);
  p->kind = P_NONE;
  return r;
}

static int pending_add(struct hvx_image *img, struct pending *p, int kind,
                       uint64_t off, uint8_t *buf, size_t len)
{
  if (p->kind == kind && p->off + p->len == off && p->buf + p->len == buf) {
    p->len += len;
    return 0;
  }
  if (pending_flush(img, p) < 0)
    return -1;
  p->kind = kind;
  p->off = off;
  p->buf = buf;
  p->len = len;
  return 0;
}

int qcow2_pread(struct hvx_image *img, void *vbuf, size_t count,
                uint64_t offset)
{
  struct qcow2 *q = qcow2_state(img);
  uint8_t *buf = vbuf;
  struct pending p = { P_NONE, 0, NULL, 0 };

  while (count > 0) {
    uint64_t gc = offset >> q->cluster_bits, entry, host;
    size_t o = (size_t)(offset & (q->cs - 1));
    size_t n = (size_t)hvx_min_u64(q->cs - o, count);
    int r;

    if (read_l2_entry(img, gc, &entry) < 0)
      return -1;
    switch (qcow2_ctype(q, entry)) {
    case QCOW2_UNALLOCATED:
      if (img->backing) {
        if (pending_add(img, &p, P_BACKING, offset, buf, n) < 0)
          return -1;
        break;
      }
      /* No backing file: zeros. */
      __attribute__((fallthrough));
    case QCOW2_ZERO_PLAIN:
    case QCOW2_ZERO_ALLOC:
      if (pending_flush(img, &p) < 0)
        return -1;
      memset(buf, 0, n);
      break;
    case QCOW2_NORMAL:
      host = entry & QCOW2_OFFSET_MASK;
      if (qcow2_check_host_offset(img, host, "data cluster", offset) < 0 ||
          pending_add(img, &p, P_HOST, host + o, buf, n) < 0)
        return -1;
      break;
    case QCOW2_COMPRESSED:
      if (pending_flush(img, &p) < 0)
        return -1;
      hvx_lock(&q->lock);
      r = decompress(img, entry, offset);
      if (r == 0)
        memcpy(buf, q->dcbuf + o, n);
      hvx_unlock(&q->lock);
      if (r < 0)
        return -1;
      break;
    }
    buf += n;
    offset += n;
    count -= n;
  }
  return pending_flush(img, &p);
}

int qcow2_read_cluster(struct hvx_image *img, uint64_t gc, uint8_t *buf)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t off = gc << q->cluster_bits;
  size_t n = (size_t)hvx_min_u64(q->cs, img->size - off);

  memset(buf + n, 0, q->cs - n);
  return qcow2_pread(img, buf, n, off);
}

/* Block-status classes: clusters of one class merge into one extent. */
enum bs_class { BS_DATA, BS_ZERO_ALLOC, BS_ZERO, BS_UNALLOC };

static enum bs_class classify(const struct qcow2 *q, uint64_t entry)
{
  switch (qcow2_ctype(q, entry)) {
  case QCOW2_NORMAL:
  case QCOW2_COMPRESSED: return BS_DATA;
  case QCOW2_ZERO_ALLOC: return BS_ZERO_ALLOC;
  case QCOW2_ZERO_PLAIN: return BS_ZERO;
  default: return BS_UNALLOC;
  }
}

static int block_status(struct hvx_image *img, uint64_t offset,
                        uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t pos = offset, end = offset + length;
  uint64_t l2_mask = (1ull << q->l2_bits) - 1;
  int cls = -1;

  /* Walk whole L2 tables at a time; an empty L1 entry skips a table's
   * span at once. */
  while (pos < end) {
    uint64_t gc = pos >> q->cluster_bits;
    uint64_t table_end = ((gc | l2_mask) + 1) << q->cluster_bits;
    bool none;
    uint8_t *t = l2_table(img, gc, &none);

    if (!t && !none)
      return -1;
    if (!t) {
      if (cls >= 0 && cls != BS_UNALLOC)
        break;
      cls = BS_UNALLOC;
      pos = table_end;
      continue;
    }
    for (uint64_t i = gc & l2_mask; i <= l2_mask && pos < end; i++) {
      int c = classify(q, hvx_be64(t + 8 * i));
      if (cls >= 0 && c != cls)
        goto done;
      cls = c;
      pos = (pos | (q->cs - 1)) + 1;
    }
  }
done:
  *pnum = hvx_min_u64(pos, end) - offset;
  switch (cls) {
  case BS_DATA: *flags = HVX_BS_ALLOCATED; return 0;
  case BS_ZERO_ALLOC: *flags = HVX_BS_ZERO | HVX_BS_ALLOCATED; return 0;
  case BS_ZERO: *flags = HVX_BS_ZERO; return 0;
  default: break;
  }
  /* Unallocated: what the backing file holds there, and zeros beyond
   * its end.  Its data is not allocated in this image. */
  *flags = HVX_BS_ZERO;
  if (img->backing && offset < img->backing->size) {
    uint64_t n = hvx_min_u64(*pnum, img->backing->size - offset), bnum;
    unsigned bflags;
    if (hvx_block_status(img->backing, offset, n, &bnum, &bflags) < 0)
      return -1;
    *pnum = bnum;
    *flags = bflags & HVX_BS_ZERO;
  }
  return 0;
}

int qcow2_block_status(struct hvx_image *img, uint64_t offset,
                       uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct qcow2 *q = qcow2_state(img);
  int r;

  /* The walk reads L2 tables in the cache, which a reader in another
   * thread could evict. */
  hvx_lock(&q->lock);
  r = block_status(img, offset, length, pnum, flags);
  hvx_unlock(&q->lock);
  return r;
}

/* Hint the host clusters of plain data in the range, contiguous runs
 * merged.  The L2 lookups are those the reads will make anyway. */
void qcow2_readahead(struct hvx_image *img, uint64_t offset,
                     uint64_t length)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t end = offset + length, run = 0, run_len = 0;

  for (uint64_t gc = offset >> q->cluster_bits;
       (gc << q->cluster_bits) < end; gc++) {
    uint64_t entry, host;

    if (read_l2_entry(img, gc, &entry) < 0)
      break;
    if (qcow2_ctype(q, entry) != QCOW2_NORMAL)
      continue;
    host = entry & QCOW2_OFFSET_MASK;
    if (run_len && host == run + run_len) {
      run_len += q->cs;
      continue;
    }
    if (run_len)
      hvx_file_readahead(&img->file, run, run_len);
    run = host;
    run_len = q->cs;
  }
  if (run_len)
    hvx_file_readahead(&img->file, run, run_len);
}
