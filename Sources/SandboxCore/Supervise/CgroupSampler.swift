/// The timeline's and `sandbox top`'s figures from the run's own cgroup, when it has one: the kernel's
/// accounting of everything that ever ran in it, in a few pread(2)s of files `RunCgroup.sample()` opened
/// once, instead of a walk of /proc whose cost grows with the tree.
///
/// - CPU: cgroup2 `cpu.stat` `usage_usec` (present without the cpu controller), else v1 `cpuacct.usage`;
///   cumulative, reaped processes included.
/// - Memory: cgroup2 `memory.current`, v1 `memory.usage_in_bytes`: the tree's charged memory, which
///   counts the page cache its file I/O brought in (and kernel memory), not only resident anonymous
///   memory, so it is usually larger than the /proc RSS sum (and shared pages count once, not per process).
/// - Processes: the thread groups in `cgroup.procs` (the same list gives `pids`), not `pids.current`,
///   which counts threads; with a PID namespace sandbox's init is one of them.
/// - I/O: storage bytes from cgroup2 `io.stat` or v1 `blkio.throttle.io_service_bytes` (what the final
///   report reads). When the cgroup has neither (a quiet run on a v1 host makes no blkio cgroup; cgroup2
///   without the io controller), from /proc as `ProcTreeSampler` takes it: each member's
///   `/proc/PID/io`, which counts the children it reaped, plus what the supervisor reaped since.
final class CgroupSampler: ResourceSampler {
    private let cgroup: RunCgroup
    private let commandPid: Int32
    private(set) var pids: [Int32] = []
    var source: String { "cgroup" }
    /// The supervisor's own /proc/self/io when sampling began (its own reads are not the command's).
    private let ownIO: (read: UInt64, write: UInt64)

    /// nil when the cgroup cannot answer for CPU, memory and the process list (a hierarchy without the
    /// memory controller, say): the /proc walk then does, for every figure, so the timeline's columns
    /// come from one source.
    init?(_ cgroup: RunCgroup, commandPid: Int32) {
        self.cgroup = cgroup
        self.commandPid = commandPid
        ownIO = Self.io("/proc/self/io")
        let first = cgroup.sample()
        guard first.cpuSeconds != nil, first.memoryBytes != nil, cgroup.members() != nil else { return nil }
    }

    func sample(time: Double) -> ResourceSample {
        let s = cgroup.sample()
        var members = cgroup.members() ?? []
        // The command (or the PID-namespace init that forks it) first, as the /proc walk gives it.
        if let i = members.firstIndex(of: commandPid), i > 0 { members.swapAt(0, i) }
        pids = members
        var io = (read: s.ioReadBytes ?? 0, write: s.ioWriteBytes ?? 0)
        if s.ioReadBytes == nil {
            let reaped = Self.io("/proc/self/io")
            io = (reaped.read &- ownIO.read, reaped.write &- ownIO.write)
            for pid in members {
                let own = Self.io("/proc/\(pid)/io")
                io = (io.read &+ own.read, io.write &+ own.write)
            }
        }
        return ResourceSample(time: time, cpuSeconds: s.cpuSeconds ?? 0, rssBytes: s.memoryBytes ?? 0, processes: members.count,
                              readBytes: io.read, writeBytes: io.write)
    }

    /// `read_bytes` and `write_bytes` of a /proc/PID/io (zero when it cannot be read: another user's process).
    static func io(_ path: String) -> (read: UInt64, write: UInt64) {
        guard let text = CgroupDirectory.read(path) else { return (0, 0) }
        return (CgroupFiles.value(text, "read_bytes:") ?? 0, CgroupFiles.value(text, "write_bytes:") ?? 0)
    }
}
