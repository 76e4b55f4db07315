#if canImport(Glibc)
import Glibc
#endif

/// The run's cgroups, made on a thread of their own while the main thread prepares the rest of the launch:
/// the layout's detection (/proc/self/cgroup, a statfs per hierarchy), the plan, the removal of stale
/// cgroups, and each hierarchy's mkdir, limit writes and `tasks` open (`RunCgroup.create`). About half a
/// millisecond of system calls, most of it the kernel's cgroup creation, that leaves the launch's critical
/// path on a machine with a second core. `LaunchPlan` starts it first thing and joins it (`finish`) where it
/// has prepared everything else, so that its errors still come from the plan, before anything is started.
///
/// Nothing here is shared with the main thread while the thread runs: it reads the profile (immutable) and
/// writes the job's `outcome`, which the main thread reads only after pthread_join.
final class CgroupAhead: @unchecked Sendable {
    private enum Outcome {
        /// The plan and its cgroups (both nil when best_effort left the run without one), and the
        /// "not enforced" lines of that.
        case made(CgroupPlan?, RunCgroup?, [String])
        case failed(any Error)
    }

    /// What the thread reads and writes. The thread holds a reference of its own to this, never to the
    /// CgroupAhead: were the thread to drop the last reference to that, its deinit (the join) would run on
    /// the thread itself, and the main thread, not waiting, could exit with the cgroups half made.
    private final class Job: @unchecked Sendable {
        let profile: Profile
        var outcome: Outcome = .made(nil, nil, [])
        init(_ profile: Profile) { self.profile = profile }
    }

    private let job: Job
    private var thread = pthread_t()
    private var running = false

    private init(_ profile: Profile) { job = Job(profile) }

    /// Starts the thread when the profile asks for a cgroup (nil otherwise: nothing is read at all). When no
    /// thread can be started, the work is done here, at once.
    static func start(_ profile: Profile) -> CgroupAhead? {
        guard profile.cgroup.isUsed else { return nil }
        let ahead = CgroupAhead(profile)
        // Every signal blocked on the thread (it inherits the mask): the supervisor's signalfd and the
        // forwarding of SIGINT & co. expect them pending on the main thread.
        var all = sigset_t(), old = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &old)
        let job = Unmanaged.passRetained(ahead.job)
        let r = pthread_create(&ahead.thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.outcome = CgroupAhead.make(job.profile)
            return nil
        }, job.toOpaque())
        pthread_sigmask(SIG_SETMASK, &old, nil)
        if r == 0 {
            ahead.running = true
        } else {
            job.release()
            ahead.job.outcome = make(profile)
        }
        return ahead
    }

    /// What the thread runs: the plan, then the cgroups.
    private static func make(_ profile: Profile) -> Outcome {
        var notEnforced: [String] = []
        do {
            guard let plan = try CgroupPlan.prepare(profile, notEnforced: &notEnforced),
                  let cgroup = try RunCgroup.create(plan, bestEffort: plan.bestEffort, notEnforced: &notEnforced) else {
                return .made(nil, nil, notEnforced)
            }
            return .made(plan, cgroup, notEnforced)
        } catch {
            return .failed(error)
        }
    }

    private func join() {
        if running { pthread_join(thread, nil) }
        running = false
    }

    /// Joins the thread: the plan and its created cgroups (nil, nil when best_effort went without), with the
    /// "not enforced" lines; or the error that `CgroupPlan.prepare` or `RunCgroup.create` threw (having
    /// removed whatever they had created).
    func finish() throws -> (plan: CgroupPlan?, cgroup: RunCgroup?, notEnforced: [String]) {
        join()
        let result = job.outcome
        job.outcome = .made(nil, nil, [])
        switch result {
        case .made(let plan, let cgroup, let notEnforced): return (plan, cgroup, notEnforced)
        case .failed(let error): throw error
        }
    }

    /// A plan abandoned before `finish` (another part of it failed): the thread is joined, and the cgroups
    /// it made are removed, here, before the error goes on (and the process, maybe, exits).
    deinit {
        join()
        if case .made(_, let cgroup?, _) = job.outcome { cgroup.remove() }
        job.outcome = .made(nil, nil, [])
    }
}
