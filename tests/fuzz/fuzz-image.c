/* hvx fuzz target: one image parser, chosen at build time with
 * -DFUZZ_FORMAT="qcow2" (or at run time with HVX_FUZZ_FORMAT).
 *
 * Each input is opened as an image of that format, its metadata read,
 * its block status walked, every extent read and a check run: every
 * path a hostile file can reach.  The format "convert" is the write
 * side instead (fuzz-convert.h): the input, probed as any format, is
 * converted to every output format and written in place, and what is
 * written must check clean and read back the same.  Built two ways:
 *   - with clang -fsanitize=fuzzer: a libFuzzer (or AFL++) target;
 *   - without: a replay program, `fuzz-image FILE...`, used by the test
 *     suite to run the committed corpus and every past crash.
 * An input is the image file itself, or a sparse description of it
 * (write_sparse below).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hvx.h>

#include "fuzz-convert.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT NULL
#endif

/* Bounds on the work one input may cause, so a huge (valid) virtual
 * size is walked quickly instead of timing out the fuzzer.  Hangs that
 * remain inside these bounds are real. */
#define MAX_EXTENTS 20000
#define MAX_READ (16u << 20)

static void ignore_info(void *o, const char *k, const char *v)
{
  (void)o;
  if (getenv("HVX_FUZZ_VERBOSE"))
    fprintf(stderr, "fuzz-image:   %s: %s\n", k, v);
}

static void ignore_problem(void *o, int kind, uint64_t off, const char *m)
{
  (void)o; (void)kind; (void)off; (void)m;
}

static void exercise(const char *path, const char *format)
{
  static uint8_t buf[1 << 20];
  if (format && strcmp(format, "convert") == 0) {
    convert_oracle(path);
    return;
  }

  hvx_image *img = hvx_open(path, format, HVX_OPEN_NO_BACKING);
  uint64_t off = 0, size, readbytes = 0;
  char digest[129];

  if (!img) {
    if (getenv("HVX_FUZZ_VERBOSE"))   /* to see why an input is refused */
      fprintf(stderr, "fuzz-image: %s\n", hvx_error());
    return;
  }
  if (getenv("HVX_FUZZ_VERBOSE"))
    fprintf(stderr, "fuzz-image: opened, %lld bytes\n",
            (long long)hvx_image_size(img));
  hvx_image_info(img, ignore_info, NULL);
  size = (uint64_t)hvx_image_size(img);
  for (int n = 0; n < MAX_EXTENTS && off < size; n++) {
    uint64_t pnum;
    unsigned flags;
    if (hvx_block_status(img, off, size - off, &pnum, &flags) < 0)
      break;
    if (!(flags & HVX_BS_ZERO) && readbytes < MAX_READ) {
      size_t c = pnum < sizeof buf ? (size_t)pnum : sizeof buf;
      if (hvx_pread(img, buf, c, off) == 0)
        readbytes += c;
    }
    off += pnum;
  }
  hvx_check(img, ignore_problem, NULL);
  /* A small image is digested whole, exercising every read path. */
  if (size <= (64u << 20))
    hvx_digest(img, "sha256", digest, sizeof digest);
  hvx_close(img);
}

static const char *format_name(void)
{
  const char *env = getenv("HVX_FUZZ_FORMAT");
  return env ? env : FUZZ_FORMAT;
}

/* A sparse input: "HVXSPARSE1", the file size (u64 LE), then chunks of
 * offset (u32 LE), length (u16 LE) and that many bytes, laid on a file
 * of zeros.  Formats whose structures sit megabytes apart (VHDX regions
 * are 1 MiB aligned, a dynamic VHD's data after its BAT) make seeds of
 * a few KiB this way, so the fuzzer mutates structures instead of
 * padding.  tests/fuzz/sparse.py converts files to and from it. */
#define SPARSE_MAGIC "HVXSPARSE1"
#define SPARSE_MAX_SIZE (256ull << 20)

static uint64_t le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  while (n--)
    v = v << 8 | p[n];
  return v;
}

/* ---- checksums ---------------------------------------------------------
 * A mutated VHD or VHDX structure almost always fails its checksum, so
 * the code behind the check would see only the seeds.  Inputs in the
 * "HVXSPARSEC" form (same layout as "HVXSPARSE1") get their checksums
 * recomputed after they are laid out: VHD footer and dynamic header,
 * VHDX headers, region tables and log entries ([MS-VHDX] 2.2, 2.3). */
#define SPARSE_MAGIC_FIX "HVXSPARSEC"

static uint32_t crc32c(const uint8_t *p, size_t n)
{
  uint32_t c = 0xffffffffu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++)
      c = c >> 1 ^ (0x82f63b78u & (0u - (c & 1)));
  }
  return ~c;
}

static void put_le32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t be(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* The structure of LEN bytes at OFF, if it starts with SIG: its CRC-32C
 * (field at offset 4) recomputed.  Returns the bytes read, or NULL. */
static uint8_t *fix_crc32c(int fd, uint64_t off, size_t len, const char *sig,
                           uint64_t fsize)
{
  static uint8_t buf[1 << 20];

  if (len > sizeof buf || off > fsize || len > fsize - off ||
      pread(fd, buf, len, (off_t)off) != (ssize_t)len ||
      memcmp(buf, sig, 4) != 0)
    return NULL;
  put_le32(buf + 4, 0);
  put_le32(buf + 4, crc32c(buf, len));
  if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
    abort();
  return buf;
}

static void fix_vhdx(int fd, uint64_t fsize)
{
  for (uint64_t h = 64 << 10; h <= 128 << 10; h += 64 << 10) {
    uint8_t *b = fix_crc32c(fd, h, 4096, "head", fsize);
    uint64_t log_len, log_off;
    if (!b)
      continue;
    log_len = le(b + 68, 4);
    log_off = le(b + 72, 8);
    /* log entries start on 4 KiB boundaries; EntryLength at offset 8 */
    for (uint64_t e = 0; log_len <= (64u << 20) && e + 4096 <= log_len;
         e += 4096) {
      uint8_t hdr[12];
      uint64_t elen;
      if (log_off + e >= fsize ||
          pread(fd, hdr, sizeof hdr, (off_t)(log_off + e)) != sizeof hdr ||
          memcmp(hdr, "loge", 4) != 0)
        continue;
      elen = le(hdr + 8, 4);
      if (elen >= 4096 && elen % 4096 == 0 && e + elen <= log_len)
        fix_crc32c(fd, log_off + e, (size_t)elen, "loge", fsize);
    }
  }
  fix_crc32c(fd, 192 << 10, 64 << 10, "regi", fsize);
  fix_crc32c(fd, 256 << 10, 64 << 10, "regi", fsize);
}

/* VHD: one's complement of the byte sum, big-endian, field zeroed. */
static int fix_vhd_one(int fd, uint64_t off, size_t len, const char *sig,
                       size_t field, uint64_t fsize, uint8_t *out)
{
  uint32_t sum = 0;

  if (off > fsize || len > fsize - off ||
      pread(fd, out, len, (off_t)off) != (ssize_t)len ||
      memcmp(out, sig, 8) != 0)
    return 0;
  memset(out + field, 0, 4);
  for (size_t i = 0; i < len; i++)
    sum += out[i];
  sum = ~sum;
  for (int i = 0; i < 4; i++)
    out[field + i] = (uint8_t)(sum >> (24 - 8 * i));
  if (pwrite(fd, out, len, (off_t)off) != (ssize_t)len)
    abort();
  return 1;
}

static void fix_vhd(int fd, uint64_t fsize)
{
  uint8_t f[512], h[1024];

  fix_vhd_one(fd, 0, 512, "conectix", 64, fsize, f);   /* the copy */
  if (fsize >= 512 &&
      fix_vhd_one(fd, fsize - 512, 512, "conectix", 64, fsize, f))
    fix_vhd_one(fd, be(f + 16, 8), 1024, "cxsparse", 36, fsize, h);
}

static int is_format(const char *name)
{
  const char *f = format_name();
  return f && (strcmp(f, name) == 0 || strcmp(f, "convert") == 0);
}

static int write_sparse(int fd, const uint8_t *data, size_t size)
{
  size_t m = sizeof SPARSE_MAGIC - 1, at = m + 8;
  uint64_t fsize;
  int fix;

  if (size < at || (memcmp(data, SPARSE_MAGIC, m) != 0 &&
                    memcmp(data, SPARSE_MAGIC_FIX, m) != 0))
    return 0;
  fix = memcmp(data, SPARSE_MAGIC_FIX, m) == 0;
  fsize = le(data + m, 8);
  if (fsize > SPARSE_MAX_SIZE)
    fsize = SPARSE_MAX_SIZE;
  if (ftruncate(fd, (off_t)fsize) < 0)
    abort();
  while (at + 6 <= size) {
    uint64_t off = le(data + at, 4);
    size_t len = (size_t)le(data + at + 4, 2);
    at += 6;
    if (len > size - at)
      len = size - at;
    if (off + len > fsize)   /* chunks stay inside the stated size */
      len = off < fsize ? (size_t)(fsize - off) : 0;
    if (len && pwrite(fd, data + at, len, (off_t)off) != (ssize_t)len)
      abort();
    at += len;
  }
  /* the convert target probes, so any format's checksums may matter */
  if (fix && is_format("vhdx"))
    fix_vhdx(fd, fsize);
  if (fix && is_format("vhd"))
    fix_vhd(fd, fsize);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int fd = -1;
  char path[64];

  /* An in-memory file: hvx opens paths, and /proc/self/fd gives one. */
  if (fd < 0 && (fd = memfd_create("hvx-fuzz", 0)) < 0)
    abort();
  if (ftruncate(fd, 0) < 0)
    abort();
  if (!write_sparse(fd, data, size) &&
      pwrite(fd, data, size, 0) != (ssize_t)size)
    abort();
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  exercise(path, format_name());
  return 0;
}

#ifndef HVX_LIBFUZZER
int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: HVX_FUZZ_FORMAT=FMT fuzz-image FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    /* sparse inputs are expanded the way the fuzzer sees them */
    FILE *f = fopen(argv[i], "rb");
    char magic[sizeof SPARSE_MAGIC - 1];
    int sparse = f && fread(magic, 1, sizeof magic, f) == sizeof magic &&
                 (memcmp(magic, SPARSE_MAGIC, sizeof magic) == 0 ||
                  memcmp(magic, SPARSE_MAGIC_FIX, sizeof magic) == 0);
    if (f)
      fclose(f);
    if (sparse) {
      static uint8_t in[16u << 20];
      size_t n;
      f = fopen(argv[i], "rb");
      n = f ? fread(in, 1, sizeof in, f) : 0;
      if (f)
        fclose(f);
      LLVMFuzzerTestOneInput(in, n);
    } else {
      exercise(argv[i], format_name());
    }
  }
  printf("%d inputs replayed\n", argc - 1);
  return 0;
}
#endif
