/// What the seccomp filter blocked, as the supervisor saw it through user notifications.
public struct ViolationLog: Sendable {
    public struct Entry: Sendable {
        public let syscall: String
        public let action: SeccompAction
        public let reason: String
        public var count: Int
        public let firstPid: Int32
    }

    /// In the order first seen.
    public private(set) var entries: [Entry] = []
    /// The syscall whose kill action ended a process, and that process.
    public var killedBy: (SeccompVerdict, Int32)?

    mutating func record(_ verdict: SeccompVerdict, pid: Int32) {
        if let i = entries.firstIndex(where: { $0.syscall == verdict.syscall && $0.action == verdict.action }) {
            entries[i].count += 1
        } else {
            entries.append(Entry(syscall: verdict.syscall, action: verdict.action, reason: verdict.reason, count: 1, firstPid: pid))
        }
    }
}
