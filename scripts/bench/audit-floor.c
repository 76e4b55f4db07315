// audit-floor OBJECT MODE COMMAND...: attaches the programs MODE names from OBJECT (audit-floor.bpf.c)
// system-wide, runs COMMAND, waits for it and detaches; so that interleave.c can run it beside the bare
// command. MODE: none, empty2 (empty sys_enter + sys_exit), empty1 (empty sys_exit only), storage2 /
// storage1 (a task-storage lookup that finds nothing, on both or on sys_exit only), cgroup1 (a cgroup-id
// compare on sys_exit only), count1 (sys_exit only: the number from orig_ax, a per-CPU counter, errors;
// the command's task is given task storage, so it is "ours") and count2 (the same with sys_enter keeping
// the number, the audit's shape). count1/count2 follow the command's task only (no children).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level level, const char *format, va_list args) { return 0; }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: audit-floor OBJECT MODE COMMAND...\n");
        return 2;
    }
    const char *mode = argv[2];
    const char *names[2] = {0, 0};
    if (!strcmp(mode, "empty2")) names[0] = "empty_enter", names[1] = "empty_exit";
    else if (!strcmp(mode, "empty1")) names[0] = "empty_exit";
    else if (!strcmp(mode, "storage2")) names[0] = "storage_enter", names[1] = "storage_exit";
    else if (!strcmp(mode, "storage1")) names[0] = "storage_exit";
    else if (!strcmp(mode, "cgroup1")) names[0] = "cgroup_exit";
    else if (!strcmp(mode, "count1")) names[0] = "count_exit";
    else if (!strcmp(mode, "count2")) names[0] = "count_enter", names[1] = "count_exit2";
    else if (strcmp(mode, "none")) {
        fprintf(stderr, "audit-floor: unknown mode %s\n", mode);
        return 2;
    }
    struct bpf_object *object = NULL;
    struct bpf_link *links[2] = {0, 0};
    if (names[0]) {
        libbpf_set_print(quiet);
        object = bpf_object__open_file(argv[1], NULL);
        if (!object) { perror("audit-floor: open"); return 1; }
        struct bpf_program *p;
        // Load only the programs this mode attaches.
        bpf_object__for_each_program(p, object) {
            const char *n = bpf_program__name(p);
            bpf_program__set_autoload(p, (names[0] && !strcmp(n, names[0])) || (names[1] && !strcmp(n, names[1])));
        }
        if (bpf_object__load(object)) { perror("audit-floor: load"); return 1; }
        for (int i = 0; i < 2 && names[i]; i++) {
            links[i] = bpf_program__attach(bpf_object__find_program_by_name(object, names[i]));
            if (!links[i]) { perror("audit-floor: attach"); return 1; }
        }
    }
    int go[2];
    if (pipe(go)) { perror("audit-floor: pipe"); return 1; }
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(126);
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    close(go[0]);
    if (!strncmp(mode, "count", 5)) {
        // The command's task is ours: task storage from user space is keyed by a pidfd.
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        __u64 zero = 0;
        if (pidfd < 0 || bpf_map_update_elem(bpf_object__find_map_fd_by_name(object, "owned"), &pidfd, &zero, BPF_ANY)) {
            perror("audit-floor: task storage");
            return 1;
        }
        close(pidfd);
    }
    if (write(go[1], "x", 1) != 1) { perror("audit-floor: write"); return 1; }
    close(go[1]);
    int status = 0;
    struct rusage usage;
    wait4(pid, &status, 0, &usage);
    // AUDIT_FLOOR_CPU=FILE NAME: the command's CPU time (its tree's, as far as it reaped it), one line
    // "NAME ms" appended to FILE; less moved by other jobs on a loaded machine than the wall time.
    const char *cpu = getenv("AUDIT_FLOOR_CPU");
    if (cpu) {
        FILE *f = fopen(cpu, "a");
        const char *name = getenv("AUDIT_FLOOR_NAME");
        if (f) {
            double ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                        (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
            fprintf(f, "%s %.3f\n", name ? name : mode, ms);
            fclose(f);
        }
    }
    for (int i = 0; i < 2; i++) if (links[i]) bpf_link__destroy(links[i]);
    const char *print = getenv("AUDIT_FLOOR_PRINT");
    if (object && print && !strncmp(mode, "count", 5)) {
        // A check of what the counting programs counted: the calls of each number in AUDIT_FLOOR_PRINT
        // (e.g. "0 1": read, write), summed over the CPUs; 1023 is where orig_ax = -1 lands.
        int cpus = libbpf_num_possible_cpus(), fd = bpf_object__find_map_fd_by_name(object, "counts");
        struct { __u64 calls, errors; } v[cpus > 0 ? cpus : 1];
        for (char *end; *print; print = end) {
            __u32 nr = (__u32)strtoul(print, &end, 10);
            if (end == print) break;
            __u64 calls = 0;
            if (bpf_map_lookup_elem(fd, &nr, v) == 0) for (int c = 0; c < cpus; c++) calls += v[c].calls;
            fprintf(stderr, "audit-floor: %s: syscall %u: %llu calls\n", mode, nr, (unsigned long long)calls);
        }
    }
    if (object) bpf_object__close(object);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
