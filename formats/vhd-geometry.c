/* hvx - VHD disk geometry, size rules and checksums. */
#include "config.h"

#include <string.h>

#include "vhd-geometry.h"

/* The appendix of Microsoft's "Virtual Hard Disk Image Format
 * Specification" (2006), step by step.  Its quirks are kept on purpose,
 * because Virtual PC sizes disks by exactly this geometry: sizes at or
 * above 65535*16*63 sectors always get 255 sectors per track and 16
 * heads, smaller ones try 17, then 31, then 63 sectors per track, and the
 * cylinder count is rounded down. */
struct vhd_chs vhd_chs_from_size(uint64_t size)
{
  uint64_t total = size / 512, spt, heads, cth;
  struct vhd_chs g;

  if (total > 65535ull * 16 * 255)
    total = 65535ull * 16 * 255;
  if (total >= 65535ull * 16 * 63) {
    spt = 255;
    heads = 16;
    cth = total / spt;
  } else {
    spt = 17;
    cth = total / spt;
    heads = (cth + 1023) / 1024;
    if (heads < 4)
      heads = 4;
    if (cth >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cth = total / spt;
    }
    if (cth >= heads * 1024) {
      spt = 63;
      heads = 16;
      cth = total / spt;
    }
  }
  g.cylinders = (uint16_t)(cth / heads);
  g.heads = (uint8_t)heads;
  g.spt = (uint8_t)spt;
  return g;
}

uint64_t vhd_chs_bytes(struct vhd_chs g)
{
  return (uint64_t)g.cylinders * g.heads * g.spt * 512;
}

bool vhd_chs_is_max(struct vhd_chs g)
{
  return g.cylinders == VHD_CHS_MAX_CYLINDERS &&
         g.heads == VHD_CHS_MAX_HEADS && g.spt == VHD_CHS_MAX_SPT;
}

/* The size rule.  The footer holds two sizes, and writers disagree about
 * which one counts:
 *   - Virtual PC ("vpc ") sizes a disk by its CHS geometry; the current
 *     size may be a little larger and its tail is not part of the disk.
 *     qemu without force_size ("qemu") writes a current size equal to the
 *     geometry's, so either reading gives the same answer.
 *   - Hyper-V and Windows ("win "), qemu with force_size ("qem2"),
 *     Disk2vhd ("d2v\0"), XenServer/blktap ("tap\0", "xen ", "CTXS"),
 *     Azure tools and everything else size the disk by the current size;
 *     their geometry is rounded down and would cut the tail off.
 *   - A geometry of 65535/16/255 cannot describe the disk at all (it is
 *     the ceiling of the CHS scheme), and a zero geometry describes no
 *     disk: the current size then counts whatever the creator.
 * qemu 7.2 agrees for "vpc ", "qemu", "win ", "qem2", "tap\0", "CTXS",
 * "d2v " and the maximal geometry, but sizes "xen ", "d2v\0" and unknown
 * creators by the geometry, silently dropping their tail; hvx does not
 * (qemu 10 does the same as hvx). */
enum vhd_size_source vhd_size_source(const uint8_t creator[4],
                                     struct vhd_chs g)
{
  if (vhd_chs_is_max(g) || vhd_chs_bytes(g) == 0)
    return VHD_SIZE_CURRENT;
  if (memcmp(creator, "vpc ", 4) == 0 || memcmp(creator, "qemu", 4) == 0)
    return VHD_SIZE_CHS;
  return VHD_SIZE_CURRENT;
}

uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t csum_off)
{
  uint32_t sum = 0;

  for (size_t i = 0; i < len; i++)
    if (i < csum_off || i >= csum_off + 4)
      sum += buf[i];
  return ~sum;
}
