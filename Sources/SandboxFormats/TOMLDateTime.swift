/// TOML's dates and times (RFC 3339): `1979-05-27T07:32:00Z`, `1979-05-27 07:32:00.5-07:00`,
/// `1979-05-27T07:32:00`, `1979-05-27`, `07:32:00`. The parser recognises and checks them so that a
/// profile can be told they have no meaning there, rather than that they are bad numbers.
enum TOMLDateTime {
    /// `YYYY-MM-DD` by its shape.
    static func isDate(_ word: ArraySlice<UInt8>) -> Bool {
        word.count == 10 && number(word, 0, 4) != nil && byte(word, 4) == dash
            && number(word, 5, 2) != nil && byte(word, 7) == dash && number(word, 8, 2) != nil
    }

    /// A bare word that starts like a date (`1979-`) or a time (`07:`), so that it is an invalid date
    /// or time if it is not a valid one, rather than an invalid number.
    static func looksLikeDateOrTime(_ word: ArraySlice<UInt8>) -> Bool {
        (number(word, 0, 4) != nil && byte(word, 4) == dash) || (number(word, 0, 2) != nil && byte(word, 2) == colon)
    }

    /// A valid offset date-time, local date-time, local date or local time.
    static func isValid(_ word: ArraySlice<UInt8>) -> Bool {
        guard isDate(word.prefix(10)) else { return time(word)?.isEmpty == true }
        let year = number(word, 0, 4)!, month = number(word, 5, 2)!, day = number(word, 8, 2)!
        guard (1...12).contains(month), (1...daysIn(month, of: year)).contains(day) else { return false }
        var rest = word.dropFirst(10)
        guard let separator = rest.first else { return true }
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
              let afterTime = time(rest.dropFirst()) else { return false }
        rest = afterTime
        guard let first = rest.first else { return true }
        if first == UInt8(ascii: "Z") || first == UInt8(ascii: "z") { return rest.count == 1 }
        guard first == UInt8(ascii: "+") || first == dash, rest.count == 6,
              let hours = number(rest, 1, 2), byte(rest, 3) == colon, let minutes = number(rest, 4, 2) else { return false }
        return hours <= 23 && minutes <= 59
    }

    /// `HH:MM:SS` with an optional fraction; what follows it, or nil.
    private static func time(_ word: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let hours = number(word, 0, 2), byte(word, 2) == colon, let minutes = number(word, 3, 2),
              byte(word, 5) == colon, let seconds = number(word, 6, 2),
              hours <= 23, minutes <= 59, seconds <= 60 else { return nil }
        var rest = word.dropFirst(8)
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix(while: \.isDigit)
            guard !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count)
        }
        return rest
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `count` decimal digits at `offset`, as a number.
    private static func number(_ word: ArraySlice<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        guard word.count >= offset + count else { return nil }
        var value = 0
        for byte in word.dropFirst(offset).prefix(count) {
            guard byte.isDigit else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func byte(_ word: ArraySlice<UInt8>, _ offset: Int) -> UInt8? {
        word.count > offset ? word[word.startIndex + offset] : nil
    }

    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")
}
