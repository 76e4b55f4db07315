// CBPF for its link directives: pkg-config gives only -lbpf, and the static release build needs libelf
// and zlib after it (CSandboxAudit, the C loader, cannot carry them).
import CBPF
import CSandboxAudit
#if canImport(Glibc)
import Glibc
#endif

/// The privileged syscall audit: the embedded BPF program (`CSandboxAudit/bpf/audit.bpf.c`) loaded for
/// this one run, its counters read completely once the command's tree is gone, its process-tree events
/// drained from the supervisor's poll loop.
///
/// Loaded before the fork, with the supervisor's own thread as the seed: the kernel adds the command to
/// the program's task table in sched_process_fork, before the child runs, and every later fork of the tree
/// the same way, so no process of the tree can escape by being quick. Nothing is counted before the
/// command's execve. Each run has its own program and maps: two audited runs never mix.
final class EBPFSyscallAudit {
    private var handle: OpaquePointer?
    private var tree = AuditProcessTree()
    private let runStartNanoseconds: UInt64

    /// Loads and attaches the program. Throws with the stage and the kernel's reason.
    init() throws {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        runStartNanoseconds = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        let object = Self.object
        // No seed yet: `commandWillStart` names it just before the fork, so that nothing the supervisor
        // forks before the command (a helper of another feature) can take the command's place.
        var config = sbx_audit_config(seed_tid: 0, compat_offset: KernelFeatures.threadInfoStatusOffset)
        var why = [CChar](repeating: 0, count: 768)
        var out: OpaquePointer?
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = object.withUnsafeBytes { bytes in
            sbx_audit_open(bytes.baseAddress, bytes.count, &config, { context, event, size in
                guard let context, let event else { return }
                Unmanaged<EBPFSyscallAudit>.fromOpaque(context).takeUnretainedValue().tree.add(event, size: size)
            }, context, &out, &why, why.count)
        }
        guard status == 0, let out else {
            throw SandboxError(.setup, "audit", String(cString: why),
                               hint: "run as root (or with CAP_BPF and CAP_PERFMON), or set audit.mechanism = \"seccomp-notify\"")
        }
        handle = out
    }

    deinit { if let handle { sbx_audit_close(handle) } }

    /// The calling thread's next fork is the command. Throws when the program's data cannot be written.
    func commandWillStart() throws {
        guard let handle, sbx_audit_set_seed(handle, UInt32(sbx_audit_gettid())) == 0 else {
            throw SandboxError.system("bpf_map_update_elem(seed)", errno: errno)
        }
    }

    /// The fd to poll for process-tree events.
    var pollFD: Int32 { handle.map { sbx_audit_poll_fd($0) } ?? -1 }

    func drain() { if let handle { _ = sbx_audit_drain(handle) } }

    /// Detaches the programs, reads every counter and builds the report. Call once the tree has exited.
    func finish() -> SyscallAuditReport {
        guard let handle else { return SyscallAuditReport(mechanism: "ebpf", syscalls: [], processes: [], seesReturnValues: true, notes: []) }
        sbx_audit_detach(handle)
        _ = sbx_audit_drain(handle)
        let perABI = Int(SBX_AUDIT_MAX_NR)
        var counts = [sbx_audit_count](repeating: sbx_audit_count(), count: Int(SBX_ABI_COUNT.rawValue) * perABI)
        var notes: [String] = []
        if sbx_audit_read_counts(handle, &counts) != 0 {
            notes.append("the counters could not be read: \(String(cString: strerror(errno)))")
        }
        var syscalls: [Int: SyscallAuditReport.Syscall] = [:]
        for (index, c) in counts.enumerated() where c.calls > 0 {
            let abi = index / perABI
            let nr = Int32(index % perABI)
            syscalls[index] = SyscallAuditReport.Syscall(
                name: SyscallNames.name(nr: nr, abi: abi), abi: SyscallNames.abis[abi].name, calls: c.calls,
                errors: [:], denied: c.denied, args: [:])
        }
        final class Box { var syscalls: [Int: SyscallAuditReport.Syscall] = [:] }
        let box = Box()
        box.syscalls = syscalls
        let boxPointer = Unmanaged.passUnretained(box).toOpaque()
        _ = sbx_audit_read_errnos(handle, { context, key, count in
            guard let context, let key else { return }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            let index = Int(key.pointee.abi) * Int(SBX_AUDIT_MAX_NR) + Int(key.pointee.nr)
            let name = ErrnoNames.name(of: Int32(key.pointee.err)) ?? "E\(key.pointee.err)"
            box.syscalls[index]?.errors[name, default: 0] += count
        }, boxPointer)
        _ = sbx_audit_read_args(handle, { context, key, count in
            guard let context, let key else { return }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            let index = Int(key.pointee.abi) * Int(SBX_AUDIT_MAX_NR) + Int(key.pointee.nr)
            guard let syscall = box.syscalls[index], let arg = SyscallNames.argNames[key.pointee.arg] else { return }
            let value = SyscallNames.value(arg: key.pointee.arg, key.pointee.value, syscall: syscall.name)
            box.syscalls[index]?.args[arg, default: [:]][value, default: 0] += count
        }, boxPointer)
        let dropped = sbx_audit_stat(handle, UInt32(SBX_STAT_EVENTS_DROPPED.rawValue))
        let lost = sbx_audit_stat(handle, UInt32(SBX_STAT_TASKS_LOST.rawValue))
        let keysLost = sbx_audit_stat(handle, UInt32(SBX_STAT_KEYS_LOST.rawValue))
        if dropped > 0 { notes.append("\(dropped) process-tree events dropped (ring buffer full): the process list is incomplete") }
        if lost > 0 { notes.append("\(lost) tasks not followed (the task table of 8192 was full): their calls are not counted") }
        if keysLost > 0 { notes.append("\(keysLost) errno or argument values not recorded (their tables were full)") }
        sbx_audit_close(handle)
        self.handle = nil
        let list = box.syscalls.values.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
        return SyscallAuditReport(mechanism: "ebpf", syscalls: list, processes: tree.processes(since: runStartNanoseconds),
                                  seesReturnValues: true, notes: notes)
    }

    /// The object the BPFCompiler plugin embedded, decoded once.
    static let object: [UInt8] = Base64.decode(AuditProgramObject.base64)
}

/// The process tree from the program's events (fork, exec, exit call, fatal signal, thread exit).
struct AuditProcessTree {
    private struct Entry {
        var process: SyscallAuditReport.Process
        var startNanoseconds: UInt64
        var endNanoseconds: UInt64?
        var cpuNanoseconds: UInt64 = 0
        var pendingExec: (path: String, argv: [String], truncated: Bool)?
        var exitCode: Int32?
        var signal: Int32?
    }
    private var entries: [Int32: Entry] = [:]

    mutating func add(_ event: UnsafePointer<sbx_audit_event>, size: Int) {
        let e = event.pointee
        let tgid = Int32(bitPattern: e.tgid)
        func entry() -> Entry {
            entries[tgid] ?? Entry(process: .init(pid: tgid, parent: Int32(bitPattern: e.parent_tgid), executable: nil, argv: [],
                                                  argvTruncated: false, start: 0, end: nil, exit: nil, cpuSeconds: nil),
                                   startNanoseconds: e.time_ns)
        }
        switch Int(e.kind) {
        case Int(SBX_EV_FORK.rawValue):
            // A fork runs its parent's program until it executes one of its own.
            var current = entry()
            if let parent = entries[current.process.parent] {
                current.process.executable = parent.process.executable
                current.process.argv = parent.process.argv
                current.process.argvTruncated = parent.process.argvTruncated
            }
            entries[tgid] = current
        case Int(SBX_EV_EXEC_ARGS.rawValue):
            guard size >= MemoryLayout<sbx_audit_event>.size else { return }
            let strings = withUnsafeBytes(of: event.pointee.data) { raw -> [String] in
                let used = min(Int(e.length), raw.count)
                return raw.prefix(used).split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            }
            var current = entry()
            let argv = Array(strings.dropFirst().prefix(Int(e.argc)))
            current.pendingExec = (strings.first ?? "", argv, e.truncated != 0)
            entries[tgid] = current
        case Int(SBX_EV_EXEC.rawValue):
            var current = entry()
            if let exec = current.pendingExec {
                current.process.executable = exec.path
                current.process.argv = exec.argv
                current.process.argvTruncated = exec.truncated
            }
            current.pendingExec = nil
            entries[tgid] = current
        case Int(SBX_EV_EXIT_CALL.rawValue):
            var current = entry()
            // exit_group decides for the whole process; exit() only when it is the last thread's.
            if current.exitCode == nil && current.signal == nil || e.length == 1 && current.signal == nil {
                current.exitCode = e.value & 0xFF
            }
            entries[tgid] = current
        case Int(SBX_EV_SIGNAL.rawValue):
            var current = entry()
            // The first fatal signal decides; the SIGKILLs a group exit sends to the other threads do not.
            if current.signal == nil && current.exitCode == nil { current.signal = e.value }
            entries[tgid] = current
        case Int(SBX_EV_TASK_EXIT.rawValue):
            var current = entry()
            current.cpuNanoseconds += e.cpu_ns
            current.endNanoseconds = max(current.endNanoseconds ?? 0, e.time_ns)
            entries[tgid] = current
        default:
            break
        }
    }

    func processes(since start: UInt64) -> [SyscallAuditReport.Process] {
        func seconds(_ ns: UInt64) -> Double { ns > start ? Double(ns - start) / 1e9 : 0 }
        return entries.values.map { entry in
            var p = entry.process
            // A root of the tree that never executed anything is sandbox's own PID-namespace init, which
            // forks the command (namespaces.pid): never armed, none of its calls counted.
            if p.executable == nil, entries[p.parent] == nil { p.executable = "(sandbox's PID-namespace init, not counted)" }
            p.start = seconds(entry.startNanoseconds)
            p.end = entry.endNanoseconds.map(seconds)
            if let signal = entry.signal { p.exit = "killed by " + SyscallNames.signalName(signal) }
            else if let code = entry.exitCode { p.exit = "exited \(code)" }
            p.cpuSeconds = entry.endNanoseconds == nil ? nil : Double(entry.cpuNanoseconds) / 1e9
            return p
        }.sorted { ($0.start, $0.pid) < ($1.start, $1.pid) }
    }
}

/// RFC 4648 base64, for the embedded object (decoded at every audited launch: over raw buffers).
enum Base64 {
    static func decode(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { input in
            var table = [UInt8](repeating: 255, count: 256)
            for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
            return table.withUnsafeBufferPointer { table in
                [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { out, count in
                    var accumulator: UInt32 = 0, bits: UInt32 = 0, n = 0
                    for c in input {
                        let v = table[Int(c)]
                        if v == 255 { continue }  // newlines, padding
                        accumulator = accumulator << 6 | UInt32(v)
                        bits += 6
                        if bits >= 8 {
                            bits -= 8
                            out[n] = UInt8(truncatingIfNeeded: accumulator >> bits)
                            n += 1
                        }
                    }
                    count = n
                }
            }
        }
    }
}
