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
///   report reads).
final class CgroupSampler: ResourceSampler {
    private let cgroup: RunCgroup
    private let commandPid: Int32
    private(set) var pids: [Int32] = []
    var source: String { "cgroup" }

    /// nil when the cgroup cannot answer for CPU, memory and the process list (a hierarchy without the
    /// memory controller, say): the /proc walk then does, for every figure, so the timeline's columns
    /// come from one source.
    init?(_ cgroup: RunCgroup, commandPid: Int32) {
        self.cgroup = cgroup
        self.commandPid = commandPid
        let first = cgroup.sample()
        guard first.cpuSeconds != nil, first.memoryBytes != nil, cgroup.members() != nil else { return nil }
    }

    func sample(time: Double) -> ResourceSample {
        let s = cgroup.sample()
        var members = cgroup.members() ?? []
        // The command (or the PID-namespace init that forks it) first, as the /proc walk gives it.
        if let i = members.firstIndex(of: commandPid), i > 0 { members.swapAt(0, i) }
        pids = members
        return ResourceSample(time: time, cpuSeconds: s.cpuSeconds ?? 0, rssBytes: s.memoryBytes ?? 0, processes: members.count,
                              readBytes: s.ioReadBytes ?? 0, writeBytes: s.ioWriteBytes ?? 0)
    }
}
