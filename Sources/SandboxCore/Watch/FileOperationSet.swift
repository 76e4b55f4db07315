/// A set of `FileOperation`s as one bit per operation (bit = `rank`). The watchers fold a kernel event,
/// which may carry several operations at once (the kernel merges unread events of one file), into one of
/// these and record it with a single lookup; a `Set<FileOperation>` would allocate per event.
struct FileOperationSet: Equatable, Sendable {
    private(set) var bits: UInt16 = 0

    init() {}

    init(_ operations: some Sequence<FileOperation>) {
        for operation in operations { insert(operation) }
    }

    var isEmpty: Bool { bits == 0 }

    /// Number of operations in the set.
    var count: Int { bits.nonzeroBitCount }

    func contains(_ operation: FileOperation) -> Bool { bits & (1 << operation.rank) != 0 }

    mutating func insert(_ operation: FileOperation) { bits |= 1 << operation.rank }

    mutating func formUnion(_ other: FileOperationSet) { bits |= other.bits }

    func intersection(_ other: FileOperationSet) -> FileOperationSet {
        var result = FileOperationSet()
        result.bits = bits & other.bits
        return result
    }

    /// The operations in reporting order (`FileOperation.allCases`).
    var sorted: [FileOperation] { FileOperation.allCases.filter(contains) }
}
