import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// Signals to sandbox reach the command; sandbox's death takes the command with it; nothing the
    /// command started outlives the run.
    @Suite struct SignalTests {
        /// Starts `sandbox run -- sh -c SCRIPT` where SCRIPT writes its pid to a file once it is ready, and
        /// waits for that file.
        static func startReady(_ script: String, in dir: TemporaryDirectory) throws -> (SpawnedProcess, pid_t) {
            let ready = dir.file("ready")
            let sandbox = try Harness.start(try Harness.sandbox, ["run", "-q", "--", "sh", "-c", script.replacingOccurrences(of: "READY", with: ready)])
            let (seen, _) = Harness.waitUntil(timeout: 10) { !Harness.pids(in: ready).isEmpty }
            guard seen, let pid = Harness.pids(in: ready).first else {
                sandbox.signal(SIGKILL)
                throw HarnessError("the command never wrote \(ready): \((try? sandbox.wait(timeout: 5)).map { "\($0)" } ?? "")")
            }
            return (sandbox, pid)
        }

        @Test(arguments: [(SIGTERM, "TERM", 42), (SIGINT, "INT", 43), (SIGHUP, "HUP", 44), (SIGUSR1, "USR1", 45)])
        func signalIsForwarded(_ signal: Int32, _ name: String, _ code: Int32) throws {
            let dir = try TemporaryDirectory()
            let (sandbox, _) = try Self.startReady(
                "trap 'exit \(code)' \(name); echo $$ > READY; while :; do sleep 0.05; done", in: dir)
            sandbox.signal(signal)
            let out = try sandbox.wait(timeout: 10)
            #expect(out.status == code, "\(out)")
        }

        /// die_with_parent: PR_SET_PDEATHSIG kills the command when sandbox is SIGKILLed (nothing of sandbox
        /// runs then).
        @Test func commandDiesWithSandbox() throws {
            let dir = try TemporaryDirectory()
            let (sandbox, pid) = try Self.startReady("echo $$ > READY; exec sleep 300", in: dir)
            defer { kill(pid, SIGKILL) }
            #expect(Harness.isAlive(pid))
            sandbox.signal(SIGKILL)
            _ = try sandbox.wait(timeout: 5)
            let (dead, after) = Harness.waitUntil(timeout: 2) { !Harness.isAlive(pid) }
            #expect(dead, "pid \(pid) (sleep 300) still alive 2 s after sandbox was killed")
            #expect(after < 1.0, "pid \(pid) took \(after) s to die")
        }

        /// Children, grandchildren and a daemon that left the session (setsid, parent exits) are all killed
        /// and reaped by the time sandbox exits: none alive, none a zombie.
        @Test func nothingOutlivesTheRun() throws {
            let dir = try TemporaryDirectory()
            let pids = dir.file("pids")
            let record = "echo \\$\\$ >> \(pids); exec sleep 300"
            let script = """
                (setsid sh -c "\(record)" &)
                sh -c "\(record)" &
                sh -c 'echo $$ >> \(pids); (sh -c "\(record)" &) ; exec sleep 300' &
                while [ "$(wc -l < \(pids) 2>/dev/null)" != 4 ]; do sleep 0.01; done
                """
            let out = try Harness.sandbox(["run", "-q", "--", "sh", "-c", script], timeout: 20)
            let started = Harness.pids(in: pids)
            defer { started.forEach { kill($0, SIGKILL) } }
            #expect(out.status == 0, "\(out)")
            #expect(started.count == 4, "\(out)")
            for pid in started {
                #expect(!Harness.exists(pid), "pid \(pid) (sleep 300) outlived sandbox: \((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "")")
            }
        }
    }
}
