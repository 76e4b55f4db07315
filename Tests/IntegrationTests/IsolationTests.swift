import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// What the `default` profile does to the command, seen from inside it.
    @Suite struct IsolationTests {
        static let statusScript = "grep -E '^(NoNewPrivs|Seccomp|Cap[A-Za-z]+):' /proc/self/status"

        @Test func noNewPrivsAndSeccompFilter() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", Self.statusScript])
            #expect(out.status == 0, "\(out)")
            let status = ProcStatus(out.stdout)
            #expect(status["NoNewPrivs"] == "1", "\(out)")
            #expect(status["Seccomp"] == "2", "\(out)")
        }

        // Root starts with every capability; as another user the sets are empty anyway and CapBnd stays
        // full, so only a root run shows that sandbox emptied them.
        @Test(.enabled(if: Condition.root("IsolationTests.everyCapabilitySetIsEmpty")))
        func everyCapabilitySetIsEmpty() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", Self.statusScript])
            #expect(out.status == 0, "\(out)")
            let status = ProcStatus(out.stdout)
            for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                #expect(status.capabilities(set) == 0, "\(set) = \(status[set] ?? "missing")\n\(out)")
            }
        }

        /// The environment policy: passed through untouched by default, else cleared, kept, unset and set
        /// in that order.
        @Test func environmentPolicy() throws {
            let env: [String: String?] = ["SBX_TEST_A": "a=1", "SBX_TEST_B": "b", "LANG": "C"]
            let inherited = try Harness.sandbox(["run", "-q", "--", "env"], environment: env)
            #expect(inherited.status == 0, "\(inherited)")
            let lines = Set(inherited.stdout.split(separator: "\n").map(String.init))
            #expect(lines.isSuperset(of: ["SBX_TEST_A=a=1", "SBX_TEST_B=b", "LANG=C"]), "\(inherited)")
            #expect(lines.contains { $0.hasPrefix("PATH=") }, "\(inherited)")

            let cleared = try Harness.sandbox(["run", "-q", "--set", "process.env=clear", "--set", "process.env_keep=[\"SBX_TEST_A\", \"PATH\"]",
                                               "--set", "process.env_unset=[\"PATH\"]", "--set", "process.env_set={ LANG = \"C.UTF-8\" }",
                                               "--", "/usr/bin/env"], environment: env)
            #expect(cleared.status == 0, "\(cleared)")
            #expect(cleared.stdout.split(separator: "\n").sorted() == ["LANG=C.UTF-8", "SBX_TEST_A=a=1"], "\(cleared)")

            let unset = try Harness.sandbox(["run", "-q", "--set", "process.env_unset=[\"SBX_TEST_B\"]", "--", "env"], environment: env)
            #expect(unset.stdout.contains("SBX_TEST_A=a=1\n"), "\(unset)")
            #expect(!unset.stdout.contains("SBX_TEST_B"), "\(unset)")
        }

        @Test func resourceLimitsMatchTheProfile() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -c"])
            #expect(out.status == 0, "\(out)")
            // default.toml: open_files = { soft = 1024, hard = 4096 }, core = 0.
            #expect(out.stdout.split(separator: "\n") == ["1024", "4096", "0"], "\(out)")
        }

        @Test func niceValueMatchesTheProfile() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "cat", "/proc/self/stat"])
            #expect(out.status == 0, "\(out)")
            let stat = try #require(ProcStat(out.stdout), "\(out)")
            #expect(stat.nice == 5, "\(out)")  // default.toml: nice = 5
        }

        /// new_session = true: the command leads a session of its own, off the caller's terminal.
        @Test func commandLeadsItsOwnSession() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "cat", "/proc/self/stat"])
            let stat = try #require(ProcStat(out.stdout), "\(out)")
            #expect(stat.session == stat.pid, "\(out)")
            #expect(stat.session != Int(getsid(0)), "\(out)")
        }

        /// Descriptors sandbox inherited without O_CLOEXEC (here 5 and 9, opened in sandbox by the
        /// harness) must not reach the command: only 0, 1 and 2 do.
        @Test func onlyStandardDescriptorsReachTheCommand() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "ls", "-l", "/proc/self/fd"],
                                          extraFiles: [5: "/etc/passwd", 9: "/dev/null"])
            #expect(out.status == 0, "\(out)")
            var open: [Int] = []
            for line in out.stdout.split(separator: "\n") where line.contains(" -> ") {
                let parts = line.components(separatedBy: " -> ")
                guard let fd = parts[0].split(separator: " ").last.flatMap({ Int($0) }) else { continue }
                // The listing's own descriptor: ls's open directory /proc/PID/fd.
                if parts[1].hasPrefix("/proc/"), parts[1].hasSuffix("/fd") { continue }
                open.append(fd)
            }
            #expect(open.sorted() == [0, 1, 2], "\(out)")
        }

        @Test(.enabled(if: Condition.probeSupports("fds", "IsolationTests.probeSeesOnlyStandardDescriptors")))
        func probeSeesOnlyStandardDescriptors() throws {
            let out = try Harness.sandbox(["run", "-q", "--", try Harness.probe, "fds"], extraFiles: [5: "/etc/passwd"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 1 2", "\(out)")
        }

        @Test(.enabled(if: Condition.probeSupports("status", "IsolationTests.probeStatus")))
        func probeStatus() throws {
            let out = try Harness.sandbox(["run", "-q", "--", try Harness.probe, "status"])
            #expect(out.status == 0, "\(out)")
            let status = ProcStatus(out.stdout)
            #expect(status["NoNewPrivs"] == "1", "\(out)")
            #expect(status["Seccomp"] == "2", "\(out)")
            if Harness.isRoot {
                for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                    #expect(status.capabilities(set) == 0, "\(set)\n\(out)")
                }
            }
        }

        @Test(.enabled(if: Condition.probeSupports("nice", "IsolationTests.probeNice")))
        func probeNice() throws {
            let out = try Harness.sandbox(["run", "-q", "--", try Harness.probe, "nice"])
            #expect(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(out)")
        }

        @Test(.enabled(if: Condition.probeSupports("rlimits", "IsolationTests.probeRlimits")))
        func probeRlimits() throws {
            let out = try Harness.sandbox(["run", "-q", "--", try Harness.probe, "rlimits"])
            let lines = Set(out.stdout.split(separator: "\n").map(String.init))
            #expect(lines.contains("NOFILE 1024 4096"), "\(out)")
            #expect(lines.contains("CORE 0 0"), "\(out)")
        }
    }
}
