/// TOML values: integers, floats, booleans, dates and times, arrays and inline tables (strings are in
/// `TOMLParser+Strings.swift`).
extension TOMLParser {
    /// The value starting at the current position. `depth` counts the tables and arrays around it.
    mutating func value(depth: Int) throws -> TOMLValue {
        guard let byte = peek() else { throw Failure(line, "expected a value, found the end of the file") }
        switch byte {
        case .quote:
            if peek(1) == .quote && peek(2) == .quote { return .string(try multiLineString(.quote)) }
            return .string(try basicString())
        case .apostrophe:
            if peek(1) == .apostrophe && peek(2) == .apostrophe { return .string(try multiLineString(.apostrophe)) }
            return .string(try literalString())
        case .leftBracket:
            return try array(depth: depth)
        case .leftBrace:
            return try inlineTable(depth: depth)
        case _ where Self.isWordByte(byte):
            return try word()
        default:
            throw Failure(line, "expected a value, found \(describeNext())")
        }
    }

    // MARK: Arrays and inline tables

    /// `[ v, v, ]`: over several lines if need be, with comments, a trailing comma allowed.
    mutating func array(depth: Int) throws -> TOMLValue {
        guard depth < TOMLTree.maximumDepth else { throw TOMLTree.tooDeep(line) }
        let startLine = line
        position += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlanksNewlinesAndComments()
            guard peek() != nil else { throw Failure(startLine, "unterminated array (no ']' before the end of the file)") }
            if peek() == .rightBracket { break }
            items.append(try value(depth: depth + 1))
            try skipBlanksNewlinesAndComments()
            guard let byte = peek() else { throw Failure(startLine, "unterminated array (no ']' before the end of the file)") }
            if byte == .rightBracket { break }
            guard byte == .comma else { throw Failure(line, "expected ',' or ']' in an array, found \(describeNext())") }
            position += 1
        }
        position += 1
        return .array(items)
    }

    /// `{ k = v, k = v }`: on one line (values such as arrays may span lines), no trailing comma, and
    /// closed once written.
    mutating func inlineTable(depth: Int) throws -> TOMLValue {
        let table = try tree.openInline(line: line, depth: depth)
        sections += 1
        let section = sections
        position += 1
        skipBlanks()
        if peek() == .rightBrace {
            position += 1
            return .table(tree.close(inline: table))
        }
        while true {
            let keyLine = line
            let path = try key()
            try expectEquals(after: path)
            let value = try self.value(depth: depth + path.count)
            try tree.setValue(path, value, in: table, number: section, line: keyLine)
            skipBlanks()
            switch peek() {
            case .rightBrace?:
                position += 1
                return .table(tree.close(inline: table))
            case .comma?:
                position += 1
                skipBlanks()
                if peek() == .rightBrace { throw Failure(line, "trailing comma in an inline table") }
            case nil, .newline?, .carriageReturn?, .hash?:
                throw Failure(line, "unterminated inline table (an inline table ends on its line, with '}')")
            default:
                throw Failure(line, "expected ',' or '}' in an inline table, found \(describeNext())")
            }
        }
    }

    // MARK: Booleans, numbers, dates and times

    /// A bare word: `true`, `false`, a number, or a date or time.
    private mutating func word() throws -> TOMLValue {
        let start = position
        var end = position + 1
        while end < bytes.count && Self.isWordByte(bytes[end]) { end += 1 }
        position = end
        // RFC 3339 allows a space between the date and the time: `1979-05-27 07:32:00`.
        if TOMLDateTime.isDate(bytes[start..<position]), peek() == .space,
           let h = peek(1), h.isDigit, let m = peek(2), m.isDigit, peek(3) == UInt8(ascii: ":") {
            position += 1
            while let byte = peek(), Self.isWordByte(byte) { position += 1 }
        }
        let word = bytes[start..<position]
        if word.elementsEqual("true".utf8) { return .bool(true) }
        if word.elementsEqual("false".utf8) { return .bool(false) }
        if TOMLDateTime.looksLikeDateOrTime(word) {
            let text = String(decoding: word, as: UTF8.self)
            guard TOMLDateTime.isValid(word) else { throw Failure(line, "invalid date or time '\(text)'") }
            return .dateTime(text)
        }
        return try number(word)
    }

    /// Integers: decimal with an optional sign, `0x`, `0o`, `0b`; `_` only between digits; no leading
    /// zeros; 64 bits. Floats: a fraction and/or an exponent, `inf`, `nan`.
    private func number(_ word: ArraySlice<UInt8>) throws -> TOMLValue {
        var text: String { String(decoding: word, as: UTF8.self) }  // for messages only
        var i = word.startIndex
        let sign = word[i] == UInt8(ascii: "+") || word[i] == UInt8(ascii: "-") ? word[i] : nil
        if sign != nil { i += 1 }
        let body = word[i...]
        if body.elementsEqual("inf".utf8) { return .float(sign == UInt8(ascii: "-") ? -.infinity : .infinity) }
        if body.elementsEqual("nan".utf8) { return .float(sign == UInt8(ascii: "-") ? -.nan : .nan) }
        var invalid: Failure {
            Failure(line, "invalid value '\(text)'" + (body.first?.isDigit == true ? "" : " (a string needs quotes)"))
        }
        var tooLarge: Failure { Failure(line, "integer '\(text)' does not fit in 64 bits") }

        if body.count > 2, body.first == UInt8(ascii: "0"), let radix = Self.radix(of: body[i + 1]) {
            guard sign == nil else { throw Failure(line, "a sign is not allowed on '\(text)' (only decimal integers have one)") }
            guard Self.digitRun(word, from: i + 2, radix: radix) == word.endIndex else { throw invalid }
            guard let value = Self.integer(word[(i + 2)...], radix: radix, negative: false) else { throw tooLarge }
            return .integer(value)
        }

        guard let integerEnd = Self.digitRun(word, from: i, radix: 10) else { throw invalid }
        var end = integerEnd
        var isFloat = false
        if end < word.endIndex && word[end] == .dot {
            guard let fractionEnd = Self.digitRun(word, from: end + 1, radix: 10) else { throw invalid }
            end = fractionEnd
            isFloat = true
        }
        if end < word.endIndex && (word[end] == UInt8(ascii: "e") || word[end] == UInt8(ascii: "E")) {
            var exponent = end + 1
            if exponent < word.endIndex && (word[exponent] == UInt8(ascii: "+") || word[exponent] == UInt8(ascii: "-")) { exponent += 1 }
            guard let exponentEnd = Self.digitRun(word, from: exponent, radix: 10) else { throw invalid }
            end = exponentEnd
            isFloat = true
        }
        guard end == word.endIndex else { throw invalid }
        if word[i] == UInt8(ascii: "0") && integerEnd - i > 1 {
            throw Failure(line, "leading zeros are not allowed in '\(text)'")
        }
        guard isFloat else {
            guard let value = Self.integer(word[i..<integerEnd], radix: 10, negative: sign == UInt8(ascii: "-")) else { throw tooLarge }
            return .integer(value)
        }
        guard let value = Double(String(decoding: word.lazy.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)), value.isFinite else {
            throw Failure(line, "float '\(text)' is out of range")
        }
        return .float(value)
    }

    /// Digits (already checked) as a 64-bit signed integer; nil when it does not fit.
    private static func integer(_ digits: ArraySlice<UInt8>, radix: Int, negative: Bool) -> Int? {
        var magnitude: UInt64 = 0
        let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
        for byte in digits where byte != UInt8(ascii: "_") {
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(byte.digitValue(radix: radix)!))
            guard !o1 && !o2 && sum <= limit else { return nil }
            magnitude = sum
        }
        return negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude)
    }

    /// The end of a run of digits starting at `i`, with each `_` between two digits; nil when there is
    /// no digit at `i` or an `_` is misplaced.
    private static func digitRun(_ word: ArraySlice<UInt8>, from start: Int, radix: Int) -> Int? {
        guard start < word.endIndex, word[start].digitValue(radix: radix) != nil else { return nil }
        var i = start + 1
        while i < word.endIndex {
            if word[i].digitValue(radix: radix) != nil {
                i += 1
            } else if word[i] == UInt8(ascii: "_") {
                guard i + 1 < word.endIndex, word[i + 1].digitValue(radix: radix) != nil else { return nil }
                i += 2
            } else {
                break
            }
        }
        return i
    }

    private static func radix(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "x"): return 16
        case UInt8(ascii: "o"): return 8
        case UInt8(ascii: "b"): return 2
        default: return nil
        }
    }

    /// What a bare value is spelt with: letters, digits, and `_ + - . :`.
    static func isWordByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == .dot || byte == UInt8(ascii: ":")
    }
}
