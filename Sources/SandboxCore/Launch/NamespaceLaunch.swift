import CSandboxSpawn
import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The parent's side of a namespace launch: the sync socket, the `sbx_plan` namespace fields, and, once the
/// child exists, its uid_map / setgroups / gid_map, then the go-ahead. Without namespaces every method
/// returns at once (no pipe, no system call).
struct NamespaceLaunch {
    let plan: NamespacePlan
    private var sync: (read: Int32, write: Int32)?
    private var hostname: UnsafeMutablePointer<CChar>?
    /// The run's time limit ran out while a child that borrows our memory was being set up (finish).
    private(set) var setupTimedOut = false

    init(_ plan: NamespacePlan) {
        self.plan = plan
        hostname = plan.hostname.map { strdup($0)! }
    }

    var isEmpty: Bool { plan.isEmpty }

    /// The socket the child waits on: one byte once the maps are written, with the namespaces made ahead;
    /// EOF when we are gone.
    mutating func openSyncSocket() -> Bool {
        guard !plan.isEmpty else { return true }
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else { return false }
        sync = (fds[0], fds[1])
        return true
    }

    /// `ahead`: the namespaces being made ahead (NamespacesAhead), which arrive with the go-ahead and are
    /// joined instead of CLONE_NEWNET / CLONE_NEWNS; `loopback`: the network namespace made ahead with lo
    /// still down, which the child joins and brings lo up in before its go-ahead
    /// (NamespacesAhead.loopbackForChild).
    func fill(_ c: inout sbx_plan, hostCanDropBounding: Bool, killOrphans: Bool, ahead: NamespacesAhead.Expected? = nil,
              loopback: Int32? = nil) {
        c.clone_flags = plan.cloneFlags
        c.sync_fd = sync?.read ?? -1
        c.sync_write_fd = sync?.write ?? -1
        c.pid_init = plan.pidInit ? 1 : 0
        c.init_kill_orphans = killOrphans ? 1 : 0
        c.hostname = hostname.map { UnsafePointer($0) }
        c.loopback_up = plan.loopbackUp ? 1 : 0
        if ahead?.network == true {
            // Made ahead: joined, not cloned; lo up by the thread, or by the child before its go-ahead.
            c.ahead_net = 1
            c.clone_flags &= ~NamespaceSettings.Kind.network.cloneFlag
            c.loopback_up = 0
            if let loopback {
                c.ahead_loopback = 1
                c.ahead_loopback_fd = loopback
            }
        }
        if ahead?.view == true {
            // The view built ahead: joined, and only the ops that need the child's PID namespace run there.
            c.ahead_view = 1
            c.clone_flags &= ~NamespaceSettings.Kind.mount.cloneFlag
        }
        // Inside a user namespace we hold CAP_SETPCAP of the namespace: the bounding set can be dropped.
        c.drop_bounding = hostCanDropBounding || plan.has(.user) ? 1 : 0
        if let ids = plan.switchIds {
            c.set_ids = 1
            c.set_groups = ids.setGroups ? 1 : 0
            c.uid = ids.uid
            c.gid = ids.gid
        }
    }

    /// After the clone: the maps and the go-ahead, with `handed` (the namespaces made ahead, in the order
    /// step_ns_sync takes them). Returns why the namespaces could not be made (the clone's errno, or a map
    /// the kernel refused; the child is then killed and reaped), or nil. A child that borrows our memory
    /// holds this thread at the go-ahead until the command is about to install its filter, for at most
    /// `timeout` seconds (then it is killed: `setupTimedOut`).
    mutating func finish(pid: pid_t, pidfd: Int32, cloneErrno: Int32, handed: [Int32] = [], timeout: Double? = nil) -> KernelFeatures.Availability? {
        guard !plan.isEmpty, let sync else { return nil }
        close(sync.read)
        self.sync = (-1, sync.write)
        if pid < 0 {
            close(sync.write)
            self.sync = nil
            return refusal(cloneErrno)
        }
        if let failed = writeMaps(pid) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(sync.write)
            self.sync = nil
            return refusal(failed)
        }
        // A child that is not told dies by the EOF once we are gone; one that gets other descriptors than it
        // expects fails its sync step (EPROTO).
        let milliseconds = timeout.map { Int32(clamping: Int(($0 * 1000).rounded(.up))) } ?? -1
        setupTimedOut = sbx_spawn_go_ahead(sync.write, handed, Int32(handed.count), pidfd, milliseconds) == 1
        return nil
    }

    private func refusal(_ code: Int32) -> KernelFeatures.Availability {
        KernelFeatures.namespaceRefusal(errno: code, namespaces: plan.namespaces, privileged: plan.privileged)
    }

    /// uid_map, then setgroups, then gid_map (the kernel wants setgroups settled before gid_map); the errno
    /// of the first write that fails.
    private func writeMaps(_ pid: pid_t) -> Int32? {
        func write(_ name: String, _ text: String) -> Int32? {
            let fd = open("/proc/\(pid)/\(name)", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            let bytes = Array(text.utf8)
            return Glibc.write(fd, bytes, bytes.count) == bytes.count ? nil : errno
        }
        guard let uidMap = plan.uidMap, let gidMap = plan.gidMap else { return nil }
        if let e = write("uid_map", uidMap) { return e }
        if plan.denySetgroups, let e = write("setgroups", "deny") { return e }
        return write("gid_map", gidMap)
    }

    /// The write end, for the supervisor to hold until the run ends.
    mutating func takeSyncSocket() -> Int32? {
        defer { sync = nil }
        return sync?.write
    }

    mutating func release() {
        if let sync {
            if sync.read >= 0 { close(sync.read) }
            close(sync.write)
        }
        sync = nil
        if let hostname { free(hostname) }
        hostname = nil
    }
}
