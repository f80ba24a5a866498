/* hvx - qcow2: creating an image.
 *
 * A minimal image (header, one refcount table cluster, one refcount
 * block, no L1 table) is written first and opened the ordinary way;
 * the L1 table is then allocated through the normal allocator, which
 * adds refcount blocks and grows the refcount table as needed for any
 * cluster and disk size.  The layout matches what qemu-img creates:
 * header, refcount table, refcount block, L1 table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "qcow2.h"

struct create_opts {
  uint64_t cluster_size;
  unsigned version;
  unsigned refcount_order;
  const char *backing, *backing_fmt;
};

static int parse_opts(struct hvx_opts *opts, struct create_opts *o)
{
  const char *compat, *lazy, *rb;
  uint64_t bits = 16;

  o->cluster_size = 65536;
  o->version = 3;
  if (hvx_opts_take_size(opts, "cluster_size", &o->cluster_size) < 0)
    return -1;
  compat = hvx_opts_take(opts, "compat");
  lazy = hvx_opts_take(opts, "lazy_refcounts");
  rb = hvx_opts_take(opts, "refcount_bits");
  o->backing = hvx_opts_take(opts, "backing_file");
  o->backing_fmt = hvx_opts_take(opts, "backing_fmt");
  if (hvx_opts_check_all_taken(opts, "qcow2") < 0)
    return -1;
  if (!hvx_is_pow2(o->cluster_size) || o->cluster_size < 512 ||
      o->cluster_size > (2u << 20))
    return hvx_set_error(EINVAL, "qcow2: cluster_size %llu must be a power "
                         "of two from 512 to 2M",
                         (unsigned long long)o->cluster_size);
  if (compat) {
    if (strcmp(compat, "0.10") == 0 || strcmp(compat, "v2") == 0)
      o->version = 2;
    else if (strcmp(compat, "1.1") == 0 || strcmp(compat, "v3") == 0)
      o->version = 3;
    else
      return hvx_set_error(EINVAL, "qcow2: compat '%s' must be 0.10 or 1.1",
                           compat);
  }
  if (lazy && strcmp(lazy, "off") != 0) {
    if (strcmp(lazy, "on") == 0)
      return hvx_set_error(ENOTSUP, "qcow2: lazy_refcounts=on is not "
                           "supported (refcounts are always kept exact)");
    return hvx_set_error(EINVAL, "qcow2: lazy_refcounts '%s' must be on or "
                         "off", lazy);
  }
  if (rb && (hvx_parse_u64(rb, &bits) < 0 || !hvx_is_pow2(bits) || bits > 64))
    return hvx_set_error(EINVAL, "qcow2: refcount_bits '%s' must be a power "
                         "of two from 1 to 64", rb);
  if (o->version == 2 && bits != 16)
    return hvx_set_error(EINVAL, "qcow2: compat=0.10 requires "
                         "refcount_bits=16");
  o->refcount_order = (unsigned)__builtin_ctzll(bits);
  if (o->backing_fmt && !o->backing)
    return hvx_set_error(EINVAL, "qcow2: backing_fmt given without "
                         "backing_file");
  if (o->backing && !*o->backing)
    return hvx_set_error(EINVAL, "qcow2: backing_file is empty");
  if (o->backing && strlen(o->backing) > QCOW2_MAX_BACKING_NAME)
    return hvx_set_error(EINVAL, "qcow2: backing_file name longer than %d "
                         "bytes", QCOW2_MAX_BACKING_NAME);
  if (o->backing_fmt && (!*o->backing_fmt || strlen(o->backing_fmt) > 31))
    return hvx_set_error(EINVAL, "qcow2: backing_fmt '%s' invalid",
                         o->backing_fmt);
  return 0;
}

/* Lay out the header cluster in BUF (cluster size, zeroed) for a
 * zero-sized image; returns -1 if it does not fit in the cluster. */
static int build_header(uint8_t *buf, const struct create_opts *o,
                        const char *fmt)
{
  uint64_t cs = o->cluster_size;
  uint32_t off = o->version == 2 ? QCOW2_V2_HEADER_LEN
                                 : QCOW2_V3_HEADER_WRITE_LEN;
  size_t flen = fmt ? strlen(fmt) : 0, blen = o->backing ?
    strlen(o->backing) : 0;

  if (off + (flen ? 8 + hvx_round_up(flen, 8) : 0) + 8 + blen > cs)
    return -1;
  memset(buf, 0, cs);
  hvx_put_be32(buf, QCOW2_MAGIC);
  hvx_put_be32(buf + 4, o->version);
  hvx_put_be32(buf + 20, (uint32_t)__builtin_ctzll(cs));
  hvx_put_be64(buf + 48, cs);        /* refcount table: cluster 1 */
  hvx_put_be32(buf + 56, 1);
  if (o->version >= 3) {
    hvx_put_be32(buf + 96, o->refcount_order);
    hvx_put_be32(buf + 100, QCOW2_V3_HEADER_WRITE_LEN);
  }
  if (flen) {
    hvx_put_be32(buf + off, QCOW2_EXT_BACKING_FMT);
    hvx_put_be32(buf + off + 4, (uint32_t)flen);
    memcpy(buf + off + 8, fmt, flen);
    off += 8 + (uint32_t)hvx_round_up(flen, 8);
  }
  off += 8; /* end of extensions */
  if (blen) {
    hvx_put_be64(buf + 8, off);
    hvx_put_be32(buf + 16, (uint32_t)blen);
    memcpy(buf + off, o->backing, blen);
  }
  return 0;
}

/* Header, refcount table (cluster 1) and one refcount block (cluster
 * 2) counting the three. */
static int write_skeleton(struct hvx_image *img, const struct create_opts *o,
                          uint8_t *buf)
{
  uint64_t cs = o->cluster_size;
  struct qcow2 tmp = { 0 };

  if (hvx_file_pwrite(&img->file, buf, cs, 0) < 0)
    return -1;
  memset(buf, 0, cs);
  hvx_put_be64(buf, 2 * cs);
  if (hvx_file_pwrite(&img->file, buf, cs, cs) < 0)
    return -1;
  memset(buf, 0, cs);
  tmp.refcount_order = o->refcount_order;
  tmp.refcount_bits = 1u << o->refcount_order;
  for (int i = 0; i < 3; i++)
    qcow2_refcount_set(&tmp, buf, i, 1);
  return hvx_file_pwrite(&img->file, buf, cs, 2 * cs);
}

int qcow2_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts)
{
  const struct hvx_driver *drv = hvx_find_driver("qcow2");
  struct create_opts o;
  struct qcow2 *q;
  uint8_t *buf;
  uint64_t l1_entries, l1_bytes, l1;
  unsigned cb;

  if (parse_opts(opts, &o) < 0)
    return -1;
  cb = (unsigned)__builtin_ctzll(o.cluster_size);
  /* qemu sizes disks in 512-byte sectors; so does the size field. */
  if (size > INT64_MAX - 511)
    return hvx_set_error(EFBIG, "qcow2: size %llu too large",
                         (unsigned long long)size);
  size = hvx_round_up(size, 512);
  l1_entries = hvx_div_round_up(size, o.cluster_size << (cb - 3));
  if (l1_entries > QCOW2_MAX_L1_BYTES / 8)
    return hvx_set_error(EFBIG, "qcow2: size %llu needs an L1 table larger "
                         "than %u bytes with cluster_size %llu; use larger "
                         "clusters", (unsigned long long)size,
                         QCOW2_MAX_L1_BYTES, (unsigned long long)o.cluster_size);
  buf = hvx_aligned_alloc(o.cluster_size, "qcow2 header cluster");
  if (!buf)
    return -1;
  if (build_header(buf, &o, o.backing_fmt) < 0) {
    free(buf);
    return hvx_set_error(EINVAL, "qcow2: backing file name too long for a "
                         "%llu-byte header cluster",
                         (unsigned long long)o.cluster_size);
  }
  if (write_skeleton(img, &o, buf) < 0) {
    free(buf);
    return -1;
  }

  /* Open it as any image; this also resolves the backing file. */
  if (drv->open(img) < 0) {
    free(buf);
    return -1;
  }
  q = qcow2_state(img);
  if (o.backing && !o.backing_fmt && img->backing) {
    /* Record the format found, so nobody has to probe it again. */
    const char *fmt = hvx_image_format(img->backing);
    if (build_header(buf, &o, fmt) == 0) {
      char *copy = hvx_strdup(fmt);
      if (!copy || hvx_file_pwrite(&img->file, buf, o.cluster_size, 0) < 0) {
        free(copy);
        goto fail;
      }
      q->backing_fmt = copy;
    }
  }
  free(buf);
  buf = NULL;

  /* The L1 table, through the allocator, then the real size. */
  l1_bytes = hvx_round_up(l1_entries * 8, o.cluster_size);
  if (l1_entries) {
    uint64_t *t = hvx_calloc((size_t)l1_entries, sizeof *t, "qcow2 L1 table");
    if (!t)
      goto fail;
    free(q->l1);
    q->l1 = t;
    l1 = qcow2_alloc_clusters(img, l1_bytes / o.cluster_size);
    if (!l1)
      goto fail;
    q->l1_offset = l1;
    q->l1_size = (uint32_t)l1_entries;
  } else {
    q->l1_offset = 3 * o.cluster_size;
  }
  img->size = size;
  q->header_dirty = true;
  q->fresh = true;
  if (qcow2_write_metadata(img) < 0)
    goto fail;
  /* The L1 table is all zeros: extend the file over it sparsely. */
  if (l1_entries && q->file_size < q->l1_offset + l1_bytes) {
    if (hvx_file_truncate(&img->file, q->l1_offset + l1_bytes) < 0)
      goto fail;
    q->file_size = q->l1_offset + l1_bytes;
  }
  return 0;

fail:
  free(buf);
  qcow2_free_state(q);
  img->priv = NULL;
  return -1;
}
