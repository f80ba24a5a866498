/* hvx fuzz target: one text parser (guest descriptions, traces, CPUID
 * dumps, enlightenment vocabularies, VBD names), chosen at build time
 * with -DFUZZ_PARSER="xl" or at run time with HVX_FUZZ_PARSER.
 *
 * Besides "no crash, hang, leak or undefined behaviour", each target
 * checks what hvx promises about its parser, and aborts (a crash to the
 * fuzzer) when a promise is broken:
 *   - a failure sets an errno and a non-empty message;
 *   - what a parser accepts, its writer can write and the parser reads
 *     back as the same thing (xl, Hyper-V XML, VBD names, enlightenment
 *     configs); OVF is written and read back (its paths are rewritten,
 *     so only success is checked);
 *   - the writers and translators of the other formats do not crash on
 *     whatever model the parser produced.
 * Built like fuzz-image.c: a libFuzzer/AFL++ target with
 * -DHVX_LIBFUZZER, else a replay program `fuzz-config FILE...`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <signal.h>

#include <hvx.h>

#include "fuzz-scratch.h"
#include "parse.h"   /* cli/: the CLI's own argument parsers */

#ifndef FUZZ_PARSER
#define FUZZ_PARSER NULL
#endif

/* A broken promise: say which and crash, so the fuzzer keeps the input. */
#define PROMISE(cond, ...)                                                \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "fuzz-config: broken promise: " __VA_ARGS__);       \
      fprintf(stderr, "\n  (%s; last error %d: %s)\n", #cond, hvx_errno(), \
              hvx_error());                                               \
      abort();                                                            \
    }                                                                     \
  } while (0)

/* A failed call must say why. */
static void failed_properly(const char *what)
{
  PROMISE(hvx_errno() != 0 && hvx_error()[0] != '\0',
          "%s failed without errno or message", what);
}

/* The input as a NUL-terminated string (an embedded NUL ends it early,
 * as it would for a caller reading a C string). */
static char *cstring(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (!s)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

static void same_model(const hvx_vm *a, const hvx_vm *b, const char *what)
{
  char *ja = hvx_vm_to_json(a), *jb = hvx_vm_to_json(b);
  PROMISE(ja && jb, "%s: model as JSON", what);
  if (strcmp(ja, jb) != 0)
    fprintf(stderr, "first:  %s\nsecond: %s\n", ja, jb);
  PROMISE(strcmp(ja, jb) == 0, "%s changed the model", what);
  free(ja);
  free(jb);
}

static int same_str(const char *a, const char *b)
{
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* Disk I of A and disk J of B hold the same facts. */
static int same_disk(const hvx_vm *a, size_t i, const hvx_vm *b, size_t j)
{
  int n = hvx_vm_extra_count(a, HVX_OBJECT_DISK, i);

  if (hvx_vm_disk_bus(a, i) != hvx_vm_disk_bus(b, j) ||
      hvx_vm_disk_controller(a, i) != hvx_vm_disk_controller(b, j) ||
      hvx_vm_disk_slot(a, i) != hvx_vm_disk_slot(b, j) ||
      hvx_vm_disk_partition(a, i) != hvx_vm_disk_partition(b, j) ||
      hvx_vm_disk_cdrom(a, i) != hvx_vm_disk_cdrom(b, j) ||
      hvx_vm_disk_readonly(a, i) != hvx_vm_disk_readonly(b, j) ||
      !same_str(hvx_vm_disk_path(a, i), hvx_vm_disk_path(b, j)) ||
      !same_str(hvx_vm_disk_format(a, i), hvx_vm_disk_format(b, j)) ||
      !same_str(hvx_vm_disk_name(a, i), hvx_vm_disk_name(b, j)) ||
      n != hvx_vm_extra_count(b, HVX_OBJECT_DISK, j))
    return 0;
  for (int k = 0; k < n; k++)
    if (!same_str(hvx_vm_extra_value(a, HVX_OBJECT_DISK, i, (size_t)k),
                  hvx_vm_extra(b, HVX_OBJECT_DISK, j,
                               hvx_vm_extra_key(a, HVX_OBJECT_DISK, i,
                                                (size_t)k))))
      return 0;
  return 1;
}

/* A and B are the same guest, their disks perhaps in another order
 * (Hyper-V XML lists drives by device section, and the writer sorts the
 * sections as Hyper-V does). */
static void same_model_any_disk_order(const hvx_vm *a, const hvx_vm *b,
                                      const char *what)
{
  size_t n = hvx_vm_disk_count(a);
  hvx_vm *ca, *cb;

  PROMISE(n == hvx_vm_disk_count(b), "%s changed the number of disks",
          what);
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < n && !same_disk(a, i, b, j))
      j++;
    PROMISE(j < n, "%s changed disk %zu", what, i);
  }
  ca = hvx_vm_dup(a);
  cb = hvx_vm_dup(b);
  PROMISE(ca && cb, "hvx_vm_dup");
  while (hvx_vm_disk_count(ca))
    hvx_vm_remove_disk(ca, 0);
  while (hvx_vm_disk_count(cb))
    hvx_vm_remove_disk(cb, 0);
  same_model(ca, cb, what);
  hvx_vm_free(ca);
  hvx_vm_free(cb);
}

/* The Hyper-V XML writer fills in what a guest leaves open, as
 * documented (hyperv-xml-write.c): a UUID, one vCPU, and instance GUIDs
 * derived from the UUID ("hyperv.instance", "hyperv.scsiN.instance").
 * A copy of A with those taken from B, for comparing A with B. */
static hvx_vm *with_writer_defaults(const hvx_vm *a, const hvx_vm *b)
{
  hvx_vm *c = hvx_vm_dup(a);
  PROMISE(c, "hvx_vm_dup");
  if (!hvx_vm_uuid(c) && hvx_vm_uuid(b))
    hvx_vm_set_uuid(c, hvx_vm_uuid(b));
  if (!hvx_vm_vcpus(c))
    hvx_vm_set_vcpus(c, hvx_vm_vcpus(b));
  for (int obj = HVX_OBJECT_GUEST; obj <= HVX_OBJECT_NIC; obj++) {
    size_t n = obj == HVX_OBJECT_GUEST ? 1 : obj == HVX_OBJECT_DISK ?
               hvx_vm_disk_count(b) : hvx_vm_nic_count(b);
    size_t nc = obj == HVX_OBJECT_GUEST ? 1 : obj == HVX_OBJECT_DISK ?
                hvx_vm_disk_count(c) : hvx_vm_nic_count(c);
    for (size_t i = 0; i < n && i < nc; i++) {
      int count = hvx_vm_extra_count(b, obj, i);
      for (int j = 0; j < count; j++) {
        const char *k = hvx_vm_extra_key(b, obj, i, (size_t)j);
        size_t kl = strlen(k);
        if (strncmp(k, "hyperv.", 7) == 0 && kl > 9 &&
            strcmp(k + kl - 9, ".instance") == 0 &&
            !hvx_vm_extra(c, obj, i, k))
          hvx_vm_set_extra(c, obj, i, k,
                           hvx_vm_extra_value(b, obj, i, (size_t)j));
      }
    }
  }
  return c;
}

/* Every writer and translator on a model read from hostile input: they
 * may refuse it, but must not crash. */
static void write_everything(const hvx_vm *vm)
{
  hvx_report *r = hvx_report_new();
  hvx_vm *hv = NULL, *xen = NULL;
  char *s;
  size_t len;

  free(hvx_vm_to_json(vm));
  hvx_vm_validate(vm);
  free(hvx_vm_to_libvirt(vm, "xen", r));
  free(hvx_vm_to_libvirt(vm, "hyperv", r));
  for (size_t i = 0; i < hvx_vm_disk_count(vm); i++)
    free(hvx_xl_disk_spec(vm, i, r));
  if (hvx_hyperv_translate(vm, 0, &hv, r) == 0) {
    if (hvx_vm_to_hyperv_xml(hv, 0, &s, &len, r) == 0)
      free(s);
    free(hvx_hyperv_to_powershell(hv, r));
    hvx_hyperv_generation(hv);
    hvx_vm_free(hv);
  }
  if (hvx_xen_translate(vm, &xen, r) == 0) {
    free(hvx_vm_to_xl(xen, r));
    hvx_vm_free(xen);
  }
  free(hvx_report_to_json(r));
  hvx_report_free(r);
}

typedef hvx_vm *guest_reader(const char *data, size_t len,
                              const char *filename, hvx_report *report);

/* The guest READ makes of the input (with a report, as the CLI asks for
 * one), or NULL after checking the failure says why. */
static hvx_vm *read_guest(guest_reader *read, const uint8_t *data,
                          size_t size, const char *filename, const char *what)
{
  hvx_report *r = hvx_report_new();
  hvx_vm *vm;

  hvx_clear_error();
  vm = read((const char *)data, size, filename, r);
  hvx_report_free(r);
  if (!vm)
    failed_properly(what);
  return vm;
}

static void fuzz_xl(const uint8_t *data, size_t size)
{
  hvx_vm *vm, *back;
  char *out, *again;

  vm = read_guest(hvx_vm_from_xl, data, size, "fuzz.cfg", "hvx_vm_from_xl");
  if (!vm) {
    PROMISE(strncmp(hvx_error(), "xl: ", 4) == 0, "xl error without 'xl: '");
    return;
  }
  /* xl -> model -> xl -> model: the same model, the same text */
  out = hvx_vm_to_xl(vm, NULL);
  PROMISE(out, "an xl.cfg read could not be written");
  back = hvx_vm_from_xl(out, strlen(out), "again.cfg", NULL);
  if (!back)
    fprintf(stderr, "written:\n%s\n", out);
  PROMISE(back, "the xl.cfg hvx wrote could not be read back");
  same_model(vm, back, "xl round trip");
  again = hvx_vm_to_xl(back, NULL);
  PROMISE(again && strcmp(out, again) == 0, "xl written twice differs");
  free(again);
  free(out);
  hvx_vm_free(back);
  write_everything(vm);
  hvx_vm_free(vm);
}

static void fuzz_hyperv_xml(const uint8_t *data, size_t size)
{
  hvx_vm *vm, *back;
  char *x1, *x2;
  size_t l1, l2;

  if (!(vm = read_guest(hvx_vm_from_hyperv_xml, data, size, "fuzz.xml",
                        "hvx_vm_from_hyperv_xml")))
    return;
  /* what was read is laid out for Hyper-V already: XML -> model -> XML
   * -> model gives the same model and the same XML */
  PROMISE(hvx_vm_to_hyperv_xml(vm, 0, &x1, &l1, NULL) == 0,
          "a Hyper-V XML read could not be written");
  back = hvx_vm_from_hyperv_xml(x1, l1, "again.xml", NULL);
  if (!back)
    fprintf(stderr, "written:\n%s\n", x1);
  PROMISE(back, "the Hyper-V XML hvx wrote could not be read back");
  {
    hvx_vm *filled = with_writer_defaults(vm, back);
    same_model_any_disk_order(filled, back, "Hyper-V XML round trip");
    hvx_vm_free(filled);
  }
  PROMISE(hvx_vm_to_hyperv_xml(back, 0, &x2, &l2, NULL) == 0 && l1 == l2 &&
          memcmp(x1, x2, l1) == 0, "Hyper-V XML written twice differs");
  free(x1);
  free(x2);
  hvx_vm_free(back);
  write_everything(vm);
  hvx_vm_free(vm);
}

static void fuzz_ovf(const uint8_t *data, size_t size)
{
  hvx_vm *vm, *back;
  char *out;

  if (!(vm = read_guest(hvx_vm_from_ovf, data, size, "fuzz.ovf",
                        "hvx_vm_from_ovf")))
    return;
  out = hvx_vm_to_ovf(vm, NULL);
  if (out) {
    back = hvx_vm_from_ovf(out, strlen(out), "again.ovf", NULL);
    if (!back)
      fprintf(stderr, "written:\n%s\n", out);
    PROMISE(back, "the OVF hvx wrote could not be read back");
    hvx_vm_free(back);
    free(out);
  } else {
    failed_properly("hvx_vm_to_ovf");
  }
  write_everything(vm);
  hvx_vm_free(vm);
}

/* A trace, one line at a time as `hvx hypercall trace` reads it; the
 * names and texts the CLI prints are looked up too. */
static void fuzz_trace(const uint8_t *data, size_t size)
{
  char *text = cstring(data, size), *line = text, *nl;
  unsigned long lineno = 0;

  for (; line; line = nl) {
    struct hvx_trace_options opts = { 0, 0 };
    struct hvx_trace_record rec;

    nl = strchr(line, '\n');
    if (nl)
      *nl++ = '\0';
    lineno++;
    /* vary the options by line so both modes are exercised */
    opts.hv_features = (lineno & 1) ? ~0u : 0;
    opts.xen_mode = (lineno & 2) ? HVX_XEN_PV64 : HVX_XEN_HVM64;
    hvx_clear_error();
    if (hvx_trace_decode_line(line, lineno, &opts, &rec) < 0) {
      failed_properly("hvx_trace_decode_line");
      continue;
    }
    for (unsigned bit = 1; bit; bit <<= 1) {
      if (!(rec.violations & bit))
        continue;
      if (rec.kind == HVX_TRACE_HV)
        PROMISE(hvx_hv_violation_name(bit) && hvx_hv_violation_text(bit),
                "Hyper-V violation bit %#x has no name", bit);
      else
        PROMISE(hvx_xen_violation_name(bit) && hvx_xen_violation_text(bit),
                "Xen violation bit %#x has no name", bit);
    }
    if (rec.kind == HVX_TRACE_HV && rec.has_result)
      hvx_hv_status_name(rec.hv_result.status);
    if (rec.kind == HVX_TRACE_XEN) {
      PROMISE(!rec.xen_subop || rec.xen_call, "a Xen subop without a call");
      PROMISE(rec.xen.nargs <= HVX_XEN_MAX_ARGS, "too many Xen arguments");
      for (unsigned i = 0; i < rec.xen.nargs; i++)
        PROMISE(hvx_xen_arg_register(i), "no register for argument %u", i);
    }
  }
  free(text);
}

static const unsigned target_vocabs[] = {
  HVX_VOCAB_HV, HVX_VOCAB_XL, HVX_VOCAB_QEMU, HVX_VOCAB_LIBVIRT,
};

/* The suggested configuration in each vocabulary must parse, in that
 * vocabulary, to the features the report says it gives. */
static void compat_everywhere(const struct hvx_enl_config *src)
{
  static struct hvx_enl_report rep;   /* large: keep it off the stack */

  for (size_t k = 0; k < sizeof target_vocabs / sizeof *target_vocabs; k++) {
    struct hvx_enl_config back;
    unsigned v = target_vocabs[k];

    hvx_clear_error();
    if (hvx_enl_compat(src, v, &rep) < 0) {
      failed_properly("hvx_enl_compat");
      continue;
    }
    PROMISE(rep.n_items <= HVX_ENL_COUNT, "too many report items");
    PROMISE(memchr(rep.config, '\0', sizeof rep.config),
            "suggested config not terminated");
    for (size_t i = 0; i < rep.n_items; i++)
      PROMISE(hvx_enl_info(rep.items[i].feature) &&
              hvx_enl_status_name(rep.items[i].status),
              "report item %zu names nothing", i);
    if (hvx_enl_parse(v, rep.config, &back) < 0)
      fprintf(stderr, "%s config: %s\n", hvx_vocab_name(v), rep.config);
    PROMISE(hvx_enl_parse(v, rep.config, &back) == 0,
            "the suggested %s config does not parse", hvx_vocab_name(v));
    PROMISE(back.set == rep.target.set,
            "the suggested %s config gives other features",
            hvx_vocab_name(v));
  }
}

/* The first byte picks the vocabulary ('0' hv, '1' xl, '2' qemu,
 * '3' libvirt: the seeds start with that digit); the rest is the text. */
static void fuzz_enl(const uint8_t *data, size_t size)
{
  struct hvx_enl_config cfg;
  unsigned vocab;
  char *text;

  if (size < 1)
    return;
  vocab = target_vocabs[data[0] % 4];
  text = cstring(data + 1, size - 1);
  hvx_clear_error();
  if (hvx_enl_parse(vocab, text, &cfg) < 0)
    failed_properly("hvx_enl_parse");
  else
    compat_everywhere(&cfg);
  free(text);
}

static void fuzz_cpuid(const uint8_t *data, size_t size)
{
  struct hvx_cpuid_dump dump = { 0, NULL };
  struct hvx_detect det;
  struct hvx_enl_config cfg;
  uint32_t regs[4];

  hvx_clear_error();
  if (hvx_cpuid_dump_parse((const char *)data, size, &dump) < 0) {
    failed_properly("hvx_cpuid_dump_parse");
    hvx_cpuid_dump_free(&dump);
    return;
  }
  PROMISE(dump.n <= HVX_CPUID_MAX_LEAVES, "%zu leaves kept", dump.n);
  for (size_t i = 0; i < dump.n; i++)
    PROMISE(hvx_cpuid_dump_get(&dump, dump.leaves[i].leaf,
                               dump.leaves[i].subleaf, regs),
            "leaf %zu cannot be found", i);
  hvx_detect_from_dump(&dump, &det);
  PROMISE(det.n_sigs <= HVX_DETECT_MAX_SIGS, "%u signatures", det.n_sigs);
  PROMISE(det.linux_choice >= -1 && det.linux_choice < (int)det.n_sigs,
          "Linux's choice %d of %u", det.linux_choice, det.n_sigs);
  for (unsigned i = 0; i < det.n_sigs; i++)
    PROMISE(memchr(det.sigs[i].id, '\0', sizeof det.sigs[i].id),
            "signature %u not terminated", i);
  hvx_enl_from_detect(&det, &cfg);
  compat_everywhere(&cfg);
  hvx_cpuid_dump_free(&dump);
}

/* A VBD name: parsed, its number named and split, and back. */
static void fuzz_vbd(const uint8_t *data, size_t size)
{
  char *name = cstring(data, size), buf[16];
  uint32_t n, again;
  unsigned disk, part;
  int bus;

  hvx_clear_error();
  if (hvx_vbd_parse(name, &n) < 0) {
    failed_properly("hvx_vbd_parse");
    free(name);
    return;
  }
  free(name);
  /* Names are canonical: several numbers may share one (xvdb in the
   * 202 and the extended form), but a name reads back to a number of
   * the same name. */
  if (hvx_vbd_name(n, buf, sizeof buf) == 0) {
    char buf2[16];
    PROMISE(hvx_vbd_parse(buf, &again) == 0 &&
            hvx_vbd_name(again, buf2, sizeof buf2) == 0 &&
            strcmp(buf, buf2) == 0,
            "name '%s' of VBD %u does not read back", buf, n);
  } else {
    failed_properly("hvx_vbd_name");
  }
  if (hvx_vbd_decode(n, &bus, &disk, &part) == 0) {
    if (hvx_vbd_encode(bus, disk, part, &again) == 0)
      PROMISE(hvx_vbd_decode(again, NULL, NULL, NULL) == 0,
              "VBD %u encodes to undecodable %u", n, again);
    else
      failed_properly("hvx_vbd_encode");
  } else {
    failed_properly("hvx_vbd_decode");
  }
}

/* The lines of TEXT (LEN bytes) in reverse order, in a new buffer of
 * *OUTLEN bytes. */
static char *reverse_lines(const char *text, size_t len, size_t *outlen)
{
  char *out = malloc(len + 2), *at = out;
  size_t end = len;

  PROMISE(out, "malloc");
  while (end > 0) {
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n')
      start--;
    memcpy(at, text + start, end - start);
    at += end - start;
    *at++ = '\n';
    end = start ? start - 1 : 0;
  }
  *at = '\0';
  *outlen = (size_t)(at - out);
  return out;
}

/* A xenstore listing (hvx_vm_from_xenstore_listing), read for each
 * domain it names under /local/domain/ (at most 4).  What is read is
 * valid, the listing's line order does not matter, and every writer
 * and translator takes the model. */
static void fuzz_xenstore(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data, *p = text, *end = text + size;
  static const char key[] = "/local/domain/";
  unsigned seen[4];
  int nseen = 0;
  size_t revlen;
  char *rev = reverse_lines(text, size, &revlen);

  while (nseen < 4 && p < end &&
         (p = memmem(p, (size_t)(end - p), key, sizeof key - 1))) {
    unsigned long d = 0;
    int k, digits = 0;
    for (p += sizeof key - 1; p < end && *p >= '0' && *p <= '9' &&
         digits < 6; p++, digits++)
      d = d * 10 + (unsigned long)(*p - '0');
    for (k = 0; k < nseen && seen[k] != d; k++)
      ;
    if (!digits || k < nseen)
      continue;
    seen[nseen++] = (unsigned)d;
  }
  if (!nseen)
    seen[nseen++] = 0;
  for (int k = 0; k < nseen; k++) {
    hvx_report *r = hvx_report_new();
    hvx_vm *vm, *again;

    hvx_clear_error();
    vm = hvx_vm_from_xenstore_listing(text, size, seen[k], r);
    hvx_report_free(r);
    again = hvx_vm_from_xenstore_listing(rev, revlen, seen[k], NULL);
    if (!vm) {
      failed_properly("hvx_vm_from_xenstore_listing");
      PROMISE(strncmp(hvx_error(), "xenstore", 8) == 0,
              "xenstore error without 'xenstore'");
      PROMISE(!again, "domain %u read only with the lines reversed",
              seen[k]);
      hvx_vm_free(again);
      continue;
    }
    PROMISE(again, "domain %u not read with the lines reversed", seen[k]);
    same_model(vm, again, "reversing the listing");
    hvx_vm_free(again);
    PROMISE(hvx_vm_validate(vm) == 0, "domain %u read but not valid",
            seen[k]);
    write_everything(vm);
    hvx_vm_free(vm);
  }
  free(rev);
}

/* ---- options: sizes, -o strings, format names, CLI arguments ---- */

/* A byte count as hvx_parse_size documents it (digits, then an optional
 * unit letter B, K, M, G, T, P or E in either case, the latter six
 * powers of 1024 and optionally spelled "KiB"/"KB"), worked out without
 * strtoull, to compare with the library. */
static int model_size(const char *s, uint64_t *out)
{
  static const char units[] = "bkmgtpe";
  const char *p = s, *u;
  uint64_t v = 0;
  unsigned shift = 0;

  if (*p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  if (*p) {
    int c = *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p;
    if (!(u = strchr(units, c)) || !c)
      return -1;
    shift = 10 * (unsigned)(u - units);
    p++;
    if (shift && (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0))
      p += strlen(p);
    if (*p)
      return -1;
  }
  if (shift && v > UINT64_MAX >> shift)
    return -1;
  *out = v << shift;
  return 0;
}

static int all_digits(const char *s)
{
  if (!*s)
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

/* The CLI's argument parsers take exactly what their usage says. */
static void cli_arguments(const char *arg)
{
  unsigned d;
  int n, m;

  if (cli_parse_threads(arg, &n) == 0) {
    PROMISE(all_digits(arg) && n >= 0 && n <= 64 &&
            strtoul(arg, NULL, 10) == (unsigned long)n,
            "-m '%s' read as %d threads", arg, n);
  }
  if (cli_parse_domid(arg, &d) == 0)
    PROMISE(all_digits(arg) && d <= 0x7fef &&
            strtoul(arg, NULL, 10) == d, "'%s' read as domain %u", arg, d);
  m = cli_parse_output_mode(arg);
  PROMISE(m == -1 || (m == 1 && strcmp(arg, "json") == 0) ||
          (m == 0 && strcmp(arg, "human") == 0), "--output '%s' read as %d",
          arg, m);
  m = cli_parse_xen_mode(arg);
  PROMISE(m == -1 || ((unsigned)m == HVX_XEN_PV64 && !strcmp(arg, "pv")) ||
          ((unsigned)m == HVX_XEN_HVM64 && !strcmp(arg, "hvm")),
          "--xen-mode '%s' read as %d", arg, m);
}

/* What hvx_create promises for FORMAT, SIZE and OPTIONS, in a scratch
 * file: a failure says why and leaves no file; a new image opens, has
 * the size asked for (qcow2 rounds up to a sector), checks clean and
 * reads as zeros. */
#define CREATE_MAX_SIZE (4u << 20)

static void create_image(const char *format, uint64_t size, const char *opts)
{
  const char *p = scratch("img");
  hvx_image *img;
  int64_t got;

  unlink(p);
  hvx_clear_error();
  if (!(img = hvx_create(p, format, size, opts))) {
    failed_properly("hvx_create");
    PROMISE(access(p, F_OK) != 0, "a failed hvx_create left %s behind", p);
    return;
  }
  PROMISE(hvx_close(img) == 0, "closing a new %s image", format);
  img = hvx_open(p, format, HVX_OPEN_NO_BACKING);
  PROMISE(img, "a new %s image with options '%s' does not open", format,
          opts);
  got = hvx_image_size(img);
  /* a backing file or parent may give the size */
  if (!strstr(opts, "backing") && !strstr(opts, "parent"))
    PROMISE(got >= 0 && (uint64_t)got >= size && (uint64_t)got - size < 512,
            "a new %s image of %llu bytes has %lld", format,
            (unsigned long long)size, (long long)got);
  PROMISE(hvx_check(img, NULL, NULL) == 0,
          "a new %s image with options '%s' does not check clean", format,
          opts);
  if (got >= 0 && got <= CREATE_MAX_SIZE) {
    uint8_t *buf = malloc((size_t)got + 1);
    PROMISE(buf, "malloc");
    PROMISE(hvx_pread(img, buf, (size_t)got, 0) == 0,
            "a new %s image does not read", format);
    for (int64_t i = 0; i < got; i++)
      PROMISE(buf[i] == 0, "a new %s image reads 0x%02x at %lld", format,
              buf[i], (long long)i);
    free(buf);
  }
  hvx_close(img);
  unlink(p);
}

/* Lines: a format name, a size, a "-o" option string, a CLI argument
 * (also tried as a digest name).  Missing lines are empty. */
static void fuzz_options(const uint8_t *data, size_t size)
{
  static int limited;
  char *text = cstring(data, size), *f[4] = { "", "", "", "" }, *p = text;
  uint64_t got = 0, want = 0;
  int lib, mod;
  hvx_convert_options *o;

  /* Creation options can ask for big files (a VHDX log_size, a fixed
   * image): past 64 MiB a write fails with EFBIG, an error path. */
  if (!limited) {
    struct rlimit rl = { 64u << 20, 64u << 20 };
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &rl);
    limited = 1;
  }
  for (int i = 0; i < 4 && p; i++) {
    char *nl = strchr(p, '\n');
    f[i] = p;
    if (nl)
      *nl++ = '\0';
    p = nl;
  }
  hvx_clear_error();
  lib = hvx_parse_size(f[1], &got);
  if (lib < 0)
    failed_properly("hvx_parse_size");
  mod = model_size(f[1], &want);
  PROMISE((lib == 0) == (mod == 0), "hvx_parse_size('%s') %s", f[1],
          lib == 0 ? "accepted" : "refused");
  PROMISE(lib < 0 || got == want, "hvx_parse_size('%s') gave %llu, not %llu",
          f[1], (unsigned long long)got, (unsigned long long)want);
  cli_arguments(f[3]);
  o = hvx_convert_options_new();
  PROMISE(o, "hvx_convert_options_new");
  hvx_clear_error();
  if (hvx_convert_set_target_format(o, f[0]) < 0)
    failed_properly("hvx_convert_set_target_format");
  hvx_clear_error();
  if (hvx_convert_set_target_options(o, f[2]) < 0)
    failed_properly("hvx_convert_set_target_options");
  hvx_clear_error();
  if (hvx_convert_set_digest(o, f[3]) < 0)
    failed_properly("hvx_convert_set_digest");
  hvx_convert_options_free(o);
  if (lib == 0 && got <= CREATE_MAX_SIZE)
    create_image(f[0], got, f[2]);
  free(text);
}

static const struct {
  const char *name;
  void (*fn)(const uint8_t *, size_t);
} parsers[] = {
  { "xl", fuzz_xl },
  { "hyperv-xml", fuzz_hyperv_xml },
  { "ovf", fuzz_ovf },
  { "trace", fuzz_trace },
  { "cpuid", fuzz_cpuid },
  { "enl", fuzz_enl },
  { "vbd", fuzz_vbd },
  { "xenstore", fuzz_xenstore },
  { "options", fuzz_options },
};

static void (*parser(void))(const uint8_t *, size_t)
{
  static void (*fn)(const uint8_t *, size_t);
  const char *name = getenv("HVX_FUZZ_PARSER");

  if (fn)
    return fn;
  if (!name)
    name = FUZZ_PARSER;
  for (size_t i = 0; name && i < sizeof parsers / sizeof *parsers; i++)
    if (strcmp(parsers[i].name, name) == 0)
      return fn = parsers[i].fn;
  fprintf(stderr, "fuzz-config: unknown parser '%s' (HVX_FUZZ_PARSER: xl, "
          "hyperv-xml, ovf, trace, cpuid, enl, vbd, xenstore, options)\n",
          name ? name : "");
  exit(2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  parser()(data, size);
  return 0;
}

#ifndef HVX_LIBFUZZER
int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: HVX_FUZZ_PARSER=NAME fuzz-config FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    uint8_t *buf = malloc(16u << 20);
    size_t n;
    if (!f || !buf) {
      fprintf(stderr, "fuzz-config: %s: cannot read\n", argv[i]);
      return 1;
    }
    n = fread(buf, 1, 16u << 20, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
  }
  printf("%d inputs replayed\n", argc - 1);
  return 0;
}
#endif
