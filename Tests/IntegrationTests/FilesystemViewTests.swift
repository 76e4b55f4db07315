import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// The `[filesystem]` view on the real kernel, as root and as `nobody`: the mount namespace enforcer
    /// (the `ci` profile), Landlock alone, the symlink races designed against, and the errors.
    @Suite struct FilesystemViewTests {
        static let path = ["PATH": "/usr/bin:/bin"]

        /// `sandbox ARGS` as root, or as nobody through `UnprivilegedTests.Install`.
        final class Runner {
            let install: UnprivilegedTests.Install?
            /// The working directory of the runs (0777, so that nobody may write): under /tmp, so beneath
            /// the ci view's private /tmp, which is how a checkout under a hidden or tmpfs parent comes back.
            let work: TemporaryDirectory

            init(asNobody: Bool) throws {
                install = asNobody ? try UnprivilegedTests.Install() : nil
                work = try install?.work ?? TemporaryDirectory(mode: 0o777)
            }

            func run(_ options: [String], _ command: [String]) throws -> ProcessOutput {
                let args = ["run", "-q", "--set", "process.workdir=\"\(work.path)\""] + options + ["--"] + command
                if let install { return try install.run(args, environment: FilesystemViewTests.path) }
                return try Harness.sandbox(args, environment: FilesystemViewTests.path)
            }

            func report(_ options: [String], _ command: [String]) throws -> (ProcessOutput, SandboxReport) {
                let options = ["--set", "process.workdir=\"\(work.path)\""] + options
                if let install { return try install.report(options, command, environment: FilesystemViewTests.path) }
                return try Harness.sandboxReport(options, command, environment: FilesystemViewTests.path)
            }
        }

        static func enforcers(_ report: SandboxReport) -> [String] {
            ((report.raw["filesystem"] as? [String: Any])?["enforcers"] as? [String]) ?? []
        }

        // MARK: - The ci profile

        /// What a test run sees under -p ci: writes outside the working directory fail and reach nothing,
        /// hidden paths and $HOME are empty, /tmp is private, /proc shows the tree, /dev is minimal, and
        /// every mount is nosuid (nodev, read-only) as the view says.
        func ciView(asNobody: Bool) throws {
            let r = try Runner(asNobody: asNobody)
            let tag = UUID().uuidString
            let script = """
                for f in /etc/sbx-\(tag) /usr/sbx-\(tag) /var/sbx-\(tag) /srv/sbx-\(tag) /home/sbx-\(tag); do
                  if echo x > $f 2>/dev/null; then echo "wrote $f"; else echo "refused $f"; fi
                done
                echo private > /tmp/sbx-\(tag)
                echo kept > \(r.work.path)/kept-\(tag)
                echo "root:$(ls -A /root | wc -l) home:$(ls -A /home | wc -l) HOME:$(ls -A "$HOME" | wc -l)"
                echo "shadow:$(cat /etc/shadow 2>/dev/null | wc -c)"
                echo "procpids:$(ls /proc | grep -c '^[0-9]')"
                echo "dev:$(ls /dev | tr '\\n' ' ')"
                echo "net:$(ls /sys/class/net | tr '\\n' ' ')"
                cat /proc/self/mountinfo
                """
            let (out, report) = try r.report(["-p", "ci"], ["sh", "-c", script])
            #expect(out.status == 0, "\(out)")
            let stdout = out.stdout
            // /home is hidden: an empty directory, read-only (bound, or a sealed tmpfs when the checkout is beneath it).
            for dir in ["etc", "usr", "var", "srv", "home"] {
                #expect(stdout.contains("refused /\(dir)/sbx-\(tag)"), "\(dir): \(out)")
                #expect(!FileManager.default.fileExists(atPath: "/\(dir)/sbx-\(tag)"), "nothing reaches the host's /\(dir)")
            }
            #expect(!FileManager.default.fileExists(atPath: "/tmp/sbx-\(tag)"), "the private /tmp is not the host's")
            #expect((try? String(contentsOfFile: r.work.file("kept-\(tag)"), encoding: .utf8)) == "kept\n", "the working directory's writes are on the host")
            #expect(stdout.contains("root:0 home:0 HOME:0"), "\(out)")
            #expect(stdout.contains("shadow:0"), "\(out)")
            let pids = Int(stdout.split(separator: "\n").first { $0.hasPrefix("procpids:") }?.dropFirst(9) ?? "") ?? 99
            #expect(pids <= 6, "/proc shows only the tree (init, sh, the pipeline): \(pids)")
            #expect(stdout.contains("dev:fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"), "\(out)")
            #expect(stdout.contains("net:lo \n"), "a fresh sysfs lists only the network namespace's interfaces: \(out)")
            #expect(Self.enforcers(report) == ["mount-namespace", "landlock"], "\(report.raw)")

            // Every mount: nosuid; nodev but for /dev's nodes and devpts; read-only but for the writable parts.
            let writable = ["/tmp", "/var/tmp", r.work.path, "/dev", "/dev/shm", "/dev/pts", "/proc", "/root"]
            var checked = 0
            for line in stdout.split(separator: "\n") where line.contains(" - ") {
                let fields = line.split(separator: " ")
                guard fields.count > 6 else { continue }
                let point = String(fields[4]), options = Set(fields[5].split(separator: ",").map(String.init))
                #expect(options.contains("nosuid"), "\(line)")
                if !point.hasPrefix("/dev") { #expect(options.contains("nodev"), "\(line)") }
                let isWritable = writable.contains(point) || point.hasPrefix("/dev/") || point.hasPrefix("/home")
                if !isWritable { #expect(options.contains("ro"), "\(line)") }
                checked += 1
            }
            #expect(checked > 10, "mountinfo was read: \(out)")
        }

        @Test(.enabled(if: Condition.root("FilesystemViewTests.ciViewAsRoot")))
        func ciViewAsRoot() throws { try ciView(asNobody: false) }

        @Test(.enabled(if: Condition.canDropToNobody("FilesystemViewTests.ciViewAsNobody")))
        func ciViewAsNobody() throws { try ciView(asNobody: true) }

        /// A small project's unittest suite, git init/commit and make, in the working directory, unchanged.
        func realProject(asNobody: Bool) throws {
            let r = try Runner(asNobody: asNobody)
            try r.work.write("calc.py", "def add(a, b):\n    return a + b\n")
            try r.work.write("test_calc.py", """
                import os, tempfile, unittest
                import calc

                class CalcTest(unittest.TestCase):
                    def test_add(self):
                        self.assertEqual(calc.add(2, 3), 5)

                    def test_tempfile(self):
                        with tempfile.NamedTemporaryFile() as f:
                            f.write(b"x")
                            f.flush()
                            self.assertTrue(os.path.exists(f.name))

                    def test_home_is_empty(self):
                        self.assertEqual(os.listdir(os.path.expanduser("~")), [])

                if __name__ == "__main__":
                    unittest.main()
                """)
            try r.work.write("Makefile", "out/result.txt: calc.py\n\tmkdir -p out\n\tpython3 -c 'import calc; print(calc.add(20, 22))' > $@\n")
            let script = """
                set -e
                python3 -m unittest -v test_calc 2>&1
                git init -q . && git add calc.py test_calc.py Makefile
                git -c user.name=CI -c user.email=ci@example.invalid commit -q -m first && git log --oneline | wc -l
                make -s && cat out/result.txt
                """
            let out = try r.run(["-p", "ci"], ["sh", "-c", script])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("Ran 3 tests") && out.stdout.contains("OK"), "\(out)")
            #expect(out.stdout.hasSuffix("1\n42\n"), "\(out)")
            #expect(FileManager.default.fileExists(atPath: r.work.file(".git/HEAD")) && FileManager.default.fileExists(atPath: r.work.file("out/result.txt")))
        }

        @Test(.enabled(if: Condition.root("FilesystemViewTests.realProjectAsRoot")))
        func realProjectAsRoot() throws { try realProject(asNobody: false) }

        @Test(.enabled(if: Condition.canDropToNobody("FilesystemViewTests.realProjectAsNobody")))
        func realProjectAsNobody() throws { try realProject(asNobody: true) }

        /// The file-activity report inside the view names paths as the command sees them, its private /tmp
        /// included (a file system that did not exist when the watcher started).
        func watchInsideView(asNobody: Bool) throws {
            let r = try Runner(asNobody: asNobody)
            let tag = UUID().uuidString
            let (out, report) = try r.report(["-p", "ci", "--set", "watch.enabled=true"],
                                             ["sh", "-c", "echo a > /tmp/w-\(tag); echo b > \(r.work.path)/w-\(tag)"])
            #expect(out.status == 0, "\(out)")
            let paths = ((report.raw["files"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }
            #expect(paths.contains("/tmp/w-\(tag)") && paths.contains("\(r.work.path)/w-\(tag)"), "\(paths)")
            #expect(report.raw["files_mechanism"] as? String == "seccomp-notify", "\(report.raw)")
        }

        @Test(.enabled(if: Condition.root("FilesystemViewTests.watchInsideViewAsRoot")))
        func watchInsideViewAsRoot() throws { try watchInsideView(asNobody: false) }

        @Test(.enabled(if: Condition.canDropToNobody("FilesystemViewTests.watchInsideViewAsNobody")))
        func watchInsideViewAsNobody() throws { try watchInsideView(asNobody: true) }

        // MARK: - Built ahead

        /// As root without a user namespace the supervisor builds the view ahead, on a thread of its own
        /// (unshare(CLONE_NEWNS)), and the child, cloned without CLONE_NEWNS, joins it with setns and mounts
        /// only /proc's part; with a user namespace the child builds all of it. Both give the same view:
        /// the same mount points with the same options, and the thread never moved the supervisor.
        @Test(.enabled(if: Condition.root("FilesystemViewTests.viewBuiltAheadIsTheChildsView")))
        func viewBuiltAheadIsTheChildsView() throws {
            let r = try Runner(asNobody: false)
            let strace = try #require(Harness.tool("strace"))
            let log = r.work.file("strace.log")
            let traced = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=clone3,unshare,setns,pivot_root",
                                                  try Harness.sandbox, "run", "-q", "-p", "ci", "--set", "process.workdir=\"\(r.work.path)\"",
                                                  "--", "true"], environment: FilesystemViewTests.path)
            #expect(traced.status == 0, "\(traced)")
            let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            let child = calls.first { $0.contains("clone3(") && $0.contains("CLONE_NEWPID") }
            #expect(child.map { !$0.contains("CLONE_NEWNS") } == true, "the child is cloned into no mount namespace of its own: \(child ?? "no clone")")
            #expect(calls.contains { $0.contains("unshare(CLONE_NEWNS") }, "the thread makes the namespace:\n\(calls.joined(separator: "\n"))")
            #expect(calls.contains { $0.contains("setns(") && $0.contains("CLONE_NEWNS") }, "the child joins it:\n\(calls.joined(separator: "\n"))")

            func mounts(_ options: [String]) throws -> [String] {
                let out = try r.run(["-p", "ci"] + options, ["cat", "/proc/self/mountinfo"])
                #expect(out.status == 0, "\(out)")
                // Mount point and per-mount options; the order is the mount ids', which differ.
                return out.stdout.split(separator: "\n").map { line in line.split(separator: " ")[4...5].joined(separator: " ") }.sorted()
            }
            let ahead = try mounts([]), inChild = try mounts(["--set", "namespaces.user=true"])
            #expect(ahead.count > 30 && ahead.contains { $0.hasPrefix("/proc ") }, "\(ahead)")
            #expect(ahead == inChild, "built ahead:\n\(ahead.joined(separator: "\n"))\nbuilt in the child:\n\(inChild.joined(separator: "\n"))")
        }

        /// The thread starts on a CPU other than the main thread's (the kernel would queue it behind the busy
        /// main thread while the other CPU idles), then widens itself to every CPU sandbox may use; with one
        /// CPU allowed there is nothing to choose and no affinity call is made. Seen with strace: glibc sets
        /// the new thread's affinity from the creating thread, by tid, before the thread runs.
        @Test(.enabled(if: Condition.root("FilesystemViewTests.theThreadStartsOnAnotherCPU")))
        func theThreadStartsOnAnotherCPU() throws {
            // The CPUs this test may use, from "Cpus_allowed_list:\t0-1,3" (what sched_getaffinity returns).
            let status = ProcStatus(try String(contentsOfFile: "/proc/self/status", encoding: .utf8))
            let list = try #require(status["Cpus_allowed_list"])
            let cpus: [Int] = list.split(separator: ",").flatMap { range -> [Int] in
                let ends = range.split(separator: "-").compactMap { Int($0) }
                return ends.count == 2 ? Array(ends[0]...ends[1]) : ends
            }
            guard cpus.count >= 2 else {
                print("skipped FilesystemViewTests.theThreadStartsOnAnotherCPU: needs two CPUs, the test may use \(cpus)")
                return
            }
            let r = try Runner(asNobody: false)
            let strace = try #require(Harness.tool("strace"))
            let taskset = try #require(Harness.tool("taskset"), "taskset (util-linux)")
            func affinityCalls(_ name: String, pinned: Int?) throws -> [String] {
                let log = r.work.file(name)
                let sandbox = [try Harness.sandbox, "run", "-q", "-p", "ci", "--set", "process.workdir=\"\(r.work.path)\"", "--", "true"]
                let traced = try Harness.run(pinned == nil ? strace : taskset,
                                             (pinned.map { ["-c", String($0), strace] } ?? []) + ["-f", "-o", log, "-e", "trace=sched_setaffinity"] + sandbox,
                                             environment: FilesystemViewTests.path)
                #expect(traced.status == 0, "\(traced)")
                return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
                    .filter { $0.contains("sched_setaffinity(") }
            }
            let calls = try affinityCalls("affinity.log", pinned: nil)
            let all = "[" + cpus.map(String.init).joined(separator: " ") + "]"
            // "PID sched_setaffinity(TID, 128, [1]) = 0" from the main thread, "TID sched_setaffinity(0, 128, [0 1])" from the thread.
            let start = calls.first { line in
                let fields = line.split(separator: " ")
                return fields.count > 1 && !fields[1].hasPrefix("sched_setaffinity(0,") && !line.contains(all)
            }
            #expect(start != nil, "the thread is started on the other CPUs:\n\(calls.joined(separator: "\n"))")
            #expect(calls.contains { $0.contains("sched_setaffinity(0,") && $0.contains(all) }, "then widens to \(all):\n\(calls.joined(separator: "\n"))")
            let pinned = try affinityCalls("pinned.log", pinned: cpus[0])
            #expect(pinned.isEmpty, "one CPU allowed: nothing to choose:\n\(pinned.joined(separator: "\n"))")
        }

        /// lo comes up exactly once, up when the command runs: on the thread that made the network namespace,
        /// or, when that namespace was there at the clone, in the child before its go-ahead
        /// (sbx_ahead_loopback_to_child); with a view (ci) and without one (--net none alone).
        @Test(.enabled(if: Condition.root("FilesystemViewTests.loopbackComesUpOnce")))
        func loopbackComesUpOnce() throws {
            let r = try Runner(asNobody: false)
            let strace = try #require(Harness.tool("strace"))
            for (name, options) in [("ci.log", ["-p", "ci"]), ("net.log", ["--net", "none"])] {
                let log = r.work.file(name)
                let traced = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=ioctl", try Harness.sandbox, "run", "-q",
                                                      "--set", "process.workdir=\"\(r.work.path)\""] + options + ["--", "cat", "/sys/class/net/lo/flags"],
                                             environment: FilesystemViewTests.path)
                #expect(traced.status == 0 && traced.stdout == "0x9\n", "\(options): lo up (IFF_UP | IFF_LOOPBACK): \(traced)")
                let ups = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("SIOCSIFFLAGS") }
                #expect(ups.count == 1, "\(options): brought up once:\n\(ups.joined(separator: "\n"))")
            }
        }

        /// A mount cloned and closed unattached is unmounted, and an unmount waits out an RCU grace period on
        /// the launch's path: every open_tree clone and fsmount of a launch is attached by exactly one
        /// move_mount (an optional target that is absent, such as a masked /sys path this kernel lacks, is
        /// looked up before its source is cloned).
        @Test(.enabled(if: Condition.root("FilesystemViewTests.nothingClonedIsThrownAway")))
        func nothingClonedIsThrownAway() throws {
            let r = try Runner(asNobody: false)
            let strace = try #require(Harness.tool("strace"))
            for (name, options) in [("ahead.log", [String]()), ("in-child.log", ["--set", "namespaces.user=true"])] {
                let log = r.work.file(name)
                let traced = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=open_tree,fsmount,move_mount",
                                                      try Harness.sandbox, "run", "-q", "-p", "ci", "--set", "process.workdir=\"\(r.work.path)\""]
                                             + options + ["--", "true"], environment: FilesystemViewTests.path)
                #expect(traced.status == 0, "\(traced)")
                let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                func count(_ call: String) -> Int { calls.filter { $0.contains(call + "(") && !$0.contains("resumed") }.count }
                let made = count("open_tree") + count("fsmount"), attached = count("move_mount")
                #expect(made > 20 && made == attached, "\(options): \(made) mounts made, \(attached) attached:\n\(calls.joined(separator: "\n"))")
            }
        }

        /// The profile cache keeps what a run made ahead (`EarlyNamespaces`): the next run of the same entry
        /// starts the thread as soon as the entry's profiles match, before the compiled profile is decoded and
        /// the command looked up; a first run (a miss, no hint) starts it from the plan, after the lookup.
        @Test(.enabled(if: Condition.root("FilesystemViewTests.theCacheHintStartsTheThreadEarly")))
        func theCacheHintStartsTheThreadEarly() throws {
            let r = try Runner(asNobody: false)
            let strace = try #require(Harness.tool("strace"))
            var environment = FilesystemViewTests.path
            environment["SANDBOX_CACHE"] = r.work.file("cache")
            func threadBeforeLookup(_ name: String) throws -> Bool {
                let log = r.work.file(name)
                let traced = try Harness.run(strace, ["-f", "-o", log, "-e", "trace=clone3,access",
                                                      try Harness.sandbox, "run", "-q", "-p", "ci", "--set", "process.workdir=\"\(r.work.path)\"",
                                                      "--", "/bin/true"], environment: environment)
                #expect(traced.status == 0, "\(traced)")
                let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                let thread = try #require(calls.firstIndex { $0.contains("clone3(") && $0.contains("CLONE_THREAD") },
                                          "no thread:\n\(calls.joined(separator: "\n"))")
                let lookup = try #require(calls.firstIndex { $0.contains("access(\"/bin/true\"") }, "\(calls.joined(separator: "\n"))")
                return thread < lookup
            }
            #expect(try !threadBeforeLookup("miss.log"), "a miss has no hint: the plan starts the thread")
            #expect(try threadBeforeLookup("hit.log"), "a hit starts the thread on its hint")
        }

        // MARK: - Symlinks

        /// runc CVE-2021-30465's shape: an earlier mount makes a later target a symlink in the view. The
        /// parent models the binds and refuses it before anything starts, in one line.
        @Test(.enabled(if: Condition.root("FilesystemViewTests.symlinkTargetIsRefused")))
        func symlinkTargetIsRefused() throws {
            let r = try Runner(asNobody: false)
            try FileManager.default.createDirectory(atPath: r.work.file("target/sub"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: r.work.file("evil"), withIntermediateDirectories: true)
            symlink("/etc", r.work.file("evil/sub"))
            let out = try r.run(["-p", "ci", "--bind", r.work.file("evil") + ":" + r.work.file("target"),
                                 "--tmpfs", r.work.file("target/sub")], ["true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains("\(r.work.file("target/sub")) passes through the symlink \(r.work.file("evil/sub"))"), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out)")
        }

        /// The race itself: while another process swaps the target directory for a symlink to /etc and
        /// back, runs either mount on the directory or fail closed (the child opens the target with
        /// RESOLVE_NO_SYMLINKS and checks after mounting); never is the tmpfs mounted over /etc.
        @Test(.enabled(if: Condition.root("FilesystemViewTests.symlinkRaceNeverEscapes")))
        func symlinkRaceNeverEscapes() throws {
            let r = try Runner(asNobody: false)
            let target = r.work.file("target")
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            let swapper = try Harness.start(try Harness.python3, ["-c", """
                import os, time
                t, d = \(String(reflecting: target)), \(String(reflecting: r.work.file("parked")))
                end = time.time() + 20
                while time.time() < end:
                    os.rename(t, d); os.symlink("/etc", t); os.unlink(t); os.rename(d, t)
                """])
            defer { swapper.signal(SIGKILL); _ = try? swapper.wait(timeout: 5) }
            var outcomes: [Int32: Int] = [:]
            for _ in 0..<30 {
                let out = try r.run(["-p", "ci", "--tmpfs", target], ["sh", "-c", "ls /etc | wc -l"])
                outcomes[out.status, default: 0] += 1
                #expect(out.status == 0 || out.status == 125, "\(out)")
                if out.status == 0 {
                    #expect((Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 10, "/etc was mounted over: \(out)")
                } else {
                    #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out)")
                }
            }
            print("symlinkRaceNeverEscapes: outcomes \(outcomes)")
        }

        // MARK: - Landlock alone

        /// No namespace at all: Landlock keeps the root read-only and the working directory writable, for
        /// nobody too, and the report says so.
        func landlockAlone(asNobody: Bool) throws {
            let r = try Runner(asNobody: asNobody)
            let other = try TemporaryDirectory(mode: 0o777)
            let (out, report) = try r.report(["--set", "filesystem.root=\"read-only\"", "--set", "filesystem.workdir_writable=true"],
                                             ["sh", "-c", "echo a > \(other.path)/f; echo rc=$?; echo b > \(r.work.path)/g && echo ok; readlink /proc/self/ns/mnt"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("rc=2") && out.stdout.contains("ok"), "\(out)")
            #expect(out.stderr.contains("Permission denied"), "EACCES from Landlock: \(out)")
            #expect(!FileManager.default.fileExists(atPath: other.path + "/f"))
            #expect(FileManager.default.fileExists(atPath: r.work.path + "/g"))
            let hostNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
            #expect(out.stdout.contains(hostNS), "no mount namespace: \(out)")
            #expect(Self.enforcers(report) == ["landlock"], "\(report.raw)")
        }

        @Test(.enabled(if: Condition.root("FilesystemViewTests.landlockAloneAsRoot")))
        func landlockAloneAsRoot() throws { try landlockAlone(asNobody: false) }

        @Test(.enabled(if: Condition.canDropToNobody("FilesystemViewTests.landlockAloneAsNobody")))
        func landlockAloneAsNobody() throws { try landlockAlone(asNobody: true) }

        // MARK: - Errors

        static let badRuns: [([String], String)] = [
            (["--set", "filesystem.root=\"ro\""], "filesystem.root: 'ro' is not one of read-write, read-only"),
            (["--bind", "relative"], "--bind relative: 'relative' is not an absolute path"),
            (["--hide", "/etc/../root"], "--hide /etc/../root: '/etc/../root' has a . or .. component"),
            (["--tmpfs", "/tmp:lots"], "'lots' is not a size"),
            (["--ro-bind", "/nonexistent-sbx"], "filesystem.read_only: /nonexistent-sbx: No such file or directory"),
            (["--set", "filesystem.root=\"read-only\"", "--hide", "/etc"], "not enforceable by Landlock alone: filesystem.hide /etc"),
            (["--set", "filesystem.landlock_scope=[\"signals\"]"], "unknown Landlock scope 'signals' (did you mean 'signal'?)"),
            (["-p", "ci", "--set", "filesystem.workdir_writable=false"], "lies beneath /tmp, so it would not exist in the view"),
        ]

        @Test("a bad filesystem key, value or flag: one line and 125", arguments: badRuns.indices)
        func badRun(_ i: Int) throws {
            let (options, message) = Self.badRuns[i]
            let r = try Runner(asNobody: false)
            let out = try r.run(options, ["true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.contains(message), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out)")
        }
    }
}
