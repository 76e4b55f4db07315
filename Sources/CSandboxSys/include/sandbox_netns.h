// A network namespace made ahead of the clone, on a thread of its own, while the main thread prepares the
// rest of the launch (the filesystem view, the cgroup, the seccomp filter). Creating one costs the kernel
// about 0.6 ms (every per-namespace subsystem's init: loopback, sysctls, netfilter, ipv6 addrconf) that
// would otherwise run inside the clone, on the launch's critical path. The child joins it with setns.
//
// Only for a namespace the child may join and configure without a user namespace of its own: the thread
// runs with the supervisor's credentials, so the namespace is owned by the supervisor's user namespace.

#ifndef SANDBOX_NETNS_H
#define SANDBOX_NETNS_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sbx_netns_job {
    pthread_t thread;
    int started;    // the thread exists and has not been joined
    int fd;         // the namespace (an nsfs fd, close-on-exec), or -1
    int err;        // why not: the errno of unshare, of bringing lo up, or of the open
};

/// Starts the thread: unshare(CLONE_NEWNET), lo up (SIOCSIFFLAGS), open /proc/thread-self/ns/net. Returns
/// 0, or -1 with errno when no thread could be started (then `sbx_netns_finish` reports that errno).
int sbx_netns_start(struct sbx_netns_job *job);

/// Joins the thread: the namespace's fd, or -1 with errno. Idempotent; the fd is the caller's to close.
int sbx_netns_finish(struct sbx_netns_job *job);

#ifdef __cplusplus
}
#endif

#endif
