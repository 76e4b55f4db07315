/// A JSON value with ordered object keys, and its serialisation (what `JSONParser` reads, too). The
/// report's key order is part of its readability (version first, usage figures together), which
/// Foundation's encoder does not keep.
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// A non-negative integer beyond Int64 (seccomp argument values are unsigned 64-bit).
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public func serialized(indent: Int? = 2) -> String {
        var out = ""
        write(to: &out, indent: indent, level: 0)
        return out
    }

    private func write(to out: inout String, indent: Int?, level: Int) {
        let newline = indent == nil ? "" : "\n"
        let pad = { (n: Int) in String(repeating: " ", count: (indent ?? 0) * n) }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .double(let d): out += d.isFinite ? String(fixed: d, decimals: 6) : "null"
        case .string(let s): out += JSONValue.quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad(level + 1)
                item.write(to: &out, indent: indent, level: level + 1)
                out += (i < items.count - 1 ? "," : "") + newline
            }
            out += pad(level) + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (key, value)) in pairs.enumerated() {
                out += pad(level + 1) + JSONValue.quote(key) + (indent == nil ? ":" : ": ")
                value.write(to: &out, indent: indent, level: level + 1)
                out += (i < pairs.count - 1 ? "," : "") + newline
            }
            out += pad(level) + "}"
        }
    }


    public static func quote(_ s: String) -> String { StringLiteral.quoted(s) }
}
