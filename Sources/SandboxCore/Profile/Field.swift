/// One setting being decoded: knows its path and origin for error messages.
struct Field {
    let path: String
    let setting: Setting
    var value: ProfileValue { setting.value }

    func error(_ message: String, hint: String? = nil) -> SandboxError {
        SandboxError(.usage, "\(setting.origin): \(path)", Self.bounded(message), hint: hint.map(Self.bounded))
    }

    /// A message that quotes a value quotes at most a few hundred bytes of it (a value can be a megabyte).
    static func bounded(_ message: String) -> String {
        guard message.utf8.count > 400 else { return message }
        return String(message.prefix(240)) + " ... " + String(message.suffix(80))
    }

    func expected(_ what: String) -> SandboxError { error("expected \(what), found \(value.typeName) \(value)") }

    /// Decodes by kind; used to check a setting without keeping the result.
    func decode(_ kind: ProfileSchema.Kind) throws -> Any {
        switch kind {
        case .string: return try string()
        case .choice(let options): return try choice(options)
        case .bool: return try bool()
        case .integer(let range): return try integer(range)
        case .duration: return try duration() as Any
        case .limit(let resource): return try limit(resource)
        case .list(let element): return try list(element)
        case .stringMap: return try stringMap()
        case .seccompRules: return try rules()
        case .mode: return try mode()
        case .profileNames: return value
        case .size: return try size()
        case .cores: return try cores()
        case .bandwidths: return try bandwidths()
        }
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw expected("a string") }
        if path == "process.ioprio" { _ = try ioprio() }
        if path.hasSuffix("_action") { _ = try action() }
        if path == "process.user" || path == "process.group" { _ = try identity() }
        if path == "namespaces.hostname" { _ = try hostname() }
        return s
    }

    func choice(_ options: [String]) throws -> String {
        guard case .string(let s) = value else { throw expected("one of " + options.joined(separator: ", ")) }
        guard options.contains(s) else {
            throw error("'\(s)' is not one of " + options.joined(separator: ", "), hint: Suggestion.hint(for: s, in: options))
        }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw expected("true or false") }
        return b
    }

    func integer(_ range: ClosedRange<Int>) throws -> Int {
        guard case .integer(let i) = value else { throw expected("an integer") }
        guard range.contains(i) else { throw error("\(i) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return i
    }

    /// Seconds, checked against `Units.isDuration` (so every later conversion fits); nil is "unlimited".
    func duration() throws -> Double? {
        let seconds: Double
        switch value {
        case .integer(let i): seconds = Double(i)
        case .float(let d): seconds = d
        case .string("unlimited"): return nil
        case .string(let s):
            guard let parsed = Units.seconds(s) else {
                throw error("'\(ProfileDocument.shown(s))' is not a duration", hint: "write a number of seconds or e.g. \"500ms\", \"30s\", \"5m\", \"2h\"")
            }
            seconds = parsed
        default: throw expected("a duration (seconds, \"30s\", or \"unlimited\")")
        }
        guard Units.isDuration(seconds) else { throw error(Units.durationProblem(seconds)) }
        return seconds
    }

    func limit(_ limit: ResourceLimit) throws -> LimitValue {
        if case .table(let pairs) = value {
            var result = LimitValue(soft: nil, hard: nil)
            var seen = Set<String>()
            for (key, v) in pairs {
                let sub = Field(path: path + "." + key, setting: Setting(value: v, origin: setting.origin))
                switch key {
                case "soft": result.soft = try sub.limitScalar(limit)
                case "hard": result.hard = try sub.limitScalar(limit)
                default: throw sub.error("unknown key", hint: Suggestion.hint(for: key, in: ["soft", "hard"]) ?? "a limit table has soft and hard")
                }
                seen.insert(key)
            }
            guard seen == ["soft", "hard"] else { throw error("a limit table needs both soft and hard") }
            if let hard = result.hard, result.soft ?? .max > hard {
                throw error("soft limit is above the hard limit")
            }
            return result
        }
        let scalar = try limitScalar(limit)
        if limit == .cpu, let seconds = scalar {
            // At the soft limit the kernel sends SIGXCPU, at the hard one SIGKILL; equal limits would make
            // every CPU-limit death a bare SIGKILL. One more CPU-second lets SIGXCPU arrive first.
            return LimitValue(soft: seconds, hard: seconds + 1)
        }
        return LimitValue(soft: scalar, hard: scalar)
    }

    /// nil is "unlimited".
    func limitScalar(_ limit: ResourceLimit) throws -> UInt64? {
        if case .string("unlimited") = value { return nil }
        switch (limit.unit, value) {
        case (_, .integer(let i)) where i < 0:
            throw error("\(i) is negative", hint: "write \"unlimited\" for no limit")
        case (.microseconds, .integer(let i)): return UInt64(i)
        case (.microseconds, .string), (.microseconds, .float):
            guard let d = try duration() else { return nil }
            return UInt64((d * 1_000_000).rounded())  // at most 10^15: duration() bounds it
        case (.seconds, .integer(let i)): return UInt64(i)
        case (.seconds, .string), (.seconds, .float):
            guard let d = try duration() else { return nil }
            guard d >= 1 || d == 0 else { throw error("RLIMIT_CPU counts whole seconds; \(d)s would round to 0") }
            return UInt64(d.rounded(.up))  // at most 10^9: duration() bounds it
        case (.bytes, .integer(let i)): return UInt64(i)
        case (.bytes, .string(let s)):
            guard let bytes = Units.bytes(s) else {
                throw error("'\(ProfileDocument.shown(s))' is not a size (at most 2^64-1 bytes)", hint: "write bytes, or e.g. \"512KiB\", \"64MiB\", \"2GiB\", or \"unlimited\"")
            }
            return bytes
        case (.count, .integer(let i)): return UInt64(i)
        default:
            throw expected(limit.unit == .count ? "a count or \"unlimited\"" : "a number, a string with a unit, or \"unlimited\"")
        }
    }

    func list(_ element: ProfileSchema.Element? = nil) throws -> [String] {
        guard case .array(let items) = value else { throw expected("a list of strings") }
        var result: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw expected("a list of strings") }
            if let element, let problem = Self.check(s, as: element) { throw error(problem) }
            result.append(s)
        }
        return result
    }

    static func check(_ s: String, as element: ProfileSchema.Element) -> String? {
        switch element {
        case .syscall: return SyscallTable.check(s)
        case .capability: return Capabilities.check(s)
        case .fileOperation:
            let ops = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]
            return ops.contains(s) ? nil : "unknown file operation '\(s)'" + (Suggestion.hint(for: s, in: ops).map { " (\($0))" } ?? "")
        case .architecture:
            return SeccompArchitectures.token(s) != nil ? nil
                : "unknown architecture '\(s)'" + (Suggestion.hint(for: s, in: SeccompArchitectures.names).map { " (\($0))" } ?? "")
        case .feature:
            let features = ProfileSchema.bestEffortFeatures
            return features.contains(s) ? nil : "unknown feature '\(s)'" + (Suggestion.hint(for: s, in: features).map { " (\($0))" } ?? "")
        case .path:
            return s.hasPrefix("/") ? nil : "'\(s)' is not an absolute path"
        case .envName:
            return !s.isEmpty && !s.contains("=") ? nil : "'\(s)' is not an environment variable name"
        case .viewPath, .bindSpec, .tmpfsSpec, .landlockScope:
            return FilesystemSettings.problem(s, in: element)
        }
    }

    func stringMap() throws -> [(String, String)] {
        guard case .table(let pairs) = value else { throw expected("a table of strings") }
        return try pairs.map { key, v in
            guard case .string(let s) = v else {
                throw Field(path: path + "." + key, setting: Setting(value: v, origin: setting.origin)).expected("a string")
            }
            return (key, s)
        }
    }

    func mode() throws -> Int32 {
        switch value {
        case .integer(let i) where (0...0o777).contains(i): return Int32(i)
        case .string(let s):
            guard let m = Int32(s, radix: 8), (0...0o777).contains(m) else { throw error("'\(s)' is not an octal mode such as \"022\"") }
            return m
        default: throw expected("an octal mode such as \"022\"")
        }
    }

    /// `process.user` / `process.group`: a name (resolved at launch, where the error names it) or a number.
    func identity() throws -> String {
        guard case .string(let s) = value else { throw expected("a user or group name, or a number as a string such as \"65534\"") }
        let nameCharacters = s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            || $0 == UInt8(ascii: "$") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard !s.isEmpty, s.utf8.count <= 32, nameCharacters else { throw error("'\(s)' is not a user or group name or number") }
        if let n = Int(s), !(0..<4_294_967_295).contains(n) { throw error("\(n) is not a valid id (0 to 4294967294)") }
        return s
    }

    /// A hostname: 1 to 64 bytes (the kernel's limit), letters, digits, '-' and '.'.
    func hostname() throws -> String {
        guard case .string(let s) = value else { throw expected("a hostname") }
        let ok = s.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard !s.isEmpty, s.utf8.count <= 64, ok else { throw error("'\(s)' is not a hostname (1 to 64 letters, digits, '-' and '.')") }
        return s
    }

    func ioprio() throws -> Int32 {
        guard case .string(let s) = value else { throw expected("a string such as \"idle\" or \"best-effort:7\"") }
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let classes = ["realtime": 1, "best-effort": 2, "idle": 3]
        guard let cls = classes[parts[0]] else {
            throw error("unknown I/O class '\(parts[0])'", hint: Suggestion.hint(for: parts[0], in: classes.keys) ?? "realtime, best-effort or idle")
        }
        var level = cls == 3 ? 0 : 4
        if parts.count == 2 {
            guard let l = Int(parts[1]), (0...7).contains(l), cls != 3 else { throw error("'\(s)': the level is 0 to 7, and idle takes none") }
            level = l
        }
        return Int32(cls << 13 | level)
    }

    func action() throws -> SeccompAction {
        guard case .string(let s) = value else { throw expected("an action such as \"errno:EPERM\"") }
        guard let action = SeccompActionParser.parse(s) else {
            if s.lowercased().hasPrefix("errno:"), let hint = Suggestion.hint(for: String(s.dropFirst(6)), in: ErrnoNames.byName.keys) {
                throw error("unknown errno in '\(s)'", hint: hint)
            }
            throw error("unknown action '\(s)'", hint: "allow, errno, errno:NAME, errno:NUMBER, kill-process, kill-thread, trap, log")
        }
        return action
    }

    func rules() throws -> [SeccompRule] {
        guard case .array(let items) = value else { throw expected("an array of tables ([[seccomp.rules]])") }
        return try items.enumerated().flatMap { index, item in
            try SeccompRuleParser.parse(item, path: "\(path)[\(index)]", origin: setting.origin(ofElement: index))
        }
    }
}
