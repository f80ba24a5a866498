/* hvx tests - patching VHD files for the VHD unit tests. */
#ifndef HVX_VHD_TESTUTIL_H
#define HVX_VHD_TESTUTIL_H

#include <fcntl.h>
#include <sys/stat.h>

#include "endian.h"
#include "../formats/vhd.h"

/* Recompute the checksum of the structure of LEN bytes at OFF (a footer:
 * 512 and VHD_F_CHECKSUM; the header: 1024 and VHD_H_CHECKSUM). */
static inline void reseal_at(const char *path, uint64_t off, size_t len,
                             size_t csum_off)
{
  uint8_t b[1024];
  assert_true(len <= sizeof b);
  file_read(path, off, b, len);
  hvx_put_be32(b + csum_off, vhd_checksum(b, len, csum_off));
  file_write(path, off, b, len);
}

/* Patch a footer field in both the footer and (if dynamic) its copy. */
static inline void patch_footer32(const char *path, size_t field, uint32_t v)
{
  uint64_t end = file_size(path) - 512;
  uint8_t c[8];

  file_write_be32(path, end + field, v);
  reseal_at(path, end, 512, VHD_F_CHECKSUM);
  file_read(path, 0, c, 8);
  if (memcmp(c, "conectix", 8) == 0) {
    file_write_be32(path, field, v);
    reseal_at(path, 0, 512, VHD_F_CHECKSUM);
  }
}

#define HDR 512u /* where hvx puts the dynamic disk header */

static inline void patch_header32(const char *path, size_t field, uint32_t v)
{
  file_write_be32(path, HDR + field, v);
  reseal_at(path, HDR, 1024, VHD_H_CHECKSUM);
}

static inline void patch_header64(const char *path, size_t field, uint64_t v)
{
  file_write_be64(path, HDR + field, v);
  reseal_at(path, HDR, 1024, VHD_H_CHECKSUM);
}

/* Collects check problems. */
struct problems {
  int n;
  uint64_t offset[16];
  char msg[16][256];
};

static inline void collect_problem(void *opaque, int kind, uint64_t offset,
                                   const char *msg)
{
  struct problems *p = opaque;
  (void)kind;
  if (p->n < 16) {
    p->offset[p->n] = offset;
    snprintf(p->msg[p->n], sizeof p->msg[0], "%s", msg);
  }
  p->n++;
}

/* Assert one of the problems mentions NEEDLE at OFFSET. */
static inline void assert_problem(const struct problems *p, uint64_t offset,
                                  const char *needle)
{
  for (int i = 0; i < p->n && i < 16; i++)
    if (p->offset[i] == offset && strstr(p->msg[i], needle))
      return;
  for (int i = 0; i < p->n && i < 16; i++)
    fprintf(stderr, "problem at 0x%llx: %s\n",
            (unsigned long long)p->offset[i], p->msg[i]);
  fail_msg("no problem '%s' at 0x%llx", needle, (unsigned long long)offset);
}

#endif /* HVX_VHD_TESTUTIL_H */
