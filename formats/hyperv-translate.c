/* hvx - laying a guest out for Hyper-V: generation, controllers and
 * slots, synthetic NICs, and the report of what the move changes.
 *
 * Placement rules (Hyper-V on Windows Server 2012 R2 and later):
 *   Gen1: BIOS boots from IDE only, so the boot disk goes to IDE 0:0;
 *         DVD drives can only be on IDE (1:0, 1:1, 0:1 in that order);
 *         a disk the source already had on IDE keeps its IDE location
 *         when free; every other disk goes to synthetic SCSI.
 *   Gen2: no IDE: the boot disk at SCSI 0:0, then every drive in source
 *         order, spilling to the next SCSI controller after 64.
 *   Both: 4 SCSI controllers of 64 locations. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hyperv-internal.h"
#include "strbuf.h"

/* ---- helpers shared with the other Hyper-V files --------------------- */

int hvx_guest_os(const hvx_vm *vm)
{
  const char *os = hvx_vm_extra(vm, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS);

  if (!os)
    return GUEST_OS_UNKNOWN;
  if (strcasecmp(os, "linux") == 0)
    return GUEST_OS_LINUX;
  if (strcasecmp(os, "windows") == 0)
    return GUEST_OS_WINDOWS;
  return GUEST_OS_OTHER;
}

const char *hvx_disk_subject(const hvx_vm *vm, size_t i, char *buf,
                             size_t len)
{
  const char *name = vm->disks[i].name;

  if (name)
    snprintf(buf, len, "disk %s", name);
  else
    snprintf(buf, len, "disk %zu", i);
  return buf;
}

const char *hvx_disk_address(const hvx_vm *vm, size_t i, char *buf,
                             size_t len)
{
  const struct hvx_vm_disk *d = &vm->disks[i];
  const char *bus;

  switch (d->bus) {
  case HVX_BUS_IDE: bus = "IDE"; break;
  case HVX_BUS_SCSI: bus = "SCSI"; break;
  default: bus = hvx_bus_name(d->bus); break;
  }
  snprintf(buf, len, "%s %u:%u", bus, d->controller, d->slot);
  return buf;
}

bool hvx_extra_is(const char *k, const char *prefix)
{
  return strncmp(k, prefix, strlen(prefix)) == 0;
}

static bool keep_key(const char *k, const char *const *keep)
{
  for (; *keep; keep++)
    if (hvx_extra_is(k, *keep))
      return true;
  return false;
}

/* Drop the foreign extras of one object; OWNER names it in the report. */
static int drop_extras(struct hvx_extras *x, const char *const *keep,
                       const char *owner, const char *target,
                       hvx_report *r)
{
  for (size_t j = 0; j < x->n;) {
    struct hvx_extra *e = &x->v[j];
    if (keep_key(e->key, keep)) {
      j++;
      continue;
    }
    if (hvx_report_addf(r, HVX_SEVERITY_LOSS, owner, "set it by hand on "
                        "the target if it matters", "%s = %s has no %s "
                        "equivalent and is dropped", e->key, e->value,
                        target) < 0)
      return -1;
    free(e->key);
    free(e->value);
    memmove(e, e + 1, (x->n - j - 1) * sizeof *e);
    x->n--;
  }
  return 0;
}

int hvx_drop_foreign_extras(hvx_vm *vm, const char *const *keep,
                            const char *target, hvx_report *r)
{
  char subject[300];

  if (drop_extras(&vm->extras, keep, "guest", target, r) < 0)
    return -1;
  for (size_t i = 0; i < vm->n_disks; i++)
    if (drop_extras(&vm->disks[i].extras, keep,
                    hvx_disk_subject(vm, i, subject, sizeof subject),
                    target, r) < 0)
      return -1;
  for (size_t i = 0; i < vm->n_nics; i++) {
    snprintf(subject, sizeof subject, "nic %zu", i);
    if (drop_extras(&vm->nics[i].extras, keep, subject, target, r) < 0)
      return -1;
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    snprintf(subject, sizeof subject, "serial %zu", i);
    if (drop_extras(&vm->serials[i].extras, keep, subject, target, r) < 0)
      return -1;
  }
  return 0;
}

const char *hvx_path_basename(const char *path)
{
  const char *b = path;

  for (const char *p = path; *p; p++)
    if (*p == '/' || *p == '\\')
      b = p + 1;
  return b;
}

bool hvx_is_windows_path(const char *path)
{
  if (path[0] == '\\' && path[1] == '\\')
    return true;
  return ((path[0] >= 'A' && path[0] <= 'Z') ||
          (path[0] >= 'a' && path[0] <= 'z')) &&
         path[1] == ':' && (path[2] == '\\' || path[2] == '/');
}

char *hvx_convert_advice(const char *what, const char *fmt, const char *src,
                         const char *dst)
{
  struct hvx_buf b = HVX_BUF_INIT;

  hvx_buf_printf(&b, "%s: hvx convert -O %s ", what, fmt);
  if (src[0] == '-' || dst[0] == '-')
    hvx_buf_add(&b, "-- ");
  hvx_buf_shell_quote(&b, src);
  hvx_buf_add(&b, " ");
  hvx_buf_shell_quote(&b, dst);
  return hvx_buf_finish(&b);
}

/* ---- the guest as a whole -------------------------------------------- */

#define ADD(sev, subj, advice, ...)                                       \
  do {                                                                    \
    if (hvx_report_addf(r, (sev), (subj), (advice), __VA_ARGS__) < 0)     \
      return -1;                                                          \
  } while (0)

static int choose_generation(const hvx_vm *src, int asked, hvx_report *r)
{
  int fw = src->firmware;

  if (asked == 1 && fw == HVX_FIRMWARE_UEFI)
    ADD(HVX_SEVERITY_WARNING, "firmware", "keep Generation 2 unless the "
        "disk also has a BIOS bootloader (MBR and boot code)",
        "the UEFI guest is put on Generation 1 (BIOS) as asked");
  if (asked == 2 && fw != HVX_FIRMWARE_UEFI)
    ADD(HVX_SEVERITY_WARNING, "firmware", "the disk needs a GPT with an EFI "
        "system partition and a UEFI bootloader (Windows: mbr2gpt; "
        "Linux: grub-install --target=x86_64-efi), else use Generation 1",
        "the %s guest is put on Generation 2 (UEFI) as asked",
        fw == HVX_FIRMWARE_BIOS ? "BIOS" : "non-UEFI");
  if (asked)
    return asked;
  if (fw == HVX_FIRMWARE_UEFI) {
    ADD(HVX_SEVERITY_INFO, "firmware", NULL, "Generation 2 (UEFI) chosen: "
        "the guest boots with UEFI firmware");
    return 2;
  }
  ADD(HVX_SEVERITY_INFO, "firmware", NULL, "Generation 1 (BIOS) chosen: "
      "the guest %s", fw == HVX_FIRMWARE_BIOS ? "boots with BIOS firmware"
      : "has no UEFI firmware");
  return 1;
}

static int translate_boot(hvx_vm *vm, const hvx_vm *src, int gen,
                          hvx_report *r)
{
  if (src->guest_type == HVX_GUEST_PV || src->guest_type == HVX_GUEST_PVH ||
      src->kernel || src->bootloader)
    ADD(HVX_SEVERITY_WARNING, "guest", "install a kernel with Hyper-V "
        "drivers and a bootloader on the boot disk (grub-install on the "
        "disk, with its configuration on the disk) before moving",
        "the %s guest boots through %s, which Hyper-V does not have: it "
        "cannot boot on Hyper-V without a bootloader on its disk",
        src->guest_type == HVX_GUEST_PV ? "PV" :
        src->guest_type == HVX_GUEST_PVH ? "PVH" : "HVM",
        src->bootloader ? "a host-side bootloader" :
        src->kernel ? "a kernel on the host" : "Xen's PV boot path");
  if (src->bootloader)
    ADD(HVX_SEVERITY_LOSS, "bootloader", NULL, "bootloader = %s%s%s is "
        "dropped", src->bootloader, src->bootloader_args ? " " : "",
        src->bootloader_args ? src->bootloader_args : "");
  if (src->kernel)
    ADD(HVX_SEVERITY_LOSS, "kernel", "add a bootloader entry for it inside "
        "the guest", "direct kernel boot (kernel = %s) is dropped",
        src->kernel);
  if (src->ramdisk)
    ADD(HVX_SEVERITY_LOSS, "ramdisk", NULL, "ramdisk = %s is dropped",
        src->ramdisk);
  if (src->cmdline)
    ADD(HVX_SEVERITY_LOSS, "cmdline", "put these arguments in the guest's "
        "bootloader configuration", "kernel command line '%s' is dropped",
        src->cmdline);
  free(vm->kernel);
  free(vm->ramdisk);
  free(vm->cmdline);
  free(vm->bootloader);
  free(vm->bootloader_args);
  vm->kernel = vm->ramdisk = vm->cmdline = NULL;
  vm->bootloader = vm->bootloader_args = NULL;
  vm->guest_type = HVX_GUEST_HVM;
  vm->firmware = gen == 2 ? HVX_FIRMWARE_UEFI : HVX_FIRMWARE_BIOS;
  vm->secure_boot = gen == 2 && src->firmware == HVX_FIRMWARE_UEFI &&
                    src->secure_boot;
  if (vm->secure_boot && hvx_guest_os(src) != GUEST_OS_WINDOWS)
    ADD(HVX_SEVERITY_INFO, "secure boot", "a Windows guest needs the "
        "MicrosoftWindows template instead", "Secure Boot stays on with "
        "the Microsoft UEFI Certificate Authority template, which Linux "
        "shims are signed with");
  if (vm->boot_order && strchr(vm->boot_order, 'a') && gen == 2) {
    char order[8];
    size_t n = 0;
    for (const char *p = vm->boot_order; *p; p++)
      if (*p != 'a')
        order[n++] = *p;
    order[n] = '\0';
    ADD(HVX_SEVERITY_LOSS, "boot order", NULL, "Generation 2 has no floppy "
        "drive: it is dropped from the boot order");
    if (hvx_vm_set_boot_order(vm, order) < 0)
      return -1;
  }
  return 0;
}

static int translate_cpu_memory(hvx_vm *vm, int gen, hvx_report *r)
{
  const uint64_t mib = UINT64_C(1) << 20;
  unsigned max_vcpus = gen == 1 ? 64 : HVX_HYPERV_MAX_VCPUS;

  if (!vm->vcpus) {
    vm->vcpus = 1;
    ADD(HVX_SEVERITY_INFO, "vcpus", NULL, "no vCPU count given: 1 vCPU");
  }
  if (vm->vcpus > max_vcpus)
    return hvx_set_error(EFBIG, "hyperv: %u vCPUs is more than a "
                         "Generation %d guest may have (%u)", vm->vcpus, gen,
                         max_vcpus);
  if (vm->vcpus > 64)
    ADD(HVX_SEVERITY_WARNING, "vcpus", NULL, "%u vCPUs need Windows "
        "Server 2016 or later (2012 R2 allows 64)", vm->vcpus);
  if (vm->max_vcpus > vm->vcpus)
    ADD(HVX_SEVERITY_LOSS, "maxvcpus", "give the guest the vCPUs it needs "
        "at boot", "Hyper-V cannot add vCPUs to a running guest: the "
        "maximum of %u is dropped, the guest has %u", vm->max_vcpus,
        vm->vcpus);
  vm->max_vcpus = 0;

  if (!vm->memory) {
    vm->memory = 1024 * mib;
    ADD(HVX_SEVERITY_WARNING, "memory", NULL, "no memory size given: "
        "1024 MiB");
  }
  if (vm->memory > HVX_HYPERV_MAX_MEMORY ||
      vm->max_memory > HVX_HYPERV_MAX_MEMORY)
    return hvx_set_error(EFBIG, "hyperv: %" PRIu64 " MiB of memory is more "
                         "than Hyper-V allows (%" PRIu64 " MiB)",
                         (vm->memory > vm->max_memory ? vm->memory
                          : vm->max_memory) >> 20,
                         HVX_HYPERV_MAX_MEMORY >> 20);
  if (vm->memory < 32 * mib) {
    ADD(HVX_SEVERITY_WARNING, "memory", NULL, "%" PRIu64 " MiB is below "
        "Hyper-V's minimum: raised to 32 MiB", vm->memory >> 20);
    vm->memory = 32 * mib;
  }
  /* Hyper-V takes memory in multiples of 2 MiB. */
  if (vm->memory % (2 * mib)) {
    ADD(HVX_SEVERITY_INFO, "memory", NULL, "%" PRIu64 " MiB rounded up to "
        "%" PRIu64 " MiB (Hyper-V needs a multiple of 2 MiB)",
        vm->memory >> 20, (vm->memory >> 20) + 1);
    vm->memory += mib;
  }
  if (vm->max_memory && vm->max_memory <= vm->memory)
    vm->max_memory = 0;
  if (vm->max_memory) {
    if (vm->max_memory % (2 * mib))
      vm->max_memory += mib;
    ADD(HVX_SEVERITY_INFO, "memory", "a Linux guest needs hv_balloon for "
        "it", "dynamic memory: %" PRIu64 " MiB at startup, up to %" PRIu64
        " MiB", vm->memory >> 20, vm->max_memory >> 20);
  }
  if ((vm->max_memory ? vm->max_memory : vm->memory) > (UINT64_C(1) << 40))
    ADD(HVX_SEVERITY_WARNING, "memory", NULL, "more than 1 TiB of memory "
        "needs Windows Server 2016 or later");
  return 0;
}

static int translate_misc(hvx_vm *vm, const hvx_vm *src, int os,
                          hvx_report *r)
{
  static const int defaults[HVX_VM_N_EVENTS] = {
    HVX_ACTION_DESTROY, HVX_ACTION_RESTART, 0, 0, 0,
  };

  for (int e = 0; e < HVX_VM_N_EVENTS; e++) {
    int a = src->actions[e];
    if (a && a != defaults[e])
      ADD(HVX_SEVERITY_LOSS, hvx_event_name(e), NULL, "on_%s = %s has no "
          "Hyper-V equivalent (a guest that powers off stops, one that "
          "reboots restarts)", hvx_event_name(e), hvx_action_name(a));
    vm->actions[e] = 0;
  }
  if (src->xen_platform)
    ADD(HVX_SEVERITY_LOSS, "enlightenments", "remove the Xen PV drivers "
        "from the guest before moving", "the Xen platform device (used by "
        "the Xen PV drivers of an HVM guest) does not exist on Hyper-V");
  /* Hyper-V offers every one of its interfaces to every guest. */
  vm->xen_platform = false;
  vm->hv_features = hvx_hyperv_features(&vm->hv_spinlock_retries);
  if (hvx_enl_report_move(r, "Hyper-V", src->hv_features, vm->hv_features,
                          NULL, "a Hyper-V host does not announce it",
                          os == GUEST_OS_WINDOWS ? "nothing to set: Windows "
                          "uses them at boot" : "nothing to set: Hyper-V "
                          "offers them to every guest; Linux uses them "
                          "through hv_vmbus and the drivers below") < 0)
    return -1;

  if (os == GUEST_OS_WINDOWS) {
    ADD(HVX_SEVERITY_INFO, "drivers", "Windows older than Server 2008 R2 / "
        "7 needs the Hyper-V Integration Services installed", "Windows "
        "has the VMBus storage and network drivers built in");
    if (src->xen_platform)
      ADD(HVX_SEVERITY_WARNING, "drivers", "uninstall them while the guest "
          "still runs on Xen", "the guest's Xen PV drivers (xenbus, xenvbd, "
          "xennet) are useless on Hyper-V and their storage filter can "
          "stop it from booting");
  } else if (os != GUEST_OS_OTHER) {
    ADD(HVX_SEVERITY_WARNING, "drivers", "before moving, check with "
        "'lsinitrd | grep hv_' (or lsinitramfs) and add them: dracut: "
        "add_drivers+=\" hv_vmbus hv_storvsc hv_netvsc \" in "
        "/etc/dracut.conf.d/hyperv.conf then dracut -f; Debian/Ubuntu: list "
        "them in /etc/initramfs-tools/modules then update-initramfs -u",
        "a Linux guest needs the Hyper-V drivers hv_vmbus, hv_storvsc "
        "(disks) and hv_netvsc (network) in its initramfs, and hv_utils "
        "(shutdown, time sync, data exchange)%s",
        os == GUEST_OS_UNKNOWN ? "; a Windows guest (Server 2008 R2 / 7 and "
        "later) has them built in" : "");
  }
  return 0;
}

/* ---- disks ------------------------------------------------------------ */

struct slots {
  bool ide[HVX_HYPERV_IDE_CONTROLLERS][HVX_HYPERV_IDE_LOCATIONS];
  unsigned char scsi[HVX_HYPERV_SCSI_CONTROLLERS][HVX_HYPERV_SCSI_LOCATIONS];
  unsigned next_scsi; /* controller * 64 + location to try next */
};

size_t hvx_boot_disk(const hvx_vm *vm)
{
  size_t first = SIZE_MAX;

  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    if (d->cdrom || d->bus == HVX_BUS_FLOPPY)
      continue;
    if (d->controller == 0 && d->slot == 0 && d->partition <= 1)
      return i;
    if (first == SIZE_MAX)
      first = i;
  }
  return first;
}

static int take_scsi(struct slots *s, unsigned *controller, unsigned *slot)
{
  const unsigned total = HVX_HYPERV_SCSI_CONTROLLERS *
                         HVX_HYPERV_SCSI_LOCATIONS;

  for (; s->next_scsi < total; s->next_scsi++) {
    unsigned c = s->next_scsi / HVX_HYPERV_SCSI_LOCATIONS;
    unsigned l = s->next_scsi % HVX_HYPERV_SCSI_LOCATIONS;
    if (!s->scsi[c][l]) {
      s->scsi[c][l] = 1;
      *controller = c;
      *slot = l;
      return 0;
    }
  }
  return -1;
}

/* An IDE location for a DVD drive (Gen1), preferring the source's own. */
static int take_ide(struct slots *s, const struct hvx_vm_disk *d,
                    unsigned *controller, unsigned *slot)
{
  static const unsigned order[][2] = { { 1, 0 }, { 1, 1 }, { 0, 1 },
                                       { 0, 0 } };

  if (d->bus == HVX_BUS_IDE && d->controller < 2 && d->slot < 2 &&
      !s->ide[d->controller][d->slot]) {
    *controller = d->controller;
    *slot = d->slot;
    s->ide[*controller][*slot] = true;
    return 0;
  }
  for (size_t k = 0; k < 4; k++)
    if (!s->ide[order[k][0]][order[k][1]]) {
      *controller = order[k][0];
      *slot = order[k][1];
      s->ide[*controller][*slot] = true;
      return 0;
    }
  return -1;
}

static int count_cdroms(const hvx_vm *vm)
{
  int n = 0;

  for (size_t i = 0; i < vm->n_disks; i++)
    n += vm->disks[i].cdrom;
  return n;
}

static size_t count_floppies(const hvx_vm *vm)
{
  size_t n = 0;

  for (size_t i = 0; i < vm->n_disks; i++)
    n += vm->disks[i].bus == HVX_BUS_FLOPPY;
  return n;
}

/* Gen1 has one floppy drive, Gen2 none: the first floppy image stays
 * (at floppy 0:0), the others become empty drives reported lost; they
 * are removed after placement (indices must match the source's). */
static int drop_floppies(hvx_vm *vm, int gen, hvx_report *r)
{
  bool kept = false;
  char subject[300];

  for (size_t i = 0; i < vm->n_disks; i++) {
    struct hvx_vm_disk *d = &vm->disks[i];
    if (d->bus != HVX_BUS_FLOPPY)
      continue;
    d->controller = d->slot = d->partition = 0;
    if (gen == 1 && !kept) {
      kept = true;
      continue;
    }
    ADD(HVX_SEVERITY_LOSS, hvx_disk_subject(vm, i, subject, sizeof subject),
        NULL, "floppy image %s is dropped: %s", d->path ? d->path : "(none)",
        gen == 2 ? "Generation 2 has no floppy drive" : "Generation 1 has "
        "one floppy drive");
    free(d->path);
    d->path = NULL;
    d->cdrom = true; /* marks it for removal */
  }
  return 0;
}

static int remove_dropped_floppies(hvx_vm *vm)
{
  for (size_t i = vm->n_disks; i-- > 0;)
    if (vm->disks[i].bus == HVX_BUS_FLOPPY && vm->disks[i].cdrom &&
        hvx_vm_remove_disk(vm, i) < 0)
      return -1;
  return 0;
}

/* New path for an image that must become VHDX: the extension replaced. */
static char *vhdx_path(const char *path)
{
  const char *base = hvx_path_basename(path);
  const char *dot = strrchr(base, '.');
  size_t stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
  char *out = hvx_malloc(stem + 6, "an image path");

  if (out) {
    memcpy(out, path, stem);
    memcpy(out + stem, ".vhdx", 6);
  }
  return out;
}

static const char *format_of(const struct hvx_vm_disk *d)
{
  const char *dot;

  if (d->format)
    return d->format;
  dot = d->path ? strrchr(hvx_path_basename(d->path), '.') : NULL;
  if (dot && strcasecmp(dot, ".vhdx") == 0)
    return "vhdx";
  if (dot && strcasecmp(dot, ".vhd") == 0)
    return "vhd";
  return NULL;
}

static int disk_image(hvx_vm *vm, size_t i, const char *subject,
                      hvx_report *r)
{
  struct hvx_vm_disk *d = &vm->disks[i];
  const char *fmt = format_of(d);
  char *np, *advice;

  if (!d->path)
    return 0;
  if (d->cdrom) {
    if (fmt && strcmp(fmt, "raw") != 0)
      ADD(HVX_SEVERITY_WARNING, subject, "convert it to a raw ISO image",
          "Hyper-V DVD drives take ISO images; this one is %s", fmt);
    return 0;
  }
  if (fmt && (strcmp(fmt, "vhd") == 0 || strcmp(fmt, "vhdx") == 0)) {
    d->format = strcmp(fmt, "vhd") == 0 ? "vhd" : "vhdx";
    return 0;
  }
  if (!(np = vhdx_path(d->path)))
    return -1;
  if (!(advice = hvx_convert_advice("convert it before moving", "vhdx",
                                    d->path, np)) ||
      hvx_report_addf(r, HVX_SEVERITY_WARNING, subject, advice, "Hyper-V "
                      "attaches VHD and VHDX images only: the %s image %s "
                      "is to become %s", fmt ? fmt : "raw", d->path,
                      np) < 0) {
    free(advice);
    free(np);
    return -1;
  }
  free(advice);
  free(d->path);
  d->path = np;
  d->format = "vhdx";
  return 0;
}

static int place_disks(hvx_vm *vm, const hvx_vm *src, int gen, int os,
                       hvx_report *r)
{
  struct slots s;
  size_t boot = hvx_boot_disk(src);
  unsigned scsi_total = HVX_HYPERV_SCSI_CONTROLLERS *
                        HVX_HYPERV_SCSI_LOCATIONS;
  unsigned limit = scsi_total + (gen == 1 ? 4 : 0);
  char subject[300], was[64], now[64];

  memset(&s, 0, sizeof s);
  if (drop_floppies(vm, gen, r) < 0)
    return -1;
  if (vm->n_disks - count_floppies(vm) > limit)
    return hvx_set_error(EFBIG, "hyperv: %zu disks is more than a "
                         "Generation %d guest can hold (%u: %s4 SCSI "
                         "controllers x 64)", vm->n_disks - count_floppies(vm),
                         gen, limit, gen == 1 ? "4 IDE + " : "");
  if (gen == 1 && count_cdroms(vm) > 4 - (boot != SIZE_MAX))
    return hvx_set_error(EFBIG, "hyperv: %d DVD drives, but a Generation 1 "
                         "guest has DVD drives on IDE only and %d IDE "
                         "locations are free", count_cdroms(vm),
                         4 - (boot != SIZE_MAX));
  /* The order of passes: the boot disk, then DVD drives on Gen1 (they
   * have no choice), then the rest. */
  for (int pass = 0; pass < 3; pass++) {
    for (size_t i = 0; i < vm->n_disks; i++) {
      struct hvx_vm_disk *d = &vm->disks[i];
      unsigned c = 0, l = 0;
      int bus = HVX_BUS_SCSI;
      bool is_boot = i == boot;
      int mine = is_boot ? 0 : gen == 1 && d->cdrom ? 1 : 2;

      if (mine != pass || d->bus == HVX_BUS_FLOPPY)
        continue;
      hvx_disk_address(src, i, was, sizeof was);
      if (is_boot && gen == 1) {
        bus = HVX_BUS_IDE;
        s.ide[0][0] = true;
      } else if (is_boot) {
        s.scsi[0][0] = 1;
      } else if (gen == 1 && (d->cdrom || (d->bus == HVX_BUS_IDE &&
                                           d->controller < 2 &&
                                           !s.ide[d->controller][d->slot]))) {
        bus = HVX_BUS_IDE;
        if (take_ide(&s, d, &c, &l) < 0)
          return hvx_set_error(EFBIG, "hyperv: no IDE location left for "
                               "%s", hvx_disk_subject(src, i, subject,
                                                      sizeof subject));
      } else if (take_scsi(&s, &c, &l) < 0) {
        return hvx_set_error(EFBIG, "hyperv: no SCSI location left for %s "
                             "(4 controllers x 64 are full)",
                             hvx_disk_subject(src, i, subject,
                                              sizeof subject));
      }
      d->bus = bus;
      d->controller = c;
      d->slot = l;
      d->partition = 0;
      hvx_disk_subject(src, i, subject, sizeof subject);
      hvx_disk_address(vm, i, now, sizeof now);
      if (src->disks[i].bus != bus || src->disks[i].controller != c ||
          src->disks[i].slot != l) {
        if (os == GUEST_OS_WINDOWS || d->cdrom)
          ADD(HVX_SEVERITY_INFO, subject, NULL, "%s%s is now on %s",
              is_boot ? "the boot disk at " : "", was, now);
        else
          ADD(HVX_SEVERITY_WARNING, subject, "refer to filesystems by "
              "UUID= or LABEL= in /etc/fstab, the bootloader and the "
              "kernel command line (root=) before moving; blkid shows them",
              "%s%s is now on %s: the guest sees it as a /dev/sd* disk, so "
              "fstab and bootloader entries naming /dev/%s* will break",
              is_boot ? "the boot disk at " : "", was, now,
              src->disks[i].name ? src->disks[i].name : "xvd?");
      }
      if (src->disks[i].partition)
        ADD(HVX_SEVERITY_WARNING, subject, "make it a partitioned disk "
            "image (a partition table and a bootloader) before moving",
            "the image is exposed to the guest as partition %u only; on "
            "Hyper-V it becomes a whole disk without a partition table",
            src->disks[i].partition);
      if (d->readonly && !d->cdrom)
        ADD(HVX_SEVERITY_WARNING, subject, "mark the image file read-only "
            "on the host", "Hyper-V cannot attach a hard disk read-only");
      if (disk_image(vm, i, subject, r) < 0)
        return -1;
    }
  }
  return remove_dropped_floppies(vm);
}

/* ---- NICs and serial ports -------------------------------------------- */

static int translate_nics(hvx_vm *vm, hvx_report *r)
{
  char subject[64];

  if (vm->n_nics > HVX_HYPERV_MAX_NICS)
    return hvx_set_error(EFBIG, "hyperv: %zu network interfaces is more "
                         "than a guest may have (%u)", vm->n_nics,
                         HVX_HYPERV_MAX_NICS);
  for (size_t i = 0; i < vm->n_nics; i++) {
    struct hvx_vm_nic *n = &vm->nics[i];
    snprintf(subject, sizeof subject, "nic %zu", i);
    if (n->model && strcmp(n->model, "netvsc") != 0)
      ADD(HVX_SEVERITY_INFO, subject, NULL, "the %s adapter becomes a "
          "synthetic network adapter", n->model);
    free(n->model);
    if (!(n->model = hvx_strdup("netvsc")))
      return -1;
    if (!n->mac)
      ADD(HVX_SEVERITY_INFO, subject, "set a static MAC if a DHCP "
          "reservation or licence depends on it", "no MAC given: Hyper-V "
          "assigns a dynamic one");
    if (n->network)
      ADD(HVX_SEVERITY_WARNING, subject, "create a virtual switch of that "
          "name (New-VMSwitch) or change -SwitchName in the script",
          "network '%s' becomes the virtual switch name '%s'", n->network,
          n->network);
    else
      ADD(HVX_SEVERITY_WARNING, subject, "connect it with "
          "Connect-VMNetworkAdapter after import", "no network given: the "
          "adapter is not connected to a virtual switch");
  }
  return 0;
}

static bool windows_pipe(const char *t)
{
  return strncmp(t, "pipe:\\\\", 7) == 0;
}

static int translate_serials(hvx_vm *vm, hvx_report *r)
{
  char subject[64], pipe[400];

  while (vm->n_serials > HVX_HYPERV_MAX_COM_PORTS) {
    size_t i = vm->n_serials - 1;
    snprintf(subject, sizeof subject, "serial %zu", i);
    ADD(HVX_SEVERITY_LOSS, subject, NULL, "serial port %zu (%s) is dropped: "
        "Hyper-V has COM1 and COM2 only", i, vm->serials[i].target);
    if (hvx_vm_remove_serial(vm, i) < 0)
      return -1;
  }
  for (size_t i = 0; i < vm->n_serials; i++) {
    const char *t = vm->serials[i].target;
    size_t n;
    if (windows_pipe(t) || strcmp(t, "none") == 0)
      continue;
    n = (size_t)snprintf(pipe, sizeof pipe, "pipe:\\\\.\\pipe\\%s-com%zu",
                         vm->name ? vm->name : "guest", i + 1);
    /* A pipe name may hold anything but a backslash. */
    for (size_t k = strlen("pipe:\\\\.\\pipe\\"); k < n && pipe[k]; k++)
      if (pipe[k] == '\\')
        pipe[k] = '_';
    snprintf(subject, sizeof subject, "serial %zu", i);
    ADD(HVX_SEVERITY_WARNING, subject, "connect to it with a named-pipe "
        "client (PuTTY, or Hyper-V's own tools)", "COM%zu (%s on the source) "
        "is connected to the named pipe %s", i + 1, t, pipe + 5);
    if (hvx_vm_serial_set_target(vm, i, pipe) < 0)
      return -1;
  }
  return 0;
}

static const char *const keep_prefixes[] = { "hyperv.", "hvx.", NULL };

HVX_API int hvx_hyperv_translate(const hvx_vm *src, int generation,
                                 hvx_vm **out, hvx_report *r)
{
  hvx_vm *vm;
  int gen, os;

  if (!src || !out)
    return hvx_set_error(EINVAL, "hyperv: NULL guest or result");
  *out = NULL;
  if (generation < 0 || generation > 2)
    return hvx_set_error(EINVAL, "hyperv: generation %d (use 1, 2, or 0 to "
                         "choose)", generation);
  if (hvx_vm_validate(src) < 0) {
    hvx_prefix_error("hyperv: the source guest is not valid");
    return -1;
  }
  if (src->secure_boot && generation == 1)
    return hvx_set_error(ENOTSUP, "hyperv: the guest uses Secure Boot, "
                         "which Generation 1 (BIOS) does not have");
  if ((gen = choose_generation(src, generation, r)) < 0)
    return -1;
  if (!(vm = hvx_vm_dup(src)))
    return -1;
  os = hvx_guest_os(src);
  if (translate_boot(vm, src, gen, r) < 0 ||
      translate_cpu_memory(vm, gen, r) < 0 ||
      translate_misc(vm, src, os, r) < 0 ||
      place_disks(vm, src, gen, os, r) < 0 ||
      translate_nics(vm, r) < 0 || translate_serials(vm, r) < 0 ||
      hvx_drop_foreign_extras(vm, keep_prefixes, "Hyper-V", r) < 0 ||
      hvx_vm_validate(vm) < 0) {
    hvx_vm_free(vm);
    return -1;
  }
  *out = vm;
  return 0;
}

HVX_API int hvx_hyperv_generation(const hvx_vm *vm)
{
  if (!vm)
    return hvx_set_error(EINVAL, "hyperv: NULL guest");
  if (vm->firmware == HVX_FIRMWARE_UEFI)
    return 2;
  if (vm->firmware == HVX_FIRMWARE_BIOS)
    return 1;
  return hvx_set_error(EINVAL, "hyperv: the guest's firmware is %s, not "
                       "BIOS or UEFI: lay it out with hvx_hyperv_translate "
                       "first", hvx_firmware_name(vm->firmware));
}

int hvx_hyperv_check_layout(const hvx_vm *vm, const char *what)
{
  int gen;
  char subject[300], addr[64];

  if (!vm)
    return hvx_set_error(EINVAL, "%s: NULL guest", what);
  if (hvx_vm_validate(vm) < 0) {
    hvx_prefix_error("%s", what);
    return -1;
  }
  if ((gen = hvx_hyperv_generation(vm)) < 0) {
    hvx_prefix_error("%s", what);
    return -1;
  }
  for (size_t i = 0; i < vm->n_disks; i++) {
    const struct hvx_vm_disk *d = &vm->disks[i];
    bool ok = d->bus == HVX_BUS_FLOPPY
                ? gen == 1 && d->controller == 0 && d->slot == 0
                : d->bus == HVX_BUS_SCSI
                ? d->controller < HVX_HYPERV_SCSI_CONTROLLERS &&
                  d->slot < HVX_HYPERV_SCSI_LOCATIONS
                : d->bus == HVX_BUS_IDE && gen == 1 &&
                  d->controller < HVX_HYPERV_IDE_CONTROLLERS &&
                  d->slot < HVX_HYPERV_IDE_LOCATIONS;
    if (!ok || d->partition)
      return hvx_set_error(EINVAL, "%s: %s is at %s%s, not on a Generation "
                           "%d Hyper-V controller (lay the guest out with "
                           "hvx_hyperv_translate first)", what,
                           hvx_disk_subject(vm, i, subject, sizeof subject),
                           hvx_disk_address(vm, i, addr, sizeof addr),
                           d->partition ? " (a partition)" : "", gen);
  }
  if (vm->n_nics > HVX_HYPERV_MAX_NICS)
    return hvx_set_error(EINVAL, "%s: %zu NICs, more than %u", what,
                         vm->n_nics, HVX_HYPERV_MAX_NICS);
  if (vm->n_serials > HVX_HYPERV_MAX_COM_PORTS)
    return hvx_set_error(EINVAL, "%s: %zu serial ports, more than %u", what,
                         vm->n_serials, HVX_HYPERV_MAX_COM_PORTS);
  return gen;
}
