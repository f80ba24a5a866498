/* hvx - qcow2: compressing clusters on the conversion engine's threads.
 *
 * Pure: only the image's cluster size is read, the zlib stream and the
 * padding buffer live in the calling thread's context, so any number of
 * threads may compress at once while one stores (qcow2_store_compressed,
 * in qcow2-write.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "qcow2.h"

struct qcow2_zctx {
  z_stream zs;
  uint8_t *pad; /* a cluster, for the short last unit */
  uint8_t *scratch; /* hvx_deflate_cannot_shrink's */
};

void qcow2_compress_end(void *ctx)
{
  struct qcow2_zctx *c = ctx;

  if (!c)
    return;
  deflateEnd(&c->zs);
  free(c->pad);
  free(c->scratch);
  free(c);
}

/* Raw deflate with a 4 KiB window and zlib's default level, as qemu
 * writes it (a larger window would be unreadable to qemu); kept only
 * if it is smaller than a cluster, as qemu does. */
long qcow2_compress_unit(struct hvx_image *img, void **ctx, const void *in,
                         size_t len, void *out, size_t outcap)
{
  struct qcow2 *q = qcow2_state(img);
  struct qcow2_zctx *c = *ctx;
  size_t cs = (size_t)q->cs, room = outcap < cs - 1 ? outcap : cs - 1;
  int r;

  if (len == 0 || len > cs)
    return hvx_set_error(EINVAL, "qcow2: compressed unit of %zu bytes for "
                         "%zu-byte clusters", len, cs);
  if (!c) {
    if (!(c = hvx_calloc(1, sizeof *c, "zlib stream")))
      return -1;
    if (!(c->scratch = hvx_calloc(1, HVX_DEFLATE_SCRATCH, "zlib stream"))) {
      free(c);
      return -1;
    }
    if (deflateInit2(&c->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      free(c->scratch);
      free(c);
      return hvx_set_error(ENOMEM, "qcow2: cannot initialise zlib");
    }
    *ctx = c;
  } else if (deflateReset(&c->zs) != Z_OK) {
    return hvx_set_error(EIO, "qcow2: zlib deflateReset failed");
  }
  if (len < cs) {
    /* The end of the disk: the cluster is compressed whole, zero-padded. */
    if (!c->pad && !(c->pad = hvx_malloc(cs, "qcow2 buffer")))
      return -1;
    memcpy(c->pad, in, len);
    memset(c->pad + len, 0, cs - len);
    in = c->pad;
  }
  /* Incompressible data (see lib/deflate-bound.c): skip the deflate run
   * that would fail, with the same outcome. */
  if (hvx_deflate_cannot_shrink(in, cs, 4096, c->scratch))
    return 0;
  c->zs.next_in = (Bytef *)in;
  c->zs.avail_in = (uInt)cs;
  c->zs.next_out = out;
  c->zs.avail_out = (uInt)room;
  r = deflate(&c->zs, Z_FINISH);
  if (r == Z_STREAM_END)
    return (long)(room - c->zs.avail_out);
  if (r == Z_OK || r == Z_BUF_ERROR)
    return 0; /* does not fit in less than a cluster: store it plain */
  return hvx_set_error(EIO, "qcow2: zlib deflate failed (%d)", r);
}
