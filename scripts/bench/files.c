/* File-heavy workload for scripts/bench/files.sh: in a fresh directory under DIR, create, write (64 bytes),
 * close and unlink N files, then remove the directory. Usage: files DIR [N]. A compiled program, so that
 * interpreter start-up does not dominate the measurement. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: files DIR [N]\n"); return 2; }
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/files.%ld", argv[1], (long)getpid());
    if (mkdir(dir, 0700) != 0) { perror(dir); return 1; }
    static const char data[64] = "sandbox file benchmark: sixty-four bytes of payload per file....";
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) { perror(path); return 1; }
        if (write(fd, data, sizeof data) != (ssize_t)sizeof data) { perror("write"); return 1; }
        close(fd);
    }
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, i);
        if (unlink(path) != 0) { perror(path); return 1; }
    }
    if (rmdir(dir) != 0) { perror(dir); return 1; }
    return 0;
}
