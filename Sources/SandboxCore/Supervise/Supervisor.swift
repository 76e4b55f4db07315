import CSandboxSpawn
import CSandboxSys
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Runs a prepared plan: spawns the child, then waits on its pidfd, a signalfd, timers, the error pipe,
/// the seccomp listener, the terminal relay and the file watcher in one poll(2) loop (no busy polling,
/// no sleeps), until the command has exited and everything it left behind is reaped.
public final class Supervisor {
    public struct Options {
        public var timeout: Double?
        public var killAfter: Double
        public init(timeout: Double?, killAfter: Double) {
            self.timeout = timeout
            self.killAfter = killAfter
        }
    }

    /// Signals forwarded to the command. SIGCHLD is handled here; SIGWINCH resizes the pty when there is one.
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT]

    let plan: LaunchPlan
    let options: Options
    private var child: StartedChild!
    private var listener: Int32 = -1
    private var violations = ViolationLog()
    private var timedOut = false
    private var killTimer: Int32 = -1
    /// `sandbox stop` asked for the run to end: its SIGKILL goes to the whole tree.
    private var stopping = false
    private var setupFailure: ChildFailure?
    private var terminal: TerminalRelay?
    private var watcher: FileWatchSession?
    /// The run's cgroup while the command runs (`sample()` for a live monitor).
    public private(set) var cgroup: RunCgroup?
    private var audit: SyscallAuditSession?
    /// While armed, the watcher's fds are left out of poll(): events gather in the kernel queue and are
    /// read in large batches. Waking for every few events cost the command more than the events
    /// themselves (the writer contends with each read for fanotify's queue lock), and unread events of
    /// one file merge into one. 2 ms bounds the delay `--trace-files` adds.
    private var watchPause: Int32 = -1
    /// The timeline sampler and the control socket (`sandbox ps/top/stop/events`).
    private var monitor: RunMonitor?
    /// Called once the control socket listens, with the run id (`--print-id`).
    public var onControlReady: ((String) -> Void)?
    /// False when nothing will render the result's figures (`-q` without `--report`): the cgroup then
    /// reads only what decides `limit_hit` (RunCgroup.finish).
    public var rendersFigures = true
    static let watchCoalescing = 0.002

    public init(plan: LaunchPlan, options: Options) {
        self.plan = plan
        self.options = options
    }

    /// Runs the command to completion. Throws only when the command could not be started at all.
    public func run() throws -> RunResult {
        var mask = sigset_t()
        sigemptyset(&mask)
        for sig in Self.forwarded + [SIGCHLD] { sigaddset(&mask, sig) }
        var oldMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &mask, &oldMask)
        // SIGPIPE: a closed stdout must not kill the supervisor before it has reaped the command.
        signal(SIGPIPE, SIG_IGN)
        defer { pthread_sigmask(SIG_SETMASK, &oldMask, nil) }
        let signals = signalfd(-1, &mask, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard signals >= 0 else { throw SandboxError.system("signalfd", errno: errno) }
        defer { close(signals) }

        // Orphans of the command's tree are reparented to us, so none outlives the run unnoticed.
        if plan.profile.process.killOrphans { _ = sbx_set_child_subreaper() }
        // The mark by which every control socket refuses this tree's processes (PeerCheck), before the spawn.
        _ = sbx_set_name(PeerCheck.supervisorName)

        watcher = plan.watch
        audit = plan.audit

        // The run's cgroups before the child, which starts inside them; removed on every way out.
        let cgroup = try plan.takeCgroup()
        defer { cgroup?.remove() }
        self.cgroup = cgroup

        let start = Self.now()
        try audit?.commandWillStart()
        child = try Launcher.spawn(plan, cgroup: cgroup, timeout: options.timeout ?? plan.profile.wall)
        // Killed while it was set up: the loop below reaps it at once.
        if child.setupTimedOut { timedOut = true }
        // Closed behind once the tree is reaped (below), or here on any other way out.
        var viewNamespace = child.viewNamespace
        defer { if let fd = viewNamespace { close(fd) } }
        watcher?.commandStarted(pid: child.pid)
        if let master = child.ptyMaster { terminal = TerminalRelay(master: master) }
        defer { terminal?.restore() }
        // After the spawn, so the command's start does not wait for it (the socket comes 100 ms later).
        monitor = RunMonitor(plan: plan, commandPid: child.pid, start: start, watcher: watcher, cgroup: cgroup, audit: audit,
                             signalTree: { [unowned self] in self.signalWholeTree($0) },
                             armKill: { [unowned self] grace in
                                 self.stopping = true
                                 if self.killTimer < 0 { self.killTimer = Self.armTimer(after: grace) }
                             },
                             onReady: onControlReady)

        var timer: Int32 = -1
        if let timeout = options.timeout ?? plan.profile.wall {
            timer = Self.armTimer(after: timeout)
        }
        defer {
            if timer >= 0 { close(timer) }
            if killTimer >= 0 { close(killTimer) }
            if watchPause >= 0 { close(watchPause) }
        }

        var notifySocket: Int32? = child.notifySocket
        var status: (code: Int32, signal: Int32?)?
        // At most 32 descriptors (pidfd, signals, two timers, notify socket, listener, three terminal
        // fds, the watcher's and its pause timer; the monitor's timer, control socket and at most
        // ControlServer.maximumClients connections): a fixed buffer, no array per round.
        try withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 32) { fds in
            while status == nil {
                var count = 0
                func watch(_ fd: Int32?, events: Int16 = Int16(POLLIN)) {
                    guard let fd, fd >= 0 else { return }
                    precondition(count < fds.count, "more descriptors to poll than the buffer holds")
                    fds[count] = pollfd(fd: fd, events: events, revents: 0)
                    count += 1
                }
                watch(status == nil ? child.pidfd : nil)
                watch(signals)
                watch(timer)
                watch(killTimer)
                watch(notifySocket)
                watch(listener)
                for fd in terminal?.pollFDs ?? [] { watch(fd) }
                if watchPause < 0 { for fd in watcher?.pollFDs ?? [] { watch(fd) } }
                for fd in audit?.pollFDs ?? [] { watch(fd) }
                watch(watchPause)
                monitor?.addPollFDs { watch($0, events: $1) }
                let n = poll(fds.baseAddress, nfds_t(count), -1)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError.system("poll", errno: errno)
                }
                for p in fds[0..<count] where p.revents != 0 {
                    if let monitor, monitor.owns(p.fd) {
                        monitor.handle(fd: p.fd, revents: p.revents)
                        continue
                    }
                    switch p.fd {
                    case child.pidfd: status = reapMain()
                    case signals: handleSignals(signals)
                    case timer:
                        disarm(timer)
                        timeoutExpired()
                    case killTimer:
                        disarm(killTimer)
                        if stopping { signalWholeTree(SIGKILL) } else { signalTree(SIGKILL) }
                    case notifySocket:
                        let fd = sbx_recv_fd(p.fd)
                        if fd >= 0 { listener = fd }
                        // The file observer answers every file call at once: hand the CPU back and forth
                        // instead of waking the other CPU twice per call (Linux 6.6; older kernels say EINVAL).
                        if fd >= 0, watcher?.notifyObserver != nil || audit?.notify != nil { _ = sbx_notif_sync_wake_up(fd) }
                        close(p.fd)
                        notifySocket = nil
                    case listener: handleNotification(revents: p.revents)
                    case watchPause:
                        close(watchPause)
                        watchPause = -1
                    default:
                        if let audit, audit.pollFDs.contains(p.fd) { audit.handle(fd: p.fd) }
                        terminal?.handle(fd: p.fd, revents: p.revents)
                        if let watcher, watcher.pollFDs.contains(p.fd) {
                            watcher.handle(fd: p.fd)
                            if watchPause < 0 { watchPause = Self.armTimer(after: Self.watchCoalescing) }
                        }
                    }
                }
            }
        }
        // The error pipe is read once the command has exited, not watched: a failing step writes its
        // record and _exits, and a successful execve closes the pipe, so either is there by now (and the
        // supervisor is not woken at the command's execve for nothing).
        let records = ChildFailure.readAll(from: child.errorPipe)
        setupFailure = records.failure
        if let failure = setupFailure { setupFailure?.explained = plan.filesystem?.explain(failure) }
        close(child.errorPipe)
        if let syncSocket = child.syncSocket { close(syncSocket) }
        // With a PID namespace the pidfd is the init's: how the command itself ended is in its record.
        if let command = records.commandStatus { status = Self.decode(waitStatus: command.raw) }
        let wall = Self.now() - start
        // The whole tree at once through its cgroup, then what the subreaper still has to reap. In a PID
        // namespace the tree is gone already: the init, reaped above, exits only once the kernel has killed
        // and released every process of its namespace (zap_pid_ns_processes), and none can leave it.
        if plan.profile.process.killOrphans {
            if !plan.namespaces.pidInit { cgroup?.killAll() }
            OrphanReaper.killAll()
        }
        OrphanReaper.reapAll()
        // Nobody is left in the view's namespace: torn down on a thread while the cgroups are read and removed.
        if let fd = viewNamespace { sbx_close_behind(fd) }
        viewNamespace = nil
        let cgroupReport = cgroup?.finish(figures: rendersFigures)
        // After the whole tree is reaped: the counters are complete.
        let auditReport = audit?.finish()
        terminal?.drain()
        if listener >= 0 { close(listener) }
        if let notifySocket { close(notifySocket) }
        close(child.pidfd)
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        var result = RunResult(
            command: plan.command, profile: plan.profile.name, exitCode: status!.code, signal: status!.signal,
            timedOut: timedOut, setupFailure: setupFailure, wallSeconds: wall, usage: usage,
            violations: violations, notEnforced: plan.notEnforced + (cgroup?.notEnforced ?? []), notes: plan.notes,
            files: watcher?.finish(), workdir: plan.profile.process.workdir ?? Self.currentDirectory(),
            cgroup: cgroupReport, cpuHardLimit: plan.profile.limits[.cpu]?.hard,
            filesystem: plan.filesystem.map(FilesystemReport.init))
        result.namespaces = NamespaceReport(plan.namespaces, initPid: child.pid, commandPid: records.commandStatus?.pid)
        result.audit = auditReport
        if let monitor {
            result.runID = monitor.runID
            result.timeline = monitor.timeline
            result.stoppedBy = monitor.stop.map { (uid: $0.uid, signal: $0.signal) }
            if let problem = monitor.serverProblem { result.monitorNotes.append("no control socket: \(problem)") }
            monitor.finish(result)
        }
        return result
    }

    private func reapMain() -> (Int32, Int32?) {
        var raw: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(child.pid, &raw, 0) } while r < 0 && errno == EINTR
        return Self.decode(waitStatus: raw)
    }

    /// (exit code or 128+N, N) from a raw wait status.
    static func decode(waitStatus raw: Int32) -> (Int32, Int32?) {
        // WIFSIGNALED / WEXITSTATUS, spelled out: the C macros are not imported.
        let termsig = raw & 0x7F
        if termsig != 0 && termsig != 0x7F { return (128 + termsig, termsig) }
        return ((raw >> 8) & 0xFF, nil)
    }

    private func handleSignals(_ fd: Int32) {
        var info = signalfd_siginfo()
        while read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            let sig = Int32(info.ssi_signo)
            if sig == SIGCHLD {
                OrphanReaper.reapOthers(than: child.pid)
                continue
            }
            if sig == SIGWINCH, let terminal {
                terminal.resize()
                continue
            }
            // A signal the terminal sent to our process group already reached the command when it shares
            // that group (new_session = false, no pty); forwarding it would deliver it twice.
            if info.ssi_code == SI_KERNEL, !plan.profile.process.newSession, terminal == nil { continue }
            if plan.namespaces.pidInit, sbx_init_forward(child.pidfd, sig, 0) == 0 { continue }
            _ = sbx_pidfd_send_signal(child.pidfd, sig)
        }
    }

    private func timeoutExpired() {
        timedOut = true
        signalTree(SIGTERM)
        killTimer = Self.armTimer(after: options.killAfter)
    }

    /// `sandbox stop`: the command's process group, and every process of the tree found in /proc (one that
    /// left the group or a daemon reparented to us).
    private func signalWholeTree(_ sig: Int32) {
        signalTree(sig)
        for pid in OrphanReaper.descendants() where pid != child.pid { kill(pid, sig) }
    }

    /// The command's process group when it has one of its own, else the command alone.
    private func signalTree(_ sig: Int32) {
        // PID namespace: SIGKILL of the init ends the namespace; anything else the init sends to every
        // process in it.
        if plan.namespaces.pidInit {
            if sig == SIGKILL || sbx_init_forward(child.pidfd, sig, 1) != 0 { _ = sbx_pidfd_send_signal(child.pidfd, sig) }
            return
        }
        if plan.profile.process.newSession, kill(-child.pid, sig) == 0 { return }
        _ = sbx_pidfd_send_signal(child.pidfd, sig)
    }

    /// Answers one seccomp user notification with the profile's verdict, recording it.
    private func handleNotification(revents: Int16) {
        if revents & Int16(POLLIN) == 0 {
            // POLLHUP: every process holding the filter is gone.
            close(listener)
            listener = -1
            return
        }
        var notif = seccomp_notif()
        guard sbx_notif_recv(listener, &notif) == 0 else { return }
        let args = withUnsafeBytes(of: notif.data.args) { Array($0.bindMemory(to: UInt64.self)) }
        var nr = notif.data.nr
        let foreign = notif.data.arch != Self.nativeArch
        if foreign, let name = seccomp_syscall_resolve_num_arch(notif.data.arch, nr) {
            nr = seccomp_syscall_resolve_name(name)
            free(name)
        }
        // Other ABIs' denials are never notified: with the audit observing every call, a foreign call is
        // an allowed one.
        let auditCounter = audit?.notify
        let notifiedVerdict = foreign && auditCounter != nil ? nil : plan.seccomp?.verdict(nr: nr, args: args)
        auditCounter?.record(pid: Int32(notif.pid), arch: notif.data.arch, nr: notif.data.nr, args: args, verdict: notifiedVerdict)
        if notifiedVerdict == nil, auditCounter != nil || plan.seccomp?.observed.contains(nr) == true {
            if let observer = watcher?.notifyObserver, let name = SyscallTable.name(of: nr) {
                observer.observe(pid: Int32(notif.pid), syscall: name, args: args)
            }
            _ = sbx_notif_send(listener, notif.id, 0, 0, UInt32(SECCOMP_USER_NOTIF_FLAG_CONTINUE))
            return
        }
        guard let verdict = notifiedVerdict else {
            _ = sbx_notif_send(listener, notif.id, -EPERM, 0, 0)
            return
        }
        violations.record(verdict, pid: Int32(notif.pid))
        monitor?.denied(verdict, pid: Int32(notif.pid))
        switch verdict.action {
        case .errno(let e):
            _ = sbx_notif_send(listener, notif.id, -e, 0, 0)
        case .killProcess:
            // The notification is still pending, so the pid still names the caller (checked with ID_VALID).
            if sbx_notif_id_valid(listener, notif.id) == 0 {
                kill(Int32(notif.pid), SIGKILL)
                violations.killedBy = violations.killedBy ?? (verdict, Int32(notif.pid))
            }
            _ = sbx_notif_send(listener, notif.id, -ENOSYS, 0, 0)
        default:
            _ = sbx_notif_send(listener, notif.id, -EPERM, 0, 0)
        }
    }

    static let nativeArch: UInt32 = seccomp_arch_native()

    static func armTimer(after seconds: Double) -> Int32 {
        let fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        guard fd >= 0 else { return -1 }
        // Durations are checked where they are read (Units.isDuration); clamped here as well, so that no
        // value can trap converting to time_t.
        let seconds = seconds.isNaN ? 0 : min(max(seconds, 0), Units.maximumSeconds)
        let whole = seconds.rounded(.down)
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(whole)
        spec.it_value.tv_nsec = max(1, Int((seconds - whole) * 1_000_000_000))
        timerfd_settime(fd, 0, &spec, nil)
        return fd
    }

    private func disarm(_ fd: Int32) {
        var expirations: UInt64 = 0
        _ = read(fd, &expirations, 8)
        var spec = itimerspec()
        timerfd_settime(fd, 0, &spec, nil)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        return getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "/"
    }
}
