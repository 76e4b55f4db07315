/// The document while `TOMLParser` reads it, and TOML's rules on what a line may do to what came
/// before: a key is set once; a table is defined once, by a `[header]` or by dotted keys but not both;
/// `[[name]]` appends to an array of tables; an inline table or array, once written, is closed.
///
/// Tables live in one array and refer to each other by index, so that adding a key deep in the tree is
/// an index lookup rather than a copy of every table on the way down.
public struct TOMLTree {
    /// What a key holds.
    enum Slot {
        /// A finished value: a scalar, an array written `[...]`, or an inline table `{...}`.
        case value(TOMLValue)
        case table(Int)
        /// An array of tables, `[[name]]`: its elements, in order, are `arrays[n]`. (Held there rather than
        /// here so that appending is in place: an array in an enum payload would be copied on every
        /// `[[name]]`, quadratic in their number.)
        case tables(Int)
    }

    /// How a table came to exist, which decides who may still add to it.
    enum Definition: Equatable {
        /// Named only as a parent in a header (`a` in `[a.b]`): a later `[a]` may still define it.
        case implicit
        /// Defined by its `[header]`, or an element of `[[header]]`.
        case header
        /// Created by dotted keys (`a.b = 1`) in section `section` (a header or an inline table):
        /// only that section may add to it.
        case dotted(section: Int)
    }

    struct Entry {
        let key: String
        let line: Int
        var slot: Slot
    }

    struct Table {
        var entries: [Entry] = []
        /// Position of each key in `entries`, once there are more than `linearLookup` of them (most
        /// tables are small, where hashing each key costs more than comparing a few).
        var index: [String: Int] = [:]
        var line: Int
        var definition: Definition
        /// Tables and values above this one; bounded so that neither the parser's recursion nor the
        /// recursive release of a deep `TOMLValue` can exhaust the stack.
        var depth: Int
    }

    static let root = 0
    static let maximumDepth = 100
    private static let linearLookup = 8

    private(set) var tables = [Table(line: 1, definition: .header, depth: 0)]
    /// The elements of each array of tables (see `Slot.tables`).
    private var arrays: [[Int]] = []

    func depth(of table: Int) -> Int { tables[table].depth }

    /// `[path]`: defines the table, creating the parents it names; returns it.
    mutating func defineTable(_ path: [String], line: Int) throws -> Int {
        let parent = try headerParent(path, line: line)
        let name = path[path.count - 1]
        guard let i = find(name, in: parent) else {
            return try add(.header, name, to: parent, line: line)
        }
        var written: String { Self.display(path) }  // for messages only
        let entry = tables[parent].entries[i]
        switch entry.slot {
        case .table(let id) where tables[id].definition == .implicit:
            tables[id].definition = .header
            tables[id].line = line
            return id
        case .table(let id):
            if case .dotted = tables[id].definition {
                throw ParseFailure(line, "table [\(written)] is already defined by dotted keys on line \(tables[id].line)")
            }
            throw ParseFailure(line, "table [\(written)] is defined twice (first on line \(tables[id].line))")
        case .tables:
            throw ParseFailure(line, "[\(written)] is an array of tables (line \(entry.line)); add to it with [[\(written)]]")
        case .value(let value):
            throw ParseFailure(line, "cannot define table [\(written)]: " + Self.already(written, value, entry.line))
        }
    }

    /// `[[path]]`: appends a new table to the array of tables, creating it and the parents it names.
    mutating func appendTable(_ path: [String], line: Int) throws -> Int {
        let parent = try headerParent(path, line: line)
        let name = path[path.count - 1]
        guard let i = find(name, in: parent) else {
            let id = try newTable(.header, under: parent, line: line)
            arrays.append([id])
            insert(name, .tables(arrays.count - 1), into: parent, line: line)
            return id
        }
        var written: String { Self.display(path) }  // for messages only
        let entry = tables[parent].entries[i]
        switch entry.slot {
        case .tables(let array):
            let id = try newTable(.header, under: parent, line: line)
            arrays[array].append(id)
            return id
        case .table(let id):
            throw ParseFailure(line, "cannot append to [[\(written)]]: it is a table (line \(tables[id].line)), not an array of tables")
        case .value(.array):
            throw ParseFailure(line, "cannot append to [[\(written)]]: it is an array written inline on line \(entry.line)")
        case .value(let value):
            throw ParseFailure(line, "cannot define [[\(written)]]: " + Self.already(written, value, entry.line))
        }
    }

    /// `key.path = value`, written in `section` (the table of the current header, or an inline table)
    /// whose dotted tables carry `number`.
    mutating func setValue(_ path: [String], _ value: TOMLValue, in section: Int, number: Int, line: Int) throws {
        var current = section
        for n in 0..<(path.count - 1) {
            let name = path[n]
            guard let i = find(name, in: current) else {
                current = try add(.dotted(section: number), name, to: current, line: line)
                continue
            }
            var written: String { Self.display(path[...n]) }
            let entry = tables[current].entries[i]
            switch entry.slot {
            case .table(let id):
                switch tables[id].definition {
                case .implicit: tables[id].definition = .dotted(section: number)
                case .dotted(section: number): break
                case .header, .dotted:
                    throw ParseFailure(line, "cannot add to table '\(written)' with dotted keys: it is defined on line \(tables[id].line)")
                }
                current = id
            case .tables:
                throw ParseFailure(line, "cannot add to '\(written)' with dotted keys: it is an array of tables (line \(entry.line))")
            case .value(let value):
                throw ParseFailure(line, "cannot add to '\(written)': " + Self.already(written, value, entry.line))
            }
        }
        let name = path[path.count - 1]
        if let i = find(name, in: current) {
            throw ParseFailure(line, "duplicate key '\(Self.display(path))' (first on line \(tables[current].entries[i].line))")
        }
        insert(name, .value(value), into: current, line: line)
    }

    /// An inline table `{ ... }` opened at `depth`: a table of its own, outside the tree, that the
    /// parser fills with `setValue` and closes with `close`.
    mutating func openInline(line: Int, depth: Int) throws -> Int {
        guard depth < Self.maximumDepth else { throw Self.tooDeep(line) }
        tables.append(Table(line: line, definition: .header, depth: depth))
        return tables.count - 1
    }

    /// The finished inline table `id`. Everything created since it was opened belongs to it (inline
    /// tables nest, last opened first closed), so it is all released here.
    mutating func close(inline id: Int) -> TOMLTable {
        let table = self.table(id)
        tables.removeSubrange(id...)
        return table
    }

    /// The document, as values.
    func document() -> TOMLTable { table(Self.root) }

    private func table(_ id: Int) -> TOMLTable {
        let t = tables[id]
        return TOMLTable(line: t.line, entries: t.entries.map { entry in
            let value: TOMLValue
            switch entry.slot {
            case .value(let v): value = v
            case .table(let child): value = .table(table(child))
            case .tables(let array): value = .array(arrays[array].map { .table(table($0)) })
            }
            return TOMLTable.Entry(key: entry.key, line: entry.line, value: value)
        })
    }

    /// The table a header's last key goes in: walks the parents, creating the missing ones. A header may
    /// pass through any table, even one defined by dotted keys (`[fruit.apple.texture]` after
    /// `apple.color = "red"` under `[fruit]`), and into the last element of an array of tables.
    private mutating func headerParent(_ path: [String], line: Int) throws -> Int {
        var current = Self.root
        for n in 0..<(path.count - 1) {
            let name = path[n]
            guard let i = find(name, in: current) else {
                current = try add(.implicit, name, to: current, line: line)
                continue
            }
            let entry = tables[current].entries[i]
            switch entry.slot {
            case .table(let id): current = id
            case .tables(let array): current = arrays[array][arrays[array].count - 1]
            case .value(let value):
                var written: String { Self.display(path[...n]) }
                throw ParseFailure(line, "cannot add to '\(written)': " + Self.already(written, value, entry.line))
            }
        }
        return current
    }

    private mutating func add(_ definition: Definition, _ name: String, to parent: Int, line: Int) throws -> Int {
        let id = try newTable(definition, under: parent, line: line)
        insert(name, .table(id), into: parent, line: line)
        return id
    }

    private mutating func newTable(_ definition: Definition, under parent: Int, line: Int) throws -> Int {
        let depth = tables[parent].depth + 1
        guard depth < Self.maximumDepth else { throw Self.tooDeep(line) }
        tables.append(Table(line: line, definition: definition, depth: depth))
        return tables.count - 1
    }

    private func find(_ name: String, in table: Int) -> Int? {
        if tables[table].entries.count <= Self.linearLookup {
            return tables[table].entries.firstIndex { $0.key == name }
        }
        return tables[table].index[name]
    }

    private mutating func insert(_ name: String, _ slot: Slot, into table: Int, line: Int) {
        tables[table].entries.append(Entry(key: name, line: line, slot: slot))
        let count = tables[table].entries.count
        if count == Self.linearLookup + 1 {
            for (i, entry) in tables[table].entries.enumerated() { tables[table].index[entry.key] = i }
        } else if count > Self.linearLookup + 1 {
            tables[table].index[name] = count - 1
        }
    }

    private static func already(_ written: String, _ value: TOMLValue, _ line: Int) -> String {
        if case .table = value { return "'\(written)' is an inline table (line \(line)), closed where it is written" }
        return "'\(written)' is already a value (line \(line)), not a table"
    }

    static func tooDeep(_ line: Int) -> ParseFailure {
        ParseFailure(line, "tables and arrays nested more than \(maximumDepth) deep")
    }

    /// A key path as it would be written: `a."b c".d`.
    public static func display<C: Collection>(_ path: C) -> String where C.Element == String {
        var text = ""
        for (i, key) in path.enumerated() {
            if i > 0 { text += "." }
            text += TOMLText.key(key)
        }
        return text
    }
}
