// Between fork and exec (see spawn.c): the filesystem view. Only system calls; every path, flag and option
// string was prepared by the parent (Policy/MountPlan.swift).
//
// The shape is bubblewrap's setup_newroot: a staging tmpfs becomes the root, the host's root moves to
// /oldroot, the new root is assembled at /newroot by one loop over prepared ops, then pivot_root into it and
// the staging root (with the old root beneath it) is detached. The mount calls are the new mount API
// (open_tree, fsopen/fsmount, mount_setattr, move_mount; Linux 5.12): a mount is made detached, its
// attributes set on every submount at once (AT_RECURSIVE) before anyone can see it, and attached onto a
// target fd that was opened without following any symlink, so no path is resolved at mount time.
//
// As root without a user namespace the supervisor builds the view ahead, on a thread of its own, while it
// prepares the rest of the launch (CSandboxSys/ahead.c): the same code up to the switch into the new root,
// minus the ops that need the child's PID namespace (its /proc). The part that needs no view (the staging
// root, the host's root copied) runs before the view is known (sbx_view_stage_ahead), the rest once it is
// (sbx_view_build_ahead). The child then joins that namespace and runs only its own ops. Both ways run one
// op list, in one order.

#define _GNU_SOURCE
#include "sandbox_spawn.h"
#include "spawn_steps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// <sys/mount.h> and <linux/mount.h> cannot both be included with glibc 2.36; these are the flags we need.
#ifndef MS_REC
#define MS_REC 16384
#endif
#ifndef MS_PRIVATE
#define MS_PRIVATE (1 << 18)
#endif
#ifndef MS_NOSUID
#define MS_NOSUID 2
#endif
#ifndef MS_NODEV
#define MS_NODEV 4
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

static int sys_open_tree(int dfd, const char *path, unsigned int flags) {
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from, int to) {
    return (int)syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int sys_setattr(int fd, const char *path, unsigned int flags, uint64_t set, uint64_t clr) {
    struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
    return (int)syscall(SYS_mount_setattr, fd, path, flags, &attr, sizeof attr);
}

static int close_keep_errno(int fd, int result) {
    int e = errno;
    if (fd >= 0) close(fd);
    errno = e;
    return result;
}

// A target inside the new root, never through a symlink: RESOLVE_IN_ROOT keeps ".." and absolute links
// inside it, RESOLVE_NO_SYMLINKS refuses any symlink on the way (the parent checked there was none, so one
// now is a planted one: runc CVE-2021-30465 swapped a mount target for a symlink between check and
// mount), RESOLVE_NO_MAGICLINKS refuses /proc/self/fd-style jumps (CVE-2025-31133 redirected /dev/null).
static int open_target(int root, const char *target, int flags) {
    struct open_how how = {
        .flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, root, target[0] ? target : ".", &how, sizeof how);
}

// After the mount, the path must lead to what was mounted: resolved again the same way, it must be on
// the mount we attached (same mount id), or a race moved the target away after we opened it.
static int check_mounted(int root, const char *target, int mounted) {
    struct statx want, got;
    if (syscall(SYS_statx, mounted, "", AT_EMPTY_PATH, STATX_MNT_ID, &want) < 0) return -1;
    int fd = open_target(root, target, 0);
    if (fd < 0) return -1;
    int r = (int)syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &got);
    close(fd);
    if (r < 0) return -1;
    if (want.stx_mnt_id != got.stx_mnt_id || want.stx_ino != got.stx_ino) {
        errno = EXDEV;
        return -1;
    }
    return 0;
}

// A target in a file system this view mounted fresh (a tmpfs, proc, sysfs or devpts of an earlier op) is
// not re-checked: no process outside this mount namespace can reach that file system, and none inside it
// runs yet, so nothing can move the target between open and mount (SBX_MNT_IN_FRESH, MountPlan).
// `target` is op's target, opened (and consumed); `mounted` is consumed too.
static int attach_to(int root, const struct sbx_mount_op *op, int mounted, int target) {
    int r = sys_move_mount(mounted, target);
    close(target);
    if (r == 0 && !(op->flags & SBX_MNT_IN_FRESH)) r = check_mounted(root, op->target, mounted);
    return close_keep_errno(mounted, r);
}

static int attach(int root, const struct sbx_mount_op *op, int mounted) {
    int target = open_target(root, op->target, 0);
    if (target < 0) return close_keep_errno(mounted, -1);
    return attach_to(root, op, mounted, target);
}

static int clone_source(const struct sbx_mount_op *op);

static int op_bind(int root, const struct sbx_mount_op *op) {
    if (op->kind == SBX_MNT_BIND) {
        // The target before the clone: a clone closed unattached is unmounted, and an unmount waits out an
        // expedited RCU grace period (namespace_unlock; 0.2-0.3 ms on the 2-core VM), so an optional target
        // that is absent (a masked /sys path this kernel lacks) is found absent before anything is cloned.
        int target = open_target(root, op->target, 0);
        if (target < 0) return -1;
        int tree = clone_source(op);
        return tree < 0 ? close_keep_errno(target, -1) : attach_to(root, op, tree, target);
    }
    // Always a recursive clone: in a user namespace a mount with locked submounts may only be copied
    // whole (EINVAL otherwise); the attributes still change only the top one unless asked.
    unsigned int recursive = (op->flags & SBX_MNT_RECURSIVE) ? AT_RECURSIVE : 0;
    int from = open_target(root, op->target, 0);
    if (from < 0) return -1;
    int tree = sys_open_tree(from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    close(from);
    if (tree < 0) return -1;
    // Before the tree is attached, so that no process ever sees it writable, suid or with devices.
    if (sys_setattr(tree, "", AT_EMPTY_PATH | recursive, op->attr_set, op->attr_clr) < 0) return close_keep_errno(tree, -1);
    return attach(root, op, tree);
}

static int op_fs(int root, const struct sbx_mount_op *op) {
    int fs = (int)syscall(SYS_fsopen, op->source, FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    for (const char *key = op->options; key && *key;) {
        const char *value = key + strlen(key) + 1;
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0) < 0) return close_keep_errno(fs, -1);
        key = value + strlen(value) + 1;
    }
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) return close_keep_errno(fs, -1);
    int mounted = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, (unsigned int)op->attr_set);
    close(fs);
    if (mounted < 0) return -1;
    return attach(root, op, mounted);
}

static int op_create(int root, const struct sbx_mount_op *op) {
    int dir = open_target(root, op->target, O_DIRECTORY);
    if (dir < 0) return -1;
    int r;
    if (op->kind == SBX_MNT_MKDIR) {
        r = mkdirat(dir, op->name, op->mode);
    } else if (op->kind == SBX_MNT_SYMLINK) {
        r = symlinkat(op->source, dir, op->name);
    } else {
        // O_PATH cannot create; O_NOFOLLOW so that a planted symlink is not written through.
        r = openat(dir, op->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, op->mode);
        if (r >= 0) r = close(r);
    }
    // Already there: a directory two entries share as parent (checked as a mount point when used).
    if (r < 0 && errno == EEXIST) r = 0;
    return close_keep_errno(dir, r);
}

static int op_setattr(int root, const struct sbx_mount_op *op) {
    int target = open_target(root, op->target, 0);
    if (target < 0) return -1;
    int r = sys_setattr(target, "", AT_EMPTY_PATH | ((op->flags & SBX_MNT_RECURSIVE) ? AT_RECURSIVE : 0), op->attr_set, op->attr_clr);
    return close_keep_errno(target, r);
}

static int run_op(int root, const struct sbx_mount_op *op) {
    switch (op->kind) {
    case SBX_MNT_BIND:
    case SBX_MNT_REBIND: return op_bind(root, op);
    case SBX_MNT_FS: return op_fs(root, op);
    case SBX_MNT_MKDIR:
    case SBX_MNT_MKFILE:
    case SBX_MNT_SYMLINK: return op_create(root, op);
    case SBX_MNT_SETATTR: return op_setattr(root, op);
    default: errno = EINVAL; return -1;
    }
}

// A bind's source, cloned detached with its attributes set: before it is attached, so that no process ever
// sees it writable, suid or with devices.
static int clone_source(const struct sbx_mount_op *op) {
    unsigned int recursive = (op->flags & SBX_MNT_RECURSIVE) ? AT_RECURSIVE : 0;
    int tree = sys_open_tree(AT_FDCWD, op->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | recursive);
    if (tree < 0) return -1;
    if (sys_setattr(tree, "", AT_EMPTY_PATH | recursive, op->attr_set, op->attr_clr) < 0) return close_keep_errno(tree, -1);
    return tree;
}

// Ops [first, last) in order. `clones[i - first]`, when given and not -1, is op i's source cloned ahead.
static int run_ops(int root, const struct sbx_view *view, int first, int last, const int *clones, int64_t *detail) {
    for (int i = first; i < last; i++) {
        const struct sbx_mount_op *op = &view->ops[i];
        int clone = clones ? clones[i - first] : -1;
        int r = clone >= 0 ? attach(root, op, clone) : run_op(root, op);
        if (r < 0) {
            if ((op->flags & SBX_MNT_OPTIONAL) && errno == ENOENT) continue;
            *detail = i;
            return -1;
        }
    }
    return 0;
}

// The part of the view that depends on no profile, in a mount namespace of our own: private propagation,
// the staging root as "/" with the host's root beneath it at /oldroot, and the host's root copied whole
// (every submount), detached: `*tree`. Nobody can reach the copy until assemble attaches it.
static int stage(int *tree) {
    *tree = -1;
    // Private propagation first: nothing mounted from here on may reach the host's mount namespace (nor
    // the host's later mounts ours).
    if (syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return -1;
    // The staging root: a tmpfs over /tmp in our namespace only, holding newroot/, oldroot/ and the empty
    // file and directory that hidden and masked paths are bound to (MountPlan.emptyFile, emptyDirectory).
    if (syscall(SYS_mount, "tmpfs", SBX_VIEW_STAGING, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0) return -1;
    if (chdir(SBX_VIEW_STAGING) < 0) return -1;
    if (mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0 || mkdir("emptydir", 0555) < 0) return -1;
    int empty = open("empty", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (empty < 0 || close(empty) < 0) return -1;
    if (syscall(SYS_pivot_root, ".", "oldroot") < 0) return -1;
    if (chdir("/") < 0) return -1;
    *tree = sys_open_tree(AT_FDCWD, "/oldroot", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    return *tree < 0 ? -1 : 0;
}

// The rest, up to the switch into the new root: the host's root copy (`tree`, consumed) made nosuid, nodev
// (and read-only) on every submount at once, before it is attached (no window in which a submount is still
// writable), attached at /newroot, then ops [0, last).
static int assemble(const struct sbx_view *view, int tree, int last, int64_t *detail) {
    if (sys_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, view->root_attr, 0) < 0) return close_keep_errno(tree, -1);
    int newroot_dir = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (newroot_dir < 0) return close_keep_errno(tree, -1);
    int r = sys_move_mount(tree, newroot_dir);
    close(newroot_dir);
    close(tree);
    if (r < 0) return -1;
    int root = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (root < 0) return -1;
    return close_keep_errno(root, run_ops(root, view, 0, last, NULL, detail));
}

// Into the new root. pivot_root(".", ".") stacks the staging root on top of the new one; detaching it
// takes the old root (mounted beneath it) along, so no path leads back to the host's tree.
static int enter_root(void) {
    if (chdir("/newroot") < 0) return -1;
    if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
    if (syscall(SYS_umount2, ".", MNT_DETACH) < 0) return -1;
    return chdir("/");
}

// The view made ahead: joined (setns makes its root our root and cwd), then the ops that need our PID
// namespace, with the sources the supervisor cloned while the old root was still there.
static int join_view(const struct sbx_view *view, const struct sbx_arrived *arrived, int64_t *detail) {
    if (setns(arrived->view, CLONE_NEWNS) < 0) return -1;
    if (close(arrived->view) < 0) return -1;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return -1;
    return close_keep_errno(root, run_ops(root, view, view->child_first, view->op_count, arrived->clones, detail));
}

int sbx_step_mounts(const struct sbx_plan *plan, const struct sbx_arrived *arrived, int64_t *detail) {
    const struct sbx_view *view = plan->view;
    *detail = -1;
    if (plan->ahead_view) {
        if (join_view(view, arrived, detail) < 0) return -1;
    } else {
        // Never in the caller's own mount namespace: what follows would remount the host's /tmp.
        if (!(plan->clone_flags & CLONE_NEWNS)) {
            errno = EINVAL;
            return -1;
        }
        int tree;
        if (stage(&tree) < 0 || assemble(view, tree, view->op_count, detail) < 0 || enter_root() < 0) return -1;
    }
    // The working directory by its path in the view: the one inherited pointed into the old tree.
    if (view->workdir && chdir(view->workdir) < 0) return -1;
    return 0;
}

int sbx_view_stage_ahead(int *ns_fd, int *tree) {
    *ns_fd = -1;
    *tree = -1;
    // CLONE_NEWNS unshares this thread's filesystem context too (root, cwd): the pivots below move only
    // this thread, never the supervisor's main thread.
    if (unshare(CLONE_NEWNS) < 0) return -1;
    // Now, while /proc is still the host's: the new root has none until the child mounts its own.
    *ns_fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (*ns_fd < 0) return -1;
    return stage(tree);
}

int sbx_view_build_ahead(const struct sbx_view *view, int tree, int *clones, int64_t *detail) {
    *detail = -1;
    for (int i = view->child_first; i < view->op_count; i++) clones[i - view->child_first] = -1;
    if (assemble(view, tree, view->child_first, detail) < 0) return -1;
    // The child's bind sources lie in the old root, which the switch detaches: cloned now, attached later.
    for (int i = view->child_first; i < view->op_count; i++) {
        if (view->ops[i].kind != SBX_MNT_BIND) continue;
        clones[i - view->child_first] = clone_source(&view->ops[i]);
        if (clones[i - view->child_first] < 0) {
            *detail = i;
            return -1;
        }
    }
    return enter_root();
}
