#define _GNU_SOURCE
#include "sandbox_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

int sbx_fanotify_init(unsigned int flags, unsigned int event_f_flags) {
    return fanotify_init(flags, event_f_flags);
}

int sbx_fanotify_mark(int fd, unsigned int flags, uint64_t mask, const char *path) {
    return fanotify_mark(fd, flags, mask, AT_FDCWD, path);
}

static uint64_t pack_fsid(const __kernel_fsid_t *fsid) {
    uint64_t v;
    memcpy(&v, fsid, sizeof v);
    return v;
}

size_t sbx_fanotify_next(const void *buf, size_t len, size_t offset, struct sbx_fan_event *out) {
    const char *base = buf;
    if (offset + sizeof(struct fanotify_event_metadata) > len) return 0;
    struct fanotify_event_metadata meta;
    memcpy(&meta, base + offset, sizeof meta);
    if (meta.event_len < sizeof meta || offset + meta.event_len > len || meta.vers != FANOTIFY_METADATA_VERSION) {
        errno = EBADMSG;
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->mask = meta.mask;
    out->pid = meta.pid;
    out->fd = meta.fd;
    // Fid mode never hands us an fd; should one appear, do not leak it.
    if (meta.fd >= 0) close(meta.fd);
    size_t pos = offset + meta.metadata_len, end = offset + meta.event_len;
    while (pos + sizeof(struct fanotify_event_info_header) <= end) {
        struct fanotify_event_info_header hdr;
        memcpy(&hdr, base + pos, sizeof hdr);
        if (hdr.len < sizeof hdr || pos + hdr.len > end) break;
        const struct fanotify_event_info_fid *fid = (const void *)(base + pos);
        switch (hdr.info_type) {
        case FAN_EVENT_INFO_TYPE_DFID_NAME:
        case FAN_EVENT_INFO_TYPE_DFID: {
            out->dir_fsid = pack_fsid(&fid->fsid);
            out->dir_handle = fid->handle;
            if (hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
                const struct file_handle *fh = (const void *)fid->handle;
                out->name = (const char *)fid->handle + sizeof *fh + fh->handle_bytes;
            }
            break;
        }
        case FAN_EVENT_INFO_TYPE_FID:
            out->obj_fsid = pack_fsid(&fid->fsid);
            out->obj_handle = fid->handle;
            break;
        default:
            break;
        }
        pos += hdr.len;
    }
    return end;
}

size_t sbx_file_handle_size(const void *handle) {
    const struct file_handle *fh = handle;
    return sizeof *fh + fh->handle_bytes;
}

int sbx_open_by_handle(int mount_fd, const void *handle) {
    // The record is not aligned for struct file_handle; copy it out first.
    size_t size = sbx_file_handle_size(handle);
    struct file_handle *fh = malloc(size);
    if (!fh) return -1;
    memcpy(fh, handle, size);
    int fd = open_by_handle_at(mount_fd, fh, O_PATH | O_CLOEXEC);
    int e = errno;
    free(fh);
    errno = e;
    return fd;
}

int sbx_fsid_of(int fd, uint64_t *fsid) {
    struct statfs st;
    if (fstatfs(fd, &st) < 0) return -1;
    memcpy(fsid, &st.f_fsid, sizeof *fsid);
    return 0;
}

int sbx_proc_connector_open(void) {
    int s = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (s < 0) return -1;
    // Every fork/exec/exit on the host lands here; a deep buffer keeps a fork storm from overflowing it.
    int size = 8 << 20;
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) goto fail;
    // nlmsghdr, then cn_msg, then the operation: built in a byte buffer (cn_msg ends in a flexible array).
    char req[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
    memset(req, 0, sizeof req);
    struct nlmsghdr *nl = (struct nlmsghdr *)req;
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    nl->nlmsg_type = NLMSG_DONE;
    struct cn_msg *cn = NLMSG_DATA(nl);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
    memcpy(cn->data, &op, sizeof op);
    if (send(s, req, nl->nlmsg_len, 0) < 0) goto fail;
    return s;
fail:;
    int e = errno;
    close(s);
    errno = e;
    return -1;
}

int sbx_proc_connector_recv(int fd, struct sbx_proc_event *events, int max) {
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    ssize_t n;
    do { n = recv(fd, buf, sizeof buf, 0); } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    int count = 0;
    for (struct nlmsghdr *nl = (void *)buf; NLMSG_OK(nl, (size_t)n) && count < max; nl = NLMSG_NEXT(nl, n)) {
        if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
        struct cn_msg *cn = NLMSG_DATA(nl);
        if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
        if (cn->len < offsetof(struct proc_event, event_data)) continue;
        struct proc_event *ev = (void *)cn->data;
        struct sbx_proc_event *out = &events[count];
        memset(out, 0, sizeof *out);
        out->what = ev->what;
        switch (ev->what) {
        case PROC_EVENT_FORK:
            out->pid = ev->event_data.fork.child_pid;
            out->tgid = ev->event_data.fork.child_tgid;
            out->parent_pid = ev->event_data.fork.parent_pid;
            out->parent_tgid = ev->event_data.fork.parent_tgid;
            break;
        case PROC_EVENT_EXEC:
            out->pid = ev->event_data.exec.process_pid;
            out->tgid = ev->event_data.exec.process_tgid;
            break;
        case PROC_EVENT_EXIT:
            out->pid = ev->event_data.exit.process_pid;
            out->tgid = ev->event_data.exit.process_tgid;
            break;
        default:
            continue;
        }
        count++;
    }
    return count;
}

ssize_t sbx_read_process_memory(pid_t pid, uint64_t addr, void *buf, size_t len) {
    struct iovec local = {.iov_base = buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n >= 0 || (errno != ENOSYS && errno != EPERM)) return n;
    // Kernels built without CONFIG_CROSS_MEMORY_ATTACH: the same bytes through /proc/PID/mem.
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    n = pread(fd, buf, len, (off_t)addr);
    int e = errno;
    close(fd);
    errno = e;
    return n;
}

ssize_t sbx_read_process_string(pid_t pid, uint64_t addr, char *buf, size_t cap) {
    // Read page by page: a longer read could cross into an unmapped page and fail as a whole.
    size_t have = 0;
    while (have + 1 < cap) {
        uint64_t at = addr + have;
        size_t chunk = 4096 - (size_t)(at & 4095);
        if (chunk > cap - 1 - have) chunk = cap - 1 - have;
        ssize_t n = sbx_read_process_memory(pid, at, buf + have, chunk);
        if (n <= 0) {
            if (n == 0) errno = EFAULT;
            return -1;
        }
        char *nul = memchr(buf + have, 0, (size_t)n);
        if (nul) return nul - buf;
        have += (size_t)n;
    }
    errno = ENAMETOOLONG;
    return -1;
}

// Linux 6.6 (linux/seccomp.h); defined here for older headers.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int sbx_notif_sync_wake_up(int listener) {
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (uint64_t)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}
