/* hvx - CRC-32C: slicing-by-8 in portable C, and the SSE4.2 crc32
 * instruction picked at run time when the CPU has it. */
#include "config.h"

#include "crc32c.h"
#include "crc32c-table.h"
#include "endian.h"

uint32_t hvx_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;

  crc = ~crc;
  /* Byte at a time until p is 8-byte aligned, so the main loop's loads
   * are aligned (cheaper on some CPUs; the result is the same). */
  while (len > 0 && ((uintptr_t)p & 7)) {
    crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
    len--;
  }
  /* Eight bytes per step: the CRC of each input byte advanced by the
   * right number of zero bytes is looked up in its own table, so the
   * eight lookups are independent and run in parallel. */
  while (len >= 8) {
    uint32_t lo = hvx_le32(p) ^ crc, hi = hvx_le32(p + 4);
    crc = crc32c_table[7][lo & 0xff] ^
          crc32c_table[6][(lo >> 8) & 0xff] ^
          crc32c_table[5][(lo >> 16) & 0xff] ^
          crc32c_table[4][lo >> 24] ^
          crc32c_table[3][hi & 0xff] ^
          crc32c_table[2][(hi >> 8) & 0xff] ^
          crc32c_table[1][(hi >> 16) & 0xff] ^
          crc32c_table[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len-- > 0)
    crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

#if defined(__x86_64__) || defined(__i386__)

/* The crc32 instruction takes 3 cycles but can start one per cycle, so
 * a long buffer is done as three interleaved 8 KiB lanes whose CRCs are
 * then combined: in the CRC's internal (uninverted) form, running on
 * through N more bytes B is multiplying by x^(8N) mod P and adding the
 * CRC of B alone. */
#define HW_LANE 8192
#define HW_LANE_SHIFT 0x28461564u /* x^(8 * 8192) mod P, reflected */

/* A times B modulo the CRC-32C polynomial, bit-reflected operands. */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
  uint32_t p = 0;

  for (int i = 0; i < 32; i++) {
    p ^= b & -(a >> 31);
    a <<= 1;
    b = (b >> 1) ^ (0x82F63B78u & -(b & 1));
  }
  return p;
}

bool hvx_crc32c_hw_available(void)
{
  /* Idempotent; needed if we are called from another library's
   * constructor, before libgcc's own has run. */
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

/* Compiled for SSE4.2 whatever the build's -march: only reached after
 * the run-time check above. */
__attribute__((target("sse4.2")))
uint32_t hvx_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;

  crc = ~crc;
  while (len > 0 && ((uintptr_t)p & 7)) {
    crc = __builtin_ia32_crc32qi(crc, *p++);
    len--;
  }
#if defined(__x86_64__)
  while (len >= 3 * HW_LANE) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (size_t i = 0; i < HW_LANE; i += 8) {
      uint64_t v0, v1, v2;
      __builtin_memcpy(&v0, p + i, 8);
      __builtin_memcpy(&v1, p + HW_LANE + i, 8);
      __builtin_memcpy(&v2, p + 2 * HW_LANE + i, 8);
      c0 = __builtin_ia32_crc32di(c0, v0);
      c1 = __builtin_ia32_crc32di(c1, v1);
      c2 = __builtin_ia32_crc32di(c2, v2);
    }
    crc = gf2_mulmod(gf2_mulmod((uint32_t)c0, HW_LANE_SHIFT) ^ (uint32_t)c1,
                     HW_LANE_SHIFT) ^ (uint32_t)c2;
    p += 3 * HW_LANE;
    len -= 3 * HW_LANE;
  }
  {
    uint64_t c = crc;
    while (len >= 8) {
      uint64_t v;
      __builtin_memcpy(&v, p, 8);
      c = __builtin_ia32_crc32di(c, v);
      p += 8;
      len -= 8;
    }
    crc = (uint32_t)c;
  }
#endif
  while (len >= 4) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    crc = __builtin_ia32_crc32si(crc, v);
    p += 4;
    len -= 4;
  }
  while (len-- > 0)
    crc = __builtin_ia32_crc32qi(crc, *p++);
  return ~crc;
}

#else /* no x86 */

bool hvx_crc32c_hw_available(void)
{
  return false;
}

uint32_t hvx_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
  return hvx_crc32c_sw(crc, buf, len);
}

#endif

uint32_t hvx_crc32c(uint32_t crc, const void *buf, size_t len)
{
  /* __builtin_cpu_supports reads a word libgcc filled in at start-up,
   * so asking every call costs next to nothing and needs no state of
   * our own. */
  if (hvx_crc32c_hw_available())
    return hvx_crc32c_hw(crc, buf, len);
  return hvx_crc32c_sw(crc, buf, len);
}
