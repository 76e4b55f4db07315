#if canImport(Glibc)
import Glibc
#endif
import CSandboxSys

/// The set of processes (thread groups) that make up the command's tree, kept current from the kernel's
/// process-events connector (NETLINK_CONNECTOR, CN_IDX_PROC; linux/cn_proc.h).
///
/// Ordering is what makes attribution exact. The kernel sends PROC_EVENT_FORK from copy_process(), before
/// the child can run, so a child's fork message always precedes its first file event; the watcher drains
/// the connector after reading a fanotify batch and before processing it. An exit message follows every
/// event of the exiting process, so a pid leaves the set only once the fanotify queue has been read empty
/// after its exit message arrived (`settleExits`): a pid reused by an outside process is not confused
/// with the exited member, except within that one window.
final class ProcessTree {
    /// Thread-group id to the number of live threads we know of.
    private var members: [Int32: Int] = [:]
    /// Members whose last thread exited, removed at the next `settleExits`.
    private var exiting: [Int32] = []
    /// Forks seen before the command's pid is known, parent to children: the command may fork before the
    /// supervisor calls `start`, and those messages must not be lost.
    private var earlyForks: [Int32: [Int32]] = [:]
    /// Pids found not to be members, so /proc is read once per outsider, not once per event.
    private var outsiders: Set<Int32> = []
    private let ownPid = getpid()
    private(set) var started = false

    /// Adds the command's pid and whatever it forked before we knew it.
    func start(root: Int32) {
        started = true
        var queue = [root]
        while let pid = queue.popLast() {
            guard pid != ownPid, members[pid] == nil else { continue }
            members[pid] = 1
            outsiders.remove(pid)
            queue += earlyForks[pid] ?? []
        }
        earlyForks = [:]
    }

    /// Applies one connector message.
    func apply(_ event: sbx_proc_event) {
        switch event.what {
        case SBX_PROC_FORK:
            outsiders.remove(event.tgid)
            if event.pid != event.tgid {
                // A new thread. Its parent_* fields name the process's parent (CLONE_THREAD shares
                // real_parent), so membership is decided by the thread group.
                if let threads = members[event.tgid] { members[event.tgid] = threads + 1 }
            } else if members[event.parent_tgid] != nil {
                members[event.tgid] = 1
            } else if !started {
                earlyForks[event.parent_tgid, default: []].append(event.tgid)
            }
        case SBX_PROC_EXEC:
            // execve(2) kills the other threads first; what survives is one thread.
            if members[event.tgid] != nil { members[event.tgid] = 1 }
        case SBX_PROC_EXIT:
            outsiders.remove(event.tgid)
            guard let threads = members[event.tgid] else { return }
            if threads <= 1 { exiting.append(event.tgid) } else { members[event.tgid] = threads - 1 }
        default:
            break
        }
    }

    /// Removes members whose exit was seen; call only when the event queue has just been read empty.
    func settleExits() {
        for pid in exiting where (members[pid] ?? 0) <= 1 { members[pid] = nil }
        exiting.removeAll()
    }

    /// Whether `pid` belongs to the command's tree. A pid never seen (the connector dropped messages) is
    /// placed by its /proc/PID/stat parent chain.
    func contains(_ pid: Int32) -> Bool {
        if members[pid] != nil { return true }
        guard started, pid > 0, pid != ownPid, !outsiders.contains(pid) else { return false }
        var chain: [Int32] = []
        var current = pid
        while chain.count < 64, let (_, parent, threads) = ProcessTree.statusOf(current) {
            chain.append(current)
            if members[parent] != nil {
                for descendant in chain { members[descendant] = 1 }
                members[current] = threads
                return true
            }
            if parent <= 1 || parent == ownPid { break }
            current = parent
        }
        outsiders.insert(pid)
        return false
    }

    /// The command name, parent pid and thread count from /proc/PID/stat (fields 2, 4 and 20 of proc(5)).
    static func statusOf(_ pid: Int32) -> (name: String, parent: Int32, threads: Int)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1024) }
        guard n > 0 else { return nil }
        // The command name may contain spaces and parentheses: fields start after the last ')'.
        guard let nameStart = buffer[..<n].firstIndex(of: UInt8(ascii: "(")),
              let close = buffer[..<n].lastIndex(of: UInt8(ascii: ")")), nameStart < close else { return nil }
        let fields = buffer[(close + 2)..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 17,
              let parent = Int32(String(decoding: fields[1], as: UTF8.self)),
              let threads = Int(String(decoding: fields[17], as: UTF8.self))
        else { return nil }
        return (String(decoding: buffer[(nameStart + 1)..<close], as: UTF8.self), parent, max(threads, 1))
    }
}
