/* hvx - a growing string with a sticky allocation error, for writers of
 * text formats (JSON, xl.cfg).  Internal. */
#ifndef HVX_STRBUF_H
#define HVX_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct hvx_buf {
  char *s;
  size_t len, cap;
  bool failed; /* an allocation failed: later calls do nothing */
};

#define HVX_BUF_INIT { NULL, 0, 0, false }

void hvx_buf_add(struct hvx_buf *b, const char *s);
void hvx_buf_addn(struct hvx_buf *b, const char *s, size_t n);
void hvx_buf_printf(struct hvx_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* S as a JSON string literal with its quotes; NULL as null. */
void hvx_buf_json_string(struct hvx_buf *b, const char *s);
/* S as one word for a POSIX shell: in single quotes, each ' written as
 * '\'' (nothing inside single quotes is special to the shell). */
void hvx_buf_shell_quote(struct hvx_buf *b, const char *s);
/* The string, owned by the caller; NULL with ENOMEM if anything failed.
 * B is reset either way. */
char *hvx_buf_finish(struct hvx_buf *b);
void hvx_buf_free(struct hvx_buf *b);

#endif /* HVX_STRBUF_H */
