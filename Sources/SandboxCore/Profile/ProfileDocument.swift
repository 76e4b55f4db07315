#if canImport(Glibc)
import Glibc
#endif

/// One profile as written in one file: its parents and its settings, each with the line it is on.
/// Checking here is structural (known keys, no reserved sections); values are checked when the merged
/// profile is decoded (`ProfileDecoder`), where the origin of each value is still known.
public struct ProfileDocument: Sendable {
    public let name: String
    /// Where the text came from: a path, or `builtin:NAME.toml`.
    public let source: String
    public let extends: [String]
    public let extendsOrigin: Origin
    /// Leaf settings by key path, in the order they are written. A list key written `KEY_add` is stored
    /// under that name.
    public let settings: [(path: String, setting: Setting)]

    public init(name: String, source: String, text: String) throws {
        try self.init(name: name, source: source, bytes: Array(text.utf8))
    }

    /// A document as read from a file: UTF-8 (checked by the parser, which names the line of an invalid
    /// byte), with or without a byte-order mark.
    public init(name: String, source: String, bytes: [UInt8]) throws {
        self.name = name
        self.source = source
        if Self.isBinary(bytes) {
            throw SandboxError(.usage, source, "not a TOML profile (binary data)")
        }
        let table: TOMLTable
        do { table = try TOMLParser.parse(bytes: bytes, source: source) } catch let failure as FormatError { throw SandboxError(failure) }
        var settings: [(path: String, setting: Setting)] = []
        try Self.flatten(table, prefix: "", source: source, into: &settings)

        var extends: [String] = []
        var extendsOrigin = Origin(source)
        if let index = settings.firstIndex(where: { $0.0 == "extends" }) {
            let setting = settings.remove(at: index).1
            extendsOrigin = setting.origin
            switch setting.value {
            case .string(let s): extends = [s]
            case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): extends = items.compactMap(\.stringValue)
            default:
                throw SandboxError(.usage, "\(setting.origin): extends", "expected a profile name or a list of names, found \(setting.value.typeName)")
            }
        }
        self.extends = extends
        self.extendsOrigin = extendsOrigin
        self.settings = settings
    }

    private static func flatten(_ table: TOMLTable, prefix: String, source: String,
                                into settings: inout [(path: String, setting: Setting)]) throws {
        for entry in table.entries {
            let key = entry.key
            let path = prefix.isEmpty ? key : prefix + "." + key
            let origin = Origin(source, line: entry.line)
            if ProfileSchema.byPath[path] != nil || isAppendKey(path) {
                let value = try convert(entry.value, path: path, origin: origin)
                // Each table of a list of tables (`[[seccomp.rules]]`) has a line of its own, so an error
                // in the third rule names the third rule's line.
                var elementOrigins: [Origin]?
                if case .array(let items) = entry.value, !items.isEmpty {
                    let lines = items.compactMap { item -> Int? in if case .table(let t) = item { return t.line } else { return nil } }
                    if lines.count == items.count { elementOrigins = lines.map { Origin(source, line: $0) } }
                }
                settings.append((path, Setting(value: value, origin: origin, elementOrigins: elementOrigins)))
            } else if prefix.isEmpty, ProfileSchema.sections.contains(key), case .table(let sub) = entry.value {
                try flatten(sub, prefix: key, source: source, into: &settings)
            } else {
                throw SandboxError(.usage, "\(origin): \(prefix.isEmpty ? "" : prefix + ".")\(Self.shown(key))", "unknown key",
                                   hint: suggestion(for: key, under: prefix))
            }
        }
    }

    /// A document made of settings directly (a `--set`), with no parents.
    init(name: String, source: String, settings: [(path: String, setting: Setting)]) {
        self.name = name
        self.source = source
        self.extends = []
        self.extendsOrigin = Origin(source)
        self.settings = settings
    }

    static func isAppendKey(_ path: String) -> Bool {
        path.hasSuffix("_add") && ProfileSchema.byPath[String(path.dropLast(4))]?.isList == true
    }

    static func suggestion(for key: String, under prefix: String) -> String? {
        if prefix == "limits", let ours = ResourceLimit.habitualNames[key] {
            return "did you mean '\(ours)'?"
        }
        if prefix == "limits", key == "rss" {
            return "RLIMIT_RSS has no effect on Linux; use address_space or data"
        }
        let siblings = ProfileSchema.keys.compactMap { spec -> String? in
            let parts = spec.path.split(separator: ".").map(String.init)
            if prefix.isEmpty { return parts[0] }
            return parts.count == 2 && parts[0] == prefix ? parts[1] : nil
        }
        if let hint = Suggestion.hint(for: key, in: Set(siblings)) { return hint }
        // A key put in the wrong section: `nice` at the top level or under [limits].
        if let elsewhere = ProfileSchema.keys.first(where: { $0.path.hasSuffix("." + key) }) {
            return "'\(key)' belongs in [\(elsewhere.path.split(separator: ".")[0])]"
        }
        return nil
    }

    static func convert(_ value: TOMLValue, path: String, origin: Origin) throws -> ProfileValue {
        switch value {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .float(let d): return .float(d)
        case .bool(let b): return .bool(b)
        case .array(let items): return .array(try items.map { try convert($0, path: path, origin: origin) })
        case .table(let t):
            return .table(try t.entries.map { ($0.key, try convert($0.value, path: path + "." + $0.key, origin: origin)) })
        case .dateTime:
            throw SandboxError(.usage, "\(origin): \(path)", "dates and times have no meaning in a profile")
        }
    }

    /// A NUL byte: a binary file (an executable, an image), not a profile with a typo in it. (Invalid
    /// UTF-8 is the parser's to reject, with its line; U+FFFD is a character like any other.)
    private static func isBinary(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memchr(base, 0, buffer.count) != nil
        }
    }

    /// A key as an error message shows it: at most 64 characters of it (a key can be a megabyte long).
    static func shown(_ key: String) -> String {
        key.utf8.count <= 64 ? key : String(key.prefix(61)) + "..."
    }
}
