#if canImport(Glibc)
import Glibc
#endif

/// The run's cgroups, from creation to removal: created beneath this process's own cgroup in each
/// hierarchy the plan names, limits written, the child started inside (the fds below go to the spawner),
/// statistics read at the end, what is left killed, every directory removed.
public final class RunCgroup {
    public let plan: CgroupPlan
    /// Directory fd of the cgroup2 cgroup, for clone3(CLONE_INTO_CGROUP); -1 when there is none.
    public private(set) var unifiedFD: Int32 = -1
    /// `tasks` of each v1 cgroup, opened for writing by the parent: the child writes "0" to each.
    public private(set) var v1ProcsFDs: [Int32] = []
    /// Limits that could not be applied with `best_effort = ["cgroup"]`.
    public private(set) var notEnforced: [String] = []
    private var created: [CgroupPlan.Directory] = []
    /// A directory fd of each of `created` (same index; cgroup2's is `unifiedFD`, v1's are O_PATH): every
    /// control file is opened relative to it, one path component instead of a walk of the whole path
    /// (six or seven kernfs components beneath /sys/fs/cgroup, each file's dentry new in a new cgroup).
    private var dirFDs: [Int32] = []
    /// An O_PATH fd of each of `created`'s parent (same index): the run's directory is made and removed
    /// relative to it. A walk of /sys/fs/cgroup/... passes sysfs's own dentries (/sys, /sys/fs), and each
    /// revalidation takes sysfs's kernfs lock for reading, which a network namespace holds for writing
    /// while it registers or unregisters its `lo` (ours being made on the thread at the start, a finished
    /// run's torn down by the kernel at the end): traced, a removal's rmdir waited on it.
    private var parentFDs: [Int32] = []
    /// Controllers this run enabled in its parent's cgroup.subtree_control, and the leaf the supervisor moved
    /// into to be allowed to (cgroup2's no-internal-processes rule), to undo at the end.
    private var enabledControllers: [String] = []
    private var supervisorLeaf: String?
    private var sampleFDs: SampleFDs?
    private var finished = false

    /// Creates the run's cgroups (after removing those of dead supervisors). Throws, having removed what it
    /// created, when a directory or a limit cannot be made.
    public static func create(_ plan: CgroupPlan) throws -> RunCgroup {
        var notEnforced: [String] = []
        guard let cgroup = try create(plan, bestEffort: false, notEnforced: &notEnforced) else {
            preconditionFailure("create(bestEffort: false) returns a cgroup or throws")
        }
        return cgroup
    }

    /// `create`, where a parent that is not delegated to us is, with `bestEffort` (the profile's
    /// `best_effort = ["cgroup"]`), no cgroup at all and a "cgroup (why)" line in `notEnforced`: what
    /// `CgroupPlan.prepare` used to find with an access(2) probe of every parent before any mkdir. The probe
    /// now runs only once something failed, so the sentence (and its precedence over any other failure) is
    /// the same, and a run that succeeds makes no probe.
    static func create(_ plan: CgroupPlan, bestEffort: Bool, notEnforced: inout [String]) throws -> RunCgroup? {
        StaleCgroups.clean(plan.layout)
        let cgroup = RunCgroup(plan: plan)
        do {
            try cgroup.setUp()
        } catch {
            cgroup.remove()
            let access = KernelFeatures.cgroupDelegation(plan.directories.map(\.parent))
            guard !access.available else { throw error }
            if bestEffort {
                notEnforced.append("cgroup (\(access.reason))")
                return nil
            }
            throw SandboxError(.setup, "cgroup", "not available: " + access.reason, hint: access.fix)
        }
        return cgroup
    }

    private init(plan: CgroupPlan) { self.plan = plan }

    /// O_PATH, which Glibc exports only with _GNU_SOURCE (the same value on every Linux ABI Swift runs on).
    static let oPath: Int32 = 0o10000000

    deinit {
        if !finished { remove() }
        closeFDs()
    }

    private func setUp() throws {
        if !plan.enableControllers.isEmpty, let unified = plan.unified { try enableControllers(in: unified.parent) }
        for dir in plan.directories {
            let parentFD = open(dir.parent, Self.oPath | O_DIRECTORY | O_CLOEXEC)
            guard parentFD >= 0 else {
                throw SandboxError.system("open(\(dir.parent))", errno: errno, hint: errno == EACCES
                    ? KernelFeatures.cgroupDelegation([dir.parent]).fix : nil)
            }
            if mkdirat(parentFD, plan.name, 0o755) != 0 {
                let e = errno
                // A name of ours whose supervisor pid was reused: the older one is dead by definition.
                guard e == EEXIST, CgroupDirectory.removeTree(dir.path) == 0, mkdirat(parentFD, plan.name, 0o755) == 0 else {
                    close(parentFD)
                    throw SandboxError.system("mkdir(\(dir.path))", errno: e, hint: e == EACCES || e == EPERM
                        ? KernelFeatures.cgroupDelegation([dir.parent]).fix : nil)
                }
            }
            created.append(dir)
            parentFDs.append(parentFD)
            let dirFD = openat(parentFD, plan.name, (dir.kind == .unified ? O_RDONLY : Self.oPath) | O_DIRECTORY | O_CLOEXEC)
            guard dirFD >= 0 else { throw SandboxError.system("open(\(dir.path))", errno: errno) }
            dirFDs.append(dirFD)
            for w in dir.writes {
                let e = CgroupDirectory.write(at: dirFD, w.file, w.value)
                if e == 0 || w.optional { continue }
                let why = e == ENOENT ? "\(w.file) does not exist in this cgroup (controller or kernel option missing)"
                    : "write(\(dir.path)/\(w.file), \"\(w.value)\"): \(String(cString: strerror(e)))"
                if plan.bestEffort {
                    notEnforced.append("\(w.key) (\(why))")
                    continue
                }
                throw SandboxError(.setup, w.key, why, hint: e == ENOENT ? "add \"cgroup\" to best_effort to run without it" : nil)
            }
            // cgroup2: the directory fd is enough (clone3 starts the child inside; the fork fallback's child
            // opens cgroup.procs through it). v1: `tasks`, not cgroup.procs. Writing "0" to cgroup.procs takes the global
            // cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period (5-13 ms here, every
            // run); "0" in `tasks` moves only the writing thread and skips that lock (Linux 5.x+,
            // cgroup_procs_write_start). The child is single-threaded when it writes, so the whole process
            // moves, and whatever it starts later is born inside.
            if dir.kind == .unified {
                unifiedFD = dirFD
            } else {
                let procs = openat(dirFD, "tasks", O_WRONLY | O_CLOEXEC)
                guard procs >= 0 else { throw SandboxError.system("open(\(dir.path)/tasks)", errno: errno) }
                v1ProcsFDs.append(procs)
            }
        }
    }

    /// cgroup2: a child cgroup has only the controllers its parent lists in cgroup.subtree_control, and a
    /// cgroup with processes in it (ours: sandbox itself) may not enable any there. So when they are off,
    /// sandbox moves itself into a leaf `sandbox-<pid>-supervisor` beside the run's cgroup, beneath its own,
    /// and enables them; at the end it moves back and turns them off again.
    private func enableControllers(in parent: String) throws {
        let available = Set(CgroupFiles.words(CgroupDirectory.read(parent + "/cgroup.controllers") ?? ""))
        let enabled = Set(CgroupFiles.words(CgroupDirectory.read(parent + "/cgroup.subtree_control") ?? ""))
        let wanted = plan.enableControllers.filter { available.contains($0) && !enabled.contains($0) }
        guard !wanted.isEmpty else { return }
        let line = wanted.map { "+" + $0 }.joined(separator: " ")
        var e = CgroupDirectory.write(parent + "/cgroup.subtree_control", line)
        if e == EBUSY {
            let leaf = parent + "/sandbox-\(getpid())-supervisor"
            if mkdir(leaf, 0o755) != 0 && errno != EEXIST { throw SandboxError.system("mkdir(\(leaf))", errno: errno) }
            supervisorLeaf = leaf
            let moved = CgroupDirectory.write(leaf + "/cgroup.procs", "0")
            if moved != 0 { throw SandboxError.system("write(\(leaf)/cgroup.procs)", errno: moved) }
            e = CgroupDirectory.write(parent + "/cgroup.subtree_control", line)
        }
        if e != 0 {
            throw SandboxError(.setup, "cgroup", "cannot enable \(wanted.joined(separator: ", ")) in \(parent)/cgroup.subtree_control: \(String(cString: strerror(e)))",
                               hint: e == EBUSY ? "other processes share sandbox's cgroup; start it in a cgroup of its own (systemd-run --user --scope -p Delegate=yes sandbox run ...)" : nil)
        }
        enabledControllers = wanted
    }

    /// SIGKILLs every process left in the run's cgroup (`cgroup.kill` where there is a cgroup2 cgroup).
    public func killAll() {
        if let i = created.firstIndex(where: { $0.kind == .unified }) {
            CgroupDirectory.killAll(created[i].path, unified: true, dirFD: dirFDs.count > i ? dirFDs[i] : -1)
        } else if let first = created.first {
            CgroupDirectory.killAll(first.path, unified: false, dirFD: dirFDs.first ?? -1)
        }
    }

    /// The final accounting, then removal. Call after the command's tree has been killed and reaped.
    /// `figures: false` (nothing will render the report: `-q` without `--report`) reads only what decides
    /// `limit_hit` (OOM kills, forks refused), two files instead of ten.
    public func finish(figures: Bool = true) -> CgroupReport {
        var report = statistics(figures: figures)
        report.removed = remove()
        report.notes += plan.notes
        return report
    }

    /// Removes every cgroup this run created (waiting a bounded while for exiting processes to leave), and
    /// undoes the controller set-up. Returns false when one is still populated (left for a later run).
    @discardableResult
    public func remove() -> Bool {
        finished = true
        closeFDs()
        var allRemoved = true
        for (i, dir) in created.enumerated().reversed() {
            // The usual case: one rmdir relative to the parent (see parentFDs); else the tree, by path.
            if i < parentFDs.count, unlinkat(parentFDs[i], plan.name, AT_REMOVEDIR) == 0 || errno == ENOENT { continue }
            var e = CgroupDirectory.removeTree(dir.path)
            // Killed processes take a moment to leave; kept ones (kill_orphans off) are not waited for.
            if e == EBUSY, plan.killOrphans, CgroupDirectory.waitEmpty(dir.path, unified: dir.kind == .unified, timeout: 1) {
                e = CgroupDirectory.removeTree(dir.path)
            }
            if e != 0 { allRemoved = false }
        }
        created = []
        for fd in parentFDs { close(fd) }
        parentFDs = []
        if let leaf = supervisorLeaf, let parent = plan.unified?.parent {
            // Off again only when no other cgroup beneath ours uses them (another sandbox run, say).
            let others = CgroupDirectory.subdirectories(parent).filter { parent + "/" + $0 != leaf }
            if others.isEmpty {
                _ = CgroupDirectory.write(parent + "/cgroup.subtree_control", enabledControllers.map { "-" + $0 }.joined(separator: " "))
                if CgroupDirectory.write(parent + "/cgroup.procs", "0") == 0 { rmdir(leaf) }
            }
            supervisorLeaf = nil
        }
        return allRemoved
    }

    private func closeFDs() {
        for fd in dirFDs + v1ProcsFDs where fd >= 0 { close(fd) }
        unifiedFD = -1
        dirFDs = []
        v1ProcsFDs = []
        sampleFDs?.close()
        sampleFDs = nil
    }

    // MARK: - Accounting

    /// The directory fd of the cgroup holding `controller` (nil: none, or already removed).
    private func dir(_ controller: String) -> Int32? {
        created.firstIndex { $0.kind.controllers.contains(controller) }.flatMap { $0 < dirFDs.count ? dirFDs[$0] : nil }
    }

    private var unifiedDir: Int32? { unifiedFD >= 0 ? unifiedFD : nil }

    /// Reads the cgroup's own accounting files; without `figures`, only the two that `limit_hit` rests on.
    func statistics(figures: Bool = true) -> CgroupReport {
        let s = plan.settings
        // The paths only for a report that shows them.
        var r = CgroupReport(mode: plan.layout.mode.rawValue,
                             paths: figures ? plan.directories.map { CgroupReport.Path(hierarchy: $0.name, cgroup: $0.cgroupPath) } : [])
        r.memoryLimit = s.memory
        r.memorySwapLimit = s.memory == nil ? nil : s.effectiveSwap
        r.processesLimit = s.processes
        r.cpuLimit = s.cpu
        func read(_ dir: Int32?, _ file: String) -> String? { dir.flatMap { CgroupDirectory.read(at: $0, file) } }
        if !figures {
            let unified = plan.layout.mode == .unified
            r.oomKills = unified ? read(unifiedDir, "memory.events").flatMap { CgroupFiles.value($0, "oom_kill") }
                : read(dir("memory"), "memory.oom_control").flatMap { CgroupFiles.value($0, "oom_kill") }
            r.forksRefused = read(unified ? unifiedDir : dir("pids"), "pids.events").flatMap { CgroupFiles.value($0, "max") }
            return r
        }
        if plan.layout.mode == .unified {
            let u = unifiedDir
            r.memoryPeak = read(u, "memory.peak").flatMap(CgroupFiles.single)
            r.oomKills = read(u, "memory.events").flatMap { CgroupFiles.value($0, "oom_kill") }
            r.processesPeak = read(u, "pids.peak").flatMap(CgroupFiles.single)
            r.forksRefused = read(u, "pids.events").flatMap { CgroupFiles.value($0, "max") }
            if let io = read(u, "io.stat").map(CgroupFiles.ioStat) { (r.ioReadBytes, r.ioWriteBytes) = io }
        } else {
            let memory = dir("memory"), pids = dir("pids")
            r.memoryPeak = read(memory, "memory.max_usage_in_bytes").flatMap(CgroupFiles.single)
            r.oomKills = read(memory, "memory.oom_control").flatMap { CgroupFiles.value($0, "oom_kill") }
            r.processesPeak = read(pids, "pids.peak").flatMap(CgroupFiles.single)
            r.forksRefused = read(pids, "pids.events").flatMap { CgroupFiles.value($0, "max") }
            if let io = read(dir("blkio"), "blkio.throttle.io_service_bytes").map(CgroupFiles.blkioServiceBytes) {
                (r.ioReadBytes, r.ioWriteBytes) = io
            }
        }
        // CPU: cgroup2's cpu.stat has usage_usec even without the cpu controller; cpuacct.usage (ns) on legacy hosts.
        let unifiedCPUStat = read(unifiedDir, "cpu.stat")
        if let usec = unifiedCPUStat.flatMap({ CgroupFiles.value($0, "usage_usec") }) {
            r.cpuSeconds = Double(usec) / 1e6
        } else if let ns = read(dir("cpuacct"), "cpuacct.usage").flatMap(CgroupFiles.single) {
            r.cpuSeconds = Double(ns) / 1e9
        }
        if let v1 = read(dir("cpu"), "cpu.stat") {
            r.throttledPeriods = CgroupFiles.value(v1, "nr_throttled")
            r.throttledSeconds = CgroupFiles.value(v1, "throttled_time").map { Double($0) / 1e9 }
        } else if let v2 = unifiedCPUStat, let periods = CgroupFiles.value(v2, "nr_throttled") {
            r.throttledPeriods = periods
            r.throttledSeconds = CgroupFiles.value(v2, "throttled_usec").map { Double($0) / 1e6 }
        }
        for resource in ["cpu", "memory", "io"] {
            if let text = read(unifiedDir, resource + ".pressure") {
                let (some, full) = CgroupFiles.pressure(text)
                r.pressure.append(CgroupReport.PressureEntry(resource: resource, some: some, full: full))
            }
        }
        return r
    }

    /// One sample of the run's usage: current memory, CPU time so far, processes, I/O bytes.
    public struct Sample: Sendable, Equatable {
        public var memoryBytes: UInt64?
        public var cpuSeconds: Double?
        public var processes: UInt64?
        public var ioReadBytes: UInt64?
        public var ioWriteBytes: UInt64?
    }

    /// The files `sample()` reads, opened on its first call and kept open: each sample is four preads.
    private struct SampleFDs {
        var memory: Int32 = -1, cpu: Int32 = -1, cpuIsUnifiedStat = false, pids: Int32 = -1, io: Int32 = -1, ioIsUnified = false
        /// cgroup.procs, for `members()` (the live monitor's process list).
        var procs: Int32 = -1

        func close() { for fd in [memory, cpu, pids, io, procs] where fd >= 0 { Glibc.close(fd) } }
    }

    /// A cheap sample for a live monitor (every 100 ms): at most four pread(2)s of files opened once.
    /// Call it from the supervisor's thread, while the run lasts (after `finish()` it returns an empty sample).
    public func sample() -> Sample {
        if finished { return Sample() }
        if sampleFDs == nil {
            func open(_ dir: Int32?, _ file: String) -> Int32 { dir.map { openat($0, file, O_RDONLY | O_CLOEXEC) } ?? -1 }
            var f = SampleFDs()
            let unified = plan.layout.mode == .unified
            f.memory = unified ? open(unifiedDir, "memory.current") : open(dir("memory"), "memory.usage_in_bytes")
            f.cpu = open(unifiedDir, "cpu.stat")
            f.cpuIsUnifiedStat = f.cpu >= 0
            if f.cpu < 0 { f.cpu = open(dir("cpuacct"), "cpuacct.usage") }
            f.pids = open(unified ? unifiedDir : dir("pids"), "pids.current")
            f.io = unified ? open(unifiedDir, "io.stat") : open(dir("blkio"), "blkio.throttle.io_service_bytes")
            f.ioIsUnified = unified
            // The process list: cgroup2's, else the pids hierarchy's (both list thread-group ids).
            f.procs = open(unifiedDir ?? dir("pids") ?? dirFDs.first, "cgroup.procs")
            sampleFDs = f
        }
        let f = sampleFDs!
        func text(_ fd: Int32) -> String? { fd >= 0 ? CgroupDirectory.read(fd: fd) : nil }
        var s = Sample()
        s.memoryBytes = text(f.memory).flatMap(CgroupFiles.single)
        if f.cpuIsUnifiedStat {
            s.cpuSeconds = text(f.cpu).flatMap { CgroupFiles.value($0, "usage_usec") }.map { Double($0) / 1e6 }
        } else {
            s.cpuSeconds = text(f.cpu).flatMap(CgroupFiles.single).map { Double($0) / 1e9 }
        }
        s.processes = text(f.pids).flatMap(CgroupFiles.single)
        if let io = text(f.io) {
            (s.ioReadBytes, s.ioWriteBytes) = f.ioIsUnified ? CgroupFiles.ioStat(io) : CgroupFiles.blkioServiceBytes(io)
        }
        return s
    }

    /// The processes (thread-group ids) in the run's cgroup now, from `cgroup.procs` (one pread of a file
    /// opened at the first `sample()`); nil before that, after `finish()`, or when it cannot be read.
    public func members() -> [Int32]? {
        guard !finished, let fd = sampleFDs?.procs, fd >= 0, let text = CgroupDirectory.read(fd: fd) else { return nil }
        return CgroupFiles.pids(text)
    }
}
