/// The profile schema: every key a profile may set, its type, its default and its meaning. The defaults
/// live here and nowhere else; `docs/profiles.md` documents each key (a test checks that it mentions every
/// one). A profile that sets nothing gets exactly these values.
public enum ProfileSchema {
    /// What a key's value must look like.
    public enum Kind: Sendable {
        case string
        case choice([String])
        case bool
        case integer(ClosedRange<Int>)
        /// Seconds: a number, or a string with a unit (`"500ms"`, `"30s"`, `"5m"`, `"2h"`).
        case duration
        /// An rlimit: a scalar (soft = hard) or `{ soft = …, hard = … }`, each a number, a string with a
        /// unit, or `"unlimited"`.
        case limit(ResourceLimit)
        /// A list of strings; the element kind says how each is checked.
        case list(Element)
        /// A table of string values (`{ NAME = "value" }`).
        case stringMap
        /// `[[seccomp.rules]]`: argument rules.
        case seccompRules
        /// A file mode, `"022"` (octal string) or an integer.
        case mode
        /// A profile name or a list of them.
        case profileNames
        /// Bytes: an integer, or a string with a unit (`"512MiB"`).
        case size
        /// CPU cores: a number, or a string holding one (`"1.5"`).
        case cores
        /// A table of device paths and bytes per second (`{ "/dev/vda" = "50MiB" }`).
        case bandwidths
    }

    /// What a list holds.
    public enum Element: Sendable {
        case syscall, capability, fileOperation, architecture, feature, path, envName
        /// `[filesystem]`: an absolute path or `~/...` (a glob in the last component for `hide`), a bind
        /// `SOURCE[:DESTINATION]`, a tmpfs `PATH[:SIZE]`, a Landlock scope name.
        case viewPath, bindSpec, tmpfsSpec, landlockScope
    }

    public struct Key: Sendable {
        public let path: String
        public let kind: Kind
        public let defaultValue: ProfileValue?
        public let summary: String

        /// True when the key holds a list, and so also accepts `KEY_add` to append to the inherited list.
        public var isList: Bool {
            switch kind {
            case .list, .seccompRules: return true
            default: return false
            }
        }
    }

    /// Features a profile may mark best-effort: when the kernel or our privileges cannot apply them, the run
    /// goes on and the report says "not enforced: X (why)". Everything else is an error.
    public static let bestEffortFeatures = ["capabilities", "limits", "nice", "ioprio", "seccomp-notify", "watch", "cgroup", "audit"]
        // Namespaces: all of them, or one (NamespacePlan).
        + ["namespaces"] + NamespaceSettings.Kind.allCases.map { "namespaces." + $0.rawValue }
        // The filesystem view: Landlock, and the parts of the view its enforcers cannot express (FilesystemPlan).
        + ["landlock", "filesystem"]

    public static let keys: [Key] = {
        var keys: [Key] = [
            Key(path: "description", kind: .string, defaultValue: .string(""), summary: "One line saying what the profile is for."),
            Key(path: "extends", kind: .profileNames, defaultValue: nil, summary: "Profiles this one builds on, applied in order before this one."),
            Key(path: "best_effort", kind: .list(.feature), defaultValue: .array([]),
                summary: "Features that may go unenforced when the kernel or privileges cannot apply them: " + bestEffortFeatures.joined(separator: ", ") + "."),

            Key(path: "limits.wall", kind: .duration, defaultValue: nil, summary: "Wall-clock limit: SIGTERM to the command's process group, SIGKILL after kill_after."),
            Key(path: "limits.kill_after", kind: .duration, defaultValue: .string("5s"), summary: "Grace period between SIGTERM and SIGKILL when a time limit ends the command."),

            Key(path: "process.nice", kind: .integer(-20...19), defaultValue: nil, summary: "Scheduling niceness (setpriority); raising priority (negative) needs CAP_SYS_NICE."),
            Key(path: "process.ioprio", kind: .string, defaultValue: nil, summary: "I/O priority (ioprio_set): \"idle\", \"best-effort\", \"best-effort:0-7\", \"realtime:0-7\"."),
            Key(path: "process.new_session", kind: .bool, defaultValue: .bool(true), summary: "Run in a new session (setsid): off the caller's terminal, which defeats TIOCSTI injection."),
            Key(path: "process.no_new_privileges", kind: .bool, defaultValue: .bool(true), summary: "Set no_new_privs: setuid and file-capability programs gain nothing."),
            Key(path: "process.die_with_parent", kind: .bool, defaultValue: .bool(true), summary: "SIGKILL the command when sandbox dies (PR_SET_PDEATHSIG)."),
            Key(path: "process.kill_orphans", kind: .bool, defaultValue: .bool(true), summary: "When the command exits, kill what it left running (found as a child subreaper)."),
            Key(path: "process.workdir", kind: .string, defaultValue: nil, summary: "Working directory of the command (default: the caller's)."),
            Key(path: "process.umask", kind: .mode, defaultValue: nil, summary: "File mode creation mask, e.g. \"077\" (default: the caller's)."),
            Key(path: "process.env", kind: .choice(["inherit", "clear"]), defaultValue: .string("inherit"), summary: "Start from the caller's environment or from an empty one."),
            Key(path: "process.env_keep", kind: .list(.envName), defaultValue: .array([]), summary: "With env = \"clear\": variables to keep from the caller's environment."),
            Key(path: "process.env_unset", kind: .list(.envName), defaultValue: .array([]), summary: "Variables to remove from the environment."),
            Key(path: "process.env_set", kind: .stringMap, defaultValue: .table([]), summary: "Variables to set, as a table of strings."),
            Key(path: "process.user", kind: .string, defaultValue: nil, summary: "Run the command as this user (a name or a number): as root with setresuid, rootless through the user namespace's map."),
            Key(path: "process.group", kind: .string, defaultValue: nil, summary: "Run the command with this group (a name or a number; default: the user's primary group when process.user is set)."),
            Key(path: "process.pty", kind: .choice(["auto", "always", "never"]), defaultValue: .string("auto"), summary: "Give the command its own pseudo-terminal: auto when standard input and output are terminals."),

            Key(path: "capabilities.keep", kind: .list(.capability), defaultValue: .array([]), summary: "Capabilities to keep (capabilities(7) names, with or without CAP_); all others are dropped from all five sets."),

            Key(path: "seccomp.enabled", kind: .bool, defaultValue: .bool(true), summary: "Install a seccomp filter."),
            Key(path: "seccomp.default_action", kind: .string, defaultValue: .string("allow"), summary: "Action for known syscalls that no list names: allow, errno[:NAME], kill-process, kill-thread, trap, log."),
            Key(path: "seccomp.deny_action", kind: .string, defaultValue: .string("errno:EPERM"), summary: "Action for syscalls in the deny list."),
            Key(path: "seccomp.allow", kind: .list(.syscall), defaultValue: .array([]), summary: "Syscalls and @groups to allow."),
            Key(path: "seccomp.deny", kind: .list(.syscall), defaultValue: .array([]), summary: "Syscalls and @groups to deny with deny_action."),
            Key(path: "seccomp.absent", kind: .list(.syscall), defaultValue: .array([]), summary: "Syscalls that fail with ENOSYS, as if the kernel lacked them, so libc falls back (clone3); not reported as blocked."),
            Key(path: "seccomp.rules", kind: .seccompRules, defaultValue: .array([]), summary: "Argument rules: [[seccomp.rules]] with syscall, action and args."),
            Key(path: "seccomp.architectures", kind: .list(.architecture), defaultValue: .array([.string("native")]), summary: "ABIs the filter lets through (with the same rules); every other ABI is killed."),
            Key(path: "seccomp.notify", kind: .bool, defaultValue: .bool(true), summary: "Name blocked syscalls in the report, through seccomp user notification."),

            // Namespaces (NamespaceSettings, Policy/NamespacePlan.swift).
            Key(path: "namespaces.user", kind: .bool, defaultValue: .bool(false), summary: "A new user namespace (implied rootless by any other namespace): the caller's uid/gid map to themselves inside."),
            Key(path: "namespaces.pid", kind: .bool, defaultValue: .bool(false), summary: "A new PID namespace whose PID 1 is sandbox's init: it forwards signals, reaps orphans, and the whole tree dies with sandbox."),
            Key(path: "namespaces.mount", kind: .bool, defaultValue: .bool(false), summary: "A new mount namespace (the [filesystem] view is built in it)."),
            Key(path: "namespaces.network", kind: .bool, defaultValue: .bool(false), summary: "A new network namespace with only loopback, up (the same as network.mode = \"none\")."),
            Key(path: "namespaces.ipc", kind: .bool, defaultValue: .bool(false), summary: "A new IPC namespace: System V IPC and POSIX message queues of its own."),
            Key(path: "namespaces.uts", kind: .bool, defaultValue: .bool(false), summary: "A new UTS namespace with namespaces.hostname as its hostname."),
            Key(path: "namespaces.cgroup", kind: .bool, defaultValue: .bool(false), summary: "A new cgroup namespace: /proc/self/cgroup shows the command's cgroup as the root."),
            Key(path: "namespaces.map_root", kind: .bool, defaultValue: .bool(false), summary: "In the user namespace, map the caller to root (uid and gid 0) instead of to itself."),
            Key(path: "namespaces.hostname", kind: .string, defaultValue: .string("sandbox"), summary: "The hostname inside the UTS namespace (used when namespaces.uts is on)."),
            Key(path: "network.mode", kind: .choice(NamespaceSettings.NetworkMode.allCases.map(\.rawValue)), defaultValue: .string("host"), summary: "\"host\": the host's network; \"none\": a new network namespace with only loopback, up (--net none)."),

            Key(path: "watch.enabled", kind: .bool, defaultValue: .bool(false), summary: "Record the command's file activity."),
            Key(path: "watch.include", kind: .list(.path), defaultValue: .array([]), summary: "Only record paths under these directories (empty: everywhere)."),
            Key(path: "watch.ignore", kind: .list(.path), defaultValue: .array([.string("/proc"), .string("/sys"), .string("/dev")]), summary: "Paths not recorded."),
            Key(path: "watch.operations", kind: .list(.fileOperation), defaultValue: .array(["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"].map(ProfileValue.string)), summary: "Operations recorded."),
            Key(path: "audit.syscalls", kind: .bool, defaultValue: .bool(false), summary: "Count every syscall of the command's tree by name and ABI, with errors by errno, denied calls, argument values and the process tree (`--audit`)."),
            Key(path: "audit.mechanism", kind: .choice(["auto", "ebpf", "seccomp-notify"]), defaultValue: .string("auto"), summary: "How: eBPF (root, or CAP_BPF and CAP_PERFMON; return values and errnos), seccomp user notification (any user; counts and arguments, no return values), or auto: eBPF when privileged."),

            // [cgroup]: Policy/CgroupPlan.swift. No defaults here: a profile that sets none gets no cgroup.
            Key(path: "cgroup.enabled", kind: .bool, defaultValue: nil, summary: "Run the command in a cgroup of its own (for accounting and the tree kill) even without a limit; any cgroup limit implies it."),
            Key(path: "cgroup.memory", kind: .size, defaultValue: nil, summary: "Memory limit of the whole tree (memory.max; v1 memory.limit_in_bytes); the OOM killer acts at it."),
            Key(path: "cgroup.memory_swap", kind: .size, defaultValue: nil, summary: "Swap the tree may use beyond cgroup.memory (memory.swap.max; v1 memsw); default 0 when memory is limited."),
            Key(path: "cgroup.processes", kind: .integer(1...4_194_304), defaultValue: nil, summary: "Most processes and threads the tree may have at once (pids.max); fork fails with EAGAIN beyond."),
            Key(path: "cgroup.cpu", kind: .cores, defaultValue: nil, summary: "CPU bandwidth in cores, e.g. \"1.5\" (cpu.max; v1 cpu.cfs_quota_us per 100 ms period)."),
            Key(path: "cgroup.cpu_weight", kind: .integer(1...10_000), defaultValue: nil, summary: "CPU share against sibling cgroups, 1-10000, default 100 (cpu.weight; v1 cpu.shares)."),
            Key(path: "cgroup.io_weight", kind: .integer(1...10_000), defaultValue: nil, summary: "I/O share, 1-10000, default 100 (io.weight; v1 blkio.bfq.weight, BFQ scheduler only)."),
            Key(path: "cgroup.io_read_bandwidth", kind: .bandwidths, defaultValue: nil, summary: "Read bytes per second per device, { \"/dev/vda\" = \"50MiB\" } (io.max rbps; v1 blkio.throttle.read_bps_device)."),
            Key(path: "cgroup.io_write_bandwidth", kind: .bandwidths, defaultValue: nil, summary: "Write bytes per second per device (io.max wbps; v1 blkio.throttle.write_bps_device)."),
        ]
        // [filesystem]: no schema defaults, so that a profile that sets none of these has no view (and its
        // `profile show` no [filesystem] section); the defaults are FilesystemSettings.inactive's.
        keys += [
            Key(path: "filesystem.root", kind: .choice(["read-write", "read-only"]), defaultValue: nil, summary: "The host's root in the view: read-write (default) or read-only."),
            Key(path: "filesystem.read_only", kind: .list(.bindSpec), defaultValue: nil, summary: "Host paths bound read-only: PATH or SOURCE:DESTINATION."),
            Key(path: "filesystem.read_write", kind: .list(.bindSpec), defaultValue: nil, summary: "Host paths bound read-write: PATH or SOURCE:DESTINATION."),
            Key(path: "filesystem.executable", kind: .list(.viewPath), defaultValue: nil, summary: "Where programs may be executed (default: everywhere in the view)."),
            Key(path: "filesystem.hide", kind: .list(.viewPath), defaultValue: nil, summary: "Paths that appear empty (the last component may be a glob)."),
            Key(path: "filesystem.tmpfs", kind: .list(.tmpfsSpec), defaultValue: nil, summary: "Fresh tmpfs mounts: PATH or PATH:SIZE."),
            Key(path: "filesystem.workdir_writable", kind: .bool, defaultValue: nil, summary: "Bind the working directory read-write (default false)."),
            Key(path: "filesystem.home", kind: .choice(["host", "empty"]), defaultValue: nil, summary: "$HOME as the host's (default) or a fresh empty directory."),
            Key(path: "filesystem.landlock", kind: .bool, defaultValue: nil, summary: "Also enforce the view with Landlock (default true)."),
            Key(path: "filesystem.landlock_scope", kind: .list(.landlockScope), defaultValue: nil, summary: "Landlock scopes (ABI 6): abstract-unix-socket, signal."),
        ]
        for limit in ResourceLimit.allCases {
            keys.append(Key(path: "limits." + limit.rawValue, kind: .limit(limit), defaultValue: nil,
                            summary: "\(limit.kernelName) (setrlimit); \(unitWords(limit.unit)), or \"unlimited\"."))
        }
        return keys
    }()

    static let byPath: [String: Key] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The section names (`limits`, `process`, …): the first component of every dotted key.
    static let sections: Set<String> = Set(keys.compactMap { $0.path.split(separator: ".").count > 1 ? String($0.path.split(separator: ".")[0]) : nil })

    private static func unitWords(_ unit: ResourceLimit.Unit) -> String {
        switch unit {
        case .bytes: return "bytes or a size such as \"512MiB\""
        case .seconds: return "seconds or a duration such as \"30s\""
        case .microseconds: return "a duration such as \"500ms\""
        case .count: return "a count"
        }
    }
}
