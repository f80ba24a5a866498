/* hvx CLI - hypercall decode, hypercall list. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_LINE 4096

/* ---- decode ----------------------------------------------------------- */

static const char *hv_class_name(unsigned cls)
{
  return cls == HVX_HV_SIMPLE ? "simple" : cls == HVX_HV_REP ? "rep"
         : "unknown";
}

static const char *violation_name(unsigned kind, unsigned bit)
{
  return kind == HVX_TRACE_HV ? hvx_hv_violation_name(bit)
         : hvx_xen_violation_name(bit);
}

static const char *violation_text(unsigned kind, unsigned bit)
{
  return kind == HVX_TRACE_HV ? hvx_hv_violation_text(bit)
         : hvx_xen_violation_text(bit);
}

static void print_violations_human(const struct hvx_trace_record *r)
{
  for (unsigned bit = 1; bit; bit <<= 1)
    if (r->violations & bit)
      printf("  ! %s: %s\n", violation_name(r->kind, bit),
             violation_text(r->kind, bit));
}

static void print_violations_json(const struct hvx_trace_record *r)
{
  bool first = true;

  printf(", \"violations\": [");
  for (unsigned bit = 1; bit; bit <<= 1)
    if (r->violations & bit) {
      printf("%s{\"name\": ", first ? "" : ", ");
      cli_json_string(stdout, violation_name(r->kind, bit));
      printf(", \"text\": ");
      cli_json_string(stdout, violation_text(r->kind, bit));
      printf("}");
      first = false;
    }
  printf("]");
}

static void print_hv_human(unsigned long lineno,
                           const struct hvx_trace_record *r)
{
  const struct hvx_hv_input *in = &r->hv;

  printf("line %lu: %s (0x%04x, %s) input 0x%016" PRIx64 "\n", lineno,
         r->hv_call ? r->hv_call->name : "unknown call", in->code,
         r->hv_call ? hv_class_name(r->hv_call->cls) : "?", r->hv_value);
  printf("  fast=%d var_header_size=%u nested=%d rep_count=%u "
         "rep_start=%u", in->fast, in->var_header_size, in->nested,
         in->rep_count, in->rep_start);
  if (in->rsvd_30_27 || in->rsvd_47_44 || in->rsvd_63_60)
    printf(" rsvd_30_27=%#x rsvd_47_44=%#x rsvd_63_60=%#x", in->rsvd_30_27,
           in->rsvd_47_44, in->rsvd_63_60);
  printf("\n");
  if (r->has_result) {
    const char *sn = hvx_hv_status_name(r->hv_result.status);
    printf("  result 0x%016" PRIx64 ": %s (0x%04x), reps completed %u\n",
           r->hv_result_value, sn ? sn : "unknown status",
           r->hv_result.status, r->hv_result.reps_completed);
  }
  print_violations_human(r);
}

static void print_hv_json(unsigned long lineno,
                          const struct hvx_trace_record *r)
{
  const struct hvx_hv_input *in = &r->hv;

  printf("{\"line\": %lu, \"kind\": \"hv\", \"value\": \"0x%016" PRIx64
         "\", \"code\": %u, \"call\": ", lineno, r->hv_value, in->code);
  if (r->hv_call)
    cli_json_string(stdout, r->hv_call->name);
  else
    printf("null");
  printf(", \"class\": \"%s\", \"fast\": %s, \"var_header_size\": %u, "
         "\"nested\": %s, \"rep_count\": %u, \"rep_start\": %u, "
         "\"rsvd_30_27\": %u, \"rsvd_47_44\": %u, \"rsvd_63_60\": %u",
         r->hv_call ? hv_class_name(r->hv_call->cls) : "unknown",
         in->fast ? "true" : "false", in->var_header_size,
         in->nested ? "true" : "false", in->rep_count, in->rep_start,
         in->rsvd_30_27, in->rsvd_47_44, in->rsvd_63_60);
  if (r->has_result) {
    const char *sn = hvx_hv_status_name(r->hv_result.status);
    printf(", \"result\": {\"value\": \"0x%016" PRIx64 "\", \"status\": %u, "
           "\"status_name\": ", r->hv_result_value, r->hv_result.status);
    if (sn)
      cli_json_string(stdout, sn);
    else
      printf("null");
    printf(", \"reps_completed\": %u}", r->hv_result.reps_completed);
  }
  print_violations_json(r);
  printf("}");
}

static void print_xen_human(unsigned long lineno,
                            const struct hvx_trace_record *r)
{
  const struct hvx_xen_hypercall *h = r->xen_call;

  printf("line %lu: xen %s (%" PRIu64 ")", lineno,
         h ? (h->alias ? h->alias : h->name) : "unknown hypercall",
         r->xen.number);
  if (r->xen_subop)
    printf(" %s%s", h->subop_prefix, r->xen_subop->name);
  printf("\n ");
  for (unsigned i = 0; i < r->xen.nargs; i++)
    printf(" %s=0x%" PRIx64, hvx_xen_arg_register(i), r->xen.args[i]);
  if (h && h->number == 12 && r->xen.nargs >= 1 && (r->xen.args[0] >> 6))
    printf(" (continuation from extent %" PRIu64 ")", r->xen.args[0] >> 6);
  printf("\n");
  print_violations_human(r);
}

static void print_xen_json(unsigned long lineno,
                           const struct hvx_trace_record *r)
{
  const struct hvx_xen_hypercall *h = r->xen_call;

  printf("{\"line\": %lu, \"kind\": \"xen\", \"number\": %" PRIu64
         ", \"name\": ", lineno, r->xen.number);
  if (h)
    cli_json_string(stdout, h->alias ? h->alias : h->name);
  else
    printf("null");
  printf(", \"subop\": ");
  if (r->xen_subop) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s%s", h->subop_prefix, r->xen_subop->name);
    cli_json_string(stdout, buf);
  } else {
    printf("null");
  }
  printf(", \"args\": [");
  for (unsigned i = 0; i < r->xen.nargs; i++)
    printf("%s{\"register\": \"%s\", \"value\": \"0x%" PRIx64 "\"}",
           i ? ", " : "", hvx_xen_arg_register(i), r->xen.args[i]);
  printf("]");
  print_violations_json(r);
  printf("}");
}

/* Read one line of at most MAX_LINE bytes; a longer one is consumed and
 * reported.  Returns 1 with a line, 0 at EOF, -1 for an over-long line. */
static int read_line(FILE *f, char *buf)
{
  size_t n = 0;
  int c;

  while ((c = getc(f)) != EOF && c != '\n') {
    if (n == MAX_LINE - 1) {
      while ((c = getc(f)) != EOF && c != '\n')
        ;
      return -1;
    }
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  if (c == EOF && n == 0)
    return 0;
  if (memchr(buf, '\0', n))
    return -2;
  return 1;
}

static int cmd_hypercall_decode(int argc, char **argv)
{
  static const char usage[] =
    "hypercall decode [--output=human|json] [--no-xmm] [--xen-host] "
    "[--xen-mode=pv|hvm] [FILE|-]";
  static const struct option opts[] = {
    { "output", required_argument, NULL, 'O' },
    { "no-xmm", no_argument, NULL, 'x' },
    { "xen-host", no_argument, NULL, 'X' },
    { "xen-mode", required_argument, NULL, 'm' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct hvx_trace_options to = {
    HVX_HV_FEAT_XMM_INPUT | HVX_HV_FEAT_XMM_OUTPUT, 0
  };
  int json = 0, c, rc = 0;
  unsigned long lineno = 0;
  bool first = true;
  FILE *f = stdin;
  char *line;

  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'O':
      if ((json = cli_output_mode(optarg)) < 0)
        return 1;
      break;
    case 'x': to.hv_features &= ~(HVX_HV_FEAT_XMM_INPUT |
                                  HVX_HV_FEAT_XMM_OUTPUT); break;
    case 'X': to.hv_features |= HVX_HV_FEAT_XEN; break;
    case 'm':
      if (cli_parse_xen_mode(optarg) < 0) {
        cli_fail("hypercall decode: --xen-mode must be pv or hvm, not '%s'",
                 optarg);
        return 1;
      }
      to.xen_mode = (unsigned)cli_parse_xen_mode(optarg);
      break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  if (argc - optind == 1 && strcmp(argv[optind], "-") != 0) {
    f = fopen(argv[optind], "r");
    if (!f) {
      cli_fail("%s: %s", argv[optind], strerror(errno));
      return 1;
    }
  }
  line = malloc(MAX_LINE);
  if (!line) {
    cli_fail("out of memory");
    if (f != stdin)
      fclose(f);
    return 1;
  }
  if (json)
    printf("[");
  for (;;) {
    struct hvx_trace_record rec;
    int r = read_line(f, line);

    if (r == 0)
      break;
    lineno++;
    if (r < 0 || hvx_trace_decode_line(line, lineno, &to, &rec) < 0) {
      char msg[256];
      if (r == -1)
        snprintf(msg, sizeof msg, "hypercall trace line %lu: longer than "
                 "%d bytes", lineno, MAX_LINE - 1);
      else if (r == -2)
        snprintf(msg, sizeof msg, "hypercall trace line %lu: contains a NUL "
                 "byte", lineno);
      else
        snprintf(msg, sizeof msg, "%s", hvx_error());
      cli_fail("%s", msg);
      if (json) {
        printf("%s\n{\"line\": %lu, \"error\": ", first ? "" : ",", lineno);
        cli_json_string(stdout, msg);
        printf("}");
        first = false;
      }
      rc = 1;
      continue;
    }
    if (rec.kind == HVX_TRACE_NONE)
      continue;
    if (rec.violations && rc == 0)
      rc = 2;
    if (json) {
      printf("%s\n", first ? "" : ",");
      if (rec.kind == HVX_TRACE_HV)
        print_hv_json(lineno, &rec);
      else
        print_xen_json(lineno, &rec);
    } else if (rec.kind == HVX_TRACE_HV) {
      print_hv_human(lineno, &rec);
    } else {
      print_xen_human(lineno, &rec);
    }
    first = false;
  }
  if (ferror(f)) {
    cli_fail("reading the trace: %s", strerror(errno));
    rc = 1;
  }
  if (json)
    printf("\n]\n");
  free(line);
  if (f != stdin)
    fclose(f);
  return rc;
}

/* ---- list ------------------------------------------------------------- */

static const char *xen_callers(unsigned flags)
{
  if (flags & HVX_XEN_REMOVED)
    return "removed";
  switch (flags & (HVX_XEN_PV64 | HVX_XEN_HVM64)) {
  case HVX_XEN_PV64 | HVX_XEN_HVM64: return "pv,hvm";
  case HVX_XEN_PV64: return "pv";
  case HVX_XEN_HVM64: return "hvm";
  default: return "-";
  }
}

static const char *fast_name(unsigned fast)
{
  static const char *const names[] = { "no", "reg", "xmm", "unknown" };
  return fast < 4 ? names[fast] : "?";
}

static void list_xen(int json)
{
  size_t n;
  const struct hvx_xen_hypercall *t = hvx_xen_hypercalls(&n);

  if (!json)
    printf("Xen hypercalls (xen/xen.h; x86-64: number in RAX, arguments in "
           "RDI RSI RDX R10 R8,\nresult in RAX, hypercall page stubs 32 "
           "bytes apart)\n  nr  name                            args  "
           "callers  arguments\n");
  for (size_t i = 0; i < n; i++) {
    const struct hvx_xen_hypercall *h = &t[i];
    if (json) {
      printf("%s\n  {\"number\": %u, \"name\": ", i ? "," : "", h->number);
      cli_json_string(stdout, h->name);
      printf(", \"alias\": ");
      if (h->alias)
        cli_json_string(stdout, h->alias);
      else
        printf("null");
      printf(", \"nargs\": %u, \"args\": ", h->nargs);
      cli_json_string(stdout, h->args);
      printf(", \"callers\": \"%s\", \"compat\": %s, \"subops\": [",
             xen_callers(h->flags),
             (h->flags & HVX_XEN_COMPAT) ? "true" : "false");
      for (size_t k = 0; k < h->n_subops; k++) {
        printf("%s{\"op\": %u, \"name\": \"%s%s\", \"tools_only\": %s}",
               k ? ", " : "", h->subops[k].op, h->subop_prefix,
               h->subops[k].name,
               h->subops[k].flags ? "true" : "false");
      }
      printf("]}");
      continue;
    }
    printf("  %2u  %-30s  %u     %-7s  %s%s%s%s\n", h->number, h->name,
           h->nargs, xen_callers(h->flags), h->args,
           h->alias ? " (x86: " : "", h->alias ? h->alias : "",
           h->alias ? ")" : "");
  }
  if (json)
    return;
  for (size_t i = 0; i < n; i++) {
    const struct hvx_xen_hypercall *h = &t[i];
    if (!h->subops || h->number == 6)   /* sched_op_compat: as sched_op */
      continue;
    printf("\nsub-ops of %s (first argument):\n", h->name);
    for (size_t k = 0; k < h->n_subops; k++)
      printf("  %2u  %s%s%s\n", h->subops[k].op, h->subop_prefix,
             h->subops[k].name,
             h->subops[k].flags & HVX_XEN_SUBOP_TOOLS ? "  (tools only)" :
             h->subops[k].flags & HVX_XEN_SUBOP_INTERNAL ? "  (Xen internal)"
             : "");
  }
}

static void list_hyperv(int json)
{
  size_t n;
  const struct hvx_hv_call *t = hvx_hv_calls(&n);

  if (!json)
    printf("Hyper-V hypercalls (TLFS; x64: input value in RCX, input GPA or "
           "fast input in RDX,\noutput GPA or fast input in R8, result in "
           "RAX)\n  code    class    fast     var  name\n");
  for (size_t i = 0; i < n; i++) {
    const struct hvx_hv_call *c = &t[i];
    if (json) {
      printf("%s\n  {\"code\": %u, \"name\": \"%s\", \"class\": \"%s\", "
             "\"fast\": \"%s\", \"variable_header\": %s, \"tlfs_page\": %s, "
             "\"linux_only\": %s, \"xen\": %s}", i ? "," : "", c->code,
             c->name, hv_class_name(c->cls), fast_name(hvx_hv_call_fast(c)),
             (c->flags & HVX_HV_CALL_VAR_HEADER) ? "true" : "false",
             (c->flags & HVX_HV_CALL_TLFS_PAGE) ? "true" : "false",
             (c->flags & HVX_HV_CALL_LINUX_ONLY) ? "true" : "false",
             (c->flags & HVX_HV_CALL_XEN) ? "true" : "false");
      continue;
    }
    printf("  0x%04x  %-7s  %-7s  %-3s  %s%s%s\n", c->code,
           hv_class_name(c->cls), fast_name(hvx_hv_call_fast(c)),
           (c->flags & HVX_HV_CALL_VAR_HEADER) ? "yes" : "",
           c->name, (c->flags & HVX_HV_CALL_LINUX_ONLY) ? "  (Linux only)"
           : "", (c->flags & HVX_HV_CALL_XEN) ? "  (Xen viridian)" : "");
  }
}

static void list_hv_status(int json)
{
  size_t n;
  const struct hvx_hv_status *t = hvx_hv_statuses(&n);

  if (!json)
    printf("HV_STATUS codes\n");
  for (size_t i = 0; i < n; i++) {
    if (json)
      printf("%s\n  {\"code\": %u, \"name\": \"%s\"}", i ? "," : "",
             t[i].code, t[i].name);
    else
      printf("  0x%04x  %s\n", t[i].code, t[i].name);
  }
}

static void list_hv_msrs(int json)
{
  size_t n;
  const struct hvx_hv_msr *t = hvx_hv_msrs(&n);

  if (!json)
    printf("Hyper-V synthetic MSRs\n");
  for (size_t i = 0; i < n; i++) {
    if (json)
      printf("%s\n  {\"index\": %u, \"name\": \"%s\", \"group\": \"%s\"}",
             i ? "," : "", t[i].index, t[i].name, t[i].group);
    else
      printf("  0x%08x  %-36s %s\n", t[i].index, t[i].name, t[i].group);
  }
}

static void list_hv_cpuid(int json)
{
  static const char regs[4][4] = { "eax", "ebx", "ecx", "edx" };
  size_t n;
  const struct hvx_hv_cpuid_bit *t = hvx_hv_cpuid_bits(&n);

  if (!json)
    printf("Hyper-V CPUID leaves\n");
  for (size_t i = 0; i < n; i++) {
    if (json)
      printf("%s\n  {\"leaf\": %u, \"reg\": \"%s\", \"bit\": %u, "
             "\"width\": %u, \"name\": \"%s\"}", i ? "," : "", t[i].leaf,
             regs[t[i].reg], t[i].bit, t[i].width, t[i].name);
    else if (t[i].width == 1)
      printf("  0x%08x %s bit %-2u     %s\n", t[i].leaf, regs[t[i].reg],
             t[i].bit, t[i].name);
    else
      printf("  0x%08x %s bits %2u-%-2u %s\n", t[i].leaf, regs[t[i].reg],
             t[i].bit + t[i].width - 1, t[i].bit, t[i].name);
  }
}

static int cmd_hypercall_list(int argc, char **argv)
{
  static const char usage[] =
    "hypercall list [--output=human|json] "
    "[--xen|--hyperv|--hv-status|--hv-msrs|--hv-cpuid]";
  static const struct option opts[] = {
    { "output", required_argument, NULL, 'O' },
    { "xen", no_argument, NULL, 'x' },
    { "hyperv", no_argument, NULL, 'y' },
    { "hv-status", no_argument, NULL, 's' },
    { "hv-msrs", no_argument, NULL, 'm' },
    { "hv-cpuid", no_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int json = 0, c, what = 0;

  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'O':
      if ((json = cli_output_mode(optarg)) < 0)
        return 1;
      break;
    case 'x': case 'y': case 's': case 'm': case 'c':
      if (what && what != c) {
        cli_fail("hypercall list: give one table at a time");
        return 1;
      }
      what = c;
      break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  if (json)
    printf("[");
  switch (what) {
  case 'x': list_xen(json); break;
  case 'y': list_hyperv(json); break;
  case 's': list_hv_status(json); break;
  case 'm': list_hv_msrs(json); break;
  case 'c': list_hv_cpuid(json); break;
  default:
    if (json) {
      cli_fail("hypercall list: --output=json needs one table (--xen, "
               "--hyperv, ...)");
      return 1;
    }
    list_xen(0);
    printf("\n");
    list_hyperv(0);
    break;
  }
  if (json)
    printf("\n]\n");
  return 0;
}

int cmd_hypercall(int argc, char **argv)
{
  static const char usage[] =
    "usage: hvx hypercall decode [--output=human|json] [FILE|-]\n"
    "       hvx hypercall list [--xen|--hyperv|--hv-status|--hv-msrs|"
    "--hv-cpuid]\n"
    "decode exits 0 when every call is valid, 2 when some break the "
    "rules, 1 on errors\n";

  if (argc < 2) {
    fputs(usage, stderr);
    return 1;
  }
  if (!strcmp(argv[1], "decode"))
    return cmd_hypercall_decode(argc - 1, argv + 1);
  if (!strcmp(argv[1], "list"))
    return cmd_hypercall_list(argc - 1, argv + 1);
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(usage, stdout);
    return 0;
  }
  cli_fail("hypercall: unknown subcommand '%s' (use decode or list)",
           argv[1]);
  return 1;
}
