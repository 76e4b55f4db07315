/// A double-quoted string literal valid in both JSON (RFC 8259 section 7) and TOML (basic strings): `"`
/// and `\` escaped, control characters and DEL as \n, \t, \r or \u00XX. Paths are arbitrary bytes;
/// Swift has already replaced invalid UTF-8 with U+FFFD, so the result is always valid.
public enum StringLiteral {
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
