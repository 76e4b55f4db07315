import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// sandbox run by an ordinary user (root drops to `nobody` with setpriv): the same hardening without
    /// any privilege to start from.
    @Suite struct UnprivilegedTests {
        /// A copy of the built products that `nobody` can reach (the build directory may sit under a
        /// directory only root can enter), and a directory where `nobody` may write.
        final class Install {
            let directory: TemporaryDirectory
            let work: TemporaryDirectory
            let sandbox: String

            init() throws {
                directory = try TemporaryDirectory()
                work = try TemporaryDirectory(mode: 0o777)
                chmod(work.path, 0o777)
                sandbox = directory.file("sandbox")
                // A hard link where possible: copying opens the file for writing, and a process forked by
                // a parallel test in that moment holds the write fd until it execs, so that executing the
                // copy fails with ETXTBSY.
                if link(try Harness.sandbox, sandbox) != 0 {
                    try FileManager.default.copyItem(atPath: try Harness.sandbox, toPath: sandbox)
                    chmod(sandbox, 0o755)
                }
            }

            /// `setpriv --reuid=nobody ... sandbox ARGS`, from the writable directory.
            func run(_ args: [String], environment: [String: String?] = [:]) throws -> ProcessOutput {
                let setpriv = try #require(Harness.tool("setpriv"))
                return try Harness.run(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                                                 "--", sandbox] + args, environment: environment)
            }

            func report(_ options: [String], _ command: [String], environment: [String: String?] = [:]) throws -> (ProcessOutput, SandboxReport) {
                let path = work.file("report-\(UUID().uuidString).json")
                let out = try run(["run", "-q", "--report", path] + options + ["--"] + command, environment: environment)
                guard let data = FileManager.default.contents(atPath: path) else { throw HarnessError("no report at \(path): \(out)") }
                return (out, try SandboxReport.decode(data, context: out))
            }
        }

        @Test(.enabled(if: Condition.canDropToNobody("UnprivilegedTests.hardenedAsNobody")))
        func hardenedAsNobody() throws {
            let install = try Install()
            let (out, report) = try install.report([], ["sh", "-c", IsolationTests.statusScript + "; id -u"])
            #expect(out.status == 0, "\(out)")
            let status = ProcStatus(out.stdout)
            #expect(status["NoNewPrivs"] == "1", "\(out)")
            #expect(status["Seccomp"] == "2", "\(out)")
            for set in ["CapInh", "CapPrm", "CapEff", "CapAmb"] {
                #expect(status.capabilities(set) == 0, "\(set)\n\(out)")
            }
            #expect(out.stdout.hasSuffix("\(getpwnam("nobody")!.pointee.pw_uid)\n"), "\(out)")
            // Dropping the bounding set needs CAP_SETPCAP; it stays full, and the report says so.
            #expect(status.capabilities("CapBnd") != 0, "\(out)")
            #expect(report.notes?.contains { $0.contains("bounding set") } == true, "\(report.raw)")
        }

        @Test(.enabled(if: Condition.canDropToNobody("UnprivilegedTests.limitsAndNiceAsNobody")))
        func limitsAndNiceAsNobody() throws {
            let install = try Install()
            let out = try install.run(["run", "-q", "--", "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -c; cat /proc/self/stat"])
            #expect(out.status == 0, "\(out)")
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(Array(lines.prefix(3)) == ["1024", "4096", "0"], "\(out)")
            #expect(lines.last.flatMap(ProcStat.init)?.nice == 5, "\(out)")
        }

        @Test(.enabled(if: Condition.canDropToNobody("UnprivilegedTests.blockedSyscallIsNamedAsNobody")))
        func blockedSyscallIsNamedAsNobody() throws {
            let install = try Install()
            let (out, report) = try install.report([], ["unshare", "-U", "true"])
            #expect(out.status != 0, "\(out)")
            #expect(out.stderr.contains("Operation not permitted"), "\(out)")
            #expect(report.blocked("unshare")?.action == "errno:EPERM", "\(report.raw)")
        }

        @Test(.enabled(if: Condition.canDropToNobody("UnprivilegedTests.exitStatusesAsNobody")))
        func exitStatusesAsNobody() throws {
            let install = try Install()
            #expect(try install.run(["run", "-q", "--", "sh", "-c", "exit 7"]).status == 7)
            #expect(try install.run(["run", "-q", "--", "sh", "-c", "kill -9 $$"]).status == 137)
            #expect(try install.run(["run", "-q", "--", "no-such-command-sbx-itest"]).status == 127)
            #expect(try install.run(["run", "-q", "-p", "no-such-profile", "--", "true"]).status == 125)
        }
    }
}
