import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// `capabilities.keep`, and what a setuid or file-capability program can regain inside (nothing).
    @Suite struct CapabilityTests {
        static let netBindService: UInt64 = 1 << 10

        /// Runs a freshly copied program, retrying while exec fails with ETXTBSY: a process forked by a
        /// parallel test while the copy was open for writing holds that fd until it execs.
        static func runCopied(_ path: String, _ args: [String]) throws -> ProcessOutput {
            var out = try Harness.run(path, args)
            for _ in 0..<20 where out.status == 126 || out.stderr.contains("Text file busy") {
                usleep(50_000)
                out = try Harness.run(path, args)
            }
            return out
        }

        /// Root keeping one capability: it is the only one left in every set, and it is ambient, so it
        /// survives the execve of an ordinary program.
        @Test(.enabled(if: Condition.root("keptCapabilityIsTheOnlyOneLeft")))
        func keptCapabilityIsTheOnlyOneLeft() throws {
            let out = try Harness.sandbox(["run", "-q", "--set", #"capabilities.keep=["NET_BIND_SERVICE"]"#, "--",
                                           "grep", "^Cap", "/proc/self/status"])
            #expect(out.status == 0, "\(out)")
            let status = ProcStatus(out.stdout)
            for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                #expect(status.capabilities(set) == Self.netBindService, "\(set): \(out.stdout)")
            }
        }

        /// Asking to keep a capability the caller does not hold fails before anything starts (125); with
        /// best_effort the run goes on and the report says what was not enforced.
        @Test(.enabled(if: Condition.canDropToNobody("keepingAnUnheldCapability")))
        func keepingAnUnheldCapability() throws {
            let install = try UnprivilegedTests.Install()
            let refused = try install.run(["run", "-q", "--set", #"capabilities.keep=["NET_ADMIN"]"#, "--", "true"])
            #expect(refused.status == 125, "\(refused)")
            #expect(refused.stderr.contains("CAP_NET_ADMIN"), "\(refused)")
            let (out, report) = try install.report(["--set", #"capabilities.keep=["NET_ADMIN"]"#, "--set", #"best_effort=["capabilities"]"#],
                                                   ["true"])
            #expect(out.status == 0, "\(out)")
            let notEnforced = report.raw["not_enforced"] as? [String] ?? []
            #expect(notEnforced.contains { $0.contains("CAP_NET_ADMIN") }, "\(report.raw)")
        }

        /// A setuid-root program run by `nobody` inside the sandbox stays `nobody` (no_new_privs). The same
        /// program outside the sandbox becomes root, which shows the test can tell the difference.
        @Test(.enabled(if: Condition.canDropToNobody("setuidProgramGainsNothing")))
        func setuidProgramGainsNothing() throws {
            let dir = try TemporaryDirectory()
            chmod(dir.path, 0o755)
            let id = dir.file("id")
            try FileManager.default.copyItem(atPath: "/usr/bin/id", toPath: id)
            chown(id, 0, 0)
            chmod(id, 0o4755)
            let install = try UnprivilegedTests.Install()
            let setpriv = try #require(Harness.tool("setpriv"))
            let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--"]
            let outside = try Self.runCopied(setpriv, asNobody + [id, "-u"])
            guard outside.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else {
                print("skipped setuidProgramGainsNothing: setuid has no effect under \(dir.path) (nosuid mount?): \(outside)")
                return
            }
            let inside = try install.run(["run", "-q", "--", id, "-u"])
            #expect(inside.status == 0, "\(inside)")
            #expect(inside.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "65534", "\(inside)")
        }

        /// A program with file capabilities (setcap) gains none of them inside the sandbox.
        @Test(.enabled(if: Condition.canDropToNobody("fileCapabilitiesGainNothing")))
        func fileCapabilitiesGainNothing() throws {
            guard let setcap = Harness.tool("setcap") else {
                print("skipped fileCapabilitiesGainNothing: setcap(8) is not installed (libcap2-bin)")
                return
            }
            let dir = try TemporaryDirectory()
            chmod(dir.path, 0o755)
            let grep = dir.file("grep")
            try FileManager.default.copyItem(atPath: "/usr/bin/grep", toPath: grep)
            chmod(grep, 0o755)
            let set = try Self.runCopied(setcap, ["cap_net_raw+ep", grep])
            #expect(set.status == 0, "\(set)")
            let setpriv = try #require(Harness.tool("setpriv"))
            let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--"]
            let outside = ProcStatus(try Self.runCopied(setpriv, asNobody + [grep, "^Cap", "/proc/self/status"]).stdout)
            guard outside.capabilities("CapEff") == 1 << 13 else {
                print("skipped fileCapabilitiesGainNothing: file capabilities have no effect here: \(outside.fields)")
                return
            }
            let install = try UnprivilegedTests.Install()
            let inside = try install.run(["run", "-q", "--", grep, "^Cap", "/proc/self/status"])
            #expect(inside.status == 0, "\(inside)")
            let status = ProcStatus(inside.stdout)
            #expect(status.capabilities("CapEff") == 0, "\(inside.stdout)")
            #expect(status.capabilities("CapPrm") == 0, "\(inside.stdout)")
        }
    }
}
