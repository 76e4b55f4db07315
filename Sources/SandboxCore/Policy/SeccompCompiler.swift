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
    /// What the supervisor answers for the syscalls the filter notifies.
    public let notifications: NotificationTable
    /// Whether the filter returns SECCOMP_RET_USER_NOTIF anywhere (the child must then send a listener).
    public var usesNotification: Bool { notifications.isUsed }
    /// Whether it was compiled for a run with a listener socket (`notifySocketFD` given).
    public let hasListenerSocket: Bool
    /// The socket's fd number when the filter itself names it (sendmsg allowed on that fd only, for a
    /// profile that does not allow sendmsg); nil when the filter is the same whatever the number.
    public let listenerFDInFilter: Int32?

    /// True when `SeccompCompiler.compile(settings, notifySocketFD:, observe:)` with these arguments would
    /// build this same program again (for the settings it was built from): a compiled profile's filter is
    /// reused only then.
    public func fits(notifySocketFD: Int32?, observe: Set<String>) -> Bool {
        observe.isEmpty && !notifications.observesAny && hasListenerSocket == (notifySocketFD != nil)
            && (listenerFDInFilter == nil || listenerFDInFilter == notifySocketFD)
    }

    /// The verdict for a notification of syscall `nr` with `args`.
    public func verdict(nr: Int32, args: [UInt64]) -> SeccompVerdict? { notifications.verdict(nr: nr, args: args) }

    /// Verdicts by native syscall number (decodes a cached table).
    public var notified: [Int32: SeccompVerdict] { notifications.entries.notified }
    /// Syscalls notified only to be observed (decodes a cached table).
    public var observed: Set<Int32> { notifications.entries.observed }
}

/// Compiles a profile's `[seccomp]` section into a BPF program, in the parent, before the fork.
///
/// Every syscall this build's table (libseccomp's) knows gets an explicit action; every other number gets
/// ENOSYS: it is newer than the profile, so libc sees "not implemented" and falls back, as it must for
/// clone3 (moby#42680). Denials with an errno or a kill become SECCOMP_RET_USER_NOTIF when `notify` is on,
/// so the supervisor can name them and answer with exactly the profile's errno (or kill the process).
/// Other ABIs (i386 `int 0x80`, x32) are killed unless the profile lists them. The program itself comes
/// from `SeccompFilterBuilder`.
public enum SeccompCompiler {
    /// `notifySocketFD` is the child's end of the socket the listener fd travels on; the filter allows
    /// sendmsg on exactly that fd so the child can send it after the filter is installed.
    ///
    /// `observe` names allowed syscalls to notify anyway, for the unprivileged file watcher; the supervisor
    /// answers those with SECCOMP_USER_NOTIF_FLAG_CONTINUE (safe here: it records, it does not decide).
    ///
    /// `observeAll` notifies every allowed syscall of every ABI, for the unprivileged syscall audit
    /// (`NotifySyscallAudit`), answered with CONTINUE too.
    public static func compile(_ settings: SeccompSettings, notifySocketFD: Int32?, observe: Set<String> = [],
                               observeAll: Bool = false) throws -> SeccompProgram {
        let plan = try plan(settings, notifySocketFD: notifySocketFD, observe: observe, observeAll: observeAll)
        let instructions = try SeccompFilterBuilder.build(native: plan.native, x32: plan.x32, others: plan.others, badArch: Action.killProcess)
        let table = NotificationTable(.init(notified: plan.notified, rules: plan.notifiedRules, observed: plan.observed))
        return SeccompProgram(instructions: instructions, notifications: table, hasListenerSocket: notifySocketFD != nil,
                              listenerFDInFilter: plan.listenerFDInFilter)
    }

    /// The program before `SeccompFilterBuilder.sharingReturns` (for the tests that compare the two).
    static func unsharedInstructions(_ settings: SeccompSettings, notifySocketFD: Int32?) throws -> [sock_filter] {
        let plan = try plan(settings, notifySocketFD: notifySocketFD, observe: [], observeAll: false)
        return try SeccompFilterBuilder.unshared(native: plan.native, x32: plan.x32, others: plan.others, badArch: Action.killProcess)
    }

    /// The native ABI's decisions (for tests that compare them with libseccomp's program).
    static func nativePolicy(_ settings: SeccompSettings, notifySocketFD: Int32?) throws -> ABIPolicy {
        try plan(settings, notifySocketFD: notifySocketFD, observe: [], observeAll: false).native
    }

    /// The decisions per ABI, and the supervisor's tables for notified syscalls.
    private struct Plan {
        var native: ABIPolicy
        var x32: ABIPolicy?
        var others: [ABIPolicy]
        var notified: [Int32: SeccompVerdict]
        var notifiedRules: [Int32: [(SeccompRule, SeccompVerdict)]]
        var observed: Set<Int32>
        var listenerFDInFilter: Int32?
    }

    private static func plan(_ settings: SeccompSettings, notifySocketFD: Int32?, observe: Set<String>, observeAll: Bool) throws -> Plan {
        let verdicts = try resolve(settings)
        // Denials are notified when the profile asks for named violations; observation needs only a socket.
        let notify = settings.notify && notifySocketFD != nil
        let canObserve = notifySocketFD != nil

        var notified: [Int32: SeccompVerdict] = [:]
        var observed: Set<Int32> = []
        var notifiedRules: [Int32: [(SeccompRule, SeccompVerdict)]] = [:]
        // The kernel's action for a native syscall: user notification where the supervisor names the denial
        // or observes the call, the profile's own action otherwise.
        func kernelAction(_ verdict: SeccompVerdict, nr: Int32) -> UInt32 {
            if verdict.action == .allow && canObserve && (observeAll || observe.contains(verdict.syscall)) {
                observed.insert(nr)
                return Action.notify
            }
            return notifies(verdict) ? Action.notify : directAction(verdict.action)
        }
        // ENOSYS stays in the kernel (it is "not implemented", not a violation); SIGKILL from the supervisor
        // would take the whole process, so kill-thread does too.
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
        var listenerFDInFilter: Int32?
        // Observing every call would notify the hand-over itself, before the supervisor has the listener
        // to answer it: the rule is then always there, and always a plain allow.
        let handOver = Origin("sandbox: listener hand-over")
        if let fd = notifySocketFD, verdicts["sendmsg"]?.action != .allow || (observeAll && canObserve) {
            listenerFDInFilter = fd
            // The only call between seccomp(2) and execve that the profile may not allow.
            let condition = ArgumentCondition(index: 0, op: .eq, value: UInt64(fd), mask: 0)
            rulesBySyscall["sendmsg", default: []].insert(
                SeccompRule(syscall: "sendmsg", action: .allow, condition: condition, origin: handOver), at: 0)
        }

        var native = ABIPolicy(auditArch: seccomp_arch_native(), unknown: Action.errno(ENOSYS))
        for (nr, name) in SyscallTable.native {
            guard let base = verdicts[name] else { continue }
            var decision = SyscallDecision(kernelAction(base, nr: nr))
            // Rules are checked in the order written; the first that holds decides.
            for rule in rulesBySyscall[name] ?? [] {
                let verdict = SeccompVerdict(syscall: name, action: rule.action, reason: "rule at \(rule.origin)")
                decision.rules.append((rule.condition!, rule.origin == handOver ? Action.allow : kernelAction(verdict, nr: nr)))
                if notifies(verdict) { notifiedRules[nr, default: []].append((rule, verdict)) }
            }
            native.set(UInt32(nr), decision)
            if notifies(base) { notified[nr] = base }
        }

        // Other ABIs: the same profile by syscall name, with the kernel's own actions (the supervisor
        // names notifications by native number, so they are not notified).
        var x32: ABIPolicy?
        var others: [ABIPolicy] = []
        for arch in Set(settings.architectures.compactMap(SeccompArchitectures.token)) where arch != 0 && arch != native.auditArch {
            let table = SyscallTable.table(forArchitecture: arch)
            let abiVerdicts = try resolve(settings, names: table.map(\.name))
            var abi = ABIPolicy(auditArch: arch, unknown: Action.errno(ENOSYS))
            // The unprivileged audit observes these ABIs' allowed calls too (their denials stay in the kernel).
            func abiAction(_ action: SeccompAction) -> UInt32 {
                observeAll && canObserve && action == .allow ? Action.notify : directAction(action)
            }
            for (nr, name) in table {
                var decision = SyscallDecision(abiAction(abiVerdicts[name]!.action))
                for rule in rulesBySyscall[name] ?? [] {
                    decision.rules.append((rule.condition!, rule.origin == handOver ? Action.allow : abiAction(rule.action)))
                }
                abi.set(UInt32(bitPattern: nr), decision)
            }
            // i386 multiplexes sockets and SysV IPC through socketcall(2) and ipc(2), whose arguments sit in
            // memory: they get the strictest action of any call they can reach.
            for (multiplexer, members) in SyscallGroups.multiplexed {
                guard let nr = table.first(where: { $0.name == multiplexer })?.nr else { continue }
                let actions = ([multiplexer] + members).flatMap { name -> [UInt32] in
                    guard let verdict = abiVerdicts[name] ?? verdicts[name] else { return [] }
                    return [directAction(verdict.action)] + (rulesBySyscall[name] ?? []).map { directAction($0.action) }
                }
                abi.set(UInt32(bitPattern: nr), SyscallDecision(actions.max(by: { Action.precedence($0) < Action.precedence($1) })!))
            }
            if arch == SeccompArchitectures.tokens["x32"] { x32 = abi } else { others.append(abi) }
        }
        return Plan(native: native, x32: x32, others: others.sorted { $0.auditArch < $1.auditArch },
                    notified: notified, notifiedRules: notifiedRules, observed: observed, listenerFDInFilter: listenerFDInFilter)
    }

    /// The SECCOMP_RET_* value of a profile action, without user notification.
    private static func directAction(_ action: SeccompAction) -> UInt32 {
        switch action {
        case .allow: return Action.allow
        case .log: return Action.log
        case .trap: return Action.trap
        case .errno(let e): return Action.errno(e)
        case .killThread: return Action.killThread
        case .killProcess: return Action.killProcess
        }
    }

    /// The action of every native syscall, from the lists. A syscall named in both `allow` and `deny`
    /// gets the more specific entry's action (a name beats a group); at equal specificity deny wins.
    /// `absent` beats both.
    public static func resolve(_ settings: SeccompSettings) throws -> [String: SeccompVerdict] {
        try resolve(settings, names: SyscallTable.native.map(\.name))
    }

    /// The same for the syscall names of one ABI.
    static func resolve(_ settings: SeccompSettings, names: [String]) throws -> [String: SeccompVerdict] {
        func expand(_ entries: [String]) throws -> [String: (specificity: Int, entry: String)] {
            var result: [String: (specificity: Int, entry: String)] = [:]
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
        for name in names {
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

        /// The kernel's order when several filters or candidates disagree: kill process, kill thread,
        /// trap, errno, user notification, trace, log, allow (seccomp(2)).
        static func precedence(_ action: UInt32) -> Int {
            switch action & 0xFFFF_0000 {
            case killProcess: return 7
            case killThread: return 6
            case trap: return 5
            case 0x0005_0000: return 4
            case notify: return 3
            case 0x7FF0_0000: return 2
            case log: return 1
            default: return 0
            }
        }
    }
}
