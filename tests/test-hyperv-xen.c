/* hvx_xen_translate on its own: the Hyper-V Gen1 and Gen2 Windows guests
 * of tests/data laid out for a Xen HVM guest.  Oracles: Xen's libxlutil
 * and libxl read the xl.cfg written from the result (disk specs, the
 * viridian group names), and /bin/sh runs the conversion advice. */
#include "testutil.h"
#include "xl-oracle.h"

static const char *data_path(const char *name)
{
  static char buf[512];
  const char *top = getenv("top_srcdir");
  snprintf(buf, sizeof buf, "%s/tests/data/%s", top ? top : "..", name);
  return buf;
}

/* The guest of tests/data/NAME, said to run Windows, translated. */
static hvx_vm *translate(const char *name, hvx_report **r)
{
  hvx_vm *src = hvx_vm_from_hyperv_xml_file(data_path(name), NULL), *out;

  if (!src)
    fail_msg("%s: %s", name, hvx_error());
  assert_int_equal(hvx_vm_set_extra(src, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS,
                                    "windows"), 0);
  *r = hvx_report_new();
  assert_non_null(*r);
  if (hvx_xen_translate(src, &out, *r) < 0)
    fail_msg("%s: %s", name, hvx_error());
  hvx_vm_free(src);
  return out;
}

/* libxlutil's reading of the xl.cfg hvx writes for VM. */
static XLU_Config *xl_of(const hvx_vm *vm)
{
  char *text = hvx_vm_to_xl(vm, NULL);
  XLU_Config *c;

  if (!text)
    fail_msg("to_xl: %s", hvx_error());
  c = oracle_parse(text);
  free(text);
  return c;
}

/* Disk spec I of C, as xlu_disk_parse reads it, has VDEV and is a
 * CD-ROM or not. */
static void assert_disk(XLU_Config *c, int i, const char *vdev, int cdrom)
{
  XLU_ConfigList *list;
  libxl_device_disk d;
  int n;

  assert_int_equal(xlu_cfg_get_list(c, "disk", &list, &n, 0), 0);
  assert_true(i < n);
  oracle_disk(xlu_cfg_get_listitem(list, i), &d);
  if (strcmp(d.vdev, vdev) != 0)
    fail_msg("disk %d: vdev %s, expected %s", i, d.vdev, vdev);
  assert_int_equal(d.is_cdrom, cdrom);
  libxl_device_disk_dispose(&d);
}

/* The viridian groups of C as libxl names them (bit = libxl's enum). */
static uint64_t viridian_groups(XLU_Config *c)
{
  XLU_ConfigList *list;
  uint64_t groups = 0;
  int n;

  if (xlu_cfg_get_list(c, "viridian", &list, &n, 0) != 0)
    return 0;
  for (int i = 0; i < n; i++) {
    libxl_viridian_enlightenment e;
    const char *item = xlu_cfg_get_listitem(list, i);
    if (libxl_viridian_enlightenment_from_string(item, &e) != 0)
      fail_msg("libxl does not know viridian group '%s'", item);
    groups |= UINT64_C(1) << e;
  }
  return groups;
}

#define G(x) (UINT64_C(1) << LIBXL_VIRIDIAN_ENLIGHTENMENT_##x)
#define HAS(vm, f) ((hvx_vm_hv_features(vm) & HVX_ENL_BIT(HVX_ENL_##f)) != 0)

/* What every Windows guest from Hyper-V gets on Xen. */
static void check_windows(const hvx_vm *vm, const hvx_report *r,
                          XLU_Config *c)
{
  const char *s;
  uint64_t want = G(BASE) | G(FREQ) | G(TIME_REF_COUNT) | G(REFERENCE_TSC) |
                  G(HCALL_REMOTE_TLB_FLUSH) | G(APIC_ASSIST) | G(CRASH_CTL) |
                  G(SYNIC) | G(STIMER) | G(HCALL_IPI) |
                  G(EX_PROCESSOR_MASKS);

  assert_int_equal(hvx_vm_guest_type(vm), HVX_GUEST_HVM);
  assert_int_equal(xlu_cfg_get_string(c, "type", &s, 0), 0);
  assert_string_equal(s, "hvm");
  /* Hyper-V offers all of these; Xen has a group for each.  A Hyper-V
   * host announces no "no VP limit" and no CPU hot-plug, so neither
   * group is asked for. */
  if (viridian_groups(c) != want)
    fail_msg("viridian groups 0x%llx, expected 0x%llx",
             (unsigned long long)viridian_groups(c),
             (unsigned long long)want);
  assert_true(HAS(vm, STIMER) && HAS(vm, REFERENCE_TSC) && HAS(vm, CRASH) &&
              HAS(vm, TLBFLUSH) && HAS(vm, IPI) && HAS(vm, SYNIC));
  assert_false(HAS(vm, VP_RUNTIME) || HAS(vm, SYNIC_MESSAGES) ||
               HAS(vm, REENLIGHTENMENT) || HAS(vm, XMM_INPUT) ||
               HAS(vm, STIMER_DIRECT));
  /* The PV drivers for Windows need the Xen platform device. */
  assert_true(hvx_vm_xen_platform(vm));
  assert_int_not_equal(xlu_cfg_get_string(c, "xen_platform_pci", &s, 0), 0);
  assert_string_equal(hvx_vm_nic_model(vm, 0), "e1000");

  assert_item(r, HVX_SEVERITY_INFO, "enlightenments", "viridian = [ "
              "\"base\"");
  assert_item(r, HVX_SEVERITY_LOSS, "enlightenment vp-runtime",
              "HV_X64_MSR_VP_RUNTIME");
  assert_item(r, HVX_SEVERITY_LOSS, "enlightenment synic-messages",
              "no VMBus");
  assert_item(r, HVX_SEVERITY_LOSS, "enlightenment stimer-direct",
              "direct mode");
  assert_item(r, HVX_SEVERITY_WARNING, "drivers", "xenvbd");
  assert_false(has_item(r, -1, "drivers", "if the guest is Windows"));
}

static void test_gen1_windows(void **state)
{
  hvx_report *r;
  hvx_vm *vm = translate("hyperv-gen1.xml", &r);
  XLU_Config *c = xl_of(vm);
  const char *s;

  (void)state;
  check_windows(vm, r, c);
  assert_int_equal(hvx_vm_firmware(vm), HVX_FIRMWARE_BIOS);
  assert_int_not_equal(xlu_cfg_get_string(c, "bios", &s, 0), 0);
  /* boot disk at IDE 0:0 -> xvda, the DVD drive -> hdc, the SCSI disks
   * -> the free xvd names (hdc took Xen disk 2). */
  assert_disk(c, 0, "xvda", 0);
  assert_disk(c, 1, "hdc", 1);
  assert_disk(c, 2, "xvdb", 0);
  assert_disk(c, 3, "xvdd", 0);
  assert_string_equal(hvx_vm_disk_path(vm, 0),
                      "/var/lib/xen/images/system.raw");
  assert_string_equal(hvx_vm_disk_format(vm, 0), "raw");
  assert_string_equal(hvx_vm_disk_format(vm, 3), "vhd");
  assert_item(r, HVX_SEVERITY_INFO, "disk 0", "IDE 0:0 is now xvda");
  assert_item(r, HVX_SEVERITY_INFO, "disk 1", "now hdc");
  assert_item(r, HVX_SEVERITY_WARNING, "disk 0", "hvx convert -O raw "
              "'C:\\Hyper-V\\win2012\\Virtual Hard Disks\\system.vhdx' "
              "'/var/lib/xen/images/system.raw'");
  assert_item(r, HVX_SEVERITY_WARNING, "memory", "populate-on-demand");
  assert_item(r, HVX_SEVERITY_WARNING, "serial 0", "becomes a pty");
  assert_false(has_item(r, -1, "secure boot", ""));
  xlu_cfg_destroy(c);
  hvx_vm_free(vm);
  hvx_report_free(r);
}

static void test_gen2_windows(void **state)
{
  hvx_report *r;
  hvx_vm *vm = translate("hyperv-gen2.xml", &r);
  XLU_Config *c = xl_of(vm);
  const char *s;

  (void)state;
  check_windows(vm, r, c);
  assert_int_equal(hvx_vm_firmware(vm), HVX_FIRMWARE_UEFI);
  assert_int_equal(xlu_cfg_get_string(c, "bios", &s, 0), 0);
  assert_string_equal(s, "ovmf");
  assert_int_equal(hvx_vm_secure_boot(vm), 0);
  assert_item(r, HVX_SEVERITY_LOSS, "secure boot", "Secure Boot is lost");
  assert_item(r, HVX_SEVERITY_INFO, "firmware", "OVMF");
  assert_disk(c, 0, "xvda", 0);
  assert_disk(c, 1, "hdc", 1);
  assert_disk(c, 2, "xvdb", 0);
  assert_null(hvx_vm_disk_path(vm, 1));
  assert_item(r, HVX_SEVERITY_INFO, "disk 2", "SCSI 1:0 is now xvdb");
  xlu_cfg_destroy(c);
  hvx_vm_free(vm);
  hvx_report_free(r);
}

/* A Linux guest gets no viridian, keeps the platform device, and the
 * advice about its initramfs and fstab. */
static void test_gen2_linux(void **state)
{
  hvx_vm *src = hvx_vm_from_hyperv_xml_file(data_path("hyperv-gen2.xml"),
                                            NULL), *vm;
  hvx_report *r = hvx_report_new();
  XLU_Config *c;

  (void)state;
  assert_non_null(src);
  assert_int_equal(hvx_vm_set_extra(src, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS,
                                    "linux"), 0);
  assert_int_equal(hvx_xen_translate(src, &vm, r), 0);
  c = xl_of(vm);
  assert_int_equal(viridian_groups(c), 0);
  assert_int_equal(hvx_vm_hv_features(vm), 0);
  assert_true(hvx_vm_xen_platform(vm));
  assert_null(hvx_vm_nic_model(vm, 0));
  assert_item(r, HVX_SEVERITY_INFO, "enlightenments", "viridian is off");
  assert_item(r, HVX_SEVERITY_WARNING, "drivers", "xen-blkfront");
  assert_item(r, HVX_SEVERITY_WARNING, "disk 0", "/etc/fstab");
  xlu_cfg_destroy(c);
  hvx_vm_free(vm);
  hvx_vm_free(src);
  hvx_report_free(r);
}

/* Run the `hvx convert` command of ADVICE through /bin/sh with printf in
 * hvx's place; the words it gets, one a line, into OUT. */
static void shell_words(const char *advice, char *out, size_t len)
{
  const char *cmd = strstr(advice, "hvx convert ");
  const char *script = test_path("words.sh");
  FILE *f;
  size_t n;

  if (!cmd)
    fail_msg("no command in advice '%s'", advice);
  f = fopen(script, "w");
  assert_non_null(f);
  fprintf(f, "printf '%%s\\n' %s\n", cmd + strlen("hvx convert "));
  assert_int_equal(fclose(f), 0);
  {
    char run[300];
    snprintf(run, sizeof run, "/bin/sh '%s'", script);
    f = popen(run, "r");
  }
  assert_non_null(f);
  n = fread(out, 1, len - 1, f);
  out[n] = '\0';
  assert_int_equal(pclose(f), 0);
}

static const char *advice_of(const hvx_report *r, const char *needle)
{
  for (size_t i = 0; i < hvx_report_count(r); i++)
    if (strstr(hvx_report_advice(r, i), needle))
      return hvx_report_advice(r, i);
  fail_msg("no advice with '%s'", needle);
  return NULL;
}

/* Image paths with quotes, spaces, '$' and a leading '-' reach the
 * command intact, in both directions. */
static void test_advice_is_shell_quoted(void **state)
{
  static const char *const paths[] = {
    "C:\\VMs\\it's \"q\" $HOME `x`\\a b.vhdx",
    "-rf.vhdx",
  };
  char words[2048], want[2048];

  (void)state;
  for (size_t k = 0; k < 2; k++) {
    hvx_vm *vm = hvx_vm_new(), *out;
    hvx_report *r = hvx_report_new();
    const char *dst;

    assert_int_equal(hvx_vm_set_guest_type(vm, HVX_GUEST_HVM), 0);
    assert_int_equal(hvx_vm_add_disk(vm), 0);
    assert_int_equal(hvx_vm_disk_set_path(vm, 0, paths[k]), 0);
    assert_int_equal(hvx_vm_disk_set_format(vm, 0, "vhdx"), 0);
    assert_int_equal(hvx_xen_translate(vm, &out, r), 0);
    dst = hvx_vm_disk_path(out, 0);
    shell_words(advice_of(r, "hvx convert"), words, sizeof words);
    snprintf(want, sizeof want, "-O\nraw\n%s%s\n%s\n",
             paths[k][0] == '-' ? "--\n" : "", paths[k], dst);
    assert_string_equal(words, want);
    hvx_vm_free(out);
    hvx_report_free(r);
    r = hvx_report_new();

    /* ... and to Hyper-V, a raw image with a quote in its name */
    assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/img/it's.raw"), 0);
    assert_int_equal(hvx_vm_disk_set_format(vm, 0, "raw"), 0);
    assert_int_equal(hvx_hyperv_translate(vm, 1, &out, r), 0);
    shell_words(advice_of(r, "hvx convert"), words, sizeof words);
    assert_string_equal(words, "-O\nvhdx\n/img/it's.raw\n/img/it's.vhdx\n");
    hvx_vm_free(out);
    hvx_vm_free(vm);
    hvx_report_free(r);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gen1_windows),
    cmocka_unit_test(test_gen2_windows),
    cmocka_unit_test(test_gen2_linux),
    cmocka_unit_test(test_advice_is_shell_quoted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
