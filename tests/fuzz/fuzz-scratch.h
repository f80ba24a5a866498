/* The fuzz targets' scratch directory: files written and thrown away
 * thousands of times, so on tmpfs when there is one.  A header of static
 * functions, included once per harness (each libFuzzer target is one
 * source file, run-fuzz.sh). */
#ifndef HVX_FUZZ_SCRATCH_H
#define HVX_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char scratch_dir[64];

static void scratch_remove(void)
{
  static const char *const names[] = { "out", "rw", "img" };
  char p[128];

  if (!scratch_dir[0])
    return;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    snprintf(p, sizeof p, "%s/%s", scratch_dir, names[i]);
    unlink(p);
  }
  rmdir(scratch_dir);
}

/* DIR/NAME in a private directory made on first use: tmpfs if there is
 * one, as the outputs are written and thrown away thousands of times. */
static const char *scratch(const char *name)
{
  static char p[128];

  if (!scratch_dir[0]) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
                       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(scratch_dir, sizeof scratch_dir, "%s/hvx-fuzz-XXXXXX", base);
    if (!mkdtemp(scratch_dir))
      abort();
    atexit(scratch_remove);
  }
  snprintf(p, sizeof p, "%s/%s", scratch_dir, name);
  return p;
}

#endif /* HVX_FUZZ_SCRATCH_H */
