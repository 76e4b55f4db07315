import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// The record a child writes when a setup step fails, turned into one sentence for the user.
public struct ChildFailure: Sendable {
    public let step: Int32
    public let errno: Int32
    public let detail: Int64
    /// The sentence a step's own planner made of this failure (a mount op, a Landlock rule), if it did.
    public var explained: SandboxError?

    public init(step: Int32, errno: Int32, detail: Int64) {
        self.step = step
        self.errno = errno
        self.detail = detail
    }

    /// Reads one record from the error pipe; nil on EOF (execve succeeded).
    static func read(from fd: Int32) -> ChildFailure? { readAll(from: fd).failure }

    /// Every record on the error pipe until EOF: the first failing step, and (with a PID namespace) the
    /// init's record of how the command ended (its pid in the namespace and raw wait status).
    static func readAll(from fd: Int32) -> (failure: ChildFailure?, commandStatus: (pid: Int32, raw: Int32)?) {
        var failure: ChildFailure?
        var status: (pid: Int32, raw: Int32)?
        // At most two records: a failing step of the command, then the init's status record.
        for _ in 0..<2 {
            var record = sbx_failure()
            var n: Int
            repeat { n = Glibc.read(fd, &record, MemoryLayout<sbx_failure>.size) } while n < 0 && Glibc.errno == EINTR
            guard n == MemoryLayout<sbx_failure>.size else { break }
            if record.step == SBX_RECORD_COMMAND_STATUS {
                status = (record.err, Int32(truncatingIfNeeded: record.detail))
            } else if failure == nil {
                failure = ChildFailure(step: record.step, errno: record.err, detail: record.detail)
            }
        }
        return (failure, status)
    }

    /// Exec failures keep the shell's meaning (126 cannot execute, 127 not found); every other step is
    /// sandbox's own failure (125).
    public var error: SandboxError {
        if let explained { return explained }
        let reason = String(cString: strerror(errno))
        switch UInt32(step) {
        case SBX_STEP_EXEC.rawValue:
            let kind: SandboxError.Kind = (errno == ENOENT || errno == ENOTDIR) ? .notFound : .cannotExecute
            return SandboxError(kind, "execve", reason, hint: errno == EPERM ? "denied by the profile's seccomp filter?" : nil)
        case SBX_STEP_RLIMIT.rawValue:
            let limit = ResourceLimit.byResource(detail)
            var current = rlimit()
            getrlimit(__rlimit_resource_t(UInt32(detail)), &current)
            let hard = current.rlim_max == rlim_t.max ? "unlimited" : String(current.rlim_max)
            return SandboxError(.setup, "setrlimit(\(limit?.kernelName ?? "resource \(detail)"))", reason, hint: "the hard limit is \(hard)")
        case SBX_STEP_CAPBSET.rawValue:
            return SandboxError(.setup, "prctl(PR_CAPBSET_DROP, \(Capabilities.name(of: Int32(detail))))", reason)
        case SBX_STEP_AMBIENT.rawValue:
            return SandboxError(.setup, "prctl(PR_CAP_AMBIENT_RAISE, \(Capabilities.name(of: Int32(detail))))", reason)
        case SBX_STEP_NICE.rawValue:
            return SandboxError(.setup, "setpriority(\(detail))", reason, hint: "lowering the nice value needs CAP_SYS_NICE")
        case SBX_STEP_IOPRIO.rawValue:
            return SandboxError(.setup, "ioprio_set(\(detail))", reason, hint: "the realtime class needs CAP_SYS_ADMIN")
        case SBX_STEP_NS_SYNC.rawValue where errno == ESRCH:
            return SandboxError(.setup, "namespaces", "the supervisor ended before the child's uid/gid maps were written")
        case SBX_STEP_IDS.rawValue:
            let call = ["setgroups", "setresgid", "setresuid"][Int(max(0, min(2, detail)))]
            return SandboxError(.setup, "\(call) (process.user/group)", reason,
                                hint: "switching to another user needs root, or a user namespace whose map holds the ids")
        case SBX_STEP_HOSTNAME.rawValue, SBX_STEP_LOOPBACK.rawValue:
            let stage = UInt32(step) == SBX_STEP_HOSTNAME.rawValue ? "sethostname (namespaces.hostname)" : "ioctl(SIOCSIFFLAGS, lo up)"
            return SandboxError(.setup, stage, reason, hint: KernelFeatures.restrictedUserNamespaceHint(errno: errno))
        case SBX_STEP_SECCOMP.rawValue where errno == EBUSY:
            // The kernel allows one user-notification listener per filter chain: a sandbox inside a sandbox
            // (or any supervisor that already listens) cannot add a second one.
            return SandboxError(.setup, "seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)", reason,
                                hint: "a seccomp listener already watches this process (a sandbox inside a sandbox?); set seccomp.notify = false for the inner run")
        case SBX_STEP_SECCOMP.rawValue:
            return SandboxError(.setup, "seccomp(SECCOMP_SET_MODE_FILTER)", reason, hint: "requires a kernel with CONFIG_SECCOMP_FILTER")
        default:
            return SandboxError(.setup, Self.stepNames[UInt32(step)] ?? "setup step \(step)", reason)
        }
    }

    static let stepNames: [UInt32: String] = [
        SBX_STEP_CGROUP.rawValue: "write(cgroup tasks, \"0\") (joining the run's cgroup)", SBX_STEP_SIGNALS.rawValue: "rt_sigaction", SBX_STEP_FDS.rawValue: "close_range(CLOSE_RANGE_CLOEXEC)",
        SBX_STEP_SETSID.rawValue: "setsid", SBX_STEP_CTTY.rawValue: "ioctl(TIOCSCTTY)",
        SBX_STEP_PDEATHSIG.rawValue: "prctl(PR_SET_PDEATHSIG)", SBX_STEP_CHDIR.rawValue: "chdir",
        SBX_STEP_UMASK.rawValue: "umask", SBX_STEP_CAPS.rawValue: "capset",
        SBX_STEP_NO_NEW_PRIVS.rawValue: "prctl(PR_SET_NO_NEW_PRIVS)",
        SBX_STEP_SECCOMP_LISTENER.rawValue: "sendmsg(seccomp listener)",
        SBX_STEP_NS_SYNC.rawValue: "recvmsg(namespace sync socket)", SBX_STEP_INIT_FORK.rawValue: "fork (PID namespace init)",
        SBX_STEP_NETNS.rawValue: "setns(CLONE_NEWNET) (the network namespace made ahead)",
    ]
}
