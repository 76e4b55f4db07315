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

    /// What the filters say about the entries of one directory. Decided once per directory, so that the
    /// watchers need not build and test a path per event.
    enum ChildFilter: Equatable {
        /// `accepts(directory/name)` is true for every name.
        case acceptAll
        /// `accepts(directory/name)` is false for every name.
        case rejectAll
        /// A prefix names an entry of the directory itself: ask `accepts` for each path.
        case checkEach
    }

    /// `accepts(path)` for the paths directly inside `directory`, as far as it does not depend on the name.
    func childFilter(of directory: String) -> ChildFilter {
        if ignore.contains(where: { WatchOptions.path(directory, isUnder: $0) }) { return .rejectAll }
        // A prefix deeper than an entry of the directory cannot contain the entry, and one above it
        // contains them all; only a prefix that is itself an entry decides entry by entry.
        if include.contains(where: { WatchOptions.parent(of: $0) == directory })
            || ignore.contains(where: { WatchOptions.parent(of: $0) == directory }) {
            return .checkEach
        }
        if include.isEmpty || include.contains(where: { WatchOptions.path(directory, isUnder: $0) }) { return .acceptAll }
        return .rejectAll
    }

    /// The directory holding `path` ("/" for "/x"); nil for "/" and for a path without a slash.
    static func parent(of path: String) -> String? {
        guard path != "/", let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
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
