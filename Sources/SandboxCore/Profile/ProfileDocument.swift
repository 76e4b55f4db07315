import TOMLKit

/// One profile as written in one file: its parents and its settings, each with the line it is on.
/// Checking here is structural (known keys, no reserved sections); values are checked when the merged
/// profile is decoded (`ProfileDecoder`), where the origin of each value is still known.
public struct ProfileDocument: Sendable {
    public let name: String
    /// Where the text came from: a path, or `builtin:NAME.toml`.
    public let source: String
    public let extends: [String]
    public let extendsOrigin: Origin
    /// Leaf settings by key path. A list key written `KEY_add` is stored under that name.
    public let settings: [(path: String, setting: Setting)]

    public init(name: String, source: String, text: String) throws {
        self.name = name
        self.source = source
        if text.utf8.contains(0) || text.unicodeScalars.contains("\u{FFFD}") {
            throw SandboxError(.usage, source, "not a TOML profile (binary data)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let detail = error.description.split(separator: "\n").first.map(String.init) ?? "syntax error"
            throw SandboxError(.usage, "\(source):\(error.source.begin.line)", "invalid TOML: \(detail)")
        }
        let locator = KeyLocator(text: text)
        var settings: [(String, Setting)] = []
        try Self.flatten(table, prefix: "", source: source, locator: locator, into: &settings)

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

    private static func flatten(_ table: TOMLTable, prefix: String, source: String, locator: KeyLocator,
                                into settings: inout [(String, Setting)]) throws {
        for key in table.keys {
            let path = prefix.isEmpty ? key : prefix + "." + key
            let origin = Origin(source, line: locator.line(for: path))
            guard let node = table[key] else { continue }
            if ProfileSchema.byPath[path] != nil || isAppendKey(path) {
                let value = try convert(node, path: path, origin: origin)
                var elementOrigins: [Origin]?
                if case .array(let items) = value, let lines = locator.arrayHeaders[path], lines.count == items.count {
                    elementOrigins = lines.map { Origin(source, line: $0) }
                }
                settings.append((path, Setting(value: value, origin: origin, elementOrigins: elementOrigins)))
            } else if prefix.isEmpty, ProfileSchema.sections.contains(key), let sub = node.table {
                try flatten(sub, prefix: key, source: source, locator: locator, into: &settings)
            } else if prefix.isEmpty, ProfileSchema.reservedSections.contains(key) {
                throw SandboxError(.usage, "\(origin): [\(key)]", "section reserved for a later version of sandbox",
                                   hint: "this sandbox cannot enforce it; remove the section")
            } else {
                throw SandboxError(.usage, "\(origin): \(path)", "unknown key", hint: suggestion(for: key, under: prefix))
            }
        }
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
        if prefix.isEmpty, let hint = Suggestion.hint(for: key, in: ProfileSchema.reservedSections) { return hint }
        // A key put in the wrong section: `nice` at the top level or under [limits].
        if let elsewhere = ProfileSchema.keys.first(where: { $0.path.hasSuffix("." + key) }) {
            return "'\(key)' belongs in [\(elsewhere.path.split(separator: ".")[0])]"
        }
        return nil
    }

    private static func convert(_ node: TOMLValueConvertible, path: String, origin: Origin) throws -> ProfileValue {
        switch node.type {
        case .string: return .string(node.string!)
        case .int: return .integer(node.int!)
        case .double: return .float(node.double!)
        case .bool: return .bool(node.bool!)
        case .array: return .array(try node.array!.map { try convert($0, path: path, origin: origin) })
        case .table:
            let t = node.table!
            return .table(try t.keys.map { ($0, try convert(t[$0]!, path: path + "." + $0, origin: origin)) })
        default:
            throw SandboxError(.usage, "\(origin): \(path)", "dates and times have no meaning in a profile")
        }
    }
}
