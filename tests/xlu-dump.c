/* hvx tests - an xl.cfg as Xen's own libxlutil (and libxl's name
 * tables) read it, one fact a line, for shell tests; no hvx code:
 *
 *   xlu-dump FILE
 *
 *   type=hvm                       string keys, when set: type, name,
 *   bootloader=pygrub              bootloader, bios, firmware, kernel
 *   viridian=base,freq,stimer      the list items, each checked with
 *                                  libxl_viridian_enlightenment_from_string
 *                                  (or the number, for viridian = 1)
 *   xen_platform_pci=0             when set
 *   disk0=xvda cdrom=0 format=raw target=/path   as xlu_disk_parse reads
 *   vif0=mac=..., bridge=...       the spec as written
 *
 * Exit 0, or 1 with libxlutil's or libxl's complaint on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxlutil.h>

static void print_string(XLU_Config *c, const char *key)
{
  const char *s;

  if (!xlu_cfg_get_string(c, key, &s, 0))
    printf("%s=%s\n", key, s);
}

static int print_viridian(XLU_Config *c)
{
  XLU_ConfigList *list;
  long l;
  int n;

  if (!xlu_cfg_get_list(c, "viridian", &list, &n, 0)) {
    printf("viridian=");
    for (int i = 0; i < n; i++) {
      const char *item = xlu_cfg_get_listitem(list, i);
      libxl_viridian_enlightenment e;
      const char *name = item && item[0] == '!' ? item + 1 : item;
      if (!item || (strcmp(name, "all") && strcmp(name, "defaults") &&
                    libxl_viridian_enlightenment_from_string(name, &e))) {
        fprintf(stderr, "xlu-dump: libxl does not know viridian group "
                "'%s'\n", item ? item : "(list)");
        return -1;
      }
      printf("%s%s", i ? "," : "", item);
    }
    printf("\n");
  } else if (!xlu_cfg_get_long(c, "viridian", &l, 0)) {
    printf("viridian=%ld\n", l);
  }
  return 0;
}

static int print_disks(XLU_Config *c)
{
  XLU_ConfigList *list;
  int n;

  if (xlu_cfg_get_list(c, "disk", &list, &n, 0))
    return 0;
  for (int i = 0; i < n; i++) {
    const char *spec = xlu_cfg_get_listitem(list, i);
    libxl_device_disk d;

    libxl_device_disk_init(&d);
    if (!spec || xlu_disk_parse(c, 1, &spec, &d)) {
      fprintf(stderr, "xlu-dump: libxlutil cannot parse disk %d\n", i);
      libxl_device_disk_dispose(&d);
      return -1;
    }
    printf("disk%d=%s cdrom=%d format=%s target=%s\n", i, d.vdev,
           d.is_cdrom, libxl_disk_format_to_string(d.format),
           d.pdev_path ? d.pdev_path : "");
    libxl_device_disk_dispose(&d);
  }
  return 0;
}

int main(int argc, char **argv)
{
  static const char *const keys[] = {
    "type", "builder", "name", "bootloader", "bios", "firmware", "kernel",
  };
  XLU_Config *c;
  XLU_ConfigList *list;
  long l;
  int n, rc = 0;

  if (argc != 2) {
    fprintf(stderr, "usage: xlu-dump FILE\n");
    return 1;
  }
  c = xlu_cfg_init(stderr, argv[1]);
  if (!c || xlu_cfg_readfile(c, argv[1])) {
    fprintf(stderr, "xlu-dump: libxlutil cannot read %s\n", argv[1]);
    return 1;
  }
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    print_string(c, keys[k]);
  if (print_viridian(c) < 0 || print_disks(c) < 0)
    rc = 1;
  if (!xlu_cfg_get_long(c, "xen_platform_pci", &l, 0))
    printf("xen_platform_pci=%ld\n", l);
  if (!xlu_cfg_get_list(c, "vif", &list, &n, 0))
    for (int i = 0; i < n; i++)
      printf("vif%d=%s\n", i, xlu_cfg_get_listitem(list, i));
  xlu_cfg_destroy(c);
  return rc;
}
