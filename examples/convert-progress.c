/* Example: convert a disk image, showing progress, and print the
 * SHA-256 of its content.
 *
 *   convert-progress SRC DST FORMAT
 *
 * Build against an installed libhvx with
 *   cc -o convert-progress convert-progress.c $(pkg-config --cflags --libs hvx)
 */
#include <stdint.h>
#include <stdio.h>

#include <hvx.h>

/* Progress may be reported from libhvx's worker threads (never two at
 * once), so the callback touches only its own state. */
static int show_progress(void *opaque, uint64_t done, uint64_t total)
{
  int *last = opaque;
  int pct = total ? (int)(done * 100 / total) : 100;

  /* Print the first report, then every 10%, and 100% once. */
  if (*last < 0 || pct / 10 != *last / 10 || (pct == 100 && *last != 100)) {
    fprintf(stderr, "progress %3d%%\n", pct);
    *last = pct;
  }
  return 0; /* non-zero would cancel the conversion */
}

int main(int argc, char **argv)
{
  hvx_convert_options *opts;
  int last = -1, rc = 1;

  if (argc != 4) {
    fprintf(stderr, "usage: convert-progress SRC DST FORMAT\n");
    return 2;
  }
  opts = hvx_convert_options_new();
  if (!opts) {
    fprintf(stderr, "convert-progress: %s\n", hvx_error());
    return 1;
  }
  if (hvx_convert_set_target_format(opts, argv[3]) < 0 ||
      hvx_convert_set_digest(opts, "sha256") < 0 ||
      hvx_convert_set_progress(opts, show_progress, &last) < 0 ||
      hvx_convert(argv[1], argv[2], opts) < 0) {
    fprintf(stderr, "convert-progress: %s\n", hvx_error());
    goto out;
  }
  printf("sha256 %s\n", hvx_convert_digest(opts));
  rc = 0;
out:
  hvx_convert_options_free(opts);
  return rc;
}
