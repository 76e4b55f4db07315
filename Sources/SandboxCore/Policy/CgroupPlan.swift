import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `[cgroup]` → the run's cgroups: which directories to create (one beneath this process's own cgroup in
/// each hierarchy that is used) and what to write into each, in order. Computed before anything is
/// created; `RunCgroup` (Supervise/) carries it out and undoes it.
///
/// Names are `sandbox-<supervisor pid>-<n>` (`-keep` appended when `process.kill_orphans` is off), so that a
/// later run can tell a cgroup whose supervisor died (`StaleCgroups`) and whether to kill what is left in it.
public final class CgroupPlan: Sendable {
    /// One file write: `value` into `file` of the cgroup, for the profile key `key`.
    public struct Write: Sendable, Equatable {
        public let file: String
        public let value: String
        public let key: String
        /// A failure is ignored (the accounting rules below, on a device that takes none).
        public var optional = false
    }

    public enum Kind: Sendable, Equatable {
        case unified
        case v1([String])
    }

    /// One cgroup to create.
    public struct Directory: Sendable, Equatable {
        public let kind: Kind
        /// The directory of this process's cgroup in that hierarchy (the new one's parent).
        public let parent: String
        /// Its path as /proc/PID/cgroup shows it (`/process_api/…/sandbox-1234-0`).
        public let cgroupPath: String
        public let path: String
        public let writes: [Write]

        public var name: String { kind == .unified ? "unified" : CgroupLayout.commaJoined(kind.controllers) }
    }

    public let layout: CgroupLayout
    public let name: String
    public let directories: [Directory]
    public let settings: CgroupSettings
    /// With `best_effort = ["cgroup"]`: a limit whose file is missing is noted, not fatal.
    public let bestEffort: Bool
    /// Controllers to enable in this process's cgroup2 `cgroup.subtree_control` (unified mode).
    public let enableControllers: [String]
    public let notes: [String]
    /// `process.kill_orphans`: whether what is left at the end is killed (else its cgroup is kept).
    public let killOrphans: Bool

    init(layout: CgroupLayout, name: String, directories: [Directory], settings: CgroupSettings, bestEffort: Bool,
         enableControllers: [String], notes: [String], killOrphans: Bool) {
        self.layout = layout
        self.name = name
        self.directories = directories
        self.settings = settings
        self.bestEffort = bestEffort
        self.enableControllers = enableControllers
        self.notes = notes
        self.killOrphans = killOrphans
    }

    public var unified: Directory? { directories.first { $0.kind == .unified } }
    public func directory(_ controller: String) -> Directory? { directories.first { $0.kind.controllers.contains(controller) } }

    /// The serial of the next plan. Atomic: a process that prepares several plans at once on different
    /// threads (the tests do) must not hand out one name twice.
    private static let counter = Atomic<Int>(0)

    /// The plan for a profile, or nil when the profile asks for no cgroup (then nothing is read at all).
    /// Throws the fail-closed error when cgroups cannot be used here; with `best_effort = ["cgroup"]` it
    /// returns nil and says why in `notEnforced`. (A parent that is not delegated to us is found by the
    /// mkdir, in `RunCgroup.create(_:notEnforced:)`.)
    ///
    /// `figures`: whether anything will show the run's figures (the summary, `--report`). A quiet run
    /// without an I/O key then makes no v1 blkio cgroup: its only use would be the report's I/O bytes (a
    /// mkdir, two accounting-rule writes, a join and an rmdir per run, the dearest v1 hierarchy after
    /// memory); `sandbox top` then takes the I/O from /proc (`CgroupSampler`).
    static func prepare(_ profile: Profile, figures: Bool = true, notEnforced: inout [String]) throws -> CgroupPlan? {
        let settings = profile.cgroup
        guard settings.isUsed else { return nil }
        let bestEffort = profile.allowsBestEffort("cgroup")
        func unavailable(_ reason: String, fix: String?) throws -> CgroupPlan? {
            if bestEffort {
                notEnforced.append("cgroup (\(reason))")
                return nil
            }
            throw SandboxError(.setup, "cgroup", "not available: " + reason, hint: fix)
        }
        let layout: CgroupLayout
        switch KernelFeatures.cgroupLayout {
        case .found(let l): layout = l
        case .missing(let reason): return try unavailable(reason, fix: nil)
        }
        // Whether the parents are writable (delegated) is not probed here: the mkdir answers it, and
        // RunCgroup.create turns its EACCES/EPERM into the same "not available" sentence (one access(2) per
        // hierarchy less on every run).
        let blkio = layout.hierarchy("blkio") != nil && usesBlkio(settings, figures: figures)
        return try build(settings, layout: layout, killOrphans: profile.process.killOrphans, bestEffort: bestEffort,
                         pid: getpid(), serial: Self.next(), figures: figures, accountedDevices: blkio ? blockDevices() : [])
    }

    private static func next() -> Int {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The plan, from the layout alone (no file is read but block devices' numbers): what the unit tests
    /// check for each layout.
    static func build(_ s: CgroupSettings, layout: CgroupLayout, killOrphans: Bool, bestEffort: Bool, pid: pid_t,
                      serial: Int, figures: Bool = true, accountedDevices: [String] = []) throws -> CgroupPlan {
        let name = "sandbox-\(pid)-\(serial)" + (killOrphans ? "" : "-keep")
        var notes: [String] = []
        let read = try s.ioReadBandwidth.map { ($0, try deviceNumber($0.device, key: "cgroup.io_read_bandwidth")) }
        let write = try s.ioWriteBandwidth.map { ($0, try deviceNumber($0.device, key: "cgroup.io_write_bandwidth")) }
        var directories: [Directory] = []
        func add(_ kind: Kind, parent: String, path: String, _ writes: [Write]) {
            let cgroupPath = (path == "/" ? "" : path) + "/" + name
            directories.append(Directory(kind: kind, parent: parent, cgroupPath: cgroupPath, path: parent + "/" + name, writes: writes))
        }
        let period = 100_000
        var enable: [String] = []

        if layout.mode == .unified {
            var w: [Write] = []
            if let m = s.memory {
                w.append(Write(file: "memory.max", value: String(m), key: "cgroup.memory"))
                // The OOM killer takes the whole tree, not one process of it (Linux 4.19).
                w.append(Write(file: "memory.oom.group", value: "1", key: "cgroup.memory"))
            }
            if let swap = s.effectiveSwap { w.append(Write(file: "memory.swap.max", value: String(swap), key: "cgroup.memory_swap")) }
            if let p = s.processes { w.append(Write(file: "pids.max", value: String(p), key: "cgroup.processes")) }
            if let c = s.cpu { w.append(Write(file: "cpu.max", value: "\(quota(c, period: period)) \(period)", key: "cgroup.cpu")) }
            if let weight = s.cpuWeight { w.append(Write(file: "cpu.weight", value: String(weight), key: "cgroup.cpu_weight")) }
            if let weight = s.ioWeight { w.append(Write(file: "io.weight", value: "default \(weight)", key: "cgroup.io_weight")) }
            for (b, dev) in read { w.append(Write(file: "io.max", value: "\(dev) rbps=\(b.bytesPerSecond)", key: "cgroup.io_read_bandwidth")) }
            for (b, dev) in write { w.append(Write(file: "io.max", value: "\(dev) wbps=\(b.bytesPerSecond)", key: "cgroup.io_write_bandwidth")) }
            // Every controller whose statistics the report shows, limited or not.
            enable = CgroupLayout.v2Controllers
            add(.unified, parent: layout.unifiedDirectory!, path: layout.unifiedPath!, w)
        } else {
            // A cgroup2 cgroup without controllers still gives membership, cgroup.kill, cgroup.events,
            // PSI and the cgroup id.
            if let dir = layout.unifiedDirectory { add(.unified, parent: dir, path: layout.unifiedPath!, []) }
            // Only the hierarchies a limit or a figure of the report needs: each costs a mkdir, a join and an
            // rmdir per run. CPU time comes from the cgroup2 cgroup's cpu.stat (usage_usec, kept without any
            // controller), so cpu and cpuacct are used only for a CPU limit, or on legacy hosts.
            // memory and pids are always used: their counters decide limit_hit (an OOM kill or a refused fork,
            // at this cgroup's limit or an ancestor's), which changes the exit message. blkio only for an I/O
            // key or a run whose figures are shown (`prepare`).
            let wantsCPU = s.cpu != nil || s.cpuWeight != nil
            let wantsBlkio = usesBlkio(s, figures: figures)
            let used = layout.hierarchies.filter { h in
                h.controllers.contains { c in
                    c == "memory" || c == "pids" || (c == "blkio" && wantsBlkio) || (c == "cpu" && wantsCPU) || (c == "cpuacct" && layout.unifiedMount == nil)
                }
            }
            for h in used {
                var w: [Write] = []
                for controller in h.controllers {
                    switch controller {
                    case "memory":
                        if let m = s.memory {
                            // limit_in_bytes first: memsw (memory + swap) may never be below it.
                            w.append(Write(file: "memory.limit_in_bytes", value: String(m), key: "cgroup.memory"))
                            if let swap = s.effectiveSwap {
                                let (total, overflow) = m.addingReportingOverflow(swap)
                                w.append(Write(file: "memory.memsw.limit_in_bytes", value: overflow ? "-1" : String(total), key: "cgroup.memory_swap"))
                            }
                        } else if s.memorySwap != nil {
                            throw SandboxError(.usage, "cgroup.memory_swap", "needs cgroup.memory on cgroup v1 (memsw counts memory and swap together)",
                                               hint: "set cgroup.memory too")
                        }
                    case "pids":
                        if let p = s.processes { w.append(Write(file: "pids.max", value: String(p), key: "cgroup.processes")) }
                    case "cpu":
                        if let c = s.cpu {
                            w.append(Write(file: "cpu.cfs_period_us", value: String(period), key: "cgroup.cpu"))
                            w.append(Write(file: "cpu.cfs_quota_us", value: String(quota(c, period: period)), key: "cgroup.cpu"))
                        }
                        // systemd's conversion: weight 100 is 1024 shares.
                        if let weight = s.cpuWeight {
                            w.append(Write(file: "cpu.shares", value: String(max(2, min(262_144, weight * 1024 / 100))), key: "cgroup.cpu_weight"))
                        }
                    case "blkio":
                        // BFQ's weight runs 1-1000 with 100 as the default, like io.weight's lower range.
                        if let weight = s.ioWeight { w.append(Write(file: "blkio.bfq.weight", value: String(min(1000, weight)), key: "cgroup.io_weight")) }
                        for (b, dev) in read { w.append(Write(file: "blkio.throttle.read_bps_device", value: "\(dev) \(b.bytesPerSecond)", key: "cgroup.io_read_bandwidth")) }
                        for (b, dev) in write { w.append(Write(file: "blkio.throttle.write_bps_device", value: "\(dev) \(b.bytesPerSecond)", key: "cgroup.io_write_bandwidth")) }
                        // blk-throttle counts a cgroup's bytes (blkio.throttle.io_service_bytes) only on devices
                        // it has a rule for: a read limit no device reaches (2^62 B/s) turns the counting on.
                        let limited = Set(read.map(\.1))
                        for dev in accountedDevices where !limited.contains(dev) {
                            w.append(Write(file: "blkio.throttle.read_bps_device", value: "\(dev) \(Self.unreachableBandwidth)", key: "cgroup", optional: true))
                        }
                    default: break
                    }
                }
                add(.v1(h.controllers), parent: h.directory, path: h.path, w)
            }
            if s.memory != nil {
                notes.append("cgroup v1: at the memory limit the OOM killer ends one process (the largest), not the tree; the rest is killed when the command ends")
            }
            // A limit whose controller is not mounted at all cannot be applied.
            // (One call per controller, not a loop over an array of tuples: that array's generic metadata is
            // instantiated at run time, on every run with a cgroup, for four checks that are usually all false.)
            func need(_ controller: String, _ needed: Bool, _ key: String) throws {
                guard needed && layout.hierarchy(controller) == nil else { return }
                if !bestEffort {
                    throw SandboxError(.setup, key, "not available: the \(controller) controller is not mounted (no /sys/fs/cgroup/\(controller) hierarchy)",
                                       hint: "mount it, or add \"cgroup\" to best_effort")
                }
                notes.append("not enforced: \(key) (the \(controller) controller is not mounted)")
            }
            try need("memory", s.memory != nil, "cgroup.memory")
            try need("pids", s.processes != nil, "cgroup.processes")
            try need("cpu", s.cpu != nil || s.cpuWeight != nil, s.cpu != nil ? "cgroup.cpu" : "cgroup.cpu_weight")
            try need("blkio", s.ioWeight != nil || !read.isEmpty || !write.isEmpty, "cgroup.io_weight")
        }
        return CgroupPlan(layout: layout, name: name, directories: directories, settings: s, bestEffort: bestEffort,
                          enableControllers: enable, notes: notes, killOrphans: killOrphans)
    }

    static let unreachableBandwidth: UInt64 = 1 << 62

    /// Whether a v1 host's run needs a blkio cgroup: for an I/O limit or weight, or for the report's I/O figures.
    static func usesBlkio(_ s: CgroupSettings, figures: Bool) -> Bool {
        figures || s.ioWeight != nil || !s.ioReadBandwidth.isEmpty || !s.ioWriteBandwidth.isEmpty
    }

    /// MAJOR:MINOR of the block devices in /sys/block, loop and RAM disks left out (their I/O reaches a
    /// real device, or none).
    static func blockDevices() -> [String] {
        CgroupDirectory.subdirectoriesOrLinks("/sys/block").compactMap { name in
            guard !name.utf8.starts(with: "loop".utf8), !name.utf8.starts(with: "ram".utf8) else { return nil }
            return CgroupDirectory.read("/sys/block/\(name)/dev").flatMap(firstLine)
        }
    }

    /// The first line of a one-value sysfs file (`8:0\n`), without the generic split a first call pays for.
    static func firstLine(_ text: String) -> String? {
        let line = text.utf8.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") }
        return line.isEmpty ? nil : String(Substring(line))
    }

    static func quota(_ cores: Double, period: Int) -> Int { max(1000, Int((cores * Double(period)).rounded())) }

    /// `MAJOR:MINOR` of a block device, for io.max and blkio.throttle.
    static func deviceNumber(_ device: String, key: String) throws -> String {
        var st = stat()
        guard stat(device, &st) == 0 else { throw SandboxError(.usage, "\(key): \(device)", String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFBLK else { throw SandboxError(.usage, "\(key): \(device)", "not a block device") }
        // glibc's gnu_dev_major/minor (macros Swift does not import), spelled out.
        let dev = UInt64(st.st_rdev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        return "\(major):\(minor)"
    }
}

extension CgroupPlan.Kind {
    var controllers: [String] {
        if case .v1(let c) = self { return c }
        return []
    }
}
