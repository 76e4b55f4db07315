// Namespaces made ahead, on a thread of their own, while the main thread prepares the rest of the launch
// (the cgroup, the seccomp filter, the Landlock rules) and clones the child: the run's network namespace and
// its filesystem view's mount namespace, which reach the child with its go-ahead (SCM_RIGHTS on the sync
// socket, NamespaceLaunch). Creating a network namespace costs the kernel about 0.6 ms (every
// per-namespace subsystem's init: loopback, sysctls, netfilter, ipv6 addrconf), building the view about as
// much again plus a grace period for the detached old root; inside the clone, all of it would be on the
// launch's critical path while the second core idles. The child joins both with setns.
//
// Only for namespaces the child may join and use without a user namespace of its own: the thread runs with
// the supervisor's credentials, so they are owned by the supervisor's user namespace.

#ifndef SANDBOX_AHEAD_H
#define SANDBOX_AHEAD_H

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>

#include "sandbox_spawn.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Where one of these threads started: on the CPUs but its creator's, then widened (ahead.c, start_thread).
struct sbx_placement {
    int widen;                  // the thread started on the other CPUs: its first act widens it to `allowed`
    cpu_set_t allowed;          // the CPUs the starting thread may use
};

enum { SBX_LOOPBACK_UNDECIDED, SBX_LOOPBACK_THREAD, SBX_LOOPBACK_CHILD };

struct sbx_ahead_job {
    pthread_t thread;
    int started;                // the thread exists and has not been joined
    int want_net;               // make the network namespace (first: a fresh sysfs in the view shows it)
    int net_fd;                 // the network namespace (an nsfs fd, close-on-exec), or -1
    int net_err;                // why not: the errno of unshare, of bringing lo up, or of the open
    int loopback;               // who brings lo up (SBX_LOOPBACK_*): the first to claim it
    int want_view;              // stage a mount namespace, wait for a view (sbx_ahead_view) and build it there
    sem_t view_given;
    int view_handed;            // sbx_ahead_view was called (the main thread's own field)
    const struct sbx_view *view; // the view to build, or NULL: none after all
    int *view_clones;           // op_count - child_first slots (sbx_view_build_ahead)
    int view_fd;                // the view's mount namespace, or -1
    int view_err;               // why not (the child then builds the view itself, and explains a failure)
    int64_t view_detail;
    struct sbx_placement placement; // where the thread started (ahead.c)
};

/// Starts the thread: unshare(CLONE_NEWNET), open /proc/thread-self/ns/net when `want_net`; then, when
/// `want_view`, the part of a view that needs none (sbx_view_stage_ahead), a wait for `sbx_ahead_view`, and
/// the view; last, lo up (SIOCSIFFLAGS) unless the child took that (sbx_ahead_loopback_to_child). Returns
/// 0, or -1 with errno when no thread could be started.
int sbx_ahead_start(struct sbx_ahead_job *job, int want_net, int want_view);

/// Just before the clone: the network namespace's fd when the thread has made it and lo is still down, for
/// the child to join and bring lo up in itself while it waits for its go-ahead (sbx_plan.ahead_loopback);
/// the thread then leaves lo alone. -1: not made yet (or no network namespace), and the thread brings lo up
/// before it finishes. The fd stays the job's; the child gets its own copy with the clone.
int sbx_ahead_loopback_to_child(struct sbx_ahead_job *job);

/// Hands the thread its view (NULL: none), which with `clones` must stay valid until `sbx_ahead_finish`.
/// Called once, and only when the job wants a view.
void sbx_ahead_view(struct sbx_ahead_job *job, const struct sbx_view *view, int *clones);

/// Joins the thread (handing it no view if it still waits for one). Idempotent. The fds it leaves in the
/// job (net_fd, view_fd, view_clones) are the caller's to close.
void sbx_ahead_finish(struct sbx_ahead_job *job);

/// Closes `fd` on a detached thread of its own, or here when no thread can be started. For the view's
/// namespace once the run's tree is reaped: the last reference tears the namespace down (every mount
/// unmounted, then an expedited RCU grace period slept through; 60-75 µs measured on the 2-core VM), which
/// would otherwise delay the init's exit, and with it the supervisor's report. The process's exit still
/// waits for it.
void sbx_close_behind(int fd);

#ifdef __cplusplus
}
#endif

#endif
