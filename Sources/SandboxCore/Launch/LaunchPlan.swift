import CSandboxSpawn
import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// Everything the child needs, computed in the parent before the fork: the resolved program path, argv,
/// envp, the rlimit table, capability masks and the seccomp program. The child (CSandboxSpawn) only makes
/// system calls with these values.
public final class LaunchPlan {
    public let profile: Profile
    public let command: [String]
    public let executable: String
    /// The command's environment as `NAME=value` entries, or nil for sandbox's own, passed on as it is
    /// (`environ`, no copy) when the profile neither clears, unsets nor sets a variable.
    public let environment: [String]?
    public let rlimits: [sbx_rlimit]
    public let keepCaps: UInt64
    public let dropBounding: Bool
    /// CAP_SETPCAP here (without a user namespace the bounding set can be dropped only with it).
    let hostCanDropBounding: Bool
    /// The namespaces, the uid/gid maps and the id switch (Policy/NamespacePlan.swift); replaced by a
    /// smaller plan when the kernel refuses best-effort namespaces (`fallBack`).
    public private(set) var namespaces: NamespacePlan
    /// The network namespace and the view's mount namespace, being made on a thread while the rest is
    /// prepared (root, no user namespace).
    private(set) var ahead: NamespacesAhead?
    /// What this plan wants made ahead, for the profile cache to keep (`EarlyNamespaces`): 0 for nothing.
    public let launchHint: UInt8
    public let seccomp: SeccompProgram?
    public let usePty: Bool
    public let ptyStdioMask: Int32
    /// Kernel features the profile allowed to go unenforced, and why: "not enforced: X (why)".
    public private(set) var notEnforced: [String] = []
    /// Facts about the run worth a line in the report (not failures).
    public private(set) var notes: [String] = []
    /// The file-activity watcher, when the profile asks for one.
    let watch: FileWatchSession?
    /// The filesystem view (`[filesystem]`) and its enforcers, prepared; nil without a view.
    public private(set) var filesystem: FilesystemPlan?
    /// Whether anything renders the run's figures (the summary, a report); false for a quiet run.
    let rendersFigures: Bool
    /// The PID namespace's init borrows our memory instead of a copy of it (CSandboxSpawn, sbx_spawn):
    /// 0.3 ms less per launch, but the kernel would then count our resident size in the tree's peak memory
    /// (`ru_maxrss`), so only when nothing renders the figures.
    var borrowsMemory: Bool { namespaces.pidInit && !rendersFigures }
    /// The syscall audit, when the profile asks for one (its eBPF program is attached already).
    let audit: SyscallAuditSession?
    /// The child's end of the socket the seccomp listener travels on.
    let notifySocket: (parent: Int32, child: Int32)?
    /// The run's cgroups and their limits (Policy/CgroupPlan.swift); nil when the profile asks for none.
    public let cgroup: CgroupPlan?
    /// Those cgroups, made while the plan was prepared, until `takeCgroup`.
    private var createdCgroup: RunCgroup?

    /// `compiled.seccomp`, when present, is used instead of compiling the profile's filter again when it
    /// `fits` this run (the same listener socket, nothing observed for the file watcher). `rendersFigures`
    /// false (a quiet run without a report) leaves out the cgroups only figures need (`CgroupPlan.prepare`).
    /// `early`: a thread already making namespaces on the profile cache's hint, kept if it fits; `listings`:
    /// the directories the view's globs list, kept between runs (`ListingCache`).
    public init(compiled: CompiledProfile, command: [String],
                environment callerEnvironment: [String]? = nil,
                onFileEvent: ((FileEvent) -> Void)? = nil, rendersFigures: Bool = true, early: EarlyNamespaces? = nil,
                listings: ListingCache? = nil) throws {
        let early = early?.ahead
        let profile = compiled.profile
        self.rendersFigures = rendersFigures
        self.profile = profile
        self.command = command
        guard let program = command.first, !program.isEmpty else {
            throw SandboxError(.usage, "run", "no command given", hint: "sandbox run -p PROFILE -- COMMAND [ARGS...]")
        }
        var notEnforced: [String] = []
        var notes: [String] = []
        let environment = Self.environment(profile.process, caller: callerEnvironment)
        self.environment = environment
        func path(in entries: [String]?) -> Substring? {
            guard let entries else { return getenv("PATH").map { Substring(String(cString: $0)) } }
            return ProcessEnvironment.value(of: "PATH", in: entries)
        }
        let path = path(in: environment) ?? path(in: callerEnvironment) ?? "/usr/local/bin:/usr/bin:/bin"
        self.executable = try Self.resolveExecutable(program, path: path, workdir: profile.process.workdir)

        let privileged = Capabilities.current()
        func has(_ cap: Int32) -> Bool { privileged.effective & (1 << UInt64(cap)) != 0 }
        let namespaces = try NamespacePlan.prepare(profile, effectiveCaps: privileged.effective)
        self.namespaces = namespaces
        // As early as possible: the thread works while everything below is prepared. One started earlier,
        // on the profile cache's hint, is kept when it makes what this plan wants, and released otherwise.
        let want = NamespacesAhead.want(for: namespaces, view: profile.filesystem.isActive)
        self.launchHint = want?.hint ?? 0
        if let early, early.want != want { early.release() }
        let ahead = early.flatMap { $0.want == want ? $0 : nil } ?? want.flatMap(NamespacesAhead.start)
        self.ahead = ahead
        notes += namespaces.notes

        // Limits: refuse (or, best-effort, clamp) what the child's setrlimit would be refused, so the error
        // comes before anything starts and names the hard limit.
        var rlimits: [sbx_rlimit] = []
        for limit in ResourceLimit.allCases {
            guard let value = profile.limits[limit] else { continue }
            var current = rlimit()
            getrlimit(__rlimit_resource_t(UInt32(limit.resource)), &current)
            var soft = value.soft.map { rlim_t($0) } ?? rlim_t.max
            var hard = value.hard.map { rlim_t($0) } ?? rlim_t.max
            if hard > current.rlim_max && !has(Capabilities.sysResource) {
                let requested = value.hard.map { String($0) } ?? "unlimited"
                let currentText = current.rlim_max == rlim_t.max ? "unlimited" : String(current.rlim_max)
                if !profile.allowsBestEffort("limits") {
                    throw SandboxError(.setup, "setrlimit(\(limit.kernelName), \(requested))", String(cString: strerror(EPERM)),
                                       hint: "the hard limit is \(currentText); raising it needs CAP_SYS_RESOURCE")
                }
                notEnforced.append("limits.\(limit.rawValue) = \(requested) (the hard limit is \(currentText); kept at that)")
                hard = current.rlim_max
                soft = min(soft, hard)
            }
            rlimits.append(sbx_rlimit(resource: limit.resource, limit: rlimit(rlim_cur: soft, rlim_max: hard)))
        }
        self.rlimits = rlimits

        if let nice = profile.process.nice {
            errno = 0
            let currentNice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if nice < currentNice && !has(Capabilities.sysNice) {
                if !profile.allowsBestEffort("nice") {
                    throw SandboxError(.setup, "setpriority(\(nice))", String(cString: strerror(EACCES)),
                                       hint: "the current nice value is \(currentNice); lowering it needs CAP_SYS_NICE")
                }
                notEnforced.append("process.nice = \(nice) (lowering below \(currentNice) needs CAP_SYS_NICE)")
            }
        }

        // Capabilities: keep only what we hold; drop the bounding set when we may (CAP_SETPCAP).
        var keep: UInt64 = 0
        for cap in profile.capabilities { keep |= 1 << UInt64(cap) }
        let missing = keep & ~privileged.permitted
        if missing != 0 {
            let names = (0...Capabilities.lastCap).filter { missing & (1 << UInt64($0)) != 0 }.map(Capabilities.name(of:))
            if !profile.allowsBestEffort("capabilities") {
                throw SandboxError(.setup, "capabilities.keep", "sandbox does not hold " + names.joined(separator: ", "),
                                   hint: "run as root, or grant them to the caller (ambient capabilities)")
            }
            notEnforced.append("capabilities.keep: " + names.joined(separator: ", ") + " (not held by the caller)")
            keep &= privileged.permitted
        }
        self.keepCaps = keep
        self.hostCanDropBounding = has(Capabilities.setpcap)
        // In a user namespace the child holds the namespace's CAP_SETPCAP.
        self.dropBounding = hostCanDropBounding || namespaces.has(.user)
        if !dropBounding {
            if profile.process.noNewPrivileges {
                notes.append("bounding set unchanged (needs CAP_SETPCAP); no_new_privs stops execve from regaining capabilities")
            } else if !profile.allowsBestEffort("capabilities") {
                throw SandboxError(.setup, "prctl(PR_CAPBSET_DROP)", String(cString: strerror(EPERM)),
                                   hint: "without CAP_SETPCAP the bounding set can only be left as is; set process.no_new_privileges = true")
            } else {
                notEnforced.append("capability bounding set (needs CAP_SETPCAP)")
            }
        }

        // The filesystem view: its mount ops and Landlock rules, prepared (Policy/FilesystemPlan.swift). Without
        // one nothing here runs (no $HOME lookup, no getcwd) on the default path.
        var filesystem: FilesystemPlan?
        if profile.filesystem.isActive {
            let home = ProcessEnvironment.value(of: "HOME", in: environment ?? ProcessEnvironment.entries).map(String.init)
            // The thread builds the view while the Landlock rules, the cgroups and the rest are prepared.
            filesystem = try FilesystemPlan.prepare(
                profile, workdir: profile.process.workdir ?? Supervisor.currentDirectory(), home: home, namespaces: namespaces,
                mayRestrict: profile.process.noNewPrivileges || has(Capabilities.sysAdmin), listings: listings,
                onMounts: { ahead?.build($0) })
        }
        self.filesystem = filesystem
        notEnforced += filesystem?.notEnforced ?? []
        notes += filesystem?.notes ?? []
        // No mount ops after all: the thread is told there is no view to build.
        ahead?.build(filesystem?.preparedMounts)

        // The cgroups are made with the plan: a parent that is not delegated to us is found by the mkdir,
        // so the error (or, best-effort, the run without a cgroup) still comes before anything is started.
        // If a later part of the plan fails, the RunCgroup's deinit removes them. (Made on a thread of their
        // own, overlapping the rest, they cost more, not less: docs/benchmarks.md, "cgroups".)
        let cgroupPlan = try CgroupPlan.prepare(profile, figures: rendersFigures, notEnforced: &notEnforced)
        let createdCgroup = try cgroupPlan.flatMap { try RunCgroup.create($0, bestEffort: $0.bestEffort, notEnforced: &notEnforced) }
        self.cgroup = createdCgroup == nil ? nil : cgroupPlan
        self.createdCgroup = createdCgroup

        // The file watcher comes before the filter: without fanotify it needs the file syscalls notified.
        let watch = FileWatchSession.prepare(profile, workingDirectory: profile.process.workdir ?? Supervisor.currentDirectory(),
                                             privateMounts: filesystem?.mounts?.freshMounts ?? [], onEvent: onFileEvent)
        self.watch = watch
        // The audit too: its unprivileged mechanism notifies every call through the filter.
        let audit = try SyscallAuditSession.prepare(profile, notEnforced: &notEnforced)
        self.audit = audit
        let observeAll = audit?.observesAllSyscalls ?? false
        var seccompSettings = profile.seccomp
        if (watch.map { !$0.observedSyscalls.isEmpty } ?? false) || observeAll, !seccompSettings.enabled {
            // A profile without a filter still gets one that blocks nothing, to observe files through.
            seccompSettings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(EPERM), allow: [], deny: [],
                                              absent: [], rules: [], architectures: ["native"], notify: true)
            notes.append((observeAll ? "syscalls" : "file activity") + " observed through a seccomp filter that blocks nothing")
        }

        // Seccomp: a filter needs no_new_privs or CAP_SYS_ADMIN.
        if seccompSettings.enabled {
            if !profile.process.noNewPrivileges && !has(21) {
                throw SandboxError(.usage, "seccomp", "a filter without no_new_privileges needs CAP_SYS_ADMIN",
                                   hint: "set process.no_new_privileges = true")
            }
            var pair: [Int32] = [-1, -1]
            let wantsNotify = seccompSettings.notify || watch?.observedSyscalls.isEmpty == false || observeAll
            if wantsNotify, socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) < 0 {
                throw SandboxError.system("socketpair", errno: errno)
            }
            // The child's end at a steady number (the lowest free from 100): a filter that names it (a
            // profile that denies sendmsg) then stays reusable from the cache whatever else this run has
            // open (--report, --trace-files).
            if pair[1] >= 0 {
                let steady = fcntl(pair[1], F_DUPFD_CLOEXEC, 100)
                if steady >= 0 { close(pair[1]); pair[1] = steady }
            }
            let program: SeccompProgram
            do {
                let notifySocketFD = wantsNotify ? pair[1] : nil
                let observe = watch?.observedSyscalls ?? []
                if watch == nil, !observeAll, let earlier = compiled.seccomp, earlier.fits(notifySocketFD: notifySocketFD, observe: observe) {
                    program = earlier
                } else {
                    program = try SeccompCompiler.compile(seccompSettings, notifySocketFD: notifySocketFD, observe: observe,
                                                          observeAll: observeAll)
                }
            } catch {
                if pair[0] >= 0 { close(pair[0]); close(pair[1]) }
                throw error
            }
            if program.usesNotification {
                notifySocket = (pair[0], pair[1])
            } else {
                if pair[0] >= 0 { close(pair[0]); close(pair[1]) }
                notifySocket = nil
            }
            self.seccomp = program
        } else {
            self.seccomp = nil
            notifySocket = nil
        }

        // A pseudo-terminal for interactive use: for each of 0, 1, 2 that is a terminal.
        var mask: Int32 = 0
        for fd: Int32 in 0...2 where isatty(fd) == 1 { mask |= 1 << fd }
        switch profile.process.pty {
        case "always": usePty = true; ptyStdioMask = 0b111
        case "never": usePty = false; ptyStdioMask = 0
        default: usePty = mask & 0b11 == 0b11; ptyStdioMask = mask
        }
        self.notEnforced = notEnforced
        self.notes = notes
    }

    /// The run's cgroups, created: the ones made while this plan was prepared, or (when they were taken
    /// already) new ones. nil when the profile asks for none.
    public func takeCgroup() throws -> RunCgroup? {
        if let created = createdCgroup {
            createdCgroup = nil
            return created
        }
        return try cgroup.map(RunCgroup.create)
    }

    /// The thread could not make the namespaces ahead: the child makes its own (CLONE_NEWNET, CLONE_NEWNS
    /// and the whole view).
    func dropAhead() {
        ahead?.release()
        ahead = nil
    }

    /// The kernel refused namespaces that the profile lets go unenforced: run without them, and say so.
    func fallBack(to smaller: NamespacePlan) throws {
        namespaces = smaller
        ahead?.release()
        ahead = nil
        // Without the mount namespace the view is Landlock's alone (or an error when it cannot express it).
        if let view = filesystem {
            filesystem = try view.prepared(namespaces: smaller)
            notEnforced += filesystem?.notEnforced ?? []
        }
        notes.removeAll { line in line.hasPrefix("user namespace added") }
        notEnforced += smaller.notEnforced
        if !hostCanDropBounding && profile.process.noNewPrivileges {
            notes.append("bounding set unchanged (needs CAP_SETPCAP); no_new_privs stops execve from regaining capabilities")
        }
    }

    deinit {
        if let notifySocket {
            close(notifySocket.parent)
            close(notifySocket.child)
        }
    }

    /// The command's environment (`NAME=value` entries) from the profile's policy and the caller's
    /// (nil: this process's); nil when the policy changes nothing and the caller's is this process's.
    static func environment(_ p: ProcessSettings, caller: [String]?) -> [String]? {
        if caller == nil, !p.clearEnvironment, p.envUnset.isEmpty, p.envSet.isEmpty { return nil }
        func named(_ names: [String]) -> (String) -> Bool {
            { entry in let name = ProcessEnvironment.name(of: entry); return names.contains { name == $0 } }
        }
        let caller = caller ?? ProcessEnvironment.entries
        var env = p.clearEnvironment ? caller.filter(named(p.envKeep)) : caller
        if !p.envUnset.isEmpty { env.removeAll(where: named(p.envUnset)) }
        for (key, value) in p.envSet {
            env.removeAll(where: named([key]))
            env.append(key + "=" + value)
        }
        return env
    }

    /// `$PATH` lookup in the parent, as execvp would do it (the child calls only execve). Not found is
    /// exit 127; found but not executable is 126.
    static func resolveExecutable<Path: StringProtocol>(_ program: String, path: Path, workdir: String?) throws -> String {
        if program.contains("/") {
            let full = program.hasPrefix("/") || workdir == nil ? program : workdir! + "/" + program
            guard access(full, F_OK) == 0 else {
                throw SandboxError(.notFound, program, String(cString: strerror(errno)))
            }
            return full
        }
        var deniedCandidate: String?
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + program
            var st = stat()
            guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            deniedCandidate = deniedCandidate ?? candidate
        }
        if let deniedCandidate {
            throw SandboxError(.cannotExecute, deniedCandidate, String(cString: strerror(EACCES)))
        }
        throw SandboxError(.notFound, program, "command not found")
    }
}
