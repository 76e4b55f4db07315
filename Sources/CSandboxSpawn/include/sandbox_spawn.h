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
    SBX_STEP_PDEATHSIG,       // parent-death signal, and the re-check that the parent still lives
    // Namespaces (the child was cloned into them): wait for the parent's uid/gid maps, then the UTS and
    // network settings, then the PID namespace's init forks the command.
    SBX_STEP_NS_SYNC,         // the parent's go-ahead on the sync socket (maps written); ESRCH: the parent died
    SBX_STEP_NETNS,           // setns into the network namespace the supervisor made ahead
    SBX_STEP_HOSTNAME,        // sethostname in the new UTS namespace
    SBX_STEP_LOOPBACK,        // ioctl(SIOCSIFFLAGS) bringing lo up in the new network namespace
    SBX_STEP_INIT_FORK,       // the PID namespace's init forking the command
    SBX_STEP_SETSID,          // new session
    SBX_STEP_CTTY,            // pseudo-terminal as controlling terminal and stdio
    SBX_STEP_CHDIR,           // working directory
    SBX_STEP_UMASK,
    SBX_STEP_RLIMIT,          // detail: the resource
    SBX_STEP_NICE,            // detail: the value
    SBX_STEP_IOPRIO,          // detail: the encoded priority
    SBX_STEP_CAPBSET,         // detail: the capability being dropped from the bounding set
    SBX_STEP_IDS,             // process.user/group; detail: 0 setgroups, 1 setresgid, 2 setresuid
    SBX_STEP_CAPS,            // capset: permitted, effective, inheritable
    SBX_STEP_AMBIENT,         // detail: the capability being raised
    SBX_STEP_MOUNTS,          // the filesystem view; detail: the index of the failing mount op
    SBX_STEP_LANDLOCK,        // detail: the index of the failing rule, -1 for the ruleset itself
    SBX_STEP_NO_NEW_PRIVS,
    SBX_STEP_SECCOMP,
    SBX_STEP_SECCOMP_LISTENER, // sending the user-notification fd to the supervisor
    SBX_STEP_EXEC,
};

/// The filesystem view (Policy/MountPlan.swift): one flat list of prepared mount operations, run in order by
/// step_mounts after the staging root is up. Every target is relative to the new root and is opened with
/// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), never through a symlink.
enum sbx_mount_kind {
    SBX_MNT_BIND = 1,   // open_tree(source, OPEN_TREE_CLONE [| AT_RECURSIVE]), mount_setattr, move_mount onto target
    SBX_MNT_REBIND,     // the same, with the target's own tree as the source (a read-only /proc/sys)
    SBX_MNT_FS,         // fsopen(source), fsconfig(options), fsmount(attr_set), move_mount onto target
    SBX_MNT_MKDIR,      // mkdirat(target, name, mode) in a fresh tmpfs
    SBX_MNT_MKFILE,     // an empty file target/name (a mount point for a file)
    SBX_MNT_SYMLINK,    // symlinkat(source, target, name)
    SBX_MNT_SETATTR,    // mount_setattr(target, attr_set), after what lies beneath it was mounted
};

enum sbx_mount_flag {
    SBX_MNT_OPTIONAL = 1,   // a target that does not exist is skipped (/proc/sched_debug on newer kernels)
    SBX_MNT_RECURSIVE = 2,  // clone and change every submount, not just the top one
    SBX_MNT_IN_FRESH = 4,   // the target lies in a file system an earlier op mounted fresh: no re-check
};

struct sbx_mount_op {
    int kind;
    int flags;
    const char *source;     // BIND: a path in the old root; FS: the filesystem type; SYMLINK: the link's text
    const char *target;     // relative to the new root, "" for the root itself
    const char *name;       // MKDIR, MKFILE, SYMLINK: the entry created in target
    const char *options;    // FS: "key\0value\0...\0\0" for fsconfig(FSCONFIG_SET_STRING), or NULL
    uint64_t attr_set;      // MOUNT_ATTR_*
    uint64_t attr_clr;
    unsigned int mode;      // MKDIR, MKFILE
};

/// The view's mount namespace as MountPlan prepared it. The ops are run in order; those from `child_first`
/// on need the child's PID namespace (its fresh /proc and what lies in it). When the supervisor builds the
/// view ahead (sbx_view_build_ahead), the child runs only those, after joining; otherwise it runs them all.
struct sbx_view {
    uint64_t root_attr;             // MOUNT_ATTR_* for the host root's recursive copy (RDONLY, NOSUID, NODEV)
    int op_count;
    const struct sbx_mount_op *ops;
    int child_first;                // op_count when no op needs the child
    const char *workdir;            // chdir once in the view (its working directory), or NULL
};

/// One Landlock rule (Policy/LandlockRuleset.swift): a path-beneath rule on `fd` (opened by the parent), or
/// on `path` opened by the child after its mounts when the rule names a place only the new view has.
struct sbx_landlock_rule {
    int fd;                 // -1: open `path` (O_PATH) in the child
    const char *path;
    uint64_t access;        // LANDLOCK_ACCESS_FS_*, already masked to what the kernel and the inode type allow
    int optional;           // a path the child cannot find is skipped
};

/// Not a failure: the record the PID namespace's init writes when the command has ended, `err` the
/// command's pid in the namespace and `detail` its raw wait status, so that the supervisor reports the
/// command's exit or signal rather than the init's exit code.
#define SBX_RECORD_COMMAND_STATUS 100

/// How the supervisor hands the PID namespace's init a signal to pass on: this real-time signal (the
/// kernel's last, SIGRTMAX), queued with SI_QUEUE and the signal's number in `si_value.sival_int`, plus
/// SBX_INIT_FORWARD_TREE to deliver it to every process of the namespace (a time limit) rather than the
/// command alone. Not the signal itself: a standard signal already pending is not queued again, so when the
/// terminal's own copy (which the init ignores) was still pending, the supervisor's was lost and the
/// command never saw its Ctrl-C. Real-time signals queue.
#define SBX_INIT_FORWARD_SIGNAL 64
#define SBX_INIT_FORWARD_TREE 0x100

/// At most this many descriptors arrive with the go-ahead: the network namespace, the view's, the clones.
#define SBX_AHEAD_MAX_FDS 64

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

    // Namespaces (Policy/NamespacePlan.swift prepares these). All zero / -1 / NULL: no namespace, and the
    // child makes no system call for any of them.
    uint64_t clone_flags;           // CLONE_NEW* flags added to clone3 (or to the fork fallback's clone)
    int sync_fd;                    // -1, or the child's end of the sync socket (SOCK_SEQPACKET): one byte once
                                    // the maps are written, with the namespaces made ahead (SCM_RIGHTS)
    int sync_write_fd;              // the parent's end of it; the child closes its copy (EOF = parent gone)
    int pid_init;                   // the child is PID 1 of a new PID namespace: it forks the command and reaps
    int init_kill_orphans;          // the init exits when the command does (the kernel kills the rest) or waits for all
    int borrow_memory;              // the init may borrow the supervisor's memory (CLONE_VM) instead of a copy
                                    // (sbx_spawn): a run whose figures nobody renders, as peak memory becomes
                                    // the supervisor's resident size; needs sync_fd (sbx_spawn_go_ahead)
    const char *hostname;           // NULL, or sethostname() in the new UTS namespace
    int loopback_up;                // bring lo up in the new network namespace
    int ahead_net;                  // a network namespace made ahead (sandbox_ahead.h) arrives with the go-ahead,
                                    // lo up: the child joins it with setns instead of CLONE_NEWNET
    int ahead_loopback;             // with ahead_net: that namespace was already made at the clone, lo still
    int ahead_loopback_fd;          // down; the child joins it (its copy of this fd) and brings lo up while it
                                    // waits for the go-ahead (sbx_ahead_loopback_to_child)
    int set_ids;                    // process.user/group: setresgid/setresuid (and setgroups) before capabilities
    int set_groups;                 // setgroups to {gid} (not when the user namespace denies setgroups)
    uid_t uid;
    gid_t gid;

    // The filesystem view (fs: Policy/MountPlan.swift, Policy/LandlockRuleset.swift).
    const struct sbx_view *view;    // NULL: none; else step_mounts builds it in the clone's mount namespace,
                                    // or joins the one made ahead
    int ahead_view;                 // so does the view's mount namespace made ahead, then the detached clone of
                                    // each bind op's source from child_first on (its old root is gone by then):
                                    // the child joins it instead of CLONE_NEWNS and runs only its own ops
    int landlock;                   // apply a Landlock ruleset
    uint64_t landlock_fs;           // handled_access_fs
    uint64_t landlock_scoped;       // scoped (ABI 6)
    int landlock_rule_count;
    const struct sbx_landlock_rule *landlock_rules;
};

/// Clones the child (clone3 with CLONE_PIDFD, falling back to fork and pidfd_open; with `borrow_memory`, into
/// our own memory, and then sbx_spawn_go_ahead must follow) with every signal blocked across the clone.
/// Returns the child's pid and stores its pidfd, or returns -1 with errno set when the clone itself failed
/// (the child never ran). Never returns in the child.
pid_t sbx_spawn(const struct sbx_plan *plan, int *pidfd_out);

/// The go-ahead on the sync socket (`socket`, the parent's end), with `fds` (the namespaces made ahead). When
/// the child borrows the supervisor's memory, the calling thread (the one that called sbx_spawn) is then
/// held until the command is about to install its seccomp filter, or the child has ended; `timeout_ms` >= 0
/// bounds that wait, after which the child (`pidfd`) is killed and 1 returned. Otherwise returns 0 at once.
/// A child that could not be sent the go-ahead is killed (and waited for) when it borrows; otherwise it
/// ends at our EOF.
int sbx_spawn_go_ahead(int socket, const int *fds, int count, int pidfd, int timeout_ms);

/// Where the staging tmpfs goes in the view's mount namespace ("/tmp", as bubblewrap): MountPlan.staging.
#define SBX_VIEW_STAGING "/tmp"

/// The first half of building a view ahead, which needs no view: a new mount namespace of the calling
/// thread, which must be a thread of its own (the supervisor's, sandbox_ahead.h; unshare(CLONE_NEWNS) gives
/// it a filesystem context of its own too), with the staging root at SBX_VIEW_STAGING as its root and the
/// host's root copied, detached, into `*tree`. `*ns_fd` is the namespace. Returns -1 with errno on failure;
/// every fd stored is the caller's to close either way.
int sbx_view_stage_ahead(int *ns_fd, int *tree);

/// The second half, in that namespace: `tree` (consumed) set up and attached as the new root, ops [0,
/// child_first), then, for each later bind op, its source cloned detached into `clones` (-1 for other kinds),
/// then the switch into the new root. Returns -1 with errno (and `*detail`, the failing op or -1) on
/// failure; every fd stored in `clones` is the caller's to close either way.
int sbx_view_build_ahead(const struct sbx_view *view, int tree, int *clones, int64_t *detail);

/// Brings `lo` up in the caller's network namespace (ioctl SIOCSIFFLAGS; async-signal-safe): the child's
/// step, and the supervisor's thread that makes a namespace ahead (CSandboxSys/netns.c).
int sbx_loopback_up(void);

#ifdef __cplusplus
}
#endif

#endif
