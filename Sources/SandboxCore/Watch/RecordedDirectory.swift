/// The recorded entries of one directory, keyed by entry name. The recorder keeps paths as directory and
/// name: an event in a directory the watcher has just seen costs a hash of the short name only (names up to
/// 15 bytes are stored inline in the String, no allocation, no pointer to follow), the path filters are
/// decided once per directory, and the report sorts names instead of whole paths. Most of that sorting
/// is done while the supervisor waits for events (`tidy`), not after the command has exited.
final class RecordedDirectory {
    struct Tally {
        var operations = FileOperationSet()
        var count = 0

        mutating func add(_ more: FileOperationSet) {
            operations.formUnion(more)
            count += more.count
        }
    }

    /// Absolute path, "/" for the root.
    let path: String
    /// `WatchOptions.childFilter(of: path)`.
    let filter: WatchOptions.ChildFilter
    /// Entry names and their tallies in order of arrival; `slots` finds a name's place.
    private var names: [String] = []
    private var tallies: [Tally] = []
    /// The whole paths of the first `paths.count` names, built while waiting for events too.
    private var paths: [String] = []
    private var slots: [String: Int32] = [:]
    /// The slots of the first `sorted.count` names, ordered by name; later names are not sorted yet.
    private var sorted: [Int32] = []
    /// Only while a report is built: the recorded directories below this one with no recorded directory
    /// in between, keyed by their path relative to this one plus "/".
    fileprivate var nested: [(key: String, directory: RecordedDirectory)] = []

    init(path: String, filter: WatchOptions.ChildFilter) {
        self.path = path
        self.filter = filter
    }

    var isEmpty: Bool { names.isEmpty }

    /// Folds `operations` into the entry `name`.
    func add(_ name: String, _ operations: FileOperationSet) {
        if let slot = slots[name] {
            tallies[Int(slot)].add(operations)
            return
        }
        slots[name] = Int32(names.count)
        names.append(name)
        var tally = Tally()
        tally.add(operations)
        tallies.append(tally)
    }

    /// Builds the paths of the names that arrived since the last call, and sorts them into `sorted` once
    /// they are a quarter as many as the sorted ones: each name is then merged a logarithmic number of
    /// times in all.
    func tidy() {
        buildPaths()
        let arrived = names.count - sorted.count
        guard arrived > 0, arrived * 4 >= sorted.count else { return }
        sortArrivals()
    }

    private func buildPaths() {
        paths.reserveCapacity(names.count)
        while paths.count < names.count { paths.append(path(of: names[paths.count])) }
    }

    private func sortArrivals() {
        let names = self.names
        var arrivals = Array(Int32(sorted.count)..<Int32(names.count))
        arrivals.sort { names[Int($0)] < names[Int($1)] }
        if sorted.isEmpty {
            sorted = arrivals
            return
        }
        var merged: [Int32] = []
        merged.reserveCapacity(names.count)
        var i = 0, j = 0
        while i < sorted.count && j < arrivals.count {
            if names[Int(arrivals[j])] < names[Int(sorted[i])] {
                merged.append(arrivals[j])
                j += 1
            } else {
                merged.append(sorted[i])
                i += 1
            }
        }
        merged += sorted[i...]
        merged += arrivals[j...]
        sorted = merged
    }

    /// The path of the entry `name` ("" names the directory itself when it is the root).
    func path(of name: String) -> String { RecordedDirectory.join(path, name) }

    /// `directory + "/" + name` in one allocation (the report builds one per entry).
    static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        var head = directory, tail = name
        let separator = directory == "/" ? 0 : 1
        return head.withUTF8 { head in
            tail.withUTF8 { tail in
                String(unsafeUninitializedCapacity: head.count + separator + tail.count) { buffer in
                    let base = buffer.baseAddress!
                    base.update(from: head.baseAddress!, count: head.count)
                    if separator == 1 { base[head.count] = UInt8(ascii: "/") }
                    if tail.count > 0 { (base + head.count + separator).update(from: tail.baseAddress!, count: tail.count) }
                    return buffer.count
                }
            }
        }
    }

    /// `path` as (directory, entry name): "/a/b" is ("/a", "b"), "/a" is ("/", "a"), "/" is ("/", "").
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        if path == "/" { return ("/", "") }
        let name = String(path[path.index(after: slash)...])
        return (slash == path.utf8.startIndex ? "/" : String(path[..<slash]), name)
    }

    /// Every entry of `directories` in path order (`String` comparison of the whole paths), built without
    /// comparing whole paths. A directory's entries are contiguous in that order except where a recorded
    /// directory below it interleaves ("/a/b" < "/a/b/x" < "/a/c"), so each recorded directory is nested
    /// under its closest recorded ancestor and emitted among the ancestor's names at its relative path plus
    /// "/". Directories without a recorded ancestor have keys that are no prefix of one another, so their
    /// groups do not interleave and sort by key.
    static func sortedEntries(_ directories: [String: RecordedDirectory]) -> [FileActivityReport.FileEntry] {
        var roots: [(key: String, directory: RecordedDirectory)] = []
        var total = 0
        for directory in directories.values where !directory.isEmpty {
            total += directory.names.count
            var ancestor = WatchOptions.parent(of: directory.path)
            while let above = ancestor, directories[above]?.isEmpty ?? true {
                ancestor = WatchOptions.parent(of: above)
            }
            if let above = ancestor, let holder = directories[above] {
                let relative = directory.path.utf8.dropFirst(above == "/" ? 1 : above.utf8.count + 1)
                holder.nested.append((key: String(Substring(relative)) + "/", directory: directory))
            } else {
                roots.append((key: directory.path == "/" ? "/" : directory.path + "/", directory: directory))
            }
        }
        roots.sort { $0.key < $1.key }
        var files: [FileActivityReport.FileEntry] = []
        files.reserveCapacity(total)
        // Few distinct operation sets: one shared array per set instead of one per path.
        var lists: [UInt16: [FileOperation]] = [:]
        for root in roots { root.directory.append(to: &files, lists: &lists) }
        return files
    }

    private func append(to files: inout [FileActivityReport.FileEntry], lists: inout [UInt16: [FileOperation]]) {
        buildPaths()
        if sorted.count < names.count { sortArrivals() }
        let below = nested.sorted { $0.key < $1.key }
        nested = []
        var next = 0
        for slot in sorted {
            let name = names[Int(slot)], tally = tallies[Int(slot)], path = paths[Int(slot)]
            // A name and a key never compare equal: names hold no "/".
            while next < below.count, below[next].key < name {
                below[next].directory.append(to: &files, lists: &lists)
                next += 1
            }
            let operations: [FileOperation]
            if let shared = lists[tally.operations.bits] {
                operations = shared
            } else {
                operations = tally.operations.sorted
                lists[tally.operations.bits] = operations
            }
            files.append(FileActivityReport.FileEntry(path: path, operations: operations, count: tally.count))
        }
        for rest in below[next...] { rest.directory.append(to: &files, lists: &lists) }
    }
}
