/* Xen VBD names <-> numbers.  Expected numbers come from the encoding
 * table and the examples of Xen's docs/misc/vbd-interface.txt. */
#include "testutil.h"

#include "hvx/xen.h"

static uint32_t parse_ok(const char *name)
{
  uint32_t n = 0;
  if (hvx_vbd_parse(name, &n) < 0)
    fail_msg("'%s': %s", name, hvx_error());
  return n;
}

static void parse_bad(const char *name, const char *why)
{
  uint32_t n;
  assert_int_equal(hvx_vbd_parse(name, &n), -1);
  assert_hvx_error(EINVAL, why);
}

static const char *name_of(uint32_t n)
{
  static char buf[16];
  if (hvx_vbd_name(n, buf, sizeof buf) < 0)
    fail_msg("%u: %s", n, hvx_error());
  return buf;
}

static void test_documented_examples(void **state)
{
  /* "d0 d0p0 xvda: Xen virtual disk 0 partition 0 (whole disk)" */
  assert_int_equal(parse_ok("d0"), 202 << 8);
  assert_int_equal(parse_ok("d0p0"), 202 << 8);
  assert_int_equal(parse_ok("xvda"), 202 << 8);
  /* "d1p2: Xen virtual disk 1 partition 2" */
  assert_int_equal(parse_ok("d1p2"), 202 << 8 | 1 << 4 | 2);
  assert_int_equal(parse_ok("xvdb2"), 202 << 8 | 1 << 4 | 2);
  /* "d536p37 xvdtq37: Xen virtual disk 536 partition 37" */
  assert_int_equal(parse_ok("d536p37"), 1u << 28 | 536 << 8 | 37);
  assert_int_equal(parse_ok("xvdtq37"), 1u << 28 | 536 << 8 | 37);
  /* "sdb3: SCSI disk 1 partition 3", "hdc2: IDE disk 2 partition 2" */
  assert_int_equal(parse_ok("sdb3"), 8 << 8 | 1 << 4 | 3);
  assert_int_equal(parse_ok("hdc2"), 22 << 8 | 0 << 6 | 2);
  assert_int_equal(parse_ok("hdb"), 3 << 8 | 1 << 6);
  assert_int_equal(parse_ok("hdd63"), 22 << 8 | 1 << 6 | 63);
  /* "a single number (hex, decimal or octal)" is the number itself */
  assert_int_equal(parse_ok("51712"), 51712);
  assert_int_equal(parse_ok("0xca00"), 51712);
  assert_int_equal(parse_ok("0145000"), 51712);
}

static void test_form_boundaries(void **state)
{
  /* xvd: the 202<<8 form up to disk 15 / partition 15, then extended */
  assert_int_equal(parse_ok("xvdp15"), 202 << 8 | 15 << 4 | 15);
  assert_int_equal(parse_ok("xvdq"), 1u << 28 | 16 << 8);
  assert_int_equal(parse_ok("xvda16"), 1u << 28 | 0 << 8 | 16);
  assert_int_equal(parse_ok("xvdz"), 1u << 28 | 25 << 8);
  assert_int_equal(parse_ok("xvdaa"), 1u << 28 | 26 << 8);
  assert_int_equal(parse_ok("xvdzz"), 1u << 28 | 701 << 8);
  assert_int_equal(parse_ok("xvdaaa"), 1u << 28 | 702 << 8);
  assert_int_equal(parse_ok("xvda255"), 1u << 28 | 255);
  assert_int_equal(parse_ok("d1048575p255"),
                   1u << 28 | ((1u << 20) - 1) << 8 | 255);
  /* the last disk name of the extended form: 2^20 - 1 */
  assert_string_equal(name_of(1u << 28 | ((1u << 20) - 1) << 8), "xvdbgqcv");
  assert_int_equal(parse_ok("xvdbgqcv"), 1u << 28 | ((1u << 20) - 1) << 8);
  parse_bad("xvdbgqcw", "beyond xvd's limit");
  parse_bad("d1048576", "bad disk number");
  parse_bad("xvda256", "partitions go up to 255");
  parse_bad("d0p256", "bad partition number");
  /* sd: 16 disks, 15 partitions; hd: 4 disks, 63 partitions */
  assert_int_equal(parse_ok("sdp15"), 8 << 8 | 15 << 4 | 15);
  parse_bad("sdq", "beyond sd's limit of 16 disks");
  parse_bad("sda16", "sd partitions go up to 15");
  parse_bad("hde", "beyond hd's limit of 4 disks");
  parse_bad("hda64", "hd partitions go up to 63");
}

static void test_bad_names(void **state)
{
  parse_bad("", "empty device name");
  parse_bad("xvd", "expected a disk letter");
  parse_bad("xvda0", "leading zero");
  parse_bad("xvda01", "leading zero");
  parse_bad("xvdA", "expected a disk letter");
  parse_bad("xvda1x", "junk");
  parse_bad("d01", "leading zero");
  parse_bad("d1q2", "junk");
  parse_bad("vda", "unknown device name 'vda'");
  parse_bad("nvme0n1", "unknown device name");
  parse_bad("2147483648", "up to 2^31 - 1");
  parse_bad("-1", "unknown device name");
  parse_bad("xvdaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too long");
}

/* Every number of the 202, 8, 3 and 22 majors, and a sweep of the
 * extended form, names itself and parses back. */
static void test_round_trip_all(void **state)
{
  char buf[16];
  int bus;
  unsigned disk, part;

  for (uint32_t n = 0; n < 0x10000; n++) {
    uint32_t back;
    if (hvx_vbd_name(n, buf, sizeof buf) < 0) {
      unsigned major = n >> 8;
      if (major == 202 || major == 8 ||
          ((major == 3 || major == 22) && (n & 0xff) < 128))
        fail_msg("%u: %s", n, hvx_error());
      continue;
    }
    assert_int_equal(hvx_vbd_parse(buf, &back), 0);
    assert_int_equal(back, n);
  }
  for (uint32_t d = 0; d < (1u << 20); d += 997)
    for (uint32_t p = 0; p < 256; p += 51) {
      uint32_t n = 1u << 28 | d << 8 | p, back;
      if (d <= 15 && p <= 15)
        continue; /* those use the 202<<8 form */
      assert_int_equal(hvx_vbd_name(n, buf, sizeof buf), 0);
      assert_int_equal(hvx_vbd_parse(buf, &back), 0);
      assert_int_equal(back, n);
      assert_int_equal(hvx_vbd_decode(n, &bus, &disk, &part), 0);
      assert_int_equal(bus, HVX_BUS_XEN);
      assert_int_equal(disk, d);
      assert_int_equal(part, p);
    }
}

static void test_decode_encode(void **state)
{
  int bus;
  unsigned disk, part;
  uint32_t n;
  char small[4];

  assert_int_equal(hvx_vbd_decode(parse_ok("hdc2"), &bus, &disk, &part), 0);
  assert_int_equal(bus, HVX_BUS_IDE);
  assert_int_equal(disk, 2);
  assert_int_equal(part, 2);
  assert_int_equal(hvx_vbd_decode(parse_ok("sdb"), &bus, &disk, NULL), 0);
  assert_int_equal(bus, HVX_BUS_SCSI);
  assert_int_equal(disk, 1);
  assert_int_equal(hvx_vbd_encode(HVX_BUS_IDE, 3, 0, &n), 0);
  assert_string_equal(name_of(n), "hdd");
  assert_int_equal(hvx_vbd_encode(HVX_BUS_IDE, 4, 0, &n), -1);
  assert_hvx_error(EINVAL, "hda..hdd");
  assert_int_equal(hvx_vbd_encode(HVX_BUS_SATA, 0, 0, &n), -1);
  assert_hvx_error(EINVAL, "no device names for bus sata");
  /* deprecated and reserved values are not names */
  assert_int_equal(hvx_vbd_decode(3 << 8 | 200, NULL, NULL, NULL), -1);
  assert_hvx_error(EINVAL, "not an xvd, sd or hd device number");
  assert_int_equal(hvx_vbd_decode(2u << 28, NULL, NULL, NULL), -1);
  assert_hvx_error(EINVAL, "reserved for future use");
  assert_int_equal(hvx_vbd_name(1234, small, sizeof small), -1);
  assert_int_equal(hvx_vbd_name(202 << 8 | 1, small, sizeof small), -1);
  assert_hvx_error(ERANGE, "needs 6 bytes");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_documented_examples),
    cmocka_unit_test(test_form_boundaries),
    cmocka_unit_test(test_bad_names),
    cmocka_unit_test(test_round_trip_all),
    cmocka_unit_test(test_decode_encode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
