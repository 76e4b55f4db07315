import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The compiled-profile cache seen from outside: a run from the cache is exactly as hardened as one
    /// that compiles, an edited profile takes effect at the next run, and the cache's own configuration
    /// errors are one line and exit 125.
    @Suite struct ProfileCacheTests {
        static func cacheStatus(_ report: SandboxReport) -> (status: String?, reason: String?) {
            let cache = report.raw["profile_cache"] as? [String: Any]
            return (cache?["status"] as? String, cache?["reason"] as? String)
        }

        @Test func aRunFromTheCacheIsAsHardenedAsOneThatCompiles() throws {
            let cache = try TemporaryDirectory()
            let env = ["SANDBOX_CACHE": cache.path + "/c"]
            for expected in ["miss", "hit", "hit"] {
                let (out, report) = try Harness.sandboxReport([], ["sh", "-c", IsolationTests.statusScript + "; ulimit -n; nice"],
                                                              environment: env)
                #expect(Self.cacheStatus(report).status == expected, "\(out)")
                #expect(out.status == 0, "\(out)")
                let status = ProcStatus(out.stdout)
                #expect(status["NoNewPrivs"] == "1", "\(expected): \(out)")
                #expect(status["Seccomp"] == "2", "\(expected): \(out)")
                for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
                    #expect(status.capabilities(set) == 0, "\(expected): \(set)\n\(out)")
                }
                #expect(out.stdout.hasSuffix("1024\n5\n"), "open files and nice of the default profile: \(out)")
            }
        }

        @Test(.enabled(if: Condition.probeSupports("syscall", "ProfileCacheTests.aDeniedCallIsNamedFromTheCache")))
        func aDeniedCallIsNamedFromTheCache() throws {
            let cache = try TemporaryDirectory()
            let env = ["SANDBOX_CACHE": cache.path]
            for expected in ["miss", "hit"] {
                let (out, report) = try Harness.sandboxReport([], [try Harness.probe, "syscall", "mount"], environment: env)
                #expect(Self.cacheStatus(report).status == expected, "\(out)")
                #expect(out.stdout == "mount: errno EPERM (1)\n", "\(expected): \(out)")
                #expect(report.blocked("mount")?.rule == "deny mount", "\(expected): \(report.seccomp.blocked)")
            }
        }

        @Test(.enabled(if: Condition.probeSupports("syscall", "ProfileCacheTests.anEditedProfileTakesEffectAtTheNextRun")))
        func anEditedProfileTakesEffectAtTheNextRun() throws {
            let dir = try TemporaryDirectory()
            let env = ["SANDBOX_CACHE": dir.path + "/cache"]
            let profile = try dir.write("p.toml", "extends = \"default\"\n[seccomp]\ndeny_add = [\"getppid\"]\n")
            let probe = [try Harness.probe, "syscall", "getppid"]
            let (first, r1) = try Harness.sandboxReport(["-p", profile], probe, environment: env)
            #expect(first.stdout == "getppid: errno EPERM (1)\n", "\(first)")
            #expect(Self.cacheStatus(r1).status == "miss")
            // The same length, written within the same second: only the content tells.
            _ = try dir.write("p.toml", "extends = \"default\"\n[seccomp]\ndeny_add = [\"getpgrp\"]\n")
            let (second, r2) = try Harness.sandboxReport(["-p", profile], probe, environment: env)
            #expect(second.stdout == "getppid: ok\n", "the old profile was used? \(second)")
            #expect(Self.cacheStatus(r2).status == "miss")
        }

        @Test func offCompilesEveryTime() throws {
            let (out, report) = try Harness.sandboxReport([], ["true"], environment: ["SANDBOX_CACHE": "off"])
            #expect(out.status == 0, "\(out)")
            #expect(Self.cacheStatus(report).status == "off")
            #expect(Self.cacheStatus(report).reason == "SANDBOX_CACHE=off")
        }

        @Test func aRelativeCacheDirectoryIsAUsageError() throws {
            let dir = try TemporaryDirectory()
            let marker = dir.file("marker")
            let out = try Harness.sandbox(["run", "-q", "--", "touch", marker], environment: ["SANDBOX_CACHE": "cache"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr == "sandbox: SANDBOX_CACHE=cache: expected an absolute directory or 'off'\n", "\(out)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the command ran: \(out)")
        }

        @Test func aDirectoryOthersCanWriteIsNotUsedAndTheReportSaysWhy() throws {
            let dir = try TemporaryDirectory(mode: 0o777)
            chmod(dir.path, 0o777)
            let (out, report) = try Harness.sandboxReport([], ["true"], environment: ["SANDBOX_CACHE": dir.path])
            #expect(out.status == 0, "\(out)")
            #expect(Self.cacheStatus(report).status == "miss")
            #expect(Self.cacheStatus(report).reason?.contains("writable by others") == true, "\(report.raw)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        }

        @Test(.enabled(if: Condition.canDropToNobody("ProfileCacheTests.asNobody")))
        func asNobody() throws {
            let install = try UnprivilegedTests.Install()
            // root's cache directory: not nobody's, so not used, and the run goes on.
            let rootsCache = try TemporaryDirectory()
            let (denied, r1) = try install.report([], ["true"], environment: ["SANDBOX_CACHE": rootsCache.path])
            #expect(denied.status == 0, "\(denied)")
            #expect(Self.cacheStatus(r1).status == "miss")
            #expect(Self.cacheStatus(r1).reason?.contains("belongs to uid 0") == true, "\(r1.raw)")
            // A directory nobody creates is nobody's: the second run is served from it.
            let own = ["SANDBOX_CACHE": install.work.file("cache")]
            let (_, r2) = try install.report([], ["true"], environment: own)
            #expect(Self.cacheStatus(r2).status == "miss", "\(r2.raw)")
            #expect(Self.cacheStatus(r2).reason == nil, "\(r2.raw)")
            let (out, r3) = try install.report([], ["sh", "-c", IsolationTests.statusScript], environment: own)
            #expect(Self.cacheStatus(r3).status == "hit", "\(r3.raw)")
            #expect(ProcStatus(out.stdout)["Seccomp"] == "2", "\(out)")
        }
    }
}
