/* CPUID dumps and hypervisor detection over recorded and synthesized
 * dumps (tests/data/cpuid/), plus dump-parsing errors. */
#include "testutil.h"

static const char *data(const char *name)
{
  static char buf[4][512];
  static int next;
  const char *top = getenv("top_srcdir");
  char *p = buf[next++ % 4];

  snprintf(p, 512, "%s/tests/data/cpuid/%s", top ? top : "..", name);
  return p;
}

static void detect_file(const char *name, struct hvx_detect *d)
{
  struct hvx_cpuid_dump dump;

  if (hvx_cpuid_dump_read(data(name), &dump) < 0)
    fail_msg("%s: %s", name, hvx_error());
  hvx_detect_from_dump(&dump, d);
  hvx_cpuid_dump_free(&dump);
}

static hvx_enl_set F(int f)
{
  return HVX_ENL_BIT(f);
}

static void test_kvm_recorded(void **state)
{
  struct hvx_detect d;
  (void)state;

  detect_file("kvm.txt", &d);
  assert_true(d.have_leaf1 && d.hypervisor_bit);
  assert_int_equal(d.n_sigs, 1);
  assert_int_equal(d.sigs[0].base, 0x40000000);
  assert_string_equal(d.sigs[0].id, "KVMKVMKVM");
  assert_string_equal(d.sigs[0].vendor, "kvm");
  assert_int_equal(d.linux_choice, 0);
  assert_false(d.hv);
  assert_false(d.xen);
  assert_true(d.kvm);
  assert_int_equal(d.kvm_base, 0x40000000);
  assert_int_equal(d.kvm_features, 0x01007efb);
}

static void test_hyperv(void **state)
{
  struct hvx_detect d;
  struct hvx_enl_config c;
  (void)state;

  detect_file("hyperv.txt", &d);
  assert_int_equal(d.n_sigs, 1);
  assert_string_equal(d.sigs[0].vendor, "microsoft");
  assert_int_equal(d.sigs[0].max_leaf, 0x4000000A);
  assert_true(d.hv);
  assert_int_equal(d.hv_base, 0x40000000);
  assert_int_equal(d.hv_regs[2][0], 17763);
  assert_int_equal(d.hv_regs[4][1], 0xfff);
  assert_false(d.xen || d.kvm);
  hvx_enl_from_detect(&d, &c);
  assert_true(c.set & F(HVX_ENL_STIMER_DIRECT));
  assert_true(c.set & F(HVX_ENL_XMM_INPUT));
  assert_true(c.set & F(HVX_ENL_TLBFLUSH_DIRECT));
  assert_false(c.set & F(HVX_ENL_NO_VP_LIMIT));    /* 2048 VPs */
  assert_false(c.set & F(HVX_ENL_CPU_HOTPLUG));
  assert_int_equal(c.spinlock_retries, 4095);
}

/* Xen with viridian: "Microsoft Hv" first, Xen moved to 0x40000100, and
 * the features are exactly what xl's viridian = 1 gives. */
static void test_xen_viridian(void **state)
{
  struct hvx_detect d;
  struct hvx_enl_config c, xl;
  (void)state;

  detect_file("xen-viridian.txt", &d);
  assert_int_equal(d.n_sigs, 2);
  assert_string_equal(d.sigs[0].id, "Microsoft Hv");
  assert_string_equal(d.sigs[1].id, "XenVMMXenVMM");
  assert_int_equal(d.sigs[1].base, 0x40000100);
  assert_int_equal(d.linux_choice, 1);             /* Linux picks Xen */
  assert_true(d.hv && d.xen && !d.kvm);
  assert_int_equal(d.xen_base, 0x40000100);
  assert_int_equal(d.xen_major, 4);
  assert_int_equal(d.xen_minor, 17);
  assert_int_equal(d.xen_msr_base, 0x40000200);
  assert_int_equal(d.xen_hypercall_pages, 1);
  assert_true(d.xen_has_hvm_leaf);
  hvx_enl_from_detect(&d, &c);
  assert_int_equal(hvx_enl_parse(HVX_VOCAB_XL, "viridian = 1", &xl), 0);
  assert_true(c.set == xl.set);
  assert_int_equal(c.spinlock_retries, xl.spinlock_retries);
}

static void test_xen_plain(void **state)
{
  struct hvx_detect d;
  struct hvx_enl_config c;
  (void)state;

  detect_file("xen-hvm.txt", &d);
  assert_int_equal(d.n_sigs, 1);
  assert_true(d.xen && !d.hv && !d.kvm);
  assert_int_equal(d.xen_base, 0x40000000);
  assert_int_equal(d.xen_msr_base, 0x40000000);
  assert_int_equal(d.xen_hvm_features, 0x7a);
  hvx_enl_from_detect(&d, &c);
  assert_true(c.set == 0);
}

/* KVM with hv-* flags: features equal the QEMU flags they came from. */
static void test_kvm_hv(void **state)
{
  struct hvx_detect d;
  struct hvx_enl_config c, q;
  (void)state;

  detect_file("kvm-hv.txt", &d);
  assert_int_equal(d.n_sigs, 2);
  assert_string_equal(d.sigs[0].vendor, "microsoft");
  assert_string_equal(d.sigs[1].vendor, "kvm");
  assert_int_equal(d.linux_choice, 1);
  assert_true(d.hv && d.kvm && !d.xen);
  assert_int_equal(d.kvm_base, 0x40000100);
  hvx_enl_from_detect(&d, &c);
  assert_int_equal(hvx_enl_parse(HVX_VOCAB_QEMU,
                                 "-cpu host,hv-relaxed,hv-vapic,"
                                 "hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,"
                                 "hv-time,hv-synic,hv-stimer,hv-frequencies,"
                                 "hv-tlbflush,hv-ipi,hv-reset", &q), 0);
  assert_true(c.set == q.set);
  assert_int_equal(c.spinlock_retries, 0x1fff);
}

static int parse(const char *text, struct hvx_cpuid_dump *d)
{
  return hvx_cpuid_dump_parse(text, strlen(text), d);
}

static void test_dump_formats(void **state)
{
  struct hvx_cpuid_dump d;
  uint32_t r[4];
  (void)state;

  assert_int_equal(parse("# plain\n0x40000000 0x40000001 1 2 3\n"
                         "0x40000001 0x1 5 6 7 8\r\n\n", &d), 0);
  assert_int_equal(d.n, 2);
  assert_true(hvx_cpuid_dump_get(&d, 0x40000000, 0, r));
  assert_int_equal(r[0], 0x40000001);
  assert_int_equal(r[3], 3);
  assert_true(hvx_cpuid_dump_get(&d, 0x40000001, 1, r));
  assert_int_equal(r[0], 5);
  assert_false(hvx_cpuid_dump_get(&d, 0x40000001, 0, r));
  assert_int_equal(r[0], 0);
  hvx_cpuid_dump_free(&d);
  hvx_cpuid_dump_free(&d);          /* twice is harmless */

  /* `cpuid -r` with two CPUs: only the first is kept */
  assert_int_equal(parse("CPU 0:\n   0x00000001 0x00: eax=0x1 ebx=0x2 "
                         "ecx=0x80000000 edx=0x4\nCPU 1:\n   0x00000001 "
                         "0x00: eax=0x9 ebx=0x9 ecx=0x9 edx=0x9\n", &d), 0);
  assert_int_equal(d.n, 1);
  hvx_cpuid_dump_free(&d);

  assert_int_equal(parse("", &d), 0);
  assert_int_equal(d.n, 0);
  hvx_cpuid_dump_free(&d);
}

static void test_dump_errors(void **state)
{
  struct hvx_cpuid_dump d = { 0, NULL };
  char *big;
  size_t len = 0;
  (void)state;

  assert_int_equal(parse("0x1 2 3 4\n", &d), -1);
  assert_hvx_error(EBADMSG, "cpuid dump line 1: '0x1 2 3 4' is neither");
  assert_int_equal(parse("\n0x1 2 3 4 5 6 7\n", &d), -1);
  assert_hvx_error(EBADMSG, "line 2");
  assert_int_equal(parse("0x1 0x100000000 3 4 5\n", &d), -1);
  assert_hvx_error(EBADMSG, "is neither");
  assert_int_equal(parse("0x1 1 2 3 4\n0x1 0 5 6 7 8\n", &d), -1);
  assert_hvx_error(EBADMSG, "line 2: leaf 0x1 subleaf 0 given twice");
  assert_int_equal(parse("   0x1 0x00: eax=0x1 ebx=0x2 ecx=0x3\n", &d), -1);
  assert_hvx_error(EBADMSG, "is neither");
  assert_int_equal(parse("0x1 2 3 4 5 trailing\n", &d), -1);
  assert_hvx_error(EBADMSG, "is neither");
  assert_int_equal(hvx_cpuid_dump_parse("0x1 2\0 3 4 5\n", 13, &d), -1);
  assert_hvx_error(EBADMSG, "NUL byte");
  assert_null(d.leaves);

  /* more leaves than allowed */
  big = malloc(64 * (HVX_CPUID_MAX_LEAVES + 1));
  assert_non_null(big);
  for (unsigned i = 0; i <= HVX_CPUID_MAX_LEAVES; i++)
    len += (size_t)sprintf(big + len, "%u 0 1 2 3 4\n", i);
  assert_int_equal(hvx_cpuid_dump_parse(big, len, &d), -1);
  assert_hvx_error(EFBIG, "more than 4096 leaves");
  free(big);

  /* an over-long line */
  big = malloc(1000);
  assert_non_null(big);
  memset(big, '1', 999);
  big[999] = '\n';
  assert_int_equal(hvx_cpuid_dump_parse(big, 1000, &d), -1);
  assert_hvx_error(EBADMSG, "longer than 255 bytes");
  free(big);

  assert_int_equal(hvx_cpuid_dump_read("/nonexistent/dump", &d), -1);
  assert_hvx_error(ENOENT, "/nonexistent/dump");
}

/* Sizes that lie: a max leaf beyond the range, an empty signature. */
static void test_detect_edge_cases(void **state)
{
  struct hvx_cpuid_dump d;
  struct hvx_detect det;
  (void)state;

  assert_int_equal(parse("0x40000000 0x4FFFFFFF 0x7263694d 0x666f736f "
                         "0x76482074\n0x40000001 0x31237648 0 0 0\n"
                         "0x40000100 0 0 0 0\n", &d), 0);
  hvx_detect_from_dump(&d, &det);
  hvx_cpuid_dump_free(&d);
  assert_false(det.have_leaf1);
  assert_int_equal(det.n_sigs, 1);
  assert_int_equal(det.sigs[0].max_leaf, 0x40000001);
  assert_true(det.hv);
  assert_int_equal(det.hv_regs[3][0], 0);     /* beyond max: zero */

  /* KVM's old "EAX = 0" means base + 1 */
  assert_int_equal(parse("0x40000000 0 0x4b4d564b 0x564b4d56 0x4d\n"
                         "0x40000001 0x7 0 0 0x1\n", &d), 0);
  hvx_detect_from_dump(&d, &det);
  hvx_cpuid_dump_free(&d);
  assert_true(det.kvm);
  assert_int_equal(det.kvm_features, 7);
  assert_int_equal(det.kvm_hints, 1);
  assert_int_equal(det.sigs[0].max_leaf, 0x40000001);

  /* an unknown signature is listed but Linux picks nothing */
  assert_int_equal(parse("0x40000000 0x40000001 0x41414141 0x41414141 "
                         "0x41414141\n", &d), 0);
  hvx_detect_from_dump(&d, &det);
  hvx_cpuid_dump_free(&d);
  assert_int_equal(det.n_sigs, 1);
  assert_null(det.sigs[0].vendor);
  assert_int_equal(det.linux_choice, -1);
}

static void test_live_probe(void **state)
{
  struct hvx_cpuid_dump d;
  struct hvx_detect det;
  (void)state;

#if defined(__x86_64__) || defined(__i386__)
  assert_int_equal(hvx_cpuid_probe(&d), 0);
  assert_true(d.n >= 2);
  hvx_detect_from_dump(&d, &det);
  assert_true(det.have_leaf1);
  if (!det.hypervisor_bit)
    assert_int_equal(det.n_sigs, 0);
  hvx_cpuid_dump_free(&d);
#else
  assert_int_equal(hvx_cpuid_probe(&d), -1);
  assert_hvx_error(ENOTSUP, "x86");
  (void)det;
#endif
}

static void test_flag_tables(void **state)
{
  size_t n;
  const struct hvx_cpuid_flag *t;
  (void)state;

  t = hvx_kvm_feature_flags(&n);
  assert_true(n > 10);
  for (size_t i = 1; i < n; i++)
    assert_true(t[i - 1].bit < t[i].bit);
  t = hvx_xen_hvm_flags(&n);
  assert_int_equal(n, 7);
  t = hvx_kvm_hint_flags(&n);
  assert_string_equal(t[0].name, "realtime");
}

/* Random dump text: parsed or refused, never a crash; whatever parses
 * can be detected. */
static void test_random_dumps(void **state)
{
  static const char alphabet[] = "0x4123 \n:=eabcdx#CPU";
  uint64_t x = 0x1234567887654321ull;
  char buf[200];
  (void)state;

  for (unsigned i = 0; i < 30000; i++) {
    struct hvx_cpuid_dump d;
    struct hvx_detect det;
    size_t len;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    len = x % sizeof buf;
    for (size_t k = 0; k < len; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[k] = alphabet[x % (sizeof alphabet - 1)];
    }
    if (hvx_cpuid_dump_parse(buf, len, &d) == 0) {
      hvx_detect_from_dump(&d, &det);
      assert_true(det.n_sigs <= HVX_DETECT_MAX_SIGS);
      hvx_cpuid_dump_free(&d);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_kvm_recorded),
    cmocka_unit_test(test_hyperv),
    cmocka_unit_test(test_xen_viridian),
    cmocka_unit_test(test_xen_plain),
    cmocka_unit_test(test_kvm_hv),
    cmocka_unit_test(test_dump_formats),
    cmocka_unit_test(test_dump_errors),
    cmocka_unit_test(test_detect_edge_cases),
    cmocka_unit_test(test_live_probe),
    cmocka_unit_test(test_flag_tables),
    cmocka_unit_test(test_random_dumps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
