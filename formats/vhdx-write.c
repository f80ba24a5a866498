/* hvx - VHDX creation and writes.
 *
 * Crash safety without the log: metadata changes made by writes are
 * each independent BAT entries (a block becoming allocated, zero, or
 * partially present) and sector bitmap bits, so we order the writes
 * instead of journalling them.  New payload blocks go at the end of the
 * file and data is written there at once; the BAT entries and bitmap
 * bits that make it visible stay in memory until a flush, which syncs
 * the data first, then writes bitmaps, syncs, writes the BAT pages and
 * syncs again.  A crash before a flush loses only unflushed writes
 * (their blocks become unreferenced space at the end of the file); an
 * entry or bit on disk never points at data that is not durable.  A new
 * sector bitmap block is made durable, and its BAT entry written, before
 * any payload entry can depend on it.  The log GUID stays zero, so
 * other readers never see a log to replay.
 *
 * Per the spec, before the first change of an open a new header with a
 * new file write GUID (and data write GUID, for a guest-visible change)
 * goes to the non-current header slot, then to the other.
 *
 * Creation options (hvx create -f vhdx -o ...):
 *   subformat=dynamic|fixed|differencing   default dynamic
 *   block_size=SIZE     power of two, 1M..256M; default 32M as Hyper-V
 *                       (qemu picks 8M-32M by disk size), 2M for
 *                       differencing images as Hyper-V's
 *   logical_sector_size=512|4096, physical_sector_size=512|4096
 *                       defaults 512 and 4096 as Hyper-V (a child takes
 *                       its parent's)
 *   log_size=SIZE       multiple of 1M, default 1M
 *   parent=PATH         make a differencing image of the VHDX at PATH
 *                       (size 0 means the parent's size)
 * The layout is Hyper-V's: log at 1 MiB, metadata region next, then the
 * BAT, then payload blocks, everything 1 MiB-aligned.  A fixed image has
 * every block allocated (as a sparse file) and LeaveBlocksAllocated set.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "endian.h"
#include "vhdx.h"

#define DEFAULT_BLOCK (32u << 20)     /* Hyper-V's default */
#define DEFAULT_DIFF_BLOCK (2u << 20) /* Hyper-V's differencing disks */
#define DEFAULT_LOG VHDX_MIB

int vhdx_update_headers(struct vhdx *s)
{
  uint8_t buf[VHDX_HEADER_SIZE];
  struct hvx_file *f = &s->img->file;

  /* A wrapped sequence number would make the older header current. */
  if (s->hdr.seq > UINT64_MAX - 2)
    return hvx_set_error(EBADMSG, "vhdx: %s: header sequence number %llu "
                         "cannot be increased", s->img->filename,
                         (unsigned long long)s->hdr.seq);
  /* Twice, so both slots end up current; each write goes to the slot
   * not holding the current header, so one valid copy always exists. */
  for (int k = 0; k < 2; k++) {
    int slot = !s->cur_slot;
    s->hdr.seq++;
    vhdx_build_header(buf, &s->hdr);
    if (hvx_file_pwrite(f, buf, sizeof buf, VHDX_HEADER_SLOT(slot)) < 0 ||
        hvx_file_sync(f) < 0)
      return -1;
    s->cur_slot = slot;
    s->hdr_valid[slot] = true;
  }
  return 0;
}

static int begin_write(struct vhdx *s)
{
  if (s->file_guid_done && s->data_guid_done)
    return 0;
  if (vhdx_guid_generate(&s->hdr.file_write) < 0 ||
      vhdx_guid_generate(&s->hdr.data_write) < 0 ||
      vhdx_update_headers(s) < 0)
    return -1;
  s->file_guid_done = s->data_guid_done = true;
  return 0;
}

static void set_bat(struct vhdx *s, uint64_t idx, uint64_t v)
{
  s->bat[idx] = v;
  s->bat_dirty[idx / 512] = 1;
  s->any_bat_dirty = true;
}

/* LEN bytes of new space at the end of the file, 1 MiB-aligned; it
 * reads as zeros. */
static int alloc_space(struct vhdx *s, uint64_t len, uint64_t *off)
{
  uint64_t at = hvx_round_up(s->file_size, VHDX_MIB);

  if (at > (uint64_t)INT64_MAX - len)
    return hvx_set_error(EFBIG, "vhdx: %s: file would grow past the largest "
                         "offset", s->img->filename);
  if (hvx_file_truncate(&s->img->file, at + len) < 0)
    return -1;
  s->file_size = at + len;
  *off = at;
  return 0;
}

/* Make sure chunk C has a sector bitmap block, durably. */
static int ensure_sector_bitmap(struct vhdx *s, uint64_t c)
{
  uint64_t idx = vhdx_sb_index(s, c), off;
  uint8_t le[8];

  if (VHDX_BAT_STATE(s->bat[idx]) == VHDX_SB_PRESENT)
    return 0;
  if (alloc_space(s, VHDX_MIB, &off) < 0 ||
      hvx_file_sync(&s->img->file) < 0)
    return -1;
  s->bat[idx] = VHDX_BAT_ENTRY(off, VHDX_SB_PRESENT);
  hvx_put_le64(le, s->bat[idx]);
  if (hvx_file_pwrite(&s->img->file, le, 8, s->bat_region.offset + idx * 8) < 0)
    return -1;
  return hvx_file_sync(&s->img->file);
}

/* A write must never land on the file's own structures, whatever a
 * damaged BAT says. */
static int check_block_target(struct vhdx *s, uint64_t blk, uint64_t off)
{
  const struct { uint64_t off, len; const char *name; } r[] = {
    { s->bat_region.offset, s->bat_region.length, "BAT" },
    { s->meta_region.offset, s->meta_region.length, "metadata region" },
    { s->hdr.log_offset, s->hdr.log_length, "log" },
  };

  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (off < r[i].off + r[i].len && r[i].off < off + s->block_size)
      return hvx_set_error(EBADMSG, "vhdx: %s: payload block %llu at 0x%llx "
                           "overlaps the %s at 0x%llx; refusing to write",
                           s->img->filename, (unsigned long long)blk,
                           (unsigned long long)off, r[i].name,
                           (unsigned long long)r[i].off);
  return 0;
}

static void set_bits(uint8_t *bits, uint64_t from, uint64_t to)
{
  for (uint64_t i = from; i < to; i++)
    bits[i / 8] |= (uint8_t)(1u << (i & 7));
}

static bool all_set(const uint8_t *bits, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (bits[i] != 0xff)
      return false;
  return true;
}

/* Write into a partially present block at file offset OFF: the sectors
 * written become this file's; a sector only partly written is first
 * filled with what it read as (from the parent). */
static int write_partial(struct vhdx *s, uint64_t blk, uint64_t off,
                         const uint8_t *buf, uint32_t in, size_t n)
{
  struct hvx_image *img = s->img;
  uint64_t vbase = blk * s->block_size;
  uint32_t a = in / s->lss * s->lss, b;
  uint8_t *bits, sector[4096];

  b = (uint32_t)hvx_round_up(in + n, s->lss);
  for (int edge = 0; edge < 2; edge++) {
    uint32_t sec = edge ? b - s->lss : a;
    uint32_t lo = in > sec ? in : sec;
    uint32_t hi = (uint32_t)hvx_min_u64(in + n, sec + s->lss);
    if ((lo == sec && hi == sec + s->lss) || (edge && sec == a))
      continue; /* whole sector written, or the head already done */
    if (vhdx_pread(img, sector, s->lss, vbase + sec) < 0)
      return -1;
    memcpy(sector + (lo - sec), buf + (lo - in), hi - lo);
    if (hvx_file_pwrite(&img->file, sector, s->lss, off + sec) < 0)
      return -1;
  }
  {
    /* The whole sectors in between go straight to the file. */
    uint32_t lo = (uint32_t)hvx_round_up(in, s->lss);
    uint32_t hi = (uint32_t)((in + n) / s->lss * s->lss);
    if (hi > lo && hvx_file_pwrite(&img->file, buf + (lo - in), hi - lo,
                                   off + lo) < 0)
      return -1;
  }
  bits = vhdx_bitmap_get(s, blk);
  if (!bits)
    return -1;
  vhdx_bitmap_mark(s, blk);
  set_bits(bits, a / s->lss, b / s->lss);
  if (all_set(bits, s->bitmap_bytes))
    set_bat(s, vhdx_payload_index(s, blk),
            VHDX_BAT_ENTRY(off, VHDX_PAYLOAD_FULLY_PRESENT));
  return 0;
}

/* Write BUF[0..N) at offset IN of payload block BLK. */
static int write_block(struct vhdx *s, uint64_t blk, const uint8_t *buf,
                       uint32_t in, size_t n)
{
  uint64_t idx = vhdx_payload_index(s, blk), off;
  unsigned st;

  if (vhdx_block_state(s, blk, &st, &off) < 0)
    return -1;
  if (st == VHDX_PAYLOAD_FULLY_PRESENT || st == VHDX_PAYLOAD_PARTIALLY_PRESENT) {
    if (check_block_target(s, blk, off) < 0)
      return -1;
    if (st == VHDX_PAYLOAD_PARTIALLY_PRESENT)
      return write_partial(s, blk, off, buf, in, n);
    return hvx_file_pwrite(&s->img->file, buf, n, off + in);
  }
  if (s->has_parent && st == VHDX_PAYLOAD_NOT_PRESENT &&
      n < s->block_size) {
    /* The rest of the block still comes from the parent. */
    uint8_t *bits;
    if (ensure_sector_bitmap(s, blk / s->chunk_ratio) < 0 ||
        alloc_space(s, s->block_size, &off) < 0)
      return -1;
    bits = vhdx_bitmap_get(s, blk);
    if (!bits)
      return -1;
    vhdx_bitmap_mark(s, blk);
    memset(bits, 0, s->bitmap_bytes);
    set_bat(s, idx, VHDX_BAT_ENTRY(off, VHDX_PAYLOAD_PARTIALLY_PRESENT));
    return write_partial(s, blk, off, buf, in, n);
  }
  /* Everything else reads as zeros, which is what new space holds. */
  if (alloc_space(s, s->block_size, &off) < 0 ||
      hvx_file_pwrite(&s->img->file, buf, n, off + in) < 0)
    return -1;
  set_bat(s, idx, VHDX_BAT_ENTRY(off, VHDX_PAYLOAD_FULLY_PRESENT));
  return 0;
}

int vhdx_pwrite(struct hvx_image *img, const void *buf, size_t count,
                uint64_t offset)
{
  struct vhdx *s = img->priv;
  const uint8_t *p = buf;

  if (begin_write(s) < 0)
    return -1;
  while (count > 0) {
    uint64_t blk = offset / s->block_size;
    uint32_t in = (uint32_t)(offset % s->block_size);
    size_t n = (size_t)hvx_min_u64(count, s->block_size - in);
    if (write_block(s, blk, p, in, n) < 0)
      return -1;
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

static int write_zeros(struct hvx_image *img, uint64_t offset, uint64_t len)
{
  static const uint8_t zeros[65536];

  while (len > 0) {
    size_t n = (size_t)hvx_min_u64(len, sizeof zeros);
    if (vhdx_pwrite(img, zeros, n, offset) < 0)
      return -1;
    offset += n;
    len -= n;
  }
  return 0;
}

int vhdx_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
              unsigned flags)
{
  struct vhdx *s = img->priv;

  if (begin_write(s) < 0)
    return -1;
  while (length > 0) {
    uint64_t blk = offset / s->block_size, off;
    uint32_t in = (uint32_t)(offset % s->block_size);
    uint64_t n = hvx_min_u64(length, s->block_size - in);
    bool whole = in == 0 && (n == s->block_size ||
                             offset + n == img->size);
    unsigned st;

    if (vhdx_block_state(s, blk, &st, &off) < 0)
      return -1;
    if (st == VHDX_PAYLOAD_ZERO || st == VHDX_PAYLOAD_UNMAPPED ||
        st == VHDX_PAYLOAD_UNDEFINED ||
        (st == VHDX_PAYLOAD_NOT_PRESENT && !s->has_parent)) {
      /* Reads as zeros already. */
    } else if (whole && (flags & HVX_ZERO_MAY_UNMAP) &&
               (s->has_parent || !s->leave_allocated)) {
      /* The old space becomes unreferenced: never reused, so a crash
       * cannot leave a stale entry pointing at new data. */
      set_bat(s, vhdx_payload_index(s, blk),
              VHDX_BAT_ENTRY(0, VHDX_PAYLOAD_ZERO));
    } else if (st == VHDX_PAYLOAD_FULLY_PRESENT &&
               (flags & HVX_ZERO_MAY_UNMAP)) {
      if (check_block_target(s, blk, off) < 0 ||
          hvx_file_punch(&img->file, off + in, n) < 0)
        return -1;
    } else if (write_zeros(img, offset, n) < 0) {
      return -1;
    }
    offset += n;
    length -= n;
  }
  return 0;
}

int vhdx_flush(struct hvx_image *img)
{
  struct vhdx *s = img->priv;
  struct hvx_file *f = &img->file;
  bool wrote = false;
  uint8_t page[4096];

  if (!(img->flags & HVX_OPEN_WRITE))
    return 0;
  /* 1. payload data (and the file's new size) */
  if (hvx_file_sync(f) < 0)
    return -1;
  /* 2. sector bitmap bits for that data */
  for (int i = 0; i < VHDX_BITMAP_CACHE; i++) {
    struct vhdx_bitmap *b = &s->bm[i];
    uint64_t e;
    if (!b->used || !b->dirty)
      continue;
    e = s->bat[vhdx_sb_index(s, b->block / s->chunk_ratio)];
    if (hvx_file_pwrite(f, b->bits, s->bitmap_bytes, VHDX_BAT_OFFSET(e) +
                        (b->block % s->chunk_ratio) * s->bitmap_bytes) < 0)
      return -1;
    b->dirty = false;
    wrote = true;
  }
  if (wrote && hvx_file_sync(f) < 0)
    return -1;
  /* 3. the BAT entries that make it all visible */
  if (!s->any_bat_dirty)
    return 0;
  for (uint64_t p = 0; p < s->bat_alloc / 512; p++) {
    if (!s->bat_dirty[p])
      continue;
    for (int i = 0; i < 512; i++)
      hvx_put_le64(page + 8 * i, s->bat[p * 512 + i]);
    if (hvx_file_pwrite(f, page, sizeof page,
                        s->bat_region.offset + p * 4096) < 0)
      return -1;
    s->bat_dirty[p] = 0;
  }
  s->any_bat_dirty = false;
  return hvx_file_sync(f);
}

/* ---- creation ------------------------------------------------------- */

struct create_params {
  uint64_t size, block_size, lss, pss, log_size;
  bool fixed;
  const char *parent;
  vhdx_guid parent_link, page83;
  bool have_page83;
  char *rel_path, *abs_path; /* Windows spelling */
};

/* PATH relative to directory DIR (both absolute and canonical), with
 * Windows separators: "..\\dir\\parent.vhdx", ".\\parent.vhdx". */
static char *relative_win_path(const char *dir, const char *path)
{
  size_t i = 0, common = 0, ups = 0;
  const char *rest;
  char *out, *o;

  /* The longest common prefix that ends at a '/' of both. */
  while (dir[i] && dir[i] == path[i]) {
    if (dir[i] == '/')
      common = i;
    i++;
  }
  if (dir[i] == '\0' && path[i] == '/')
    common = i;
  for (const char *c = dir + common; *c; c++)
    if (*c == '/' && c[1] && c[1] != '/')
      ups++;
  rest = path + common + 1;
  out = hvx_malloc(3 * ups + strlen(rest) + 3, "relative path");
  if (!out)
    return NULL;
  o = out;
  if (ups == 0) {
    memcpy(o, ".\\", 2);
    o += 2;
  }
  for (size_t k = 0; k < ups; k++, o += 3)
    memcpy(o, "..\\", 3);
  strcpy(o, rest);
  for (; *o; o++)
    if (*o == '/')
      *o = '\\';
  return out;
}

static int parent_params(struct hvx_image *img, struct create_params *p)
{
  char *ppath = realpath(p->parent, NULL), *cpath = realpath(img->filename,
                                                             NULL);
  char *slash;
  hvx_image *par = NULL;
  struct vhdx *ps;
  int r = -1;

  if (!ppath || !cpath) {
    hvx_set_error(errno, "vhdx: parent %s: %s", p->parent, strerror(errno));
    goto out;
  }
  par = hvx_open(ppath, "vhdx", HVX_OPEN_NO_BACKING);
  if (!par) {
    hvx_prefix_error("vhdx: parent %s", p->parent);
    goto out;
  }
  ps = par->priv;
  p->parent_link = ps->hdr.data_write;
  if (p->size == 0)
    p->size = par->size;
  if (p->size != par->size) {
    hvx_set_error(EINVAL, "vhdx: size %llu differs from the parent's %llu "
                  "(give 0 to take the parent's)",
                  (unsigned long long)p->size,
                  (unsigned long long)par->size);
    goto out;
  }
  /* The child is the same disk to the guest (as a Hyper-V checkpoint
   * is): same virtual disk ID, same sector sizes unless asked. */
  p->page83 = ps->page83;
  p->have_page83 = true;
  if (p->pss == 0)
    p->pss = ps->pss;
  if (p->lss == 0)
    p->lss = ps->lss;
  if (p->lss != ps->lss) {
    hvx_set_error(EINVAL, "vhdx: logical sector size %llu differs from the "
                  "parent's %u", (unsigned long long)p->lss, ps->lss);
    goto out;
  }
  slash = strrchr(cpath, '/');
  slash[slash == cpath] = '\0';
  p->rel_path = relative_win_path(cpath, ppath);
  p->abs_path = hvx_strdup(ppath);
  if (!p->rel_path || !p->abs_path)
    goto out;
  for (char *c = p->abs_path; *c; c++)
    if (*c == '/')
      *c = '\\';
  r = 0;
out:
  hvx_close(par);
  free(ppath);
  free(cpath);
  return r;
}

static int parse_create_options(struct hvx_image *img, uint64_t size,
                                struct hvx_opts *o, struct create_params *p)
{
  const char *sub = hvx_opts_take(o, "subformat");

  memset(p, 0, sizeof *p);
  p->size = size;
  p->log_size = DEFAULT_LOG;
  p->parent = hvx_opts_take(o, "parent");
  if (hvx_opts_take_size(o, "block_size", &p->block_size) < 0 ||
      hvx_opts_take_size(o, "logical_sector_size", &p->lss) < 0 ||
      hvx_opts_take_size(o, "physical_sector_size", &p->pss) < 0 ||
      hvx_opts_take_size(o, "log_size", &p->log_size) < 0 ||
      hvx_opts_check_all_taken(o, "vhdx") < 0)
    return -1;
  if (sub && strcmp(sub, "fixed") == 0)
    p->fixed = true;
  else if (sub && strcmp(sub, "dynamic") != 0 &&
           strcmp(sub, "differencing") != 0)
    return hvx_set_error(EINVAL, "vhdx: subformat '%s' is not fixed, "
                         "dynamic or differencing", sub);
  if (sub && (strcmp(sub, "differencing") == 0) != (p->parent != NULL))
    return hvx_set_error(EINVAL, "vhdx: subformat=differencing goes with "
                         "parent=PATH, and only it");
  if (p->fixed && p->parent)
    return hvx_set_error(EINVAL, "vhdx: a fixed image cannot have a parent");
  if (!p->block_size)
    p->block_size = p->parent ? DEFAULT_DIFF_BLOCK : DEFAULT_BLOCK;
  if (p->block_size < VHDX_MIN_BLOCK || p->block_size > VHDX_MAX_BLOCK ||
      !hvx_is_pow2(p->block_size))
    return hvx_set_error(EINVAL, "vhdx: block_size %llu is not a power of two "
                         "from 1 MiB to 256 MiB",
                         (unsigned long long)p->block_size);
  if (p->log_size < VHDX_MIB || p->log_size % VHDX_MIB ||
      p->log_size > (1u << 30))
    return hvx_set_error(EINVAL, "vhdx: log_size %llu is not a multiple of "
                         "1 MiB from 1 MiB to 1 GiB",
                         (unsigned long long)p->log_size);
  if (p->parent && parent_params(img, p) < 0)
    return -1;
  if (!p->lss)
    p->lss = 512;
  if (!p->pss)
    p->pss = 4096;
  if ((p->lss != 512 && p->lss != 4096) || (p->pss != 512 && p->pss != 4096))
    return hvx_set_error(EINVAL, "vhdx: sector sizes must be 512 or 4096 "
                         "(logical %llu, physical %llu)",
                         (unsigned long long)p->lss,
                         (unsigned long long)p->pss);
  if (p->size > VHDX_MAX_SIZE)
    return hvx_set_error(EFBIG, "vhdx: size %llu exceeds the format's 64 TiB",
                         (unsigned long long)p->size);
  if (p->size % p->lss)
    return hvx_set_error(EINVAL, "vhdx: size %llu is not a multiple of the "
                         "logical sector size %llu",
                         (unsigned long long)p->size,
                         (unsigned long long)p->lss);
  return 0;
}

/* One parent locator key/value pair into ITEM at *POS; returns the
 * entry's bytes or 0 if it does not fit. */
static size_t put_kv(uint8_t *item, size_t cap, size_t *pos, int idx,
                     const char *key, const char *value)
{
  size_t kl = vhdx_utf8_to_utf16(key, NULL, 0);
  size_t vl = vhdx_utf8_to_utf16(value, NULL, 0);
  uint8_t *e = item + 20 + 12 * idx;

  if (*pos + kl + vl > cap || kl > 65535 || vl > 65535)
    return 0;
  hvx_put_le32(e, (uint32_t)*pos);
  vhdx_utf8_to_utf16(key, item + *pos, kl);
  *pos += kl;
  hvx_put_le32(e + 4, (uint32_t)*pos);
  vhdx_utf8_to_utf16(value, item + *pos, vl);
  *pos += vl;
  hvx_put_le16(e + 8, (uint16_t)kl);
  hvx_put_le16(e + 10, (uint16_t)vl);
  return kl + vl;
}

static void put_meta_entry(uint8_t *table, int i, const vhdx_guid *g,
                           uint32_t off, uint32_t len, uint32_t flags)
{
  uint8_t *e = table + 32 + 32 * i;

  memcpy(e, g->b, 16);
  hvx_put_le32(e + 16, off);
  hvx_put_le32(e + 20, len);
  hvx_put_le32(e + 24, flags);
}

enum { META_VIRTUAL_DISK = 2, META_REQUIRED = 4 };

/* The metadata region's first 64 KiB table and its items. */
static int build_metadata(uint8_t *m, const struct create_params *p)
{
  uint32_t at = VHDX_META_TABLE_SIZE;
  vhdx_guid page83 = p->page83;
  int n = 0;

  if (!p->have_page83 && vhdx_guid_generate(&page83) < 0)
    return -1;
  memcpy(m, "metadata", 8);
  /* The order Hyper-V uses. */
  put_meta_entry(m, n++, &vhdx_guid_file_params, at, 8, META_REQUIRED);
  hvx_put_le32(m + at, (uint32_t)p->block_size);
  hvx_put_le32(m + at + 4, (p->fixed ? 1u : 0) | (p->parent ? 2u : 0));
  at += 8;
  put_meta_entry(m, n++, &vhdx_guid_vsize, at, 8,
                 META_REQUIRED | META_VIRTUAL_DISK);
  hvx_put_le64(m + at, p->size);
  at += 8;
  put_meta_entry(m, n++, &vhdx_guid_lss, at, 4,
                 META_REQUIRED | META_VIRTUAL_DISK);
  hvx_put_le32(m + at, (uint32_t)p->lss);
  at += 4;
  put_meta_entry(m, n++, &vhdx_guid_pss, at, 4,
                 META_REQUIRED | META_VIRTUAL_DISK);
  hvx_put_le32(m + at, (uint32_t)p->pss);
  at += 4;
  put_meta_entry(m, n++, &vhdx_guid_page83, at, 16,
                 META_REQUIRED | META_VIRTUAL_DISK);
  memcpy(m + at, page83.b, 16);
  at += 16;
  if (p->parent) {
    uint8_t *item = m + at;
    size_t pos = 20 + 12 * 3, cap = VHDX_MIB - at;
    char link[39];
    vhdx_guid_format(&p->parent_link, link, true);
    memcpy(item, vhdx_guid_locator_type.b, 16);
    hvx_put_le16(item + 18, 3);
    if (!put_kv(item, cap, &pos, 0, "parent_linkage", link) ||
        !put_kv(item, cap, &pos, 1, "relative_path", p->rel_path) ||
        !put_kv(item, cap, &pos, 2, "absolute_win32_path", p->abs_path))
      return hvx_set_error(EINVAL, "vhdx: parent path too long for the "
                           "parent locator");
    put_meta_entry(m, n++, &vhdx_guid_parent_locator, at, (uint32_t)pos,
                   META_REQUIRED);
  }
  hvx_put_le16(m + 10, (uint16_t)n);
  return 0;
}

/* Write the 4 KiB pages of BUF that are not all zero: the file is
 * sparse and the rest reads as zeros already, so a new image allocates
 * only its structures (writing the first MiB and the metadata region
 * whole allocated half a MiB more than qemu-img's images). */
static int write_pages(struct hvx_file *f, const uint8_t *buf, size_t len,
                       uint64_t off)
{
  for (size_t at = 0; at < len; ) {
    size_t start;
    if (hvx_is_zero(buf + at, hvx_min_u64(4096, len - at))) {
      at += 4096;
      continue;
    }
    start = at;
    while (at < len && !hvx_is_zero(buf + at, hvx_min_u64(4096, len - at)))
      at += 4096;
    if (hvx_file_pwrite(f, buf + start, hvx_min_u64(at, len) - start,
                        off + start) < 0)
      return -1;
  }
  return 0;
}

static int write_layout(struct hvx_image *img, const struct create_params *p)
{
  struct hvx_file *f = &img->file;
  uint64_t log_off = VHDX_MIB, meta_off = log_off + p->log_size;
  uint64_t bat_off = meta_off + VHDX_MIB, nblocks, nchunks, entries, cr,
    bat_len, data_off, end;
  uint8_t *buf;
  struct vhdx_header h = { 0 };
  char creator[64];
  int r = -1;

  cr = (8388608ull * p->lss) / p->block_size;
  nblocks = hvx_div_round_up(p->size, p->block_size);
  nchunks = hvx_div_round_up(nblocks, cr);
  entries = p->parent ? nchunks * (cr + 1) :
            nblocks ? nblocks + (nblocks - 1) / cr : 0;
  bat_len = hvx_round_up(entries ? entries * 8 : 1, VHDX_MIB);
  if (bat_len > UINT32_MAX)
    return hvx_set_error(EFBIG, "vhdx: a BAT of %llu bytes does not fit in "
                         "a region (use a larger block_size)",
                         (unsigned long long)bat_len);
  data_off = bat_off + bat_len;
  end = p->fixed ? data_off + nblocks * p->block_size : data_off;

  buf = hvx_calloc(1, VHDX_MIB, "vhdx layout buffer");
  if (!buf)
    return -1;
  /* File identifier, both headers, both region tables: the first MiB. */
  memcpy(buf, "vhdxfile", 8);
  snprintf(creator, sizeof creator, "hvx %s", PACKAGE_VERSION);
  vhdx_utf8_to_utf16(creator, buf + 8, 512);
  if (vhdx_guid_generate(&h.file_write) < 0 ||
      vhdx_guid_generate(&h.data_write) < 0)
    goto out;
  h.version = 1;
  h.log_length = (uint32_t)p->log_size;
  h.log_offset = log_off;
  for (int i = 0; i < 2; i++) {
    h.seq = (uint64_t)i + 1;
    vhdx_build_header(buf + VHDX_HEADER_SLOT(i), &h);
  }
  {
    uint8_t *rt = buf + VHDX_RT_OFFSET(0);
    memcpy(rt, "regi", 4);
    hvx_put_le32(rt + 8, 2);
    memcpy(rt + 16, vhdx_guid_bat.b, 16);
    hvx_put_le64(rt + 32, bat_off);
    hvx_put_le32(rt + 40, (uint32_t)bat_len);
    hvx_put_le32(rt + 44, 1); /* required */
    memcpy(rt + 48, vhdx_guid_metadata.b, 16);
    hvx_put_le64(rt + 64, meta_off);
    hvx_put_le32(rt + 72, VHDX_MIB);
    hvx_put_le32(rt + 76, 1);
    hvx_put_le32(rt + 4, hvx_crc32c(0, rt, VHDX_RT_SIZE));
    memcpy(buf + VHDX_RT_OFFSET(1), rt, VHDX_RT_SIZE);
  }
  if (hvx_file_truncate(f, end) < 0 || write_pages(f, buf, VHDX_MIB, 0) < 0)
    goto out;
  memset(buf, 0, VHDX_MIB);
  if (build_metadata(buf, p) < 0 || write_pages(f, buf, VHDX_MIB, meta_off) < 0)
    goto out;
  if (p->fixed) {
    /* Every block allocated, in order, 1 MiB at a time of BAT. */
    for (uint64_t e = 0; e < entries; e += VHDX_MIB / 8) {
      uint64_t n = hvx_min_u64(entries - e, VHDX_MIB / 8);
      memset(buf, 0, VHDX_MIB);
      for (uint64_t i = 0; i < n; i++) {
        uint64_t idx = e + i, blk = idx - idx / (cr + 1);
        if (idx % (cr + 1) == cr)
          continue; /* sector bitmap entry: not present */
        hvx_put_le64(buf + 8 * i, VHDX_BAT_ENTRY(data_off + blk *
                                                 p->block_size,
                                                 VHDX_PAYLOAD_FULLY_PRESENT));
      }
      if (hvx_file_pwrite(f, buf, (size_t)n * 8, bat_off + e * 8) < 0)
        goto out;
    }
  }
  r = 0;
out:
  free(buf);
  return r;
}

int vhdx_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts)
{
  struct create_params p;
  unsigned flags = img->flags;
  struct vhdx *s;
  int r = -1;

  if (parse_create_options(img, size, opts, &p) < 0 ||
      write_layout(img, &p) < 0)
    goto out;
  /* Open what we wrote the normal way, so it is validated too.  The
   * caller named the parent, so it may be anywhere. */
  img->flags |= HVX_OPEN_BACKING_ANYWHERE;
  r = vhdx_open(img);
  img->flags = flags;
  if (r < 0)
    goto out;
  s = img->priv;
  s->file_guid_done = s->data_guid_done = true;
out:
  free(p.rel_path);
  free(p.abs_path);
  return r;
}
