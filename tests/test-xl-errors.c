/* Bad xl.cfg input: each gives EBADMSG (or EFBIG) and a message naming
 * the file, line and column, and what is wrong. */
#include "testutil.h"

#include "hvx/xen.h"

static void bad(const char *text, int errnum, const char *needle)
{
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = hvx_vm_from_xl(text, strlen(text), "guest.cfg", r);

  if (vm)
    fail_msg("accepted:\n%s", text);
  if (hvx_errno() != errnum)
    fail_msg("errno %d, expected %d: %s", hvx_errno(), errnum, hvx_error());
  assert_hvx_error(errnum, needle);
  hvx_report_free(r);
}

#define PV "name = \"g\"\nkernel = \"/k\"\n"

static void test_syntax(void **state)
{
  bad(PV "memory = \"12\n", EBADMSG,
      "guest.cfg:3:10: config parsing error near `\"12': lexical error");
  bad(PV "memory = \n", EBADMSG, "guest.cfg:3:10: config parsing error near "
      "<newline>: syntax error");
  bad(PV "disk = [ 'a',\n 'b'\n", EBADMSG, "guest.cfg:4:5: config parsing "
      "error near `': syntax error, unexpected $end, expecting ']'");
  bad(PV "foo = \"a\\qb\"\n", EBADMSG, "guest.cfg:3:7: config parsing error "
      "near `\"a\\qb\"': invalid character after backlash");
  bad("name = \"g\"\r\nkernel = \"/k\"\r\n", EBADMSG,
      "guest.cfg:1:11: config parsing error near `\\r': lexical error (the "
      "file has DOS line endings");
  bad(PV "Memory = 5\n", EBADMSG, "guest.cfg:3:1: config parsing error near "
      "`Memory");
  bad(PV "import os\n", EBADMSG, "guest.cfg:3:8: config parsing error near "
      "`os'");
  bad("name = \"g\"\0kernel = \"/k\"\n", EBADMSG, "");
  /* a token of control characters long enough that its escaped form is
   * cut inside a "\x13" (found by fuzzing: read past the token under
   * ASan); the column is still found */
  bad(PV "\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13"
      "\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13"
      "\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13\x13" "2\n", EBADMSG,
      "guest.cfg:3:1: config parsing error near `\\x13\\x13");
}

static void test_nul_and_size(void **state)
{
  static const char nul[] = "name = \"g\"\nkernel = \"/k\0\"\n";
  char *big;

  assert_null(hvx_vm_from_xl(nul, sizeof nul - 1, "guest.cfg", NULL));
  assert_hvx_error(EBADMSG, "guest.cfg:2: a NUL byte");
  big = calloc(1, (2u << 20) + 1);
  assert_non_null(big);
  memset(big, '#', 2u << 20);
  assert_null(hvx_vm_from_xl(big, 2u << 20, "guest.cfg", NULL));
  assert_hvx_error(EFBIG, "too big for an xl.cfg");
  free(big);
  assert_null(hvx_vm_from_xl_file("/nonexistent/guest.cfg", NULL));
  assert_hvx_error(ENOENT, "/nonexistent/guest.cfg");
}

static void test_values(void **state)
{
  bad(PV "memory = 99999999999\n", EFBIG, "guest.cfg:3:1: memory: "
      "99999999999 MiB is out of range");
  bad(PV "memory = 0\n", EBADMSG, "memory: 0 MiB is out of range");
  bad(PV "memory = \"lots\"\n", EBADMSG, "guest.cfg:3:1: memory: 'lots' is "
      "not a number");
  bad(PV "memory = [ 1 ]\n", EBADMSG, "memory: expected a number, found a "
      "list");
  bad(PV "vcpus = 100000\n", EFBIG, "vcpus: 100000 is out of range");
  bad(PV "vcpus = 4\nmaxvcpus = 2\n", EBADMSG, "guest.cfg:4:1: maxvcpus: 2 "
      "is below vcpus 4");
  bad(PV "memory = 1024\nmaxmem = 512\n", EBADMSG, "maxmem: 512 MiB is below "
      "memory 1024 MiB");
  bad(PV "type = \"windows\"\n", EBADMSG, "guest.cfg:3:1: type: invalid "
      "domain type 'windows'");
  bad(PV "type = \"hvm\"\nbuilder = \"generic\"\n", EBADMSG,
      "builder: contradicts type");
  bad(PV "uuid = \"not-a-uuid\"\n", EBADMSG, "guest.cfg:3:1: uuid: UUID "
      "'not-a-uuid' is not of the form");
  bad(PV "name = \"a\\nb\"\n", EBADMSG, "name: name has a control character");
  bad(PV "on_crash = \"explode\"\n", EBADMSG, "on_crash: unknown action "
      "'explode'");
  bad("kernel = \"/k\"\n", EBADMSG, "guest.cfg: no name");
  bad("name = \"g\"\n", EBADMSG, "a PV guest needs a kernel");
  bad("name = \"g\"\ntype = \"pvh\"\nfirmware = \"seabios\"\n", EBADMSG,
      "firmware: 'seabios': only pvgrub32 and pvgrub64");
  bad(PV "firmware = \"pvgrub64\"\n", EBADMSG, "both kernel and firmware");
  bad("name = \"g\"\ntype = \"hvm\"\nbios = \"award\"\n", EBADMSG,
      "bios: invalid value 'award'");
  bad("name = \"g\"\ntype = \"hvm\"\nviridian = [ \"base\", \"warp\" ]\n",
      EBADMSG, "guest.cfg:3:22: viridian[1]: unknown viridian enlightenment "
      "'warp'");
  bad("name = \"g\"\ntype = \"hvm\"\nviridian = 7\n", EBADMSG,
      "viridian: 7 is out of range");
  /* what libxl refuses when it builds the domain (libxl_x86.c) */
  bad("name = \"g\"\ntype = \"hvm\"\nviridian = [ \"freq\" ]\n", EBADMSG,
      "guest.cfg:3:1: viridian: viridian base group not enabled");
  bad("name = \"g\"\ntype = \"hvm\"\nviridian = [ \"!freq\", \"all\" ]\n",
      EBADMSG, "viridian: viridian group 'freq' both enabled and disabled");
  bad("name = \"g\"\ntype = \"hvm\"\nviridian = [ \"base\", \"!!base\" ]\n",
      EBADMSG, "viridian[1]: unknown viridian enlightenment '!base'");
  bad("name = \"g\"\ntype = \"hvm\"\nboot = \"cz\"\n", EBADMSG,
      "boot: boot order 'cz'");
  bad("name = \"g\"\ntype = \"hvm\"\nserial = [ \"pty\", [ \"x\" ] ]\n",
      EBADMSG, "guest.cfg:3:19: serial[1]: a nested list");
}

static void test_disks(void **state)
{
  bad(PV "disk = [ '/x,raw,xvda,rw',\n         '/y,raw,vda,rw' ]\n", EBADMSG,
      "guest.cfg:4:10: disk[1]: bad vdev: unknown device name 'vda'");
  bad(PV "disk = [ '/x,raw,xvdbgqcw,rw' ]\n", EBADMSG,
      "disk[0]: bad vdev: 'xvdbgqcw': disk beyond xvd's limit");
  bad(PV "disk = [ '/x,raw,hde,rw' ]\n", EBADMSG, "beyond hd's limit");
  bad(PV "disk = [ '/x,raw,300,rw' ]\n", EBADMSG, "number 300 (major 1, "
      "minor 44) is not an xvd, sd or hd device number");
  bad(PV "disk = [ '/x,raw,xvda,rw', '/y,raw,d0p0,rw' ]\n", EBADMSG,
      "guest.cfg:3:28: disk[1]: vdev 'd0p0' is the same device as disk[0] "
      "('xvda')");
  bad(PV "disk = [ '/x,raw,xvda,rw' ]\ndisk += [ '/y,raw,xvda,rw' ]\n",
      EBADMSG, "guest.cfg:4:11: disk[1]: vdev 'xvda' is the same device");
  bad(PV "disk = [ '/x,vmdk,xvda,rw' ]\n", EBADMSG, "guest.cfg:3:10: "
      "disk[0]: config parsing error in disk specification: unknown value "
      "for format: near `vmdk'");
  bad(PV "disk = [ '/x,raw' ]\n", EBADMSG, "no vdev specified");
  bad(PV "disk = [ 'vdev=xvda' ]\n", EBADMSG, "no target specified");
  bad(PV "disk = [ 'vdev=xvda, vdev=xvdb, target=/x' ]\n", EBADMSG,
      "vdev respecified");
  bad(PV "disk = [ '/x,raw,xvda,rw,extra' ]\n", EBADMSG,
      "too many positional parameters");
  bad(PV "disk = [ 'vdev=xvda, access=rx, target=/x' ]\n", EBADMSG,
      "unknown value for access");
  bad(PV "disk = [ [ '/x,raw,xvda' ] ]\n", EBADMSG, "disk[0]: a nested list");
  bad(PV "disk = '/x,raw,xvda,rw'\n", EBADMSG, "disk: expected a list");
}

static void test_vifs(void **state)
{
  bad(PV "vif = [ 'mac=00:16:3e:zz:00:00' ]\n", EBADMSG,
      "guest.cfg:3:9: vif[0]: invalid mac '00:16:3e:zz:00:00'");
  bad(PV "vif = [ 'mac=00:16:3e:00:00' ]\n", EBADMSG, "invalid mac");
  bad(PV "vif = [ 'mac=00:16:3e:00:00:00:00' ]\n", EBADMSG, "invalid mac");
  bad(PV "vif = [ 'mac=00:16:3e:00:00:100' ]\n", EBADMSG, "invalid mac");
  bad(PV "vif = [ 'mac=01:16:3e:00:00:01' ]\n", EBADMSG, "multicast");
  bad(PV "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]\n",
      EBADMSG, "nics 0 and 1 have the same MAC 00:16:3e:00:00:01");
  bad(PV "vif = [ 'type=virtio' ]\n", EBADMSG, "vif[0]: invalid type "
      "'virtio'");
  bad(PV "vif = [ 'rate=fast' ]\n", EBADMSG, "vif[0]: config parsing error "
      "in vif: invalid rate in `fast'");
  bad(PV "vif = [ 'rate=99999999999999999999GB/s' ]\n", EBADMSG,
      "rate overflow");
  bad(PV "vif = [ 'mtu=big' ]\n", EBADMSG, "mtu 'big' is not a number");
  bad(PV "vif = [ 'bridge' ]\n", EBADMSG, "'bridge' is not key=value");
}

/* Unknown vif keys and unknown guest keys are kept and reported. */
static void test_kept_and_reported(void **state)
{
  static const char cfg[] = PV "vif = [ 'bridge=br0, speed=fast' ]\n"
    "cpu_weight = 512\nvnc = 1\n";
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = hvx_vm_from_xl(cfg, sizeof cfg - 1, "guest.cfg", r);

  assert_non_null(vm);
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_NIC, 0, "xl.speed"),
                      "fast");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpu_weight"),
                      "512");
  assert_int_equal(hvx_report_count(r), 4); /* type default + 3 kept */
  assert_string_equal(hvx_report_subject(r, 1), "vif 0");
  assert_non_null(strstr(hvx_report_message(r, 1), "'speed'"));
  assert_string_equal(hvx_report_subject(r, 2), "key cpu_weight");
  assert_non_null(strstr(hvx_report_message(r, 2), "guest.cfg:4"));
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* Without a hypervisor, domain facts fail clearly; without xenstored,
 * the socket libxenstore tried is named. */
static void test_no_xen_host(void **state)
{
  struct hvx_xen_domain_info info;
  hvx_vm *vm = hvx_vm_new();

  if (access("/dev/xen/privcmd", F_OK) == 0 ||
      access("/proc/xen/privcmd", F_OK) == 0)
    skip();
  assert_int_equal(hvx_xen_domain_info(1, &info), -1);
  assert_hvx_error(ENOTSUP, "xenctrl: not running on a Xen host");
  assert_int_equal(hvx_vm_add_domain_info(vm, 1), -1);
  assert_hvx_error(ENOTSUP, "not running on a Xen host");
  assert_int_equal(hvx_xen_domain_info(40000, &info), -1);
  assert_hvx_error(EINVAL, "not a domain id");
  hvx_vm_free(vm);

  setenv("XENSTORED_PATH", "/nonexistent/xenstored.sock", 1);
  assert_null(hvx_vm_from_xenstore(1, NULL));
  assert_hvx_error(ENOENT, "socket /nonexistent/xenstored.sock");
  unsetenv("XENSTORED_PATH");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_syntax),
    cmocka_unit_test(test_nul_and_size),
    cmocka_unit_test(test_values),
    cmocka_unit_test(test_disks),
    cmocka_unit_test(test_vifs),
    cmocka_unit_test(test_kept_and_reported),
    cmocka_unit_test(test_no_xen_host),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
