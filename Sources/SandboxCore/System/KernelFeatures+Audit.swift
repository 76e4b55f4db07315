#if canImport(Glibc)
import Glibc
#endif

extension KernelFeatures {
    /// The eBPF syscall audit: loading tracing programs and attaching them to raw tracepoints needs root,
    /// or CAP_BPF and CAP_PERFMON (Linux 5.8); the ring buffer needs 5.8, bpf_loop 5.17, task storage the
    /// kernel's BTF.
    public static let auditEBPF: Availability = {
        let caps = Capabilities.current().effective
        let bpf: UInt64 = 1 << 39, perfmon: UInt64 = 1 << 38, sysAdmin: UInt64 = 1 << 21
        guard caps & sysAdmin != 0 || caps & (bpf | perfmon) == (bpf | perfmon) else {
            return .no("loading eBPF tracing programs needs CAP_BPF and CAP_PERFMON (or root)",
                       fix: "run as root, or use audit.mechanism = \"seccomp-notify\"")
        }
        guard kernelAtLeast(5, 17) else {
            return .no("the kernel is older than 5.17 (bpf_loop)", fix: "use audit.mechanism = \"seccomp-notify\"")
        }
        // The program reaches its per-task state through bpf_get_current_task_btf and task storage, which
        // the verifier checks against the kernel's own BTF (CONFIG_DEBUG_INFO_BTF).
        guard access("/sys/kernel/btf/vmlinux", R_OK) == 0 else {
            return .no("the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)",
                       fix: "use a kernel built with CONFIG_DEBUG_INFO_BTF=y, or audit.mechanism = \"seccomp-notify\"")
        }
        return .yes
    }()

    /// Offset of `thread_info.status` in `task_struct` on x86_64, where TS_COMPAT marks an i386 call:
    /// thread_info is task_struct's first member (THREAD_INFO_IN_TASK), and holds `flags`, then since
    /// Linux 5.11 `syscall_work`, then `status`.
    static let threadInfoStatusOffset: UInt32 = kernelAtLeast(5, 11) ? 16 : 8

    /// Seccomp user notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5), for the unprivileged audit.
    public static let auditNotify: Availability = kernelAtLeast(5, 5)
        ? .yes : .no("seccomp user notification with CONTINUE needs Linux 5.5")

    static func kernelAtLeast(_ major: Int, _ minor: Int) -> Bool {
        var name = utsname()
        guard uname(&name) == 0 else { return false }
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return false }
        return (parts[0], parts[1]) >= (major, minor)
    }
}
