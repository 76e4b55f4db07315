/// Where each file system call observed by `NotifyFileObserver` keeps its arguments (the x86_64 / generic
/// syscall ABI, syscalls(2)) and which operation it performs. Indices are argument positions.
enum NotifySyscallTable {
    enum Shape {
        /// open(path, flags), openat(dirfd, path, flags), creat(path) (nil flags: O_WRONLY|O_CREAT|O_TRUNC).
        case open(dir: Int?, path: Int, flags: Int?)
        /// openat2(dirfd, path, struct open_how *, size).
        case openat2
        /// One path and a fixed operation; `follow` when the call follows a final symlink unless
        /// AT_SYMLINK_NOFOLLOW is in `flags`.
        case path(dir: Int?, path: Int, operation: FileOperation, follow: Bool, flags: Int?)
        /// unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir.
        case unlinkat(dir: Int, path: Int, flags: Int)
        /// A call on an open descriptor (fchmod, ftruncate, ...).
        case fd(fd: Int, operation: FileOperation)
        /// Both names of a rename.
        case rename(oldDir: Int?, old: Int, newDir: Int?, new: Int)
        /// execve(path, ...), execveat(dirfd, path, argv, envp, flags).
        case exec(dir: Int?, path: Int, flags: Int?)
    }

    static let shapes: [String: Shape] = [
        "open": .open(dir: nil, path: 0, flags: 1),
        "openat": .open(dir: 0, path: 1, flags: 2),
        "openat2": .openat2,
        "creat": .open(dir: nil, path: 0, flags: nil),
        "unlink": .path(dir: nil, path: 0, operation: .delete, follow: false, flags: nil),
        "unlinkat": .unlinkat(dir: 0, path: 1, flags: 2),
        "rmdir": .path(dir: nil, path: 0, operation: .rmdir, follow: false, flags: nil),
        "mkdir": .path(dir: nil, path: 0, operation: .mkdir, follow: false, flags: nil),
        "mkdirat": .path(dir: 0, path: 1, operation: .mkdir, follow: false, flags: nil),
        "mknod": .path(dir: nil, path: 0, operation: .create, follow: false, flags: nil),
        "mknodat": .path(dir: 0, path: 1, operation: .create, follow: false, flags: nil),
        "link": .path(dir: nil, path: 1, operation: .create, follow: false, flags: nil),
        "linkat": .path(dir: 2, path: 3, operation: .create, follow: false, flags: nil),
        "symlink": .path(dir: nil, path: 1, operation: .create, follow: false, flags: nil),
        "symlinkat": .path(dir: 1, path: 2, operation: .create, follow: false, flags: nil),
        "rename": .rename(oldDir: nil, old: 0, newDir: nil, new: 1),
        "renameat": .rename(oldDir: 0, old: 1, newDir: 2, new: 3),
        "renameat2": .rename(oldDir: 0, old: 1, newDir: 2, new: 3),
        "chmod": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "fchmodat": .path(dir: 0, path: 1, operation: .attrib, follow: true, flags: nil),
        "fchmodat2": .path(dir: 0, path: 1, operation: .attrib, follow: true, flags: 3),
        "fchmod": .fd(fd: 0, operation: .attrib),
        "chown": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "lchown": .path(dir: nil, path: 0, operation: .attrib, follow: false, flags: nil),
        "fchownat": .path(dir: 0, path: 1, operation: .attrib, follow: true, flags: 4),
        "fchown": .fd(fd: 0, operation: .attrib),
        "truncate": .path(dir: nil, path: 0, operation: .write, follow: true, flags: nil),
        "ftruncate": .fd(fd: 0, operation: .write),
        "utime": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "utimes": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "futimesat": .path(dir: 0, path: 1, operation: .attrib, follow: true, flags: nil),
        "utimensat": .path(dir: 0, path: 1, operation: .attrib, follow: true, flags: 3),
        "setxattr": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "lsetxattr": .path(dir: nil, path: 0, operation: .attrib, follow: false, flags: nil),
        "fsetxattr": .fd(fd: 0, operation: .attrib),
        "removexattr": .path(dir: nil, path: 0, operation: .attrib, follow: true, flags: nil),
        "lremovexattr": .path(dir: nil, path: 0, operation: .attrib, follow: false, flags: nil),
        "fremovexattr": .fd(fd: 0, operation: .attrib),
        "execve": .exec(dir: nil, path: 0, flags: nil),
        "execveat": .exec(dir: 0, path: 1, flags: 4),
    ]
}
