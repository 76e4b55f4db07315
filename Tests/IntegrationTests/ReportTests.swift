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
            guard let time = ["/usr/bin/time"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw HarnessError("GNU time (/usr/bin/time) is not installed")
            }
            let out = try Harness.run(time, ["-v"] + command)
            #expect(out.status == 0, "\(out)")
            func field(_ label: String) throws -> String {
                guard let line = out.stderr.split(separator: "\n").first(where: { $0.contains(label) }),
                      let value = line.split(separator: ":").last else { throw HarnessError("no '\(label)' in GNU time output: \(out)") }
                return value.trimmingCharacters(in: .whitespaces)
            }
            guard let user = Double(try field("User time (seconds)")), let system = Double(try field("System time (seconds)")),
                  let rss = Int64(try field("Maximum resident set size (kbytes)")) else { throw HarnessError("GNU time output: \(out)") }
            return (user + system, rss * 1024)
        }

        static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

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

        /// The report's CPU time and peak RSS agree with GNU time's on the same command, within 10%.
        /// Both are medians of three interleaved runs: CPU time on a shared machine varies from run to run.
        @Test func usageAgreesWithGnuTime() throws {
            let command = [try Harness.python3, "-c", Self.workload]
            var gnu: [(cpu: Double, rss: Int64)] = []
            var ours: [SandboxReport.Usage] = []
            for _ in 0..<3 {
                gnu.append(try Self.gnuTime(command))
                let (out, report) = try Harness.sandboxReport([], command, timeout: 60)
                #expect(out.status == 0, "\(out)")
                ours.append(report.usage)
            }
            let gnuCPU = Self.median(gnu.map(\.cpu)), ourCPU = Self.median(ours.map(\.cpuSeconds))
            let gnuRSS = Self.median(gnu.map { Double($0.rss) }), ourRSS = Self.median(ours.map { Double($0.maxRssBytes) })
            let detail = "GNU time \(gnu), sandbox \(ours.map { ($0.cpuSeconds, $0.maxRssBytes) })"
            // Within 10% of GNU time's median, or, when GNU time's own runs spread wider, within their range
            // widened by 10%: a wrong unit, a missing half (user or system) or sandbox's own figures would
            // still be far outside.
            let cpuRange = (gnu.map(\.cpu).min()! * 0.9)...(gnu.map(\.cpu).max()! * 1.1)
            #expect(abs(ourCPU - gnuCPU) <= 0.10 * gnuCPU || cpuRange.contains(ourCPU), "CPU \(ourCPU) s vs \(gnuCPU) s: \(detail)")
            #expect(abs(ourRSS - gnuRSS) <= 0.10 * gnuRSS, "max RSS \(ourRSS) vs \(gnuRSS): \(detail)")
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
