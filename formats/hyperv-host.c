/* hvx - the Hyper-V features a Hyper-V host offers its guests.
 *
 * Hyper-V gives every guest the same interfaces; which ones is said by
 * the hypervisor CPUID leaves the guest sees, so hvx keeps those leaves
 * (of a Windows Server 2019 host, composed from the TLFS feature
 * discovery page; tests/data/cpuid/hyperv.txt holds the same values) and
 * lets the enlightenment map turn them into features, as it does for a
 * CPUID dump.  Leaf 0x4000000A is left out: it describes nested
 * virtualization, which a guest has only when its host enables it. */
#include "config.h"

#include <string.h>

#include "hyperv-internal.h"

/* EAX..EDX of leaves 0x40000003 (features), 0x40000004 (recommendations,
 * spin-lock retries in EBX) and 0x40000005 (limits). */
static const uint32_t host_leaves[3][4] = {
  { 0x00002e7f, 0x00020030, 0x00000002, 0x000a8736 },
  { 0x00040e24, 0x00000fff, 0x0000002e, 0x00000000 },
  { 0x00000800, 0x00000800, 0x00000000, 0x00000000 },
};

HVX_API hvx_enl_set hvx_hyperv_features(uint32_t *spinlock_retries)
{
  struct hvx_detect d;
  struct hvx_enl_config c;

  memset(&d, 0, sizeof d);
  d.hv = true;
  d.hv_base = 0x40000000u;
  memcpy(d.hv_regs[3], host_leaves, sizeof host_leaves);
  hvx_enl_from_detect(&d, &c);
  if (spinlock_retries)
    *spinlock_retries = c.spinlock_retries;
  return c.set;
}
