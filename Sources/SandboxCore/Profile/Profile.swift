/// A resolved profile: every value decoded and checked, inheritance applied. What the policy layer
/// compiles into kernel objects.
///
/// The compiled-profile cache stores it field by field (`CompiledProfile.encode`, `init(from:)`): a new
/// field here needs its place there too, or the decoder no longer compiles.
public struct Profile: Sendable {
    public var name: String
    public var description: String
    /// Features that may go unenforced (`best_effort`).
    public var bestEffort: [String]
    public var limits: ResourceLimits
    public var wall: Double?
    public var killAfter: Double
    public var process: ProcessSettings
    public var capabilities: [Int32]
    public var seccomp: SeccompSettings
    public var watch: WatchSettings
    /// `[cgroup]` (CgroupSettings.swift).
    public var cgroup: CgroupSettings = .none
    /// `[filesystem]`: the view of the file system (FilesystemSettings.swift).
    public var filesystem: FilesystemSettings = .inactive
    /// `[namespaces]` and `[network]` (NamespaceSettings.swift).
    public var namespaces: NamespaceSettings = NamespaceSettings()
    /// `[audit]`: the syscall audit (AuditSettings.swift).
    public var audit: AuditSettings = AuditSettings(syscalls: false, mechanism: "auto")

    public func allowsBestEffort(_ feature: String) -> Bool { bestEffort.contains(feature) }
}

public struct ProcessSettings: Sendable {
    public var nice: Int?
    /// IOPRIO_PRIO_VALUE(class, data), or nil to inherit.
    public var ioprio: Int32?
    public var ioprioText: String?
    public var newSession: Bool
    public var noNewPrivileges: Bool
    public var dieWithParent: Bool
    public var killOrphans: Bool
    public var workdir: String?
    public var umask: Int32?
    public var clearEnvironment: Bool
    public var envKeep: [String]
    public var envUnset: [String]
    public var envSet: [(String, String)]
    public var pty: String
    /// `process.user` / `process.group`: a name or a number, resolved in the parent (UserIdentity).
    public var user: String? = nil
    public var group: String? = nil
}

/// A seccomp action as written in a profile (`allow`, `errno:EPERM`, `kill-process`, …).
public enum SeccompAction: Equatable, Hashable, Sendable, CustomStringConvertible {
    case allow
    case errno(Int32)
    case killProcess
    case killThread
    case trap
    case log

    public var description: String {
        switch self {
        case .allow: return "allow"
        case .errno(let e): return "errno:" + (ErrnoNames.name(of: e) ?? String(e))
        case .killProcess: return "kill-process"
        case .killThread: return "kill-thread"
        case .trap: return "trap"
        case .log: return "log"
        }
    }

    /// How restrictive, for resolving a syscall named in several places (higher wins).
    var severity: Int {
        switch self {
        case .allow: return 0
        case .log: return 1
        case .errno: return 2
        case .trap: return 3
        case .killThread: return 4
        case .killProcess: return 5
        }
    }
}

/// One argument comparison of an argument rule.
public struct ArgumentCondition: Equatable, Sendable {
    public enum Operator: String, CaseIterable, Sendable { case eq, ne, lt, le, gt, ge, masked_eq }
    public var index: Int
    public var op: Operator
    public var value: UInt64
    /// For masked_eq: (arg & mask) == value.
    public var mask: UInt64

    /// Evaluates the condition as the BPF program does, for naming what a notification matched.
    public func holds(for args: [UInt64]) -> Bool {
        let arg = args[index]
        switch op {
        case .eq: return arg == value
        case .ne: return arg != value
        case .lt: return arg < value
        case .le: return arg <= value
        case .gt: return arg > value
        case .ge: return arg >= value
        case .masked_eq: return arg & mask == value
        }
    }
}

/// `[[seccomp.rules]]`: when the condition holds, the syscall gets `action`; otherwise the action its lists
/// give it. A rule without a condition gives the syscall its action outright.
public struct SeccompRule: Equatable, Sendable {
    public var syscall: String
    public var action: SeccompAction
    public var condition: ArgumentCondition?
    public var origin: Origin
}

public struct SeccompSettings: Sendable {
    public var enabled: Bool
    public var defaultAction: SeccompAction
    public var denyAction: SeccompAction
    public var allow: [String]
    public var deny: [String]
    public var absent: [String]
    public var rules: [SeccompRule]
    public var architectures: [String]
    public var notify: Bool
}

public struct WatchSettings: Sendable {
    public var enabled: Bool
    public var include: [String]
    public var ignore: [String]
    public var operations: [String]
}
