import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The unprivileged syscall audit: the seccomp filter notifies every call of every ABI it lets through
/// (`SeccompCompiler.compile(observeAll:)`), the supervisor counts it and answers
/// SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the call runs as the profile says. Calls the filter denies with
/// notification on (`seccomp.notify`) arrive with their verdict: denied, with the profile's errno.
///
/// Exact counts and argument values, but no return values: the notification comes before the call runs
/// and nothing reports after it. Denials the kernel answers itself (`seccomp.absent`, other ABIs' denials,
/// `seccomp.notify = false`) are not seen.
final class NotifySyscallAudit {
    private struct Key: Hashable {
        var nr: Int32
        var abi: Int
    }
    private struct Counter {
        var calls: UInt64 = 0
        var denied: UInt64 = 0
        var errors: [Int32: UInt64] = [:]
        var args: [UInt32: [UInt64: UInt64]] = [:]
    }
    private struct Seen {
        var process: SyscallAuditReport.Process
        var exitCode: Int32?
    }
    private var counters: [Key: Counter] = [:]
    private var processes: [Int32: Seen] = [:]
    /// Thread id to its process and that process's parent, read from /proc once per thread.
    private var processOf: [Int32: (tgid: Int32, parent: Int32)] = [:]
    /// Calls before the command's execve (the child's last steps after seccomp) are not counted.
    private var armed = false
    private let start = Supervisor.now()

    static let auditArchX86_64: UInt32 = 0xC000_003E
    static let auditArchI386: UInt32 = 0x4000_0003

    /// Counts one notification. `verdict` is the profile's, when the filter notified a denial.
    func record(pid: Int32, arch: UInt32, nr: Int32, args: [UInt64], verdict: SeccompVerdict?) {
        let abi: Int
        switch arch {
        case Self.auditArchI386: abi = 1
        case Self.auditArchX86_64: abi = nr & 0x4000_0000 != 0 ? 2 : 0
        default: return
        }
        let number = nr & ~0x4000_0000
        let isExecve = abi == 0 ? number == 59 || number == 322 : abi == 1 && (number == 11 || number == 358)
        if !armed {
            guard isExecve else { return }
            armed = true
        }
        // In place (subscript with a default): copying the counter out and back would copy its tables.
        let key = Key(nr: number, abi: abi)
        counters[key, default: Counter()].calls += 1
        if let verdict {
            counters[key]!.denied += 1
            if case .errno(let e) = verdict.action { counters[key]!.errors[e, default: 0] += 1 }
        }
        for (arg, value) in Self.arguments(pid: pid, nr: number, abi: abi, args) { counters[key]!.args[arg, default: [:]][value, default: 0] += 1 }
        track(pid: pid, abi: abi, nr: number, args: args, isExecve: isExecve && verdict == nil)
    }

    /// The process tree as notifications show it: a process appears at its first call (its parent read
    /// from /proc then), its program at execve (read from its memory), its status at exit_group.
    private func track(pid tid: Int32, abi: Int, nr: Int32, args: [UInt64], isExecve: Bool) {
        let now = Supervisor.now() - start
        // The notification names a thread; a thread's calls belong to its process (Tgid in /proc).
        let ids = processOf[tid] ?? Self.ids(of: tid)
        processOf[tid] = ids
        let pid = ids.tgid
        let isExit = abi == 0 ? nr == 60 || nr == 231 : abi == 1 && (nr == 1 || nr == 252)
        // Most calls only move the process's end: in place, without copying its entry out.
        if !isExecve && !isExit, processes[pid] != nil {
            processes[pid]!.process.end = now
            return
        }
        var seen = processes[pid] ?? Seen(process: .init(pid: pid, parent: ids.parent, executable: nil, argv: [],
                                                         argvTruncated: false, start: now, end: nil, exit: nil, cpuSeconds: nil))
        seen.process.end = now
        // A fork runs its parent's program until it executes one of its own.
        if processes[pid] == nil, let parent = processes[ids.parent] {
            seen.process.executable = parent.process.executable
            seen.process.argv = parent.process.argv
        }
        if isExecve {
            let at = nr == 322 || nr == 358
            let width: UInt64 = abi == 1 ? 4 : 8
            seen.process.executable = Self.string(pid: tid, at: args[at ? 1 : 0])
            var argv: [String] = []
            let base = args[at ? 2 : 1]
            for i in 0..<UInt64(17) {
                var pointer: UInt64 = 0
                guard sbx_read_process_memory(tid, base + i * width, &pointer, Int(width)) == Int(width), pointer != 0 else { break }
                if i == 16 { seen.process.argvTruncated = true; break }
                argv.append(Self.string(pid: tid, at: pointer) ?? "")
            }
            seen.process.argv = argv
        }
        if isExit {
            seen.exitCode = Int32(truncatingIfNeeded: args[0]) & 0xFF
            seen.process.exit = "exited \(seen.exitCode!)"
        }
        processes[pid] = seen
    }

    func finish() -> SyscallAuditReport {
        var list: [SyscallAuditReport.Syscall] = []
        for (key, c) in counters {
            let name = SyscallNames.name(nr: key.nr, abi: key.abi)
            var args: [String: [String: UInt64]] = [:]
            for (arg, values) in c.args {
                guard let argName = SyscallNames.argNames[arg] else { continue }
                for (value, n) in values { args[argName, default: [:]][SyscallNames.value(arg: arg, value, syscall: name), default: 0] += n }
            }
            let errors = Dictionary(c.errors.map { (ErrnoNames.name(of: $0.key) ?? "E\($0.key)", $0.value) }, uniquingKeysWith: +)
            list.append(.init(name: name, abi: SyscallNames.abis[key.abi].name, calls: c.calls, errors: errors, denied: c.denied, args: args))
        }
        list.sort { ($0.calls, $1.name) > ($1.calls, $0.name) }
        let tree = processes.values.map(\.process).sorted { ($0.start, $0.pid) < ($1.start, $1.pid) }
        return SyscallAuditReport(
            mechanism: "seccomp-notify", syscalls: list, processes: tree, seesReturnValues: false,
            notes: ["seccomp user notification sees calls before they run: errno counts cover denied calls only (the eBPF audit, as root, sees every return value)"])
    }

    // MARK: - Arguments (the same table as the BPF program's record_args)

    static func arguments(pid: Int32, nr: Int32, abi: Int, _ a: [UInt64]) -> [(UInt32, UInt64)] {
        let which: Int
        switch (abi, nr) {
        case (0, 41), (0, 53), (1, 359), (1, 360): which = 1
        case (0, 16), (1, 54): which = 2
        case (0, 56), (1, 120): which = 3
        case (0, 435), (1, 435): which = 4
        case (0, 272), (0, 308), (1, 310), (1, 346): which = 5
        case (0, 157), (1, 172): which = 6
        case (0, 135), (1, 136): which = 7
        case (0, 9), (0, 10), (0, 329), (1, 192), (1, 125), (1, 380): which = 8
        case (0, 72), (1, 55), (1, 221): which = 9
        default: return []
        }
        let cut: (UInt64) -> UInt64 = abi == 1 ? { $0 & 0xFFFF_FFFF } : { $0 }
        let values: [(UInt32, UInt64)]
        switch which {
        case 1: values = [(UInt32(1), cut(a[0])), (UInt32(2), cut(a[1]) & ~UInt64(0o4000 | 0o2000000))]
        case 2: values = [(UInt32(3), cut(a[1]))]
        case 3: values = [(UInt32(4), cut(a[0]))]
        case 4:
            var flags: UInt64 = 0
            values = sbx_read_process_memory(pid, a[0], &flags, 8) == 8 ? [(UInt32(4), flags)] : []
        case 5: values = [(UInt32(4), cut(nr == 308 || nr == 346 ? a[1] : a[0]))]
        case 6: values = [(UInt32(5), cut(a[0]))]
        case 7: values = [(UInt32(6), cut(a[0]))]
        case 8: values = [(UInt32(7), cut(a[2]) & 6 == 6 ? UInt64(1) : UInt64(0))]
        default: values = [(UInt32(8), cut(a[1]))]
        }
        return values
    }

    static func string(pid: Int32, at address: UInt64) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = sbx_read_process_memory(pid, address, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(n)).prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Tgid and PPid from /proc/TID/status.
    static func ids(of tid: Int32) -> (tgid: Int32, parent: Int32) {
        guard let text = try? FileIO.readText("/proc/\(tid)/status") else { return (tid, 0) }
        var tgid = tid, parent: Int32 = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Tgid:") { tgid = Int32(line.dropFirst(5).trimmingCharacters()) ?? tid }
            if line.hasPrefix("PPid:") { parent = Int32(line.dropFirst(5).trimmingCharacters()) ?? 0 }
        }
        return (tgid, parent)
    }
}

private extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        return s
    }
}
