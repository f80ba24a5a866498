/* hvx tests - helpers for poking at VHDX files: raw file access and
 * rewriting headers / region tables with valid checksums.  The layouts
 * here are written from [MS-VHDX] independently of the driver, so a
 * driver bug in them is not hidden. */
#ifndef HVX_VHDX_TESTUTIL_H
#define HVX_VHDX_TESTUTIL_H

#include <fcntl.h>
#include <sys/stat.h>

#include "crc32c.h"
#include "endian.h"

#define MIB (1u << 20)

static inline void copy_file(const char *from, const char *to)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cp --sparse=always '%s' '%s'", from, to);
  assert_int_equal(system(cmd), 0);
}

/* Offset of the current header (the valid one with the higher
 * sequence number; the driver's own files keep both valid). */
static inline uint64_t cur_header(const char *path)
{
  uint8_t a[80], b[80];
  file_read(path, 0x10000, a, sizeof a);
  file_read(path, 0x20000, b, sizeof b);
  return hvx_le64(b + 8) > hvx_le64(a + 8) ? 0x20000 : 0x10000;
}

/* Rewrite both header slots from the current one, after FN changed its
 * 4 KiB, with fresh checksums. */
static inline void patch_headers(const char *path,
                                 void (*fn)(uint8_t *h, void *arg), void *arg)
{
  uint8_t h[4096];
  file_read(path, cur_header(path), h, sizeof h);
  fn(h, arg);
  for (int i = 0; i < 2; i++) {
    hvx_put_le64(h + 8, hvx_le64(h + 8) + 1);
    memset(h + 4, 0, 4);
    hvx_put_le32(h + 4, hvx_crc32c(0, h, sizeof h));
    file_write(path, 0x10000 * (uint64_t)(i + 1), h, sizeof h);
  }
}

/* Same for both region tables. */
static inline void patch_region_tables(const char *path,
                                       void (*fn)(uint8_t *t, void *arg),
                                       void *arg)
{
  uint8_t *t = malloc(65536);
  assert_non_null(t);
  file_read(path, 0x30000, t, 65536);
  fn(t, arg);
  memset(t + 4, 0, 4);
  hvx_put_le32(t + 4, hvx_crc32c(0, t, 65536));
  file_write(path, 0x30000, t, 65536);
  file_write(path, 0x40000, t, 65536);
  free(t);
}

/* The region with the GUID whose first 4 bytes (Data1, as stored) are
 * D1: its file offset and length. */
static inline void find_region(const char *path, uint32_t d1, uint64_t *off,
                               uint32_t *len)
{
  uint8_t t[16 + 32 * 8];
  file_read(path, 0x30000, t, sizeof t);
  for (uint32_t i = 0; i < hvx_le32(t + 8) && i < 8; i++)
    if (hvx_le32(t + 16 + 32 * i) == d1) {
      *off = hvx_le64(t + 16 + 32 * i + 16);
      *len = hvx_le32(t + 16 + 32 * i + 24);
      return;
    }
  fail_msg("region %08x not found", d1);
}

#define BAT_D1 0x2DC27766u
#define META_D1 0x8B7CA206u

/* File offset of the metadata table entry for item D1. */
static inline uint64_t find_meta_entry(const char *path, uint32_t d1)
{
  uint64_t m;
  uint32_t len;
  uint8_t t[32 + 32 * 16];

  find_region(path, META_D1, &m, &len);
  file_read(path, m, t, sizeof t);
  for (unsigned i = 0; i < hvx_le16(t + 10) && i < 16; i++)
    if (hvx_le32(t + 32 + 32 * i) == d1)
      return m + 32 + 32 * i;
  fail_msg("metadata item %08x not found", d1);
  return 0;
}

/* File offset of the value of metadata item D1. */
static inline uint64_t find_meta_value(const char *path, uint32_t d1)
{
  uint64_t m, e = find_meta_entry(path, d1);
  uint32_t len;
  uint8_t v[4];

  find_region(path, META_D1, &m, &len);
  file_read(path, e + 16, v, 4);
  return m + hvx_le32(v);
}

#define FILE_PARAMS_D1 0xCAA16737u
#define VSIZE_D1 0x2FA54224u
#define LSS_D1 0x8141BF1Du
#define PLOC_D1 0xA8D35F2Du

struct info_pick {
  const char *key;
  char value[256];
};

static inline void pick_info(void *opaque, const char *key, const char *value)
{
  struct info_pick *p = opaque;
  if (strcmp(key, p->key) == 0)
    snprintf(p->value, sizeof p->value, "%s", value);
}

/* The info value KEY of IMG ("" if absent). */
static inline const char *info_value(hvx_image *img, const char *key)
{
  static struct info_pick p;
  p.key = key;
  p.value[0] = '\0';
  assert_int_equal(hvx_image_info(img, pick_info, &p), 0);
  return p.value;
}

#endif /* HVX_VHDX_TESTUTIL_H */
