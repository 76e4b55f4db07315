// Temporary: replaced by the syscall groups table when that branch is merged.
public struct SyscallGroup: Sendable { public let name: String; public let summary: String; public let members: [String] }
public enum SyscallGroups {
    public static let all: [SyscallGroup] = []
    public static func named(_ name: String) -> SyscallGroup? { nil }
    public static func expand(_ name: String) throws -> [String] { [] }
}
