/// A TOML table: its keys in the order they are written, each with the line it is written on, and the
/// line where the table itself is defined (its `[header]`, the `[[header]]` of one element of an array
/// of tables, its `{` when inline, or the first dotted key that names it). These lines are what lets an
/// error or `sandbox profile show` point at `file:line`.
struct TOMLTable: Equatable {
    struct Entry: Equatable {
        let key: String
        let line: Int
        let value: TOMLValue
    }

    let line: Int
    let entries: [Entry]

    /// The value of `key`, or nil.
    subscript(key: String) -> TOMLValue? {
        entries.first { $0.key == key }?.value
    }
}
