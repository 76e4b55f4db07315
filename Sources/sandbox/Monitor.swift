import ArgumentParser
import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

/// The live monitor's commands: they talk to running supervisors over their control sockets
/// (docs/control-protocol.md). Exit status 1 means "no such run"; 125 a bad flag or id, a run that has
/// ended, or another user's run.
enum MonitorCommand {
    static let exitDiscussion = """
    Exit status: 0 on success; 1 when no run has that id; 125 for a bad flag or id, a run that has \
    ended, or a run of another user (only its user and root may talk to it).
    """

    /// Runs `body`, turning the library's errors into one line and the right status.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as NoSuchRun {
            printError("sandbox: \(error)")
            Glibc.exit(1)
        } catch let error as SandboxError {
            Sandbox.fail(error)
        }
    }

    static func duration(_ text: String, flag: String, allowZero: Bool) throws -> Double {
        guard let seconds = Units.seconds(text), seconds > 0 || (allowZero && seconds == 0) else {
            throw SandboxError(.usage, "\(flag) \(text)", "not a duration", hint: "e.g. 500ms, 1s, 5s, 2m")
        }
        return seconds
    }

    /// One run's `stats` answer, or nil when its supervisor did not answer (it may just have ended).
    static func stats(_ record: RunRecord) -> ControlMessage? {
        guard let client = try? ControlClient(socketPath: record.socketPath, record: record) else { return nil }
        return try? client.request("stats")
    }

    /// A command line for a terminal: argv is the command's to choose, so control characters (a newline
    /// that would forge a row, an escape sequence for the terminal) are shown as \n, \e, \xNN.
    static func display(_ argv: [String]) -> String {
        var out = ""
        for scalar in argv.joined(separator: " ").unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x1B: out += "\\e"
            case 0..<0x20, 0x7F, 0x80..<0xA0: out += "\\x" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func bytes(_ value: Int64?) -> String { value.map { Units.formatBytes(UInt64(max(0, $0))) } ?? "-" }

    static func clock(_ epoch: Double) -> String {
        var t = time_t(epoch)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    static func uptime(_ s: Double) -> String {
        let whole = Int(s)
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        return "\(whole / 3600)h\((whole % 3600) / 60)m"
    }

    static func table(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count - 1 { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }
                .joined(separator: "  ")
        }
    }

    static func percent(_ v: Double?) -> String {
        guard let v else { return "-" }
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

struct Ps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List running sandboxes: id, pids, profile, command, start, uptime, CPU, memory, processes, denied calls, file events.",
        discussion: "Root sees every user's runs. Sockets of supervisors that died without cleaning up are removed.\n\n" + MonitorCommand.exitDiscussion)

    @Flag(name: .long, help: "A JSON array, one object per run (the supervisor's stats answer).") var json = false

    func run() throws {
        try MonitorCommand.guarded {
            let runs = RunDirectory.runs()
            if json {
                let items: [JSONValue] = runs.map { record in
                    MonitorCommand.stats(record)?.json ?? ControlMessage(.object([
                        ("id", .string(record.id)), ("supervisor_pid", .int(Int64(record.supervisorPid))),
                        ("command_pid", .int(Int64(record.commandPid))), ("uid", .int(Int64(record.uid))),
                        ("profile", .string(record.profile)), ("command", .array(record.command.map { .string($0) })),
                        ("start_time", .double(record.startTime)), ("ok", .bool(false))])).json
                }
                print(JSONValue.array(items).serialized())
                return
            }
            var rows = [["ID", "SUPERVISOR", "PID", "PROFILE", "STARTED", "UPTIME", "CPU", "MEM", "PROCS", "DENIED", "FILES", "COMMAND"]]
            for record in runs {
                let s = MonitorCommand.stats(record)
                rows.append([record.id, String(record.supervisorPid), String(record.commandPid), record.profile,
                             MonitorCommand.clock(record.startTime), s?.double("uptime_seconds").map(MonitorCommand.uptime) ?? "-",
                             MonitorCommand.percent(s?.double("cpu_percent")), MonitorCommand.bytes(s?.int("rss_bytes")),
                             s?.int("processes").map { String($0) } ?? "-", s?.int("denied").map { String($0) } ?? "-",
                             s?.int("file_events").map { String($0) } ?? "-",
                             MonitorCommand.display(record.command)])
            }
            for line in MonitorCommand.table(rows) { print(line) }
        }
    }
}

struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "A live view of running sandboxes, refreshed every --interval: CPU, memory, processes, I/O, file events, denied calls.",
        discussion: "Plain lines when standard output is not a terminal. Rates are per second over the last refresh (the first: over the run so far).\n\n"
            + MonitorCommand.exitDiscussion)

    @Argument(help: "Run ids (default: every run).") var ids: [String] = []
    @Option(name: .long, help: "Refresh interval (default 1s).") var interval = "1s"
    @Flag(name: .long, help: "One refresh, then exit.") var once = false
    @Flag(name: .long, help: "JSON lines: one object per run per refresh.") var json = false

    func run() throws {
        try MonitorCommand.guarded {
            let period = try MonitorCommand.duration(interval, flag: "--interval", allowZero: false)
            for id in ids where !id.contains("/") && !RunDirectory.isValidID(id) {
                throw SandboxError(.usage, id, "not a run id", hint: "8 hex digits, as 'sandbox ps' lists them")
            }
            // Named runs must exist now; later they may end (and leave the view).
            for id in ids { _ = try ControlClient(run: id) }
            let terminal = isatty(1) == 1
            var previous: [String: (time: Double, read: Double, write: Double, files: Double, syscalls: Double)] = [:]
            while true {
                let records = RunDirectory.runs().filter { ids.isEmpty || ids.contains($0.id) }
                var rows = [["ID", "CPU", "MEM / LIMIT", "PROCS", "READ/s", "WRITE/s", "FILES/s", "DENIED", "SYSCALLS/s", "COMMAND"]]
                var lines: [String] = []
                for record in records {
                    guard let s = MonitorCommand.stats(record) else { continue }
                    let t = s.double("uptime_seconds") ?? 0
                    let read = s.double("read_bytes") ?? 0, write = s.double("write_bytes") ?? 0, files = s.double("file_events") ?? 0
                    // `syscalls`: the audit's count of calls so far, null when the run is not audited.
                    let syscalls = s.double("syscalls")
                    let before = previous[record.id] ?? (0, 0, 0, 0, 0)
                    let dt = max(t - before.time, 0.001)
                    previous[record.id] = (t, read, write, files, syscalls ?? 0)
                    let syscallRate = syscalls.map { (($0 - before.syscalls) / dt).rounded() }
                    let rates: [(String, JSONValue)] = [
                        ("read_bytes_per_second", .double(((read - before.read) / dt).rounded())),
                        ("write_bytes_per_second", .double(((write - before.write) / dt).rounded())),
                        ("file_events_per_second", s.int("file_events") == nil ? .null : .double(((files - before.files) / dt * 10).rounded() / 10)),
                        ("syscalls_per_second", syscallRate.map { .double($0) } ?? .null),
                    ]
                    if json {
                        guard case .object(let pairs) = s.json else { continue }
                        lines.append(JSONValue.object(pairs.filter { $0.0 != "version" && $0.0 != "ok" } + rates).serialized(indent: nil))
                        continue
                    }
                    let limit = s.int("memory_limit_bytes").map { " / " + MonitorCommand.bytes($0) } ?? ""
                    rows.append([record.id, MonitorCommand.percent(s.double("cpu_percent")), MonitorCommand.bytes(s.int("rss_bytes")) + limit,
                                 s.int("processes").map { String($0) } ?? "-",
                                 MonitorCommand.bytes(Int64((read - before.read) / dt)), MonitorCommand.bytes(Int64((write - before.write) / dt)),
                                 s.int("file_events") == nil ? "-" : String(Int(((files - before.files) / dt).rounded())),
                                 s.int("denied").map { String($0) } ?? "-", syscallRate.map { String(Int($0)) } ?? "-",
                                 MonitorCommand.display(record.command)])
                }
                if !json { lines = MonitorCommand.table(rows) }
                var text = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
                if terminal && !once && !json { text = "\u{1B}[H\u{1B}[2J" + text }
                try? FileIO.writeAll(1, text + (terminal || json || once ? "" : "\n"), name: "stdout")
                if once || (!ids.isEmpty && records.isEmpty) { return }
                usleep(UInt32(period * 1_000_000))
            }
        }
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a run: SIGTERM (or --signal) to its whole process tree, SIGKILL after --grace; prints how it ended.",
        discussion: "The run's own report says who stopped it (stopped by uid N). The status printed is the run's: 143 for SIGTERM.\n\n"
            + MonitorCommand.exitDiscussion)

    @Argument(help: "The run id (from sandbox ps), or the path of its socket.") var id: String
    @Option(name: .long, help: "The first signal (default SIGTERM).") var signal = "SIGTERM"
    @Option(name: .long, help: "Time between the signal and SIGKILL (default 5s; 0 for at once).") var grace = "5s"

    func run() throws {
        try MonitorCommand.guarded {
            guard let sig = Signals.number(signal) else {
                throw SandboxError(.usage, "--signal \(signal)", "unknown signal", hint: "e.g. TERM, SIGINT, 9")
            }
            let seconds = try MonitorCommand.duration(grace, flag: "--grace", allowZero: true)
            let client = try ControlClient(run: id)
            _ = try client.request("stop", [("signal", .int(Int64(sig))), ("grace", .double(seconds))])
            // The supervisor sends the end record once the command has been reaped.
            while let line = try client.readLine(timeout: seconds + 30) {
                guard let message = ControlMessage(line: line), message.string("op") == "end" else { continue }
                let status = message.int("status") ?? -1
                print("\(id): stopped, exit status \(status) (\(message.string("reason") ?? "?"))")
                return
            }
            throw SandboxError(.setup, id, "the supervisor closed the connection before the run ended")
        }
    }
}

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Stream a run's events as JSON lines: file events (the --trace-files records), denied calls, process exec/exit.",
        discussion: """
        File events need a run that watches files (watch.enabled, --trace-files or -p audit). exec and exit \
        records come from the sampler (every 100 ms at first), so a process shorter than that may be missed. \
        The last line is {"op":"end",...} with the run's exit status.

        """ + MonitorCommand.exitDiscussion)

    @Argument(help: "The run id (from sandbox ps), or the path of its socket.") var id: String

    func run() throws {
        try MonitorCommand.guarded {
            let client = try ControlClient(run: id)
            _ = try client.request("events")
            while let line = try client.readLine(timeout: nil) {
                try FileIO.writeAll(1, line + "\n", name: "stdout")
                if ControlMessage(line: line)?.string("op") == "end" { return }
            }
        }
    }
}
