/* Unit tests: VHD CHS geometry, the size rule and checksums
 * (formats/vhd-geometry.c). */
#include "testutil.h"

#include "../formats/vhd-geometry.h"

struct chs_case {
  uint64_t size;
  unsigned c, h, s;
};

static void assert_chs(const struct chs_case *t, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    struct vhd_chs g = vhd_chs_from_size(t[i].size);
    if (g.cylinders != t[i].c || g.heads != t[i].h || g.spt != t[i].s)
      fail_msg("size %llu: got %u/%u/%u, expected %u/%u/%u",
               (unsigned long long)t[i].size, g.cylinders, g.heads, g.spt,
               t[i].c, t[i].h, t[i].s);
  }
}

/* Worked through the specification's appendix by hand: each path of the
 * algorithm (17, 31 and 63 sectors per track, the 255 branch, the cap). */
static void test_chs_spec_examples(void **state)
{
  static const struct chs_case t[] = {
    /* 20480 sectors: 17 spt, cth 1204, heads 2 -> 4, c 301 */
    { 10ull << 20, 301, 4, 17 },
    /* 2048 sectors: cth 120, heads 4, c 30 */
    { 1ull << 20, 30, 4, 17 },
    { 0, 0, 4, 17 },
    /* 2097152 sectors: heads 121 > 16 -> 31 spt (cth 67650 >= 16384)
     * -> 63 spt, cth 33288, c 2080 */
    { 1ull << 30, 2080, 16, 63 },
    /* 8388608 sectors -> 63 spt, cth 133152, c 8322 */
    { 4ull << 30, 8322, 16, 63 },
    /* one sector below 65535*16*63: still the 63 branch */
    { (65535ull * 16 * 63 - 1) * 512, 65534, 16, 63 },
    /* exactly 65535*16*63 sectors: the 255 branch */
    { 65535ull * 16 * 63 * 512, 16191, 16, 255 },
    /* Hyper-V's default 127 GB disk */
    { 136365211648ull, 65278, 16, 255 },
    /* beyond the CHS ceiling: capped at 65535/16/255 */
    { 2040ull << 30, 65535, 16, 255 },
    { 3ull << 40, 65535, 16, 255 },
  };
  (void)state;
  assert_chs(t, sizeof t / sizeof t[0]);
}

/* Geometries and sizes qemu-img 7.2 wrote for "-f vpc" disks of 10M, 1G,
 * 32G and 127G (qemu rounds up to the next cylinder, so its size is a
 * CHS product and the algorithm must give the same geometry back). */
static void test_chs_qemu_examples(void **state)
{
  static const struct chs_case t[] = {
    { 10514432ull, 302, 4, 17 },
    { 1073995776ull, 2081, 16, 63 },
    { 34361303040ull, 16449, 16, 255 },
    { 136365219840ull, 65279, 16, 255 },
  };
  (void)state;
  assert_chs(t, sizeof t / sizeof t[0]);
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    assert_int_equal(vhd_chs_bytes(vhd_chs_from_size(t[i].size)), t[i].size);
}

/* The rounding goes down, never up. */
static void test_chs_rounds_down(void **state)
{
  (void)state;
  for (uint64_t sz = 512; sz < (200ull << 30); sz = sz * 3 + 512) {
    struct vhd_chs g = vhd_chs_from_size(sz);
    assert_true(vhd_chs_bytes(g) <= sz);
  }
  assert_true(vhd_chs_is_max(vhd_chs_from_size(1ull << 42)));
  assert_false(vhd_chs_is_max(vhd_chs_from_size(1ull << 30)));
}

static enum vhd_size_source rule(const char *creator, unsigned c, unsigned h,
                                 unsigned s)
{
  struct vhd_chs g = { (uint16_t)c, (uint8_t)h, (uint8_t)s };
  return vhd_size_source((const uint8_t *)creator, g);
}

static void test_size_rule(void **state)
{
  static const char *const current[] = {
    "win ", "qem2", "d2v\0", "d2v ", "tap\0", "CTXS", "xen ", "azur",
    "\0\0\0\0", "vs  ", "hvx ",
  };
  (void)state;
  assert_int_equal(rule("vpc ", 301, 4, 17), VHD_SIZE_CHS);
  assert_int_equal(rule("qemu", 2081, 16, 63), VHD_SIZE_CHS);
  for (size_t i = 0; i < sizeof current / sizeof current[0]; i++)
    if (rule(current[i], 301, 4, 17) != VHD_SIZE_CURRENT)
      fail_msg("creator %zu should be sized by its current size", i);
  /* The CHS ceiling and an empty geometry say nothing about the size. */
  assert_int_equal(rule("vpc ", 65535, 16, 255), VHD_SIZE_CURRENT);
  assert_int_equal(rule("qemu", 65535, 16, 255), VHD_SIZE_CURRENT);
  assert_int_equal(rule("vpc ", 0, 0, 0), VHD_SIZE_CURRENT);
}

/* A footer and a dynamic disk header written by qemu-img 7.2 ("qemu-img
 * create -f vpc a.vhd 10M"), with the checksums qemu computed. */
static void test_checksum_qemu(void **state)
{
  static const uint8_t head[] = {
    0x63, 0x6f, 0x6e, 0x65, 0x63, 0x74, 0x69, 0x78, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x32, 0x9b, 0xaa, 0x4e, 0x71, 0x65, 0x6d, 0x75, 0x00, 0x05, 0x00, 0x03,
    0x57, 0x69, 0x32, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x70, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x70, 0x00, 0x01, 0x2e, 0x04, 0x11,
    0x00, 0x00, 0x00, 0x03, 0xff, 0xff, 0xeb, 0x32, 0x72, 0x42, 0xe4, 0xa7,
    0xf3, 0xd8, 0x42, 0xe0, 0x87, 0x33, 0xa5, 0x88, 0xdb, 0xe7, 0xa0, 0xad,
  };
  static const uint8_t dyn[] = {
    0x63, 0x78, 0x73, 0x70, 0x61, 0x72, 0x73, 0x65, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x20, 0x00, 0x00,
    0xff, 0xff, 0xf4, 0x71,
  };
  uint8_t f[512] = { 0 }, h[1024] = { 0 };
  (void)state;

  memcpy(f, head, sizeof head);
  memcpy(h, dyn, sizeof dyn);
  assert_int_equal(vhd_checksum(f, sizeof f, 64), 0xffffeb32u);
  assert_int_equal(vhd_checksum(h, sizeof h, 36), 0xfffff471u);
  /* The stored checksum bytes themselves do not count. */
  f[64] = 0x12;
  assert_int_equal(vhd_checksum(f, sizeof f, 64), 0xffffeb32u);
  /* Any other byte does. */
  f[100] = 1;
  assert_int_equal(vhd_checksum(f, sizeof f, 64), 0xffffeb31u);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chs_spec_examples),
    cmocka_unit_test(test_chs_qemu_examples),
    cmocka_unit_test(test_chs_rounds_down),
    cmocka_unit_test(test_size_rule),
    cmocka_unit_test(test_checksum_qemu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
