/* hvx - converting an image from one format to another.
 *
 * The conversion reads the source by block status: holes and zero
 * extents are never copied as data, and they stay holes in the target.
 * The target is written under a temporary name in its directory and
 * renamed into place only when complete; on error or cancellation the
 * temporary file is removed and an existing destination is untouched.
 */
#ifndef HVX_CONVERT_H
#define HVX_CONVERT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvx_convert_options hvx_convert_options;

/* hvx_progress_fn: called with the bytes of virtual disk done so far and
 * the total: once with 0 at the start, then as the work goes (at most
 * about every 20 ms), and once with DONE == TOTAL when all data is
 * written, before the final sync and rename.  Calls are never concurrent
 * (this implementation makes them all from the thread that called
 * hvx_convert), so the callback needs no locking of its own.  Returning
 * non-zero cancels the conversion, even from the last call. */
typedef int (*hvx_progress_fn)(void *opaque, uint64_t done, uint64_t total);

/* hvx_convert_options_new: options with defaults: probe the source
 * format, target format "raw", no target options, no compression, zero
 * detection on, no digest, never overwrite an existing destination,
 * threads chosen from the machine.  NULL on ENOMEM. */
hvx_convert_options *hvx_convert_options_new(void);

/* hvx_convert_options_free: release OPTS (NULL is ignored). */
void hvx_convert_options_free(hvx_convert_options *opts);

/* Setters: each returns 0, or -1 with EINVAL for a bad value.  Strings
 * are copied. */
int hvx_convert_set_source_format(hvx_convert_options *opts,
                                  const char *format);
int hvx_convert_set_target_format(hvx_convert_options *opts,
                                  const char *format);
/* Comma-separated key=value options for the target format, as for
 * hvx_create. */
int hvx_convert_set_target_options(hvx_convert_options *opts,
                                   const char *options);
/* Compress the output (qcow2 only; ENOTSUP for other formats). */
int hvx_convert_set_compress(hvx_convert_options *opts, int on);
/* Write all-zero data as zero/unallocated in the target (default on). */
int hvx_convert_set_detect_zeroes(hvx_convert_options *opts, int on);
/* Replace an existing destination (default off: EEXIST). */
int hvx_convert_set_overwrite(hvx_convert_options *opts, int on);
/* Worker threads, 0 = chosen from the machine (its CPUs, at most 8), at
 * most 64.  Workers read, detect zeros and compress in parallel; a
 * writer thread (for formats that allocate) and the calling thread
 * (digest, progress) come on top.  The output is byte-identical whatever
 * the count; memory stays bounded (about 24 MiB of buffers) whatever it
 * is. */
int hvx_convert_set_threads(hvx_convert_options *opts, int threads);
/* Compute a digest of the virtual content while converting: an OpenSSL
 * digest name such as "sha256", or NULL for none. */
int hvx_convert_set_digest(hvx_convert_options *opts, const char *algo);
/* Progress callback, or NULL for none. */
int hvx_convert_set_progress(hvx_convert_options *opts, hvx_progress_fn fn,
                             void *opaque);
/* Do not open the source's backing files (unallocated reads as zero). */
int hvx_convert_set_no_backing(hvx_convert_options *opts, int on);
/* Make the output durable (fdatasync) before renaming it into place
 * (default on).  Off, as qemu-img convert's default cache mode, the
 * kernel writes it back later: faster, but a system crash soon after may
 * leave the destination with missing data. */
int hvx_convert_set_sync(hvx_convert_options *opts, int on);

/* hvx_convert_cancel: ask a running hvx_convert using OPTS to stop; it
 * returns within moments with ECANCELED, its temporary file removed.
 * Safe to call from any thread or a signal handler.  (hvx_convert clears
 * the request when it starts.) */
void hvx_convert_cancel(hvx_convert_options *opts);

/* hvx_convert_digest: the lowercase hex digest computed by the last
 * successful hvx_convert with OPTS, or NULL. */
const char *hvx_convert_digest(const hvx_convert_options *opts);

/* hvx_convert: convert the image SRC to DST under OPTS (NULL for the
 * defaults).  Returns 0, or -1 on error (ECANCELED when cancelled). */
int hvx_convert(const char *src, const char *dst,
                hvx_convert_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* HVX_CONVERT_H */
