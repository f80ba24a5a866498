/* hvx - error reporting.
 *
 * Every hvx call that can fail returns -1 (or NULL) and records, in
 * thread-local storage, an errno-style code and a message.  The message
 * names what was wrong: the format, the structure and the field, e.g.
 * "qcow2: L1 table offset 0x40000000 beyond end of file (size 196608)".
 * A successful call does not clear the last error.
 */
#ifndef HVX_ERROR_H
#define HVX_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes are errno values.  The ones hvx itself raises mean:
 *   EINVAL     a bad argument from the caller (bad option, bad size, ...)
 *   EBADMSG    the image is malformed or corrupt (bad magic, checksum,
 *              out-of-range offset, truncated file, ...)
 *   ENOTSUP    a valid image using a feature hvx does not support, or an
 *              operation the format cannot do
 *   EFBIG      a size beyond what the format or hvx allows
 *   EEXIST     the destination exists and overwriting was not asked for
 *   ELOOP      a backing chain that is too deep or cyclic
 *   EPERM      a backing file refused by policy (protocol name, absolute
 *              path escaping the image directory, resolution disabled)
 *   ECANCELED  an operation cancelled by the caller
 *   EBUSY      the image is locked by another process
 * System errors (ENOENT, EACCES, EIO, ENOSPC, ENOMEM, ...) pass through. */

/* hvx_errno: the code of the last error in the calling thread, 0 if none. */
int hvx_errno(void);

/* hvx_error: the message of the last error in the calling thread, or ""
 * if none.  The string belongs to hvx and stays valid until the next hvx
 * call in the same thread. */
const char *hvx_error(void);

/* hvx_clear_error: forget the calling thread's last error. */
void hvx_clear_error(void);

#ifdef __cplusplus
}
#endif

#endif /* HVX_ERROR_H */
