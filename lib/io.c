/* hvx - positioned file I/O with errors that say what was being read. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int hvx_file_open(struct hvx_file *f, const char *path, bool write,
                  bool create)
{
  int flags = O_CLOEXEC | (write ? O_RDWR : O_RDONLY);

  if (create)
    flags |= O_CREAT | O_EXCL;
  f->fd = open(path, flags, 0644);
  if (f->fd < 0)
    return hvx_set_error(errno, "%s: %s", path, strerror(errno));
  f->writable = write;
  f->nosync = false;
  f->hook = NULL;
  f->path = hvx_strdup(path);
  if (!f->path) {
    close(f->fd);
    f->fd = -1;
    return -1;
  }
  return 0;
}

void hvx_file_close(struct hvx_file *f)
{
  if (f->fd >= 0)
    close(f->fd);
  f->fd = -1;
  free(f->path);
  f->path = NULL;
}

int64_t hvx_file_size(struct hvx_file *f)
{
  struct stat st;

  if (fstat(f->fd, &st) < 0)
    return hvx_set_error(errno, "%s: stat: %s", f->path, strerror(errno));
  if (S_ISBLK(st.st_mode)) {
    off_t end = lseek(f->fd, 0, SEEK_END);
    if (end < 0)
      return hvx_set_error(errno, "%s: seek: %s", f->path, strerror(errno));
    return end;
  }
  return st.st_size;
}

/* Read what is there; return the number of bytes read (short at EOF). */
static ssize_t read_upto(struct hvx_file *f, void *buf, size_t count,
                         uint64_t offset)
{
  size_t done = 0;

  if (offset > INT64_MAX || count > INT64_MAX - offset)
    return hvx_set_error(EINVAL, "%s: read at offset 0x%llx beyond the "
                         "largest file offset", f->path,
                         (unsigned long long)offset);
  while (done < count) {
    ssize_t r = pread(f->fd, (char *)buf + done, count - done,
                      (off_t)(offset + done));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return hvx_set_error(errno, "%s: read at 0x%llx: %s", f->path,
                           (unsigned long long)(offset + done),
                           strerror(errno));
    }
    if (r == 0)
      break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

int hvx_file_pread(struct hvx_file *f, void *buf, size_t count,
                   uint64_t offset, const char *what)
{
  ssize_t r = read_upto(f, buf, count, offset);

  if (r < 0)
    return -1;
  if ((size_t)r < count)
    return hvx_set_error(EBADMSG, "%s: file truncated: %s at 0x%llx "
                         "(%zu bytes) extends past end of file",
                         f->path, what, (unsigned long long)offset, count);
  return 0;
}

int hvx_file_pread_zerofill(struct hvx_file *f, void *buf, size_t count,
                            uint64_t offset)
{
  ssize_t r = read_upto(f, buf, count, offset);

  if (r < 0)
    return -1;
  memset((char *)buf + r, 0, count - (size_t)r);
  return 0;
}

/* The test hook (see internal.h).  It hangs off the file rather than a
 * global so that the library keeps no mutable global state: an image a
 * test opens with a hook cannot affect any other image or thread, and
 * nothing outside libhvxcore can install one.  When unused it costs one
 * never-taken branch per mutating call, next to a system call. */
static int64_t hooked(struct hvx_file *f, enum hvx_io_kind kind,
                      uint64_t offset, uint64_t length, const void *buf)
{
  struct hvx_io_op op = { kind, offset, length, buf };
  int64_t keep = f->hook->fn(f->hook->opaque, &op);

  if (keep < 0)
    return hvx_set_error(EIO, "%s: simulated crash (test I/O hook) at "
                         "0x%llx", f->path, (unsigned long long)offset);
  if (kind == HVX_IO_TRUNCATE || kind == HVX_IO_SYNC)
    return keep != 0;
  return (uint64_t)keep < length ? keep : (int64_t)length;
}

static int write_all(struct hvx_file *f, const void *buf, size_t count,
                     uint64_t offset)
{
  size_t done = 0;

  while (done < count) {
    ssize_t r = pwrite(f->fd, (const char *)buf + done, count - done,
                       (off_t)(offset + done));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return hvx_set_error(errno, "%s: write at 0x%llx: %s", f->path,
                           (unsigned long long)(offset + done),
                           strerror(errno));
    }
    done += (size_t)r;
  }
  return 0;
}

int hvx_file_pwrite(struct hvx_file *f, const void *buf, size_t count,
                    uint64_t offset)
{
  if (offset > INT64_MAX || count > INT64_MAX - offset)
    return hvx_set_error(EFBIG, "%s: write at offset 0x%llx beyond the "
                         "largest file offset", f->path,
                         (unsigned long long)offset);
  if (__builtin_expect(f->hook != NULL, 0)) {
    int64_t keep = hooked(f, HVX_IO_PWRITE, offset, count, buf);
    if (keep < 0)
      return -1;
    count = (size_t)keep;
  }
  return write_all(f, buf, count, offset);
}

int hvx_file_truncate(struct hvx_file *f, uint64_t size)
{
  if (size > INT64_MAX)
    return hvx_set_error(EFBIG, "%s: size %llu too large", f->path,
                         (unsigned long long)size);
  if (__builtin_expect(f->hook != NULL, 0)) {
    int64_t keep = hooked(f, HVX_IO_TRUNCATE, size, 0, NULL);
    if (keep <= 0)
      return (int)keep;
  }
  if (ftruncate(f->fd, (off_t)size) < 0)
    return hvx_set_error(errno, "%s: truncate to %llu: %s", f->path,
                         (unsigned long long)size, strerror(errno));
  return 0;
}

int hvx_file_punch(struct hvx_file *f, uint64_t offset, uint64_t length)
{
  if (__builtin_expect(f->hook != NULL, 0)) {
    int64_t keep = hooked(f, HVX_IO_PUNCH, offset, length, NULL);
    if (keep < 0)
      return -1;
    if (keep == 0)
      return 0;
    length = (uint64_t)keep;
  }
#ifdef FALLOC_FL_PUNCH_HOLE
  if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                (off_t)offset, (off_t)length) == 0)
    return 0;
  if (errno != EOPNOTSUPP && errno != ENOSYS)
    return hvx_set_error(errno, "%s: punch hole at 0x%llx: %s", f->path,
                         (unsigned long long)offset, strerror(errno));
#endif
  /* No hole punching here: write zeros in bounded chunks. */
  {
    static const char zeros[65536];
    while (length > 0) {
      size_t n = (size_t)hvx_min_u64(length, sizeof zeros);
      if (write_all(f, zeros, n, offset) < 0)
        return -1;
      offset += n;
      length -= n;
    }
  }
  return 0;
}

void hvx_file_readahead(struct hvx_file *f, uint64_t offset,
                        uint64_t length)
{
  uint64_t end = offset + length, pnum;
  unsigned flags;

  /* Only the data: on a hole WILLNEED would fill the page cache with
   * zero pages, costing memory and CPU for nothing. */
  while (offset < end) {
    hvx_file_block_status(f, offset, end - offset, HVX_BS_ZERO, &pnum,
                          &flags);
    if (!(flags & HVX_BS_ZERO))
      (void)posix_fadvise(f->fd, (off_t)offset, (off_t)pnum,
                          POSIX_FADV_WILLNEED);
    offset += pnum;
  }
}

int hvx_file_block_status(struct hvx_file *f, uint64_t offset,
                          uint64_t length, unsigned no_data_flags,
                          uint64_t *pnum, unsigned *flags)
{
  off_t data, hole;

  data = lseek(f->fd, (off_t)offset, SEEK_DATA);
  if (data < 0) {
    /* ENXIO: no data from here to the end of the file.  Anything else:
     * no SEEK_DATA on this filesystem or device, so call it all data. */
    *pnum = length;
    *flags = errno == ENXIO ? no_data_flags : HVX_BS_ALLOCATED;
    return 0;
  }
  if ((uint64_t)data > offset) {
    *pnum = hvx_min_u64((uint64_t)data - offset, length);
    *flags = HVX_BS_ZERO;
    return 0;
  }
  /* Data at OFFSET, up to the next hole (there is always one at the end
   * of the file; a failing SEEK_HOLE leaves the whole range data).
   * lseek moves the shared file position, but all hvx I/O is
   * positional, so this is safe beside reads and writes on other
   * threads. */
  hole = lseek(f->fd, (off_t)offset, SEEK_HOLE);
  *pnum = hole > (off_t)offset ?
    hvx_min_u64((uint64_t)hole - offset, length) : length;
  *flags = HVX_BS_ALLOCATED;
  return 0;
}

int hvx_file_sync(struct hvx_file *f)
{
  if (f->nosync)
    return 0;
  if (__builtin_expect(f->hook != NULL, 0)) {
    int64_t keep = hooked(f, HVX_IO_SYNC, 0, 0, NULL);
    if (keep <= 0)
      return (int)keep;
  }
  if (fdatasync(f->fd) < 0 && errno != EINVAL)
    return hvx_set_error(errno, "%s: sync: %s", f->path, strerror(errno));
  return 0;
}
