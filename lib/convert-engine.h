/* hvx - the conversion pipeline (lib/convert-engine.c), used by
 * hvx_convert (lib/convert.c), which owns files, names and options. */
#ifndef HVX_CONVERT_ENGINE_H
#define HVX_CONVERT_ENGINE_H

#include <stdatomic.h>

#include "internal.h"

struct hvx_convert_job {
  struct hvx_image *src, *dst; /* opened source, freshly created target */
  int threads;                 /* worker threads, >= 1 */
  bool compress;               /* write compressed units (qcow2 -c) */
  bool detect_zeroes;          /* skip all-zero data in allocated extents */
  EVP_MD_CTX *md;              /* digest of the virtual content, or NULL */
  atomic_int *cancelled;       /* set (from anywhere) to stop */
  hvx_progress_fn progress;    /* called from the caller's thread only */
  void *progress_opaque;
};

/* The default number of worker threads for this machine. */
int hvx_convert_default_threads(void);

/* Copy J->src into J->dst (a new image, so everything not written reads
 * as zeros).  Returns 0, or -1 with the error of the first stage that
 * failed (ECANCELED when cancelled). */
int hvx_convert_run(struct hvx_convert_job *j);

#endif /* HVX_CONVERT_ENGINE_H */
