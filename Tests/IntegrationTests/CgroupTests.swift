import Foundation
import SandboxCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// `[cgroup]` against the real kernel: on these hosts (hybrid: v1 controllers, cgroup2 at
    /// /sys/fs/cgroup/unified without controllers) the v1 limits and statistics and the cgroup2 core files
    /// (membership through CLONE_INTO_CGROUP, cgroup.kill, cgroup.events) are all real.
    @Suite struct CgroupTests {
        static func canUse(_ test: String) -> Bool {
            guard Condition.root(test) else { return false }
            if let reason = KernelFeatures.cgroupLayout.reason {
                print("skipped \(test): no cgroups here (\(reason))")
                return false
            }
            return true
        }

        static var layout: CgroupLayout { KernelFeatures.cgroupLayout.layout! }

        /// This test process's cgroup directories (the parents of every run's cgroups), by hierarchy name.
        static var parents: [(String, String)] {
            var result: [(String, String)] = []
            if let u = layout.unifiedDirectory { result.append(("unified", u)) }
            for h in layout.hierarchies { result.append((h.controllers.joined(separator: ","), h.directory)) }
            return result
        }

        /// The cgroups a sandbox with supervisor pid `pid` has (or left) beneath ours.
        static func cgroups(of pid: pid_t) -> [String] {
            parents.flatMap { _, dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("sandbox-\(pid)-") }.map { dir + "/" + $0 }
            }
        }

        static func cgroupSection(_ report: SandboxReport) throws -> [String: Any] {
            try #require(report.raw["cgroup"] as? [String: Any], "no cgroup section: \(report.raw)")
        }

        @Test(.enabled(if: canUse("CgroupTests.oomKillAtTheMemoryLimit")))
        func oomKillAtTheMemoryLimit() throws {
            // A process outside the sandbox, in the test's own cgroup: the host side must be untouched.
            let bystander = try Harness.start("/bin/sleep", ["30"])
            let probe = try Harness.probe
            let (out, report) = try Harness.sandboxReport(["--set", "cgroup.memory=\"64MiB\""], [probe, "alloc", "300"])
            #expect(out.status == 137, "\(out)")
            #expect(report.limitHit == "memory", "\(report.raw)")
            #expect(!out.stdout.contains("ok"), "the allocation must not complete: \(out)")
            let cgroup = try Self.cgroupSection(report)
            #expect((cgroup["oom_kills"] as? Int ?? 0) >= 1, "\(cgroup)")
            let peak = cgroup["memory_peak_bytes"] as? Int ?? 0
            #expect(peak > 32 << 20 && peak <= 64 << 20, "peak \(peak) must sit at the limit")
            #expect(Harness.isAlive(bystander.pid), "a process outside the run's cgroup was hit")
            bystander.signal(SIGKILL)
            // The summary names the limit.
            let summary = try Harness.sandbox(["run", "--set", "cgroup.memory=\"64MiB\"", "--", probe, "alloc", "300"])
            #expect(summary.stderr.contains("killed by the OOM killer at the 64 MiB memory limit"), "\(summary)")
        }

        @Test(.enabled(if: canUse("CgroupTests.forkLoopStopsAtTheProcessLimit")))
        func forkLoopStopsAtTheProcessLimit() throws {
            let (out, report) = try Harness.sandboxReport(["--set", "cgroup.processes=20"], [try Harness.probe, "forkloop"])
            #expect(out.status == 0, "\(out)")
            // The probe itself is one of the 20.
            #expect(out.stdout == "fork: errno EAGAIN (11) after 19\n", "\(out)")
            #expect(report.limitHit == "processes", "\(report.raw)")
            let cgroup = try Self.cgroupSection(report)
            #expect((cgroup["forks_refused"] as? Int ?? 0) >= 1, "\(cgroup)")
            if Self.layout.hierarchy("pids").map({ FileManager.default.fileExists(atPath: $0.mount + "/" + "pids.peak") }) != nil {
                #expect(cgroup["processes_peak"] as? Int == 20 || cgroup["processes_peak"] is NSNull, "\(cgroup)")
            }
        }

        @Test(.enabled(if: canUse("CgroupTests.cpuQuotaHalvesTheCPU")))
        func cpuQuotaHalvesTheCPU() throws {
            // The largest weight (cpu.shares 102400 against the 1024 of every other task and group at that
            // level): on a loaded machine the loop still gets the CPU it may have, so the quota, not the other
            // jobs, is what holds it to half a core.
            let (out, report) = try Harness.sandboxReport(["--set", "cgroup.cpu=\"0.5\"", "--set", "cgroup.cpu_weight=10000"],
                                                          [try Harness.probe, "busy", "2"])
            #expect(out.status == 0, "\(out)")
            let cgroup = try Self.cgroupSection(report)
            let cpu = try #require(cgroup["cpu_seconds"] as? Double, "\(cgroup)")
            // Half a core for 2 s of wall-clock time is 1 s of CPU (a tolerance on a measured amount).
            // Below the band means the loaded machine gave the loop less than its half core (the load average
            // says so); above it means the quota did not hold.
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
            #expect(cpu < 1.25, "\(cpu) s of CPU under a 0.5-core quota for 2 s")
            #expect(cpu > 0.75, "\(cpu) s of CPU under a 0.5-core quota for 2 s (load average \(load))")
            #expect((cgroup["cpu_throttled_periods"] as? Int ?? 0) > 0, "the quota never throttled: \(cgroup) (load average \(load))")
            // The cgroup's figure and getrusage's agree (both count the same single process).
            #expect(abs(cpu - report.usage.cpuSeconds) < 0.1 + 0.1 * cpu, "cgroup \(cpu) s, rusage \(report.usage.cpuSeconds) s")
        }

        /// The command reads /proc/self/cgroup from inside and waits; meanwhile the test reads the limit files
        /// of those cgroups from outside, and at the end compares the report with what it read.
        @Test(.enabled(if: canUse("CgroupTests.membershipAndFilesAgree")))
        func membershipAndFilesAgree() throws {
            let dir = try TemporaryDirectory()
            let inside = dir.file("cgroup"), go = dir.file("go")
            let script = "cat /proc/self/cgroup > \(inside).tmp && mv \(inside).tmp \(inside); while [ ! -e \(go) ]; do sleep 0.01; done"
            let process = try Harness.start(try Harness.sandbox, ["run", "-q", "--report", dir.file("r.json"), "--set", "cgroup.memory=\"96MiB\"",
                                                                  "--set", "cgroup.processes=77", "--set", "cgroup.cpu=0.5", "--", "sh", "-c", script])
            #expect(Harness.waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: inside) }.0, "the command never wrote \(inside)")
            let lines = try String(contentsOfFile: inside, encoding: .utf8)
            let mine = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
            func path(_ text: String, _ controller: String) -> String? {
                text.split(separator: "\n").first { line in
                    let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                    return parts.count == 3 && (controller.isEmpty ? parts[0] == "0" : parts[1].split(separator: ",").contains { $0 == controller })
                }.map { String($0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)[2]) }
            }
            let name = "sandbox-\(process.pid)-0"
            var checked: [String] = []
            for controller in ["memory", "pids", "cpu", "blkio", ""] {  // cpuacct: only on legacy hosts
                guard let callers = path(mine, controller), let hierarchyDir = controller.isEmpty ? Self.layout.unifiedMount
                        : Self.layout.hierarchy(controller)?.mount else { continue }
                let childs = try #require(path(lines, controller), "\(controller) missing from\n\(lines)")
                // Beneath the caller's cgroup in that hierarchy, never beside it.
                #expect(childs == (callers == "/" ? "" : callers) + "/" + name, "\(controller): \(childs) is not beneath \(callers)")
                #expect(FileManager.default.fileExists(atPath: hierarchyDir + childs + "/cgroup.procs"))
                checked.append(controller.isEmpty ? "unified" : controller)
            }
            #expect(checked.contains("unified") && checked.contains("memory") && checked.contains("pids"), "\(checked)")
            func read(_ controller: String, _ file: String) -> String? {
                guard let h = Self.layout.hierarchy(controller), let p = path(lines, controller) else { return nil }
                return (try? String(contentsOfFile: h.mount + p + "/" + file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(read("memory", "memory.limit_in_bytes") == String(96 << 20))
            #expect(read("memory", "memory.memsw.limit_in_bytes").map { $0 == String(96 << 20) } ?? true, "swap must not dodge the limit")
            #expect(read("pids", "pids.max") == "77")
            #expect(read("cpu", "cpu.cfs_quota_us") == "50000")
            #expect(read("cpu", "cpu.cfs_period_us") == "100000")
            let usageWhileRunning = UInt64(read("memory", "memory.usage_in_bytes") ?? "") ?? 0
            #expect(usageWhileRunning > 0)
            FileManager.default.createFile(atPath: go, contents: nil)
            let out = try process.wait()
            #expect(out.status == 0, "\(out)")
            let report = try SandboxReport.decode(try Data(contentsOf: URL(fileURLWithPath: dir.file("r.json"))), context: out)
            let cgroup = try Self.cgroupSection(report)
            let paths = try #require(cgroup["paths"] as? [String: String])
            #expect(paths["memory"] == path(lines, "memory"), "\(paths)")
            #expect(paths["unified"] == path(lines, ""), "\(paths)")
            #expect((cgroup["memory_peak_bytes"] as? Int).map { UInt64($0) >= usageWhileRunning } == true, "peak below a sample: \(cgroup)")
            #expect((cgroup["limits"] as? [String: Any])?["processes"] as? Int == 77)
            #expect(cgroup["removed"] as? Bool == true)
            #expect(Self.cgroups(of: process.pid).isEmpty, "left behind: \(Self.cgroups(of: process.pid))")
        }

        @Test(.enabled(if: canUse("CgroupTests.ioBytesAreCounted")))
        func ioBytesAreCounted() throws {
            // Direct I/O, so the bytes reach the block device while the command runs (not later, from the page
            // cache, by a kernel thread), in the build directory: on a disk, where /tmp may be a tmpfs.
            let file = try #require(Harness.productsDirectory) + "/cgroup-io-test-\(getpid())"
            defer { unlink(file) }
            let (out, report) = try Harness.sandboxReport(["--set", "cgroup.enabled=true"], ["sh", "-c",
                "dd if=/dev/zero of=\(file) bs=1M count=8 oflag=direct status=none && dd if=\(file) of=/dev/null bs=1M iflag=direct status=none"])
            #expect(out.status == 0, "\(out)")
            let cgroup = try Self.cgroupSection(report)
            #expect((cgroup["io_write_bytes"] as? Int ?? 0) >= 8 << 20, "\(cgroup)")
            #expect((cgroup["io_read_bytes"] as? Int ?? 0) >= 8 << 20, "\(cgroup)")
        }

        /// A quiet run (nothing renders its figures) makes only the cgroups its limits and `limit_hit` need:
        /// on a v1 host no blkio one, whose only use would be the report's I/O bytes (with `--report` it is
        /// made and counts: `ioBytesAreCounted`). `sandbox top` still shows the run's I/O, from /proc.
        @Test(.enabled(if: canUse("CgroupTests.quietRunMakesNoBlkioCgroupYetTopShowsItsIO")))
        func quietRunMakesNoBlkioCgroupYetTopShowsItsIO() throws {
            let file = try #require(Harness.productsDirectory) + "/cgroup-quiet-io-test-\(getpid())"
            defer { unlink(file) }
            let (process, id) = try MonitorTests.start(["-q", "--set", "cgroup.enabled=true"], ["sh", "-c",
                "dd if=/dev/zero of=\(file) bs=1M count=8 oflag=direct status=none && dd if=\(file) of=/dev/null bs=1M iflag=direct status=none && sleep 30"])
            defer { _ = try? MonitorTests.end(process) }
            let made = Self.cgroups(of: process.pid)
            for (name, dir) in Self.parents {
                let has = made.contains { $0.hasPrefix(dir + "/") }
                switch name {
                case "blkio": #expect(!has, "a blkio cgroup for a quiet run: \(made)")
                case "unified", "memory", "pids": #expect(has, "no \(name) cgroup: \(made)")
                default: break
                }
            }
            var top: [String: Any] = [:]
            let (shown, _) = Harness.waitUntil(timeout: 15) {
                top = (try? MonitorIntegrationTests.topJSON(id)) ?? [:]
                return (top["write_bytes"] as? Int ?? 0) >= 8 << 20 && (top["read_bytes"] as? Int ?? 0) >= 8 << 20
            }
            #expect(shown, "top: \(top)")
            #expect(top["sampler"] as? String == "cgroup", "\(top)")
        }

        /// `RunCgroup.sample()`, the live monitor's interface, against a child started in the cgroup through
        /// the library (the spawner the supervisor uses), while it runs.
        @Test(.enabled(if: canUse("CgroupTests.sampleWhileRunning")))
        func sampleWhileRunning() throws {
            let profile = try ProfileResolver(environment: [:]).resolve(["default"], overrides: ["cgroup.memory=\"256MiB\""])
            let plan = try LaunchPlan(compiled: CompiledProfile(profile: profile), command: [try Harness.probe, "busy", "0.5"])
            let cgroup = try RunCgroup.create(try #require(plan.cgroup))
            let child = try Launcher.spawn(plan, cgroup: cgroup)
            usleep(300_000)
            let during = cgroup.sample()
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
            close(child.pidfd)
            close(child.errorPipe)
            let after = cgroup.sample()
            #expect(during.processes == 1, "\(during)")
            #expect((during.memoryBytes ?? 0) > 0, "\(during)")
            #expect((during.cpuSeconds ?? 0) > 0.05, "\(during)")
            #expect(during.ioReadBytes != nil && during.ioWriteBytes != nil, "\(during)")
            #expect((after.cpuSeconds ?? 0) >= (during.cpuSeconds ?? 0), "\(after) after \(during)")
            #expect(after.processes == 0, "\(after)")
            #expect(cgroup.remove())
            #expect(plan.cgroup!.directories.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
        }

        @Test(.enabled(if: canUse("CgroupTests.nothingLeftAfter100Runs")))
        func nothingLeftAfter100Runs() throws {
            var left: [String] = []
            for i in 0..<100 {
                // A mix: a plain exit, a failing command, a leftover background process, a setup failure.
                let command = [["true"], ["sh", "-c", "exit 3"], ["sh", "-c", "sleep 5 & exit 0"], ["no-such-command-sbx"]][i % 4]
                let process = try Harness.start(try Harness.sandbox, ["run", "-q", "--set", "cgroup.processes=100", "--"] + command)
                _ = try process.wait()
                left += Self.cgroups(of: process.pid)
            }
            #expect(left.isEmpty, "left behind: \(left)")
        }

        @Test(.enabled(if: canUse("CgroupTests.sigkilledSandboxIsCleanedUpByTheNextRun")))
        func sigkilledSandboxIsCleanedUpByTheNextRun() throws {
            let dir = try TemporaryDirectory()
            let pids = dir.file("pids")
            let process = try Harness.start(try Harness.sandbox, ["run", "-q", "--set", "cgroup.enabled=true", "--", "sh", "-c",
                                                                  "sleep 30 & echo $! >> \(pids); echo $$ >> \(pids); sleep 30"])
            #expect(Harness.waitUntil(timeout: 10) { Harness.pids(in: pids).count == 2 }.0)
            let mine = Self.cgroups(of: process.pid)
            #expect(!mine.isEmpty)
            process.signal(SIGKILL)
            _ = try? process.wait()
            // The background sleep outlives its supervisor (nobody is left to kill it), and keeps the cgroup.
            #expect(Self.cgroups(of: process.pid).count == mine.count, "\(Self.cgroups(of: process.pid))")
            let next = try Harness.sandbox(["run", "-q", "--set", "cgroup.enabled=true", "--", "true"])
            #expect(next.status == 0, "\(next)")
            #expect(Self.cgroups(of: process.pid).isEmpty, "left behind: \(Self.cgroups(of: process.pid))")
            #expect(Harness.waitUntil(timeout: 5) { Harness.pids(in: pids).allSatisfy { !Harness.isAlive($0) } }.0,
                    "the dead run's processes still live: \(Harness.pids(in: pids))")
        }

        @Test(.enabled(if: canUse("CgroupTests.leftoverWithKillOrphansOffIsKeptThenRemoved")))
        func leftoverWithKillOrphansOffIsKeptThenRemoved() throws {
            let (out, report) = try Harness.sandboxReport(["--set", "cgroup.enabled=true", "--set", "process.kill_orphans=false"],
                                                          ["sh", "-c", "sleep 1 & exit 0"])
            #expect(out.status == 0, "\(out)")
            let cgroup = try Self.cgroupSection(report)
            #expect(cgroup["removed"] as? Bool == false, "the sleep still runs in it: \(cgroup)")
            let paths = try #require(cgroup["paths"] as? [String: String])
            #expect(paths["unified"]?.hasSuffix("-keep") == true, "\(paths)")
            // Once the sleep is gone, the next run removes it; it is never killed.
            let unified = try #require(Self.layout.unifiedMount) + paths["unified"]!
            let emptied = Harness.waitUntil(timeout: 10) {
                let events = try? String(contentsOfFile: unified + "/cgroup.events", encoding: .utf8)
                return events.map { $0.contains("populated 0") } ?? true
            }
            #expect(emptied.0)
            _ = try Harness.sandbox(["run", "-q", "--set", "cgroup.enabled=true", "--", "true"])
            #expect(!FileManager.default.fileExists(atPath: unified), "\(unified) left behind")
        }

        @Test(.enabled(if: canUse("CgroupTests.noCgroupWorkWithoutCgroupKeys")))
        func noCgroupWorkWithoutCgroupKeys() throws {
            let strace = try #require(Harness.tool("strace"))
            let dir = try TemporaryDirectory()
            let log = dir.file("log")
            let out = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=%file", try Harness.sandbox, "run", "-q", "--", "true"])
            #expect(out.status == 0, "\(out)")
            let text = try String(contentsOfFile: log, encoding: .utf8)
            let touched = text.split(separator: "\n").filter { $0.contains("/sys/fs/cgroup") || $0.contains("/proc/self/cgroup") }
            #expect(touched.isEmpty, "a run without [cgroup] touched cgroups:\n\(touched.joined(separator: "\n"))")
        }

        /// The cgroups are made with the plan (LaunchPlan): a plan that is released without being run leaves
        /// none behind.
        @Test(.enabled(if: canUse("CgroupTests.cgroupsMadeAheadGoWithTheirPlan")))
        func cgroupsMadeAheadGoWithTheirPlan() throws {
            let profile = try ProfileResolver(environment: [:]).resolve(["default"], overrides: ["cgroup.memory=\"64MiB\"", "cgroup.processes=50"])
            var plan: LaunchPlan? = try LaunchPlan(compiled: CompiledProfile(profile: profile), command: ["true"])
            let directories = try #require(plan?.cgroup).directories.map(\.path)
            #expect(directories.count >= 3, "\(directories)")
            // Made already, with the limits written.
            #expect(directories.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(directories)")
            if let memory = try #require(plan?.cgroup).directory("memory") {
                let limit = try String(contentsOfFile: memory.path + "/memory.limit_in_bytes", encoding: .utf8)
                #expect(limit == "\(64 << 20)\n", "\(limit)")
            }
            plan = nil
            #expect(directories.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "left behind: \(directories)")
            // (A plan whose preparation fails after its cgroups were made takes them with it too: the
            // no-such-command runs of nothingLeftAfter100Runs, in a process of their own. Not checked here:
            // other tests of this process make cgroups of this pid at the same time.)
        }

        /// What a quiet run costs in cgroup work, seen with strace: the mkdirs by the supervisor (not the
        /// child), each relative to its parent's fd (no walk through sysfs's dentries), no access(2) probe of
        /// the parents, and at the end only the two files that decide limit_hit read (no pressure, cpu or I/O
        /// statistics nothing would print), while the limit holds and every cgroup made is removed, relative
        /// to its parent too.
        @Test(.enabled(if: canUse("CgroupTests.quietRunDoesOnlyTheCgroupWorkItNeeds")))
        func quietRunDoesOnlyTheCgroupWorkItNeeds() throws {
            let strace = try #require(Harness.tool("strace"))
            let dir = try TemporaryDirectory()
            let log = dir.file("log")
            // -y: the control files are opened relative to each cgroup's directory fd, which strace then
            // shows with its path (`openat(5</sys/fs/cgroup/pids/sandbox-…>, "pids.events", …)`).
            let out = try Harness.run(strace, ["-f", "-y", "-o", log, "-e", "trace=openat,access,mkdir,rmdir,mkdirat,unlinkat", try Harness.sandbox, "run", "-q",
                                               "--set", "cgroup.processes=20", "--set", "cgroup.memory=\"256MiB\"", "--", try Harness.probe, "forkloop"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout == "fork: errno EAGAIN (11) after 19\n", "the limit must hold: \(out)")
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
            let mainPid = try #require(lines.first?.split(separator: " ").first.map(String.init))
            let cgroupLines = lines.filter { $0.contains("/sys/fs/cgroup") }
            // A call strace saw begin while another process ran ends "<unfinished ...>": kept.
            // `mkdirat(7</sys/fs/cgroup/pids>, "sandbox-1234-0", 0755) = 0`: the directory made, as a path.
            func madeAt(_ line: String) -> String? {
                guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return nil }
                let name = line[close...].split(separator: "\"").dropFirst().first
                return name.map { String(line[line.index(after: open)..<close]) + "/" + $0 }
            }
            #expect(!cgroupLines.contains { $0.contains(" mkdir(\"") || $0.contains(" rmdir(\"") },
                    "walked by path:\n\(cgroupLines.joined(separator: "\n"))")
            let mkdirs = cgroupLines.filter { $0.contains(" mkdirat(") && !$0.contains("= -1") }
            #expect(mkdirs.count >= 3, "\(cgroupLines.joined(separator: "\n"))")
            #expect(!mkdirs.contains { madeAt($0)?.hasPrefix("/sys/fs/cgroup/blkio/") == true }, "blkio made for nothing: \(mkdirs.joined(separator: "\n"))")
            #expect(mkdirs.allSatisfy { $0.hasPrefix(mainPid + " ") }, "made by the child:\n\(mkdirs.joined(separator: "\n"))")
            #expect(!cgroupLines.contains { $0.contains(" access(") }, "\(cgroupLines.joined(separator: "\n"))")
            let reads = cgroupLines.filter { $0.contains("openat(") && $0.contains("O_RDONLY") && !$0.contains("O_DIRECTORY") }
            let names = Set(reads.compactMap { $0.split(separator: "\"").dropFirst().first?.split(separator: "/").last.map(String.init) })
            // (A run slower than the monitor's first tick, 100 ms, also opens the files of its live sampler.)
            let figuresOnly: Set<String> = ["memory.max_usage_in_bytes", "pids.peak", "cpu.pressure", "memory.pressure", "io.pressure"]
            #expect(names.isDisjoint(with: figuresOnly), "read for nothing: \(names.sorted())")
            #expect(names.contains("pids.events"), "limit_hit's file not read: \(names.sorted())")
            let made = mkdirs.compactMap(madeAt)
            let removed = Set(cgroupLines.filter { $0.contains(" unlinkat(") && $0.contains("AT_REMOVEDIR") && $0.hasSuffix("= 0") }.compactMap(madeAt))
            #expect(made.allSatisfy(removed.contains), "not removed: \(made.filter { !removed.contains($0) })")
        }

        @Test(.enabled(if: Condition.canDropToNobody("CgroupTests.nobodyWithoutDelegation")))
        func nobodyWithoutDelegation() throws {
            guard Self.canUse("CgroupTests.nobodyWithoutDelegation") else { return }
            let install = try UnprivilegedTests.Install()
            let out = try install.run(["run", "-q", "--set", "cgroup.memory=\"64MiB\"", "--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.hasPrefix("sandbox: cgroup: not available: "), "\(out)")
            #expect(out.stderr.contains("not writable by uid \(getpwnam("nobody")!.pointee.pw_uid): nothing is delegated"), "\(out)")
            #expect(out.stderr.contains("Delegate=yes"), "the fix is named: \(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out)")
            let (ok, report) = try install.report(["--set", "cgroup.memory=\"64MiB\"", "--set", "best_effort=[\"cgroup\"]"], ["true"])
            #expect(ok.status == 0, "\(ok)")
            let notEnforced = report.raw["not_enforced"] as? [String] ?? []
            #expect(notEnforced.contains { $0.hasPrefix("cgroup (") && $0.contains("nothing is delegated") }, "\(report.raw)")
            #expect(report.raw["cgroup"] == nil, "no cgroup section when none was made")
        }
    }
}
