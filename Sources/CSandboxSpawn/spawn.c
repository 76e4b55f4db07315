// Between fork and exec: only async-signal-safe system calls from here on.
//
// No allocation, no stdio, no libseccomp, no libcap, no Swift, no exit() (only _exit). Every value the child
// needs was computed by the parent and sits in `struct sbx_plan`. Each step is a small function that returns
// -1 with errno set (and may set *detail); `child_main` runs them in a flat, fixed order and reports the
// first failure as a `struct sbx_failure` on the close-on-exec error pipe. The steps before the go-ahead
// return -errno instead and make only sbx_raw calls: a child that borrows the supervisor's memory runs
// them beside the supervisor's main thread, whose thread-local storage it shares (sbx_spawn).

#define _GNU_SOURCE
#include "sandbox_spawn.h"
#include "spawn_steps.h"
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <net/if.h>
#include <poll.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The kernel's struct sigaction (glibc's differs and its wrapper refuses glibc's internal signals 32 and 33).
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

// Set in the parent just before a clone that could not start the child in its cgroup v2 cgroup (the fork
// fallback); the child reads its copy to know it must still join that cgroup itself.
static int cgroup_clone_fell_back;

static long write_zero(int fd) {
    long n;
    do { n = sbx_raw3(SYS_write, fd, "0", 1); } while (n == -EINTR);
    return n < 0 ? n : 0;
}

static int step_cgroup(const struct sbx_plan *plan, int64_t *detail) {
    // "0" moves the writer into that cgroup: the whole thread group for cgroup.procs, this thread (the
    // child's only one) for a v1 `tasks` file.
    if (plan->cgroup_fd >= 0 && cgroup_clone_fell_back) {
        long procs = sbx_raw3(SYS_openat, plan->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        long r = procs < 0 ? procs : write_zero((int)procs);
        if (r < 0) {
            *detail = -1;
            return (int)r;
        }
        sbx_raw1(SYS_close, procs);
    }
    for (int i = 0; i < plan->cgroup_procs_count; i++) {
        long r = write_zero(plan->cgroup_procs_fds[i]);
        if (r < 0) {
            *detail = i;
            return (int)r;
        }
    }
    return 0;
}

static int step_signals(int keep_blocked) {
    // Dispositions first, mask second: a signal that arrives the moment the mask opens must meet SIG_DFL,
    // never a handler of the parent's that would run on the parent's Swift state in this copy.
    // A PID namespace's init keeps every signal blocked instead: PID 1 drops a signal whose disposition is
    // SIG_DFL, so one forwarded during setup would be lost; blocked, it waits for the init's loop.
    struct kernel_sigaction dfl = {.handler = SIG_DFL};
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        // Errors are ignored: some numbers are not valid signals on every architecture.
        sbx_raw4(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
    }
    uint64_t mask = keep_blocked ? ~0ULL : 0;
    return (int)sbx_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(uint64_t));
}

static int mark_cloexec_by_listing(void) {
    // Fallback for kernels before 5.11 (no CLOSE_RANGE_CLOEXEC): walk /proc/self/fd with getdents64,
    // which needs no allocation.
    long opened = sbx_raw4(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (opened < 0) return (int)opened;
    int dir = (int)opened;
    char buf[1024];
    for (;;) {
        long n = sbx_raw3(SYS_getdents64, dir, buf, sizeof buf);
        if (n < 0) { sbx_raw1(SYS_close, dir); return (int)n; }
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *entry = (void *)(buf + off);
            int fd = 0;
            const char *p = entry->name;
            if (*p >= '0' && *p <= '9') {
                while (*p >= '0' && *p <= '9') fd = fd * 10 + (*p++ - '0');
                if (fd > 2 && fd != dir) sbx_raw3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
            }
            off += entry->reclen;
        }
    }
    sbx_raw1(SYS_close, dir);
    return 0;
}

static int step_fds(void) {
    // Close-on-exec rather than close: the error pipe and the notify socket must stay usable until exec.
    long r = sbx_raw3(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (r == 0) return 0;
    if (r != -ENOSYS && r != -EINVAL) return (int)r;
    return mark_cloexec_by_listing();
}

static int step_ctty(const struct sbx_plan *plan) {
    // Needs the new session: TIOCSCTTY only works for a session leader without a controlling terminal.
    if (ioctl(plan->pty_slave, TIOCSCTTY, 0) < 0) return -1;
    for (int fd = 0; fd < 3; fd++) {
        if ((plan->pty_stdio_mask & (1 << fd)) && dup2(plan->pty_slave, fd) < 0) return -1;
    }
    return 0;
}

static int step_pdeathsig(const struct sbx_plan *plan) {
    long r = sbx_raw2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
    if (r < 0) return (int)r;
    // The parent may have died before the prctl took effect; then nobody would ever send the signal. In a
    // new PID namespace getppid() is 0 (the parent is outside it) dead or alive: there the sync socket,
    // which every namespace run has, tells (step_ns_sync).
    if (plan->clone_flags & CLONE_NEWPID) return 0;
    return sbx_raw0(SYS_getppid) == plan->parent_pid ? 0 : -ESRCH;
}

// What arrived with the go-ahead: this copy's own, filled by step_ns_sync.
static struct sbx_arrived arrived = {.net = -1, .view = -1};

// The namespaces made ahead, in the order the parent sends them (NamespaceLaunch.finish): the network
// namespace, the view's, then one clone per bind op of the child's part of the view.
static int take_arrived(const struct sbx_plan *plan, const int *fds, int count) {
    int used = 0, missing = 0;
    if (plan->ahead_net) {
        arrived.net = used < count ? fds[used++] : -1;
        missing |= arrived.net < 0;
    }
    if (plan->ahead_view) {
        const struct sbx_view *view = plan->view;
        if (view->op_count - view->child_first > SBX_AHEAD_MAX_FDS) missing = 1;
        arrived.view = used < count ? fds[used++] : -1;
        missing |= arrived.view < 0;
        for (int i = view->child_first; i < view->op_count && !missing; i++) {
            int *clone = &arrived.clones[i - view->child_first];
            *clone = view->ops[i].kind == SBX_MNT_BIND && used < count ? fds[used++] : -1;
            missing |= view->ops[i].kind == SBX_MNT_BIND && *clone < 0;
        }
    }
    return missing || used != count ? -EPROTO : 0;
}

static int step_ns_sync(const struct sbx_plan *plan) {
    // Our copy of the parent's end goes first, so that EOF means the parent is gone (or gave up: it sends
    // nothing when a map could not be written, and kills us).
    sbx_raw1(SYS_close, plan->sync_write_fd);
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(SBX_AHEAD_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    long n;
    do { n = sbx_raw3(SYS_recvmsg, plan->sync_fd, &msg, MSG_CMSG_CLOEXEC); } while (n == -EINTR);
    if (n < 0) return (int)n;
    if (n == 0) return -ESRCH;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    int count = 0;
    const int *fds = NULL;
    if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        fds = (const int *)(void *)CMSG_DATA(cmsg);
    }
    if (msg.msg_flags & MSG_CTRUNC) return -EPROTO;
    int taken = take_arrived(plan, fds, count);
    if (taken < 0) return taken;
    // The parent wrote, then died before our PR_SET_PDEATHSIG: its end is closed now (it keeps it open
    // for the whole run), and no signal will come.
    if (plan->die_with_parent) {
        struct pollfd p = {.fd = plan->sync_fd, .events = POLLIN};
        if (sbx_raw3(SYS_poll, &p, 1, 0) > 0 && (p.revents & POLLHUP)) return -ESRCH;
    }
    return (int)sbx_raw1(SYS_close, plan->sync_fd);
}

// lo up in the caller's network namespace: 0, or -errno (raw calls: also before the go-ahead). A new
// network namespace has lo, down. SIOCSIFFLAGS on any socket of the namespace is the async-signal-safe way
// up (no netlink message to build).
static int loopback_up(void) {
    long fd = sbx_raw3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return (int)fd;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    long r = sbx_raw3(SYS_ioctl, fd, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = sbx_raw3(SYS_ioctl, fd, SIOCSIFFLAGS, &ifr);
    }
    sbx_raw1(SYS_close, fd);
    return (int)r;
}

int sbx_loopback_up(void) {
    int r = loopback_up();
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}

// The network namespace made ahead was there when we were cloned: we join it now and bring its lo up while
// we wait for the go-ahead, instead of the supervisor's thread, whose work is the launch's critical path.
// Raw calls: before the go-ahead we may share the supervisor's memory.
static int step_loopback_early(const struct sbx_plan *plan) {
    long r = sbx_raw2(SYS_setns, plan->ahead_loopback_fd, CLONE_NEWNET);
    sbx_raw1(SYS_close, plan->ahead_loopback_fd);
    return r < 0 ? (int)r : loopback_up();
}

static int step_netns(const struct sbx_plan *plan) {
    // The supervisor made it on a thread while it prepared the rest (sandbox_ahead.h); with lo up, or we
    // are in it already and brought lo up ourselves (step_loopback_early).
    if (!plan->ahead_loopback && setns(arrived.net, CLONE_NEWNET) < 0) return -1;
    return close(arrived.net);
}

static int step_ids(const struct sbx_plan *plan, int64_t *detail) {
    // Raw system calls: glibc's wrappers would try to reach the parent's other threads (setxid), which do
    // not exist in this copy. Groups, then gid, then uid: after setresuid we could no longer change them.
    if (plan->set_groups && syscall(SYS_setgroups, 1, &plan->gid) < 0) { *detail = 0; return -1; }
    if (syscall(SYS_setresgid, plan->gid, plan->gid, plan->gid) < 0) { *detail = 1; return -1; }
    // Kept capabilities must survive the change of uid to be set again by step_caps.
    if (plan->keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) { *detail = 2; return -1; }
    if (syscall(SYS_setresuid, plan->uid, plan->uid, plan->uid) < 0) { *detail = 2; return -1; }
    return 0;
}

static int step_rlimits(const struct sbx_plan *plan, int64_t *detail) {
    for (int i = 0; i < plan->rlimit_count; i++) {
        const struct sbx_rlimit *r = &plan->rlimits[i];
        if (setrlimit(r->resource, &r->limit) < 0) {
            *detail = r->resource;
            return -1;
        }
    }
    return 0;
}

static int step_capbset(const struct sbx_plan *plan, int64_t *detail) {
    // Before capset: dropping from the bounding set needs CAP_SETPCAP in the effective set, which capset
    // is about to remove. The bounding set is what stops root from regaining everything at execve.
    for (int cap = 0; cap <= plan->last_cap; cap++) {
        if (plan->keep_caps & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            *detail = cap;
            return -1;
        }
    }
    return 0;
}

static int step_caps(const struct sbx_plan *plan) {
    // Ambient first: the kernel drops ambient capabilities that leave P or I, but clearing explicitly
    // also removes ones inherited from our caller that we were not asked to keep.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++) {
        uint32_t word = (uint32_t)(plan->keep_caps >> (32 * i));
        data[i].permitted = word;
        data[i].effective = word;
        data[i].inheritable = word;
    }
    return (int)syscall(SYS_capset, &header, data);
}

static int step_ambient(const struct sbx_plan *plan, int64_t *detail) {
    // Ambient capabilities are how a non-root caller's kept capabilities survive execve of an
    // ordinary (no file capabilities) program.
    for (int cap = 0; cap <= plan->last_cap; cap++) {
        if (!(plan->keep_caps & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
            *detail = cap;
            return -1;
        }
    }
    return 0;
}

static int step_seccomp(const struct sbx_plan *plan, int *listener) {
    struct sock_fprog prog = {.len = plan->filter_len, .filter = (struct sock_filter *)plan->filter};
    unsigned int flags = plan->want_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long fd = sbx_raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (fd < 0) return (int)fd;
    *listener = plan->want_listener ? (int)fd : -1;
    return 0;
}

// One byte with `count` descriptors (SCM_RIGHTS, at most SBX_AHEAD_MAX_FDS), sent with sbx_raw: the number
// of bytes sent, or -errno.
static long send_fds(int socket, char byte, const int *fds, int count) {
    if (count < 0 || count > SBX_AHEAD_MAX_FDS) return -EINVAL;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(SBX_AHEAD_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (count > 0) {
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(count * sizeof(int));
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(count * sizeof(int));
        memcpy(CMSG_DATA(cmsg), fds, count * sizeof(int));
    }
    long n;
    do { n = sbx_raw3(SYS_sendmsg, socket, &msg, MSG_NOSIGNAL); } while (n == -EINTR);
    return n;
}

static int step_send_listener(const struct sbx_plan *plan, int listener) {
    // The listener is close-on-exec (the kernel creates it so); it must reach the supervisor before exec.
    // The filter allows sendmsg on exactly this socket's fd number (see SeccompCompiler).
    long n = send_fds(plan->notify_socket, 0, &listener, 1);
    if (n < 0) return (int)n;
    return (int)sbx_raw1(SYS_close, listener);
}

void sbx_fail_with(const struct sbx_plan *plan, int step, int err, int64_t detail) {
    struct sbx_failure record = {.step = step, .err = err, .detail = detail};
    long n;
    do { n = sbx_raw3(SYS_write, plan->error_fd, &record, sizeof record); } while (n == -EINTR);
    for (;;) sbx_raw1(SYS_exit_group, 127);
}

void sbx_fail(const struct sbx_plan *plan, int step, int64_t detail) {
    sbx_fail_with(plan, step, errno, detail);
}

#define fail sbx_fail

static void command_main(const struct sbx_plan *plan) __attribute__((noreturn));

static void child_main(const struct sbx_plan *plan) {
    int64_t detail = 0;
    int r;

    // Up to the go-ahead every step returns -errno and makes only sbx_raw calls (see the top of the file).
    // The cgroups first, before the child does anything else: every page it touches and every process it
    // forks from here on is charged to the run and held to its limits (cgroup v1 has no CLONE_INTO_CGROUP;
    // its membership is this write). All signals are still blocked, so nothing runs before it.
    if ((plan->cgroup_procs_count > 0 || plan->cgroup_fd >= 0) && (r = step_cgroup(plan, &detail)) < 0)
        sbx_fail_with(plan, SBX_STEP_CGROUP, -r, detail);
    if ((r = step_signals(plan->pid_init)) < 0) sbx_fail_with(plan, SBX_STEP_SIGNALS, -r, 0);
    if ((r = step_fds()) < 0) sbx_fail_with(plan, SBX_STEP_FDS, -r, 0);
    // Before waiting for the parent: a parent that dies from here on kills us; one that died earlier has
    // closed the sync socket, which step_ns_sync sees.
    if (plan->die_with_parent && (r = step_pdeathsig(plan)) < 0) sbx_fail_with(plan, SBX_STEP_PDEATHSIG, -r, 0);
    // In a new user namespace we hold its capabilities but our uid is unmapped until the parent has written
    // uid_map, setgroups and gid_map; nothing that checks ids (mounts, files) may run before that. The
    // namespaces made ahead arrive with the go-ahead: the clone did not wait for them. A child that borrows
    // the supervisor's memory may use glibc from here on: the supervisor's main thread is held.
    // lo before the go-ahead, not after it: the wait is idle time, and the command starts only after it.
    if (plan->ahead_loopback && (r = step_loopback_early(plan)) < 0) sbx_fail_with(plan, SBX_STEP_LOOPBACK, -r, 0);
    if (plan->sync_fd >= 0 && (r = step_ns_sync(plan)) < 0) sbx_fail_with(plan, SBX_STEP_NS_SYNC, -r, 0);
    // The network namespace made ahead, before the mounts: a fresh sysfs shows the mounter's namespace.
    if (plan->ahead_net && step_netns(plan) < 0) fail(plan, SBX_STEP_NETNS, 0);

    // The filesystem view (spawn_mounts.c), built here or joined where the supervisor made it ahead. After
    // the maps (a rootless mount needs the user namespace's capabilities, and the ids of files it creates
    // must be mapped); it makes mount propagation private first. In the new PID namespace (the clone put
    // us there): a fresh /proc shows the mounter's. Before chdir (it ends in the working directory by its
    // path in the view: the inherited one points into the detached old root), rlimits and Landlock; before
    // the init's fork, so that the init and the command share the view.
    if (plan->view && sbx_step_mounts(plan, &arrived, &detail) < 0) fail(plan, SBX_STEP_MOUNTS, detail);

    // Hostname and loopback while we still hold CAP_SYS_ADMIN / CAP_NET_ADMIN in the namespaces' owner.
    if (plan->hostname && sethostname(plan->hostname, strlen(plan->hostname)) < 0) fail(plan, SBX_STEP_HOSTNAME, 0);
    if (plan->loopback_up && sbx_loopback_up() < 0) fail(plan, SBX_STEP_LOOPBACK, 0);
    // PID 1 of the namespace is our init (init.c): it starts the command, which runs command_main, and
    // never returns. Everything above is shared by the namespace; command_main is the command's alone.
    if (plan->pid_init && sbx_init_start(plan, command_main) < 0) fail(plan, SBX_STEP_INIT_FORK, 0);
    command_main(plan);
}

static void command_main(const struct sbx_plan *plan) {
    int64_t detail = 0;
    int listener = -1;

    // The new session comes before the terminal (TIOCSCTTY needs a session leader) and also takes the
    // command off the caller's terminal, which defeats TIOCSTI injection into it (CVE-2017-5226).
    if (plan->new_session && setsid() < 0) fail(plan, SBX_STEP_SETSID, 0);
    if (plan->pty_slave >= 0 && step_ctty(plan) < 0) fail(plan, SBX_STEP_CTTY, 0);
    if (plan->workdir && chdir(plan->workdir) < 0) fail(plan, SBX_STEP_CHDIR, 0);
    if (plan->umask >= 0) umask((mode_t)plan->umask);
    // Limits and priority while we may still hold CAP_SYS_RESOURCE / CAP_SYS_NICE to set them.
    if (step_rlimits(plan, &detail) < 0) fail(plan, SBX_STEP_RLIMIT, detail);
    if (plan->set_nice && setpriority(PRIO_PROCESS, 0, plan->nice) < 0) fail(plan, SBX_STEP_NICE, plan->nice);
    if (plan->set_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, plan->ioprio) < 0)
        fail(plan, SBX_STEP_IOPRIO, plan->ioprio);
    // Landlock after the mounts (a Landlock domain may not mount or pivot_root) and before capabilities,
    // no_new_privs and seccomp (it needs CAP_SYS_ADMIN or no_new_privs, and the filter may deny its calls).
    if (plan->landlock && sbx_step_landlock(plan, &detail) < 0) fail(plan, SBX_STEP_LANDLOCK, detail);

    // Capabilities: bounding set, then ids, then P/E/I, then ambient (which needs the kept ones in P and I).
    // In a user namespace these are the namespace's capabilities, and the bounding set can always be dropped.
    if (plan->drop_bounding && step_capbset(plan, &detail) < 0) fail(plan, SBX_STEP_CAPBSET, detail);
    // The bounding set needs CAP_SETPCAP, which a uid change away from root clears; capset comes after so
    // that it sets the final sets for the final uid.
    if (plan->set_ids && step_ids(plan, &detail) < 0) fail(plan, SBX_STEP_IDS, detail);
    if (plan->set_caps && step_caps(plan) < 0) fail(plan, SBX_STEP_CAPS, 0);
    if (plan->set_caps && step_ambient(plan, &detail) < 0) fail(plan, SBX_STEP_AMBIENT, detail);
    // no_new_privs before seccomp: without CAP_SYS_ADMIN the kernel refuses a filter otherwise, and it
    // stops setuid and file-capability programs from regaining what we dropped.
    if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(plan, SBX_STEP_NO_NEW_PRIVS, 0);
    // Seccomp last, as close to exec as possible: every call after it must pass the filter.
    // A supervisor held for a child that borrows its memory goes free before the filter: the filter may
    // notify it of the calls that follow (a denied execve, or every call when it observes them), which it
    // could not answer held. From here on the child makes only sbx_raw calls, and reads the plan and the
    // strings the supervisor keeps for the whole run.
    sbx_spawn_release_parent();
    int r;
    if (plan->filter && (r = step_seccomp(plan, &listener)) < 0) sbx_fail_with(plan, SBX_STEP_SECCOMP, -r, 0);
    if (listener >= 0 && (r = step_send_listener(plan, listener)) < 0) sbx_fail_with(plan, SBX_STEP_SECCOMP_LISTENER, -r, 0);
    long exec = sbx_raw3(SYS_execve, plan->path, plan->argv, plan->envp);
    sbx_fail_with(plan, SBX_STEP_EXEC, (int)-exec, 0);
}

static pid_t fork_with_pidfd(const struct sbx_plan *plan, int *pidfd) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD | plan->clone_flags;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    // Straight into the run's cgroup (Linux 5.7): the child never runs outside it, not even for a moment.
    if (plan->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)plan->cgroup_fd;
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || (errno != ENOSYS && errno != EPERM && !(plan->cgroup_fd >= 0 && errno == E2BIG))) return pid;
    // E2BIG: clone3 from 5.3-5.6 knows a shorter struct, without the cgroup field; the child joins by itself.
    cgroup_clone_fell_back = 1;
    // clone3 is missing (before 5.3) or refused by a container's seccomp policy: fork, then pidfd_open.
    // The pid cannot be reused before we reap the child, so pidfd_open cannot name another process. The
    // namespace flags go to clone as they are (all of them fit its 32-bit flags word); if the policy
    // refuses those too, the EPERM is the caller's to explain (KernelFeatures+Namespaces).
    pid = (pid_t)syscall(SYS_clone, (unsigned long)plan->clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid > 0) {
        *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (*pidfd < 0) {
            int e = errno;
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            errno = e;
            return -1;
        }
    }
    return pid;
}

// A child that borrows the supervisor's memory (CLONE_VM): the PID namespace's init of a run whose figures
// nobody renders (plan->borrow_memory). It copies no page table at the clone, makes every page of the
// supervisor copy-on-write for no one, and tears no copy down when it exits; on this 2-core VM a `ci` launch
// took 0.3 ms less (docs/benchmarks.md). The price is the peak memory the kernel records: the init's, and
// the command's (at execve it takes the old memory's high-water mark) are the supervisor's resident size,
// so a run that renders figures keeps the copy.
//
// The child shares the thread-local storage of the supervisor's main thread (errno, glibc's cancellation
// state), and both run at once; so the child makes only sbx_raw calls until the go-ahead, the main thread
// is held from the go-ahead (sbx_spawn_go_ahead) until the command is about to install its filter
// (sbx_spawn_release_parent, in command_main), and from there on the command, until its execve, and the
// init make only sbx_raw calls (init.c).
// Not under AddressSanitizer: its runtime keeps the main thread's stack bounds and state, which a child on
// a stack of its own, in the same memory, confuses (a copy of the memory is a copy of the runtime, too).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_UNDER_ASAN 1
#endif
#endif
#if defined(__x86_64__) && !defined(SBX_UNDER_ASAN)
#define SBX_CAN_BORROW 1
// clone3 onto a stack of the child's own: the child calls fn(arg) there and exits with its result; the parent
// gets the pid or -errno. syscall() cannot do this (the child would return into its frame on a stack where
// there is none), and glibc has no public clone3.
long sbx_clone3_on_stack(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl sbx_clone3_on_stack\n"
        ".hidden sbx_clone3_on_stack\n"
        ".type sbx_clone3_on_stack, @function\n"
        "sbx_clone3_on_stack:\n"
        "    mov %rcx, %r8\n"          // arg: rcx does not survive the syscall instruction
        "    mov $435, %eax\n"         // SYS_clone3
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"         // the child: the outermost frame, on the new stack
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $231, %eax\n"         // SYS_exit_group
        "    syscall\n"
        "    hlt\n"
        ".size sbx_clone3_on_stack, .-sbx_clone3_on_stack\n");
#else
#define SBX_CAN_BORROW 0
#endif

// The borrower's stack and plan, for its whole life (the init never execs); one run at a time. `borrower`
// is a futex: 1 while the child sets up, with the main thread to be held; 2 once the command is about to
// install its filter; 0 when no child borrows. The kernel writes 0 and wakes the waiter when the child exits
// (CLONE_CHILD_CLEARTID), so the wait ends however the child ends.
static char borrowed_stack[256 * 1024] __attribute__((aligned(64)));
static struct sbx_plan borrowed_plan;
static uint32_t borrower;

static int borrowed_entry(void *arg) {
    child_main(arg);
    return 127;
}

static pid_t clone_borrowing(const struct sbx_plan *plan, int *pidfd) {
#if SBX_CAN_BORROW
    borrowed_plan = *plan;
    __atomic_store_n(&borrower, 1, __ATOMIC_RELEASE);
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_VM | CLONE_PIDFD | CLONE_CHILD_CLEARTID | plan->clone_flags;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.child_tid = (uint64_t)(uintptr_t)&borrower;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)borrowed_stack;
    args.stack_size = sizeof borrowed_stack;
    if (plan->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)plan->cgroup_fd;
    }
    long r = sbx_clone3_on_stack(&args, sizeof args, borrowed_entry, &borrowed_plan);
    if (r > 0) return (pid_t)r;
    __atomic_store_n(&borrower, 0, __ATOMIC_RELEASE);
    errno = (int)-r;
#else
    (void)plan;
    (void)pidfd;
    errno = ENOSYS;
#endif
    return -1;
}

void sbx_spawn_release_parent(void) {
    uint32_t setting_up = 1;
    if (__atomic_compare_exchange_n(&borrower, &setting_up, 2, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        sbx_raw3(SYS_futex, &borrower, FUTEX_WAKE, 1);
}

int sbx_spawn_go_ahead(int socket, const int *fds, int count, int pidfd, int timeout_ms) {
    // Sent without glibc: once the message is out, a borrowing child may run glibc code (below).
    long sent = send_fds(socket, 1, fds, count);
    if (__atomic_load_n(&borrower, __ATOMIC_ACQUIRE) != 1) return 0;

    // Held until the command is about to install its filter: no signal handler may run here meanwhile.
    uint64_t all = ~0ULL, old = 0;
    sbx_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof(uint64_t));
    // A child that got no go-ahead would wait for it for the whole run: it is killed instead.
    if (sent != 1) sbx_raw4(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    struct timespec deadline = {0, 0};
    int timed = timeout_ms >= 0 && sent == 1, expired = 0;
    if (timed) {
        sbx_raw2(SYS_clock_gettime, CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
    }
    for (;;) {
        uint32_t state = __atomic_load_n(&borrower, __ATOMIC_ACQUIRE);
        // Killed, the child is done only when its exit has cleared the word (0).
        if (state == 0 || (state == 2 && !expired)) break;
        long r = sbx_raw((long)SYS_futex, (long)&borrower, FUTEX_WAIT_BITSET, (long)state,
                         timed ? (long)&deadline : 0, 0, (long)FUTEX_BITSET_MATCH_ANY);
        if (r == -ETIMEDOUT && timed) {
            // The run's time limit ran out while the command was being set up (a mount on a hung file
            // system, say): the child is killed, and the supervisor reports a timeout.
            timed = 0;
            expired = 1;
            sbx_raw4(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        }
    }
    if (expired || sent != 1) {
        // The word is cleared when the child leaves the memory, before its exit is complete; the command,
        // killed with the namespace, is gone only once the pidfd says so.
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        while (sbx_raw3(SYS_poll, &p, 1, -1) == -EINTR) {}
    }
    sbx_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof(uint64_t));
    return expired ? 1 : 0;
}

pid_t sbx_spawn(const struct sbx_plan *plan, int *pidfd_out) {
    // Block every signal across the clone so that no handler of ours runs in the child before its
    // dispositions are reset (the swift-subprocess and posix_spawn discipline).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pidfd = -1;
    // A child that borrows our memory needs a go-ahead to hold the main thread at (the sync socket),
    // and the stack and plan are there for one child at a time. When that clone fails (clone3 refused by a
    // container's policy, say), the ordinary one runs, and reports its own error if it fails too.
    // Otherwise not CLONE_VM | CLONE_VFORK (posix_spawn's way, 0.5 ms faster here): at execve the kernel
    // records the shared memory's high-water mark as the child's maxrss, so every command would report at
    // least the supervisor's resident size as its peak memory, unlike GNU time's fork.
    int borrow = plan->borrow_memory && plan->pid_init && plan->sync_fd >= 0
        && __atomic_load_n(&borrower, __ATOMIC_ACQUIRE) == 0;
    pid_t pid = borrow ? clone_borrowing(plan, &pidfd) : -1;
    if (pid < 0) {
        pid = fork_with_pidfd(plan, &pidfd);
        if (pid == 0) child_main(plan);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    if (pid > 0) *pidfd_out = pidfd;
    return pid;
}
