import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Names for what the syscall audit counts: syscalls per ABI (libseccomp's tables) and the argument
/// values it records (linux/socket.h, asm-generic/ioctls.h, linux/sched.h, linux/prctl.h, fcntl.h).
enum SyscallNames {
    /// The audit's ABIs, in `enum sbx_audit_abi` order, with their AUDIT_ARCH_* tokens.
    static let abis: [(name: String, arch: UInt32)] = [("x86_64", 0xC000_003E), ("i386", 0x4000_0003), ("x32", 0x4000_003E)]

    /// The syscall `nr` of ABI `abi` (an index of `abis`), or `syscall_NR` when libseccomp has no name.
    static func name(nr: Int32, abi: Int) -> String {
        // x32 numbers carry the x32 bit in libseccomp's table, as in the kernel.
        let number = abi == 2 ? nr | 0x4000_0000 : nr
        if let c = seccomp_syscall_resolve_num_arch(abis[abi].arch, number) {
            defer { free(c) }
            return String(cString: c)
        }
        return "syscall_\(nr)"
    }

    /// The argument names of `enum sbx_audit_arg`.
    static let argNames: [UInt32: String] = [1: "family", 2: "type", 3: "request", 4: "flags", 5: "option",
                                             6: "persona", 7: "prot", 8: "command"]

    static func value(arg: UInt32, _ value: UInt64, syscall: String) -> String {
        switch arg {
        case 1: return families[value] ?? "AF_\(value)"
        case 2: return socketTypes[value] ?? "SOCK_\(value)"
        case 3: return ioctls[value & 0xFFFF_FFFF] ?? hex(value)
        case 4: return cloneFlags(value, exitSignal: syscall == "clone")
        case 5: return prctls[value] ?? String(value)
        case 6: return hex(value)
        case 7: return value == 1 ? "PROT_WRITE|PROT_EXEC" : "not PROT_WRITE|PROT_EXEC"
        case 8: return fcntls[value] ?? String(value)
        default: return String(value)
        }
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    static let signals = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                          "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
                          "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
                          "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]

    static func signalName(_ sig: Int32) -> String { sig >= 1 && sig <= 31 ? signals[Int(sig) - 1] : "SIG\(sig)" }

    static let families: [UInt64: String] = [
        0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 4: "AF_IPX", 5: "AF_APPLETALK", 9: "AF_X25", 10: "AF_INET6",
        15: "AF_KEY", 16: "AF_NETLINK", 17: "AF_PACKET", 29: "AF_CAN", 31: "AF_BLUETOOTH", 38: "AF_ALG",
        40: "AF_VSOCK", 44: "AF_XDP",
    ]
    static let socketTypes: [UInt64: String] = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM",
                                                5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET"]
    static let ioctls: [UInt64: String] = [
        0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x5409: "TCSBRK",
        0x540B: "TCFLSH", 0x540E: "TIOCSCTTY", 0x540F: "TIOCGPGRP", 0x5410: "TIOCSPGRP", 0x5412: "TIOCSTI",
        0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD", 0x541C: "TIOCLINUX", 0x5421: "FIONBIO",
        0x5422: "TIOCNOTTY", 0x5450: "FIONCLEX", 0x5451: "FIOCLEX", 0x5452: "FIOASYNC", 0x80045430: "TIOCGPTN",
        0x40045431: "TIOCSPTLCK", 0x5429: "TIOCGSID", 0x80086601: "FS_IOC_GETFLAGS", 0x40086602: "FS_IOC_SETFLAGS",
        0x8910: "SIOCGIFNAME", 0x8933: "SIOCGIFINDEX", 0xC0189436: "BTRFS_IOC_CLONE_RANGE", 0x40049409: "FICLONE",
    ]
    static let prctls: [UInt64: String] = [
        1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE", 7: "PR_GET_KEEPCAPS",
        8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME", 21: "PR_GET_SECCOMP", 22: "PR_SET_SECCOMP",
        23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS",
        29: "PR_SET_TIMERSLACK", 30: "PR_GET_TIMERSLACK", 35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER",
        37: "PR_GET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 40: "PR_GET_TID_ADDRESS",
        41: "PR_SET_THP_DISABLE", 42: "PR_GET_THP_DISABLE", 47: "PR_CAP_AMBIENT", 0x5356_4D41: "PR_SET_VMA",
        59: "PR_SET_SYSCALL_USER_DISPATCH", 0x59616D61: "PR_SET_PTRACER",
    ]
    static let fcntls: [UInt64: String] = [
        0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW",
        8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG", 15: "F_SETOWN_EX", 16: "F_GETOWN_EX",
        36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE", 1025: "F_GETLEASE",
        1026: "F_NOTIFY", 1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS",
        1034: "F_GET_SEALS",
    ]
    static let cloneBits: [(UInt64, String)] = [
        (0x80, "CLONE_NEWTIME"), (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"),
        (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"), (0x4000, "CLONE_VFORK"), (0x8000, "CLONE_PARENT"),
        (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"), (0x40000, "CLONE_SYSVSEM"), (0x80000, "CLONE_SETTLS"),
        (0x100000, "CLONE_PARENT_SETTID"), (0x200000, "CLONE_CHILD_CLEARTID"), (0x400000, "CLONE_DETACHED"),
        (0x800000, "CLONE_UNTRACED"), (0x1000000, "CLONE_CHILD_SETTID"), (0x2000000, "CLONE_NEWCGROUP"),
        (0x4000000, "CLONE_NEWUTS"), (0x8000000, "CLONE_NEWIPC"), (0x10000000, "CLONE_NEWUSER"),
        (0x20000000, "CLONE_NEWPID"), (0x40000000, "CLONE_NEWNET"), (0x80000000, "CLONE_IO"),
        (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"), (0x2_0000_0000, "CLONE_INTO_CGROUP"),
    ]

    /// `CLONE_VM|CLONE_FS|…`, with clone(2)'s exit signal (the low byte) as a signal name.
    static func cloneFlags(_ value: UInt64, exitSignal: Bool) -> String {
        var parts: [String] = []
        var rest = value
        if exitSignal {
            let sig = Int32(value & 0xFF)
            if sig != 0 { parts.append(signalName(sig)) }
            rest &= ~0xFF
        }
        for (bit, name) in cloneBits where rest & bit != 0 {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append(hex(rest)) }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }
}

