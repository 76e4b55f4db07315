#if canImport(Glibc)
import Glibc
#endif
import CSandboxSys

/// The privileged file watcher: fanotify(7) filesystem marks in fid mode, attributed to the command's tree
/// through the process-events connector. Needs CAP_SYS_ADMIN (FAN_MARK_FILESYSTEM) and CAP_NET_ADMIN
/// (PROC_CN_MCAST_LISTEN).
///
/// No threads: the supervisor polls `pollFDs` for POLLIN and calls `drain()`, which never blocks.
/// Order of calls: `init` (before the command is spawned, so nothing it does is missed), `commandStarted`
/// right after the spawn, `drain` on every wake-up, `finish` once the whole tree has exited.
public final class FanotifyWatcher {
    /// Events asked for on every mark: one per open file, not one per read(2) or write(2). Reads are
    /// FAN_CLOSE_NOWRITE (FAN_ACCESS would fire on every read(2)); writes are FAN_CLOSE_WRITE, a file
    /// opened for writing and closed, whether it wrote or not. FAN_MODIFY is not asked for: it fires on
    /// every write(2), each time allocating an event in the writer's context (with its file handles and
    /// name) only for the kernel to merge it into the queued one; on the files benchmark it was a quarter
    /// of the kernel's fanotify cost. What it alone would add is truncate(2) of a path the tree never
    /// opens for writing, and writes through a descriptor whose last close happens outside the tree
    /// (an output file the caller opened).
    static let eventMask: UInt64 = UInt64(FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN_EXEC)
        | UInt64(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ATTRIB) | UInt64(FAN_ONDIR)
    /// FAN_MARK_MOUNT cannot carry directory-entry events (the kernel answers EINVAL).
    static let mountMask: UInt64 = UInt64(FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN_EXEC) | UInt64(FAN_ONDIR)

    private let fanotifyFD: Int32
    /// -1 until the marks are made.
    private var connectorFD: Int32 = -1
    let recorder: FileActivityRecorder
    private let tree = ProcessTree()
    private let resolver = FileHandleResolver()
    private let bufferSize = 256 * 1024
    private let buffer: UnsafeMutableRawPointer
    private var procEvents = [sbx_proc_event](repeating: sbx_proc_event(), count: 256)
    /// Open-for-exec counts per path: the executable's FAN_CLOSE_NOWRITE, when the process image goes
    /// away, is the end of the exec, not a read.
    private var execOpens: [String: Int] = [:]
    private var lastDirectory: RecordedDirectory?
    private var finished = false

    /// Sets up fanotify_init(2), fanotify_mark(2) on every mounted filesystem (see markFilesystems), and
    /// the proc connector socket(2). Call it
    /// before spawning the command.
    public init(options: WatchOptions, onEvent: ((FileEvent) -> Void)?) throws {
        recorder = FileActivityRecorder(options: options, onEvent: onEvent)
        // Newest reporting first; each fallback is recorded. FAN_REPORT_TARGET_FID is Linux 5.17,
        // FAN_REPORT_DFID_NAME 5.9; FAN_UNLIMITED_QUEUE needs CAP_SYS_ADMIN and keeps bursts (3,000
        // creates in a loop) from overflowing the default 16,384-event queue.
        let reports: [(UInt32, String)] = [
            (UInt32(FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID), "FAN_REPORT_DFID_NAME_TARGET"),
            (UInt32(FAN_REPORT_DFID_NAME | FAN_REPORT_FID), "FAN_REPORT_DFID_NAME|FAN_REPORT_FID"),
            (UInt32(FAN_REPORT_DFID_NAME), "FAN_REPORT_DFID_NAME"),
        ]
        let base = UInt32(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK)
        let eventFlags = UInt32(O_RDONLY | SBX_O_LARGEFILE | O_CLOEXEC | O_NONBLOCK)
        var fd: Int32 = -1
        var firstError: Int32 = 0
        search: for queue in [UInt32(FAN_UNLIMITED_QUEUE), 0] {
            for (report, name) in reports {
                fd = sbx_fanotify_init(base | queue | report, eventFlags)
                if fd >= 0 {
                    recorder.note("fanotify: \(name)" + (queue != 0 ? ", FAN_UNLIMITED_QUEUE" : ", bounded queue"))
                    break search
                }
                if firstError == 0 { firstError = errno }
            }
        }
        guard fd >= 0 else {
            throw WatchError(call: "fanotify_init", errno: firstError,
                             hint: "needs CAP_SYS_ADMIN and Linux 5.9; the unprivileged fallback is seccomp-notify")
        }
        fanotifyFD = fd
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        // Every stored property is set: if what follows throws, deinit releases the fds and the buffer.
        // The marks first: an unprivileged caller (whose fanotify_init succeeds since Linux 5.13) lacks
        // CAP_SYS_ADMIN for filesystem marks above all, and that error names the fallback.
        try markFilesystems(options: options)
        connectorFD = sbx_proc_connector_open()
        guard connectorFD >= 0 else {
            throw WatchError.last("socket(NETLINK_CONNECTOR, PROC_CN_MCAST_LISTEN)",
                                  hint: "the process-events connector needs CAP_NET_ADMIN and CONFIG_PROC_EVENTS")
        }
    }

    deinit {
        if !finished { release() }
    }

    /// The descriptors the supervisor polls for POLLIN: the proc connector and the fanotify fd.
    public var pollFDs: [Int32] { [connectorFD, fanotifyFD] }

    /// Declares the command's pid (its tree grows from there) and starts the event clock.
    public func commandStarted(pid: Int32) {
        recorder.markStart()
        drainConnector()
        tree.start(root: pid)
    }

    /// Reads whatever is queued, never blocking (both fds are O_NONBLOCK). Each fanotify batch is read
    /// first, then the connector, then the batch is processed: every fork message that precedes an event
    /// in the batch has arrived by then.
    public func drain() { drain(batches: 64) }

    /// Reads at most `batches` buffers. Bounded so a flood of events cannot starve the rest of the
    /// supervisor's loop; the fd stays readable and poll() brings us back.
    private func drain(batches: Int) {
        for _ in 0..<batches {
            let n = read(fanotifyFD, buffer, bufferSize)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno != EAGAIN { recorder.note("fanotify read: \(String(cString: strerror(errno)))") }
                // Queue empty: every event of a process whose exit we have seen is processed.
                tree.settleExits()
                // And a moment to spare before the next batch: sort what the report will need sorted.
                lastDirectory?.tidy()
                drainConnector()
                return
            }
            drainConnector()
            process(count: n)
        }
    }

    /// Reads the last events and returns the report; closes the descriptors. Call after the tree exited.
    public func finish() -> FileActivityReport {
        guard !finished else { return recorder.report(mechanism: "fanotify") }
        // The tree is gone, so every event of it is queued already. Removing the marks stops the queue
        // from growing with other processes' events, so it can be read to the end; and it lets the kernel
        // retire them in the background (a kworker waits for an SRCU grace period) while we read the queue
        // and build the report. Closing a group that still holds marks waits for that grace period inside
        // close(2): 4-16 ms measured here, added to every run.
        for type in [FAN_MARK_FILESYSTEM, FAN_MARK_MOUNT] {
            _ = sbx_fanotify_mark(fanotifyFD, UInt32(FAN_MARK_FLUSH | type), 0, nil)
        }
        drain(batches: .max)
        let report = recorder.report(mechanism: "fanotify")
        release()
        return report
    }

    private func release() {
        finished = true
        close(fanotifyFD)
        if connectorFD >= 0 { close(connectorFD) }
        for mount in resolver.allMountFDs { close(mount) }
        buffer.deallocate()
    }

    /// Marks every filesystem the command could write to: the ones holding "/", the working directory and
    /// the include prefixes (required: failing those is an error), and every other mounted filesystem
    /// that is not a kernel pseudo filesystem (a failure there becomes a note, so nothing is lost
    /// silently). One mark per st_dev.
    private func markFilesystems(options: WatchOptions) throws {
        let required = ["/", options.workingDirectory] + options.include
        let optional = ["/tmp"] + Self.mountedFilesystems().filter { mount in
            !options.ignore.contains { mount == $0 || mount.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
        }
        for (path, isRequired) in required.map({ ($0, true) }) + optional.map({ ($0, false) }) {
            guard !path.isEmpty, access(path, F_OK) == 0 else { continue }
            let dirFD = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dirFD >= 0 else { continue } // an include prefix naming a file: its parent is marked
            guard resolver.addMount(fd: dirFD) else {
                close(dirFD)
                continue
            }
            if sbx_fanotify_mark(fanotifyFD, UInt32(FAN_MARK_ADD | FAN_MARK_FILESYSTEM), FanotifyWatcher.eventMask, path) == 0 {
                continue
            }
            let filesystemError = errno
            if sbx_fanotify_mark(fanotifyFD, UInt32(FAN_MARK_ADD | FAN_MARK_MOUNT), FanotifyWatcher.mountMask, path) == 0 {
                recorder.note("fanotify: FAN_MARK_FILESYSTEM on \(path) failed (\(String(cString: strerror(filesystemError)))); "
                    + "mount mark without create/delete/rename/attrib events")
                continue
            }
            if !isRequired && filesystemError != EPERM {
                recorder.note("not watched: \(path) (\(String(cString: strerror(filesystemError))))")
                continue
            }
            throw WatchError(call: "fanotify_mark(FAN_MARK_FILESYSTEM, \(path))", errno: filesystemError,
                             hint: filesystemError == EPERM ? "filesystem marks need CAP_SYS_ADMIN; the unprivileged fallback is seccomp-notify" : nil)
        }
    }

    /// Kernel pseudo filesystems: no files a command creates live there.
    static let pseudoFilesystems: Set<String> = [
        "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs", "securityfs", "pstore",
        "bpf", "configfs", "fusectl", "autofs", "binfmt_misc", "nsfs", "efivarfs", "selinuxfs", "rpc_pipefs",
    ]

    /// Mount points from /proc/self/mountinfo (field 5; octal escapes such as \040 decoded), without
    /// pseudo filesystems (the type follows the " - " separator).
    static func mountedFilesystems() -> [String] {
        guard let text = try? FileIO.readText("/proc/self/mountinfo") else { return [] }
        var result: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            if pseudoFilesystems.contains(String(fields[dash + 1])) { continue }
            result.append(unescape(fields[4]))
        }
        return result
    }

    private static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let b = utf8.first {
            if b == UInt8(ascii: "\\"), utf8.count >= 4, let value = UInt8(String(decoding: utf8.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(4)
            } else {
                bytes.append(b)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func drainConnector() {
        while true {
            let n = procEvents.withUnsafeMutableBufferPointer {
                sbx_proc_connector_recv(connectorFD, $0.baseAddress, Int32($0.count))
            }
            if n < 0 {
                if errno == ENOBUFS {
                    // The kernel dropped process events; unknown pids fall back to /proc parent chains.
                    recorder.note("proc connector overflowed (ENOBUFS): some attribution through /proc")
                    continue
                }
                return
            }
            for i in 0..<Int(n) { tree.apply(procEvents[i]) }
        }
    }

    private func process(count: Int) {
        // One time for the batch: events carry no timestamp, and they were all read by this one read(2).
        let time = recorder.elapsed()
        var offset = 0
        var event = sbx_fan_event()
        while true {
            let next = sbx_fanotify_next(buffer, count, offset, &event)
            if next == 0 { break }
            offset = next
            handle(event, time: time)
        }
    }

    private func handle(_ event: sbx_fan_event, time: Double) {
        let mask = event.mask
        if mask & UInt64(FAN_Q_OVERFLOW) != 0 {
            recorder.overflow = true
            return
        }
        let isDirectory = mask & UInt64(FAN_ONDIR) != 0
        // Any directory rename, by anyone, may make cached paths stale.
        if isDirectory && mask & UInt64(FAN_MOVED_FROM | FAN_MOVED_TO) != 0 { resolver.invalidate() }
        // A link count change: unlink(2), link(2) and rename(2) over a file report FAN_ATTRIB on the inode
        // alone (fsnotify_link_count(), no directory record), next to the FAN_DELETE / FAN_CREATE that is
        // recorded. Not a metadata change the command asked for, and resolving it would cost an
        // open_by_handle_at(2) that mostly fails (the inode is gone): one per deleted file.
        if mask & ~UInt64(FAN_ONDIR) == UInt64(FAN_ATTRIB) && event.dir_handle == nil { return }
        guard tree.contains(event.pid) else { return }

        var operations = FileOperationSet()
        if mask & UInt64(FAN_CREATE) != 0 { operations.insert(isDirectory ? .mkdir : .create) }
        if mask & UInt64(FAN_DELETE) != 0 { operations.insert(isDirectory ? .rmdir : .delete) }
        if mask & UInt64(FAN_MOVED_FROM | FAN_MOVED_TO) != 0 { operations.insert(.rename) }
        if mask & UInt64(FAN_ATTRIB) != 0 { operations.insert(.attrib) }
        if mask & UInt64(FAN_CLOSE_WRITE) != 0 { operations.insert(.write) }
        if mask & UInt64(FAN_OPEN_EXEC) != 0 { operations.insert(.exec) }
        let closedForReading = mask & UInt64(FAN_CLOSE_NOWRITE) != 0
        let opensForExec = mask & UInt64(FAN_OPEN_EXEC) != 0
        let createsDirectory = isDirectory && mask & UInt64(FAN_CREATE) != 0
        // Nothing the profile wants and no bookkeeping to do: no need for the path.
        if operations.intersection(recorder.wanted).isEmpty && !closedForReading && !opensForExec && !createsDirectory {
            return
        }

        guard let (directory, name) = locate(event) else {
            recorder.unresolved += 1
            return
        }
        if createsDirectory, let handle = event.obj_handle {
            resolver.remember(fsid: event.obj_fsid, handle: handle, path: directory.path(of: name))
        }
        if opensForExec {
            // The kernel may merge the exec's open and the image's close into one event.
            if !closedForReading { execOpens[directory.path(of: name), default: 0] += 1 }
        } else if closedForReading {
            let path = execOpens.isEmpty ? nil : directory.path(of: name)
            if let path, let opens = execOpens[path], opens > 0 {
                execOpens[path] = opens - 1
            } else {
                operations.insert(.read)
            }
        }
        recorder.record(in: directory, name: name, operations: operations, pid: event.pid, time: time)
    }

    /// The directory and entry name an event is about: the directory handle plus the entry name when
    /// present ("." names the directory itself), else the object's own handle.
    private func locate(_ event: sbx_fan_event) -> (RecordedDirectory, String)? {
        if let dirHandle = event.dir_handle {
            guard let path = resolver.path(fsid: event.dir_fsid, handle: dirHandle) else { return nil }
            // No name, or "." (the directory itself).
            guard let name = event.name, name.pointee != 0, !(name[0] == 0x2E && name[1] == 0) else { return split(path) }
            return (recordedDirectory(path), String(cString: name))
        }
        if let handle = event.obj_handle, let path = resolver.path(fsid: event.obj_fsid, handle: handle) { return split(path) }
        return nil
    }

    private func split(_ path: String) -> (RecordedDirectory, String) {
        let (directory, name) = RecordedDirectory.split(path)
        return (recordedDirectory(directory), name)
    }

    /// The recorder's entry for a directory path, remembered across events: a burst in one directory
    /// gets the same String back from the resolver, which compares equal without reading its bytes.
    private func recordedDirectory(_ path: String) -> RecordedDirectory {
        if let lastDirectory, lastDirectory.path == path { return lastDirectory }
        lastDirectory?.tidy()
        let directory = recorder.directory(path)
        lastDirectory = directory
        return directory
    }
}
