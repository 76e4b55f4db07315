/// What the run's cgroup saw: its limits and the kernel's own accounting of the whole tree, read from the
/// cgroup's files after the last process exited and before the cgroup was removed. A figure is nil when
/// this host has no file for it (v1 pids.peak before Linux 6.x, PSI without CONFIG_PSI).
public struct CgroupReport: Sendable {
    public var mode: String
    /// A hierarchy's name (`unified`, `memory`, `cpu`, …) and the run's cgroup in it. (Structs, not
    /// tuples: tuple type metadata is built at run time, at a cost a launch notices.)
    public struct Path: Sendable {
        public let hierarchy: String
        public let cgroup: String
    }

    public struct PressureEntry: Sendable {
        public let resource: String
        public let some: CgroupFiles.Pressure?
        public let full: CgroupFiles.Pressure?
    }

    public var paths: [Path]
    public var memoryLimit: UInt64?
    public var memorySwapLimit: UInt64?
    public var memoryPeak: UInt64?
    public var oomKills: UInt64?
    public var processesLimit: Int?
    public var processesPeak: UInt64?
    /// Forks refused at `processesLimit` (pids.events `max`).
    public var forksRefused: UInt64?
    public var cpuLimit: Double?
    public var cpuSeconds: Double?
    public var throttledPeriods: UInt64?
    public var throttledSeconds: Double?
    public var ioReadBytes: UInt64?
    public var ioWriteBytes: UInt64?
    /// `cpu`, `memory`, `io` pressure (PSI): the `some` and `full` lines.
    public var pressure: [PressureEntry]
    /// False when a cgroup could not be removed (processes left with kill_orphans off); the next run
    /// removes it once it is empty.
    public var removed: Bool
    public var notes: [String]

    init(mode: String, paths: [Path]) {
        self.mode = mode
        self.paths = paths
        pressure = []
        removed = true
        notes = []
    }

    /// The OOM killer ended the command: SIGKILL (or a shell's 137) with an OOM kill counted in the cgroup.
    func oomEnded(exitCode: Int32, signal: Int32?) -> Bool {
        (oomKills ?? 0) > 0 && (signal == 9 || (signal == nil && exitCode == 137))
    }

    /// "killed by the OOM killer at the 64 MiB memory limit"
    var oomReason: String {
        "killed by the OOM killer at the " + (memoryLimit.map(Self.formatLimit) ?? "cgroup's") + " memory limit"
    }

    /// A limit as written: `64 MiB`, `2 GiB`, else the usual one-decimal figure.
    static func formatLimit(_ bytes: UInt64) -> String {
        for (unit, size) in [("GiB", UInt64(1) << 30), ("MiB", UInt64(1) << 20), ("KiB", UInt64(1) << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size) \(unit)"
        }
        return Units.formatBytes(bytes)
    }

    var json: JSONValue {
        func u(_ v: UInt64?) -> JSONValue { v.map { .uint($0) } ?? .null }
        func d(_ v: Double?) -> JSONValue { v.map { .double($0) } ?? .null }
        func psi(_ p: CgroupFiles.Pressure?) -> JSONValue {
            guard let p else { return .null }
            return .object([("avg10", .double(p.avg10)), ("avg60", .double(p.avg60)), ("avg300", .double(p.avg300)),
                            ("total_seconds", .double(Double(p.total) / 1e6))])
        }
        return .object([
            ("mode", .string(mode)),
            ("paths", .object(paths.map { ($0.hierarchy, .string($0.cgroup)) })),
            ("limits", .object([
                ("memory_bytes", u(memoryLimit)), ("memory_swap_bytes", u(memorySwapLimit)),
                ("processes", processesLimit.map { .int(Int64($0)) } ?? .null), ("cpu_cores", d(cpuLimit)),
            ])),
            ("memory_peak_bytes", u(memoryPeak)),
            ("oom_kills", u(oomKills)),
            ("processes_peak", u(processesPeak)),
            ("forks_refused", u(forksRefused)),
            ("cpu_seconds", d(cpuSeconds)),
            ("cpu_throttled_periods", u(throttledPeriods)),
            ("cpu_throttled_seconds", d(throttledSeconds)),
            ("io_read_bytes", u(ioReadBytes)),
            ("io_write_bytes", u(ioWriteBytes)),
            ("pressure", .object(pressure.map { ($0.resource, .object([("some", psi($0.some)), ("full", psi($0.full))])) })),
            ("removed", .bool(removed)),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }

    /// Summary rows (label, text).
    var summaryRows: [(String, String)] {
        var rows: [(String, String)] = []
        var memory = memoryPeak.map { Units.formatBytes($0) + " peak (whole tree)" } ?? "peak not reported"
        if let memoryLimit { memory += " of \(Self.formatLimit(memoryLimit))" }
        if let oomKills, oomKills > 0 { memory += ", \(oomKills) OOM kill\(oomKills == 1 ? "" : "s")" }
        rows.append(("cg memory", memory))
        var processes = processesPeak.map { "\($0) peak" } ?? "peak not reported"
        if let processesLimit { processes += " of \(processesLimit)" }
        if let forksRefused, forksRefused > 0 { processes += ", \(forksRefused) fork\(forksRefused == 1 ? "" : "s") refused" }
        rows.append(("cg processes", processes))
        if let cpuSeconds {
            var cpu = Units.formatSeconds(cpuSeconds)
            if let cpuLimit { cpu += " at most \(String(fixed: cpuLimit, decimals: 2)) cores" }
            if let throttledSeconds, let throttledPeriods, throttledPeriods > 0 {
                cpu += ", throttled \(Units.formatSeconds(throttledSeconds)) in \(throttledPeriods) periods"
            }
            rows.append(("cg cpu", cpu))
        }
        if ioReadBytes != nil || ioWriteBytes != nil {
            rows.append(("cg I/O", "\(Units.formatBytes(ioReadBytes ?? 0)) read, \(Units.formatBytes(ioWriteBytes ?? 0)) written"))
        }
        let stalls = pressure.compactMap { p in p.some.map { "\(p.resource) \(Units.formatSeconds(Double($0.total) / 1e6))" } }
        if !stalls.isEmpty { rows.append(("cg stalled", stalls.joined(separator: ", ") + " (PSI some)")) }
        if !removed { rows.append(("cg left", "the run's cgroup still holds processes; the next run removes it once they are gone")) }
        return rows
    }
}
