#define _GNU_SOURCE
#include "sandbox_netns.h"
#include "sandbox_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

static void *make_namespace(void *arg) {
    struct sbx_netns_job *job = arg;
    // A network namespace is per thread (the nsproxy is per task): this one changes only this thread's,
    // which ends here; the fd keeps the namespace alive for the child's setns.
    if (unshare(CLONE_NEWNET) < 0 || sbx_loopback_up() < 0) {
        job->err = errno;
        return NULL;
    }
    job->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (job->fd < 0) job->err = errno;
    return NULL;
}

int sbx_netns_start(struct sbx_netns_job *job) {
    job->started = 0;
    job->fd = -1;
    job->err = 0;
    pthread_attr_t attr;
    int r = pthread_attr_init(&attr);
    if (r != 0) {
        job->err = errno = r;
        return -1;
    }
    // It calls four system calls: a small stack is less to map.
    pthread_attr_setstacksize(&attr, 64 * 1024);
    // Every signal blocked: a signal for the process (Ctrl-C before the supervisor's signalfd) goes to the
    // main thread, never to this one.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(&job->thread, &attr, make_namespace, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        job->err = errno = r;
        return -1;
    }
    job->started = 1;
    return 0;
}

int sbx_netns_finish(struct sbx_netns_job *job) {
    if (job->started) {
        pthread_join(job->thread, NULL);
        job->started = 0;
    }
    if (job->fd < 0) {
        errno = job->err;
        return -1;
    }
    return job->fd;
}
