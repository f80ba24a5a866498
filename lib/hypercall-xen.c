/* hvx - the Xen hypercall table and frame validation.
 *
 * Numbers and names: xen/xen.h (__HYPERVISOR_*), checked both ways
 * against the installed header by tests/interop-hypercall-xen.sh.
 * Argument counts, names and which guests may call what: Xen's
 * xen/include/hypercall-defs.c (the 64-bit "do" prototypes and its
 * pv64/hvm64 caller table).  Sub-op numbers: sched.h, memory.h,
 * hvm/hvm_op.h, event_channel.h, grant_table.h, vcpu.h, checked the
 * same way.  The x86-64 convention is in arch-x86/xen-x86_64.h.
 */
#include "config.h"

#include <string.h>

#include "internal.h"

#define T HVX_XEN_SUBOP_TOOLS
#define I HVX_XEN_SUBOP_INTERNAL

static const struct hvx_xen_subop sched_ops[] = {
  { 0, "yield", 0 }, { 1, "block", 0 }, { 2, "shutdown", 0 },
  { 3, "poll", 0 }, { 4, "remote_shutdown", 0 },
  { 5, "shutdown_code", 0 }, { 6, "watchdog", 0 },
  { 7, "pin_override", 0 },
};

/* memory.h: 18-22, 24 and 27 sit inside its __XEN_TOOLS__ block; 8 was
 * translate_gpfn_list and is commented out. */
static const struct hvx_xen_subop memory_ops[] = {
  { 0, "increase_reservation", 0 }, { 1, "decrease_reservation", 0 },
  { 2, "maximum_ram_page", 0 }, { 3, "current_reservation", 0 },
  { 4, "maximum_reservation", 0 }, { 5, "machphys_mfn_list", 0 },
  { 6, "populate_physmap", 0 }, { 7, "add_to_physmap", 0 },
  { 9, "memory_map", 0 }, { 10, "machine_memory_map", 0 },
  { 11, "exchange", 0 }, { 12, "machphys_mapping", 0 },
  { 13, "set_memory_map", 0 }, { 14, "maximum_gpfn", 0 },
  { 15, "remove_from_physmap", 0 }, { 16, "set_pod_target", 0 },
  { 17, "get_pod_target", 0 }, { 18, "get_sharing_freed_pages", T },
  { 19, "get_sharing_shared_pages", T }, { 20, "paging_op", T },
  { 21, "access_op", T }, { 22, "sharing_op", T },
  { 23, "add_to_physmap_batch", 0 }, { 24, "claim_pages", T },
  { 25, "machphys_compat_mfn_list", 0 }, { 26, "get_vnumainfo", 0 },
  { 27, "reserved_device_memory_map", T }, { 28, "acquire_resource", 0 },
};

/* hvm_op.h: 2-4 exist only for interface versions before 4.9; 12 and 13
 * are tools-only. */
static const struct hvx_xen_subop hvm_ops[] = {
  { 0, "set_param", 0 }, { 1, "get_param", 0 },
  { 2, "set_pci_intx_level", 0 }, { 3, "set_isa_irq_level", 0 },
  { 4, "set_pci_link_route", 0 }, { 5, "flush_tlbs", 0 },
  { 9, "pagetable_dying", 0 }, { 10, "get_time", 0 },
  { 11, "xentrace", 0 }, { 12, "set_mem_access", T },
  { 13, "get_mem_access", T }, { 15, "get_mem_type", 0 },
  { 23, "set_evtchn_upcall_vector", 0 },
  { 24, "guest_request_vm_event", 0 }, { 25, "altp2m", 0 },
};

static const struct hvx_xen_subop evtchn_ops[] = {
  { 0, "bind_interdomain", 0 }, { 1, "bind_virq", 0 },
  { 2, "bind_pirq", 0 }, { 3, "close", 0 }, { 4, "send", 0 },
  { 5, "status", 0 }, { 6, "alloc_unbound", 0 }, { 7, "bind_ipi", 0 },
  { 8, "bind_vcpu", 0 }, { 9, "unmask", 0 }, { 10, "reset", 0 },
  { 11, "init_control", 0 }, { 12, "expand_array", 0 },
  { 13, "set_priority", 0 }, { 14, "reset_cont", I },
};

static const struct hvx_xen_subop gnttab_ops[] = {
  { 0, "map_grant_ref", 0 }, { 1, "unmap_grant_ref", 0 },
  { 2, "setup_table", 0 }, { 3, "dump_table", 0 }, { 4, "transfer", 0 },
  { 5, "copy", 0 }, { 6, "query_size", 0 },
  { 7, "unmap_and_replace", 0 }, { 8, "set_version", 0 },
  { 9, "get_status_frames", 0 }, { 10, "get_version", 0 },
  { 11, "swap_grant_ref", 0 }, { 12, "cache_flush", 0 },
};

static const struct hvx_xen_subop vcpu_ops[] = {
  { 0, "initialise", 0 }, { 1, "up", 0 }, { 2, "down", 0 },
  { 3, "is_up", 0 }, { 4, "get_runstate_info", 0 },
  { 5, "register_runstate_memory_area", 0 },
  { 6, "set_periodic_timer", 0 }, { 7, "stop_periodic_timer", 0 },
  { 8, "set_singleshot_timer", 0 }, { 9, "stop_singleshot_timer", 0 },
  { 10, "register_vcpu_info", 0 }, { 11, "send_nmi", 0 },
  { 12, "get_physid", 0 }, { 13, "register_vcpu_time_memory_area", 0 },
};

#undef T
#undef I

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SUB(prefix, a) prefix, a, N(a)
#define NOSUB NULL, NULL, 0
#define PV HVX_XEN_PV64
#define HVM HVX_XEN_HVM64
#define BOTH (HVX_XEN_PV64 | HVX_XEN_HVM64)
#define GONE HVX_XEN_REMOVED
#define OLD HVX_XEN_COMPAT

static const struct hvx_xen_hypercall xen_table[] = {
  { 0, "set_trap_table", NULL, 1, "traps", PV, NOSUB },
  { 1, "mmu_update", NULL, 4, "ureqs, count, pdone, foreigndom", PV, NOSUB },
  { 2, "set_gdt", NULL, 2, "frame_list, entries", PV, NOSUB },
  { 3, "stack_switch", NULL, 2, "ss, esp", PV, NOSUB },
  { 4, "set_callbacks", NULL, 3,
    "event_address, failsafe_address, syscall_address", PV, NOSUB },
  { 5, "fpu_taskswitch", NULL, 1, "set", PV, NOSUB },
  { 6, "sched_op_compat", NULL, 2, "cmd, arg", PV | OLD,
    SUB("SCHEDOP_", sched_ops) },
  { 7, "platform_op", NULL, 1, "u_xenpf_op", BOTH, NOSUB },
  { 8, "set_debugreg", NULL, 2, "reg, value", PV, NOSUB },
  { 9, "get_debugreg", NULL, 1, "reg", PV, NOSUB },
  { 10, "update_descriptor", NULL, 2, "gaddr, desc", PV, NOSUB },
  { 12, "memory_op", NULL, 2, "cmd, arg", BOTH, SUB("XENMEM_", memory_ops) },
  { 13, "multicall", NULL, 2, "call_list, nr_calls", BOTH, NOSUB },
  { 14, "update_va_mapping", NULL, 3, "va, val64, flags", PV, NOSUB },
  { 15, "set_timer_op", NULL, 1, "timeout", BOTH, NOSUB },
  { 16, "event_channel_op_compat", NULL, 1, "uop", PV | OLD, NOSUB },
  { 17, "xen_version", NULL, 2, "cmd, arg", BOTH, NOSUB },
  { 18, "console_io", NULL, 3, "cmd, count, buffer", BOTH, NOSUB },
  { 19, "physdev_op_compat", NULL, 1, "uop", PV | OLD, NOSUB },
  { 20, "grant_table_op", NULL, 3, "cmd, uop, count", BOTH,
    SUB("GNTTABOP_", gnttab_ops) },
  { 21, "vm_assist", NULL, 2, "cmd, type", BOTH, NOSUB },
  { 22, "update_va_mapping_otherdomain", NULL, 4,
    "va, val64, flags, domid", PV, NOSUB },
  { 23, "iret", NULL, 0, "", PV, NOSUB },
  { 24, "vcpu_op", NULL, 3, "cmd, vcpuid, arg", BOTH,
    SUB("VCPUOP_", vcpu_ops) },
  { 25, "set_segment_base", NULL, 2, "which, base", PV, NOSUB },
  { 26, "mmuext_op", NULL, 4, "uops, count, pdone, foreigndom", BOTH,
    NOSUB },
  { 27, "xsm_op", NULL, 1, "op", BOTH, NOSUB },
  { 28, "nmi_op", NULL, 2, "cmd, arg", PV, NOSUB },
  { 29, "sched_op", NULL, 2, "cmd, arg", BOTH, SUB("SCHEDOP_", sched_ops) },
  { 30, "callback_op", NULL, 2, "cmd, arg", PV, NOSUB },
  { 31, "xenoprof_op", NULL, 2, "op, arg", PV, NOSUB },
  { 32, "event_channel_op", NULL, 2, "cmd, arg", BOTH,
    SUB("EVTCHNOP_", evtchn_ops) },
  { 33, "physdev_op", NULL, 2, "cmd, arg", BOTH, NOSUB },
  { 34, "hvm_op", NULL, 2, "op, arg", BOTH, SUB("HVMOP_", hvm_ops) },
  { 35, "sysctl", NULL, 1, "u_sysctl", BOTH, NOSUB },
  { 36, "domctl", NULL, 1, "u_domctl", BOTH, NOSUB },
  { 37, "kexec_op", NULL, 2, "op, uarg", PV, NOSUB },
  { 38, "tmem_op", NULL, 1, "uops", GONE, NOSUB },
  { 39, "argo_op", NULL, 5, "cmd, arg1, arg2, arg3, arg4", BOTH, NOSUB },
  { 40, "xenpmu_op", NULL, 2, "op, arg", BOTH, NOSUB },
  { 41, "dm_op", NULL, 3, "domid, nr_bufs, bufs", BOTH, NOSUB },
  { 42, "hypfs_op", NULL, 5, "cmd, arg1, arg2, arg3, arg4", BOTH, NOSUB },
  { 48, "arch_0", "mca", 1, "u_xen_mc", PV, NOSUB },
  { 49, "arch_1", "paging_domctl_cont", 1, "u_domctl", BOTH, NOSUB },
  { 50, "arch_2", NULL, 0, "", GONE, NOSUB },
  { 51, "arch_3", NULL, 0, "", GONE, NOSUB },
  { 52, "arch_4", NULL, 0, "", GONE, NOSUB },
  { 53, "arch_5", NULL, 0, "", GONE, NOSUB },
  { 54, "arch_6", NULL, 0, "", GONE, NOSUB },
  { 55, "arch_7", NULL, 0, "", GONE, NOSUB },
};

HVX_API const struct hvx_xen_hypercall *hvx_xen_hypercalls(size_t *count)
{
  *count = N(xen_table);
  return xen_table;
}

HVX_API const struct hvx_xen_hypercall *hvx_xen_hypercall_by_number(uint64_t n)
{
  for (size_t i = 0; i < N(xen_table); i++)
    if (xen_table[i].number == n)
      return &xen_table[i];
  return NULL;
}

HVX_API const struct hvx_xen_hypercall *hvx_xen_hypercall_by_name(
  const char *name)
{
  if (!name)
    return NULL;
  if (strncmp(name, "__HYPERVISOR_", 13) == 0)
    name += 13;
  for (size_t i = 0; i < N(xen_table); i++)
    if (strcmp(xen_table[i].name, name) == 0 ||
        (xen_table[i].alias && strcmp(xen_table[i].alias, name) == 0))
      return &xen_table[i];
  return NULL;
}

HVX_API const struct hvx_xen_subop *hvx_xen_subop(
  const struct hvx_xen_hypercall *h, uint64_t op)
{
  if (!h || !h->subops)
    return NULL;
  /* Xen's common/memory.c keeps a continuation's start extent in the
   * command above MEMOP_EXTENT_SHIFT (6). */
  if (h->number == 12)
    op &= 0x3F;
  for (size_t i = 0; i < h->n_subops; i++)
    if (h->subops[i].op == op)
      return &h->subops[i];
  return NULL;
}

HVX_API const char *hvx_xen_arg_register(unsigned i)
{
  static const char *const regs[HVX_XEN_MAX_ARGS] = {
    "rdi", "rsi", "rdx", "r10", "r8",
  };
  return i < HVX_XEN_MAX_ARGS ? regs[i] : NULL;
}

HVX_API unsigned hvx_xen_frame_validate(const struct hvx_xen_frame *f,
                                        unsigned mode)
{
  const struct hvx_xen_hypercall *h = hvx_xen_hypercall_by_number(f->number);
  unsigned v = 0;

  if (!h)
    return HVX_XEN_BAD_NUMBER;
  if (h->flags & HVX_XEN_REMOVED)
    v |= HVX_XEN_BAD_REMOVED;
  if (f->nargs > h->nargs)
    v |= HVX_XEN_BAD_EXTRA;
  else if (f->nargs < h->nargs)
    v |= HVX_XEN_BAD_MISSING;
  if (h->subops && f->nargs >= 1 && !hvx_xen_subop(h, f->args[0]))
    v |= HVX_XEN_BAD_SUBOP;
  if (mode && !(h->flags & HVX_XEN_REMOVED) && !(h->flags & mode))
    v |= HVX_XEN_BAD_MODE;
  return v;
}

static const struct {
  unsigned bit;
  const char *name, *text;
} xen_violations[] = {
  { HVX_XEN_BAD_NUMBER, "unknown-hypercall",
    "no hypercall has this number (-ENOSYS)" },
  { HVX_XEN_BAD_REMOVED, "removed-hypercall",
    "this number is reserved or no longer served (-ENOSYS)" },
  { HVX_XEN_BAD_EXTRA, "extra-arguments",
    "more arguments than the hypercall takes" },
  { HVX_XEN_BAD_MISSING, "missing-arguments",
    "fewer arguments than the hypercall takes" },
  { HVX_XEN_BAD_SUBOP, "unknown-sub-op",
    "the first argument is not a known sub-op of this hypercall" },
  { HVX_XEN_BAD_MODE, "not-for-this-guest-type",
    "this guest type (PV or HVM) cannot make this hypercall (-ENOSYS)" },
};

/* The name (WHICH 0) or text (1) of violation BIT. */
static const char *xen_violation(unsigned bit, int which)
{
  for (size_t i = 0; i < N(xen_violations); i++)
    if (xen_violations[i].bit == bit)
      return which ? xen_violations[i].text : xen_violations[i].name;
  return NULL;
}

HVX_API const char *hvx_xen_violation_name(unsigned bit)
{
  return xen_violation(bit, 0);
}

HVX_API const char *hvx_xen_violation_text(unsigned bit)
{
  return xen_violation(bit, 1);
}
