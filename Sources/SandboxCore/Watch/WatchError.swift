#if canImport(Glibc)
import Glibc
#endif

/// A failed system call while setting up a file watcher: the call (with the detail that matters, such as
/// the path of a mark) and the errno it returned. Reads like a Unix tool:
/// `fanotify_init: Operation not permitted (hint: fanotify needs CAP_SYS_ADMIN; use the seccomp fallback)`.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    /// The failing call, e.g. `fanotify_mark(FAN_MARK_FILESYSTEM, /tmp)`.
    public let call: String
    /// The errno the call set.
    public let errno: Int32
    /// Optional advice for the reader.
    public let hint: String?

    public init(call: String, errno: Int32, hint: String? = nil) {
        self.call = call
        self.errno = errno
        self.hint = hint
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let hint { return "\(call): \(reason) (hint: \(hint))" }
        return "\(call): \(reason)"
    }

    /// Builds the error from the current `errno`, right after the failing call.
    static func last(_ call: String, hint: String? = nil) -> WatchError {
        WatchError(call: call, errno: Glibc.errno, hint: hint)
    }
}
