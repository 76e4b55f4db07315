/// `[filesystem]`: the view of the file system the command gets, as the profile writes it. One model with
/// two enforcers (`FilesystemView` resolves it against the host; `MountPlan` and `LandlockRuleset` enforce
/// it): a mount namespace where the profile has one (`namespaces.mount`), Landlock wherever the kernel
/// has it.
///
/// A profile that sets no `filesystem.*` key has no view (`isActive` false): the host's file system as it
/// is, and nothing of this runs.
public struct FilesystemSettings: Sendable, Equatable {
    /// The host's root: bound read-write (`"read-write"`, the default) or read-only.
    public var rootReadOnly: Bool
    /// Host paths bound read-only: `"PATH"` or `"SOURCE:DESTINATION"`.
    public var readOnly: [String]
    /// Host paths bound read-write: `"PATH"` or `"SOURCE:DESTINATION"`.
    public var readWrite: [String]
    /// Where programs may be executed (and beneath); nil: everywhere in the view.
    public var executable: [String]?
    /// Paths that appear empty (a directory: an empty read-only directory; a file: an empty file). The last
    /// component may be a glob (`/etc/sudoers*`).
    public var hide: [String]
    /// Fresh tmpfs mounts: `"PATH"` or `"PATH:SIZE"` (`"/tmp:1GiB"`).
    public var tmpfs: [String]
    /// The working directory is bound read-write (whatever the root is).
    public var workdirWritable: Bool
    /// `$HOME` is a fresh empty directory (a tmpfs owned by the command's user).
    public var emptyHome: Bool
    /// Also enforce the view with Landlock (where the kernel has it).
    public var landlock: Bool
    /// Landlock scopes (ABI 6): `abstract-unix-socket`, `signal`.
    public var landlockScope: [String]
    /// True when the profile set any `filesystem.*` key.
    public var isActive: Bool

    public static let inactive = FilesystemSettings(
        rootReadOnly: false, readOnly: [], readWrite: [], executable: nil, hide: [], tmpfs: [], workdirWritable: false,
        emptyHome: false, landlock: true, landlockScope: [], isActive: false)

    /// The Landlock scope names and their `LANDLOCK_SCOPE_*` bits.
    public static let scopes: [(name: String, bit: UInt64)] = [("abstract-unix-socket", 1), ("signal", 2)]

    /// Checks one list element by the list it is in; nil when it is well formed.
    static func problem(_ s: String, in element: ProfileSchema.Element) -> String? {
        func pathProblem(_ p: Substring) -> String? {
            guard p.hasPrefix("/") || p == "~" || p.hasPrefix("~/") else { return "'\(p)' is not an absolute path (or ~/...)" }
            if p.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) { return "'\(p)' has a . or .. component" }
            return nil
        }
        switch element {
        case .viewPath:
            if let problem = pathProblem(Substring(s)) { return problem }
            if s.split(separator: "/").dropLast().contains(where: { $0.contains("*") || $0.contains("?") || $0.contains("[") }) {
                return "'\(s)': only the last component may be a glob"
            }
            return nil
        case .bindSpec:
            let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            for part in parts { if let problem = pathProblem(part) { return problem } }
            return nil
        case .tmpfsSpec:
            let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if let problem = pathProblem(parts[0]) { return problem }
            if parts.count == 2, Units.bytes(String(parts[1])) == nil {
                return "'\(parts[1])' is not a size (write e.g. \"/tmp:512MiB\")"
            }
            return nil
        case .landlockScope:
            let names = scopes.map(\.name)
            return names.contains(s) ? nil
                : "unknown Landlock scope '\(s)'" + (Suggestion.hint(for: s, in: names).map { " (\($0))" } ?? " (abstract-unix-socket, signal)")
        default:
            return nil
        }
    }

    /// `"SOURCE:DESTINATION"` or `"PATH"` (both the same).
    static func splitBind(_ spec: String) -> (source: String, destination: String) {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return (parts[0], parts.count == 2 ? parts[1] : parts[0])
    }

    /// `"PATH:SIZE"` or `"PATH"`: the size in bytes, nil for the kernel's default (half of RAM).
    static func splitTmpfs(_ spec: String) -> (path: String, size: UInt64?) {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return (parts[0], parts.count == 2 ? Units.bytes(parts[1]) : nil)
    }
}

// MARK: - The compiled-profile cache

extension FilesystemSettings {
    func encode(into w: inout ByteWriter) {
        w.bool(isActive)
        guard isActive else { return }
        for flag in [rootReadOnly, workdirWritable, emptyHome, landlock] { w.bool(flag) }
        for list in [readOnly, readWrite, hide, tmpfs, landlockScope] { w.strings(list) }
        w.optional(executable) { $0.strings($1) }
    }

    init(from r: inout ByteReader) throws {
        guard try r.bool() else { self = .inactive; return }
        let (rootReadOnly, workdirWritable, emptyHome, landlock) = (try r.bool(), try r.bool(), try r.bool(), try r.bool())
        let (readOnly, readWrite, hide, tmpfs, scope) = (try r.strings(), try r.strings(), try r.strings(), try r.strings(), try r.strings())
        self.init(rootReadOnly: rootReadOnly, readOnly: readOnly, readWrite: readWrite, executable: try r.optional { try $0.strings() },
                  hide: hide, tmpfs: tmpfs, workdirWritable: workdirWritable, emptyHome: emptyHome, landlock: landlock,
                  landlockScope: scope, isActive: true)
    }
}

// MARK: - Command-line shorthands

extension FilesystemSettings {
    /// bubblewrap's spellings, each the `--set` it stands for: `--bind SRC[:DST]`, `--ro-bind SRC[:DST]`,
    /// `--tmpfs DST[:SIZE]`, `--hide PATH`. Each appends one element to its list (`KEY_add`), so they stack
    /// with the profile's own.
    public static let shorthands: [(flag: String, key: String, element: ProfileSchema.Element)] = [
        ("--bind", "filesystem.read_write", .bindSpec), ("--ro-bind", "filesystem.read_only", .bindSpec),
        ("--tmpfs", "filesystem.tmpfs", .tmpfsSpec), ("--hide", "filesystem.hide", .viewPath),
    ]

    /// The `--set` text a shorthand stands for, with the value quoted as a TOML string (never pasted in
    /// as TOML text of its own), or an error naming the flag.
    public static func override(flag: String, value: String) throws -> String {
        guard let shorthand = shorthands.first(where: { $0.flag == flag }) else {
            throw SandboxError(.usage, flag, "not a filesystem shorthand")
        }
        if let problem = problem(value, in: shorthand.element) { throw SandboxError(.usage, "\(flag) \(value)", problem) }
        return "\(shorthand.key)_add=[\(TOMLText.quote(value))]"
    }
}
