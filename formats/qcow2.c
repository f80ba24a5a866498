/* hvx - qcow2 images (qemu's format, versions 2 and 3): probing, the
 * header and its extensions, open/close, info, and the driver table.
 *
 * Everything the header says is checked before it is used: sizes are
 * bounded by qemu's own limits and by the file size before anything is
 * allocated, and every table offset is checked for alignment and
 * against the end of the file.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "endian.h"
#include "qcow2.h"

#define QERR(img, err, ...) qcow2_error(img, err, __VA_ARGS__)

static int qcow2_error(struct hvx_image *img, int err, const char *fmt, ...)
  HVX_PRINTF(3, 4);

static int qcow2_error(struct hvx_image *img, int err, const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hvx_set_error(err, "qcow2: %s: %s", img->filename, msg);
}

static int qcow2_probe(struct hvx_file *f, const uint8_t *head, size_t len,
                       uint64_t filesize)
{
  uint32_t version;

  (void)f; (void)filesize;
  if (len < 8 || hvx_be32(head) != QCOW2_MAGIC)
    return 0;
  version = hvx_be32(head + 4);
  /* Claim other versions too (qcow version 1 shares the magic), so
   * open can say they are unsupported rather than raw taking them. */
  return version == 2 || version == 3 ? 100 : 50;
}

/* A feature name from the feature name table, for error messages. */
static void feature_name(const uint8_t *table, uint32_t len, int type,
                         int bit, char *out, size_t outlen)
{
  out[0] = '\0';
  for (uint32_t i = 0; table && i + 48 <= len; i += 48) {
    if (table[i] != type || table[i + 1] != bit)
      continue;
    size_t n = 0;
    for (; n < 46 && n + 4 < outlen && table[i + 2 + n]; n++)
      out[n] = isprint(table[i + 2 + n]) ? (char)table[i + 2 + n] : '?';
    out[n] = '\0';
    return;
  }
}

struct hdr_ctx {
  const uint8_t *features;   /* feature name table in the header buffer */
  uint32_t features_len;
};

/* Copy a string header extension into a new NUL-terminated string. */
static char *ext_string(struct hvx_image *img, const uint8_t *data,
                        uint32_t len, uint32_t max, const char *what)
{
  char *s;

  if (len == 0 || len > max) {
    QERR(img, EBADMSG, "%s header extension length %u out of range 1..%u",
         what, len, max);
    return NULL;
  }
  if (memchr(data, '\0', len)) {
    QERR(img, EBADMSG, "%s header extension contains a NUL byte", what);
    return NULL;
  }
  s = hvx_malloc(len + 1, what);
  if (s) {
    memcpy(s, data, len);
    s[len] = '\0';
  }
  return s;
}

static int parse_extensions(struct hvx_image *img, const uint8_t *buf,
                            uint32_t start, uint32_t end,
                            struct hdr_ctx *ctx)
{
  struct qcow2 *q = qcow2_state(img);
  uint32_t off = start;
  unsigned seen = 0;

  /* Each step moves on by at least 8 bytes and END is at most a
   * cluster, so this loop is bounded whatever the lengths say. */
  while (end - off >= 8) {
    uint32_t type = hvx_be32(buf + off), len = hvx_be32(buf + off + 4);
    const uint8_t *data = buf + off + 8;
    unsigned bit = 0;

    if (type == QCOW2_EXT_END)
      return 0;
    if (len > end - off - 8)
      return QERR(img, EBADMSG, "header extension 0x%08x at offset %u: "
                  "length %u runs past the end of the header area (%u)",
                  type, off, len, end);
    switch (type) {
    case QCOW2_EXT_BACKING_FMT: bit = 1; break;
    case QCOW2_EXT_FEATURES: bit = 2; break;
    case QCOW2_EXT_BITMAPS: bit = 4; break;
    case QCOW2_EXT_CRYPTO: bit = 8; break;
    case QCOW2_EXT_DATA_FILE: bit = 16; break;
    }
    if (seen & bit)
      return QERR(img, EBADMSG, "header extension 0x%08x appears twice",
                  type);
    seen |= bit;
    switch (type) {
    case QCOW2_EXT_BACKING_FMT:
      q->backing_fmt = ext_string(img, data, len, 31, "backing format");
      if (!q->backing_fmt)
        return -1;
      break;
    case QCOW2_EXT_FEATURES:
      ctx->features = data;
      ctx->features_len = len;
      break;
    case QCOW2_EXT_BITMAPS:
      if (len < 24)
        return QERR(img, EBADMSG, "bitmaps header extension too short "
                    "(%u bytes, need 24)", len);
      q->has_bitmaps = true;
      q->nb_bitmaps = hvx_be32(data);
      q->bitmap_dir_size = hvx_be64(data + 8);
      q->bitmap_dir_offset = hvx_be64(data + 16);
      break;
    default:
      break; /* unknown extensions may be ignored */
    }
    off += 8 + (uint32_t)hvx_round_up(len, 8);
    if (off > end)
      break;
  }
  return 0;
}

static int check_features(struct hvx_image *img, struct hdr_ctx *ctx)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT |
                   QCOW2_INCOMPAT_DATA_FILE | QCOW2_INCOMPAT_COMPRESS |
                   QCOW2_INCOMPAT_EXTL2;
  uint64_t unknown = q->incompat & ~known;

  if (unknown) {
    int bit = __builtin_ctzll(unknown);
    char name[64];
    feature_name(ctx->features, ctx->features_len, 0, bit, name,
                 sizeof name);
    return QERR(img, ENOTSUP, "unknown incompatible feature bit %d%s%s%s "
                "(incompatible_features 0x%llx)", bit,
                name[0] ? " (\"" : "", name, name[0] ? "\")" : "",
                (unsigned long long)q->incompat);
  }
  if (q->incompat & QCOW2_INCOMPAT_DATA_FILE)
    return QERR(img, ENOTSUP, "external data files (incompatible feature "
                "bit 2) are not supported");
  if (q->incompat & QCOW2_INCOMPAT_EXTL2)
    return QERR(img, ENOTSUP, "extended L2 entries (incompatible feature "
                "bit 4, subclusters) are not supported");
  if (q->incompat & QCOW2_INCOMPAT_COMPRESS) {
    if (q->compression_type == 0)
      return QERR(img, EBADMSG, "compression type bit set but "
                  "compression_type is 0 (zlib)");
  } else if (q->compression_type != 0) {
    return QERR(img, EBADMSG, "compression_type %u without the compression "
                "type feature bit", q->compression_type);
  }
  if (q->compression_type == 1)
    return QERR(img, ENOTSUP, "zstd compression (compression_type 1) is "
                "not supported");
  if (q->compression_type != 0)
    return QERR(img, ENOTSUP, "unknown compression_type %u",
                q->compression_type);
  return 0;
}

/* A table the header locates (FIELD): cluster-aligned, not in the
 * header cluster, and wholly inside the file. */
static int table_bounds(struct hvx_image *img, const char *field,
                        const char *what, uint64_t off, uint64_t bytes,
                        uint64_t file_size)
{
  struct qcow2 *q = qcow2_state(img);

  if (off % q->cs || off == 0)
    return QERR(img, EBADMSG, "header field %s 0x%llx is not a non-zero "
                "multiple of the cluster size %llu", field,
                (unsigned long long)off, (unsigned long long)q->cs);
  if (off > file_size || bytes > file_size - off)
    return QERR(img, EBADMSG, "%s at 0x%llx (%llu bytes) extends beyond "
                "end of file (size %llu)", what, (unsigned long long)off,
                (unsigned long long)bytes, (unsigned long long)file_size);
  return 0;
}

/* The fixed header fields, validated against the file size. */
static int parse_header(struct hvx_image *img, const uint8_t *h,
                        uint64_t file_size)
{
  struct qcow2 *q = qcow2_state(img);
  uint32_t crypt;
  uint64_t size, l1_need, l2_span;

  q->version = hvx_be32(h + 4);
  if (q->version != 2 && q->version != 3)
    return QERR(img, ENOTSUP, "version %u is not supported (only 2 and 3)",
                q->version);
  q->cluster_bits = hvx_be32(h + 20);
  if (q->cluster_bits < QCOW2_MIN_CLUSTER_BITS || q->cluster_bits > 63)
    return QERR(img, EBADMSG, "header field cluster_bits %u out of range "
                "%d..%d", q->cluster_bits, QCOW2_MIN_CLUSTER_BITS,
                QCOW2_MAX_CLUSTER_BITS);
  if (q->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
    return QERR(img, ENOTSUP, "header field cluster_bits %u out of range "
                "%d..%d (clusters over 2 MiB are not supported)",
                q->cluster_bits, QCOW2_MIN_CLUSTER_BITS,
                QCOW2_MAX_CLUSTER_BITS);
  q->cs = 1ull << q->cluster_bits;
  q->l2_bits = q->cluster_bits - 3;
  size = hvx_be64(h + 24);
  if (size > INT64_MAX)
    return QERR(img, EFBIG, "header field size %llu (virtual size) is too "
                "large", (unsigned long long)size);
  img->size = size;

  crypt = hvx_be32(h + 32);
  if (crypt == 1 || crypt == 2)
    return QERR(img, ENOTSUP, "encrypted images (crypt_method %u, %s) are "
                "not supported", crypt, crypt == 1 ? "AES" : "LUKS");
  if (crypt != 0)
    return QERR(img, EBADMSG, "unknown crypt_method %u", crypt);

  if (q->version == 2) {
    q->header_length = QCOW2_V2_HEADER_LEN;
    q->refcount_order = 4;
  } else {
    q->incompat = hvx_be64(h + 72);
    q->compat = hvx_be64(h + 80);
    q->autoclear = hvx_be64(h + 88);
    q->refcount_order = hvx_be32(h + 96);
    q->header_length = hvx_be32(h + 100);
    if (q->header_length < QCOW2_V3_HEADER_LEN || q->header_length % 8 ||
        q->header_length > q->cs)
      return QERR(img, EBADMSG, "header field header_length %u invalid (a "
                  "multiple of 8 from %d to the cluster size %llu)",
                  q->header_length, QCOW2_V3_HEADER_LEN,
                  (unsigned long long)q->cs);
    if (q->refcount_order > 6)
      return QERR(img, EBADMSG, "header field refcount_order %u out of "
                  "range 0..6", q->refcount_order);
  }
  if (q->header_length > file_size)
    return QERR(img, EBADMSG, "file truncated: header (%u bytes) longer "
                "than the file (%llu bytes)", q->header_length,
                (unsigned long long)file_size);
  q->refcount_bits = 1u << q->refcount_order;
  q->rb_entries = q->cs * 8 / q->refcount_bits;

  /* Compressed descriptors: x = 62 - (cluster_bits - 8) offset bits. */
  q->csize_shift = 62 - (q->cluster_bits - 8);
  q->csize_mask = (1ull << (q->cluster_bits - 8)) - 1;
  q->coffset_mask = (1ull << q->csize_shift) - 1;

  /* L1 table: big enough for the virtual size, within qemu's limit and
   * inside the file. */
  q->l1_size = hvx_be32(h + 36);
  q->l1_offset = hvx_be64(h + 40);
  l2_span = q->cs << q->l2_bits;
  l1_need = hvx_div_round_up(size, l2_span);
  if (l1_need > QCOW2_MAX_L1_BYTES / 8)
    return QERR(img, EFBIG, "virtual size %llu needs an L1 table of %llu "
                "entries, more than the limit of %u for cluster size %llu",
                (unsigned long long)size, (unsigned long long)l1_need,
                QCOW2_MAX_L1_BYTES / 8, (unsigned long long)q->cs);
  if (q->l1_size < l1_need)
    return QERR(img, EBADMSG, "header field l1_size %u too small: the "
                "virtual size %llu needs %llu L1 entries", q->l1_size,
                (unsigned long long)size, (unsigned long long)l1_need);
  if (q->l1_size > QCOW2_MAX_L1_BYTES / 8)
    return QERR(img, EFBIG, "header field l1_size %u exceeds the limit of "
                "%u entries", q->l1_size, QCOW2_MAX_L1_BYTES / 8);
  if (q->l1_size > 0) {
    if (table_bounds(img, "l1_table_offset", "L1 table", q->l1_offset,
                     (uint64_t)q->l1_size * 8, file_size) < 0)
      return -1;
  }

  /* Refcount table: only read when writing or checking, but its bounds
   * are part of a valid header. */
  q->reftable_offset = hvx_be64(h + 48);
  q->reftable_clusters = hvx_be32(h + 56);
  if (q->reftable_clusters == 0)
    return QERR(img, EBADMSG, "header field refcount_table_clusters is 0");
  if ((uint64_t)q->reftable_clusters > QCOW2_MAX_REFTABLE_BYTES / q->cs)
    return QERR(img, EFBIG, "header field refcount_table_clusters %u "
                "exceeds the limit of %u bytes", q->reftable_clusters,
                QCOW2_MAX_REFTABLE_BYTES);
  if (table_bounds(img, "refcount_table_offset", "refcount table",
                   q->reftable_offset, (uint64_t)q->reftable_clusters * q->cs,
                   file_size) < 0)
    return -1;

  q->nb_snapshots = hvx_be32(h + 60);
  q->snapshots_offset = hvx_be64(h + 64);
  if (q->nb_snapshots > QCOW2_MAX_SNAPSHOTS)
    return QERR(img, EBADMSG, "header field nb_snapshots %u exceeds %u",
                q->nb_snapshots, QCOW2_MAX_SNAPSHOTS);
  if (q->nb_snapshots &&
      (q->snapshots_offset % q->cs || q->snapshots_offset >= file_size))
    return QERR(img, EBADMSG, "header field snapshots_offset 0x%llx is "
                "unaligned or beyond end of file (size %llu)",
                (unsigned long long)q->snapshots_offset,
                (unsigned long long)file_size);
  return 0;
}

static int parse_backing_name(struct hvx_image *img, const uint8_t *buf,
                              uint32_t buflen, uint64_t off, uint32_t len)
{
  struct qcow2 *q = qcow2_state(img);

  if (len > QCOW2_MAX_BACKING_NAME)
    return QERR(img, EBADMSG, "header field backing_file_size %u exceeds "
                "%d bytes", len, QCOW2_MAX_BACKING_NAME);
  if (off < q->header_length || off > q->cs || len > q->cs - off)
    return QERR(img, EBADMSG, "backing file name at offset 0x%llx (%u "
                "bytes) lies outside the header cluster",
                (unsigned long long)off, len);
  if (off + len > buflen)
    return QERR(img, EBADMSG, "file truncated: backing file name at "
                "offset 0x%llx (%u bytes) extends beyond end of file",
                (unsigned long long)off, len);
  if (memchr(buf + off, '\0', len))
    return QERR(img, EBADMSG, "backing file name contains a NUL byte");
  q->backing_name = hvx_malloc(len + 1, "backing file name");
  if (!q->backing_name)
    return -1;
  memcpy(q->backing_name, buf + off, len);
  q->backing_name[len] = '\0';
  return 0;
}

static int load_l1(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint8_t *raw;

  q->l1 = hvx_calloc(q->l1_size ? q->l1_size : 1, sizeof *q->l1,
                     "qcow2 L1 table");
  if (!q->l1)
    return -1;
  if (q->l1_size == 0)
    return 0;
  raw = (uint8_t *)q->l1;
  if (hvx_file_pread(&img->file, raw, (size_t)q->l1_size * 8, q->l1_offset,
                     "qcow2 L1 table") < 0)
    return -1;
  for (uint32_t i = 0; i < q->l1_size; i++)
    q->l1[i] = hvx_be64(raw + 8 * (size_t)i);
  return 0;
}

int qcow2_read_refcount_table(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);
  uint64_t n = (uint64_t)q->reftable_clusters * q->cs / 8;
  uint8_t *raw;

  if (q->reftable)
    return 0;
  q->reftable = hvx_calloc((size_t)n, sizeof *q->reftable,
                           "qcow2 refcount table");
  if (!q->reftable)
    return -1;
  raw = (uint8_t *)q->reftable;
  if (hvx_file_pread(&img->file, raw, (size_t)n * 8, q->reftable_offset,
                     "qcow2 refcount table") < 0)
    return -1;
  for (uint64_t i = 0; i < n; i++)
    q->reftable[i] = hvx_be64(raw + 8 * i);
  q->reftable_entries = n;
  return 0;
}

/* Prepare for writing: refuse what hvx cannot write safely, load the
 * refcount table, and clear autoclear bits as the spec demands of a
 * writer that does not maintain what they vouch for. */
int qcow2_setup_write(struct hvx_image *img)
{
  struct qcow2 *q = qcow2_state(img);

  if (q->incompat & QCOW2_INCOMPAT_CORRUPT)
    return QERR(img, EBADMSG, "image is marked corrupt (incompatible "
                "feature bit 1); refusing to write to it");
  if (q->incompat & QCOW2_INCOMPAT_DIRTY)
    return QERR(img, ENOTSUP, "image is dirty (lazy refcounts not written "
                "back); repair it with 'qemu-img check -r all' before "
                "writing");
  if (q->nb_snapshots)
    return QERR(img, ENOTSUP, "writing to images with internal snapshots "
                "(%u) is not supported", q->nb_snapshots);
  if (q->backing_name && !img->backing)
    return QERR(img, EINVAL, "the backing file '%s' is not open; writing "
                "would copy zeros where its data belongs", q->backing_name);
  for (uint64_t i = 0; i < q->reftable_entries; i++) {
    uint64_t e = q->reftable[i];
    if (e && (e % q->cs || e >= q->file_size))
      return QERR(img, EBADMSG, "refcount table entry %llu: refcount block "
                  "offset 0x%llx is unaligned or beyond end of file (size "
                  "%llu)", (unsigned long long)i, (unsigned long long)e,
                  (unsigned long long)q->file_size);
  }
  if (qcow2_verify_for_write(img) < 0)
    return -1;
  q->writable = true;
  q->end_cluster = hvx_div_round_up(q->file_size, q->cs);
  q->free_hint = q->end_cluster;
  q->cbuf = hvx_aligned_alloc(q->cs, "qcow2 cluster buffer");
  if (!q->cbuf)
    return -1;
  if (q->version >= 3 && q->autoclear) {
    uint8_t z[8] = { 0 };
    if (hvx_file_pwrite(&img->file, z, 8, 88) < 0)
      return -1;
    q->autoclear = 0;
  }
  return 0;
}

void qcow2_free_state(struct qcow2 *q)
{
  if (!q)
    return;
  hvx_lock_destroy(&q->lock);
  qcow2_cache_free(&q->l2c);
  qcow2_cache_free(&q->rbc);
  qcow2_compress_end(q->zstream);
  free(q->l1);
  free(q->reftable);
  free(q->freed);
  free(q->backing_name);
  free(q->backing_fmt);
  free(q->zbuf);
  free(q->dcbuf);
  free(q->cbuf);
  free(q->mbuf);
  free(q);
}

static unsigned clampu(uint64_t v, unsigned lo, unsigned hi)
{
  return v < lo ? lo : v > hi ? hi : (unsigned)v;
}

static int qcow2_open(struct hvx_image *img)
{
  struct qcow2 *q;
  struct hdr_ctx ctx = { 0 };
  uint8_t h[QCOW2_V3_HEADER_LEN + 8], *buf = NULL;
  int64_t fsize = hvx_file_size(&img->file);
  uint64_t boff;
  uint32_t blen, buflen, ext_end;

  if (fsize < 0)
    return -1;
  if ((uint64_t)fsize < QCOW2_V2_HEADER_LEN)
    return QERR(img, EBADMSG, "file truncated: %lld bytes is too small for "
                "a qcow2 header", (long long)fsize);
  q = hvx_calloc(1, sizeof *q, "qcow2 state");
  if (!q)
    return -1;
  img->priv = q;
  q->file_size = (uint64_t)fsize;
  if (hvx_file_pread_zerofill(&img->file, h, sizeof h, 0) < 0)
    goto fail;
  if (hvx_be32(h) != QCOW2_MAGIC) {
    QERR(img, EBADMSG, "bad magic 0x%08x (expected \"QFI\\xfb\")",
         hvx_be32(h));
    goto fail;
  }
  if (parse_header(img, h, q->file_size) < 0)
    goto fail;

  /* The rest of the header cluster: extensions and the backing name. */
  buflen = (uint32_t)hvx_min_u64(q->cs, q->file_size);
  buf = hvx_malloc(q->cs, "qcow2 header cluster");
  if (!buf || hvx_file_pread_zerofill(&img->file, buf, q->cs, 0) < 0)
    goto fail;
  if (q->header_length > 104)
    q->compression_type = buf[104];
  boff = hvx_be64(h + 8);
  blen = hvx_be32(h + 16);
  ext_end = (uint32_t)q->cs;
  if (boff > q->header_length && boff < ext_end)
    ext_end = (uint32_t)boff;
  if (parse_extensions(img, buf, q->header_length, ext_end, &ctx) < 0)
    goto fail;
  if (check_features(img, &ctx) < 0)
    goto fail;
  if (boff && parse_backing_name(img, buf, buflen, boff, blen) < 0)
    goto fail;
  free(buf);
  buf = NULL;

  if (load_l1(img) < 0)
    goto fail;
  if (qcow2_cache_init(&q->l2c, clampu((4u << 20) / q->cs, 4, 64), q->cs,
                       "qcow2 L2 table") < 0 ||
      qcow2_cache_init(&q->rbc, clampu((1u << 20) / q->cs, 4, 16), q->cs,
                       "qcow2 refcount block") < 0)
    goto fail;
  q->zbuf = hvx_malloc(2 * q->cs, "qcow2 compressed cluster");
  q->dcbuf = hvx_malloc(q->cs, "qcow2 decompressed cluster");
  if (!q->zbuf || !q->dcbuf)
    goto fail;
  if (q->backing_name &&
      hvx_open_backing(img, q->backing_name, q->backing_fmt) < 0)
    goto fail;
  /* Last, so a failed open has not touched the file. */
  if (img->flags & HVX_OPEN_WRITE) {
    if (qcow2_read_refcount_table(img) < 0 || qcow2_setup_write(img) < 0)
      goto fail;
  } else if (!img->backing) {
    /* Read-only, the only shared state of a read is the L2 cache and
     * the decompression buffers: with those under a lock, several
     * threads may read at once, their preads in parallel.  One at a
     * time, a cold-cache conversion from qcow2 had one read in flight
     * and was up to 30 % slower than qemu-img -W. */
    hvx_lock_enable(&q->lock);
    img->thread_safe = true;
  }
  return 0;

fail:
  free(buf);
  qcow2_free_state(q);
  img->priv = NULL;
  return -1;
}

static void qcow2_close(struct hvx_image *img)
{
  qcow2_free_state(qcow2_state(img));
  img->priv = NULL;
}

static uint32_t qcow2_write_granularity(struct hvx_image *img)
{
  return (uint32_t)qcow2_state(img)->cs;
}

static void qcow2_info(struct hvx_image *img, hvx_info_fn fn, void *opaque)
{
  struct qcow2 *q = qcow2_state(img);
  char b[32];

  snprintf(b, sizeof b, "%llu", (unsigned long long)q->cs);
  fn(opaque, "cluster_size", b);
  fn(opaque, "compat", q->version == 2 ? "0.10" : "1.1");
  snprintf(b, sizeof b, "%u", q->version);
  fn(opaque, "version", b);
  if (q->backing_name)
    fn(opaque, "backing_file", q->backing_name);
  if (q->backing_fmt)
    fn(opaque, "backing_format", q->backing_fmt);
  fn(opaque, "compression_type", "zlib");
  snprintf(b, sizeof b, "%u", q->refcount_bits);
  fn(opaque, "refcount_bits", b);
  fn(opaque, "lazy_refcounts",
     q->compat & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true" : "false");
  fn(opaque, "dirty", q->incompat & QCOW2_INCOMPAT_DIRTY ? "true" : "false");
  fn(opaque, "corrupt",
     q->incompat & QCOW2_INCOMPAT_CORRUPT ? "true" : "false");
  if (q->nb_snapshots) {
    snprintf(b, sizeof b, "%u", q->nb_snapshots);
    fn(opaque, "snapshots", b);
  }
}

const struct hvx_driver hvx_driver_qcow2 = {
  .name = "qcow2",
  .probe = qcow2_probe,
  .open = qcow2_open,
  .create = qcow2_create,
  .block_status = qcow2_block_status,
  .readahead = qcow2_readahead,
  .pread = qcow2_pread,
  .pwrite = qcow2_pwrite,
  .zero = qcow2_zero,
  .pwrite_compressed = qcow2_pwrite_compressed,
  .compress_unit = qcow2_compress_unit,
  .compress_end = qcow2_compress_end,
  .store_compressed = qcow2_store_compressed,
  .flush = qcow2_flush,
  .check = qcow2_check,
  .info = qcow2_info,
  .close = qcow2_close,
  .write_granularity = qcow2_write_granularity,
};
