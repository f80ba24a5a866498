/* stub */
#include "config.h"
#include "hyperv-internal.h"
