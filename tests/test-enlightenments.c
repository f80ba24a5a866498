/* The enlightenment map: xl/libxl semantics (checked against the HVMPV_*
 * bits of the installed Xen headers), QEMU and libvirt parsing, the
 * compatibility report, and format -> parse round trips. */
#include "testutil.h"
#include "enlightenment-internal.h"

#if __has_include(<xen/hvm/params.h>)
#include <xen/xen.h>
#include <xen/hvm/params.h>
#define HAVE_XEN_HEADERS 1
#endif

#define B(f) HVX_ENL_BIT(HVX_ENL_##f)

static struct hvx_enl_config parse_ok(unsigned vocab, const char *text)
{
  struct hvx_enl_config c;

  if (hvx_enl_parse(vocab, text, &c) < 0)
    fail_msg("parsing '%s': %s", text, hvx_error());
  return c;
}

static void parse_fails(unsigned vocab, const char *text, int err,
                        const char *msg)
{
  struct hvx_enl_config c;

  if (hvx_enl_parse(vocab, text, &c) != -1)
    fail_msg("'%s' parsed", text);
  assert_hvx_error(err, msg);
}

static void test_table(void **state)
{
  (void)state;
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const struct hvx_enl_info *e = hvx_enl_info(f);
    assert_non_null(e);
    assert_int_equal(hvx_enl_by_name(e->name), (int)f);
    /* dependencies point backwards-free: no feature needs itself */
    assert_false(e->requires & HVX_ENL_BIT(f));
    /* a vocabulary that cannot express a feature says why */
    if (!e->xl)
      assert_non_null(e->xl_note);
    if (!e->qemu || !e->libvirt)
      assert_non_null(e->qemu_note);
  }
  assert_null(hvx_enl_info(HVX_ENL_COUNT));
  assert_int_equal(hvx_enl_by_name("STIMER_DIRECT"), HVX_ENL_STIMER_DIRECT);
  assert_int_equal(hvx_enl_by_name("nope"), -1);
  assert_true(hvx_enl_closure(B(STIMER)) ==
              (B(STIMER) | B(SYNIC) | B(TIME_REF_COUNT) | B(VPINDEX)));
  assert_string_equal(hvx_xl_group_name(12), "cpu_hotplug");
  assert_null(hvx_xl_group_name(13));
  assert_int_equal(hvx_vocab_by_name("libvirt"), HVX_VOCAB_LIBVIRT);
  assert_int_equal(hvx_vocab_by_name("vmware"), -1);
  assert_string_equal(hvx_enl_status_name(HVX_ENL_MISSING), "missing");
}

/* Every name the map uses is a token of its vocabulary, and every token
 * provides something: neither list can drift from the other. */
static void test_tokens_match_map(void **state)
{
  static const unsigned vocabs[] = {
    HVX_VOCAB_XL, HVX_VOCAB_QEMU, HVX_VOCAB_LIBVIRT
  };
  (void)state;

  for (size_t v = 0; v < 3; v++) {
    size_t n;
    const char *const *t = hvx_vocab_tokens(vocabs[v], &n);

    assert_true(n > 0 && n <= 64);
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
      const char *alts = hvx_enl_row_field(f, vocabs[v]);
      char word[HVX_ENL_MAX_WORD];
      if (!alts || !strcmp(alts, "*"))
        continue;
      while (*alts) {
        size_t len = strcspn(alts, "|");
        assert_true(len < sizeof word);
        memcpy(word, alts, len);
        word[len] = '\0';
        if (hvx_token_index(vocabs[v], word) < 0)
          fail_msg("%s: '%s' of %s is not a token", hvx_vocab_name(vocabs[v]),
                   word, hvx_enl_info(f)->name);
        alts += len + (alts[len] == '|');
      }
    }
    for (size_t i = 0; i < n; i++)
      if (!hvx_token_provides(vocabs[v], t[i]))
        fail_msg("%s token '%s' provides nothing", hvx_vocab_name(vocabs[v]),
                 t[i]);
  }
}

/* libxl's group -> HVM_PARAM_VIRIDIAN mapping, in the header's bits. */
static void test_xl_mask(void **state)
{
#ifdef HAVE_XEN_HEADERS
  struct hvx_enl_config c;
  (void)state;

  c = parse_ok(HVX_VOCAB_XL, "viridian = 1");
  assert_int_equal(c.viridian_mask,
                   HVMPV_base_freq | HVMPV_time_ref_count |
                   HVMPV_apic_assist | HVMPV_crash_ctl | HVMPV_no_vp_limit |
                   HVMPV_cpu_hotplug);
  c = parse_ok(HVX_VOCAB_XL, "viridian = [ \"base\", \"stimer\" ]");
  assert_int_equal(c.viridian_mask,
                   HVMPV_base_freq | HVMPV_no_freq | HVMPV_time_ref_count |
                   HVMPV_synic | HVMPV_stimer);
  c = parse_ok(HVX_VOCAB_XL, "viridian=['all']");
  assert_int_equal(c.viridian_mask, HVMPV_feature_mask & ~HVMPV_no_freq);
  c = parse_ok(HVX_VOCAB_XL, "base, hcall_remote_tlb_flush, hcall_ipi, "
               "ex_processor_masks, reference_tsc");
  assert_int_equal(c.viridian_mask,
                   HVMPV_base_freq | HVMPV_no_freq |
                   HVMPV_hcall_remote_tlb_flush | HVMPV_hcall_ipi |
                   HVMPV_ex_processor_masks | HVMPV_reference_tsc);
#else
  (void)state;
  skip();
#endif
}

static void test_xl_semantics(void **state)
{
  struct hvx_enl_config c;
  (void)state;

  c = parse_ok(HVX_VOCAB_XL, "viridian = 0");
  assert_true(c.set == 0 && c.viridian_mask == 0 && c.xl_groups == 0);
  c = parse_ok(HVX_VOCAB_XL, "viridian = []");
  assert_true(c.set == 0);
  c = parse_ok(HVX_VOCAB_XL, "viridian = [ \"defaults\", \"!crash_ctl\" ] "
               "# comment");
  assert_false(c.set & B(CRASH));
  assert_true(c.set & B(NO_VP_LIMIT));
  assert_int_equal(c.spinlock_retries, 2047);
  /* "!x" then "x": the later one wins, as in xl */
  c = parse_ok(HVX_VOCAB_XL, "base,!freq,freq");
  assert_true(c.set & B(FREQUENCIES));
  /* stimer brings synic and time_ref_count with it (libxl) */
  c = parse_ok(HVX_VOCAB_XL, "base,stimer");
  assert_true((c.set & (B(SYNIC) | B(TIME_REF_COUNT) | B(STIMER))) ==
              (B(SYNIC) | B(TIME_REF_COUNT) | B(STIMER)));
  assert_false(c.set & B(FREQUENCIES));
  /* Xen never offers these */
  c = parse_ok(HVX_VOCAB_XL, "all");
  assert_false(c.set & (B(VP_RUNTIME) | B(RESET) | B(SYNIC_MESSAGES) |
                        B(STIMER_DIRECT) | B(FREQUENCIES_EDX)));

  parse_fails(HVX_VOCAB_XL, "viridian = [ \"freq\" ]", EINVAL,
              "base group not enabled");
  parse_fails(HVX_VOCAB_XL, "[\"!synic\", \"all\"]", EINVAL,
              "group 'synic' both enabled and disabled");
  parse_fails(HVX_VOCAB_XL, "[\"base\", \"turbo\"]", EINVAL,
              "unknown viridian enlightenment 'turbo'");
  parse_fails(HVX_VOCAB_XL, "viridian = [ base ]", EINVAL,
              "must be quoted strings");
  parse_fails(HVX_VOCAB_XL, "viridian = [ \"base\" ] junk", EINVAL,
              "unexpected 'junk'");
  parse_fails(HVX_VOCAB_XL, "viridian = [ \"base\"", EINVAL, "without ']'");
  parse_fails(HVX_VOCAB_XL, "viridian [\"base\"]", EINVAL, "expected '='");
  parse_fails(HVX_VOCAB_XL, "viridian = 1x", EINVAL, "neither a number");
  parse_fails(HVX_VOCAB_XL, "[\"base]", EINVAL, "unterminated quote");
}

static void test_qemu(void **state)
{
  struct hvx_enl_config c;
  (void)state;

  c = parse_ok(HVX_VOCAB_QEMU, "-cpu Skylake-Server,+vmx,hv_relaxed,"
               "hv-vapic=on,hv_time,hv-vpindex,hv-synic,hv-stimer,"
               "hv-spinlocks=0x1fff,hv-vendor-id=KVMKVMKVM,hv-crash=off");
  assert_true(c.set & B(STIMER));
  assert_true(c.set & B(HYPERCALL));      /* any hv-* flag */
  assert_false(c.set & B(CRASH));
  assert_int_equal(c.spinlock_retries, 0x1fff);
  c = parse_ok(HVX_VOCAB_QEMU, "host,hv-spinlocks=0xffffffff");
  assert_true(c.set == 0);                /* "never notify" */
  c = parse_ok(HVX_VOCAB_QEMU, "host,+vmx");
  assert_true(c.set == 0);
  c = parse_ok(HVX_VOCAB_QEMU, "host,-hv-relaxed,+hv-reset");
  assert_true(c.set & B(RESET));
  assert_false(c.set & B(RELAXED));

  parse_fails(HVX_VOCAB_QEMU, "host,hv-stimer,hv-time,hv-vpindex", EINVAL,
              "qemu: hv-stimer requires hv-synic");
  parse_fails(HVX_VOCAB_QEMU, "hv-synic", EINVAL,
              "hv-synic requires hv-vpindex");
  parse_fails(HVX_VOCAB_QEMU, "hv-evmcs", EINVAL, "requires hv-vapic");
  parse_fails(HVX_VOCAB_QEMU, "hv-tlbflush-ext,hv-vpindex", EINVAL,
              "hv-tlbflush-ext requires hv-tlbflush");
  parse_fails(HVX_VOCAB_QEMU, "host,hv-passthrough", ENOTSUP,
              "hv-passthrough");
  parse_fails(HVX_VOCAB_QEMU, "hv-turbo", EINVAL,
              "unknown Hyper-V flag 'hv-turbo'");
  parse_fails(HVX_VOCAB_QEMU, "hv-relaxed=maybe", EINVAL,
              "bad value 'maybe' for hv-relaxed");
  parse_fails(HVX_VOCAB_QEMU, "hv-spinlocks", EINVAL,
              "hv-spinlocks needs a retry count");
  parse_fails(HVX_VOCAB_QEMU, "hv-no-nonarch-coresharing=auto", ENOTSUP,
              "depends on the host");
}

static void test_libvirt(void **state)
{
  struct hvx_enl_config c;
  (void)state;

  c = parse_ok(HVX_VOCAB_LIBVIRT,
               "<features><hyperv mode='custom'>\n"
               "  <relaxed state='on'/>\n"
               "  <!-- a comment <with> tags -->\n"
               "  <vapic state=\"on\"/>\n"
               "  <spinlocks state='on' retries='8191'/>\n"
               "  <vpindex state='on'/>\n"
               "  <synic state='on'/>\n"
               "  <stimer state='on'><direct state='on'/></stimer>\n"
               "  <tlbflush state='on'>\n"
               "    <direct state='on'/><extended state='off'/>\n"
               "  </tlbflush>\n"
               "  <vendor_id state='on' value='KVM Hv'/>\n"
               "  <reset state='off'/>\n"
               "</hyperv></features>\n"
               "<clock><timer name='hypervclock' present='yes'/></clock>\n"
               "<devices><panic model='hyperv'/></devices>");
  assert_true(c.set & B(STIMER_DIRECT));
  assert_true(c.set & B(TLBFLUSH_DIRECT));
  assert_false(c.set & B(TLBFLUSH_EXT));
  assert_false(c.set & B(RESET));
  assert_true(c.set & B(CRASH));
  assert_true(c.set & B(TIME_REF_COUNT));
  assert_int_equal(c.spinlock_retries, 8191);
  /* a child of an element that is off does not count */
  c = parse_ok(HVX_VOCAB_LIBVIRT, "<hyperv><vpindex state='on'/>"
               "<tlbflush state='off'><extended state='on'/></tlbflush>"
               "</hyperv>");
  assert_false(c.set & B(TLBFLUSH_EXT));
  /* the list form */
  c = parse_ok(HVX_VOCAB_LIBVIRT, "relaxed, vapic, spinlocks=4095, "
               "hypervclock");
  assert_true(c.set & B(REFERENCE_TSC));
  assert_int_equal(c.spinlock_retries, 4095);

  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv mode='passthrough'/>", ENOTSUP,
              "passthrough");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><turbo state='on'/></hyperv>",
              EINVAL, "unknown Hyper-V feature <turbo>");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><relaxed/></hyperv>", EINVAL,
              "<relaxed> has no state attribute");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><relaxed state='maybe'/></hyperv>",
              EINVAL, "neither on nor off");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><spinlocks state='on'/></hyperv>",
              EINVAL, "needs retries='N'");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><relaxed state='on></hyperv>",
              EINVAL, "bad attribute value");
  parse_fails(HVX_VOCAB_LIBVIRT, "<hyperv><synic state='on'/></hyperv>",
              EINVAL, "libvirt: synic requires vpindex");
  parse_fails(HVX_VOCAB_LIBVIRT, "<!-- never closed", EINVAL,
              "unterminated");
  parse_fails(HVX_VOCAB_LIBVIRT, "spinlocks", EINVAL,
              "spinlocks needs a retry count");
  parse_fails(HVX_VOCAB_LIBVIRT, "hv-relaxed", EINVAL,
              "unknown Hyper-V feature <hv-relaxed>");
}

static void test_hv_names(void **state)
{
  struct hvx_enl_config c;
  (void)state;

  c = parse_ok(HVX_VOCAB_HV, "stimer tlbflush spinlocks=2047");
  assert_true(c.set == (B(STIMER) | B(SYNIC) | B(TIME_REF_COUNT) |
                        B(VPINDEX) | B(TLBFLUSH) | B(SPINLOCKS)));
  assert_int_equal(c.spinlock_retries, 2047);
  parse_fails(HVX_VOCAB_HV, "warp-drive", EINVAL,
              "unknown Hyper-V feature 'warp-drive'");
  parse_fails(HVX_VOCAB_HV, "stimer=3", EINVAL, "bad value '3'");
  parse_fails(HVX_VOCAB_CPUID, "x", EINVAL, "cannot be parsed from text");
  parse_fails(HVX_VOCAB_HV, NULL, EINVAL, "no text");
  parse_fails(99, "x", EINVAL, "vocabulary 99");
}

static const struct hvx_enl_item *item(const struct hvx_enl_report *r,
                                       unsigned f)
{
  for (size_t i = 0; i < r->n_items; i++)
    if (r->items[i].feature == f)
      return &r->items[i];
  return NULL;
}

static void test_compat_report(void **state)
{
  struct hvx_enl_config src;
  struct hvx_enl_report r;
  (void)state;

  /* A KVM guest with the usual Windows flags, going to Xen. */
  src = parse_ok(HVX_VOCAB_QEMU, "hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,"
                 "hv-vpindex,hv-runtime,hv-time,hv-synic,hv-stimer,"
                 "hv-stimer-direct,hv-frequencies,hv-tlbflush,hv-ipi");
  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_XL, &r), 0);
  assert_string_equal(r.config, "viridian = [ \"base\", \"freq\", "
                      "\"time_ref_count\", \"reference_tsc\", "
                      "\"hcall_remote_tlb_flush\", \"apic_assist\", "
                      "\"synic\", \"stimer\", \"hcall_ipi\", "
                      "\"ex_processor_masks\", \"no_vp_limit\", "
                      "\"cpu_hotplug\" ]");
  assert_int_equal(item(&r, HVX_ENL_VP_RUNTIME)->status, HVX_ENL_MISSING);
  assert_non_null(strstr(item(&r, HVX_ENL_VP_RUNTIME)->reason,
                         "VP_RUNTIME"));
  assert_int_equal(item(&r, HVX_ENL_STIMER_DIRECT)->status,
                   HVX_ENL_MISSING);
  assert_int_equal(item(&r, HVX_ENL_SYNIC_MESSAGES)->status,
                   HVX_ENL_MISSING);
  assert_int_equal(item(&r, HVX_ENL_FREQUENCIES_EDX)->status,
                   HVX_ENL_MISSING);
  assert_int_equal(item(&r, HVX_ENL_STIMER)->status, HVX_ENL_PROVIDED);
  assert_non_null(strstr(item(&r, HVX_ENL_STIMER)->reason, "'stimer'"));
  assert_int_equal(item(&r, HVX_ENL_SINT_POLLING)->status, HVX_ENL_ADDED);
  assert_null(item(&r, HVX_ENL_CRASH));
  /* the suggested line parses back to what the report says it gives */
  {
    struct hvx_enl_config back = parse_ok(HVX_VOCAB_XL, r.config);
    assert_true(back.set == r.target.set);
    assert_int_equal(back.viridian_mask, r.target.viridian_mask);
  }

  /* Xen defaults going to libvirt and QEMU. */
  src = parse_ok(HVX_VOCAB_XL, "viridian = 1");
  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_QEMU, &r), 0);
  assert_string_equal(r.config, "hv-relaxed,hv-vapic,hv-spinlocks=0xfff,"
                      "hv-vpindex,hv-crash,hv-time,hv-frequencies");
  for (size_t i = 0; i < r.n_items; i++)
    assert_int_not_equal(r.items[i].status, HVX_ENL_MISSING);
  assert_non_null(strstr(item(&r, HVX_ENL_SPINLOCKS)->reason, "2047"));
  assert_int_equal(item(&r, HVX_ENL_REFERENCE_TSC)->status, HVX_ENL_ADDED);

  /* Nothing in, nothing out. */
  src.set = 0;
  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_XL, &r), 0);
  assert_string_equal(r.config, "viridian = 0");
  assert_int_equal(r.n_items, 0);
  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_LIBVIRT, &r), 0);
  assert_string_equal(r.config, "");

  /* Only the hypercall MSRs still needs one flag. */
  src.set = B(HYPERCALL);
  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_QEMU, &r), 0);
  assert_string_equal(r.config, "hv-relaxed");

  assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_CPUID, &r), -1);
  assert_hvx_error(EINVAL, "cannot write a configuration");
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* For random feature sets: compat(S, V) writes a config whose parse gives
 * exactly the set the report claims, which covers every feature V can
 * express, and nothing of S is lost without a "missing" item. */
static void test_roundtrip_random_sets(void **state)
{
  static const unsigned vocabs[] = {
    HVX_VOCAB_XL, HVX_VOCAB_QEMU, HVX_VOCAB_LIBVIRT, HVX_VOCAB_HV
  };
  struct hvx_enl_report r;
  (void)state;

  for (unsigned i = 0; i < 3000; i++) {
    struct hvx_enl_config src = { 0 };
    unsigned v = vocabs[i % 4];

    src.set = rnd() & ((HVX_ENL_BIT(HVX_ENL_COUNT)) - 1);
    src.spinlock_retries = (uint32_t)rnd();
    if (src.spinlock_retries == 0xFFFFFFFFu || src.spinlock_retries == 0)
      src.spinlock_retries = 5000;
    assert_int_equal(hvx_enl_compat(&src, v, &r), 0);
    {
      struct hvx_enl_config back = parse_ok(v, r.config);
      if (back.set != r.target.set)
        fail_msg("%s: '%s' parses to %#llx, report says %#llx",
                 hvx_vocab_name(v), r.config,
                 (unsigned long long)back.set,
                 (unsigned long long)r.target.set);
      if (r.target.set & B(SPINLOCKS))
        assert_int_equal(back.spinlock_retries, r.target.spinlock_retries);
    }
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
      const struct hvx_enl_item *it = item(&r, f);
      bool in_src = src.set & HVX_ENL_BIT(f);
      bool in_tgt = r.target.set & HVX_ENL_BIT(f);
      if (!in_src && !in_tgt) {
        assert_null(it);
        continue;
      }
      assert_non_null(it);
      if (v == HVX_VOCAB_HV)
        continue;
      assert_int_equal(it->status, !in_src ? HVX_ENL_ADDED
                       : in_tgt ? HVX_ENL_PROVIDED : HVX_ENL_MISSING);
    }
  }
}

/* Random text in every vocabulary: parsed or refused, never a crash
 * (run under ASan/UBSan in the sanitizer build). */
static void test_random_text(void **state)
{
  static const char alphabet[] = "<>/='\"[]!,# \nabcdehilmnoprstuvxy-_019";
  char buf[128];
  (void)state;

  for (unsigned i = 0; i < 40000; i++) {
    size_t len = rnd() % (sizeof buf - 1);
    struct hvx_enl_config c;
    for (size_t k = 0; k < len; k++)
      buf[k] = alphabet[rnd() % (sizeof alphabet - 1)];
    buf[len] = '\0';
    if (hvx_enl_parse(i % 4, buf, &c) == 0)
      assert_true((c.set >> HVX_ENL_COUNT) == 0);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_random_text),
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_tokens_match_map),
    cmocka_unit_test(test_xl_mask),
    cmocka_unit_test(test_xl_semantics),
    cmocka_unit_test(test_qemu),
    cmocka_unit_test(test_libvirt),
    cmocka_unit_test(test_hv_names),
    cmocka_unit_test(test_compat_report),
    cmocka_unit_test(test_roundtrip_random_sets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
