import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// sandbox's exit status: the command's own, 128+N for signal N, 124 at the wall-clock limit, 125 when
    /// sandbox itself fails, 126 when the command cannot be executed, 127 when it is not found.
    @Suite struct ExitStatusTests {
        @Test func commandsOwnCode() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", "exit 7"])
            #expect(out.status == 7, "\(out)")
            #expect(out.signal == nil, "sandbox itself was killed: \(out)")
        }

        @Test func zeroIsZero() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "true"])
            #expect(out.status == 0, "\(out)")
        }

        @Test func signalIs128PlusN() throws {
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", "kill -9 $$"])
            #expect(out.status == 137, "\(out)")
            // sandbox exits with 137; it is not killed itself.
            #expect(out.signal == nil, "\(out)")
        }

        @Test func wallClockLimitIs124() throws {
            let (out, report) = try Harness.sandboxReport(["--timeout", "0.5s"], ["sleep", "30"], timeout: 20)
            #expect(out.status == 124, "\(out)")
            // sleep ends at SIGTERM, well before the 5 s kill_after.
            #expect(out.wallSeconds < 5, "\(out)")
            #expect(report.limitHit == "wall-time", "\(report.raw)")
            #expect(report.exit.reason == "timeout", "\(report.raw)")
        }

        /// A command that ignores SIGTERM gets SIGKILL after --kill-after.
        @Test func killAfterEndsACommandThatIgnoresSigterm() throws {
            let (out, report) = try Harness.sandboxReport(
                ["--timeout", "0.3s", "--kill-after", "0.3s"], ["sh", "-c", "trap '' TERM; sleep 30"], timeout: 20)
            #expect(out.status == 124, "\(out)")
            #expect(out.wallSeconds < 5, "\(out)")
            #expect(report.exit.signal == Int(SIGKILL), "\(report.raw)")
            #expect(report.exit.reason == "timeout", "\(report.raw)")
        }

        @Test(arguments: [
            ["run", "--timeout", "soon", "--", "true"],
            ["run", "--timeout"],
            ["run", "--kill-after", "0", "--", "true"],
            ["run", "--report", "/nonexistent-dir-sbx-itest/report.json", "--", "true"],
            ["profile", "bpf", "default", "--output", "/nonexistent-dir-sbx-itest/bpf"],
            ["profile", "export", "default"],
            ["--no-such-flag", "run", "--", "true"],
            ["run", "-p", "no-such-profile", "--", "true"],
            ["run", "--set", "process.nice=high", "--", "true"],
            ["run", "--set", "no.such.key=1", "--", "true"],
            ["no-such-subcommand"],
        ])
        func sandboxsOwnErrorsAre125(_ args: [String]) throws {
            let out = try Harness.sandbox(args)
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.hasPrefix("sandbox: "), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "one line expected: \(out)")
        }

        /// `run --help` prints the usage with examples and exits 0.
        @Test func runHelpShowsExamples() throws {
            let out = try Harness.sandbox(["run", "--help"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("USAGE: sandbox run") && out.stdout.contains("Examples:"), "\(out)")
        }

        /// An unknown option of `run` before `--` is a bad flag, not the command.
        @Test func unknownRunOptionIs125() throws {
            let out = try Harness.sandbox(["run", "-q", "--bogus", "--", "true"])
            #expect(out.status == 125, "\(out)")
        }

        /// A setup step that fails in the child (here chdir) is sandbox's failure, with the step named.
        @Test func failedSetupStepIs125() throws {
            let out = try Harness.sandbox(["run", "-q", "--set", "process.workdir=/nonexistent-sbx-itest", "--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("chdir"), "\(out)")
        }

        /// Above fs.nr_open no process may raise RLIMIT_NOFILE, capability or not.
        @Test func impossibleLimitIs125() throws {
            let out = try Harness.sandbox(["run", "-q", "--set", "limits.open_files=2000000000", "--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("RLIMIT_NOFILE"), "\(out)")
        }

        @Test func nonExecutableFileIs126() throws {
            let dir = try TemporaryDirectory()
            let plain = try dir.write("plain", "#!/bin/sh\necho ran\n", mode: 0o644)
            var out = try Harness.sandbox(["run", "-q", "--", plain])
            #expect(out.status == 126, "\(out)")
            #expect(!out.stdout.contains("ran"), "\(out)")
            // Executable bits but no format the kernel knows.
            let garbage = try dir.write("garbage", "\u{7}\u{1}not a program\n", mode: 0o755)
            out = try Harness.sandbox(["run", "-q", "--", garbage])
            #expect(out.status == 126, "\(out)")
            out = try Harness.sandbox(["run", "-q", "--", dir.path])
            #expect(out.status == 126, "a directory: \(out)")
        }

        @Test func missingCommandIs127() throws {
            var out = try Harness.sandbox(["run", "-q", "--", "no-such-command-sbx-itest"])
            #expect(out.status == 127, "\(out)")
            #expect(out.stderr.contains("no-such-command-sbx-itest"), "\(out)")
            out = try Harness.sandbox(["run", "-q", "--", "/nonexistent-sbx-itest/cmd"])
            #expect(out.status == 127, "\(out)")
        }
    }
}
