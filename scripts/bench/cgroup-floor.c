// The kernel's part of a quiet run's cgroup (`cgroup.enabled=true -q`), without sandbox: what is left of
// the added launch cost when user space costs nothing. Every round runs, in alternating order, (a) clone3 +
// exec of /bin/true + wait, and (b) the same with the cgroup work sandbox does: mkdir of a cgroup beneath
// each parent given, a directory fd of each (and each v1 `tasks` opened), clone3(CLONE_INTO_CGROUP) into
// the first (cgroup2), the child writing "0" to each v1 `tasks` before its exec, then `cgroup.kill`, one
// read of each v1 cgroup's first counter file, and the rmdirs. Prints both medians and the difference.
//
// usage: cgroup-floor ROUNDS CGROUP2_PARENT [V1_PARENT COUNTER_FILE]...
//   e.g. cgroup-floor 500 /sys/fs/cgroup/unified /sys/fs/cgroup/pids pids.events /sys/fs/cgroup/memory/x memory.oom_control
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX 8
static int count;                      // cgroups per run: [0] is cgroup2, the rest v1
static char dirs[MAX][4096];
static const char *counters[MAX];

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void cleanup(void) {
    for (int i = count - 1; i >= 0; i--) rmdir(dirs[i]);
}

static void fail(const char *what) {
    perror(what);
    cleanup();
    exit(1);
}

static void run(int with_cgroup) {
    int dirfd[MAX], tasks[MAX];
    if (with_cgroup) {
        for (int i = 0; i < count; i++) {
            if (mkdir(dirs[i], 0755) != 0) fail("mkdir");
            dirfd[i] = open(dirs[i], (i == 0 ? O_RDONLY : O_PATH) | O_DIRECTORY | O_CLOEXEC);
            if (dirfd[i] < 0) fail("open");
            tasks[i] = i == 0 ? -1 : openat(dirfd[i], "tasks", O_WRONLY | O_CLOEXEC);
            if (i > 0 && tasks[i] < 0) fail("open tasks");
        }
    }
    int pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD | (with_cgroup ? CLONE_INTO_CGROUP : 0);
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    args.cgroup = with_cgroup ? (uint64_t)dirfd[0] : 0;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) fail("clone3");
    if (pid == 0) {
        if (with_cgroup)
            for (int i = 1; i < count; i++)
                if (write(tasks[i], "0", 1) != 1) _exit(126);
        char *const argv[] = {"/bin/true", NULL};
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid((pid_t)pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("child");
    close(pidfd);
    if (with_cgroup) {
        char buf[4096];
        int kill = openat(dirfd[0], "cgroup.kill", O_WRONLY | O_CLOEXEC);
        if (kill >= 0) { if (write(kill, "1", 1) != 1) {} close(kill); }
        for (int i = 1; i < count; i++) {
            int fd = openat(dirfd[i], counters[i], O_RDONLY | O_CLOEXEC);
            if (fd >= 0) { if (pread(fd, buf, sizeof buf, 0) < 0) {} close(fd); }
            close(tasks[i]);
        }
        for (int i = 0; i < count; i++) close(dirfd[i]);
        for (int i = count - 1; i >= 0; i--)
            if (rmdir(dirs[i]) != 0) fail("rmdir");
    }
}

int main(int argc, char **argv) {
    if (argc < 3 || argc % 2 != 1 || (argc - 1) / 2 > MAX) {
        fprintf(stderr, "usage: %s ROUNDS CGROUP2_PARENT [V1_PARENT COUNTER_FILE]...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]);
    for (int a = 2; a < argc; a += a == 2 ? 1 : 2) {
        snprintf(dirs[count], sizeof dirs[count], "%s/sandbox-floor-%d", argv[a], (int)getpid());
        counters[count] = a == 2 ? NULL : argv[a + 1];
        count++;
    }
    double *plain = malloc(rounds * sizeof *plain), *cg = malloc(rounds * sizeof *cg);
    for (int i = 0; i < 20; i++) { run(0); run(1); }
    for (int i = 0; i < rounds; i++) {
        for (int k = 0; k < 2; k++) {
            int with = (i + k) & 1;
            double t = now_ms();
            run(with);
            (with ? cg : plain)[i] = now_ms() - t;
        }
    }
    qsort(plain, rounds, sizeof *plain, by_value);
    qsort(cg, rounds, sizeof *cg, by_value);
    printf("%.3f\t%.3f\n", plain[rounds / 2], cg[rounds / 2]);
    return 0;
}
