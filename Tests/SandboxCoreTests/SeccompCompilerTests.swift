import Testing
@testable import SandboxCore

/// The seccomp compiler: list resolution (`resolve`), the BPF it exports (read back and run through a
/// small interpreter, never installed here), the notification tables, and argument rules.
@Suite("Seccomp compiler")
struct SeccompCompilerTests {
    typealias Ret = BPFInterpreter.Ret
    static let EPERM: Int32 = 1, EACCES: Int32 = 13, ENOSYS: Int32 = 38
    static let TIOCSTI: UInt64 = 0x5412, TIOCLINUX: UInt64 = 0x541C, FIONREAD: UInt64 = 0x541B

    static func nr(_ name: String) throws -> Int32 { try #require(SyscallTable.number(of: name), "libseccomp knows \(name)") }

    static func settings(allow: [String] = [], deny: [String] = [], absent: [String] = [], rules: [SeccompRule] = [],
                         defaultAction: SeccompAction = .allow, denyAction: SeccompAction = .errno(1)) -> SeccompSettings {
        SeccompSettings(enabled: true, defaultAction: defaultAction, denyAction: denyAction, allow: allow, deny: deny,
                        absent: absent, rules: rules, architectures: ["native"], notify: true)
    }

    // MARK: - The exported program

    @Test func defaultProgramIsWellFormed() throws {
        let program = try SeccompCompiler.compile(try builtin("default").seccomp, notifySocketFD: nil)
        #expect(MemoryLayout.stride(ofValue: program.instructions.first!) == 8, "struct sock_filter is 8 bytes")
        #expect(!program.instructions.isEmpty)
        #expect(program.instructions.count <= 4096, "BPF_MAXINSNS")
        let first = program.instructions[0], second = program.instructions[1]
        #expect(first.code == 0x20, "BPF_LD|BPF_W|BPF_ABS")
        #expect(first.k == 4, "offsetof(struct seccomp_data, arch)")
        #expect(second.code == 0x15, "BPF_JMP|BPF_JEQ|BPF_K")
        #expect(second.k == BPFInterpreter.auditArchX86_64, "AUDIT_ARCH_X86_64")
        #expect(program.instructions.last.map { $0.code & 0x07 } == 0x06, "ends with BPF_RET")
        let returns = Set(program.instructions.filter { $0.code == 0x06 }.map(\.k))
        #expect(returns.contains(Ret.allow))
        #expect(returns.contains(Ret.errno(Self.EPERM)))
        #expect(returns.contains(Ret.errno(Self.ENOSYS)))
        #expect(returns.contains(Ret.killProcess), "other ABIs are killed")
        #expect(!returns.contains(Ret.userNotif), "no notification without a socket")
        #expect(!program.usesNotification)
    }

    /// What the compiled default filter returns, call by call (interpreted, not installed).
    @Test func defaultProgramBehaviour() throws {
        let bpf = BPFInterpreter(try SeccompCompiler.compile(try builtin("default").seccomp, notifySocketFD: nil))
        let cases: [(String, [UInt64], UInt32)] = [
            ("read", [], Ret.allow),
            ("write", [], Ret.allow),
            ("mount", [], Ret.errno(Self.EPERM)),
            ("unshare", [0x1000_0000], Ret.errno(Self.EPERM)),
            ("bpf", [], Ret.errno(Self.EPERM)),
            ("ptrace", [], Ret.errno(Self.EPERM)),
            ("clone3", [], Ret.errno(Self.ENOSYS)),
            ("ioctl", [1, Self.TIOCSTI], Ret.errno(Self.EPERM)),
            ("ioctl", [1, Self.TIOCLINUX], Ret.errno(Self.EPERM)),
            // The kernel ignores the high 32 bits of the request; so must the filter.
            ("ioctl", [1, 0x1_0000_0000 | Self.TIOCSTI], Ret.errno(Self.EPERM)),
            ("ioctl", [1, Self.FIONREAD], Ret.allow),
            ("clone", [17], Ret.allow),                               // SIGCHLD: a plain fork
            ("clone", [0x1000_0000 | 17], Ret.errno(Self.EPERM)),     // CLONE_NEWUSER
            ("clone", [0x0002_0000 | 0x0100_0000], Ret.errno(Self.EPERM)), // CLONE_NEWNS
            ("personality", [0], Ret.allow),
            ("personality", [0xFFFF_FFFF], Ret.allow),
            ("personality", [0x0040_0000], Ret.errno(Self.EPERM)),    // ADDR_NO_RANDOMIZE
        ]
        for (name, args, expected) in cases {
            let got = try bpf.run(nr: try Self.nr(name), args: args)
            #expect(got == expected, "\(name)\(args): got 0x\(String(got, radix: 16)), expected 0x\(String(expected, radix: 16))")
        }
        #expect(try bpf.run(nr: 1000) == Ret.errno(Self.ENOSYS), "a syscall newer than the table: ENOSYS")
        #expect(try bpf.run(nr: try Self.nr("read"), arch: BPFInterpreter.auditArchI386) == Ret.killProcess, "i386 ABI")
        #expect(try bpf.run(nr: 0x4000_0000 | 0) == Ret.killProcess, "x32 ABI")
    }

    @Test func notificationReplacesErrnoButNotENOSYS() throws {
        let program = try SeccompCompiler.compile(try builtin("default").seccomp, notifySocketFD: 3)
        #expect(program.usesNotification)
        let bpf = BPFInterpreter(program)
        #expect(try bpf.run(nr: try Self.nr("mount")) == Ret.userNotif)
        #expect(try bpf.run(nr: try Self.nr("clone3")) == Ret.errno(Self.ENOSYS), "absent calls are not reported")
        #expect(try bpf.run(nr: try Self.nr("read")) == Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("ioctl"), args: [0, Self.TIOCSTI]) == Ret.userNotif)
        #expect(try bpf.run(nr: try Self.nr("ioctl"), args: [0, Self.FIONREAD]) == Ret.allow)
        // The listener hand-over: sendmsg on the socket fd is allowed whatever the profile says.
        #expect(try bpf.run(nr: try Self.nr("sendmsg"), args: [3]) == Ret.allow)

        let mount = try #require(program.notified[try Self.nr("mount")])
        #expect(mount.action == .errno(Self.EPERM))
        #expect(mount.reason == "deny mount")
        #expect(program.notified[try Self.nr("clone3")] == nil)
        #expect(program.notified[try Self.nr("read")] == nil)
    }

    @Test func listenerHandOverWhenTheProfileDeniesSendmsg() throws {
        let program = try SeccompCompiler.compile(Self.settings(deny: ["sendmsg"]), notifySocketFD: 5)
        let bpf = BPFInterpreter(program)
        #expect(try bpf.run(nr: try Self.nr("sendmsg"), args: [5]) == Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("sendmsg"), args: [6]) == Ret.userNotif)
    }

    @Test func verdictForNotifiedIoctl() throws {
        let profile = try builtin("default")
        let program = try SeccompCompiler.compile(profile.seccomp, notifySocketFD: 3)
        let ioctl = try Self.nr("ioctl")
        let tiocsti = try #require(program.verdict(nr: ioctl, args: [0, Self.TIOCSTI, 0, 0, 0, 0]))
        #expect(tiocsti.action == .errno(Self.EPERM))
        #expect(tiocsti.reason.hasPrefix("rule at builtin:default.toml:"), "\(tiocsti.reason)")
        #expect(program.verdict(nr: ioctl, args: [0, 0x1_0000_0000 | Self.TIOCSTI, 0, 0, 0, 0])?.action == .errno(Self.EPERM))
        #expect(program.verdict(nr: ioctl, args: [0, Self.FIONREAD, 0, 0, 0, 0]) == nil, "allowed, not notified")
        let clone = try Self.nr("clone")
        #expect(program.verdict(nr: clone, args: [0x1000_0011, 0, 0, 0, 0, 0])?.action == .errno(Self.EPERM))
    }

    @Test func everyBuiltinWithoutGroupsCompiles() throws {
        for name in BuiltinProfiles.names where !BuiltinProfilesTests.usesGroups(name) {
            let profile = try builtin(name)
            _ = try SeccompCompiler.compile(profile.seccomp, notifySocketFD: nil)
            _ = try SeccompCompiler.compile(profile.seccomp, notifySocketFD: 3)
        }
    }

    @Test
    func strictCompilesAndBehaves() throws {
        let strict = try builtin("strict")
        let verdicts = try SeccompCompiler.resolve(strict.seccomp)
        #expect(verdicts["reboot"]?.action == .errno(Self.EPERM))
        #expect(verdicts["kexec_load"]?.action == .errno(Self.EPERM))
        #expect(verdicts["read"]?.action == .allow)
        #expect(verdicts["write"]?.action == .allow)
        #expect(verdicts["clone3"]?.action == .errno(Self.ENOSYS))
        let bpf = BPFInterpreter(try SeccompCompiler.compile(strict.seccomp, notifySocketFD: nil))
        #expect(try bpf.run(nr: try Self.nr("read")) == Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("reboot")) == Ret.errno(Self.EPERM))
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [1]) == Ret.allow, "AF_UNIX")
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [2]) == Ret.errno(97), "AF_INET: EAFNOSUPPORT")
    }

    /// strict extends default and writes its own `[[seccomp.rules]]`; rules merge like any list, so the
    /// child's replace the parent's, and default's TIOCSTI and clone-namespace rules are gone. Checked here on
    /// strict's text without its @group entries, so that it runs before the group table exists.
    @Test func strictKeepsDefaultsArgumentRules() throws {
        let text = try #require(BuiltinProfiles.text("strict"))
        let withoutGroups = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("\"@") }.joined(separator: "\n")
        let dir = try TempDir()
        try dir.write("strictish.toml", withoutGroups)
        let profile = try dir.resolver.resolve(["strictish"])
        #expect(profile.seccomp.rules.contains { $0.syscall == "socket" })
        let bpf = BPFInterpreter(try SeccompCompiler.compile(profile.seccomp, notifySocketFD: nil))
        let tiocsti = try bpf.run(nr: try Self.nr("ioctl"), args: [0, Self.TIOCSTI])
        #expect(profile.seccomp.rules.contains { $0.syscall == "ioctl" })
        #expect(tiocsti == Ret.errno(Self.EPERM))
    }

    @Test
    func strictDeniesNamespacesThroughClone() throws {
        let bpf = BPFInterpreter(try SeccompCompiler.compile(try builtin("strict").seccomp, notifySocketFD: nil))
        #expect(try bpf.run(nr: try Self.nr("clone"), args: [17]) == Ret.allow, "a plain fork")
        let newuser = try bpf.run(nr: try Self.nr("clone"), args: [0x1000_0011])
        let tiocsti = try bpf.run(nr: try Self.nr("ioctl"), args: [0, Self.TIOCSTI])
        #expect(newuser == Ret.errno(Self.EPERM))
        #expect(tiocsti == Ret.errno(Self.EPERM))
    }

    // MARK: - resolve(): which entry decides

    @Test func defaultVerdicts() throws {
        let verdicts = try SeccompCompiler.resolve(try builtin("default").seccomp)
        #expect(verdicts.count == SyscallTable.native.count, "every native syscall has a verdict")
        for name in ["mount", "unshare", "bpf", "ptrace", "setns", "kexec_load", "open_by_handle_at", "keyctl"] {
            #expect(verdicts[name]?.action == .errno(Self.EPERM), "\(name)")
            #expect(verdicts[name]?.reason == "deny \(name)", "\(name)")
        }
        #expect(verdicts["clone3"]?.action == .errno(Self.ENOSYS))
        #expect(verdicts["clone3"]?.reason == "absent")
        for name in ["read", "write", "openat", "execve", "clone", "ioctl"] {
            #expect(verdicts[name]?.action == .allow, "\(name)")
            #expect(verdicts[name]?.reason == "default_action", "\(name)")
        }
    }

    @Test func equalSpecificityDenyWins() throws {
        let v = try SeccompCompiler.resolve(Self.settings(allow: ["mount"], deny: ["mount"], defaultAction: .errno(Self.EACCES)))
        #expect(v["mount"]?.action == .errno(Self.EPERM))
        #expect(v["mount"]?.reason == "deny mount")
        #expect(v["read"]?.action == .errno(Self.EACCES))
        #expect(v["read"]?.reason == "default_action")
    }

    @Test func absentBeatsBothLists() throws {
        let v = try SeccompCompiler.resolve(Self.settings(allow: ["mount"], deny: ["mount"], absent: ["mount"]))
        #expect(v["mount"]?.action == .errno(Self.ENOSYS))
        #expect(v["mount"]?.reason == "absent")
    }

    @Test func unconditionalRuleBeatsTheLists() throws {
        let rule = SeccompRule(syscall: "mount", action: .errno(Self.EACCES), condition: nil, origin: Origin("x.toml", line: 7))
        let v = try SeccompCompiler.resolve(Self.settings(deny: ["mount"], absent: ["mount"], rules: [rule]))
        #expect(v["mount"]?.action == .errno(Self.EACCES))
        #expect(v["mount"]?.reason == "rule at x.toml:7")
    }

    @Test
    func nameBeatsGroup() throws {
        #expect(try SyscallGroups.expand("@mount").contains("mount"))
        let allowName = try SeccompCompiler.resolve(Self.settings(allow: ["mount"], deny: ["@mount"]))
        #expect(allowName["mount"]?.action == .allow)
        #expect(allowName["mount"]?.reason == "allow")
        #expect(allowName["umount2"]?.action == .errno(Self.EPERM))
        #expect(allowName["umount2"]?.reason == "deny @mount")
        let denyName = try SeccompCompiler.resolve(Self.settings(allow: ["@mount"], deny: ["mount"], defaultAction: .errno(Self.EACCES)))
        #expect(denyName["mount"]?.action == .errno(Self.EPERM))
        #expect(denyName["umount2"]?.action == .allow)
        let both = try SeccompCompiler.resolve(Self.settings(allow: ["@mount"], deny: ["@mount"]))
        #expect(both["mount"]?.action == .errno(Self.EPERM), "equal specificity: deny wins")
    }

    /// On x86 socket() is also socketcall(SYS_SOCKET, …), whose arguments sit in memory; libseccomp
    /// refuses the fallback rule as a duplicate (EEXIST). Strict plus `architectures = ["native", "i386"]`,
    /// and Docker's default profile (x86 sub-architecture), hit this.
    @Test func socketArgumentRuleWithTheI386ABI() throws {
        let rule = SeccompRule(syscall: "socket", action: .errno(97), condition: ArgumentCondition(index: 0, op: .ne, value: 1, mask: 1),
                               origin: Origin("s.toml", line: 3))
        var settings = Self.settings(rules: [rule])
        _ = try SeccompCompiler.compile(settings, notifySocketFD: nil)
        settings.architectures = ["native", "i386"]
        _ = try SeccompCompiler.compile(settings, notifySocketFD: nil)
    }

    // MARK: - Rule parser

    static let origin = Origin("t.toml", line: 4)

    static func parse(_ pairs: [(String, ProfileValue)]) throws -> [SeccompRule] {
        try SeccompRuleParser.parse(.table(pairs), path: "seccomp.rules[0]", origin: origin)
    }

    static func condition(_ pairs: [(String, ProfileValue)]) -> ProfileValue { .array([.table(pairs)]) }

    @Test func ruleWithoutArgsIsUnconditional() throws {
        let rules = try Self.parse([("syscall", .string("acct"))])
        #expect(rules == [SeccompRule(syscall: "acct", action: .errno(1), condition: nil, origin: Self.origin)], "action defaults to EPERM")
    }

    @Test func valueListMeansAnyOf() throws {
        let rules = try Self.parse([("syscall", .string("ioctl")), ("action", .string("errno:EACCES")),
                                    ("args", Self.condition([("index", .integer(1)), ("value", .array([.string("TIOCSTI"), .string("0x541C"), .integer(7)]))]))])
        #expect(rules.map(\.condition) == [
            ArgumentCondition(index: 1, op: .eq, value: 0x5412, mask: 0x5412),
            ArgumentCondition(index: 1, op: .eq, value: 0x541C, mask: 0x541C),
            ArgumentCondition(index: 1, op: .eq, value: 7, mask: 7),
        ])
        #expect(rules.allSatisfy { $0.action == .errno(Self.EACCES) && $0.syscall == "ioctl" })
    }

    /// masked_eq without a mask tests that the value's bits are set; with a mask, each value is compared
    /// under that mask. A list is "any of", one rule per value.
    @Test func maskedEqualSemantics() throws {
        let bits = try Self.parse([("syscall", .string("clone")),
                                   ("args", Self.condition([("index", .integer(0)), ("op", .string("masked_eq")),
                                                            ("value", .array([.string("CLONE_NEWUSER"), .string("CLONE_NEWNS")]))]))])
        #expect(bits.map(\.condition) == [
            ArgumentCondition(index: 0, op: .masked_eq, value: 0x1000_0000, mask: 0x1000_0000),
            ArgumentCondition(index: 0, op: .masked_eq, value: 0x0002_0000, mask: 0x0002_0000),
        ])
        let newuser = try #require(bits[0].condition)
        #expect(newuser.holds(for: [0x1000_0011, 0, 0, 0, 0, 0]))
        #expect(!newuser.holds(for: [0x11, 0, 0, 0, 0, 0]))

        let masked = try Self.parse([("syscall", .string("ioctl")),
                                     ("args", Self.condition([("index", .integer(1)), ("op", .string("masked_eq")), ("mask", .integer(0xFFFF_FFFF)),
                                                              ("value", .array([.string("TIOCSTI"), .string("TIOCLINUX")]))]))])
        #expect(masked.map(\.condition) == [
            ArgumentCondition(index: 1, op: .masked_eq, value: 0x5412, mask: 0xFFFF_FFFF),
            ArgumentCondition(index: 1, op: .masked_eq, value: 0x541C, mask: 0xFFFF_FFFF),
        ])
        let tiocsti = try #require(masked[0].condition)
        #expect(tiocsti.holds(for: [0, 0x5412, 0, 0, 0, 0]))
        #expect(tiocsti.holds(for: [0, 0xDEAD_0000_5412, 0, 0, 0, 0]))
        #expect(!tiocsti.holds(for: [0, 0x5413, 0, 0, 0, 0]))
    }

    @Test func operatorsHold() {
        func c(_ op: ArgumentCondition.Operator, _ v: UInt64) -> ArgumentCondition { ArgumentCondition(index: 0, op: op, value: v, mask: v) }
        let five: [UInt64] = [5, 0, 0, 0, 0, 0]
        #expect(c(.eq, 5).holds(for: five) && !c(.eq, 4).holds(for: five))
        #expect(c(.ne, 4).holds(for: five) && !c(.ne, 5).holds(for: five))
        #expect(c(.lt, 6).holds(for: five) && !c(.lt, 5).holds(for: five))
        #expect(c(.le, 5).holds(for: five) && !c(.le, 4).holds(for: five))
        #expect(c(.gt, 4).holds(for: five) && !c(.gt, 5).holds(for: five))
        #expect(c(.ge, 5).holds(for: five) && !c(.ge, 6).holds(for: five))
    }

    struct BadRule: Sendable, CustomTestStringConvertible {
        let label: String
        let pairs: [(String, ProfileValue)]
        let message: String
        let hint: String?
        init(_ label: String, _ pairs: [(String, ProfileValue)], _ message: String, _ hint: String?) {
            (self.label, self.pairs, self.message, self.hint) = (label, pairs, message, hint)
        }
        var testDescription: String { label }
    }

    static let badRules: [BadRule] = [
        BadRule("two conditions", [("syscall", .string("ioctl")),
                            ("args", .array([.table([("index", .integer(1)), ("value", .integer(1))]),
                                             .table([("index", .integer(2)), ("value", .integer(2))])]))],
         "a rule compares one argument; write several values as a list", nil),
        BadRule("unknown constant", [("syscall", .string("ioctl")),
                              ("args", condition([("index", .integer(1)), ("value", .string("TIOCSTII"))]))],
         "args.value: unknown constant 'TIOCSTII'", "did you mean 'TIOCSTI'?"),
        BadRule("unknown constant as mask", [("syscall", .string("ioctl")),
                                      ("args", condition([("index", .integer(1)), ("op", .string("masked_eq")), ("mask", .string("0xZZ")), ("value", .integer(1))]))],
         "args.mask: unknown constant '0xZZ'", nil),
        BadRule("masked_eq value outside its mask", [("syscall", .string("ioctl")),
                                             ("args", condition([("index", .integer(1)), ("op", .string("masked_eq")), ("mask", .string("0xf0")), ("value", .integer(0x0F))]))],
         "args: masked_eq value 0xf has bits outside mask 0xf0, so it never matches", "clear those bits from the value, or widen the mask"),
        BadRule("negative value", [("syscall", .string("ioctl")), ("args", condition([("index", .integer(1)), ("value", .integer(-1))]))],
         "args.value: expected a non-negative integer or a constant name", nil),
        BadRule("index out of range", [("syscall", .string("ioctl")), ("args", condition([("index", .integer(6)), ("value", .integer(1))]))],
         "args.index must be 0 to 5", nil),
        BadRule("unknown operator", [("syscall", .string("ioctl")), ("args", condition([("index", .integer(1)), ("op", .string("equals")), ("value", .integer(1))]))],
         "args.op must be one of eq, ne, lt, le, gt, ge, masked_eq", nil),
        BadRule("condition without index", [("syscall", .string("ioctl")), ("args", condition([("value", .integer(1))]))],
         "args: each condition needs index and value", nil),
        BadRule("unknown condition key", [("syscall", .string("ioctl")), ("args", condition([("index", .integer(1)), ("vaule", .integer(1))]))],
         "args: unknown key 'vaule'", nil),
        BadRule("condition not a table", [("syscall", .string("ioctl")), ("args", .array([.integer(1)]))],
         "args: expected tables", nil),
        BadRule("no syscall", [("action", .string("allow"))], "a rule needs syscall = \"NAME\"", nil),
        BadRule("unknown syscall", [("syscall", .string("ioctll"))], "unknown syscall 'ioctll' (did you mean 'ioctl'?)", nil),
        BadRule("group as syscall", [("syscall", .string("@mount"))], "group", nil),
        BadRule("unknown rule key", [("syscall", .string("ioctl")), ("sycall", .string("x"))], "unknown key 'sycall'", "did you mean 'syscall'?"),
        BadRule("unknown action", [("syscall", .string("ioctl")), ("action", .string("deny"))], "unknown action 'deny'", nil),
        BadRule("syscall not a string", [("syscall", .integer(16))], "syscall: expected a string, found an integer", nil),
    ]

    @Test("a bad rule fails with its path and origin", arguments: badRules)
    func badRule(_ c: BadRule) {
        let (label, pairs, message, hint) = (c.label, c.pairs, c.message, c.hint)
        let error = #expect(throws: SandboxError.self, "\(label)") { try Self.parse(pairs) }
        #expect(error?.stage == "t.toml:4: seccomp.rules[0]", "\(label)")
        #expect(error?.message.contains(message) == true, "\(label): \(String(describing: error))")
        if let hint { #expect(error?.hint == hint, "\(label): \(String(describing: error))") }
    }
}
