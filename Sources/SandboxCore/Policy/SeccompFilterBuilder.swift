import CSandboxSpawn

/// What a filter does with the syscalls of one number: argument rules checked in order (the first that
/// holds gives its action), then `fallback`. Actions are SECCOMP_RET_* values.
struct SyscallDecision: Equatable {
    var rules: [(condition: ArgumentCondition, action: UInt32)]
    var fallback: UInt32

    init(_ fallback: UInt32, rules: [(condition: ArgumentCondition, action: UInt32)] = []) {
        self.rules = rules
        self.fallback = fallback
    }

    static func == (a: SyscallDecision, b: SyscallDecision) -> Bool {
        a.fallback == b.fallback && a.rules.count == b.rules.count
            && zip(a.rules, b.rules).allSatisfy { $0.condition == $1.condition && $0.action == $1.action }
    }
}

/// The decisions for one ABI: every number in `decisions` gets its own; every other number (newer than
/// the table, or a gap in it) gets `unknown`.
struct ABIPolicy {
    /// AUDIT_ARCH_* of the ABI (seccomp_data.arch).
    var auditArch: UInt32
    /// Sorted by number (the syscall tables come sorted, so `set` mostly appends).
    private(set) var decisions: [(nr: UInt32, decision: SyscallDecision)] = []
    var unknown: UInt32

    init(auditArch: UInt32, unknown: UInt32) {
        self.auditArch = auditArch
        self.unknown = unknown
    }

    mutating func set(_ nr: UInt32, _ decision: SyscallDecision) {
        let index = firstIndex(notBelow: nr)
        if index < decisions.count && decisions[index].nr == nr {
            decisions[index].decision = decision
        } else {
            decisions.insert((nr, decision), at: index)
        }
    }

    func decision(for nr: UInt32) -> SyscallDecision? {
        let index = firstIndex(notBelow: nr)
        return index < decisions.count && decisions[index].nr == nr ? decisions[index].decision : nil
    }

    private func firstIndex(notBelow nr: UInt32) -> Int {
        if let last = decisions.last, last.nr < nr { return decisions.count }
        var low = 0, high = decisions.count
        while low < high {
            let mid = (low + high) / 2
            if decisions[mid].nr < nr { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Builds the classic-BPF program of a seccomp filter from per-ABI decisions.
///
/// The program checks the ABI (anything not listed gets `badArch`), then finds the syscall number by
/// binary search over ranges of numbers that share a decision, so a syscall costs about log2(ranges)
/// comparisons, and only numbers with argument rules ever load an argument (the kernel's per-number
/// action cache then skips the filter for every other allowed syscall). Every path ends in a return, so
/// code only ever jumps forward into a subtree, as BPF requires.
///
/// libseccomp built these programs before; it took about 3 ms per launch for the ~370 rules of the
/// default profile (its rule database is built for incremental edits), against microseconds here. The
/// unit tests check this builder against libseccomp's output, syscall by syscall.
enum SeccompFilterBuilder {
    /// The x32 ABI shares x86_64's AUDIT_ARCH and sets this bit in the syscall number.
    static let x32SyscallBit: UInt32 = 0x4000_0000
    static let auditArchX86_64: UInt32 = 0xC000_003E

    /// `native` is matched first; an x86_64 policy also decides what numbers with the x32 bit get:
    /// `x32`'s decisions when that ABI is listed, `badArch` otherwise.
    static func build(native: ABIPolicy, x32: ABIPolicy?, others: [ABIPolicy], badArch: UInt32) throws -> [sock_filter] {
        sharingReturns(try unshared(native: native, x32: x32, others: others, badArch: badArch))
    }

    /// The program as laid out, a `ret` at each leaf (`build` then shares them).
    static func unshared(native: ABIPolicy, x32: ABIPolicy?, others: [ABIPolicy], badArch: UInt32) throws -> [sock_filter] {
        var nativeBlock = [Instruction.load(offset: nrOffset)]
        if native.auditArch == auditArchX86_64 {
            let low = dispatch(native)
            // -1 is no syscall (a tracer's "skip"): it gets what unknown numbers get, as in libseccomp.
            let high: [Instruction] = [.jump(.jeq, UInt32.max, jt: 0, jf: 1), .ret(native.unknown)]
                + (x32.map { dispatch($0) } ?? [.ret(badArch)])
            nativeBlock += jump(if: .jge, x32SyscallBit, over: low) + low + high
        } else {
            nativeBlock += dispatch(native)
        }
        // One ABI after the other: load the arch, and either enter its block or skip it.
        var code: [Instruction] = []
        for (arch, block) in [(native.auditArch, nativeBlock)] + others.map({ ($0.auditArch, [.load(offset: nrOffset)] + dispatch($0)) }) {
            code.append(.load(offset: archOffset))
            code += block.count <= Int(UInt8.max)
                ? [.jump(.jeq, arch, jt: 0, jf: UInt8(block.count))]
                : [.jump(.jeq, arch, jt: 1, jf: 0), .always(UInt32(block.count))]
            code += block
        }
        code.append(.ret(badArch))
        guard code.count <= maxInstructions else {
            throw SandboxError(.usage, "seccomp", "the filter needs \(code.count) instructions; the kernel takes at most \(maxInstructions)",
                               hint: "use fewer argument rules or fewer architectures")
        }
        return code.map(\.raw)
    }

    // MARK: - Shared returns

    /// The same program with one `ret` per action: the dispatch tree ends each leaf in a `ret` of its own
    /// (73 of the default filter's 165 instructions, most of them `ret ALLOW`), and every instruction costs
    /// the kernel at each seccomp(2) (the JIT, the per-syscall action cache: about 0.5 µs). Each jump to a
    /// `ret` that appears more than once goes to one copy of it at the end instead, when that is within a
    /// conditional jump's reach (255), and what no path reaches any more is dropped. Only jumps change
    /// their targets, to an instruction that does the same, so every input gets the same action.
    static func sharingReturns(_ code: [sock_filter]) -> [sock_filter] {
        func isReturn(_ i: sock_filter) -> Bool { i.code == 0x06 }
        func isAlways(_ i: sock_filter) -> Bool { i.code == 0x05 }
        func isConditional(_ i: sock_filter) -> Bool { i.code & 0x07 == 0x05 && !isAlways(i) }
        var uses: [UInt32: Int] = [:]
        for i in code where isReturn(i) { uses[i.k, default: 0] += 1 }
        let shared = uses.filter { $0.value > 1 }.keys.sorted()
        guard !shared.isEmpty else { return code }
        let n = code.count
        let sharedIndex = Dictionary(uniqueKeysWithValues: shared.enumerated().map { ($1, n + $0) })
        // Absolute targets: [true, false] for a conditional jump, [target] for BPF_JA.
        var targets: [[Int]] = code.enumerated().map { i, insn in
            if isConditional(insn) { return [i + 1 + Int(insn.jt), i + 1 + Int(insn.jf)] }
            if isAlways(insn) { return [i + 1 + Int(insn.k)] }
            return []
        }
        for i in 0..<n where isConditional(code[i]) {
            for b in 0..<2 {
                let t = targets[i][b]
                if t < n, isReturn(code[t]), let s = sharedIndex[code[t].k], s - i - 1 <= Int(UInt8.max) { targets[i][b] = s }
            }
        }
        let all = code + shared.map { sock_filter(code: 0x06, jt: 0, jf: 0, k: $0) }
        targets += shared.map { _ in [] }
        // Reachable from the first instruction: jumps, and the fall-through of everything but jumps and rets.
        var reached = [Bool](repeating: false, count: all.count)
        var pending = [0]
        while let i = pending.popLast() {
            guard i < all.count, !reached[i] else { continue }
            reached[i] = true
            let insn = all[i]
            if isConditional(insn) || isAlways(insn) { pending += targets[i] } else if !isReturn(insn) { pending.append(i + 1) }
        }
        var newIndex = [Int](repeating: -1, count: all.count)
        var kept = 0
        for i in all.indices where reached[i] {
            newIndex[i] = kept
            kept += 1
        }
        var result: [sock_filter] = []
        result.reserveCapacity(kept)
        for i in all.indices where reached[i] {
            var insn = all[i]
            let from = newIndex[i] + 1
            if isConditional(insn) {
                insn.jt = UInt8(newIndex[targets[i][0]] - from)
                insn.jf = UInt8(newIndex[targets[i][1]] - from)
            } else if isAlways(insn) {
                insn.k = UInt32(newIndex[targets[i][0]] - from)
            }
            result.append(insn)
        }
        return result
    }

    // MARK: - Dispatch on the syscall number

    /// A run of consecutive numbers [start, end) with one decision.
    struct Range {
        var start: UInt32
        var end: UInt32
        var decision: SyscallDecision
    }

    /// The number-space of one ABI (below the x32 bit, or above it for x32) as ranges.
    static func ranges(_ abi: ABIPolicy) -> [Range] {
        let unknown = SyscallDecision(abi.unknown)
        var result: [Range] = []
        var next: UInt32 = 0
        for (nr, decision) in abi.decisions {
            if nr > next { append(Range(start: next, end: nr, decision: unknown), to: &result) }
            append(Range(start: nr, end: nr + 1, decision: decision), to: &result)
            next = nr + 1
        }
        append(Range(start: next, end: UInt32.max, decision: unknown), to: &result)
        return result
    }

    private static func append(_ range: Range, to ranges: inout [Range]) {
        if let last = ranges.last, last.end == range.start, last.decision == range.decision, range.decision.rules.isEmpty {
            ranges[ranges.count - 1].end = range.end
        } else {
            ranges.append(range)
        }
    }

    /// Binary search over the ranges; expects the syscall number in the accumulator.
    static func dispatch(_ abi: ABIPolicy) -> [Instruction] {
        let all = ranges(abi)
        func tree(_ slice: ArraySlice<Range>) -> [Instruction] {
            if slice.count == 1 { return decide(slice.first!.decision) }
            let mid = slice.startIndex + slice.count / 2
            let low = tree(slice[..<mid])
            let high = tree(slice[mid...])
            // nr >= start of the upper half: skip the lower half's code.
            return jump(if: .jge, slice[mid].start, over: low) + low + high
        }
        return tree(all[...])
    }

    /// The rules of one number, then its fallback. Each rule loads the argument it compares (the syscall
    /// number in the accumulator is not needed past this point).
    ///
    /// Adjacent rules that each test one bit of the same argument's low word, with the same action, become
    /// one test of their union (`clone` with any of seven namespace flags: 3 instructions, not 49). Order
    /// is kept: they are adjacent, and any of them holding gives the same action.
    static func decide(_ decision: SyscallDecision) -> [Instruction] {
        var code: [Instruction] = []
        let rules = decision.rules
        var i = 0
        while i < rules.count {
            let (condition, action) = rules[i]
            if var bits = singleLowBit(condition) {
                var next = i + 1
                while next < rules.count, rules[next].action == action, rules[next].condition.index == condition.index,
                      let bit = singleLowBit(rules[next].condition) {
                    bits |= bit
                    next += 1
                }
                code += [.load(offset: argumentOffset(condition.index)), .jump(.jset, bits, jt: 0, jf: 1), .ret(action)]
                i = next
                continue
            }
            code += compare(condition, matchAction: action)
            i += 1
        }
        code.append(.ret(decision.fallback))
        return code
    }

    /// The bit a `masked_eq` rule tests when it is "this one bit of the low word is set" (mask = value =
    /// one bit below 2^32), else nil.
    static func singleLowBit(_ c: ArgumentCondition) -> UInt32? {
        guard c.op == .masked_eq, c.value == c.mask, c.mask >> 32 == 0, c.mask.nonzeroBitCount == 1 else { return nil }
        return UInt32(c.mask)
    }

    /// Code that returns `matchAction` when the 64-bit condition holds and falls through otherwise.
    /// Arguments are two 32-bit words (seccomp_data on a little-endian machine: low word first).
    static func compare(_ c: ArgumentCondition, matchAction: UInt32) -> [Instruction] {
        let low = argumentOffset(c.index), high = low + 4
        let hv = UInt32(truncatingIfNeeded: c.value >> 32), lv = UInt32(truncatingIfNeeded: c.value)
        // Layout: high-word checks, low-word checks, `ret matchAction`, then the next rule. Jump offsets
        // count from the instruction after the jump.
        switch c.op {
        case .ne:
            // Either word differs -> match.
            return [.load(offset: high), .jump(.jeq, hv, jt: 0, jf: 2), .load(offset: low), .jump(.jeq, lv, jt: 1, jf: 0),
                    .ret(matchAction)]
        case .eq, .masked_eq:
            // Both words equal (under the mask) -> match. A word is checked only when its mask leaves
            // something to compare: with mask 0 it always equals 0 (never anything else), and an all-ones
            // mask needs no AND. (The ioctl rule compares the low word only: 3 instructions, not 7.)
            let masked = c.op == .masked_eq
            var words: [(offset: UInt32, mask: UInt32, value: UInt32)] = []
            for word in [(high, masked ? UInt32(truncatingIfNeeded: c.mask >> 32) : .max, hv),
                         (low, masked ? UInt32(truncatingIfNeeded: c.mask) : .max, lv)] {
                if word.2 & ~word.1 != 0 { return [] }  // bits the mask clears never equal the value's: no match
                if word.1 != 0 { words.append(word) }
            }
            func length(_ word: (offset: UInt32, mask: UInt32, value: UInt32)) -> Int { word.mask == .max ? 2 : 3 }
            var code: [Instruction] = []
            for (n, word) in words.enumerated() {
                // A word that differs skips the words after it and the return.
                let skip = words[(n + 1)...].reduce(1) { $0 + length($1) }
                code.append(.load(offset: word.offset))
                if word.mask != .max { code.append(.and(word.mask)) }
                code.append(.jump(.jeq, word.value, jt: 0, jf: UInt8(skip)))
            }
            return code + [.ret(matchAction)]
        case .gt, .ge:
            // high > hv: match; high == hv: decide on the low word; otherwise no match.
            let lowOp: JumpOp = c.op == .gt ? .jgt : .jge
            return [.load(offset: high), .jump(.jgt, hv, jt: 3, jf: 0), .jump(.jeq, hv, jt: 0, jf: 3),
                    .load(offset: low), .jump(lowOp, lv, jt: 0, jf: 1), .ret(matchAction)]
        case .lt, .le:
            // high > hv: no match; high == hv: decide on the low word; otherwise (high < hv) match.
            // lt: low >= lv fails; le: low > lv fails.
            let lowOp: JumpOp = c.op == .lt ? .jge : .jgt
            return [.load(offset: high), .jump(.jgt, hv, jt: 4, jf: 0), .jump(.jeq, hv, jt: 0, jf: 2),
                    .load(offset: low), .jump(lowOp, lv, jt: 1, jf: 0), .ret(matchAction)]
        }
    }

    // MARK: - Instructions

    /// BPF_MAXINSNS.
    static let maxInstructions = 4096
    static let nrOffset: UInt32 = 0
    static let archOffset: UInt32 = 4
    static func argumentOffset(_ index: Int) -> UInt32 { 16 + 8 * UInt32(index) }

    enum JumpOp: UInt16 {
        case jeq = 0x10, jgt = 0x20, jge = 0x30, jset = 0x40  // BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET
    }

    enum Instruction {
        case load(offset: UInt32)
        case and(UInt32)
        case jump(JumpOp, UInt32, jt: UInt8, jf: UInt8)
        case always(UInt32)
        case ret(UInt32)

        var raw: sock_filter {
            switch self {
            case .load(let offset): return sock_filter(code: 0x20, jt: 0, jf: 0, k: offset)  // BPF_LD|BPF_W|BPF_ABS
            case .and(let k): return sock_filter(code: 0x54, jt: 0, jf: 0, k: k)  // BPF_ALU|BPF_AND|BPF_K
            case let .jump(op, k, jt, jf): return sock_filter(code: 0x05 | op.rawValue, jt: jt, jf: jf, k: k)  // BPF_JMP|op|BPF_K
            case .always(let offset): return sock_filter(code: 0x05, jt: 0, jf: 0, k: offset)  // BPF_JMP|BPF_JA
            case .ret(let k): return sock_filter(code: 0x06, jt: 0, jf: 0, k: k)  // BPF_RET|BPF_K
            }
        }
    }

    /// `if A op k` jump over `skipped` when true (conditional jumps reach 255 instructions; past that, the
    /// true branch falls onto an unconditional jump, whose offset is 32 bits).
    static func jump(if op: JumpOp, _ k: UInt32, over skipped: [Instruction]) -> [Instruction] {
        if skipped.count <= Int(UInt8.max) { return [.jump(op, k, jt: UInt8(skipped.count), jf: 0)] }
        return [.jump(op, k, jt: 0, jf: 1), .always(UInt32(skipped.count))]
    }
}
