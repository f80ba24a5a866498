/* hvx CLI - detect (hypervisor interfaces from CPUID) and
 * enlightenments (map and compatibility report). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char reg_names[4][4] = { "eax", "ebx", "ecx", "edx" };

/* ---- detect ----------------------------------------------------------- */

static bool bit_named(uint32_t leaf, unsigned reg, unsigned bit)
{
  size_t n;
  const struct hvx_hv_cpuid_bit *t = hvx_hv_cpuid_bits(&n);

  for (size_t i = 0; i < n; i++)
    if (t[i].leaf == leaf && t[i].reg == reg && bit >= t[i].bit &&
        bit < t[i].bit + t[i].width)
      return true;
  return false;
}

/* Leaves whose registers are flag sets rather than numbers. */
static bool flag_leaf(uint32_t off)
{
  return off == 3 || off == 4 || off == 6 || off == 7 || off == 9 ||
         off == 10;
}

static void detect_hv_human(const struct hvx_detect *d)
{
  size_t n;
  const struct hvx_hv_cpuid_bit *t = hvx_hv_cpuid_bits(&n);
  struct hvx_enl_config ec;
  char iface[5];

  memcpy(iface, &d->hv_regs[1][0], 4);
  iface[4] = '\0';
  printf("Hyper-V interface (%s) at 0x%08x\n", iface, d->hv_base);
  if (d->hv_regs[2][0] || d->hv_regs[2][1])
    printf("  version %u.%u build %u (service pack %u, branch %u, number "
           "%u)\n", d->hv_regs[2][1] >> 16, d->hv_regs[2][1] & 0xFFFF,
           d->hv_regs[2][0], d->hv_regs[2][2], d->hv_regs[2][3] >> 24,
           d->hv_regs[2][3] & 0xFFFFFF);
  for (uint32_t off = 3; off < HVX_HV_LEAVES; off++)
    for (unsigned reg = 0; reg < 4; reg++) {
      uint32_t v = d->hv_regs[off][reg];
      bool any = false;

      if (!v)
        continue;
      printf("  0x%08x %s 0x%08x:", 0x40000000u + off, reg_names[reg], v);
      for (size_t i = 0; i < n; i++) {
        uint32_t mask = t[i].width == 32 ? 0xFFFFFFFFu
                        : ((1u << t[i].width) - 1);
        uint32_t field = (v >> t[i].bit) & mask;
        if (t[i].leaf != 0x40000000u + off || t[i].reg != reg || !field)
          continue;
        if (t[i].width == 1 && flag_leaf(off))
          printf(" %s", t[i].name);
        else
          printf(" %s=%u", t[i].name, field);
        any = true;
      }
      for (unsigned b = 0; b < 32; b++)
        if ((v >> b & 1) && !bit_named(0x40000000u + off, reg, b)) {
          printf(" bit%u", b);
          any = true;
        }
      if (!any)
        printf(" (no named bits)");
      printf("\n");
    }
  if (d->xen && !d->hv_regs[4][0] && !d->hv_regs[4][1])
    printf("  note: leaf 0x40000004 is empty: Xen fills it only once a "
           "Windows guest has set HV_X64_MSR_GUEST_OS_ID\n");
  hvx_enl_from_detect(d, &ec);
  printf("  enlightenments:");
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (ec.set & HVX_ENL_BIT(f))
      printf(" %s", hvx_enl_info(f)->name);
  printf("\n");
}

/* The name of bit B in table T, or "bitB" in BUF. */
static const char *flag_name(const struct hvx_cpuid_flag *t, size_t n,
                             unsigned b, char buf[8])
{
  for (size_t i = 0; i < n; i++)
    if (t[i].bit == b)
      return t[i].name;
  snprintf(buf, 8, "bit%u", b);
  return buf;
}

static void print_flags(const struct hvx_cpuid_flag *t, size_t n,
                        uint32_t v, int json)
{
  char buf[8];
  bool first = true;

  if (json)
    printf("[");
  for (unsigned b = 0; b < 32; b++) {
    if (!(v >> b & 1))
      continue;
    if (json)
      printf("%s\"%s\"", first ? "" : ", ", flag_name(t, n, b, buf));
    else
      printf(" %s", flag_name(t, n, b, buf));
    first = false;
  }
  if (json)
    printf("]");
}

static void detect_human(const struct hvx_detect *d)
{
  size_t n;
  const struct hvx_cpuid_flag *t;

  printf("hypervisor bit (CPUID.1:ECX[31]): %s\n",
         !d->have_leaf1 ? "unknown (no leaf 1)" :
         d->hypervisor_bit ? "set" : "clear");
  if (!d->n_sigs)
    printf("no hypervisor signature in 0x40000000-0x4000FF00\n");
  for (unsigned i = 0; i < d->n_sigs; i++) {
    printf("signature at 0x%08x (max leaf 0x%08x): ", d->sigs[i].base,
           d->sigs[i].max_leaf);
    cli_json_string(stdout, d->sigs[i].id);
    printf(" %s\n", d->sigs[i].vendor ? d->sigs[i].vendor : "(unknown)");
  }
  if (d->linux_choice >= 0)
    printf("Linux would use: %s (0x%08x)\n",
           d->sigs[d->linux_choice].vendor, d->sigs[d->linux_choice].base);
  if (d->hv)
    detect_hv_human(d);
  if (d->xen) {
    printf("Xen at 0x%08x: version %u.%u, %u hypercall page(s), MSR base "
           "0x%08x\n", d->xen_base, d->xen_major, d->xen_minor,
           d->xen_hypercall_pages, d->xen_msr_base);
    if (d->xen_has_hvm_leaf) {
      t = hvx_xen_hvm_flags(&n);
      printf("  HVM features:");
      print_flags(t, n, d->xen_hvm_features, 0);
      printf("\n");
    }
  }
  if (d->kvm) {
    printf("KVM at 0x%08x\n  features:", d->kvm_base);
    t = hvx_kvm_feature_flags(&n);
    print_flags(t, n, d->kvm_features, 0);
    printf("\n  hints:");
    t = hvx_kvm_hint_flags(&n);
    print_flags(t, n, d->kvm_hints, 0);
    printf("\n");
  }
}

static void detect_json(const struct hvx_detect *d)
{
  size_t n;
  const struct hvx_cpuid_flag *t;

  printf("{\n  \"hypervisor_bit\": %s,\n  \"signatures\": [",
         !d->have_leaf1 ? "null" : d->hypervisor_bit ? "true" : "false");
  for (unsigned i = 0; i < d->n_sigs; i++) {
    printf("%s{\"base\": %u, \"max_leaf\": %u, \"id\": ", i ? ", " : "",
           d->sigs[i].base, d->sigs[i].max_leaf);
    cli_json_string(stdout, d->sigs[i].id);
    printf(", \"vendor\": ");
    if (d->sigs[i].vendor)
      cli_json_string(stdout, d->sigs[i].vendor);
    else
      printf("null");
    printf("}");
  }
  printf("],\n  \"linux_choice\": ");
  if (d->linux_choice >= 0)
    printf("\"%s\"", d->sigs[d->linux_choice].vendor);
  else
    printf("null");
  printf(",\n  \"hyperv\": ");
  if (d->hv) {
    struct hvx_enl_config ec;
    const struct hvx_hv_cpuid_bit *b = hvx_hv_cpuid_bits(&n);
    bool first = true;

    printf("{\"base\": %u, \"leaves\": [", d->hv_base);
    for (unsigned i = 0; i < HVX_HV_LEAVES; i++)
      printf("%s[%u, %u, %u, %u]", i ? ", " : "", d->hv_regs[i][0],
             d->hv_regs[i][1], d->hv_regs[i][2], d->hv_regs[i][3]);
    printf("], \"bits\": {");
    for (size_t i = 0; i < n; i++) {
      uint32_t off = b[i].leaf - 0x40000000u;
      uint32_t mask = b[i].width == 32 ? 0xFFFFFFFFu
                      : ((1u << b[i].width) - 1);
      uint32_t field = (d->hv_regs[off][b[i].reg] >> b[i].bit) & mask;
      if (!field || off < 2)
        continue;
      printf("%s\"0x%08x.%s.%s\": %u", first ? "" : ", ", b[i].leaf,
             reg_names[b[i].reg], b[i].name, field);
      first = false;
    }
    hvx_enl_from_detect(d, &ec);
    printf("}, \"enlightenments\": [");
    first = true;
    for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
      if (ec.set & HVX_ENL_BIT(f)) {
        printf("%s\"%s\"", first ? "" : ", ", hvx_enl_info(f)->name);
        first = false;
      }
    printf("]}");
  } else {
    printf("null");
  }
  printf(",\n  \"xen\": ");
  if (d->xen) {
    printf("{\"base\": %u, \"version\": \"%u.%u\", \"hypercall_pages\": %u, "
           "\"msr_base\": %u, \"hvm_features\": ", d->xen_base, d->xen_major,
           d->xen_minor, d->xen_hypercall_pages, d->xen_msr_base);
    t = hvx_xen_hvm_flags(&n);
    if (d->xen_has_hvm_leaf)
      print_flags(t, n, d->xen_hvm_features, 1);
    else
      printf("null");
    printf("}");
  } else {
    printf("null");
  }
  printf(",\n  \"kvm\": ");
  if (d->kvm) {
    printf("{\"base\": %u, \"features\": ", d->kvm_base);
    t = hvx_kvm_feature_flags(&n);
    print_flags(t, n, d->kvm_features, 1);
    printf(", \"hints\": ");
    t = hvx_kvm_hint_flags(&n);
    print_flags(t, n, d->kvm_hints, 1);
    printf("}");
  } else {
    printf("null");
  }
  printf("\n}\n");
}

static int load_dump(const char *path, struct hvx_cpuid_dump *dump)
{
  if (path)
    return hvx_cpuid_dump_read(path, dump);
  return hvx_cpuid_probe(dump);
}

int cmd_detect(int argc, char **argv)
{
  static const char usage[] =
    "detect [--output=human|json] [--cpuid-dump FILE]";
  static const struct option opts[] = {
    { "output", required_argument, NULL, 'O' },
    { "cpuid-dump", required_argument, NULL, 'd' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *path = NULL;
  struct hvx_cpuid_dump dump;
  struct hvx_detect d;
  int json = 0, c;

  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'O':
      if ((json = cli_output_mode(optarg)) < 0)
        return 1;
      break;
    case 'd': path = optarg; break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  if (load_dump(path, &dump) < 0) {
    cli_error();
    return 1;
  }
  hvx_detect_from_dump(&dump, &d);
  hvx_cpuid_dump_free(&dump);
  if (json)
    detect_json(&d);
  else
    detect_human(&d);
  return 0;
}

/* ---- enlightenments --------------------------------------------------- */

static void print_set_json(hvx_enl_set s)
{
  bool first = true;

  printf("[");
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (s & HVX_ENL_BIT(f)) {
      printf("%s\"%s\"", first ? "" : ", ", hvx_enl_info(f)->name);
      first = false;
    }
  printf("]");
}

static void print_json_or_null(const char *s)
{
  if (s)
    cli_json_string(stdout, s);
  else
    printf("null");
}

static void print_table(int json)
{
  if (json)
    printf("[");
  else
    printf("%-24s %-22s %-28s %-18s %s\n", "feature", "xl viridian",
           "qemu", "libvirt", "requires");
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++) {
    const struct hvx_enl_info *e = hvx_enl_info(f);
    if (json) {
      printf("%s\n  {\"name\": \"%s\", \"description\": ", f ? "," : "",
             e->name);
      cli_json_string(stdout, e->description);
      printf(", \"cpuid_leaf\": %u, \"cpuid_reg\": \"%s\", "
             "\"cpuid_mask\": %u, \"requires\": ", e->cpuid_leaf,
             reg_names[e->cpuid_reg], e->cpuid_mask);
      print_set_json(e->requires);
      printf(", \"xl\": ");
      print_json_or_null(e->xl);
      printf(", \"xl_note\": ");
      print_json_or_null(e->xl_note);
      printf(", \"qemu\": ");
      print_json_or_null(e->qemu);
      printf(", \"qemu_note\": ");
      print_json_or_null(e->qemu_note);
      printf(", \"libvirt\": ");
      print_json_or_null(e->libvirt);
      printf("}");
      continue;
    }
    printf("%-24s %-22s %-28s %-18s", e->name, e->xl ? e->xl : "-",
           e->qemu ? e->qemu : "-", e->libvirt ? e->libvirt : "-");
    for (unsigned g = 0; g < HVX_ENL_COUNT; g++)
      if (e->requires & HVX_ENL_BIT(g))
        printf(" %s", hvx_enl_info(g)->name);
    printf("\n");
  }
  if (json)
    printf("\n]\n");
}

/* Read all of PATH ("-" for stdin), at most 1 MiB. */
static char *read_text(const char *path)
{
  FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
  size_t cap = 1024 * 1024, n;
  char *buf;

  if (!f) {
    cli_fail("%s: %s", path, strerror(errno));
    return NULL;
  }
  buf = malloc(cap + 1);
  if (!buf) {
    cli_fail("out of memory");
    if (f != stdin)
      fclose(f);
    return NULL;
  }
  n = fread(buf, 1, cap + 1, f);
  if (ferror(f) || n > cap) {
    cli_fail("%s: %s", path, ferror(f) ? strerror(errno)
             : "longer than 1 MiB");
    free(buf);
    buf = NULL;
  } else {
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
      cli_fail("%s: contains a NUL byte", path);
      free(buf);
      buf = NULL;
    }
  }
  if (f != stdin)
    fclose(f);
  return buf;
}

static char *join_args(int argc, char **argv)
{
  size_t len = 1;
  char *s;

  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  s = malloc(len);
  if (!s) {
    cli_fail("out of memory");
    return NULL;
  }
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    if (i)
      strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

static void report_human(unsigned from, const struct hvx_enl_report *r)
{
  printf("source (%s):", hvx_vocab_name(from));
  for (unsigned f = 0; f < HVX_ENL_COUNT; f++)
    if (r->source.set & HVX_ENL_BIT(f))
      printf(" %s", hvx_enl_info(f)->name);
  if (!r->source.set)
    printf(" (no Hyper-V enlightenments)");
  printf("\ntarget (%s):\n", hvx_vocab_name(r->target_vocab));
  printf("%s\n", r->config[0] ? r->config : "(nothing to enable)");
  for (size_t i = 0; i < r->n_items; i++)
    printf("  %-8s %-24s %s\n", hvx_enl_status_name(r->items[i].status),
           hvx_enl_info(r->items[i].feature)->name, r->items[i].reason);
}

static void report_json(unsigned from, const struct hvx_enl_report *r)
{
  printf("{\n  \"source\": {\"vocabulary\": \"%s\", \"features\": ",
         hvx_vocab_name(from));
  print_set_json(r->source.set);
  if (from == HVX_VOCAB_XL)
    printf(", \"viridian_mask\": %u", r->source.viridian_mask);
  printf("},\n  \"target\": {\"vocabulary\": \"%s\", \"config\": ",
         hvx_vocab_name(r->target_vocab));
  cli_json_string(stdout, r->config);
  printf(", \"features\": ");
  print_set_json(r->target.set);
  if (r->target_vocab == HVX_VOCAB_XL)
    printf(", \"viridian_mask\": %u", r->target.viridian_mask);
  printf("},\n  \"items\": [");
  for (size_t i = 0; i < r->n_items; i++) {
    printf("%s\n    {\"feature\": \"%s\", \"status\": \"%s\", \"reason\": ",
           i ? "," : "", hvx_enl_info(r->items[i].feature)->name,
           hvx_enl_status_name(r->items[i].status));
    cli_json_string(stdout, r->items[i].reason);
    printf("}");
  }
  printf("\n  ]\n}\n");
}

int cmd_enlightenments(int argc, char **argv)
{
  static const char usage[] =
    "enlightenments [--output=human|json] --from xl|hv|qemu|libvirt|cpuid "
    "[--to xl|qemu|libvirt|hv] [--file FILE] [TEXT...]\n"
    "       hvx enlightenments --table [--output=human|json]\n"
    "exits 0 when the target provides everything, 2 when something is "
    "missing, 1 on errors";
  static const struct option opts[] = {
    { "output", required_argument, NULL, 'O' },
    { "from", required_argument, NULL, 'f' },
    { "to", required_argument, NULL, 't' },
    { "file", required_argument, NULL, 'F' },
    { "table", no_argument, NULL, 'T' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int json = 0, c, from = -1, to = -1, rc = 0;
  bool table = false;
  const char *file = NULL;
  struct hvx_enl_config src;
  struct hvx_enl_report *rep;

  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'O':
      if ((json = cli_output_mode(optarg)) < 0)
        return 1;
      break;
    case 'f':
    case 't': {
      int v = hvx_vocab_by_name(optarg);
      if (v < 0 || (c == 't' && v == HVX_VOCAB_CPUID)) {
        cli_fail("enlightenments: unknown %s vocabulary '%s'",
                 c == 'f' ? "--from" : "--to", optarg);
        return 1;
      }
      if (c == 'f')
        from = v;
      else
        to = v;
      break;
    }
    case 'F': file = optarg; break;
    case 'T': table = true; break;
    case 'h': printf("usage: hvx %s\n", usage); return 0;
    default: fprintf(stderr, "usage: hvx %s\n", usage); return 1;
    }
  }
  if (table) {
    print_table(json);
    return 0;
  }
  if (from < 0) {
    fprintf(stderr, "usage: hvx %s\n", usage);
    return 1;
  }
  if (to < 0)
    to = from == HVX_VOCAB_XL ? HVX_VOCAB_QEMU : HVX_VOCAB_XL;

  if (from == HVX_VOCAB_CPUID) {
    struct hvx_cpuid_dump dump;
    struct hvx_detect d;
    const char *path = file ? file : optind < argc ? argv[optind] : NULL;

    if (argc - optind > (file ? 0 : 1)) {
      fprintf(stderr, "usage: hvx %s\n", usage);
      return 1;
    }
    if (load_dump(path, &dump) < 0) {
      cli_error();
      return 1;
    }
    hvx_detect_from_dump(&dump, &d);
    hvx_cpuid_dump_free(&dump);
    hvx_enl_from_detect(&d, &src);
  } else {
    char *text;
    int r;

    if (file && optind < argc) {
      cli_fail("enlightenments: give --file or TEXT, not both");
      return 1;
    }
    if (!file && optind == argc) {
      cli_fail("enlightenments: no configuration given (TEXT, --file FILE "
               "or --file -)");
      return 1;
    }
    text = file ? read_text(file) : join_args(argc - optind, argv + optind);
    if (!text)
      return 1;
    r = hvx_enl_parse((unsigned)from, text, &src);
    free(text);
    if (r < 0) {
      cli_error();
      return 1;
    }
  }
  rep = malloc(sizeof *rep);
  if (!rep) {
    cli_fail("out of memory");
    return 1;
  }
  if (hvx_enl_compat(&src, (unsigned)to, rep) < 0) {
    cli_error();
    free(rep);
    return 1;
  }
  if (json)
    report_json((unsigned)from, rep);
  else
    report_human((unsigned)from, rep);
  for (size_t i = 0; i < rep->n_items; i++)
    if (rep->items[i].status == HVX_ENL_MISSING)
      rc = 2;
  free(rep);
  return rc;
}
