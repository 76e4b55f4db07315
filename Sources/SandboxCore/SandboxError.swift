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

    /// One line, always: a newline or other control character that a value brought into the message
    /// is shown escaped (`\n`, `\u{1B}`), so an error cannot forge a second line on the terminal.
    public var description: String {
        let head = stage.isEmpty ? message : "\(stage): \(message)"
        return Self.oneLine(hint.map { "\(head) (\($0))" } ?? head)
    }

    static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension SandboxError {
    /// A syntax error in a profile or an OCI file: bad input, exit 125, `FILE:LINE: invalid TOML: WHAT`.
    public init(_ failure: FormatError) {
        self.init(.usage, failure.location, "invalid \(failure.format.rawValue): \(failure.message)")
    }
}
