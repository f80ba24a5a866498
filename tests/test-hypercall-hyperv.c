/* Hyper-V hypercall input/result values: tables, encode/decode round
 * trips over every field's whole range, and each validation rule. */
#include "testutil.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
  /* xorshift64: fixed seed, so failures repeat */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void random_input(struct hvx_hv_input *in)
{
  hvx_hv_input_decode(rnd(), in);
}

static void assert_input_eq(const struct hvx_hv_input *a,
                            const struct hvx_hv_input *b)
{
  assert_int_equal(a->code, b->code);
  assert_int_equal(a->fast, b->fast);
  assert_int_equal(a->var_header_size, b->var_header_size);
  assert_int_equal(a->rsvd_30_27, b->rsvd_30_27);
  assert_int_equal(a->nested, b->nested);
  assert_int_equal(a->rep_count, b->rep_count);
  assert_int_equal(a->rsvd_47_44, b->rsvd_47_44);
  assert_int_equal(a->rep_start, b->rep_start);
  assert_int_equal(a->rsvd_63_60, b->rsvd_63_60);
}

/* encode(fields) then decode gives the fields back. */
static void roundtrip_fields(const struct hvx_hv_input *in)
{
  struct hvx_hv_input out;
  uint64_t v;

  assert_int_equal(hvx_hv_input_encode(in, &v), 0);
  hvx_hv_input_decode(v, &out);
  assert_input_eq(in, &out);
}

static void test_roundtrip_each_field_full_range(void **state)
{
  struct hvx_hv_input in;
  (void)state;

  for (unsigned v = 0; v <= 0xFFFF; v++) {
    random_input(&in);
    in.code = (uint16_t)v;
    roundtrip_fields(&in);
  }
  for (unsigned v = 0; v < 1024; v++) {
    random_input(&in);
    in.var_header_size = (uint16_t)v;
    roundtrip_fields(&in);
  }
  for (unsigned v = 0; v < 4096; v++) {
    random_input(&in);
    in.rep_count = (uint16_t)v;
    roundtrip_fields(&in);
    in.rep_start = (uint16_t)v;
    roundtrip_fields(&in);
  }
  for (unsigned v = 0; v < 16; v++) {
    random_input(&in);
    in.rsvd_30_27 = (uint8_t)v;
    roundtrip_fields(&in);
    in.rsvd_47_44 = (uint8_t)v;
    roundtrip_fields(&in);
    in.rsvd_63_60 = (uint8_t)v;
    roundtrip_fields(&in);
  }
  for (unsigned v = 0; v < 4; v++) {
    random_input(&in);
    in.fast = v & 1;
    in.nested = v >> 1;
    roundtrip_fields(&in);
  }
}

/* decode(value) then encode gives the value back, for every bit. */
static void test_roundtrip_values(void **state)
{
  struct hvx_hv_input in;
  uint64_t v, w;
  (void)state;

  for (unsigned bit = 0; bit < 64; bit++) {
    v = (uint64_t)1 << bit;
    hvx_hv_input_decode(v, &in);
    assert_int_equal(hvx_hv_input_encode(&in, &w), 0);
    assert_true(v == w);
  }
  for (unsigned i = 0; i < 1000000; i++) {
    v = rnd();
    hvx_hv_input_decode(v, &in);
    assert_int_equal(hvx_hv_input_encode(&in, &w), 0);
    if (v != w)
      fail_msg("0x%016llx decoded and encoded to 0x%016llx",
               (unsigned long long)v, (unsigned long long)w);
  }
}

static void test_field_positions(void **state)
{
  struct hvx_hv_input in;
  (void)state;

  /* The TLFS layout, bit by bit. */
  hvx_hv_input_decode(0x0FFF000000000000ull, &in);
  assert_int_equal(in.rep_start, 0xFFF);
  assert_int_equal(in.rsvd_63_60, 0);
  hvx_hv_input_decode(0x00000FFF00000000ull, &in);
  assert_int_equal(in.rep_count, 0xFFF);
  assert_int_equal(in.rsvd_47_44, 0);
  hvx_hv_input_decode(0x80000000ull, &in);
  assert_true(in.nested);
  assert_int_equal(in.rsvd_30_27, 0);
  hvx_hv_input_decode(0x78000000ull, &in);
  assert_int_equal(in.rsvd_30_27, 0xF);
  hvx_hv_input_decode(0x07FE0000ull, &in);
  assert_int_equal(in.var_header_size, 0x3FF);
  assert_false(in.fast);
  hvx_hv_input_decode(0x10000ull, &in);
  assert_true(in.fast);
  assert_int_equal(in.code, 0);
  hvx_hv_input_decode(0xF000F00000000000ull, &in);
  assert_int_equal(in.rsvd_63_60, 0xF);
  assert_int_equal(in.rsvd_47_44, 0xF);
  assert_int_equal(in.rep_count, 0);
  assert_int_equal(in.rep_start, 0);
}

static void test_encode_rejects_wide_fields(void **state)
{
  struct hvx_hv_input in = { 0 };
  uint64_t v = 0xAA;
  (void)state;

  in.rep_count = 0x1000;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "rep_count value 0x1000 does not fit in 12 bits");
  assert_true(v == 0xAA);
  in.rep_count = 0;
  in.rep_start = 0x1000;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "rep_start");
  in.rep_start = 0;
  in.var_header_size = 0x400;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "var_header_size value 0x400 does not fit in 10");
  in.var_header_size = 0;
  in.rsvd_30_27 = 0x10;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "rsvd_30_27");
  in.rsvd_30_27 = 0;
  in.rsvd_47_44 = 0x10;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "rsvd_47_44");
  in.rsvd_47_44 = 0;
  in.rsvd_63_60 = 0x10;
  assert_int_equal(hvx_hv_input_encode(&in, &v), -1);
  assert_hvx_error(EINVAL, "rsvd_63_60");
}

static void test_result_roundtrip(void **state)
{
  struct hvx_hv_result r, r2;
  uint64_t v, w;
  (void)state;

  for (unsigned i = 0; i < 200000; i++) {
    v = rnd();
    hvx_hv_result_decode(v, &r);
    assert_int_equal(hvx_hv_result_encode(&r, &w), 0);
    assert_true(v == w);
  }
  for (unsigned reps = 0; reps < 4096; reps++) {
    r.status = (uint16_t)rnd();
    r.rsvd_31_16 = (uint16_t)rnd();
    r.reps_completed = (uint16_t)reps;
    r.rsvd_63_44 = (uint32_t)(rnd() & 0xFFFFF);
    assert_int_equal(hvx_hv_result_encode(&r, &w), 0);
    hvx_hv_result_decode(w, &r2);
    assert_int_equal(r2.status, r.status);
    assert_int_equal(r2.rsvd_31_16, r.rsvd_31_16);
    assert_int_equal(r2.reps_completed, reps);
    assert_int_equal(r2.rsvd_63_44, r.rsvd_63_44);
  }
  r.reps_completed = 0x1000;
  assert_int_equal(hvx_hv_result_encode(&r, &w), -1);
  assert_hvx_error(EINVAL, "reps_completed");
  r.reps_completed = 0;
  r.rsvd_63_44 = 0x100000;
  assert_int_equal(hvx_hv_result_encode(&r, &w), -1);
  assert_hvx_error(EINVAL, "rsvd_63_44");
}

static unsigned check(uint64_t value, unsigned features)
{
  struct hvx_hv_input in;
  hvx_hv_input_decode(value, &in);
  return hvx_hv_input_validate(&in, features);
}

#define XMM (HVX_HV_FEAT_XMM_INPUT | HVX_HV_FEAT_XMM_OUTPUT)
#define REPS(n) ((uint64_t)(n) << 32)
#define START(n) ((uint64_t)(n) << 48)
#define VHS(n) ((uint64_t)(n) << 17)
#define FAST (1ull << 16)

static void test_validate_valid_calls(void **state)
{
  (void)state;
  /* simple, rep, variable header, fast register/XMM, nested */
  assert_int_equal(check(0x0002, 0), 0);
  assert_int_equal(check(0x0003 | REPS(5), 0), 0);
  assert_int_equal(check(0x0003 | REPS(5) | START(4), 0), 0);
  assert_int_equal(check(0x0013 | VHS(3), 0), 0);
  assert_int_equal(check(0x0014 | VHS(2) | REPS(7) | START(3), 0), 0);
  assert_int_equal(check(0x005D | FAST, 0), 0);            /* 8 bytes */
  assert_int_equal(check(0x000B | FAST, 0), 0);            /* 16 bytes */
  assert_int_equal(check(0x0002 | FAST, XMM), 0);          /* 24 bytes */
  assert_int_equal(check(0x0003 | FAST | REPS(11), XMM), 0); /* 24+88 */
  assert_int_equal(check(0x0044 | FAST, XMM), 0);  /* 16 in, 8 out */
  assert_int_equal(check(0x005C | (1ull << 31), 0), 0);   /* nested */
  assert_int_equal(check(0x8001, 0), 0);
}

static void test_validate_each_rule(void **state)
{
  (void)state;
  assert_int_equal(check(0x7777, 0), HVX_HV_BAD_CODE);
  assert_int_equal(check(0x0002 | (1ull << 27), 0), HVX_HV_BAD_RESERVED);
  assert_int_equal(check(0x0002 | (1ull << 44), 0), HVX_HV_BAD_RESERVED);
  assert_int_equal(check(0x0002 | (1ull << 63), 0), HVX_HV_BAD_RESERVED);
  assert_int_equal(check(0x0002 | REPS(1), 0), HVX_HV_BAD_REP_ON_SIMPLE);
  assert_int_equal(check(0x0002 | START(1), 0), HVX_HV_BAD_REP_ON_SIMPLE);
  assert_int_equal(check(0x0003, 0), HVX_HV_BAD_REP_COUNT_ZERO);
  assert_int_equal(check(0x0003 | REPS(4) | START(4), 0),
                   HVX_HV_BAD_REP_START);
  assert_int_equal(check(0x0003 | REPS(4) | START(0xFFF), 0),
                   HVX_HV_BAD_REP_START);
  assert_int_equal(check(0x0002 | VHS(1), 0), HVX_HV_BAD_VAR_HEADER);
  /* PostMessage's 256-byte input cannot be fast at all */
  assert_int_equal(check(0x005C | FAST, XMM), HVX_HV_BAD_FAST);
  /* 24 bytes need XMM fast input */
  assert_int_equal(check(0x0002 | FAST, 0), HVX_HV_BAD_FAST_XMM);
  assert_int_equal(check(0x0002 | FAST, HVX_HV_FEAT_XMM_INPUT), 0);
  /* 24 + 12*8 = 120 bytes: too many reps for the registers */
  assert_int_equal(check(0x0003 | FAST | REPS(12), XMM), HVX_HV_BAD_FAST);
  /* a variable header counts too: 32 + 11*8 = 120 */
  assert_int_equal(check(0x0013 | FAST | VHS(11), XMM), HVX_HV_BAD_FAST);
  assert_int_equal(check(0x0013 | FAST | VHS(10), XMM), 0);
  /* output needs XMM output ... */
  assert_int_equal(check(0x0044 | FAST, HVX_HV_FEAT_XMM_INPUT),
                   HVX_HV_BAD_FAST_OUTPUT);
  /* ... and room: 24 bytes in (32 used), 4104 out */
  assert_int_equal(check(0x00E5 | FAST, XMM), HVX_HV_BAD_FAST_OUTPUT);
  /* Xen serves only a few calls, and the flushes not fast */
  assert_int_equal(check(0x005C, HVX_HV_FEAT_XEN), HVX_HV_BAD_XEN);
  assert_int_equal(check(0x0002, HVX_HV_FEAT_XEN), 0);
  assert_int_equal(check(0x0002 | FAST, XMM | HVX_HV_FEAT_XEN),
                   HVX_HV_BAD_XEN);
  assert_int_equal(check(0x000B | FAST, HVX_HV_FEAT_XEN), 0);
  /* several at once */
  assert_int_equal(check(0x0002 | REPS(2) | VHS(1) | (1ull << 30), 0),
                   HVX_HV_BAD_REP_ON_SIMPLE | HVX_HV_BAD_VAR_HEADER |
                   HVX_HV_BAD_RESERVED);
  /* an unknown code still gets the call-independent checks */
  assert_int_equal(check(0x7777 | REPS(1) | START(2), 0),
                   HVX_HV_BAD_CODE | HVX_HV_BAD_REP_START);
  /* a Linux-only code: class unknown, so rep fields are only checked
   * for consistency and a variable header is not refused */
  assert_int_equal(check(0x0046 | VHS(1), 0), 0);
  assert_int_equal(check(0x0046 | REPS(2) | START(1), 0), 0);
}

static void test_validate_result(void **state)
{
  struct hvx_hv_input in;
  struct hvx_hv_result r;
  (void)state;

  hvx_hv_input_decode(0x0003 | REPS(10) | START(5), &in);
  hvx_hv_result_decode(REPS(10), &r);
  assert_int_equal(hvx_hv_result_validate(&in, &r), 0);
  hvx_hv_result_decode(REPS(11), &r);
  assert_int_equal(hvx_hv_result_validate(&in, &r), HVX_HV_BAD_REPS_DONE);
  hvx_hv_result_decode(0x10000, &r);
  assert_int_equal(hvx_hv_result_validate(&in, &r),
                   HVX_HV_BAD_RESULT_RESERVED);
  hvx_hv_input_decode(0x0002, &in);
  hvx_hv_result_decode(REPS(1), &r);
  assert_int_equal(hvx_hv_result_validate(&in, &r), HVX_HV_BAD_REPS_DONE);
}

static void test_violation_names(void **state)
{
  (void)state;
  for (unsigned bit = 1; bit <= HVX_HV_BAD_RESULT_RESERVED; bit <<= 1) {
    assert_non_null(hvx_hv_violation_name(bit));
    assert_non_null(hvx_hv_violation_text(bit));
  }
  assert_null(hvx_hv_violation_name(HVX_HV_BAD_RESULT_RESERVED << 1));
  assert_string_equal(hvx_hv_violation_name(HVX_HV_BAD_REP_START),
                      "rep-start-beyond-count");
}

static void test_tables(void **state)
{
  size_t n;
  const struct hvx_hv_call *c = hvx_hv_calls(&n);
  const struct hvx_hv_status *s;
  const struct hvx_hv_msr *m;
  const struct hvx_hv_cpuid_bit *b;
  (void)state;

  assert_true(n > 60);
  for (size_t i = 0; i < n; i++) {
    if (i)
      assert_true(c[i - 1].code < c[i].code);
    assert_ptr_equal(hvx_hv_call_by_code(c[i].code), &c[i]);
    assert_ptr_equal(hvx_hv_call_by_name(c[i].name), &c[i]);
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(c[j].name, c[i].name);
    assert_true(c[i].cls <= HVX_HV_CLASS_UNKNOWN);
    /* an element size only makes sense on a rep call */
    if (c[i].cls == HVX_HV_SIMPLE)
      assert_true(c[i].in_elem == 0 && c[i].out_elem == 0);
  }
  assert_null(hvx_hv_call_by_code(0x7777));
  assert_int_equal(hvx_hv_call_by_name("postmessage")->code, 0x5C);
  assert_int_equal(hvx_hv_call_by_name("QueryCapabilities")->code, 0x8001);
  assert_null(hvx_hv_call_by_name("Nope"));
  assert_null(hvx_hv_call_by_name(NULL));

  assert_int_equal(hvx_hv_call_fast(hvx_hv_call_by_code(0x5C)),
                   HVX_HV_FAST_NONE);
  assert_int_equal(hvx_hv_call_fast(hvx_hv_call_by_code(0x5D)),
                   HVX_HV_FAST_REG);
  assert_int_equal(hvx_hv_call_fast(hvx_hv_call_by_code(0x02)),
                   HVX_HV_FAST_XMM);
  assert_int_equal(hvx_hv_call_fast(hvx_hv_call_by_code(0x01)),
                   HVX_HV_FAST_UNKNOWN);
  assert_int_equal(hvx_hv_call_fast(NULL), HVX_HV_FAST_UNKNOWN);

  s = hvx_hv_statuses(&n);
  for (size_t i = 1; i < n; i++)
    assert_true(s[i - 1].code < s[i].code);
  assert_string_equal(hvx_hv_status_name(3),
                      "HV_STATUS_INVALID_HYPERCALL_INPUT");
  assert_null(hvx_hv_status_name(0xFFFF));

  m = hvx_hv_msrs(&n);
  for (size_t i = 1; i < n; i++)
    assert_true(m[i - 1].index < m[i].index);
  assert_string_equal(hvx_hv_msr_by_index(0x40000105)->name,
                      "HV_X64_MSR_CRASH_CTL");
  assert_string_equal(hvx_hv_msr_by_index(0x400000B7)->name,
                      "HV_X64_MSR_STIMER3_COUNT");
  assert_null(hvx_hv_msr_by_index(0x40000004));

  /* named CPUID bits: no two overlap, all inside their register */
  b = hvx_hv_cpuid_bits(&n);
  for (size_t i = 0; i < n; i++) {
    assert_true(b[i].leaf >= 0x40000000u && b[i].leaf <= 0x4000000Au);
    assert_true(b[i].reg < 4 && b[i].width >= 1);
    assert_true(b[i].bit + b[i].width <= 32);
    for (size_t j = 0; j < i; j++)
      if (b[j].leaf == b[i].leaf && b[j].reg == b[i].reg)
        assert_true(b[j].bit + b[j].width <= b[i].bit ||
                    b[i].bit + b[i].width <= b[j].bit);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_roundtrip_each_field_full_range),
    cmocka_unit_test(test_roundtrip_values),
    cmocka_unit_test(test_field_positions),
    cmocka_unit_test(test_encode_rejects_wide_fields),
    cmocka_unit_test(test_result_roundtrip),
    cmocka_unit_test(test_validate_valid_calls),
    cmocka_unit_test(test_validate_each_rule),
    cmocka_unit_test(test_validate_result),
    cmocka_unit_test(test_violation_names),
    cmocka_unit_test(test_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
