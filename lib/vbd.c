/* hvx - Xen virtual block device names <-> numbers, as Xen's VBD
 * interface (docs/misc/vbd-interface) defines them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvx/xen.h"
#include "internal.h"

#define VBD_XVD_MAJOR 202u
#define VBD_SD_MAJOR 8u
#define VBD_HD_MAJOR_0 3u  /* hda, hdb */
#define VBD_HD_MAJOR_1 22u /* hdc, hdd */
#define VBD_EXT (1u << 28)
#define VBD_EXT_MAX_DISK ((1u << 20) - 1)

struct vbd_form {
  const char *prefix;
  unsigned max_disk, max_partition;
};

static const struct vbd_form form_xvd = { "xvd", VBD_EXT_MAX_DISK, 255 };
static const struct vbd_form form_hd = { "hd", 3, 63 };
static const struct vbd_form form_sd = { "sd", 15, 15 };

/* Parse decimal digits at *P into *V (no sign, no leading zero unless the
 * number is 0, at most LIMIT).  Returns 0 or a static reason. */
static const char *parse_dec(const char **p, unsigned limit, unsigned *v)
{
  const char *s = *p;
  unsigned long n = 0;

  if (*s < '0' || *s > '9')
    return "expected a decimal number";
  if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
    return "leading zero in a number";
  for (; *s >= '0' && *s <= '9'; s++) {
    n = n * 10 + (unsigned)(*s - '0');
    if (n > limit)
      return "number too large";
  }
  *v = (unsigned)n;
  *p = s;
  return NULL;
}

/* Letters after the prefix: bijective base 26 (a = 0, z = 25, aa = 26). */
static int parse_letters(const char *name, const char **p,
                         const struct vbd_form *f, unsigned *disk)
{
  const char *s = *p;
  unsigned long d = 0;

  if (*s < 'a' || *s > 'z')
    return hvx_set_error(EINVAL, "vbd: '%s': expected a disk letter after "
                         "'%s'", name, f->prefix);
  for (; *s >= 'a' && *s <= 'z'; s++) {
    d = d * 26 + (unsigned)(*s - 'a') + 1;
    if (d - 1 > f->max_disk)
      return hvx_set_error(EINVAL, "vbd: '%s': disk beyond %s's limit of "
                           "%u disks", name, f->prefix, f->max_disk + 1);
  }
  *disk = (unsigned)(d - 1);
  *p = s;
  return 0;
}

/* NAME after the form's prefix: letters then an optional partition. */
static int parse_lettered(const char *name, const struct vbd_form *f,
                          unsigned *disk, unsigned *partition)
{
  const char *p = name + strlen(f->prefix);
  const char *why;

  if (parse_letters(name, &p, f, disk) < 0)
    return -1;
  *partition = 0;
  if (!*p)
    return 0;
  if (*p == '0')
    return hvx_set_error(EINVAL, "vbd: '%s': partition number with a "
                         "leading zero (the whole disk is '%.*s')", name,
                         (int)(p - name), name);
  if ((why = parse_dec(&p, f->max_partition, partition)))
    return hvx_set_error(EINVAL, "vbd: '%s': bad partition (%s; %s "
                         "partitions go up to %u)", name, why, f->prefix,
                         f->max_partition);
  if (*p)
    return hvx_set_error(EINVAL, "vbd: '%s': junk '%s' after the partition",
                         name, p);
  return 0;
}

HVX_API int hvx_vbd_encode(int bus, unsigned disk, unsigned partition,
                           uint32_t *number)
{
  switch (bus) {
  case HVX_BUS_XEN:
    if (disk > VBD_EXT_MAX_DISK || partition > 255)
      return hvx_set_error(EINVAL, "vbd: xen disk %u partition %u beyond "
                           "the limits (disk < 2^20, partition < 256)",
                           disk, partition);
    if (disk <= 15 && partition <= 15)
      *number = VBD_XVD_MAJOR << 8 | disk << 4 | partition;
    else
      *number = VBD_EXT | disk << 8 | partition;
    return 0;
  case HVX_BUS_IDE:
    if (disk > 3 || partition > 63)
      return hvx_set_error(EINVAL, "vbd: IDE disk %u partition %u beyond "
                           "the limits (hda..hdd, partition < 64)", disk,
                           partition);
    *number = (disk < 2 ? VBD_HD_MAJOR_0 : VBD_HD_MAJOR_1) << 8 |
              (disk & 1) << 6 | partition;
    return 0;
  case HVX_BUS_SCSI:
    if (disk > 15 || partition > 15)
      return hvx_set_error(EINVAL, "vbd: SCSI disk %u partition %u beyond "
                           "the limits (sda..sdp, partition < 16)", disk,
                           partition);
    *number = VBD_SD_MAJOR << 8 | disk << 4 | partition;
    return 0;
  default:
    return hvx_set_error(EINVAL, "vbd: Xen has no device names for bus %s",
                         hvx_bus_name(bus) ? hvx_bus_name(bus) : "?");
  }
}

HVX_API int hvx_vbd_parse(const char *name, uint32_t *number)
{
  unsigned disk, partition;
  const char *why;

  if (!name || !*name)
    return hvx_set_error(EINVAL, "vbd: empty device name");
  if (strlen(name) > 32)
    return hvx_set_error(EINVAL, "vbd: device name '%.32s...' is too long",
                         name);
  if (name[0] == 'd' && name[1] >= '0' && name[1] <= '9') {
    const char *p = name + 1;
    if ((why = parse_dec(&p, VBD_EXT_MAX_DISK, &disk)))
      return hvx_set_error(EINVAL, "vbd: '%s': bad disk number (%s; disks "
                           "go up to %u)", name, why, VBD_EXT_MAX_DISK);
    partition = 0;
    if (*p == 'p') {
      p++;
      if ((why = parse_dec(&p, 255, &partition)))
        return hvx_set_error(EINVAL, "vbd: '%s': bad partition number (%s; "
                             "partitions go up to 255)", name, why);
    }
    if (*p)
      return hvx_set_error(EINVAL, "vbd: '%s': junk '%s' (expected dN or "
                           "dNpM)", name, p);
    return hvx_vbd_encode(HVX_BUS_XEN, disk, partition, number);
  }
  if (name[0] >= '0' && name[0] <= '9') {
    /* The raw xenstore number, for configs older than the names. */
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(name, &end, 0);
    if (errno || *end || v > 0x7fffffffu)
      return hvx_set_error(EINVAL, "vbd: '%s' is not a device name nor a "
                           "number up to 2^31 - 1", name);
    *number = (uint32_t)v;
    return 0;
  }
  if (strncmp(name, "xvd", 3) == 0) {
    if (parse_lettered(name, &form_xvd, &disk, &partition) < 0)
      return -1;
    return hvx_vbd_encode(HVX_BUS_XEN, disk, partition, number);
  }
  if (strncmp(name, "hd", 2) == 0) {
    if (parse_lettered(name, &form_hd, &disk, &partition) < 0)
      return -1;
    return hvx_vbd_encode(HVX_BUS_IDE, disk, partition, number);
  }
  if (strncmp(name, "sd", 2) == 0) {
    if (parse_lettered(name, &form_sd, &disk, &partition) < 0)
      return -1;
    return hvx_vbd_encode(HVX_BUS_SCSI, disk, partition, number);
  }
  return hvx_set_error(EINVAL, "vbd: unknown device name '%s' (expected "
                       "xvdX, hdX, sdX, dN or dNpM)", name);
}

HVX_API int hvx_vbd_decode(uint32_t number, int *bus, unsigned *disk,
                           unsigned *partition)
{
  unsigned major = number >> 8, minor = number & 0xff;
  int b;
  unsigned d, p;

  if (number >= 2u << 28)
    return hvx_set_error(EINVAL, "vbd: number %u is in the range reserved "
                         "for future use (2^29 and above)", number);
  if (number & VBD_EXT) {
    b = HVX_BUS_XEN;
    d = (number >> 8) & VBD_EXT_MAX_DISK;
    p = number & 0xff;
  } else if (major == VBD_XVD_MAJOR) {
    b = HVX_BUS_XEN;
    d = minor >> 4;
    p = minor & 15;
  } else if (major == VBD_SD_MAJOR) {
    b = HVX_BUS_SCSI;
    d = minor >> 4;
    p = minor & 15;
  } else if ((major == VBD_HD_MAJOR_0 || major == VBD_HD_MAJOR_1) &&
             minor < 128) {
    b = HVX_BUS_IDE;
    d = (major == VBD_HD_MAJOR_1 ? 2 : 0) + (minor >> 6);
    p = minor & 63;
  } else {
    return hvx_set_error(EINVAL, "vbd: number %u (major %u, minor %u) is "
                         "not an xvd, sd or hd device number", number, major,
                         minor);
  }
  if (bus)
    *bus = b;
  if (disk)
    *disk = d;
  if (partition)
    *partition = p;
  return 0;
}

/* Letters for DISK (bijective base 26) into OUT; returns their count. */
static size_t disk_letters(unsigned disk, char *out)
{
  char tmp[8];
  size_t n = 0;
  unsigned long d = (unsigned long)disk + 1;

  while (d) {
    tmp[n++] = (char)('a' + (d - 1) % 26);
    d = (d - 1) / 26;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  return n;
}

HVX_API int hvx_vbd_name(uint32_t number, char *buf, size_t len)
{
  int bus;
  unsigned disk, partition;
  char tmp[24], letters[8];
  size_t n;
  const char *prefix;

  if (hvx_vbd_decode(number, &bus, &disk, &partition) < 0)
    return -1;
  prefix = bus == HVX_BUS_IDE ? "hd" : bus == HVX_BUS_SCSI ? "sd" : "xvd";
  n = disk_letters(disk, letters);
  letters[n] = '\0';
  if (partition)
    snprintf(tmp, sizeof tmp, "%s%s%u", prefix, letters, partition);
  else
    snprintf(tmp, sizeof tmp, "%s%s", prefix, letters);
  if (strlen(tmp) >= len)
    return hvx_set_error(ERANGE, "vbd: name '%s' needs %zu bytes, the buffer "
                         "has %zu", tmp, strlen(tmp) + 1, len);
  memcpy(buf, tmp, strlen(tmp) + 1);
  return 0;
}
