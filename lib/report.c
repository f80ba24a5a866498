/* hvx - translation reports: what changed or was lost, and what to do. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strbuf.h"
#include "vm-internal.h"

struct report_item {
  int severity;
  char *subject, *message, *advice;
};

struct hvx_report {
  struct report_item *v;
  size_t n, cap;
};

/* A report grows by one item per finding; this bounds a runaway
 * translation (a config with a million unknown keys is refused long
 * before, but the report must not be the thing that explodes). */
#define REPORT_MAX_ITEMS 100000u

HVX_API hvx_report *hvx_report_new(void)
{
  return hvx_calloc(1, sizeof(hvx_report), "a report");
}

HVX_API void hvx_report_free(hvx_report *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->v[i].subject);
    free(r->v[i].message);
    free(r->v[i].advice);
  }
  free(r->v);
  free(r);
}

HVX_API int hvx_report_add(hvx_report *r, int severity, const char *subject,
                           const char *message, const char *advice)
{
  struct report_item it = { severity, NULL, NULL, NULL };

  if (!r)
    return hvx_set_error(EINVAL, "report: NULL report");
  if (severity < HVX_SEVERITY_INFO || severity > HVX_SEVERITY_LOSS)
    return hvx_set_error(EINVAL, "report: unknown severity %d", severity);
  if (!subject || !message)
    return hvx_set_error(EINVAL, "report: an item needs a subject and a "
                         "message");
  if (r->n >= REPORT_MAX_ITEMS)
    return hvx_set_error(EFBIG, "report: more than %u items", 
                         REPORT_MAX_ITEMS);
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    struct report_item *v = realloc(r->v, cap * sizeof *v);
    if (!v)
      return hvx_set_error(ENOMEM, "report: cannot grow to %zu items", cap);
    r->v = v;
    r->cap = cap;
  }
  it.subject = strdup(subject);
  it.message = strdup(message);
  it.advice = strdup(advice ? advice : "");
  if (!it.subject || !it.message || !it.advice) {
    free(it.subject);
    free(it.message);
    free(it.advice);
    return hvx_set_error(ENOMEM, "report: cannot copy an item");
  }
  r->v[r->n] = it;
  return (int)r->n++;
}

int hvx_report_addf(hvx_report *r, int severity, const char *subject,
                    const char *advice, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!r)
    return 0;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hvx_report_add(r, severity, subject, msg, advice) < 0 ? -1 : 0;
}

HVX_API size_t hvx_report_count(const hvx_report *r)
{
  return r ? r->n : 0;
}

static const struct report_item *item(const hvx_report *r, size_t i)
{
  if (!r || i >= r->n) {
    hvx_set_error(EINVAL, "report: no item %zu (the report has %zu)", i,
                  r ? r->n : 0);
    return NULL;
  }
  return &r->v[i];
}

HVX_API int hvx_report_severity(const hvx_report *r, size_t i)
{
  const struct report_item *it = item(r, i);
  return it ? it->severity : -1;
}

HVX_API const char *hvx_report_subject(const hvx_report *r, size_t i)
{
  const struct report_item *it = item(r, i);
  return it ? it->subject : NULL;
}

HVX_API const char *hvx_report_message(const hvx_report *r, size_t i)
{
  const struct report_item *it = item(r, i);
  return it ? it->message : NULL;
}

HVX_API const char *hvx_report_advice(const hvx_report *r, size_t i)
{
  const struct report_item *it = item(r, i);
  return it ? it->advice : NULL;
}

HVX_API int hvx_report_max_severity(const hvx_report *r)
{
  int max = -1;

  for (size_t i = 0; r && i < r->n; i++)
    if (r->v[i].severity > max)
      max = r->v[i].severity;
  return max;
}

HVX_API const char *hvx_severity_name(int severity)
{
  switch (severity) {
  case HVX_SEVERITY_INFO: return "info";
  case HVX_SEVERITY_WARNING: return "warning";
  case HVX_SEVERITY_LOSS: return "loss";
  default: return "?";
  }
}

HVX_API char *hvx_report_to_json(const hvx_report *r)
{
  struct hvx_buf b = HVX_BUF_INIT;

  hvx_buf_add(&b, "[");
  for (size_t i = 0; r && i < r->n; i++) {
    hvx_buf_add(&b, i ? ",\n  {" : "\n  {");
    hvx_buf_add(&b, "\"severity\": ");
    hvx_buf_json_string(&b, hvx_severity_name(r->v[i].severity));
    hvx_buf_add(&b, ", \"subject\": ");
    hvx_buf_json_string(&b, r->v[i].subject);
    hvx_buf_add(&b, ", \"message\": ");
    hvx_buf_json_string(&b, r->v[i].message);
    hvx_buf_add(&b, ", \"advice\": ");
    hvx_buf_json_string(&b, r->v[i].advice);
    hvx_buf_add(&b, "}");
  }
  hvx_buf_add(&b, r && r->n ? "\n]" : "]");
  return hvx_buf_finish(&b);
}
