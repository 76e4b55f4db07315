/// The supervisor's half of a seccomp filter: for each syscall the filter hands to the supervisor
/// (SECCOMP_RET_USER_NOTIF), the profile's verdict and why, so that a blocked call can be answered with
/// exactly the profile's errno and named in the report.
///
/// It is read only when a notification arrives, which most runs never see. A table that comes from the
/// compiled-profile cache therefore stays in its encoded form until then: decoding some seventy verdicts
/// into dictionaries at every start cost more than everything else the cache reads.
public final class NotificationTable: @unchecked Sendable {  // decoded once, by the supervisor's one thread
    public struct Entries {
        /// Verdicts by native syscall number.
        public var notified: [Int32: SeccompVerdict] = [:]
        /// Argument rules of notified syscalls, in order, to tell which rule a notification matched.
        var rules: [Int32: [(SeccompRule, SeccompVerdict)]] = [:]
        /// Allowed syscalls notified only so the file watcher can observe them (answered with CONTINUE).
        public var observed: Set<Int32> = []
    }

    /// Whether the filter returns SECCOMP_RET_USER_NOTIF anywhere (the child must then send a listener).
    public let isUsed: Bool
    /// Whether any syscall is notified only to be observed.
    public let observesAny: Bool
    private var decoded: Entries?
    private let encoded: [UInt8]

    init(_ entries: Entries) {
        decoded = entries
        encoded = []
        isUsed = !entries.notified.isEmpty || !entries.rules.isEmpty || !entries.observed.isEmpty
        observesAny = !entries.observed.isEmpty
    }

    /// A table as `encodedBytes` gave it, decoded on first use.
    init(encoded: [UInt8], isUsed: Bool, observesAny: Bool) {
        self.encoded = encoded
        self.isUsed = isUsed
        self.observesAny = observesAny
    }

    public var entries: Entries {
        if let decoded { return decoded }
        // The cache checksums its entries, so a table that does not decode was not written by us; with no
        // verdicts the supervisor answers every notification with EPERM, the safe side.
        let entries = (try? encoded.withUnsafeBytes { buffer in
            var r = ByteReader(buffer)
            return try Self.decode(from: &r)
        }) ?? Entries()
        decoded = entries
        return entries
    }

    /// The verdict for a notification of syscall `nr` with `args`.
    func verdict(nr: Int32, args: [UInt64]) -> SeccompVerdict? {
        let entries = self.entries
        if let rules = entries.rules[nr], let match = rules.first(where: { $0.0.condition?.holds(for: args) ?? false }) {
            return match.1
        }
        return entries.notified[nr]
    }

    // MARK: - Encoding

    var encodedBytes: [UInt8] {
        if decoded == nil { return encoded }
        var w = ByteWriter()
        let entries = self.entries
        w.array(entries.notified.sorted { $0.key < $1.key }) { w, entry in
            w.i32(entry.key)
            SeccompCoding.encode(entry.value, into: &w)
        }
        w.array(entries.rules.sorted { $0.key < $1.key }) { w, entry in
            w.i32(entry.key)
            w.array(entry.value) { w, pair in
                SeccompCoding.encode(pair.0, into: &w)
                SeccompCoding.encode(pair.1, into: &w)
            }
        }
        w.array(entries.observed.sorted()) { $0.i32($1) }
        return w.bytes
    }

    static func decode(from r: inout ByteReader) throws -> Entries {
        var entries = Entries()
        for _ in 0..<(try r.count()) { entries.notified[try r.i32()] = try SeccompCoding.verdict(from: &r) }
        for _ in 0..<(try r.count()) {
            entries.rules[try r.i32()] = try r.array { r in (try SeccompCoding.rule(from: &r), try SeccompCoding.verdict(from: &r)) }
        }
        entries.observed = Set(try r.array { try $0.i32() })
        guard r.isAtEnd else { throw ByteReader.Malformed() }
        return entries
    }
}
