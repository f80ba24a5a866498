/* hvx tests - dirty VHDX images built by hand, following [MS-VHDX]
 * section 2.3: an 8 MiB dynamic image with 1 MiB blocks whose log holds
 * two entries - the first allocates block 2 by rewriting the BAT page,
 * the second zeroes the first 8 KiB of block 0.  Variants damage or
 * rearrange the log.  Shared by test-vhdx-log.c and
 * test-vhdx-replay-crash.c. */
#ifndef HVX_VHDX_LOGUTIL_H
#define HVX_VHDX_LOGUTIL_H

#include "vhdx-testutil.h"

#define SIZE (8 * MIB)
#define LOG_OFF MIB
#define BAT_OFF (3 * MIB)
#define BLOCK0 (4 * MIB)  /* where hvx puts the first block written */
#define BLOCK2 (5 * MIB)  /* appended by the log's first entry */

static const uint8_t log_guid[16] = {
  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01,
};

struct tdesc {
  bool zero;
  uint64_t target, zlen;
  const uint8_t *data; /* 4096 bytes for a data descriptor */
};

/* Lay out one log entry at BUF; returns its length. */
static size_t build_entry(uint8_t *buf, uint64_t seq, uint32_t tail,
                          uint64_t flushed, uint64_t last,
                          const struct tdesc *d, int nd)
{
  size_t dsec = (64 + 32 * (size_t)nd + 4095) / 4096, ndata = 0, len, k = 0;

  for (int i = 0; i < nd; i++)
    ndata += !d[i].zero;
  len = 4096 * (dsec + ndata);
  memset(buf, 0, len);
  memcpy(buf, "loge", 4);
  hvx_put_le32(buf + 8, (uint32_t)len);
  hvx_put_le32(buf + 12, tail);
  hvx_put_le64(buf + 16, seq);
  hvx_put_le32(buf + 24, (uint32_t)nd);
  memcpy(buf + 32, log_guid, 16);
  hvx_put_le64(buf + 48, flushed);
  hvx_put_le64(buf + 56, last);
  for (int i = 0; i < nd; i++) {
    uint8_t *e = buf + 64 + 32 * i;
    hvx_put_le64(e + 16, d[i].target);
    hvx_put_le64(e + 24, seq);
    if (d[i].zero) {
      memcpy(e, "zero", 4);
      hvx_put_le64(e + 8, d[i].zlen);
    } else {
      uint8_t *s = buf + 4096 * (dsec + k++);
      memcpy(e, "desc", 4);
      memcpy(e + 4, d[i].data + 4092, 4);  /* trailing bytes */
      memcpy(e + 8, d[i].data, 8);         /* leading bytes */
      memcpy(s, "data", 4);
      hvx_put_le32(s + 4, (uint32_t)(seq >> 32));
      memcpy(s + 8, d[i].data + 8, 4084);
      hvx_put_le32(s + 4092, (uint32_t)seq);
    }
  }
  hvx_put_le32(buf + 4, hvx_crc32c(0, buf, len));
  return len;
}

enum variant {
  V_OK, V_TORN_MIDDLE, V_TORN_HEAD, V_GAP, V_DATA_SEQ, V_TARGET_LOG,
  V_TRUNCATED, V_HUGE_COUNT, V_ONLY_GARBAGE, V_WRAP, V_WRAP_BETWEEN,
  V_EXTEND, V_MISSING_DATA,
};

static void set_log_guid(uint8_t *h, void *arg)
{
  (void)arg;
  memcpy(h + 48, log_guid, 16);
}

static void make_dirty(const char *p, enum variant v)
{
  uint8_t *a = malloc(MIB), *b = malloc(MIB), bat[4096], e1[8192],
    e2[8192];
  hvx_image *img;
  size_t l1, l2;
  uint32_t tail;
  struct tdesc d1 = { false, BAT_OFF, 0, bat };
  struct tdesc d2[2] = { { true, BLOCK0, 8192, NULL },
                         { true, 12 * MIB, 4096, NULL } };

  unlink(p);
  img = hvx_create(p, "vhdx", SIZE, "block_size=1M");
  assert_non_null(img);
  fill_pattern(a, MIB, 1000);
  assert_int_equal(hvx_pwrite(img, a, MIB, 0), 0);
  assert_int_equal(hvx_close(img), 0);
  assert_int_equal(file_size(p), 5 * MIB);

  /* Block 2's data goes at the end; only the log makes it visible. */
  fill_pattern(b, MIB, 2000);
  file_write(p, BLOCK2, b, MIB);
  file_read(p, BAT_OFF, bat, sizeof bat);
  assert_int_equal(hvx_le64(bat), BLOCK0 | 6); /* hvx's own layout */
  hvx_put_le64(bat + 16, BLOCK2 | 6);          /* block 2: fully present */

  if (v == V_TARGET_LOG)
    d2[0].target = LOG_OFF + 64 * 1024;
  /* V_WRAP: the first entry starts in the log's last sector and wraps
   * round to its start; the second follows it there. */
  tail = v == V_WRAP ? MIB - 4096 : v == V_WRAP_BETWEEN ? MIB - 8192 : 0;
  l1 = build_entry(e1, 100, tail, 6 * MIB, 6 * MIB, &d1, 1);
  if (v == V_DATA_SEQ) {
    hvx_put_le32(e1 + 4096 + 4092, 99);
    memset(e1 + 4, 0, 4);
    hvx_put_le32(e1 + 4, hvx_crc32c(0, e1, l1));
  }
  /* V_EXTEND: the newest entry says the file reaches 16 MiB, and zeroes
   * a range past the current end. */
  l2 = build_entry(e2, v == V_GAP ? 102 : 101, tail,
                   v == V_TRUNCATED ? 64 * MIB : 6 * MIB,
                   v == V_EXTEND ? 16 * MIB : 6 * MIB, d2,
                   v == V_EXTEND ? 2 : 1);
  if (v == V_MISSING_DATA) {
    /* The first entry claims no room for its data sector. */
    hvx_put_le32(e1 + 8, 4096);
    memset(e1 + 4, 0, 4);
    hvx_put_le32(e1 + 4, hvx_crc32c(0, e1, 4096));
  }
  if (v == V_HUGE_COUNT || v == V_ONLY_GARBAGE) {
    hvx_put_le32(e2 + 24, 0xFFFFFFF0u);
    memset(e2 + 4, 0, 4);
    hvx_put_le32(e2 + 4, hvx_crc32c(0, e2, l2));
  }
  if (v == V_TORN_MIDDLE)
    e1[4096 + 100] ^= 1;
  if (v == V_TORN_HEAD)
    e2[200] ^= 1;
  if (v == V_WRAP_BETWEEN) {
    file_write(p, LOG_OFF + MIB - 8192, e1, l1);
    file_write(p, LOG_OFF, e2, l2);
  } else if (v == V_WRAP) {
    file_write(p, LOG_OFF + MIB - 4096, e1, 4096);
    file_write(p, LOG_OFF, e1 + 4096, l1 - 4096);
    file_write(p, LOG_OFF + l1 - 4096, e2, l2);
  } else {
    if (v != V_ONLY_GARBAGE)
      file_write(p, LOG_OFF, e1, l1);
    file_write(p, LOG_OFF + l1, e2, l2);
  }
  patch_headers(p, set_log_guid, NULL);
  free(a);
  free(b);
}

#endif /* HVX_VHDX_LOGUTIL_H */
