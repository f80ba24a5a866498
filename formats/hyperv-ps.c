/* hvx - a PowerShell script that recreates a guest on a Hyper-V host.
 *
 * Every value that comes from the guest description is written as a
 * single-quoted PowerShell literal, in which nothing is expanded ($,
 * backtick and double quotes are plain characters); the only special
 * characters are the quotes themselves, which PowerShell recognises as
 * ' and the typographic U+2018..U+201B, each escaped by doubling.
 * Numbers are written by us.  Model strings never hold control
 * characters (the model refuses them), so no literal spans lines. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv-internal.h"
#include "strbuf.h"

/* Length of the PowerShell single-quote character at P, or 0. */
static size_t ps_quote_char(const char *p)
{
  const unsigned char *u = (const unsigned char *)p;

  if (*u == '\'')
    return 1;
  /* U+2018 LEFT, U+2019 RIGHT, U+201A LOW-9, U+201B HIGH-REVERSED-9 */
  if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9b)
    return 3;
  return 0;
}

static void ps_literal(struct hvx_buf *b, const char *s)
{
  const char *run = s;

  hvx_buf_add(b, "'");
  while (*s) {
    size_t q = ps_quote_char(s);
    if (!q) {
      s++;
      continue;
    }
    hvx_buf_addn(b, run, (size_t)(s - run) + q);
    hvx_buf_addn(b, s, q); /* doubled */
    s += q;
    run = s;
  }
  hvx_buf_add(b, run);
  hvx_buf_add(b, "'");
}

HVX_API char *hvx_ps_quote(const char *s)
{
  struct hvx_buf b = HVX_BUF_INIT;

  if (!s) {
    hvx_set_error(EINVAL, "powershell: NULL string");
    return NULL;
  }
  ps_literal(&b, s);
  return hvx_buf_finish(&b);
}

/* A disk image path: Windows paths as they are, others by file name
 * under $DiskRoot (the images are copied to the Hyper-V host). */
static void ps_path(struct hvx_buf *b, const char *path)
{
  if (hvx_is_windows_path(path)) {
    ps_literal(b, path);
    return;
  }
  hvx_buf_add(b, "(Join-Path $DiskRoot ");
  ps_literal(b, hvx_path_basename(path));
  hvx_buf_add(b, ")");
}

static void ps_memory(struct hvx_buf *b, const hvx_vm *vm)
{
  const char *min = hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0,
                                 "hyperv.memory_minimum_mb");
  uint64_t min_bytes = vm->memory, v;

  if (!vm->max_memory) {
    hvx_buf_printf(b, "Set-VMMemory -VM $vm -DynamicMemoryEnabled $false "
                   "-StartupBytes %" PRIu64 "\n", vm->memory);
    return;
  }
  if (min && hvx_parse_u64(min, &v) == 0 && v && v <= (vm->memory >> 20))
    min_bytes = v << 20;
  hvx_buf_printf(b, "Set-VMMemory -VM $vm -DynamicMemoryEnabled $true "
                 "-MinimumBytes %" PRIu64 " -StartupBytes %" PRIu64
                 " -MaximumBytes %" PRIu64 "\n", min_bytes, vm->memory,
                 vm->max_memory);
}

static void ps_disks(struct hvx_buf *b, const hvx_vm *vm, int gen)
{
  unsigned scsi = 0;

  for (size_t i = 0; i < vm->n_disks; i++)
    if (vm->disks[i].bus == HVX_BUS_SCSI &&
        vm->disks[i].controller + 1 > scsi)
      scsi = vm->disks[i].controller + 1;
  if (scsi)
    hvx_buf_printf(b, "while (@(Get-VMScsiController -VM $vm).Count -lt %u)"
                   " { Add-VMScsiController -VM $vm }\n", scsi);
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    if (d->bus == HVX_BUS_FLOPPY) {
      if (d->path) {
        hvx_buf_add(b, "Set-VMFloppyDiskDrive -VM $vm -Path ");
        ps_path(b, d->path);
        hvx_buf_add(b, "\n");
      }
      continue;
    }
    if (d->cdrom) {
      /* The controller type of a DVD drive follows the generation. */
      hvx_buf_printf(b, "Add-VMDvdDrive -VM $vm -ControllerNumber %u "
                     "-ControllerLocation %u", d->controller, d->slot);
    } else {
      hvx_buf_printf(b, "Add-VMHardDiskDrive -VM $vm -ControllerType %s "
                     "-ControllerNumber %u -ControllerLocation %u",
                     d->bus == HVX_BUS_IDE ? "IDE" : "SCSI", d->controller,
                     d->slot);
    }
    if (d->path) {
      hvx_buf_add(b, " -Path ");
      ps_path(b, d->path);
    }
    hvx_buf_add(b, "\n");
  }
  (void)gen;
}

static void ps_nics(struct hvx_buf *b, const hvx_vm *vm)
{
  for (size_t i = 0; i < vm->n_nics; i++) {
    const struct hvx_vm_nic *n = &vm->nics[i];
    hvx_buf_add(b, "Add-VMNetworkAdapter -VM $vm");
    if (n->network) {
      hvx_buf_add(b, " -SwitchName ");
      ps_literal(b, n->network);
    }
    if (n->mac) {
      char mac[13];
      size_t k = 0;
      for (const char *p = n->mac; *p && k < 12; p++)
        if (*p != ':')
          mac[k++] = (char)(*p >= 'a' ? *p - 'a' + 'A' : *p);
      mac[k] = '\0';
      hvx_buf_printf(b, " -StaticMacAddress '%s'", mac);
    }
    hvx_buf_add(b, "\n");
  }
}

/* Gen1 takes the order of all four device kinds; Gen2 a first device. */
static void ps_boot(struct hvx_buf *b, const hvx_vm *vm, int gen)
{
  static const char letters[] = "dcna";
  static const char *const gen1[] = { "CD", "IDE", "LegacyNetworkAdapter",
                                      "Floppy" };
  const char *order = vm->boot_order;
  char all[8];
  size_t n = 0;

  if (!order)
    return;
  if (gen == 1) {
    for (const char *p = order; *p; p++)
      all[n++] = *p;
    for (const char *p = letters; *p; p++)
      if (!strchr(order, *p))
        all[n++] = *p;
    hvx_buf_add(b, "Set-VMBios -VM $vm -StartupOrder @(");
    for (size_t k = 0; k < n; k++)
      hvx_buf_printf(b, "%s'%s'", k ? ", " : "",
                     gen1[strchr(letters, all[k]) - letters]);
    hvx_buf_add(b, ")\n");
    return;
  }
  switch (order[0]) {
  case 'c':
    for (size_t i = 0; i < vm->n_disks; i++)
      if (!vm->disks[i].cdrom) {
        hvx_buf_printf(b, "Set-VMFirmware -VM $vm -FirstBootDevice "
                       "(Get-VMHardDiskDrive -VM $vm -ControllerNumber %u "
                       "-ControllerLocation %u)\n", vm->disks[i].controller,
                       vm->disks[i].slot);
        return;
      }
    break;
  case 'd':
    for (size_t i = 0; i < vm->n_disks; i++)
      if (vm->disks[i].cdrom) {
        hvx_buf_printf(b, "Set-VMFirmware -VM $vm -FirstBootDevice "
                       "(Get-VMDvdDrive -VM $vm -ControllerNumber %u "
                       "-ControllerLocation %u)\n", vm->disks[i].controller,
                       vm->disks[i].slot);
        return;
      }
    break;
  case 'n':
    if (vm->n_nics)
      hvx_buf_add(b, "Set-VMFirmware -VM $vm -FirstBootDevice "
                  "(@(Get-VMNetworkAdapter -VM $vm)[0])\n");
    break;
  }
}

HVX_API char *hvx_hyperv_to_powershell(const hvx_vm *vm, hvx_report *r)
{
  struct hvx_buf b = HVX_BUF_INIT;
  int gen = hvx_hyperv_check_layout(vm, "powershell");

  if (gen < 0)
    return NULL;
  hvx_buf_printf(&b, "# Recreates a guest on a Hyper-V host (written by hvx "
                 "%s).\n", hvx_version());
  hvx_buf_add(&b, "# Run it in an elevated PowerShell with the Hyper-V "
              "module, after copying the\n# disk images to -DiskRoot.  Read "
              "the translation report first.\n");
  hvx_buf_add(&b, "param(\n  [string]$DiskRoot = (Get-Location).Path,\n"
              "  [string]$VMPath = ''\n)\n$ErrorActionPreference = 'Stop'\n");
  hvx_buf_add(&b, "$Name = ");
  ps_literal(&b, vm->name ? vm->name : "hvx-guest");
  hvx_buf_printf(&b, "\n$newVM = @{ Name = $Name; Generation = %d; "
                 "MemoryStartupBytes = %" PRIu64 "; NoVHD = $true }\n", gen,
                 vm->memory);
  hvx_buf_add(&b, "if ($VMPath) { $newVM.Path = $VMPath }\n"
              "$vm = New-VM @newVM\n");
  /* New-VM adds a network adapter (and on Gen1 a DVD drive) of its own:
   * remove them so the guest gets exactly its own devices. */
  hvx_buf_add(&b, "Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter\n"
              "Get-VMDvdDrive -VM $vm | Remove-VMDvdDrive\n");
  hvx_buf_printf(&b, "Set-VMProcessor -VM $vm -Count %u\n",
                 vm->vcpus ? vm->vcpus : 1);
  ps_memory(&b, vm);
  ps_disks(&b, vm, gen);
  ps_nics(&b, vm);
  if (gen == 2) {
    if (vm->secure_boot)
      hvx_buf_printf(&b, "Set-VMFirmware -VM $vm -EnableSecureBoot On "
                     "-SecureBootTemplate '%s'\n",
                     hvx_guest_os(vm) == GUEST_OS_WINDOWS
                       ? "MicrosoftWindows"
                       : "MicrosoftUEFICertificateAuthority");
    else
      hvx_buf_add(&b, "Set-VMFirmware -VM $vm -EnableSecureBoot Off\n");
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    const char *t = vm->serials[i].target;
    if (strncmp(t, "pipe:", 5) != 0) {
      if (hvx_report_addf(r, HVX_SEVERITY_LOSS, "serial", NULL, "COM%zu "
                          "(%s) is not a named pipe and is left "
                          "unconnected", i + 1, t) < 0) {
        hvx_buf_free(&b);
        return NULL;
      }
      continue;
    }
    hvx_buf_printf(&b, "Set-VMComPort -VM $vm -Number %zu -Path ", i + 1);
    ps_literal(&b, t + 5);
    hvx_buf_add(&b, "\n");
  }
  ps_boot(&b, vm, gen);
  hvx_buf_add(&b, "Write-Output \"Created $($vm.Name) ($($vm.Id))\"\n");
  return hvx_buf_finish(&b);
}
