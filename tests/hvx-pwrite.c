/* hvx tests - write standard input into an image at an offset, through
 * the public API, so shell tests can make hvx write partial sectors:
 *
 *   hvx-pwrite [-f FMT] IMAGE OFFSET < DATA
 *
 * Exit 0 on success, 1 with the hvx error on stderr otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvx.h>

int main(int argc, char **argv)
{
  const char *fmt = NULL;
  unsigned long long off;
  char *end, *buf = NULL;
  size_t len = 0, cap = 0, n;
  hvx_image *img;
  int r;

  if (argc == 5 && strcmp(argv[1], "-f") == 0) {
    fmt = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: hvx-pwrite [-f FMT] IMAGE OFFSET < DATA\n");
    return 1;
  }
  off = strtoull(argv[2], &end, 0);
  if (*end) {
    fprintf(stderr, "hvx-pwrite: bad offset '%s'\n", argv[2]);
    return 1;
  }
  do {
    if (len == cap && !(buf = realloc(buf, cap = cap * 2 + 65536))) {
      fprintf(stderr, "hvx-pwrite: out of memory\n");
      return 1;
    }
    n = fread(buf + len, 1, cap - len, stdin);
    len += n;
  } while (n > 0);
  img = hvx_open(argv[1], fmt, HVX_OPEN_WRITE);
  r = !img || hvx_pwrite(img, buf, len, off) < 0;
  if (img && hvx_close(img) < 0)
    r = 1;
  if (r)
    fprintf(stderr, "hvx-pwrite: %s\n", hvx_error());
  free(buf);
  return r;
}
