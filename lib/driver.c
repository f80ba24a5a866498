/* hvx - the driver registry, probing, and backing-file resolution. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

const struct hvx_driver *hvx_find_driver(const char *name)
{
  for (int i = 0; hvx_drivers[i]; i++) {
    const struct hvx_driver *d = hvx_drivers[i];
    if (strcmp(d->name, name) == 0 || (d->alias && strcmp(d->alias, name) == 0))
      return d;
  }
  return NULL;
}

HVX_API int hvx_format_count(void)
{
  int n = 0;
  while (hvx_drivers[n])
    n++;
  return n;
}

HVX_API const char *hvx_format_name(int index)
{
  if (index < 0 || index >= hvx_format_count()) {
    hvx_set_error(EINVAL, "format index %d out of range", index);
    return NULL;
  }
  return hvx_drivers[index]->name;
}

/* "nbd:", "json:", "http://..." and the like: a scheme of two or more
 * letters before a colon that comes before any slash.  (One letter is a
 * Windows drive, which the VHD drivers translate themselves.) */
static bool is_protocol(const char *name)
{
  size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-_");
  return n >= 2 && name[n] == ':';
}

/* Directory part of PATH (the whole "." if none), malloc'd. */
static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *d;

  if (!slash)
    return hvx_strdup(".");
  if (slash == path)
    return hvx_strdup("/");
  d = hvx_malloc((size_t)(slash - path) + 1, "directory name");
  if (d) {
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
  }
  return d;
}

/* Is the real path of CHILD inside the real directory DIR? */
static bool inside(const char *dir, const char *child)
{
  char rd[PATH_MAX], rc[PATH_MAX];
  size_t n;

  if (!realpath(dir, rd) || !realpath(child, rc))
    return false;
  n = strlen(rd);
  if (strcmp(rd, "/") == 0)
    return true;
  return strncmp(rd, rc, n) == 0 && rc[n] == '/';
}

int hvx_open_backing(struct hvx_image *img, const char *name,
                     const char *format)
{
  char *dir = NULL, *path = NULL;
  struct stat st;
  hvx_image *b;
  unsigned flags;

  if (img->flags & HVX_OPEN_NO_BACKING)
    return 0;
  if (!*name)
    return hvx_set_error(EBADMSG, "%s: empty backing file name",
                         img->filename);
  if (is_protocol(name))
    return hvx_set_error(EPERM, "%s: backing file '%s' names a protocol; "
                         "hvx opens only plain files", img->filename, name);
  if (img->depth + 1 >= HVX_MAX_BACKING_DEPTH)
    return hvx_set_error(ELOOP, "%s: backing chain deeper than %d images",
                         img->filename, HVX_MAX_BACKING_DEPTH);

  dir = dir_of(img->filename);
  if (!dir)
    return -1;
  if (name[0] == '/') {
    path = hvx_strdup(name);
  } else {
    path = hvx_malloc(strlen(dir) + strlen(name) + 2, "backing path");
    if (path)
      sprintf(path, "%s/%s", dir, name);
  }
  if (!path)
    goto fail;
  if (stat(path, &st) < 0) {
    hvx_set_error(errno, "%s: backing file '%s' (%s): %s", img->filename,
                  name, path, strerror(errno));
    goto fail;
  }
  if (!(img->flags & HVX_OPEN_BACKING_ANYWHERE) && !inside(dir, path)) {
    hvx_set_error(EPERM, "%s: backing file '%s' lies outside the image's "
                  "directory; allow it explicitly to follow it",
                  img->filename, name);
    goto fail;
  }
  /* A cycle would otherwise recurse until the depth limit; name it. */
  for (struct hvx_image *a = img; a; a = a->child) {
    struct stat ast;
    if (fstat(a->file.fd, &ast) == 0 && ast.st_dev == st.st_dev &&
        ast.st_ino == st.st_ino) {
      hvx_set_error(ELOOP, "%s: backing chain is cyclic: '%s' is already "
                    "in the chain", img->filename, name);
      goto fail;
    }
  }

  flags = img->flags & ~HVX_OPEN_WRITE;
  b = hvx_open_internal(path, format, flags, img);
  if (!b) {
    hvx_prefix_error("%s: backing file '%s'", img->filename, name);
    goto fail;
  }
  img->backing = b;
  free(dir);
  free(path);
  return 0;

fail:
  free(dir);
  free(path);
  return -1;
}

int hvx_read_backing(struct hvx_image *img, void *buf, size_t count,
                     uint64_t offset)
{
  struct hvx_image *b = img->backing;
  size_t n = 0;

  if (b && offset < b->size) {
    n = (size_t)hvx_min_u64(count, b->size - offset);
    if (hvx_pread(b, buf, n, offset) < 0)
      return -1;
  }
  memset((char *)buf + n, 0, count - n);
  return 0;
}
