import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// `[namespaces]` and `[network]` against the real kernel, as root and as `nobody`: the namespaces
    /// differ from the test runner's, PID 1 is our init (signals, statuses, `kill -9`), the hostname, only
    /// loopback, the uid/gid maps, `process.user`, and the refusals explained.
    @Suite struct NamespaceTests {
        static let all = ["user", "pid", "mount", "network", "ipc", "uts", "cgroup"].map { "--set=namespaces.\($0)=true" }
        static let procNames = ["user", "pid", "mnt", "net", "ipc", "uts", "cgroup"]

        /// `NAME link` for each /proc/self/ns entry, read inside.
        static let nsScript = procNames.map { "echo \($0) $(readlink /proc/self/ns/\($0))" }.joined(separator: "; ")

        /// The host's (the test runner's) namespace links.
        static func hostNamespaces() -> [String: String] {
            var result: [String: String] = [:]
            for name in procNames {
                result[name] = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(name)")
            }
            return result
        }

        static func parseNamespaces(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                if parts.count == 2 { result[parts[0]] = parts[1] }
            }
            return result
        }

        static func expectAllDiffer(_ out: ProcessOutput) {
            let host = hostNamespaces()
            let inside = parseNamespaces(out.stdout)
            for name in procNames {
                #expect(inside[name] != nil && inside[name] != host[name], "\(name): inside \(inside[name] ?? "-"), host \(host[name] ?? "-")\n\(out)")
            }
        }

        @Test(.enabled(if: Condition.root("NamespaceTests.everyNamespaceDiffersAsRoot")))
        func everyNamespaceDiffersAsRoot() throws {
            let out = try Harness.sandbox(["run", "-q"] + Self.all + ["--", "sh", "-c", Self.nsScript])
            #expect(out.status == 0, "\(out)")
            Self.expectAllDiffer(out)
        }

        @Test(.enabled(if: Condition.canDropToNobody("NamespaceTests.everyNamespaceDiffersAsNobody")))
        func everyNamespaceDiffersAsNobody() throws {
            let install = try UnprivilegedTests.Install()
            let out = try install.run(["run", "-q"] + Self.all + ["--", "sh", "-c", Self.nsScript])
            #expect(out.status == 0, "\(out)")
            Self.expectAllDiffer(out)
        }

        /// Without any namespace key nothing changes: every link is the host's.
        @Test func noNamespaceByDefault() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", Self.nsScript])
            #expect(Self.parseNamespaces(out.stdout) == Self.hostNamespaces(), "\(out)")
        }

        /// The command is pid 2 of its namespace (the init is 1), its NSpid has a second level, and the
        /// report says which pid is whose.
        @Test func commandIsPidTwoUnderOurInit() throws {
            let (out, report) = try Harness.sandboxReport(["--set=namespaces.pid=true"],
                                                          ["sh", "-c", "echo $$; grep NSpid /proc/self/status; cat /proc/1/status | grep -c ."])
            #expect(out.status == 0, "\(out)")
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "2", "\(out)")
            let nspid = lines.count > 1 ? lines[1].split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init) : []
            #expect(nspid.count == 2, "\(out)")
            #expect(report.namespaces?.applied.contains("pid") == true, "\(out)")
            #expect(report.namespaces?.commandPid == 2, "\(out)")
            // The init's host pid is the first NSpid of pid 1 of the namespace: it is not this process.
            #expect((report.namespaces?.initHostPid ?? 0) > 0 && report.namespaces?.initHostPid != Int(getpid()), "\(out)")
        }

        @Test func hostnameInTheUTSNamespace() throws {
            var host = [CChar](repeating: 0, count: 256)
            gethostname(&host, host.count)
            let out = try Harness.sandbox(["run", "-q", "--set=namespaces.uts=true", "--", "hostname"])
            #expect(out.stdout == "sandbox\n", "\(out)")
            let named = try Harness.sandbox(["run", "-q", "--set=namespaces.uts=true", "--set=namespaces.hostname=ci-runner", "--", "hostname"])
            #expect(named.stdout == "ci-runner\n", "\(named)")
            var after = [CChar](repeating: 0, count: 256)
            gethostname(&after, after.count)
            #expect(String(cString: after) == String(cString: host))
        }

        /// In the cgroup namespace the command's cgroups are its roots, in every hierarchy (v1 and v2).
        @Test func cgroupNamespaceRootsTheCommand() throws {
            let out = try Harness.sandbox(["run", "-q", "--set=namespaces.cgroup=true", "--", "sh", "-c",
                                           "readlink /proc/self/ns/cgroup; cat /proc/self/cgroup"])
            var lines = out.stdout.split(separator: "\n")
            // (Where the runner itself sits in root cgroups only, the link is what tells the namespace.)
            #expect(lines.first.map(String.init) != Self.hostNamespaces()["cgroup"], "\(out)")
            lines = Array(lines.dropFirst())
            #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix(":/") }, "\(out)")
        }

        /// A System V shared memory segment the test makes on the host is listed without an IPC namespace
        /// and not with one.
        @Test func ipcNamespaceHidesHostSegments() throws {
            let ipcmk = try #require(Harness.tool("ipcmk")), ipcrm = try #require(Harness.tool("ipcrm"))
            let made = try Harness.run(ipcmk, ["-M", "4096"])
            let id = try #require(made.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, "\(made)")
            defer { _ = try? Harness.run(ipcrm, ["-m", id]) }
            let listing = "while read key shmid rest; do echo $shmid; done < /proc/sysvipc/shm"
            let host = try Harness.sandbox(["run", "-q", "--", "sh", "-c", listing])
            #expect(host.stdout.split(separator: "\n").contains { $0 == id }, "\(host)")
            let isolated = try Harness.sandbox(["run", "-q", "--set=namespaces.ipc=true", "--", "sh", "-c", listing])
            #expect(isolated.status == 0 && !isolated.stdout.split(separator: "\n").contains { $0 == id }, "\(isolated)")
        }

        /// network.mode = "none": only lo, and it is up (probe `links` reads the namespace's own list).
        @Test(arguments: [["--net", "none"], ["--set=network.mode=none"], ["--set=namespaces.network=true"]])
        func onlyLoopbackAndUp(_ flags: [String]) throws {
            let out = try Harness.sandbox(["run", "-q"] + flags + ["--", try Harness.probe, "links"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout == "lo up\n", "\(out)")
        }

        /// As root the network namespace is made on a thread while the launch is prepared, and joined with
        /// setns (NetworkNamespaceAhead): every run is in one that is not the host's (the kernel may give a
        /// freed namespace's inode number to the next, so consecutive runs are not compared).
        @Test func eachRunGetsANewNetworkNamespace() throws {
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            let runs = try (0..<3).map { _ in try Harness.sandbox(["run", "-q", "--net", "none", "--", "readlink", "/proc/self/ns/net"]) }
            let seen = runs.map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(runs.allSatisfy { $0.status == 0 }, "\(runs)")
            #expect(seen.allSatisfy { $0.hasPrefix("net:[") && $0 != host }, "\(seen) host \(host)")
        }

        @Test(.enabled(if: Condition.canDropToNobody("NamespaceTests.onlyLoopbackAsNobody")))
        func onlyLoopbackAsNobody() throws {
            let install = try UnprivilegedTests.Install()
            let probe = install.directory.file("sandbox-probe")
            if link(try Harness.probe, probe) != 0 { try FileManager.default.copyItem(atPath: try Harness.probe, toPath: probe) }
            let out = try install.run(["run", "-q", "--net", "none", "--", probe, "links"])
            #expect(out.stdout == "lo up\n", "\(out)")
        }

        /// A server the test listens with on the host's loopback: reachable with the host network, not
        /// from a network namespace.
        @Test func hostLoopbackServerIsUnreachable() throws {
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #expect(server >= 0)
            defer { close(server) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) == 0 && getsockname(server, $0, &length) == 0 }
            }
            #expect(bound && listen(server, 8) == 0)
            let port = String(UInt16(bigEndian: addr.sin_port))
            let host = try Harness.sandbox(["run", "-q", "--", try Harness.probe, "connect", port])
            #expect(host.stdout == "connect(127.0.0.1): ok\n", "\(host)")
            let none = try Harness.sandbox(["run", "-q", "--net", "none", "--", try Harness.probe, "connect", port])
            #expect(none.stdout.hasPrefix("connect(127.0.0.1): errno ECONNREFUSED"), "\(none)")
        }

        /// Rootless: the caller maps to itself (setgroups denied), or to root with map_root.
        @Test(.enabled(if: Condition.canDropToNobody("NamespaceTests.idsInsideAsNobody")))
        func idsInsideAsNobody() throws {
            let install = try UnprivilegedTests.Install()
            let nobody = getpwnam("nobody")!.pointee.pw_uid
            let script = "grep -E '^(Uid|Gid):' /proc/self/status; cat /proc/self/uid_map /proc/self/setgroups"
            let plain = try install.run(["run", "-q", "--set=namespaces.user=true", "--", "sh", "-c", script])
            let status = ProcStatus(plain.stdout)
            #expect(status["Uid"] == Array(repeating: "\(nobody)", count: 4).joined(separator: "\t"), "\(plain)")
            #expect(plain.stdout.contains(Self.mapLine(nobody, nobody)), "\(plain)")
            #expect(plain.stdout.hasSuffix("deny\n"), "\(plain)")
            let root = try install.run(["run", "-q", "--set=namespaces.user=true", "--set=namespaces.map_root=true", "--", "sh", "-c", script])
            #expect(ProcStatus(root.stdout)["Uid"] == "0\t0\t0\t0", "\(root)")
            #expect(ProcStatus(root.stdout)["Gid"] == "0\t0\t0\t0", "\(root)")
            #expect(root.stdout.contains(Self.mapLine(0, nobody)), "\(root)")
            // process.user rootless: the caller's uid maps to that one.
            let other = try install.run(["run", "-q", "--set=process.user=\"12345\"", "--", "sh", "-c", script])
            #expect(ProcStatus(other.stdout)["Uid"] == "12345\t12345\t12345\t12345", "\(other)")
            #expect(other.stdout.contains(Self.mapLine(12345, nobody)), "\(other)")
        }

        static func mapLine(_ inside: UInt32, _ outside: UInt32) -> String {
            // uid_map pads each column to 10 characters.
            func pad(_ n: UInt32) -> String { String(repeating: " ", count: max(0, 10 - String(n).count)) + String(n) }
            return pad(inside) + " " + pad(outside) + " " + pad(1)
        }

        /// As root, process.user = "nobody": setresuid in the child, with or without a user namespace.
        @Test(.enabled(if: Condition.root("NamespaceTests.processUserNobodyAsRoot")), arguments: [[], ["--set=namespaces.user=true", "--set=namespaces.pid=true"]])
        func processUserNobodyAsRoot(_ extra: [String]) throws {
            let pw = getpwnam("nobody")!.pointee
            let (uid, gid) = (pw.pw_uid, pw.pw_gid)
            let out = try Harness.sandbox(["run", "-q", "--set=process.user=nobody"] + extra + ["--", "cat", "/proc/self/status"])
            let status = ProcStatus(out.stdout)
            #expect(status["Uid"] == "\(uid)\t\(uid)\t\(uid)\t\(uid)", "\(out)")
            #expect(status["Gid"] == "\(gid)\t\(gid)\t\(gid)\t\(gid)", "\(out)")
            #expect(status["Groups"] == "\(gid)", "\(out)")
            for set in ["CapInh", "CapPrm", "CapEff", "CapAmb", "CapBnd"] { #expect(status.capabilities(set) == 0, "\(set)\n\(out)") }
        }

        /// `kill -9` of sandbox: the child, a grandchild, a setsid daemon and a double-forked one all die
        /// within a second (without the PID namespace the last two survive: docs/security.md).
        @Test(.enabled(if: Condition.canDropToNobody("NamespaceTests.killMinus9KillsTheTree")), arguments: [false, true])
        func killMinus9KillsTheTree(asNobody: Bool) throws {
            let install = try UnprivilegedTests.Install()
            let dir = asNobody ? install.work : try TemporaryDirectory()
            let pids = dir.file("pids-\(UUID().uuidString)")
            // Each records its host pid (the first NSpid: /proc is the host's here) and sleeps.
            let record = try dir.write("record-\(UUID().uuidString).sh", """
                while read k v rest; do [ "$k" = NSpid: ] && echo $v >> \(pids); done < /proc/self/status
                exec sleep 300
                """, mode: 0o755)
            let script = """
                sh \(record) &
                (setsid sh \(record) &)
                sh -c 'sh \(record) & exec sleep 300' &
                (sh -c 'sh \(record) &' &)
                exec sleep 300
                """
            let args = ["run", "-q", "--set=namespaces.pid=true", "--", "sh", "-c", script]
            let sandbox: SpawnedProcess
            if asNobody {
                let setpriv = try #require(Harness.tool("setpriv"))
                sandbox = try Harness.start(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", install.sandbox] + args)
            } else {
                sandbox = try Harness.start(try Harness.sandbox, args)
            }
            let (ready, _) = Harness.waitUntil(timeout: 10) { Harness.pids(in: pids).count == 4 }
            let started = Harness.pids(in: pids)
            defer { started.forEach { kill($0, SIGKILL) } }
            #expect(ready, "the tree never started: \(started)")
            for pid in started { #expect(Harness.isAlive(pid)) }
            sandbox.signal(SIGKILL)
            _ = try sandbox.wait(timeout: 5)
            let (gone, after) = Harness.waitUntil(timeout: 3) { started.allSatisfy { !Harness.isAlive($0) } }
            #expect(gone, "still alive after sandbox was killed: \(started.filter(Harness.isAlive))")
            #expect(after < 1.0, "the tree took \(after) s to die")
        }

        /// Ctrl-C (SIGINT to sandbox) and other signals reach the command through the init.
        @Test(arguments: [(SIGINT, "INT", 43), (SIGTERM, "TERM", 42), (SIGUSR1, "USR1", 45)])
        func signalForwardedThroughInit(_ signal: Int32, _ name: String, _ code: Int32) throws {
            let dir = try TemporaryDirectory()
            let ready = dir.file("ready")
            let sandbox = try Harness.start(try Harness.sandbox, ["run", "-q", "--set=namespaces.pid=true", "--", "sh", "-c",
                                                                  "trap 'exit \(code)' \(name); echo $$ > \(ready); while :; do sleep 0.05; done"])
            let (seen, _) = Harness.waitUntil(timeout: 10) { !Harness.pids(in: ready).isEmpty }
            #expect(seen)
            sandbox.signal(signal)
            let out = try sandbox.wait(timeout: 10)
            #expect(out.status == code, "\(out)")
        }

        /// Exit statuses with the init in between: the command's code, 128+N for a signal (named as a
        /// signal in the report, not as an exit), the wall-clock limit (124) even when SIGTERM is ignored.
        @Test func exitStatusesThroughInit() throws {
            let pid = "--set=namespaces.pid=true"
            let (three, report3) = try Harness.sandboxReport([pid], ["sh", "-c", "exit 3"])
            #expect(three.status == 3 && report3.exit.reason == "exited", "\(three)")
            let (killed, reportKilled) = try Harness.sandboxReport([pid], ["sh", "-c", "kill -USR2 $$"])
            #expect(killed.status == 128 + SIGUSR2, "\(killed)")
            #expect(reportKilled.exit.signal == Int(SIGUSR2) && reportKilled.exit.reason == "signaled", "\(killed)")
            let timeout = try Harness.sandbox(["run", "-q", pid, "--timeout", "0.3", "--", "sh", "-c", "sleep 100; true"])
            #expect(timeout.status == 124, "\(timeout)")
            let stubborn = try Harness.sandbox(["run", "-q", pid, "--timeout", "0.3", "--kill-after", "0.2", "--", "sh", "-c", "trap '' TERM; sleep 100; true"])
            #expect(stubborn.status == 124, "\(stubborn)")
            let missing = try Harness.sandbox(["run", "-q", pid, "--", "/nonexistent/command"])
            #expect(missing.status == 127, "\(missing)")
        }

        /// A quiet run's init borrows sandbox's memory (CLONE_VM, no copy of it: sbx_spawn); a run that renders
        /// its figures keeps the copy, so that the peak memory it reports is not sandbox's resident size. Seen
        /// with strace on the clone that makes the PID namespace. Either way a failure after the go-ahead (the
        /// command's execve, in the borrowed memory) reaches us with its own errno.
        @Test func quietInitBorrowsMemoryAndReportsKeepTheCopy() throws {
            let strace = try #require(Harness.tool("strace"))
            let dir = try TemporaryDirectory()
            let badInterpreter = try dir.write("bad-interpreter", "#!/nonexistent/interpreter\n", mode: 0o755)
            func namespaceClone(_ options: [String], _ command: [String], status: Int32) throws -> (clone: String, stderr: String) {
                let log = dir.file("strace-\(UUID().uuidString)")
                let out = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=clone3", try Harness.sandbox, "run", "-q"] + options
                                          + ["--set=namespaces.pid=true", "--"] + command)
                #expect(out.status == status, "\(out)")
                let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                let clone = try #require(lines.first { $0.contains("CLONE_NEWPID") }, "no clone made the PID namespace:\n\(lines.joined(separator: "\n"))")
                return (String(clone), out.stderr)
            }
            let quiet = try namespaceClone([], ["sh", "-c", "exit 7"], status: 7)
            #expect(quiet.clone.contains("CLONE_VM") && quiet.clone.contains("CLONE_CHILD_CLEARTID"), "\(quiet.clone)")
            let reported = try namespaceClone(["--report", dir.file("report.json")], ["sh", "-c", "exit 7"], status: 7)
            #expect(!reported.clone.contains("CLONE_VM"), "\(reported.clone)")
            for options in [[], ["--report", dir.file("failed.json")]] {
                let failed = try namespaceClone(options, [badInterpreter], status: 127)
                #expect(failed.stderr.contains("execve: No such file or directory"), "\(options): \(failed.stderr)")
            }
            // The command lets us go before its filter, which notifies us of a denied execve: held, we could
            // not answer, and the run would hang.
            let denied = try Harness.sandbox(["run", "-q", "--set=namespaces.pid=true", "--set=seccomp.deny=[\"execve\"]", "--", "true"],
                                             timeout: 10)
            #expect(denied.status == 126 && denied.stderr.contains("execve: Operation not permitted"), "\(denied)")
        }

        /// The command's CPU time reaches the supervisor through the init (which waits for it).
        @Test func usageReachesUsThroughInit() throws {
            let (out, report) = try Harness.sandboxReport(["--set=namespaces.pid=true"],
                                                          ["sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"])
            #expect(out.status == 0, "\(out)")
            #expect(report.usage.userSeconds > 0.01, "\(out)")
        }

        /// kill_orphans = false: the init waits for the last process, which finishes its work.
        @Test func orphansFinishWithoutKillOrphans() throws {
            let out = try Harness.sandbox(["run", "-q", "--set=namespaces.pid=true", "--set=process.kill_orphans=false", "--",
                                           "sh", "-c", "(sleep 0.2; echo orphan done) & exit 2"])
            #expect(out.status == 2, "\(out)")
            #expect(out.stdout == "orphan done\n", "\(out)")
        }

        /// Docker's real seccomp profile around sandbox refuses namespace flags: one sentence naming it, 125;
        /// with best_effort a run with the note.
        @Test(.enabled(if: Condition.root("NamespaceTests.containerSeccompRefusal")))
        func containerSeccompRefusal() throws {
            let docker = try #require(Self.sharedOCIData("docker-default.json"), "../shared/data/oci/docker-default.json beside the repository")
            let sandbox = try Harness.sandbox
            // The inner run without a listener: a seccomp listener cannot be installed under another one (EBUSY).
            let inner = [sandbox, "run", "-q", "--set=seccomp.notify=false", "--set=namespaces.user=true"]
            let out = try Harness.sandbox(["run", "-q", "-p", docker, "--"] + inner + ["--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("a seccomp filter around sandbox"), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(out)")
            let dir = try TemporaryDirectory()
            let reportPath = dir.file("inner.json")
            let lenient = try Harness.sandbox(["run", "-q", "-p", docker, "--"] + inner
                                              + ["--set=best_effort=[\"namespaces\"]", "--report", reportPath, "--", "true"])
            #expect(lenient.status == 0, "\(lenient)")
            let report = try SandboxReport.decode(try Data(contentsOf: URL(fileURLWithPath: reportPath)), context: lenient)
            #expect(report.notEnforced.contains { $0.hasPrefix("namespaces.user (a seccomp filter") }, "\(report.notEnforced)")
        }

        /// user.max_user_namespaces = 0, for real: set inside a user namespace of the test's own (the limit
        /// is per namespace), so the host's stays as it is.
        @Test(.enabled(if: Condition.root("NamespaceTests.userNamespacesDisabled")))
        func userNamespacesDisabled() throws {
            let unshare = try #require(Harness.tool("unshare"))
            let out = try Harness.run(unshare, ["-U", "-r", "sh", "-c",
                                                "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" run -q --set namespaces.user=true -- true",
                                                try Harness.sandbox])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("user namespaces are disabled (user.max_user_namespaces = 0)"), "\(out)")
            #expect(out.stderr.contains("sysctl -w user.max_user_namespaces="), "\(out)")
        }

        /// Bad values of these sections and flags: one line, 125, nothing started.
        @Test(arguments: [
            (["--net", "nowhere"], "--net nowhere"),
            (["--set=network.mode=bridge"], "network.mode"),
            (["--set=namespaces.pidd=true"], "namespaces.pidd"),
            (["--set=namespaces.uts=1"], "namespaces.uts"),
            (["--set=namespaces.hostname=\"no spaces\""], "namespaces.hostname"),
            (["--set=process.user=no-such-user-here"], "process.user"),
            (["--set=process.group=no-such-group-here"], "process.group"),
            (["--set=best_effort=[\"namespace\"]"], "best_effort"),
        ])
        func badValues(_ flags: [String], _ named: String) throws {
            let dir = try TemporaryDirectory()
            let marker = dir.file("ran")
            let out = try Harness.sandbox(["run", "-q"] + flags + ["--", "touch", marker])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains(named), "\(out)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the command ran: \(out)")
        }

        /// `../shared/data/oci/NAME` beside the repository (CI clones it there); a worktree one level
        /// deeper (`wt/NAME`) finds it one level further up.
        static func sharedOCIData(_ name: String) -> String? {
            var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            for _ in 0..<2 {
                dir = dir.deletingLastPathComponent()
                let path = dir.appendingPathComponent("shared/data/oci/\(name)").path
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            return nil
        }
    }
}

/// The report's namespace section and not_enforced list, read from the raw object (the shared decoder
/// stays as it is).
extension SandboxReport {
    struct Namespaces {
        let applied: [String]
        let commandPid: Int?
        let initHostPid: Int?
    }

    var namespaces: Namespaces? {
        guard let object = raw["namespaces"] as? [String: Any] else { return nil }
        return Namespaces(applied: object["applied"] as? [String] ?? [], commandPid: object["command_pid"] as? Int,
                          initHostPid: object["init_host_pid"] as? Int)
    }

    var notEnforced: [String] { raw["not_enforced"] as? [String] ?? [] }
}
