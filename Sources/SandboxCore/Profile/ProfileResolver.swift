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
                let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
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
                throw SandboxError(.usage, "\(document.extendsOrigin): extends", "cannot load '\(parent)' (chain: \((chain + [id, parent]).joined(separator: " -> ")))",
                                   hint: error.description)
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

    /// `--set limits.open_files=64` as a one-line TOML document. A value that is not valid TOML is taken
    /// as a string, so `--set process.workdir=/tmp` needs no quotes.
    static func overrideDocument(_ text: String, index: Int) throws -> ProfileDocument {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw SandboxError(.usage, "--set \(text)", "expected KEY=VALUE, e.g. --set limits.open_files=64")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: " ")
        let value = String(text[text.index(after: eq)...]).trimmingCharacters(in: " ")
        let source = "--set"
        if let document = try? ProfileDocument(name: source, source: source, text: "\(key) = \(value)\n") {
            for (path, setting) in document.settings { try ProfileDecoder.check(path, setting) }
            return document
        }
        let document = try ProfileDocument(name: source, source: source, text: "\(key) = \(TOMLText.quote(value))\n")
        for (path, setting) in document.settings { try ProfileDecoder.check(path, setting) }
        return document
    }
}
