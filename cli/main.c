/* hvx CLI - subcommand dispatch and shared helpers. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} commands[] = {
  { "info", cmd_info, "show an image's format, sizes and metadata" },
  { "create", cmd_create, "create an empty image" },
  { "convert", cmd_convert, "convert an image to another format" },
  { "check", cmd_check, "check an image's structure" },
  { "compare", cmd_compare, "compare the contents of two images" },
  { "digest", cmd_digest, "digest an image's virtual content" },
  { "formats", cmd_formats, "list the image formats this build supports" },
  { "hypercall", cmd_hypercall, "decode or list Xen/Hyper-V hypercalls" },
  { "detect", cmd_detect, "show the hypervisor interfaces CPUID offers" },
  { "enlightenments", cmd_enlightenments,
    "map Hyper-V enlightenments between xl, QEMU and libvirt" },
  { "vm", cmd_vm, "show or convert a guest description (xl.cfg, ...)" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
  fprintf(f, "usage: hvx COMMAND [OPTIONS] ...\n\ncommands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(f, "  %-15s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\nRun 'hvx COMMAND --help' for a command's options; "
          "see hvx(1).\n");
}

void cli_error(void)
{
  fprintf(stderr, "hvx: %s\n", hvx_error());
}

void cli_fail(const char *fmt, ...)
{
  va_list ap;

  fputs("hvx: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\t': fputs("\\t", f); break;
    case '\r': fputs("\\r", f); break;
    default:
      if (*p < 0x20)
        fprintf(f, "\\u%04x", *p);
      else
        fputc(*p, f);
    }
  }
  fputc('"', f);
}

int cli_output_mode(const char *arg)
{
  int mode = cli_parse_output_mode(arg);

  if (mode < 0)
    cli_fail("unknown output format '%s' (use human or json)", arg);
  return mode;
}

int cmd_formats(int argc, char **argv)
{
  (void)argc; (void)argv;
  for (int i = 0; i < hvx_format_count(); i++)
    printf("%s\n", hvx_format_name(i));
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("hvx %s\n", hvx_version());
    return 0;
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].fn(argc - 1, argv + 1);
  cli_fail("unknown command '%s'", argv[1]);
  usage(stderr);
  return 1;
}
