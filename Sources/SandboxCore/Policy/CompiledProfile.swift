import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// What `-p` and `--set` compile to: the resolved profile, and the seccomp filter a run of it built.
/// `ProfileCache` keeps these on disk so that a run whose profiles have not changed skips parsing,
/// validation and the seccomp compiler (most of sandbox's own start-up time).
public struct CompiledProfile {
    public let profile: Profile
    /// A filter compiled from `profile.seccomp` for an earlier run; `LaunchPlan` uses it when it `fits`
    /// this run, and compiles anew otherwise.
    public let seccomp: SeccompProgram?

    public init(profile: Profile, seccomp: SeccompProgram? = nil) {
        self.profile = profile
        self.seccomp = seccomp
    }
}

// MARK: - Encoding

extension CompiledProfile {
    func encode(into w: inout ByteWriter) {
        let p = profile
        w.string(p.name)
        w.string(p.description)
        w.strings(p.bestEffort)
        w.array(p.limits.entries) { w, entry in
            w.i32(entry.limit.resource)
            w.optional(entry.value.soft) { $0.u64($1) }
            w.optional(entry.value.hard) { $0.u64($1) }
        }
        w.optional(p.wall) { $0.double($1) }
        w.double(p.killAfter)

        let x = p.process
        w.optional(x.nice) { $0.int($1) }
        w.optional(x.ioprio) { $0.i32($1) }
        w.optional(x.ioprioText) { $0.string($1) }
        for flag in [x.newSession, x.noNewPrivileges, x.dieWithParent, x.killOrphans, x.clearEnvironment] { w.bool(flag) }
        w.optional(x.workdir) { $0.string($1) }
        w.optional(x.umask) { $0.i32($1) }
        w.strings(x.envKeep)
        w.strings(x.envUnset)
        w.array(x.envSet) { w, pair in w.string(pair.0); w.string(pair.1) }
        w.string(x.pty)
        w.optional(x.user) { $0.string($1) }
        w.optional(x.group) { $0.string($1) }

        w.array(p.capabilities) { $0.i32($1) }

        let s = p.seccomp
        w.bool(s.enabled)
        SeccompCoding.encode(s.defaultAction, into: &w)
        SeccompCoding.encode(s.denyAction, into: &w)
        w.strings(s.allow)
        w.strings(s.deny)
        w.strings(s.absent)
        w.array(s.rules) { w, rule in SeccompCoding.encode(rule, into: &w) }
        w.strings(s.architectures)
        w.bool(s.notify)

        w.bool(p.watch.enabled)
        w.strings(p.watch.include)
        w.strings(p.watch.ignore)
        w.strings(p.watch.operations)
        p.cgroup.encode(into: &w)
        p.filesystem.encode(into: &w)

        let n = p.namespaces
        w.strings(n.requested.map(\.rawValue))
        w.bool(n.mapRoot)
        w.string(n.hostname)
        w.string(n.networkMode.rawValue)

        w.bool(p.audit.syscalls)
        w.string(p.audit.mechanism)

        w.optional(seccomp) { w, program in Self.encode(program, into: &w) }
    }

    init(from r: inout ByteReader) throws {
        let name = try r.string()
        let description = try r.string()
        let bestEffort = try r.strings()
        var limits = ResourceLimits()
        for _ in 0..<(try r.count()) {
            guard let limit = ResourceLimit.byResource(Int64(try r.i32())) else { throw ByteReader.Malformed() }
            limits[limit] = LimitValue(soft: try r.optional { try $0.u64() }, hard: try r.optional { try $0.u64() })
        }
        let wall = try r.optional { try $0.double() }
        let killAfter = try r.double()

        let nice = try r.optional { try $0.int() }
        let ioprio = try r.optional { try $0.i32() }
        let ioprioText = try r.optional { try $0.string() }
        let (newSession, noNewPrivileges, dieWithParent, killOrphans, clearEnvironment) =
            (try r.bool(), try r.bool(), try r.bool(), try r.bool(), try r.bool())
        let process = ProcessSettings(
            nice: nice, ioprio: ioprio, ioprioText: ioprioText, newSession: newSession, noNewPrivileges: noNewPrivileges,
            dieWithParent: dieWithParent, killOrphans: killOrphans, workdir: try r.optional { try $0.string() },
            umask: try r.optional { try $0.i32() }, clearEnvironment: clearEnvironment, envKeep: try r.strings(),
            envUnset: try r.strings(), envSet: try r.array { (try $0.string(), try $0.string()) }, pty: try r.string(),
            user: try r.optional { try $0.string() }, group: try r.optional { try $0.string() })

        let capabilities = try r.array { try $0.i32() }

        let seccompEnabled = try r.bool()
        let defaultAction = try SeccompCoding.action(from: &r)
        let denyAction = try SeccompCoding.action(from: &r)
        let (allow, deny, absent) = (try r.strings(), try r.strings(), try r.strings())
        let rules = try r.array { try SeccompCoding.rule(from: &$0) }
        let seccomp = SeccompSettings(enabled: seccompEnabled, defaultAction: defaultAction, denyAction: denyAction,
                                      allow: allow, deny: deny, absent: absent, rules: rules,
                                      architectures: try r.strings(), notify: try r.bool())
        let watch = WatchSettings(enabled: try r.bool(), include: try r.strings(), ignore: try r.strings(),
                                  operations: try r.strings())
        let cgroup = try CgroupSettings(from: &r)
        let filesystem = try FilesystemSettings(from: &r)
        let requested = try r.strings().map { try NamespaceSettings.Kind(rawValue: $0) ?? { throw ByteReader.Malformed() }() }
        let mapRoot = try r.bool()
        let hostname = try r.string()
        guard let networkMode = NamespaceSettings.NetworkMode(rawValue: try r.string()) else { throw ByteReader.Malformed() }
        let namespaces = NamespaceSettings(requested: requested, mapRoot: mapRoot, hostname: hostname, networkMode: networkMode)
        let audit = AuditSettings(syscalls: try r.bool(), mechanism: try r.string())
        var profile = Profile(name: name, description: description, bestEffort: bestEffort, limits: limits,
                              wall: wall, killAfter: killAfter, process: process, capabilities: capabilities, seccomp: seccomp,
                              watch: watch, namespaces: namespaces, audit: audit)
        profile.cgroup = cgroup
        profile.filesystem = filesystem
        self.profile = profile

        self.seccomp = try r.optional { try Self.program(from: &$0) }
    }

    private static func encode(_ program: SeccompProgram, into w: inout ByteWriter) {
        w.array(program.instructions) { w, insn in
            w.u64(UInt64(insn.code) | UInt64(insn.jt) << 16 | UInt64(insn.jf) << 24 | UInt64(insn.k) << 32)
        }
        w.raw(program.notifications.encodedBytes)
        w.bool(program.notifications.isUsed)
        w.bool(program.notifications.observesAny)
        w.bool(program.hasListenerSocket)
        w.optional(program.listenerFDInFilter) { $0.i32($1) }
    }

    private static func program(from r: inout ByteReader) throws -> SeccompProgram {
        let instructions = try r.array { r in
            let v = try r.u64()
            return sock_filter(code: UInt16(truncatingIfNeeded: v), jt: UInt8(truncatingIfNeeded: v >> 16),
                               jf: UInt8(truncatingIfNeeded: v >> 24), k: UInt32(truncatingIfNeeded: v >> 32))
        }
        let notifications = NotificationTable(encoded: Array(try r.raw()), isUsed: try r.bool(), observesAny: try r.bool())
        return SeccompProgram(instructions: instructions, notifications: notifications, hasListenerSocket: try r.bool(),
                              listenerFDInFilter: try r.optional { try $0.i32() })
    }
}

/// The encoding of seccomp actions, rules and verdicts, shared by the compiled profile and its notification
/// table.
enum SeccompCoding {
    static func encode(_ verdict: SeccompVerdict, into w: inout ByteWriter) {
        w.string(verdict.syscall)
        encode(verdict.action, into: &w)
        w.string(verdict.reason)
    }

    static func verdict(from r: inout ByteReader) throws -> SeccompVerdict {
        SeccompVerdict(syscall: try r.string(), action: try action(from: &r), reason: try r.string())
    }

    static func encode(_ rule: SeccompRule, into w: inout ByteWriter) {
        w.string(rule.syscall)
        encode(rule.action, into: &w)
        w.optional(rule.condition) { w, c in
            w.int(c.index)
            w.string(c.op.rawValue)
            w.u64(c.value)
            w.u64(c.mask)
        }
        encode(rule.origin, into: &w)
    }

    static func rule(from r: inout ByteReader) throws -> SeccompRule {
        SeccompRule(syscall: try r.string(), action: try action(from: &r), condition: try r.optional { r in
            let index = try r.int()
            guard let op = ArgumentCondition.Operator(rawValue: try r.string()), (0..<6).contains(index) else {
                throw ByteReader.Malformed()
            }
            return ArgumentCondition(index: index, op: op, value: try r.u64(), mask: try r.u64())
        }, origin: try origin(from: &r))
    }

    static func encode(_ action: SeccompAction, into w: inout ByteWriter) {
        switch action {
        case .allow: w.u8(0)
        case .errno(let e): w.u8(1); w.i32(e)
        case .killProcess: w.u8(2)
        case .killThread: w.u8(3)
        case .trap: w.u8(4)
        case .log: w.u8(5)
        }
    }

    static func action(from r: inout ByteReader) throws -> SeccompAction {
        switch try r.u8() {
        case 0: return .allow
        case 1: return .errno(try r.i32())
        case 2: return .killProcess
        case 3: return .killThread
        case 4: return .trap
        case 5: return .log
        default: throw ByteReader.Malformed()
        }
    }

    static func encode(_ origin: Origin, into w: inout ByteWriter) {
        w.string(origin.source)
        w.optional(origin.line) { $0.int($1) }
    }

    static func origin(from r: inout ByteReader) throws -> Origin {
        Origin(try r.string(), line: try r.optional { try $0.int() })
    }
}
