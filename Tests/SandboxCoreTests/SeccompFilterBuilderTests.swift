import CSandboxSpawn
import CSeccomp
import CSandboxSys
import Glibc
import Testing
@testable import SandboxCore

/// The BPF builder against libseccomp: the same decisions compiled by both, then run through the
/// interpreter for every syscall number and, where rules apply, for argument values around each
/// comparison. libseccomp is the reference here (it built sandbox's filters before the builder did).
@Suite("Seccomp filter builder")
struct SeccompFilterBuilderTests {
    typealias Ret = BPFInterpreter.Ret
    static let nativeArch = BPFInterpreter.auditArchX86_64

    /// libseccomp's program for the same per-number decisions: filter default ENOSYS, one rule per
    /// condition, and the fallback as a comparison that always holds (libseccomp's way to keep the
    /// conditional rules: an unconditional rule would replace them). Needs one argument per syscall.
    static func reference(_ native: ABIPolicy) throws -> BPFInterpreter {
        let ctx = try #require(seccomp_init(native.unknown))
        defer { seccomp_release(ctx) }
        #expect(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, Ret.killProcess) == 0)
        for (nr, decision) in native.decisions {
            if decision.rules.isEmpty {
                if decision.fallback != native.unknown { #expect(seccomp_rule_add_array(ctx, decision.fallback, Int32(nr), 0, nil) == 0) }
                continue
            }
            for rule in decision.rules {
                var cmp = comparison(rule.condition)
                #expect(seccomp_rule_add_array(ctx, rule.action, Int32(nr), 1, &cmp) == 0)
            }
            var always = scmp_arg_cmp(arg: UInt32(decision.rules[0].condition.index), op: SCMP_CMP_GE, datum_a: 0, datum_b: 0)
            // EEXIST: a rule already compares `>= 0` (it always holds, so the fallback is never reached).
            let rc = seccomp_rule_add_array(ctx, decision.fallback, Int32(nr), 1, &always)
            #expect(rc == 0 || (rc == -EEXIST && decision.rules.contains { $0.condition.op == .ge && $0.condition.value == 0 }))
        }
        let fd = sbx_memfd("reference-bpf")
        defer { close(fd) }
        #expect(seccomp_export_bpf(ctx, fd) == 0)
        let size = Int(lseek(fd, 0, SEEK_CUR))
        var program = [sock_filter](repeating: sock_filter(), count: size / 8)
        _ = program.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        return BPFInterpreter(instructions: program)
    }

    static func comparison(_ c: ArgumentCondition) -> scmp_arg_cmp {
        let ops: [ArgumentCondition.Operator: scmp_compare] = [.eq: SCMP_CMP_EQ, .ne: SCMP_CMP_NE, .lt: SCMP_CMP_LT, .le: SCMP_CMP_LE,
                                                               .gt: SCMP_CMP_GT, .ge: SCMP_CMP_GE, .masked_eq: SCMP_CMP_MASKED_EQ]
        return c.op == .masked_eq
            ? scmp_arg_cmp(arg: UInt32(c.index), op: ops[c.op]!, datum_a: c.mask, datum_b: c.value)
            : scmp_arg_cmp(arg: UInt32(c.index), op: ops[c.op]!, datum_a: c.value, datum_b: 0)
    }

    /// Values on both sides of every comparison, in both 32-bit words.
    static func probes(_ decision: SyscallDecision) -> [UInt64] {
        var values: Set<UInt64> = [0, 1, UInt64.max, 0xFFFF_FFFF, 0x1_0000_0000, 0x8000_0000_0000_0000]
        for rule in decision.rules {
            for v in [rule.condition.value, rule.condition.mask] {
                values.formUnion([v, v &+ 1, v &- 1, v | 0x1_0000_0000, v & 0xFFFF_FFFF, v &+ 0x1_0000_0000, v &- 0x1_0000_0000])
            }
        }
        return values.sorted()
    }

    /// Every native number (and the x32 and i386 ABIs) gives the same action under both programs.
    static func expectSameAsReference(_ settings: SeccompSettings, _ name: String) throws {
        let program = try SeccompCompiler.compile(settings, notifySocketFD: 3)
        let ours = BPFInterpreter(program)
        let native = try SeccompCompiler.nativePolicy(settings, notifySocketFD: 3)
        let reference = try reference(native)
        var compared = 0
        for nr in Int32(0)..<600 {
            let decision = native.decision(for: UInt32(nr)) ?? SyscallDecision(native.unknown)
            let argumentSets: [[UInt64]] = decision.rules.isEmpty ? [[]] : probes(decision).map { value in
                var args = [UInt64](repeating: 0, count: 6)
                args[decision.rules[0].condition.index] = value
                return args
            }
            for args in argumentSets {
                let got = try ours.run(nr: nr, args: args), want = try reference.run(nr: nr, args: args)
                #expect(got == want, "\(name): syscall \(nr) args \(args): ours 0x\(String(got, radix: 16)), libseccomp 0x\(String(want, radix: 16))")
                compared += 1
            }
        }
        for nr: Int32 in [0x4000_0000, 0x4000_0001, -1] {
            #expect(try ours.run(nr: nr) == reference.run(nr: nr), "\(name): x32/negative number \(nr)")
        }
        #expect(try ours.run(nr: 3, arch: BPFInterpreter.auditArchI386) == Ret.killProcess, "\(name): i386 is not listed")
        #expect(compared >= 600)
    }

    @Test(arguments: ["default", "strict", "build", "audit"])
    func builtinProfilesMatchLibseccomp(_ name: String) throws {
        var settings = try builtin(name).seccomp
        settings.enabled = true
        try Self.expectSameAsReference(settings, name)
    }

    /// Sharing the returns keeps every action: the shared and the unshared program return the same for
    /// every syscall number of both ABIs and the x32 range and for a foreign architecture, and, where a
    /// number's path reads its arguments, with each argument set to each constant the checks compare
    /// with; and it is shorter.
    @Test(arguments: ["default", "strict", "build", "audit", "ci"])
    func sharedReturnsKeepEveryAction(_ name: String) throws {
        let settings = try builtin(name).seccomp
        let shared = try SeccompCompiler.compile(settings, notifySocketFD: 4).instructions
        let unshared = try SeccompCompiler.unsharedInstructions(settings, notifySocketFD: 4)
        #expect(shared.count < unshared.count, "\(shared.count) instructions against \(unshared.count)")
        let a = BPFInterpreter(shared), b = BPFInterpreter(unshared)
        // What the argument checks compare with: the constant of each jump right after a load of an argument.
        let constants = Array(Set(unshared.indices.dropFirst().filter { i in
            unshared[i].code & 0x07 == 0x05 && unshared[i - 1].code == 0x20 && unshared[i - 1].k >= 16
        }.map { UInt64(unshared[$0].k) })).sorted()
        let numbers = (0..<Int32(600)).map { $0 } + (0..<Int32(600)).map { $0 | 0x4000_0000 } + [-1]
        for arch in [BPFInterpreter.auditArchX86_64, BPFInterpreter.auditArchI386, 0xC000_00B7] {
            for nr in numbers {
                let x = try a.run(nr: nr, arch: arch), y = try b.run(nr: nr, arch: arch)
                if x != y { Issue.record("nr \(nr) arch \(arch): \(x) against \(y)"); return }
                // The arguments, where the number's path reads them.
                guard (try? b.run(nr: nr, arch: arch, onlyNumberAndArch: true)) == nil else { continue }
                for position in 0..<6 {
                    for k in constants {
                        var args = [UInt64](repeating: 0, count: 6)
                        args[position] = k
                        let x = try a.run(nr: nr, args: args, arch: arch), y = try b.run(nr: nr, args: args, arch: arch)
                        if x != y { Issue.record("nr \(nr) arch \(arch) args \(args): \(x) against \(y)"); return }
                    }
                }
            }
        }
    }

    @Test func everyOperatorMatchesLibseccomp() throws {
        let values: [UInt64] = [0, 7, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0007, 0xFFFF_FFFF_FFFF_FFFF]
        for op in ArgumentCondition.Operator.allCases {
            for value in values {
                let mask: UInt64 = op == .masked_eq ? (value | 0xF0) : 0
                let condition = ArgumentCondition(index: 2, op: op, value: op == .masked_eq ? value & mask : value, mask: mask)
                let rule = SeccompRule(syscall: "ioctl", action: .errno(13), condition: condition, origin: Origin("t.toml", line: 1))
                let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: [],
                                               absent: [], rules: [rule], architectures: ["native"], notify: false)
                try Self.expectSameAsReference(settings, "\(op) \(value)")
            }
        }
    }

    /// Rules on different arguments of one syscall (which libseccomp could not order) are checked in the
    /// order written.
    @Test func rulesOnDifferentArgumentsApplyInOrder() throws {
        let ioctl = try #require(SyscallTable.number(of: "ioctl"))
        let first = SeccompRule(syscall: "ioctl", action: .errno(13), condition: ArgumentCondition(index: 1, op: .eq, value: 5, mask: 0),
                                origin: Origin("r.toml", line: 2))
        let second = SeccompRule(syscall: "ioctl", action: .errno(1), condition: ArgumentCondition(index: 2, op: .gt, value: 9, mask: 0),
                                 origin: Origin("r.toml", line: 7))
        let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: [], absent: [],
                                       rules: [first, second], architectures: ["native"], notify: false)
        let bpf = BPFInterpreter(try SeccompCompiler.compile(settings, notifySocketFD: nil))
        #expect(try bpf.run(nr: ioctl, args: [0, 5, 10]) == Ret.errno(13), "both hold: the first decides")
        #expect(try bpf.run(nr: ioctl, args: [0, 4, 10]) == Ret.errno(1))
        #expect(try bpf.run(nr: ioctl, args: [0, 4, 9]) == Ret.allow)
    }

    /// The shortcuts of the argument compiler: one-bit tests merged into one BPF_JSET, words whose mask
    /// leaves nothing to compare skipped; each against libseccomp's program, and with the instruction
    /// counts they exist for.
    @Test func argumentShortcutsMatchLibseccomp() throws {
        func rule(_ index: Int, _ op: ArgumentCondition.Operator, _ value: UInt64, mask: UInt64 = 0) -> SeccompRule {
            SeccompRule(syscall: "clone", action: .errno(1), condition: ArgumentCondition(index: index, op: op, value: value, mask: mask),
                        origin: Origin("s.toml", line: 1))
        }
        func program(_ rules: [SeccompRule], _ name: String) throws -> [sock_filter] {
            let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: [], absent: [],
                                           rules: rules, architectures: ["native"], notify: false)
            try Self.expectSameAsReference(settings, name)
            return try SeccompCompiler.compile(settings, notifySocketFD: nil).instructions
        }
        // The same program with one full 64-bit comparison (5 instructions) in the rules' place.
        let base = try program([rule(0, .eq, 7)], "one eq").count - 5
        // Seven one-bit tests of argument 0 with one action: load, jset, return.
        let bits: [UInt64] = [0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000]
        let merged = try program(bits.map { rule(0, .masked_eq, $0, mask: $0) }, "merged bits")
        #expect(merged.count == base + 3)
        #expect(merged.contains { $0.code == 0x45 }, "BPF_JMP|BPF_JSET")
        // Not merged across an argument, or with a test of two bits at once or of a high-word bit.
        _ = try program([rule(0, .masked_eq, 0x100, mask: 0x100), rule(1, .masked_eq, 0x400, mask: 0x400),
                         rule(0, .masked_eq, 0x1800, mask: 0x1800), rule(0, .masked_eq, 0x1_0000_0000, mask: 0x1_0000_0000)],
                        "unmergeable")
        // A low-word mask of all ones needs no AND, a zero high mask no high-word check: load, jeq, return.
        #expect(try program([rule(1, .masked_eq, 0x5412, mask: 0xFFFF_FFFF)], "low word only").count == base + 3)
        _ = try program([rule(2, .masked_eq, 0, mask: 0), rule(2, .masked_eq, 0x1_0000_0000, mask: 0xFFFF_0000_0000_0000)], "zero masks")
    }

    /// First match wins, also between one-bit tests with different actions (they are not merged).
    @Test func oneBitTestsWithDifferentActionsKeepTheirOrder() throws {
        let clone = try #require(SyscallTable.number(of: "clone"))
        func rule(_ bit: UInt64, _ errno: Int32) -> SeccompRule {
            SeccompRule(syscall: "clone", action: .errno(errno), condition: ArgumentCondition(index: 0, op: .masked_eq, value: bit, mask: bit),
                        origin: Origin("o.toml", line: 1))
        }
        let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: [], absent: [],
                                       rules: [rule(0x100, 1), rule(0x200, 13), rule(0x400, 1)], architectures: ["native"], notify: false)
        let bpf = BPFInterpreter(try SeccompCompiler.compile(settings, notifySocketFD: nil))
        #expect(try bpf.run(nr: clone, args: [0x300]) == Ret.errno(1))
        #expect(try bpf.run(nr: clone, args: [0x600]) == Ret.errno(13))
        #expect(try bpf.run(nr: clone, args: [0x400]) == Ret.errno(1))
        #expect(try bpf.run(nr: clone, args: [0x800]) == Ret.allow)
    }

    /// Enough rules that the binary search's jumps pass 255 instructions (BPF's conditional reach).
    @Test func longProgramsJumpFarCorrectly() throws {
        let names = ["ioctl", "fcntl", "prctl", "socket", "setsockopt", "madvise", "mprotect", "clone", "personality", "kill"]
        var rules: [SeccompRule] = []
        for (i, name) in names.enumerated() {
            for v in 0..<20 {
                rules.append(SeccompRule(syscall: name, action: .errno(Int32(1 + (v + i) % 30)),
                                         condition: ArgumentCondition(index: 1, op: .eq, value: UInt64(v * 3 + i), mask: 0), origin: Origin("l.toml", line: v)))
            }
        }
        let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: ["mount"], absent: [],
                                       rules: rules, architectures: ["native"], notify: false)
        let program = try SeccompCompiler.compile(settings, notifySocketFD: nil)
        #expect(program.instructions.count > 1000)
        #expect(program.instructions.contains { $0.code == 0x05 }, "uses BPF_JA for far targets")
        try Self.expectSameAsReference(settings, "long")
    }

    /// The enumeration stops after a run of unknown numbers; nothing libseccomp knows may lie past it.
    @Test(arguments: [UInt32(0), SeccompArchitectures.tokens["x32"]!, BPFInterpreter.auditArchI386, SeccompArchitectures.tokens["aarch64"]!])
    func syscallTablesMissNothing(_ arch: UInt32) {
        let table = arch == 0 ? SyscallTable.native : SyscallTable.table(forArchitecture: arch)
        let base: Int32 = arch == SeccompArchitectures.tokens["x32"] ? 0x4000_0000 : 0
        let token = arch == 0 ? seccomp_arch_native() : arch
        let everything = (base..<base + 4096).filter { nr in
            guard let name = seccomp_syscall_resolve_num_arch(token, nr) else { return false }
            free(name)
            return true
        }
        #expect(table.map(\.nr) == everything)
        #expect(table.count > 300)
    }

    /// Allowed syscalls without argument rules decide on the number alone, so the kernel's action cache
    /// lets them skip the filter (what keeps read/write-heavy commands fast).
    @Test(arguments: ["default", "strict", "build"])
    func allowedSyscallsWithoutRulesAreConstant(_ name: String) throws {
        let settings = try builtin(name).seccomp
        let bpf = BPFInterpreter(try SeccompCompiler.compile(settings, notifySocketFD: 3))
        let native = try SeccompCompiler.nativePolicy(settings, notifySocketFD: 3)
        var constant = 0
        for (nr, decision) in native.decisions where decision.rules.isEmpty {
            #expect(try bpf.run(nr: Int32(nr), onlyNumberAndArch: true) == decision.fallback, "\(name): syscall \(nr)")
            constant += 1
        }
        for syscall in ["read", "write", "close", "getpid"] {
            let nr = try #require(SyscallTable.number(of: syscall))
            #expect(try bpf.run(nr: nr, onlyNumberAndArch: true) == Ret.allow, "\(name): \(syscall)")
        }
        #expect(constant > 300)
        // ioctl has argument rules in every built-in profile: its path must read an argument.
        #expect(throws: BPFInterpreter.Failure.self) { try bpf.run(nr: try #require(SyscallTable.number(of: "ioctl")), onlyNumberAndArch: true) }
    }

    /// A profile whose rules need more than BPF_MAXINSNS instructions is refused with one line.
    @Test func tooManyRulesAreAnError() throws {
        let rules = (0..<1000).map { v in
            SeccompRule(syscall: "ioctl", action: .errno(1), condition: ArgumentCondition(index: 1, op: .eq, value: UInt64(v), mask: 0),
                        origin: Origin("many.toml", line: v))
        }
        let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(1), allow: [], deny: [], absent: [],
                                       rules: rules, architectures: ["native"], notify: false)
        let error = #expect(throws: SandboxError.self) { try SeccompCompiler.compile(settings, notifySocketFD: nil) }
        #expect(error?.exitStatus == 125)
        #expect(error?.description.contains("the kernel takes at most 4096") == true, "\(String(describing: error))")
    }

    @Test func x32AndI386WhenListed() throws {
        var settings = try builtin("default").seccomp
        settings.architectures = ["native", "x32", "i386"]
        let bpf = BPFInterpreter(try SeccompCompiler.compile(settings, notifySocketFD: nil))
        let x32Read = try #require(SyscallTable.table(forArchitecture: SeccompArchitectures.tokens["x32"]!).first { $0.name == "read" }?.nr)
        #expect(try bpf.run(nr: x32Read) == Ret.allow)
        let i386 = SyscallTable.table(forArchitecture: BPFInterpreter.auditArchI386)
        let number = { (name: String) in i386.first { $0.name == name }!.nr }
        #expect(try bpf.run(nr: number("getpid"), arch: BPFInterpreter.auditArchI386) == Ret.allow)
        #expect(try bpf.run(nr: number("mount"), arch: BPFInterpreter.auditArchI386) == Ret.errno(1))
        // socketcall reaches socket(), which default checks by argument (no namespaces through clone is
        // another syscall): the multiplexer gets the strictest action of what it reaches.
        var noSockets = settings
        noSockets.deny.append("socket")
        let denying = BPFInterpreter(try SeccompCompiler.compile(noSockets, notifySocketFD: nil))
        #expect(try denying.run(nr: number("socketcall"), arch: BPFInterpreter.auditArchI386) == Ret.errno(1))
        #expect(try bpf.run(nr: number("socketcall"), arch: BPFInterpreter.auditArchI386) == Ret.allow)
        #expect(try bpf.run(nr: 0, arch: 0xC000_00B7) == Ret.killProcess, "aarch64 is not listed")
    }
}

extension BPFInterpreter {
    init(instructions: [sock_filter]) {
        program = instructions.map { ($0.code, $0.jt, $0.jf, $0.k) }
    }
}
