/* hvx CLI - parsing of option arguments (cli/parse.c), apart from the
 * commands so that the parsers can be tested and fuzzed alone.  Each
 * returns -1 for a bad argument and prints nothing: the command says
 * what is wrong. */
#ifndef HVX_CLI_PARSE_H
#define HVX_CLI_PARSE_H

/* --output: 1 for "json", 0 for "human", -1 otherwise. */
int cli_parse_output_mode(const char *arg);

/* convert -m/--threads: a decimal count 0..64 into *N (0, or -1). */
int cli_parse_threads(const char *arg, int *n);

/* A Xen domain id, decimal 0..32751 (digits only), into *DOMID. */
int cli_parse_domid(const char *arg, unsigned *domid);

/* hypercall decode --xen-mode: HVX_XEN_PV64 for "pv", HVX_XEN_HVM64
 * for "hvm", -1 otherwise. */
int cli_parse_xen_mode(const char *arg);

#endif /* HVX_CLI_PARSE_H */
