/// Chooses and drives the file-activity mechanism of one run: fanotify when we may use it (it needs
/// CAP_SYS_ADMIN), otherwise seccomp user notification on the file syscalls, which works for any user.
/// Chosen while the launch is prepared, because the second mechanism changes the seccomp filter.
final class FileWatchSession {
    private let fanotify: FanotifyWatcher?
    let notifyObserver: NotifyFileObserver?
    /// Why fanotify was not used, when it was not.
    let fallbackReason: String?

    private init(fanotify: FanotifyWatcher?, notifyObserver: NotifyFileObserver?, fallbackReason: String?) {
        self.fanotify = fanotify
        self.notifyObserver = notifyObserver
        self.fallbackReason = fallbackReason
    }

    /// nil when the profile does not watch files. Sets up fanotify marks now, before the command exists,
    /// so that its first open is seen.
    ///
    /// `privateMounts`: the command mounts file systems of its own (a filesystem view's private /tmp). A
    /// fanotify mark is per file system and set before the child exists, so it would miss those, and the
    /// supervisor could name their files only through the child's /proc/PID/root while it lives; the
    /// seccomp mechanism reads every path as the command wrote it, so it is used instead.
    static func prepare(_ profile: Profile, workingDirectory: String, privateMounts: [String] = [],
                        onEvent: ((FileEvent) -> Void)?) -> FileWatchSession? {
        guard profile.watch.enabled else { return nil }
        let options = WatchOptions(
            include: profile.watch.include,
            ignore: profile.watch.ignore,
            operations: Set(profile.watch.operations.compactMap(FileOperation.init(rawValue:))),
            workingDirectory: workingDirectory)
        if !privateMounts.isEmpty {
            return FileWatchSession(fanotify: nil, notifyObserver: NotifyFileObserver(options: options, onEvent: onEvent),
                                    fallbackReason: "the filesystem view mounts \(privateMounts.joined(separator: ", ")) after fanotify's marks are set")
        }
        do {
            return FileWatchSession(fanotify: try FanotifyWatcher(options: options, onEvent: onEvent), notifyObserver: nil, fallbackReason: nil)
        } catch {
            return FileWatchSession(fanotify: nil, notifyObserver: NotifyFileObserver(options: options, onEvent: onEvent),
                                    fallbackReason: "\(error)")
        }
    }

    var pollFDs: [Int32] { fanotify?.pollFDs ?? [] }

    /// Syscalls the seccomp filter must notify for the unprivileged mechanism.
    var observedSyscalls: Set<String> { notifyObserver == nil ? [] : Set(NotifyFileObserver.syscalls) }

    private var recorder: FileActivityRecorder? { fanotify?.recorder ?? notifyObserver?.recorder }

    /// The live monitor's receiver of file events (nil: none subscribed).
    var subscriber: ((FileEvent) -> Void)? {
        get { recorder?.subscriber }
        set { recorder?.subscriber = newValue }
    }

    /// File events recorded so far.
    var recordedEvents: Int { recorder?.recordedEvents ?? 0 }

    func commandStarted(pid: Int32) { fanotify?.commandStarted(pid: pid) }

    func handle(fd: Int32) {
        if pollFDs.contains(fd) { fanotify?.drain() }
    }

    func finish() -> FileActivityReport? {
        var report = fanotify?.finish() ?? notifyObserver?.finish()
        if let fallbackReason { report?.notes.append("fanotify not used: \(fallbackReason)") }
        return report
    }
}
