/// Finds the line where a key path is written in a TOML text. TOMLKit reports lines for syntax errors but
/// not for keys, so after a successful parse this reads the text once more for `[table]` headers and
/// `key =` lines. It locates keys; it does not parse values (TOMLKit has already done that).
struct KeyLocator {
    private var lines: [String: Int] = [:]
    /// The line of each `[[path]]` header, in order: the origin of each table of an array of tables.
    private(set) var arrayHeaders: [String: [Int]] = [:]

    init(text: String) {
        var header = ""
        var lineNumber = 0
        var inMultilineString = false
        // Split on the scalar: in Swift "\r\n" is one Character, so splitting Characters on "\n" would
        // leave a CRLF file as one line.
        for raw in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(String.UnicodeScalarView(raw)).trimmingCharacters(in: " \t\r")
            // Lines inside a multi-line string are text, not keys.
            let quotes = line.components(of: "\"\"\"") + line.components(of: "\'\'\'")
            if inMultilineString {
                if quotes % 2 == 1 { inMultilineString = false }
                continue
            }
            if quotes % 2 == 1 { inMultilineString = true }
            if line.hasPrefix("[[") {
                let inner = line.dropFirst(2).prefix { $0 != "]" }
                header = Self.normalize(Substring(inner))
                arrayHeaders[header, default: []].append(lineNumber)
                record(header, lineNumber)
            } else if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                header = Self.normalize(Substring(inner))
                record(header, lineNumber)
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<eq].trimmingCharacters(in: " \t")
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "_-.\"' ".contains($0) }) else { continue }
                let path = Self.normalize(Substring(key))
                record(header.isEmpty ? path : header + "." + path, lineNumber)
            }
        }
    }

    private mutating func record(_ path: String, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// The line of `path`, or of its nearest enclosing key or table that is written in the text.
    func line(for path: String) -> Int? {
        var components = path.split(separator: ".").map(String.init)
        while !components.isEmpty {
            if let line = lines[components.joined(separator: ".")] { return line }
            components.removeLast()
        }
        return nil
    }

    /// `a . "b" .c` → `a.b.c`.
    private static func normalize(_ key: Substring) -> String {
        key.split(separator: ".").map { $0.trimmingCharacters(in: " \t\"'") }.joined(separator: ".")
    }
}

extension StringProtocol {
    /// How many times `needle` occurs (without overlaps).
    func components(of needle: String) -> Int {
        var count = 0
        var rest = Substring(self)
        while let range = rest.firstRange(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
