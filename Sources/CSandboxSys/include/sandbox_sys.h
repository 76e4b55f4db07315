// Thin C shims for kernel interfaces that Swift cannot call directly: variadic ioctl/prctl, raw system
// calls without a glibc wrapper, and SCM_RIGHTS control messages. Each returns -1 with errno set on failure.
// Nothing here runs between fork and exec (that is CSandboxSpawn).

#ifndef SANDBOX_SYS_H
#define SANDBOX_SYS_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/seccomp.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#ifdef __cplusplus
extern "C" {
#endif

/// pipe2(fds, O_CLOEXEC).
int sbx_pipe_cloexec(int fds[2]);

/// memfd_create(name, MFD_CLOEXEC).
int sbx_memfd(const char *name);

/// pidfd_send_signal(2).
int sbx_pidfd_send_signal(int pidfd, int sig);

/// pidfd_send_signal(2) of SBX_INIT_FORWARD_SIGNAL with a SI_QUEUE siginfo carrying `sig` (and
/// SBX_INIT_FORWARD_TREE with `tree`): how the supervisor has the PID namespace's init pass `sig` on to the
/// command, or to every process of the namespace.
int sbx_init_forward(int pidfd, int sig, int tree);

/// ioctl(TIOCGWINSZ) on `from`, then ioctl(TIOCSWINSZ) on `to`.
int sbx_copy_winsize(int from, int to);

/// posix_openpt + grantpt + unlockpt + open of the slave; both fds close-on-exec, master non-blocking.
int sbx_open_pty(int *master, int *slave);

/// Receives one fd passed with SCM_RIGHTS on a socket.
int sbx_recv_fd(int socket);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of the command's tree are reparented to us, so we can reap
/// and, at the end, find and kill them.
int sbx_set_child_subreaper(void);

/// prctl(PR_SET_NAME, name): the calling thread's command name (comm), at most 15 bytes.
int sbx_set_name(const char *name);

/// prctl(PR_CAPBSET_READ, cap).
int sbx_capbset_read(int cap);

/// capget(2) of the calling process, version 3 (64-bit sets): its permitted and effective sets.
int sbx_capget(uint64_t *permitted, uint64_t *effective);

/// ioctl(SECCOMP_IOCTL_NOTIF_RECV). `notif` must be zeroed by the caller (the kernel requires it).
int sbx_notif_recv(int listener, struct seccomp_notif *notif);

/// ioctl(SECCOMP_IOCTL_NOTIF_SEND): errno `error` (0 with `flags` SECCOMP_USER_NOTIF_FLAG_CONTINUE to let the
/// call proceed).
int sbx_notif_send(int listener, uint64_t id, int32_t error, int64_t val, uint32_t flags);

/// ioctl(SECCOMP_IOCTL_NOTIF_ID_VALID): 0 while the notification is still pending.
int sbx_notif_id_valid(int listener, uint64_t id);

/// statfs(2) of `path`: its filesystem type (f_type: CGROUP2_SUPER_MAGIC, TMPFS_MAGIC, …), or -1.
long sbx_fs_type(const char *path);
/// getsockopt(SO_PEERCRED): the uid and pid of the process that connected to a unix socket (as of its
/// connect(2)).
int sbx_peer_credentials(int socket, uid_t *uid, pid_t *pid);

/// getrandom(2), without blocking once the pool is initialised: fills `length` bytes.
int sbx_random(void *buffer, size_t length);

/// socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK) bound to `path` and listening, created with
/// mode 0600 (umask 0177 around bind(2), so it is never reachable by others, not even briefly).
int sbx_unix_listen(const char *path, int backlog);

/// socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC) connected to `path` (blocking).
int sbx_unix_connect(const char *path);

/// accept4(SOCK_CLOEXEC | SOCK_NONBLOCK).
int sbx_accept(int listener);

#ifdef __cplusplus
}
#endif

#endif
#include "sandbox_watch.h"
#include "sandbox_fsview.h"
#include "sandbox_ahead.h"
