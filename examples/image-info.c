/* Example: open a disk image and print what libhvx knows about it.
 *
 *   image-info FILE
 *
 * Build against an installed libhvx with
 *   cc -o image-info image-info.c $(pkg-config --cflags --libs hvx)
 */
#include <stdio.h>

#include <hvx.h>

/* Called once per fact: "format", "virtual_size", "actual_size", then
 * the format's own ("cluster_size", "backing_file", ...). */
static void print_fact(void *opaque, const char *key, const char *value)
{
  (void)opaque;
  printf("%-16s %s\n", key, value);
}

int main(int argc, char **argv)
{
  hvx_image *img;
  int problems;

  if (argc != 2) {
    fprintf(stderr, "usage: image-info FILE\n");
    return 2;
  }
  /* NULL format: probe the contents; 0 flags: read-only. */
  img = hvx_open(argv[1], NULL, 0);
  if (!img) {
    /* The message names the file and what is wrong with it. */
    fprintf(stderr, "image-info: %s\n", hvx_error());
    return 1;
  }
  hvx_image_info(img, print_fact, NULL);
  problems = hvx_check(img, NULL, NULL);
  if (problems < 0)
    printf("%-16s could not run: %s\n", "check", hvx_error());
  else if (problems == 0)
    printf("%-16s clean\n", "check");
  else
    printf("%-16s %d problem(s)\n", "check", problems);
  hvx_close(img);
  return problems == 0 ? 0 : 1;
}
