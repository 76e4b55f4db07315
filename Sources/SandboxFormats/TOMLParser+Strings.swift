/// TOML strings: basic `"..."` with escapes, literal `'...'`, and their multi-line forms.
extension TOMLParser {
    /// `"..."`: escapes, no raw control characters, on one line.
    mutating func basicString() throws -> String {
        let start = position + 1
        // Most strings have no escapes: take the bytes as they are.
        var end = start
        while end < bytes.count && bytes[end] != .quote && bytes[end] != .backslash && !Self.isControl(bytes[end]) { end += 1 }
        position = end
        if peek() == .quote {
            position += 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var text = Array(bytes[start..<position])
        while let byte = peek() {
            switch byte {
            case .quote:
                position += 1
                return String(decoding: text, as: UTF8.self)
            case .backslash:
                try escape(into: &text)
            case _ where Self.isControl(byte):
                throw controlInString(byte)
            default:
                text.append(byte)
                position += 1
            }
        }
        throw Failure(line, "unterminated string")
    }

    /// `'...'`: taken as written, on one line.
    mutating func literalString() throws -> String {
        position += 1
        let start = position
        while let byte = peek() {
            if byte == .apostrophe {
                position += 1
                return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
            }
            if Self.isControl(byte) { throw controlInString(byte) }
            position += 1
        }
        throw Failure(line, "unterminated string")
    }

    /// `"""..."""` (escapes, and a backslash at the end of a line joins it to the next non-blank) or
    /// `'''...'''` (as written). A newline right after the opening delimiter is not part of the string;
    /// CRLF becomes LF; one or two quotes may come right before the closing three.
    mutating func multiLineString(_ delimiter: UInt8) throws -> String {
        let startLine = line
        position += 3
        if peek() == .newline {
            position += 1
            line += 1
        } else if peek() == .carriageReturn && peek(1) == .newline {
            position += 2
            line += 1
        }
        var text: [UInt8] = []
        while let byte = peek() {
            switch byte {
            case delimiter:
                var run = 1
                while peek(run) == delimiter { run += 1 }
                position += run
                if run < 3 {
                    text += repeatElement(delimiter, count: run)
                    continue
                }
                guard run <= 5 else { throw Failure(line, "\(run) quotes in a row in a multi-line string; escape some of them") }
                text += repeatElement(delimiter, count: run - 3)
                return String(decoding: text, as: UTF8.self)
            case .backslash where delimiter == .quote:
                var blanks = 1
                while peek(blanks) == .space || peek(blanks) == .tab { blanks += 1 }
                if peek(blanks) == .newline || (peek(blanks) == .carriageReturn && peek(blanks + 1) == .newline) {
                    position += blanks
                    try skipBlanksNewlinesAndComments(comments: false)
                } else {
                    try escape(into: &text)
                }
            case .newline:
                text.append(.newline)
                position += 1
                line += 1
            case .carriageReturn where peek(1) == .newline:
                text.append(.newline)
                position += 2
                line += 1
            case _ where Self.isControl(byte):
                throw controlInString(byte)
            default:
                text.append(byte)
                position += 1
            }
        }
        throw Failure(startLine, "unterminated multi-line string")
    }

    /// One escape sequence, from its backslash.
    private mutating func escape(into text: inout [UInt8]) throws {
        guard let code = peek(1) else { throw Failure(line, "unterminated string") }
        let simple: UInt8?
        switch code {
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"): simple = .tab
        case UInt8(ascii: "n"): simple = .newline
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = .carriageReturn
        case .quote, .backslash: simple = code
        case UInt8(ascii: "u"), UInt8(ascii: "U"): simple = nil
        case .newline, .carriageReturn:
            throw Failure(line, "unterminated string (a backslash ends a line only in a multi-line string)")
        case _ where Self.isControl(code):
            throw controlInString(code)
        default:
            position += 1
            throw Failure(line, "invalid escape '\\\(describeNext().dropFirst().dropLast())' in a string")
        }
        if let simple {
            text.append(simple)
            position += 2
            return
        }
        let digits = code == UInt8(ascii: "u") ? 4 : 8
        var value: UInt32 = 0
        for i in 0..<digits {
            guard let byte = peek(2 + i), let digit = byte.digitValue(radix: 16) else {
                throw Failure(line, "\\\(Character(UnicodeScalar(code))) needs \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw Failure(line, "\\\(Character(UnicodeScalar(code)))\(ParseFailure.hex(value, digits: digits)) is not a Unicode scalar value")
        }
        UTF8.encode(scalar) { text.append($0) }
        position += 2 + digits
    }

    private func controlInString(_ byte: UInt8) -> Failure {
        if byte == .newline || (byte == .carriageReturn && peek(1) == .newline) { return Failure(line, "unterminated string") }
        let code = ParseFailure.hex(UInt32(byte), digits: 4)
        return Failure(line, "control character U+\(code) in a string (write it as \\u\(code))")
    }
}
