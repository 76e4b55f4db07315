/// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), checked once over
/// the whole input before a parser reads it, so that every String the parsers make is the bytes as
/// written: an invalid byte is an error naming its line, never a silent U+FFFD. (U+FFFD written as
/// such, EF BF BD, is a character like any other.)
enum UTF8Validation {
    /// The first invalid sequence: its line (counting `\n`) and what is wrong; nil when all is valid.
    static func firstError(in bytes: UnsafeBufferPointer<UInt8>) -> ParseFailure? {
        var i = 0
        var line = 1
        let count = bytes.count
        while i < count {
            let lead = bytes[i]
            if lead < 0x80 {
                if lead == .newline { line += 1 }
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the range of the second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; high = 0x9F  // U+D800...U+DFFF are surrogates
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
            default:
                return ParseFailure(line, "invalid UTF-8: byte 0x\(ParseFailure.hex(UInt32(lead), digits: 2)) cannot start a character")
            }
            guard i + length <= count else { return ParseFailure(line, "invalid UTF-8: the file ends inside a character") }
            guard (low...high).contains(bytes[i + 1]) else { return invalidSequence(bytes, i, line) }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return invalidSequence(bytes, i, line) }
            i += length
        }
        return nil
    }

    private static func invalidSequence(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ line: Int) -> ParseFailure {
        let shown = bytes[at..<min(at + 4, bytes.count)].map { ParseFailure.hex(UInt32($0), digits: 2) }.joined(separator: " ")
        return ParseFailure(line, "invalid UTF-8: bytes \(shown) are not a character")
    }
}
