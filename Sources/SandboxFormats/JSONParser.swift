/// A strict RFC 8259 JSON parser in plain Swift, for OCI seccomp profiles. Object members keep their
/// order; a key given twice is an error (which of two actions would be meant?). Integers stay exact:
/// `.int` when they fit Int64, `.uint` for larger non-negative ones (seccomp argument values are
/// unsigned 64-bit), `.double` otherwise. An error is one line: `SOURCE:LINE: invalid JSON: WHAT`.
///
/// Like `TOMLParser`, it reads UTF-8 bytes; bytes at or above 0x80 are only copied into strings.
public struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    /// Arrays and objects nested deeper than this are refused, so that neither the parser's recursion
    /// nor the recursive release of the value can exhaust the stack.
    static let maximumDepth = 128

    /// Parses `text`, a single JSON value with blanks around it.
    public static func parse(_ text: String, source: String) throws -> JSONValue {
        try parse(bytes: Array(text.utf8), source: source)
    }

    /// Parses a document as read from a file: the bytes must be UTF-8 (RFC 8259 section 8.1; an invalid
    /// sequence is an error naming its line), with or without a byte-order mark.
    public static func parse(bytes: [UInt8], source: String) throws -> JSONValue {
        if let failure = bytes.withUnsafeBufferPointer(UTF8Validation.firstError) {
            throw FormatError(.json, source: source, failure)
        }
        var parser = JSONParser(bytes: bytes)
        do {
            return try parser.document()
        } catch let failure as ParseFailure {
            throw FormatError(.json, source: source, failure)
        }
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private typealias Failure = ParseFailure

    private mutating func document() throws -> JSONValue {
        // RFC 8259 section 8.1: a parser MAY ignore a byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw Failure(line, "\(describeNext()) after the JSON value") }
        return value
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard let byte = peek() else { throw Failure(line, "expected a JSON value, found the end of the file") }
        switch byte {
        case .leftBrace: return try object(depth: depth)
        case .leftBracket: return try array(depth: depth)
        case .quote: return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: throw Failure(line, "expected a JSON value, found \(describeNext())")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw Failure(line, "arrays and objects nested more than \(Self.maximumDepth) deep") }
        let startLine = line
        position += 1
        var members: [(String, JSONValue)] = []
        var lines: [String: Int] = [:]
        skipWhitespace()
        if peek() == .rightBrace {
            position += 1
            return .object(members)
        }
        while true {
            guard peek() == .quote else {
                if peek() == nil { throw Failure(startLine, "unterminated object (no '}' before the end of the file)") }
                throw Failure(line, "expected a member name in quotes, found \(describeNext())")
            }
            let keyLine = line
            let key = try string()
            if let first = lines[key] { throw Failure(keyLine, "duplicate key \(JSONValue.quote(key)) (first on line \(first))") }
            lines[key] = keyLine
            skipWhitespace()
            guard peek() == .colon else { throw Failure(line, "expected ':' after \(JSONValue.quote(key)), found \(describeNext())") }
            position += 1
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            switch peek() {
            case .comma?:
                position += 1
                skipWhitespace()
            case .rightBrace?:
                position += 1
                return .object(members)
            case nil:
                throw Failure(startLine, "unterminated object (no '}' before the end of the file)")
            default:
                throw Failure(line, "expected ',' or '}' in an object, found \(describeNext())")
            }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw Failure(line, "arrays and objects nested more than \(Self.maximumDepth) deep") }
        let startLine = line
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == .rightBracket {
            position += 1
            return .array(items)
        }
        while true {
            if peek() == nil { throw Failure(startLine, "unterminated array (no ']' before the end of the file)") }
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case .comma?:
                position += 1
                skipWhitespace()
            case .rightBracket?:
                position += 1
                return .array(items)
            case nil:
                throw Failure(startLine, "unterminated array (no ']' before the end of the file)")
            default:
                throw Failure(line, "expected ',' or ']' in an array, found \(describeNext())")
            }
        }
    }

    /// `"..."` with the escapes of RFC 8259 section 7; `\uD83D\uDE00` pairs make one character.
    private mutating func string() throws -> String {
        let start = position + 1
        var end = start
        while end < bytes.count && bytes[end] != .quote && bytes[end] != .backslash && bytes[end] >= 0x20 { end += 1 }
        position = end
        if peek() == .quote {
            position += 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var text = Array(bytes[start..<end])
        while let byte = peek() {
            switch byte {
            case .quote:
                position += 1
                return String(decoding: text, as: UTF8.self)
            case .backslash:
                try escape(into: &text)
            case _ where byte < 0x20:
                if byte == .newline || byte == .carriageReturn { throw Failure(line, "unterminated string") }
                throw Failure(line, "control character U+\(ParseFailure.hex(UInt32(byte), digits: 4)) in a string (write it as an escape)")
            default:
                text.append(byte)
                position += 1
            }
        }
        throw Failure(line, "unterminated string")
    }

    private mutating func escape(into text: inout [UInt8]) throws {
        guard let code = peek(1) else { throw Failure(line, "unterminated string") }
        let simple: UInt8
        switch code {
        case .quote, .backslash, UInt8(ascii: "/"): simple = code
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = .newline
        case UInt8(ascii: "r"): simple = .carriageReturn
        case UInt8(ascii: "t"): simple = .tab
        case UInt8(ascii: "u"):
            position += 2
            var value = try hex4()
            if (0xD800...0xDBFF).contains(value) {
                // A high surrogate: the low one must follow as another \u escape.
                guard peek() == .backslash, peek(1) == UInt8(ascii: "u") else {
                    throw Failure(line, "\\u\(ParseFailure.hex(value, digits: 4)) is half a surrogate pair")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw Failure(line, "\\u\(ParseFailure.hex(value, digits: 4)) is not followed by a low surrogate")
                }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(value) {
                throw Failure(line, "\\u\(ParseFailure.hex(value, digits: 4)) is half a surrogate pair")
            }
            UTF8.encode(Unicode.Scalar(value)!) { text.append($0) }
            return
        default:
            position += 1
            if code < 0x20 { throw Failure(line, "unterminated string") }
            throw Failure(line, "invalid escape '\\\(describeNext().dropFirst().dropLast())' in a string")
        }
        text.append(simple)
        position += 2
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 {
            guard let byte = peek(i), let digit = byte.digitValue(radix: 16) else {
                throw Failure(line, "\\u needs 4 hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws -> JSONValue {
        let start = position
        // Take everything a number could be spelt with, then check it, for a message naming all of it.
        while let byte = peek(), byte.isDigit || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                || byte == .dot || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
        }
        let word = bytes[start..<position]
        var text: String { String(decoding: word, as: UTF8.self) }
        var i = start
        let negative = word.first == UInt8(ascii: "-")
        if negative { i += 1 }
        let integerStart = i
        while i < position && bytes[i].isDigit { i += 1 }
        guard i > integerStart else { throw Failure(line, "invalid number '\(text)'") }
        if bytes[integerStart] == UInt8(ascii: "0") && i - integerStart > 1 {
            throw Failure(line, "leading zeros are not allowed in '\(text)'")
        }
        let integerEnd = i
        if i < position && bytes[i] == .dot {
            i += 1
            let fraction = i
            while i < position && bytes[i].isDigit { i += 1 }
            guard i > fraction else { throw Failure(line, "invalid number '\(text)'") }
        }
        if i < position && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < position && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            let exponent = i
            while i < position && bytes[i].isDigit { i += 1 }
            guard i > exponent else { throw Failure(line, "invalid number '\(text)'") }
        }
        guard i == position else { throw Failure(line, "invalid number '\(text)'") }

        if integerEnd == position {
            var magnitude: UInt64 = 0
            var exact = true
            for byte in bytes[integerStart..<integerEnd] {
                let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                if o1 || o2 { exact = false; break }
                magnitude = sum
            }
            if exact && !negative && magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if exact && !negative { return .uint(magnitude) }
            if exact && magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        guard let value = Double(text), value.isFinite else { throw Failure(line, "number '\(text)' is out of range") }
        return .double(value)
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let end = position + word.utf8.count
        guard end <= bytes.count, bytes[position..<end].elementsEqual(word.utf8),
              end == bytes.count || !bytes[end].isLetterOrDigit else {
            var end = position
            while end < bytes.count && bytes[end].isLetterOrDigit { end += 1 }
            throw Failure(line, "expected a JSON value, found '\(String(decoding: bytes[position..<max(end, position + 1)], as: UTF8.self))'")
        }
        position = end
        return value
    }

    private mutating func skipWhitespace() {
        while let byte = peek() {
            switch byte {
            case .space, .tab, .carriageReturn: position += 1
            case .newline:
                position += 1
                line += 1
            default: return
            }
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "the end of the file" }
        if byte < 0x20 || byte == 0x7F { return "control character U+" + ParseFailure.hex(UInt32(byte), digits: 4) }
        if byte < 0x80 { return "'" + String(UnicodeScalar(byte)) + "'" }
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        return "'" + String(decoding: bytes[position..<min(position + length, bytes.count)], as: UTF8.self) + "'"
    }
}
