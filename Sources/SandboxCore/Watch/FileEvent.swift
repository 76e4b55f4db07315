/// One recorded file operation by one process of the command's tree, as streamed to `--trace-files`.
///
/// With fanotify the time is when the supervisor read the event from the fanotify fd (read(2)); fid-mode
/// events carry no timestamp of their own, and the supervisor drains the queue on every poll wake-up, so
/// the error is the drain latency. With seccomp notification it is when the call was intercepted.
public struct FileEvent: Sendable, Equatable {
    /// Absolute, symlink-resolved path.
    public let path: String
    /// What happened to it.
    public let operation: FileOperation
    /// The acting process: the thread-group id (fanotify) or the thread id (seccomp notification).
    public let pid: Int32
    /// Seconds since the command started (CLOCK_MONOTONIC).
    public let time: Double

    public init(path: String, operation: FileOperation, pid: Int32, time: Double) {
        self.path = path
        self.operation = operation
        self.pid = pid
        self.time = time
    }

    /// A compact one-line JSON object, for a JSON-lines trace file:
    /// `{"time":0.012,"pid":123,"op":"create","path":"/tmp/x"}`. Written by hand: one line per event is
    /// on the hot path, and JSONEncoder would allocate an encoder per event.
    public var jsonLine: String {
        let millis = (time * 1_000_000).rounded() / 1_000_000
        return "{\"time\":\(millis),\"pid\":\(pid),\"op\":\"\(operation.rawValue)\",\"path\":"
            + FileEvent.jsonQuoted(path) + "}"
    }


    /// `text` as a JSON string literal (see `StringLiteral.quoted`).
    public static func jsonQuoted(_ text: String) -> String { StringLiteral.quoted(text) }
}
