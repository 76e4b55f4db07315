import CSandboxSpawn
@testable import SandboxCore

/// A classic-BPF interpreter for seccomp programs, so that unit tests can ask what a compiled filter
/// returns for a syscall without installing it (installing happens only in the integration suite, in a
/// child process). It runs over `struct seccomp_data` as the kernel lays it out on a little-endian
/// machine: nr at 0, arch at 4, instruction_pointer at 8, args[i] at 16 + 8 * i.
struct BPFInterpreter {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// SECCOMP_RET_* (the action is the high 16 bits, the data the low 16).
    enum Ret {
        static let killProcess: UInt32 = 0x8000_0000
        static let killThread: UInt32 = 0x0000_0000
        static let trap: UInt32 = 0x0003_0000
        static let errno: UInt32 = 0x0005_0000
        static let userNotif: UInt32 = 0x7FC0_0000
        static let log: UInt32 = 0x7FFC_0000
        static let allow: UInt32 = 0x7FFF_0000
        static func errno(_ e: Int32) -> UInt32 { errno | UInt32(e) }
    }

    static let auditArchX86_64: UInt32 = 0xC000_003E
    static let auditArchI386: UInt32 = 0x4000_0003

    /// (code, jt, jf, k) for each instruction.
    let program: [(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)]

    init(_ program: SeccompProgram) {
        self.init(program.instructions)
    }

    init(_ instructions: [sock_filter]) {
        self.program = instructions.map { ($0.code, $0.jt, $0.jf, $0.k) }
    }

    /// What the filter returns for syscall `nr` with `args` (missing ones are 0) on ABI `arch`.
    /// With `onlyNumberAndArch`, reading the instruction pointer or an argument is an error: the kernel's
    /// per-syscall action cache (`seccomp_is_const_allow`) evaluates filters that way, and only a number
    /// whose path reads neither can skip the filter.
    func run(nr: Int32, args: [UInt64] = [], arch: UInt32 = auditArchX86_64, ip: UInt64 = 0, onlyNumberAndArch: Bool = false) throws -> UInt32 {
        var data = [UInt8](repeating: 0, count: 64)
        func put32(_ v: UInt32, at offset: Int) { for i in 0..<4 { data[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
        func put64(_ v: UInt64, at offset: Int) { put32(UInt32(truncatingIfNeeded: v), at: offset); put32(UInt32(truncatingIfNeeded: v >> 32), at: offset + 4) }
        put32(UInt32(bitPattern: nr), at: 0)
        put32(arch, at: 4)
        put64(ip, at: 8)
        for (i, a) in args.prefix(6).enumerated() { put64(a, at: 16 + 8 * i) }
        func load(_ offset: UInt32) throws -> UInt32 {
            guard offset % 4 == 0, offset + 4 <= 64 else { throw Failure(description: "load outside seccomp_data at \(offset)") }
            if onlyNumberAndArch && offset >= 8 { throw Failure(description: "reads seccomp_data at \(offset)") }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[Int(offset) + $1]) << (8 * UInt32($1)) }
        }

        var a: UInt32 = 0, x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        var steps = 0
        while pc < program.count {
            steps += 1
            guard steps <= 100_000 else { throw Failure(description: "no return after 100000 steps") }
            let (code, jt, jf, k) = program[pc]
            pc += 1
            let cls = code & 0x07
            switch cls {
            case 0x00, 0x01: // LD, LDX
                let value: UInt32
                switch code & 0xE0 {
                case 0x00: value = k                         // IMM
                case 0x20 where cls == 0x00: value = try load(k) // ABS
                case 0x60: value = memory[Int(k & 15)]       // MEM
                case 0x80: value = 64                        // LEN
                default: throw Failure(description: "unsupported load 0x\(String(code, radix: 16))")
                }
                guard code & 0x18 == 0x00 else { throw Failure(description: "load of size other than a word") }
                if cls == 0x00 { a = value } else { x = value }
            case 0x02: memory[Int(k & 15)] = a             // ST
            case 0x03: memory[Int(k & 15)] = x             // STX
            case 0x04: // ALU
                let operand = code & 0x08 != 0 ? x : k
                switch code & 0xF0 {
                case 0x00: a = a &+ operand
                case 0x10: a = a &- operand
                case 0x20: a = a &* operand
                case 0x30: guard operand != 0 else { return 0 }; a /= operand
                case 0x40: a |= operand
                case 0x50: a &= operand
                case 0x60: a = operand >= 32 ? 0 : a << operand
                case 0x70: a = operand >= 32 ? 0 : a >> operand
                case 0x80: a = 0 &- a
                case 0xA0: a ^= operand
                default: throw Failure(description: "unsupported ALU op 0x\(String(code, radix: 16))")
                }
            case 0x05: // JMP
                if code & 0xF0 == 0x00 { pc += Int(k); continue } // JA
                let operand = code & 0x08 != 0 ? x : k
                let taken: Bool
                switch code & 0xF0 {
                case 0x10: taken = a == operand
                case 0x20: taken = a > operand
                case 0x30: taken = a >= operand
                case 0x40: taken = a & operand != 0
                default: throw Failure(description: "unsupported jump 0x\(String(code, radix: 16))")
                }
                pc += Int(taken ? jt : jf)
            case 0x06: // RET
                return code & 0x18 == 0x10 ? a : k
            case 0x07: // MISC
                if code & 0xF8 == 0x00 { x = a } else { a = x } // TAX / TXA
            default:
                throw Failure(description: "unknown class")
            }
        }
        throw Failure(description: "ran off the end of the program")
    }
}
