import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The JSON report: its fields, its resource figures against GNU time's, and the limits it names.
    @Suite struct ReportTests {
        @Test func reportHasEveryField() throws {
            let (out, report) = try Harness.sandboxReport([], ["sh", "-c", "exit 3"])
            #expect(out.status == 3, "\(out)")
            #expect(report.version == 1)
            #expect(report.command == ["sh", "-c", "exit 3"])
            #expect(report.profile == "default")
            #expect(report.exit.code == 3)
            #expect(report.exit.signal == nil)
            #expect(report.exit.reason == "exited")
            #expect(report.raw.keys.contains("limit_hit"), "limit_hit must be present (null): \(report.raw.keys.sorted())")
            #expect(report.limitHit == nil)
            #expect(report.seccomp.blocked.isEmpty, "\(report.seccomp.blocked)")
            #expect(report.usage.wallSeconds > 0 && report.usage.wallSeconds < 30)
            #expect(report.usage.maxRssBytes > 100_000, "a shell uses more than 100 kB: \(report.usage)")
            #expect(report.usage.minorFaults > 0, "\(report.usage)")
        }

        @Test func signaledCommand() throws {
            let (out, report) = try Harness.sandboxReport([], ["sh", "-c", "kill -9 $$"])
            #expect(out.status == 137, "\(out)")
            #expect(report.exit.signal == 9, "\(report.raw)")
            #expect(report.exit.reason == "signaled", "\(report.raw)")
            #expect(report.limitHit == nil, "\(report.raw)")
        }

        @Test func reportToStdout() throws {
            let out = try Harness.sandbox(["run", "-q", "--report", "-", "--", "true"])
            #expect(out.status == 0, "\(out)")
            let report = try SandboxReport.decode(Data(out.stdout.utf8), context: out)
            #expect(report.command == ["true"])
        }

        /// A workload that allocates and touches 200 MiB and loops for about a second of CPU.
        static let workload = """
            b = bytearray(200 * 1024 * 1024)
            for i in range(0, len(b), 4096): b[i] = 1
            n = 0
            for i in range(10_000_000): n += i
            print(n)
            """

        /// GNU time's figures for one run: CPU seconds (user + system) and max RSS in bytes.
        static func gnuTime(_ command: [String]) throws -> (cpu: Double, rss: Int64) {
            let out = try Harness.run(try gnuTimePath, ["-v"] + command)
            #expect(out.status == 0, "\(out)")
            return try parseGnuTime(out)
        }

        static var gnuTimePath: String {
            get throws {
                guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
                    throw HarnessError("GNU time (/usr/bin/time) is not installed")
                }
                return "/usr/bin/time"
            }
        }

        /// The CPU seconds and max RSS that `time -v` wrote to the stderr of `out`.
        static func parseGnuTime(_ out: ProcessOutput) throws -> (cpu: Double, rss: Int64) {
            func field(_ label: String) throws -> String {
                guard let line = out.stderr.split(separator: "\n").first(where: { $0.contains(label) }),
                      let value = line.split(separator: ":").last else { throw HarnessError("no '\(label)' in GNU time output: \(out)") }
                return value.trimmingCharacters(in: .whitespaces)
            }
            guard let user = Double(try field("User time (seconds)")), let system = Double(try field("System time (seconds)")),
                  let rss = Int64(try field("Maximum resident set size (kbytes)")) else { throw HarnessError("GNU time output: \(out)") }
            return (user + system, rss * 1024)
        }

        /// A tiny command's peak memory carries a floor: until execve the forked child counts the pages it
        /// shares copy-on-write with its parent (GNU time's figure has the same floor, from its own smaller
        /// RSS). The floor must stay a few MiB; a child that shared the supervisor's memory outright
        /// (CLONE_VM) would report the supervisor's whole resident size (12 MiB and more).
        @Test func smallCommandPeakMemoryHasOnlyTheForkFloor() throws {
            let command = ["/bin/sh", "-c", "true"]
            let gnu = try Self.gnuTime(command)
            let (out, report) = try Harness.sandboxReport([], command)
            #expect(out.status == 0, "\(out)")
            let ours = report.usage.maxRssBytes
            #expect(ours <= gnu.rss + 8 * 1024 * 1024, "sandbox \(ours) B, GNU time \(gnu.rss) B")
        }

        /// The report's CPU time and peak RSS agree with GNU time's, within 10%, on one execution: GNU time
        /// runs inside the sandbox and measures the same workload. (Two separate runs could not be compared
        /// so closely: CPU time on a shared VM varies by 30% and more from run to run.) A wrong unit, a
        /// missing half (user or system) or the supervisor's own figures would be far outside.
        @Test func usageAgreesWithGnuTime() throws {
            let (out, report) = try Harness.sandboxReport([], [try Self.gnuTimePath, "-v", try Harness.python3, "-c", Self.workload],
                                                          timeout: 60)
            #expect(out.status == 0, "\(out)")
            let gnu = try Self.parseGnuTime(out)
            let ourCPU = report.usage.cpuSeconds, ourRSS = report.usage.maxRssBytes
            let detail = "GNU time \(gnu), sandbox \((ourCPU, ourRSS))"
            // GNU time prints hundredths of a second; its own process adds a millisecond or two.
            #expect(abs(ourCPU - gnu.cpu) <= 0.10 * gnu.cpu + 0.02, "CPU: \(detail)")
            #expect(abs(Double(ourRSS - gnu.rss)) <= 0.10 * Double(gnu.rss), "max RSS: \(detail)")
            #expect(ourRSS > 200 * 1024 * 1024, "the workload touches 200 MiB: \(detail)")
        }

        /// limits.cpu = 1 (soft = hard): the kernel's SIGKILL at the hard limit comes at the same second
        /// as SIGXCPU, and it is still the CPU limit that ended the command.
        @Test func cpuLimitScalar() throws {
            let (out, report) = try Harness.sandboxReport(["--set", "limits.cpu=1"], [try Harness.python3, "-c", "while True: pass"],
                                                          timeout: 15)
            #expect(out.status == 128 + SIGXCPU || out.status == 128 + SIGKILL, "\(out)")
            #expect(out.wallSeconds < 10, "\(out)")
            #expect(report.limitHit == "cpu", "\(report.raw)")
        }

        @Test func cpuLimitSoftBelowHard() throws {
            let (out, report) = try Harness.sandboxReport(["--set", "limits.cpu={ soft = 1, hard = 5 }"],
                                                          [try Harness.python3, "-c", "while True: pass"], timeout: 15)
            #expect(out.status == 128 + SIGXCPU, "\(out)")
            #expect(report.exit.signal == Int(SIGXCPU), "\(report.raw)")
            #expect(report.exit.reason == "signaled", "\(report.raw)")
            #expect(report.limitHit == "cpu", "\(report.raw)")
            #expect(report.usage.cpuSeconds >= 0.9, "\(report.usage)")
        }

        /// The writer is the command itself (exec): it dies of SIGXFSZ, and the file stops at the limit.
        @Test func fileSizeLimit() throws {
            let dir = try TemporaryDirectory()
            let file = dir.file("x")
            let (out, report) = try Harness.sandboxReport(["--set", "limits.file_size=1MiB"],
                                                          ["sh", "-c", "exec head -c 2000000 /dev/zero > \(file)"])
            #expect(out.status == 128 + SIGXFSZ, "\(out)")
            #expect(report.limitHit == "file-size", "\(report.raw)")
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
            #expect(size == 1024 * 1024, "\(file) is \(size) bytes")
        }

        /// The writer is a child of the shell, which reports its death as exit status 128+25.
        @Test func fileSizeLimitBehindAShell() throws {
            let dir = try TemporaryDirectory()
            let (out, report) = try Harness.sandboxReport(["--set", "limits.file_size=1MiB"],
                                                          ["sh", "-c", "head -c 2000000 /dev/zero > \(dir.file("x"))"])
            #expect(out.status == 128 + SIGXFSZ, "\(out)")
            #expect(report.limitHit == "file-size", "\(report.raw)")
        }
    }
}
