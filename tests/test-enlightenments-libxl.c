/* The xl vocabulary against Xen's own code: libxl's enlightenment name
 * table (libxl_viridian_enlightenment_to/from_string) and libxlutil's
 * xl.cfg parser (xlu_cfg_*), which must accept every viridian line hvx
 * writes and read back the groups hvx meant. */
#include "testutil.h"

#include <libxl.h>
#include <libxlutil.h>

static uint64_t rng = 0x853C49E6748FEA9Bull;

static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void test_group_names(void **state)
{
  (void)state;
  for (unsigned g = 0; g < 64; g++) {
    const char *ours = hvx_xl_group_name(g);
    const char *theirs =
      libxl_viridian_enlightenment_to_string((libxl_viridian_enlightenment)g);
    libxl_viridian_enlightenment e;

    if (!ours) {
      assert_null(theirs);
      continue;
    }
    assert_non_null(theirs);
    assert_string_equal(ours, theirs);
    assert_int_equal(libxl_viridian_enlightenment_from_string(ours, &e), 0);
    assert_int_equal((unsigned)e, g);
  }
}

/* The groups xlu reads from the "viridian" list of CFG. */
static uint32_t xlu_groups(const char *cfg)
{
  XLU_Config *c = xlu_cfg_init(stderr, "hvx-test");
  XLU_ConfigList *list;
  int n;
  uint32_t groups = 0;

  assert_non_null(c);
  if (xlu_cfg_readdata(c, cfg, (int)strlen(cfg)) != 0)
    fail_msg("xlu cannot parse '%s'", cfg);
  if (xlu_cfg_get_list(c, "viridian", &list, &n, 1) != 0)
    fail_msg("xlu finds no viridian list in '%s'", cfg);
  for (int i = 0; i < n; i++) {
    libxl_viridian_enlightenment e;
    const char *item = xlu_cfg_get_listitem(list, i);
    if (libxl_viridian_enlightenment_from_string(item, &e) != 0)
      fail_msg("libxl does not know group '%s'", item);
    groups |= 1u << e;
  }
  xlu_cfg_destroy(c);
  return groups;
}

static void test_written_lines_parse_in_xlu(void **state)
{
  struct hvx_enl_report r;
  (void)state;

  for (unsigned i = 0; i < 500; i++) {
    struct hvx_enl_config src = { 0 };
    char cfg[HVX_ENL_CONFIG_MAX + 2];

    src.set = rnd() & (HVX_ENL_BIT(HVX_ENL_COUNT) - 1);
    src.spinlock_retries = 2047;
    assert_int_equal(hvx_enl_compat(&src, HVX_VOCAB_XL, &r), 0);
    if (r.target.xl_groups == 0) {
      assert_string_equal(r.config, "viridian = 0");
      continue;
    }
    snprintf(cfg, sizeof cfg, "%s\n", r.config);
    assert_int_equal(xlu_groups(cfg), r.target.xl_groups);
  }
}

/* xlu's lexer and hvx agree on a hand-written line with quoting, comments
 * and spacing variants. */
static void test_handwritten_line(void **state)
{
  static const char line[] =
    "viridian = [ 'base', \"freq\",\n  'stimer' ] # timers\n";
  struct hvx_enl_config c;
  (void)state;

  assert_int_equal(hvx_enl_parse(HVX_VOCAB_XL, line, &c), 0);
  assert_int_equal(xlu_groups(line), c.xl_groups);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_group_names),
    cmocka_unit_test(test_written_lines_parse_in_xlu),
    cmocka_unit_test(test_handwritten_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
