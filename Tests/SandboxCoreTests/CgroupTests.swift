import Foundation
import Testing
@testable import SandboxCore

/// `[cgroup]`: decoding, the plan for each cgroup layout, and the parsers of the kernel's files, against
/// the formats documented in Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/*.rst (the v2
/// controller files cannot be produced on the hybrid hosts the integration tests run on).
@Suite struct CgroupTests {
    // MARK: - Profile keys

    func resolve(_ overrides: [String]) throws -> Profile { try builtinResolver.resolve(["default"], overrides: overrides) }

    @Test func keysDecode() throws {
        let p = try resolve(["cgroup.memory=\"512MiB\"", "cgroup.processes=4096", "cgroup.cpu=\"1.5\"", "cgroup.cpu_weight=200",
                             "cgroup.io_weight=50", "cgroup.io_read_bandwidth={ \"/dev/null\" = \"10MiB\" }"]).cgroup
        #expect(p.memory == 512 << 20)
        #expect(p.processes == 4096)
        #expect(p.cpu == 1.5)
        #expect(p.cpuWeight == 200)
        #expect(p.ioWeight == 50)
        #expect(p.ioReadBandwidth == [.init(device: "/dev/null", bytesPerSecond: 10 << 20)])
        #expect(p.isUsed)
        #expect(p.effectiveSwap == 0, "swap defaults to 0 under a memory limit")
        #expect(try resolve(["cgroup.cpu=2"]).cgroup.cpu == 2)
        #expect(try resolve(["cgroup.cpu=0.25"]).cgroup.cpu == 0.25)
        #expect(try resolve(["cgroup.memory=1073741824", "cgroup.memory_swap=\"1G\""]).cgroup.effectiveSwap == 1 << 30)
    }

    @Test func noKeysNoCgroup() throws {
        let p = try builtin("default").cgroup
        #expect(p == .none)
        #expect(!p.isUsed)
        #expect(try resolve(["cgroup.enabled=true"]).cgroup.isUsed)
    }

    @Test(arguments: [
        ("cgroup.memory=\"lots\"", "'lots' is not a size"),
        ("cgroup.memory=-5", "-5 is negative"),
        ("cgroup.memory=1000", "below 1 MiB"),
        ("cgroup.cpu=\"fast\"", "'fast' is not a number of cores"),
        ("cgroup.cpu=0", "out of range"),
        ("cgroup.processes=0", "out of range"),
        ("cgroup.cpu_weight=20000", "out of range"),
        ("cgroup.io_read_bandwidth={ vda = \"1MiB\" }", "not a device path under /dev"),
        ("cgroup.io_write_bandwidth={ \"/dev/null\" = 0 }", "would stop all I/O"),
    ])
    func badValues(setting: String, message: String) throws {
        do {
            _ = try resolve([setting])
            Issue.record("\(setting) was accepted")
        } catch let error as SandboxError {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("cgroup."), "the error names the key: \(error)")
            #expect(error.exitStatus == 125)
        }
    }

    @Test func enabledFalseWithALimitIsAnError() throws {
        let dir = try TempDir()
        try dir.write("c.toml", "[cgroup]\nenabled = false\nmemory = \"64MiB\"\n")
        #expect(throws: SandboxError.self) { try dir.resolver.resolve(["c"]) }
        do { _ = try dir.resolver.resolve(["c"]) } catch let e as SandboxError {
            #expect(e.description.contains("c.toml:2: cgroup.enabled"), "\(e)")
        }
    }

    @Test func unknownKeySuggests() throws {
        do {
            _ = try resolve(["cgroup.memroy=\"1G\""])
            Issue.record("accepted")
        } catch let e as SandboxError {
            #expect(e.description.contains("did you mean 'memory'"), "\(e)")
        }
    }

    @Test func cgroupIsABestEffortFeature() {
        #expect(ProfileSchema.bestEffortFeatures.contains("cgroup"))
    }

    @Test func cacheRoundTrip() throws {
        let profile = try resolve(["cgroup.memory=\"64MiB\"", "cgroup.cpu=0.5", "cgroup.io_write_bandwidth={ \"/dev/null\" = 4096 }"])
        let decoded = try ProfileCacheTests.roundTrip(CompiledProfile(profile: profile))
        #expect(decoded.profile.cgroup == profile.cgroup)
    }

    // MARK: - Layout

    static let hybridProcSelf = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        4:memory:/process_api/b776
        2:cpu,cpuacct:/user.slice
        0::/
        """

    @Test func procSelfCgroupParses() {
        let entries = CgroupLayout.parseProcCgroup(Self.hybridProcSelf)
        #expect(entries.count == 6, "the named systemd hierarchy has no controller: \(entries)")
        #expect(entries.first { $0.controllers == ["memory"] }?.path == "/process_api/b776")
        #expect(entries.first { $0.controllers == ["cpu", "cpuacct"] }?.path == "/user.slice")
        #expect(entries.first { $0.id == 0 }?.path == "/")
    }

    /// The byte-wise parser's edges: a path holding ':', a named hierarchy beside a controller, empty and
    /// malformed lines, an id that is not a number, a trailing newline.
    @Test func procSelfCgroupEdges() {
        let text = "12:name=systemd,pids:/a:b/c\n\nx:memory:/m\n3:memory\n:blkio:/b\n5:,cpu,:/\n0::/u:v\n7::/named-only\n"
        let entries = CgroupLayout.parseProcCgroup(text)
        #expect(entries == [
            CgroupLayout.ProcCgroupEntry(id: 12, controllers: ["pids"], path: "/a:b/c"),
            CgroupLayout.ProcCgroupEntry(id: 5, controllers: ["cpu"], path: "/"),
            CgroupLayout.ProcCgroupEntry(id: 0, controllers: [], path: "/u:v"),
        ], "\(entries)")
        #expect(CgroupLayout.parseProcCgroup("").isEmpty)
        #expect(CgroupLayout.parseProcCgroup("0::") == [CgroupLayout.ProcCgroupEntry(id: 0, controllers: [], path: "")])
    }

    @Test func thisHostIsDetected() throws {
        // Whatever the layout, it must agree with /proc/self/cgroup.
        let layout = try #require(KernelFeatures.cgroupLayout.layout, "\(KernelFeatures.cgroupLayout.reason ?? "")")
        let text = try FileIO.readText("/proc/self/cgroup")
        for h in layout.hierarchies {
            #expect(text.contains(":" + h.controllers.joined(separator: ",") + ":" + h.path + "\n"), "\(h)\n\(text)")
            #expect(FileManager.default.fileExists(atPath: h.directory + "/cgroup.procs"), "\(h.directory)")
        }
        if let dir = layout.unifiedDirectory { #expect(FileManager.default.fileExists(atPath: dir + "/cgroup.procs")) }
    }

    // MARK: - Plans

    static let hybrid = CgroupLayout(mode: .hybrid, unifiedMount: "/sys/fs/cgroup/unified", unifiedPath: "/", hierarchies: [
        .init(controllers: ["memory"], mount: "/sys/fs/cgroup/memory", path: "/process_api/b776"),
        .init(controllers: ["pids"], mount: "/sys/fs/cgroup/pids", path: "/"),
        .init(controllers: ["cpu", "cpuacct"], mount: "/sys/fs/cgroup/cpu,cpuacct", path: "/user.slice"),
        .init(controllers: ["blkio"], mount: "/sys/fs/cgroup/blkio", path: "/"),
    ])
    static let unified = CgroupLayout(mode: .unified, unifiedMount: "/sys/fs/cgroup", unifiedPath: "/user.slice/user-1000.slice/user@1000.service/app.slice/run.scope", hierarchies: [])

    func settings(_ overrides: [String]) throws -> CgroupSettings { try resolve(overrides).cgroup }

    @Test func hybridPlan() throws {
        let s = try settings(["cgroup.memory=\"64MiB\"", "cgroup.processes=100", "cgroup.cpu=\"1.5\"", "cgroup.cpu_weight=50"])
        let plan = try CgroupPlan.build(s, layout: Self.hybrid, killOrphans: true, bestEffort: false, pid: 42, serial: 3)
        #expect(plan.name == "sandbox-42-3")
        #expect(plan.directories.map(\.path) == [
            "/sys/fs/cgroup/unified/sandbox-42-3", "/sys/fs/cgroup/memory/process_api/b776/sandbox-42-3",
            "/sys/fs/cgroup/pids/sandbox-42-3", "/sys/fs/cgroup/cpu,cpuacct/user.slice/sandbox-42-3", "/sys/fs/cgroup/blkio/sandbox-42-3",
        ])
        #expect(plan.directory("memory")?.cgroupPath == "/process_api/b776/sandbox-42-3")
        #expect(plan.unified?.writes == [], "no controllers on the hybrid unified hierarchy")
        #expect(plan.directory("memory")?.writes.map { "\($0.file)=\($0.value)" } == [
            "memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=67108864",
        ])
        #expect(plan.directory("pids")?.writes.map { "\($0.file)=\($0.value)" } == ["pids.max=100"])
        #expect(plan.directory("cpuacct")?.path == "/sys/fs/cgroup/cpu,cpuacct/user.slice/sandbox-42-3", "co-mounted with cpu")
        let accountingOnly = try CgroupPlan.build(try settings(["cgroup.processes=5"]), layout: Self.hybrid, killOrphans: true,
                                                  bestEffort: false, pid: 42, serial: 5, accountedDevices: ["254:0"])
        #expect(accountingOnly.directories.map(\.name) == ["unified", "memory", "pids", "blkio"],
                "no cpu hierarchy without a CPU limit: CPU time comes from cgroup2's cpu.stat")
        #expect(accountingOnly.directory("blkio")?.writes == [
            .init(file: "blkio.throttle.read_bps_device", value: "254:0 4611686018427387904", key: "cgroup", optional: true),
        ])
        #expect(plan.directory("cpu")?.writes.map { "\($0.file)=\($0.value)" } == [
            "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=150000", "cpu.shares=512",
        ])
        #expect(plan.enableControllers.isEmpty)
        #expect(plan.notes.contains { $0.contains("OOM killer ends one process") })
        let keep = try CgroupPlan.build(s, layout: Self.hybrid, killOrphans: false, bestEffort: false, pid: 42, serial: 4)
        #expect(keep.name == "sandbox-42-4-keep")
    }

    /// A run whose figures nothing shows (`-q` without a report) gets no blkio cgroup unless an I/O key
    /// needs one; memory and pids stay, since their counters decide limit_hit.
    @Test func quietPlanLeavesOutBlkio() throws {
        func names(_ keys: [String], figures: Bool) throws -> [String] {
            try CgroupPlan.build(try settings(keys), layout: Self.hybrid, killOrphans: true, bestEffort: false, pid: 42, serial: 6,
                                 figures: figures).directories.map(\.name)
        }
        #expect(try names(["cgroup.enabled=true"], figures: false) == ["unified", "memory", "pids"])
        #expect(try names(["cgroup.enabled=true"], figures: true) == ["unified", "memory", "pids", "blkio"])
        #expect(try names(["cgroup.memory=\"64MiB\"", "cgroup.cpu=\"0.5\""], figures: false) == ["unified", "memory", "pids", "cpu,cpuacct"])
        #expect(try names(["cgroup.io_weight=200"], figures: false) == ["unified", "memory", "pids", "blkio"])
        #expect(CgroupPlan.usesBlkio(try settings(["cgroup.enabled=true"]), figures: false) == false)
    }

    /// A block device of this machine and its MAJOR:MINOR, from /sys/block.
    static func blockDevice() throws -> (String, String) {
        for name in try FileManager.default.contentsOfDirectory(atPath: "/sys/block").sorted()
        where FileManager.default.fileExists(atPath: "/dev/" + name) {
            return ("/dev/" + name, try String(contentsOfFile: "/sys/block/\(name)/dev", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        throw HarnessLikeError("no block device in /sys/block with a /dev node")
    }

    struct HarnessLikeError: Error { let message: String; init(_ m: String) { message = m } }

    @Test func unifiedPlan() throws {
        let (device, number) = try Self.blockDevice()
        let s = try settings(["cgroup.memory=\"512MiB\"", "cgroup.memory_swap=\"1GiB\"", "cgroup.processes=4096", "cgroup.cpu=0.5",
                              "cgroup.cpu_weight=200", "cgroup.io_weight=300", "cgroup.io_read_bandwidth={ \"\(device)\" = 1048576 }"])
        let plan = try CgroupPlan.build(s, layout: Self.unified, killOrphans: true, bestEffort: false, pid: 7, serial: 0)
        #expect(plan.directories.count == 1)
        let dir = try #require(plan.unified)
        #expect(dir.path == "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run.scope/sandbox-7-0")
        #expect(dir.writes.map { "\($0.file)=\($0.value)" } == [
            "memory.max=536870912", "memory.oom.group=1", "memory.swap.max=1073741824", "pids.max=4096", "cpu.max=50000 100000",
            "cpu.weight=200", "io.weight=default 300", "io.max=\(number) rbps=1048576",
        ])
        #expect(plan.enableControllers == ["memory", "pids", "cpu", "io"])
    }

    @Test func missingControllerFailsClosedOrIsNoted() throws {
        let layout = CgroupLayout(mode: .hybrid, unifiedMount: "/u", unifiedPath: "/", hierarchies: [
            .init(controllers: ["memory"], mount: "/m", path: "/"),
        ])
        let s = try settings(["cgroup.processes=10"])
        #expect(throws: SandboxError.self) {
            try CgroupPlan.build(s, layout: layout, killOrphans: true, bestEffort: false, pid: 1, serial: 0)
        }
        let plan = try CgroupPlan.build(s, layout: layout, killOrphans: true, bestEffort: true, pid: 1, serial: 0)
        #expect(plan.notes.contains("not enforced: cgroup.processes (the pids controller is not mounted)"), "\(plan.notes)")
    }

    @Test func bandwidthNeedsABlockDevice() throws {
        let s = try settings(["cgroup.io_read_bandwidth={ \"/dev/null\" = 1048576 }"])
        do {
            _ = try CgroupPlan.build(s, layout: Self.unified, killOrphans: true, bestEffort: false, pid: 1, serial: 0)
            Issue.record("/dev/null accepted")
        } catch let e as SandboxError {
            #expect(e.description == "cgroup.io_read_bandwidth: /dev/null: not a block device", "\(e)")
        }
    }

    @Test func swapWithoutMemoryOnV1IsAnError() throws {
        let s = try settings(["cgroup.memory_swap=0"])
        #expect(throws: SandboxError.self) {
            try CgroupPlan.build(s, layout: Self.hybrid, killOrphans: true, bestEffort: false, pid: 1, serial: 0)
        }
    }

    @Test func staleNames() {
        #expect(StaleCgroups.parse("sandbox-123-0")! == (123, true))
        #expect(StaleCgroups.parse("sandbox-123-7-keep")! == (123, false))
        #expect(StaleCgroups.parse("sandbox-123-supervisor")! == (123, false))
        #expect(StaleCgroups.parse("sandbox-x-0") == nil)
        #expect(StaleCgroups.parse("sandbox-123") == nil)
        #expect(StaleCgroups.parse("sandboxed-1-2") == nil)
        #expect(StaleCgroups.parse("sandbox-123-0-other") == nil)
    }

    // MARK: - File formats (cgroup-v2.rst and cgroup-v1 documentation samples)

    @Test func memoryEvents() {
        let text = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 1\n"
        let events = CgroupFiles.flatKeyed(text)
        #expect(events["oom_kill"] == 2)
        #expect(events["max"] == 12)
        #expect(events["oom_group_kill"] == 1)
    }

    @Test func cpuStat() {
        let v2 = "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\nnr_periods 40\nnr_throttled 20\nthrottled_usec 987654\nnr_bursts 0\nburst_usec 0\n"
        let s = CgroupFiles.flatKeyed(v2)
        #expect(s["usage_usec"] == 1_234_567)
        #expect(s["nr_throttled"] == 20)
        #expect(s["throttled_usec"] == 987_654)
        let v1 = "nr_periods 16\nnr_throttled 16\nthrottled_time 339957000\nnr_bursts 0\nburst_time 0\n"
        #expect(CgroupFiles.flatKeyed(v1)["throttled_time"] == 339_957_000)
    }

    @Test func ioStat() {
        let text = "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n"
        let (read, written) = CgroupFiles.ioStat(text)
        #expect(read == 1_459_200 + 90_430_464)
        #expect(written == 314_773_504 + 299_008_000)
        #expect(CgroupFiles.ioStat("") == (0, 0))
    }

    @Test func blkioServiceBytes() {
        let text = "253:0 Read 4096\n253:0 Write 8192\n253:0 Sync 12288\n253:0 Async 0\n253:0 Discard 0\n253:0 Total 12288\n8:0 Read 1\n8:0 Write 2\nTotal 12291\n"
        let (read, written) = CgroupFiles.blkioServiceBytes(text)
        #expect(read == 4097)
        #expect(written == 8194)
    }

    @Test func pidsEvents() {
        #expect(CgroupFiles.flatKeyed("max 5\n")["max"] == 5)
        // Linux 6.12+ adds max.imposed; "max" is still the forks refused here.
        #expect(CgroupFiles.flatKeyed("max 0\nmax.imposed 3\n")["max"] == 0)
        #expect(CgroupFiles.single("max\n") == nil)
        #expect(CgroupFiles.single("4096\n") == 4096)
    }

    @Test func pressure() {
        let text = "some avg10=0.50 avg60=1.25 avg300=0.00 total=123456\nfull avg10=0.00 avg60=0.10 avg300=0.00 total=7890\n"
        let (some, full) = CgroupFiles.pressure(text)
        #expect(some == .init(avg10: 0.5, avg60: 1.25, avg300: 0, total: 123_456))
        #expect(full?.total == 7890)
        // cpu.pressure before 5.13 has no full line.
        #expect(CgroupFiles.pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n").full == nil)
    }

    @Test func v1OomControlAndEvents() {
        #expect(CgroupFiles.flatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")["oom_kill"] == 1)
        #expect(CgroupFiles.populated("populated 1\nfrozen 0\n") == true)
        #expect(CgroupFiles.populated("populated 0\nfrozen 0\n") == false)
        #expect(CgroupFiles.pids("12\n34\n") == [12, 34])
    }

    /// The byte-wise parsers of the files every run reads agree with the general `lines` split, over the
    /// documented formats and their edges (no final newline, blank lines, runs of spaces, a third word).
    @Test func byteWiseParsersAgreeWithTheSplit() {
        let samples = ["oom_kill_disable 0\nunder_oom 0\noom_kill 7\n", "max 3", "\n\nmax   12\n", "max 1 2\nmax 4\n",
                       "populated 1\nfrozen 0", "", "\n", "  42  \n", "max\n", "18446744073709551615\n", "18446744073709551616\n",
                       "12\n34\n\n56", "oom_kill x\noom_kill 2\n"]
        for text in samples {
            for key: StaticString in ["oom_kill", "max", "populated"] {
                let split = CgroupFiles.lines(text).first { $0.count == 2 && CgroupFiles.is($0[0], key) }.map { CgroupFiles.number($0[1]) }
                #expect(CgroupFiles.value(text, key) == split ?? nil, "\(key) in \(text.debugDescription)")
            }
            #expect(CgroupFiles.single(text) == CgroupFiles.lines(text).first?.first.flatMap(CgroupFiles.number), "\(text.debugDescription)")
            #expect(CgroupFiles.pids(text) == CgroupFiles.lines(text).compactMap { $0.first.flatMap(CgroupFiles.number).flatMap { Int32(exactly: $0) } })
        }
        #expect(CgroupFiles.value("oom_kill x\noom_kill 2\n", "oom_kill") == nil, "the first line with the key decides, as before")
    }

    /// A control file longer than one read (a large cgroup.procs, io.stat on many disks) is read whole.
    @Test func readsAFileLongerThanOneChunk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-read-\(getpid())").path
        defer { unlink(path) }
        let text = (1...3000).map(String.init).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(text.utf8.count > 8192)
        #expect(CgroupDirectory.read(path) == text)
        #expect(CgroupFiles.pids(CgroupDirectory.read(path) ?? "").count == 3000)
        let dir = open(FileManager.default.temporaryDirectory.path, O_RDONLY | O_DIRECTORY)
        defer { close(dir) }
        #expect(CgroupDirectory.read(at: dir, "cgroup-read-\(getpid())") == text)
        #expect(CgroupDirectory.read(at: dir, "no-such-file-\(getpid())") == nil)
    }

    @Test func oomReasonNamesTheLimit() {
        var r = CgroupReport(mode: "hybrid", paths: [])
        r.memoryLimit = 64 << 20
        r.oomKills = 1
        #expect(r.oomReason == "killed by the OOM killer at the 64 MiB memory limit")
        #expect(r.oomEnded(exitCode: 137, signal: 9))
        #expect(r.oomEnded(exitCode: 137, signal: nil), "a shell whose child was OOM-killed exits 137")
        #expect(!r.oomEnded(exitCode: 1, signal: nil))
        r.memoryLimit = 1536 << 20
        #expect(r.oomReason.contains("1536 MiB"))
        #expect(CgroupReport.formatLimit(2 << 30) == "2 GiB")
    }
}
