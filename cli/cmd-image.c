/* hvx CLI - info, create, check, compare, digest. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_OUTPUT = 256, OPT_NO_BACKING, OPT_BACKING_ANYWHERE };

static const struct option open_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "output", required_argument, NULL, OPT_OUTPUT },
  { "no-backing", no_argument, NULL, OPT_NO_BACKING },
  { "backing-anywhere", no_argument, NULL, OPT_BACKING_ANYWHERE },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Common options of the commands that open one image. */
struct open_args {
  const char *format;
  int json;
  unsigned flags;
};

/* Parse -f, --output, --no-backing, --backing-anywhere; returns the
 * index of the first operand, or -1 after printing why not. */
static int parse_open_args(int argc, char **argv, struct open_args *a,
                           const char *usage)
{
  int c;

  optind = 1;
  while ((c = getopt_long(argc, argv, "f:h", open_options, NULL)) != -1) {
    switch (c) {
    case 'f': a->format = optarg; break;
    case OPT_OUTPUT:
      if ((a->json = cli_output_mode(optarg)) < 0)
        return -1;
      break;
    case OPT_NO_BACKING: a->flags |= HVX_OPEN_NO_BACKING; break;
    case OPT_BACKING_ANYWHERE: a->flags |= HVX_OPEN_BACKING_ANYWHERE; break;
    case 'h': printf("usage: hvx %s\n", usage); exit(0);
    default: fprintf(stderr, "usage: hvx %s\n", usage); return -1;
    }
  }
  return optind;
}

struct info_state {
  int json, first;
};

static void print_info(void *opaque, const char *key, const char *value)
{
  struct info_state *s = opaque;

  if (s->json) {
    printf("%s\n  ", s->first ? "{" : ",");
    cli_json_string(stdout, key);
    fputs(": ", stdout);
    /* Numbers stay numbers in JSON. */
    if (*value && strspn(value, "0123456789") == strlen(value) &&
        (value[0] != '0' || value[1] == '\0'))
      fputs(value, stdout);
    else
      cli_json_string(stdout, value);
  } else {
    printf("%-20s %s\n", key, value);
  }
  s->first = 0;
}

int cmd_info(int argc, char **argv)
{
  struct open_args a = { 0 };
  struct info_state s = { 0, 1 };
  int i = parse_open_args(argc, argv, &a,
                          "info [-f FMT] [--output=human|json] "
                          "[--no-backing] FILE");
  hvx_image *img;

  if (i < 0)
    return 1;
  if (argc - i != 1) {
    cli_fail("info: expected one FILE");
    return 1;
  }
  img = hvx_open(argv[i], a.format, a.flags);
  if (!img) {
    cli_error();
    return 1;
  }
  s.json = a.json;
  for (hvx_image *b = img; b; b = hvx_image_backing(b)) {
    if (b != img) {
      if (s.json)
        print_info(&s, "backing_format", hvx_image_format(b));
      else
        printf("\nbacking image: %s\n", hvx_image_filename(b));
      if (s.json)
        break; /* JSON describes the top image only */
    }
    hvx_image_info(b, print_info, &s);
  }
  if (s.json)
    printf("\n}\n");
  hvx_close(img);
  return 0;
}

int cmd_create(int argc, char **argv)
{
  const char *format = NULL, *opts = NULL;
  uint64_t size;
  int c;
  hvx_image *img;
  static const char usage[] = "create -f FMT [-o OPTIONS] FILE SIZE";

  optind = 1;
  while ((c = getopt(argc, argv, "f:o:h")) != -1) {
    switch (c) {
    case 'f': format = optarg; break;
    case 'o': opts = optarg; break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (!format || argc - optind != 2) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  if (hvx_parse_size(argv[optind + 1], &size) < 0) {
    cli_error();
    return 1;
  }
  img = hvx_create(argv[optind], format, size, opts);
  if (!img || hvx_close(img) < 0) {
    cli_error();
    return 1;
  }
  return 0;
}

struct check_state {
  int json, count[4];
};

static const char *const kind_name[] = { "?", "corruption", "leak", "error" };

static void print_problem(void *opaque, int kind, uint64_t offset,
                          const char *msg)
{
  struct check_state *s = opaque;

  if (kind < 1 || kind > 3)
    kind = 3;
  if (s->json) {
    printf("%s\n    {\"kind\": \"%s\", ", s->count[1] + s->count[2] +
           s->count[3] ? "," : "", kind_name[kind]);
    if (offset != UINT64_MAX)
      printf("\"offset\": %llu, ", (unsigned long long)offset);
    fputs("\"message\": ", stdout);
    cli_json_string(stdout, msg);
    fputc('}', stdout);
  } else {
    if (offset != UINT64_MAX)
      printf("%s at 0x%llx: %s\n", kind_name[kind],
             (unsigned long long)offset, msg);
    else
      printf("%s: %s\n", kind_name[kind], msg);
  }
  s->count[kind]++;
}

/* Exit codes as qemu-img check: 0 clean, 1 the check could not run,
 * 2 corruption, 3 leaks only. */
int cmd_check(int argc, char **argv)
{
  struct open_args a = { 0 };
  struct check_state s = { 0 };
  int i = parse_open_args(argc, argv, &a,
                          "check [-f FMT] [--output=human|json] FILE");
  hvx_image *img;
  int n, rc;

  if (i < 0)
    return 1;
  if (argc - i != 1) {
    cli_fail("check: expected one FILE");
    return 1;
  }
  img = hvx_open(argv[i], a.format, a.flags | HVX_OPEN_NO_BACKING);
  if (!img) {
    cli_error();
    return 1;
  }
  s.json = a.json;
  if (s.json) {
    fputs("{\n  \"filename\": ", stdout);
    cli_json_string(stdout, argv[i]);
    printf(",\n  \"format\": \"%s\",\n  \"problems\": [", hvx_image_format(img));
  }
  n = hvx_check(img, print_problem, &s);
  if (n < 0) {
    if (s.json)
      printf("\n  ]\n}\n");
    cli_error();
    hvx_close(img);
    return 1;
  }
  rc = s.count[1] ? 2 : s.count[3] ? 1 : s.count[2] ? 3 : 0;
  if (s.json) {
    printf("\n  ],\n  \"corruptions\": %d,\n  \"leaks\": %d,\n"
           "  \"check_errors\": %d\n}\n", s.count[1], s.count[2], s.count[3]);
  } else if (rc == 0) {
    printf("No errors were found on the image.\n");
  } else {
    printf("%d corruption(s), %d leak(s), %d check error(s) found.\n",
           s.count[1], s.count[2], s.count[3]);
  }
  hvx_close(img);
  return rc;
}

/* Exit codes as qemu-img compare: 0 same, 1 different, 2 error. */
int cmd_compare(int argc, char **argv)
{
  const char *fa = NULL, *fb = NULL;
  hvx_image *a = NULL, *b = NULL;
  uint64_t where = 0;
  int c, r, quiet = 0;
  static const char usage[] = "compare [-f FMT] [-F FMT] [-q] A B";

  optind = 1;
  while ((c = getopt(argc, argv, "f:F:qh")) != -1) {
    switch (c) {
    case 'f': fa = optarg; break;
    case 'F': fb = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 2;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 2;
  }
  a = hvx_open(argv[optind], fa, 0);
  if (a)
    b = hvx_open(argv[optind + 1], fb, 0);
  if (!a || !b) {
    cli_error();
    hvx_close(a);
    return 2;
  }
  r = hvx_compare(a, b, &where);
  if (r < 0)
    cli_error();
  else if (!quiet && r == 0)
    printf("Images are identical.\n");
  else if (!quiet)
    printf("Content mismatch at offset %llu!\n", (unsigned long long)where);
  hvx_close(a);
  hvx_close(b);
  return r < 0 ? 2 : r;
}

int cmd_digest(int argc, char **argv)
{
  const char *format = NULL, *algo = "sha256";
  char out[129];
  int c;
  hvx_image *img;
  static const char usage[] = "digest [-f FMT] [-a ALGO] FILE";

  optind = 1;
  while ((c = getopt(argc, argv, "f:a:h")) != -1) {
    switch (c) {
    case 'f': format = optarg; break;
    case 'a': algo = optarg; break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  img = hvx_open(argv[optind], format, 0);
  if (!img || hvx_digest(img, algo, out, sizeof out) < 0) {
    cli_error();
    hvx_close(img);
    return 1;
  }
  printf("%s  %s\n", out, argv[optind]);
  hvx_close(img);
  return 0;
}
