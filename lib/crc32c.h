/* hvx - CRC-32C (Castagnoli), as used by VHDX (and iSCSI, ext4, ...).
 *
 * The CRC is "running": start with 0 and feed buffers in order;
 * hvx_crc32c(hvx_crc32c(0, a, n), b, m) is the CRC of a followed by b.
 * The pre- and post-inversion are done inside. */
#ifndef HVX_CRC32C_H
#define HVX_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fastest implementation this CPU has. */
uint32_t hvx_crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable slicing-by-8 implementation. */
uint32_t hvx_crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* The SSE4.2 crc32 instruction; only call it when
 * hvx_crc32c_hw_available() is true. */
uint32_t hvx_crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool hvx_crc32c_hw_available(void);

#endif /* HVX_CRC32C_H */
