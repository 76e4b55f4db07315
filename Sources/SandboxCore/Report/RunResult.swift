#if canImport(Glibc)
import Glibc
#endif

/// What happened in one run: how the command ended, what it used, what was blocked and which files it
/// touched. Rendered for people (`summaryLines`) and machines (`json`).
public struct RunResult {
    public let command: [String]
    public let profile: String
    /// The command's exit code, or 128+N for signal N.
    public let exitCode: Int32
    public let signal: Int32?
    public let timedOut: Bool
    public let setupFailure: ChildFailure?
    public let wallSeconds: Double
    /// getrusage(RUSAGE_CHILDREN) after every process of the tree was reaped.
    public let usage: rusage
    public let violations: ViolationLog
    public let notEnforced: [String]
    public let notes: [String]
    public let files: FileActivityReport?
    public let workdir: String
    /// The run's cgroup accounting, when it had one (`[cgroup]`).
    public var cgroup: CgroupReport? = nil
    /// The namespaces the command ran in, and its pids (NamespaceReport.swift); nil without any.
    public var namespaces: NamespaceReport? = nil
    /// Whether the compiled profile came from the cache (`ProfileCache`).
    public var profileCache: ProfileCache.Outcome?
    /// The live monitor's part (RunMonitor): the run id of the control socket, the resource timeline,
    /// who stopped the run with `sandbox stop`, and notes (why there was no control socket).
    public var runID: String?
    public var timeline: Timeline?
    public var stoppedBy: (uid: UInt32, signal: Int32)?
    public var monitorNotes: [String] = []
    /// The syscall audit (`--audit`), when the profile asked for one.
    public var audit: SyscallAuditReport?

    /// sandbox's own exit status: the command's, 124 for the wall-clock limit, 125/126/127 for setup and exec failures.
    public var exitStatus: Int32 {
        if let setupFailure { return setupFailure.error.exitStatus }
        if timedOut { return 124 }
        return exitCode
    }

    public var reason: String {
        if setupFailure != nil { return "setup-failed" }
        if timedOut { return "timeout" }
        return signal == nil ? "exited" : "signaled"
    }

    /// The RLIMIT_CPU hard limit in seconds, if the profile set one (to tell its SIGKILL from others).
    public var cpuHardLimit: UInt64?

    /// The filesystem view's enforcers (Report/FilesystemReport.swift), when the profile has a view.
    public var filesystem: FilesystemReport? = nil

    /// The limit that ended the command, if one did: SIGXCPU is RLIMIT_CPU, SIGXFSZ is RLIMIT_FSIZE. A
    /// shell whose child died of one exits 128+N, which counts too (`sh -c 'big-writer > f'`); so does a
    /// SIGKILL once the tree has used the CPU hard limit.
    public var limitHit: String? {
        if timedOut { return "wall-time" }
        if let cgroup, cgroup.oomEnded(exitCode: exitCode, signal: signal) { return "memory" }
        if signal == nil, exitCode == 128 + SIGXCPU { return "cpu" }
        if signal == nil, exitCode == 128 + SIGXFSZ { return "file-size" }
        if signal == SIGKILL, let hard = cpuHardLimit, userSeconds + systemSeconds >= Double(hard) - 0.05 { return "cpu" }
        switch signal {
        case SIGXCPU: return "cpu"
        case SIGXFSZ: return "file-size"
        // The kernel's own seccomp kills (another ABI such as int 0x80, kill-thread) end in SIGSYS.
        case SIGSYS: return "seccomp"
        default:
            if violations.killedBy != nil { return "seccomp" }
            // Forks refused at cgroup.processes: the command saw EAGAIN and (mostly) gave up.
            if let refused = cgroup?.forksRefused, refused > 0 { return "processes" }
            return nil
        }
    }

    var userSeconds: Double { Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 }
    var systemSeconds: Double { Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6 }
    /// ru_maxrss is in KiB on Linux: the largest resident set of any single process of the tree.
    var maxRSSBytes: Int64 { Int64(usage.ru_maxrss) * 1024 }
}
