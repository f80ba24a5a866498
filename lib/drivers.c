/* hvx - the formats compiled in: the list is lib/drivers.def. */
#include "config.h"

#include "internal.h"

#define DRIVER(name) extern const struct hvx_driver hvx_driver_##name;
#include "drivers.def"
#undef DRIVER
extern const struct hvx_driver hvx_driver_raw;

const struct hvx_driver *const hvx_drivers[] = {
#define DRIVER(name) &hvx_driver_##name,
#include "drivers.def"
#undef DRIVER
  &hvx_driver_raw, /* last: it accepts anything, with the lowest score */
  NULL,
};
