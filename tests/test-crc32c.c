/* Unit tests: CRC-32C, both implementations, against published values
 * (RFC 3720 appendix B.4, the common "123456789" check value) and a
 * bit-at-a-time reference. */
#include "testutil.h"

#include <time.h>

#include "crc32c.h"
#include "crc32c-table.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* The definition, one bit at a time: reflected polynomial 0x82F63B78. */
static uint32_t crc_bitwise(uint32_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;

  crc = ~crc;
  while (len--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1));
  }
  return ~crc;
}

static const uint8_t iscsi_read_pdu[48] = {
  0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
  0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void known_values(crc_fn f)
{
  uint8_t b[32];

  assert_int_equal(f(0, "123456789", 9), 0xE3069283u);
  assert_int_equal(f(0, "", 0), 0);
  /* RFC 3720 B.4 */
  memset(b, 0, sizeof b);
  assert_int_equal(f(0, b, 32), 0x8A9136AAu);
  memset(b, 0xff, sizeof b);
  assert_int_equal(f(0, b, 32), 0x62A8AB43u);
  for (int i = 0; i < 32; i++)
    b[i] = (uint8_t)i;
  assert_int_equal(f(0, b, 32), 0x46DD794Eu);
  for (int i = 0; i < 32; i++)
    b[i] = (uint8_t)(31 - i);
  assert_int_equal(f(0, b, 32), 0x113FDB5Cu);
  assert_int_equal(f(0, iscsi_read_pdu, sizeof iscsi_read_pdu), 0xD9963A56u);
}

static void test_known_sw(void **state)
{
  (void)state;
  known_values(hvx_crc32c_sw);
  known_values(crc_bitwise); /* the reference itself */
}

static void test_known_hw(void **state)
{
  (void)state;
  if (!hvx_crc32c_hw_available())
    skip();
  known_values(hvx_crc32c_hw);
}

static void test_known_dispatch(void **state)
{
  (void)state;
  known_values(hvx_crc32c);
}

/* Table k holds the CRC state after byte i and k zero bytes. */
static void test_table(void **state)
{
  (void)state;
  for (int i = 0; i < 256; i++) {
    uint32_t c = (uint32_t)i;
    for (int k = 0; k < 8; k++) {
      for (int b = 0; b < 8; b++)
        c = (c >> 1) ^ (0x82F63B78u & -(c & 1));
      assert_int_equal(crc32c_table[k][i], c);
    }
  }
}

/* Every length 0..300 at every alignment 0..7, and chaining. */
static void test_against_reference(void **state)
{
  static uint8_t buf[4096];
  (void)state;

  fill_pattern(buf, sizeof buf, 12345);
  for (size_t align = 0; align < 8; align++)
    for (size_t len = 0; len <= 300; len++) {
      uint32_t want = crc_bitwise(0, buf + align, len);
      assert_int_equal(hvx_crc32c_sw(0, buf + align, len), want);
      if (hvx_crc32c_hw_available())
        assert_int_equal(hvx_crc32c_hw(0, buf + align, len), want);
      assert_int_equal(hvx_crc32c(hvx_crc32c(0, buf + align, len / 3),
                                  buf + align + len / 3, len - len / 3),
                       want);
    }
  assert_int_equal(hvx_crc32c_sw(0, buf, sizeof buf),
                   crc_bitwise(0, buf, sizeof buf));
  /* Long enough for the hardware path's interleaved lanes (3 x 8 KiB),
   * with a tail, at an odd address and with a running CRC. */
  {
    size_t n = 3 * 8192 * 3 + 1001;
    uint8_t *big = malloc(n + 3);
    assert_non_null(big);
    fill_pattern(big, n + 3, 777);
    assert_int_equal(hvx_crc32c_sw(0x1234, big + 3, n),
                     crc_bitwise(0x1234, big + 3, n));
    if (hvx_crc32c_hw_available())
      assert_int_equal(hvx_crc32c_hw(0x1234, big + 3, n),
                       crc_bitwise(0x1234, big + 3, n));
    free(big);
  }
  if (hvx_crc32c_hw_available())
    assert_int_equal(hvx_crc32c_hw(7, buf + 3, 4000),
                     crc_bitwise(7, buf + 3, 4000));
}

static double mbps(crc_fn f, const uint8_t *buf, size_t len, int reps,
                   uint32_t *out)
{
  struct timespec a, b;
  uint32_t c = 0;

  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < reps; i++)
    c = f(c, buf, len);
  clock_gettime(CLOCK_MONOTONIC, &b);
  *out = c;
  return (double)len * reps / 1e6 /
         ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

/* Speed, for the record; and the two paths agree on a large buffer. */
static void test_speed(void **state)
{
  size_t len = 16u << 20;
  uint8_t *buf = malloc(len);
  uint32_t sw, hw;
  double s, h = 0;
  (void)state;

  assert_non_null(buf);
  fill_pattern(buf, len, 99);
  s = mbps(hvx_crc32c_sw, buf, len, 4, &sw);
  if (hvx_crc32c_hw_available()) {
    h = mbps(hvx_crc32c_hw, buf, len, 16, &hw);
    /* 16 rounds of chaining against 4: compare a single pass. */
    assert_int_equal(hvx_crc32c_hw(0, buf, len), hvx_crc32c_sw(0, buf, len));
  }
  printf("# crc32c: slicing-by-8 %.0f MB/s, sse4.2 %s%.0f MB/s\n", s,
         h ? "" : "(unavailable) ", h);
  (void)sw;
  free(buf);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_sw),
    cmocka_unit_test(test_known_hw),
    cmocka_unit_test(test_known_dispatch),
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_against_reference),
    cmocka_unit_test(test_speed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
