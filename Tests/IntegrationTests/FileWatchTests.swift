import Foundation
import Testing
@testable import SandboxCore

/// The file-activity watchers against the real kernel: fanotify (root) and the seccomp-notify observer.
@Suite(.serialized) struct FileWatchTests {
    static let workload = "echo a > x; cat x; mv x y; rm y; mkdir d; ls"
    static let isRoot = getuid() == 0

    /// A fresh directory under /tmp, resolved (the watchers report resolved paths).
    static func freshDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "sbx-watch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return NotifyFileObserver.canonical(path, follow: true)
    }

    /// Runs `/bin/sh -c script` in `directory` while a `FanotifyWatcher` drains from a poll(2) loop, as the
    /// supervisor will.
    static func runUnderFanotify(_ script: String, in directory: String, options: WatchOptions? = nil,
                                 onEvent: ((FileEvent) -> Void)? = nil) throws -> FileActivityReport {
        let watcher = try FanotifyWatcher(options: options ?? WatchOptions(workingDirectory: directory), onEvent: onEvent)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        watcher.commandStarted(pid: process.processIdentifier)
        var fds = watcher.pollFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while process.isRunning {
            _ = poll(&fds, nfds_t(fds.count), 20)
            watcher.drain()
        }
        process.waitUntilExit()
        return watcher.finish()
    }

    /// The reference: the same script under `strace -f -y -e trace=file`.
    static func straceReference(_ script: String, in directory: String) throws -> Set<StraceFileCalls.Pair> {
        let log = directory + ".strace"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-y", "-e", "trace=file", "-o", log, "/bin/sh", "-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let options = WatchOptions(workingDirectory: directory)
        return StraceFileCalls(log: text, workingDirectory: directory, freshDirectory: directory)
            .pairs.filter { options.accepts($0.path) }
    }

    static func pairs(_ report: FileActivityReport) -> Set<StraceFileCalls.Pair> {
        Set(report.files.flatMap { entry in entry.operations.map { StraceFileCalls.Pair(path: entry.path, operation: $0) } })
    }

    /// The ELF interpreter: the kernel opens it for exec inside execve(2), which strace cannot show.
    static let interpreter = NotifyFileObserver.canonical("/lib64/ld-linux-x86-64.so.2", follow: true)

    @Test func fanotifyMatchesStrace() throws {
        guard FileWatchTests.isRoot else {
            print("skipped fanotifyMatchesStrace: fanotify filesystem marks need root")
            return
        }
        let directory = try FileWatchTests.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = try FileWatchTests.straceReference(FileWatchTests.workload, in: directory)
        try FileManager.default.removeItem(atPath: directory + "/d")

        let report = try FileWatchTests.runUnderFanotify(FileWatchTests.workload, in: directory)
        let got = FileWatchTests.pairs(report)
        let missing = expected.subtracting(got)
        let extra = got.subtracting(expected).filter { $0 != .init(path: FileWatchTests.interpreter, operation: .exec) }
        #expect(missing.isEmpty, "missing from fanotify: \(missing.sorted { $0.description < $1.description })")
        #expect(extra.isEmpty, "fanotify extra: \(extra.sorted { $0.description < $1.description })")
        #expect(report.mechanism == "fanotify")
        #expect(report.notes.contains { $0.hasPrefix("fanotify: FAN_REPORT_DFID_NAME") }, "\(report.notes)")
        print(report.humanSummary(workingDirectory: directory).joined(separator: "\n"))
        #expect(!report.overflow)
        #expect(report.unresolved == 0)
        #expect(report.entry(for: directory + "/x")?.operations == [.read, .write, .create, .rename])
        #expect(expected.contains(.init(path: directory + "/d", operation: .mkdir)))
    }

    /// A write is a file opened for writing (FAN_CLOSE_WRITE), not one event per write(2): 2,000 one-byte
    /// writes through one descriptor are one write, and an open for writing that writes nothing is one too
    /// (as strace's reference counts it).
    @Test func fanotifyWriteIsAnOpenForWriting() throws {
        guard FileWatchTests.isRoot else {
            print("skipped fanotifyWriteIsAnOpenForWriting: fanotify filesystem marks need root")
            return
        }
        let directory = try FileWatchTests.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/kept", contents: Data("x".utf8)))
        let script = "dd if=/dev/zero of=big bs=1 count=2000 2>/dev/null; exec 3>>kept; exec 3>&-"
        let report = try FileWatchTests.runUnderFanotify(script, in: directory,
                                                        options: WatchOptions(include: [directory], workingDirectory: directory))
        let big = report.entry(for: directory + "/big")
        #expect(big?.operations == [.write, .create], "\(String(describing: big))")
        #expect(big?.count == 2, "one create and one write, not one per write(2): \(String(describing: big))")
        #expect(report.entry(for: directory + "/kept")?.operations == [.write])
        // The reference takes the directory for empty at the start, so it is asked about "big" only.
        try FileManager.default.removeItem(atPath: directory + "/big")
        let expected = try FileWatchTests.straceReference(script, in: directory).filter { $0.path == directory + "/big" }
        #expect(expected == FileWatchTests.pairs(report).filter { $0.path == directory + "/big" })
    }

    /// The recorder keeps paths per directory and decides the filters per directory; its report must be
    /// what filtering every path with `WatchOptions.accepts` and sorting the whole paths gives, including
    /// entries that interleave with a nested directory's ("/w/a/b" < "/w/a/b-c" < "/w/a/b/x" < "/w/a/c")
    /// and prefixes that name a single entry.
    @Test func recorderMatchesPathwiseFilterAndOrder() {
        let paths = ["/", "/w", "/w/a", "/w/a/b", "/w/a/b-c", "/w/a/b/x", "/w/a/b/x/y", "/w/a/c", "/w/a/b.d",
                     "/w/a/b/x/y/z", "/w/ab", "/w/a/bz", "/w/skip", "/w/skip/in", "/w/skipped", "/w/only",
                     "/x/y", "/x/y/z", "/x-y/z", "/x/y-z", "/w/a/é", "/w/a/e", "/w/a/z"]
        let optionSets = [
            WatchOptions(ignore: [], workingDirectory: "/w"),
            WatchOptions(ignore: ["/w/skip", "/x/y/z"], workingDirectory: "/w"),
            WatchOptions(include: ["/w/a/b", "/w/only", "/x"], ignore: ["/w/a/b/x/y"], workingDirectory: "/w"),
            WatchOptions(include: ["/w/a"], ignore: ["/w/a/b-c"], workingDirectory: "/w"),
        ]
        for options in optionSets {
            let recorder = FileActivityRecorder(options: options, onEvent: nil)
            for (i, path) in paths.enumerated() {
                recorder.record(path: path, operation: i % 2 == 0 ? .create : .write, pid: 1)
                recorder.record(path: path, operation: .read, pid: 1)
            }
            let got = recorder.report(mechanism: "test").files.map(\.path)
            let expected = paths.filter(options.accepts).sorted()
            #expect(got == expected, "include \(options.include), ignore \(options.ignore)")
            #expect(recorder.report(mechanism: "test").files.allSatisfy { $0.count == 2 && $0.operations.contains(.read) })
        }
    }

    @Test func fanotifyReportsEveryFileOfALoop() throws {
        guard FileWatchTests.isRoot else {
            print("skipped fanotifyReportsEveryFileOfALoop: fanotify filesystem marks need root")
            return
        }
        let directory = try FileWatchTests.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var streamed = 0
        let report = try FileWatchTests.runUnderFanotify(
            "i=0; while [ $i -lt 3000 ]; do : > f$i; i=$((i+1)); done", in: directory,
            options: WatchOptions(include: [directory], workingDirectory: directory), onEvent: { _ in streamed += 1 })
        let created = report.files.filter { $0.operations.contains(.create) }
        #expect(report.overflow || created.count == 3000, "created \(created.count) of 3000")
        #expect(created.count == 3000)
        #expect(streamed >= 3000)
    }

    @Test func fanotifyIgnoresOutsideProcess() throws {
        guard FileWatchTests.isRoot else {
            print("skipped fanotifyIgnoresOutsideProcess: fanotify filesystem marks need root")
            return
        }
        let directory = try FileWatchTests.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The outsider is started by the test runner, not by the command: same directory, same time,
        // same kind of work.
        let outsider = Process()
        outsider.executableURL = URL(fileURLWithPath: "/bin/sh")
        outsider.arguments = ["-c", "i=0; while [ $i -lt 400 ]; do echo o > out$i; cat in0 >/dev/null 2>&1; i=$((i+1)); done"]
        outsider.currentDirectoryURL = URL(fileURLWithPath: directory)
        try outsider.run()
        let report = try FileWatchTests.runUnderFanotify(
            "i=0; while [ $i -lt 400 ]; do echo i > in$i; i=$((i+1)); done", in: directory,
            options: WatchOptions(include: [directory], workingDirectory: directory))
        outsider.waitUntilExit()
        let names = report.files.map { ($0.path as NSString).lastPathComponent }
        #expect(names.allSatisfy { $0.hasPrefix("in") }, "outside events: \(names.filter { !$0.hasPrefix("in") }.prefix(5))")
        #expect(report.files.filter { $0.operations.contains(.create) }.count == 400)
        #expect(!report.files.contains { $0.path == directory + "/in0" && $0.operations.contains(.read) })
    }

    /// The unprivileged mechanism end to end: the built `sandbox` run by `nobody` (setpriv(1)), which cannot
    /// use fanotify and so observes the file syscalls through seccomp user notification. Returns the
    /// report's mechanism and its (path, operation) pairs.
    static func runUnderNotifyAsNobody(_ script: String, in directory: String) throws -> (mechanism: String, pairs: Set<StraceFileCalls.Pair>, unresolved: Int) {
        let install = try SandboxBinary.UnprivilegedTests.Install()
        chmod(directory, 0o777)
        let report = install.work.file("watch-report.json")
        let setpriv = try #require(Harness.tool("setpriv"))
        let out = try Harness.run(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--",
                                            install.sandbox, "run", "-q", "-p", "audit", "--report", report,
                                            "--set", "process.workdir=\(directory)", "--", "/bin/sh", "-c", script])
        guard out.status == 0, let data = FileManager.default.contents(atPath: report),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("sandbox as nobody did not report: \(out)")
        }
        var pairs: Set<StraceFileCalls.Pair> = []
        for entry in json["files"] as? [[String: Any]] ?? [] {
            guard let path = entry["path"] as? String else { continue }
            for op in entry["operations"] as? [String] ?? [] {
                if let operation = FileOperation(rawValue: op) { pairs.insert(StraceFileCalls.Pair(path: path, operation: operation)) }
            }
        }
        let options = WatchOptions(workingDirectory: directory)
        return (json["files_mechanism"] as? String ?? "", pairs.filter { options.accepts($0.path) && $0.path.hasPrefix(directory) },
                json["files_unresolved"] as? Int ?? -1)
    }

    @Test(.enabled(if: Condition.canDropToNobody("notifyObserverMatchesStrace")))
    func notifyObserverMatchesStrace() throws {
        let directory = try FileWatchTests.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = try FileWatchTests.straceReference(FileWatchTests.workload, in: directory).filter { $0.path.hasPrefix(directory) }
        try FileManager.default.removeItem(atPath: directory + "/d")
        let (mechanism, got, unresolved) = try FileWatchTests.runUnderNotifyAsNobody(FileWatchTests.workload, in: directory)
        #expect(mechanism == "seccomp-notify")
        #expect(!expected.isEmpty)
        #expect(expected.subtracting(got).isEmpty, "missing: \(expected.subtracting(got).sorted { $0.description < $1.description })")
        #expect(got.subtracting(expected).isEmpty, "extra: \(got.subtracting(expected).sorted { $0.description < $1.description })")
        #expect(unresolved == 0)
    }

    /// fanotify refuses an unprivileged caller with a clear error: this test binary again, as nobody.
    @Test(.enabled(if: Condition.canDropToNobody("fanotifyRefusalAsNobody")))
    func fanotifyRefusalAsNobody() throws {
        let test = "fanotifyRefusesUnprivilegedWithAClearError"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                             try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
                             "--testing-library", "swift-testing", "--filter", test]
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = "/tmp"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(test) as nobody: \(text.suffix(2000))")
        #expect(text.contains("\(test)() passed"), "\(test) as nobody: \(text.suffix(2000))")
    }

    @Test func fanotifyRefusesUnprivilegedWithAClearError() throws {
        guard !FileWatchTests.isRoot else {
            #expect(throws: Never.self) { _ = try FanotifyWatcher(options: WatchOptions(workingDirectory: "/tmp"), onEvent: nil) }
            return
        }
        #expect {
            _ = try FanotifyWatcher(options: WatchOptions(workingDirectory: "/tmp"), onEvent: nil)
        } throws: { error in
            "\(error)".hasPrefix("fanotify_")
        }
    }

    @Test func jsonLineEscapes() {
        let event = FileEvent(path: "/tmp/a \"b\"\n\u{1}", operation: .create, pid: 7, time: 0.0125)
        #expect(event.jsonLine == #"{"time":0.0125,"pid":7,"op":"create","path":"/tmp/a \"b\"\n\u0001"}"#)
    }
}
