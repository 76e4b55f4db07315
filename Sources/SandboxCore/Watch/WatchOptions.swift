/// What a file watcher records: which paths and which operations. Applied when an event is recorded, so
/// the kernel side (fanotify marks, the seccomp filter) can stay coarse.
public struct WatchOptions: Sendable {
    /// Absolute path prefixes to keep; empty keeps everything. A prefix matches whole components only:
    /// "/tmp/a" keeps "/tmp/a" and "/tmp/a/b" but not "/tmp/ab".
    public var include: [String]
    /// Absolute path prefixes to drop, checked after `include`. Pseudo-filesystems by default: their
    /// activity is the runtime's, not the command's files.
    public var ignore: [String]
    /// The operations to record; others are dropped.
    public var operations: Set<FileOperation>
    /// The command's working directory: relative-path fallback for the observer, and the line between
    /// "inside" and "outside" in the human summary.
    public var workingDirectory: String

    /// The pseudo-filesystems ignored unless the caller says otherwise.
    public static let defaultIgnore = ["/proc", "/sys", "/dev"]

    public init(
        include: [String] = [],
        ignore: [String] = WatchOptions.defaultIgnore,
        operations: Set<FileOperation> = Set(FileOperation.allCases),
        workingDirectory: String
    ) {
        self.include = include.map(WatchOptions.trimmed)
        self.ignore = ignore.map(WatchOptions.trimmed)
        self.operations = operations
        self.workingDirectory = WatchOptions.trimmed(workingDirectory)
    }

    /// Whether `path` passes the include and ignore filters.
    public func accepts(_ path: String) -> Bool {
        if !include.isEmpty && !include.contains(where: { WatchOptions.path(path, isUnder: $0) }) { return false }
        return !ignore.contains(where: { WatchOptions.path(path, isUnder: $0) })
    }

    /// Component-wise prefix test: `prefix` itself or anything below it.
    static func path(_ path: String, isUnder prefix: String) -> Bool {
        if prefix == "/" { return path.hasPrefix("/") }
        guard path.hasPrefix(prefix) else { return false }
        if path.utf8.count == prefix.utf8.count { return true }
        return path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: prefix.utf8.count)] == UInt8(ascii: "/")
    }

    /// Drops a trailing slash so prefix tests compare components ("/tmp/" and "/tmp" mean the same).
    static func trimmed(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
