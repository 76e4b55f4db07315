import CSandboxSpawn
import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// A started child and the parent's ends of its channels.
public struct StartedChild {
    public let pid: pid_t
    public let pidfd: Int32
    /// Read end of the close-on-exec error pipe: a `sbx_failure` record, or EOF once execve succeeded.
    public let errorPipe: Int32
    /// The pty master, when the command got a terminal of its own.
    public let ptyMaster: Int32?
    /// Where the seccomp listener fd arrives (SCM_RIGHTS).
    public let notifySocket: Int32?
    /// The parent's end of the namespace sync socket, held open for the whole run: the child's end reads EOF
    /// once the supervisor is gone (NamespaceLaunch). nil without namespaces.
    public var syncSocket: Int32? = nil
    /// The view's mount namespace when it was built ahead: held until the tree is reaped, then closed
    /// behind (`sbx_close_behind`), off the path to the report.
    public var viewNamespace: Int32? = nil
    /// The run's time limit ran out while the command was being set up: the child was killed
    /// (`sbx_spawn_go_ahead`, when the init borrows our memory).
    public var setupTimedOut = false
    /// The command's path, argv, environment and working directory in C memory, which a child that borrows
    /// our memory reads up to its execve.
    var strings: CommandStrings? = nil
}

/// Marshals a `LaunchPlan` into C memory and calls `sbx_spawn`.
public enum Launcher {
    /// `timeout`: the run's time limit, which also bounds the set-up of a child that borrows our memory
    /// (the go-ahead holds this thread until the command is about to install its seccomp filter).
    public static func spawn(_ plan: LaunchPlan, cgroup: RunCgroup? = nil, timeout: Double? = nil) throws -> StartedChild {
        var errorPipe: [Int32] = [-1, -1]
        guard sbx_pipe_cloexec(&errorPipe) == 0 else { throw SandboxError.system("pipe2", errno: errno) }

        var ptyMaster: Int32 = -1, ptySlave: Int32 = -1
        if plan.usePty {
            guard sbx_open_pty(&ptyMaster, &ptySlave) == 0 else {
                let e = errno
                close(errorPipe[0]); close(errorPipe[1])
                throw SandboxError.system("posix_openpt", errno: e)
            }
            // The command starts with the caller's window size; SIGWINCH keeps it current.
            _ = sbx_copy_winsize(0, ptyMaster) == 0 || sbx_copy_winsize(1, ptyMaster) == 0
        }

        // C strings that must outlive the clone: the child reads them from its copy of our memory, or, when
        // it borrows our memory, from ours up to its execve, which comes after the go-ahead's wait returns;
        // so the started child keeps them for the whole run.
        let strings = CommandStrings(plan)
        let argv = strings.argv, envp = strings.envp, path = strings.path, workdir = strings.workdir

        let filter = plan.seccomp?.instructions ?? []
        var pidfd: Int32 = -1
        let cgroupProcs = cgroup?.v1ProcsFDs ?? []
        func clone(_ namespaces: inout NamespaceLaunch, ahead: NamespacesAhead? = nil) -> (pid_t, Int32) {
            guard namespaces.openSyncSocket() else { return (-1, errno) }
            let expected = ahead?.expected, loopback = ahead?.loopbackForChild()
            let pid: pid_t = plan.rlimits.withUnsafeBufferPointer { rlimits in
                filter.withUnsafeBufferPointer { bpf in
                    cgroupProcs.withUnsafeBufferPointer { procs in
                        var c = sbx_plan()
                        c.path = UnsafePointer(path)
                        c.argv = UnsafePointer(argv.pointer)
                        c.envp = envp.map { UnsafePointer($0.pointer) } ?? UnsafePointer(environ)
                        c.workdir = workdir.map { UnsafePointer($0) }
                        c.new_session = plan.profile.process.newSession ? 1 : 0
                        c.pty_slave = ptySlave
                        c.pty_stdio_mask = plan.ptyStdioMask
                        c.die_with_parent = plan.profile.process.dieWithParent ? 1 : 0
                        c.parent_pid = getpid()
                        c.umask = plan.profile.process.umask ?? -1
                        c.rlimit_count = Int32(rlimits.count)
                        c.rlimits = rlimits.baseAddress
                        c.set_nice = plan.profile.process.nice == nil ? 0 : 1
                        c.nice = Int32(plan.profile.process.nice ?? 0)
                        c.set_ioprio = plan.profile.process.ioprio == nil ? 0 : 1
                        c.ioprio = plan.profile.process.ioprio ?? 0
                        c.set_caps = 1
                        c.keep_caps = plan.keepCaps
                        c.last_cap = Capabilities.lastCap
                        c.no_new_privs = plan.profile.process.noNewPrivileges ? 1 : 0
                        c.filter = bpf.isEmpty ? nil : bpf.baseAddress
                        c.filter_len = UInt16(bpf.count)
                        c.want_listener = plan.notifySocket == nil ? 0 : 1
                        c.notify_socket = plan.notifySocket?.child ?? -1
                        c.error_fd = errorPipe[1]
                        c.cgroup_fd = cgroup?.unifiedFD ?? -1
                        c.cgroup_procs_count = Int32(procs.count)
                        c.cgroup_procs_fds = procs.baseAddress
                        // The namespace block, and drop_bounding (possible in a user namespace without CAP_SETPCAP).
                        namespaces.fill(&c, hostCanDropBounding: plan.hostCanDropBounding, killOrphans: plan.profile.process.killOrphans,
                                        ahead: expected, loopback: loopback)
                        plan.filesystem?.apply(to: &c)
                        c.borrow_memory = plan.borrowsMemory ? 1 : 0
                        return sbx_spawn(&c, &pidfd)
                    }
                }
            }
            return (pid, errno)
        }
        var namespaces = NamespaceLaunch(plan.namespaces)
        defer { namespaces.release() }
        var (pid, spawnErrno) = clone(&namespaces, ahead: plan.ahead)
        // The namespaces made ahead go with the go-ahead: the clone did not wait for the thread, which may
        // still be at work (the child's first steps overlap its last), so it is joined only now. When it could
        // not make them, this child, held at its go-ahead before anything the run keeps, is killed and one
        // that makes its own is started instead.
        var handed: [Int32] = []
        if pid > 0, let ahead = plan.ahead {
            if let fds = ahead.handed() {
                handed = fds
            } else {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                close(pidfd)
                plan.dropAhead()
                namespaces.release()
                namespaces = NamespaceLaunch(plan.namespaces)
                (pid, spawnErrno) = clone(&namespaces)
            }
        }
        // The maps, then the go-ahead. A refusal (of the clone or of a map) fails the run with its reason, or,
        // when best_effort names every namespace of the run, runs once more without them.
        if let refused = namespaces.finish(pid: pid, pidfd: pidfd, cloneErrno: spawnErrno, handed: handed, timeout: timeout) {
            if pid > 0 { close(pidfd) }
            guard let fallback = plan.namespaces.withoutBestEffort(reason: refused.reason) else {
                close(errorPipe[0]); close(errorPipe[1])
                if ptyMaster >= 0 { close(ptyMaster); close(ptySlave) }
                throw SandboxError(.setup, "namespaces (\(plan.namespaces.summary))", "cannot be created: \(refused.reason)", hint: refused.fix)
            }
            do { try plan.fallBack(to: fallback) } catch {
                close(errorPipe[0]); close(errorPipe[1])
                if ptyMaster >= 0 { close(ptyMaster); close(ptySlave) }
                throw error
            }
            namespaces.release()
            namespaces = NamespaceLaunch(fallback)
            (pid, spawnErrno) = clone(&namespaces)
        }
        // The parent's copies of the child's ends: closing them is what makes EOF mean "exec happened".
        close(errorPipe[1])
        // The child has joined the namespaces made ahead (or failed, and says so on the error pipe). The
        // view's stays open until the tree is reaped, so that its teardown does not delay the init's exit.
        let viewNamespace = plan.ahead?.release(keepingView: pid > 0)
        if ptySlave >= 0 { close(ptySlave) }
        if pid < 0 {
            if let viewNamespace { close(viewNamespace) }
            close(errorPipe[0])
            if ptyMaster >= 0 { close(ptyMaster) }
            let stage = cgroup?.unifiedFD ?? -1 >= 0 ? "clone3(CLONE_INTO_CGROUP)" : "clone3"
            throw SandboxError.system(namespaces.isEmpty ? stage : "pipe2 (namespace sync)", errno: spawnErrno)
        }
        var started = StartedChild(pid: pid, pidfd: pidfd, errorPipe: errorPipe[0],
                                   ptyMaster: ptyMaster >= 0 ? ptyMaster : nil, notifySocket: plan.notifySocket?.parent)
        started.syncSocket = namespaces.takeSyncSocket()
        started.viewNamespace = viewNamespace
        started.setupTimedOut = namespaces.setupTimedOut
        started.strings = strings
        return started
    }
}

/// What `Launcher.spawn` hands the child as C strings, freed with the last reference.
final class CommandStrings {
    let argv: CStringArray
    /// nil: our own environment, which the child reads as it is.
    let envp: CStringArray?
    let path: UnsafeMutablePointer<CChar>
    let workdir: UnsafeMutablePointer<CChar>?

    init(_ plan: LaunchPlan) {
        argv = CStringArray(plan.command)
        envp = plan.environment.map(CStringArray.init)
        path = strdup(plan.executable)!
        workdir = plan.profile.process.workdir.map { strdup($0)! }
    }

    deinit {
        free(path)
        workdir.map { free($0) }
    }
}

/// A NULL-terminated `char *const[]` that frees itself.
final class CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: count + 1)
        for (i, s) in strings.enumerated() { pointer[i] = strdup(s) }
        pointer[count] = nil
    }

    deinit {
        for i in 0..<count { free(pointer[i]) }
        pointer.deallocate()
    }
}
