#define _GNU_SOURCE
#include "sandbox_ahead.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

// Starts `fn(arg)` on a thread of its own: a 64 KiB stack (a few dozen system calls, no recursion: less to
// map), every signal blocked (a signal for the process, Ctrl-C before the supervisor's signalfd, goes to
// the main thread, never to this one), and on any CPU the caller may use except the one it runs on.
//
// Why the placement: the kernel puts a new thread on its creator's CPU, even with the other CPU idle (8
// launches in 10 on the 2-core VM), where it waits until the busy main thread sleeps or is preempted:
// 0.6-1.4 ms traced (sched_wakeup_new to the first sched_switch in), and the namespaces thread is the
// launch's critical path. glibc applies an attribute's affinity before the thread runs (it starts stopped
// until the creator has called sched_setaffinity), which moves it; the thread then widens itself back
// (widen_placement), so that a busy CPU never holds it up later. With one CPU allowed, or a mask the kernel
// refuses, the thread starts where the kernel puts it. Returns 0 or an errno (pthread_create's).
static int start_thread(pthread_t *thread, int detached, void *(*fn)(void *), void *arg, struct sbx_placement *place) {
    pthread_attr_t attr;
    int r = pthread_attr_init(&attr);
    if (r != 0) return r;
    pthread_attr_setstacksize(&attr, 64 * 1024);
    if (detached) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    place->widen = 0;
    int here = sched_getcpu();
    if (here >= 0 && here < CPU_SETSIZE && sched_getaffinity(0, sizeof place->allowed, &place->allowed) == 0
        && CPU_ISSET(here, &place->allowed) && CPU_COUNT(&place->allowed) >= 2) {
        cpu_set_t others = place->allowed;
        CPU_CLR(here, &others);
        place->widen = pthread_attr_setaffinity_np(&attr, sizeof others, &others) == 0;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(thread, &attr, fn, arg);
    if (r == EINVAL && place->widen) {
        // A cpuset changed under us: anywhere will do.
        place->widen = 0;
        pthread_attr_setaffinity_np(&attr, 0, NULL);
        r = pthread_create(thread, &attr, fn, arg);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return r;
}

static void widen_placement(const struct sbx_placement *place) {
    if (place->widen) sched_setaffinity(0, sizeof place->allowed, &place->allowed);
}

static void make_network(struct sbx_ahead_job *job) {
    // A network namespace is per thread (the nsproxy is per task): this one changes only this thread's;
    // the fd keeps the namespace alive for the child's setns. lo comes up later (finish_loopback).
    if (unshare(CLONE_NEWNET) < 0) {
        job->net_err = errno;
        return;
    }
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) job->net_err = errno;
    // Published for the clone (sbx_ahead_loopback_to_child), which may run meanwhile.
    __atomic_store_n(&job->net_fd, fd, __ATOMIC_RELEASE);
}

// lo up, here, unless the child was handed the namespace to do it (sbx_ahead_loopback_to_child): last, so
// that a clone made while this thread builds the view finds the namespace ready and takes the job off the
// thread, whose work is the launch's critical path (SIOCSIFFLAGS on lo runs every NETDEV_UP notifier:
// 0.1-0.15 ms here). Whoever changes `loopback` from undecided first does it.
static void finish_loopback(struct sbx_ahead_job *job) {
    int undecided = SBX_LOOPBACK_UNDECIDED;
    if (job->net_fd < 0) return;
    if (!__atomic_compare_exchange_n(&job->loopback, &undecided, SBX_LOOPBACK_THREAD, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    if (sbx_loopback_up() == 0) return;
    // Nothing of this attempt is kept: the clone makes its own (NamespacesAhead.handed finds none).
    job->net_err = errno;
    close(job->net_fd);
    __atomic_store_n(&job->net_fd, -1, __ATOMIC_RELEASE);
}

int sbx_ahead_loopback_to_child(struct sbx_ahead_job *job) {
    if (!job->started || !job->want_net) return -1;
    int fd = __atomic_load_n(&job->net_fd, __ATOMIC_ACQUIRE);
    int undecided = SBX_LOOPBACK_UNDECIDED;
    if (fd < 0 || !__atomic_compare_exchange_n(&job->loopback, &undecided, SBX_LOOPBACK_CHILD, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return -1;
    return fd;
}

static void make_view(struct sbx_ahead_job *job) {
    // What needs no view first (the mount namespace, the staging root, the host's root copied), while the
    // main thread still prepares the view, which arrives with the semaphore.
    int tree = -1;
    int err = sbx_view_stage_ahead(&job->view_fd, &tree) == 0 ? 0 : errno;
    int r;
    do { r = sem_wait(&job->view_given); } while (r < 0 && errno == EINTR);
    const struct sbx_view *view = job->view;
    // In the run's network namespace, or the view's fresh sysfs would list the host's interfaces.
    if (!err && job->want_net && job->net_fd < 0) err = job->net_err;
    if (view && !err) {
        int built = sbx_view_build_ahead(view, tree, job->view_clones, &job->view_detail);
        tree = -1;  // consumed
        if (built == 0) return;
        err = errno;
    }
    // None after all, or the child builds it itself (and explains a failure): nothing of this attempt is kept.
    job->view_err = view ? err : 0;
    if (tree >= 0) close(tree);
    if (job->view_fd >= 0) close(job->view_fd);
    job->view_fd = -1;
    for (int i = 0; view && i < view->op_count - view->child_first; i++) {
        if (job->view_clones[i] >= 0) close(job->view_clones[i]);
        job->view_clones[i] = -1;
    }
}

static void *work(void *arg) {
    struct sbx_ahead_job *job = arg;
    widen_placement(&job->placement);
    if (job->want_net) make_network(job);
    if (job->want_view) make_view(job);
    if (job->want_net) finish_loopback(job);
    return NULL;
}

int sbx_ahead_start(struct sbx_ahead_job *job, int want_net, int want_view) {
    job->started = 0;
    job->want_net = want_net;
    job->net_fd = -1;
    job->net_err = 0;
    job->loopback = SBX_LOOPBACK_UNDECIDED;
    job->want_view = want_view;
    job->view_handed = 0;
    job->view = NULL;
    job->view_clones = NULL;
    job->view_fd = -1;
    job->view_err = 0;
    job->view_detail = -1;
    if (sem_init(&job->view_given, 0, 0) < 0) return -1;
    int r = start_thread(&job->thread, 0, work, job, &job->placement);
    if (r != 0) {
        sem_destroy(&job->view_given);
        errno = r;
        return -1;
    }
    job->started = 1;
    return 0;
}

void sbx_ahead_view(struct sbx_ahead_job *job, const struct sbx_view *view, int *clones) {
    job->view = view;
    job->view_clones = clones;
    job->view_handed = 1;
    sem_post(&job->view_given);
}

void sbx_ahead_finish(struct sbx_ahead_job *job) {
    if (!job->started) return;
    if (job->want_view && !job->view_handed) sbx_ahead_view(job, NULL, NULL);
    pthread_join(job->thread, NULL);
    sem_destroy(&job->view_given);
    job->started = 0;
}

struct close_job {
    int fd;
    struct sbx_placement placement;
};

static void *close_fd(void *arg) {
    struct close_job *job = arg;
    widen_placement(&job->placement);
    close(job->fd);
    free(job);
    return NULL;
}

void sbx_close_behind(int fd) {
    pthread_t thread;
    struct close_job *job = malloc(sizeof *job);
    if (job) job->fd = fd;
    if (!job || start_thread(&thread, 1, close_fd, job, &job->placement) != 0) {
        free(job);
        close(fd);
    }
}
