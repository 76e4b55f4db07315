import Foundation
import SandboxCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The live monitor with the other features of a run: figures from the run's cgroup, the control
    /// socket behind a mount namespace, `stop` and the process list through a PID-namespace init, and the
    /// syscall audit's running count in `top`.
    @Suite struct MonitorIntegrationTests {
        typealias M = MonitorTests

        static func topJSON(_ id: String) throws -> [String: Any] {
            let out = try Harness.sandbox(["top", "--once", "--json", id])
            #expect(out.status == 0, "\(out)")
            return try #require(try M.json(out.stdout) as? [String: Any], "\(out)")
        }

        static func text(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// With `cgroup.memory` the figures are the cgroup's: `top` agrees with the cgroup's own files read
        /// by the test around it, shows the limit, and the report's timeline names its source.
        @Test(.enabled(if: CgroupTests.canUse("MonitorIntegrationTests.topAndTheTimelineComeFromTheCgroup")))
        func topAndTheTimelineComeFromTheCgroup() throws {
            let python = try Harness.python3
            let dir = try TemporaryDirectory()
            let (process, id) = try M.start(["-q", "--report", dir.file("r.json"), "--set", "cgroup.memory=\"96MiB\""],
                                            [python, "-c", "x = bytearray(32 << 20)\nwhile True: pass"])
            var ended = false
            defer { if !ended { _ = try? M.end(process) } }
            let layout = CgroupTests.layout
            let cgroups = CgroupTests.cgroups(of: process.pid)
            func beneath(_ parent: String?) -> String? { parent.flatMap { p in cgroups.first { $0.hasPrefix(p + "/") } } }
            let memoryDir = try #require(beneath(layout.hierarchy("memory")?.directory), "no memory cgroup in \(cgroups)")
            let unifiedDir = beneath(layout.unifiedDirectory)
            let procsDir = try #require(unifiedDir ?? beneath(layout.hierarchy("pids")?.directory))
            // The cgroup's CPU time as the sampler reads it: cgroup2 cpu.stat, else v1 cpuacct.usage.
            func cpu() throws -> Double {
                if let stat = unifiedDir.flatMap({ Self.text($0 + "/cpu.stat") }),
                   let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("usage_usec ") }) {
                    return try #require(Double(line.split(separator: " ")[1])) / 1e6
                }
                let cpuacct = try #require(beneath(layout.hierarchy("cpuacct")?.directory))
                return try #require(Self.text(cpuacct + "/cpuacct.usage").flatMap(Double.init)) / 1e9
            }
            func memory() throws -> Int { try #require(Self.text(memoryDir + "/memory.usage_in_bytes").flatMap { Int($0) }) }
            func procs() -> [Int] { (Self.text(procsDir + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int($0) } }
            // Let the allocation finish (the usage then stays put).
            _ = Harness.waitUntil(timeout: 10) { ((try? memory()) ?? 0) > 32 << 20 }
            let before = (cpu: try cpu(), memory: try memory(), procs: procs())
            let top = try Self.topJSON(id)
            let after = (cpu: try cpu(), memory: try memory(), procs: procs())
            #expect(top["sampler"] as? String == "cgroup", "\(top)")
            #expect(top["memory_limit_bytes"] as? Int == 96 << 20, "\(top)")
            let topCPU = try #require(top["cpu_seconds"] as? Double)
            #expect(topCPU >= before.cpu - 0.001 && topCPU <= after.cpu + 0.001, "top \(topCPU) s, cgroup \(before.cpu)...\(after.cpu) s")
            let rss = try #require(top["rss_bytes"] as? Int)
            let low = Double(min(before.memory, after.memory)) * 0.98, high = Double(max(before.memory, after.memory)) * 1.02
            #expect(Double(rss) >= low && Double(rss) <= high, "top \(rss) B, cgroup \(before.memory)...\(after.memory) B")
            #expect(before.procs == after.procs && top["pids"] as? [Int] == before.procs, "top \(top["pids"] ?? "-"), cgroup.procs \(before.procs)")
            #expect(top["processes"] as? Int == before.procs.count && before.procs.count == 1)
            let plain = try Harness.sandbox(["top", "--once", id])
            #expect(plain.stdout.contains(" / 96.0 MiB"), "\(plain)")
            // The timeline: the cgroup's, and its peak no higher than the cgroup's own high-water mark.
            let stop = try Harness.sandbox(["stop", id])
            #expect(stop.status == 0, "\(stop)")
            _ = try process.wait(timeout: 20)
            ended = true
            let report = try #require(try M.json(try String(contentsOfFile: dir.file("r.json"), encoding: .utf8)) as? [String: Any])
            let timeline = try #require(report["timeline"] as? [String: Any])
            #expect(timeline["source"] as? String == "cgroup", "\(timeline)")
            let peak = try #require(timeline["peak_rss_bytes"] as? Int)
            let cgroupPeak = try #require((report["cgroup"] as? [String: Any])?["memory_peak_bytes"] as? Int)
            #expect(peak > 32 << 20 && peak <= cgroupPeak, "timeline peak \(peak), cgroup peak \(cgroupPeak)")
        }

        /// A run without a cgroup still samples /proc, and says so.
        @Test func withoutACgroupTheSourceIsProc() throws {
            let (process, id) = try M.start(["-q"], ["sleep", "30"])
            defer { _ = try? M.end(process) }
            let top = try Self.topJSON(id)
            #expect(top["sampler"] as? String == "proc", "\(top)")
            #expect(top["syscalls"] is NSNull && top["syscalls_per_second"] is NSNull, "not audited: \(top)")
        }

        /// With a mount namespace the user's run directory is hidden from the command (an empty directory),
        /// whether the profile hides /run itself or not; the host sees the socket meanwhile.
        @Test(arguments: [["--set", "namespaces.mount=true", "--set", "filesystem.hide=[\"/run\"]"], ["-p", "ci"]])
        func theCommandCannotReachTheSocketBehindAMountNamespace(_ options: [String]) throws {
            let dir = RunDirectory.path()
            let (process, id) = try M.start(["-q"] + options, ["sh", "-c", "sleep 1; ls -a \(dir)/ 2>&1; echo \"ls $?\""])
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(id).sock"), "the host has no socket for \(id)")
            let out = try process.wait(timeout: 20)
            #expect(out.status == 0, "\(out)")
            #expect(!out.stdout.contains(".sock") && !out.stdout.contains(id), "the command saw the run directory: \(out)")
        }

        /// Through the PID-namespace init: `stop` ends the run with 143 and both sides report it; `top`
        /// counts the init as one of the processes and names the command's pid inside and on the host.
        @Test func stopAndTheProcessListThroughAPIDNamespace() throws {
            let dir = try TemporaryDirectory()
            let report = dir.file("report.json")
            let (process, id) = try M.start(["--report", report, "--set", "namespaces.pid=true"], ["sleep", "60"])
            let top = try Self.topJSON(id)
            let initPid = try #require(top["init_pid"] as? Int, "\(top)")
            let commandPid = try #require(top["command_pid"] as? Int)
            #expect(M.children(of: process.pid) == [pid_t(initPid)], "the init is the supervisor's child")
            #expect(M.children(of: pid_t(initPid)) == [pid_t(commandPid)], "the command is the init's child")
            let status = try String(contentsOfFile: "/proc/\(commandPid)/status", encoding: .utf8)
            let nspid = status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.split(whereSeparator: { $0 == "\t" || $0 == " " })
            #expect(nspid.map { $0.count == 3 && Int($0[1]) == commandPid && Int($0[2]) == top["command_pid_inside"] as? Int } == true,
                    "\(nspid ?? []) vs \(top)")
            #expect(top["processes"] as? Int == 2 && top["pids"] as? [Int] == [initPid, commandPid], "init and command: \(top)")
            let ps = try Harness.sandbox(["ps"])
            #expect(ps.stdout.contains("\(commandPid) (\(top["command_pid_inside"] ?? "?") inside)"), "\(ps)")
            let stop = try Harness.sandbox(["stop", id])
            let run = try process.wait(timeout: 20)
            #expect(stop.stdout == "\(id): stopped, exit status 143 (signaled)\n", "\(stop)")
            #expect(run.status == 143, "\(run)")
            #expect(run.stderr.contains("stopped      by uid 0 (sandbox stop, SIGTERM)"), "\(run)")
            let json = try #require(try M.json(try String(contentsOfFile: report, encoding: .utf8)) as? [String: Any])
            #expect((json["stopped_by"] as? [String: Any])?["uid"] as? Int == 0)
            #expect((json["exit"] as? [String: Any])?["status"] as? Int == 143)
        }

        /// A process inside a PID namespace is still refused: SO_PEERCRED gives its pid in the supervisor's
        /// namespace, whose ancestry leads to the supervisor.
        @Test func aCommandInAPIDNamespaceMayNotUseTheSocket() throws {
            let sandbox = try Harness.sandbox
            // Its own run, by a token in its command line (not another run that happens to be listed).
            let token = "run-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            let out = try Harness.sandbox(["run", "-q", "--set", "namespaces.pid=true", "--", "sh", "-c",
                                           ": \(token); while [ -z \"$id\" ]; do id=$(\(sandbox) ps | awk '/\(token)/ {print $1}' | tail -1); done; "
                                           + "\(sandbox) stop --grace 0 $id; echo status $?"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stderr.contains("a process inside a sandbox may not use a control socket"), "\(out)")
            #expect(out.stdout.contains("status 125"), "\(out)")
        }

        /// Audited runs: `syscalls` is the audit's running count (it grows while the command runs, and the
        /// report's total at the end is at least what `top` said), with either mechanism.
        @Test(arguments: ["ebpf", "seccomp-notify"])
        func topCountsSyscallsWhenAudited(_ mechanism: String) throws {
            let dir = try TemporaryDirectory()
            let (process, id) = try M.start(["-q", "-p", "audit", "--report", dir.file("r.json"), "--set", "audit.mechanism=\"\(mechanism)\""],
                                            ["sh", "-c", "while :; do /bin/true; done"])
            var ended = false
            defer { if !ended { _ = try? M.end(process) } }
            let first = try #require(try Self.topJSON(id)["syscalls"] as? Int)
            var second = first
            let (grew, _) = Harness.waitUntil(timeout: 10) {
                let top = try? Self.topJSON(id)
                second = top?["syscalls"] as? Int ?? first
                return second > first
            }
            #expect(grew, "syscalls stayed at \(first)")
            let top = try Self.topJSON(id)
            #expect((top["syscalls_per_second"] as? Double ?? 0) > 0, "\(top)")
            _ = try Harness.sandbox(["stop", id])
            _ = try process.wait(timeout: 20)
            ended = true
            let report = try #require(try M.json(try String(contentsOfFile: dir.file("r.json"), encoding: .utf8)) as? [String: Any])
            let audit = try #require(report["audit"] as? [String: Any])
            #expect(audit["mechanism"] as? String == mechanism)
            let total = try #require(audit["total_calls"] as? Int)
            #expect(total >= (top["syscalls"] as? Int ?? .max), "report \(total), top \(top["syscalls"] ?? "-")")
        }
    }
}
