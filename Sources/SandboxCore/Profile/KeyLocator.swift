/// Finds the line where a key path is written in a TOML text. TOMLKit reports lines for syntax errors but
/// not for keys, so after a successful parse this reads the text once more for `[table]` headers and
/// `key =` lines. It locates keys; it does not parse values (TOMLKit has already done that).
///
/// It works on UTF-8 bytes: every run reads the profiles it uses, and Character-level string handling
/// (grapheme breaking) made this the costliest step of loading a profile.
struct KeyLocator {
    private var lines: [String: Int] = [:]
    /// The line of each `[[path]]` header, in order: the origin of each table of an array of tables.
    private(set) var arrayHeaders: [String: [Int]] = [:]

    init(text: String) {
        let bytes = Array(text.utf8)
        var header = ""
        var lineNumber = 0
        var inMultilineString = false
        var start = 0
        while start <= bytes.count {
            // Split on LF only: a CRLF line keeps its CR, which trimming removes.
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            let line = Self.trimmed(bytes[start..<end])
            start = end + 1

            // Lines inside a multi-line string are text, not keys.
            let quotes = Self.count(#"""""#, in: line) + Self.count("'''", in: line)
            if inMultilineString {
                if quotes % 2 == 1 { inMultilineString = false }
                continue
            }
            if quotes % 2 == 1 { inMultilineString = true }

            if line.starts(with: Array("[[".utf8)) {
                header = Self.normalize(line.dropFirst(2).prefix { $0 != UInt8(ascii: "]") })
                arrayHeaders[header, default: []].append(lineNumber)
                record(header, lineNumber)
            } else if line.first == UInt8(ascii: "[") {
                header = Self.normalize(line.dropFirst().prefix { $0 != UInt8(ascii: "]") })
                record(header, lineNumber)
            } else if line.first != UInt8(ascii: "#"), let eq = line.firstIndex(of: UInt8(ascii: "=")) {
                let key = line[..<eq]
                guard !key.isEmpty, key.allSatisfy(Self.isKeyByte) else { continue }
                let path = Self.normalize(key)
                guard !path.isEmpty else { continue }
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

    /// Letters, digits, `_-.`, quotes and blanks: what a key (bare, quoted or dotted) is written with.
    /// Non-ASCII bytes count too, for quoted keys in other scripts.
    private static func isKeyByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "\""), UInt8(ascii: "'"),
             UInt8(ascii: " "), UInt8(ascii: "\t"), 0x80...0xFF:
            return true
        default:
            return false
        }
    }

    private static func isBlank(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let b = s.first, isBlank(b) { s = s.dropFirst() }
        while let b = s.last, isBlank(b) { s = s.dropLast() }
        return s
    }

    private static func count(_ needle: String, in line: ArraySlice<UInt8>) -> Int {
        let n = Array(needle.utf8)
        var count = 0
        var i = line.startIndex
        while i + n.count <= line.endIndex {
            if line[i..<(i + n.count)].elementsEqual(n) {
                count += 1
                i += n.count
            } else {
                i += 1
            }
        }
        return count
    }

    /// `a . "b" .c` → `a.b.c`.
    private static func normalize(_ key: ArraySlice<UInt8>) -> String {
        key.split(separator: UInt8(ascii: "."))
            .map { part in
                var p = trimmed(part)
                while let b = p.first, b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { p = p.dropFirst() }
                while let b = p.last, b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { p = p.dropLast() }
                return String(decoding: p, as: UTF8.self)
            }
            .joined(separator: ".")
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
