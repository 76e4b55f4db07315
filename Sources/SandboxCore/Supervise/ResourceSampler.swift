/// One reading of the command's tree: cumulative counters (CPU time, I/O bytes) and gauges (resident
/// memory, processes) at one moment.
public struct ResourceSample: Sendable, Equatable {
    /// Seconds since the command started (CLOCK_MONOTONIC).
    public var time: Double
    /// User plus system CPU time of the whole tree so far, reaped processes included.
    public var cpuSeconds: Double
    /// The tree's resident memory now: the sum of its processes' RSS (shared pages count once per process).
    public var rssBytes: UInt64
    /// Processes (thread groups) in the tree now.
    public var processes: Int
    /// Bytes read from and written to storage so far (`read_bytes`/`write_bytes` of /proc/PID/io).
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init(time: Double, cpuSeconds: Double, rssBytes: UInt64, processes: Int, readBytes: UInt64, writeBytes: UInt64) {
        self.time = time
        self.cpuSeconds = cpuSeconds
        self.rssBytes = rssBytes
        self.processes = processes
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }
}

/// Where the supervisor's timeline and `sandbox top` get their figures. Today `ProcTreeSampler` walks
/// /proc; a per-run cgroup can answer the same question from a few counter files (`cpuacct.usage`,
/// `memory.usage_in_bytes`, `pids.current`, `blkio` bytes) and replace it: the supervisor only calls
/// `sample` and `pids`.
public protocol ResourceSampler: AnyObject {
    /// Reads the tree's counters now. `time` is seconds since the command started.
    func sample(time: Double) -> ResourceSample
    /// Names the source in the report's `timeline.source`: "proc", or e.g. "cgroup".
    var source: String { get }
    /// The pids of the tree's processes as of the last `sample` (for `sandbox events`' exec/exit records
    /// and `stop`), the command first.
    var pids: [Int32] { get }
}
