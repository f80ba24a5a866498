/* hvx - qcow2: the consistency check.
 *
 * Like qemu-img check: every structure that references host clusters
 * (header, L1/L2 tables of the active state and of each snapshot,
 * refcount table and blocks, snapshot table, bitmaps) is walked and its
 * references counted per cluster; the counts are then compared with the
 * stored refcounts.  A stored count below the references is corruption
 * (a write could reuse a cluster still in use), one above is a leak.
 * Clusters used by two different kinds of structure are reported as
 * overlapping, and the COPIED flags of the active tables are checked
 * against the refcounts as qemu does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "qcow2.h"

/* Computed refcounts live in memory, 3 bytes a cluster: refuse files
 * that would need more than 48 MiB of it. */
#define CHECK_MAX_CLUSTERS (16ull << 20)
#define MAX_BITMAP_DIR (64u << 20)

enum kind {
  K_FREE, K_HEADER, K_L1, K_L2, K_REFTABLE, K_REFBLOCK, K_SNAPTABLE,
  K_DATA, K_COMPRESSED, K_BITMAP_DIR, K_BITMAP_TABLE, K_BITMAP_DATA,
};

static const char *const kind_name[] = {
  "free", "header", "L1 table", "L2 table", "refcount table",
  "refcount block", "snapshot table", "data", "compressed data",
  "bitmap directory", "bitmap table", "bitmap data",
};

struct chk {
  struct hvx_image *img;
  struct qcow2 *q;
  hvx_problem_fn fn;
  void *opaque;
  uint64_t nb_clusters;
  uint16_t *ref;   /* references found, saturating */
  uint8_t *kind;   /* the first structure found using each cluster */
  uint8_t *tbuf;   /* one cluster */
  int problems;
};

#define CORRUPT(c, off, ...) \
  ((c)->problems += hvx_report_problem((c)->fn, (c)->opaque, \
                                       HVX_PROBLEM_CORRUPTION, (off), \
                                       __VA_ARGS__))

/* Does [OFF, OFF+LEN) of structure K lie in the file, aligned? */
static bool in_file(struct chk *c, uint64_t off, uint64_t len, int k,
                    bool aligned)
{
  struct qcow2 *q = c->q;

  if (aligned && off % q->cs) {
    CORRUPT(c, off, "%s at 0x%llx is not cluster-aligned", kind_name[k],
            (unsigned long long)off);
    return false;
  }
  if (off >= q->file_size || len > q->file_size - off) {
    CORRUPT(c, off, "%s at 0x%llx (%llu bytes) extends beyond end of file "
            "(size %llu)", kind_name[k], (unsigned long long)off,
            (unsigned long long)len, (unsigned long long)q->file_size);
    return false;
  }
  return true;
}

/* Count one reference from structure K to each cluster of the range. */
static void use(struct chk *c, uint64_t off, uint64_t len, int k)
{
  struct qcow2 *q = c->q;

  if (len == 0)
    return;
  for (uint64_t cl = off >> q->cluster_bits;
       cl <= (off + len - 1) >> q->cluster_bits && cl < c->nb_clusters;
       cl++) {
    int old = c->kind[cl];
    /* Snapshots share L2 tables and data; compressed clusters share
     * host clusters with each other. */
    bool shareable = old == k && (k == K_DATA || k == K_L2 ||
                                  k == K_COMPRESSED || k == K_BITMAP_DATA);
    if (old != K_FREE && !shareable)
      CORRUPT(c, cl << q->cluster_bits, "cluster 0x%llx is used as both %s "
              "and %s", (unsigned long long)(cl << q->cluster_bits),
              kind_name[old], kind_name[k]);
    if (old == K_FREE)
      c->kind[cl] = (uint8_t)k;
    if (c->ref[cl] < UINT16_MAX)
      c->ref[cl]++;
  }
}

/* The stored refcount of cluster CL; bad refcount blocks (already
 * reported) count as zeros. */
static int stored_refcount(struct chk *c, uint64_t cl, uint64_t *rc)
{
  struct qcow2 *q = c->q;
  uint64_t k = cl / q->rb_entries, off;
  uint8_t *b;

  *rc = 0;
  if (k >= q->reftable_entries)
    return 0;
  off = q->reftable[k] & ~511ull;
  if (!off || off % q->cs || off >= q->file_size)
    return 0;
  b = qcow2_cache_get(c->img, &q->rbc, off, false);
  if (!b)
    return -1;
  *rc = qcow2_refcount_get(q, b, cl % q->rb_entries);
  return 0;
}

/* COPIED must be set exactly when the refcount is 1 (active tables). */
static int check_copied(struct chk *c, uint64_t entry, uint64_t host,
                        const char *what)
{
  uint64_t rc;

  if (stored_refcount(c, host >> c->q->cluster_bits, &rc) < 0)
    return -1;
  if ((rc == 1) != !!(entry & QCOW2_OFLAG_COPIED))
    CORRUPT(c, host, "%s at 0x%llx: COPIED flag %s but refcount is %llu",
            what, (unsigned long long)host,
            entry & QCOW2_OFLAG_COPIED ? "set" : "clear",
            (unsigned long long)rc);
  return 0;
}

static int check_l2(struct chk *c, uint64_t l2off, uint64_t gbase,
                    bool active)
{
  struct qcow2 *q = c->q;
  uint64_t n = 1ull << q->l2_bits;

  if (hvx_file_pread(&c->img->file, c->tbuf, q->cs, l2off,
                     "qcow2 L2 table") < 0)
    return -1;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t e = hvx_be64(c->tbuf + 8 * i), host, start, end;
    uint64_t guest = gbase + (i << q->cluster_bits);
    switch (qcow2_ctype(q, e)) {
    case QCOW2_COMPRESSED:
      qcow2_compressed_range(q, e, &start, &end);
      if (e & QCOW2_OFLAG_COPIED)
        CORRUPT(c, l2off + 8 * i, "compressed cluster for guest 0x%llx has "
                "the COPIED flag set", (unsigned long long)guest);
      if (start >= q->file_size) {
        CORRUPT(c, start, "compressed data for guest 0x%llx at 0x%llx "
                "beyond end of file (size %llu)", (unsigned long long)guest,
                (unsigned long long)start, (unsigned long long)q->file_size);
        break;
      }
      use(c, start, end - start, K_COMPRESSED);
      break;
    case QCOW2_NORMAL:
    case QCOW2_ZERO_ALLOC:
      host = e & QCOW2_OFFSET_MASK;
      if (host % q->cs) {
        CORRUPT(c, l2off + 8 * i, "data cluster for guest 0x%llx at 0x%llx "
                "is not cluster-aligned", (unsigned long long)guest,
                (unsigned long long)host);
        break;
      }
      if (host >= q->file_size) {
        CORRUPT(c, host, "data cluster for guest 0x%llx at 0x%llx beyond "
                "end of file (size %llu)", (unsigned long long)guest,
                (unsigned long long)host, (unsigned long long)q->file_size);
        break;
      }
      use(c, host, q->cs, K_DATA);
      if (active && check_copied(c, e, host, "data cluster") < 0)
        return -1;
      break;
    default:
      break;
    }
  }
  return 0;
}

/* An L1 table of SIZE entries at OFF: the active one (ENTRIES given)
 * or a snapshot's (read from the file a cluster at a time). */
static int check_l1(struct chk *c, uint64_t off, uint32_t size,
                    const uint64_t *entries)
{
  struct qcow2 *q = c->q;
  uint64_t per = q->cs / 8;
  uint8_t *raw = NULL;

  if (size == 0)
    return 0;
  if (!in_file(c, off, (uint64_t)size * 8, K_L1, true))
    return 0;
  use(c, off, (uint64_t)size * 8, K_L1);
  if (!entries && !(raw = hvx_malloc(q->cs, "qcow2 L1 chunk")))
    return -1;
  for (uint32_t i = 0; i < size; i++) {
    uint64_t e, l2;
    if (raw && i % per == 0 &&
        hvx_file_pread(&c->img->file, raw, (size_t)hvx_min_u64(q->cs,
                       ((uint64_t)size - i) * 8), off + 8 * (uint64_t)i,
                       "qcow2 snapshot L1 table") < 0)
      goto fail;
    e = raw ? hvx_be64(raw + 8 * (i % per)) : entries[i];
    l2 = e & QCOW2_OFFSET_MASK;
    if (!l2)
      continue;
    if (!in_file(c, l2, q->cs, K_L2, true))
      continue;
    use(c, l2, q->cs, K_L2);
    if (entries && check_copied(c, e, l2, "L2 table") < 0)
      goto fail;
    if (check_l2(c, l2, (uint64_t)i << (q->l2_bits + q->cluster_bits),
                 entries != NULL) < 0)
      goto fail;
  }
  free(raw);
  return 0;
fail:
  free(raw);
  return -1;
}

static int check_snapshots(struct chk *c)
{
  struct qcow2 *q = c->q;
  uint64_t pos = q->snapshots_offset;
  uint8_t e[40];

  for (uint32_t i = 0; i < q->nb_snapshots; i++) {
    uint64_t l1off, len;
    uint32_t l1size;
    if (pos >= q->file_size || q->file_size - pos < sizeof e) {
      CORRUPT(c, pos, "snapshot table entry %u beyond end of file", i);
      return 0;
    }
    if (hvx_file_pread(&c->img->file, e, sizeof e, pos,
                       "qcow2 snapshot table") < 0)
      return -1;
    l1off = hvx_be64(e);
    l1size = hvx_be32(e + 8);
    len = hvx_round_up(40ull + hvx_be32(e + 36) + hvx_be16(e + 12) +
                       hvx_be16(e + 14), 8);
    if (l1size > QCOW2_MAX_L1_BYTES / 8)
      CORRUPT(c, pos, "snapshot %u: L1 table of %u entries exceeds the "
              "limit", i, l1size);
    else if (check_l1(c, l1off, l1size, NULL) < 0)
      return -1;
    pos += len;
  }
  if (pos > q->snapshots_offset &&
      in_file(c, q->snapshots_offset, pos - q->snapshots_offset, K_SNAPTABLE,
              true))
    use(c, q->snapshots_offset, pos - q->snapshots_offset, K_SNAPTABLE);
  return 0;
}

static int check_bitmap_table(struct chk *c, uint64_t off, uint32_t size)
{
  struct qcow2 *q = c->q;
  uint8_t e[8];

  if (!in_file(c, off, (uint64_t)size * 8, K_BITMAP_TABLE, true))
    return 0;
  use(c, off, (uint64_t)size * 8, K_BITMAP_TABLE);
  for (uint32_t i = 0; i < size; i++) {
    uint64_t d;
    if (hvx_file_pread(&c->img->file, e, 8, off + 8 * (uint64_t)i,
                       "qcow2 bitmap table") < 0)
      return -1;
    d = hvx_be64(e) & QCOW2_OFFSET_MASK;
    if (d && in_file(c, d, q->cs, K_BITMAP_DATA, true))
      use(c, d, q->cs, K_BITMAP_DATA);
  }
  return 0;
}

/* Persistent bitmaps count only while the autoclear bit vouches for
 * them; otherwise qemu ignores them too and their clusters are leaks. */
static int check_bitmaps(struct chk *c)
{
  struct qcow2 *q = c->q;
  uint64_t off = q->bitmap_dir_offset, size = q->bitmap_dir_size;
  uint8_t *dir;
  uint64_t p = 0;

  if (!q->has_bitmaps || !(q->autoclear & QCOW2_AUTOCLEAR_BITMAPS))
    return 0;
  if (size > MAX_BITMAP_DIR || size < 24) {
    CORRUPT(c, off, "bitmap directory size %llu out of range",
            (unsigned long long)size);
    return 0;
  }
  if (!in_file(c, off, size, K_BITMAP_DIR, true))
    return 0;
  use(c, off, size, K_BITMAP_DIR);
  dir = hvx_malloc((size_t)size, "qcow2 bitmap directory");
  if (!dir)
    return -1;
  if (hvx_file_pread(&c->img->file, dir, (size_t)size, off,
                     "qcow2 bitmap directory") < 0)
    goto fail;
  for (uint32_t i = 0; i < q->nb_bitmaps && size - p >= 24; i++) {
    uint64_t len = hvx_round_up(24ull + hvx_be32(dir + p + 20) +
                                hvx_be16(dir + p + 18), 8);
    uint32_t tsize = hvx_be32(dir + p + 8);
    if (tsize > QCOW2_MAX_L1_BYTES / 8)
      CORRUPT(c, off + p, "bitmap %u: table of %u entries exceeds the "
              "limit", i, tsize);
    else if (check_bitmap_table(c, hvx_be64(dir + p), tsize) < 0)
      goto fail;
    if (len > size - p)
      break;
    p += len;
  }
  free(dir);
  return 0;
fail:
  free(dir);
  return -1;
}

/* Whether refcount block B counts a cluster from its entry I on. */
static bool counts_from(const struct qcow2 *q, const uint8_t *b, uint64_t i)
{
  uint64_t per_byte = q->refcount_bits < 8 ? 8 / q->refcount_bits : 1;

  for (; i < q->rb_entries && i % per_byte; i++)
    if (qcow2_refcount_get(q, b, i))
      return true;
  for (size_t k = (size_t)(i * q->refcount_bits / 8); k < q->cs; k++)
    if (b[k])
      return true;
  return false;
}

/* Refcounts of clusters past the end of the file: nothing there can be
 * in use, and the allocator must step over them, so the first writes
 * that grow the file leave them behind as leaks.  They are leaks now
 * (qemu-img check does not look there). */
static int refcounts_beyond_end(struct chk *c)
{
  struct qcow2 *q = c->q;

  for (uint64_t k = c->nb_clusters / q->rb_entries; k < q->reftable_entries;
       k++) {
    uint64_t off = q->reftable[k] & ~511ull, first = k * q->rb_entries;
    uint8_t *b;
    if (!off || off % q->cs || off >= q->file_size)
      continue;
    if (!(b = qcow2_cache_get(c->img, &q->rbc, off, false)))
      return -1;
    if (counts_from(q, b, first < c->nb_clusters ?
                    c->nb_clusters - first : 0))
      c->problems += hvx_report_problem(c->fn, c->opaque, HVX_PROBLEM_LEAK,
                                        off, "refcount block at 0x%llx "
                                        "counts clusters beyond the end of "
                                        "the file (size %llu) as in use",
                                        (unsigned long long)off,
                                        (unsigned long long)q->file_size);
  }
  return 0;
}

static int compare_refcounts(struct chk *c)
{
  struct qcow2 *q = c->q;

  for (uint64_t cl = 0; cl < c->nb_clusters; cl++) {
    uint64_t rc, refs = c->ref[cl], host = cl << q->cluster_bits;
    if (stored_refcount(c, cl, &rc) < 0)
      return -1;
    if (refs == UINT16_MAX && rc >= refs)
      continue; /* too many references to count exactly */
    if (rc < refs)
      CORRUPT(c, host, "cluster 0x%llx (%s) has refcount %llu but %llu "
              "references", (unsigned long long)host, kind_name[c->kind[cl]],
              (unsigned long long)rc, (unsigned long long)refs);
    else if (rc > refs)
      c->problems += hvx_report_problem(c->fn, c->opaque, HVX_PROBLEM_LEAK,
                                        host, "cluster 0x%llx leaked: "
                                        "refcount %llu, %llu references",
                                        (unsigned long long)host,
                                        (unsigned long long)rc,
                                        (unsigned long long)refs);
  }
  return refcounts_beyond_end(c);
}

int qcow2_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque)
{
  struct qcow2 *q = qcow2_state(img);
  struct chk c = { img, q, fn, opaque, 0, NULL, NULL, NULL, 0 };
  int r = -1;

  /* Check what is on disk, so write back what is cached first. */
  if (qcow2_write_metadata(img) < 0 || qcow2_read_refcount_table(img) < 0)
    return -1;
  c.nb_clusters = hvx_div_round_up(q->file_size, q->cs);
  if (c.nb_clusters > CHECK_MAX_CLUSTERS)
    return hvx_set_error(EFBIG, "qcow2: %s: %llu clusters are too many to "
                         "check (limit %llu)", img->filename,
                         (unsigned long long)c.nb_clusters,
                         (unsigned long long)CHECK_MAX_CLUSTERS);
  c.ref = hvx_calloc((size_t)c.nb_clusters, sizeof *c.ref,
                     "qcow2 check refcounts");
  c.kind = hvx_calloc((size_t)c.nb_clusters, 1, "qcow2 check map");
  c.tbuf = hvx_malloc(q->cs, "qcow2 check buffer");
  if (!c.ref || !c.kind || !c.tbuf)
    goto out;

  use(&c, 0, q->cs, K_HEADER);
  if (in_file(&c, q->reftable_offset, (uint64_t)q->reftable_clusters * q->cs,
              K_REFTABLE, true))
    use(&c, q->reftable_offset, (uint64_t)q->reftable_clusters * q->cs,
        K_REFTABLE);
  for (uint64_t k = 0; k < q->reftable_entries; k++) {
    uint64_t off = q->reftable[k] & ~511ull;
    if (off && in_file(&c, off, q->cs, K_REFBLOCK, true))
      use(&c, off, q->cs, K_REFBLOCK);
  }
  if (check_l1(&c, q->l1_offset, q->l1_size, q->l1) < 0 ||
      check_snapshots(&c) < 0 || check_bitmaps(&c) < 0 ||
      compare_refcounts(&c) < 0)
    goto out;
  r = c.problems;
out:
  free(c.ref);
  free(c.kind);
  free(c.tbuf);
  return r;
}

/* Called before the first write to an image hvx did not create (see
 * hvx_refuse_write_if_corrupt).  The check reads every table once:
 * about 20 ms for a 4 GiB image.  Images too large for the check's map
 * (CHECK_MAX_CLUSTERS) are written without it. */
int qcow2_verify_for_write(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);

  if (hvx_div_round_up(q->file_size, q->cs) > CHECK_MAX_CLUSTERS)
    return 0;
  return hvx_refuse_write_if_corrupt(img, qcow2_check);
}
