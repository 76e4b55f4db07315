#if canImport(Glibc)
import Glibc
#endif

/// The part both watchers share: filters an event by `WatchOptions`, streams it to the callback, and
/// folds it into one entry per path (kept per directory, see `RecordedDirectory`). Also keeps the loss
/// accounting (overflow, unresolved) and the notes.
final class FileActivityRecorder {
    /// The order in which the operations of one merged kernel event are streamed: a file is created
    /// before it is written and written before it is deleted.
    private static let streamOrder: [FileOperation] = [.create, .mkdir, .write, .read, .exec, .attrib, .rename, .delete, .rmdir]

    let options: WatchOptions
    /// `options.operations` as bits, for the per-event check.
    let wanted: FileOperationSet
    private let onEvent: ((FileEvent) -> Void)?
    /// A second receiver of the stream, set while `sandbox events` clients are subscribed (the live
    /// monitor); nil otherwise, so an unwatched stream builds no paths.
    var subscriber: ((FileEvent) -> Void)?
    /// Events recorded so far (after the filters), for the monitor's events-per-second figure.
    private(set) var recordedEvents = 0
    private var directories: [String: RecordedDirectory] = [:]
    private var start: Double
    var overflow = false
    var unresolved = 0
    var notes: [String] = []

    init(options: WatchOptions, onEvent: ((FileEvent) -> Void)?) {
        self.options = options
        self.wanted = FileOperationSet(options.operations)
        self.onEvent = onEvent
        self.start = FileActivityRecorder.monotonicNow()
    }

    /// Restarts the clock: event times are relative to the command's start.
    func markStart() { start = FileActivityRecorder.monotonicNow() }

    /// Seconds since `markStart()` (clock_gettime(CLOCK_MONOTONIC)).
    func elapsed() -> Double { FileActivityRecorder.monotonicNow() - start }

    /// Whether `operation` is wanted at all; lets callers skip resolving a path for nothing.
    func wants(_ operation: FileOperation) -> Bool { wanted.contains(operation) }

    /// Records one operation if it passes the filters.
    func record(path: String, operation: FileOperation, pid: Int32, time: Double? = nil) {
        var operations = FileOperationSet()
        operations.insert(operation)
        record(path: path, operations: operations, pid: pid, time: time)
    }

    /// Records the wanted part of `operations` (one kernel event); each operation counts as one event and
    /// is streamed on its own.
    func record(path: String, operations: FileOperationSet, pid: Int32, time: Double? = nil) {
        let (parent, name) = RecordedDirectory.split(path)
        record(in: directory(parent), name: name, operations: operations, pid: pid, time: time)
    }

    /// The record of the directory at `path` (absolute, no trailing slash), made on first use. Watchers
    /// keep it while events stay in one directory.
    func directory(_ path: String) -> RecordedDirectory {
        if let known = directories[path] { return known }
        let made = RecordedDirectory(path: path, filter: options.childFilter(of: path))
        directories[path] = made
        return made
    }

    /// `record(path:operations:pid:time:)` for the entry `name` of `directory`.
    func record(in directory: RecordedDirectory, name: String, operations: FileOperationSet, pid: Int32, time: Double? = nil) {
        let kept = operations.intersection(wanted)
        guard !kept.isEmpty else { return }
        switch directory.filter {
        case .acceptAll: break
        case .rejectAll: return
        case .checkEach: guard options.accepts(directory.path(of: name)) else { return }
        }
        directory.add(name, kept)
        recordedEvents += kept.count
        if onEvent != nil || subscriber != nil {
            let path = directory.path(of: name)
            let time = time ?? elapsed()
            for operation in FileActivityRecorder.streamOrder where kept.contains(operation) {
                let event = FileEvent(path: path, operation: operation, pid: pid, time: time)
                onEvent?(event)
                subscriber?(event)
            }
        }
    }

    /// Adds a note once.
    func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }

    /// The report so far, sorted by path.
    func report(mechanism: String) -> FileActivityReport {
        FileActivityReport(mechanism: mechanism, files: RecordedDirectory.sortedEntries(directories), overflow: overflow,
                           unresolved: unresolved, notes: notes)
    }

    static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
