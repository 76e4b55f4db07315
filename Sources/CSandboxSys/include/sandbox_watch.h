// C helpers for the file-activity watcher (Sources/SandboxCore/Watch): fanotify event parsing, file
// handles, the process-events connector, reading strings out of another process, and the wake-up mode of
// the seccomp listener the unprivileged observer is fed from. Each returns -1 with errno set on failure.
// Nothing here runs in the supervised command.

#ifndef SANDBOX_WATCH_H
#define SANDBOX_WATCH_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/fanotify.h>  // FAN_* constants for the Swift side

// Values Swift's Glibc module hides behind _GNU_SOURCE (asm-generic/fcntl.h, linux/fcntl.h).
#define SBX_O_PATH 010000000
#define SBX_O_LARGEFILE 0100000
#define SBX_AT_EMPTY_PATH 0x1000

#ifdef __cplusplus
extern "C" {
#endif

/// fanotify_init(2).
int sbx_fanotify_init(unsigned int flags, unsigned int event_f_flags);

/// fanotify_mark(2) relative to AT_FDCWD.
int sbx_fanotify_mark(int fd, unsigned int flags, uint64_t mask, const char *path);

/// One fid-mode fanotify event, pointing into the caller's read buffer. A handle pointer addresses a
/// `struct file_handle` (usable with open_by_handle_at); NULL when the event carried no such record.
struct sbx_fan_event {
    uint64_t mask;
    int32_t pid;
    int32_t fd;             // FAN_NOFD in fid mode; closed by the parser if the kernel ever sends one
    uint64_t dir_fsid;      // DFID_NAME / DFID record: the parent directory and the entry name
    const void *dir_handle;
    const char *name;       // NULL, or the entry name ("." for the directory itself)
    uint64_t obj_fsid;      // FID record: the object itself (the child with FAN_REPORT_TARGET_FID)
    const void *obj_handle;
};

/// Parses the event at `offset` of a buffer filled by read(2) on a fanotify fd. Returns the offset of the
/// next event, or 0 when no complete event remains (errno EBADMSG if the buffer is malformed).
size_t sbx_fanotify_next(const void *buf, size_t len, size_t offset, struct sbx_fan_event *out);

/// Size in bytes of the `struct file_handle` at `handle` (header included), for hashing and copying.
size_t sbx_file_handle_size(const void *handle);

/// open_by_handle_at(2) with O_PATH|O_CLOEXEC: an O_PATH open produces no fanotify event of its own.
int sbx_open_by_handle(int mount_fd, const void *handle);

/// fstatfs(2): the filesystem id fanotify reports in its fid records, packed into 64 bits.
int sbx_fsid_of(int fd, uint64_t *fsid);

/// socket(NETLINK_CONNECTOR) bound to CN_IDX_PROC, subscribed with PROC_CN_MCAST_LISTEN, non-blocking,
/// receive buffer raised (SO_RCVBUFFORCE, root) so a fork storm does not overflow it.
int sbx_proc_connector_open(void);

/// One process event from the connector: `what` is PROC_EVENT_FORK / EXEC / EXIT (linux/cn_proc.h).
/// For FORK, pid/tgid are the child's and parent_* the parent's; otherwise parent_* are 0.
struct sbx_proc_event {
    uint32_t what;
    int32_t pid, tgid;
    int32_t parent_pid, parent_tgid;
};

#define SBX_PROC_FORK 0x00000001u
#define SBX_PROC_EXEC 0x00000002u
#define SBX_PROC_EXIT 0x80000000u

/// recv(2) one datagram from the connector and decode up to `max` events. Returns the count (0 for a
/// datagram without events), -1 with EAGAIN when empty, ENOBUFS when the kernel dropped messages.
int sbx_proc_connector_recv(int fd, struct sbx_proc_event *events, int max);

/// process_vm_readv(2), falling back to pread(2) on /proc/PID/mem: a NUL-terminated string of at most
/// `cap - 1` bytes at `addr`. Returns its length, or -1 (ENAMETOOLONG when no NUL within `cap`).
ssize_t sbx_read_process_string(pid_t pid, uint64_t addr, char *buf, size_t cap);

/// process_vm_readv(2), falling back to /proc/PID/mem: exactly `len` bytes at `addr`.
ssize_t sbx_read_process_memory(pid_t pid, uint64_t addr, void *buf, size_t len);

/// ioctl(SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) on a seccomp listener (Linux
/// 6.6): the kernel wakes the supervisor, and then the notified thread, on the waker's CPU, so that a
/// notification's round trip is two context switches instead of two cross-CPU wake-ups.
int sbx_notif_sync_wake_up(int listener);


#ifdef __cplusplus
}
#endif

#endif
