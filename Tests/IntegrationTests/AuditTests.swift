import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// `sandbox run --audit`: syscall counts against strace -f -c on the real kernel, denied calls, the
    /// i386 ABI, argument values, separate runs, nothing before the command's execve; eBPF as root and
    /// seccomp user notification as root and as nobody.
    @Suite struct AuditTests {
        static let mechanisms = ["ebpf", "seccomp-notify"]

        /// The `syscalls` list of a report, keyed by "name/abi".
        struct Audit {
            let raw: [String: Any]
            var syscalls: [String: [String: Any]] {
                var result: [String: [String: Any]] = [:]
                for case let entry as [String: Any] in raw["syscalls"] as? [Any] ?? [] {
                    result["\(entry["name"] as? String ?? "?")/\(entry["abi"] as? String ?? "?")"] = entry
                }
                return result
            }
            func calls(_ name: String, abi: String = "x86_64") -> Int { syscalls["\(name)/\(abi)"]?["calls"] as? Int ?? 0 }
            func denied(_ name: String, abi: String = "x86_64") -> Int { syscalls["\(name)/\(abi)"]?["denied"] as? Int ?? 0 }
            func errors(_ name: String) -> [String: Int] { syscalls["\(name)/x86_64"]?["errors"] as? [String: Int] ?? [:] }
            func args(_ name: String, _ arg: String) -> [String: Int] {
                (syscalls["\(name)/x86_64"]?["args"] as? [String: Any])?[arg] as? [String: Int] ?? [:]
            }
            var mechanism: String? { (raw["audit"] as? [String: Any])?["mechanism"] as? String }
            var processes: [[String: Any]] { raw["processes"] as? [[String: Any]] ?? [] }
        }

        static func audit(_ options: [String], _ command: [String], run: (([String]) throws -> ProcessOutput)? = nil,
                          directory: TemporaryDirectory? = nil) throws -> (ProcessOutput, Audit) {
            let dir = try directory ?? TemporaryDirectory()
            let path = dir.file("audit-\(UUID().uuidString).json")
            let args = ["run", "-q", "--audit", "--report", path] + options + ["--"] + command
            let out = try run.map { try $0(args) } ?? Harness.sandbox(args, timeout: 120)
            guard let data = FileManager.default.contents(atPath: path),
                  let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw HarnessError("no report at \(path): \(out)")
            }
            return (out, Audit(raw: raw))
        }

        /// `strace -f -c` of the same command: calls by syscall name.
        static func strace(_ command: [String]) throws -> [String: Int] {
            let strace = try #require(Harness.tool("strace"), "strace is installed by scripts/setup")
            let dir = try TemporaryDirectory()
            let out = try Harness.run(strace, ["-f", "-c", "-o", dir.file("c.txt")] + command, timeout: 120)
            #expect(out.status == 0 || out.status == 3, "\(out)")
            let text = try String(contentsOfFile: dir.file("c.txt"), encoding: .utf8)
            var calls: [String: Int] = [:]
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                // % time, seconds, usecs/call, calls, [errors], syscall
                guard fields.count >= 5, let n = Int(fields[3]), let name = fields.last, name != "total" else { continue }
                calls[String(name)] = n
            }
            return calls
        }

        /// Every syscall strace counted, with the same count. (strace -c leaves out exit and exit_group,
        /// which never return; the audit counts them.)
        static func expectSameCounts(_ audit: Audit, _ strace: [String: Int], _ out: ProcessOutput) {
            #expect(!strace.isEmpty)
            for (name, n) in strace {
                #expect(audit.calls(name) == n, "\(name): audit \(audit.calls(name)), strace \(n)\n\(out)")
            }
            for key in audit.syscalls.keys where key.hasSuffix("/x86_64") {
                let name = String(key.dropLast(7))
                guard !["exit", "exit_group"].contains(name) else { continue }
                #expect(strace[name] != nil, "\(name) counted by the audit, not by strace")
            }
        }

        @Test(.enabled(if: Condition.root("AuditTests.treeMatchesStrace")), arguments: mechanisms)
        func treeMatchesStrace(_ mechanism: String) throws {
            let command = [try Harness.probe, "tree", "200", "4"]
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)"], command)
            #expect(out.status == 0, "\(out)")
            #expect(audit.mechanism == mechanism)
            #expect(audit.calls("getppid") == 800 && audit.calls("umask") == 800, "\(out)")
            #expect(audit.calls("clone") == 3 && audit.calls("wait4") == 3)
            #expect(audit.calls("exit_group") == 4)
            Self.expectSameCounts(audit, try Self.strace(command), out)
            // The tree: four processes in a chain, the last exited 3 (the eBPF audit sees statuses).
            let processes = audit.processes
            #expect(processes.count == 4, "\(processes)")
            let pids = Set(processes.compactMap { $0["pid"] as? Int })
            #expect(processes.dropFirst().allSatisfy { pids.contains($0["parent"] as? Int ?? -1) })
            if mechanism == "ebpf" {
                #expect(processes.map { $0["exit"] as? String } == ["exited 0", "exited 0", "exited 0", "exited 3"])
                #expect(processes.allSatisfy { $0["argv"] as? [String] == command }, "\(processes)")
            }
        }

        /// A signal handler's return is counted as rt_sigreturn: by sys_exit its saved number is gone
        /// (restore_sigcontext sets orig_ax to -1), so an audit reading the number there alone loses it.
        @Test(.enabled(if: Condition.root("AuditTests.signalReturnsAreCounted")), arguments: mechanisms)
        func signalReturnsAreCounted(_ mechanism: String) throws {
            let command = [try Harness.probe, "signals", "300"]
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)"], command)
            #expect(out.status == 0 && out.stdout.contains("signals: 300 caught"), "\(out)")
            #expect(audit.calls("kill") == 300 && audit.calls("rt_sigreturn") == 300, "\(audit.syscalls["rt_sigreturn/x86_64"] ?? [:])")
            Self.expectSameCounts(audit, try Self.strace(command), out)
        }

        @Test(.enabled(if: Condition.root("AuditTests.ddMatchesStrace")), arguments: mechanisms)
        func ddMatchesStrace(_ mechanism: String) throws {
            let command = ["/usr/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=3000"]
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)"], command)
            #expect(out.status == 0, "\(out)")
            #expect(audit.calls("read") >= 3000 && audit.calls("write") >= 3000)
            Self.expectSameCounts(audit, try Self.strace(command), out)
        }

        @Test(.enabled(if: Condition.root("AuditTests.deniedCallIsCountedWithItsErrno")), arguments: mechanisms)
        func deniedCallIsCountedWithItsErrno(_ mechanism: String) throws {
            // The default profile denies ptrace with EPERM; with notify off the kernel answers it alone.
            for notify in mechanism == "ebpf" ? ["true", "false"] : ["true"] {
                let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)", "--set", "seccomp.notify=\(notify)"],
                                                  [try Harness.probe, "syscall", "ptrace"])
                #expect(out.stdout.contains("ptrace: errno EPERM"), "\(out)")
                #expect(audit.calls("ptrace") == 1 && audit.denied("ptrace") == 1, "\(audit.syscalls["ptrace/x86_64"] ?? [:])")
                #expect(audit.errors("ptrace") == ["EPERM": 1])
                #expect(audit.denied("getppid") == 0 && audit.denied("execve") == 0)
            }
        }

        @Test(.enabled(if: Condition.root("AuditTests.int80IsCountedUnderI386")), arguments: mechanisms)
        func int80IsCountedUnderI386(_ mechanism: String) throws {
            // getpid is 20 on i386, through int $0x80 from the 64-bit probe; the profile lets i386 through.
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)", "--set", "seccomp.architectures=[\"native\", \"x86\"]"],
                                              [try Harness.probe, "syscall-nr", "20", "--abi", "i386"])
            #expect(out.stdout.contains("nr 20: ok"), "\(out)")
            #expect(audit.calls("getpid", abi: "i386") == 1, "\(audit.syscalls.keys.sorted())")
            #expect(audit.syscalls.keys.filter { $0.hasSuffix("/i386") } == ["getpid/i386"])
        }

        @Test(.enabled(if: Condition.root("AuditTests.argumentValues")), arguments: mechanisms)
        func argumentValues(_ mechanism: String) throws {
            let probe = try Harness.probe
            let script = "\(probe) socket inet; \(probe) socket unix; \(probe) socket unix; \(probe) ioctl tcgets; "
                + "\(probe) clone plain; \(probe) clone newuts"
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)"], ["/bin/sh", "-c", script])
            #expect(out.status == 0, "\(out)")
            #expect(audit.args("socket", "family") == ["AF_INET": 1, "AF_UNIX": 2], "\(out)")
            #expect(audit.args("socket", "type") == ["SOCK_DGRAM": 3])
            #expect(audit.args("ioctl", "request")["TCGETS"] ?? 0 >= 1)
            // clone(SIGCHLD) and clone(SIGCHLD|CLONE_NEWUTS), which the default profile denies: denied calls
            // have their arguments too. (sh forks with clone too, with flags of its own.)
            let clone = audit.args("clone", "flags")
            #expect(clone["SIGCHLD"] == 1 && clone["SIGCHLD|CLONE_NEWUTS"] == 1, "\(clone)")
            #expect(audit.denied("clone") == 1)
        }

        @Test(.enabled(if: Condition.root("AuditTests.concurrentRunsKeepSeparateCounts")))
        func concurrentRunsKeepSeparateCounts() throws {
            let probe = try Harness.probe
            var results: [Int: Audit] = [:]
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let n = 3000 * (i + 1)
                if let (_, audit) = try? Self.audit([], [probe, "tree", String(n), "2"]) {
                    lock.lock(); results[n] = audit; lock.unlock()
                }
            }
            #expect(results[3000]?.calls("getppid") == 6000 && results[3000]?.calls("umask") == 6000)
            #expect(results[6000]?.calls("getppid") == 12000 && results[6000]?.calls("umask") == 12000)
        }

        @Test(.enabled(if: Condition.root("AuditTests.nothingBeforeTheCommandsExecve")), arguments: mechanisms)
        func nothingBeforeTheCommandsExecve(_ mechanism: String) throws {
            // The child's setup (setsid, close_range, prctl, capset, seccomp, sendmsg of the listener)
            // happens between fork and execve: none of it is the command's.
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)"], [try Harness.probe, "tree", "1", "1"])
            #expect(out.status == 3, "\(out)")
            for name in ["setsid", "close_range", "capset", "seccomp", "sendmsg", "prctl"] {
                #expect(audit.calls(name) == 0, "\(name) counted")
            }
            #expect(audit.calls("execve") == 1)
            #expect(audit.processes.count == 1)
        }

        @Test(.enabled(if: Condition.root("AuditTests.pidNamespaceInitIsNotCounted")), arguments: mechanisms)
        func pidNamespaceInitIsNotCounted(_ mechanism: String) throws {
            // sandbox's init (PID 1 of the new namespace) forks the command and never executes anything:
            // none of its calls count, the command's do.
            let (out, audit) = try Self.audit(["--set", "audit.mechanism=\(mechanism)", "--set", "namespaces.pid=true"],
                                              [try Harness.probe, "tree", "10", "2"])
            #expect(out.status == 0, "\(out)")
            #expect(audit.calls("getppid") == 20 && audit.calls("clone") == 1 && audit.calls("execve") == 1, "\(out)")
            #expect(audit.calls("wait4") == 1)
        }

        @Test(.enabled(if: Condition.canDropToNobody("AuditTests.unprivilegedFallbackMatchesStrace")))
        func unprivilegedFallbackMatchesStrace() throws {
            let install = try UnprivilegedTests.Install()
            let probe = install.directory.file("sandbox-probe")
            if link(try Harness.probe, probe) != 0 { try FileManager.default.copyItem(atPath: try Harness.probe, toPath: probe) }
            let (out, audit) = try Self.audit([], [probe, "tree", "100", "3"], run: { try install.run($0) }, directory: install.work)
            #expect(out.status == 0, "\(out)")
            #expect(audit.mechanism == "seccomp-notify", "\(audit.raw["audit"] ?? "")")
            #expect(audit.calls("getppid") == 300 && audit.calls("umask") == 300 && audit.calls("clone") == 2)
            Self.expectSameCounts(audit, try Self.strace([probe, "tree", "100", "3"]), out)
            let notes = (audit.raw["audit"] as? [String: Any])?["notes"] as? [String] ?? []
            #expect(notes.contains { $0.contains("eBPF not used") } && notes.contains { $0.contains("errno counts cover denied calls only") })

            // Denied, as nobody too.
            let (_, denied) = try Self.audit([], [probe, "syscall", "ptrace"], run: { try install.run($0) }, directory: install.work)
            #expect(denied.denied("ptrace") == 1 && denied.errors("ptrace") == ["EPERM": 1])

            // A signal handler's rt_sigreturn, as nobody too.
            let (_, signals) = try Self.audit([], [probe, "signals", "50"], run: { try install.run($0) }, directory: install.work)
            #expect(signals.calls("kill") == 50 && signals.calls("rt_sigreturn") == 50, "\(signals.syscalls["rt_sigreturn/x86_64"] ?? [:])")

            // eBPF named explicitly is refused, in one line, before anything runs.
            let refused = try install.run(["run", "-q", "--set", "audit.syscalls=true", "--set", "audit.mechanism=ebpf", "--", probe, "tree", "1", "1"])
            #expect(refused.status == 125, "\(refused)")
            #expect(refused.stderr.contains("CAP_BPF") && refused.stderr.split(separator: "\n").count == 1, "\(refused)")
            #expect(refused.stdout.isEmpty)
        }

        /// A kernel without BTF, for real: an empty tmpfs over /sys/kernel/btf in a mount namespace of the
        /// test's own (unshare -m). `ebpf` named is one line and 125 naming the BTF; `auto` falls back to
        /// seccomp-notify and says why.
        @Test(.enabled(if: Condition.root("AuditTests.noKernelBTF")))
        func noKernelBTF() throws {
            let unshare = try #require(Harness.tool("unshare"))
            let hide = "mount -t tmpfs none /sys/kernel/btf && exec \"$0\" run -q "
            let refused = try Harness.run(unshare, ["-m", "sh", "-c", hide + "--set audit.syscalls=true --set audit.mechanism=ebpf -- /bin/true",
                                                    try Harness.sandbox])
            #expect(refused.status == 125, "\(refused)")
            #expect(refused.stderr.contains("no BTF") && refused.stderr.split(separator: "\n").count == 1, "\(refused)")
            let fallback = try Harness.run(unshare, ["-m", "sh", "-c", hide + "--report - --set audit.syscalls=true -- /bin/true",
                                                     try Harness.sandbox])
            #expect(fallback.status == 0, "\(fallback)")
            #expect(fallback.stdout.contains("seccomp-notify") && fallback.stdout.contains("no BTF"), "\(fallback)")
        }

        @Test func badMechanismIsAUsageError() throws {
            let out = try Harness.sandbox(["run", "--set", "audit.mechanism=dtrace", "--", "/bin/true"])
            #expect(out.status == 125)
            #expect(out.stderr.contains("audit.mechanism") && out.stderr.split(separator: "\n").count == 1, "\(out)")
        }

        @Test(.enabled(if: Condition.root("AuditTests.summaryHasTheTable")))
        func summaryHasTheTable() throws {
            let out = try Harness.sandbox(["run", "--audit", "--", try Harness.probe, "tree", "10", "2"])
            #expect(out.stderr.contains("distinct syscalls, 0 denied"), "\(out)")
            #expect(out.stderr.contains("% calls") && out.stderr.contains("getppid"))
            #expect(out.stderr.contains("processes"))
        }
    }
}
