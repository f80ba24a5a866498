/* hvx - VHDX driver internals shared by formats/vhdx*.c.
 *
 * Layout (Microsoft [MS-VHDX]): a 1 MiB header section (file identifier
 * at 0, two headers at 64 and 128 KiB, two copies of the region table at
 * 192 and 256 KiB), then 1 MiB-aligned objects anywhere in the file: the
 * log, the metadata region, the block allocation table (BAT), payload
 * blocks and sector bitmap blocks.  All integers are little-endian;
 * headers and region tables carry a CRC-32C. */
#ifndef HVX_VHDX_H
#define HVX_VHDX_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

#define VHDX_MIB (1ull << 20)
#define VHDX_HEADER_SLOT(i) (((uint64_t)(i) + 1) * 65536) /* 64K, 128K */
#define VHDX_HEADER_SIZE 4096
#define VHDX_RT_OFFSET(i) (((uint64_t)(i) + 3) * 65536)   /* 192K, 256K */
#define VHDX_RT_SIZE 65536
#define VHDX_RT_MAX_ENTRIES 2047
#define VHDX_META_TABLE_SIZE 65536
#define VHDX_META_MAX_ENTRIES 2047
#define VHDX_META_ITEM_MAX VHDX_MIB
#define VHDX_LOG_SECTOR 4096
#define VHDX_MIN_BLOCK VHDX_MIB
#define VHDX_MAX_BLOCK (256 * VHDX_MIB)
#define VHDX_MAX_SIZE (64ull << 40) /* largest virtual disk: 64 TiB */
/* Largest file offset a log entry may claim (LastFileOffset): the
 * largest disk plus room for its metadata, so a hostile log cannot make
 * us extend a file to exabytes. */
#define VHDX_MAX_FILE_OFFSET (VHDX_MAX_SIZE + (4ull << 40))

/* BAT entry: state in bits 0-2, file offset in MiB in bits 20-63. */
#define VHDX_BAT_STATE(e) ((unsigned)((e) & 7))
#define VHDX_BAT_OFFSET(e) ((e) >> 20 << 20)
#define VHDX_BAT_ENTRY(off, state) ((uint64_t)(off) | (uint64_t)(state))

enum {
  VHDX_PAYLOAD_NOT_PRESENT = 0,
  VHDX_PAYLOAD_UNDEFINED = 1,
  VHDX_PAYLOAD_ZERO = 2,
  VHDX_PAYLOAD_UNMAPPED = 3,
  VHDX_PAYLOAD_UNMAPPED_V095 = 5, /* draft 0.95 spelling of UNMAPPED */
  VHDX_PAYLOAD_FULLY_PRESENT = 6,
  VHDX_PAYLOAD_PARTIALLY_PRESENT = 7,
  VHDX_SB_NOT_PRESENT = 0,
  VHDX_SB_PRESENT = 6,
};

/* GUIDs are kept as their 16 on-disk bytes (Data1-3 little-endian). */
typedef struct { uint8_t b[16]; } vhdx_guid;

extern const vhdx_guid vhdx_guid_bat, vhdx_guid_metadata,
  vhdx_guid_file_params, vhdx_guid_vsize, vhdx_guid_page83,
  vhdx_guid_lss, vhdx_guid_pss, vhdx_guid_parent_locator,
  vhdx_guid_locator_type;

struct vhdx_header {
  uint64_t seq;
  vhdx_guid file_write, data_write, log;
  uint16_t log_version, version;
  uint32_t log_length;
  uint64_t log_offset;
};

struct vhdx_region {
  uint64_t offset;
  uint32_t length;
};

struct vhdx_kv {
  char *key, *value; /* UTF-8 */
};

/* One write the log replay makes: LENGTH bytes at TARGET, zeros if
 * SRC is UINT64_MAX, else the log data sector at file offset SRC whose
 * first 8 and last 4 bytes are kept in LEAD/TRAIL (the sector holds
 * signature and sequence number there). */
struct vhdx_log_op {
  uint64_t target, length, src;
  uint8_t lead[8], trail[4];
};

/* The result of validating the log: what replay will do. */
struct vhdx_replay {
  struct vhdx_log_op *ops;
  size_t nops;
  uint64_t lo, hi;             /* range of file offsets the ops touch */
  uint64_t last_file_offset;   /* head entry's LastFileOffset */
  uint64_t head_seq, tail_pos, head_pos;
  uint32_t entries;
};

/* A cached sector bitmap of one payload block (differencing disks). */
struct vhdx_bitmap {
  uint64_t block;
  uint8_t *bits;
  bool dirty, used;
};

#define VHDX_BITMAP_CACHE 32

struct vhdx {
  struct hvx_image *img;
  uint64_t file_size;      /* grows as we allocate */
  struct vhdx_header hdr;  /* the current header */
  int cur_slot;            /* which header slot holds it */
  bool hdr_valid[2];
  char creator[256 * 3 + 1];

  struct vhdx_region bat_region, meta_region;
  uint32_t block_size, lss, pss;
  bool leave_allocated, has_parent;
  uint64_t vsize;
  vhdx_guid page83;
  uint64_t chunk_ratio, nblocks, nchunks, bat_entries;
  uint32_t bitmap_bytes;   /* sector bitmap bytes per payload block */

  uint64_t *bat;           /* in memory, host order */
  uint64_t bat_alloc;      /* entries in BAT (whole 4 KiB pages) */
  uint8_t *bat_dirty;      /* one flag per 4 KiB page of the BAT */
  bool any_bat_dirty;

  struct vhdx_kv *ploc;    /* parent locator entries */
  size_t nploc;
  bool have_ploc;

  /* Log state at open: dirty means a replay was needed; OVERLAY holds
   * it when the image is read-only (the file is never modified). */
  bool log_dirty;
  uint32_t log_entries, log_ignored;
  struct vhdx_replay *overlay;

  /* Writes: the headers get new GUIDs before the first change. */
  bool file_guid_done, data_guid_done;
  struct vhdx_bitmap bm[VHDX_BITMAP_CACHE];
  unsigned bm_clock;
};

/* ---- formats/vhdx.c ------------------------------------------------ */
/* GUID helpers. */
bool vhdx_guid_is_zero(const vhdx_guid *g);
bool vhdx_guid_equal(const vhdx_guid *a, const vhdx_guid *b);
void vhdx_guid_format(const vhdx_guid *g, char out[39], bool braces);
int vhdx_guid_parse(const char *s, vhdx_guid *g);
int vhdx_guid_generate(vhdx_guid *g);
/* Read metadata from the file as the log leaves it (through the replay
 * overlay on a read-only open of a dirty image).  Past end of file is
 * an error naming WHAT. */
int vhdx_read(struct vhdx *s, void *buf, size_t count, uint64_t offset,
              const char *what);
/* Payload helpers: BAT index of payload block BLK and of the sector
 * bitmap of chunk C. */
static inline uint64_t vhdx_payload_index(const struct vhdx *s, uint64_t blk)
{
  return blk + blk / s->chunk_ratio;
}
static inline uint64_t vhdx_sb_index(const struct vhdx *s, uint64_t c)
{
  return c * (s->chunk_ratio + 1) + s->chunk_ratio;
}
/* The sector bitmap of payload block BLK (cached; NULL on error).  The
 * pointer stays valid until the next vhdx_bitmap_get of another block. */
uint8_t *vhdx_bitmap_get(struct vhdx *s, uint64_t blk);
/* Mark BLK's cached bitmap as changed (kept until the next flush). */
void vhdx_bitmap_mark(struct vhdx *s, uint64_t blk);
/* The usable state of payload block BLK (UNMAPPED for the 0.95
 * spelling) and its file offset; EBADMSG for an unusable entry. */
int vhdx_block_state(struct vhdx *s, uint64_t blk, unsigned *state,
                     uint64_t *off);
int vhdx_open(struct hvx_image *img);
int vhdx_pread(struct hvx_image *img, void *buf, size_t count,
               uint64_t offset);
const char *vhdx_state_name(unsigned state);
/* Parse a header slot's 4 KiB; 0 if valid, else -1 with the reason. */
int vhdx_parse_header(const uint8_t *buf, struct vhdx_header *h);
void vhdx_build_header(uint8_t *buf, const struct vhdx_header *h);
/* Parse a region table copy into the BAT and metadata regions. */
int vhdx_parse_region_table(struct vhdx *s, const uint8_t *buf,
                            uint64_t where);
/* UTF-16LE <-> UTF-8. */
char *vhdx_utf16_to_utf8(const uint8_t *p, size_t bytes, const char *what);
size_t vhdx_utf8_to_utf16(const char *s, uint8_t *out, size_t max);

/* ---- formats/vhdx-log.c -------------------------------------------- */
/* Validate the log of the current header.  *OUT is NULL if there is
 * nothing to replay.  Every problem is EBADMSG naming where. */
int vhdx_log_scan(struct vhdx *s, struct vhdx_replay **out);
void vhdx_replay_free(struct vhdx_replay *r);
/* Apply R in place and mark the log clean (read-write open). */
int vhdx_log_replay(struct vhdx *s, struct vhdx_replay *r);
/* Patch BUF (file bytes at OFFSET) with what replay R would write. */
int vhdx_replay_patch(struct vhdx *s, const struct vhdx_replay *r,
                      uint8_t *buf, size_t count, uint64_t offset);

/* ---- formats/vhdx-write.c ------------------------------------------ */
int vhdx_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts);
int vhdx_pwrite(struct hvx_image *img, const void *buf, size_t count,
                uint64_t offset);
int vhdx_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
              unsigned flags);
int vhdx_flush(struct hvx_image *img);
/* Write a new header with the given changes to the non-current slot,
 * then to the other one, syncing after each. */
int vhdx_update_headers(struct vhdx *s);

/* ---- formats/vhdx-check.c ------------------------------------------ */
int vhdx_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque);
int vhdx_check_blocks(struct hvx_image *img, hvx_problem_fn fn,
                      void *opaque);

/* Open the parent of a differencing image (formats/vhdx.c). */
int vhdx_open_parent(struct vhdx *s);

#endif /* HVX_VHDX_H */
