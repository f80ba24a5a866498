/* hvx - the VHDX log: validation and replay.
 *
 * The log is a circular buffer of 4 KiB sectors holding entries; each
 * entry is a header sector (64-byte header and up to 126 descriptors),
 * more descriptor sectors if needed, then one data sector per data
 * descriptor.  An entry's CRC-32C covers all of it.  Writers append
 * entries with increasing sequence numbers and the newest entry's Tail
 * names the oldest entry not yet known to be applied; the entries from
 * that tail to the newest one are the active sequence, to be replayed
 * before the file's metadata can be trusted.
 *
 * A torn write of the newest entry fails its CRC and so is not part of
 * any sequence: replay then ends at the entry before, whose changes were
 * complete.  But if the newest valid entry's own sequence is broken
 * (an entry missing, damaged, or out of order) the file cannot be
 * trusted at all, and we refuse it rather than replay part of it.
 * Everything is validated before anything is applied.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "endian.h"
#include "vhdx.h"

#define ENTRY_HEADER 64
#define DESC_SIZE 32
#define SCAN_CHUNK (1u << 20)
/* Far beyond any log Hyper-V or qemu writes (1 MiB by default); a
 * bigger one would only cost memory and time for no benefit. */
#define LOG_MAX (1u << 30)

struct entry {
  uint32_t pos, length, tail, ndesc;
  uint64_t seq, flushed, last;
};

struct scan {
  struct vhdx *s;
  uint64_t off;       /* file offset of the log */
  uint32_t len;       /* its length */
  uint8_t *buf;       /* SCAN_CHUNK bytes, for scanning */
  uint8_t *crcbuf;    /* SCAN_CHUNK bytes, for checksumming entries */
  uint64_t budget;    /* bytes of CRC work left */
};

/* Read COUNT bytes at circular log position POS. */
static int log_read(struct scan *sc, void *buf, size_t count, uint32_t pos)
{
  uint8_t *p = buf;

  while (count > 0) {
    size_t n = (size_t)hvx_min_u64(count, sc->len - pos);
    if (hvx_file_pread(&sc->s->img->file, p, n, sc->off + pos,
                       "vhdx log") < 0)
      return -1;
    p += n;
    count -= n;
    pos = (uint32_t)((pos + n) % sc->len);
  }
  return 0;
}

static int bad(struct scan *sc, uint32_t pos, const char *fmt, ...)
  HVX_PRINTF(3, 4);

static int bad(struct scan *sc, uint32_t pos, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hvx_set_error(EBADMSG, "vhdx: %s: log entry at 0x%llx (log "
                       "offset 0x%x): %s", sc->s->img->filename,
                       (unsigned long long)(sc->off + pos), pos, msg);
}

static uint32_t desc_sectors(uint32_t ndesc)
{
  return (uint32_t)hvx_div_round_up(ENTRY_HEADER + (uint64_t)DESC_SIZE * ndesc,
                                    VHDX_LOG_SECTOR);
}

/* Is the entry whose header sector H sits at POS whole and intact?  0
 * yes (E filled), 1 no (a torn or stale entry: not an error by itself),
 * -1 on I/O error. */
static int check_entry(struct scan *sc, const uint8_t *h, uint32_t pos,
                       struct entry *e)
{
  uint8_t first[VHDX_LOG_SECTOR];
  uint32_t crc;

  e->pos = pos;
  e->length = hvx_le32(h + 8);
  e->tail = hvx_le32(h + 12);
  e->seq = hvx_le64(h + 16);
  e->ndesc = hvx_le32(h + 24);
  e->flushed = hvx_le64(h + 48);
  e->last = hvx_le64(h + 56);
  if (e->length == 0 || e->length % VHDX_LOG_SECTOR || e->length > sc->len ||
      e->tail % VHDX_LOG_SECTOR || e->tail >= sc->len || e->seq == 0 ||
      e->ndesc > e->length / DESC_SIZE ||
      desc_sectors(e->ndesc) > e->length / VHDX_LOG_SECTOR)
    return 1;
  if (e->length > sc->budget)
    return hvx_set_error(EBADMSG, "vhdx: %s: log at 0x%llx holds too many "
                         "overlapping entry headers to scan",
                         sc->s->img->filename, (unsigned long long)sc->off);
  sc->budget -= e->length;
  memcpy(first, h, sizeof first);
  memset(first + 4, 0, 4);
  crc = hvx_crc32c(0, first, sizeof first);
  for (uint32_t done = VHDX_LOG_SECTOR; done < e->length; ) {
    uint32_t n = (uint32_t)hvx_min_u64(SCAN_CHUNK, e->length - done);
    if (log_read(sc, sc->crcbuf, n, (pos + done) % sc->len) < 0)
      return -1;
    crc = hvx_crc32c(crc, sc->crcbuf, n);
    done += n;
  }
  return crc == hvx_le32(h + 4) ? 0 : 1;
}

/* Every entry of the log with our GUID and a good checksum. */
static int find_entries(struct scan *sc, struct entry **out, size_t *nout)
{
  const vhdx_guid *guid = &sc->s->hdr.log;
  struct entry *v = NULL;
  size_t n = 0, cap = 0;

  for (uint32_t base = 0; base < sc->len; base += SCAN_CHUNK) {
    uint32_t chunk = (uint32_t)hvx_min_u64(SCAN_CHUNK, sc->len - base);
    if (log_read(sc, sc->buf, chunk, base) < 0)
      goto fail;
    for (uint32_t i = 0; i < chunk; i += VHDX_LOG_SECTOR) {
      const uint8_t *h = sc->buf + i;
      struct entry e;
      int r;
      if (memcmp(h, "loge", 4) != 0 || memcmp(h + 32, guid->b, 16) != 0)
        continue;
      r = check_entry(sc, h, base + i, &e);
      if (r < 0)
        goto fail;
      sc->s->log_ignored += r; /* torn, or overwritten in part */
      if (r == 0) {
        if (n == cap) {
          struct entry *nv;
          cap = cap ? 2 * cap : 16;
          nv = realloc(v, cap * sizeof *v);
          if (!nv) {
            hvx_set_error(ENOMEM, "cannot allocate the vhdx log entry list");
            goto fail;
          }
          v = nv;
        }
        v[n++] = e; /* in order of position: the walk below bisects */
      }
    }
  }
  *out = v;
  *nout = n;
  return 0;
fail:
  free(v);
  return -1;
}

/* Real logs (1 MiB) hold at most 32768 descriptors; a bigger replay
 * is refused rather than kept in memory and searched on every read. */
#define MAX_OPS (1u << 20)

static int add_op(struct vhdx_replay *r, size_t *cap,
                  const struct vhdx_log_op *op)
{
  if (r->nops == MAX_OPS)
    return hvx_set_error(ENOTSUP, "vhdx: log replay of more than %u writes "
                         "is not supported", MAX_OPS);
  if (r->nops == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    struct vhdx_log_op *no = realloc(r->ops, nc * sizeof *no);
    if (!no)
      return hvx_set_error(ENOMEM, "cannot allocate the vhdx log replay");
    r->ops = no;
    *cap = nc;
  }
  r->ops[r->nops++] = *op;
  if (op->target < r->lo)
    r->lo = op->target;
  if (op->target + op->length > r->hi)
    r->hi = op->target + op->length;
  return 0;
}

/* Where may a replayed write land?  Not on the identifier and headers
 * (the log never carries those), not on the log itself, and not past
 * the file size the newest entry vouches for. */
static int check_target(struct scan *sc, const struct entry *e, unsigned d,
                        uint64_t target, uint64_t length, uint64_t bound)
{
  if (target % VHDX_LOG_SECTOR || length == 0 || length % VHDX_LOG_SECTOR)
    return bad(sc, e->pos, "descriptor %u: target 0x%llx length %llu is not "
               "4 KiB-aligned", d, (unsigned long long)target,
               (unsigned long long)length);
  if (target < VHDX_RT_OFFSET(0) || target > bound || length > bound - target)
    return bad(sc, e->pos, "descriptor %u: target 0x%llx length %llu lies "
               "outside 0x30000..0x%llx", d, (unsigned long long)target,
               (unsigned long long)length, (unsigned long long)bound);
  if (target < sc->off + sc->len && sc->off < target + length)
    return bad(sc, e->pos, "descriptor %u: target 0x%llx length %llu "
               "overlaps the log itself", d, (unsigned long long)target,
               (unsigned long long)length);
  return 0;
}

/* Check entry E's descriptors and data sectors; append its writes. */
static int collect(struct scan *sc, const struct entry *e,
                   struct vhdx_replay *r, size_t *cap, uint64_t bound)
{
  uint32_t dsec = desc_sectors(e->ndesc);
  uint32_t ndata = e->length / VHDX_LOG_SECTOR - dsec, seen = 0;
  uint8_t *descs, sector[VHDX_LOG_SECTOR];
  int ret = -1;

  descs = hvx_malloc((size_t)dsec * VHDX_LOG_SECTOR, "vhdx log descriptors");
  if (!descs)
    return -1;
  if (log_read(sc, descs, (size_t)dsec * VHDX_LOG_SECTOR, e->pos) < 0)
    goto out;
  for (uint32_t d = 0; d < e->ndesc; d++) {
    const uint8_t *p = descs + ENTRY_HEADER + (size_t)DESC_SIZE * d;
    struct vhdx_log_op op = { 0 };
    uint64_t seq = hvx_le64(p + 24);

    op.target = hvx_le64(p + 16);
    if (seq != e->seq) {
      bad(sc, e->pos, "descriptor %u has sequence number %llu, not the "
          "entry's %llu", d, (unsigned long long)seq,
          (unsigned long long)e->seq);
      goto out;
    }
    if (memcmp(p, "zero", 4) == 0) {
      op.length = hvx_le64(p + 8);
      op.src = UINT64_MAX;
    } else if (memcmp(p, "desc", 4) == 0) {
      uint32_t pos;
      op.length = VHDX_LOG_SECTOR;
      if (seen == ndata) {
        bad(sc, e->pos, "descriptor %u: more data descriptors than the "
            "%u data sectors the entry length allows", d, ndata);
        goto out;
      }
      pos = (uint32_t)((e->pos + (uint64_t)(dsec + seen) * VHDX_LOG_SECTOR) %
                       sc->len);
      if (log_read(sc, sector, sizeof sector, pos) < 0)
        goto out;
      if (memcmp(sector, "data", 4) != 0 ||
          hvx_le32(sector + 4) != (uint32_t)(e->seq >> 32) ||
          hvx_le32(sector + 4092) != (uint32_t)e->seq) {
        bad(sc, e->pos, "data sector %u at log offset 0x%x has a bad "
            "signature or sequence number", seen, pos);
        goto out;
      }
      op.src = sc->off + pos;
      memcpy(op.lead, p + 8, 8);
      memcpy(op.trail, p + 4, 4);
      seen++;
    } else {
      bad(sc, e->pos, "descriptor %u has unknown signature 0x%08x", d,
          hvx_le32(p));
      goto out;
    }
    if (check_target(sc, e, d, op.target, op.length, bound) < 0 ||
        add_op(r, cap, &op) < 0)
      goto out;
  }
  if (seen != ndata) {
    bad(sc, e->pos, "%u data descriptors for %u data sectors", seen, ndata);
    goto out;
  }
  ret = 0;
out:
  free(descs);
  return ret;
}

int vhdx_log_scan(struct vhdx *s, struct vhdx_replay **out)
{
  struct scan sc = { .s = s };
  struct vhdx_replay *r = NULL;
  struct entry *v = NULL, *head = NULL;
  size_t n = 0, cap = 0;
  const char *fn = s->img->filename;
  uint64_t bound, expect = 0;
  int ret = -1;

  *out = NULL;
  if (vhdx_guid_is_zero(&s->hdr.log))
    return 0;
  sc.off = s->hdr.log_offset;
  sc.len = s->hdr.log_length;
  if (s->hdr.log_version != 0)
    return hvx_set_error(ENOTSUP, "vhdx: %s: log version %u is not "
                         "supported", fn, s->hdr.log_version);
  if (sc.len == 0 || sc.len % VHDX_MIB || sc.off < VHDX_MIB ||
      sc.off % VHDX_MIB)
    return hvx_set_error(EBADMSG, "vhdx: %s: header: log at 0x%llx length %u "
                         "is not a 1 MiB-aligned range after the header "
                         "section", fn, (unsigned long long)sc.off, sc.len);
  if (sc.off > s->file_size || sc.len > s->file_size - sc.off)
    return hvx_set_error(EBADMSG, "vhdx: %s: header: log at 0x%llx length %u "
                         "extends beyond end of file (size %llu)", fn,
                         (unsigned long long)sc.off, sc.len,
                         (unsigned long long)s->file_size);
  if (sc.len > LOG_MAX)
    return hvx_set_error(ENOTSUP, "vhdx: %s: log of %u bytes is larger than "
                         "hvx supports (%u)", fn, sc.len, LOG_MAX);
  sc.buf = hvx_malloc(SCAN_CHUNK, "vhdx log buffer");
  sc.crcbuf = hvx_malloc(SCAN_CHUNK, "vhdx log buffer");
  if (!sc.buf || !sc.crcbuf)
    goto out;
  sc.budget = 16ull * sc.len + (64u << 20);
  if (find_entries(&sc, &v, &n) < 0)
    goto out;
  if (n == 0) {
    /* A log GUID with no entry for it: the header was updated and then
     * nothing written (or only torn writes).  Nothing to replay. */
    ret = 0;
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    if (!head || v[i].seq > head->seq)
      head = &v[i];
  if (head->flushed > s->file_size) {
    hvx_set_error(EBADMSG, "vhdx: %s: file truncated: the newest log entry "
                  "(at 0x%llx) says the file was at least %llu bytes, but "
                  "it is %llu", fn, (unsigned long long)(sc.off + head->pos),
                  (unsigned long long)head->flushed,
                  (unsigned long long)s->file_size);
    goto out;
  }
  if (head->last > VHDX_MAX_FILE_OFFSET) {
    bad(&sc, head->pos, "last file offset %llu is absurd",
        (unsigned long long)head->last);
    goto out;
  }
  bound = head->last > s->file_size ? head->last : s->file_size;

  r = hvx_calloc(1, sizeof *r, "vhdx log replay");
  if (!r)
    goto out;
  r->lo = UINT64_MAX;
  r->last_file_offset = head->last;
  r->head_seq = head->seq;
  r->head_pos = head->pos;
  r->tail_pos = head->tail;
  /* Walk from the tail to the head: each entry must be there, intact,
   * right after the previous one, one sequence number higher. */
  for (uint32_t pos = head->tail, k = 0; ; k++) {
    struct entry *e = NULL;
    size_t lo = 0, hi = n;

    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (v[mid].pos < pos)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < n && v[lo].pos == pos)
      e = &v[lo];
    /* K bounds the walk: it can meet each entry at most once. */
    if (k >= n || !e) {
      bad(&sc, pos, "the active sequence (tail at log offset 0x%x, head at "
          "0x%x, sequence number %llu) is broken here: no intact entry",
          head->tail, head->pos, (unsigned long long)head->seq);
      goto out;
    }
    if (k > 0 && e->seq != expect) {
      bad(&sc, pos, "sequence number %llu where %llu should follow",
          (unsigned long long)e->seq, (unsigned long long)expect);
      goto out;
    }
    if (collect(&sc, e, r, &cap, bound) < 0)
      goto out;
    r->entries++;
    expect = e->seq + 1;
    if (e == head)
      break;
    pos = (uint32_t)(((uint64_t)pos + e->length) % sc.len);
  }
  r->head_seq = head->seq;
  *out = r;
  r = NULL;
  ret = 0;
out:
  vhdx_replay_free(r);
  free(v);
  free(sc.buf);
  free(sc.crcbuf);
  return ret;
}

void vhdx_replay_free(struct vhdx_replay *r)
{
  if (!r)
    return;
  free(r->ops);
  free(r);
}

/* The 4 KiB a data op writes. */
static int op_sector(struct vhdx *s, const struct vhdx_log_op *op,
                     uint8_t *sector)
{
  if (hvx_file_pread(&s->img->file, sector, VHDX_LOG_SECTOR, op->src,
                     "vhdx log data sector") < 0)
    return -1;
  memcpy(sector, op->lead, 8);
  memcpy(sector + VHDX_LOG_SECTOR - 4, op->trail, 4);
  return 0;
}

int vhdx_replay_patch(struct vhdx *s, const struct vhdx_replay *r,
                      uint8_t *buf, size_t count, uint64_t offset)
{
  uint8_t sector[VHDX_LOG_SECTOR];

  if (offset >= r->hi || offset + count <= r->lo)
    return 0;
  /* In log order, so a later write wins over an earlier one. */
  for (size_t i = 0; i < r->nops; i++) {
    const struct vhdx_log_op *op = &r->ops[i];
    uint64_t a = op->target > offset ? op->target : offset;
    uint64_t b = hvx_min_u64(op->target + op->length, offset + count);
    if (a >= b)
      continue;
    if (op->src == UINT64_MAX) {
      memset(buf + (a - offset), 0, (size_t)(b - a));
    } else {
      if (op_sector(s, op, sector) < 0)
        return -1;
      memcpy(buf + (a - offset), sector + (a - op->target), (size_t)(b - a));
    }
  }
  return 0;
}

int vhdx_log_replay(struct vhdx *s, struct vhdx_replay *r)
{
  struct hvx_file *f = &s->img->file;
  uint8_t sector[VHDX_LOG_SECTOR];

  /* The spec wants a new file write GUID before any change, replay
   * included; the log GUID stays until the replay is durable, so a
   * crash now means replaying again, which is harmless. */
  if (vhdx_guid_generate(&s->hdr.file_write) < 0 ||
      vhdx_update_headers(s) < 0)
    return -1;
  s->file_guid_done = true;
  for (size_t i = 0; i < r->nops; i++) {
    const struct vhdx_log_op *op = &r->ops[i];
    if (op->src == UINT64_MAX) {
      /* Past the end of file is zeros already (and the file grows to
       * LastFileOffset below): only zero what exists. */
      if (op->target < s->file_size &&
          hvx_file_punch(f, op->target,
                         hvx_min_u64(op->length,
                                     s->file_size - op->target)) < 0)
        return -1;
      continue;
    }
    if (op_sector(s, op, sector) < 0 ||
        hvx_file_pwrite(f, sector, sizeof sector, op->target) < 0)
      return -1;
    if (op->target + VHDX_LOG_SECTOR > s->file_size)
      s->file_size = op->target + VHDX_LOG_SECTOR;
  }
  if (r->last_file_offset > s->file_size) {
    if (hvx_file_truncate(f, r->last_file_offset) < 0)
      return -1;
    s->file_size = r->last_file_offset;
  }
  if (hvx_file_sync(f) < 0)
    return -1;
  memset(s->hdr.log.b, 0, 16);
  return vhdx_update_headers(s);
}
