/* hvx - VHDX consistency check.
 *
 * Open already refuses what cannot be read safely (no valid header, a
 * damaged log, bad metadata); this reports what open tolerates: a
 * damaged spare header or region table copy, BAT entries that are
 * invalid, point past the end of the file or overlap each other or the
 * file's structures, and overlapping metadata items. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "vhdx.h"

#define CORRUPT HVX_PROBLEM_CORRUPTION

struct range {
  uint64_t off, len;
  uint64_t what;   /* BAT index, or UINT64_MAX - k for structure k */
};

static const char *const structure_names[] = {
  "header section", "log", "metadata region", "BAT region",
};

static int cmp_range(const void *a, const void *b)
{
  const struct range *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

static void describe(const struct vhdx *s, const struct range *r, char *out,
                     size_t n)
{
  if (r->what >= UINT64_MAX - 3) {
    snprintf(out, n, "the %s", structure_names[UINT64_MAX - r->what]);
  } else if (r->what % (s->chunk_ratio + 1) == s->chunk_ratio) {
    snprintf(out, n, "sector bitmap block %llu",
             (unsigned long long)(r->what / (s->chunk_ratio + 1)));
  } else {
    snprintf(out, n, "payload block %llu",
             (unsigned long long)(r->what - r->what / (s->chunk_ratio + 1)));
  }
}

static int check_headers(struct vhdx *s, hvx_problem_fn fn, void *opaque)
{
  uint8_t buf[VHDX_HEADER_SIZE];
  struct vhdx_header h;
  int problems = 0;

  for (int i = 0; i < 2; i++) {
    if (hvx_file_pread(&s->img->file, buf, sizeof buf, VHDX_HEADER_SLOT(i),
                       "vhdx header") < 0)
      return -1;
    if (vhdx_parse_header(buf, &h) < 0)
      problems += hvx_report_problem(fn, opaque, CORRUPT, VHDX_HEADER_SLOT(i),
                                     "header %d: %s", i + 1, hvx_error());
    else if (h.log_length % VHDX_MIB || h.log_offset % VHDX_MIB ||
             (h.log_length && h.log_offset < VHDX_MIB))
      problems += hvx_report_problem(fn, opaque, CORRUPT, VHDX_HEADER_SLOT(i),
                                     "header %d: log at 0x%llx length %u is "
                                     "not 1 MiB-aligned", i + 1,
                                     (unsigned long long)h.log_offset,
                                     h.log_length);
  }
  return problems;
}

static int check_region_tables(struct vhdx *s, hvx_problem_fn fn,
                               void *opaque)
{
  uint8_t *buf = hvx_malloc(2 * VHDX_RT_SIZE, "vhdx region tables");
  struct vhdx copy = *s;
  int problems = 0;

  if (!buf)
    return -1;
  for (int i = 0; i < 2; i++) {
    uint8_t *t = buf + i * VHDX_RT_SIZE;
    if (vhdx_read(s, t, VHDX_RT_SIZE, VHDX_RT_OFFSET(i),
                  "region table") < 0) {
      free(buf);
      return -1;
    }
    /* Parse into a scratch copy: only the verdict matters here. */
    if (vhdx_parse_region_table(&copy, t, VHDX_RT_OFFSET(i)) < 0)
      problems += hvx_report_problem(fn, opaque, CORRUPT, VHDX_RT_OFFSET(i),
                                     "%s", hvx_error());
  }
  if (!problems && memcmp(buf, buf + VHDX_RT_SIZE, VHDX_RT_SIZE) != 0)
    problems += hvx_report_problem(fn, opaque, CORRUPT, VHDX_RT_OFFSET(1),
                                   "the two region tables differ");
  free(buf);
  return problems;
}

static int check_metadata(struct vhdx *s, hvx_problem_fn fn, void *opaque)
{
  uint8_t *t = hvx_malloc(VHDX_META_TABLE_SIZE, "vhdx metadata table");
  struct range *r;
  uint16_t count;
  int problems = 0;

  if (!t)
    return -1;
  if (vhdx_read(s, t, VHDX_META_TABLE_SIZE, s->meta_region.offset,
                "metadata table") < 0) {
    free(t);
    return -1;
  }
  count = hvx_le16(t + 10); /* bounded by open */
  r = hvx_calloc(count, sizeof *r, "vhdx metadata check");
  if (!r) {
    free(t);
    return -1;
  }
  for (unsigned i = 0; i < count; i++) {
    r[i].off = hvx_le32(t + 32 + 32 * i + 16);
    r[i].len = hvx_le32(t + 32 + 32 * i + 20);
    r[i].what = i;
  }
  qsort(r, count, sizeof *r, cmp_range);
  for (unsigned i = 1; i < count; i++)
    if (r[i - 1].len && r[i].len && r[i].off < r[i - 1].off + r[i - 1].len)
      problems += hvx_report_problem(fn, opaque, CORRUPT,
                                     s->meta_region.offset + r[i].off,
                                     "metadata entries %llu and %llu overlap",
                                     (unsigned long long)r[i - 1].what,
                                     (unsigned long long)r[i].what);
  free(r);
  free(t);
  return problems;
}

/* One BAT entry: report what is wrong; add its space to R. */
static int check_entry(struct vhdx *s, uint64_t idx, struct range *r,
                       size_t *nr, hvx_problem_fn fn, void *opaque)
{
  uint64_t e = s->bat[idx], off = VHDX_BAT_OFFSET(e), len;
  uint64_t at = s->bat_region.offset + idx * 8;
  unsigned st = VHDX_BAT_STATE(e);
  bool sb = idx % (s->chunk_ratio + 1) == s->chunk_ratio;
  int problems = 0;

  if (e & 0xFFFF8)
    problems += hvx_report_problem(fn, opaque, CORRUPT, at, "BAT entry %llu "
                                   "(0x%016llx) has reserved bits set",
                                   (unsigned long long)idx,
                                   (unsigned long long)e);
  if (sb) {
    if (st != VHDX_SB_NOT_PRESENT && st != VHDX_SB_PRESENT)
      return problems + hvx_report_problem(fn, opaque, CORRUPT, at,
                                           "sector bitmap BAT entry %llu has "
                                           "invalid state %u",
                                           (unsigned long long)idx, st);
    if (st != VHDX_SB_PRESENT)
      return problems;
    len = VHDX_MIB;
  } else {
    uint64_t blk = idx - idx / (s->chunk_ratio + 1);
    if (st == 4 || (st == VHDX_PAYLOAD_PARTIALLY_PRESENT && !s->has_parent))
      return problems + hvx_report_problem(fn, opaque, CORRUPT, at,
                                           "BAT entry %llu (payload block "
                                           "%llu) has invalid state %u",
                                           (unsigned long long)idx,
                                           (unsigned long long)blk, st);
    if (st != VHDX_PAYLOAD_FULLY_PRESENT &&
        st != VHDX_PAYLOAD_PARTIALLY_PRESENT)
      return problems;
    if (st == VHDX_PAYLOAD_PARTIALLY_PRESENT &&
        VHDX_BAT_STATE(s->bat[vhdx_sb_index(s, blk / s->chunk_ratio)]) !=
        VHDX_SB_PRESENT)
      problems += hvx_report_problem(fn, opaque, CORRUPT, at,
                                     "payload block %llu is partially "
                                     "present but chunk %llu has no sector "
                                     "bitmap block", (unsigned long long)blk,
                                     (unsigned long long)(blk /
                                                          s->chunk_ratio));
    /* The last block need only hold what the disk covers. */
    len = hvx_min_u64(s->block_size,
                      hvx_round_up(s->vsize - blk * s->block_size, 512));
  }
  if (off < VHDX_MIB)
    return problems + hvx_report_problem(fn, opaque, CORRUPT, at,
                                         "BAT entry %llu points at 0x%llx, "
                                         "inside the header section",
                                         (unsigned long long)idx,
                                         (unsigned long long)off);
  if (off > s->file_size || len > s->file_size - off)
    return problems + hvx_report_problem(fn, opaque, CORRUPT, at,
                                         "BAT entry %llu: block at 0x%llx "
                                         "length %llu extends beyond end of "
                                         "file (size %llu)",
                                         (unsigned long long)idx,
                                         (unsigned long long)off,
                                         (unsigned long long)len,
                                         (unsigned long long)s->file_size);
  r[*nr].off = off;
  r[*nr].len = len;
  r[*nr].what = idx;
  (*nr)++;
  return problems;
}

static int check_bat(struct vhdx *s, hvx_problem_fn fn, void *opaque)
{
  size_t nr = 0, allocated = 0;
  struct range *r;
  int problems = 0;

  /* Room for the allocated entries only: a big, mostly empty disk has
   * millions of entries but few blocks. */
  for (uint64_t i = 0; i < s->bat_entries; i++)
    allocated += VHDX_BAT_STATE(s->bat[i]) >= VHDX_PAYLOAD_FULLY_PRESENT;
  r = hvx_calloc(allocated + 4, sizeof *r, "vhdx BAT check");
  if (!r)
    return -1;
  r[nr++] = (struct range){ 0, VHDX_MIB, UINT64_MAX };
  if (s->hdr.log_length)
    r[nr++] = (struct range){ s->hdr.log_offset, s->hdr.log_length,
                              UINT64_MAX - 1 };
  r[nr++] = (struct range){ s->meta_region.offset, s->meta_region.length,
                            UINT64_MAX - 2 };
  r[nr++] = (struct range){ s->bat_region.offset, s->bat_region.length,
                            UINT64_MAX - 3 };
  for (uint64_t i = 0; i < s->bat_entries; i++)
    problems += check_entry(s, i, r, &nr, fn, opaque);
  /* Sorted by offset, an overlap is with an earlier range that reaches
   * past the start of this one: track the one reaching furthest. */
  qsort(r, nr, sizeof *r, cmp_range);
  for (size_t i = 1, far = 0; i < nr; i++) {
    if (r[i].off < r[far].off + r[far].len) {
      char a[64], b[64];
      describe(s, &r[far], a, sizeof a);
      describe(s, &r[i], b, sizeof b);
      problems += hvx_report_problem(fn, opaque, CORRUPT, r[i].off,
                                     "%s at 0x%llx overlaps %s at 0x%llx", b,
                                     (unsigned long long)r[i].off, a,
                                     (unsigned long long)r[far].off);
    }
    if (r[i].off + r[i].len > r[far].off + r[far].len)
      far = i;
  }
  free(r);
  return problems;
}

/* The BAT alone: blocks that overlap each other or the file's
 * structures are what a write would damage further. */
int vhdx_check_blocks(struct hvx_image *img, hvx_problem_fn fn,
                      void *opaque)
{
  return check_bat(img->priv, fn, opaque);
}

int vhdx_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque)
{
  struct vhdx *s = img->priv;
  int (*const steps[])(struct vhdx *, hvx_problem_fn, void *) = {
    check_headers, check_region_tables, check_metadata, check_bat,
  };
  int problems = 0;

  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    int n = steps[i](s, fn, opaque);
    if (n < 0)
      return -1;
    problems += n;
  }
  return problems;
}
