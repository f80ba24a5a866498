/* hvx - Hyper-V hypercall input and result values: lookup, encoding,
 * decoding and validation against the call table (TLFS "Hypercall
 * Interface": "Hypercall Inputs", "Hypercall Outputs", "Common Hypercall
 * Status Codes", "XMM Fast Hypercall Input/Output"). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "hyperv-tables.h"

/* Input value layout. */
#define IN_CODE_SHIFT    0
#define IN_FAST_SHIFT    16
#define IN_VHS_SHIFT     17
#define IN_RSVD0_SHIFT   27
#define IN_NESTED_SHIFT  31
#define IN_REPCNT_SHIFT  32
#define IN_RSVD1_SHIFT   44
#define IN_REPSTART_SHIFT 48
#define IN_RSVD2_SHIFT   60

/* Result value layout. */
#define RES_RSVD0_SHIFT  16
#define RES_REPS_SHIFT   32
#define RES_RSVD1_SHIFT  44

/* Register fast input: RDX and R8.  XMM fast input: RDX, R8, XMM0-5. */
#define FAST_REG_BYTES 16u
#define FAST_XMM_BYTES 112u

HVX_API const struct hvx_hv_call *hvx_hv_calls(size_t *count)
{
  *count = hvx_hv_call_count;
  return hvx_hv_call_table;
}

HVX_API const struct hvx_hv_call *hvx_hv_call_by_code(uint16_t code)
{
  size_t lo = 0, hi = hvx_hv_call_count;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (hvx_hv_call_table[mid].code == code)
      return &hvx_hv_call_table[mid];
    if (hvx_hv_call_table[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

HVX_API const struct hvx_hv_call *hvx_hv_call_by_name(const char *name)
{
  if (!name)
    return NULL;
  for (size_t i = 0; i < hvx_hv_call_count; i++) {
    const char *n = hvx_hv_call_table[i].name;
    if (strcasecmp(n, name) == 0)
      return &hvx_hv_call_table[i];
    /* without the "HvCall" / "HvExtCall" prefix */
    if (strncmp(n, "HvCall", 6) == 0 && strcasecmp(n + 6, name) == 0)
      return &hvx_hv_call_table[i];
    if (strncmp(n, "HvExtCall", 9) == 0 && strcasecmp(n + 9, name) == 0)
      return &hvx_hv_call_table[i];
  }
  return NULL;
}

/* Input and output bytes of C for REPS reps and VHS variable-header
 * words; false if a size is not documented. */
static bool call_sizes(const struct hvx_hv_call *c, unsigned reps,
                       unsigned vhs, uint64_t *in, uint64_t *out)
{
  if (c->in_fixed == HVX_HV_SIZE_UNKNOWN ||
      c->in_elem == HVX_HV_SIZE_UNKNOWN ||
      c->out_fixed == HVX_HV_SIZE_UNKNOWN ||
      c->out_elem == HVX_HV_SIZE_UNKNOWN)
    return false;
  *in = (uint64_t)c->in_fixed + (uint64_t)vhs * 8 +
        (uint64_t)reps * c->in_elem;
  *out = (uint64_t)c->out_fixed + (uint64_t)reps * c->out_elem;
  return true;
}

/* Output registers left after IN bytes of XMM fast input: the TLFS
 * rounds the input up to a 16-byte chunk. */
static uint64_t xmm_output_room(uint64_t in)
{
  uint64_t used = (in + 15) / 16 * 16;
  return used >= FAST_XMM_BYTES ? 0 : FAST_XMM_BYTES - used;
}

HVX_API unsigned hvx_hv_call_fast(const struct hvx_hv_call *c)
{
  uint64_t in, out;

  if (!c || !call_sizes(c, c->cls == HVX_HV_REP ? 1 : 0, 0, &in, &out))
    return HVX_HV_FAST_UNKNOWN;
  if (in <= FAST_REG_BYTES && out == 0)
    return HVX_HV_FAST_REG;
  if (in <= FAST_XMM_BYTES && out <= xmm_output_room(in))
    return HVX_HV_FAST_XMM;
  return HVX_HV_FAST_NONE;
}

HVX_API const struct hvx_hv_status *hvx_hv_statuses(size_t *count)
{
  *count = hvx_hv_status_count;
  return hvx_hv_status_table;
}

HVX_API const char *hvx_hv_status_name(uint16_t status)
{
  for (size_t i = 0; i < hvx_hv_status_count; i++)
    if (hvx_hv_status_table[i].code == status)
      return hvx_hv_status_table[i].name;
  return NULL;
}

HVX_API const struct hvx_hv_msr *hvx_hv_msrs(size_t *count)
{
  *count = hvx_hv_msr_count;
  return hvx_hv_msr_table;
}

HVX_API const struct hvx_hv_msr *hvx_hv_msr_by_index(uint32_t index)
{
  for (size_t i = 0; i < hvx_hv_msr_count; i++)
    if (hvx_hv_msr_table[i].index == index)
      return &hvx_hv_msr_table[i];
  return NULL;
}

HVX_API const struct hvx_hv_cpuid_bit *hvx_hv_cpuid_bits(size_t *count)
{
  *count = hvx_hv_cpuid_bit_count;
  return hvx_hv_cpuid_bit_table;
}

/* ---- encode / decode ------------------------------------------------ */

static int field_check(const char *what, const char *field, uint64_t v,
                       unsigned bits)
{
  if (v >> bits)
    return hvx_set_error(EINVAL, "hyperv: %s field %s value %#llx does not "
                         "fit in %u bits", what, field,
                         (unsigned long long)v, bits);
  return 0;
}

HVX_API int hvx_hv_input_encode(const struct hvx_hv_input *in, uint64_t *out)
{
  const char *w = "hypercall input";

  if (!in || !out)
    return hvx_set_error(EINVAL, "hyperv: hvx_hv_input_encode: NULL "
                         "argument");
  if (field_check(w, "var_header_size", in->var_header_size, 10) < 0 ||
      field_check(w, "rsvd_30_27", in->rsvd_30_27, 4) < 0 ||
      field_check(w, "rep_count", in->rep_count, 12) < 0 ||
      field_check(w, "rsvd_47_44", in->rsvd_47_44, 4) < 0 ||
      field_check(w, "rep_start", in->rep_start, 12) < 0 ||
      field_check(w, "rsvd_63_60", in->rsvd_63_60, 4) < 0)
    return -1;
  *out = (uint64_t)in->code << IN_CODE_SHIFT |
         (uint64_t)in->fast << IN_FAST_SHIFT |
         (uint64_t)in->var_header_size << IN_VHS_SHIFT |
         (uint64_t)in->rsvd_30_27 << IN_RSVD0_SHIFT |
         (uint64_t)in->nested << IN_NESTED_SHIFT |
         (uint64_t)in->rep_count << IN_REPCNT_SHIFT |
         (uint64_t)in->rsvd_47_44 << IN_RSVD1_SHIFT |
         (uint64_t)in->rep_start << IN_REPSTART_SHIFT |
         (uint64_t)in->rsvd_63_60 << IN_RSVD2_SHIFT;
  return 0;
}

HVX_API void hvx_hv_input_decode(uint64_t v, struct hvx_hv_input *out)
{
  out->code = (uint16_t)(v >> IN_CODE_SHIFT);
  out->fast = (v >> IN_FAST_SHIFT) & 1;
  out->var_header_size = (v >> IN_VHS_SHIFT) & 0x3FF;
  out->rsvd_30_27 = (v >> IN_RSVD0_SHIFT) & 0xF;
  out->nested = (v >> IN_NESTED_SHIFT) & 1;
  out->rep_count = (v >> IN_REPCNT_SHIFT) & 0xFFF;
  out->rsvd_47_44 = (v >> IN_RSVD1_SHIFT) & 0xF;
  out->rep_start = (v >> IN_REPSTART_SHIFT) & 0xFFF;
  out->rsvd_63_60 = (v >> IN_RSVD2_SHIFT) & 0xF;
}

HVX_API int hvx_hv_result_encode(const struct hvx_hv_result *r, uint64_t *out)
{
  const char *w = "hypercall result";

  if (!r || !out)
    return hvx_set_error(EINVAL, "hyperv: hvx_hv_result_encode: NULL "
                         "argument");
  if (field_check(w, "reps_completed", r->reps_completed, 12) < 0 ||
      field_check(w, "rsvd_63_44", r->rsvd_63_44, 20) < 0)
    return -1;
  *out = (uint64_t)r->status |
         (uint64_t)r->rsvd_31_16 << RES_RSVD0_SHIFT |
         (uint64_t)r->reps_completed << RES_REPS_SHIFT |
         (uint64_t)r->rsvd_63_44 << RES_RSVD1_SHIFT;
  return 0;
}

HVX_API void hvx_hv_result_decode(uint64_t v, struct hvx_hv_result *out)
{
  out->status = (uint16_t)v;
  out->rsvd_31_16 = (uint16_t)(v >> RES_RSVD0_SHIFT);
  out->reps_completed = (v >> RES_REPS_SHIFT) & 0xFFF;
  out->rsvd_63_44 = (uint32_t)(v >> RES_RSVD1_SHIFT);
}

/* ---- validation ----------------------------------------------------- */

static unsigned fast_violations(const struct hvx_hv_call *c,
                                const struct hvx_hv_input *in,
                                unsigned features)
{
  unsigned reps = c->cls == HVX_HV_REP ? in->rep_count : 0, v = 0;
  uint64_t ibytes, obytes;

  if (!call_sizes(c, reps, in->var_header_size, &ibytes, &obytes))
    return 0;               /* undocumented sizes: nothing to check */
  if (ibytes > FAST_XMM_BYTES)
    return HVX_HV_BAD_FAST;
  if (ibytes > FAST_REG_BYTES && !(features & HVX_HV_FEAT_XMM_INPUT))
    v |= HVX_HV_BAD_FAST_XMM;
  if (obytes > 0 && (!(features & HVX_HV_FEAT_XMM_OUTPUT) ||
                     obytes > xmm_output_room(ibytes)))
    v |= HVX_HV_BAD_FAST_OUTPUT;
  return v;
}

HVX_API unsigned hvx_hv_input_validate(const struct hvx_hv_input *in,
                                       unsigned features)
{
  const struct hvx_hv_call *c = hvx_hv_call_by_code(in->code);
  unsigned v = 0;

  if (in->rsvd_30_27 || in->rsvd_47_44 || in->rsvd_63_60)
    v |= HVX_HV_BAD_RESERVED;
  if (!c) {
    /* Unknown call: only the rules that do not depend on the call. */
    if ((in->rep_count || in->rep_start) && in->rep_start >= in->rep_count)
      v |= HVX_HV_BAD_REP_START;
    v |= HVX_HV_BAD_CODE;
    if (features & HVX_HV_FEAT_XEN)
      v |= HVX_HV_BAD_XEN;
    return v;
  }
  switch (c->cls) {
  case HVX_HV_SIMPLE:
    if (in->rep_count || in->rep_start)
      v |= HVX_HV_BAD_REP_ON_SIMPLE;
    break;
  case HVX_HV_REP:
    if (in->rep_count == 0)
      v |= HVX_HV_BAD_REP_COUNT_ZERO;
    else if (in->rep_start >= in->rep_count)
      v |= HVX_HV_BAD_REP_START;
    break;
  default:
    if ((in->rep_count || in->rep_start) && in->rep_start >= in->rep_count)
      v |= HVX_HV_BAD_REP_START;
    break;
  }
  /* A call known only by name may or may not take a variable header. */
  if (in->var_header_size && !(c->flags & HVX_HV_CALL_VAR_HEADER) &&
      !(c->flags & HVX_HV_CALL_LINUX_ONLY))
    v |= HVX_HV_BAD_VAR_HEADER;
  if (in->fast)
    v |= fast_violations(c, in, features);
  if (features & HVX_HV_FEAT_XEN) {
    if (!(c->flags & HVX_HV_CALL_XEN))
      v |= HVX_HV_BAD_XEN;
    else if (in->fast && !(c->flags & HVX_HV_CALL_XEN_FAST))
      v |= HVX_HV_BAD_XEN;
  }
  return v;
}

HVX_API unsigned hvx_hv_result_validate(const struct hvx_hv_input *in,
                                        const struct hvx_hv_result *r)
{
  const struct hvx_hv_call *c = hvx_hv_call_by_code(in->code);
  unsigned v = 0;

  if (r->rsvd_31_16 || r->rsvd_63_44)
    v |= HVX_HV_BAD_RESULT_RESERVED;
  if (c && c->cls == HVX_HV_SIMPLE && r->reps_completed)
    v |= HVX_HV_BAD_REPS_DONE;
  else if (r->reps_completed > in->rep_count)
    v |= HVX_HV_BAD_REPS_DONE;
  return v;
}

static const struct {
  unsigned bit;
  const char *name, *text;
} hv_violations[] = {
  { HVX_HV_BAD_CODE, "unknown-call-code",
    "call code not defined (HV_STATUS_INVALID_HYPERCALL_CODE)" },
  { HVX_HV_BAD_RESERVED, "reserved-bits-set",
    "a RsvdZ bit (30:27, 47:44 or 63:60) is set "
    "(HV_STATUS_INVALID_HYPERCALL_INPUT)" },
  { HVX_HV_BAD_REP_ON_SIMPLE, "rep-on-simple-call",
    "rep count or rep start index on a simple call "
    "(HV_STATUS_INVALID_HYPERCALL_INPUT)" },
  { HVX_HV_BAD_REP_COUNT_ZERO, "zero-rep-count",
    "rep call with a rep count of 0 (HV_STATUS_INVALID_HYPERCALL_INPUT)" },
  { HVX_HV_BAD_REP_START, "rep-start-beyond-count",
    "rep start index not below the rep count "
    "(HV_STATUS_INVALID_HYPERCALL_INPUT)" },
  { HVX_HV_BAD_VAR_HEADER, "variable-header-not-accepted",
    "variable header size on a call without a variable header "
    "(HV_STATUS_INVALID_HYPERCALL_INPUT)" },
  { HVX_HV_BAD_FAST, "fast-not-possible",
    "fast convention, but the input is larger than the 112 bytes of "
    "RDX, R8 and XMM0-XMM5" },
  { HVX_HV_BAD_FAST_XMM, "fast-needs-xmm-input",
    "fast input over 16 bytes needs XMM fast input (CPUID 0x40000003 "
    "EDX bit 4), not offered" },
  { HVX_HV_BAD_FAST_OUTPUT, "fast-output-not-possible",
    "fast call with output needs XMM fast output (CPUID 0x40000003 EDX "
    "bit 15) and room after the input" },
  { HVX_HV_BAD_XEN, "not-served-by-xen",
    "Xen's viridian does not serve this call this way "
    "(HV_STATUS_INVALID_HYPERCALL_CODE or _INVALID_PARAMETER)" },
  { HVX_HV_BAD_REPS_DONE, "reps-completed-beyond-count",
    "result reports more reps completed than the input asked for" },
  { HVX_HV_BAD_RESULT_RESERVED, "result-reserved-bits-set",
    "reserved bits of the result value are set (callers must ignore "
    "them)" },
};

/* The name (WHICH 0) or text (1) of violation BIT. */
static const char *hv_violation(unsigned bit, int which)
{
  for (size_t i = 0; i < sizeof hv_violations / sizeof hv_violations[0]; i++)
    if (hv_violations[i].bit == bit)
      return which ? hv_violations[i].text : hv_violations[i].name;
  return NULL;
}

HVX_API const char *hvx_hv_violation_name(unsigned bit)
{
  return hv_violation(bit, 0);
}

HVX_API const char *hvx_hv_violation_text(unsigned bit)
{
  return hv_violation(bit, 1);
}
