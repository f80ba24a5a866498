/* hvx - hypercall interfaces of Xen and Hyper-V: tables, encoding,
 * validation and trace decoding.
 *
 * Sources: the Xen public headers (xen/xen.h and the per-area headers
 * libxen-dev installs under /usr/include/xen), Xen's hypercall-defs.c
 * for argument counts, and Microsoft's Hypervisor Top Level Functional
 * Specification (TLFS) for Hyper-V; Linux include/hyperv/hvgdk_mini.h for
 * the HV_STATUS values and call codes the TLFS pages do not list.
 *
 * Everything here is pure computation on caller-supplied values: no call
 * prints, allocates hidden state or talks to a hypervisor.  Functions
 * returning int give -1 on error with hvx_errno()/hvx_error() set (see
 * hvx/error.h); tables are static and live as long as the library.
 */
#ifndef HVX_HYPERCALL_H
#define HVX_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Hyper-V ========================================================= */

/* Call classes (TLFS "Hypercall Classes").  UNKNOWN: the code is known
 * only from Linux's header, which does not say simple or rep. */
#define HVX_HV_SIMPLE  0
#define HVX_HV_REP     1
#define HVX_HV_CLASS_UNKNOWN 2

/* The cheapest calling convention a call can use (TLFS "Hypercall
 * Inputs", "XMM Fast Hypercall Input"), derived from its parameter sizes
 * with no variable header and one rep:
 *   NONE  input too big for registers: memory-based only
 *   REG   at most 16 bytes of input and no output: RDX and R8
 *   XMM   at most 112 bytes of input: RDX, R8 and XMM0-XMM5 (needs CPUID
 *         0x40000003 EDX bit 4; output in XMM needs EDX bit 15)
 *   UNKNOWN  parameter sizes not documented */
#define HVX_HV_FAST_NONE 0
#define HVX_HV_FAST_REG  1
#define HVX_HV_FAST_XMM  2
#define HVX_HV_FAST_UNKNOWN 3

/* A parameter size the TLFS does not give. */
#define HVX_HV_SIZE_UNKNOWN 0xFFFFu

/* Flags of a call. */
#define HVX_HV_CALL_VAR_HEADER 0x1u /* accepts a variable-size input
                                       header (TLFS "Variable Sized
                                       Hypercall Input Headers") */
#define HVX_HV_CALL_TLFS_PAGE  0x2u /* has its own TLFS reference page */
#define HVX_HV_CALL_LINUX_ONLY 0x4u /* named only in Linux hvgdk_mini.h */
#define HVX_HV_CALL_XEN        0x8u /* served by Xen's viridian code */
#define HVX_HV_CALL_XEN_FAST   0x10u /* ... and Xen accepts it fast */

struct hvx_hv_call {
  uint16_t code;
  const char *name;          /* "HvCallFlushVirtualAddressSpace" */
  unsigned cls;              /* HVX_HV_SIMPLE / _REP / _CLASS_UNKNOWN */
  unsigned flags;            /* HVX_HV_CALL_* */
  uint16_t in_fixed;         /* bytes of fixed input header */
  uint16_t in_elem;          /* bytes per rep input element, 0 if none */
  uint16_t out_fixed;        /* bytes of fixed output */
  uint16_t out_elem;         /* bytes per rep output element, 0 if none */
};

/* hvx_hv_call_fast: the HVX_HV_FAST_* class of call C, computed from its
 * parameter sizes for one rep and no variable header. */
unsigned hvx_hv_call_fast(const struct hvx_hv_call *c);

/* The call table, sorted by code; *COUNT receives its length. */
const struct hvx_hv_call *hvx_hv_calls(size_t *count);
/* The entry for CODE, or NULL. */
const struct hvx_hv_call *hvx_hv_call_by_code(uint16_t code);
/* The entry named NAME ("HvCallPostMessage"; the "HvCall"/"HvExtCall"
 * prefix may be left out, case is ignored), or NULL. */
const struct hvx_hv_call *hvx_hv_call_by_name(const char *name);

/* HV_STATUS codes. */
struct hvx_hv_status {
  uint16_t code;
  const char *name;          /* "HV_STATUS_INVALID_HYPERCALL_INPUT" */
};
const struct hvx_hv_status *hvx_hv_statuses(size_t *count);
/* The name of STATUS, or NULL if not a known code. */
const char *hvx_hv_status_name(uint16_t status);

/* Synthetic MSRs. */
struct hvx_hv_msr {
  uint32_t index;
  const char *name;          /* "HV_X64_MSR_GUEST_OS_ID" */
  const char *group;         /* "hypercall", "synic", "stimer", ... */
};
const struct hvx_hv_msr *hvx_hv_msrs(size_t *count);
const struct hvx_hv_msr *hvx_hv_msr_by_index(uint32_t index);

/* Named bits (or bit fields) of the Hyper-V CPUID leaves 0x40000000 to
 * 0x4000000A.  REG is 0..3 for EAX, EBX, ECX, EDX. */
struct hvx_hv_cpuid_bit {
  uint32_t leaf;
  unsigned reg;
  unsigned bit;              /* lowest bit */
  unsigned width;            /* 1 for a flag, more for a field */
  const char *name;          /* TLFS name, e.g. "AccessSynicRegs" */
};
const struct hvx_hv_cpuid_bit *hvx_hv_cpuid_bits(size_t *count);

/* ---- the 64-bit hypercall input value (TLFS "Hypercall Inputs") ---- */

struct hvx_hv_input {
  uint16_t code;             /* 15:0 */
  bool fast;                 /* 16 */
  uint16_t var_header_size;  /* 26:17, in 8-byte units (10 bits) */
  uint8_t rsvd_30_27;        /* must be zero (4 bits) */
  bool nested;               /* 31 */
  uint16_t rep_count;        /* 43:32 (12 bits) */
  uint8_t rsvd_47_44;        /* must be zero (4 bits) */
  uint16_t rep_start;        /* 59:48 (12 bits) */
  uint8_t rsvd_63_60;        /* must be zero (4 bits) */
};

/* hvx_hv_input_encode: pack IN into *OUT.  Reserved fields are encoded
 * as given (so any value can be built).  EINVAL names the first field
 * wider than its bits. */
int hvx_hv_input_encode(const struct hvx_hv_input *in, uint64_t *out);
/* hvx_hv_input_decode: unpack every field of VALUE; never fails. */
void hvx_hv_input_decode(uint64_t value, struct hvx_hv_input *out);

/* The hypercall result value (TLFS "Hypercall Outputs"). */
struct hvx_hv_result {
  uint16_t status;           /* 15:0, HV_STATUS */
  uint16_t rsvd_31_16;       /* callers should ignore */
  uint16_t reps_completed;   /* 43:32 (12 bits) */
  uint32_t rsvd_63_44;       /* callers should ignore (20 bits) */
};
int hvx_hv_result_encode(const struct hvx_hv_result *r, uint64_t *out);
void hvx_hv_result_decode(uint64_t value, struct hvx_hv_result *out);

/* Violations found by validation, one bit each.  The hypervisor answers
 * the first seven with HV_STATUS_INVALID_HYPERCALL_INPUT (or _CODE). */
#define HVX_HV_BAD_CODE            0x0001u /* call code not in the table */
#define HVX_HV_BAD_RESERVED        0x0002u /* a RsvdZ bit is set */
#define HVX_HV_BAD_REP_ON_SIMPLE   0x0004u /* rep count or start on a
                                              simple call */
#define HVX_HV_BAD_REP_COUNT_ZERO  0x0008u /* rep call with rep count 0 */
#define HVX_HV_BAD_REP_START       0x0010u /* rep start >= rep count */
#define HVX_HV_BAD_VAR_HEADER      0x0020u /* variable header size on a
                                              call that takes none */
#define HVX_HV_BAD_FAST            0x0040u /* fast on a call whose input
                                              cannot fit the registers */
#define HVX_HV_BAD_FAST_XMM        0x0080u /* fast needs XMM input, which
                                              the features do not offer */
#define HVX_HV_BAD_FAST_OUTPUT     0x0100u /* fast with output: needs XMM
                                              output and room for it */
#define HVX_HV_BAD_XEN             0x0200u /* Xen's viridian does not
                                              serve this call */
/* Result-value checks (hvx_hv_result_validate). */
#define HVX_HV_BAD_REPS_DONE       0x0400u /* reps completed > rep count,
                                              or non-zero on a simple call */
#define HVX_HV_BAD_RESULT_RESERVED 0x0800u /* reserved result bits set */

/* Features the validation may assume (CPUID 0x40000003 EDX). */
#define HVX_HV_FEAT_XMM_INPUT  0x1u  /* EDX bit 4 */
#define HVX_HV_FEAT_XMM_OUTPUT 0x2u  /* EDX bit 15 */
#define HVX_HV_FEAT_XEN        0x4u  /* the host is Xen with viridian:
                                        flag calls it does not serve */

/* hvx_hv_input_validate: the violations (HVX_HV_BAD_*) of IN against the
 * call table, given FEATURES (HVX_HV_FEAT_*).  0 means valid. */
unsigned hvx_hv_input_validate(const struct hvx_hv_input *in,
                               unsigned features);
/* hvx_hv_result_validate: violations of result R for input IN. */
unsigned hvx_hv_result_validate(const struct hvx_hv_input *in,
                                const struct hvx_hv_result *r);
/* The short name of one violation bit ("rep-start-beyond-count") and a
 * sentence explaining it; NULL for an unknown bit. */
const char *hvx_hv_violation_name(unsigned bit);
const char *hvx_hv_violation_text(unsigned bit);

/* ==== Xen ============================================================= */

/* Where a hypercall may be made from, per Xen's hypercall-defs.c table
 * (64-bit callers). */
#define HVX_XEN_PV64    0x1u    /* 64-bit PV guests */
#define HVX_XEN_HVM64   0x2u    /* 64-bit HVM/PVH guests */
#define HVX_XEN_REMOVED 0x4u    /* number reserved, no longer served */
#define HVX_XEN_COMPAT  0x8u    /* superseded by a newer hypercall */

struct hvx_xen_subop {
  unsigned op;
  const char *name;          /* "populate_physmap" (prefix left out) */
  unsigned flags;            /* HVX_XEN_SUBOP_* */
};
#define HVX_XEN_SUBOP_TOOLS    0x1u /* only with __XEN_TOOLS__ (dom0) */
#define HVX_XEN_SUBOP_INTERNAL 0x2u /* only with __XEN__ (Xen itself) */

struct hvx_xen_hypercall {
  unsigned number;
  const char *name;          /* as in xen.h without __HYPERVISOR_ */
  const char *alias;         /* x86 name of an arch_N slot, or NULL */
  unsigned nargs;            /* 0..5 */
  const char *args;          /* argument names, "cmd, arg" */
  unsigned flags;            /* HVX_XEN_* */
  const char *subop_prefix;  /* "XENMEM_" etc., NULL if no sub-ops */
  const struct hvx_xen_subop *subops;
  size_t n_subops;
};

/* The hypercall table, sorted by number; *COUNT receives its length. */
const struct hvx_xen_hypercall *hvx_xen_hypercalls(size_t *count);
const struct hvx_xen_hypercall *hvx_xen_hypercall_by_number(uint64_t n);
/* By name: "memory_op", "__HYPERVISOR_memory_op" or the alias "mca". */
const struct hvx_xen_hypercall *hvx_xen_hypercall_by_name(const char *name);
/* The sub-op OP of hypercall H (first argument), or NULL.  memory_op
 * carries a continuation extent in its command above bit 6; only the
 * low 6 bits select the sub-op. */
const struct hvx_xen_subop *hvx_xen_subop(const struct hvx_xen_hypercall *h,
                                          uint64_t op);
/* The x86-64 register of argument I (0..4): "rdi", "rsi", "rdx", "r10",
 * "r8"; NULL beyond.  The number goes in RAX, the result comes back in
 * RAX, and the hypercall page holds one 32-byte stub per number. */
const char *hvx_xen_arg_register(unsigned i);

#define HVX_XEN_MAX_ARGS 5

/* A Xen hypercall as made: the number and the argument registers. */
struct hvx_xen_frame {
  uint64_t number;
  unsigned nargs;            /* arguments present in the trace, 0..5 */
  uint64_t args[HVX_XEN_MAX_ARGS];
};

#define HVX_XEN_BAD_NUMBER    0x01u /* no such hypercall (-ENOSYS) */
#define HVX_XEN_BAD_REMOVED   0x02u /* number no longer served */
#define HVX_XEN_BAD_EXTRA     0x04u /* more arguments than it takes */
#define HVX_XEN_BAD_MISSING   0x08u /* fewer arguments than it takes */
#define HVX_XEN_BAD_SUBOP     0x10u /* unknown sub-op */
#define HVX_XEN_BAD_MODE      0x20u /* not available to this guest type */

/* hvx_xen_frame_validate: violations (HVX_XEN_BAD_*) of F; MODE is
 * HVX_XEN_PV64, HVX_XEN_HVM64 or 0 for no guest-type check. */
unsigned hvx_xen_frame_validate(const struct hvx_xen_frame *f, unsigned mode);
const char *hvx_xen_violation_name(unsigned bit);
const char *hvx_xen_violation_text(unsigned bit);

/* ==== trace decoding ================================================== */

/* One line of a hypercall trace, decoded.  Trace syntax, one call a line
 * ('#' starts a comment, blank lines are skipped):
 *   [hv] INPUT [RESULT]        a Hyper-V input value (and result value),
 *                              hex with 0x or decimal
 *   xen NUMBER|NAME [ARG...]   a Xen hypercall and up to 5 arguments
 */
#define HVX_TRACE_NONE 0     /* blank or comment line */
#define HVX_TRACE_HV   1
#define HVX_TRACE_XEN  2

struct hvx_trace_record {
  unsigned kind;             /* HVX_TRACE_* */
  /* Hyper-V */
  uint64_t hv_value;
  struct hvx_hv_input hv;
  const struct hvx_hv_call *hv_call;   /* NULL if unknown */
  bool has_result;
  uint64_t hv_result_value;
  struct hvx_hv_result hv_result;
  /* Xen */
  struct hvx_xen_frame xen;
  const struct hvx_xen_hypercall *xen_call;   /* NULL if unknown */
  const struct hvx_xen_subop *xen_subop;      /* NULL if none/unknown */
  /* HVX_HV_BAD_* or HVX_XEN_BAD_* bits according to KIND */
  unsigned violations;
};

/* Options for hvx_trace_decode_line. */
struct hvx_trace_options {
  unsigned hv_features;      /* HVX_HV_FEAT_* */
  unsigned xen_mode;         /* HVX_XEN_PV64 / _HVM64 / 0 */
};

/* hvx_trace_decode_line: decode LINE (NUL-terminated, without or with its
 * newline) into *REC.  LINENO is used in error messages.  A line that is
 * not valid trace syntax is EINVAL naming the line and the token; a
 * well-formed call that breaks the rules is not an error: its
 * violations are in REC->violations. */
int hvx_trace_decode_line(const char *line, unsigned long lineno,
                          const struct hvx_trace_options *opts,
                          struct hvx_trace_record *rec);

#ifdef __cplusplus
}
#endif

#endif /* HVX_HYPERCALL_H */
