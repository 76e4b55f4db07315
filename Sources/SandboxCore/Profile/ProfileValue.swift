/// A profile value as written, before it is given meaning: the subset of TOML that profiles use.
public indirect enum ProfileValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([ProfileValue])
    case table([(String, ProfileValue)])

    public static func == (a: ProfileValue, b: ProfileValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.float(x), .float(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.table(x), .table(y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: return false
        }
    }

    /// The value as TOML source text (used by `profile show` and `--set` round trips).
    public var description: String {
        switch self {
        case .string(let s): return TOMLText.quote(s)
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{ " + pairs.map { "\(TOMLText.key($0.0)) = \($0.1)" }.joined(separator: ", ") + " }"
        }
    }

    /// The TOML type name, for "expected X, found Y" messages.
    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
}

/// Where a setting came from: a file and line, a built-in profile, a command-line flag, or the schema's
/// default. Shown by `profile show` and in every validation error.
public struct Origin: Equatable, Sendable, CustomStringConvertible {
    public let source: String
    public let line: Int?

    public init(_ source: String, line: Int? = nil) {
        self.source = source
        self.line = line
    }

    public static let schemaDefault = Origin("(default)")

    public var description: String { line.map { "\(source):\($0)" } ?? source }
}

/// One leaf of a profile: a key path such as `limits.open_files`, its value and its origin.
public struct Setting: Equatable, Sendable {
    public var value: ProfileValue
    public var origin: Origin
    /// For an array of tables (`[[seccomp.rules]]`): the origin of each table, so an error in the third
    /// rule names the third rule's line.
    public var elementOrigins: [Origin]? = nil

    public init(value: ProfileValue, origin: Origin, elementOrigins: [Origin]? = nil) {
        self.value = value
        self.origin = origin
        self.elementOrigins = elementOrigins
    }

    /// The origin of element `index` of a list value.
    func origin(ofElement index: Int) -> Origin {
        guard let elementOrigins, index < elementOrigins.count else { return origin }
        return elementOrigins[index]
    }
}
