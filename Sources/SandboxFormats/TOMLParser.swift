/// A TOML 1.0 parser (https://toml.io/en/v1.0.0) in plain Swift: keys keep the order they are written
/// in and the line they are on, and an error is one line that names the line.
///
/// It reads UTF-8 bytes, not Characters: the built-in profile is parsed on every run, and grapheme
/// breaking would cost more than the parse. Bytes at or above 0x80 are only ever copied (in strings and
/// comments) or rejected, so a valid String in gives valid Strings out.
///
/// This file reads the document's lines (keys, headers, comments); `TOMLParser+Values.swift` and
/// `TOMLParser+Strings.swift` read values; `TOMLTree` enforces what a line may do to the tables before it.
public struct TOMLParser {
    typealias Failure = ParseFailure

    let bytes: [UInt8]
    var position = 0
    var line = 1
    var tree = TOMLTree()
    /// Numbers each header and inline table, so that dotted keys add only to tables of their own section.
    var sections = 0
    /// The key path of the last header, so that an error in a value names its whole key.
    private var sectionPath: [String] = []

    /// Parses `text`; an error is `SOURCE:LINE: invalid TOML: WHAT`. A String is valid UTF-8 by
    /// construction; a byte-order mark at the start is skipped.
    public static func parse(_ text: String, source: String) throws -> TOMLTable {
        try parse(bytes: Array(text.utf8), source: source)
    }

    /// Parses a document as read from a file: the bytes must be UTF-8 (an invalid sequence is an error
    /// naming its line, checked before anything else), with or without a byte-order mark.
    public static func parse(bytes: [UInt8], source: String) throws -> TOMLTable {
        if let failure = bytes.withUnsafeBufferPointer(UTF8Validation.firstError) {
            throw FormatError(.toml, source: source, failure)
        }
        var parser = TOMLParser(bytes: bytes)
        do {
            return try parser.document()
        } catch let failure as Failure {
            throw FormatError(.toml, source: source, failure)
        }
    }

    /// A key path written on its own, as in `--set limits.open_files=64`: `limits.open_files`,
    /// `process.env_set."MY VAR"`. Blanks around it are allowed; anything else after it is an error.
    public static func parseKey(_ text: String, source: String) throws -> [String] {
        var parser = TOMLParser(bytes: Array(text.utf8))
        do {
            let path = try parser.key()
            guard parser.peek() == nil else {
                throw Failure(1, "expected the end of the key, found \(parser.describeNext())")
            }
            return path
        } catch let failure as Failure {
            throw FormatError(.toml, source: source, failure)
        }
    }

    /// Exactly one TOML value written on its own (`64`, `"30s"`, `[1, 2]`, `{ soft = 1, hard = 2 }`),
    /// with blanks (and, inside arrays, newlines and comments) as TOML allows; anything after the value
    /// is an error. What the value may nest in is counted from `depth`.
    public static func parseValue(_ text: String, source: String, depth: Int = 0) throws -> TOMLValue {
        var parser = TOMLParser(bytes: Array(text.utf8))
        do {
            parser.skipBlanks()
            let value = try parser.value(depth: depth)
            parser.skipBlanks()
            guard parser.peek() == nil else {
                throw Failure(parser.line, "expected the end of the value, found \(parser.describeNext())")
            }
            return value
        } catch let failure as Failure {
            throw FormatError(.toml, source: source, failure)
        }
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func document() throws -> TOMLTable {
        // TOML 1.0 is UTF-8; a byte-order mark (which some editors write) is not part of the document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        var section = TOMLTree.root
        var number = 0
        while let byte = peek() {
            switch byte {
            case .space, .tab:
                position += 1
                continue
            case .newline, .carriageReturn, .hash:
                break
            case .leftBracket:
                section = try header()
                number = sections
            default:
                let keyLine = line
                let path = try key()
                try expectEquals(after: path)
                let value: TOMLValue
                do {
                    value = try self.value(depth: tree.depth(of: section) + path.count)
                } catch let failure as Failure {
                    // An error inside a value names its key: `limits.wall: integer ... does not fit in 64 bits`.
                    throw Failure(failure.line, TOMLTree.display(sectionPath + path) + ": " + failure.message)
                }
                try tree.setValue(path, value, in: section, number: number, line: keyLine)
            }
            try endOfLine()
        }
        return tree.document()
    }

    /// `[a.b]` or `[[a.b]]`: the table the lines below it fill.
    private mutating func header() throws -> Int {
        position += 1
        let isArray = peek() == .leftBracket
        if isArray { position += 1 }
        skipBlanks()
        let path = try key()
        guard peek() == .rightBracket, !isArray || peek(1) == .rightBracket else {
            throw Failure(line, "expected '\(isArray ? "]]" : "]")' to close the table header, found \(describeNext())")
        }
        position += isArray ? 2 : 1
        sections += 1
        sectionPath = path
        return isArray ? try tree.appendTable(path, line: line) : try tree.defineTable(path, line: line)
    }

    /// A key: bare (`a-b_1`), quoted (`"a b"`, `'c:\d'`) or dotted (`a."b".c`), with blanks around
    /// the dots; the blanks after it are consumed too.
    mutating func key() throws -> [String] {
        var path: [String] = []
        while true {
            skipBlanks()
            guard let byte = peek() else { throw Failure(line, "expected a key, found the end of the file") }
            switch byte {
            case .quote:
                if peek(1) == .quote && peek(2) == .quote { throw Failure(line, "a key cannot be a multi-line string") }
                path.append(try basicString())
            case .apostrophe:
                if peek(1) == .apostrophe && peek(2) == .apostrophe { throw Failure(line, "a key cannot be a multi-line string") }
                path.append(try literalString())
            case _ where Self.isBareKeyByte(byte):
                let start = position
                var end = position + 1
                while end < bytes.count && Self.isBareKeyByte(bytes[end]) { end += 1 }
                position = end
                path.append(String(decoding: bytes[start..<end], as: UTF8.self))
            default:
                throw Failure(line, "expected a key, found \(describeNext())")
            }
            skipBlanks()
            guard peek() == .dot else { return path }
            position += 1
        }
    }

    /// The `=` between a key and its value, and the blanks around it.
    mutating func expectEquals(after path: [String]) throws {
        guard peek() == .equals else {
            let written = TOMLTree.display(path)
            if atEndOfLine() { throw Failure(line, "key '\(written)' has no value (expected '=' and a value)") }
            throw Failure(line, "expected '=' after key '\(written)', found \(describeNext())")
        }
        position += 1
        skipBlanks()
        if atEndOfLine() { throw Failure(line, "key '\(TOMLTree.display(path))' has no value") }
    }

    /// After a key/value pair or a header: blanks, perhaps a comment, then a newline or the end.
    private mutating func endOfLine() throws {
        skipBlanks()
        if peek() == .hash { try comment() }
        guard let byte = peek() else { return }
        if byte == .newline {
            position += 1
            line += 1
        } else if byte == .carriageReturn && peek(1) == .newline {
            position += 2
            line += 1
        } else {
            throw Failure(line, "expected the end of the line, found \(describeNext())")
        }
    }

    /// `# ...` up to (not including) the newline. Control characters other than tab are not allowed.
    mutating func comment() throws {
        // Profiles are half comments: this loop keeps its index in a register.
        var i = position + 1
        while i < bytes.count {
            let byte = bytes[i]
            if !Self.isControl(byte) {
                i += 1
                continue
            }
            if byte == .newline || (byte == .carriageReturn && i + 1 < bytes.count && bytes[i + 1] == .newline) { break }
            position = i
            throw Failure(line, "\(describeNext()) is not allowed in a comment")
        }
        position = i
    }

    /// Blanks, newlines and comments: what may separate the elements of an array. Without `comments`,
    /// blanks and newlines only (after a line-ending backslash in a string, `#` is text).
    mutating func skipBlanksNewlinesAndComments(comments: Bool = true) throws {
        while let byte = peek() {
            switch byte {
            case .space, .tab: position += 1
            case .newline:
                position += 1
                line += 1
            case .carriageReturn where peek(1) == .newline:
                position += 2
                line += 1
            case .hash where comments: try comment()
            default: return
            }
        }
    }

    mutating func skipBlanks() {
        while let byte = peek(), byte == .space || byte == .tab { position += 1 }
    }

    func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    func atEndOfLine() -> Bool {
        guard let byte = peek() else { return true }
        return byte == .newline || byte == .carriageReturn || byte == .hash
    }

    /// The next character, for an error message: `'x'`, `the end of the line`, `U+0007`.
    func describeNext() -> String {
        guard let byte = peek() else { return "the end of the file" }
        if byte == .newline || (byte == .carriageReturn && peek(1) == .newline) { return "the end of the line" }
        if Self.isControl(byte) { return "control character U+" + ParseFailure.hex(UInt32(byte), digits: 4) }
        if byte < 0x80 { return "'" + String(UnicodeScalar(byte)) + "'" }
        // A whole UTF-8 sequence: a lead byte says how long it is.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        return "'" + String(decoding: bytes[position..<min(position + length, bytes.count)], as: UTF8.self) + "'"
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        b.isLetterOrDigit || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// U+0000 to U+001F and U+007F: allowed raw only as tab, and as newlines where lines may break.
    static func isControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != .tab) || b == 0x7F
    }
}
