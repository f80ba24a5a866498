/* hvx - thread-local last error, in the manner of libnbd. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define HVX_ERROR_MAX 1024

struct last_error {
  int errnum;
  char msg[HVX_ERROR_MAX];
};

static _Thread_local struct last_error last_error;

int hvx_set_error(int errnum, const char *fmt, ...)
{
  va_list ap;
  /* Format into a scratch buffer first: FMT's arguments may point into
   * the current message (when re-raising with more context). */
  char tmp[HVX_ERROR_MAX];

  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  memcpy(last_error.msg, tmp, sizeof tmp);
  last_error.errnum = errnum ? errnum : EIO;
  return -1;
}

void hvx_prefix_error(const char *fmt, ...)
{
  va_list ap;
  char prefix[HVX_ERROR_MAX], tmp[HVX_ERROR_MAX];

  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* Truncating an over-long message is intended. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
  snprintf(tmp, sizeof tmp, "%s: %s", prefix, last_error.msg);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  memcpy(last_error.msg, tmp, sizeof tmp);
}

HVX_API int hvx_errno(void)
{
  return last_error.errnum;
}

HVX_API const char *hvx_error(void)
{
  return last_error.msg;
}

HVX_API void hvx_clear_error(void)
{
  last_error.errnum = 0;
  last_error.msg[0] = '\0';
}

HVX_API const char *hvx_version(void)
{
  return PACKAGE_VERSION;
}
