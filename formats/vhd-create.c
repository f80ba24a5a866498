/* hvx - creating VHD images: fixed, dynamic and differencing.
 *
 * What hvx writes, and why:
 *   - creator application "win " (with host OS "Wi2k"): every reader --
 *     Hyper-V, qemu (7.2 checked), libvhdi, Azure -- then takes the
 *     footer's current size as the disk size;
 *   - current size = original size = exactly the requested size, so a
 *     converted disk keeps the source's size to the byte; the geometry is
 *     the specification's CHS calculation for it (rounded down, as
 *     Windows does), informative only;
 *   - dynamic layout as Windows: footer copy, header at 512, BAT at 1536,
 *     parent locators after the BAT, blocks, footer;
 *   - differencing disks carry a "W2ku" (absolute) and a "W2ru" (relative,
 *     ".\name.vhd") locator in UTF-16LE with the data space in bytes, as
 *     Windows writes them, the parent's file name in the header, and the
 *     parent's unique ID and time stamp from its footer.
 * Options: subformat=fixed|dynamic|differencing (default dynamic, or
 * differencing with parent=), block_size (dynamic/differencing, a power
 * of two from 512 KiB to 256 MiB, default 2 MiB), parent=PATH (relative
 * to the new image's directory, as qemu treats backing files), and
 * azure=on|off (fixed only, size a whole number of MiB). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "endian.h"
#include "vhd.h"

#define MIB (1ull << 20)
#define DEFAULT_BLOCK_SIZE (2u << 20)
#define MIN_CREATE_BLOCK_SIZE (512u << 10)

struct create_args {
  int type;
  uint32_t block_size;
  const char *parent;
  bool azure;
};

struct parent_info {
  uint64_t size;
  uint8_t uuid[16];
  uint32_t timestamp;
  char *abs, *rel, *name; /* Windows-style paths and the bare file name */
};

static int parse_options(struct hvx_opts *opts, struct create_args *a)
{
  const char *sub = hvx_opts_take(opts, "subformat");
  const char *azure = hvx_opts_take(opts, "azure");
  uint64_t bs = 0;

  a->parent = hvx_opts_take(opts, "parent");
  if (hvx_opts_take_size(opts, "block_size", &bs) < 0 ||
      hvx_opts_check_all_taken(opts, "vhd") < 0)
    return -1;
  if (azure && strcmp(azure, "on") != 0 && strcmp(azure, "off") != 0)
    return hvx_set_error(EINVAL, "vhd: azure must be 'on' or 'off', not "
                         "'%s'", azure);
  a->azure = azure && strcmp(azure, "on") == 0;
  if (!sub)
    a->type = a->parent ? VHD_TYPE_DIFF :
              a->azure ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC;
  else if (strcmp(sub, "fixed") == 0)
    a->type = VHD_TYPE_FIXED;
  else if (strcmp(sub, "dynamic") == 0)
    a->type = VHD_TYPE_DYNAMIC;
  else if (strcmp(sub, "differencing") == 0)
    a->type = VHD_TYPE_DIFF;
  else
    return hvx_set_error(EINVAL, "vhd: unknown subformat '%s' (fixed, "
                         "dynamic or differencing)", sub);
  if (a->type == VHD_TYPE_DIFF && (!a->parent || !*a->parent))
    return hvx_set_error(EINVAL, "vhd: subformat=differencing needs "
                         "parent=PATH");
  if (a->parent && a->type != VHD_TYPE_DIFF)
    return hvx_set_error(EINVAL, "vhd: parent= needs subformat=differencing");
  if (a->azure && a->type != VHD_TYPE_FIXED)
    return hvx_set_error(EINVAL, "vhd: azure=on needs subformat=fixed "
                         "(Azure accepts only fixed VHDs)");
  if (bs && a->type == VHD_TYPE_FIXED)
    return hvx_set_error(EINVAL, "vhd: block_size applies only to dynamic "
                         "and differencing disks");
  if (bs && (!hvx_is_pow2(bs) || bs < MIN_CREATE_BLOCK_SIZE ||
             bs > VHD_MAX_BLOCK_SIZE))
    return hvx_set_error(EINVAL, "vhd: block_size %llu must be a power of "
                         "two from 512 KiB to 256 MiB",
                         (unsigned long long)bs);
  a->block_size = bs ? (uint32_t)bs : DEFAULT_BLOCK_SIZE;
  return 0;
}

/* Sizes hvx can write: whole sectors; for Azure whole MiB. */
static int check_size(uint64_t size, const struct create_args *a)
{
  uint64_t unit = a->azure ? MIB : VHD_SECTOR;
  uint64_t lo = size / unit * unit, hi = lo + unit;

  if (size == 0)
    return hvx_set_error(EINVAL, "vhd: size 0: a VHD disk needs at least one "
                         "sector (qemu and libvhdi refuse empty ones)");
  if (size % unit) {
    char near[96];
    if (lo)
      snprintf(near, sizeof near, "nearest valid sizes: %llu or %llu",
               (unsigned long long)lo, (unsigned long long)hi);
    else
      snprintf(near, sizeof near, "nearest valid size: %llu",
               (unsigned long long)hi);
    if (a->azure)
      return hvx_set_error(EINVAL, "vhd: azure=on: size %llu is not a whole "
                           "number of MiB, which Azure requires; %s "
                           "(%llu or %llu MiB)", (unsigned long long)size,
                           near, (unsigned long long)(lo / MIB),
                           (unsigned long long)(hi / MIB));
    return hvx_set_error(EINVAL, "vhd: size %llu is not a multiple of 512 "
                         "bytes (VHD disks are whole sectors); %s",
                         (unsigned long long)size, near);
  }
  if (a->type != VHD_TYPE_FIXED && size > VHD_MAX_DYNAMIC_SIZE)
    return hvx_set_error(EFBIG, "vhd: size %llu exceeds the 2040 GiB limit "
                         "of dynamic and differencing VHDs",
                         (unsigned long long)size);
  return 0;
}

static int random_uuid(uint8_t u[16])
{
  if (getrandom(u, 16, 0) != 16)
    return hvx_set_error(errno, "vhd: cannot get random bytes for the "
                         "unique ID: %s", strerror(errno));
  u[6] = (uint8_t)((u[6] & 0x0F) | 0x40); /* version 4 */
  u[8] = (uint8_t)((u[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  return 0;
}

static uint32_t vhd_now(void)
{
  time_t t = time(NULL);
  return t > VHD_EPOCH ? (uint32_t)(t - VHD_EPOCH) : 0;
}

static void make_footer(uint8_t *f, int type, uint64_t size,
                        uint64_t data_offset, const uint8_t uuid[16])
{
  struct vhd_chs g = vhd_chs_from_size(size);

  memset(f, 0, VHD_FOOTER_SIZE);
  memcpy(f + VHD_F_COOKIE, "conectix", 8);
  hvx_put_be32(f + VHD_F_FEATURES, 2); /* the "reserved, always 1" bit */
  hvx_put_be32(f + VHD_F_VERSION, 0x00010000);
  hvx_put_be64(f + VHD_F_DATA_OFFSET, data_offset);
  hvx_put_be32(f + VHD_F_TIMESTAMP, vhd_now());
  memcpy(f + VHD_F_CREATOR_APP, "win ", 4);
  hvx_put_be32(f + VHD_F_CREATOR_VER, 0x000a0000);
  memcpy(f + VHD_F_CREATOR_OS, "Wi2k", 4);
  hvx_put_be64(f + VHD_F_ORIG_SIZE, size);
  hvx_put_be64(f + VHD_F_CUR_SIZE, size);
  hvx_put_be16(f + VHD_F_GEOMETRY, g.cylinders);
  f[VHD_F_GEOMETRY + 2] = g.heads;
  f[VHD_F_GEOMETRY + 3] = g.spt;
  hvx_put_be32(f + VHD_F_TYPE, (uint32_t)type);
  memcpy(f + VHD_F_UUID, uuid, 16);
  vhd_seal(f, VHD_FOOTER_SIZE, VHD_F_CHECKSUM);
}

/* PATH relative to the directory DIR (both canonical and absolute):
 * ("/a/b", "/a/c/x.vhd") -> "../c/x.vhd". */
static char *relative_to(const char *dir, const char *path)
{
  size_t i = 0, common = 0, ups = 0;
  char *r;

  /* COMMON: just after the last "/" the two share. */
  while (dir[i] && dir[i] == path[i])
    if (dir[i++] == '/')
      common = i;
  if (!dir[i] && path[i] == '/')
    common = i + 1;
  for (i = common; dir[i]; i++)
    if (dir[i] != '/' && (i == common || dir[i - 1] == '/'))
      ups++;
  r = hvx_malloc(3 * ups + strlen(path) + 1, "relative path");
  if (!r)
    return NULL;
  r[0] = '\0';
  for (i = 0; i < ups; i++)
    strcat(r, "../");
  strcat(r, path + common);
  return r;
}

/* POSIX path to the Windows form: "/" to "\", ".\" in front of a relative
 * path that does not climb. */
static char *to_windows(const char *p, bool relative)
{
  bool dot = relative && strncmp(p, "../", 3) != 0;
  char *w = hvx_malloc(strlen(p) + 3, "windows path");

  if (!w)
    return NULL;
  sprintf(w, "%s%s", dot ? "./" : "", p);
  for (char *c = w; *c; c++)
    if (*c == '/')
      *c = '\\';
  return w;
}

/* Directory of PATH, canonical, malloc'd. */
static char *real_dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *d, *r;

  if (!slash)
    return realpath(".", NULL);
  d = hvx_malloc((size_t)(slash - path) + 2, "directory name");
  if (!d)
    return NULL;
  memcpy(d, path, (size_t)(slash - path));
  d[slash == path ? 1 : slash - path] = '\0';
  if (slash == path)
    d[0] = '/';
  r = realpath(d, NULL);
  free(d);
  return r;
}

static int read_parent(struct hvx_image *img, const char *parent,
                       struct parent_info *pi)
{
  char *cdir = real_dir_of(img->filename), *path = NULL, *abs = NULL;
  char *rel = NULL;
  hvx_image *p = NULL;
  struct vhd_state *ps;
  int r = -1;

  if (!cdir) {
    hvx_set_error(errno, "vhd: %s: cannot resolve its directory: %s",
                  img->filename, strerror(errno));
    goto out;
  }
  path = hvx_malloc(strlen(cdir) + strlen(parent) + 2, "parent path");
  if (!path)
    goto out;
  if (parent[0] == '/')
    strcpy(path, parent);
  else
    sprintf(path, "%s/%s", cdir, parent);
  p = hvx_open(path, "vhd", HVX_OPEN_NO_BACKING);
  if (!p) {
    hvx_prefix_error("vhd: parent '%s'", parent);
    goto out;
  }
  if (!(abs = realpath(path, NULL))) {
    hvx_set_error(errno, "vhd: parent '%s': %s", parent, strerror(errno));
    goto out;
  }
  ps = p->priv;
  pi->size = p->size;
  memcpy(pi->uuid, ps->footer + VHD_F_UUID, 16);
  pi->timestamp = hvx_be32(ps->footer + VHD_F_TIMESTAMP);
  if (!(rel = relative_to(cdir, abs)) || !(pi->abs = to_windows(abs, false)) ||
      !(pi->rel = to_windows(rel, true)) ||
      !(pi->name = hvx_strdup(strrchr(abs, '/') + 1)))
    goto out;
  r = 0;
out:
  hvx_close(p);
  free(cdir);
  free(path);
  free(abs);
  free(rel);
  return r;
}

/* Fill the header's parent fields and locator table; write the locator
 * data from *OFF on, advancing it. */
static int write_parent_refs(struct hvx_image *img, uint8_t *h,
                             const struct parent_info *pi, uint64_t *off)
{
  const struct { uint32_t code; const char *path; } locs[] = {
    { VHD_PLAT_W2KU, pi->abs }, { VHD_PLAT_W2RU, pi->rel },
  };
  uint8_t *buf = hvx_calloc(1, VHD_MAX_LOCATOR_LEN, "vhd parent locator");

  if (!buf)
    return -1;
  memcpy(h + VHD_H_PARENT_UUID, pi->uuid, 16);
  hvx_put_be32(h + VHD_H_PARENT_TIME, pi->timestamp);
  if (vhd_utf16_encode(pi->name, false, h + VHD_H_PARENT_NAME,
                       VHD_H_PARENT_NAME_SIZE, "parent file name") < 0)
    goto fail;
  for (size_t i = 0; i < sizeof locs / sizeof locs[0]; i++) {
    uint8_t *e = h + VHD_H_LOCATORS + i * VHD_LOCATOR_SIZE;
    int len = vhd_utf16_encode(locs[i].path, true, buf, VHD_MAX_LOCATOR_LEN,
                               "parent path");
    uint32_t space;

    if (len < 0)
      goto fail;
    space = (uint32_t)hvx_round_up((uint64_t)len, VHD_SECTOR);
    memset(buf + len, 0, space - (uint32_t)len);
    hvx_put_be32(e, locs[i].code);
    hvx_put_be32(e + 4, space); /* bytes, as Windows writes it */
    hvx_put_be32(e + 8, (uint32_t)len);
    hvx_put_be64(e + 16, *off);
    if (hvx_file_pwrite(&img->file, buf, space, *off) < 0)
      goto fail;
    *off += space;
  }
  free(buf);
  return 0;
fail:
  free(buf);
  return -1;
}

static int write_dynamic(struct hvx_image *img, uint64_t size,
                         const struct create_args *a,
                         const struct parent_info *pi, const uint8_t *uuid)
{
  uint8_t foot[VHD_FOOTER_SIZE], head[VHD_HEADER_SIZE] = { 0 };
  uint8_t ff[65536];
  uint64_t entries = hvx_div_round_up(size, a->block_size);
  uint64_t bat_off = VHD_FOOTER_SIZE + VHD_HEADER_SIZE;
  uint64_t bat_len = hvx_round_up(entries * 4, VHD_SECTOR);
  uint64_t off = bat_off + bat_len;

  memset(ff, 0xFF, sizeof ff);
  for (uint64_t o = 0; o < bat_len; o += sizeof ff)
    if (hvx_file_pwrite(&img->file, ff, (size_t)hvx_min_u64(sizeof ff,
                        bat_len - o), bat_off + o) < 0)
      return -1;
  memcpy(head + VHD_H_COOKIE, "cxsparse", 8);
  hvx_put_be64(head + VHD_H_DATA_OFFSET, UINT64_MAX);
  hvx_put_be64(head + VHD_H_TABLE_OFFSET, bat_off);
  hvx_put_be32(head + VHD_H_VERSION, 0x00010000);
  hvx_put_be32(head + VHD_H_MAX_ENTRIES, (uint32_t)entries);
  hvx_put_be32(head + VHD_H_BLOCK_SIZE, a->block_size);
  if (pi && write_parent_refs(img, head, pi, &off) < 0)
    return -1;
  vhd_seal(head, VHD_HEADER_SIZE, VHD_H_CHECKSUM);
  make_footer(foot, a->type, size, VHD_FOOTER_SIZE, uuid);
  if (hvx_file_pwrite(&img->file, head, sizeof head, VHD_FOOTER_SIZE) < 0 ||
      hvx_file_pwrite(&img->file, foot, sizeof foot, 0) < 0 ||
      hvx_file_pwrite(&img->file, foot, sizeof foot, off) < 0)
    return -1;
  return 0;
}

int vhd_create(struct hvx_image *img, uint64_t size, struct hvx_opts *opts)
{
  struct create_args a;
  struct parent_info pi = { 0 };
  uint8_t uuid[16], foot[VHD_FOOTER_SIZE];
  int r = -1;

  if (parse_options(opts, &a) < 0)
    return -1;
  if (a.type == VHD_TYPE_DIFF) {
    if (read_parent(img, a.parent, &pi) < 0)
      goto out;
    if (size && size != pi.size) {
      hvx_set_error(EINVAL, "vhd: a differencing disk has its parent's size "
                    "%llu, not %llu (give 0 or the parent's size)",
                    (unsigned long long)pi.size, (unsigned long long)size);
      goto out;
    }
    size = pi.size;
  }
  if (check_size(size, &a) < 0 || random_uuid(uuid) < 0)
    goto out;
  if (a.type == VHD_TYPE_FIXED) {
    make_footer(foot, a.type, size, UINT64_MAX, uuid);
    if (hvx_file_truncate(&img->file, size) < 0 ||
        hvx_file_pwrite(&img->file, foot, sizeof foot, size) < 0)
      goto out;
  } else if (write_dynamic(img, size, &a, a.parent ? &pi : NULL, uuid) < 0) {
    goto out;
  }
  /* The user named the parent: follow it wherever it is. */
  if (a.type == VHD_TYPE_DIFF)
    img->flags |= HVX_OPEN_BACKING_ANYWHERE;
  r = vhd_open(img);
  if (r == 0)
    ((struct vhd_state *)img->priv)->fresh = true;
out:
  free(pi.abs);
  free(pi.rel);
  free(pi.name);
  return r;
}
