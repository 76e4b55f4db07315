#if canImport(Glibc)
import Glibc
#endif
import CSandboxSys

/// The unprivileged file watcher, fed by the supervisor's seccomp user-notification handler
/// (seccomp_unotify(2)): for each intercepted file system call it reads the path arguments out of the
/// stopped process (process_vm_readv(2), or /proc/PID/mem), resolves them against the dirfd or the working
/// directory (readlink(2) of /proc/PID/fd/N or /proc/PID/cwd) and records the operation.
///
/// The filter applies to the command's tree only, so attribution is by construction. The observation is
/// made before the supervisor answers SECCOMP_USER_NOTIF_FLAG_CONTINUE, that is before the call runs: the
/// operation is recorded when the file system says it can succeed (the file exists for a read, delete or
/// exec, does not for a create or mkdir); a call that then fails for another reason (EACCES, ENOSPC) is
/// still recorded. Writes are seen at open(2), not at each write(2).
public final class NotifyFileObserver {
    /// The system calls whose notifications the observer wants. Names, for seccomp_syscall_resolve_name(3);
    /// the caller skips those the architecture lacks (open, creat, ... on aarch64).
    public static let syscalls: [String] = NotifySyscallTable.shapes.keys.sorted()

    let recorder: FileActivityRecorder
    private var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)

    /// Starts the event clock; call it as the command is spawned.
    public init(options: WatchOptions, onEvent: ((FileEvent) -> Void)?) {
        recorder = FileActivityRecorder(options: options, onEvent: onEvent)
        recorder.note("seccomp-notify: paths read from the stopped process before the call runs")
    }

    /// Records the file operation of one intercepted call. `pid` is the notification's pid, `syscall` the
    /// name of its number, `args` its six arguments. Call before answering the notification, while the
    /// process is stopped in the call; calls the observer does not know are ignored.
    public func observe(pid: Int32, syscall: String, args: [UInt64]) {
        guard let shape = NotifySyscallTable.shapes[syscall], args.count >= 6 else { return }
        switch shape {
        case let .open(dirArg, pathArg, flagsArg):
            observeOpen(pid: pid, dirfd: dirArg.map { fd(args[$0]) }, pathAddress: args[pathArg],
                        flags: flagsArg.map { Int32(truncatingIfNeeded: args[$0]) } ?? Int32(O_WRONLY | O_CREAT | O_TRUNC))
        case .openat2:
            // struct open_how begins with the u64 flags (linux/openat2.h).
            var flags: UInt64 = 0
            guard sbx_read_process_memory(pid, args[2], &flags, 8) == 8 else { return lost() }
            observeOpen(pid: pid, dirfd: fd(args[0]), pathAddress: args[1], flags: Int32(truncatingIfNeeded: flags))
        case let .path(dirArg, pathArg, operation, follow, flagsArg):
            guard recorder.wants(operation) else { return }
            let flags = flagsArg.map { Int32(truncatingIfNeeded: args[$0]) } ?? 0
            let follows = follow && flags & AT_SYMLINK_NOFOLLOW == 0
            guard let path = resolve(pid: pid, dirfd: dirArg.map { fd(args[$0]) }, address: args[pathArg],
                                     follow: follows, emptyPathAllowed: flags & SBX_AT_EMPTY_PATH != 0 || operation == .attrib)
            else { return lost() }
            let kind = NotifyFileObserver.kind(path, follow: follows)
            switch operation {
            case .create, .mkdir: if kind != .missing { return }
            case .delete: if kind == .missing || kind == .directory { return }
            case .rmdir: if kind != .directory { return }
            default: if kind == .missing { return }
            }
            recorder.record(path: path, operation: operation, pid: pid)
        case let .unlinkat(dirArg, pathArg, flagsArg):
            let removeDir = Int32(truncatingIfNeeded: args[flagsArg]) & AT_REMOVEDIR != 0
            guard let path = resolve(pid: pid, dirfd: fd(args[dirArg]), address: args[pathArg], follow: false)
            else { return lost() }
            let kind = NotifyFileObserver.kind(path, follow: false)
            let possible = removeDir ? kind == Kind.directory : (kind != Kind.missing && kind != Kind.directory)
            if !possible { return }
            recorder.record(path: path, operation: removeDir ? .rmdir : .delete, pid: pid)
        case let .fd(fdArg, operation):
            guard let path = link("/proc/\(pid)/fd/\(fd(args[fdArg]))") else { return lost() }
            recorder.record(path: path, operation: operation, pid: pid)
        case let .rename(oldDir, oldPath, newDir, newPath):
            guard let old = resolve(pid: pid, dirfd: oldDir.map { fd(args[$0]) }, address: args[oldPath], follow: false),
                  let new = resolve(pid: pid, dirfd: newDir.map { fd(args[$0]) }, address: args[newPath], follow: false)
            else { return lost() }
            guard NotifyFileObserver.kind(old, follow: false) != .missing else { return }
            recorder.record(path: old, operation: .rename, pid: pid)
            recorder.record(path: new, operation: .rename, pid: pid)
        case let .exec(dirArg, pathArg, flagsArg):
            let flags = flagsArg.map { Int32(truncatingIfNeeded: args[$0]) } ?? 0
            guard let path = resolve(pid: pid, dirfd: dirArg.map { fd(args[$0]) }, address: args[pathArg],
                                     follow: true, emptyPathAllowed: flags & SBX_AT_EMPTY_PATH != 0)
            else { return lost() }
            // execve(2) walks $PATH by trial in most shells: only an existing regular file can succeed.
            guard NotifyFileObserver.kind(path, follow: true) == .file else { return }
            recorder.record(path: path, operation: .exec, pid: pid)
        }
    }

    /// The report of everything observed.
    public func finish() -> FileActivityReport { recorder.report(mechanism: "seccomp-notify") }

    private func observeOpen(pid: Int32, dirfd: Int32?, pathAddress: UInt64, flags: Int32) {
        // An SBX_O_PATH descriptor gives no access to the contents.
        if flags & SBX_O_PATH != 0 { return }
        guard let path = resolve(pid: pid, dirfd: dirfd, address: pathAddress, follow: flags & O_NOFOLLOW == 0)
        else { return lost() }
        let kind = NotifyFileObserver.kind(path, follow: flags & O_NOFOLLOW == 0)
        let writes = flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0
        if kind == .missing {
            guard flags & O_CREAT != 0 else { return }
            recorder.record(path: path, operation: .create, pid: pid)
            if writes { recorder.record(path: path, operation: .write, pid: pid) }
            return
        }
        if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL { return }
        recorder.record(path: path, operation: writes ? .write : .read, pid: pid)
    }

    private func lost() { recorder.unresolved += 1 }

    private func fd(_ arg: UInt64) -> Int32 { Int32(truncatingIfNeeded: arg) }

    /// The absolute path a call will act on. Relative paths start at the dirfd (AT_FDCWD: the working
    /// directory); the directory part is resolved with realpath(3), and the last component too when the
    /// call follows symlinks, to name the file fanotify would name.
    private func resolve(pid: Int32, dirfd: Int32?, address: UInt64, follow: Bool,
                         emptyPathAllowed: Bool = false) -> String? {
        var raw = ""
        if address != 0 {
            let n = sbx_read_process_string(pid, address, &buffer, buffer.count)
            guard n >= 0 else { return nil }
            raw = String(cString: buffer)
        }
        let base: String?
        if raw.hasPrefix("/") {
            base = nil
        } else if let dirfd, dirfd != AT_FDCWD {
            base = link("/proc/\(pid)/fd/\(dirfd)")
        } else {
            base = link("/proc/\(pid)/cwd")
        }
        if raw.isEmpty {
            // SBX_AT_EMPTY_PATH, or utimensat(2) with a NULL path: the dirfd itself.
            return emptyPathAllowed ? base : nil
        }
        let joined: String
        if let base { joined = base == "/" ? "/" + raw : base + "/" + raw } else if raw.hasPrefix("/") {
            joined = raw
        } else { return nil }
        return NotifyFileObserver.canonical(joined, follow: follow)
    }

    private func link(_ path: String) -> String? {
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        buffer[n] = 0
        let target = String(cString: buffer)
        return target.hasPrefix("/") ? target : nil
    }

    static func canonical(_ path: String, follow: Bool) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let slash = trimmed.lastIndex(of: "/")!
        let last = String(trimmed[trimmed.index(after: slash)...])
        if follow || last == "." || last == ".." || last.isEmpty, let real = realPath(trimmed) { return real }
        let parent = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
        guard let realParent = realPath(parent) else { return trimmed }
        return realParent == "/" ? "/" + last : realParent + "/" + last
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    enum Kind { case missing, file, directory, other }

    /// stat(2) or lstat(2), from the supervisor's view of the file system.
    static func kind(_ path: String, follow: Bool) -> Kind {
        var st = stat()
        guard (follow ? stat(path, &st) : lstat(path, &st)) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }
}
