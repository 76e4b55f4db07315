import CSandboxSpawn
import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The run's network namespace and its view's mount namespace, made on a thread of their own while the main
/// thread prepares the rest of the launch (`sandbox_ahead.h`): the kernel's 0.6 ms of setting up a network
/// namespace and the ~35 mounts of a view leave the clone's critical path, and the child joins both with
/// setns. Started by `LaunchPlan` as soon as the namespaces are known, handed the view once it is prepared,
/// and joined by `Launcher` right after the clone: what it made goes to the child with its go-ahead.
///
/// Only when the child needs no user namespace (the supervisor holds CAP_SYS_ADMIN): a namespace made here
/// belongs to the supervisor's user namespace, where a rootless child would hold no capability over it.
/// What the thread cannot make, the clone makes as before (CLONE_NEWNET, CLONE_NEWNS and the child's own
/// mounts), and a refusal or a failing mount is explained as before.
final class NamespacesAhead: @unchecked Sendable {
    /// In C memory: the thread writes its results there while Swift goes on.
    private let job = UnsafeMutablePointer<sbx_ahead_job>.allocate(capacity: 1)
    /// Kept alive while the thread reads it.
    private var view: MountPlan.Prepared?
    private var clones: UnsafeMutablePointer<Int32>?
    private var cloneCount = 0
    private var joined = false

    /// What the thread made: each fd is this object's until `release`.
    struct Made {
        var network: Int32?
        var view: Int32?
    }

    /// What the thread is making: the clone leaves those namespaces out, and the child takes them with its
    /// go-ahead (`handed`).
    struct Expected {
        var network: Bool
        var view: Bool
    }

    /// What a thread makes: its network namespace, its view's mount namespace.
    struct Want: Equatable {
        var network: Bool
        var view: Bool

        /// As the profile cache keeps it (`ProfileCache.keep`'s launch hint): a bit each; 0 for none.
        var hint: UInt8 { (network ? 1 : 0) | (view ? 2 : 0) }
        init(network: Bool, view: Bool) {
            self.network = network
            self.view = view
        }
        init?(hint: UInt8) {
            guard hint & 3 != 0, hint & ~3 == 0 else { return nil }
            self.init(network: hint & 1 != 0, view: hint & 2 != 0)
        }
    }

    /// What a thread would make for `plan`: a network namespace, or a mount namespace for a view (`view`),
    /// when there is no user namespace and we may create them; nil for no thread.
    static func want(for plan: NamespacePlan, view: Bool) -> Want? {
        let network = plan.has(.network), mounts = view && plan.has(.mount)
        guard network || mounts, !plan.has(.user), plan.privileged else { return nil }
        return Want(network: network, view: mounts)
    }

    /// A thread for `plan`, when it wants one (`want(for:view:)`).
    static func start(for plan: NamespacePlan, view: Bool) -> NamespacesAhead? {
        want(for: plan, view: view).flatMap(start)
    }

    /// Starts a thread for `want`; nil when none could be started (the clone then makes those namespaces).
    /// Also before the plan exists, on the profile cache's hint (`RunRequest`): `LaunchPlan` keeps such a
    /// thread only when it wants the same.
    static func start(_ want: Want) -> NamespacesAhead? {
        let ahead = NamespacesAhead()
        guard sbx_ahead_start(ahead.job, want.network ? 1 : 0, want.view ? 1 : 0) == 0 else {
            ahead.joined = true
            return nil
        }
        return ahead
    }

    /// What this thread was started to make.
    var want: Want { Want(network: job.pointee.want_net != 0, view: job.pointee.want_view != 0) }

    /// Hands the thread the view to build (nil: none after all). Once, before `take`. A view whose child
    /// part has more binds than one go-ahead can carry is left to the child.
    func build(_ prepared: MountPlan.Prepared?) {
        guard job.pointee.want_view != 0, job.pointee.view_handed == 0 else { return }
        guard let prepared, prepared.view.pointee.op_count - prepared.view.pointee.child_first <= SBX_AHEAD_MAX_FDS - 2 else {
            return sbx_ahead_view(job, nil, nil)
        }
        view = prepared
        cloneCount = max(Int(prepared.view.pointee.op_count - prepared.view.pointee.child_first), 1)
        clones = .allocate(capacity: cloneCount)
        clones!.initialize(repeating: -1, count: cloneCount)
        sbx_ahead_view(job, UnsafePointer(prepared.view), clones)
    }

    var expected: Expected { Expected(network: job.pointee.want_net != 0, view: view != nil) }

    /// Just before the clone: the network namespace, when the thread has made it, for the child to bring lo
    /// up in itself while it waits for its go-ahead (the thread, the launch's critical path, then leaves lo
    /// alone); nil when it is not made yet, and the thread brings lo up (sbx_ahead_loopback_to_child).
    func loopbackForChild() -> Int32? {
        let fd = sbx_ahead_loopback_to_child(job)
        return fd >= 0 ? fd : nil
    }

    /// Joins the thread: what it made.
    func take() -> Made {
        if !joined {
            sbx_ahead_finish(job)
            joined = true
        }
        let j = job.pointee
        return Made(network: j.net_fd >= 0 ? j.net_fd : nil, view: j.view_fd >= 0 ? j.view_fd : nil)
    }

    /// Joins the thread: the descriptors for the child's go-ahead, in the order step_ns_sync takes them (the
    /// network namespace, the view's, the clone of each bind of the child's part), or nil when the thread
    /// could not make all that `expected` promised.
    func handed() -> [Int32]? {
        let made = take(), promised = expected
        if promised.network && made.network == nil || promised.view && made.view == nil { return nil }
        var fds: [Int32] = []
        if let network = made.network { fds.append(network) }
        if let view = made.view {
            fds.append(view)
            // The thread cloned exactly the bind ops' sources (sbx_view_build_ahead), in op order.
            if let clones { fds += (0..<cloneCount).map { clones[$0] }.filter { $0 >= 0 } }
        }
        return fds
    }

    /// Joins the thread and closes what it made: the child holds its own references once it has joined.
    /// With `keepingView`, the view's namespace is returned instead, for the supervisor to close once the
    /// run's tree is reaped (`sbx_close_behind`).
    @discardableResult
    func release(keepingView: Bool = false) -> Int32? {
        let made = take()
        if let fd = made.network { close(fd) }
        let kept = keepingView ? made.view : nil
        if let fd = made.view, kept == nil { close(fd) }
        job.pointee.net_fd = -1
        job.pointee.view_fd = -1
        if let clones {
            for i in 0..<cloneCount where clones[i] >= 0 {
                close(clones[i])
                clones[i] = -1
            }
        }
        return kept
    }

    deinit {
        release()
        clones?.deallocate()
        job.deallocate()
    }
}

/// A `NamespacesAhead` thread started before the launch plan exists, on the profile cache's hint: what the
/// run that stored the cache entry made ahead (`LaunchPlan.launchHint`). The network namespace is then
/// being made while the compiled profile is still decoded. Only a speculation:
/// `LaunchPlan` keeps the thread when its own plan wants the same, and releases it otherwise.
public final class EarlyNamespaces {
    let ahead: NamespacesAhead

    private init(_ ahead: NamespacesAhead) { self.ahead = ahead }

    /// nil for a hint of none (0), one this build does not know, or a thread that could not be started.
    public static func start(hint: UInt8) -> EarlyNamespaces? {
        guard let want = NamespacesAhead.Want(hint: hint), let ahead = NamespacesAhead.start(want) else { return nil }
        return EarlyNamespaces(ahead)
    }
}
