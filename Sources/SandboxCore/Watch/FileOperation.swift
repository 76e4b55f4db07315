/// One kind of file activity the watchers record. The declaration order is the order operations are listed
/// in a report entry.
///
/// Both watchers map kernel facts onto these: fanotify event bits (fanotify(7)) in `FanotifyWatcher`, and
/// the arguments of the intercepted system calls (seccomp_unotify(2)) in `NotifyFileObserver`.
public enum FileOperation: String, CaseIterable, Sendable, Codable, Comparable {
    /// A regular file or directory opened without write access (FAN_CLOSE_NOWRITE; open(2) O_RDONLY).
    case read
    /// A file opened for writing (FAN_CLOSE_WRITE, when it is closed; open(2) O_WRONLY, O_RDWR or O_TRUNC),
    /// or truncated by path (truncate(2); seen by the seccomp-notify observer only).
    case write
    /// A non-directory entry created (FAN_CREATE; open(2) O_CREAT on a missing file, mknod, link, symlink).
    case create
    /// A non-directory entry removed (FAN_DELETE; unlink(2)).
    case delete
    /// Either name of a rename (FAN_MOVED_FROM, FAN_MOVED_TO; rename(2)).
    case rename
    /// A directory created (FAN_CREATE with FAN_ONDIR; mkdir(2)).
    case mkdir
    /// A directory removed (FAN_DELETE with FAN_ONDIR; rmdir(2), unlinkat(2) AT_REMOVEDIR).
    case rmdir
    /// Metadata changed: mode, owner, times, extended attributes (FAN_ATTRIB; chmod(2), chown(2),
    /// utimensat(2), setxattr(2)).
    case attrib
    /// A file executed (FAN_OPEN_EXEC; execve(2)).
    case exec

    /// The position in `allCases`, which is the reporting order.
    var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .create: 2
        case .delete: 3
        case .rename: 4
        case .mkdir: 5
        case .rmdir: 6
        case .attrib: 7
        case .exec: 8
        }
    }

    public static func < (lhs: FileOperation, rhs: FileOperation) -> Bool { lhs.rank < rhs.rank }

    /// Whether the operation changes the filesystem (everything but read and exec).
    public var changesFilesystem: Bool { self != .read && self != .exec }
}
