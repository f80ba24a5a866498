/* hvx - VHD disk geometry, size rules and checksums: pure functions with
 * no I/O, kept apart so they can be tested against the specification's
 * numbers on their own (tests/test-vhd-geometry.c). */
#ifndef HVX_VHD_GEOMETRY_H
#define HVX_VHD_GEOMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The footer's "Disk Geometry": cylinders, heads, sectors per track. */
struct vhd_chs {
  uint16_t cylinders;
  uint8_t heads, spt;
};

/* The largest geometry a VHD footer can express; a footer holding it
 * means "the geometry says nothing, use the current size". */
#define VHD_CHS_MAX_CYLINDERS 65535
#define VHD_CHS_MAX_HEADS 16
#define VHD_CHS_MAX_SPT 255

/* vhd_chs_from_size: the geometry the specification's appendix ("CHS
 * Calculation") gives for a disk of SIZE bytes.  It rounds down: the
 * geometry may describe fewer bytes than SIZE. */
struct vhd_chs vhd_chs_from_size(uint64_t size);

/* vhd_chs_bytes: the bytes the geometry describes (C * H * S * 512). */
uint64_t vhd_chs_bytes(struct vhd_chs g);

/* vhd_chs_is_max: true for 65535/16/255. */
bool vhd_chs_is_max(struct vhd_chs g);

/* Which footer field gives a disk's virtual size. */
enum vhd_size_source {
  VHD_SIZE_CURRENT, /* the footer's current size */
  VHD_SIZE_CHS,     /* cylinders * heads * sectors per track * 512 */
};

/* vhd_size_source: the size rule hvx applies to a footer written by the
 * creator application CREATOR (the 4 raw bytes) with geometry G.  See the
 * comment at the definition and README.md, "VHD sizes". */
enum vhd_size_source vhd_size_source(const uint8_t creator[4],
                                     struct vhd_chs g);

/* vhd_checksum: the one's complement of the byte sum of the LEN bytes at
 * BUF, counting the 4-byte checksum field at CSUM_OFF as zeros (the rule
 * for both the footer and the dynamic disk header). */
uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t csum_off);

#endif /* HVX_VHD_GEOMETRY_H */
