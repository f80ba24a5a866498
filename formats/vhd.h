/* hvx - VHD driver internals shared by formats/vhd*.c.
 *
 * Layout (Microsoft "Virtual Hard Disk Image Format Specification"): a
 * 512-byte footer at the end of every image; dynamic and differencing
 * images also start with a copy of it, followed by the 1024-byte dynamic
 * disk header, the block allocation table (BAT, big-endian sector numbers
 * of blocks) and the blocks, each a sector bitmap (MSB first, padded to
 * 512 bytes) followed by block_size bytes of data.  All fields are
 * big-endian. */
#ifndef HVX_VHD_H
#define HVX_VHD_H

#include "internal.h"
#include "vhd-geometry.h"

#define VHD_SECTOR 512u
#define VHD_FOOTER_SIZE 512u
#define VHD_HEADER_SIZE 1024u
#define VHD_BAT_UNUSED 0xFFFFFFFFu

enum { VHD_TYPE_FIXED = 2, VHD_TYPE_DYNAMIC = 3, VHD_TYPE_DIFF = 4 };

/* Footer field offsets. */
#define VHD_F_COOKIE 0
#define VHD_F_FEATURES 8
#define VHD_F_VERSION 12
#define VHD_F_DATA_OFFSET 16
#define VHD_F_TIMESTAMP 24
#define VHD_F_CREATOR_APP 28
#define VHD_F_CREATOR_VER 32
#define VHD_F_CREATOR_OS 36
#define VHD_F_ORIG_SIZE 40
#define VHD_F_CUR_SIZE 48
#define VHD_F_GEOMETRY 56
#define VHD_F_TYPE 60
#define VHD_F_CHECKSUM 64
#define VHD_F_UUID 68
#define VHD_F_SAVED_STATE 84

/* Dynamic disk header field offsets. */
#define VHD_H_COOKIE 0
#define VHD_H_DATA_OFFSET 8
#define VHD_H_TABLE_OFFSET 16
#define VHD_H_VERSION 24
#define VHD_H_MAX_ENTRIES 28
#define VHD_H_BLOCK_SIZE 32
#define VHD_H_CHECKSUM 36
#define VHD_H_PARENT_UUID 40
#define VHD_H_PARENT_TIME 56
#define VHD_H_PARENT_NAME 64
#define VHD_H_PARENT_NAME_SIZE 512
#define VHD_H_LOCATORS 576
#define VHD_LOCATOR_SIZE 24
#define VHD_LOCATORS 8

/* Limits hvx applies to what a file may claim. */
#define VHD_MIN_BLOCK_SIZE 512u
#define VHD_MAX_BLOCK_SIZE (256u << 20)
#define VHD_MAX_BAT_ENTRIES (1u << 24)   /* 64 MiB of BAT in memory */
#define VHD_MAX_LOCATOR_LEN 65536u
/* Windows' limit for dynamic and differencing VHDs (2040 GiB). */
#define VHD_MAX_DYNAMIC_SIZE (2040ull << 30)

/* Seconds from the Unix epoch to the VHD epoch, 2000-01-01 00:00 UTC. */
#define VHD_EPOCH 946684800

/* Platform codes of parent locators. */
#define VHD_PLAT_W2RU 0x57327275u /* "W2ru": relative, UTF-16 */
#define VHD_PLAT_W2KU 0x57326B75u /* "W2ku": absolute, UTF-16 */
#define VHD_PLAT_MACX 0x4D616358u /* "MacX": file URL, UTF-8 */

struct vhd_locator {
  uint32_t code, space, len;
  uint64_t offset;
  uint64_t extent; /* bytes it occupies: space in bytes or in sectors */
};

#define VHD_BITMAP_SLOTS 8

struct vhd_bitmap_slot {
  bool valid, full; /* full: every sector bit is set */
  uint32_t block;
  uint8_t *bits;
};

struct vhd_state {
  int type;
  uint8_t footer[VHD_FOOTER_SIZE]; /* the footer in use, checksum valid */
  struct vhd_chs chs;
  enum vhd_size_source size_source;
  uint64_t footer_off;   /* where the footer lives (at the end) */
  uint64_t file_end;     /* footer_off + 512: the image's end */
  bool footer_from_copy; /* the end footer was damaged: using the copy */
  bool legacy_footer;    /* a pre-2004 511-byte footer */
  bool footer_dirty;     /* the footer must be (re)written at flush */
  bool fresh;            /* created by this handle: nothing earlier to
                            protect, so block allocation needs no syncs */

  /* Dynamic and differencing disks. */
  uint8_t header[VHD_HEADER_SIZE];
  uint64_t header_off, bat_off;
  uint32_t max_entries;  /* the header's max table entries */
  uint32_t bat_entries;  /* entries covering the virtual size */
  uint32_t *bat;         /* host byte order */
  uint32_t block_size, bitmap_size;
  uint64_t data_start;   /* blocks must start at or after this */
  struct vhd_bitmap_slot cache[VHD_BITMAP_SLOTS];
  struct hvx_lock lock;  /* around the bitmap cache, when several threads
                            read a dynamic disk */
  uint8_t *zero_sector;  /* VHD_SECTOR zeros, for partial writes */

  /* Differencing disks. */
  struct vhd_locator loc[VHD_LOCATORS];
  char *parent_name;     /* the header's parent name, UTF-8 */
  char *parent_path;     /* the locator path followed, or NULL */
};

/* vhd.c */
/* The metadata structure [START, START+LEN) overlaps (footer copy,
 * header, BAT, parent locator data), with its offset in *WHERE; or NULL. */
const char *vhd_meta_overlap(const struct vhd_state *s, uint64_t start,
                             uint64_t len, uint64_t *where);
/* Fetch block B's bitmap (B allocated) into the cache. */
struct vhd_bitmap_slot *vhd_bitmap(struct hvx_image *img, uint32_t b);
/* Recompute C->full after C->bits changed. */
void vhd_bitmap_refresh(const struct vhd_state *s, struct vhd_bitmap_slot *c);
/* File offset of block B's bitmap after checking it lies inside the
 * file and outside the metadata; B must be allocated. */
int vhd_block_offset(struct hvx_image *img, uint32_t b, uint64_t *off);
int vhd_pread(struct hvx_image *img, void *buf, size_t count,
              uint64_t offset);
void vhd_format_uuid(const uint8_t *u, char out[37]);
int vhd_open(struct hvx_image *img);
void vhd_close(struct hvx_image *img);

static inline uint64_t vhd_max_u64(uint64_t a, uint64_t b)
{
  return a > b ? a : b;
}

static inline bool vhd_bit(const uint8_t *bits, uint64_t sector)
{
  return bits[sector / 8] & (0x80u >> (sector % 8));
}

static inline void vhd_set_bit(uint8_t *bits, uint64_t sector)
{
  bits[sector / 8] |= (uint8_t)(0x80u >> (sector % 8));
}

/* vhd-write.c */
int vhd_pwrite(struct hvx_image *img, const void *buf, size_t count,
               uint64_t offset);
int vhd_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
             unsigned flags);
int vhd_flush(struct hvx_image *img);
uint32_t vhd_write_granularity(struct hvx_image *img);
/* Seal FOOTER (512 bytes) with its checksum. */
void vhd_seal(uint8_t *buf, size_t len, size_t csum_off);

/* vhd-create.c */
int vhd_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts);

/* vhd-parent.c */
/* Parse the locator table of the header in S (bounds-checked). */
int vhd_parse_locators(struct hvx_image *img);
/* Find, open and verify the parent of a differencing disk. */
int vhd_open_parent(struct hvx_image *img);
/* UTF-8 NAME as UTF-16 (LE or BE) into OUT (MAXLEN bytes); returns the
 * byte length or -1 (EINVAL naming WHAT). */
int vhd_utf16_encode(const char *name, bool le, uint8_t *out, size_t maxlen,
                     const char *what);
/* UTF-16 (LE or BE) bytes to a malloc'd UTF-8 string, stopping at a NUL;
 * NULL on error (EBADMSG naming WHAT). */
char *vhd_utf16_decode(const uint8_t *in, size_t len, bool le,
                       const char *what);

/* vhd-check.c */
int vhd_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque);
int vhd_check_blocks(struct hvx_image *img, hvx_problem_fn fn, void *opaque);

#endif /* HVX_VHD_H */
