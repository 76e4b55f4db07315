/// A TOML table: its keys in the order they are written, each with the line it is written on, and the
/// line where the table itself is defined (its `[header]`, the `[[header]]` of one element of an array
/// of tables, its `{` when inline, or the first dotted key that names it). These lines are what lets an
/// error or `sandbox profile show` point at `file:line`.
public struct TOMLTable: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let line: Int
        public let value: TOMLValue

        public init(key: String, line: Int, value: TOMLValue) {
            self.key = key
            self.line = line
            self.value = value
        }
    }

    public let line: Int
    public let entries: [Entry]

    public init(line: Int, entries: [Entry]) {
        self.line = line
        self.entries = entries
    }

    /// The value of `key`, or nil.
    public subscript(key: String) -> TOMLValue? {
        entries.first { $0.key == key }?.value
    }
}
