import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// What `sandbox ps` knows about a run without asking its supervisor: written once by the supervisor
/// next to its control socket (`<id>.json`, mode 0600), removed with it.
public struct RunRecord: Sendable {
    public let id: String
    /// The directory holding `<id>.sock` and `<id>.json`.
    public let directory: String
    public let uid: UInt32
    public let supervisorPid: Int32
    /// The supervisor's start time in clock ticks since boot (field 22 of /proc/PID/stat), so that a
    /// reused pid is not taken for a live supervisor.
    public let supervisorStart: UInt64
    public let commandPid: Int32
    public let profile: String
    public let command: [String]
    /// Seconds since the epoch when the command started.
    public let startTime: Double
    /// The supervisor's PID namespace (the inode of /proc/self/ns/pid): its pid means something only to
    /// a caller in the same one.
    public let pidNamespace: UInt64?

    public var socketPath: String { directory + "/" + id + ".sock" }
    public var recordPath: String { directory + "/" + id + ".json" }

    var json: JSONValue {
        .object([
            ("version", .int(Int64(ControlProtocol.version))),
            ("id", .string(id)), ("uid", .int(Int64(uid))),
            ("supervisor_pid", .int(Int64(supervisorPid))), ("supervisor_start", .int(Int64(supervisorStart))),
            ("command_pid", .int(Int64(commandPid))), ("profile", .string(profile)),
            ("command", .array(command.map { .string($0) })), ("start_time", .double(startTime)),
            ("pid_namespace", pidNamespace.map { .uint($0) } ?? .null),
        ])
    }

    init(id: String, directory: String, uid: UInt32, supervisorPid: Int32, supervisorStart: UInt64, commandPid: Int32,
         profile: String, command: [String], startTime: Double, pidNamespace: UInt64? = RunDirectory.pidNamespace()) {
        self.id = id
        self.directory = directory
        self.uid = uid
        self.supervisorPid = supervisorPid
        self.supervisorStart = supervisorStart
        self.commandPid = commandPid
        self.profile = profile
        self.command = command
        self.startTime = startTime
        self.pidNamespace = pidNamespace
    }

    init?(json: JSONValue, directory: String) {
        let m = ControlMessage(json)
        guard let id = m.string("id"), let uid = m.int("uid"), let spid = m.int("supervisor_pid"),
              let sstart = m.int("supervisor_start"), let cpid = m.int("command_pid"), let profile = m.string("profile"),
              let start = m.double("start_time") else { return nil }
        self.init(id: id, directory: directory, uid: UInt32(truncatingIfNeeded: uid), supervisorPid: Int32(truncatingIfNeeded: spid),
                  supervisorStart: UInt64(max(0, sstart)), commandPid: Int32(truncatingIfNeeded: cpid), profile: profile,
                  command: m.strings("command") ?? [], startTime: start,
                  pidNamespace: m.int("pid_namespace").map { UInt64(truncatingIfNeeded: $0) })
    }

    /// Whether the supervisor that wrote this record still runs (the same pid and start time).
    /// A caller in another PID namespace (a command in a sandbox's, say) cannot tell: the supervisor's pid
    /// names nothing or another process there, so the record counts as alive and is never removed from there.
    public var supervisorAlive: Bool {
        guard let own = RunDirectory.pidNamespace(), pidNamespace == nil || pidNamespace == own else { return true }
        guard kill(supervisorPid, 0) == 0 || errno == EPERM else { return false }
        return RunDirectory.startTicks(of: supervisorPid) == supervisorStart
    }
}

/// Where control sockets live, and the runs found there. Root's runs are in /run/sandbox; another user's
/// in $XDG_RUNTIME_DIR/sandbox (else /tmp/sandbox-UID). Each directory is the user's own, mode 0700, and
/// refused when it is not (a symlink, another owner, group or other access): nobody else may list,
/// replace or connect to a socket in it. The socket itself is created 0600.
public enum RunDirectory {
    /// The calling user's directory (not created).
    public static func path(uid: uid_t = getuid()) -> String {
        if uid == 0 { return "/run/sandbox" }
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), runtime.hasPrefix("/"),
           isPrivateDirectory(runtime, uid: uid, anyMode: true) {
            return runtime + "/sandbox"
        }
        return "/tmp/sandbox-\(uid)"
    }

    /// Creates the calling user's directory if needed and checks it is private; its path, or why not.
    public static func prepare() throws -> String {
        let dir = path()
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw SandboxError.system("mkdir(\(dir))", errno: errno)
        }
        guard isPrivateDirectory(dir, uid: getuid(), anyMode: false) else {
            throw SandboxError(.setup, dir, "not a private directory of uid \(getuid())",
                               hint: "it must be a real directory owned by the user, mode 0700; remove it")
        }
        return dir
    }

    /// lstat: a directory (not a symlink) owned by `uid`, with no group or other access unless `anyMode`.
    static func isPrivateDirectory(_ path: String, uid: uid_t, anyMode: Bool) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == uid else { return false }
        return anyMode || st.st_mode & 0o077 == 0
    }

    /// A new run id: 8 lowercase hex digits from getrandom(2); unique in its directory because the record
    /// is created with O_EXCL (a clash draws again).
    public static func newID() -> String {
        var bytes: UInt32 = 0
        if sbx_random(&bytes, 4) != 0 { bytes = UInt32(truncatingIfNeeded: getpid()) ^ UInt32(truncatingIfNeeded: time(nil)) }
        let hex = String(bytes, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Whether `text` has the shape of a run id.
    public static func isValidID(_ text: String) -> Bool {
        text.utf8.count == 8 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Writes `record` (O_EXCL, 0600). False when the id is taken.
    static func write(_ record: RunRecord) throws -> Bool {
        let fd = open(record.recordPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw SandboxError.system("open(\(record.recordPath))", errno: errno)
        }
        defer { close(fd) }
        try FileIO.writeAll(fd, record.json.serialized(indent: nil) + "\n", name: record.recordPath)
        return true
    }

    /// The directories to list: the caller's own; for root also every user's (/run/user/*/sandbox and
    /// /tmp/sandbox-*), so that root sees everyone's runs.
    public static func listed() -> [String] {
        var dirs = [path()]
        guard getuid() == 0 else { return dirs }
        for (parent, match) in [("/run/user", { (n: String) in Int(n) != nil }), ("/tmp", { (n: String) in n.hasPrefix("sandbox-") })] {
            for name in entries(parent) where match(name) {
                let dir = parent == "/run/user" ? "\(parent)/\(name)/sandbox" : "\(parent)/\(name)"
                if !dirs.contains(dir), FileIO.exists(dir) { dirs.append(dir) }
            }
        }
        return dirs
    }

    /// The live runs in `listed()` directories, oldest first. Records of dead supervisors and sockets
    /// without a live record are removed (a supervisor killed with SIGKILL cannot remove its own).
    public static func runs() -> [RunRecord] {
        var found: [RunRecord] = []
        for dir in listed() {
            let names = entries(dir)
            for name in names where name.hasSuffix(".json") {
                let id = String(name.dropLast(5))
                guard isValidID(id) else { continue }
                guard let text = try? FileIO.readText(dir + "/" + name),
                      let json = try? JSONParser.parse(text, source: name),
                      let record = RunRecord(json: json, directory: dir), record.id == id else { continue }
                if record.supervisorAlive {
                    found.append(record)
                } else {
                    unlink(record.socketPath)
                    unlink(record.recordPath)
                }
            }
            // A socket whose record is gone (or never written) belongs to no live supervisor.
            for name in names where name.hasSuffix(".sock") {
                let id = String(name.dropLast(5))
                guard isValidID(id), !found.contains(where: { $0.id == id && $0.directory == dir }) else { continue }
                // Only a socket nobody listens on: one created after our listing began is not stale.
                let fd = sbx_unix_connect(dir + "/" + name)
                if fd >= 0 { close(fd) } else if errno == ECONNREFUSED { unlink(dir + "/" + name) }
            }
        }
        return found.sorted { $0.startTime < $1.startTime }
    }

    /// Field 22 (starttime) of /proc/PID/stat.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = try? FileIO.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// The caller's PID namespace: the inode of /proc/self/ns/pid (nil without /proc).
    public static func pidNamespace() -> UInt64? {
        var st = stat()
        return stat("/proc/self/ns/pid", &st) == 0 ? UInt64(st.st_ino) : nil
    }

    static func entries(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = directoryEntryName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
