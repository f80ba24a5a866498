/* bench helper: run a command and report its own peak RSS, or drop a
 * file from the page cache.
 *
 *   runstat run RSSFILE CMD [ARG...]   exit as CMD does; RSSFILE gets its
 *                                      peak RSS in KiB
 *   runstat drop FILE...               fdatasync, then
 *                                      posix_fadvise(POSIX_FADV_DONTNEED)
 *
 * A small process of its own forks CMD, so the peak RSS is CMD's alone
 * (a child forked from a big Python process inherits its RSS into
 * ru_maxrss at exec). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc >= 4 && strcmp(argv[1], "run") == 0) {
    struct rusage ru;
    int status;
    pid_t pid = fork();
    FILE *f;
    if (pid < 0)
      return perror("fork"), 127;
    if (pid == 0) {
      execvp(argv[3], argv + 3);
      perror(argv[3]);
      _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0)
      return perror("wait4"), 127;
    if (!(f = fopen(argv[2], "w")))
      return perror(argv[2]), 127;
    fprintf(f, "%ld\n", ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  if (argc >= 3 && strcmp(argv[1], "drop") == 0) {
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_RDONLY), e;
      if (fd < 0)
        return perror(argv[i]), 1;
      fdatasync(fd); /* dirty pages cannot be dropped */
      e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      close(fd);
      if (e)
        return fprintf(stderr, "%s: posix_fadvise: %s\n", argv[i],
                       strerror(e)), 1;
    }
    return 0;
  }
  fprintf(stderr, "usage: runstat run RSSFILE CMD [ARG...] | "
          "runstat drop FILE...\n");
  return 2;
}
