/* hvx - CPUID dumps (parse, live probe) and hypervisor detection from
 * them.  Detection never runs CPUID itself: it reads a dump, so tests
 * can feed recorded leaves of Hyper-V, Xen and KVM guests. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal.h"

#define HV_RANGE_STEP 0x100u
#define HV_RANGE_FIRST 0x40000000u
#define HV_RANGE_COUNT 256u         /* 0x40000000 .. 0x4000FF00 */
#define PROBE_LEAVES_PER_RANGE 0x20u

/* ---- dumps ---------------------------------------------------------- */

HVX_API void hvx_cpuid_dump_free(struct hvx_cpuid_dump *d)
{
  if (!d)
    return;
  free(d->leaves);
  d->leaves = NULL;
  d->n = 0;
}

static int dump_add(struct hvx_cpuid_dump *d, size_t *cap,
                    const struct hvx_cpuid_leaf *l, unsigned long lineno)
{
  for (size_t i = 0; i < d->n; i++)
    if (d->leaves[i].leaf == l->leaf && d->leaves[i].subleaf == l->subleaf)
      return hvx_set_error(EBADMSG, "cpuid dump line %lu: leaf %#x subleaf "
                           "%#x given twice", lineno, l->leaf, l->subleaf);
  if (d->n == HVX_CPUID_MAX_LEAVES)
    return hvx_set_error(EFBIG, "cpuid dump line %lu: more than %d leaves",
                         lineno, HVX_CPUID_MAX_LEAVES);
  if (d->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    struct hvx_cpuid_leaf *p = realloc(d->leaves, ncap * sizeof *p);
    if (!p)
      return hvx_set_error(ENOMEM, "cpuid dump: cannot allocate %zu leaves",
                           ncap);
    d->leaves = p;
    *cap = ncap;
  }
  d->leaves[d->n++] = *l;
  return 0;
}

/* Parse a 32-bit number at *P (hex with 0x, else decimal); advance. */
static bool parse_u32(const char **p, uint32_t *out)
{
  const char *s = *p;
  char *end;
  unsigned long long v;

  if (!isdigit((unsigned char)*s))
    return false;
  errno = 0;
  v = strtoull(s, &end, 0);
  if (errno || v > 0xFFFFFFFFull || end == s)
    return false;
  *out = (uint32_t)v;
  *p = end;
  return true;
}

static const char *skip_space(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
    p++;
  return p;
}

/* "0x40000000 0x00: eax=0x.. ebx=0x.. ecx=0x.. edx=0x.." (cpuid -r) */
static bool parse_raw_line(const char *p, struct hvx_cpuid_leaf *l)
{
  static const char *const regs[4] = { "eax=", "ebx=", "ecx=", "edx=" };
  uint32_t *dst[4] = { &l->eax, &l->ebx, &l->ecx, &l->edx };

  if (!parse_u32(&p, &l->leaf) || *p != ' ')
    return false;
  p++;
  if (!parse_u32(&p, &l->subleaf) || *p != ':')
    return false;
  p++;
  for (int i = 0; i < 4; i++) {
    while (*p == ' ')
      p++;
    if (strncmp(p, regs[i], 4) != 0)
      return false;
    p += 4;
    if (!parse_u32(&p, dst[i]))
      return false;
  }
  while (*p == ' ' || *p == '\r')
    p++;
  return *p == '\0';
}

/* "LEAF [SUBLEAF] EAX EBX ECX EDX" */
static bool parse_plain_line(const char *p, struct hvx_cpuid_leaf *l)
{
  uint32_t v[6];
  int n = 0;

  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\r')
      p++;
    if (!*p)
      break;
    if (n == 6 || !parse_u32(&p, &v[n]))
      return false;
    if (*p && *p != ' ' && *p != '\t' && *p != '\r')
      return false;
    n++;
  }
  if (n == 5) {
    l->leaf = v[0];
    l->subleaf = 0;
    l->eax = v[1], l->ebx = v[2], l->ecx = v[3], l->edx = v[4];
    return true;
  }
  if (n == 6) {
    l->leaf = v[0];
    l->subleaf = v[1];
    l->eax = v[2], l->ebx = v[3], l->ecx = v[4], l->edx = v[5];
    return true;
  }
  return false;
}

HVX_API int hvx_cpuid_dump_parse(const char *text, size_t len,
                                 struct hvx_cpuid_dump *out)
{
  struct hvx_cpuid_dump d = { 0, NULL };
  size_t cap = 0;
  unsigned long lineno = 0;
  const char *p = text, *end = text + len;
  int cpus = 0;

  if (!text || !out)
    return hvx_set_error(EINVAL, "hvx_cpuid_dump_parse: NULL argument");
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl : end;
    char line[256];
    size_t n;
    struct hvx_cpuid_leaf l;

    lineno++;
    p = skip_space(p, eol);
    n = (size_t)(eol - p);
    if (n >= sizeof line) {
      hvx_set_error(EBADMSG, "cpuid dump line %lu: longer than %zu bytes",
                    lineno, sizeof line - 1);
      goto fail;
    }
    memcpy(line, p, n);
    line[n] = '\0';
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\r' ||
                 line[n - 1] == '\t'))
      line[--n] = '\0';
    p = nl ? nl + 1 : end;
    if (n == 0 || line[0] == '#')
      continue;
    if (memchr(line, '\0', n) != NULL) {
      hvx_set_error(EBADMSG, "cpuid dump line %lu: contains a NUL byte",
                    lineno);
      goto fail;
    }
    if (strncmp(line, "CPU", 3) == 0 && line[n - 1] == ':') {
      if (++cpus > 1)
        break;              /* keep the first CPU of a `cpuid -r` dump */
      continue;
    }
    if (!parse_raw_line(line, &l) && !parse_plain_line(line, &l)) {
      hvx_set_error(EBADMSG, "cpuid dump line %lu: '%.60s' is neither "
                    "'LEAF SUBLEAF: eax=.. ebx=.. ecx=.. edx=..' nor "
                    "'LEAF [SUBLEAF] EAX EBX ECX EDX'", lineno, line);
      goto fail;
    }
    if (dump_add(&d, &cap, &l, lineno) < 0)
      goto fail;
  }
  *out = d;
  return 0;

 fail:
  hvx_cpuid_dump_free(&d);
  return -1;
}

HVX_API int hvx_cpuid_dump_read(const char *path, struct hvx_cpuid_dump *out)
{
  struct hvx_file f;
  int64_t size;
  char *buf;
  int r;

  if (hvx_file_open(&f, path, false, false) < 0)
    return -1;
  size = hvx_file_size(&f);
  if (size < 0) {
    hvx_file_close(&f);
    return -1;
  }
  if (size > HVX_CPUID_MAX_DUMP_BYTES) {
    hvx_file_close(&f);
    return hvx_set_error(EFBIG, "cpuid dump %s: %lld bytes, more than the "
                         "%d a dump may have", path, (long long)size,
                         HVX_CPUID_MAX_DUMP_BYTES);
  }
  buf = hvx_malloc((size_t)size + 1, "cpuid dump");
  if (!buf) {
    hvx_file_close(&f);
    return -1;
  }
  r = hvx_file_pread(&f, buf, (size_t)size, 0, "cpuid dump");
  hvx_file_close(&f);
  if (r == 0) {
    r = hvx_cpuid_dump_parse(buf, (size_t)size, out);
    if (r < 0)
      hvx_prefix_error("%s", path);
  }
  free(buf);
  return r;
}

HVX_API bool hvx_cpuid_dump_get(const struct hvx_cpuid_dump *d, uint32_t leaf,
                                uint32_t subleaf, uint32_t regs[4])
{
  for (size_t i = 0; d && i < d->n; i++) {
    const struct hvx_cpuid_leaf *l = &d->leaves[i];
    if (l->leaf == leaf && l->subleaf == subleaf) {
      regs[0] = l->eax, regs[1] = l->ebx, regs[2] = l->ecx, regs[3] = l->edx;
      return true;
    }
  }
  regs[0] = regs[1] = regs[2] = regs[3] = 0;
  return false;
}

/* ---- live probe ----------------------------------------------------- */

/* The highest leaf of the range at BASE, bounded to the range.  Old KVM
 * answers EAX=0, meaning base+1 (Linux kvm_cpuid_base). */
static uint32_t range_max(uint32_t base, uint32_t eax)
{
  if (eax < base || eax >= base + HV_RANGE_STEP)
    return base + 1;
  return eax;
}

static bool sig_is_empty(uint32_t b, uint32_t c, uint32_t d)
{
  return b == 0 && c == 0 && d == 0;
}

#if defined(__x86_64__) || defined(__i386__)
HVX_API int hvx_cpuid_probe(struct hvx_cpuid_dump *out)
{
  struct hvx_cpuid_dump d = { 0, NULL };
  size_t cap = 0;
  struct hvx_cpuid_leaf l = { 0 };
  uint32_t ecx1;

  if (!out)
    return hvx_set_error(EINVAL, "hvx_cpuid_probe: NULL argument");
  for (uint32_t leaf = 0; leaf <= 1; leaf++) {
    l.leaf = leaf;
    __cpuid_count(leaf, 0, l.eax, l.ebx, l.ecx, l.edx);
    if (dump_add(&d, &cap, &l, 0) < 0)
      goto fail;
  }
  ecx1 = l.ecx;
  /* Without the hypervisor bit, 0x400000xx is not defined: Intel CPUs
   * answer with their highest basic leaf. */
  if (ecx1 & 0x80000000u) {
    for (uint32_t k = 0; k < HV_RANGE_COUNT; k++) {
      uint32_t base = HV_RANGE_FIRST + k * HV_RANGE_STEP, max;

      l.leaf = base;
      __cpuid_count(base, 0, l.eax, l.ebx, l.ecx, l.edx);
      if (sig_is_empty(l.ebx, l.ecx, l.edx) && l.eax == 0)
        continue;
      if (dump_add(&d, &cap, &l, 0) < 0)
        goto fail;
      max = range_max(base, l.eax);
      if (max > base + PROBE_LEAVES_PER_RANGE - 1)
        max = base + PROBE_LEAVES_PER_RANGE - 1;
      for (uint32_t leaf = base + 1; leaf <= max; leaf++) {
        l.leaf = leaf;
        __cpuid_count(leaf, 0, l.eax, l.ebx, l.ecx, l.edx);
        if (dump_add(&d, &cap, &l, 0) < 0)
          goto fail;
      }
    }
  }
  *out = d;
  return 0;

 fail:
  hvx_cpuid_dump_free(&d);
  return -1;
}
#else
HVX_API int hvx_cpuid_probe(struct hvx_cpuid_dump *out)
{
  (void)out;
  return hvx_set_error(ENOTSUP, "cpuid: the live probe needs an x86 CPU; "
                       "give a recorded dump instead");
}
#endif

/* ---- detection ------------------------------------------------------ */

static const struct {
  const char id[12];
  const char *vendor;
} vendors[] = {
  /* systemd's detect_vm_cpuid table, plus a few more. */
  { "XenVMMXenVMM", "xen" },
  { "KVMKVMKVM\0\0\0", "kvm" },
  { "Linux KVM Hv", "kvm" },
  { "TCGTCGTCGTCG", "qemu" },
  { "VMwareVMware", "vmware" },
  { "Microsoft Hv", "microsoft" },
  { "bhyve bhyve ", "bhyve" },
  { "QNXQVMBSQG\0\0", "qnx" },
  { "ACRNACRNACRN", "acrn" },
  { "SRESRESRESRE", "sre" },
  { "VBoxVBoxVBox", "oracle" },
  { " lrpepyh  vr", "parallels" },
};

static void regs_to_id(const uint32_t r[4], char id[13])
{
  memcpy(id, &r[1], 4);
  memcpy(id + 4, &r[2], 4);
  memcpy(id + 8, &r[3], 4);
  id[12] = '\0';
}

static const char *vendor_of(const char id[13])
{
  for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
    if (memcmp(vendors[i].id, id, 12) == 0)
      return vendors[i].vendor;
  return NULL;
}

HVX_API void hvx_detect_from_dump(const struct hvx_cpuid_dump *d,
                                  struct hvx_detect *out)
{
  uint32_t r[4];
  long best_rank = -1;

  memset(out, 0, sizeof *out);
  out->linux_choice = -1;
  if (hvx_cpuid_dump_get(d, 1, 0, r)) {
    out->have_leaf1 = true;
    out->hypervisor_bit = (r[2] >> 31) & 1;
  }
  for (uint32_t k = 0; k < HV_RANGE_COUNT; k++) {
    uint32_t base = HV_RANGE_FIRST + k * HV_RANGE_STEP, r1[4];
    struct hvx_hypervisor_sig *s;
    long rank;

    if (!hvx_cpuid_dump_get(d, base, 0, r) || sig_is_empty(r[1], r[2], r[3]))
      continue;
    if (out->n_sigs == HVX_DETECT_MAX_SIGS)
      break;
    s = &out->sigs[out->n_sigs];
    s->base = base;
    s->max_leaf = range_max(base, r[0]);
    regs_to_id(r, s->id);
    s->vendor = vendor_of(s->id);

    /* The interface signature decides the Hyper-V semantics, not the
     * vendor (TLFS: QEMU may set any hv-vendor-id). */
    hvx_cpuid_dump_get(d, base + 1, 0, r1);
    if (!out->hv && memcmp(&r1[0], "Hv#1", 4) == 0) {
      out->hv = true;
      out->hv_base = base;
      for (uint32_t i = 0; i < HVX_HV_LEAVES; i++)
        if (base + i <= s->max_leaf)
          hvx_cpuid_dump_get(d, base + i, 0, out->hv_regs[i]);
    }
    rank = 1;
    if (s->vendor && strcmp(s->vendor, "xen") == 0 && !out->xen) {
      uint32_t r2[4], r4[4];
      out->xen = true;
      out->xen_base = base;
      out->xen_major = r1[0] >> 16;
      out->xen_minor = r1[0] & 0xFFFF;
      hvx_cpuid_dump_get(d, base + 2, 0, r2);
      out->xen_hypercall_pages = r2[0];
      out->xen_msr_base = r2[1];
      if (s->max_leaf >= base + 4 && hvx_cpuid_dump_get(d, base + 4, 0, r4)) {
        out->xen_has_hvm_leaf = true;
        out->xen_hvm_features = r4[0];
      }
      rank = (long)base;
    } else if (s->vendor && strcmp(s->id, "KVMKVMKVM") == 0 && !out->kvm) {
      out->kvm = true;
      out->kvm_base = base;
      out->kvm_features = r1[0];
      out->kvm_hints = r1[3];
      rank = (long)base;
    }
    if (s->vendor && rank > best_rank) {
      best_rank = rank;
      out->linux_choice = (int)out->n_sigs;
    }
    out->n_sigs++;
  }
}

static const struct hvx_cpuid_flag kvm_features[] = {
  { 0, "clocksource" }, { 1, "nop_io_delay" }, { 2, "mmu_op" },
  { 3, "clocksource2" }, { 4, "async_pf" }, { 5, "steal_time" },
  { 6, "pv_eoi" }, { 7, "pv_unhalt" }, { 9, "pv_tlb_flush" },
  { 10, "async_pf_vmexit" }, { 11, "pv_send_ipi" }, { 12, "poll_control" },
  { 13, "pv_sched_yield" }, { 14, "async_pf_int" },
  { 15, "msi_ext_dest_id" }, { 16, "hc_map_gpa_range" },
  { 17, "migration_control" }, { 24, "clocksource_stable_bit" },
};

static const struct hvx_cpuid_flag kvm_hints[] = {
  { 0, "realtime" },
};

static const struct hvx_cpuid_flag xen_hvm_features[] = {
  { 0, "apic_access_virt" }, { 1, "x2apic_virt" }, { 2, "iommu_mappings" },
  { 3, "vcpu_id_present" }, { 4, "domid_present" }, { 5, "ext_dest_id" },
  { 6, "upcall_vector" },
};

HVX_API const struct hvx_cpuid_flag *hvx_kvm_feature_flags(size_t *count)
{
  *count = sizeof kvm_features / sizeof kvm_features[0];
  return kvm_features;
}

HVX_API const struct hvx_cpuid_flag *hvx_kvm_hint_flags(size_t *count)
{
  *count = sizeof kvm_hints / sizeof kvm_hints[0];
  return kvm_hints;
}

HVX_API const struct hvx_cpuid_flag *hvx_xen_hvm_flags(size_t *count)
{
  *count = sizeof xen_hvm_features / sizeof xen_hvm_features[0];
  return xen_hvm_features;
}
