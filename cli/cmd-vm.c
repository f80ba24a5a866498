/* hvx CLI - guest descriptions: hvx vm show | convert | xenstore. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Guest description formats.  A reader makes a model from a file, a
 * writer text from a model; each fills the report.  Add formats here. */
static const struct {
  const char *name;
  hvx_vm *(*read)(const char *path, hvx_report *report);
  char *(*write)(const hvx_vm *vm, hvx_report *report);
} vm_formats[] = {
  { "xl", hvx_vm_from_xl_file, hvx_vm_to_xl },
  { "hyperv-xml", hvx_vm_from_hyperv_xml_file, cli_vm_to_hyperv_xml },
  { "hyperv-ps", NULL, cli_vm_to_hyperv_ps },
  { "ovf", hvx_vm_from_ovf_file, hvx_vm_to_ovf },
  { "libvirt", NULL, cli_vm_to_libvirt },
  { "libvirt-kvm", NULL, cli_vm_to_libvirt_kvm },
  { "xen-xl", NULL, cli_vm_to_xen_xl },
};

#define N_VM_FORMATS (sizeof vm_formats / sizeof vm_formats[0])

/* The names of the formats that can be read (or written), separated by
 * SEP, into BUF. */
static const char *format_names(bool writing, const char *sep, char *buf,
                                size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < N_VM_FORMATS; i++) {
    if (!(writing ? vm_formats[i].write != NULL : vm_formats[i].read != NULL))
      continue;
    used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                             used ? sep : "", vm_formats[i].name);
  }
  return buf;
}

static int find_format(const char *name, bool writing)
{
  char known[256];

  for (size_t i = 0; name && i < N_VM_FORMATS; i++)
    if (strcmp(vm_formats[i].name, name) == 0 &&
        (writing ? vm_formats[i].write != NULL : vm_formats[i].read != NULL))
      return (int)i;
  cli_fail("vm: unknown %s format '%s' (known: %s)", writing ? "output" :
           "input", name ? name : "(none)",
           format_names(writing, ", ", known, sizeof known));
  return -1;
}

static void usage(FILE *f)
{
  char in[256], out[256];

  fprintf(f,
    "usage: hvx vm show --from FORMAT [--os linux|windows] "
    "[--output=human|json] FILE\n"
    "       hvx vm convert --from FORMAT --to FORMAT [--os linux|windows] "
    "[-o OUTPUT] [--report=FILE] [--output=human|json] [--strict] FILE\n"
    "       hvx vm xenstore [--output=human|json] [--hypervisor] "
    "[--os linux|windows] [--to FORMAT [-o OUTPUT]] DOMID\n"
    "input formats:  %s\noutput formats: %s\n",
    format_names(false, " ", in, sizeof in),
    format_names(true, " ", out, sizeof out));
}

/* The report to stderr, one line per item, or as JSON into PATH. */
static int print_report(const hvx_report *r, const char *path)
{
  if (path) {
    char *j = hvx_report_to_json(r);
    FILE *f = j ? fopen(path, "w") : NULL;
    int ok = f && fputs(j, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
      ok = 0;
    free(j);
    if (!ok) {
      cli_fail("vm: cannot write the report to %s", path);
      return -1;
    }
    return 0;
  }
  for (size_t i = 0; i < hvx_report_count(r); i++) {
    const char *advice = hvx_report_advice(r, i);
    fprintf(stderr, "hvx: %s: %s: %s%s%s%s\n",
            hvx_severity_name(hvx_report_severity(r, i)),
            hvx_report_subject(r, i), hvx_report_message(r, i),
            *advice ? " (" : "", advice, *advice ? ")" : "");
  }
  return 0;
}

static const char *or_dash(const char *s)
{
  return s ? s : "-";
}

static void print_human(const hvx_vm *vm)
{
  const char *s;
  hvx_enl_set hv = hvx_vm_hv_features(vm);

  printf("name:        %s\n", or_dash(hvx_vm_name(vm)));
  printf("uuid:        %s\n", or_dash(hvx_vm_uuid(vm)));
  printf("type:        %s\n", hvx_guest_type_name(hvx_vm_guest_type(vm)));
  printf("firmware:    %s%s\n", hvx_firmware_name(hvx_vm_firmware(vm)),
         hvx_vm_secure_boot(vm) ? " (secure boot)" : "");
  printf("vcpus:       %u (max %u)\n", hvx_vm_vcpus(vm),
         hvx_vm_max_vcpus(vm) ? hvx_vm_max_vcpus(vm) : hvx_vm_vcpus(vm));
  printf("memory:      %llu MiB (max %llu MiB)\n",
         (unsigned long long)(hvx_vm_memory(vm) >> 20),
         (unsigned long long)((hvx_vm_max_memory(vm) ? hvx_vm_max_memory(vm)
                               : hvx_vm_memory(vm)) >> 20));
  if ((s = hvx_vm_kernel(vm)))
    printf("kernel:      %s\n", s);
  if ((s = hvx_vm_ramdisk(vm)))
    printf("ramdisk:     %s\n", s);
  if ((s = hvx_vm_cmdline(vm)))
    printf("cmdline:     %s\n", s);
  if ((s = hvx_vm_bootloader(vm)))
    printf("bootloader:  %s %s\n", s,
           hvx_vm_bootloader_args(vm) ? hvx_vm_bootloader_args(vm) : "");
  if ((s = hvx_vm_boot_order(vm)))
    printf("boot order:  %s\n", s);
  if (hv) {
    printf("hyper-v:    ");
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
      if (hv & HVX_ENL_BIT(f))
        printf(" %s", hvx_enl_info(f)->name);
    printf("\n");
  }
  if (hvx_vm_xen_platform(vm))
    printf("xen:         platform device (PV drivers)\n");
  for (size_t i = 0; i < hvx_vm_disk_count(vm); i++) {
    printf("disk %zu:      %s %s %d:%d%s%s  %s%s%s\n", i,
           or_dash(hvx_vm_disk_name(vm, i)),
           hvx_bus_name(hvx_vm_disk_bus(vm, i)),
           hvx_vm_disk_controller(vm, i), hvx_vm_disk_slot(vm, i),
           hvx_vm_disk_cdrom(vm, i) ? " cdrom" : "",
           hvx_vm_disk_readonly(vm, i) ? " ro" : " rw",
           hvx_vm_disk_path(vm, i) ? hvx_vm_disk_path(vm, i) : "(empty)",
           hvx_vm_disk_format(vm, i) ? " " : "",
           hvx_vm_disk_format(vm, i) ? hvx_vm_disk_format(vm, i) : "");
  }
  for (size_t i = 0; i < hvx_vm_nic_count(vm); i++)
    printf("nic %zu:       mac %s network %s model %s\n", i,
           or_dash(hvx_vm_nic_mac(vm, i)), or_dash(hvx_vm_nic_network(vm, i)),
           or_dash(hvx_vm_nic_model(vm, i)));
  for (size_t i = 0; i < hvx_vm_serial_count(vm); i++)
    printf("serial %zu:    %s\n", i, hvx_vm_serial_target(vm, i));
  for (int j = 0; j < hvx_vm_extra_count(vm, HVX_OBJECT_GUEST, 0); j++)
    printf("extra:       %s = %s\n",
           hvx_vm_extra_key(vm, HVX_OBJECT_GUEST, 0, (size_t)j),
           hvx_vm_extra_value(vm, HVX_OBJECT_GUEST, 0, (size_t)j));
}

enum { OPT_FROM = 256, OPT_TO, OPT_OUTPUT, OPT_REPORT, OPT_STRICT,
       OPT_HYPERVISOR, OPT_OS };

static const struct option vm_options[] = {
  { "from", required_argument, NULL, OPT_FROM },
  { "to", required_argument, NULL, OPT_TO },
  { "output", required_argument, NULL, OPT_OUTPUT },
  { "report", required_argument, NULL, OPT_REPORT },
  { "strict", no_argument, NULL, OPT_STRICT },
  { "hypervisor", no_argument, NULL, OPT_HYPERVISOR },
  { "os", required_argument, NULL, OPT_OS },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

struct vm_args {
  const char *from, *to, *out, *report, *os;
  int json, strict, hypervisor;
};

static int parse_vm_args(int argc, char **argv, struct vm_args *a)
{
  int c;

  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", vm_options, NULL)) != -1) {
    switch (c) {
    case OPT_FROM: a->from = optarg; break;
    case OPT_TO: a->to = optarg; break;
    case 'o': a->out = optarg; break;
    case OPT_REPORT: a->report = optarg; break;
    case OPT_STRICT: a->strict = 1; break;
    case OPT_HYPERVISOR: a->hypervisor = 1; break;
    case OPT_OS:
      if (strcmp(optarg, "linux") != 0 && strcmp(optarg, "windows") != 0) {
        cli_fail("vm: --os '%s': use linux or windows", optarg);
        return -1;
      }
      a->os = optarg;
      break;
    case OPT_OUTPUT:
      if ((a->json = cli_output_mode(optarg)) < 0)
        return -1;
      break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
  }
  return optind;
}

/* Print VM and REPORT as asked; the exit code. */
static int show(const hvx_vm *vm, hvx_report *report, const struct vm_args *a)
{
  if (a->json) {
    char *v = hvx_vm_to_json(vm), *r = hvx_report_to_json(report);
    if (!v || !r) {
      free(v);
      free(r);
      cli_error();
      return 1;
    }
    printf("{\"vm\": %s, \"report\": %s}\n", v, r);
    free(v);
    free(r);
    return 0;
  }
  print_human(vm);
  return print_report(report, a->report) < 0 ? 1 : 0;
}

/* Read PATH in format F; --os sets the guest's OS hint. */
static hvx_vm *read_guest(int f, const char *path, hvx_report *report,
                          const struct vm_args *a)
{
  hvx_vm *vm = vm_formats[f].read(path, report);

  if (vm && a->os &&
      hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS, a->os) < 0) {
    hvx_vm_free(vm);
    return NULL;
  }
  return vm;
}

static int vm_show(int argc, char **argv)
{
  struct vm_args a = { 0 };
  int i = parse_vm_args(argc, argv, &a), f, rc;
  hvx_report *report;
  hvx_vm *vm;

  if (i < 0)
    return 1;
  if (argc - i != 1 || !a.from) {
    usage(stderr);
    return 1;
  }
  if ((f = find_format(a.from, false)) < 0)
    return 1;
  if (!(report = hvx_report_new())) {
    cli_error();
    return 1;
  }
  vm = read_guest(f, argv[i], report, &a);
  if (!vm) {
    cli_error();
    hvx_report_free(report);
    return 1;
  }
  rc = show(vm, report, &a);
  hvx_vm_free(vm);
  hvx_report_free(report);
  return rc;
}

static int write_out(const char *path, const char *text)
{
  FILE *f = path ? fopen(path, "w") : stdout;
  int ok = f && fputs(text, f) >= 0;

  if (path && f && fclose(f) != 0)
    ok = 0;
  if (!ok)
    cli_fail("vm: cannot write %s", path ? path : "to standard output");
  return ok ? 0 : -1;
}

/* {"output": TEXT or null, "file": PATH or null, "report": [...]} on
 * stdout. */
static int print_convert_json(const char *text, const char *path,
                              const hvx_report *report)
{
  char *r = hvx_report_to_json(report);

  if (!r) {
    cli_error();
    return -1;
  }
  fputs("{\"output\": ", stdout);
  if (text)
    cli_json_string(stdout, text);
  else
    fputs("null", stdout);
  fputs(", \"file\": ", stdout);
  if (path)
    cli_json_string(stdout, path);
  else
    fputs("null", stdout);
  printf(", \"report\": %s}\n", r);
  free(r);
  return fflush(stdout) == 0 ? 0 : -1;
}

static int vm_convert(int argc, char **argv)
{
  struct vm_args a = { 0 };
  int i = parse_vm_args(argc, argv, &a), f, t, rc = 1;
  bool strict_fail;
  hvx_report *report;
  hvx_vm *vm = NULL;
  char *text = NULL;

  if (i < 0)
    return 1;
  if (argc - i != 1 || !a.from || !a.to) {
    usage(stderr);
    return 1;
  }
  if ((f = find_format(a.from, false)) < 0 || (t = find_format(a.to, true)) < 0)
    return 1;
  if (!(report = hvx_report_new())) {
    cli_error();
    return 1;
  }
  if (!(vm = read_guest(f, argv[i], report, &a)) ||
      !(text = vm_formats[t].write(vm, report))) {
    cli_error();
    goto out;
  }
  strict_fail = a.strict &&
                hvx_report_max_severity(report) == HVX_SEVERITY_LOSS;
  /* With --output=json the report goes into the JSON on stdout (and to
   * --report=FILE if asked). */
  if ((a.json ? a.report && print_report(report, a.report) < 0
              : print_report(report, a.report) < 0))
    goto out;
  if (strict_fail) {
    cli_fail("vm: --strict: the conversion loses settings (see %s)",
             a.json ? "the report" : "above");
    rc = 2;
  } else if (a.out) {
    rc = write_out(a.out, text) < 0 ? 1 : 0;
  } else {
    rc = a.json ? 0 : write_out(NULL, text) < 0 ? 1 : 0;
  }
  if (a.json && print_convert_json(strict_fail ? NULL : text,
                                   rc == 0 ? a.out : NULL, report) < 0)
    rc = 1;
out:
  free(text);
  hvx_vm_free(vm);
  hvx_report_free(report);
  return rc;
}

static int vm_xenstore(int argc, char **argv)
{
  struct vm_args a = { 0 };
  int i = parse_vm_args(argc, argv, &a), t = -1, rc = 1;
  hvx_report *report;
  hvx_vm *vm = NULL;
  char *text = NULL;
  unsigned domid;

  if (i < 0)
    return 1;
  if (argc - i != 1) {
    usage(stderr);
    return 1;
  }
  if (cli_parse_domid(argv[i], &domid) < 0) {
    cli_fail("vm: '%s' is not a domain id (0 to 32751)", argv[i]);
    return 1;
  }
  if (a.to && (t = find_format(a.to, true)) < 0)
    return 1;
  if (!(report = hvx_report_new())) {
    cli_error();
    return 1;
  }
  /* --hypervisor: facts only Xen itself knows, through libxenctrl. */
  if (!(vm = hvx_vm_from_xenstore(domid, report)) ||
      (a.os && hvx_vm_set_extra(vm, HVX_OBJECT_GUEST, 0, HVX_EXTRA_OS,
                                a.os) < 0) ||
      (a.hypervisor && hvx_vm_add_domain_info(vm, domid) < 0) ||
      (t >= 0 && !(text = vm_formats[t].write(vm, report)))) {
    cli_error();
    goto out;
  }
  if (text)
    rc = print_report(report, a.report) < 0 || write_out(a.out, text) < 0;
  else
    rc = show(vm, report, &a);
out:
  free(text);
  hvx_vm_free(vm);
  hvx_report_free(report);
  return rc;
}

int cmd_vm(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  if (strcmp(argv[1], "show") == 0)
    return vm_show(argc - 1, argv + 1);
  if (strcmp(argv[1], "convert") == 0)
    return vm_convert(argc - 1, argv + 1);
  if (strcmp(argv[1], "xenstore") == 0)
    return vm_xenstore(argc - 1, argv + 1);
  cli_fail("vm: unknown subcommand '%s' (show, convert, xenstore)", argv[1]);
  return 1;
}
