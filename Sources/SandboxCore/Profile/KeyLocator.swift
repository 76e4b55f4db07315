/// Finds the line where a key path is written in a TOML text. TOMLKit reports lines for syntax errors but
/// not for keys, so after a successful parse this reads the text once more for `[table]` headers and
/// `key =` lines. It locates keys; it does not parse values (TOMLKit has already done that).
struct KeyLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var header = ""
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.hasPrefix("[") {
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
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
