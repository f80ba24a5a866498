/* OVF export/import round trips for disks and NICs, capacities from the
 * images, bad descriptors; libvirt export basics (the interop test
 * validates libvirt output against libvirt's own schema). */
#include "testutil.h"

#include "hvx/image.h"
#include "hvx/ovf.h"
#include "hvx/report.h"
#include "hvx/vm.h"

static hvx_vm *sample(const char *image)
{
  hvx_vm *vm = hvx_vm_new();
  int i;

  assert_int_equal(hvx_vm_set_name(vm, "app & <db>"), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 2), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 3072ull << 20), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, image), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_SCSI, 0, 0,
                                           0), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "/iso/x.iso"), 0);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, (size_t)i, 1), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_IDE, 1, 0,
                                           0), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "/img/b.qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_SCSI, 1, 7,
                                           0), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_DISK, (size_t)i,
                                    "ovf.capacity", "10737418240"), 0);
  for (int k = 0; k < 2; k++) {
    i = hvx_vm_add_nic(vm);
    assert_int_equal(hvx_vm_nic_set_mac(vm, (size_t)i, k ? "00:16:3e:00:00:02"
                                        : "00:16:3e:00:00:01"), 0);
    assert_int_equal(hvx_vm_nic_set_network(vm, (size_t)i, "lan \"1\""), 0);
    assert_int_equal(hvx_vm_nic_set_model(vm, (size_t)i, "e1000"), 0);
  }
  return vm;
}

static void test_round_trip(void **state)
{
  const char *img = test_path("disk1.raw");
  hvx_image *im = hvx_create(img, "raw", 5ull << 20, NULL);
  hvx_report *r = hvx_report_new();
  hvx_vm *vm, *back;
  char *ovf;

  assert_non_null(im);
  hvx_close(im);
  vm = sample(img);
  ovf = hvx_vm_to_ovf(vm, r);
  assert_non_null(ovf);
  assert_non_null(strstr(ovf, "ovf:capacity=\"5242880\""));
  assert_non_null(strstr(ovf, "ovf:capacity=\"10737418240\""));
  assert_non_null(strstr(ovf, "<rasd:ResourceType>17</rasd:ResourceType>"));
  assert_non_null(strstr(ovf, "<Name>app &amp; &lt;db&gt;</Name>"));
  back = hvx_vm_from_ovf(ovf, strlen(ovf), "x.ovf", NULL);
  if (!back)
    fail_msg("%s\n%s", hvx_error(), ovf);
  assert_string_equal(hvx_vm_name(back), "app & <db>");
  assert_int_equal(hvx_vm_vcpus(back), 2);
  assert_int_equal(hvx_vm_memory(back), 3072ull << 20);
  assert_int_equal(hvx_vm_disk_count(back), 3);
  /* References keep file names: images travel beside the descriptor */
  assert_string_equal(hvx_vm_disk_path(back, 0), "disk1.raw");
  assert_string_equal(hvx_vm_disk_format(back, 0), "raw");
  assert_int_equal(hvx_vm_disk_bus(back, 0), HVX_BUS_SCSI);
  assert_int_equal(hvx_vm_disk_cdrom(back, 1), 1);
  assert_int_equal(hvx_vm_disk_bus(back, 1), HVX_BUS_IDE);
  assert_int_equal(hvx_vm_disk_controller(back, 1), 1);
  assert_int_equal(hvx_vm_disk_controller(back, 2), 1);
  assert_int_equal(hvx_vm_disk_slot(back, 2), 7);
  assert_string_equal(hvx_vm_disk_format(back, 2), "qcow2");
  assert_string_equal(hvx_vm_extra(back, HVX_OBJECT_DISK, 2, "ovf.capacity"),
                      "10737418240");
  assert_int_equal(hvx_vm_nic_count(back), 2);
  assert_string_equal(hvx_vm_nic_mac(back, 1), "00:16:3e:00:00:02");
  assert_string_equal(hvx_vm_nic_network(back, 0), "lan \"1\"");
  assert_string_equal(hvx_vm_nic_model(back, 0), "e1000");
  /* and again: the second export equals the first but for paths */
  free(ovf);
  hvx_vm_free(back);
  hvx_vm_free(vm);
  hvx_report_free(r);
}

static void test_bad_ovf(void **state)
{
#define ENV "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" " \
  "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:rasd=\"" \
  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
  "CIM_ResourceAllocationSettingData\">"
#define VS(items) ENV "<References/><VirtualSystem ovf:id=\"v\">" \
  "<VirtualHardwareSection>" items "</VirtualHardwareSection>" \
  "</VirtualSystem></Envelope>"
#define ITEM(x) "<Item>" x "</Item>"
  static const struct {
    const char *xml;
    int err;
    const char *msg;
  } cases[] = {
    { "<Envelope/>", EBADMSG, "not an OVF Envelope" },
    { ENV "</Envelope>", EBADMSG, "no VirtualSystem" },
    { ENV "<VirtualSystem>\n<Info/>\n</Envelope>", EBADMSG, "x.ovf:3:" },
    { VS(ITEM("<rasd:InstanceID>1</rasd:InstanceID>")), EBADMSG,
      "without rasd:ResourceType" },
    { VS(ITEM("<rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3"
              "</rasd:ResourceType><rasd:VirtualQuantity>100000"
              "</rasd:VirtualQuantity>")), EFBIG, "processor" },
    { VS(ITEM("<rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>"
              "<rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>4"
              "</rasd:ResourceType><rasd:VirtualQuantity>999999999"
              "</rasd:VirtualQuantity>")), EFBIG, "absurd" },
    { VS(ITEM("<rasd:HostResource>ovf:/disk/d1</rasd:HostResource>"
              "<rasd:InstanceID>1</rasd:InstanceID><rasd:Parent>7"
              "</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType>")),
      EBADMSG, "Parent 7 is not a storage controller" },
    { VS(ITEM("<rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>6"
              "</rasd:ResourceType>")
         ITEM("<rasd:HostResource>ovf:/disk/d1</rasd:HostResource>"
              "<rasd:InstanceID>1</rasd:InstanceID><rasd:Parent>4"
              "</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType>")),
      EBADMSG, "names no Disk" },
    { VS(ITEM("<rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceType>6"
              "</rasd:ResourceType>")
         ITEM("<rasd:AddressOnParent>0</rasd:AddressOnParent>"
              "<rasd:InstanceID>1</rasd:InstanceID><rasd:Parent>4"
              "</rasd:Parent><rasd:ResourceType>15</rasd:ResourceType>")
         ITEM("<rasd:AddressOnParent>0</rasd:AddressOnParent>"
              "<rasd:InstanceID>2</rasd:InstanceID><rasd:Parent>4"
              "</rasd:Parent><rasd:ResourceType>15</rasd:ResourceType>")),
      EBADMSG, "a second drive at scsi 0:0" },
    { VS(ITEM("<rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3"
              "</rasd:ResourceType>")
         ITEM("<rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>4"
              "</rasd:ResourceType>")), EBADMSG, "used twice" },
    { "<!DOCTYPE Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      ENV "</Envelope>", EBADMSG, "DOCTYPE" },
  };

  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    hvx_vm *vm = hvx_vm_from_ovf(cases[k].xml, strlen(cases[k].xml), "x.ovf",
                                 NULL);
    if (vm)
      fail_msg("case %zu accepted", k);
    if (hvx_errno() != cases[k].err || !strstr(hvx_error(), cases[k].msg))
      fail_msg("case %zu: got %d '%s', expected %d '%s'", k, hvx_errno(),
               hvx_error(), cases[k].err, cases[k].msg);
  }
}

/* A drive on no bus (an OVF drive Item without a Parent) next to a Xen
 * disk at 0:0: written without a Parent too, not onto a "xen"
 * controller where it would collide with the Xen disk when read back
 * (found by fuzzing). */
static void test_drive_without_bus(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *back;
  char *ovf;
  int i;

  (void)state;
  assert_int_equal(hvx_vm_set_name(vm, "g"), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 128ull << 20), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "a.raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_XEN, 0, 0,
                                           0), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_DISK, (size_t)i,
                                    "ovf.capacity", "1048576"), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, (size_t)i, 1), 0);
  ovf = hvx_vm_to_ovf(vm, NULL);
  assert_non_null(ovf);
  back = hvx_vm_from_ovf(ovf, strlen(ovf), "x.ovf", NULL);
  if (!back)
    fail_msg("%s\n%s", hvx_error(), ovf);
  assert_int_equal(hvx_vm_disk_count(back), 2);
  assert_int_equal(hvx_vm_disk_bus(back, 0), HVX_BUS_XEN);
  assert_int_equal(hvx_vm_disk_bus(back, 1), HVX_BUS_UNSPECIFIED);
  assert_int_equal(hvx_vm_disk_cdrom(back, 1), 1);
  free(ovf);
  hvx_vm_free(back);
  hvx_vm_free(vm);
}

/* An image path with no file name cannot be referenced (found by
 * fuzzing: the empty href written was refused on reading). */
static void test_path_without_file_name(void **state)
{
  hvx_vm *vm = hvx_vm_new();
  int i;

  (void)state;
  assert_int_equal(hvx_vm_set_name(vm, "g"), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 128ull << 20), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "images/data.vhd/"),
                   0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_SCSI, 0, 0,
                                           0), 0);
  assert_null(hvx_vm_to_ovf(vm, NULL));
  assert_hvx_error(EINVAL, "ovf: disk 0: image path 'images/data.vhd/' ends "
                   "in a separator");
  hvx_vm_free(vm);
}

static void test_libvirt(void **state)
{
  hvx_vm *vm = sample("/dev/vg/root");
  hvx_report *r = hvx_report_new();
  char *x;

  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_PV), 0);
  assert_int_equal(hvx_vm_set_bootloader(vm, "pygrub"), 0);
  assert_int_equal(hvx_vm_add_serial(vm, "tcp:127.0.0.1:9"), 0);
  x = hvx_vm_to_libvirt(vm, NULL, r);
  assert_non_null(x);
  assert_non_null(strstr(x, "<domain type='xen'>"));
  assert_non_null(strstr(x, "<bootloader>pygrub</bootloader>"));
  assert_non_null(strstr(x, "machine='xenpv'>linux</type>"));
  assert_non_null(strstr(x, "<source dev='/dev/vg/root'/>"));
  assert_non_null(strstr(x, "<target dev='sda' bus='scsi'/>"));
  assert_non_null(strstr(x, "<driver name='qemu' type='qcow2'/>"));
  assert_non_null(strstr(x, "<source bridge='lan &quot;1&quot;'/>"));
  assert_non_null(strstr(x, "<memory unit='KiB'>3145728</memory>"));
  assert_int_equal(hvx_report_severity(r, 0), HVX_SEVERITY_LOSS);
  free(x);
  assert_null(hvx_vm_to_libvirt(vm, "kvm", NULL));
  assert_hvx_error(EINVAL, "only be a 'xen' domain");
  assert_null(hvx_vm_to_libvirt(vm, "vbox", NULL));
  assert_hvx_error(EINVAL, "unknown domain type 'vbox'");
  hvx_vm_free(vm);
  hvx_report_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_bad_ovf),
    cmocka_unit_test(test_drive_without_bus),
    cmocka_unit_test(test_path_without_file_name),
    cmocka_unit_test(test_libvirt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
