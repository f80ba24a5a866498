/* hvx - qcow2: a small write-back LRU cache for L2 tables and refcount
 * blocks.  Tables are one cluster each; a handful of them covers the
 * working set of a sequential conversion, and memory stays bounded
 * whatever the image size. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qcow2.h"

int qcow2_cache_init(struct qcow2_cache *c, unsigned n, uint64_t cs,
                     const char *what)
{
  c->e = hvx_calloc(n, sizeof *c->e, what);
  if (!c->e)
    return -1;
  c->n = n;
  c->what = what;
  for (unsigned i = 0; i < n; i++) {
    c->e[i].data = hvx_aligned_alloc(cs, what);
    if (!c->e[i].data)
      return -1;
  }
  return 0;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
  if (!c->e)
    return;
  for (unsigned i = 0; i < c->n; i++)
    free(c->e[i].data);
  free(c->e);
  c->e = NULL;
}

static int write_entry(struct hvx_image *img, struct qcow2_cache_entry *e)
{
  if (!e->dirty)
    return 0;
  if (qcow2_file_write(img, e->data, qcow2_state(img)->cs, e->offset) < 0)
    return -1;
  e->dirty = false;
  return 0;
}

uint8_t *qcow2_cache_get(struct hvx_image *img, struct qcow2_cache *c,
                         uint64_t offset, bool fresh)
{
  struct qcow2 *q = qcow2_state(img);
  struct qcow2_cache_entry *victim = &c->e[0];

  for (unsigned i = 0; i < c->n; i++) {
    struct qcow2_cache_entry *e = &c->e[i];
    if (e->offset == offset) {
      e->used = ++c->tick;
      if (fresh)
        memset(e->data, 0, q->cs);
      return e->data;
    }
    if (e->offset == 0 || (victim->offset != 0 && e->used < victim->used))
      victim = e;
  }
  /* An L2 table goes out only after the data and refcounts of what it
   * references, as in qcow2_write_metadata; and if the refcount table
   * grew, after the header points at the new one, since only it lists
   * the refcount blocks of clusters past the old one's reach (the table
   * may already be linked from the L1 table on disk).  An image this
   * handle created skips all that: a crash leaves a partial new file,
   * which hvx convert never renames into place, and with small clusters
   * evictions come every few MiB. */
  if (victim->offset && victim->dirty && c == &q->l2c &&
      ((!q->fresh && hvx_file_sync(&img->file) < 0) ||
       qcow2_flush_refcounts(img, !q->fresh) < 0 ||
       (!q->fresh && hvx_file_sync(&img->file) < 0) ||
       (!q->fresh && qcow2_publish_reftable(img) < 0)))
    return NULL;
  if (victim->offset && write_entry(img, victim) < 0)
    return NULL;
  victim->offset = 0;
  if (fresh) {
    memset(victim->data, 0, q->cs);
  } else if (hvx_file_pread(&img->file, victim->data, q->cs, offset,
                            c->what) < 0) {
    return NULL;
  }
  victim->offset = offset;
  victim->dirty = false;
  victim->used = ++c->tick;
  return victim->data;
}

void qcow2_cache_mark_dirty(struct qcow2_cache *c, const uint8_t *data)
{
  for (unsigned i = 0; i < c->n; i++)
    if (c->e[i].data == data)
      c->e[i].dirty = true;
}

int qcow2_cache_flush(struct hvx_image *img, struct qcow2_cache *c)
{
  for (unsigned i = 0; i < c->n; i++)
    if (c->e[i].offset && write_entry(img, &c->e[i]) < 0)
      return -1;
  return 0;
}

void qcow2_cache_drop(struct qcow2_cache *c, uint64_t offset)
{
  for (unsigned i = 0; i < c->n; i++)
    if (c->e[i].offset == offset) {
      c->e[i].offset = 0;
      c->e[i].dirty = false;
    }
}
