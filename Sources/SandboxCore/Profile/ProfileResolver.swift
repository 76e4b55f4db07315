#if canImport(Glibc)
import Glibc
#endif

/// Finds profiles by name or path, applies `extends` and stacked `-p` flags and `--set` overrides, and
/// decodes the result.
///
/// Lookup of a name: each directory of `$SANDBOX_PROFILE_PATH` (colon-separated), then
/// `~/.config/sandbox/profiles`, `/etc/sandbox/profiles`, then the profiles built into the binary. A name
/// containing `/` or ending in `.toml` is a path (relative to the file that names it, for `extends`).
///
/// Merge rules: profiles apply in order (parents before children, `-p` flags left to right, `--set`
/// last). A scalar replaces what came before. A list replaces the inherited list; `KEY_add = [...]`
/// appends to it instead.
public struct ProfileResolver {
    public var searchPath: [String]

    /// The search path from `$SANDBOX_PROFILE_PATH` and `$HOME`.
    public init() {
        self.init(profilePath: getenv("SANDBOX_PROFILE_PATH").map { String(cString: $0) },
                  home: getenv("HOME").map { String(cString: $0) })
    }

    public init(environment: [String: String]) {
        self.init(profilePath: environment["SANDBOX_PROFILE_PATH"], home: environment["HOME"])
    }

    init(profilePath: String?, home: String?) {
        var path: [String] = []
        if let profilePath {
            path += profilePath.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let home, !home.isEmpty { path.append(home + "/.config/sandbox/profiles") }
        path.append("/etc/sandbox/profiles")
        self.searchPath = path
    }

    /// A profile as found: its name, where it came from, and its bytes as read (the parser checks that
    /// they are UTF-8).
    public struct Found: Sendable {
        public let name: String
        public let source: String
        public let bytes: [UInt8]
        public let isBuiltin: Bool

        public init(name: String, source: String, bytes: [UInt8], isBuiltin: Bool) {
            self.name = name
            self.source = source
            self.bytes = bytes
            self.isBuiltin = isBuiltin
        }

        public init(name: String, source: String, text: String, isBuiltin: Bool) {
            self.init(name: name, source: source, bytes: Array(text.utf8), isBuiltin: isBuiltin)
        }

        /// The text, invalid UTF-8 shown as U+FFFD (for display; parsing uses `bytes`).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Finds one profile. `relativeTo` is the directory of the file that names it (for `extends`).
    public func find(_ name: String, relativeTo directory: String? = nil) throws -> Found {
        if name.contains("/") || name.hasSuffix(".toml") || name.hasSuffix(".json") {
            let path = name.hasPrefix("/") || directory == nil ? name : directory! + "/" + name
            guard FileIO.exists(path) else { throw SandboxError(.usage, path, "profile file not found") }
            let base = String(path.split(separator: "/").last ?? Substring(path))
            return Found(name: base.hasSuffix(".toml") ? String(base.dropLast(5)) : base, source: path,
                         bytes: try FileIO.readBytes(path), isBuiltin: false)
        }
        for dir in searchPath {
            let path = dir + "/" + name + ".toml"
            if FileIO.exists(path) { return Found(name: name, source: path, bytes: try FileIO.readBytes(path), isBuiltin: false) }
        }
        if let text = BuiltinProfiles.text(name) {
            return Found(name: name, source: "builtin:\(name).toml", text: text, isBuiltin: true)
        }
        throw SandboxError(.usage, "-p \(name)", "no such profile",
                           hint: Suggestion.hint(for: name, in: available().map(\.name)) ?? "`sandbox profile list` shows the profiles")
    }

    /// Every profile that `-p NAME` can reach, first match per name, in search order.
    public func available() -> [Found] {
        var seen = Set<String>()
        var result: [Found] = []
        for dir in searchPath {
            guard let handle = opendir(dir) else { continue }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = directoryEntryName(entry)
                if name.hasSuffix(".toml") { names.append(String(name.dropLast(5))) }
            }
            closedir(handle)
            for name in names.sorted() where seen.insert(name).inserted {
                let path = dir + "/" + name + ".toml"
                result.append(Found(name: name, source: path, bytes: (try? FileIO.readBytes(path)) ?? [], isBuiltin: false))
            }
        }
        for name in BuiltinProfiles.names where seen.insert(name).inserted {
            result.append(Found(name: name, source: "builtin:\(name).toml", text: BuiltinProfiles.text(name)!, isBuiltin: true))
        }
        return result
    }

    /// One profile lookup made while resolving: what was asked for and what was found. Resolution reads
    /// nothing else, so asking again and finding the same texts means it would give the same profile
    /// (`ProfileCache` relies on this).
    public struct Lookup: Sendable {
        public let name: String
        public let relativeTo: String?
        public let found: Found
    }

    /// A resolved profile, with what it was resolved from.
    public struct Resolution {
        public let profile: Profile
        /// The final value of every key and where it came from (for `profile show` and error messages).
        public let settings: [String: Setting]
        /// Every profile file or built-in the resolution read, in order.
        public let lookups: [Lookup]
    }

    /// Resolves `-p` names (stacked in order) and `--set` overrides into a checked profile.
    public func resolve(_ names: [String], overrides: [String] = []) throws -> Profile {
        try resolution(names, overrides: overrides).profile
    }

    /// `resolve`, keeping the merged settings and the lookups it made.
    public func resolution(_ names: [String], overrides: [String] = []) throws -> Resolution {
        var merged: [String: Setting] = [:]
        var lookups: [Lookup] = []
        for key in ProfileSchema.keys {
            if let value = key.defaultValue { merged[key.path] = Setting(value: value, origin: .schemaDefault) }
        }
        for name in names {
            try apply(try find(name, recordingIn: &lookups), to: &merged, chain: [], lookups: &lookups)
        }
        for (index, text) in overrides.enumerated() {
            try apply(Self.overrideDocument(text, index: index), to: &merged)
        }
        let profile = try ProfileDecoder.decode(name: names.joined(separator: "+"), settings: merged)
        return Resolution(profile: profile, settings: merged, lookups: lookups)
    }

    /// Loads and checks one document (used by `profile check` too).
    public func load(_ found: Found) throws -> ProfileDocument {
        let document = try ProfileDocument(name: found.name, source: found.source, bytes: found.bytes)
        for (path, setting) in document.settings { try ProfileDecoder.check(path, setting) }
        return document
    }

    private func find(_ name: String, relativeTo directory: String? = nil, recordingIn lookups: inout [Lookup]) throws -> Found {
        let found = try find(name, relativeTo: directory)
        lookups.append(Lookup(name: name, relativeTo: directory, found: found))
        return found
    }

    private func apply(_ found: Found, to merged: inout [String: Setting], chain: [String], lookups: inout [Lookup]) throws {
        let document: ProfileDocument = try {
            if found.source.hasSuffix(".json") {
                let kept = merged["capabilities.keep"].flatMap { setting -> [String]? in
                    if case .array(let items) = setting.value { return items.compactMap(\.stringValue) } else { return nil }
                } ?? []
                return try OCIProfileImporter.document(from: found, keptCapabilities: kept)
            }
            return try load(found)
        }()
        let id = found.source
        if chain.contains(id) {
            throw SandboxError(.usage, "\(document.extendsOrigin): extends", "inheritance cycle: " + (chain + [id]).joined(separator: " -> "))
        }
        let directory = found.isBuiltin ? nil : String(found.source.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/"))
        for parent in document.extends {
            let parentFound: Found
            do {
                parentFound = try find(parent, relativeTo: directory.map { $0.isEmpty ? "." : $0 }, recordingIn: &lookups)
            } catch let error as SandboxError {
                throw SandboxError(.usage, "\(document.extendsOrigin): extends",
                                   "cannot load '\(ProfileDocument.shown(parent))' (chain: \((chain + [id, parent]).map(ProfileDocument.shown).joined(separator: " -> ")))",
                                   hint: Field.bounded(error.description))
            }
            try apply(parentFound, to: &merged, chain: chain + [id], lookups: &lookups)
        }
        try apply(document, to: &merged)
    }

    private func apply(_ document: ProfileDocument, to merged: inout [String: Setting]) throws {
        for (path, setting) in document.settings {
            if ProfileDocument.isAppendKey(path) {
                let base = String(path.dropLast(4))
                var items: [ProfileValue] = []
                var elementOrigins: [Origin] = []
                var origin = setting.origin
                if let existing = merged[base], case .array(let old) = existing.value {
                    items = old
                    elementOrigins = old.indices.map(existing.origin(ofElement:))
                    if existing.origin != .schemaDefault { origin = Origin("\(existing.origin) + \(setting.origin)") }
                }
                if case .array(let new) = setting.value {
                    for (i, item) in new.enumerated() where !items.contains(item) {
                        items.append(item)
                        elementOrigins.append(setting.origin(ofElement: i))
                    }
                }
                merged[base] = Setting(value: .array(items), origin: origin, elementOrigins: elementOrigins)
            } else {
                merged[path] = setting
            }
        }
    }

    /// `--set KEY=VALUE`, split at the first `=` (a key path holds no `=` unless quoted, and then the
    /// first `=` inside the quotes would be wrong: write such keys with `overrideDocument(key:value:)`).
    static func overrideDocument(_ text: String, index: Int) throws -> ProfileDocument {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw SandboxError(.usage, "--set \(ProfileDocument.shown(text))", "expected KEY=VALUE, e.g. --set limits.open_files=64")
        }
        return try overrideDocument(key: String(text[..<eq]), value: String(text[text.index(after: eq)...]))
    }

    /// One key set to one value, whatever characters the value holds: the key path and the value are
    /// parsed on their own, never pasted into TOML text. The value is one TOML value (`64`, `"30s"`,
    /// `[...]`, `{ soft = 1, hard = 2 }`) when all of it parses as exactly one, else the text as a
    /// string (`--set process.workdir=/tmp` needs no quotes); a key whose values are never strings
    /// (integers, booleans) gets the parse error instead. The key must be one key of the schema (or a
    /// key of a table inside one: `process.env_set.LANG`); `source` names the flag in errors. Flags
    /// defined as a `--set` (`--bind`, `--net`) call this with their own key and value.
    public static func overrideDocument(key: String, value: String, source: String = "--set") throws -> ProfileDocument {
        let (path, inner) = try overrideKey(key, source: source)
        let stage = "\(source) \(ProfileDocument.shown(key.trimmingCharacters(in: " ")))"
        let text = value.trimmingCharacters(in: " ")
        let parsed: ProfileValue
        do {
            parsed = try ProfileDocument.convert(try TOMLParser.parseValue(text, source: source, depth: inner.count),
                                                 path: path, origin: Origin(source))
        } catch let failure as FormatError {
            switch ProfileSchema.byPath[path]?.kind {
            case .integer?, .bool?:
                throw SandboxError(.usage, stage, "invalid value: \(failure.message)")
            default:
                parsed = .string(text)
            }
        }
        return try overrideDocument(path: path, inner: inner, value: parsed, source: source)
    }

    /// One key set to a value already made (for flags that build a list or table).
    public static func overrideDocument(key: String, value: ProfileValue, source: String = "--set") throws -> ProfileDocument {
        let (path, inner) = try overrideKey(key, source: source)
        return try overrideDocument(path: path, inner: inner, value: value, source: source)
    }

    private static func overrideDocument(path: String, inner: [String], value: ProfileValue, source: String) throws -> ProfileDocument {
        var value = value
        for key in inner.reversed() { value = .table([(key, value)]) }
        let setting = Setting(value: value, origin: Origin(source))
        try ProfileDecoder.check(path, setting)
        return ProfileDocument(name: source, source: source, settings: [(path, setting)])
    }

    /// The schema key a `--set` key names (or a list key's `_add`), and the keys below it inside its
    /// value (`LANG` in `process.env_set.LANG`, `soft` in `limits.cpu.soft`).
    private static func overrideKey(_ key: String, source: String) throws -> (path: String, inner: [String]) {
        let components: [String]
        do {
            components = try TOMLParser.parseKey(key, source: source)
        } catch let failure as FormatError {
            throw SandboxError(.usage, "\(source) \(ProfileDocument.shown(key))", "invalid key: \(failure.message)")
        }
        let stage = "\(source) \(ProfileDocument.shown(TOMLTree.display(components)))"
        for n in stride(from: components.count, through: 1, by: -1) {
            let path = components[..<n].joined(separator: ".")
            guard ProfileSchema.byPath[path] != nil || ProfileDocument.isAppendKey(path) else { continue }
            if path == "extends" {
                throw SandboxError(.usage, stage, "inheritance cannot be changed with --set", hint: "name the profiles with -p")
            }
            return (path, Array(components[n...]))
        }
        if components.count == 1, ProfileSchema.sections.contains(components[0]) {
            throw SandboxError(.usage, stage, "is a section, not a key", hint: "set one of its keys, e.g. \(components[0]).KEY=VALUE")
        }
        let prefix = components.count > 1 ? components[0] : ""
        throw SandboxError(.usage, stage, "unknown key",
                           hint: ProfileDocument.suggestion(for: components.count > 1 ? components[1] : components[0], under: prefix))
    }
}
