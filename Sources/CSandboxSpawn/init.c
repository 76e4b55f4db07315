// PID 1 of the command's PID namespace: forwards signals, reaps orphans, exits with the command's status.
//
// It runs between fork and exec like the rest of CSandboxSpawn (it is a child of the supervisor that never
// execs), so the same rules hold: system calls only, no allocation, no stdio, no Swift. Every signal is
// blocked (step_signals kept the mask full) and taken one at a time with rt_sigtimedwait; there are no
// handlers, so nothing runs asynchronously. When it shares the supervisor's memory (sbx_spawn), it also
// shares the thread-local storage of the supervisor's main thread, which runs again once the command is
// about to install its filter: from then on every call here is sbx_raw, which writes neither errno nor
// glibc's cancellation state.
//
// Why an init at all: PID 1 of a namespace is the reaper of every orphan in it, and when it dies the
// kernel SIGKILLs everything left in the namespace. With PR_SET_PDEATHSIG the init dies with the
// supervisor, so SIGKILL of sandbox takes the whole tree, setsid and double-forked daemons included, which
// a subreaper alone cannot do. Unlike bubblewrap's init (issue #369) it forwards every signal.

#define _GNU_SOURCE
#include "init.h"
#include "spawn_steps.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void confine_init(const struct sbx_plan *plan) {
    // The init runs our code, not the command's, but it is PID 1 and lives as long as the command: it
    // keeps nothing it does not need. Only the error pipe stays open (stdio, the pty and every supervisor fd
    // close, so none is held past the command); /proc/1/mem and ptrace are closed to the namespace
    // (not dumpable); of the capabilities only CAP_KILL stays, to signal a command that runs as another
    // uid (process.user); no_new_privs. Each call only gives something up, which the kernel never refuses,
    // so errors are not checked: there is no one left to report them to once the command runs.
    // Not dumpable matters the more when the init shares the supervisor's memory: /proc/1/mem would be
    // sandbox's own (the flag is the memory's, so the supervisor is not dumpable either from here on).
    int keep = plan->error_fd;
    if (keep > 0) sbx_raw3(SYS_close_range, 0U, (unsigned)keep - 1, 0U);
    sbx_raw3(SYS_close_range, (unsigned)keep + 1, ~0U, 0U);
    sbx_raw2(SYS_prctl, PR_SET_DUMPABLE, 0);
    // Its name in `ps -o comm` and /proc/1/status (its command line stays sandbox's, as a copy of it).
    sbx_raw2(SYS_prctl, PR_SET_NAME, "sandbox-init");
    sbx_raw2(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    data[0].permitted = data[0].effective = 1U << CAP_KILL;
    // Without CAP_KILL to keep (a root that was not given it), keep nothing.
    if (sbx_raw2(SYS_capset, &header, data) < 0) {
        memset(data, 0, sizeof data);
        sbx_raw2(SYS_capset, &header, data);
    }
    sbx_raw2(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1);
}

static void finish(const struct sbx_plan *plan, pid_t command, int status) __attribute__((noreturn));
static void finish(const struct sbx_plan *plan, pid_t command, int status) {
    // The raw status travels to the supervisor, which can then tell "killed by signal N" from "exited
    // 128+N"; the exit code says the same for anyone else who waits for us.
    struct sbx_failure record = {.step = SBX_RECORD_COMMAND_STATUS, .err = command, .detail = status};
    long n;
    do { n = sbx_raw3(SYS_write, plan->error_fd, &record, sizeof record); } while (n == -EINTR);
    for (;;) sbx_raw1(SYS_exit_group, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

static void init_loop(const struct sbx_plan *plan, pid_t command) __attribute__((noreturn));
static void init_loop(const struct sbx_plan *plan, pid_t command) {
    confine_init(plan);
    uint64_t waited = ~0ULL & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
    int done = 0, status = 0;
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        long sig = sbx_raw4(SYS_rt_sigtimedwait, &waited, &info, NULL, sizeof(uint64_t));
        if (sig < 0) continue;
        if (sig == SIGCHLD) {
            // Reap everything that has ended: the command, and orphans reparented to us.
            for (;;) {
                int st = 0;
                long pid = sbx_raw4(SYS_wait4, -1, &st, WNOHANG, NULL);
                if (pid == -EINTR) continue;
                if (pid < 0) {
                    // ECHILD: nothing left in the namespace.
                    if (done) finish(plan, command, status);
                    break;
                }
                if (pid == 0) break;
                if (pid == command) {
                    done = 1;
                    status = st;
                }
            }
            // process.kill_orphans: the command's end is the namespace's end; the kernel SIGKILLs what is left
            // as we exit. Otherwise we wait for the last process (the ECHILD above).
            if (done && plan->init_kill_orphans) finish(plan, command, status);
            continue;
        }
        // The supervisor's forwarding carries the signal in its value, on a real-time signal that queues
        // (SBX_INIT_FORWARD_SIGNAL): never merged with a copy of the same signal pending from the terminal.
        int tree = 0;
        if (sig == SBX_INIT_FORWARD_SIGNAL) {
            if (info.si_code != SI_QUEUE) continue;
            tree = (info.si_value.sival_int & SBX_INIT_FORWARD_TREE) != 0;
            sig = info.si_value.sival_int & 0xff;
            if (sig < 1 || sig > 64) continue;
        } else if (info.si_code > 0) {
            // From the kernel: the caller's terminal's ^C or ^\ to its process group, which we stay in. It
            // is the supervisor's to forward, and with new_session = false it reached the command directly:
            // forwarding it too would deliver it twice.
            continue;
        }
        // Signals sent to us with kill, tgkill, sigqueue or pidfd_send_signal (si_code <= 0) are passed on
        // too. To every process of the namespace for the supervisor's time limit, or once the command is
        // gone; otherwise to the command alone, as the supervisor does without a namespace.
        sbx_raw2(SYS_kill, tree || done ? -1 : command, sig);
    }
}

// The command's stack while it shares the init's memory (below). Static, so nothing is allocated; its pages
// are touched only in this copy of the process.
static char command_stack[64 * 1024] __attribute__((aligned(64)));

struct command_start {
    const struct sbx_plan *plan;
    void (*command)(const struct sbx_plan *);
};

static int command_entry(void *arg) {
    const struct command_start *start = arg;
    // The command: its dispositions are the defaults already (step_signals); now its mask opens.
    uint64_t empty = 0;
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(uint64_t)) < 0)
        sbx_fail(start->plan, SBX_STEP_SIGNALS, 0);
    start->command(start->plan);
    return 127;
}

int sbx_init_start(const struct sbx_plan *plan, void (*command)(const struct sbx_plan *)) {
    // No session of its own: the command makes one (new_session), and the init, left in the caller's
    // session and process group, ignores what that terminal sends it (kernel-generated signals, in
    // init_loop) and holds no descriptor of it once the command runs. A second setsid() here cost a
    // launch 8 ms on the loaded 2-core VM (each session is a new scheduler autogroup).
    // CLONE_VM | CLONE_VFORK, as posix_spawn does: the command borrows the init's memory until its execve
    // instead of copying the init's page tables only to drop them at exec, and the init waits meanwhile.
    // Its own stack is command_stack; it writes nothing else of the init's (no allocation, no stdio), and
    // errno lands in the init's TLS, which the init, suspended, does not read (nor does the supervisor's
    // main thread, held until the command's sbx_spawn_release_parent when the init borrows its memory). The
    // command's peak memory counts what it borrowed (the kernel takes the old memory's high-water mark at
    // execve): the init's copy of the supervisor, or the supervisor itself (sbx_spawn says when).
    struct command_start start = {.plan = plan, .command = command};
    pid_t pid = clone(command_entry, command_stack + sizeof command_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
    // The command has exec'd or ended (CLONE_VFORK): the supervisor runs again (the command released it
    // before its filter, unless it failed earlier), and from here on only sbx_raw calls. A failed clone
    // reports itself first (with glibc's errno), the supervisor still held.
    if (pid < 0) return -1;
    sbx_spawn_release_parent();
    init_loop(plan, pid);
}
