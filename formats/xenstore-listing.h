/* hvx - a xenstore tree read from a text listing (xenstore-listing.c),
 * for the domain reader of xenstore.c. */
#ifndef HVX_XENSTORE_LISTING_H
#define HVX_XENSTORE_LISTING_H

#include <stddef.h>

#include "internal.h"

struct xs_node {
  char *path, *value;
  unsigned len;          /* of value, which may hold NUL bytes */
  unsigned long line;    /* in the listing, for messages */
};

/* The nodes of a listing, sorted by path. */
struct xs_listing {
  struct xs_node *v;
  size_t n;
};

/* Parse LEN bytes of TEXT: lines 'PATH = "VALUE"' (C-style escapes;
 * `xenstore-ls -p` permissions after the value are ignored) or
 * 'PATH = VALUE' (the rest of the line), blank lines and '#' comments.
 * 0, or -1 with EBADMSG naming the line. */
int hvx_xs_listing_parse(struct xs_listing *l, const char *text, size_t len);
void hvx_xs_listing_free(struct xs_listing *l);

/* As libxenstore's xs_read and xs_directory: a malloc'ed value (with
 * its length in *LEN) or a single malloc'ed block of names; NULL with
 * errno ENOENT if PATH does not exist (ENOMEM). */
char *hvx_xs_listing_read(const struct xs_listing *l, const char *path,
                          unsigned *len);
char **hvx_xs_listing_directory(const struct xs_listing *l, const char *path,
                                unsigned *num);

#endif /* HVX_XENSTORE_LISTING_H */
