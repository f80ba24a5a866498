/* The Hyper-V XML configuration: samples written after the documented
 * layout, round trips, UTF-16, and bad input (malformed, wrong types,
 * duplicates, absurd sizes, DOCTYPE tricks). */
#include "testutil.h"

#include "hvx/hyperv.h"
#include "hvx/report.h"
#include "hvx/vm.h"

static const char *data_path(const char *name)
{
  static char buf[1024];
  const char *top = getenv("top_srcdir");
  snprintf(buf, sizeof buf, "%s/tests/data/%s", top ? top : "..", name);
  return buf;
}

static hvx_vm *read_sample(const char *name, hvx_report *r)
{
  hvx_vm *vm = hvx_vm_from_hyperv_xml_file(data_path(name), r);
  if (!vm)
    fail_msg("%s: %s", name, hvx_error());
  return vm;
}

static hvx_vm *parse(const char *xml)
{
  return hvx_vm_from_hyperv_xml(xml, strlen(xml), "t.xml", NULL);
}

static void test_read_gen1(void **state)
{
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = read_sample("hyperv-gen1.xml", r);

  assert_string_equal(hvx_vm_name(vm), "win2012 & \"friends\"");
  assert_string_equal(hvx_vm_uuid(vm), "0aa394fa-7c4a-4070-ba32-773d43b28a68");
  assert_int_equal(hvx_vm_firmware(vm), HVX_FIRMWARE_BIOS);
  assert_int_equal(hvx_hyperv_generation(vm), 1);
  assert_int_equal(hvx_vm_vcpus(vm), 4);
  assert_int_equal(hvx_vm_memory(vm), 2048ull << 20);
  assert_int_equal(hvx_vm_max_memory(vm), 8192ull << 20);
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0,
                                   "hyperv.memory_minimum_mb"), "512");
  assert_string_equal(hvx_vm_boot_order(vm), "cdna");
  assert_int_equal(hvx_vm_disk_count(vm), 4);
  assert_string_equal(hvx_vm_disk_path(vm, 0),
                      "C:\\Hyper-V\\win2012\\Virtual Hard Disks\\system.vhdx");
  assert_string_equal(hvx_vm_disk_format(vm, 0), "vhdx");
  assert_int_equal(hvx_vm_disk_bus(vm, 0), HVX_BUS_IDE);
  assert_int_equal(hvx_vm_disk_cdrom(vm, 1), 1);
  assert_int_equal(hvx_vm_disk_controller(vm, 1), 1);
  assert_int_equal(hvx_vm_disk_bus(vm, 3), HVX_BUS_SCSI);
  assert_int_equal(hvx_vm_disk_slot(vm, 3), 5);
  assert_string_equal(hvx_vm_disk_format(vm, 3), "vhd");
  assert_int_equal(hvx_vm_nic_count(vm), 1);
  assert_string_equal(hvx_vm_nic_mac(vm, 0), "00:15:5d:01:07:dc");
  assert_string_equal(hvx_vm_nic_network(vm, 0), "Virtual External Switch");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_NIC, 0, "hyperv.instance"),
                      "55225880-49c0-4438-9ce2-5a01402fd8cb");
  assert_int_equal(hvx_vm_serial_count(vm), 1);
  assert_string_equal(hvx_vm_serial_target(vm, 0),
                      "pipe:\\\\.\\pipe\\win2012-com1");
  /* the GPU partition is reported, not silently dropped */
  assert_int_equal(hvx_report_count(r), 1);
  assert_int_equal(hvx_report_severity(r, 0), HVX_SEVERITY_LOSS);
  assert_non_null(strstr(hvx_report_message(r, 0), "GPU Partition"));
  hvx_vm_free(vm);
  hvx_report_free(r);
}

static void test_read_gen2(void **state)
{
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = read_sample("hyperv-gen2.xml", r);

  assert_int_equal(hvx_hyperv_generation(vm), 2);
  assert_int_equal(hvx_vm_secure_boot(vm), 1);
  assert_string_equal(hvx_vm_uuid(vm), "5c3e2a10-9b8d-4f6e-a1c2-d3e4f5a6b7c8");
  assert_int_equal(hvx_vm_max_memory(vm), 0);
  assert_int_equal(hvx_vm_disk_count(vm), 3);
  /* manifest order: the boot controller first */
  assert_string_equal(hvx_vm_disk_path(vm, 0), "C:\\VMs\\db01\\boot.vhdx");
  assert_int_equal(hvx_vm_disk_controller(vm, 0), 0);
  assert_null(hvx_vm_disk_path(vm, 1));
  assert_int_equal(hvx_vm_disk_cdrom(vm, 1), 1);
  assert_int_equal(hvx_vm_disk_controller(vm, 2), 1);
  assert_string_equal(hvx_vm_nic_mac(vm, 0), "00:15:5d:0a:0b:0c");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_NIC, 0,
                                   "hyperv.mac_dynamic"), "true");
  assert_int_equal(hvx_report_count(r), 1);
  assert_non_null(strstr(hvx_report_message(r, 0), "dynamic MAC"));
  hvx_vm_free(vm);
  hvx_report_free(r);
}

static char *to_xml(const hvx_vm *vm, unsigned flags, size_t *len)
{
  char *xml;
  if (hvx_vm_to_hyperv_xml(vm, flags, &xml, len, NULL) < 0)
    fail_msg("to_hyperv_xml: %s", hvx_error());
  return xml;
}

static void assert_same_vm(const hvx_vm *a, const hvx_vm *b)
{
  char *ja = hvx_vm_to_json(a), *jb = hvx_vm_to_json(b);
  if (strcmp(ja, jb) != 0) {
    fprintf(stderr, "guests differ:\n%s\n---\n%s\n", ja, jb);
    fail_msg("guests differ");
  }
  free(ja);
  free(jb);
}

/* sample -> model A -> XML 1 -> model B -> XML 2: A == B, 1 == 2. */
static void test_sample_round_trip(void **state)
{
  const char *samples[] = { "hyperv-gen1.xml", "hyperv-gen2.xml" };

  for (size_t k = 0; k < 2; k++) {
    hvx_vm *a = read_sample(samples[k], NULL), *b, *c;
    size_t l1, l2, l3;
    char *x1 = to_xml(a, 0, &l1), *x2, *x3;
    b = hvx_vm_from_hyperv_xml(x1, l1, "x1", NULL);
    assert_non_null(b);
    assert_same_vm(a, b);
    x2 = to_xml(b, 0, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(x1, x2, l1);
    /* the same through UTF-16 with CRLF, as Hyper-V writes it */
    x3 = to_xml(b, HVX_HYPERV_XML_UTF16, &l3);
    assert_true((unsigned char)x3[0] == 0xff && (unsigned char)x3[1] == 0xfe);
    assert_memory_equal(x3 + 2, "<\0?\0x\0m\0l\0", 10);
    c = hvx_vm_from_hyperv_xml(x3, l3, "x3", NULL);
    if (!c)
      fail_msg("utf-16: %s", hvx_error());
    assert_same_vm(a, c);
    free(x1);
    free(x2);
    free(x3);
    hvx_vm_free(a);
    hvx_vm_free(b);
    hvx_vm_free(c);
  }
}

/* model -> XML -> model for a model that uses every field the format
 * holds. */
static void test_model_round_trip(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *back;
  hvx_report *r = hvx_report_new();
  size_t len;
  char *xml;
  int i;
  uint32_t retries;

  assert_int_equal(hvx_vm_set_name(vm, "<round & 'trip'>"), 0);
  assert_int_equal(hvx_vm_set_uuid(vm, "11111111-2222-4333-8444-555555555555"),
                   0);
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_BIOS), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 3), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 1536ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_memory(vm, 4096ull << 20), 0);
  assert_int_equal(hvx_vm_set_boot_order(vm, "ncda"), 0);
  /* What a guest read from Hyper-V is offered: the host's interfaces. */
  assert_int_equal(hvx_vm_set_hv_features(vm, hvx_hyperv_features(&retries)),
                   0);
  assert_int_equal(hvx_vm_set_hv_spinlock_retries(vm, retries), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "hyperv.version",
                                    "1024"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                                    "hyperv.memory_minimum_mb", "256"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                                    "hyperv.scsi0.instance",
                                    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                                    "hyperv.scsi1.instance",
                                    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee1"), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "C:\\a b\\\xc3\xa9.vhdx"),
                   0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "vhdx"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_IDE, 0, 0, 0),
                   0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, (size_t)i, 1), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_IDE, 1, 1, 0),
                   0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "C:\\d.vhd"), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "vhd"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_SCSI, 1, 63,
                                           0), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "C:\\f.vfd"), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_FLOPPY, 0, 0,
                                           0), 0);
  for (int k = 0; k < 2; k++) {
    char mac[18], inst[37];
    i = hvx_vm_add_nic(vm);
    snprintf(mac, sizeof mac, "00:15:5d:00:00:%02x", k);
    snprintf(inst, sizeof inst, "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeee%02x", k);
    assert_int_equal(hvx_vm_nic_set_mac(vm, (size_t)i, mac), 0);
    assert_int_equal(hvx_vm_nic_set_model(vm, (size_t)i, "netvsc"), 0);
    assert_int_equal(hvx_vm_nic_set_network(vm, (size_t)i, "sw&<1>"), 0);
    assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_NIC, (size_t)i,
                                      "hyperv.instance", inst), 0);
  }
  assert_int_equal(hvx_vm_add_serial(vm, "none"), 0);
  assert_int_equal(hvx_vm_add_serial(vm, "pipe:\\\\.\\pipe\\c2"), 1);
  if (hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, r) < 0)
    fail_msg("%s", hvx_error());
  assert_int_equal(hvx_report_count(r), 0); /* nothing lost */
  back = hvx_vm_from_hyperv_xml(xml, len, "rt", NULL);
  if (!back)
    fail_msg("%s\n%s", hvx_error(), xml);
  assert_same_vm(vm, back);
  free(xml);
  hvx_vm_free(back);

  /* what the format cannot hold is reported */
  assert_int_equal(hvx_vm_set_kernel(vm, "/boot/vmlinuz"), 0);
  assert_int_equal(hvx_vm_set_action(vm, HVX_EVENT_CRASH,
                                     HVX_ACTION_PRESERVE), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpus",
                                    "\"1\""), 0);
  assert_int_equal(hvx_vm_disk_set_readonly(vm, 2, 1), 0);
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, r), 0);
  assert_int_equal(hvx_report_count(r), 4);
  for (size_t k = 0; k < 4; k++)
    assert_int_equal(hvx_report_severity(r, k), HVX_SEVERITY_LOSS);
  free(xml);
  /* not laid out for Hyper-V */
  assert_int_equal(hvx_vm_disk_set_address(vm, 2, HVX_BUS_SCSI, 4, 0, 0), 0);
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, NULL), -1);
  assert_hvx_error(EINVAL, "SCSI 4:0");
  hvx_vm_free(vm);
  hvx_report_free(r);
}

#define WRAP(body) "<configuration>\n" body "\n</configuration>\n"
#define IDE_SEC(drives) \
  "<_83f8638b-8dca-4152-9eda-2ca8b33039b4_><controller0>" drives \
  "</controller0></_83f8638b-8dca-4152-9eda-2ca8b33039b4_>"
#define DRIVE(n, type, path) \
  "<drive" #n "><pathname type=\"string\">" path "</pathname>" \
  "<type type=\"string\">" type "</type></drive" #n ">"

/* Dynamic memory whose minimum cannot be kept (a maximum not above the
 * startup size, or a minimum above it): the minimum is reported as
 * dropped instead of kept in the model where the writer would lose it
 * silently (found by fuzzing: the round trip changed the model). */
static void test_dynamic_memory_inconsistent(void **state)
{
  static const char *const banks[] = {
    /* limit below size */
    "<limit type=\"integer\">1760</limit>"
    "<reservation type=\"integer\">2048</reservation>",
    /* minimum above size */
    "<limit type=\"integer\">8192</limit>"
    "<reservation type=\"integer\">6000</reservation>",
  };

  (void)state;
  for (size_t k = 0; k < 2; k++) {
    char xml[2048], *out;
    size_t len;
    hvx_report *r = hvx_report_new();
    hvx_vm *vm, *back;
    snprintf(xml, sizeof xml, WRAP("<properties><global_id type=\"string\">"
             "0AA394FA-7C4A-4070-BA32-773D43B28A68</global_id></properties>"
             "<settings><processors><count type=\"integer\">2</count>"
             "</processors><memory><bank>"
             "<dynamic_memory_enabled type=\"bool\">True"
             "</dynamic_memory_enabled>%s<size type=\"integer\">4096</size>"
             "</bank></memory></settings>"), banks[k]);
    vm = hvx_vm_from_hyperv_xml(xml, strlen(xml), "t.xml", r);
    assert_non_null(vm);
    assert_null(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0,
                             "hyperv.memory_minimum_mb"));
    assert_int_equal(hvx_report_count(r), 1);
    assert_non_null(strstr(hvx_report_message(r, 0),
                           "dynamic memory minimum"));
    assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &out, &len, NULL), 0);
    back = hvx_vm_from_hyperv_xml(out, len, "again.xml", NULL);
    assert_non_null(back);
    assert_same_vm(vm, back);
    free(out);
    hvx_vm_free(back);
    hvx_vm_free(vm);
    hvx_report_free(r);
  }
}

/* A partial BIOS boot list is completed in Hyper-V's default order, as
 * the writer completes it; a Generation 2 guest's BIOS list is dropped
 * (reported), as the writer drops it (found by fuzzing: round trips
 * changed the boot order). */
static void test_boot_order_normalised(void **state)
{
#define BOOT_XML(sub) WRAP("<properties><subtype type=\"integer\">" sub \
  "</subtype></properties><_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_><boot>" \
  "<device0 type=\"string\">HardDrive</device0><device1 type=\"string\">" \
  "Floppy</device1></boot></_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_>")
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = parse(BOOT_XML("0"));

  (void)state;
  assert_non_null(vm);
  assert_string_equal(hvx_vm_boot_order(vm), "cadn");
  hvx_vm_free(vm);
  vm = hvx_vm_from_hyperv_xml(BOOT_XML("1"), strlen(BOOT_XML("1")), "t.xml",
                              r);
  assert_non_null(vm);
  assert_null(hvx_vm_boot_order(vm));
  assert_int_equal(hvx_report_count(r), 1);
  assert_non_null(strstr(hvx_report_message(r, 0), "Generation 2"));
  hvx_vm_free(vm);
  hvx_report_free(r);
#undef BOOT_XML
}

/* A kept instance GUID that a singleton device uses is not written
 * twice: the writer derives another (found by fuzzing). */
static void test_instance_not_duplicated(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *back;
  char *xml;
  size_t len;
  int i;

  (void)state;
  assert_int_equal(hvx_vm_set_name(vm, "g"), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_BIOS), 0);
  i = hvx_vm_add_nic(vm);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_NIC, (size_t)i,
                                    "hyperv.instance",
                                    "2a34b1c2-fd73-4043-8a5b-dd2159bc743f"), 0);
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, NULL), 0);
  back = hvx_vm_from_hyperv_xml(xml, len, "x.xml", NULL);
  if (!back)
    fail_msg("%s", hvx_error());
  assert_int_equal(hvx_vm_nic_count(back), 1);
  assert_string_not_equal(hvx_vm_extra(back, HVX_OBJECT_NIC, 0,
                                       "hyperv.instance"),
                          "2a34b1c2-fd73-4043-8a5b-dd2159bc743f");
  free(xml);
  hvx_vm_free(back);
  hvx_vm_free(vm);
}

/* A kept NIC instance GUID equal to the one the writer would derive for
 * the SCSI controller: the kept one stays, the derived one steps aside
 * (found by fuzzing: the same instance was written twice). */
static void test_derived_instance_avoids_kept(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *back;
  char *xml, scsi[37];
  size_t len;
  int i;

  (void)state;
  assert_int_equal(hvx_vm_set_name(vm, "g"), 0);
  assert_int_equal(hvx_vm_set_uuid(vm, "0aa394fa-7c4a-4070-ba32-773d43b28a68"),
                   0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_UEFI), 0);
  /* the GUID the writer derives for SCSI controller 0 */
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, NULL), 0);
  back = hvx_vm_from_hyperv_xml(xml, len, "x.xml", NULL);
  assert_non_null(back);
  snprintf(scsi, sizeof scsi, "%s",
           hvx_vm_extra(back, HVX_OBJECT_GUEST, 0, "hyperv.scsi0.instance"));
  free(xml);
  hvx_vm_free(back);
  i = hvx_vm_add_nic(vm);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_NIC, (size_t)i,
                                    "hyperv.instance", scsi), 0);
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, NULL), 0);
  back = hvx_vm_from_hyperv_xml(xml, len, "x.xml", NULL);
  if (!back)
    fail_msg("%s", hvx_error());
  assert_string_equal(hvx_vm_extra(back, HVX_OBJECT_NIC, 0, "hyperv.instance"),
                      scsi);
  assert_string_not_equal(hvx_vm_extra(back, HVX_OBJECT_GUEST, 0,
                                       "hyperv.scsi0.instance"), scsi);
  free(xml);
  hvx_vm_free(back);
  hvx_vm_free(vm);
}

/* An empty SCSI controller the guest was read with is written back, not
 * dropped without a word (found by fuzzing). */
static void test_empty_scsi_controller_kept(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *back;
  char *xml;
  size_t len;

  (void)state;
  assert_int_equal(hvx_vm_set_name(vm, "g"), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_BIOS), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                                    "hyperv.scsi0.instance",
                                    "d7a36e9b-9256-4f0d-be2c-3a13887f7b03"), 0);
  assert_int_equal(hvx_vm_to_hyperv_xml(vm, 0, &xml, &len, NULL), 0);
  back = hvx_vm_from_hyperv_xml(xml, len, "x.xml", NULL);
  if (!back)
    fail_msg("%s", hvx_error());
  assert_string_equal(hvx_vm_extra(back, HVX_OBJECT_GUEST, 0,
                                   "hyperv.scsi0.instance"),
                      "d7a36e9b-9256-4f0d-be2c-3a13887f7b03");
  free(xml);
  hvx_vm_free(back);
  hvx_vm_free(vm);
}

static void test_bad_input(void **state)
{
  static const struct {
    const char *xml;
    int err;
    const char *msg;
  } cases[] = {
    { "<configuration><properties><name type=\"string\">x</name>"
      "</properties>\n  <oops></configuration>", EBADMSG, "t.xml:2:" },
    { "", EBADMSG, "empty document" },
    { "\x00\x01\x02", EBADMSG, "malformed XML" },
    { "<domain/>", EBADMSG, "not <configuration>" },
    { WRAP("<properties><subtype type=\"float\">1</subtype></properties>"),
      EBADMSG, "t.xml:2: /configuration/properties/subtype: unknown value "
      "type 'float'" },
    { WRAP("<settings><processors><count type=\"integer\">four</count>"
           "</processors></settings>"), EBADMSG, "'four' is not a decimal" },
    { WRAP("<settings><processors><count type=\"integer\">-4</count>"
           "</processors></settings>"), EBADMSG, "negative" },
    { WRAP("<settings><processors><count type=\"integer\">99999</count>"
           "</processors></settings>"), EFBIG, "count: 99999 is out of range" },
    { WRAP("<settings><memory><bank><size type=\"integer\">"
           "99999999999999999999999</size></bank></memory></settings>"),
      EBADMSG, "not a decimal number" },
    { WRAP("<settings><memory><bank><size type=\"integer\">"
           "999999999999</size></bank></memory></settings>"),
      EFBIG, "out of range" },
    { WRAP("<settings><memory><bank><dynamic_memory_enabled type=\"bool\">"
           "yes</dynamic_memory_enabled></bank></memory></settings>"),
      EBADMSG, "'yes' is not True or False" },
    { WRAP("<properties><name type=\"integer\">5</name></properties>"),
      EBADMSG, "expected a value of type string, found integer" },
    { WRAP("<properties><subtype type=\"integer\">2</subtype></properties>"),
      ENOTSUP, "subtype 2" },
    { WRAP("<properties><global_id type=\"string\">nope</global_id>"
           "</properties>"), EBADMSG, "global_id: malformed GUID" },
    { WRAP(IDE_SEC(DRIVE(0, "VHD", "C:\\a.vhdx") DRIVE(0, "VHD", "C:\\b.vhdx"))),
      EBADMSG, "drive0 appears twice" },
    { WRAP(IDE_SEC(DRIVE(2, "VHD", "C:\\a.vhdx"))), EBADMSG,
      "drive2: locations go up to 1" },
    { WRAP(IDE_SEC(DRIVE(0, "PHYSICAL", "Disk 2"))), ENOTSUP,
      "drive type 'PHYSICAL' is not supported" },
    { WRAP(IDE_SEC(DRIVE(0, "VHD", ""))), EBADMSG,
      "hard disk drive without a pathname" },
    { WRAP("<_83f8638b-8dca-4152-9eda-2ca8b33039b4_><controller2/>"
           "</_83f8638b-8dca-4152-9eda-2ca8b33039b4_>"), EBADMSG,
      "controller2: this controller has controller0 and controller1 only" },
    { WRAP("<properties><subtype type=\"integer\">1</subtype></properties>"
           IDE_SEC(DRIVE(0, "VHD", "C:\\a.vhdx"))), EBADMSG,
      "Generation 2 guest has no IDE controller" },
    { WRAP("<properties><name type=\"string\">a\tb</name></properties>"),
      EBADMSG, "control character" },
    { WRAP("<manifest><vdev001><device type=\"string\">xyz</device>"
           "</vdev001></manifest>"), EBADMSG, "malformed device type GUID" },
    { WRAP("<manifest><vdev001><device type=\"string\">"
           "d422512d-2bf2-4752-809d-7b82b5fcb1b4</device><instance "
           "type=\"string\">11111111-1111-1111-1111-111111111111</instance>"
           "</vdev001></manifest>"), EBADMSG, "has no _1111" },
    { WRAP("<_55225880-49c0-4438-9ce2-5a01402fd8cb_><MacAddress type=\"string\">"
           "01-00-5E-00-00-01</MacAddress></_55225880-49c0-4438-9ce2-5a01402fd8cb_>"),
      EBADMSG, "multicast" },
    { WRAP("<properties><name type=\"string\"><b>x</b></name></properties>"),
      EBADMSG, "holds elements" },
    /* a NIC posing as the key-value pair component (found by fuzzing) */
    { WRAP("<manifest><vdev001><device type=\"string\">"
           "2fc216b0-d2e2-4967-9b6d-b8a5c9ca2778</device><instance "
           "type=\"string\">2a34b1c2-fd73-4043-8a5b-dd2159bc743f</instance>"
           "</vdev001></manifest>"), EBADMSG,
      "vdev001/instance: device instance 2a34b1c2-fd73-4043-8a5b-dd2159bc743f "
      "is the type GUID of another kind of device" },
  };

  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    size_t len = strlen(cases[k].xml);
    if (k == 2)
      len = 3;
    hvx_vm *vm = hvx_vm_from_hyperv_xml(cases[k].xml, len, "t.xml", NULL);
    if (vm)
      fail_msg("case %zu was accepted", k);
    if (hvx_errno() != cases[k].err || !strstr(hvx_error(), cases[k].msg))
      fail_msg("case %zu: got errno %d '%s', expected %d '%s'", k,
               hvx_errno(), hvx_error(), cases[k].err, cases[k].msg);
  }
  /* five SCSI controllers */
  {
    char xml[8192] = "<configuration>";
    for (int c = 0; c < 5; c++) {
      char sec[512];
      snprintf(sec, sizeof sec, "<_0000000%d-0000-0000-0000-000000000000_>"
               "<ChannelInstanceGuid type=\"string\">x</ChannelInstanceGuid>"
               "<controller0/></_0000000%d-0000-0000-0000-000000000000_>", c,
               c);
      strcat(xml, sec);
    }
    strcat(xml, "</configuration>");
    assert_null(parse(xml));
    assert_hvx_error(EFBIG, "more than 4 SCSI controllers");
  }
  assert_null(hvx_vm_from_hyperv_xml_file("/nonexistent/x.xml", NULL));
  assert_hvx_error(ENOENT, "/nonexistent/x.xml");
}

/* Entity tricks never get a chance: any DOCTYPE is refused. */
static void test_doctype_refused(void **state)
{
  static const char laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<configuration><properties><name type=\"string\">&lol9;</name>"
    "</properties></configuration>\n";
  static const char xxe[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE configuration [ <!ENTITY secret SYSTEM "
    "\"file:///etc/passwd\"> ]>\n"
    "<configuration><properties><name type=\"string\">&secret;</name>"
    "</properties></configuration>\n";
  static const char external_dtd[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE configuration SYSTEM \"http://127.0.0.1:9/x.dtd\">\n"
    "<configuration/>\n";
  static const char undeclared[] =
    "<configuration><properties><name type=\"string\">&secret;</name>"
    "</properties></configuration>\n";

  assert_null(parse(laughs));
  assert_hvx_error(EBADMSG, "t.xml:2: the document has a DOCTYPE, which is "
                   "refused");
  assert_null(parse(xxe));
  assert_hvx_error(EBADMSG, "DOCTYPE");
  assert_null(parse(external_dtd));
  assert_hvx_error(EBADMSG, "DOCTYPE");
  assert_null(parse(undeclared));
  assert_hvx_error(EBADMSG, "malformed XML");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_read_gen1),
    cmocka_unit_test(test_read_gen2),
    cmocka_unit_test(test_sample_round_trip),
    cmocka_unit_test(test_model_round_trip),
    cmocka_unit_test(test_dynamic_memory_inconsistent),
    cmocka_unit_test(test_boot_order_normalised),
    cmocka_unit_test(test_instance_not_duplicated),
    cmocka_unit_test(test_derived_instance_avoids_kept),
    cmocka_unit_test(test_empty_scsi_controller_kept),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_doctype_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
