/* hvx CLI - shared declarations for the subcommands. */
#ifndef HVX_CLI_H
#define HVX_CLI_H

#include <stdio.h>

#include "hvx.h"
#include "parse.h"

/* Each subcommand: argv[0] is its own name.  Returns the exit code. */
int cmd_info(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_hypercall(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_enlightenments(int argc, char **argv);
int cmd_vm(int argc, char **argv);

/* Writers of the Hyper-V, Xen-layout and libvirt vm formats
 * (cmd-vm-hyperv.c), for cmd-vm.c's format table. */
char *cli_vm_to_hyperv_ps(const hvx_vm *vm, hvx_report *report);
char *cli_vm_to_hyperv_xml(const hvx_vm *vm, hvx_report *report);
char *cli_vm_to_xen_xl(const hvx_vm *vm, hvx_report *report);
char *cli_vm_to_libvirt(const hvx_vm *vm, hvx_report *report);
char *cli_vm_to_libvirt_kvm(const hvx_vm *vm, hvx_report *report);

/* Print "hvx: MESSAGE" from the library's last error to stderr. */
void cli_error(void);
/* Print "hvx: FMT..." to stderr. */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write S as a JSON string literal (with quotes) to F. */
void cli_json_string(FILE *f, const char *s);
/* Parse --output=human|json; returns 1 for json, 0 for human, -1 bad. */
int cli_output_mode(const char *arg);

#endif /* HVX_CLI_H */
