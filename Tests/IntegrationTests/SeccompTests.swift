import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The seccomp filters of the shipped profiles against real programs. Every syscall attempted here is
    /// harmless if it got through (a mount on a missing directory, a namespace child that exits at once,
    /// a character pushed into a pty of the test's own), so a broken filter fails the test and nothing else.
    @Suite struct SeccompTests {
        /// Runs a python snippet under the default profile; returns its output and the report.
        static func python(_ code: String, profile: String = "default") throws -> (ProcessOutput, SandboxReport) {
            try Harness.sandboxReport(["-p", profile], [try Harness.python3, "-c", code])
        }

        @Test func unshareIsDeniedAndNamed() throws {
            let (out, report) = try Harness.sandboxReport([], ["unshare", "-U", "true"])
            #expect(out.status != 0, "\(out)")
            #expect(out.stderr.contains("Operation not permitted"), "\(out)")
            let blocked = try #require(report.blocked("unshare"), "\(report.raw)")
            #expect(blocked.action == "errno:EPERM")
            #expect(blocked.count >= 1)
        }

        /// mount(2) on a directory that does not exist: ENOENT if the filter let it through, EPERM from
        /// the filter.
        @Test func mountIsDenied() throws {
            let (out, report) = try Self.python("""
                import ctypes, errno
                libc = ctypes.CDLL(None, use_errno=True)
                r = libc.mount(b"none", b"/nonexistent-sbx-itest", b"tmpfs", 0, None)
                print(r, errno.errorcode.get(ctypes.get_errno()))
                """)
            #expect(out.stdout == "-1 EPERM\n", "\(out)")
            #expect(report.blocked("mount")?.action == "errno:EPERM", "\(report.raw)")
        }

        /// Raw clone(CLONE_NEWUSER | SIGCHLD) is refused; a plain fork still works.
        @Test func cloneNewUserIsDeniedForkIsNot() throws {
            let (out, report) = try Self.python("""
                import ctypes, errno, os
                libc = ctypes.CDLL(None, use_errno=True)
                libc.syscall.restype = ctypes.c_long
                r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)
                if r == 0: os._exit(0)
                print("clone", r, errno.errorcode.get(ctypes.get_errno()))
                pid = os.fork()
                if pid == 0: os._exit(7)
                print("fork", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
                """)
            #expect(out.stdout == "clone -1 EPERM\nfork 7\n", "\(out)")
            #expect(report.blocked("clone")?.action == "errno:EPERM", "\(report.raw)")
        }

        /// TIOCSTI on fd 0 (/dev/null): the terminal check would say ENOTTY, but the filter comes first
        /// and says EPERM.
        @Test func tiocstiOnStdinIsDenied() throws {
            let (out, _) = try Self.python("""
                import fcntl, termios
                try:
                    fcntl.ioctl(0, termios.TIOCSTI, b"x"); print("ok")
                except OSError as e:
                    print(e.errno)
                """)
            #expect(out.stdout == "\(EPERM)\n", "EPERM expected (ENOTTY = \(ENOTTY)): \(out)")
        }

        /// On a real terminal (a pty the command opens), with the request's high bits set too: the kernel
        /// ignores them, so the filter must as well.
        @Test func tiocstiOnAPtyIsDenied() throws {
            let (out, report) = try Self.python("""
                import ctypes, errno, os, pty, termios
                libc = ctypes.CDLL(None, use_errno=True)
                master, slave = pty.openpty()
                for request in (termios.TIOCSTI, termios.TIOCSTI | (1 << 32)):
                    c = ctypes.c_char(b"x")
                    r = libc.syscall(16, slave, ctypes.c_ulong(request), ctypes.byref(c))
                    print(r, errno.errorcode.get(ctypes.get_errno()))
                """)
            #expect(out.stdout == "-1 EPERM\n-1 EPERM\n", "\(out)")
            #expect(report.blocked("ioctl")?.count == 2, "\(report.raw)")
        }

        /// The report names the rule that denied a call: for clone, the clone rule's own line in the profile.
        @Test func blockedEntryNamesItsRule() throws {
            let (_, report) = try Self.python("""
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0) == 0: os._exit(0)
                """)
            let rule = try #require(report.blocked("clone")?.rule, "\(report.raw)")
            let source = try String(contentsOfFile: Self.shippedProfile("default"), encoding: .utf8)
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            // The `[[seccomp.rules]]` header above `syscall = "clone"`.
            let cloneLine = try #require(lines.firstIndex { $0.hasPrefix("syscall = \"clone\"") })
            let header = try #require(lines[..<cloneLine].lastIndex { $0.hasPrefix("[[seccomp.rules]]") }) + 1
            #expect(rule.hasSuffix("default.toml:\(header)"), "rule: \(rule); the clone rule starts at line \(header)")
        }

        /// profiles/NAME.toml in this repository (the built-in profiles are these files).
        static func shippedProfile(_ name: String) -> String {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("profiles/\(name).toml").path
        }

        static let profiles = ["default", "strict", "audit", "build"]


        /// Ordinary programs work under every shipped profile.
        @Test(arguments: profiles)
        func ordinaryProgramsWork(_ profile: String) throws {
            var commands: [([String], String?)] = [
                (["sh", "-c", "echo hi"], "hi\n"),
                (["ls", "/"], nil),
                (["cat", "/etc/hostname"], try String(contentsOfFile: "/etc/hostname", encoding: .utf8)),
                ([try Harness.python3, "-c", "print(1)"], "1\n"),
            ]
            if let git = Harness.tool("git") { commands.append(([git, "--version"], nil)) } else { print("git not installed: not run") }
            for (command, expected) in commands {
                let (out, report) = try Harness.sandboxReport(["-p", profile], command)
                #expect(out.status == 0, "\(profile): \(command): \(out)")
                #expect(!out.stdout.isEmpty, "\(profile): \(command): \(out)")
                if let expected { #expect(out.stdout == expected, "\(profile): \(command): \(out)") }
                // strict denies by default: a program may probe a call it does without.
                if profile == "strict" {
                    if !report.seccomp.blocked.isEmpty { print("strict: \(command) was denied \(report.seccomp.blocked.map(\.syscall))") }
                } else {
                    #expect(report.seccomp.blocked.isEmpty, "\(profile): \(command): \(report.seccomp.blocked)")
                }
            }
        }

        @Test(.enabled(if: Condition.probeSupports("syscall", "SeccompTests.probeSyscalls")), arguments: [
            ("syscall mount", "mount: errno EPERM (1)"),
            ("syscall unshare", "unshare: errno EPERM (1)"),
            ("clone newuser", nil),
            ("ioctl tiocsti", nil),
        ] as [(String, String?)])
        func probeSyscalls(_ probeArgs: String, _ expected: String?) throws {
            let out = try Harness.sandbox(["run", "-q", "--", try Harness.probe] + probeArgs.split(separator: " ").map(String.init))
            #expect(out.status == 0, "\(out)")
            if let expected {
                #expect(out.stdout.trimmingCharacters(in: .newlines) == expected, "\(out)")
            } else {
                #expect(out.stdout.contains("errno EPERM"), "\(out)")
            }
        }

        /// A sandbox inside a sandbox: the kernel allows one seccomp listener per filter chain, so the inner
        /// run's filter with notification is refused (EBUSY): one line that says why and what to set, 125.
        @Test func nestedListenerIsExplained() throws {
            let sandbox = try Harness.sandbox
            let out = try Harness.sandbox(["run", "-q", "--", sandbox, "run", "-q", "--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("set seccomp.notify = false for the inner run"), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(out)")
            let inner = try Harness.sandbox(["run", "-q", "--", sandbox, "run", "-q", "--set=seccomp.notify=false", "--", "true"])
            #expect(inner.status == 0, "\(inner)")
        }
    }
}
