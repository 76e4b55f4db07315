// The part of sandbox that runs between fork and exec.
//
// The parent (Swift) prepares a `sbx_plan` completely: argv, envp, the rlimit table, the capability masks and
// the seccomp program as BPF instructions. `sbx_spawn` clones a child that only makes system calls, in the
// order fixed in spawn.c, and reports the first failing step as a fixed-size `sbx_failure` record over a
// close-on-exec pipe. EOF on that pipe means execve succeeded.

#ifndef SANDBOX_SPAWN_H
#define SANDBOX_SPAWN_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <linux/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The child's setup steps, in the order they run. The numbers travel in `sbx_failure.step`.
enum sbx_step {
    SBX_STEP_CGROUP = 1,      // join the run's cgroups (detail: the index of the cgroup.procs fd)
    SBX_STEP_SIGNALS,         // reset dispositions, then the mask
    SBX_STEP_FDS,             // mark every fd above 2 close-on-exec
    SBX_STEP_SETSID,          // new session
    SBX_STEP_CTTY,            // pseudo-terminal as controlling terminal and stdio
    SBX_STEP_PDEATHSIG,       // parent-death signal, and the re-check that the parent still lives
    SBX_STEP_CHDIR,           // working directory
    SBX_STEP_UMASK,
    SBX_STEP_RLIMIT,          // detail: the resource
    SBX_STEP_NICE,            // detail: the value
    SBX_STEP_IOPRIO,          // detail: the encoded priority
    SBX_STEP_CAPBSET,         // detail: the capability being dropped from the bounding set
    SBX_STEP_CAPS,            // capset: permitted, effective, inheritable
    SBX_STEP_AMBIENT,         // detail: the capability being raised
    SBX_STEP_NO_NEW_PRIVS,
    SBX_STEP_SECCOMP,
    SBX_STEP_SECCOMP_LISTENER, // sending the user-notification fd to the supervisor
    SBX_STEP_EXEC,
};

/// What the child writes to the error pipe when a step fails.
struct sbx_failure {
    int32_t step;
    int32_t err;
    int64_t detail;
};

struct sbx_rlimit {
    int resource;
    struct rlimit limit;
};

struct sbx_plan {
    const char *path;               // absolute path of the program (the parent resolved $PATH)
    char *const *argv;
    char *const *envp;
    const char *workdir;            // NULL: inherit
    int new_session;                // setsid()
    int pty_slave;                  // -1, or a pty slave fd that becomes the controlling terminal
    int pty_stdio_mask;             // bit i set: fd i (0, 1, 2) becomes the pty slave
    int die_with_parent;            // PR_SET_PDEATHSIG(SIGKILL)
    pid_t parent_pid;               // for the re-check after PR_SET_PDEATHSIG
    int umask;                      // -1: inherit
    int rlimit_count;
    const struct sbx_rlimit *rlimits;
    int set_nice;
    int nice;
    int set_ioprio;
    int ioprio;                     // IOPRIO_PRIO_VALUE(class, data)
    int drop_bounding;              // drop every capability not in keep from the bounding set
    int set_caps;                   // capset to keep_caps (P, E, I) and raise them as ambient
    uint64_t keep_caps;             // bit n: keep capability n
    int last_cap;                   // /proc/sys/kernel/cap_last_cap
    int no_new_privs;
    const struct sock_filter *filter; // NULL: no seccomp
    unsigned short filter_len;
    int want_listener;              // SECCOMP_FILTER_FLAG_NEW_LISTENER, fd sent over notify_socket
    int notify_socket;
    int error_fd;                   // write end of a close-on-exec pipe

    // cgroups (Policy/CgroupPlan.swift, Supervise/RunCgroup.swift). The parent created the run's cgroups
    // and opened these before the clone, with its own credentials (since Linux 5.16 a cgroup.procs write is
    // checked against the opener's, so a child that has dropped privileges can still join).
    int cgroup_fd;                  // -1, or a directory fd of the run's cgroup v2 cgroup: clone3 with
                                    // CLONE_INTO_CGROUP starts the child in it; when the clone fell back to
                                    // fork, the child writes "0" to its cgroup.procs (opened through this fd)
    int cgroup_procs_count;
    const int *cgroup_procs_fds;    // `tasks` of the run's cgroup in each v1 hierarchy: "0" moves the
                                    // (single-threaded) child without cgroup.procs's global lock
};

/// Clones the child (clone3 with CLONE_PIDFD, falling back to fork and pidfd_open) with every signal
/// blocked across the clone. Returns the child's pid and stores its pidfd, or returns -1 with errno set
/// when the clone itself failed (the child never ran). Never returns in the child.
pid_t sbx_spawn(const struct sbx_plan *plan, int *pidfd_out);

#ifdef __cplusplus
}
#endif

#endif
