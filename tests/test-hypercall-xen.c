/* The Xen hypercall table, frame validation and the trace decoder.
 * Numbers are compared with the installed Xen public headers' macros;
 * tests/interop-hypercall.sh checks the whole table both ways. */
#include "testutil.h"

#if __has_include(<xen/xen.h>)
/* Tools view: the latest interface version and the tools-only ops. */
#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/vcpu.h>
#define HAVE_XEN_HEADERS 1
#endif

static const struct hvx_xen_hypercall *by_name(const char *n)
{
  const struct hvx_xen_hypercall *h = hvx_xen_hypercall_by_name(n);
  if (!h)
    fail_msg("no Xen hypercall '%s'", n);
  return h;
}

static void test_table(void **state)
{
  size_t n;
  const struct hvx_xen_hypercall *t = hvx_xen_hypercalls(&n);
  (void)state;

  for (size_t i = 0; i < n; i++) {
    if (i)
      assert_true(t[i - 1].number < t[i].number);
    assert_ptr_equal(hvx_xen_hypercall_by_number(t[i].number), &t[i]);
    assert_ptr_equal(hvx_xen_hypercall_by_name(t[i].name), &t[i]);
    assert_true(t[i].nargs <= HVX_XEN_MAX_ARGS);
    for (size_t k = 1; k < t[i].n_subops; k++)
      assert_true(t[i].subops[k - 1].op < t[i].subops[k].op);
  }
  assert_null(hvx_xen_hypercall_by_number(11));
  assert_null(hvx_xen_hypercall_by_number(56));
  assert_null(hvx_xen_hypercall_by_number(1ull << 40));
  assert_ptr_equal(by_name("__HYPERVISOR_memory_op"), by_name("memory_op"));
  assert_int_equal(by_name("mca")->number, 48);
  assert_int_equal(by_name("paging_domctl_cont")->number, 49);
  assert_null(hvx_xen_hypercall_by_name("frob_op"));
  assert_string_equal(hvx_xen_arg_register(0), "rdi");
  assert_string_equal(hvx_xen_arg_register(3), "r10");
  assert_string_equal(hvx_xen_arg_register(4), "r8");
  assert_null(hvx_xen_arg_register(5));
}

#ifdef HAVE_XEN_HEADERS
#define NR(x) { __HYPERVISOR_##x, #x }
#define OP(h, x, name) { h, x, name }
#endif

static void test_against_headers(void **state)
{
#ifdef HAVE_XEN_HEADERS
  static const struct { unsigned nr; const char *name; } nrs[] = {
    NR(set_trap_table), NR(mmu_update), NR(set_gdt), NR(stack_switch),
    NR(set_callbacks), NR(fpu_taskswitch), NR(sched_op_compat),
    NR(platform_op), NR(set_debugreg), NR(get_debugreg),
    NR(update_descriptor), NR(memory_op), NR(multicall),
    NR(update_va_mapping), NR(set_timer_op), NR(event_channel_op_compat),
    NR(xen_version), NR(console_io), NR(physdev_op_compat),
    NR(grant_table_op), NR(vm_assist), NR(update_va_mapping_otherdomain),
    NR(iret), NR(vcpu_op), NR(set_segment_base), NR(mmuext_op),
    NR(xsm_op), NR(nmi_op), NR(sched_op), NR(callback_op),
    NR(xenoprof_op), NR(event_channel_op), NR(physdev_op), NR(hvm_op),
    NR(sysctl), NR(domctl), NR(kexec_op), NR(tmem_op), NR(argo_op),
    NR(xenpmu_op), NR(dm_op), NR(hypfs_op), NR(arch_0), NR(arch_1),
    NR(arch_7),
  };
  static const struct { const char *h; unsigned op; const char *name; }
  ops[] = {
    OP("sched_op", SCHEDOP_shutdown, "shutdown"),
    OP("sched_op", SCHEDOP_pin_override, "pin_override"),
    OP("memory_op", XENMEM_populate_physmap, "populate_physmap"),
    OP("memory_op", XENMEM_add_to_physmap, "add_to_physmap"),
    OP("memory_op", XENMEM_acquire_resource, "acquire_resource"),
    OP("memory_op", XENMEM_get_vnumainfo, "get_vnumainfo"),
    OP("event_channel_op", EVTCHNOP_bind_virq, "bind_virq"),
    OP("event_channel_op", EVTCHNOP_set_priority, "set_priority"),
    OP("grant_table_op", GNTTABOP_setup_table, "setup_table"),
    OP("grant_table_op", GNTTABOP_cache_flush, "cache_flush"),
    OP("hvm_op", HVMOP_set_param, "set_param"),
    OP("hvm_op", HVMOP_altp2m, "altp2m"),
    OP("vcpu_op", VCPUOP_register_vcpu_info, "register_vcpu_info"),
  };
  (void)state;

  for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
    const struct hvx_xen_hypercall *h = hvx_xen_hypercall_by_number(nrs[i].nr);
    assert_non_null(h);
    assert_string_equal(h->name, nrs[i].name);
  }
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const struct hvx_xen_subop *s = hvx_xen_subop(by_name(ops[i].h),
                                                  ops[i].op);
    assert_non_null(s);
    assert_string_equal(s->name, ops[i].name);
  }
#else
  (void)state;
  skip();
#endif
}

static void test_subops(void **state)
{
  const struct hvx_xen_hypercall *mem = by_name("memory_op");
  (void)state;

  assert_string_equal(hvx_xen_subop(mem, 6)->name, "populate_physmap");
  /* a continuation keeps the start extent above bit 6 */
  assert_string_equal(hvx_xen_subop(mem, (77u << 6) | 6)->name,
                      "populate_physmap");
  assert_null(hvx_xen_subop(mem, 8));       /* translate_gpfn_list: gone */
  assert_null(hvx_xen_subop(by_name("sched_op"), (7u << 6) | 0));
  assert_null(hvx_xen_subop(by_name("console_io"), 0));
  assert_null(hvx_xen_subop(NULL, 0));
  assert_true(hvx_xen_subop(mem, 24)->flags & HVX_XEN_SUBOP_TOOLS);
}

static unsigned frame(uint64_t nr, unsigned nargs, uint64_t a0,
                      unsigned mode)
{
  struct hvx_xen_frame f = { nr, nargs, { a0, 0, 0, 0, 0 } };
  return hvx_xen_frame_validate(&f, mode);
}

static void test_frame_validate(void **state)
{
  (void)state;
  assert_int_equal(frame(12, 2, 6, 0), 0);
  assert_int_equal(frame(12, 2, 6, HVX_XEN_HVM64), 0);
  assert_int_equal(frame(11, 1, 0, 0), HVX_XEN_BAD_NUMBER);
  assert_int_equal(frame(99, 0, 0, 0), HVX_XEN_BAD_NUMBER);
  assert_int_equal(frame(38, 1, 0, 0), HVX_XEN_BAD_REMOVED);
  assert_int_equal(frame(12, 3, 6, 0), HVX_XEN_BAD_EXTRA);
  assert_int_equal(frame(12, 1, 6, 0), HVX_XEN_BAD_MISSING);
  assert_int_equal(frame(29, 2, 99, 0), HVX_XEN_BAD_SUBOP);
  assert_int_equal(frame(0, 1, 0, HVX_XEN_HVM64), HVX_XEN_BAD_MODE);
  assert_int_equal(frame(0, 1, 0, HVX_XEN_PV64), 0);
  assert_int_equal(frame(23, 0, 0, HVX_XEN_PV64), 0);     /* iret */
  assert_int_equal(frame(29, 0, 0, 0), HVX_XEN_BAD_MISSING);
  for (unsigned bit = 1; bit <= HVX_XEN_BAD_MODE; bit <<= 1) {
    assert_non_null(hvx_xen_violation_name(bit));
    assert_non_null(hvx_xen_violation_text(bit));
  }
  assert_null(hvx_xen_violation_name(HVX_XEN_BAD_MODE << 1));
}

static int decode(const char *line, struct hvx_trace_record *r)
{
  static const struct hvx_trace_options o = {
    HVX_HV_FEAT_XMM_INPUT | HVX_HV_FEAT_XMM_OUTPUT, HVX_XEN_HVM64
  };
  return hvx_trace_decode_line(line, 7, &o, r);
}

static void test_trace_lines(void **state)
{
  struct hvx_trace_record r;
  (void)state;

  assert_int_equal(decode("   # a comment", &r), 0);
  assert_int_equal(r.kind, HVX_TRACE_NONE);
  assert_int_equal(decode("", &r), 0);
  assert_int_equal(r.kind, HVX_TRACE_NONE);

  assert_int_equal(decode("0x0000000500000003\n", &r), 0);
  assert_int_equal(r.kind, HVX_TRACE_HV);
  assert_int_equal(r.hv.code, 3);
  assert_int_equal(r.hv.rep_count, 5);
  assert_string_equal(r.hv_call->name, "HvCallFlushVirtualAddressList");
  assert_int_equal(r.violations, 0);
  assert_false(r.has_result);

  assert_int_equal(decode("hv 0x3 -> 0x0000000000000003 # bad", &r), 0);
  assert_true(r.has_result);
  assert_int_equal(r.hv_result.status, 3);
  assert_int_equal(r.violations, HVX_HV_BAD_REP_COUNT_ZERO);

  assert_int_equal(decode("hv 0x10002 result=0x500000000", &r), 0);
  assert_int_equal(r.violations, HVX_HV_BAD_REPS_DONE);

  assert_int_equal(decode("xen memory_op 0x146, 0x7ffd1000", &r), 0);
  assert_int_equal(r.kind, HVX_TRACE_XEN);
  assert_int_equal(r.xen.number, 12);
  assert_int_equal(r.xen.nargs, 2);
  assert_string_equal(r.xen_subop->name, "populate_physmap");
  assert_int_equal(r.violations, 0);

  assert_int_equal(decode("xen 0 0x1000", &r), 0);   /* PV-only, HVM mode */
  assert_int_equal(r.violations, HVX_XEN_BAD_MODE);
  assert_int_equal(decode("xen 200", &r), 0);
  assert_null(r.xen_call);
  assert_int_equal(r.violations, HVX_XEN_BAD_NUMBER);
  assert_int_equal(decode("xen __HYPERVISOR_sched_op 0 0", &r), 0);
  assert_string_equal(r.xen_subop->name, "yield");
  assert_int_equal(decode("xen mca 1", &r), 0);
  assert_int_equal(r.xen.number, 48);
}

static void test_trace_errors(void **state)
{
  struct hvx_trace_record r;
  (void)state;

  assert_int_equal(decode("frob 1", &r), -1);
  assert_hvx_error(EINVAL, "line 7: 'frob' is neither");
  assert_int_equal(decode("hv", &r), -1);
  assert_hvx_error(EINVAL, "'hv' without an input value");
  assert_int_equal(decode("hv 0x1zz", &r), -1);
  assert_hvx_error(EINVAL, "Hyper-V input value '0x1zz' is not a number");
  assert_int_equal(decode("0x2 ->", &r), -1);
  assert_hvx_error(EINVAL, "'->' without a result value");
  assert_int_equal(decode("0x2 0x0 0x0", &r), -1);
  assert_hvx_error(EINVAL, "unexpected '0x0'");
  assert_int_equal(decode("0x10000000000000000", &r), -1);
  assert_hvx_error(EINVAL, "is not a number");
  assert_int_equal(decode("-1", &r), -1);
  assert_hvx_error(EINVAL, "'-1' is neither");
  assert_int_equal(decode("xen", &r), -1);
  assert_hvx_error(EINVAL, "'xen' without a hypercall");
  assert_int_equal(decode("xen frob_op 1", &r), -1);
  assert_hvx_error(EINVAL, "unknown Xen hypercall name 'frob_op'");
  assert_int_equal(decode("xen 12 1 2 3 4 5 6", &r), -1);
  assert_hvx_error(EINVAL, "6 arguments, but Xen hypercalls take at most 5");
  assert_int_equal(decode("xen 12 0xg", &r), -1);
  assert_hvx_error(EINVAL, "argument 1 '0xg' is not a number");
  assert_int_equal(decode("a b c d e f g h i", &r), -1);
  assert_hvx_error(EINVAL, "more than 8 fields");
  assert_int_equal(decode("0x0000000000000000000000000000000000000000000000000"
                          "0000000000000000000001", &r), -1);
  assert_hvx_error(EINVAL, "is too long");
  assert_int_equal(hvx_trace_decode_line(NULL, 1, NULL, &r), -1);
  assert_hvx_error(EINVAL, "NULL argument");
}

/* Random lines: decoded or refused, never a crash. */
static void test_random_lines(void **state)
{
  static const char alphabet[] = "0x1fF9 ,#->=resulthvxn_op\t";
  uint64_t x = 88172645463325252ull;
  char buf[96];
  struct hvx_trace_record r;
  (void)state;

  for (unsigned i = 0; i < 50000; i++) {
    size_t len;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    len = x % (sizeof buf - 1);
    for (size_t k = 0; k < len; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[k] = alphabet[x % (sizeof alphabet - 1)];
    }
    buf[len] = '\0';
    if (decode(buf, &r) == 0)
      assert_true(r.kind <= HVX_TRACE_XEN);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_against_headers),
    cmocka_unit_test(test_subops),
    cmocka_unit_test(test_frame_validate),
    cmocka_unit_test(test_trace_lines),
    cmocka_unit_test(test_trace_errors),
    cmocka_unit_test(test_random_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
