/// `[audit]`: the syscall audit (`sandbox run --audit`).
public struct AuditSettings: Sendable, Equatable {
    /// Count the command tree's syscalls (`audit.syscalls`).
    public var syscalls: Bool
    /// `auto`, `ebpf` or `seccomp-notify` (`audit.mechanism`).
    public var mechanism: String

    public init(syscalls: Bool, mechanism: String) {
        self.syscalls = syscalls
        self.mechanism = mechanism
    }
}
