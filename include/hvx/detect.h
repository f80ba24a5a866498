/* hvx - which hypervisor interfaces a guest sees, from CPUID.
 *
 * Detection is a pure function of CPUID values (a struct hvx_cpuid_dump)
 * so recorded dumps of other machines decode exactly as live ones do.
 * hvx_cpuid_probe fills a dump from the CPU it runs on (x86 only).
 */
#ifndef HVX_DETECT_H
#define HVX_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hvx_cpuid_leaf {
  uint32_t leaf, subleaf;
  uint32_t eax, ebx, ecx, edx;
};

/* A set of CPUID results.  Owns LEAVES; free with hvx_cpuid_dump_free. */
struct hvx_cpuid_dump {
  size_t n;
  struct hvx_cpuid_leaf *leaves;
};

/* Most leaves a dump may hold, and the largest dump file read. */
#define HVX_CPUID_MAX_LEAVES 4096
#define HVX_CPUID_MAX_DUMP_BYTES (1024 * 1024)

/* hvx_cpuid_dump_parse: parse LEN bytes of TEXT into *OUT.  Accepted
 * lines (others than these are EBADMSG naming the line):
 *   "   0x40000000 0x00: eax=0x... ebx=0x... ecx=0x... edx=0x..."
 *       the raw format of the Linux `cpuid -r` tool; "CPU N:" headers
 *       are allowed and only the first CPU is kept
 *   "LEAF [SUBLEAF] EAX EBX ECX EDX"  numbers in hex (0x) or decimal
 *   blank lines and lines starting with '#'
 * A leaf/subleaf given twice is EBADMSG. */
int hvx_cpuid_dump_parse(const char *text, size_t len,
                         struct hvx_cpuid_dump *out);
/* hvx_cpuid_dump_read: read and parse the file PATH (at most
 * HVX_CPUID_MAX_DUMP_BYTES, else EFBIG). */
int hvx_cpuid_dump_read(const char *path, struct hvx_cpuid_dump *out);
/* hvx_cpuid_probe: run CPUID here: leaves 0 and 1 and, if the hypervisor
 * bit is set, every hypervisor range 0x40000000 + k*0x100 (k < 256) that
 * answers, up to 0x20 leaves each.  ENOTSUP on non-x86 builds. */
int hvx_cpuid_probe(struct hvx_cpuid_dump *out);
void hvx_cpuid_dump_free(struct hvx_cpuid_dump *d);
/* The registers of LEAF/SUBLEAF in D into REGS (EAX..EDX); false (and
 * zeros) if D does not hold it. */
bool hvx_cpuid_dump_get(const struct hvx_cpuid_dump *d, uint32_t leaf,
                        uint32_t subleaf, uint32_t regs[4]);

#define HVX_DETECT_MAX_SIGS 8
#define HVX_HV_LEAVES 11          /* 0x40000000 .. 0x4000000A */

/* One hypervisor vendor signature found in the 0x400000xx ranges. */
struct hvx_hypervisor_sig {
  uint32_t base;              /* 0x40000000, 0x40000100, ... */
  uint32_t max_leaf;          /* EAX of the base leaf, sanitised */
  char id[13];                /* the 12 signature bytes, NUL-terminated */
  const char *vendor;         /* "xen", "kvm", "microsoft", "vmware",
                                 "qemu", ... (systemd-detect-virt's names),
                                 NULL if not recognised */
};

struct hvx_detect {
  bool have_leaf1;            /* the dump has leaf 1 */
  bool hypervisor_bit;        /* CPUID.1:ECX[31] */
  unsigned n_sigs;
  struct hvx_hypervisor_sig sigs[HVX_DETECT_MAX_SIGS];
  /* The signature Linux would choose (arch/x86/kernel/cpu/hypervisor.c:
   * Xen and KVM rank by their base leaf, others below), or -1. */
  int linux_choice;

  /* The Hyper-V interface: the range whose base+1 EAX is "Hv#1". */
  bool hv;
  uint32_t hv_base;
  uint32_t hv_regs[HVX_HV_LEAVES][4]; /* leaves base+0..base+0xA, zero
                                         past the range's max leaf */
  /* Xen: the range with "XenVMMXenVMM". */
  bool xen;
  uint32_t xen_base;
  unsigned xen_major, xen_minor;
  uint32_t xen_hypercall_pages, xen_msr_base;
  bool xen_has_hvm_leaf;
  uint32_t xen_hvm_features;   /* leaf base+4 EAX */
  /* KVM: the range with "KVMKVMKVM". */
  bool kvm;
  uint32_t kvm_base;
  uint32_t kvm_features;       /* leaf base+1 EAX */
  uint32_t kvm_hints;          /* leaf base+1 EDX */
};

/* hvx_detect_from_dump: decode D into *OUT; never fails. */
void hvx_detect_from_dump(const struct hvx_cpuid_dump *d,
                          struct hvx_detect *out);

/* Named flag bits of the KVM and Xen leaves. */
struct hvx_cpuid_flag {
  unsigned bit;
  const char *name;
};
/* KVM_FEATURE_* of KVM base+1 EAX (linux asm/kvm_para.h). */
const struct hvx_cpuid_flag *hvx_kvm_feature_flags(size_t *count);
/* KVM_HINTS_* of KVM base+1 EDX. */
const struct hvx_cpuid_flag *hvx_kvm_hint_flags(size_t *count);
/* XEN_HVM_CPUID_* of Xen base+4 EAX (xen/arch-x86/cpuid.h). */
const struct hvx_cpuid_flag *hvx_xen_hvm_flags(size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* HVX_DETECT_H */
