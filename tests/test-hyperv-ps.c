/* The PowerShell script: its structure, and that no guest-supplied
 * string (names, paths, switch names) can end its literal and run as
 * code.  pwsh is not installable here, so a small tokenizer stands in
 * for PowerShell's rules for single-quoted strings: the quote
 * characters are ' and U+2018..U+201B, and two of them in a row inside
 * a literal stand for one. */
#include "testutil.h"

#include "hvx/hyperv.h"
#include "hvx/vm.h"

/* Length of a PowerShell single-quote character at P, or 0. */
static size_t qlen(const char *p)
{
  const unsigned char *u = (const unsigned char *)p;
  if (*u == '\'')
    return 1;
  if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9b)
    return 3;
  return 0;
}

/* Split SCRIPT: decoded literals into LITS (joined by \n), everything
 * outside literals into CODE.  Fails the test on an unterminated
 * literal (which would swallow the following lines). */
static void tokenize(const char *script, char *lits, char *code)
{
  const char *p = script;
  char *l = lits, *c = code;

  while (*p) {
    size_t q = qlen(p);
    if (!q) {
      *c++ = *p++;
      continue;
    }
    p += q;
    for (;;) {
      size_t q1 = qlen(p);
      if (!*p || *p == '\n')
        fail_msg("unterminated literal in: %.80s", p);
      if (q1) {
        size_t q2 = qlen(p + q1);
        if (q2) { /* doubled quote: one literal quote */
          memcpy(l, p, q1);
          l += q1;
          p += q1 + q2;
          continue;
        }
        p += q1;
        break;
      }
      *l++ = *p++;
    }
    *l++ = '\n';
    *c++ = 'L'; /* a literal stood here */
  }
  *l = *c = '\0';
}

static hvx_vm *laid_out(const char *name, const char *path,
                        const char *sw, int gen)
{
  hvx_vm *vm = hvx_vm_new(), *out;
  int i;

  assert_int_equal(hvx_vm_set_name(vm, name), 0);
  assert_int_equal(hvx_vm_set_firmware(vm, gen == 2 ? HVX_FIRMWARE_UEFI :
                                       HVX_FIRMWARE_BIOS), 0);
  assert_int_equal(hvx_vm_set_vcpus(vm, 4), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 2048ull << 20), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, path), 0);
  assert_int_equal(hvx_vm_disk_set_format(vm, (size_t)i, "vhdx"), 0);
  i = hvx_vm_add_disk(vm);
  assert_int_equal(hvx_vm_disk_set_cdrom(vm, (size_t)i, 1), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "D:\\iso\\x.iso"), 0);
  i = hvx_vm_add_nic(vm);
  assert_int_equal(hvx_vm_nic_set_mac(vm, (size_t)i, "00:16:3e:0a:0b:0c"), 0);
  assert_int_equal(hvx_vm_nic_set_network(vm, (size_t)i, sw), 0);
  assert_int_equal(hvx_vm_add_serial(vm, "pty"), 0);
  assert_int_equal(hvx_hyperv_translate(vm, gen, &out, NULL), 0);
  hvx_vm_free(vm);
  return out;
}

static void test_structure(void **state)
{
  hvx_vm *vm = laid_out("web01", "/srv/xen/web01.vhdx", "External", 1);
  char *ps = hvx_hyperv_to_powershell(vm, NULL);
  static const char *const want[] = {
    "$Name = 'web01'\n",
    "Generation = 1; MemoryStartupBytes = 2147483648; NoVHD = $true",
    "$vm = New-VM @newVM\n",
    "Set-VMProcessor -VM $vm -Count 4\n",
    "Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes "
    "2147483648\n",
    "Add-VMHardDiskDrive -VM $vm -ControllerType IDE -ControllerNumber 0 "
    "-ControllerLocation 0 -Path (Join-Path $DiskRoot 'web01.vhdx')\n",
    "Add-VMDvdDrive -VM $vm -ControllerNumber 1 -ControllerLocation 0 -Path "
    "'D:\\iso\\x.iso'\n",
    "Add-VMNetworkAdapter -VM $vm -SwitchName 'External' -StaticMacAddress "
    "'00163E0A0B0C'\n",
    "Set-VMComPort -VM $vm -Number 1 -Path '\\\\.\\pipe\\web01-com1'\n",
    "$ErrorActionPreference = 'Stop'\n",
  };

  assert_non_null(ps);
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
    if (!strstr(ps, want[k]))
      fail_msg("script lacks '%s':\n%s", want[k], ps);
  assert_null(strstr(ps, "Set-VMFirmware")); /* Gen1 has no UEFI */
  free(ps);
  hvx_vm_free(vm);

  /* Gen2, dynamic memory, secure boot with the template for Linux */
  vm = hvx_vm_new();
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_UEFI), 0);
  assert_int_equal(hvx_vm_set_secure_boot(vm, 1), 0);
  assert_int_equal(hvx_vm_set_memory(vm, 1024ull << 20), 0);
  assert_int_equal(hvx_vm_set_max_memory(vm, 8192ull << 20), 0);
  assert_int_equal(hvx_vm_set_boot_order(vm, "c"), 0);
  for (int k = 0; k < 66; k++) {
    int i = hvx_vm_add_disk(vm);
    assert_int_equal(hvx_vm_disk_set_path(vm, (size_t)i, "C:\\d.vhdx"), 0);
    assert_int_equal(hvx_vm_disk_set_address(vm, (size_t)i, HVX_BUS_SCSI,
                                             (unsigned)k / 64,
                                             (unsigned)k % 64, 0), 0);
  }
  ps = hvx_hyperv_to_powershell(vm, NULL);
  assert_non_null(ps);
  assert_non_null(strstr(ps, "Generation = 2;"));
  assert_non_null(strstr(ps, "-DynamicMemoryEnabled $true -MinimumBytes "
                         "1073741824 -StartupBytes 1073741824 -MaximumBytes "
                         "8589934592\n"));
  assert_non_null(strstr(ps, "while (@(Get-VMScsiController -VM $vm).Count "
                         "-lt 2) { Add-VMScsiController -VM $vm }\n"));
  assert_non_null(strstr(ps, "-ControllerType SCSI -ControllerNumber 1 "
                         "-ControllerLocation 1 -Path 'C:\\d.vhdx'\n"));
  assert_non_null(strstr(ps, "Set-VMFirmware -VM $vm -EnableSecureBoot On "
                         "-SecureBootTemplate "
                         "'MicrosoftUEFICertificateAuthority'\n"));
  assert_non_null(strstr(ps, "-FirstBootDevice (Get-VMHardDiskDrive -VM "
                         "$vm -ControllerNumber 0 -ControllerLocation 0)"));
  free(ps);
  hvx_vm_free(vm);

  /* not laid out for Hyper-V: refused */
  vm = hvx_vm_new();
  assert_int_equal(hvx_vm_set_firmware(vm, HVX_FIRMWARE_BIOS), 0);
  assert_int_equal(hvx_vm_add_disk(vm), 0);
  assert_int_equal(hvx_vm_disk_set_path(vm, 0, "/x.vhdx"), 0);
  assert_int_equal(hvx_vm_disk_set_address(vm, 0, HVX_BUS_XEN, 0, 0, 0), 0);
  assert_null(hvx_hyperv_to_powershell(vm, NULL));
  assert_hvx_error(EINVAL, "not on a Generation 1 Hyper-V controller");
  hvx_vm_free(vm);
}

static void test_hostile_strings(void **state)
{
  static const char *const hostile[] = {
    "a'b",
    "'; Remove-Item -Recurse -Force C:\\ ; '",
    "x\xe2\x80\x99; Stop-Computer; \xe2\x80\x98",   /* U+2019, U+2018 */
    "\xe2\x80\x9a\xe2\x80\x9b''\xe2\x80\x99",       /* U+201A, U+201B */
    "$(Invoke-Expression calc)",
    "`$env:PATH` \"double\" @(1) ${x}",
    "''''",
    "'",
    "semi;colon # not a comment",
  };
  size_t big = 65536;
  char *lits = malloc(big), *code = malloc(big);

  for (size_t k = 0; k < sizeof hostile / sizeof hostile[0]; k++) {
    char path[512], sw[512], pipe[600];
    snprintf(path, sizeof path, "C:\\VMs\\%s.vhdx", hostile[k]);
    snprintf(sw, sizeof sw, "%s", hostile[k]);
    hvx_vm *vm = laid_out(hostile[k], path, sw, 2);
    char *ps = hvx_hyperv_to_powershell(vm, NULL), *q;
    assert_non_null(ps);
    assert_true(strlen(ps) < big);
    tokenize(ps, lits, code);
    /* each hostile value comes back whole from a literal ... */
    if (!strstr(lits, hostile[k]))
      fail_msg("value %s not found decoded in literals:\n%s", hostile[k],
               lits);
    snprintf(pipe, sizeof pipe, "%s\n", path);
    assert_non_null(strstr(lits, pipe));
    /* ... and nothing of it is left outside the literals */
    assert_null(strstr(code, "Remove-Item"));
    assert_null(strstr(code, "Stop-Computer"));
    assert_null(strstr(code, "calc"));
    assert_null(strstr(code, "double"));
    assert_null(strstr(code, "colon"));
    /* hvx_ps_quote round-trips through the tokenizer */
    q = hvx_ps_quote(hostile[k]);
    tokenize(q, lits, code);
    assert_string_equal(code, "L");
    lits[strlen(lits) - 1] = '\0';
    assert_string_equal(lits, hostile[k]);
    free(q);
    free(ps);
    hvx_vm_free(vm);
  }
  free(lits);
  free(code);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_structure),
    cmocka_unit_test(test_hostile_strings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
