/// The file-activity section of the usage report: one entry per path, the mechanism that recorded it, and
/// an honest account of what may be missing (queue overflow, paths that could not be resolved).
///
/// Built by `FanotifyWatcher.finish()` (fanotify(7)) or `NotifyFileObserver.finish()` (seccomp_unotify(2)).
public struct FileActivityReport: Sendable, Encodable {
    /// One path and everything that happened to it.
    public struct FileEntry: Sendable, Encodable, Equatable {
        /// Absolute, symlink-resolved path.
        public var path: String
        /// Distinct operations, in `FileOperation.allCases` order.
        public var operations: [FileOperation]
        /// How many events were recorded for the path (the kernel merges identical back-to-back events).
        public var count: Int
    }

    /// "fanotify" or "seccomp-notify".
    public var mechanism: String
    /// Entries sorted by path.
    public var files: [FileEntry]
    /// The kernel dropped events (FAN_Q_OVERFLOW): `files` is incomplete.
    public var overflow: Bool
    /// Events of the command's tree whose path could not be resolved (for instance a directory deleted
    /// before its events were read).
    public var unresolved: Int
    /// Kernel features detected and used, fallbacks taken, and anything else a reader should know.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case mechanism = "files_mechanism", files, overflow = "files_overflow"
        case unresolved = "files_unresolved", notes = "files_notes"
    }

    public init(mechanism: String, files: [FileEntry], overflow: Bool, unresolved: Int, notes: [String]) {
        self.mechanism = mechanism
        self.files = files
        self.overflow = overflow
        self.unresolved = unresolved
        self.notes = notes
    }

    /// The report's top-level JSON fields (same keys as the Encodable form).
    var jsonFields: [(String, JSONValue)] {
        [("files_mechanism", .string(mechanism)),
         ("files", .array(files.map { entry in
             .object([("path", .string(entry.path)), ("operations", .array(entry.operations.map { .string($0.rawValue) })),
                      ("count", .int(Int64(entry.count)))])
         })),
         ("files_overflow", .bool(overflow)),
         ("files_unresolved", .int(Int64(unresolved))),
         ("files_notes", .array(notes.map { .string($0) }))]
    }

    /// The entry for `path`, if any.
    public func entry(for path: String) -> FileEntry? { files.first { $0.path == path } }

    /// Human-readable lines: a headline, files grouped by directory with per-operation counts, then
    /// everything written, created or deleted outside `workingDirectory`.
    public func humanSummary(workingDirectory: String, maxDirectories: Int = 20) -> [String] {
        let events = files.reduce(0) { $0 + $1.count }
        var head = "files (\(mechanism)): \(files.count) paths, \(events) events"
        if overflow { head += ", OVERFLOW: the kernel dropped events, the list is incomplete" }
        if unresolved > 0 { head += ", \(unresolved) events with unresolved paths" }
        var lines = [head]

        var byDirectory: [String: [FileEntry]] = [:]
        for entry in files { byDirectory[FileActivityReport.directory(of: entry.path), default: []].append(entry) }
        let directories = byDirectory.keys.sorted()
        for directory in directories.prefix(maxDirectories) {
            let entries = byDirectory[directory]!
            var perOperation: [FileOperation: Int] = [:]
            for entry in entries { for op in entry.operations { perOperation[op, default: 0] += 1 } }
            let ops = FileOperation.allCases.compactMap { op in perOperation[op].map { "\(op.rawValue) \($0)" } }
            let noun = entries.count == 1 ? "file" : "files"
            lines.append("  \(directory): \(entries.count) \(noun) (\(ops.joined(separator: ", ")))")
        }
        if directories.count > maxDirectories {
            lines.append("  ... and \(directories.count - maxDirectories) more directories")
        }

        let outside = files.filter { entry in
            entry.operations.contains { $0 == .write || $0 == .create || $0 == .delete || $0 == .rename
                || $0 == .mkdir || $0 == .rmdir }
                && !WatchOptions.path(entry.path, isUnder: WatchOptions.trimmed(workingDirectory))
        }
        if !outside.isEmpty {
            lines.append("changed outside \(workingDirectory):")
            for entry in outside {
                let ops = entry.operations.filter { $0.changesFilesystem && $0 != .attrib }
                lines.append("  \(ops.map(\.rawValue).joined(separator: ",")) \(entry.path)")
            }
        }
        for note in notes { lines.append("  note: \(note)") }
        return lines
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
