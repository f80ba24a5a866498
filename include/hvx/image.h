/* hvx - disk images: open, create, read, write, inspect, check.
 *
 * An hvx_image is an opaque handle on one image file of some format
 * (raw, qcow2, vhd, vhdx).  A handle may be used by one thread at a time;
 * different handles are independent.  All sizes and offsets are bytes,
 * 64-bit.  Every call returning int gives -1 on error (see hvx/error.h).
 */
#ifndef HVX_IMAGE_H
#define HVX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvx_image hvx_image;

/* Flags for hvx_open. */
#define HVX_OPEN_WRITE       0x1u /* open read-write (default read-only) */
#define HVX_OPEN_NO_BACKING  0x2u /* do not open backing/parent files;
                                     unallocated areas then read as zeros */
#define HVX_OPEN_BACKING_ANYWHERE 0x4u /* follow backing paths that are
                                     absolute or lead out of the image's
                                     directory (off: EPERM) */

/* hvx_open: open the image at PATH.  FORMAT is a format name ("raw",
 * "qcow2", "vhd" or "vpc", "vhdx") or NULL to probe the contents; a file
 * the caller declares "raw" is never probed.  FLAGS is a mask of
 * HVX_OPEN_*.  Backing files are resolved relative to the image's
 * directory and must stay inside it unless HVX_OPEN_BACKING_ANYWHERE;
 * protocol names ("nbd:", "json:", ...) are always refused (EPERM).
 * Opening for writing takes an exclusive advisory lock (EBUSY if another
 * process holds one), and checks the image's structures first: one with
 * structures in the same place (which a write would silently spread to
 * other data; see hvx_check) is refused with EBADMSG naming the first
 * problem.  Leaks do not stop writes; reading such an image is allowed.
 * Returns a new handle, or NULL on error (ENOENT, EBADMSG, ENOTSUP, ...).
 * Close it with hvx_close. */
hvx_image *hvx_open(const char *path, const char *format, unsigned flags);

/* hvx_create: create a new image of FORMAT and virtual SIZE at PATH and
 * return it opened read-write.  OPTIONS is NULL or a comma-separated list
 * of key=value format options (e.g. "cluster_size=65536,compat=1.1" for
 * qcow2, "subformat=fixed" for vhd).  Unknown options are an error
 * (EINVAL).  PATH must not exist (EEXIST). */
hvx_image *hvx_create(const char *path, const char *format, uint64_t size,
                      const char *options);

/* hvx_close: flush and release the handle (and its backing chain).
 * Returns -1 if a final flush failed; the handle is freed either way.
 * NULL is accepted and ignored. */
int hvx_close(hvx_image *img);

/* hvx_image_format: the name of the image's format ("qcow2", ...).
 * The string is static. */
const char *hvx_image_format(const hvx_image *img);

/* hvx_image_size: the virtual size in bytes, or -1 on error. */
int64_t hvx_image_size(const hvx_image *img);

/* hvx_image_filename: the path the image was opened with. */
const char *hvx_image_filename(const hvx_image *img);

/* hvx_image_backing: the opened backing (parent) image, or NULL if there
 * is none or it was not opened.  Owned by IMG. */
hvx_image *hvx_image_backing(const hvx_image *img);

/* hvx_pread: read COUNT bytes at OFFSET of the virtual disk into BUF.
 * The range must lie within the virtual size (EINVAL). */
int hvx_pread(hvx_image *img, void *buf, size_t count, uint64_t offset);

/* hvx_pwrite: write COUNT bytes from BUF at OFFSET.  The image must be
 * open for writing (EPERM otherwise). */
int hvx_pwrite(hvx_image *img, const void *buf, size_t count,
               uint64_t offset);

/* Flags for hvx_zero. */
#define HVX_ZERO_MAY_UNMAP 0x1u /* the range may be deallocated */

/* hvx_zero: make LENGTH bytes at OFFSET read as zeros, without writing
 * data where the format can avoid it. */
int hvx_zero(hvx_image *img, uint64_t offset, uint64_t length,
             unsigned flags);

/* hvx_flush: make everything written so far durable. */
int hvx_flush(hvx_image *img);

/* Block status flags. */
#define HVX_BS_ZERO      0x1u /* the range reads as zeros */
#define HVX_BS_ALLOCATED 0x2u /* the range occupies storage in this image
                                 file (not a hole, not from a backing file) */

/* hvx_block_status: describe the extent starting at OFFSET: on success
 * *PNUM is set to its length (1 <= *PNUM <= LENGTH, clipped at the
 * virtual size) and *FLAGS to a mask of HVX_BS_* that holds for all of
 * it.  A range without HVX_BS_ZERO may still contain zeros. */
int hvx_block_status(hvx_image *img, uint64_t offset, uint64_t length,
                     uint64_t *pnum, unsigned *flags);

/* hvx_info_fn: receives one key/value pair of image information.
 * Keys are lowercase words with underscores ("cluster_size",
 * "backing_file", "subformat", "creator_app"); values are strings. */
typedef void (*hvx_info_fn)(void *opaque, const char *key,
                            const char *value);

/* hvx_image_info: call FN for each fact about the image: first "format",
 * "virtual_size" and "actual_size", then the format's own.  Returns 0. */
int hvx_image_info(hvx_image *img, hvx_info_fn fn, void *opaque);

/* Kinds of problem hvx_check reports. */
#define HVX_PROBLEM_CORRUPTION 1 /* data or metadata is wrong */
#define HVX_PROBLEM_LEAK       2 /* space is allocated but unused */
#define HVX_PROBLEM_ERROR      3 /* the check itself could not proceed */

/* hvx_problem_fn: receives one problem: its KIND (HVX_PROBLEM_*), the
 * file OFFSET it concerns (or UINT64_MAX if none) and a message. */
typedef void (*hvx_problem_fn)(void *opaque, int kind, uint64_t offset,
                               const char *message);

/* hvx_check: check the image's structure, calling FN (may be NULL) for
 * each problem.  Returns the number of problems found (0 when clean), or
 * -1 if the check could not run. */
int hvx_check(hvx_image *img, hvx_problem_fn fn, void *opaque);

/* hvx_compare: compare the virtual contents of A and B, like qemu-img
 * compare: if sizes differ, the tail of the larger must read as zeros.
 * Returns 0 if identical, 1 if different (with *FIRST_DIFF, if not NULL,
 * set to the first differing offset), -1 on error. */
int hvx_compare(hvx_image *a, hvx_image *b, uint64_t *first_diff);

/* hvx_digest: compute a digest of IMG's whole virtual content.  ALGO is
 * an OpenSSL digest name ("sha256", "sha512", ...).  The lowercase hex
 * string is written to OUT, which must hold OUTLEN bytes (129 suffice for
 * any algorithm). */
int hvx_digest(hvx_image *img, const char *algo, char *out, size_t outlen);

/* hvx_format_count / hvx_format_name: the formats this build supports. */
int hvx_format_count(void);
const char *hvx_format_name(int index);

/* hvx_parse_size: parse a byte count with an optional K, M, G, T, P or
 * E suffix (powers of 1024; "KiB"/"KB" spellings accepted) into *OUT.
 * Returns 0, or -1 with EINVAL naming what was wrong. */
int hvx_parse_size(const char *s, uint64_t *out);

/* hvx_probe: the format name hvx would choose for PATH, or NULL on
 * error.  The string is static. */
const char *hvx_probe(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* HVX_IMAGE_H */
