#if canImport(Glibc)
import Glibc
#endif

/// Writes a profile's seccomp policy as OCI runtime-spec seccomp JSON, loadable by Docker, Podman and
/// Kubernetes. Faithful to our semantics: the default action is ENOSYS (syscalls newer than this build's
/// table), and every known syscall is listed with its action, so the file means the same elsewhere.
public enum OCIProfileExporter {
    public static func export(_ profile: Profile) throws -> JSONValue {
        let verdicts = try SeccompCompiler.resolve(profile.seccomp)
        var byAction: [SeccompAction: [String]] = [:]
        for name in verdicts.keys.sorted() { byAction[verdicts[name]!.action, default: []].append(name) }
        func entry(_ names: [String], _ action: SeccompAction, args: [JSONValue] = []) -> JSONValue {
            var pairs: [(String, JSONValue)] = [("names", .array(names.map { .string($0) })), ("action", .string(ociName(action)))]
            if case .errno(let e) = action { pairs.append(("errnoRet", .int(Int64(e)))) }
            pairs.append(("args", .array(args)))
            return .object(pairs)
        }
        let order: [SeccompAction] = byAction.keys.sorted { $0.severity == $1.severity ? $0.description < $1.description : $0.severity < $1.severity }
        var syscalls = order.map { entry(byAction[$0]!, $0) }
        for rule in profile.seccomp.rules {
            guard let c = rule.condition else { continue }
            let ops: [ArgumentCondition.Operator: String] = [.eq: "SCMP_CMP_EQ", .ne: "SCMP_CMP_NE", .lt: "SCMP_CMP_LT", .le: "SCMP_CMP_LE",
                                                             .gt: "SCMP_CMP_GT", .ge: "SCMP_CMP_GE", .masked_eq: "SCMP_CMP_MASKED_EQ"]
            let (value, valueTwo) = c.op == .masked_eq ? (c.mask, c.value) : (c.value, UInt64(0))
            let arg: JSONValue = .object([("index", .int(Int64(c.index))), ("value", .uint(value)),
                                          ("valueTwo", .uint(valueTwo)), ("op", .string(ops[c.op]!))])
            syscalls.append(entry([rule.syscall], rule.action, args: [arg]))
        }
        let nativeArch: String = {
            #if arch(x86_64)
            return "SCMP_ARCH_X86_64"
            #else
            return "SCMP_ARCH_AARCH64"
            #endif
        }()
        let arches = profile.seccomp.architectures.map { $0 == "native" ? nativeArch : "SCMP_ARCH_" + ($0 == "i386" ? "X86" : $0.uppercased()) }
        return .object([
            ("defaultAction", .string("SCMP_ACT_ERRNO")),
            ("defaultErrnoRet", .int(Int64(ENOSYS))),
            ("architectures", .array(arches.map { .string($0) })),
            ("syscalls", .array(syscalls)),
        ])
    }

    static func ociName(_ action: SeccompAction) -> String {
        switch action {
        case .allow: return "SCMP_ACT_ALLOW"
        case .errno: return "SCMP_ACT_ERRNO"
        case .killProcess: return "SCMP_ACT_KILL_PROCESS"
        case .killThread: return "SCMP_ACT_KILL_THREAD"
        case .trap: return "SCMP_ACT_TRAP"
        case .log: return "SCMP_ACT_LOG"
        }
    }
}
