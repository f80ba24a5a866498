/* Translating guests to Hyper-V: generation choice, the Gen1/Gen2
 * placement rules, limits, and the report. */
#include "testutil.h"

#include "hvx/hyperv.h"
#include "hvx/report.h"
#include "hvx/vm.h"

static hvx_vm *guest(int type, int firmware)
{
  hvx_vm *vm = hvx_vm_new();
  assert_non_null(vm);
  assert_int_equal(hvx_vm_set_name(vm, "web01"), 0);
  assert_int_equal(hvx_vm_set_guest_type(vm, type), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, firmware), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 2), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 1024ull << 20), 0);
  return vm;
}

/* Append a disk named NAME on BUS at C:S with image PATH. */
static int disk(hvx_vm *vm, const char *name, int bus, unsigned c,
                unsigned s, const char *path, int cdrom)
{
  int i = hvx_vm_add_disk(vm);
  assert_true(i >= 0);
  if (name)
    assert_int_equal(hvx_vm_disk_set_name(vm, (size_t)i, name), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, bus, c, s, 0), 0);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, (size_t)i, cdrom), 0);
  if (path)
    assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, path), 0);
  return i;
}

static void assert_at(const hvx_vm *vm, size_t i, int bus, int c, int s)
{
  if (hvx_vm_disk_bus(vm, i) != bus || hvx_vm_disk_controller(vm, i) != c ||
      hvx_vm_disk_slot(vm, i) != s)
    fail_msg("disk %zu is at %s %d:%d, expected %s %d:%d", i,
             hvx_bus_name(hvx_vm_disk_bus(vm, i)),
             hvx_vm_disk_controller(vm, i), hvx_vm_disk_slot(vm, i),
             hvx_bus_name(bus), c, s);
}

static void test_vmbus_classes(void **state)
{
  assert_string_equal(hvx_vmbus_class_guid(HVX_VMBUS_SCSI),
                      "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
  assert_string_equal(hvx_vmbus_class_linux_driver(HVX_VMBUS_NETWORK),
                      "hv_netvsc");
  assert_int_equal(hvx_vmbus_class_from_guid(
                     "{57164F39-9115-4E78-AB55-382F3BD5422D}"),
                   HVX_VMBUS_HEARTBEAT);
  assert_int_equal(hvx_vmbus_class_from_guid(
                     "00000000-0000-0000-0000-000000000000"), -1);
  assert_hvx_error(ENOENT, "not a known VMBus device class");
  assert_int_equal(hvx_vmbus_class_from_guid("57164f39"), -1);
  assert_hvx_error(EINVAL, "not a GUID");
  assert_null(hvx_vmbus_class_guid(HVX_VMBUS_N_CLASSES));
  /* every class has a distinct GUID that maps back to it */
  for (int i = 0; i < HVX_VMBUS_N_CLASSES; i++)
    assert_int_equal(hvx_vmbus_class_from_guid(hvx_vmbus_class_guid(i)), i);
}

/* Linux PV guest with pygrub and five disks -> Gen1: boot disk on IDE
 * 0:0, the others on SCSI 0:0..3, report of renames, drivers, boot. */
static void test_gen1_five_disks(void **state)
{
  hvx_vm *vm = guest(HVX_GUEST_PV, HVX_FIRMWARE_UNSPECIFIED), *out;
  hvx_report *r = hvx_report_new();
  const char *names[] = { "xvda", "xvdb", "xvdc", "xvdd", "xvde" };

  for (unsigned k = 0; k < 5; k++) {
    char path[32];
    snprintf(path, sizeof path, "/img/d%u.raw", k);
    disk(vm, names[k], HVX_BUS_XEN, 0, k, path, 0);
  }
  assert_int_equal(hvx_vm_set_bootloader(vm, "pygrub"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS,
                                    "linux"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpus",
                                    "\"0-3\""), 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, r), 0);
  assert_int_equal(hvx_hyperv_generation(out), 1);
  assert_int_equal(hvx_vm_guest_type(out), HVX_GUEST_HVM);
  assert_null(hvx_vm_bootloader(out));
  assert_at(out, 0, HVX_BUS_IDE, 0, 0);
  for (size_t k = 1; k < 5; k++)
    assert_at(out, k, HVX_BUS_SCSI, 0, (int)k - 1);
  assert_string_equal(hvx_vm_disk_path(out, 0), "/img/d0.vhdx");
  assert_string_equal(hvx_vm_disk_format(out, 0), "vhdx");
  assert_item(r, HVX_SEVERITY_WARNING, "disk xvda", "/dev/xvda");
  assert_item(r, HVX_SEVERITY_WARNING, "disk xvda", "UUID=");
  assert_item(r, HVX_SEVERITY_WARNING, "disk xvdb", "hvx convert -O vhdx");
  assert_item(r, HVX_SEVERITY_WARNING, "drivers", "hv_storvsc");
  assert_item(r, HVX_SEVERITY_WARNING, "guest", "without a bootloader on "
              "its disk");
  assert_item(r, HVX_SEVERITY_LOSS, "bootloader", "pygrub");
  assert_item(r, HVX_SEVERITY_LOSS, "guest", "xl.cpus");
  assert_null(hvx_vm_extra(out, HVX_OBJECT_GUEST, 0, "xl.cpus"));
  hvx_vm_free(out);
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* Gen1: DVD drives go to IDE (1:0 first), disks the source had on IDE
 * keep their location, a fifth IDE device is impossible. */
static void test_gen1_ide_and_dvd(void **state)
{
  hvx_vm *vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_BIOS), *out;

  disk(vm, "hda", HVX_BUS_IDE, 0, 0, "/img/a.vhd", 0);
  disk(vm, "hdb", HVX_BUS_IDE, 0, 1, "/img/b.vhd", 0);
  disk(vm, "hdc", HVX_BUS_IDE, 1, 0, "/iso/x.iso", 1);
  disk(vm, "hdd", HVX_BUS_IDE, 1, 1, NULL, 1);
  disk(vm, "sda", HVX_BUS_SCSI, 0, 0, "/img/c.vhdx", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, NULL), 0);
  assert_at(out, 0, HVX_BUS_IDE, 0, 0);
  assert_at(out, 1, HVX_BUS_IDE, 0, 1);
  assert_at(out, 2, HVX_BUS_IDE, 1, 0);
  assert_at(out, 3, HVX_BUS_IDE, 1, 1);
  assert_at(out, 4, HVX_BUS_SCSI, 0, 0);
  assert_string_equal(hvx_vm_disk_format(out, 0), "vhd");
  hvx_vm_free(out);

  /* a CD-ROM listed first is not the boot disk; four DVD drives do not
   * fit beside the boot disk */
  hvx_vm_free(vm);
  vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_BIOS);
  disk(vm, "xvdd", HVX_BUS_XEN, 0, 3, "/iso/y.iso", 1);
  disk(vm, "xvda", HVX_BUS_XEN, 0, 0, "/img/a.vhd", 0);
  disk(vm, "xvdb", HVX_BUS_XEN, 0, 1, "/img/b.vhd", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), 0);
  assert_at(out, 0, HVX_BUS_IDE, 1, 0);
  assert_at(out, 1, HVX_BUS_IDE, 0, 0);
  assert_at(out, 2, HVX_BUS_SCSI, 0, 0);
  hvx_vm_free(out);
  for (unsigned k = 0; k < 3; k++)
    disk(vm, NULL, HVX_BUS_XEN, 0, 4 + k, NULL, 1);
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), -1);
  assert_hvx_error(EFBIG, "4 DVD drives");
  assert_null(out);
  /* ... but on Gen2 they all go to SCSI */
  assert_int_equal(hvx_hyperv_translate(vm, 2, &out, NULL), 0);
  assert_at(out, 1, HVX_BUS_SCSI, 0, 0);
  assert_at(out, 0, HVX_BUS_SCSI, 0, 1);
  assert_at(out, 5, HVX_BUS_SCSI, 0, 5);
  hvx_vm_free(out);
  hvx_vm_free(vm);
}

/* Gen2: everything on SCSI; 70 disks spill to a second controller; 256
 * fit, 257 do not (261 on Gen1, 260 fit). */
static void test_scsi_spill_and_limits(void **state)
{
  hvx_vm *vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_UEFI), *out;
  hvx_report *r = hvx_report_new();

  for (unsigned k = 0; k < 70; k++)
    disk(vm, NULL, HVX_BUS_XEN, 0, k, "/img/d.vhdx", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, r), 0);
  assert_int_equal(hvx_hyperv_generation(out), 2);
  for (size_t k = 0; k < 70; k++)
    assert_at(out, k, HVX_BUS_SCSI, (int)(k / 64), (int)(k % 64));
  assert_item(r, HVX_SEVERITY_INFO, "firmware", "Generation 2");
  hvx_vm_free(out);
  for (unsigned k = 70; k < 256; k++)
    disk(vm, NULL, HVX_BUS_XEN, 0, k, "/img/d.vhdx", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, NULL), 0);
  assert_at(out, 255, HVX_BUS_SCSI, 3, 63);
  hvx_vm_free(out);
  disk(vm, NULL, HVX_BUS_XEN, 0, 256, "/img/d.vhdx", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, NULL), -1);
  assert_hvx_error(EFBIG, "257 disks is more than a Generation 2 guest can "
                   "hold (256");
  /* Gen1 has the four IDE locations besides: 257 fit there */
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), 0);
  assert_at(out, 0, HVX_BUS_IDE, 0, 0);
  assert_at(out, 256, HVX_BUS_SCSI, 3, 63);
  hvx_vm_free(out);
  for (unsigned k = 257; k < 261; k++)
    disk(vm, NULL, HVX_BUS_XEN, 0, k, "/img/d.vhdx", 0);
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), -1);
  assert_hvx_error(EFBIG, "261 disks is more than a Generation 1 guest");
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* Every placement is valid and unique for any mix of disks and DVDs. */
static void test_placement_exhaustive(void **state)
{
  for (int gen = 1; gen <= 2; gen++)
    for (unsigned n = 0; n <= 40; n++)
      for (unsigned dvds = 0; dvds <= 3 && dvds <= n; dvds++) {
        hvx_vm *vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_BIOS), *out;
        for (unsigned k = 0; k < n; k++)
          disk(vm, NULL, HVX_BUS_XEN, 0, k, "/img/d.vhdx", k < dvds);
        assert_int_equal(hvx_hyperv_translate(vm, gen, &out, NULL), 0);
        assert_int_equal(hvx_vm_validate(out), 0); /* no two in a slot */
        for (size_t k = 0; k < n; k++) {
          int bus = hvx_vm_disk_bus(out, k);
          if (gen == 2 || (k >= dvds && k != dvds))
            assert_int_equal(bus, HVX_BUS_SCSI);
          else
            assert_int_equal(bus, HVX_BUS_IDE);
          if (k == dvds && (n > dvds))
            assert_int_equal(hvx_vm_disk_slot(out, k) +
                             hvx_vm_disk_controller(out, k), 0);
        }
        hvx_vm_free(out);
        hvx_vm_free(vm);
      }
}

static void test_guest_settings(void **state)
{
  hvx_vm *vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_UEFI), *out;
  hvx_report *r = hvx_report_new();
  int n;

  assert_int_equal(hvx_vm_set_secure_boot(vm, 1), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 1023ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_memory(vm, 4096ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_vcpus(vm, 8), 0);
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_XEN_PLATFORM |
                                             HVX_ENL_HV_BASE), 0);
  assert_int_equal(hvx_vm_set_action(vm, HVX_EVENT_CRASH,
                                     HVX_ACTION_PRESERVE), 0);
  n = hvx_vm_add_nic(vm);
  assert_int_equal(hvx_vm_nic_set_mac(vm, (size_t)n, "00:16:3e:01:02:03"), 0);
  assert_int_equal(hvx_vm_nic_set_model(vm, (size_t)n, "e1000"), 0);
  assert_int_equal(hvx_vm_nic_set_network(vm, (size_t)n, "xenbr0"), 0);
  assert_int_equal(hvx_vm_add_serial(vm, "pty"), 0);
  assert_int_equal(hvx_vm_add_serial(vm, "pty"), 1);
  assert_int_equal(hvx_vm_add_serial(vm, "pty"), 2);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, r), 0);
  assert_int_equal(hvx_vm_secure_boot(out), 1);
  assert_int_equal(hvx_vm_memory(out), 1024ull << 20);
  assert_int_equal(hvx_vm_max_memory(out), 4096ull << 20);
  assert_int_equal(hvx_vm_max_vcpus(out), 0);
  assert_string_equal(hvx_vm_nic_mac(out, 0), "00:16:3e:01:02:03");
  assert_string_equal(hvx_vm_nic_model(out, 0), "netvsc");
  assert_int_equal(hvx_vm_serial_count(out), 2);
  assert_string_equal(hvx_vm_serial_target(out, 0),
                      "pipe:\\\\.\\pipe\\web01-com1");
  assert_int_equal(hvx_vm_enlightenments(out) & HVX_ENL_XEN_PLATFORM, 0);
  assert_item(r, HVX_SEVERITY_LOSS, "enlightenments", "Xen platform");
  assert_item(r, HVX_SEVERITY_LOSS, "maxvcpus", "maximum of 8");
  assert_item(r, HVX_SEVERITY_LOSS, "crash", "preserve");
  assert_item(r, HVX_SEVERITY_LOSS, "serial 2", "COM1 and COM2 only");
  assert_item(r, HVX_SEVERITY_INFO, "memory", "rounded up to 1024");
  assert_item(r, HVX_SEVERITY_INFO, "nic 0", "e1000");
  assert_item(r, HVX_SEVERITY_WARNING, "nic 0", "xenbr0");
  assert_item(r, HVX_SEVERITY_INFO, "secure boot", "Certificate Authority");
  /* the report serialises */
  char *json = hvx_report_to_json(r);
  assert_non_null(strstr(json, "\"severity\": \"loss\""));
  free(json);
  hvx_vm_free(out);
  hvx_report_free(r);

  /* Secure Boot cannot go to Gen1; too many vCPUs; too many NICs */
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), -1);
  assert_hvx_error(ENOTSUP, "Secure Boot");
  assert_int_equal(hvx_vm_set_secure_boot(vm, 0), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 65), 0);
  assert_int_equal(hvx_vm_set_max_vcpus(vm, 0), 0);
  assert_int_equal(hvx_hyperv_translate(vm, 1, &out, NULL), -1);
  assert_hvx_error(EFBIG, "65 vCPUs");
  assert_int_equal(hvx_vm_set_vcpus(vm, 2), 0);
  for (int k = 0; k < 8; k++)
    assert_true(hvx_vm_add_nic(vm) >= 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, NULL), -1);
  assert_hvx_error(EFBIG, "9 network interfaces");
  assert_int_equal(hvx_hyperv_translate(vm, 3, &out, NULL), -1);
  assert_hvx_error(EINVAL, "generation 3");
  assert_int_equal(hvx_hyperv_translate(NULL, 0, &out, NULL), -1);
  assert_hvx_error(EINVAL, "NULL");
  hvx_vm_free(vm);
}

static void test_windows_guest(void **state)
{
  hvx_vm *vm = guest(HVX_GUEST_HVM, HVX_FIRMWARE_BIOS), *out;
  hvx_report *r = hvx_report_new();

  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS,
                                    "windows"), 0);
  assert_int_equal(hvx_vm_set_enlightenments(vm, HVX_ENL_XEN_PLATFORM), 0);
  disk(vm, "hda", HVX_BUS_IDE, 0, 0, "C:\\VMs\\w.vhdx", 0);
  disk(vm, "xvdb", HVX_BUS_XEN, 0, 1, "/img/data.qcow2", 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, 1, "qcow2"), 0);
  assert_int_equal(hvx_hyperv_translate(vm, 0, &out, r), 0);
  assert_item(r, HVX_SEVERITY_INFO, "drivers", "built in");
  assert_item(r, HVX_SEVERITY_WARNING, "drivers", "Xen PV drivers");
  assert_item(r, HVX_SEVERITY_INFO, "disk xvdb", "SCSI 0:0");
  assert_item(r, HVX_SEVERITY_WARNING, "disk xvdb", "qcow2");
  assert_false(has_item(r, HVX_SEVERITY_WARNING, "drivers", "hv_storvsc"));
  assert_string_equal(hvx_vm_disk_path(out, 1), "/img/data.vhdx");
  hvx_vm_free(out);
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* What a Hyper-V host offers is what the enlightenment map reads from
 * the Hyper-V CPUID dump of tests/data (less the nested-virtualization
 * leaf 0x4000000A), with its spin-lock retry count. */
static void test_host_features(void **state)
{
  char path[512];
  const char *top = getenv("top_srcdir");
  struct hvx_cpuid_dump dump;
  struct hvx_detect d;
  struct hvx_enl_config c;
  uint32_t retries = 0;
  hvx_enl_set nested = HVX_ENL_BIT(HVX_ENL_TLBFLUSH_DIRECT) |
                       HVX_ENL_BIT(HVX_ENL_EMSR_BITMAP);

  (void)state;
  snprintf(path, sizeof path, "%s/tests/data/cpuid/hyperv.txt",
           top ? top : "..");
  assert_int_equal(hvx_cpuid_dump_read(path, &dump), 0);
  hvx_detect_from_dump(&dump, &d);
  hvx_enl_from_detect(&d, &c);
  hvx_cpuid_dump_free(&dump);
  assert_true(c.set & nested);
  assert_int_equal(hvx_hyperv_features(&retries), c.set & ~nested);
  assert_int_equal(retries, c.spinlock_retries);
  assert_int_equal(hvx_hyperv_features(NULL), c.set & ~nested);
  /* VMBus needs these; every Hyper-V guest has them */
  assert_true(hvx_hyperv_features(NULL) &
              HVX_ENL_BIT(HVX_ENL_SYNIC_MESSAGES));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_vmbus_classes),
    cmocka_unit_test(test_host_features),
    cmocka_unit_test(test_gen1_five_disks),
    cmocka_unit_test(test_gen1_ide_and_dvd),
    cmocka_unit_test(test_scsi_spill_and_limits),
    cmocka_unit_test(test_placement_exhaustive),
    cmocka_unit_test(test_guest_settings),
    cmocka_unit_test(test_windows_guest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
