/// Decodes one `[[seccomp.rules]]` table:
///
/// ```toml
/// [[seccomp.rules]]
/// syscall = "ioctl"
/// action = "errno:EPERM"
/// args = [ { index = 1, op = "eq", value = "TIOCSTI" } ]
/// ```
/// Values are integers or the symbolic constants below (ioctl requests, clone flags, address families).
/// `value` may be a list: the rule then holds when any of the values matches (one libseccomp rule each).
/// `masked_eq` without `mask` tests that the value's bits are set: `(arg & value) == value`.
enum SeccompRuleParser {
    static let constants: [String: UInt64] = [
        "TIOCSTI": 0x5412, "TIOCLINUX": 0x541C, "TIOCSETD": 0x5423, "TIOCCONS": 0x541D,
        "CLONE_NEWNS": 0x0002_0000, "CLONE_NEWCGROUP": 0x0200_0000, "CLONE_NEWUTS": 0x0400_0000,
        "CLONE_NEWIPC": 0x0800_0000, "CLONE_NEWUSER": 0x1000_0000, "CLONE_NEWPID": 0x2000_0000,
        "CLONE_NEWNET": 0x4000_0000, "CLONE_NEWTIME": 0x80,
        "AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17, "AF_BLUETOOTH": 31,
        "AF_VSOCK": 40, "AF_ALG": 38, "AF_KEY": 15, "AF_XDP": 44,
        "PER_LINUX": 0, "PER_LINUX32": 8, "UNAME26": 0x0002_0000, "PER_QUERY": 0xFFFF_FFFF,
    ]

    static func parse(_ item: ProfileValue, path: String, origin: Origin) throws -> [SeccompRule] {
        func fail(_ message: String, hint: String? = nil) -> SandboxError {
            SandboxError(.usage, "\(origin): \(path)", message, hint: hint)
        }
        guard case .table(let pairs) = item else { throw fail("expected a table with syscall, action and args") }
        var syscall: String?
        var action: SeccompAction = .errno(1)
        var conditions: [[ArgumentCondition]] = []
        for (key, value) in pairs {
            switch (key, value) {
            case ("syscall", .string(let s)):
                if let problem = SyscallTable.check(s) { throw fail(problem) }
                if s.hasPrefix("@") { throw fail("a rule names one syscall, not a group") }
                syscall = s
            case ("action", .string(let s)):
                guard let a = SeccompActionParser.parse(s) else { throw fail("unknown action '\(s)'") }
                action = a
            case ("args", .array(let args)):
                conditions = try args.map { try condition($0, fail: fail) }
            case ("syscall", _), ("action", _), ("args", _):
                throw fail("\(key): expected \(key == "args" ? "an array of tables" : "a string"), found \(value.typeName)")
            default:
                throw fail("unknown key '\(key)'", hint: Suggestion.hint(for: key, in: ["syscall", "action", "args"]))
            }
        }
        guard let syscall else { throw fail("a rule needs syscall = \"NAME\"") }
        // Without args the rule gives the syscall its action outright (how OCI files give one syscall an
        // errno of its own).
        if conditions.isEmpty { return [SeccompRule(syscall: syscall, action: action, condition: nil, origin: origin)] }
        // One comparison per rule: libseccomp cannot AND two comparisons of one argument, and a syscall's
        // fallback action (SeccompCompiler) needs all of its rules on one argument. Several values are
        // written as a list, which means "any of".
        guard conditions.count == 1 else { throw fail("a rule compares one argument; write several values as a list") }
        return conditions[0].map { SeccompRule(syscall: syscall, action: action, condition: $0, origin: origin) }
    }

    /// One condition, or one per value when `value` is a list.
    private static func condition(_ value: ProfileValue, fail: (String, String?) -> SandboxError) throws -> [ArgumentCondition] {
        guard case .table(let pairs) = value else { throw fail("args: expected tables like { index = 1, op = \"eq\", value = 0 }", nil) }
        var index: Int?, op: ArgumentCondition.Operator = .eq, numbers: [UInt64] = [], mask: UInt64?
        for (key, v) in pairs {
            switch key {
            case "index":
                guard case .integer(let i) = v, (0...5).contains(i) else { throw fail("args.index must be 0 to 5", nil) }
                index = i
            case "op":
                guard case .string(let s) = v, let o = ArgumentCondition.Operator(rawValue: s) else {
                    throw fail("args.op must be one of " + ArgumentCondition.Operator.allCases.map(\.rawValue).joined(separator: ", "), nil)
                }
                op = o
            case "value":
                if case .array(let items) = v {
                    numbers = try items.map { try integer($0, "value", fail) }
                } else {
                    numbers = [try integer(v, "value", fail)]
                }
            case "mask": mask = try integer(v, "mask", fail)
            default: throw fail("args: unknown key '\(key)'", Suggestion.hint(for: key, in: ["index", "op", "value", "mask"]))
            }
        }
        guard let index, !numbers.isEmpty else { throw fail("args: each condition needs index and value", nil) }
        let conditions = numbers.map { ArgumentCondition(index: index, op: op, value: $0, mask: mask ?? $0) }
        // (arg & mask) == value cannot hold when the value has bits the mask clears. libseccomp (and so
        // Docker) would compare with value & mask instead; either reading hides a mistake, so say so.
        if op == .masked_eq, let c = conditions.first(where: { $0.value & ~$0.mask != 0 }) {
            throw fail("args: masked_eq value 0x\(String(c.value, radix: 16)) has bits outside mask 0x\(String(c.mask, radix: 16)), so it never matches",
                       "clear those bits from the value, or widen the mask")
        }
        return conditions
    }

    private static func integer(_ v: ProfileValue, _ name: String, _ fail: (String, String?) -> SandboxError) throws -> UInt64 {
        switch v {
        case .integer(let i) where i >= 0: return UInt64(i)
        case .string(let s):
            if let c = constants[s] { return c }
            if s.hasPrefix("0x"), let n = UInt64(s.dropFirst(2), radix: 16) { return n }
            throw fail("args.\(name): unknown constant '\(s)'", Suggestion.hint(for: s, in: constants.keys))
        default: throw fail("args.\(name): expected a non-negative integer or a constant name", nil)
        }
    }
}
