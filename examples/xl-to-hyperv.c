/* Example: translate a Xen guest configuration (xl.cfg) into a
 * PowerShell script that recreates the guest on Hyper-V, and list what
 * the translation changed or lost.
 *
 *   xl-to-hyperv GUEST.cfg > guest.ps1
 *
 * Build against an installed libhvx with
 *   cc -o xl-to-hyperv xl-to-hyperv.c $(pkg-config --cflags --libs hvx)
 */
#include <stdio.h>
#include <stdlib.h>

#include <hvx.h>

int main(int argc, char **argv)
{
  hvx_report *report;
  hvx_vm *xen = NULL, *hyperv = NULL;
  char *script = NULL;
  size_t i;
  int rc = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: xl-to-hyperv GUEST.cfg\n");
    return 2;
  }
  report = hvx_report_new();
  if (!report) {
    fprintf(stderr, "xl-to-hyperv: %s\n", hvx_error());
    return 1;
  }
  /* Read with Xen's own parser, lay the guest out for Hyper-V (0: let
   * hvx choose the generation from the firmware), write the script.
   * Every step adds to the same report. */
  if (!(xen = hvx_vm_from_xl_file(argv[1], report)) ||
      hvx_hyperv_translate(xen, 0, &hyperv, report) < 0 ||
      !(script = hvx_hyperv_to_powershell(hyperv, report))) {
    fprintf(stderr, "xl-to-hyperv: %s\n", hvx_error());
    goto out;
  }
  fputs(script, stdout);
  for (i = 0; i < hvx_report_count(report); i++)
    fprintf(stderr, "%s: %s: %s\n",
            hvx_severity_name(hvx_report_severity(report, i)),
            hvx_report_subject(report, i), hvx_report_message(report, i));
  rc = 0;
out:
  free(script);
  hvx_vm_free(hyperv);
  hvx_vm_free(xen);
  hvx_report_free(report);
  return rc;
}
