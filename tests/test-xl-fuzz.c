/* Mutated xl.cfg files: hvx must give a model or a clean error (never a
 * crash, hang or empty message), and whatever it reads must survive the
 * round trip xl -> model -> xl -> model unchanged. */
#include "testutil.h"

#include "hvx/xen.h"

static const char *const fixtures[] = {
  "xlexample.hvm", "xlexample.pvlinux", "xlexample.pvhlinux",
  "hvm-full.cfg", "hvm-legacy.cfg", "pv-pygrub.cfg", "pvh-pvgrub.cfg",
  "hvm-custom-fw.cfg",
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static char *load(const char *name, size_t *len)
{
  char path[1024];
  const char *top = getenv("top_srcdir");
  FILE *f;
  char *buf;

  snprintf(path, sizeof path, "%s/tests/fixtures/xl/%s", top ? top : ".",
           name);
  f = fopen(path, "rb");
  assert_non_null(f);
  buf = malloc(65536);
  assert_non_null(buf);
  *len = fread(buf, 1, 65536, f);
  fclose(f);
  return buf;
}

/* One random edit of BUF (LEN bytes, room for 65536). */
static void mutate(char *buf, size_t *len)
{
  static const char pool[] = "\"'[],=\n#:\\ 0123456789abcxyz-+;!\t\xff";
  size_t at = *len ? next() % *len : 0;

  switch (next() % 5) {
  case 0: /* replace a byte */
    if (*len)
      buf[at] = pool[next() % (sizeof pool - 1)];
    break;
  case 1: /* delete a byte */
    if (*len) {
      memmove(buf + at, buf + at + 1, *len - at - 1);
      (*len)--;
    }
    break;
  case 2: /* insert a byte */
    if (*len < 65000) {
      memmove(buf + at + 1, buf + at, *len - at);
      buf[at] = pool[next() % (sizeof pool - 1)];
      (*len)++;
    }
    break;
  case 3: { /* duplicate a stretch */
    size_t n = next() % 64;
    if (at + n <= *len && *len + n < 65000) {
      memmove(buf + at + n, buf + at, *len - at);
      (*len) += n;
    }
    break;
  }
  default: /* a big number */
    if (*len + 24 < 65000) {
      memmove(buf + at + 20, buf + at, *len - at);
      memcpy(buf + at, "99999999999999999999", 20);
      *len += 20;
    }
  }
}

/* Keep the input that failed, to reproduce it (cmocka truncates long
 * messages). */
static void keep_failed(const char *buf, size_t len)
{
  FILE *f = fopen("test-xl-fuzz.failed.cfg", "wb");
  if (f) {
    fwrite(buf, 1, len, f);
    fclose(f);
  }
}

static void test_mutations(void **state)
{
  unsigned read_ok = 0, errors = 0;
  /* HVX_FUZZ_ROUNDS / HVX_FUZZ_SEED make longer runs by hand. */
  const char *e = getenv("HVX_FUZZ_ROUNDS");
  int rounds = e ? atoi(e) : 300;

  if ((e = getenv("HVX_FUZZ_SEED")))
    rng = strtoull(e, NULL, 0) | 1;

  for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
    size_t len0;
    char *orig = load(fixtures[f], &len0);
    for (int round = 0; round < rounds; round++) {
      char *buf = malloc(65536), *out, *ja, *jb;
      size_t len = len0;
      hvx_report *r = hvx_report_new();
      hvx_vm *vm, *back;
      memcpy(buf, orig, len0);
      for (uint32_t k = 1 + next() % 3; k > 0; k--)
        mutate(buf, &len);
      hvx_clear_error();
      vm = hvx_vm_from_xl(buf, len, "fuzz.cfg", r);
      if (!vm) {
        if (hvx_errno() == 0 || strncmp(hvx_error(), "xl: ", 4) != 0 ||
            strstr(hvx_error(), "please report")) {
          keep_failed(buf, len);
          fail_msg("no proper error (%d: %s) for:\n%.*s", hvx_errno(),
                   hvx_error(), (int)len, buf);
        }
        errors++;
      } else {
        read_ok++;
        out = hvx_vm_to_xl(vm, NULL);
        if (!out)
          keep_failed(buf, len);
        if (!out)
          fail_msg("read but cannot write (%s):\n%.*s", hvx_error(),
                   (int)len, buf);
        back = hvx_vm_from_xl(out, strlen(out), "again", NULL);
        if (!back)
          keep_failed(buf, len);
        if (!back)
          fail_msg("cannot read back (%s):\n%s", hvx_error(), out);
        ja = hvx_vm_to_json(vm);
        jb = hvx_vm_to_json(back);
        if (strcmp(ja, jb))
          keep_failed(buf, len);
        if (strcmp(ja, jb))
          fail_msg("round trip changed the model of:\n%.*s\n%s\n%s",
                   (int)len, buf, ja, jb);
        free(ja);
        free(jb);
        free(out);
        hvx_vm_free(back);
        hvx_vm_free(vm);
      }
      hvx_report_free(r);
      free(buf);
    }
    free(orig);
  }
  /* both outcomes must have been exercised */
  assert_true(read_ok > 100);
  assert_true(errors > 100);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
