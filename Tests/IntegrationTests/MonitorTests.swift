import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The live monitor: `sandbox ps/top/stop/events` against real supervisors, over their control
    /// sockets; the timeline in the report; the HTML report in a real browser.
    @Suite struct MonitorTests {
        /// `sandbox run --print-id ARGS -- COMMAND` in the background, and its run id once the socket listens.
        static func start(_ options: [String], _ command: [String], via install: UnprivilegedTests.Install? = nil,
                          environment: [String: String?] = [:]) throws -> (SpawnedProcess, String) {
            let args = ["run", "--print-id"] + options + ["--"] + command
            let process: SpawnedProcess
            if let install {
                let setpriv = try #require(Harness.tool("setpriv"))
                process = try Harness.start(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--",
                                                      install.sandbox] + args, environment: environment)
            } else {
                process = try Harness.start(try Harness.sandbox, args, environment: environment)
            }
            var id: String?
            _ = Harness.waitUntil(timeout: 10) {
                id = process.stderrSoFar.split(separator: "\n").first.map(String.init).flatMap { $0.count == 8 ? $0 : nil }
                return id != nil
            }
            guard let id else { throw HarnessError("no run id printed: \(process.stderrSoFar)") }
            return (process, id)
        }

        static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

        static func psEntries() throws -> [[String: Any]] {
            let out = try Harness.sandbox(["ps", "--json"])
            guard out.status == 0, let list = try json(out.stdout) as? [[String: Any]] else { throw HarnessError("ps --json: \(out)") }
            return list
        }

        /// The children of `pid`, from /proc.
        static func children(of pid: pid_t) -> [pid_t] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return tasks.flatMap { task in
                ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ").compactMap { pid_t($0) }
            }
        }

        /// Ends a background run politely (SIGTERM, forwarded to the command) so it removes its socket.
        static func end(_ process: SpawnedProcess) throws -> ProcessOutput {
            process.signal(SIGTERM)
            return try process.wait(timeout: 20)
        }

        @Test func threeConcurrentRunsAppearInPs() throws {
            let profiles = ["default", "strict", "audit"]
            var runs: [(SpawnedProcess, String, String)] = []
            for profile in profiles {
                let (process, id) = try Self.start(["-q", "-p", profile], ["sleep", "30"])
                runs.append((process, id, profile))
            }
            let entries = try Self.psEntries()
            let table = try Harness.sandbox(["ps"])
            #expect(table.status == 0, "\(table)")
            for (process, id, profile) in runs {
                let entry = try #require(entries.first { $0["id"] as? String == id }, "\(id) not in \(entries)")
                #expect(entry["supervisor_pid"] as? Int == Int(process.pid))
                #expect(entry["profile"] as? String == profile)
                let commandPid = try #require(entry["command_pid"] as? Int)
                #expect(Self.children(of: process.pid).contains(pid_t(commandPid)), "command pid \(commandPid) is not the supervisor's child")
                #expect(entry["command"] as? [String] == ["sleep", "30"])
                #expect(entry["processes"] as? Int == 1, "\(entry)")
                #expect(table.stdout.contains(id) && table.stdout.contains(" \(process.pid) "), "\(table.stdout)")
            }
            for (process, _, _) in runs { _ = try Self.end(process) }
            let after = try Self.psEntries().compactMap { $0["id"] as? String }
            for (_, id, _) in runs { #expect(!after.contains(id), "\(id) still listed after it ended") }
        }

        @Test func topAgreesWithProc() throws {
            let python = try Harness.python3
            // One process: 48 MiB touched, then a busy loop.
            let (process, id) = try Self.start(["-q", "-p", "default"], [python, "-c", "x = bytearray(48 << 20)\nwhile True: pass"])
            defer { _ = try? Self.end(process) }
            let entry = try #require(try Self.psEntries().first { $0["id"] as? String == id })
            let pid = try #require(entry["command_pid"] as? Int)
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK))), page = Int(sysconf(Int32(_SC_PAGESIZE)))
            func procFigures() throws -> (cpu: Double, rss: Int) {
                let stat = try #require(ProcStat(try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)))
                let cpu = (11...14).compactMap { Double(stat.fields[$0]) }.reduce(0, +) / ticks
                let statm = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8).split(separator: " ")
                return (cpu, Int(statm[1])! * page)
            }
            // Let the allocation finish (the RSS then stays put).
            _ = Harness.waitUntil(timeout: 10) { ((try? procFigures().rss) ?? 0) > 48 << 20 }
            let before = try procFigures()
            let out = try Harness.sandbox(["top", "--once", "--json", id])
            let after = try procFigures()
            #expect(out.status == 0, "\(out)")
            let lines = out.stdout.split(separator: "\n")
            #expect(lines.count == 1, "\(out)")
            let top = try #require(try Self.json(String(lines.first ?? "")) as? [String: Any])
            let cpu = try #require(top["cpu_seconds"] as? Double)
            // Cumulative CPU read between two /proc reads lies between them (clock-tick granularity).
            #expect(cpu >= before.cpu - 0.011 && cpu <= after.cpu + 0.011, "top \(cpu) s, /proc \(before.cpu)...\(after.cpu) s")
            let rss = try #require(top["rss_bytes"] as? Int)
            let low = Double(min(before.rss, after.rss)) * 0.98, high = Double(max(before.rss, after.rss)) * 1.02
            #expect(Double(rss) >= low && Double(rss) <= high, "top \(rss) B, /proc \(before.rss)...\(after.rss) B")
            #expect(top["processes"] as? Int == 1)
            #expect(top["pids"] as? [Int] == [pid])
            let percent = try #require(top["cpu_percent"] as? Double)
            #expect(percent > 0 && percent <= 100 * Double(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 5, "\(percent)")
            // The plain form: a header and one row, no cursor control (stdout is a file).
            let plain = try Harness.sandbox(["top", "--once", id])
            #expect(plain.status == 0 && !plain.stdout.contains("\u{1B}"), "\(plain)")
            #expect(plain.stdout.split(separator: "\n").count == 2 && plain.stdout.contains(id), "\(plain)")
            // argv is shown with its newline escaped: it cannot forge a row or reach the terminal raw.
            #expect(plain.stdout.contains("bytearray(48 << 20)\\nwhile True: pass"), "\(plain)")
        }

        @Test func stopEndsTheRunWith143AndBothSidesSayIt() throws {
            let dir = try TemporaryDirectory()
            let report = dir.file("report.json")
            let (process, id) = try Self.start(["--report", report], ["sleep", "60"])
            let stop = try Harness.sandbox(["stop", id])
            let run = try process.wait(timeout: 20)
            #expect(stop.status == 0, "\(stop)")
            #expect(stop.stdout == "\(id): stopped, exit status 143 (signaled)\n", "\(stop)")
            #expect(run.status == 143, "\(run)")
            #expect(run.stderr.contains("stopped      by uid 0 (sandbox stop, SIGTERM)"), "\(run)")
            let json = try #require(try Self.json(try String(contentsOfFile: report, encoding: .utf8)) as? [String: Any])
            let stoppedBy = try #require(json["stopped_by"] as? [String: Any])
            #expect(stoppedBy["uid"] as? Int == 0 && stoppedBy["signal"] as? String == "SIGTERM")
            #expect((json["exit"] as? [String: Any])?["status"] as? Int == 143)
            #expect(json["run_id"] as? String == id)
        }

        @Test func stopKillsAfterTheGrace() throws {
            // The shell and its sleep ignore SIGTERM (an ignored signal stays ignored across exec).
            let (process, id) = try Self.start(["-q"], ["sh", "-c", "trap '' TERM; sleep 60; sleep 60"])
            let stop = try Harness.sandbox(["stop", "--grace", "300ms", id])
            let run = try process.wait(timeout: 20)
            #expect(stop.stdout.contains("exit status 137"), "\(stop)")
            #expect(run.status == 137, "\(run)")
        }

        @Test func eventsStreamAFileWrittenInside() throws {
            let dir = try TemporaryDirectory()
            let trigger = dir.file("trigger"), written = dir.file("written.txt")
            let (process, id) = try Self.start(["-q", "--set", "watch.enabled=true"],
                                               ["sh", "-c", "while [ ! -e \(trigger) ]; do sleep 0.05; done; echo hi > \(written); sleep 0.3"])
            let events = try Harness.start(try Harness.sandbox, ["events", id])
            // Subscribed once the supervisor counts a subscriber.
            let (subscribed, _) = Harness.waitUntil(timeout: 10) {
                (try? Self.psEntries().first { $0["id"] as? String == id }?["subscribers"] as? Int) == 1
            }
            #expect(subscribed)
            FileManager.default.createFile(atPath: trigger, contents: nil)
            let out = try events.wait(timeout: 20)
            let run = try process.wait(timeout: 20)
            #expect(out.status == 0 && run.status == 0, "\(out)\n\(run)")
            let records = try out.stdout.split(separator: "\n").map { try #require(try Self.json(String($0)) as? [String: Any]) }
            #expect(records.contains { $0["path"] as? String == written && ["create", "write"].contains($0["op"] as? String ?? "") }, "\(out.stdout)")
            let last = try #require(records.last)
            #expect(last["op"] as? String == "end" && last["status"] as? Int == 0, "\(out.stdout)")
            // The file records are the ones --trace-files writes: time, pid, op, path.
            let file = try #require(records.first { $0["path"] as? String == written })
            #expect(Set(file.keys) == ["time", "pid", "op", "path"])
        }

        @Test(.enabled(if: Condition.canDropToNobody("MonitorTests.nobodyCannotReachRootsRuns")))
        func nobodyCannotReachRootsRuns() throws {
            let install = try UnprivilegedTests.Install()
            let (process, id) = try Self.start(["-q"], ["sleep", "60"])
            defer { _ = try? Self.end(process) }
            let socket = "/run/sandbox/\(id).sock"
            let ps = try install.run(["ps", "--json"])
            #expect(ps.status == 0 && !ps.stdout.contains(id), "\(ps)")
            for args in [["stop", id], ["events", id], ["top", "--once", id]] {
                let out = try install.run(args)
                #expect(out.status == 1 && out.stderr.hasPrefix("sandbox: no such run: \(id)") && out.stderr.split(separator: "\n").count == 1, "\(args): \(out)")
            }
            let direct = try install.run(["stop", socket])
            #expect(direct.status == 125 && direct.stderr.contains("permission denied"), "\(direct)")
            // Even with the directory and socket opened up (a mistake), the supervisor's SO_PEERCRED check refuses.
            chmod("/run/sandbox", 0o711)
            chmod(socket, 0o666)
            let refused = try install.run(["stop", socket])
            let signal = try install.run(["events", socket])
            chmod(socket, 0o600)
            chmod("/run/sandbox", 0o700)
            #expect(refused.status == 125 && refused.stderr.contains("uid \(getpwnam("nobody")!.pointee.pw_uid) may not control this run"), "\(refused)")
            #expect(signal.status == 125, "\(signal)")
            #expect(Harness.isAlive(process.pid), "the run survived")
            let entry = try #require(try Self.psEntries().first { $0["id"] as? String == id })
            #expect(Harness.isAlive(pid_t(entry["command_pid"] as? Int ?? 0)))
        }

        @Test(.enabled(if: Condition.canDropToNobody("MonitorTests.rootSeesNobodysRuns")))
        func rootSeesAndStopsNobodysRuns() throws {
            let install = try UnprivilegedTests.Install()
            let report = install.work.file("nobody-report.json")
            let (process, id) = try Self.start(["-q", "--report", report], ["sleep", "60"], via: install,
                                               environment: ["XDG_RUNTIME_DIR": nil])
            let entry = try #require(try Self.psEntries().first { $0["id"] as? String == id }, "root's ps does not list nobody's run")
            #expect(entry["uid"] as? Int == Int(getpwnam("nobody")!.pointee.pw_uid))
            let own = try install.run(["ps"])
            #expect(own.stdout.contains(id), "nobody lists its own run: \(own)")
            let stop = try Harness.sandbox(["stop", id])
            let run = try process.wait(timeout: 20)
            #expect(stop.status == 0 && stop.stdout.contains("exit status 143"), "\(stop)")
            #expect(run.status == 143, "\(run)")
            let json = try #require(try Self.json(try String(contentsOfFile: report, encoding: .utf8)) as? [String: Any])
            #expect((json["stopped_by"] as? [String: Any])?["uid"] as? Int == 0)
            // nobody's directory (no XDG_RUNTIME_DIR here), empty again.
            rmdir("/tmp/sandbox-\(getpwnam("nobody")!.pointee.pw_uid)")
        }

        @Test func aStaleSocketOfAKilledSupervisorIsCleaned() throws {
            var ids: [String] = []
            for _ in 0..<2 {
                let (process, id) = try Self.start(["-q"], ["sleep", "60"])
                process.signal(SIGKILL)
                _ = try? process.wait(timeout: 10)
                ids.append(id)
            }
            for id in ids { #expect(FileManager.default.fileExists(atPath: "/run/sandbox/\(id).sock"), "SIGKILL leaves the socket") }
            // A client naming a dead run says so and removes it.
            let stop = try Harness.sandbox(["stop", ids[0]])
            #expect(stop.status == 125 && stop.stderr.contains("has ended") && stop.stderr.split(separator: "\n").count == 1, "\(stop)")
            #expect(!FileManager.default.fileExists(atPath: "/run/sandbox/\(ids[0]).sock"))
            // ps removes the other.
            let ps = try Harness.sandbox(["ps"])
            #expect(ps.status == 0 && !ps.stdout.contains(ids[1]), "\(ps)")
            #expect(!FileManager.default.fileExists(atPath: "/run/sandbox/\(ids[1]).sock"))
            #expect(!FileManager.default.fileExists(atPath: "/run/sandbox/\(ids[1]).json"))
        }

        @Test func theTimelineIsInTheReportAndItsPeakAgreesWithTheUsage() throws {
            let python = try Harness.python3
            // One process holding 64 MiB for over a second: the sampled tree RSS (this one process) and
            // getrusage's maxrss (the largest process's high-water mark) describe the same memory.
            let (out, report) = try Harness.sandboxReport([], [python, "-c", "import time\nx = bytearray(64 << 20)\ntime.sleep(1.3)"])
            #expect(out.status == 0, "\(out)")
            let timeline = try #require(report.raw["timeline"] as? [String: Any])
            let samples = try #require(timeline["samples"] as? [[Double]])
            #expect(samples.count >= 5 && samples.count <= 2000, "\(samples.count) samples")
            #expect(timeline["fields"] as? [String] == ["time", "cpu_percent", "rss_bytes", "processes", "read_bytes", "write_bytes"])
            let peak = try #require(timeline["peak_rss_bytes"] as? Int)
            #expect(peak == Int(samples.map { $0[2] }.max() ?? 0))
            let maxRSS = Double(report.usage.maxRssBytes)
            #expect(abs(Double(peak) - maxRSS) <= maxRSS * 0.05, "timeline peak \(peak), usage max_rss \(maxRSS)")
            // A tree: the timeline sums its processes; usage names the largest one only.
            let (treeOut, tree) = try Harness.sandboxReport([], ["sh", "-c", "\(python) -c 'import time; x = bytearray(32 << 20); time.sleep(1.2)' & "
                                                                 + "\(python) -c 'import time; x = bytearray(32 << 20); time.sleep(1.2)'; wait"])
            #expect(treeOut.status == 0, "\(treeOut)")
            let treePeak = try #require((tree.raw["timeline"] as? [String: Any])?["peak_rss_bytes"] as? Int)
            #expect(Double(treePeak) > Double(tree.usage.maxRssBytes) * 1.5, "sum \(treePeak) vs largest \(tree.usage.maxRssBytes)")
        }

        @Test func theSummaryHasSparklinesForARunOverASecond() throws {
            let out = try Harness.sandbox(["run", "--", "sleep", "1.3"])
            #expect(out.status == 0, "\(out)")
            let cpu = out.stderr.split(separator: "\n").first { $0.hasPrefix("  cpu   ") }
            let memory = out.stderr.split(separator: "\n").first { $0.hasPrefix("  memory ") }
            #expect(cpu.map { $0.contains { "▁▂▃▄▅▆▇█".contains($0) } } == true, "\(out)")
            #expect(memory.map { $0.contains("peak") } == true, "\(out)")
            let short = try Harness.sandbox(["run", "--", "true"])
            #expect(!short.stderr.contains("  memory "), "\(short)")
        }

        @Test func theCommandNeitherHoldsNorMayUseTheSocket() throws {
            let sandbox = try Harness.sandbox
            // Inside a run: no socket descriptor; asking sandbox to stop a run from inside is refused.
            // Its own run, found by a token in its command line: another run listed (a suite running beside
            // this one) is not ours to stop.
            let token = "run-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c",
                                           ": \(token); ls -l /proc/self/fd/; while [ -z \"$id\" ]; do id=$(\(sandbox) ps | awk '/\(token)/ {print $1}' | tail -1); done; "
                                           + "\(sandbox) stop --grace 0 $id; echo status $?"])
            #expect(out.status == 0, "\(out)")
            #expect(!out.stdout.contains("socket:"), "\(out)")
            #expect(out.stderr.contains("a process inside a sandbox may not use a control socket"), "\(out)")
            #expect(out.stdout.contains("status 125"), "\(out)")
        }

        /// A command of a run whose registration the target cannot see (another build of sandbox, at
        /// another path, with a run directory of its own) is refused too, by its supervisor's name. Before
        /// that mark it was let in, and stopped the other run.
        @Test func aCommandOfAnotherBuildMayNotUseTheSocket() throws {
            let sandbox = try Harness.sandbox
            let dir = try TemporaryDirectory()
            let other = dir.file("other-build")
            try FileManager.default.copyItem(atPath: sandbox, toPath: other)
            let runtime = dir.file("runtime")
            try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let (target, id) = try Self.start(["-q"], ["sleep", "30"])
            defer { target.signal(SIGKILL); _ = try? target.wait() }
            // The command reaches the target's run directory; its own supervisor registers elsewhere.
            let targetRuntime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"]
            let reach = targetRuntime.map { ["env", "XDG_RUNTIME_DIR=\($0)"] } ?? ["env", "-u", "XDG_RUNTIME_DIR"]
            let out = try Harness.run(other, ["run", "-q", "--"] + reach + [sandbox, "stop", "--grace", "0", id],
                                      environment: ["XDG_RUNTIME_DIR": runtime])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("a process inside a sandbox may not use a control socket"), "\(out)")
            #expect(try Self.psEntries().contains { $0["id"] as? String == id }, "the target run was stopped: \(out)")
        }

        @Test func badFlagsAndIdsGetOneLineAndTheRightStatus() throws {
            let cases: [([String], Int32, String)] = [
                (["stop", "xyz"], 125, "not a run id"),
                (["stop", "deadbeef"], 1, "no such run: deadbeef"),
                (["events", "0123abcd"], 1, "no such run"),
                (["top", "--once", "nothex!!"], 125, "not a run id"),
                (["top", "--interval", "0", "--once"], 125, "--interval 0"),
                (["top", "--interval", "soon"], 125, "not a duration"),
                (["stop", "--signal", "FOO", "deadbeef"], 125, "unknown signal"),
                (["stop", "--grace", "x", "deadbeef"], 125, "--grace x"),
                (["stop"], 125, "Missing expected argument"),
                (["ps", "--bogus"], 125, "Unknown option"),
                (["events", "/nonexistent/x.sock"], 1, "no such run"),
            ]
            for (args, status, text) in cases {
                let out = try Harness.sandbox(args)
                #expect(out.status == status, "\(args): \(out)")
                #expect(out.stderr.contains(text) && out.stderr.split(separator: "\n").count == 1, "\(args): \(out)")
                #expect(out.stdout.isEmpty, "\(args): \(out)")
            }
            let help = try Harness.sandbox(["stop", "--help"])
            #expect(help.stdout.contains("1 when no run has that id"), "\(help)")
        }

        @Test func thePythonClientOfTheProtocolDocWorks() throws {
            let doc = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/docs/control-protocol.md", encoding: .utf8)
            let code = try #require(doc.components(separatedBy: "```python\n").dropFirst().first?.components(separatedBy: "```").first)
            #expect(code.split(separator: "\n").count <= 12, "the example stays short")
            let dir = try TemporaryDirectory()
            let script = try dir.write("client.py", code)
            let (process, id) = try Self.start(["-q"], ["sleep", "30"])
            defer { _ = try? Self.end(process) }
            let out = try Harness.run(try Harness.python3, [script, id])
            #expect(out.status == 0, "\(out)")
            let answer = try #require(try Self.json(out.stdout) as? [String: Any])
            #expect(answer["ok"] as? Bool == true && answer["id"] as? String == id && answer["processes"] as? Int == 1, "\(out)")
        }
    }
}
