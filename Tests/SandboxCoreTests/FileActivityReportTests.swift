import Testing
@testable import SandboxCore

/// The watcher model without the kernel: filters, dedupe, ordering, JSON lines, the human summary.
@Suite struct FileActivityReportTests {
    @Test func prefixesMatchWholeComponents() {
        let options = WatchOptions(include: ["/tmp/a/"], workingDirectory: "/tmp")
        #expect(options.accepts("/tmp/a"))
        #expect(options.accepts("/tmp/a/b"))
        #expect(!options.accepts("/tmp/ab"))
        #expect(!WatchOptions(workingDirectory: "/").accepts("/proc/self/status"))
        #expect(!WatchOptions(workingDirectory: "/").accepts("/dev/null"))
        #expect(WatchOptions(workingDirectory: "/").accepts("/devices"))
    }

    @Test func recorderDedupesAndOrdersOperations() {
        var streamed: [FileEvent] = []
        let recorder = FileActivityRecorder(
            options: WatchOptions(operations: [.read, .write, .create, .rename], workingDirectory: "/w"),
            onEvent: { streamed.append($0) })
        for op in [FileOperation.rename, .read, .write, .create, .write, .delete] {
            recorder.record(path: "/tmp/x", operation: op, pid: 5)
        }
        recorder.record(path: "/proc/1/stat", operation: .read, pid: 5)
        let report = recorder.report(mechanism: "fanotify")
        #expect(report.files == [.init(path: "/tmp/x", operations: [.read, .write, .create, .rename], count: 5)])
        #expect(streamed.count == 5)
    }

    @Test func summaryGroupsByDirectoryAndListsOutsideChanges() {
        let report = FileActivityReport(
            mechanism: "fanotify",
            files: [
                .init(path: "/w/a", operations: [.read], count: 1),
                .init(path: "/w/b", operations: [.write, .create], count: 2),
                .init(path: "/tmp/t", operations: [.create, .delete], count: 2),
                .init(path: "/usr/lib/libc.so.6", operations: [.read], count: 1),
            ],
            overflow: true, unresolved: 2, notes: [])
        let lines = report.humanSummary(workingDirectory: "/w")
        #expect(lines[0] == "files (fanotify): 4 paths, 6 events, OVERFLOW: the kernel dropped events, the list is incomplete, 2 events with unresolved paths")
        #expect(lines.contains("  /w: 2 files (read 1, write 1, create 1)"))
        #expect(lines.contains("  /tmp: 1 file (create 1, delete 1)"))
        #expect(lines.contains("changed outside /w:"))
        #expect(lines.contains("  create,delete /tmp/t"))
        #expect(!lines.contains { $0.contains("libc") && $0.hasPrefix("  read") })
    }
}
