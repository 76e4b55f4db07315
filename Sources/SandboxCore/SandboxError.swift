#if canImport(Glibc)
import Glibc
#endif

/// The one error type at the library boundary. Its description reads like a good Unix tool's message:
/// `setrlimit(RLIMIT_NOFILE, 1048576): Operation not permitted (the hard limit is 524288)`.
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, by the exit status it maps to.
    public enum Kind: Sendable {
        /// Bad input: flags, profiles, files, environment. Exit 125.
        case usage
        /// A setup step of sandbox itself failed. Exit 125.
        case setup
        /// The command exists but cannot be executed. Exit 126.
        case cannotExecute
        /// The command was not found. Exit 127.
        case notFound
    }

    public let kind: Kind
    /// Where: a file and line, a key path, a flag, or a system call with its arguments.
    public let stage: String
    /// What happened, in words.
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, _ stage: String, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.stage = stage
        self.message = message
        self.hint = hint
    }

    /// A failed system call: `stage` names the call and its arguments, the message is strerror(errno).
    public static func system(_ stage: String, errno code: Int32, hint: String? = nil) -> SandboxError {
        SandboxError(.setup, stage, String(cString: strerror(code)), hint: hint)
    }

    public var exitStatus: Int32 {
        switch kind {
        case .usage, .setup: return 125
        case .cannotExecute: return 126
        case .notFound: return 127
        }
    }

    public var description: String {
        let head = stage.isEmpty ? message : "\(stage): \(message)"
        return hint.map { "\(head) (\($0))" } ?? head
    }
}

extension SandboxError {
    /// A syntax error in a profile or an OCI file: bad input, exit 125, `FILE:LINE: invalid TOML: WHAT`.
    public init(_ failure: FormatError) {
        self.init(.usage, failure.location, "invalid \(failure.format.rawValue): \(failure.message)")
    }
}
