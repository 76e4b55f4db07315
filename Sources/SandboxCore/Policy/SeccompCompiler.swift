import CSandboxSpawn
import CSandboxSys
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// What the filter does with one syscall, and why (for the report's "rule deny @mount").
public struct SeccompVerdict: Sendable {
    public let syscall: String
    public let action: SeccompAction
    /// The profile entry responsible: `deny @mount`, `deny ptrace`, `default_action`, `rule at FILE:LINE`.
    public let reason: String
}

/// A compiled filter: BPF instructions ready for the child's seccomp(2), and the table the supervisor
/// uses to answer user notifications with the profile's action.
public struct SeccompProgram: Sendable {
    /// The BPF program, as `struct sock_filter` (8 bytes each).
    public let instructions: [sock_filter]
    /// Verdicts the supervisor applies to notified syscalls, by native number.
    public let notified: [Int32: SeccompVerdict]
    /// Argument rules of notified syscalls, to tell which rule a notification matched.
    let notifiedRules: [Int32: [(SeccompRule, SeccompVerdict)]]
    /// Allowed syscalls notified only so the file watcher can observe them (answered with CONTINUE).
    public let observed: Set<Int32>
    /// Whether the filter returns SECCOMP_RET_USER_NOTIF anywhere (the child must then send a listener).
    public var usesNotification: Bool { !notified.isEmpty || !notifiedRules.isEmpty || !observed.isEmpty }

    /// The verdict for a notification of syscall `nr` with `args`.
    public func verdict(nr: Int32, args: [UInt64]) -> SeccompVerdict? {
        if let rules = notifiedRules[nr], let match = rules.first(where: { $0.0.condition?.holds(for: args) ?? false }) {
            return match.1
        }
        return notified[nr]
    }
}

/// Compiles a profile's `[seccomp]` section with libseccomp, in the parent, before the fork.
///
/// The filter's default action is ENOSYS: it applies only to syscall numbers this build's libseccomp
/// table does not know (newer than the profile), so libc sees "not implemented" and falls back, as it
/// must for clone3 (moby#42680). Every known syscall gets an explicit action. Denials with an errno or a
/// kill become SECCOMP_RET_USER_NOTIF when `notify` is on, so the supervisor can name them and answer
/// with exactly the profile's errno (or kill the process). Other ABIs (i386 `int 0x80`, x32) are killed
/// unless the profile lists them; libseccomp's binary-tree optimisation keeps the lookup logarithmic.
public enum SeccompCompiler {
    /// `notifySocketFD` is the child's end of the socket the listener fd travels on; the filter allows
    /// sendmsg on exactly that fd so the child can send it after the filter is installed.
    ///
    /// `observe` names allowed syscalls to notify anyway, for the unprivileged file watcher; the supervisor
    /// answers those with SECCOMP_USER_NOTIF_FLAG_CONTINUE (safe here: it records, it does not decide).
    public static func compile(_ settings: SeccompSettings, notifySocketFD: Int32?, observe: Set<String> = []) throws -> SeccompProgram {
        let verdicts = try resolve(settings)
        // Denials are notified when the profile asks for named violations; observation needs only a socket.
        let notify = settings.notify && notifySocketFD != nil
        let canObserve = notifySocketFD != nil

        guard let ctx = seccomp_init(Action.errno(ENOSYS)) else {
            throw SandboxError(.setup, "seccomp_init", "libseccomp failed to allocate a filter")
        }
        defer { seccomp_release(ctx) }
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, Action.killProcess), "seccomp_attr_set(BADARCH)")
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "seccomp_attr_set(OPTIMIZE)")
        for arch in settings.architectures where arch != "native" {
            guard let token = SeccompArchitectures.token(arch) else { continue }
            let rc = seccomp_arch_add(ctx, token)
            if rc != 0 && rc != -EEXIST { try check(rc, "seccomp_arch_add(\(arch))") }
        }

        var notified: [Int32: SeccompVerdict] = [:]
        var observed: Set<Int32> = []
        var notifiedRules: [Int32: [(SeccompRule, SeccompVerdict)]] = [:]
        func kernelAction(_ verdict: SeccompVerdict, nr: Int32) -> UInt32 {
            switch verdict.action {
            case .allow where canObserve && observe.contains(verdict.syscall):
                observed.insert(nr)
                return Action.notify
            case .allow: return Action.allow
            case .log: return Action.log
            case .trap: return Action.trap
            case .errno(let e) where e == ENOSYS: return Action.errno(e)
            case .errno(let e): return notify ? Action.notify : Action.errno(e)
            // SIGKILL from the supervisor would take the whole process, so kill-thread stays in the kernel.
            case .killThread: return Action.killThread
            case .killProcess: return notify ? Action.notify : Action.killProcess
            }
        }
        func notifies(_ verdict: SeccompVerdict) -> Bool {
            guard notify else { return false }
            switch verdict.action {
            case .errno(let e): return e != ENOSYS
            case .killProcess: return true
            default: return false
            }
        }

        var rulesBySyscall: [String: [SeccompRule]] = [:]
        for rule in settings.rules where rule.condition != nil { rulesBySyscall[rule.syscall, default: []].append(rule) }
        if let fd = notifySocketFD, verdicts["sendmsg"]?.action != .allow {
            // The only call between seccomp(2) and execve that the profile may not allow.
            let condition = ArgumentCondition(index: 0, op: .eq, value: UInt64(fd), mask: 0)
            rulesBySyscall["sendmsg", default: []].insert(
                SeccompRule(syscall: "sendmsg", action: .allow, condition: condition, origin: Origin("sandbox: listener hand-over")), at: 0)
        }

        for (nr, name) in SyscallTable.native {
            guard let base = verdicts[name] else { continue }
            if let rules = rulesBySyscall[name] {
                let indexes = Set(rules.compactMap { $0.condition?.index })
                guard indexes.count == 1, let index = indexes.first else {
                    throw SandboxError(.usage, "\(rules[0].origin): seccomp.rules", "the rules for \(name) compare different arguments",
                                       hint: "libseccomp can only fall back to the list action when all rules of a syscall compare one argument")
                }
                for rule in rules {
                    let verdict = SeccompVerdict(syscall: name, action: rule.action, reason: "rule at \(rule.origin)")
                    try add(ctx, kernelAction(verdict, nr: nr), nr, rule.condition!, "\(name) (\(rule.origin))")
                    if notifies(verdict) { notifiedRules[nr, default: []].append((rule, verdict)) }
                }
                // The fallback: a comparison that always holds, on the same argument, so that libseccomp
                // checks the rules above first and gives every other call the list's action. (An
                // unconditional rule would replace the conditional ones.)
                // With the x86 ABI in the filter, libseccomp also maps socket calls onto socketcall(2) and
                // may report the fallback there as a duplicate (EEXIST): that ABI then falls back to the
                // filter default, ENOSYS, which is still a denial.
                try add(ctx, kernelAction(base, nr: nr), nr, ArgumentCondition(index: index, op: .ge, value: 0, mask: 0), name,
                        tolerateExisting: settings.architectures.count > 1)
            } else if kernelAction(base, nr: nr) != Action.errno(ENOSYS) {
                // (libseccomp refuses a rule that repeats the filter's default action.)
                try check(seccomp_rule_add_array(ctx, kernelAction(base, nr: nr), nr, 0, nil), "seccomp_rule_add(\(name))")
            }
            if notifies(base) { notified[nr] = base }
        }
        return SeccompProgram(instructions: try export(ctx), notified: notified, notifiedRules: notifiedRules, observed: observed)
    }

    /// The action of every native syscall, from the lists. A syscall named in both `allow` and `deny`
    /// gets the more specific entry's action (a name beats a group); at equal specificity deny wins.
    /// `absent` beats both.
    public static func resolve(_ settings: SeccompSettings) throws -> [String: SeccompVerdict] {
        func expand(_ entries: [String]) throws -> [String: (specificity: Int, entry: String)] {
            var result: [String: (Int, String)] = [:]
            for entry in entries {
                let names = entry.hasPrefix("@") ? try SyscallGroups.expand(entry) : [entry]
                let specificity = entry.hasPrefix("@") ? 1 : 2
                for name in names where (result[name]?.0 ?? 0) < specificity { result[name] = (specificity, entry) }
            }
            return result
        }
        let allowed = try expand(settings.allow)
        let denied = try expand(settings.deny)
        let absent = Set(try expand(settings.absent).keys)
        var unconditional: [String: SeccompRule] = [:]
        for rule in settings.rules where rule.condition == nil { unconditional[rule.syscall] = rule }
        var verdicts: [String: SeccompVerdict] = [:]
        for (_, name) in SyscallTable.native {
            if let rule = unconditional[name] {
                verdicts[name] = SeccompVerdict(syscall: name, action: rule.action, reason: "rule at \(rule.origin)")
                continue
            }
            if absent.contains(name) {
                verdicts[name] = SeccompVerdict(syscall: name, action: .errno(ENOSYS), reason: "absent")
            } else if let d = denied[name], d.specificity >= (allowed[name]?.specificity ?? 0) {
                verdicts[name] = SeccompVerdict(syscall: name, action: settings.denyAction, reason: "deny \(d.entry)")
            } else if allowed[name] != nil {
                verdicts[name] = SeccompVerdict(syscall: name, action: .allow, reason: "allow")
            } else {
                verdicts[name] = SeccompVerdict(syscall: name, action: settings.defaultAction, reason: "default_action")
            }
        }
        return verdicts
    }

    /// SCMP_ACT_* values (function-like macros in seccomp.h, which Swift does not import).
    enum Action {
        static let killProcess: UInt32 = 0x8000_0000
        static let killThread: UInt32 = 0x0000_0000
        static let trap: UInt32 = 0x0003_0000
        static let notify: UInt32 = 0x7FC0_0000
        static let log: UInt32 = 0x7FFC_0000
        static let allow: UInt32 = 0x7FFF_0000
        static func errno(_ e: Int32) -> UInt32 { 0x0005_0000 | (UInt32(e) & 0xFFFF) }
    }

    private static func add(_ ctx: scmp_filter_ctx, _ action: UInt32, _ nr: Int32, _ c: ArgumentCondition, _ what: String,
                            tolerateExisting: Bool = false) throws {
        let op: scmp_compare
        switch c.op {
        case .eq: op = SCMP_CMP_EQ
        case .ne: op = SCMP_CMP_NE
        case .lt: op = SCMP_CMP_LT
        case .le: op = SCMP_CMP_LE
        case .gt: op = SCMP_CMP_GT
        case .ge: op = SCMP_CMP_GE
        case .masked_eq: op = SCMP_CMP_MASKED_EQ
        }
        // For masked_eq libseccomp takes (mask, value) in datum_a, datum_b.
        var cmp = c.op == .masked_eq
            ? scmp_arg_cmp(arg: UInt32(c.index), op: op, datum_a: c.mask, datum_b: c.value)
            : scmp_arg_cmp(arg: UInt32(c.index), op: op, datum_a: c.value, datum_b: 0)
        let rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp)
        if tolerateExisting && rc == -EEXIST { return }
        try check(rc, "seccomp_rule_add(\(what))")
    }

    private static func check(_ rc: Int32, _ stage: String) throws {
        if rc < 0 { throw SandboxError.system(stage, errno: -rc) }
    }

    /// seccomp_export_bpf writes to an fd; a memfd keeps it in memory (libseccomp 2.5 has no export to a
    /// buffer).
    private static func export(_ ctx: scmp_filter_ctx) throws -> [sock_filter] {
        let fd = sbx_memfd("sandbox-bpf")
        guard fd >= 0 else { throw SandboxError.system("memfd_create", errno: errno) }
        defer { close(fd) }
        try check(seccomp_export_bpf(ctx, fd), "seccomp_export_bpf")
        let size = Int(lseek(fd, 0, SEEK_CUR))
        guard size > 0, size % MemoryLayout<sock_filter>.size == 0 else {
            throw SandboxError(.setup, "seccomp_export_bpf", "unexpected program size \(size)")
        }
        var program = [sock_filter](repeating: sock_filter(), count: size / MemoryLayout<sock_filter>.size)
        let n = program.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard n == size else { throw SandboxError.system("pread(bpf)", errno: errno) }
        return program
    }
}
