/* hvx - VHD images (Virtual PC, Virtual Server, Hyper-V): fixed, dynamic
 * and differencing.  This file finds and validates the metadata and reads;
 * vhd-write.c writes, vhd-create.c makes new images, vhd-parent.c follows
 * parent locators, vhd-check.c checks, vhd-geometry.c holds the CHS and
 * size rules.  Everything read from the file is bounded by the file size
 * and by the limits in vhd.h before it is used or allocated. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "vhd.h"

static bool has_cookie(const uint8_t *f)
{
  return memcmp(f + VHD_F_COOKIE, "conectix", 8) == 0;
}

static bool footer_valid(const uint8_t *f, size_t len)
{
  return has_cookie(f) &&
         vhd_checksum(f, len, VHD_F_CHECKSUM) == hvx_be32(f + VHD_F_CHECKSUM);
}

/* Score: a footer with a good checksum at the end is certain; the copy at
 * the start of a dynamic disk still identifies one whose end is damaged;
 * a bare cookie is claimed so that opening reports the bad checksum
 * instead of the file passing as raw. */
static int vhd_probe(struct hvx_file *f, const uint8_t *head, size_t headlen,
                     uint64_t filesize)
{
  uint8_t foot[VHD_FOOTER_SIZE], legacy[VHD_FOOTER_SIZE] = { 0 };

  if (filesize < VHD_FOOTER_SIZE)
    return 0;
  if (hvx_file_pread(f, foot, sizeof foot, filesize - VHD_FOOTER_SIZE,
                     "vhd footer") < 0)
    return -1;
  if (footer_valid(foot, VHD_FOOTER_SIZE))
    return 100;
  memcpy(legacy, foot + 1, VHD_FOOTER_SIZE - 1);
  if (footer_valid(legacy, VHD_FOOTER_SIZE - 1))
    return 90;
  if (headlen >= VHD_FOOTER_SIZE && footer_valid(head, VHD_FOOTER_SIZE))
    return 80;
  if (has_cookie(foot) || (headlen >= 8 && has_cookie(head)))
    return 50;
  return 0;
}

void vhd_format_uuid(const uint8_t *u, char out[37])
{
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
           u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* Pick the footer: the one at the end; else a pre-2004 511-byte one;
 * else, for dynamic and differencing disks, the copy at offset 0 (the
 * specification's fallback), remembering that the end is damaged. */
static int read_footer(struct hvx_image *img, struct vhd_state *s,
                       uint64_t filesize)
{
  uint8_t end[VHD_FOOTER_SIZE], legacy[VHD_FOOTER_SIZE] = { 0 };
  uint32_t stored, computed;

  if (filesize < VHD_FOOTER_SIZE)
    return hvx_set_error(EBADMSG, "vhd: %s: file of %llu bytes is too small "
                         "to hold a VHD footer (512 bytes)", img->filename,
                         (unsigned long long)filesize);
  if (hvx_file_pread(&img->file, end, sizeof end,
                     filesize - VHD_FOOTER_SIZE, "vhd footer") < 0)
    return -1;
  if (footer_valid(end, VHD_FOOTER_SIZE)) {
    memcpy(s->footer, end, sizeof end);
    s->footer_off = filesize - VHD_FOOTER_SIZE;
    return 0;
  }
  memcpy(legacy, end + 1, VHD_FOOTER_SIZE - 1);
  if (footer_valid(legacy, VHD_FOOTER_SIZE - 1)) {
    memcpy(s->footer, legacy, sizeof legacy);
    s->footer_off = filesize - (VHD_FOOTER_SIZE - 1);
    s->legacy_footer = true;
    return 0;
  }
  if (hvx_file_pread(&img->file, s->footer, VHD_FOOTER_SIZE, 0,
                     "vhd footer copy") < 0)
    return -1;
  if (footer_valid(s->footer, VHD_FOOTER_SIZE) &&
      (hvx_be32(s->footer + VHD_F_TYPE) == VHD_TYPE_DYNAMIC ||
       hvx_be32(s->footer + VHD_F_TYPE) == VHD_TYPE_DIFF)) {
    s->footer_from_copy = true; /* footer_off is set once blocks are known */
    return 0;
  }
  if (!has_cookie(end))
    return hvx_set_error(EBADMSG, "vhd: %s: no footer cookie 'conectix' at "
                         "the end of the file (offset 0x%llx) and no valid "
                         "footer copy at offset 0", img->filename,
                         (unsigned long long)(filesize - VHD_FOOTER_SIZE));
  stored = hvx_be32(end + VHD_F_CHECKSUM);
  computed = vhd_checksum(end, VHD_FOOTER_SIZE, VHD_F_CHECKSUM);
  return hvx_set_error(EBADMSG, "vhd: %s: footer at 0x%llx: checksum "
                       "mismatch: stored 0x%08x, computed 0x%08x (and no "
                       "valid footer copy at offset 0)", img->filename,
                       (unsigned long long)(filesize - VHD_FOOTER_SIZE),
                       stored, computed);
}

static int parse_footer(struct hvx_image *img, struct vhd_state *s)
{
  const uint8_t *f = s->footer;
  uint32_t version = hvx_be32(f + VHD_F_VERSION);
  uint64_t cur = hvx_be64(f + VHD_F_CUR_SIZE);

  if (version >> 16 != 1)
    return hvx_set_error(ENOTSUP, "vhd: %s: footer file format version "
                         "0x%08x not supported (expected 0x00010000)",
                         img->filename, version);
  s->type = (int)hvx_be32(f + VHD_F_TYPE);
  if (s->type != VHD_TYPE_FIXED && s->type != VHD_TYPE_DYNAMIC &&
      s->type != VHD_TYPE_DIFF)
    return hvx_set_error(ENOTSUP, "vhd: %s: footer disk type %d not "
                         "supported (2 fixed, 3 dynamic, 4 differencing)",
                         img->filename, s->type);
  s->chs.cylinders = hvx_be16(f + VHD_F_GEOMETRY);
  s->chs.heads = f[VHD_F_GEOMETRY + 2];
  s->chs.spt = f[VHD_F_GEOMETRY + 3];
  s->size_source = vhd_size_source(f + VHD_F_CREATOR_APP, s->chs);
  img->size = s->size_source == VHD_SIZE_CHS ? vhd_chs_bytes(s->chs) : cur;
  if (img->size > INT64_MAX)
    return hvx_set_error(EFBIG, "vhd: %s: footer current size %llu too "
                         "large", img->filename, (unsigned long long)cur);
  return 0;
}

const char *vhd_meta_overlap(const struct vhd_state *s, uint64_t start,
                             uint64_t len, uint64_t *where)
{
  uint64_t bat_len = hvx_round_up((uint64_t)s->max_entries * 4, VHD_SECTOR);

#define OVERLAPS(o, l) ((o) < start + len && start < (o) + (l))
  if (OVERLAPS(0, VHD_FOOTER_SIZE))
    return *where = 0, "footer copy";
  if (OVERLAPS(s->header_off, VHD_HEADER_SIZE))
    return *where = s->header_off, "dynamic disk header";
  if (OVERLAPS(s->bat_off, bat_len))
    return *where = s->bat_off, "block allocation table";
  for (int i = 0; i < VHD_LOCATORS; i++)
    if (s->loc[i].code && s->loc[i].extent &&
        OVERLAPS(s->loc[i].offset, s->loc[i].extent))
      return *where = s->loc[i].offset, "parent locator data";
#undef OVERLAPS
  return NULL;
}

int vhd_block_offset(struct hvx_image *img, uint32_t b, uint64_t *off)
{
  struct vhd_state *s = img->priv;
  uint64_t o = (uint64_t)s->bat[b] * VHD_SECTOR, where;
  uint64_t len = (uint64_t)s->bitmap_size + s->block_size;
  const char *what;

  if (o + len > s->footer_off)
    return hvx_set_error(EBADMSG, "vhd: %s: BAT entry %u: block at 0x%llx "
                         "(%llu bytes) extends past %s at 0x%llx",
                         img->filename, b, (unsigned long long)o,
                         (unsigned long long)len,
                         s->footer_from_copy ? "the end of the data" :
                         "the footer", (unsigned long long)s->footer_off);
  what = vhd_meta_overlap(s, o, len, &where);
  if (what)
    return hvx_set_error(EBADMSG, "vhd: %s: BAT entry %u: block at 0x%llx "
                         "overlaps the %s at 0x%llx", img->filename, b,
                         (unsigned long long)o, what,
                         (unsigned long long)where);
  *off = o;
  return 0;
}

/* Block B's bitmap, if the cache holds it (no reading). */
static struct vhd_bitmap_slot *bitmap_cached(struct vhd_state *s, uint32_t b)
{
  struct vhd_bitmap_slot *c = &s->cache[b % VHD_BITMAP_SLOTS];

  return c->valid && c->block == b ? c : NULL;
}

struct vhd_bitmap_slot *vhd_bitmap(struct hvx_image *img, uint32_t b)
{
  struct vhd_state *s = img->priv;
  struct vhd_bitmap_slot *c = bitmap_cached(s, b);
  uint64_t off;

  if (c)
    return c;
  c = &s->cache[b % VHD_BITMAP_SLOTS];
  c->valid = false;
  if (!c->bits && !(c->bits = hvx_malloc(s->bitmap_size, "vhd bitmap")))
    return NULL;
  if (vhd_block_offset(img, b, &off) < 0 ||
      hvx_file_pread(&img->file, c->bits, s->bitmap_size, off,
                     "vhd sector bitmap") < 0)
    return NULL;
  c->block = b;
  c->valid = true;
  vhd_bitmap_refresh(s, c);
  return c;
}

void vhd_bitmap_refresh(const struct vhd_state *s, struct vhd_bitmap_slot *c)
{
  uint32_t spb = s->block_size / VHD_SECTOR;

  c->full = true;
  for (uint32_t i = 0; i < spb / 8 && c->full; i++)
    c->full = c->bits[i] == 0xff;
  for (uint32_t i = spb / 8 * 8; i < spb && c->full; i++)
    c->full = vhd_bit(c->bits, i);
}

static int load_bat(struct hvx_image *img, struct vhd_state *s,
                    uint64_t filesize)
{
  uint64_t need = hvx_div_round_up(img->size, s->block_size);
  uint8_t *raw;

  if (need > s->max_entries)
    return hvx_set_error(EBADMSG, "vhd: %s: dynamic disk header: max table "
                         "entries %u of %u-byte blocks cover %llu bytes, "
                         "less than the disk size %llu", img->filename,
                         s->max_entries, s->block_size,
                         (unsigned long long)s->max_entries * s->block_size,
                         (unsigned long long)img->size);
  if (s->bat_off < VHD_FOOTER_SIZE || s->bat_off > filesize ||
      (uint64_t)s->max_entries * 4 > filesize - s->bat_off)
    return hvx_set_error(EBADMSG, "vhd: %s: BAT at 0x%llx with %u entries "
                         "(max table entries) extends past the end of the "
                         "file (size %llu)", img->filename,
                         (unsigned long long)s->bat_off, s->max_entries,
                         (unsigned long long)filesize);
  if (need > VHD_MAX_BAT_ENTRIES)
    return hvx_set_error(EFBIG, "vhd: %s: BAT of %llu entries exceeds hvx's "
                         "limit of %u", img->filename,
                         (unsigned long long)need, VHD_MAX_BAT_ENTRIES);
  s->bat_entries = (uint32_t)need;
  s->bat = hvx_calloc(need, sizeof *s->bat, "vhd BAT");
  if (!s->bat || hvx_file_pread(&img->file, s->bat, (size_t)need * 4,
                                s->bat_off, "vhd BAT") < 0)
    return -1;
  raw = (uint8_t *)s->bat; /* big-endian on disk: convert in place */
  for (uint64_t i = 0; i < need; i++)
    s->bat[i] = hvx_be32(raw + 4 * i);
  return 0;
}

static int read_header(struct hvx_image *img, struct vhd_state *s,
                       uint64_t filesize)
{
  const uint8_t *h = s->header;
  uint32_t stored, computed, version;

  s->header_off = hvx_be64(s->footer + VHD_F_DATA_OFFSET);
  if (s->header_off < VHD_FOOTER_SIZE || s->header_off > filesize ||
      filesize - s->header_off < VHD_HEADER_SIZE)
    return hvx_set_error(EBADMSG, "vhd: %s: footer data offset 0x%llx: the "
                         "dynamic disk header (1024 bytes) does not fit in "
                         "the file (size %llu)", img->filename,
                         (unsigned long long)s->header_off,
                         (unsigned long long)filesize);
  if (hvx_file_pread(&img->file, s->header, VHD_HEADER_SIZE, s->header_off,
                     "vhd dynamic disk header") < 0)
    return -1;
  if (memcmp(h + VHD_H_COOKIE, "cxsparse", 8) != 0)
    return hvx_set_error(EBADMSG, "vhd: %s: dynamic disk header at 0x%llx: "
                         "cookie is not 'cxsparse'", img->filename,
                         (unsigned long long)s->header_off);
  stored = hvx_be32(h + VHD_H_CHECKSUM);
  computed = vhd_checksum(h, VHD_HEADER_SIZE, VHD_H_CHECKSUM);
  if (stored != computed)
    return hvx_set_error(EBADMSG, "vhd: %s: dynamic disk header at 0x%llx: "
                         "checksum mismatch: stored 0x%08x, computed 0x%08x",
                         img->filename, (unsigned long long)s->header_off,
                         stored, computed);
  version = hvx_be32(h + VHD_H_VERSION);
  if (version >> 16 != 1)
    return hvx_set_error(ENOTSUP, "vhd: %s: dynamic disk header version "
                         "0x%08x not supported", img->filename, version);
  s->block_size = hvx_be32(h + VHD_H_BLOCK_SIZE);
  if (!hvx_is_pow2(s->block_size) || s->block_size < VHD_MIN_BLOCK_SIZE)
    return hvx_set_error(EBADMSG, "vhd: %s: dynamic disk header: block size "
                         "%u is not a power of two of at least 512 bytes",
                         img->filename, s->block_size);
  if (s->block_size > VHD_MAX_BLOCK_SIZE)
    return hvx_set_error(ENOTSUP, "vhd: %s: dynamic disk header: block size "
                         "%u larger than the %u hvx supports", img->filename,
                         s->block_size, VHD_MAX_BLOCK_SIZE);
  s->bitmap_size = (uint32_t)hvx_round_up(s->block_size / VHD_SECTOR / 8,
                                          VHD_SECTOR);
  s->max_entries = hvx_be32(h + VHD_H_MAX_ENTRIES);
  s->bat_off = hvx_be64(h + VHD_H_TABLE_OFFSET);
  return load_bat(img, s, filesize);
}

/* With the end footer damaged, the footer belongs after everything the
 * metadata references (and over the damaged last sector). */
static void place_lost_footer(struct vhd_state *s, uint64_t filesize)
{
  uint64_t end = hvx_round_up(s->header_off + VHD_HEADER_SIZE, VHD_SECTOR);
  uint64_t blk = (uint64_t)s->bitmap_size + s->block_size;

  end = vhd_max_u64(end, s->bat_off + hvx_round_up((uint64_t)s->max_entries
                                                   * 4, VHD_SECTOR));
  for (int i = 0; i < VHD_LOCATORS; i++)
    if (s->loc[i].code)
      end = vhd_max_u64(end, hvx_round_up(s->loc[i].offset + s->loc[i].extent,
                                          VHD_SECTOR));
  for (uint32_t b = 0; b < s->bat_entries; b++)
    if (s->bat[b] != VHD_BAT_UNUSED &&
        (uint64_t)s->bat[b] * VHD_SECTOR + blk <= filesize)
      end = vhd_max_u64(end, (uint64_t)s->bat[b] * VHD_SECTOR + blk);
  s->footer_off = vhd_max_u64(end, filesize - VHD_FOOTER_SIZE);
}

int vhd_open(struct hvx_image *img)
{
  struct vhd_state *s = hvx_calloc(1, sizeof *s, "vhd state");
  int64_t filesize = hvx_file_size(&img->file);

  if (!s)
    return -1;
  img->priv = s;
  if (filesize < 0 || read_footer(img, s, (uint64_t)filesize) < 0 ||
      parse_footer(img, s) < 0)
    goto fail;
  if (s->type == VHD_TYPE_FIXED) {
    /* A fixed disk is a raw image with a footer: pread, pwrite and zero
     * are positional I/O on the data area (vhd_pread, vhd_pwrite,
     * vhd_zero), block status is SEEK_DATA/SEEK_HOLE, and no data write
     * changes metadata (the footer is only ever rewritten when it came
     * from the copy at offset 0, which only dynamic and differencing
     * disks have).  So, like raw, it may be used from several threads
     * at once. */
    img->thread_safe = true;
    if (img->size > s->footer_off) {
      hvx_set_error(EBADMSG, "vhd: %s: fixed disk of %llu bytes needs a "
                    "file of at least %llu bytes, but the file has %lld "
                    "(truncated?)", img->filename,
                    (unsigned long long)img->size,
                    (unsigned long long)img->size + VHD_FOOTER_SIZE,
                    (long long)filesize);
      goto fail;
    }
  } else {
    if (read_header(img, s, (uint64_t)filesize) < 0 ||
        vhd_parse_locators(img) < 0)
      goto fail;
    if (s->footer_from_copy)
      place_lost_footer(s, (uint64_t)filesize);
    s->zero_sector = hvx_calloc(1, VHD_SECTOR, "vhd sector");
    if (!s->zero_sector)
      goto fail;
    if ((img->flags & HVX_OPEN_WRITE) &&
        hvx_refuse_write_if_corrupt(img, vhd_check_blocks) < 0)
      goto fail;
  }
  s->file_end = s->footer_off + VHD_FOOTER_SIZE;
  /* A writable open repairs a damaged end footer at the first flush. */
  s->footer_dirty = s->footer_from_copy && (img->flags & HVX_OPEN_WRITE);
  if (s->type == VHD_TYPE_DIFF && vhd_open_parent(img) < 0)
    goto fail;
  if (s->type == VHD_TYPE_DYNAMIC && !(img->flags & HVX_OPEN_WRITE)) {
    /* Read-only, a dynamic disk's only shared state is the bitmap
     * cache: under a lock, several threads may read at once (see
     * vhd_pread).  One at a time, a cold-cache conversion from VHD had
     * one read in flight. */
    hvx_lock_enable(&s->lock);
    img->thread_safe = true;
  }
  return 0;

fail:
  vhd_close(img);
  return -1;
}

void vhd_close(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;

  if (!s)
    return;
  hvx_lock_destroy(&s->lock);
  for (int i = 0; i < VHD_BITMAP_SLOTS; i++)
    free(s->cache[i].bits);
  free(s->bat);
  free(s->zero_sector);
  free(s->parent_name);
  free(s->parent_path);
  free(s);
  img->priv = NULL;
}

/* Bytes of the virtual disk that are not stored in this image: the
 * parent's data for a differencing disk, zeros otherwise. */
static int read_unallocated(struct hvx_image *img, uint8_t *buf, size_t n,
                            uint64_t off)
{
  struct vhd_state *s = img->priv;

  if (s->type == VHD_TYPE_DIFF)
    return hvx_read_backing(img, buf, n, off);
  memset(buf, 0, n);
  return 0;
}

/* Length of the run of sectors with the same bitmap bit as the byte at
 * IN (a block offset), up to END; *BIT receives the bit. */
static uint64_t bit_run(const struct vhd_bitmap_slot *c, uint64_t in,
                        uint64_t end, bool *bit)
{
  uint64_t p;

  *bit = c->full || vhd_bit(c->bits, in / VHD_SECTOR);
  if (c->full)
    return end - in;
  p = (in / VHD_SECTOR + 1) * VHD_SECTOR;
  while (p < end && vhd_bit(c->bits, p / VHD_SECTOR) == *bit)
    p += VHD_SECTOR;
  return hvx_min_u64(p, end) - in;
}

int vhd_pread(struct hvx_image *img, void *buf, size_t count,
              uint64_t offset)
{
  struct vhd_state *s = img->priv;
  uint8_t *p = buf;

  if (s->type == VHD_TYPE_FIXED)
    return hvx_file_pread(&img->file, buf, count, offset, "vhd data");
  while (count > 0) {
    uint32_t b = (uint32_t)(offset / s->block_size);
    uint64_t in = offset % s->block_size, blk;
    size_t n = (size_t)hvx_min_u64(count, s->block_size - in);
    struct vhd_bitmap_slot *c;

    if (s->bat[b] == VHD_BAT_UNUSED) {
      if (read_unallocated(img, p, n, offset) < 0)
        return -1;
    } else {
      if (vhd_block_offset(img, b, &blk) < 0)
        return -1;
      blk += s->bitmap_size;
      for (uint64_t i = in; i < in + n; ) {
        bool bit;
        uint64_t r = 0;
        int rc;

        /* The slot may be reused by another thread once unlocked: take
         * the run under the lock, read outside it. */
        hvx_lock(&s->lock);
        if ((c = vhd_bitmap(img, b)))
          r = bit_run(c, i, in + n, &bit);
        hvx_unlock(&s->lock);
        if (!c)
          return -1;
        rc = bit ?
          hvx_file_pread(&img->file, p + (i - in), r, blk + i, "vhd block") :
          read_unallocated(img, p + (i - in), r, offset + (i - in));
        if (rc < 0)
          return -1;
        i += r;
      }
    }
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Status of what the parent (or nothing) provides at OFF. */
static int status_unallocated(struct hvx_image *img, uint64_t off,
                              uint64_t len, uint64_t *pnum, unsigned *flags)
{
  struct vhd_state *s = img->priv;
  struct hvx_image *b = img->backing;

  if (s->type != VHD_TYPE_DIFF || !b || off >= b->size) {
    *pnum = len;
    *flags = HVX_BS_ZERO;
    return 0;
  }
  if (hvx_block_status(b, off, hvx_min_u64(len, b->size - off), pnum,
                       flags) < 0)
    return -1;
  *flags &= ~HVX_BS_ALLOCATED; /* it is stored in the parent, not here */
  return 0;
}

/* One extent starting at OFFSET, never crossing a block boundary. */
static int block_extent(struct hvx_image *img, uint64_t offset,
                        uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct vhd_state *s = img->priv;
  uint32_t b = (uint32_t)(offset / s->block_size);
  uint64_t in = offset % s->block_size;
  uint64_t n = hvx_min_u64(length, s->block_size - in), r;
  struct vhd_bitmap_slot *c;
  bool bit;

  if (s->bat[b] == VHD_BAT_UNUSED)
    return status_unallocated(img, offset, n, pnum, flags);
  if (!(c = vhd_bitmap(img, b)))
    return -1;
  r = bit_run(c, in, in + n, &bit);
  if (!bit)
    return status_unallocated(img, offset, r, pnum, flags);
  *pnum = r;
  *flags = HVX_BS_ALLOCATED;
  return 0;
}

/* The data area of a fixed disk is the start of the file: holes in it
 * read as zeros.  The footer (checked at open) follows the data, so
 * SEEK_DATA finds no data after OFFSET only if the file changed since:
 * call that data, so that reading it reports what is wrong. */
static int fixed_extent(struct hvx_image *img, uint64_t offset,
                        uint64_t length, uint64_t *pnum, unsigned *flags)
{
  return hvx_file_block_status(&img->file, offset, length,
                               HVX_BS_ALLOCATED, pnum, flags);
}

static int dynamic_status(struct hvx_image *img, uint64_t offset,
                          uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct vhd_state *s = img->priv;
  uint64_t n;
  unsigned f;

  if (block_extent(img, offset, length, pnum, flags) < 0)
    return -1;
  /* Merge following extents of the same kind, so that a converter walks
   * a large sparse disk in a few calls -- but only as far as that costs
   * no reading: fetching the bitmaps of the blocks ahead would interleave
   * small reads far ahead of the data being copied, and on a cold cache
   * that seeking made vhd to raw half as fast. */
  while (*pnum < length) {
    uint32_t b = (uint32_t)((offset + *pnum) / s->block_size);
    if (s->bat[b] != VHD_BAT_UNUSED && !bitmap_cached(s, b))
      break;
    if (block_extent(img, offset + *pnum, length - *pnum, &n, &f) < 0)
      return -1;
    if (f != *flags)
      break;
    *pnum += n;
  }
  return 0;
}

/* The stored blocks of the range, from the BAT alone (no bitmaps: a
 * dynamic disk's blocks are read whole or nearly so). */
static void vhd_readahead(struct hvx_image *img, uint64_t offset,
                          uint64_t length)
{
  struct vhd_state *s = img->priv;
  uint64_t end = offset + length;

  if (s->type == VHD_TYPE_FIXED) {
    hvx_file_readahead(&img->file, offset, length);
    return;
  }
  while (offset < end) {
    uint32_t b = (uint32_t)(offset / s->block_size);
    uint64_t in = offset % s->block_size;
    uint64_t n = hvx_min_u64(end - offset, s->block_size - in);

    if (s->bat[b] != VHD_BAT_UNUSED)
      hvx_file_readahead(&img->file, (uint64_t)s->bat[b] * VHD_SECTOR +
                         s->bitmap_size + in, n);
    offset += n;
  }
}

static int vhd_block_status(struct hvx_image *img, uint64_t offset,
                            uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct vhd_state *s = img->priv;
  int r;

  if (s->type == VHD_TYPE_FIXED)
    return fixed_extent(img, offset, length, pnum, flags);
  hvx_lock(&s->lock);
  r = dynamic_status(img, offset, length, pnum, flags);
  hvx_unlock(&s->lock);
  return r;
}

/* The 4-byte creator application, printable: NULs as "\0". */
static void creator_string(const uint8_t *c, char out[17])
{
  char *o = out;

  for (int i = 0; i < 4; i++) {
    if (c[i] >= 0x20 && c[i] < 0x7f && c[i] != '\\')
      *o++ = (char)c[i];
    else if (c[i] == 0)
      o += sprintf(o, "\\0");
    else
      o += sprintf(o, "\\x%02x", c[i]);
  }
  *o = '\0';
}

static void vhd_info(struct hvx_image *img, hvx_info_fn fn, void *opaque)
{
  static const char *const types[] = {
    [VHD_TYPE_FIXED] = "fixed", [VHD_TYPE_DYNAMIC] = "dynamic",
    [VHD_TYPE_DIFF] = "differencing",
  };
  struct vhd_state *s = img->priv;
  const uint8_t *f = s->footer;
  uint32_t ver = hvx_be32(f + VHD_F_CREATOR_VER);
  char buf[64];

#define EMIT(key, ...) (snprintf(buf, sizeof buf, __VA_ARGS__), fn(opaque, key, buf))
  fn(opaque, "subformat", types[s->type]);
  creator_string(f + VHD_F_CREATOR_APP, buf);
  fn(opaque, "creator_app", buf);
  EMIT("creator_version", "%u.%u", ver >> 16, ver & 0xffff);
  creator_string(f + VHD_F_CREATOR_OS, buf);
  fn(opaque, "creator_os", buf);
  EMIT("disk_geometry", "%u/%u/%u", s->chs.cylinders, s->chs.heads,
       s->chs.spt);
  EMIT("current_size", "%llu",
       (unsigned long long)hvx_be64(f + VHD_F_CUR_SIZE));
  EMIT("original_size", "%llu",
       (unsigned long long)hvx_be64(f + VHD_F_ORIG_SIZE));
  fn(opaque, "size_from", s->size_source == VHD_SIZE_CHS ?
     "chs_geometry" : "current_size");
  vhd_format_uuid(f + VHD_F_UUID, buf);
  fn(opaque, "unique_id", buf);
  if (f[VHD_F_SAVED_STATE])
    fn(opaque, "saved_state", "1");
  if (s->footer_from_copy)
    fn(opaque, "footer", "damaged; using the copy at offset 0");
  if (s->type == VHD_TYPE_FIXED)
    return;
  EMIT("block_size", "%u", s->block_size);
  if (s->type != VHD_TYPE_DIFF)
    return;
  vhd_format_uuid(s->header + VHD_H_PARENT_UUID, buf);
  fn(opaque, "parent_uuid", buf);
  if (s->parent_name)
    fn(opaque, "parent_name", s->parent_name);
  if (s->parent_path)
    fn(opaque, "backing_file", s->parent_path);
#undef EMIT
}

const struct hvx_driver hvx_driver_vhd = {
  .name = "vhd",
  .alias = "vpc",
  .probe = vhd_probe,
  .open = vhd_open,
  .create = vhd_create,
  .block_status = vhd_block_status,
  .readahead = vhd_readahead,
  .pread = vhd_pread,
  .pwrite = vhd_pwrite,
  .zero = vhd_zero,
  .flush = vhd_flush,
  .check = vhd_check,
  .info = vhd_info,
  .close = vhd_close,
  .write_granularity = vhd_write_granularity,
};
