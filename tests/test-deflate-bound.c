/* hvx tests - hvx_deflate_cannot_shrink against zlib itself.
 *
 * The claim to check: whenever the test says "cannot shrink", zlib's
 * raw deflate as qcow2 writes it (level 6, 4 KiB window, memLevel 9)
 * does not fit the cluster in fewer bytes either, so skipping zlib
 * changes nothing in the output.  Inputs are built to sit on the
 * boundary: random data, random data with a skewed byte distribution or
 * a reduced alphabet, random data with one repeated string at every
 * distance around the window, alphabets that change within the buffer,
 * text, and whatever real files the system has.  The test also checks
 * that random clusters are recognised, or the shortcut would be useless. */
#include <dirent.h>
#include <zlib.h>

#include "testutil.h"

static uint8_t scratch[HVX_DEFLATE_SCRATCH];
static uint64_t rng_state = 0x1234567887654321ull;
static unsigned claims, checked;

static uint64_t rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Does zlib, set up as qcow2 uses it, fit N bytes into N - 1? */
static bool zlib_fits(const uint8_t *p, size_t n)
{
  static uint8_t out[2u << 20];
  z_stream z = { 0 };
  int r;

  assert_int_equal(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12,
                                9, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)(n - 1);
  r = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  return r == Z_STREAM_END;
}

/* The claim, checked on one buffer; returns the predicate's answer. */
static bool check(const uint8_t *p, size_t n, const char *what)
{
  bool hopeless = hvx_deflate_cannot_shrink(p, n, 4096, scratch);

  checked++;
  if (hopeless) {
    claims++;
    if (zlib_fits(p, n))
      fail_msg("%s (%zu bytes): said incompressible, zlib shrank it",
               what, n);
  }
  return hopeless;
}

static void fill_random(uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(rnd() >> 24);
}

static const size_t sizes[] = { 512, 4096, 65536, 2u << 20 };

static void test_random_is_recognised(void **state)
{
  (void)state;
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    size_t n = sizes[s], rounds = n > 65536 ? 4 : 64;
    unsigned yes = 0;
    uint8_t *p = malloc(n);
    assert_non_null(p);
    for (size_t r = 0; r < rounds; r++) {
      fill_random(p, n);
      yes += check(p, n, "random");
    }
    /* 512-byte clusters are too short for the bound to show anything;
     * from 4 KiB up, random data must be caught or the shortcut is
     * worthless. */
    if (n >= 4096 && yes < rounds)
      fail_msg("random %zu-byte clusters: only %u of %zu recognised", n, yes,
               rounds);
    free(p);
  }
}

/* Random bytes where the first K symbols are W times as likely: from
 * flat to clearly compressible, in fine steps across the boundary. */
static void test_skewed(void **state)
{
  (void)state;
  for (size_t s = 0; s < 3; s++) {
    size_t n = sizes[s];
    uint8_t *p = malloc(n);
    assert_non_null(p);
    for (unsigned k = 1; k <= 64; k *= 4)
      for (unsigned w10 = 10; w10 <= 40; w10 += 1) {
        /* symbol i < k has weight w10/10, the rest weight 1 */
        uint64_t total = (uint64_t)k * w10 + (256 - k) * 10;
        for (size_t i = 0; i < n; i++) {
          uint64_t x = rnd() % total;
          p[i] = x < (uint64_t)k * w10 ? (uint8_t)(x / w10) :
                                         (uint8_t)(k + (x - k * w10) / 10);
        }
        check(p, n, "skewed random");
      }
    free(p);
  }
}

/* Uniform over K of the 256 byte values. */
static void test_reduced_alphabet(void **state)
{
  (void)state;
  for (size_t s = 0; s < 3; s++) {
    size_t n = sizes[s];
    uint8_t *p = malloc(n);
    assert_non_null(p);
    for (unsigned k = 160; k <= 256; k++) {
      for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rnd() % k);
      check(p, n, "reduced alphabet");
    }
    free(p);
  }
}

/* Random data with one string of L bytes repeated D bytes later. */
static void test_one_repeat(void **state)
{
  static const size_t lens[] = { 3, 4, 5, 6, 8, 12, 16, 32, 64, 128, 258,
                                 1024 };
  static const size_t dists[] = { 1, 2, 3, 7, 100, 1000, 3000, 3834,
                                  3835, 4000, 4095, 4096, 4200, 8000 };
  size_t n = 65536;
  uint8_t *p = malloc(n);
  unsigned caught = 0;

  (void)state;
  assert_non_null(p);
  for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
    for (size_t d = 0; d < sizeof dists / sizeof *dists; d++)
      for (size_t where = 0; where < 3; where++) {
        size_t at = where == 0 ? 100 : where == 1 ? n / 2 - 50 :
                    n - dists[d] - lens[l] - 1;
        fill_random(p, n);
        for (size_t i = 0; i < lens[l]; i++) /* overlapping, as LZ77 allows */
          p[at + dists[d] + i] = p[at + i];
        caught += !check(p, n, "random with a repeat");
      }
  /* Repeats of 4+ bytes within the window must send the buffer to zlib. */
  assert_true(caught > 0);
  free(p);
}

/* Halves, quarters, ... drawn from different halves of the byte range:
 * flat overall, compressible block by block. */
static void test_changing_alphabet(void **state)
{
  size_t n = 65536;
  uint8_t *p = malloc(n);

  (void)state;
  assert_non_null(p);
  for (size_t run = 512; run <= n / 2; run *= 2) {
    for (size_t i = 0; i < n; i++)
      p[i] = (uint8_t)((rnd() & 0x7f) | ((i / run) & 1 ? 0x80 : 0));
    check(p, n, "changing alphabet");
  }
  free(p);
}

static void test_text_and_zeros(void **state)
{
  static const char *words[] = { "the ", "disk ", "of ", "a ", "guest ",
                                 "moves ", "between ", "hosts\n", "42 " };
  size_t n = 65536;
  uint8_t *p = calloc(1, n);

  (void)state;
  assert_non_null(p);
  assert_false(check(p, n, "zeros"));
  for (size_t i = 0; i < n; ) {
    const char *w = words[rnd() % 9];
    for (size_t k = 0; w[k] && i < n; k++)
      p[i++] = (uint8_t)w[k];
  }
  assert_false(check(p, n, "text"));
  free(p);
}

/* Real data: every cluster of the first MiB of some files the system
 * has (libraries, compressed changelogs), at each cluster size. */
static void test_real_files(void **state)
{
  static const char *dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/bin",
                                "/usr/share/doc/libc6", "/usr/share/doc/zlib1g",
                                "/usr/share/doc/libssl3" };
  size_t budget = 24u << 20, used = 0;
  uint8_t *buf = malloc(1u << 20);

  (void)state;
  assert_non_null(buf);
  for (size_t d = 0; d < sizeof dirs / sizeof *dirs && used < budget; d++) {
    DIR *dir = opendir(dirs[d]);
    struct dirent *de;
    unsigned files = 0;
    if (!dir)
      continue;
    while ((de = readdir(dir)) && files < 12 && used < budget) {
      char path[512];
      FILE *f;
      size_t got;
      if (de->d_name[0] == '.')
        continue;
      snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name);
      if (!(f = fopen(path, "rb")))
        continue;
      got = fread(buf, 1, 1u << 20, f);
      fclose(f);
      if (got < 65536)
        continue;
      files++;
      for (size_t s = 0; s < 3; s++)
        for (size_t at = 0; at + sizes[s] <= got; at += sizes[s]) {
          check(buf + at, sizes[s], path);
          used += sizes[s];
        }
    }
    closedir(dir);
  }
  print_message("real files: %zu KiB checked\n", used >> 10);
  free(buf);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_random_is_recognised),
    cmocka_unit_test(test_skewed),
    cmocka_unit_test(test_reduced_alphabet),
    cmocka_unit_test(test_one_repeat),
    cmocka_unit_test(test_changing_alphabet),
    cmocka_unit_test(test_text_and_zeros),
    cmocka_unit_test(test_real_files),
  };
  int r = cmocka_run_group_tests(tests, NULL, NULL);

  print_message("%u buffers checked, %u said incompressible\n",
                checked, claims);
  return r;
}
