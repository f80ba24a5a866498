/* hvx tests - Xen's own libxlutil as the oracle for xl.cfg tests. */
#ifndef HVX_XL_ORACLE_H
#define HVX_XL_ORACLE_H

#include <libxl.h>
#include <libxlutil.h>

#include "testutil.h"

/* Parse TEXT with libxlutil; fails the test if it does not parse. */
static inline XLU_Config *oracle_parse(const char *text)
{
  XLU_Config *c = xlu_cfg_init(stderr, "oracle");
  assert_non_null(c);
  if (xlu_cfg_readdata(c, text, (int)strlen(text)) != 0)
    fail_msg("libxlutil cannot parse:\n%s", text);
  return c;
}

/* libxlutil's own reading of one disk spec. */
static inline void oracle_disk(const char *spec, libxl_device_disk *d)
{
  XLU_Config *c = xlu_cfg_init(stderr, "oracle");
  libxl_device_disk_init(d);
  if (xlu_disk_parse(c, 1, &spec, d) != 0)
    fail_msg("libxlutil cannot parse disk spec '%s'", spec);
  xlu_cfg_destroy(c);
}

static inline int str_eq(const char *a, const char *b)
{
  if (!a || !*a)
    return !b || !*b;
  return b && strcmp(a, b) == 0;
}

/* Every field xlu_disk_parse sets must agree. */
static inline void assert_disks_equal(const libxl_device_disk *a,
                                      const libxl_device_disk *b,
                                      const char *what)
{
#define SAME(cond, field) \
  if (!(cond)) fail_msg("%s: disk field %s differs", what, field)
  SAME(str_eq(a->pdev_path, b->pdev_path), "target");
  SAME(str_eq(a->vdev, b->vdev), "vdev");
  SAME(a->backend == b->backend, "backendtype");
  SAME(str_eq(a->backend_domname, b->backend_domname), "backend");
  SAME(a->format == b->format, "format");
  SAME(str_eq(a->script, b->script), "script");
  SAME(a->readwrite == b->readwrite, "access");
  SAME(a->is_cdrom == b->is_cdrom, "devtype");
  SAME(a->removable == b->removable, "removable");
  SAME(a->direct_io_safe == b->direct_io_safe, "direct-io-safe");
  SAME(!memcmp(&a->discard_enable, &b->discard_enable,
               sizeof a->discard_enable), "discard");
  SAME(!memcmp(&a->colo_enable, &b->colo_enable, sizeof a->colo_enable),
       "colo");
  SAME(str_eq(a->colo_host, b->colo_host), "colo-host");
  SAME(a->colo_port == b->colo_port, "colo-port");
  SAME(str_eq(a->colo_export, b->colo_export), "colo-export");
  SAME(str_eq(a->active_disk, b->active_disk), "active-disk");
  SAME(str_eq(a->hidden_disk, b->hidden_disk), "hidden-disk");
  SAME(a->specification == b->specification, "specification");
#undef SAME
}

/* Deep equality of two libxlutil values (strings or nested lists). */
static inline int values_equal(XLU_Config *ca, XLU_ConfigValue *a,
                               XLU_Config *cb, XLU_ConfigValue *b)
{
  char *sa, *sb;
  XLU_ConfigList *la, *lb;

  if (xlu_cfg_value_type(a) != xlu_cfg_value_type(b))
    return 0;
  if (xlu_cfg_value_type(a) == XLU_STRING) {
    xlu_cfg_value_get_string(ca, a, &sa, 1);
    xlu_cfg_value_get_string(cb, b, &sb, 1);
    return strcmp(sa, sb) == 0;
  }
  xlu_cfg_value_get_list(ca, a, &la, 1);
  xlu_cfg_value_get_list(cb, b, &lb, 1);
  for (int i = 0;; i++) {
    XLU_ConfigValue *x = xlu_cfg_get_listitem2(la, i);
    XLU_ConfigValue *y = xlu_cfg_get_listitem2(lb, i);
    if (!x || !y)
      return !x && !y;
    if (!values_equal(ca, x, cb, y))
      return 0;
  }
}

/* KEY has the same value in both configs (or is absent from both). */
static inline void assert_key_equal(XLU_Config *a, XLU_Config *b,
                                    const char *key)
{
  const char *sa, *sb;
  XLU_ConfigList *la, *lb;
  int na, nb;

  if (!xlu_cfg_get_string(a, key, &sa, 1)) {
    if (xlu_cfg_get_string(b, key, &sb, 1) || strcmp(sa, sb))
      fail_msg("key %s: '%s' became something else", key, sa);
    return;
  }
  if (!xlu_cfg_get_list(a, key, &la, &na, 1)) {
    if (xlu_cfg_get_list(b, key, &lb, &nb, 1) || na != nb)
      fail_msg("key %s: list changed", key);
    for (int i = 0; i < na; i++)
      if (!values_equal(a, xlu_cfg_get_listitem2(la, i), b,
                        xlu_cfg_get_listitem2(lb, i)))
        fail_msg("key %s: item %d changed", key, i);
    return;
  }
  if (!xlu_cfg_get_string(b, key, &sb, 1) ||
      !xlu_cfg_get_list(b, key, &lb, &nb, 1))
    fail_msg("key %s appeared", key);
}

#endif /* HVX_XL_ORACLE_H */
