/// `sandbox profile show NAME` for each built-in profile, as the TOMLKit-based loader printed it (same
/// values, same file:line origins) except that inline tables now keep their keys in the order written.
/// After a deliberate change to `profiles/NAME.toml`, regenerate the entry from `sandbox profile show NAME`.
enum BuiltinProfileSnapshots {
    static let text: [String: String] = [
        "audit": #"""
            # profile audit, resolved
            best_effort = []  # (default)
            description = "Observe a program: limits off, nothing blocked, file activity and syscalls recorded"  # builtin:audit.toml:9

            [audit]
            mechanism = "auto"  # (default)
            syscalls = true  # builtin:audit.toml:24

            [capabilities]
            keep = []  # (default)

            [limits]
            core = 0  # builtin:audit.toml:15
            cpu = "unlimited"  # builtin:audit.toml:12
            data = "unlimited"  # builtin:audit.toml:13
            file_size = "unlimited"  # builtin:audit.toml:14
            kill_after = "5s"  # (default)

            [namespaces]
            cgroup = false  # (default)
            hostname = "sandbox"  # (default)
            ipc = false  # (default)
            map_root = false  # (default)
            mount = false  # (default)
            network = false  # (default)
            pid = false  # (default)
            user = false  # (default)
            uts = false  # (default)

            [network]
            mode = "host"  # (default)

            [process]
            die_with_parent = true  # (default)
            env = "inherit"  # (default)
            env_keep = []  # (default)
            env_set = {}  # (default)
            env_unset = []  # (default)
            kill_orphans = true  # (default)
            new_session = true  # (default)
            no_new_privileges = true  # (default)
            pty = "auto"  # (default)

            [seccomp]
            absent = []  # (default)
            allow = []  # (default)
            architectures = ["native"]  # (default)
            default_action = "allow"  # (default)
            deny = []  # (default)
            deny_action = "errno:EPERM"  # (default)
            enabled = false  # builtin:audit.toml:18
            notify = true  # (default)

            [watch]
            enabled = true  # builtin:audit.toml:21
            ignore = ["/proc", "/sys", "/dev"]  # (default)
            include = []  # (default)
            operations = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]  # (default)
            """#,
        "build": #"""
            # profile build, resolved
            best_effort = ["limits"]  # builtin:build.toml:11
            description = "Compilers and test runners: default, larger limits, ptrace allowed for sanitizers"  # builtin:build.toml:7

            [audit]
            mechanism = "auto"  # (default)
            syscalls = false  # (default)

            [capabilities]
            keep = []  # builtin:default.toml:29

            [limits]
            core = 0  # builtin:default.toml:17
            cpu = "4h"  # builtin:build.toml:14
            data = "16GiB"  # builtin:build.toml:15
            file_size = "16GiB"  # builtin:default.toml:16
            kill_after = "5s"  # builtin:default.toml:19
            open_files = { soft = 8192, hard = 65536 }  # builtin:build.toml:16
            processes = 16384  # builtin:build.toml:17
            wall = "unlimited"  # builtin:default.toml:18

            [namespaces]
            cgroup = false  # (default)
            hostname = "sandbox"  # (default)
            ipc = false  # (default)
            map_root = false  # (default)
            mount = false  # (default)
            network = false  # (default)
            pid = false  # (default)
            user = false  # (default)
            uts = false  # (default)

            [network]
            mode = "host"  # (default)

            [process]
            die_with_parent = true  # builtin:default.toml:25
            env = "inherit"  # (default)
            env_keep = []  # (default)
            env_set = {}  # (default)
            env_unset = []  # (default)
            kill_orphans = true  # builtin:default.toml:26
            new_session = true  # builtin:default.toml:23
            nice = 5  # builtin:default.toml:22
            no_new_privileges = true  # builtin:default.toml:24
            pty = "auto"  # (default)

            [seccomp]
            absent = ["clone3"]  # builtin:default.toml:36
            allow = ["ptrace", "process_vm_readv"]  # builtin:build.toml:20
            architectures = ["native"]  # (default)
            default_action = "allow"  # builtin:default.toml:32
            deny = ["mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root", "chroot", "unshare", "setns", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key", "open_by_handle_at", "ptrace", "process_vm_writev", "process_vm_readv", "pidfd_getfd", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "vhangup", "create_module", "get_kernel_syms", "query_module", "personality"]  # builtin:default.toml:37
            deny_action = "errno:EPERM"  # builtin:default.toml:33
            enabled = true  # (default)
            notify = true  # (default)

            [watch]
            enabled = false  # builtin:default.toml:93
            ignore = ["/proc", "/sys", "/dev"]  # (default)
            include = []  # (default)
            operations = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]  # (default)

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "ioctl"
            action = "errno:EPERM"
            args = [{ index = 1, op = "masked_eq", mask = 4294967295, value = ["TIOCSTI", "TIOCLINUX"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "clone"
            action = "errno:EPERM"
            args = [{ index = 0, op = "masked_eq", value = ["CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "personality"
            action = "allow"
            args = [{ index = 0, op = "eq", value = [0, 8, 131072, 131080, 4294967295] }]
            """#,
        "ci": #"""
            # profile ci, resolved
            best_effort = ["landlock", "cgroup"]  # builtin:ci.toml:18
            description = "CI test runs: namespaces, no network, the host read-only but the working directory, private /tmp, empty $HOME"  # builtin:ci.toml:12

            [audit]
            mechanism = "auto"  # (default)
            syscalls = false  # (default)

            [capabilities]
            keep = []  # builtin:default.toml:29

            [cgroup]
            memory = "8GiB"  # builtin:ci.toml:32
            processes = 4096  # builtin:ci.toml:34

            [filesystem]
            hide = ["/root", "/home", "/etc/shadow*", "/etc/gshadow*", "/etc/sudoers*", "/etc/ssh/ssh_host_*"]  # builtin:ci.toml:41
            home = "empty"  # builtin:ci.toml:40
            landlock_scope = ["abstract-unix-socket", "signal"]  # builtin:ci.toml:47
            root = "read-only"  # builtin:ci.toml:37
            tmpfs = ["/tmp:1GiB", "/var/tmp:1GiB"]  # builtin:ci.toml:39
            workdir_writable = true  # builtin:ci.toml:38

            [limits]
            core = 0  # builtin:default.toml:17
            cpu = "1h"  # builtin:default.toml:11
            data = "8GiB"  # builtin:default.toml:12
            file_size = "16GiB"  # builtin:default.toml:16
            kill_after = "5s"  # builtin:default.toml:19
            open_files = { soft = 1024, hard = 4096 }  # builtin:default.toml:14
            processes = 4096  # builtin:default.toml:15
            wall = "unlimited"  # builtin:default.toml:18

            [namespaces]
            cgroup = true  # builtin:ci.toml:25
            hostname = "sandbox"  # (default)
            ipc = true  # builtin:ci.toml:23
            map_root = false  # (default)
            mount = true  # builtin:ci.toml:22
            network = false  # (default)
            pid = true  # builtin:ci.toml:21
            user = false  # (default)
            uts = true  # builtin:ci.toml:24

            [network]
            mode = "none"  # builtin:ci.toml:29

            [process]
            die_with_parent = true  # builtin:default.toml:25
            env = "inherit"  # (default)
            env_keep = []  # (default)
            env_set = {}  # (default)
            env_unset = []  # (default)
            kill_orphans = true  # builtin:default.toml:26
            new_session = true  # builtin:default.toml:23
            nice = 5  # builtin:default.toml:22
            no_new_privileges = true  # builtin:default.toml:24
            pty = "auto"  # (default)

            [seccomp]
            absent = ["clone3"]  # builtin:default.toml:36
            allow = []  # (default)
            architectures = ["native"]  # (default)
            default_action = "allow"  # builtin:default.toml:32
            deny = ["mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root", "chroot", "unshare", "setns", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key", "open_by_handle_at", "ptrace", "process_vm_writev", "process_vm_readv", "pidfd_getfd", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "vhangup", "create_module", "get_kernel_syms", "query_module", "personality"]  # builtin:default.toml:37
            deny_action = "errno:EPERM"  # builtin:default.toml:33
            enabled = true  # (default)
            notify = true  # (default)

            [watch]
            enabled = false  # builtin:default.toml:93
            ignore = ["/proc", "/sys", "/dev"]  # (default)
            include = []  # (default)
            operations = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]  # (default)

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "ioctl"
            action = "errno:EPERM"
            args = [{ index = 1, op = "masked_eq", mask = 4294967295, value = ["TIOCSTI", "TIOCLINUX"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "clone"
            action = "errno:EPERM"
            args = [{ index = 0, op = "masked_eq", value = ["CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "personality"
            action = "allow"
            args = [{ index = 0, op = "eq", value = [0, 8, 131072, 131080, 4294967295] }]
            """#,
        "default": #"""
            # profile default, resolved
            best_effort = []  # (default)
            description = "Ordinary command-line programs: no capabilities, dangerous syscalls denied, sane limits"  # builtin:default.toml:8

            [audit]
            mechanism = "auto"  # (default)
            syscalls = false  # (default)

            [capabilities]
            keep = []  # builtin:default.toml:29

            [limits]
            core = 0  # builtin:default.toml:17
            cpu = "1h"  # builtin:default.toml:11
            data = "8GiB"  # builtin:default.toml:12
            file_size = "16GiB"  # builtin:default.toml:16
            kill_after = "5s"  # builtin:default.toml:19
            open_files = { soft = 1024, hard = 4096 }  # builtin:default.toml:14
            processes = 4096  # builtin:default.toml:15
            wall = "unlimited"  # builtin:default.toml:18

            [namespaces]
            cgroup = false  # (default)
            hostname = "sandbox"  # (default)
            ipc = false  # (default)
            map_root = false  # (default)
            mount = false  # (default)
            network = false  # (default)
            pid = false  # (default)
            user = false  # (default)
            uts = false  # (default)

            [network]
            mode = "host"  # (default)

            [process]
            die_with_parent = true  # builtin:default.toml:25
            env = "inherit"  # (default)
            env_keep = []  # (default)
            env_set = {}  # (default)
            env_unset = []  # (default)
            kill_orphans = true  # builtin:default.toml:26
            new_session = true  # builtin:default.toml:23
            nice = 5  # builtin:default.toml:22
            no_new_privileges = true  # builtin:default.toml:24
            pty = "auto"  # (default)

            [seccomp]
            absent = ["clone3"]  # builtin:default.toml:36
            allow = []  # (default)
            architectures = ["native"]  # (default)
            default_action = "allow"  # builtin:default.toml:32
            deny = ["mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root", "chroot", "unshare", "setns", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key", "open_by_handle_at", "ptrace", "process_vm_writev", "process_vm_readv", "pidfd_getfd", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "vhangup", "create_module", "get_kernel_syms", "query_module", "personality"]  # builtin:default.toml:37
            deny_action = "errno:EPERM"  # builtin:default.toml:33
            enabled = true  # (default)
            notify = true  # (default)

            [watch]
            enabled = false  # builtin:default.toml:93
            ignore = ["/proc", "/sys", "/dev"]  # (default)
            include = []  # (default)
            operations = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]  # (default)

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "ioctl"
            action = "errno:EPERM"
            args = [{ index = 1, op = "masked_eq", mask = 4294967295, value = ["TIOCSTI", "TIOCLINUX"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "clone"
            action = "errno:EPERM"
            args = [{ index = 0, op = "masked_eq", value = ["CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"] }]

            [[seccomp.rules]]  # builtin:default.toml:73
            syscall = "personality"
            action = "allow"
            args = [{ index = 0, op = "eq", value = [0, 8, 131072, 131080, 4294967295] }]
            """#,
        "strict": #"""
            # profile strict, resolved
            best_effort = []  # (default)
            description = "Allow list for command-line programs: files, processes, pipes; no network, no kernel interfaces"  # builtin:strict.toml:5

            [audit]
            mechanism = "auto"  # (default)
            syscalls = false  # (default)

            [capabilities]
            keep = []  # builtin:default.toml:29

            [limits]
            core = 0  # builtin:default.toml:17
            cpu = "1h"  # builtin:default.toml:11
            data = "8GiB"  # builtin:default.toml:12
            file_size = "16GiB"  # builtin:default.toml:16
            kill_after = "5s"  # builtin:default.toml:19
            open_files = { soft = 1024, hard = 4096 }  # builtin:default.toml:14
            processes = 4096  # builtin:default.toml:15
            wall = "unlimited"  # builtin:default.toml:18

            [namespaces]
            cgroup = false  # (default)
            hostname = "sandbox"  # (default)
            ipc = false  # (default)
            map_root = false  # (default)
            mount = false  # (default)
            network = false  # (default)
            pid = false  # (default)
            user = false  # (default)
            uts = false  # (default)

            [network]
            mode = "host"  # (default)

            [process]
            die_with_parent = true  # builtin:default.toml:25
            env = "inherit"  # (default)
            env_keep = []  # (default)
            env_set = {}  # (default)
            env_unset = []  # (default)
            kill_orphans = true  # builtin:default.toml:26
            new_session = true  # builtin:default.toml:23
            nice = 5  # builtin:default.toml:22
            no_new_privileges = true  # builtin:default.toml:24
            pty = "auto"  # (default)

            [seccomp]
            absent = ["clone3"]  # builtin:default.toml:36
            allow = ["@default", "@basic-io", "@file-system", "@io-event", "@ipc", "@process", "@signal", "@timer", "@sync", "@chown", "@resources", "@network-io", "ioctl", "uname", "sysinfo", "getrandom", "sched_getaffinity", "sched_yield", "madvise", "mremap", "mprotect", "mmap", "munmap", "brk", "umask", "prctl", "arch_prctl", "capget", "getcpu"]  # builtin:strict.toml:10
            architectures = ["native"]  # (default)
            default_action = "errno:EPERM"  # builtin:strict.toml:9
            deny = ["mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root", "chroot", "unshare", "setns", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key", "open_by_handle_at", "ptrace", "process_vm_writev", "process_vm_readv", "pidfd_getfd", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "vhangup", "create_module", "get_kernel_syms", "query_module", "personality"]  # builtin:default.toml:37
            deny_action = "errno:EPERM"  # builtin:default.toml:33
            enabled = true  # (default)
            notify = true  # (default)

            [watch]
            enabled = false  # builtin:default.toml:93
            ignore = ["/proc", "/sys", "/dev"]  # (default)
            include = []  # (default)
            operations = ["read", "write", "create", "delete", "rename", "mkdir", "rmdir", "attrib", "exec"]  # (default)

            [[seccomp.rules]]  # builtin:default.toml:73 + builtin:strict.toml:20
            syscall = "ioctl"
            action = "errno:EPERM"
            args = [{ index = 1, op = "masked_eq", mask = 4294967295, value = ["TIOCSTI", "TIOCLINUX"] }]

            [[seccomp.rules]]  # builtin:default.toml:73 + builtin:strict.toml:20
            syscall = "clone"
            action = "errno:EPERM"
            args = [{ index = 0, op = "masked_eq", value = ["CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"] }]

            [[seccomp.rules]]  # builtin:default.toml:73 + builtin:strict.toml:20
            syscall = "personality"
            action = "allow"
            args = [{ index = 0, op = "eq", value = [0, 8, 131072, 131080, 4294967295] }]

            [[seccomp.rules]]  # builtin:default.toml:73 + builtin:strict.toml:20
            syscall = "socket"
            action = "errno:EAFNOSUPPORT"
            args = [{ index = 0, op = "ne", value = "AF_UNIX" }]
            """#,
    ]
}
