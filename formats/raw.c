/* hvx - raw images: the file is the disk.  Sparse-aware: holes are found
 * with SEEK_DATA/SEEK_HOLE and made with hole punching. */
#include "config.h"

#include "internal.h"

/* Any file is a valid raw image, so raw only ever bids the minimum and
 * wins when nothing else recognises the file (as libarchive's raw
 * reader does). */
static int raw_probe(struct hvx_file *f, const uint8_t *head, size_t len,
                     uint64_t filesize)
{
  (void)f; (void)head; (void)len; (void)filesize;
  return 1;
}

static int raw_open(struct hvx_image *img)
{
  int64_t size = hvx_file_size(&img->file);

  if (size < 0)
    return -1;
  img->size = (uint64_t)size;
  return 0;
}

static int raw_create(struct hvx_image *img, uint64_t size,
                      struct hvx_opts *opts)
{
  if (hvx_opts_check_all_taken(opts, "raw") < 0)
    return -1;
  if (hvx_file_truncate(&img->file, size) < 0)
    return -1;
  img->size = size;
  return 0;
}

static int raw_block_status(struct hvx_image *img, uint64_t offset,
                            uint64_t length, uint64_t *pnum, unsigned *flags)
{
  /* Past the last data the file reads as zeros (hvx_file_pread_zerofill
   * even beyond its end). */
  return hvx_file_block_status(&img->file, offset, length, HVX_BS_ZERO,
                               pnum, flags);
}

static int raw_pread(struct hvx_image *img, void *buf, size_t count,
                     uint64_t offset)
{
  /* The virtual size is the file size at open; a file that shrank since
   * reads as zeros past its end rather than failing half-way. */
  return hvx_file_pread_zerofill(&img->file, buf, count, offset);
}

static int raw_pwrite(struct hvx_image *img, const void *buf, size_t count,
                      uint64_t offset)
{
  return hvx_file_pwrite(&img->file, buf, count, offset);
}

static int raw_zero(struct hvx_image *img, uint64_t offset, uint64_t length,
                    unsigned flags)
{
  (void)flags;
  return hvx_file_punch(&img->file, offset, length);
}

static void raw_readahead(struct hvx_image *img, uint64_t offset,
                          uint64_t length)
{
  hvx_file_readahead(&img->file, offset, length);
}

static int raw_flush(struct hvx_image *img)
{
  return hvx_file_sync(&img->file);
}

const struct hvx_driver hvx_driver_raw = {
  .name = "raw",
  .probe = raw_probe,
  .open = raw_open,
  .create = raw_create,
  .block_status = raw_block_status,
  .pread = raw_pread,
  .pwrite = raw_pwrite,
  .zero = raw_zero,
  .flush = raw_flush,
  .readahead = raw_readahead,
  /* pread/pwrite are positional and nothing is allocated. */
  .thread_safe = true,
};
