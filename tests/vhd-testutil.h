/* hvx tests - patching VHD files for the VHD unit tests. */
#ifndef HVX_VHD_TESTUTIL_H
#define HVX_VHD_TESTUTIL_H

#include <fcntl.h>
#include <sys/stat.h>

#include "endian.h"
#include "../formats/vhd.h"

static inline uint64_t file_size(const char *path)
{
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (uint64_t)st.st_size;
}

static inline void read_at(const char *path, uint64_t off, void *buf,
                           size_t n)
{
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
  close(fd);
}

static inline void write_at(const char *path, uint64_t off, const void *buf,
                            size_t n)
{
  int fd = open(path, O_WRONLY);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
  close(fd);
}

static inline void put32_at(const char *path, uint64_t off, uint32_t v)
{
  uint8_t b[4];
  hvx_put_be32(b, v);
  write_at(path, off, b, 4);
}

static inline void put64_at(const char *path, uint64_t off, uint64_t v)
{
  uint8_t b[8];
  hvx_put_be64(b, v);
  write_at(path, off, b, 8);
}

/* Recompute the checksum of the structure of LEN bytes at OFF (a footer:
 * 512 and VHD_F_CHECKSUM; the header: 1024 and VHD_H_CHECKSUM). */
static inline void reseal_at(const char *path, uint64_t off, size_t len,
                             size_t csum_off)
{
  uint8_t b[1024];
  assert_true(len <= sizeof b);
  read_at(path, off, b, len);
  hvx_put_be32(b + csum_off, vhd_checksum(b, len, csum_off));
  write_at(path, off, b, len);
}

/* Patch a footer field in both the footer and (if dynamic) its copy. */
static inline void patch_footer32(const char *path, size_t field, uint32_t v)
{
  uint64_t end = file_size(path) - 512;
  uint8_t c[8];

  put32_at(path, end + field, v);
  reseal_at(path, end, 512, VHD_F_CHECKSUM);
  read_at(path, 0, c, 8);
  if (memcmp(c, "conectix", 8) == 0) {
    put32_at(path, field, v);
    reseal_at(path, 0, 512, VHD_F_CHECKSUM);
  }
}

#define HDR 512u /* where hvx puts the dynamic disk header */

static inline void patch_header32(const char *path, size_t field, uint32_t v)
{
  put32_at(path, HDR + field, v);
  reseal_at(path, HDR, 1024, VHD_H_CHECKSUM);
}

static inline void patch_header64(const char *path, size_t field, uint64_t v)
{
  put64_at(path, HDR + field, v);
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
