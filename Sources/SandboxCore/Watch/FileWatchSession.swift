/// Chooses and drives the file-activity mechanism for a run: fanotify when privileged, seccomp user
/// notification otherwise.
final class FileWatchSession {
    var pollFDs: [Int32] { [] }
    var notifyObserver: NotifyFileObserver? { nil }

    static func start(plan: LaunchPlan, onEvent: ((FileEvent) -> Void)?) throws -> FileWatchSession? {
        guard plan.profile.watch.enabled else { return nil }
        throw SandboxError(.setup, "watch", "file watching is not available in this build")
    }

    func commandStarted(pid: Int32) {}
    func handle(fd: Int32) {}
    func finish() -> FileActivityReport? { nil }
}
