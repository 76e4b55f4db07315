/// The ASCII bytes the TOML and JSON parsers look for, by name (public: SandboxCore reads kernel files with them).
extension UInt8 {
    public static let tab = UInt8(ascii: "\t")
    public static let newline = UInt8(ascii: "\n")
    public static let carriageReturn = UInt8(ascii: "\r")
    public static let space = UInt8(ascii: " ")
    public static let quote = UInt8(ascii: "\"")
    public static let apostrophe = UInt8(ascii: "'")
    public static let backslash = UInt8(ascii: "\\")
    public static let hash = UInt8(ascii: "#")
    public static let dot = UInt8(ascii: ".")
    public static let comma = UInt8(ascii: ",")
    public static let equals = UInt8(ascii: "=")
    public static let colon = UInt8(ascii: ":")
    public static let leftBracket = UInt8(ascii: "[")
    public static let rightBracket = UInt8(ascii: "]")
    public static let leftBrace = UInt8(ascii: "{")
    public static let rightBrace = UInt8(ascii: "}")

    public var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    public var isLetterOrDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
    }

    /// The value of this byte as a digit in `radix` (up to 16), or nil.
    public func digitValue(radix: Int) -> Int? {
        let value: Int
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(self - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(self - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(self - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < radix ? value : nil
    }
}
