/* Unit tests: a domain read from a xenstore listing
 * (hvx_vm_from_xenstore_listing), the seam the xenstore fuzz target
 * goes through.  The live reader is tested against a test xenstored
 * serving tests/fixtures/xenstore-tree.json (interop-xenstore.sh); here
 * the same tree, as a listing made from that JSON by make-corpus.sh,
 * must give the same facts. */
#include "testutil.h"

static char *slurp(const char *rel, size_t *len)
{
  const char *top = getenv("top_srcdir");
  char path[512];
  FILE *f;
  char *buf = malloc(1 << 16);

  snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
  f = fopen(path, "rb");
  if (!f)
    fail_msg("cannot read %s", path);
  assert_non_null(buf);
  *len = fread(buf, 1, 1 << 16, f);
  fclose(f);
  return buf;
}

static void test_fixture_domain(void **state)
{
  size_t len;
  char *text = slurp("tests/fuzz/corpus/xenstore/dom5", &len);
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = hvx_vm_from_xenstore_listing(text, len, 5, r);
  (void)state;

  if (!vm)
    fail_msg("%s", hvx_error());
  /* what interop-xenstore.sh expects of the live read */
  assert_string_equal(hvx_vm_name(vm), "web01");
  assert_string_equal(hvx_vm_uuid(vm), "6a0f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
  assert_int_equal(hvx_vm_guest_type(vm), HVX_GUEST_HVM);
  assert_int_equal(hvx_vm_vcpus(vm), 2);
  assert_int_equal(hvx_vm_max_vcpus(vm), 4);
  assert_int_equal(hvx_vm_memory(vm), 2048ull << 20);
  assert_int_equal(hvx_vm_max_memory(vm), 4096ull << 20);
  assert_int_equal(hvx_vm_disk_count(vm), 3);
  assert_string_equal(hvx_vm_disk_name(vm, 0), "hdc");
  assert_int_equal(hvx_vm_disk_bus(vm, 0), HVX_BUS_IDE);
  assert_true(hvx_vm_disk_cdrom(vm, 0));
  assert_string_equal(hvx_vm_disk_path(vm, 0), "/srv/iso/install.iso");
  assert_string_equal(hvx_vm_disk_name(vm, 1), "xvda");
  assert_string_equal(hvx_vm_disk_path(vm, 1), "/dev/vg/web01");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_DISK, 1, "xs.state"),
                      "4 (Connected)");
  assert_string_equal(hvx_vm_disk_name(vm, 2), "xvdq");
  assert_string_equal(hvx_vm_disk_format(vm, 2), "qcow2");
  assert_true(hvx_vm_disk_readonly(vm, 2));
  assert_int_equal(hvx_vm_nic_count(vm), 1);
  assert_string_equal(hvx_vm_nic_mac(vm, 0), "00:16:3e:12:34:56");
  assert_string_equal(hvx_vm_nic_network(vm, 0), "xenbr0");
  assert_item(r, HVX_SEVERITY_WARNING, "disk xvdq", "Initialised");
  hvx_vm_free(vm);
  hvx_report_free(r);
  free(text);
}

/* The live reader's error cases (interop-xenstore.sh), from listings. */
static void test_fixture_errors(void **state)
{
  static const struct {
    unsigned domid;
    int err;
    const char *needle;
  } cases[] = {
    { 6, ENOENT, "no domain 6" },
    { 7, EBADMSG, "backend is '/etc/passwd', not /local/domain/N/backend/vbd/7/" },
    { 8, EBADMSG, "device/vbd/xvda: not a device number" },
    { 9, EBADMSG, "vif/0/state is 'connected', not a number" },
    { 10, EBADMSG, "memory/target is '-1', not a number" },
    { 11, EINVAL, "MAC ff:ff:ff:ff:ff:ff is a multicast" },
    { 99999, EINVAL, "not a domain id" },
  };
  size_t len;
  char *text = slurp("tests/fuzz/corpus/xenstore/all", &len);
  (void)state;

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_null(hvx_vm_from_xenstore_listing(text, len, cases[i].domid,
                                             NULL));
    assert_hvx_error(cases[i].err, cases[i].needle);
  }
  free(text);
}

static hvx_vm *from(const char *text, unsigned domid)
{
  return hvx_vm_from_xenstore_listing(text, strlen(text), domid, NULL);
}

static void test_syntax(void **state)
{
  hvx_vm *vm;
  (void)state;

  /* escapes, an unquoted value, permissions, comments, CRLF */
  vm = from("# saved with xenstore-ls -f -p\r\n"
            "/local/domain/3/name = \"a\\\"b\\\\c\\x21\\101\"  (n0,r3)\r\n"
            "\n"
            "/local/domain/3/memory/target = 1048576\n", 3);
  if (!vm)
    fail_msg("%s", hvx_error());
  assert_string_equal(hvx_vm_name(vm), "a\"b\\c!A");
  assert_int_equal(hvx_vm_memory(vm), 1ull << 30);
  hvx_vm_free(vm);

  assert_null(from("/local/domain/3/name \"x\"\n", 3));
  assert_hvx_error(EBADMSG, "line 1: not of the form");
  assert_null(from("\n/local/domain/3/name = \"x\\q\"\n", 3));
  assert_hvx_error(EBADMSG, "line 2: unknown escape '\\q'");
  assert_null(from("/local/domain/3/name = \"x\n", 3));
  assert_hvx_error(EBADMSG, "line 1: value has no closing quote");
  assert_null(from("/local/domain/3/name = \"x\" y\n", 3));
  assert_hvx_error(EBADMSG, "line 1: text after the closing quote");
  /* found by the xenstore fuzz target: a path of blanks only made the
   * path length wrap around */
  assert_null(from("   = x\n", 3));
  assert_hvx_error(EBADMSG, "line 1: '' is not an absolute xenstore path");
  assert_null(from(" = x\n", 3));
  assert_hvx_error(EBADMSG, "line 1: '' is not an absolute xenstore path");
  assert_null(from("local/domain/3/name = x\n", 3));
  assert_hvx_error(EBADMSG, "is not an absolute xenstore path");
  assert_null(from("/local//domain/3/name = x\n", 3));
  assert_hvx_error(EBADMSG, "empty component");
  assert_null(from("/local/domain/3/name = x\n/local/domain/3/name = y\n",
                   3));
  assert_hvx_error(EBADMSG, "lines 1 and 2 both set /local/domain/3/name");
  /* a NUL byte in a value, as the live reader refuses it */
  assert_null(from("/local/domain/3/name = \"a\\000b\"\n", 3));
  assert_hvx_error(EBADMSG, "/local/domain/3/name holds a NUL byte");
  assert_null(hvx_vm_from_xenstore_listing(NULL, 0, 3, NULL));
  assert_hvx_error(EINVAL, "NULL text");
}

/* Found by the xenstore fuzz target: a value the model refuses (here not
 * UTF-8) was reported without the xenstore node it came from. */
static void test_bad_values_named(void **state)
{
  static const char dom[] =
    "/local/domain/2/name = g\n"
    "/local/domain/2/device/vbd/51712/backend = "
    "/local/domain/0/backend/vbd/2/51712\n"
    "/local/domain/0/backend/vbd/2/51712/params = \"/img/\\xcb.raw\"\n"
    "/local/domain/2/device/vif/0/backend = /local/domain/0/backend/vif/2/0\n"
    "/local/domain/0/backend/vif/2/0/bridge = \"br\\xff\"\n";
  char text[sizeof dom + 16];
  (void)state;

  assert_null(from(dom, 2));
  assert_hvx_error(EINVAL, "xenstore: /local/domain/0/backend/vbd/2/51712/"
                   "params: ");
  assert_non_null(strstr(hvx_error(), "UTF-8"));
  /* the disk fixed, the NIC's bridge is next */
  snprintf(text, sizeof text, "%s", dom);
  memcpy(strstr(text, "\\xcb"), "abcd", 4);
  assert_null(from(text, 2));
  assert_hvx_error(EINVAL, "xenstore: /local/domain/0/backend/vif/2/0/"
                   "bridge: ");
}

/* Directories exist through what is below them, and only then. */
static void test_directories(void **state)
{
  hvx_vm *vm;
  (void)state;

  /* /local/domain/4 is not listed itself */
  vm = from("/local/domain/4/cpu/1/availability = online\n"
            "/local/domain/4/cpu/0/availability = online\n"
            "/local/domain/4/cpu-x = 1\n"
            "/local/domain/4/cpu/10/availability = offline\n", 4);
  if (!vm)
    fail_msg("%s", hvx_error());
  assert_int_equal(hvx_vm_max_vcpus(vm), 3);
  assert_int_equal(hvx_vm_vcpus(vm), 2);
  hvx_vm_free(vm);
  /* an empty listing (found by the xenstore fuzz target: qsort of NULL) */
  assert_null(hvx_vm_from_xenstore_listing("", 0, 4, NULL));
  assert_hvx_error(ENOENT, "no domain 4");
  assert_null(from("# nothing\n\n", 4));
  assert_hvx_error(ENOENT, "no domain 4");
  /* a prefix of another domain's number is not that domain */
  assert_null(from("/local/domain/40/name = x\n", 4));
  assert_hvx_error(ENOENT, "no domain 4");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixture_domain),
    cmocka_unit_test(test_fixture_errors),
    cmocka_unit_test(test_syntax),
    cmocka_unit_test(test_bad_values_named),
    cmocka_unit_test(test_directories),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
