/// The syscall audit's part of the usage report: every syscall of the command's tree by name and ABI,
/// like `strace -f -c`, with errors by errno, denied calls and argument values; and the process tree.
///
/// Built by `EBPFSyscallAudit.finish` (eBPF: return values seen) or `NotifySyscallAudit.finish` (seccomp
/// user notification: calls and arguments, no return values).
public struct SyscallAuditReport: Sendable {
    public struct Syscall: Sendable, Equatable {
        public var name: String
        /// "x86_64", "i386" or "x32".
        public var abi: String
        public var calls: UInt64
        /// Calls that returned an error (denied ones included), by errno name.
        public var errors: [String: UInt64]
        /// Calls the seccomp filter refused (they never ran).
        public var denied: UInt64
        /// Argument name (`family`, `request`, …) to value name to count.
        public var args: [String: [String: UInt64]]

        public var errorCount: UInt64 { errors.values.reduce(0, +) }
    }

    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var parent: Int32
        /// The last program it executed, as asked (execve's path), and its argv (cut to a sane length).
        public var executable: String?
        public var argv: [String]
        public var argvTruncated: Bool
        /// Seconds since the run started.
        public var start: Double
        public var end: Double?
        /// "exited 0", "killed by SIGKILL", or nil when unknown.
        public var exit: String?
        public var cpuSeconds: Double?
    }

    /// "ebpf" or "seccomp-notify".
    public var mechanism: String
    /// Sorted by calls, most first.
    public var syscalls: [Syscall]
    /// Sorted by start.
    public var processes: [Process]
    /// Whether return values were seen (errnos of calls that ran; eBPF only).
    public var seesReturnValues: Bool
    public var notes: [String]

    public var totalCalls: UInt64 { syscalls.reduce(0) { $0 + $1.calls } }
    public var totalDenied: UInt64 { syscalls.reduce(0) { $0 + $1.denied } }
}
