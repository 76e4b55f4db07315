#if canImport(Glibc)
import Glibc
#endif

/// The part both watchers share: filters an event by `WatchOptions`, streams it to the callback, and
/// folds it into one entry per path. Also keeps the loss accounting (overflow, unresolved) and the notes.
final class FileActivityRecorder {
    private struct Tally {
        var operations: Set<FileOperation> = []
        var count = 0
    }

    let options: WatchOptions
    private let onEvent: ((FileEvent) -> Void)?
    private var tallies: [String: Tally] = [:]
    private var start: Double
    var overflow = false
    var unresolved = 0
    var notes: [String] = []

    init(options: WatchOptions, onEvent: ((FileEvent) -> Void)?) {
        self.options = options
        self.onEvent = onEvent
        self.start = FileActivityRecorder.monotonicNow()
    }

    /// Restarts the clock: event times are relative to the command's start.
    func markStart() { start = FileActivityRecorder.monotonicNow() }

    /// Seconds since `markStart()` (clock_gettime(CLOCK_MONOTONIC)).
    func elapsed() -> Double { FileActivityRecorder.monotonicNow() - start }

    /// Whether `operation` is wanted at all; lets callers skip resolving a path for nothing.
    func wants(_ operation: FileOperation) -> Bool { options.operations.contains(operation) }

    /// Records one operation if it passes the filters.
    func record(path: String, operation: FileOperation, pid: Int32, time: Double? = nil) {
        guard options.operations.contains(operation), options.accepts(path) else { return }
        var tally = tallies[path] ?? Tally()
        tally.operations.insert(operation)
        tally.count += 1
        tallies[path] = tally
        if let onEvent {
            onEvent(FileEvent(path: path, operation: operation, pid: pid, time: time ?? elapsed()))
        }
    }

    /// Adds a note once.
    func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }

    /// The report so far.
    func report(mechanism: String) -> FileActivityReport {
        let files = tallies.keys.sorted().map { path -> FileActivityReport.FileEntry in
            let tally = tallies[path]!
            return FileActivityReport.FileEntry(path: path, operations: tally.operations.sorted(), count: tally.count)
        }
        return FileActivityReport(
            mechanism: mechanism, files: files, overflow: overflow, unresolved: unresolved, notes: notes)
    }

    static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
