/* hvx CLI - parsing of option arguments, pure functions (see parse.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvx.h"
#include "parse.h"

int cli_parse_output_mode(const char *arg)
{
  if (strcmp(arg, "json") == 0)
    return 1;
  if (strcmp(arg, "human") == 0)
    return 0;
  return -1;
}

/* A decimal number of digits only (strtoul alone would take leading
 * blanks and signs, and "-1" as a huge number) up to MAX. */
static int parse_decimal(const char *arg, unsigned long max,
                         unsigned long *out)
{
  char *end;
  unsigned long v;

  if (*arg < '0' || *arg > '9')
    return -1;
  errno = 0;
  v = strtoul(arg, &end, 10);
  if (*end || errno || v > max)
    return -1;
  *out = v;
  return 0;
}

int cli_parse_threads(const char *arg, int *n)
{
  unsigned long v;

  if (parse_decimal(arg, 64, &v) < 0)
    return -1;
  *n = (int)v;
  return 0;
}

int cli_parse_domid(const char *arg, unsigned *domid)
{
  unsigned long v;

  if (parse_decimal(arg, 0x7fef, &v) < 0)
    return -1;
  *domid = (unsigned)v;
  return 0;
}

int cli_parse_xen_mode(const char *arg)
{
  if (strcmp(arg, "pv") == 0)
    return (int)HVX_XEN_PV64;
  if (strcmp(arg, "hvm") == 0)
    return (int)HVX_XEN_HVM64;
  return -1;
}
