/* hvx - xl.cfg: pieces shared by the reader and the writer.  Internal. */
#ifndef HVX_XL_INTERNAL_H
#define HVX_XL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "vm-internal.h"

/* Largest xl.cfg hvx reads: real ones are a few KiB. */
#define XL_MAX_CONFIG (1u << 20)

/* Where a setting, or one item of its list, starts (1-based). */
struct xl_pos {
  int line, col;
};

/* One key as the file sets it.  libxlutil has no way to list the keys
 * of a config, so hvx scans for them itself (after libxlutil accepted
 * the file) and asks libxlutil for each value. */
struct xl_setting {
  char *key;
  struct xl_pos pos;     /* of the key's last assignment */
  struct xl_pos *items;  /* of each top-level list item, in list order */
  size_t n_items;
  bool consumed;         /* the reader mapped it onto the model */
};

struct xl_settings {
  struct xl_setting *v;
  size_t n;
};

/* Scan DATA (LEN bytes) for its settings, in order of first assignment;
 * later assignments replace positions (`=`) or append list items (`+=`)
 * as libxlutil does with the values.  -1 with EBADMSG if DATA is not
 * well-formed (callers run libxlutil first, so this means the two
 * disagree). */
int xl_scan(const char *data, size_t len, struct xl_settings *out);
void xl_settings_free(struct xl_settings *s);
struct xl_setting *xl_find(struct xl_settings *s, const char *key);

/* The 1-based column at which NEEDLE (NLEN bytes) first occurs in line
 * LINE of DATA, or 0 if it does not.  An empty NEEDLE or "\n" gives the
 * column just past the line's end. */
int xl_column_of(const char *data, size_t len, int line, const char *needle,
                 size_t nlen);

/* True if S can be an xl key: [a-z][a-z0-9._]*. */
bool xl_is_key(const char *s);

/* Append S to B as an xl string literal: double-quoted, with \\, \" and
 * the control characters that have letter escapes escaped. */
void xl_quote(struct hvx_buf *b, const char *s);

/* Append S as a bare number when it is one (decimal or 0x hex), else
 * quoted. */
void xl_atom(struct hvx_buf *b, const char *s);

#endif /* HVX_XL_INTERNAL_H */
