/* hvx - checking VHD images: footers and their copy, sizes, the BAT and
 * where its blocks lie.  Whatever stops an image from opening at all
 * (a bad dynamic header checksum, a BAT past the end of the file, ...)
 * is reported by the open itself, with its offset. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "vhd.h"

#define CORRUPT HVX_PROBLEM_CORRUPTION

/* What is wrong with the 512-byte footer F, or NULL. */
static const char *footer_problem(const uint8_t *f, char *buf, size_t n)
{
  uint32_t stored = hvx_be32(f + VHD_F_CHECKSUM);
  uint32_t computed = vhd_checksum(f, VHD_FOOTER_SIZE, VHD_F_CHECKSUM);

  if (memcmp(f, "conectix", 8) != 0)
    return "no cookie 'conectix'";
  if (stored != computed) {
    snprintf(buf, n, "checksum mismatch: stored 0x%08x, computed 0x%08x",
             stored, computed);
    return buf;
  }
  return NULL;
}

static int check_footers(struct hvx_image *img, uint64_t filesize,
                         hvx_problem_fn fn, void *opaque)
{
  struct vhd_state *s = img->priv;
  uint8_t f[VHD_FOOTER_SIZE];
  char why[96];
  const char *p;
  int n = 0;

  if (s->footer_from_copy) {
    if (hvx_file_pread_zerofill(&img->file, f, sizeof f,
                                filesize - VHD_FOOTER_SIZE) < 0)
      return -1;
    p = footer_problem(f, why, sizeof why);
    n += hvx_report_problem(fn, opaque, CORRUPT, filesize - VHD_FOOTER_SIZE,
                            "vhd: footer at the end of the file: %s; the "
                            "copy at offset 0 is used instead",
                            p ? p : "not usable");
  }
  if (s->type == VHD_TYPE_FIXED || s->footer_from_copy)
    return n;
  if (hvx_file_pread(&img->file, f, sizeof f, 0, "vhd footer copy") < 0)
    return -1;
  if ((p = footer_problem(f, why, sizeof why)))
    n += hvx_report_problem(fn, opaque, CORRUPT, 0, "vhd: footer copy at "
                            "offset 0: %s", p);
  else if (memcmp(f, s->footer, VHD_FOOTER_SIZE) != 0)
    n += hvx_report_problem(fn, opaque, CORRUPT, 0, "vhd: footer copy at "
                            "offset 0 differs from the footer at 0x%llx",
                            (unsigned long long)s->footer_off);
  return n;
}

static int check_sizes(struct hvx_image *img, uint64_t filesize,
                       hvx_problem_fn fn, void *opaque)
{
  struct vhd_state *s = img->priv;
  uint64_t cur = hvx_be64(s->footer + VHD_F_CUR_SIZE);
  int n = 0;

  if (s->type == VHD_TYPE_FIXED && !s->legacy_footer &&
      filesize != cur + VHD_FOOTER_SIZE)
    n += hvx_report_problem(fn, opaque, cur + VHD_FOOTER_SIZE > filesize ?
                            CORRUPT : HVX_PROBLEM_LEAK, s->footer_off,
                            "vhd: size mismatch: a fixed disk of current "
                            "size %llu should be a file of %llu bytes, not "
                            "%llu", (unsigned long long)cur,
                            (unsigned long long)cur + VHD_FOOTER_SIZE,
                            (unsigned long long)filesize);
  if (s->type == VHD_TYPE_DIFF && img->backing &&
      img->backing->size != img->size)
    n += hvx_report_problem(fn, opaque, CORRUPT, UINT64_MAX,
                            "vhd: size mismatch: the parent is %llu bytes, "
                            "the differencing disk %llu",
                            (unsigned long long)img->backing->size,
                            (unsigned long long)img->size);
  return n;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Every allocated block: inside the file, clear of the metadata and of
 * the other blocks. */
static int check_blocks(struct hvx_image *img, uint64_t filesize,
                        hvx_problem_fn fn, void *opaque)
{
  struct vhd_state *s = img->priv;
  uint64_t len = (uint64_t)s->bitmap_size + s->block_size, where;
  uint64_t *list;
  size_t k = 0;
  int n = 0;

  for (uint32_t b = 0; b < s->bat_entries; b++)
    k += s->bat[b] != VHD_BAT_UNUSED;
  if (!(list = hvx_calloc(k, sizeof *list, "vhd check")))
    return -1;
  k = 0;
  for (uint32_t b = 0; b < s->bat_entries; b++) {
    uint64_t off = (uint64_t)s->bat[b] * VHD_SECTOR;
    const char *what;

    if (s->bat[b] == VHD_BAT_UNUSED)
      continue;
    if (off >= filesize) {
      n += hvx_report_problem(fn, opaque, CORRUPT, off, "vhd: BAT entry %u "
                              "(at 0x%llx): block at 0x%llx is beyond the "
                              "end of the file (size %llu)", b,
                              (unsigned long long)(s->bat_off + 4ull * b),
                              (unsigned long long)off,
                              (unsigned long long)filesize);
      continue;
    }
    if (off + len > s->footer_off) {
      n += hvx_report_problem(fn, opaque, CORRUPT, off, "vhd: BAT entry %u: "
                              "block at 0x%llx (%llu bytes) runs past the "
                              "footer at 0x%llx", b, (unsigned long long)off,
                              (unsigned long long)len,
                              (unsigned long long)s->footer_off);
      continue;
    }
    if ((what = vhd_meta_overlap(s, off, len, &where))) {
      n += hvx_report_problem(fn, opaque, CORRUPT, off, "vhd: BAT entry %u: "
                              "block at 0x%llx overlaps the %s at 0x%llx", b,
                              (unsigned long long)off, what,
                              (unsigned long long)where);
      continue;
    }
    list[k++] = (uint64_t)s->bat[b] << 32 | b;
  }
  qsort(list, k, sizeof *list, cmp_u64);
  for (size_t i = 1; i < k; i++) {
    uint64_t prev = (list[i - 1] >> 32) * VHD_SECTOR;
    uint64_t cur = (list[i] >> 32) * VHD_SECTOR;
    if (prev + len > cur)
      n += hvx_report_problem(fn, opaque, CORRUPT, cur, "vhd: blocks of BAT "
                              "entries %u and %u overlap at 0x%llx",
                              (uint32_t)list[i - 1], (uint32_t)list[i],
                              (unsigned long long)cur);
  }
  free(list);
  return n;
}

/* Locator data must not overlap the header, the BAT or each other. */
static int check_locators(struct hvx_image *img, hvx_problem_fn fn,
                          void *opaque)
{
  struct vhd_state *s = img->priv;
  uint64_t bat_len = hvx_round_up((uint64_t)s->max_entries * 4, VHD_SECTOR);
  int n = 0;

  for (int i = 0; i < VHD_LOCATORS; i++) {
    const struct vhd_locator *l = &s->loc[i];
    if (!l->code || !l->extent)
      continue;
    if (l->offset < s->header_off + VHD_HEADER_SIZE &&
        s->header_off < l->offset + l->extent)
      n += hvx_report_problem(fn, opaque, CORRUPT, l->offset, "vhd: parent "
                              "locator %d data at 0x%llx overlaps the "
                              "dynamic disk header", i,
                              (unsigned long long)l->offset);
    if (l->offset < s->bat_off + bat_len && s->bat_off < l->offset +
        l->extent)
      n += hvx_report_problem(fn, opaque, CORRUPT, l->offset, "vhd: parent "
                              "locator %d data at 0x%llx overlaps the BAT at "
                              "0x%llx", i, (unsigned long long)l->offset,
                              (unsigned long long)s->bat_off);
    for (int j = 0; j < i; j++) {
      const struct vhd_locator *m = &s->loc[j];
      if (m->code && m->extent && l->offset < m->offset + m->extent &&
          m->offset < l->offset + l->extent)
        n += hvx_report_problem(fn, opaque, CORRUPT, l->offset, "vhd: parent "
                                "locators %d and %d overlap at 0x%llx", j, i,
                                (unsigned long long)l->offset);
    }
  }
  return n;
}

/* The blocks alone: what must be sound before hvx writes (a damaged
 * footer, by contrast, is what a writable open repairs). */
int vhd_check_blocks(struct hvx_image *img, hvx_problem_fn fn, void *opaque)
{
  int64_t filesize = hvx_file_size(&img->file);

  if (filesize < 0)
    return -1;
  return check_blocks(img, (uint64_t)filesize, fn, opaque);
}

int vhd_check(struct hvx_image *img, hvx_problem_fn fn, void *opaque)
{
  struct vhd_state *s = img->priv;
  int64_t filesize = hvx_file_size(&img->file);
  int n = 0, r;

  if (filesize < 0)
    return -1;
  if ((r = check_footers(img, (uint64_t)filesize, fn, opaque)) < 0)
    return -1;
  n += r;
  n += check_sizes(img, (uint64_t)filesize, fn, opaque);
  if (s->type == VHD_TYPE_FIXED)
    return n;
  if ((r = check_blocks(img, (uint64_t)filesize, fn, opaque)) < 0)
    return -1;
  n += r;
  return n + check_locators(img, fn, opaque);
}
