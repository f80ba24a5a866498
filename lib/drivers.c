/* hvx - the formats compiled in.  Add a driver here and in Makefile.am. */
#include "config.h"

#include "internal.h"

extern const struct hvx_driver hvx_driver_raw;
extern const struct hvx_driver hvx_driver_vhdx;

const struct hvx_driver *const hvx_drivers[] = {
  &hvx_driver_vhdx,
  &hvx_driver_raw, /* last: it accepts anything, with the lowest score */
  NULL,
};
