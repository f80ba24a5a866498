/* hvx - translation reports.
 *
 * Every translation of a guest description (xl.cfg to the model, the
 * model to Hyper-V, ...) fills an hvx_report besides its result: one
 * item for each thing that changed or could not be carried over, with
 * what it concerns, what happened and what a person can do about it.
 * A report may be used by one thread at a time.
 */
#ifndef HVX_REPORT_H
#define HVX_REPORT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvx_report hvx_report;

/* How much an item matters. */
enum hvx_severity {
  HVX_SEVERITY_INFO = 0,    /* carried over, but changed in form (a disk
                               renamed, a default made explicit) */
  HVX_SEVERITY_WARNING = 1, /* carried over, but the guest or the user
                               may have to act (drivers, fstab names) */
  HVX_SEVERITY_LOSS = 2,    /* not carried over at all */
};

/* hvx_report_new: an empty report.  NULL on ENOMEM. */
hvx_report *hvx_report_new(void);

/* hvx_report_free: release R (NULL is ignored). */
void hvx_report_free(hvx_report *r);

/* hvx_report_add: append an item.  SEVERITY is an hvx_severity.
 * SUBJECT names what the item is about, in the words of the source
 * description ("disk xvda", "nic 0", "key cpuid", "guest").  MESSAGE says
 * what happened; ADVICE (may be NULL) what to do about it.  Strings are
 * copied.  Returns the new item's index, or -1 (EINVAL for a bad
 * severity or NULL subject/message, ENOMEM). */
int hvx_report_add(hvx_report *r, int severity, const char *subject,
                   const char *message, const char *advice);

/* hvx_report_count: the number of items (0 for NULL). */
size_t hvx_report_count(const hvx_report *r);

/* Item accessors.  I must be below hvx_report_count; otherwise they
 * return -1 / NULL with EINVAL.  Strings belong to R and live until it is
 * freed.  hvx_report_advice returns "" for an item without advice. */
int hvx_report_severity(const hvx_report *r, size_t i);
const char *hvx_report_subject(const hvx_report *r, size_t i);
const char *hvx_report_message(const hvx_report *r, size_t i);
const char *hvx_report_advice(const hvx_report *r, size_t i);

/* hvx_report_max_severity: the highest severity among the items, or -1
 * if there are none. */
int hvx_report_max_severity(const hvx_report *r);

/* hvx_severity_name: "info", "warning" or "loss" ("?" if unknown).
 * The string is static. */
const char *hvx_severity_name(int severity);

/* hvx_report_to_json: the report as a JSON array of objects
 * {"severity", "subject", "message", "advice"}, in a string the caller
 * frees with free().  NULL on ENOMEM. */
char *hvx_report_to_json(const hvx_report *r);

#ifdef __cplusplus
}
#endif

#endif /* HVX_REPORT_H */
