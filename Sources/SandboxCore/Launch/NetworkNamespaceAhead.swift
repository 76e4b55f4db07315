import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The run's network namespace, made on a thread of its own while the main thread prepares the rest of the
/// launch (`sandbox_netns.h`): the kernel's 0.6 ms of setting one up leaves the clone's critical path, and
/// the child joins it with setns. Started by `LaunchPlan` as soon as the namespaces are known, taken by
/// `Launcher` right before the clone.
///
/// Only when the child needs no user namespace (the supervisor holds CAP_SYS_ADMIN): a namespace made here
/// belongs to the supervisor's user namespace, where a rootless child would hold no capability over it.
/// When the thread cannot make one, the clone makes it as before (CLONE_NEWNET), and explains a refusal.
final class NetworkNamespaceAhead: @unchecked Sendable {
    private var job = sbx_netns_job()
    private var fd: Int32?

    /// Started when `plan` has a network namespace and no user namespace, and we may create one.
    static func start(for plan: NamespacePlan) -> NetworkNamespaceAhead? {
        guard plan.has(.network), !plan.has(.user), plan.privileged else { return nil }
        let ahead = NetworkNamespaceAhead()
        return sbx_netns_start(&ahead.job) == 0 ? ahead : nil
    }

    /// Joins the thread: the namespace's fd (ours to close, with `release`), or nil when it could not be made.
    func take() -> Int32? {
        if fd == nil {
            let made = sbx_netns_finish(&job)
            fd = made >= 0 ? made : -1
        }
        return fd.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Joins the thread and closes the namespace: the child holds its own reference once it has joined.
    func release() {
        if let fd = take() { close(fd) }
        fd = -1
    }

    deinit { release() }
}
