import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// `sandbox ps` and friends name a run that does not exist (exit status 1, not 125).
public struct NoSuchRun: Error, CustomStringConvertible {
    public let description: String
}

/// The client end of a run's control socket: finds the run by id (or socket path), connects, sends
/// request lines and reads answer lines, with a deadline so that a wedged supervisor cannot hang `ps`.
public final class ControlClient {
    public let socketPath: String
    public let record: RunRecord?
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to the run `id` (8 hex digits, from `sandbox ps`) or to the socket at a path.
    public convenience init(run id: String) throws {
        if id.contains("/") {
            try self.init(socketPath: id, record: nil)
            return
        }
        guard RunDirectory.isValidID(id) else {
            throw SandboxError(.usage, id, "not a run id", hint: "8 hex digits, as 'sandbox ps' lists them")
        }
        for dir in RunDirectory.listed() {
            let recordPath = dir + "/" + id + ".json", socketPath = dir + "/" + id + ".sock"
            if let text = try? FileIO.readText(recordPath), let json = try? JSONParser.parse(text, source: recordPath),
               let record = RunRecord(json: json, directory: dir) {
                guard record.supervisorAlive else {
                    unlink(socketPath)
                    unlink(recordPath)
                    throw SandboxError(.usage, "run \(id)", "has ended (its supervisor, pid \(record.supervisorPid), is gone); removed its stale socket")
                }
                try self.init(socketPath: socketPath, record: record)
                return
            }
            if FileIO.exists(socketPath) {
                try self.init(socketPath: socketPath, record: nil)
                return
            }
        }
        // Another user's run is invisible (its directory is 0700): say so rather than only "no such run".
        if getuid() != 0, access("/run/sandbox", X_OK) != 0, FileIO.exists("/run/sandbox") {
            throw NoSuchRun(description: "no such run: \(id) (not among uid \(getuid())'s runs; another user's runs cannot be seen)")
        }
        throw NoSuchRun(description: "no such run: \(id)")
    }

    public init(socketPath: String, record: RunRecord?) throws {
        self.socketPath = socketPath
        self.record = record
        let fd = sbx_unix_connect(socketPath)
        guard fd >= 0 else {
            let e = errno
            switch e {
            case EACCES, EPERM:
                throw SandboxError(.usage, socketPath, "permission denied", hint: "the run belongs to another user; only that user and root may control it")
            case ECONNREFUSED:
                throw SandboxError(.usage, socketPath, "no supervisor listens (the run has ended)", hint: "'sandbox ps' removes stale sockets")
            case ENOENT:
                throw NoSuchRun(description: "no such run: \(socketPath)")
            default:
                throw SandboxError.system("connect(\(socketPath))", errno: e)
            }
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one request line.
    /// Sends one request line (MSG_NOSIGNAL: a supervisor that refused us and closed must not kill the
    /// client with SIGPIPE; its refusal line is still there to read).
    public func send(_ request: String, _ fields: [(String, JSONValue)] = []) throws {
        let bytes = Array(ControlProtocol.requestLine(request, fields).utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EPIPE || errno == ECONNRESET) { return }
            if n < 0 { throw SandboxError.system("send(\(socketPath))", errno: errno) }
            offset += n
        }
    }

    /// The next line, or nil at EOF or after `timeout` seconds (nil: no deadline).
    public func readLine(timeout: Double? = 5) throws -> String? {
        let deadline = timeout.map { Supervisor.now() + $0 }
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = deadline.map { Int32(max(0, ($0 - Supervisor.now()) * 1000)) } ?? -1
            let n = poll(&p, 1, wait)
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw SandboxError(.setup, socketPath, "no answer within \(Units.formatSeconds(timeout ?? 0))") }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return nil }
            buffer += chunk[0..<got]
        }
    }

    /// One request and its answer; a refusal (`"ok":false`) is thrown as one line.
    public func request(_ request: String, _ fields: [(String, JSONValue)] = []) throws -> ControlMessage {
        try send(request, fields)
        guard let line = try readLine() else {
            throw SandboxError(.usage, socketPath, "the supervisor closed the connection (the run ended, or it refused this client)")
        }
        return try Self.answer(line, socketPath: socketPath)
    }

    static func answer(_ line: String, socketPath: String) throws -> ControlMessage {
        guard let message = ControlMessage(line: line) else { throw SandboxError(.setup, socketPath, "not a JSON answer: \(line.prefix(80))") }
        if message.bool("ok") == false {
            throw SandboxError(.usage, socketPath, message.string("error") ?? "refused")
        }
        return message
    }
}
