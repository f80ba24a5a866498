/* xl.cfg round trips, checked against Xen's libxlutil: every config hvx
 * writes must parse back, through libxlutil, to the same devices and
 * values, and through hvx to the same model. */
#include "xl-oracle.h"

#include "hvx/xen.h"
#include "xl-internal.h"

static char *read_fixture(const char *name, size_t *len)
{
  char path[1024];
  const char *top = getenv("top_srcdir");
  FILE *f;
  char *buf;
  long n;

  snprintf(path, sizeof path, "%s/tests/fixtures/xl/%s", top ? top : ".",
           name);
  f = fopen(path, "rb");
  if (!f)
    fail_msg("cannot open fixture %s", path);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* The list items of KEY in C (strings), or 0 if absent. */
static int list_items(XLU_Config *c, const char *key, XLU_ConfigList **l)
{
  int n = 0;
  if (xlu_cfg_get_list(c, key, l, &n, 1))
    return 0;
  return n;
}

/* A vif spec as xl reads it: key -> value, with the MAC as six numbers. */
static void assert_vifs_equal(const char *a, const char *b)
{
  char *ca = strdup(a), *cb = strdup(b), *sa = NULL, *sb = NULL;
  char *ta[64], *tb[64];
  int na = 0, nb = 0;

  for (char *t = strtok_r(ca, ",", &sa); t && na < 64;
       t = strtok_r(NULL, ",", &sa))
    ta[na++] = t + strspn(t, " ");
  for (char *t = strtok_r(cb, ",", &sb); t && nb < 64;
       t = strtok_r(NULL, ",", &sb))
    tb[nb++] = t + strspn(t, " ");
  if (na != nb)
    fail_msg("vif '%s' became '%s'", a, b);
  for (int i = 0; i < na; i++) {
    int found = 0;
    for (int j = 0; j < nb && !found; j++) {
      if (strncmp(ta[i], "mac=", 4) == 0 && strncmp(tb[j], "mac=", 4) == 0) {
        const char *p = ta[i] + 4, *q = tb[j] + 4;
        char *e;
        found = 1;
        for (int k = 0; k < 6; k++) {
          unsigned long x = strtoul(p, &e, 16), y;
          p = e + 1;
          y = strtoul(q, &e, 16);
          q = e + 1;
          found &= x == y;
        }
      } else {
        found = strcmp(ta[i], tb[j]) == 0;
      }
    }
    if (!found)
      fail_msg("vif '%s': '%s' lost in '%s'", a, ta[i], b);
  }
  free(ca);
  free(cb);
}

/* The oracle checks of one original config against hvx's rewrite. */
static void check_with_libxlutil(const char *orig, const char *out)
{
  XLU_Config *a = oracle_parse(orig), *b = oracle_parse(out);
  XLU_ConfigList *la, *lb;
  struct xl_settings set;
  int n;
  static const char *const same[] = {
    "name", "uuid", "memory", "maxmem", "vcpus", "maxvcpus", "kernel",
    "ramdisk", "bootloader", "bootloader_args", "boot", "on_poweroff",
    "on_reboot", "on_crash", "on_watchdog", "on_soft_reset", "serial",
    "cmdline", "type",
  };

  /* Disks: libxlutil's own parse of each spec must agree. */
  n = list_items(a, "disk", &la);
  assert_int_equal(list_items(b, "disk", &lb), n);
  for (int i = 0; i < n; i++) {
    libxl_device_disk da, db;
    char what[64];
    snprintf(what, sizeof what, "disk %d", i);
    oracle_disk(xlu_cfg_get_listitem(la, i), &da);
    oracle_disk(xlu_cfg_get_listitem(lb, i), &db);
    assert_disks_equal(&da, &db, what);
    libxl_device_disk_dispose(&da);
    libxl_device_disk_dispose(&db);
  }
  n = list_items(a, "vif", &la);
  assert_int_equal(list_items(b, "vif", &lb), n);
  for (int i = 0; i < n; i++)
    assert_vifs_equal(xlu_cfg_get_listitem(la, i),
                      xlu_cfg_get_listitem(lb, i));
  /* Keys written in the same form, and every key hvx keeps verbatim. */
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    const char *s;
    if (!xlu_cfg_get_string(a, same[i], &s, 1) ||
        !xlu_cfg_get_list(a, same[i], NULL, NULL, 1)) {
      if (strcmp(same[i], "serial") && strcmp(same[i], "bootloader_args"))
        assert_key_equal(a, b, same[i]);
    }
  }
  assert_int_equal(xl_scan(orig, strlen(orig), &set), 0);
  for (size_t i = 0; i < set.n; i++) {
    static const char *const mapped[] = {
      "type", "builder", "bios", "firmware", "viridian", "xen_platform_pci",
      "root", "extra", "cmdline", "disk", "vif", "serial", "bootloader_args",
    };
    bool m = false;
    for (size_t k = 0; k < sizeof mapped / sizeof *mapped; k++)
      m |= strcmp(set.v[i].key, mapped[k]) == 0;
    if (!m)
      assert_key_equal(a, b, set.v[i].key);
  }
  xl_settings_free(&set);
  xlu_cfg_destroy(a);
  xlu_cfg_destroy(b);
}

/* xl -> model -> xl -> model: same model, same config for libxlutil, and
 * nothing reported lost. */
static void round_trip(const char *name)
{
  size_t len;
  char *text = read_fixture(name, &len), *out, *ja, *jb;
  hvx_report *r1 = hvx_report_new(), *r2 = hvx_report_new();
  hvx_vm *a, *b;

  a = hvx_vm_from_xl(text, len, name, r1);
  if (!a)
    fail_msg("%s: %s", name, hvx_error());
  out = hvx_vm_to_xl(a, r2);
  if (!out)
    fail_msg("%s: writing: %s", name, hvx_error());
  if (hvx_report_max_severity(r2) == HVX_SEVERITY_LOSS)
    fail_msg("%s: writing xl reported a loss: %s: %s", name,
             hvx_report_subject(r2, 0), hvx_report_message(r2, 0));
  b = hvx_vm_from_xl(out, strlen(out), "rewritten", NULL);
  if (!b)
    fail_msg("%s: reading back: %s\n%s", name, hvx_error(), out);
  ja = hvx_vm_to_json(a);
  jb = hvx_vm_to_json(b);
  if (strcmp(ja, jb))
    fail_msg("%s: model changed:\n%s\n---\n%s", name, ja, jb);
  check_with_libxlutil(text, out);
  free(ja);
  free(jb);
  free(out);
  free(text);
  hvx_vm_free(a);
  hvx_vm_free(b);
  hvx_report_free(r1);
  hvx_report_free(r2);
}

static void test_xen_examples(void **state)
{
  round_trip("xlexample.hvm");
  round_trip("xlexample.pvlinux");
  round_trip("xlexample.pvhlinux");
}

static void test_own_corpus(void **state)
{
  round_trip("hvm-full.cfg");
  round_trip("hvm-legacy.cfg");
  round_trip("pv-pygrub.cfg");
  round_trip("pvh-pvgrub.cfg");
  round_trip("hvm-custom-fw.cfg");
}

/* What the reader makes of the Xen examples, fact by fact. */
static void test_example_facts(void **state)
{
  size_t len;
  char *text = read_fixture("xlexample.hvm", &len);
  hvx_report *r = hvx_report_new();
  hvx_vm *vm = hvx_vm_from_xl(text, len, "xlexample.hvm", r);

  assert_non_null(vm);
  assert_string_equal(hvx_vm_name(vm), "example.hvm");
  assert_int_equal(hvx_vm_guest_type(vm), HVX_GUEST_HVM);
  assert_int_equal(hvx_vm_memory(vm), 128ull << 20);
  assert_int_equal(hvx_vm_vcpus(vm), 2);
  assert_int_equal(hvx_vm_disk_count(vm), 1);
  assert_string_equal(hvx_vm_disk_path(vm, 0), "/dev/vg/guest-volume");
  assert_string_equal(hvx_vm_disk_format(vm, 0), "raw");
  assert_int_equal(hvx_vm_disk_bus(vm, 0), HVX_BUS_XEN);
  assert_int_equal(hvx_vm_nic_count(vm), 1);
  assert_null(hvx_vm_nic_mac(vm, 0));
  assert_int_equal(hvx_vm_enlightenments(vm), HVX_ENL_XEN_PLATFORM);
  /* sdl = 1 is kept and reported, not dropped */
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.sdl"), "1");
  assert_int_equal(hvx_report_count(r), 1);
  assert_string_equal(hvx_report_subject(r, 0), "key sdl");
  assert_int_equal(hvx_report_severity(r, 0), HVX_SEVERITY_WARNING);
  hvx_vm_free(vm);
  hvx_report_free(r);
  free(text);

  text = read_fixture("xlexample.pvlinux", &len);
  vm = hvx_vm_from_xl(text, len, "xlexample.pvlinux", NULL);
  assert_non_null(vm);
  assert_int_equal(hvx_vm_guest_type(vm), HVX_GUEST_PV);
  assert_int_equal(hvx_vm_firmware(vm), HVX_FIRMWARE_NONE);
  assert_string_equal(hvx_vm_kernel(vm), "/boot/vmlinuz");
  assert_string_equal(hvx_vm_cmdline(vm), "root=/dev/xvda1");
  hvx_vm_free(vm);
  free(text);

  /* The old example without type = "hvm": xl makes it PV and refuses it */
  text = read_fixture("xlexample-notype.hvm", &len);
  assert_null(hvx_vm_from_xl(text, len, "old.hvm", NULL));
  assert_hvx_error(EBADMSG, "a PV guest needs a kernel, a bootloader");
  free(text);
}

static void test_full_facts(void **state)
{
  size_t len;
  char *text = read_fixture("hvm-full.cfg", &len);
  hvx_vm *vm = hvx_vm_from_xl(text, len, "hvm-full.cfg", NULL);

  assert_non_null(vm);
  assert_int_equal(hvx_vm_firmware(vm), HVX_FIRMWARE_UEFI);
  /* defaults (base freq time_ref_count apic_assist crash_ctl no_vp_limit
   * cpu_hotplug, libxl_x86.c hvm_set_viridian_features) + stimer + synic
   * - crash_ctl, and the Xen platform device */
  assert_int_equal(hvx_vm_enlightenments(vm),
                   HVX_ENL_HV_BASE | HVX_ENL_HV_FREQ |
                   HVX_ENL_HV_TIME_REF_COUNT | HVX_ENL_HV_APIC_ASSIST |
                   HVX_ENL_HV_STIMER | HVX_ENL_HV_SYNIC |
                   HVX_ENL_HV_NO_VP_LIMIT | HVX_ENL_HV_CPU_HOTPLUG |
                   HVX_ENL_XEN_PLATFORM);
  assert_true(hvx_vm_xen_platform(vm));
  assert_true(hvx_vm_hv_features(vm) & HVX_ENL_BIT(HVX_ENL_STIMER));
  assert_false(hvx_vm_hv_features(vm) & HVX_ENL_BIT(HVX_ENL_CRASH));
  assert_int_equal(hvx_vm_max_vcpus(vm), 4);
  assert_int_equal(hvx_vm_max_memory(vm), 4096ull << 20);
  assert_int_equal(hvx_vm_action(vm, HVX_EVENT_WATCHDOG),
                   HVX_ACTION_PRESERVE);
  assert_int_equal(hvx_vm_serial_count(vm), 2);
  assert_string_equal(hvx_vm_serial_target(vm, 1),
                      "file:/var/log/web01-com2.log");
  /* hdc: IDE secondary master, a CD-ROM */
  assert_int_equal(hvx_vm_disk_bus(vm, 1), HVX_BUS_IDE);
  assert_int_equal(hvx_vm_disk_controller(vm, 1), 1);
  assert_int_equal(hvx_vm_disk_slot(vm, 1), 0);
  assert_int_equal(hvx_vm_disk_cdrom(vm, 1), 1);
  /* the target with a comma, through target= */
  assert_string_equal(hvx_vm_disk_path(vm, 2), "/img/with,comma.qcow2");
  assert_int_equal(hvx_vm_disk_slot(vm, 2), 3);
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_DISK, 2,
                                   "xl.backendtype"), "qdisk");
  assert_non_null(hvx_vm_extra(vm, HVX_OBJECT_DISK, 2, "xl.no-discard"));
  /* iscsi: prefix means script=block-iscsi; xvdq is disk 16 */
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_DISK, 3, "xl.script"),
                      "block-iscsi");
  assert_int_equal(hvx_vm_disk_slot(vm, 3), 16);
  assert_int_equal(hvx_vm_disk_bus(vm, 4), HVX_BUS_SCSI);
  assert_string_equal(hvx_vm_disk_format(vm, 4), "vhd");
  assert_string_equal(hvx_vm_nic_mac(vm, 0), "00:16:3e:01:02:03");
  assert_string_equal(hvx_vm_nic_model(vm, 0), "e1000");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_NIC, 0, "xl.rate"),
                      "10Mb/s");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_NIC, 2, "xl.bogus"), "1");
  assert_string_equal(hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, "xl.cpuid"),
                      "[ \"0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0\", "
                      "\"host\" ]");
  hvx_vm_free(vm);
  free(text);
}

/* The equivalent spellings xl-disk-configuration(5) lists: libxlutil reads
 * each group alike, and so must hvx, and hvx's rewrite must read alike. */
static void check_disk_group(const char *const *specs, size_t n)
{
  libxl_device_disk first;
  char *json0 = NULL;

  oracle_disk(specs[0], &first);
  for (size_t i = 0; i < n; i++) {
    char cfg[512], *out, *j;
    libxl_device_disk d, back;
    hvx_vm *vm, *vm2;
    oracle_disk(specs[i], &d);
    assert_disks_equal(&first, &d, specs[i]);
    snprintf(cfg, sizeof cfg, "name = 'g'\ntype = 'hvm'\ndisk = [ '%s' ]\n",
             specs[i]);
    vm = hvx_vm_from_xl(cfg, strlen(cfg), "group", NULL);
    if (!vm)
      fail_msg("'%s': %s", specs[i], hvx_error());
    out = hvx_xl_disk_spec(vm, 0, NULL);
    assert_non_null(out);
    oracle_disk(out, &back);
    assert_disks_equal(&d, &back, out);
    /* the model, apart from the name it keeps, is the same */
    assert_int_equal(hvx_vm_disk_set_name(vm, 0, NULL), 0);
    j = hvx_vm_to_json(vm);
    if (!json0)
      json0 = j;
    else {
      assert_string_equal(json0, j);
      free(j);
    }
    out = (free(out), hvx_vm_to_xl(vm, NULL));
    assert_non_null(out);
    vm2 = hvx_vm_from_xl(out, strlen(out), "again", NULL);
    assert_non_null(vm2);
    hvx_vm_free(vm2);
    free(out);
    hvx_vm_free(vm);
    libxl_device_disk_dispose(&d);
    libxl_device_disk_dispose(&back);
  }
  free(json0);
  libxl_device_disk_dispose(&first);
}

static void test_disk_spec_forms(void **state)
{
  static const char *const rw[] = {
    "/dev/vg/guest-volume,,hda",
    "/dev/vg/guest-volume,raw,hda,rw",
    "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
    "raw:/dev/vg/guest-volume,hda,w",
  };
  static const char *const cd[] = {
    "/root/image.iso,,hdc,cdrom",
    "/root/image.iso,,hdc,,cdrom",
    "/root/image.iso,raw,hdc,devtype=cdrom",
    "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
    "raw:/root/image.iso,hdc:cdrom,ro",
  };
  static const char *const empty_cd[] = {
    ",hdc:cdrom,r",
    "vdev=hdc, devtype=cdrom",
  };
  static const char *const one[][1] = {
    { "vdev=xvdb, target=/path/with spaces, and, commas" },
    { "tap:aio:qcow2:/srv/a.qcow2,xvdc,w" },
    { "nbd:host:1234,xvdd,r" },
    { "vdev=xvde, backendtype=phy, target=/dev/sdz" },
    { "vdev=xvdf, backendtype=tap, format=vhd, target=/a.vhd" },
    { "vdev=xvdg, backendtype=standalone, specification=virtio, "
      "target=/a.raw" },
    { "vdev=xvdh, backend=driverdom, script=block-iscsi, target=iqn.x:y" },
    { "vdev=xvdi, format=qed, direct-io-safe, discard, target=/a.qed" },
    { "vdev=xvdj, colo, colo-host=192.168.1.2, colo-port=9000, "
      "colo-export=e1, active-disk=/a, hidden-disk=/h, target=/a.qcow2" },
    { "/a.qcow,qcow,xvdk,r" },
    { "/img/x.raw,raw,51728,rw" },
  };

  check_disk_group(rw, 4);
  check_disk_group(cd, 5);
  check_disk_group(empty_cd, 2);
  for (size_t i = 0; i < sizeof one / sizeof *one; i++)
    check_disk_group(one[i], 1);
}

/* A model built through the API, as the Hyper-V reader will: what xl
 * cannot express is reported, disks Xen cannot name are renamed. */
static void test_from_api(void **state)
{
  hvx_vm *vm = hvx_vm_new();
  hvx_report *r = hvx_report_new();
  char *out;
  libxl_device_disk d;
  XLU_Config *c;
  XLU_ConfigList *l;
  bool renamed = false, secure = false, foreign = false;

  assert_int_equal(hvx_vm_set_name(vm, "from-hyperv"), 0);
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_UEFI), 0);
  assert_int_equal(hvx_vm_set_secure_boot(vm, 1), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 4096ull << 20), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/srv/vm/os.qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, 0, "qcow2"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_SCSI, 0, 0, 0), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 1);
  assert_int_equal(hvx_vm_disk_set_path(vm, 1, "/srv/vm/data.raw"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 1, HVX_BUS_SCSI, 1, 3, 0), 0);
  assert_int_equal(hvx_vm_disk_set_name(vm, 1, "SCSI 1:3"), 0);
  assert_int_equal(hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0,
                                    "hyperv.generation", "2"), 0);
  assert_int_equal(hvx_vm_add_nic(vm), 0);
  assert_int_equal(hvx_vm_nic_set_mac(vm, 0, "00-15-5D-01-02-03"), 0);
  assert_int_equal(hvx_vm_nic_set_network(vm, 0, "External"), 0);

  out = hvx_vm_to_xl(vm, r);
  assert_non_null(out);
  for (size_t i = 0; i < hvx_report_count(r); i++) {
    const char *s = hvx_report_subject(r, i), *m = hvx_report_message(r, i);
    if (strcmp(s, "disk SCSI 1:3") == 0 && strstr(m, "attached as xvda"))
      renamed = hvx_report_severity(r, i) == HVX_SEVERITY_WARNING;
    if (strstr(m, "Secure Boot"))
      secure = hvx_report_severity(r, i) == HVX_SEVERITY_LOSS;
    if (strstr(m, "hyperv.generation"))
      foreign = hvx_report_severity(r, i) == HVX_SEVERITY_LOSS;
  }
  assert_true(renamed);
  assert_true(secure);
  assert_true(foreign);
  c = oracle_parse(out);
  assert_int_equal(list_items(c, "disk", &l), 2);
  oracle_disk(xlu_cfg_get_listitem(l, 0), &d);
  assert_string_equal(d.vdev, "sda");
  assert_int_equal(d.format, LIBXL_DISK_FORMAT_QCOW2);
  assert_string_equal(d.pdev_path, "/srv/vm/os.qcow2");
  libxl_device_disk_dispose(&d);
  oracle_disk(xlu_cfg_get_listitem(l, 1), &d);
  assert_string_equal(d.vdev, "xvda");
  assert_int_equal(d.format, LIBXL_DISK_FORMAT_RAW); /* xl's default */
  libxl_device_disk_dispose(&d);
  xlu_cfg_destroy(c);
  free(out);

  /* VHDX cannot be used by Xen at all: a clear error, not a bad file */
  assert_int_equal(hvx_vm_disk_set_format(vm, 1, "vhdx"), 0);
  assert_null(hvx_vm_to_xl(vm, NULL));
  assert_hvx_error(EINVAL, "Xen cannot use vhdx images");
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* Strings with quotes, backslashes and non-ASCII survive quoting. */
static void test_quoting(void **state)
{
  hvx_vm *vm = hvx_vm_new(), *b;
  char *out;
  XLU_Config *c;
  const char *s;

  assert_int_equal(hvx_vm_set_name(vm, "q\"u'o\\te caf\xc3\xa9"), 0);
  assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_PV), 0);
  assert_int_equal(hvx_vm_set_kernel(vm, "/boot/vm linuz"), 0);
  assert_int_equal(hvx_vm_set_cmdline(vm, "root=/dev/xvda1 quiet \"x\""), 0);
  out = hvx_vm_to_xl(vm, NULL);
  assert_non_null(out);
  c = oracle_parse(out);
  assert_int_equal(xlu_cfg_get_string(c, "name", &s, 1), 0);
  assert_string_equal(s, "q\"u'o\\te caf\xc3\xa9");
  assert_int_equal(xlu_cfg_get_string(c, "cmdline", &s, 1), 0);
  assert_string_equal(s, "root=/dev/xvda1 quiet \"x\"");
  xlu_cfg_destroy(c);
  b = hvx_vm_from_xl(out, strlen(out), "q", NULL);
  assert_non_null(b);
  assert_string_equal(hvx_vm_name(b), hvx_vm_name(vm));
  hvx_vm_free(b);
  hvx_vm_free(vm);
  free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xen_examples),
    cmocka_unit_test(test_own_corpus),
    cmocka_unit_test(test_example_facts),
    cmocka_unit_test(test_full_facts),
    cmocka_unit_test(test_disk_spec_forms),
    cmocka_unit_test(test_from_api),
    cmocka_unit_test(test_quoting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
