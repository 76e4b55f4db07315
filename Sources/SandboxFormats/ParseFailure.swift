/// A syntax error found by `TOMLParser` or `JSONParser`, before it is given the file's name (then it
/// becomes a `FormatError`): the line it is on and what is wrong, in words.
struct ParseFailure: Error {
    let line: Int
    let message: String

    init(_ line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    /// `0007`, `D800`: a code point as messages write it (after `U+` or `\\u`).
    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
