/// Chooses and drives the syscall audit of one run: eBPF when we may load tracing programs (root, or
/// CAP_BPF and CAP_PERFMON), otherwise seccomp user notification of every call, which works for any user
/// but sees no return values. Chosen while the launch is prepared, because the second mechanism changes
/// the seccomp filter and the first must be attached before the fork.
final class SyscallAuditSession {
    let ebpf: EBPFSyscallAudit?
    let notify: NotifySyscallAudit?
    /// Why eBPF was not used, when the profile let sandbox choose.
    private let fallbackReason: String?

    private init(ebpf: EBPFSyscallAudit?, notify: NotifySyscallAudit?, fallbackReason: String?) {
        self.ebpf = ebpf
        self.notify = notify
        self.fallbackReason = fallbackReason
    }

    /// nil when the profile does not audit. For eBPF, loads and attaches the program now, with the calling
    /// thread (the one that will fork the command) as the seed. Throws when the mechanism the profile
    /// names cannot be used and `best_effort` does not name "audit"; otherwise adds "not enforced".
    static func prepare(_ profile: Profile, notEnforced: inout [String]) throws -> SyscallAuditSession? {
        guard profile.audit.syscalls else { return nil }
        let mechanism = profile.audit.mechanism
        var fallbackReason: String?
        if mechanism != "seccomp-notify" {
            let available = KernelFeatures.auditEBPF
            if available.available {
                do {
                    return SyscallAuditSession(ebpf: try EBPFSyscallAudit(), notify: nil, fallbackReason: nil)
                } catch let error as SandboxError {
                    fallbackReason = error.message
                }
            } else {
                fallbackReason = available.reason
            }
            if mechanism == "ebpf" {
                let why = fallbackReason ?? "unavailable"
                guard profile.allowsBestEffort("audit") else {
                    throw SandboxError(.setup, "audit.mechanism = \"ebpf\"", why,
                                       hint: "run as root (or with CAP_BPF and CAP_PERFMON), or set audit.mechanism = \"seccomp-notify\"")
                }
                notEnforced.append("audit (eBPF: \(why))")
                return nil
            }
        }
        let notifyAvailable = KernelFeatures.auditNotify
        let hasSysAdmin = Capabilities.current().effective & (1 << 21) != 0
        let reason = !notifyAvailable.available ? notifyAvailable.reason
            : (!profile.process.noNewPrivileges && !hasSysAdmin ? "a seccomp filter without no_new_privileges needs CAP_SYS_ADMIN" : nil)
        if let reason {
            guard profile.allowsBestEffort("audit") else {
                throw SandboxError(.setup, "audit", "seccomp user notification: \(reason)",
                                   hint: fallbackReason == nil ? "set process.no_new_privileges = true" : "run as root for the eBPF audit")
            }
            notEnforced.append("audit (\(reason))")
            return nil
        }
        return SyscallAuditSession(ebpf: nil, notify: NotifySyscallAudit(), fallbackReason: fallbackReason)
    }

    /// Whether the seccomp filter must notify every call (the unprivileged mechanism).
    var observesAllSyscalls: Bool { notify != nil }

    var pollFDs: [Int32] { ebpf.map { [$0.pollFD] } ?? [] }

    /// Called by the supervisor right before it forks the command, on the thread that forks.
    func commandWillStart() throws { try ebpf?.commandWillStart() }

    func handle(fd: Int32) { ebpf?.drain() }

    func finish() -> SyscallAuditReport? {
        var report = ebpf?.finish() ?? notify?.finish()
        if let fallbackReason { report?.notes.append("eBPF not used: \(fallbackReason)") }
        return report
    }
}
