/* The guest model: fields, devices, extras, validation, JSON, reports. */
#include "testutil.h"

#include "hvx/vm.h"
#include "hvx/report.h"

static hvx_vm *new_vm(void)
{
  hvx_vm *vm = hvx_vm_new();
  assert_non_null(vm);
  return vm;
}

static void test_guest_fields(void **state)
{
  hvx_vm *vm = new_vm();

  assert_null(hvx_vm_name(vm));
  assert_int_equal(hvx_vm_set_name(vm, "web01"), 0);
  assert_string_equal(hvx_vm_name(vm), "web01");
  assert_int_equal(hvx_vm_set_uuid(vm, "6A0F2C1E-3B4D-4E5F-8A9B-0C1D2E3F4A5B"),
                   0);
  assert_string_equal(hvx_vm_uuid(vm), "6a0f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_UEFI), 0);
  assert_int_equal(hvx_vm_set_secure_boot(vm, 1), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 2), 0);
  assert_int_equal(hvx_vm_set_max_vcpus(vm, 4), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 1024ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_memory(vm, 2048ull << 20), 0);
  assert_int_equal(hvx_vm_set_boot_order(vm, "dc"), 0);
  assert_int_equal(hvx_vm_set_action(vm, HVX_EVENT_CRASH,
                                     HVX_ACTION_COREDUMP_RESTART), 0);
  assert_int_equal(hvx_vm_action(vm, HVX_EVENT_CRASH),
                   HVX_ACTION_COREDUMP_RESTART);
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_HV_BASE |
                                             HVX_ENL_HV_STIMER), 0);
  assert_int_equal(hvx_vm_validate(vm), 0);
  assert_int_equal(hvx_vm_vcpus(vm), 2);
  assert_int_equal(hvx_vm_max_memory(vm), 2048ull << 20);
  assert_string_equal(hvx_vm_boot_order(vm), "dc");
  assert_string_equal(hvx_guest_type_name(HVX_GUEST_PVH), "pvh");
  assert_int_equal(hvx_guest_type_from_name("pv"), HVX_GUEST_PV);
  assert_int_equal(hvx_action_from_name("rename-restart"),
                   HVX_ACTION_RENAME_RESTART);
  assert_int_equal(hvx_enlightenment_from_name("hv_stimer"),
                   HVX_ENL_HV_STIMER);
  assert_string_equal(hvx_enlightenment_name(HVX_ENL_XEN_PLATFORM),
                      "xen_platform");
  assert_null(hvx_enlightenment_name(3));
  hvx_vm_free(vm);
}

static void test_bad_values(void **state)
{
  hvx_vm *vm = new_vm();

  assert_int_equal(hvx_vm_set_uuid(vm, "6a0f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5"),
                   -1);
  assert_hvx_error(EINVAL, "is not of the form");
  assert_int_equal(hvx_vm_set_uuid(vm, "6a0f2c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5bb"),
                   -1);
  assert_hvx_error(EINVAL, "junk");
  assert_int_equal(hvx_vm_set_name(vm, "a\nb"), -1);
  assert_hvx_error(EINVAL, "control character");
  assert_int_equal(hvx_vm_set_name(vm, "\xc3\x28"), -1);
  assert_hvx_error(EINVAL, "not valid UTF-8");
  assert_int_equal(hvx_vm_set_name(vm, "caf\xc3\xa9"), 0);
  assert_int_equal(hvx_vm_set_memory(vm, (1ull << 20) + 1), -1);
  assert_hvx_error(EINVAL, "not a multiple of 1 MiB");
  assert_int_equal(hvx_vm_set_memory(vm, HVX_VM_MAX_MEMORY + (1ull << 20)),
                   -1);
  assert_hvx_error(EFBIG, "memory");
  assert_int_equal(hvx_vm_set_vcpus(vm, 100000), -1);
  assert_hvx_error(EINVAL, "vcpus 100000");
  assert_int_equal(hvx_vm_set_boot_order(vm, "cc"), -1);
  assert_hvx_error(EINVAL, "twice");
  assert_int_equal(hvx_vm_set_boot_order(vm, "cx"), -1);
  assert_hvx_error(EINVAL, "'x' is not one of");
  assert_int_equal(hvx_vm_set_guest_type(vm, 9), -1);
  assert_hvx_error(EINVAL, "guest type 9");
  assert_int_equal(hvx_vm_set_enlightenments(vm, 1ull << 40), -1);
  assert_hvx_error(EINVAL, "enlightenment bits");
  assert_int_equal(hvx_vm_set_action(vm, 7, HVX_ACTION_DESTROY), -1);
  assert_hvx_error(EINVAL, "unknown event 7");
  hvx_vm_free(vm);
}

static void test_disks(void **state)
{
  hvx_vm *vm = new_vm();
  int i = hvx_vm_add_disk(vm), j = hvx_vm_add_disk(vm);

  assert_int_equal(i, 0);
  assert_int_equal(j, 1);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/img/a.qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, 0, "qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_XEN, 0, 0, 0), 0);
  assert_int_equal(hvx_vm_disk_set_name(vm, 0, "xvda"), 0);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, 1, 1), 0);
  assert_int_equal(hvx_vm_disk_readonly(vm, 1), 1);
  assert_int_equal(hvx_vm_disk_set_address(vm, 1, HVX_BUS_IDE, 1, 0, 0), 0);
  assert_int_equal(hvx_vm_validate(vm), 0);
  assert_string_equal(hvx_vm_disk_format(vm, 0), "qcow2");
  assert_int_equal(hvx_vm_disk_bus(vm, 1), HVX_BUS_IDE);
  assert_int_equal(hvx_vm_disk_controller(vm, 1), 1);

  assert_int_equal(hvx_vm_disk_set_format(vm, 0, "floppy-img"), -1);
  assert_hvx_error(EINVAL, "unknown image format 'floppy-img'");
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_IDE, 0, 2, 0), -1);
  assert_hvx_error(EINVAL, "IDE slot 2");
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_XEN, 0, 0, 256),
                   -1);
  assert_hvx_error(EINVAL, "partition 256");
  assert_null(hvx_vm_disk_path(vm, 5));
  assert_hvx_error(EINVAL, "no disk 5");
  assert_int_equal(hvx_vm_disk_bus(vm, 2), -1);

  /* a duplicate slot */
  assert_int_equal(hvx_vm_add_disk(vm), 2);
  assert_int_equal(hvx_vm_disk_set_path(vm, 2, "/img/b.raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 2, HVX_BUS_XEN, 0, 0, 0), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "disk 0 (xvda) and disk 2 are both at xen "
                   "controller 0 slot 0");
  assert_int_equal(hvx_vm_disk_set_address(vm, 2, HVX_BUS_XEN, 0, 1, 0), 0);
  assert_int_equal(hvx_vm_disk_set_name(vm, 2, "xvda"), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "both named xvda");
  assert_int_equal(hvx_vm_remove_disk(vm, 0), 0);
  assert_int_equal(hvx_vm_disk_count(vm), 2);
  assert_string_equal(hvx_vm_disk_name(vm, 1), "xvda");
  assert_int_equal(hvx_vm_validate(vm), 0);

  /* a hard disk needs an image */
  assert_int_equal(hvx_vm_add_disk(vm), 2);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "disk 2 is a hard disk without an image");
  hvx_vm_free(vm);
}

static void test_nics(void **state)
{
  hvx_vm *vm = new_vm();

  assert_int_equal(hvx_vm_add_nic(vm), 0);
  assert_int_equal(hvx_vm_add_nic(vm), 1);
  assert_int_equal(hvx_vm_nic_set_mac(vm, 0, "00-16-3E-AA-BB-CC"), 0);
  assert_string_equal(hvx_vm_nic_mac(vm, 0), "00:16:3e:aa:bb:cc");
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, "00:16:3e:aa:bb:cc"), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "nics 0 and 1 have the same MAC 00:16:3e:aa:bb:cc");
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, "01:16:3e:aa:bb:cc"), -1);
  assert_hvx_error(EINVAL, "multicast");
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, "00:16:3e:aa:bb"), -1);
  assert_hvx_error(EINVAL, "not six hex octets");
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, "00:16-3e:aa:bb:cc"), -1);
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, "00:16:3e:aa:bb:cc:dd"), -1);
  assert_int_equal(hvx_vm_nic_set_mac(vm, 1, NULL), 0);
  assert_int_equal(hvx_vm_nic_set_network(vm, 1, "xenbr0"), 0);
  assert_int_equal(hvx_vm_nic_set_model(vm, 1, "e1000"), 0);
  assert_int_equal(hvx_vm_validate(vm), 0);
  assert_string_equal(hvx_vm_nic_network(vm, 1), "xenbr0");
  hvx_vm_free(vm);
}

static void test_extras_and_dup(void **state)
{
  hvx_vm *vm = new_vm(), *c;

  assert_int_equal(hvx_vm_add_serial(vm, "pty"), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/dev/vg/a"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpus",
                                    "\"2-3\""), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "xl.pool",
                                    "\"p\""), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_DISK, 0, "xl.script",
                                    "block"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_DISK, 1, "k", "v"), -1);
  assert_hvx_error(EINVAL, "no disk 1");
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 1, "k", "v"), -1);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "a key", "v"),
                   -1);
  assert_hvx_error(EINVAL, "contains a space");
  assert_int_equal(hvx_vm_extra_count(vm, HVX_OBJECT_GUEST, 0), 2);
  assert_string_equal(hvx_vm_extra_key(vm, HVX_OBJECT_GUEST, 0, 1),
                      "xl.pool");
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpus",
                                    NULL), 0);
  assert_int_equal(hvx_vm_extra_count(vm, HVX_OBJECT_GUEST, 0), 1);
  assert_null(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpus"));

  c = hvx_vm_dup(vm);
  assert_non_null(c);
  hvx_vm_free(vm);
  assert_string_equal(hvx_vm_extra(c, HVX_OBJECT_DISK, 0, "xl.script"),
                      "block");
  assert_string_equal(hvx_vm_serial_target(c, 0), "pty");
  assert_string_equal(hvx_vm_disk_path(c, 0), "/dev/vg/a");
  hvx_vm_free(c);
}

static void test_device_limit(void **state)
{
  hvx_vm *vm = new_vm();

  for (unsigned i = 0; i < HVX_VM_MAX_DEVICES; i++)
    assert_int_equal(hvx_vm_add_nic(vm), (int)i);
  assert_int_equal(hvx_vm_add_nic(vm), -1);
  assert_hvx_error(EFBIG, "more than 1024 network interfaces");
  hvx_vm_free(vm);
}

static void test_validate_guest(void **state)
{
  hvx_vm *vm = new_vm();

  assert_int_equal(hvx_vm_set_vcpus(vm, 4), 0);
  assert_int_equal(hvx_vm_set_max_vcpus(vm, 2), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "maximum vcpus 2 is below vcpus 4");
  assert_int_equal(hvx_vm_set_max_vcpus(vm, 0), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 512ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_memory(vm, 256ull << 20), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "maximum memory 256 MiB is below memory 512 MiB");
  assert_int_equal(hvx_vm_set_max_memory(vm, 0), 0);
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_PV), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_UEFI), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "PV guest has no uefi firmware");
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_BIOS), 0);
  assert_int_equal(hvx_vm_set_secure_boot(vm, 1), 0);
  assert_int_equal(hvx_vm_validate(vm), -1);
  assert_hvx_error(EINVAL, "secure boot needs UEFI");
  hvx_vm_free(vm);
}

static void test_json(void **state)
{
  hvx_vm *vm = new_vm();
  char *j;

  assert_int_equal(hvx_vm_set_name(vm, "q\"uote"), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "C:\\vm\\a.vhdx"), 0);
  assert_int_equal(hvx_vm_add_nic(vm), 0);
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_HV_BASE |
                                             HVX_ENL_XEN_PLATFORM), 0);
  j = hvx_vm_to_json(vm);
  assert_non_null(j);
  assert_non_null(strstr(j, "\"name\": \"q\\\"uote\""));
  assert_non_null(strstr(j, "\"path\": \"C:\\\\vm\\\\a.vhdx\""));
  assert_non_null(strstr(j, "\"enlightenments\": [\"hv_base\", "
                         "\"xen_platform\"]"));
  assert_non_null(strstr(j, "\"mac\": null"));
  free(j);
  hvx_vm_free(vm);
}

#define FEAT(x) HVX_ENL_BIT(HVX_ENL_##x)

/* The model keeps the enlightenment map's features; the older viridian-
 * group bits are a view of them through the map. */
static void test_hv_features(void **state)
{
  hvx_vm *vm = new_vm(), *copy;
  char *j;

  (void)state;
  assert_int_equal(hvx_vm_hv_features(vm), 0);
  assert_int_equal(hvx_vm_xen_platform(vm), 0);
  assert_int_equal(hvx_vm_enlightenments(vm), 0);
  assert_int_equal(hvx_vm_set_hv_features(vm, HVX_ENL_BIT(HVX_ENL_COUNT)),
                   -1);
  assert_hvx_error(EINVAL, "unknown Hyper-V feature bits");
  assert_int_equal(hvx_vm_set_hv_features(vm, FEAT(HYPERCALL) | FEAT(VPINDEX)
                                          | FEAT(VP_RUNTIME)), 0);
  assert_int_equal(hvx_vm_set_hv_spinlock_retries(vm, 8191), 0);
  assert_int_equal(hvx_vm_set_xen_platform(vm, 7), 0);
  assert_int_equal(hvx_vm_xen_platform(vm), 1);
  copy = hvx_vm_dup(vm);
  assert_int_equal(hvx_vm_hv_features(copy), FEAT(HYPERCALL) | FEAT(VPINDEX)
                   | FEAT(VP_RUNTIME));
  assert_int_equal(hvx_vm_hv_spinlock_retries(copy), 8191);
  assert_int_equal(hvx_vm_xen_platform(copy), 1);
  j = hvx_vm_to_json(copy);
  assert_non_null(strstr(j, "\"hv_features\": [\"hypercall\", \"vpindex\", "
                         "\"vp-runtime\"]"));
  assert_non_null(strstr(j, "\"hv_spinlock_retries\": 8191"));
  assert_non_null(strstr(j, "\"xen_platform\": true"));
  /* VP run time has no Xen group: the older view shows base only */
  assert_non_null(strstr(j, "\"enlightenments\": [\"hv_base\", "
                         "\"xen_platform\"]"));
  free(j);
  hvx_vm_free(copy);

  /* Older bits: a group means what libxl makes of it (stimer brings the
   * reference counter and SynIC, any group brings base)... */
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_HV_STIMER), 0);
  assert_int_equal(hvx_vm_xen_platform(vm), 0);
  assert_true(hvx_vm_hv_features(vm) & FEAT(STIMER));
  assert_true(hvx_vm_hv_features(vm) & FEAT(SYNIC));
  assert_true(hvx_vm_hv_features(vm) & FEAT(HYPERCALL));
  assert_false(hvx_vm_hv_features(vm) & FEAT(FREQUENCIES));
  /* ... and reads back as the groups the xl writer writes for them */
  assert_int_equal(hvx_vm_enlightenments(vm),
                   HVX_ENL_HV_BASE | HVX_ENL_HV_TIME_REF_COUNT |
                   HVX_ENL_HV_SYNIC | HVX_ENL_HV_STIMER);
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_HV_FREQ |
                                             HVX_ENL_XEN_PLATFORM), 0);
  assert_int_equal(hvx_vm_enlightenments(vm), HVX_ENL_HV_BASE |
                   HVX_ENL_HV_FREQ | HVX_ENL_XEN_PLATFORM);
  assert_int_equal(hvx_vm_set_enlightenments(vm, 0), 0);
  assert_int_equal(hvx_vm_hv_features(vm), 0);

  /* Every mask of groups: its canonical form gives the same features
   * and is its own canonical form. */
  for (uint64_t m = 0; m < (UINT64_C(1) << 13); m++) {
    uint64_t canon;
    hvx_enl_set f;
    assert_int_equal(hvx_vm_set_enlightenments(vm, m), 0);
    f = hvx_vm_hv_features(vm);
    canon = hvx_vm_enlightenments(vm);
    assert_int_equal(canon & m, m);  /* nothing asked for is dropped */
    assert_int_equal(hvx_vm_set_enlightenments(vm, canon), 0);
    assert_int_equal(hvx_vm_hv_features(vm), f);
    assert_int_equal(hvx_vm_enlightenments(vm), canon);
  }
  hvx_vm_free(vm);
}

static void test_report(void **state)
{
  hvx_report *r = hvx_report_new();
  char *j;

  assert_int_equal(hvx_report_max_severity(r), -1);
  assert_int_equal(hvx_report_add(r, HVX_SEVERITY_WARNING, "disk xvda",
                                  "renamed to SCSI 0:0",
                                  "mount by UUID in /etc/fstab"), 0);
  assert_int_equal(hvx_report_add(r, HVX_SEVERITY_LOSS, "key cpuid",
                                  "not carried over", NULL), 1);
  assert_int_equal(hvx_report_add(r, 3, "x", "y", NULL), -1);
  assert_hvx_error(EINVAL, "unknown severity 3");
  assert_int_equal(hvx_report_add(r, 0, NULL, "y", NULL), -1);
  assert_int_equal(hvx_report_count(r), 2);
  assert_int_equal(hvx_report_max_severity(r), HVX_SEVERITY_LOSS);
  assert_string_equal(hvx_report_subject(r, 0), "disk xvda");
  assert_string_equal(hvx_report_advice(r, 1), "");
  assert_null(hvx_report_message(r, 2));
  assert_hvx_error(EINVAL, "no item 2");
  assert_int_equal(hvx_report_severity(r, 2), -1);
  j = hvx_report_to_json(r);
  assert_non_null(j);
  assert_non_null(strstr(j, "{\"severity\": \"warning\", \"subject\": "
                         "\"disk xvda\", \"message\": \"renamed to SCSI "
                         "0:0\", \"advice\": \"mount by UUID in "
                         "/etc/fstab\"}"));
  free(j);
  hvx_report_free(r);
  j = hvx_report_to_json(NULL);
  assert_string_equal(j, "[]");
  free(j);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_guest_fields),
    cmocka_unit_test(test_bad_values),
    cmocka_unit_test(test_disks),
    cmocka_unit_test(test_nics),
    cmocka_unit_test(test_extras_and_dup),
    cmocka_unit_test(test_device_limit),
    cmocka_unit_test(test_validate_guest),
    cmocka_unit_test(test_json),
    cmocka_unit_test(test_report),
    cmocka_unit_test(test_hv_features),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
