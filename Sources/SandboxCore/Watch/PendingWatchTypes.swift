// Temporary: replaced by the watcher's own types when that branch is merged.
public struct FileEvent: Sendable { public var jsonLine: String { "" } }
public struct FileActivityReport: Sendable {
    var jsonFields: [(String, JSONValue)] { [] }
    func humanSummary(workingDirectory: String) -> [String] { [] }
}
public final class NotifyFileObserver {
    public static let syscalls: [String] = []
    func observe(pid: Int32, syscall: String, args: [UInt64]) {}
}
public struct SyscallGroup: Sendable { public let name: String; public let summary: String; public let members: [String] }
public enum SyscallGroups {
    public static let all: [SyscallGroup] = []
    public static func named(_ name: String) -> SyscallGroup? { nil }
    public static func expand(_ name: String) throws -> [String] { [] }
}
