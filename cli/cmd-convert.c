/* hvx CLI - convert, with a progress bar on a terminal. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static hvx_convert_options *running;

/* SIGINT/SIGTERM cancel the conversion; hvx_convert then removes its
 * temporary file and leaves the destination as it was. */
static void on_signal(int sig)
{
  (void)sig;
  hvx_convert_cancel(running);
}

struct progress {
  double start, last;
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int show_progress(void *opaque, uint64_t done, uint64_t total)
{
  struct progress *p = opaque;
  double t = now(), elapsed = t - p->start, rate, pct;
  char bar[31];
  int fill;

  if (t - p->last < 0.2 && done < total)
    return 0;
  p->last = t;
  pct = total ? 100.0 * (double)done / (double)total : 100.0;
  fill = (int)(pct * 30 / 100);
  memset(bar, '#', (size_t)fill);
  memset(bar + fill, '.', (size_t)(30 - fill));
  bar[30] = '\0';
  rate = elapsed > 0 ? (double)done / elapsed / 1048576.0 : 0;
  fprintf(stderr, "\r[%s] %5.1f%%  %8.1f MiB/s", bar, pct, rate);
  if (done > 0 && done < total && elapsed > 0.5)
    fprintf(stderr, "  ETA %4.0fs",
            elapsed * (double)(total - done) / (double)done);
  else
    fputs("           ", stderr);
  if (done >= total)
    fputc('\n', stderr);
  return 0;
}

enum { OPT_DIGEST = 256, OPT_FORCE, OPT_THREADS, OPT_NO_ZERO, OPT_NO_BACKING,
       OPT_NO_SYNC };

int cmd_convert(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "digest", required_argument, NULL, OPT_DIGEST },
    { "force", no_argument, NULL, OPT_FORCE },
    { "threads", required_argument, NULL, 'm' },
    { "no-detect-zeroes", no_argument, NULL, OPT_NO_ZERO },
    { "no-backing", no_argument, NULL, OPT_NO_BACKING },
    { "no-sync", no_argument, NULL, OPT_NO_SYNC },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  static const char usage[] =
    "convert [-f FMT] -O FMT [-o OPTIONS] [-c] [-p] [-m THREADS] "
    "[--digest ALGO] [--force] [--no-detect-zeroes] [--no-backing] "
    "[--no-sync] SRC DST";
  hvx_convert_options *o = hvx_convert_options_new();
  struct progress prog;
  int c, rc = 1, show = 0, ok = 0;

  if (!o) {
    cli_error();
    return 1;
  }
  optind = 1;
  while ((c = getopt_long(argc, argv, "f:O:o:cpm:h", longopts, NULL)) != -1) {
    int r = 0;
    switch (c) {
    case 'f': r = hvx_convert_set_source_format(o, optarg); break;
    case 'O': r = hvx_convert_set_target_format(o, optarg); ok = 1; break;
    case 'o': r = hvx_convert_set_target_options(o, optarg); break;
    case 'c': r = hvx_convert_set_compress(o, 1); break;
    case 'p': show = 1; break;
    case 'm': {
      int n;
      if (cli_parse_threads(optarg, &n) < 0) {
        cli_fail("convert: -m takes a thread count 0..64, not '%s'", optarg);
        goto out;
      }
      r = hvx_convert_set_threads(o, n);
      break;
    }
    case OPT_DIGEST: r = hvx_convert_set_digest(o, optarg); break;
    case OPT_FORCE: r = hvx_convert_set_overwrite(o, 1); break;
    case OPT_NO_ZERO: r = hvx_convert_set_detect_zeroes(o, 0); break;
    case OPT_NO_BACKING: r = hvx_convert_set_no_backing(o, 1); break;
    case OPT_NO_SYNC: r = hvx_convert_set_sync(o, 0); break;
    case 'h': printf("usage: hvx %s\n", usage); rc = 0; goto out;
    default: fprintf(stderr, "usage: hvx %s\n", usage); goto out;
    }
    if (r < 0) {
      cli_error();
      goto out;
    }
  }
  if (!ok || argc - optind != 2) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    goto out;
  }
  /* -p draws only on a terminal, so logs and pipes stay clean. */
  if (show && isatty(STDERR_FILENO)) {
    prog.start = prog.last = now();
    prog.last -= 1;
    hvx_convert_set_progress(o, show_progress, &prog);
  }
  running = o;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (hvx_convert(argv[optind], argv[optind + 1], o) < 0) {
    cli_error();
    goto out;
  }
  if (hvx_convert_digest(o))
    printf("%s  %s\n", hvx_convert_digest(o), argv[optind + 1]);
  rc = 0;
out:
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  running = NULL;
  hvx_convert_options_free(o);
  return rc;
}
