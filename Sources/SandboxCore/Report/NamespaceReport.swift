/// The report's namespace section: which namespaces applied, and which pids are whose. Every pid elsewhere
/// in the report (seccomp's first_pid, a killed pid, file events) is a host pid, as the supervisor sees it.
public struct NamespaceReport: Sendable {
    /// As /proc/PID/ns names them: "user", "pid", "net", ...
    public let applied: [String]
    /// The child sandbox cloned, as a host pid: with a PID namespace it is the init (pid 1 inside).
    public let initHostPid: Int32
    /// The command's pid inside the PID namespace (2: the init's first child), when there is one.
    public let commandPid: Int32?
    public let hostname: String?
    public let uidMap: String?
    public let gidMap: String?

    /// nil when the run had no namespace.
    init?(_ plan: NamespacePlan, initPid: Int32, commandPid: Int32?) {
        guard !plan.isEmpty else { return nil }
        applied = plan.namespaces.map(\.procName)
        initHostPid = initPid
        self.commandPid = plan.pidInit ? commandPid : nil
        hostname = plan.hostname
        uidMap = plan.uidMap?.trimmingCharacters(in: "\n").replacingNewlines()
        gidMap = plan.gidMap?.trimmingCharacters(in: "\n").replacingNewlines()
    }

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [("applied", .array(applied.map { .string($0) }))]
        if applied.contains("pid") {
            fields.append(("init_host_pid", .int(Int64(initHostPid))))
            fields.append(("init_pid", .int(1)))
            fields.append(("command_pid", commandPid.map { .int(Int64($0)) } ?? .null))
        } else {
            fields.append(("command_host_pid", .int(Int64(initHostPid))))
        }
        fields.append(("pids_elsewhere", .string("host")))
        if let hostname { fields.append(("hostname", .string(hostname))) }
        if let uidMap { fields.append(("uid_map", .string(uidMap))) }
        if let gidMap { fields.append(("gid_map", .string(gidMap))) }
        return .object(fields)
    }

    var summary: String {
        var text = applied.joined(separator: ", ")
        if applied.contains("pid") {
            text += "; init pid 1 (host pid \(initHostPid))" + (commandPid.map { ", command pid \($0) inside" } ?? "")
                + "; other pids in this report are host pids"
        }
        return text
    }
}

private extension String {
    func replacingNewlines() -> String { split(separator: "\n").joined(separator: ", ") }
}
