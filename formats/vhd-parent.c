/* hvx - VHD differencing disks: parent locators, names, and opening the
 * parent.
 *
 * The specification stores the parent's path in up to eight locators
 * ("W2ru" relative and "W2ku" absolute Windows paths in UTF-16, "MacX" a
 * UTF-8 file URL) plus a UTF-16 big-endian name in the header.  Windows
 * writes the locator paths in UTF-16 *little*-endian and their "platform
 * data space" in bytes, where the specification says sectors; both are
 * accepted here.  The parent found must carry the unique ID the child
 * records, so a stale path can never silently pair a disk with the wrong
 * parent. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "endian.h"
#include "vhd.h"

int vhd_parse_locators(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;
  int64_t filesize = hvx_file_size(&img->file);

  if (filesize < 0)
    return -1;
  /* Only differencing disks have locators; a dynamic disk's should be
   * zero and are ignored whatever they hold. */
  if (s->type != VHD_TYPE_DIFF)
    return 0;
  for (int i = 0; i < VHD_LOCATORS; i++) {
    const uint8_t *e = s->header + VHD_H_LOCATORS + i * VHD_LOCATOR_SIZE;
    struct vhd_locator *l = &s->loc[i];

    l->code = hvx_be32(e);
    l->space = hvx_be32(e + 4);
    l->len = hvx_be32(e + 8);
    l->offset = hvx_be64(e + 16);
    if (!l->code)
      continue;
    if (l->len > VHD_MAX_LOCATOR_LEN)
      return hvx_set_error(EBADMSG, "vhd: %s: parent locator %d: data "
                           "length %u exceeds the %u bytes hvx accepts",
                           img->filename, i, l->len, VHD_MAX_LOCATOR_LEN);
    if (l->offset > (uint64_t)filesize || l->len > filesize - l->offset)
      return hvx_set_error(EBADMSG, "vhd: %s: parent locator %d: data at "
                           "0x%llx (%u bytes) extends past the end of the "
                           "file (size %lld)", img->filename, i,
                           (unsigned long long)l->offset, l->len,
                           (long long)filesize);
    /* Data space: Windows' bytes if they hold the data, else the
     * specification's sectors, else (inconsistent) just the data. */
    if (l->space >= l->len)
      l->extent = l->space;
    else if ((uint64_t)l->space * VHD_SECTOR >= l->len)
      l->extent = (uint64_t)l->space * VHD_SECTOR;
    else
      l->extent = l->len;
  }
  /* The header's name is informative (and a last resort for finding the
   * parent): an undecodable one is ignored, not fatal. */
  s->parent_name = vhd_utf16_decode(s->header + VHD_H_PARENT_NAME,
                                    VHD_H_PARENT_NAME_SIZE, false,
                                    "parent name");
  if (s->parent_name && !*s->parent_name) {
    free(s->parent_name);
    s->parent_name = NULL;
  }
  return 0;
}

char *vhd_utf16_decode(const uint8_t *in, size_t len, bool le,
                       const char *what)
{
  /* Each UTF-16 unit becomes at most 3 bytes of UTF-8 (a surrogate pair,
   * two units, 4 bytes). */
  char *out = hvx_malloc(len / 2 * 3 + 1, "vhd name");
  size_t o = 0;

  if (!out)
    return NULL;
  for (size_t i = 0; i + 1 < len; i += 2) {
    uint32_t c = le ? hvx_le16(in + i) : hvx_be16(in + i);

    if (c == 0)
      break;
    if (c >= 0xDC00 && c < 0xE000)
      goto bad;
    if (c >= 0xD800 && c < 0xDC00) {
      uint32_t lo;
      if (i + 3 >= len)
        goto bad;
      lo = le ? hvx_le16(in + i + 2) : hvx_be16(in + i + 2);
      if (lo < 0xDC00 || lo >= 0xE000)
        goto bad;
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    }
    if (c < 0x80) {
      out[o++] = (char)c;
    } else if (c < 0x800) {
      out[o++] = (char)(0xC0 | c >> 6);
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out[o++] = (char)(0xE0 | c >> 12);
      out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else {
      out[o++] = (char)(0xF0 | c >> 18);
      out[o++] = (char)(0x80 | (c >> 12 & 0x3F));
      out[o++] = (char)(0x80 | (c >> 6 & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    }
  }
  out[o] = '\0';
  return out;

bad:
  free(out);
  hvx_set_error(EBADMSG, "vhd: %s: invalid UTF-16 (unpaired surrogate)",
                what);
  return NULL;
}

int vhd_utf16_encode(const char *name, bool le, uint8_t *out, size_t maxlen,
                     const char *what)
{
  const uint8_t *p = (const uint8_t *)name;
  size_t o = 0;

  while (*p) {
    uint32_t c;
    int more;

    if (*p < 0x80) {
      c = *p;
      more = 0;
    } else if ((*p & 0xE0) == 0xC0) {
      c = *p & 0x1F;
      more = 1;
    } else if ((*p & 0xF0) == 0xE0) {
      c = *p & 0x0F;
      more = 2;
    } else if ((*p & 0xF8) == 0xF0) {
      c = *p & 0x07;
      more = 3;
    } else {
      goto bad;
    }
    p++;
    for (int k = 0; k < more; k++, p++) {
      if ((*p & 0xC0) != 0x80)
        goto bad;
      c = c << 6 | (*p & 0x3F);
    }
    if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
      goto bad;
    if (o + (c >= 0x10000 ? 4 : 2) > maxlen)
      return hvx_set_error(EINVAL, "vhd: %s '%s' is too long for the %zu "
                           "bytes of UTF-16 the format allows", what, name,
                           maxlen);
    if (c >= 0x10000) {
      uint16_t hi = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
      uint16_t lo = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
      if (le)
        hvx_put_le16(out + o, hi), hvx_put_le16(out + o + 2, lo);
      else
        hvx_put_be16(out + o, hi), hvx_put_be16(out + o + 2, lo);
      o += 4;
    } else {
      if (le)
        hvx_put_le16(out + o, (uint16_t)c);
      else
        hvx_put_be16(out + o, (uint16_t)c);
      o += 2;
    }
  }
  return (int)o;

bad:
  return hvx_set_error(EINVAL, "vhd: %s '%s' is not valid UTF-8", what,
                       name);
}

static const char *base_of(const char *path)
{
  const char *a = strrchr(path, '/'), *b = strrchr(path, '\\');
  const char *s = a > b ? a : b;
  return s ? s + 1 : path;
}

/* A Windows path as a POSIX one: "\\?\" dropped, "\" to "/", a leading
 * ".\" dropped.  A drive-letter or UNC path means nothing here: only its
 * file name is kept, to be looked for beside the child. */
static char *from_windows(const char *w)
{
  char *p;

  if (strncmp(w, "\\\\?\\", 4) == 0)
    w += 4;
  if ((w[0] && w[1] == ':') || strncmp(w, "\\\\", 2) == 0)
    w = base_of(w);
  while (strncmp(w, ".\\", 2) == 0)
    w += 2;
  if (!*w || !(p = hvx_strdup(w)))
    return NULL;
  for (char *c = p; *c; c++)
    if (*c == '\\')
      *c = '/';
  return p;
}

/* A "MacX" file URL ("file://localhost/dir/x.vhd", "file://./x.vhd") as a
 * path, %XX escapes decoded; NULL if it is not one. */
static char *from_url(const char *u)
{
  char *p, *o;

  if (strncmp(u, "file://", 7) != 0)
    return NULL;
  u += 7;
  if (strncmp(u, "localhost/", 10) == 0)
    u += 9;
  while (strncmp(u, "./", 2) == 0)
    u += 2;
  if (!*u || !(p = o = hvx_strdup(u)))
    return NULL;
  for (; *u; u++) {
    unsigned v;
    if (*u == '%' && sscanf(u + 1, "%2x", &v) == 1 && v != 0) {
      *o++ = (char)v;
      u += 2;
    } else {
      *o++ = *u;
    }
  }
  *o = '\0';
  return p;
}

/* The locator I's data as a UTF-8 path to try, or NULL (not an error) if
 * it holds nothing usable. */
static char *locator_path(struct hvx_image *img, int i)
{
  struct vhd_state *s = img->priv;
  struct vhd_locator *l = &s->loc[i];
  uint8_t *data;
  char *str = NULL, *path = NULL;

  if (l->code != VHD_PLAT_W2RU && l->code != VHD_PLAT_W2KU &&
      l->code != VHD_PLAT_MACX)
    return NULL;
  data = hvx_malloc(l->len + 1, "vhd parent locator");
  if (!data)
    return NULL;
  if (hvx_file_pread(&img->file, data, l->len, l->offset,
                     "vhd parent locator") == 0) {
    if (l->code == VHD_PLAT_MACX) {
      data[l->len] = '\0';
      path = from_url((char *)data);
    } else {
      /* Windows writes little-endian; a big-endian writer shows itself
       * by a zero first byte (all paths start with ASCII). */
      bool le = !(l->len >= 2 && data[0] == 0 && data[1] != 0);
      str = vhd_utf16_decode(data, l->len, le, "parent locator");
      if (str)
        path = from_windows(str);
    }
  }
  free(str);
  free(data);
  return path;
}

#define MAX_CANDIDATES (2 * VHD_LOCATORS + 2)

static void add_candidate(char **list, int *n, char *name)
{
  if (!name)
    return;
  for (int i = 0; i < *n; i++)
    if (strcmp(list[i], name) == 0) {
      free(name);
      return;
    }
  list[(*n)++] = name;
}

/* Where to look for the parent, best first: relative locators, absolute
 * ones, file URLs, then the file name alone beside the child (a Windows
 * absolute path cannot be followed here, but the parent usually travels
 * with its child). */
static int candidates(struct hvx_image *img, char **list)
{
  static const uint32_t order[] = { VHD_PLAT_W2RU, VHD_PLAT_W2KU,
                                    VHD_PLAT_MACX };
  struct vhd_state *s = img->priv;
  int n = 0;

  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
    for (int i = 0; i < VHD_LOCATORS; i++)
      if (s->loc[i].code == order[k])
        add_candidate(list, &n, locator_path(img, i));
  for (int i = 0, m = n; i < m; i++)
    if (base_of(list[i]) != list[i])
      add_candidate(list, &n, hvx_strdup(base_of(list[i])));
  if (s->parent_name)
    add_candidate(list, &n, hvx_strdup(base_of(s->parent_name)));
  return n;
}

/* Is NAME (as hvx_open_backing resolves it) a file or block device? */
static bool exists_beside(struct hvx_image *img, const char *name)
{
  const char *slash = strrchr(img->filename, '/');
  struct stat st;
  char *path;
  bool r;

  if (name[0] == '/' || !slash) {
    r = stat(name, &st) == 0;
  } else {
    path = hvx_malloc(strlen(img->filename) + strlen(name) + 2, "path");
    if (!path)
      return false;
    sprintf(path, "%.*s/%s", (int)(slash - img->filename), img->filename,
            name);
    r = stat(path, &st) == 0;
    free(path);
  }
  return r && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

/* Open NAME as the parent and check it is the one the child expects. */
static int try_parent(struct hvx_image *img, const char *name)
{
  struct vhd_state *s = img->priv, *ps;
  char want[37], got[37];

  if (hvx_open_backing(img, name, "vhd") < 0)
    return -1;
  ps = img->backing->priv;
  if (memcmp(ps->footer + VHD_F_UUID, s->header + VHD_H_PARENT_UUID, 16)
      == 0)
    return 0;
  vhd_format_uuid(s->header + VHD_H_PARENT_UUID, want);
  vhd_format_uuid(ps->footer + VHD_F_UUID, got);
  hvx_close(img->backing);
  img->backing = NULL;
  return hvx_set_error(EBADMSG, "vhd: %s: parent '%s' has unique ID %s, but "
                       "the differencing disk was made from %s (wrong or "
                       "changed parent)", img->filename, name, got, want);
}

int vhd_open_parent(struct hvx_image *img)
{
  struct vhd_state *s = img->priv;
  char *list[MAX_CANDIDATES];
  char tried[512] = "";
  int n, found = 0, r = -1, err = 0;
  char msg[1024] = "";

  if (img->flags & HVX_OPEN_NO_BACKING)
    return 0;
  n = candidates(img, list);
  for (int i = 0; i < n && r < 0; i++) {
    size_t t = strlen(tried);
    snprintf(tried + t, sizeof tried - t, "%s'%s'", t ? ", " : "", list[i]);
    if (!exists_beside(img, list[i]))
      continue;
    found++;
    if (try_parent(img, list[i]) == 0) {
      s->parent_path = list[i];
      list[i] = NULL;
      r = 0;
    } else if (!err) {
      /* Keep the first real failure; a later candidate may still fit. */
      err = hvx_errno();
      snprintf(msg, sizeof msg, "%s", hvx_error());
    }
  }
  for (int i = 0; i < n; i++)
    free(list[i]);
  if (r == 0)
    return 0;
  if (found)
    return hvx_set_error(err, "%s", msg);
  if (!n)
    return hvx_set_error(EBADMSG, "vhd: %s: differencing disk without a "
                         "usable parent locator or parent name",
                         img->filename);
  return hvx_set_error(ENOENT, "vhd: %s: parent image not found (tried %s)",
                       img->filename, tried);
}
