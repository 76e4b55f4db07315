import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// A bad profile or override: exit 125, one line naming the file, line and key (with a suggestion
    /// when there is one), and no child started.
    @Suite struct ProfileErrorTests {
        /// Runs a command that would create a marker file, with `options`; checks the common contract and
        /// returns the error line.
        static func rejected(_ options: [String], in dir: TemporaryDirectory) throws -> String {
            let marker = dir.file("marker")
            let out = try Harness.sandbox(["run", "-q"] + options + ["--", "touch", marker])
            #expect(out.status == 125, "\(out)")
            #expect(out.stdout.isEmpty, "\(out)")
            let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 1 && out.stderr.hasSuffix("\n"), "one line expected: \(out)")
            #expect(out.stderr.hasPrefix("sandbox: "), "\(out)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the command ran: \(out)")
            return out.stderr
        }

        @Test func unknownKeySuggestsTheRightOne() throws {
            let dir = try TemporaryDirectory()
            let path = try dir.write("p.toml", "extends = \"default\"\n[process]\nnicee = 3\n")
            let message = try Self.rejected(["-p", path], in: dir)
            #expect(message.contains("\(path):3"), "\(message)")
            #expect(message.contains("nicee"), "\(message)")
            #expect(message.contains("did you mean 'nice'"), "\(message)")
        }

        @Test func unknownSyscallSuggestsTheRightOne() throws {
            let dir = try TemporaryDirectory()
            let path = try dir.write("p.toml", "extends = \"default\"\n\n[seccomp]\ndeny_add = [\"mountt\"]\n")
            let message = try Self.rejected(["-p", path], in: dir)
            #expect(message.contains("\(path):4"), "\(message)")
            #expect(message.contains("mountt"), "\(message)")
            #expect(message.contains("'mount'"), "\(message)")
        }

        /// A binary file: one short line, none of its bytes.
        @Test func binaryFileIsOneLine() throws {
            let dir = try TemporaryDirectory()
            let path = dir.file("binary.toml")
            try FileManager.default.copyItem(atPath: try Harness.sandbox, toPath: path)
            let message = try Self.rejected(["-p", path], in: dir)
            #expect(message.contains(path), "\(message)")
            #expect(message.count < 300, "\(message)")
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } && !message.contains("ELF"), "\(message)")
        }

        @Test func missingProfileName() throws {
            let dir = try TemporaryDirectory()
            let message = try Self.rejected(["-p", "no-such-profile-sbx"], in: dir)
            #expect(message.contains("no-such-profile-sbx"), "\(message)")
        }

        @Test func missingProfileFile() throws {
            let dir = try TemporaryDirectory()
            let message = try Self.rejected(["-p", dir.file("absent.toml")], in: dir)
            #expect(message.contains(dir.file("absent.toml")), "\(message)")
        }

        @Test(arguments: [
            ("process.nice=lots", "process.nice"),
            ("limits.open_files=many", "limits.open_files"),
            ("process.nicee=1", "did you mean 'nice'"),
            ("limits.cpu=-5s", "limits.cpu"),
            ("nice", "nice"),
        ])
        func badOverride(_ setting: String, _ expected: String) throws {
            let dir = try TemporaryDirectory()
            let message = try Self.rejected(["--set", setting], in: dir)
            #expect(message.contains("--set"), "\(message)")
            #expect(message.contains(expected), "\(message)")
        }

        /// Two files that extend each other: the message shows the chain.
        @Test func inheritanceCycle() throws {
            let dir = try TemporaryDirectory()
            let a = try dir.write("a.toml", "extends = \"b.toml\"\n")
            let b = try dir.write("b.toml", "# b\nextends = \"a.toml\"\n")
            let message = try Self.rejected(["-p", a], in: dir)
            #expect(message.contains("cycle"), "\(message)")
            #expect(message.contains("\(a) -> \(b) -> \(a)"), "\(message)")
        }

        /// `sandbox profile check`, the lint step: 0 and "ok" for a good file, 1 and the error's one line
        /// for a bad one (not an argument error), 125 for a bad flag.
        @Test func profileCheck() throws {
            let dir = try TemporaryDirectory()
            let good = try dir.write("good.toml", "extends = \"default\"\n[process]\nnice = 11\n")
            let bad = try dir.write("bad.toml", "extends = \"default\"\n[process]\nnicee = 11\n")
            let ok = try Harness.sandbox(["profile", "check", good])
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.stdout.contains("ok"), "\(ok)")
            let failed = try Harness.sandbox(["profile", "check", bad])
            #expect(failed.status == 1, "\(failed)")
            #expect(failed.stderr.contains("\(bad):3"), "\(failed)")
            #expect(!failed.stderr.contains("invalid arguments"), "\(failed)")
            #expect(failed.stderr.split(separator: "\n").count == 1, "\(failed)")
            let both = try Harness.sandbox(["profile", "check", good, bad])
            #expect(both.status == 1 && both.stdout.contains("\(good): ok"), "\(both)")
            let flag = try Harness.sandbox(["profile", "check", "--no-such-flag", good])
            #expect(flag.status == 125, "\(flag)")
        }
    }

    /// A profile that extends another: the inherited and the overridden values both take effect.
    @Suite struct ProfileInheritanceTests {
        @Test func extendedProfileTakesEffect() throws {
            let dir = try TemporaryDirectory()
            let path = try dir.write("nice11.toml", "extends = \"default\"\n\n[process]\nnice = 11\n")
            let out = try Harness.sandbox(["run", "-q", "-p", path, "--", "sh", "-c",
                                           "ulimit -n; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; cat /proc/self/stat"])
            #expect(out.status == 0, "\(out)")
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(lines.last.flatMap(ProcStat.init)?.nice == 11, "\(out)")
            // Inherited from default.
            #expect(lines.first == "1024", "\(out)")
            let status = ProcStatus(out.stdout)
            #expect(status["NoNewPrivs"] == "1" && status["Seccomp"] == "2", "\(out)")
        }

        @Test func stackedProfilesAndSetApplyInOrder() throws {
            let dir = try TemporaryDirectory()
            let path = try dir.write("nice11.toml", "extends = \"default\"\n[process]\nnice = 11\n")
            let out = try Harness.sandbox(["run", "-q", "-p", path, "--set", "process.nice=13", "--", "cat", "/proc/self/stat"])
            #expect(out.status == 0, "\(out)")
            #expect(ProcStat(out.stdout)?.nice == 13, "\(out)")
        }
    }
}
