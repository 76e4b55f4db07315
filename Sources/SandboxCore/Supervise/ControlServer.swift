import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// What the control socket asks of the supervisor.
protocol ControlServerDelegate: AnyObject {
    func controlStatus() -> [(String, JSONValue)]
    func controlStats() -> [(String, JSONValue)]
    /// Sends `signal` to the command's tree on behalf of `uid`.
    func controlSignal(_ signal: Int32, from uid: uid_t)
    /// Stops the tree: `signal`, then SIGKILL after `grace` seconds.
    func controlStop(_ signal: Int32, grace: Double, from uid: uid_t)
    /// A subscription started or ended (file events are only built while someone listens).
    func controlSubscribersChanged(_ count: Int)
}

/// Serves the run's control socket from the supervisor's poll loop: a listening unix stream socket and at
/// most `maximumClients` non-blocking connections, each with bounded input and output buffers. Nothing a
/// client does can block the supervisor: reads and writes never wait, a request line longer than
/// `ControlProtocol.maximumRequest` or more than `maximumPending` unsent bytes (a client that does not
/// read its events) closes that connection.
///
/// Who may connect: the socket is 0600 in a 0700 directory of the run's user, and each connection's
/// SO_PEERCRED is checked again at accept: the same uid or root, and not a process of a sandboxed tree
/// (see `PeerCheck`).
final class ControlServer {
    static let maximumClients = 8
    static let maximumPending = 1 << 20

    final class Client {
        let fd: Int32
        let uid: uid_t
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
        var subscribed = false
        /// A `stop` client waits for the end record.
        var awaitsEnd = false
        var closing = false
        /// The client shut down its sending side (EOF) but still reads: POLLIN is no longer asked for.
        var readClosed = false
        init(fd: Int32, uid: uid_t) {
            self.fd = fd
            self.uid = uid
        }
        var pending: Int { output.count - sent }
    }

    let record: RunRecord
    private(set) var listener: Int32
    private(set) var clients: [Client] = []
    weak var delegate: ControlServerDelegate?
    private let peerCheck: PeerCheck

    /// Creates `<id>.json` and `<id>.sock` in the user's run directory (a fresh id on a clash).
    init(record make: (String, String) -> RunRecord) throws {
        let dir = try RunDirectory.prepare()
        var record: RunRecord
        repeat { record = make(RunDirectory.newID(), dir) } while try !RunDirectory.write(record)
        // A socket left by a killed supervisor with the same id (its record was removed by `ps`).
        unlink(record.socketPath)
        let fd = sbx_unix_listen(record.socketPath, 16)
        guard fd >= 0 else {
            let e = errno
            unlink(record.recordPath)
            throw SandboxError.system("bind(\(record.socketPath))", errno: e)
        }
        self.record = record
        self.listener = fd
        self.peerCheck = PeerCheck(directory: dir)
    }

    /// The descriptors to poll: the listener, each client (POLLOUT while it has unsent bytes).
    func addPollFDs(_ add: (Int32, Int16) -> Void) {
        if listener >= 0 { add(listener, Int16(POLLIN)) }
        for c in clients { add(c.fd, (c.readClosed ? 0 : Int16(POLLIN)) | (c.pending > 0 ? Int16(POLLOUT) : 0)) }
    }

    func owns(_ fd: Int32) -> Bool { fd == listener || clients.contains { $0.fd == fd } }

    func handle(fd: Int32, revents: Int16) {
        if fd == listener { return accept() }
        guard let client = clients.first(where: { $0.fd == fd }) else { return }
        if revents & Int16(POLLOUT) != 0 { flush(client) }
        if client.readClosed, revents & Int16(POLLHUP | POLLERR) != 0 { return drop(client) }
        if !client.readClosed, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(client) }
        if client.closing && client.pending == 0 { drop(client) }
    }

    /// Queues one line for every subscriber.
    func publish(_ line: String) {
        for c in clients where c.subscribed { send(c, line) }
    }

    var subscribers: Int { clients.filter(\.subscribed).count }

    /// The run has ended: the end record to subscribers and `stop` clients, a last flush of at most
    /// `within` seconds, then every connection closed and the socket and record removed.
    func finish(endLine: String, within: Double = 0.5) {
        unlink(record.socketPath)
        unlink(record.recordPath)
        if listener >= 0 { close(listener) }
        listener = -1
        for c in clients where c.subscribed || c.awaitsEnd { send(c, endLine) }
        let deadline = Supervisor.now() + within
        while clients.contains(where: { $0.pending > 0 }), Supervisor.now() < deadline {
            var fds = clients.filter { $0.pending > 0 }.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            if poll(&fds, nfds_t(fds.count), Int32(max(1, (deadline - Supervisor.now()) * 1000))) <= 0 { break }
            for p in fds where p.revents != 0 {
                if let c = clients.first(where: { $0.fd == p.fd }) {
                    if p.revents & Int16(POLLOUT) != 0 { flush(c) } else { drop(c) }
                }
            }
        }
        for c in clients { close(c.fd) }
        clients = []
    }

    private func accept() {
        while true {
            let fd = sbx_accept(listener)
            guard fd >= 0 else { return }
            var uid: uid_t = 0, pid: pid_t = 0
            guard sbx_peer_credentials(fd, &uid, &pid) == 0 else { close(fd); continue }
            if let refusal = peerCheck.refusal(uid: uid, pid: pid) ?? (clients.count >= Self.maximumClients ? "too many connections" : nil) {
                // Best effort: one line, never waiting for the peer.
                let line = Array(ControlProtocol.failure(refusal).utf8)
                _ = line.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            clients.append(Client(fd: fd, uid: uid))
        }
    }

    private func read(_ client: Client) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while clients.contains(where: { $0 === client }) && !client.closing {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(client.fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            if n <= 0 {
                // EOF: the client finished sending; a subscriber or a stopper may still be reading.
                if n == 0, client.subscribed || client.awaitsEnd { client.readClosed = true } else { drop(client) }
                return
            }
            client.input += buffer[0..<n]
            while let newline = client.input.firstIndex(of: 0x0A) {
                let line = String(decoding: client.input[..<newline], as: UTF8.self)
                client.input.removeSubrange(...newline)
                serve(client, line)
            }
            if client.input.count > ControlProtocol.maximumRequest {
                send(client, ControlProtocol.failure("request longer than \(ControlProtocol.maximumRequest) bytes"))
                client.closing = true
            }
        }
    }

    private func serve(_ client: Client, _ line: String) {
        guard let delegate else { return }
        switch ControlProtocol.parse(line) {
        case .failure(let error):
            send(client, ControlProtocol.failure(error.description))
        case .success(.status):
            send(client, ControlProtocol.reply(delegate.controlStatus()))
        case .success(.stats):
            send(client, ControlProtocol.reply(delegate.controlStats()))
        case .success(.events):
            send(client, ControlProtocol.reply([("subscribed", .bool(true))]))
            if !client.subscribed {
                client.subscribed = true
                delegate.controlSubscribersChanged(subscribers)
            }
        case .success(.signal(let sig)):
            delegate.controlSignal(sig, from: client.uid)
            send(client, ControlProtocol.reply([("signal", .string(Signals.name(sig)))]))
        case .success(.stop(let sig, let grace)):
            client.awaitsEnd = true
            delegate.controlStop(sig, grace: grace, from: client.uid)
            send(client, ControlProtocol.reply([("stopping", .bool(true)), ("signal", .string(Signals.name(sig))), ("grace", .double(grace))]))
        }
    }

    private func send(_ client: Client, _ line: String) {
        guard clients.contains(where: { $0 === client }) else { return }
        if client.pending + line.utf8.count > Self.maximumPending {
            // It does not read: drop it rather than buffer without bound.
            drop(client)
            return
        }
        if client.sent > 0 && client.sent == client.output.count {
            client.output.removeAll(keepingCapacity: true)
            client.sent = 0
        }
        client.output += line.utf8
        flush(client)
    }

    private func flush(_ client: Client) {
        while client.pending > 0 && clients.contains(where: { $0 === client }) {
            let n = client.output.withUnsafeBytes {
                Glibc.send(client.fd, $0.baseAddress! + client.sent, client.pending, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { return }
            if n <= 0 { drop(client); return }
            client.sent += n
        }
        if client.sent == client.output.count {
            client.output.removeAll(keepingCapacity: true)
            client.sent = 0
        }
    }

    private func drop(_ client: Client) {
        guard let index = clients.firstIndex(where: { $0 === client }) else { return }
        clients.remove(at: index)
        close(client.fd)
        if client.subscribed { delegate?.controlSubscribersChanged(subscribers) }
    }
}

/// Who may talk to a run's control socket, decided from the peer's SO_PEERCRED: the run's own user or
/// root, and no process of a sandboxed tree (this run's or another of the user's runs): a command must
/// not stop, signal or watch its own or a sibling sandbox through the socket even when it can reach the
/// path (a run without a mount namespace shares the filesystem, and shares the uid).
///
/// A sandboxed process is known by its ancestry, which it cannot rewrite: the supervisor is a subreaper
/// (orphans come back to it), and a supervisor names itself `supervisorName` before it spawns, so the
/// mark holds from the command's first instruction, for any build or install of `sandbox` (the
/// registration in the run directory comes 100 ms later; the executable's path differs between builds).
/// A foreign process of that name only makes its descendants refused: the check fails closed.
struct PeerCheck {
    /// The command name (comm) of every supervisor, and of the PID namespace's init (init.c).
    static let supervisorName = "sandbox"
    static let initName = "sandbox-init"

    let directory: String
    let ownUid = getuid()
    let ownPid = getpid()
    let ownExe = PeerCheck.executable(of: "self")

    static func executable(of pid: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    func refusal(uid: uid_t, pid: pid_t) -> String? {
        if uid != ownUid && uid != 0 { return "uid \(uid) may not control this run (it belongs to uid \(ownUid))" }
        let supervisors = Set(RunDirectory.entries(directory).compactMap { name -> Int32? in
            guard name.hasSuffix(".json"), let text = try? FileIO.readText(directory + "/" + name),
                  let json = try? JSONParser.parse(text, source: name) else { return nil }
            return ControlMessage(json).int("supervisor_pid").map { Int32(truncatingIfNeeded: $0) }
        }).union([ownPid])
        var current = pid, depth = 0
        while current > 1, depth < 128, let (name, parent, _) = ProcessTree.statusOf(current) {
            // An ancestor named as a supervisor or init (the peer itself is `sandbox ps`, named alike), a
            // supervisor of this user's runs, or any process of this sandbox binary (another user's run).
            if (current != pid && (name == Self.supervisorName || name == Self.initName)) || supervisors.contains(parent)
                || (ownExe != nil && PeerCheck.executable(of: String(parent)) == ownExe) {
                return "a process inside a sandbox may not use a control socket"
            }
            current = parent
            depth += 1
        }
        return nil
    }
}
