/* hvx - writing VHD images.
 *
 * A fixed disk is written in place.  A dynamic or differencing disk
 * allocates a block where the footer is, as the specification says, in
 * an order that leaves a valid footer at the end of the file and every
 * BAT entry on disk pointing at a zeroed bitmap, at every moment, even
 * if the disk reorders writes between syncs: the footer at the new end,
 * sync, the block's zeroed bitmap over the old footer, sync, then the
 * BAT entry, the data and the bitmap bits.  A crash part-way leaves at
 * worst a leaked block.  (An image this handle created skips the two
 * syncs: a crash leaves a partial new file, which hvx convert never
 * renames into place, and syncing each block would slow it down.)
 * On a dynamic disk a bitmap bit that reaches the disk before its data
 * shows the zeros the file holds there, which is what the sector read
 * as before; on a differencing disk the data is synced before its bits
 * are written (in an image opened, not created, by this handle).  A sector whose bitmap bit is clear belongs to the parent
 * (or is zero): a write covering part of one first
 * reads the sector's current content, so the rest of it is kept (for
 * differencing disks in 4 KiB units, see write_unit). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "vhd.h"

void vhd_seal(uint8_t *buf, size_t len, size_t csum_off)
{
  hvx_put_be32(buf + csum_off, 0);
  hvx_put_be32(buf + csum_off, vhd_checksum(buf, len, csum_off));
}

static int write_footer_at(struct hvx_image *img, uint64_t off)
{
  struct vhd_state *s = img->priv;

  vhd_seal(s->footer, VHD_FOOTER_SIZE, VHD_F_CHECKSUM);
  return hvx_file_pwrite(&img->file, s->footer, VHD_FOOTER_SIZE, off);
}

static int alloc_block(struct hvx_image *img, uint32_t b)
{
  struct vhd_state *s = img->priv;
  struct vhd_bitmap_slot *c = &s->cache[b % VHD_BITMAP_SLOTS];
  /* The block goes where the footer is (on a sector boundary: a legacy
   * footer is 511 bytes), packed like Windows' and qemu's; aligning the
   * data to 4 KiB would cost 3.5 KiB a block. */
  uint64_t off = hvx_round_up(s->footer_off, VHD_SECTOR);
  uint64_t end = off + s->bitmap_size + s->block_size;
  uint8_t entry[4];
  uint8_t *zeros;
  int r;

  if (off / VHD_SECTOR >= VHD_BAT_UNUSED)
    return hvx_set_error(EFBIG, "vhd: %s: block at 0x%llx is beyond the "
                         "2 TiB a BAT entry can address", img->filename,
                         (unsigned long long)off);
  if (!c->bits && !(c->bits = hvx_malloc(s->bitmap_size, "vhd bitmap")))
    return -1;
  /* The new footer first, durably: zeroing the old one must never
   * leave the file without a footer at its end. */
  if (write_footer_at(img, end) < 0 ||
      (!s->fresh && hvx_file_sync(&img->file) < 0))
    return -1;
  /* Zero from the old footer to the end of the new bitmap, so no stale
   * footer stays in the middle of the file; durably, before the BAT
   * entry makes the bitmap count. */
  zeros = hvx_calloc(1, end - s->block_size - s->footer_off, "vhd bitmap");
  if (!zeros)
    return -1;
  r = hvx_file_pwrite(&img->file, zeros, end - s->block_size - s->footer_off,
                      s->footer_off);
  free(zeros);
  if (r < 0 || (!s->fresh && hvx_file_sync(&img->file) < 0))
    return -1;
  s->footer_off = end;
  s->file_end = end + VHD_FOOTER_SIZE;
  s->legacy_footer = false;
  hvx_put_be32(entry, (uint32_t)(off / VHD_SECTOR));
  if (hvx_file_pwrite(&img->file, entry, 4, s->bat_off + 4ull * b) < 0)
    return -1;
  s->bat[b] = (uint32_t)(off / VHD_SECTOR);
  memset(c->bits, 0, s->bitmap_size);
  c->block = b;
  c->full = false;
  c->valid = true;
  return 0;
}

/* Write whole sectors: N bytes at block offset IN of block B (both
 * multiples of 512), allocating the block if needed, then set their bits. */
static int write_sectors(struct hvx_image *img, uint32_t b, uint64_t in,
                         const uint8_t *p, uint64_t n)
{
  struct vhd_state *s = img->priv;
  struct vhd_bitmap_slot *c;
  uint64_t blk, first = in / VHD_SECTOR, last = (in + n) / VHD_SECTOR;
  uint64_t lo = UINT64_MAX, hi = 0;

  if (s->bat[b] == VHD_BAT_UNUSED && alloc_block(img, b) < 0)
    return -1;
  if (!(c = vhd_bitmap(img, b)) || vhd_block_offset(img, b, &blk) < 0 ||
      hvx_file_pwrite(&img->file, p, n, blk + s->bitmap_size + in) < 0)
    return -1;
  if (c->full)
    return 0;
  for (uint64_t i = first; i < last; i++)
    if (!vhd_bit(c->bits, i)) {
      vhd_set_bit(c->bits, i);
      lo = hvx_min_u64(lo, i / 8);
      hi = i / 8 + 1;
    }
  if (lo == UINT64_MAX)
    return 0;
  /* On a differencing disk a clear bit means "the parent's data": the
   * data must be durable before its bit is, or a crash could show the
   * child's zeros in place of the parent's sectors.  (A dynamic disk's
   * clear bit reads the same zeros the file holds, so it needs no sync;
   * nor does an image this handle created.) */
  if (s->type == VHD_TYPE_DIFF && !s->fresh &&
      hvx_file_sync(&img->file) < 0)
    return -1;
  vhd_bitmap_refresh(s, c);
  /* Only the bitmap sectors that changed. */
  lo = lo / VHD_SECTOR * VHD_SECTOR;
  hi = hvx_round_up(hi, VHD_SECTOR);
  if (hvx_file_pwrite(&img->file, c->bits + lo, hi - lo, blk + lo) < 0) {
    c->valid = false; /* the file may not hold what the cache does */
    return -1;
  }
  return 0;
}

/* The unit a write is rounded out to.  A differencing disk is written in
 * 4 KiB units when its parent is open: libvhdi (20210425) reads from a
 * present sector to the end of its 4 KiB page from the child, so runs of
 * present sectors must end on 4 KiB boundaries to read back right there
 * -- as they do in images Windows writes.  Elsewhere sectors will do (a
 * dynamic disk's absent sectors are zeros in the file anyway). */
static uint32_t write_unit(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;

  if (s->type == VHD_TYPE_DIFF && img->backing)
    return (uint32_t)hvx_min_u64(4096, s->block_size);
  return VHD_SECTOR;
}

/* Write N bytes at block offset IN that cover only part of one unit of
 * UNIT bytes: merge them into the unit's current content. */
static int write_partial(struct hvx_image *img, uint32_t b, uint64_t in,
                         const uint8_t *p, size_t n, uint32_t unit)
{
  struct vhd_state *s = img->priv;
  uint64_t start = in / unit * unit;
  uint64_t voff = (uint64_t)b * s->block_size + start;
  uint8_t buf[4096];

  if (s->type == VHD_TYPE_DIFF && !img->backing) {
    struct vhd_bitmap_slot *c = NULL;
    if (s->bat[b] != VHD_BAT_UNUSED && !(c = vhd_bitmap(img, b)))
      return -1;
    if (!c || !(c->full || vhd_bit(c->bits, start / VHD_SECTOR)))
      return hvx_set_error(ENOTSUP, "vhd: %s: a write of part of the sector "
                           "at 0x%llx needs the rest of it from the parent, "
                           "which is not open", img->filename,
                           (unsigned long long)voff);
  }
  if (vhd_pread(img, buf, unit, voff) < 0)
    return -1;
  memcpy(buf + (in - start), p, n);
  return write_sectors(img, b, start, buf, unit);
}

/* Write within one block: partial head unit, whole units, partial tail
 * unit. */
static int write_in_block(struct hvx_image *img, uint32_t b, uint64_t in,
                          const uint8_t *p, size_t n)
{
  uint32_t unit = write_unit(img);
  uint64_t head = in % unit, whole;

  if (head) {
    size_t k = (size_t)hvx_min_u64(n, unit - head);
    if (write_partial(img, b, in, p, k, unit) < 0)
      return -1;
    in += k, p += k, n -= k;
  }
  whole = n / unit * unit;
  if (whole && write_sectors(img, b, in, p, whole) < 0)
    return -1;
  in += whole, p += whole, n -= whole;
  return n ? write_partial(img, b, in, p, n, unit) : 0;
}

int vhd_pwrite(struct hvx_image *img, const void *buf, size_t count,
               uint64_t offset)
{
  struct vhd_state *s = img->priv;
  const uint8_t *p = buf;

  if (s->type == VHD_TYPE_FIXED)
    return hvx_file_pwrite(&img->file, buf, count, offset);
  while (count > 0) {
    uint32_t b = (uint32_t)(offset / s->block_size);
    uint64_t in = offset % s->block_size;
    size_t n = (size_t)hvx_min_u64(count, s->block_size - in);

    if (write_in_block(img, b, in, p, n) < 0)
      return -1;
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

int vhd_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
             unsigned flags)
{
  static const uint8_t zeros[65536];
  struct vhd_state *s = img->priv;

  (void)flags;
  if (s->type == VHD_TYPE_FIXED)
    return hvx_file_punch(&img->file, offset, length);
  while (length > 0) {
    uint32_t b = (uint32_t)(offset / s->block_size);
    uint64_t in = offset % s->block_size, blk;
    uint64_t n = hvx_min_u64(length, s->block_size - in);

    if (s->type == VHD_TYPE_DIFF) {
      /* Zeros must hide the parent's data: write them. */
      n = hvx_min_u64(n, sizeof zeros);
      if (write_in_block(img, b, in, zeros, (size_t)n) < 0)
        return -1;
    } else if (s->bat[b] != VHD_BAT_UNUSED) {
      /* Unallocated blocks already read as zeros; in allocated ones the
       * data is zeroed whatever the bitmap says (a clear bit requires
       * zeros on disk anyway). */
      if (vhd_block_offset(img, b, &blk) < 0 ||
          hvx_file_punch(&img->file, blk + s->bitmap_size + in, n) < 0)
        return -1;
    }
    offset += n;
    length -= n;
  }
  return 0;
}

int vhd_flush(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;

  if (s->footer_dirty) {
    /* Repair a damaged end from the copy; the copy itself is rewritten
     * too so both carry the same (re-sealed) bytes. */
    if (write_footer_at(img, s->footer_off) < 0 ||
        write_footer_at(img, 0) < 0)
      return -1;
    s->footer_dirty = false;
  }
  return hvx_file_sync(&img->file);
}

uint32_t vhd_write_granularity(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;

  return s->type == VHD_TYPE_FIXED ? 0 : s->block_size;
}
