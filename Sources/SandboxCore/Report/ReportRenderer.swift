#if canImport(Glibc)
import Glibc
#endif

/// Renders a `RunResult`: an aligned summary for stderr and the versioned JSON report.
public enum ReportRenderer {
    public static func json(_ r: RunResult) -> JSONValue {
        let u = r.usage
        var pairs: [(String, JSONValue)] = [
            ("version", .int(1)),
            ("command", .array(r.command.map { .string($0) })),
            ("profile", .string(r.profile)),
        ]
        if let cache = r.profileCache {
            var fields: [(String, JSONValue)] = [("status", .string(cache.status.rawValue))]
            if let reason = cache.reason { fields.append(("reason", .string(reason))) }
            pairs.append(("profile_cache", .object(fields)))
        }
        pairs += [
            ("exit", .object([
                ("code", r.setupFailure == nil ? .int(Int64(r.exitCode)) : .int(Int64(r.exitStatus))),
                ("signal", r.signal.map { .int(Int64($0)) } ?? .null),
                ("signal_name", r.signal.map { .string(signalName($0)) } ?? .null),
                ("reason", .string(r.reason)),
                ("status", .int(Int64(r.exitStatus))),
            ])),
            ("limit_hit", r.limitHit.map { .string($0) } ?? .null),
        ]
        if let failure = r.setupFailure { pairs.append(("setup_error", .string(failure.error.description))) }
        pairs.append(("usage", .object([
            ("wall_seconds", .double(r.wallSeconds)),
            ("user_seconds", .double(r.userSeconds)),
            ("system_seconds", .double(r.systemSeconds)),
            ("max_rss_bytes", .int(r.maxRSSBytes)),
            ("minor_faults", .int(Int64(u.ru_minflt))),
            ("major_faults", .int(Int64(u.ru_majflt))),
            ("voluntary_context_switches", .int(Int64(u.ru_nvcsw))),
            ("involuntary_context_switches", .int(Int64(u.ru_nivcsw))),
            ("block_input_ops", .int(Int64(u.ru_inblock))),
            ("block_output_ops", .int(Int64(u.ru_oublock))),
        ])))
        var seccomp: [(String, JSONValue)] = [("blocked", .array(r.violations.entries.map { e in
            .object([("syscall", .string(e.syscall)), ("count", .int(Int64(e.count))), ("first_pid", .int(Int64(e.firstPid))),
                     ("action", .string(e.action.description)), ("rule", .string(e.reason))])
        }))]
        if let (verdict, pid) = r.violations.killedBy {
            seccomp.append(("killed_by", .object([("syscall", .string(verdict.syscall)), ("pid", .int(Int64(pid))), ("rule", .string(verdict.reason))])))
        }
        pairs.append(("seccomp", .object(seccomp)))
        if let namespaces = r.namespaces { pairs.append(("namespaces", namespaces.json)) }
        if let files = r.files { pairs += files.jsonFields }
        if let cgroup = r.cgroup { pairs.append(("cgroup", cgroup.json)) }
        pairs += monitorFields(r)
        if let filesystem = r.filesystem { pairs.append(("filesystem", filesystem.json)) }
        if let audit = r.audit { pairs += audit.jsonFields }
        pairs.append(("not_enforced", .array(r.notEnforced.map { .string($0) })))
        pairs.append(("notes", .array(r.notes.map { .string($0) })))
        return .object(pairs)
    }

    /// The human summary: label and value columns, aligned.
    public static func summaryLines(_ r: RunResult) -> [String] {
        var rows: [(String, String)] = []
        var exit: String
        switch r.reason {
        case "setup-failed": exit = "setup failed: \(r.setupFailure!.error.description)"
        case "timeout": exit = "timed out (wall-clock limit), status 124"
        case "signaled": exit = "killed by \(signalName(r.signal!)) (status \(r.exitCode))"
        default: exit = "exited with status \(r.exitCode)"
        }
        if r.limitHit == "memory", let cgroup = r.cgroup { exit += ": " + cgroup.oomReason }
        rows.append(("exit", exit))
        if let limit = r.limitHit, limit != "wall-time" {
            let words = ["cpu": "CPU time limit (limits.cpu)", "file-size": "file-size limit (limits.file_size)", "seccomp": "seccomp kill action",
                         "memory": "memory limit (cgroup.memory)",
                         "processes": "process limit (cgroup.processes): forks failed with EAGAIN"]
            rows.append(("limit hit", words[limit] ?? limit))
        }
        rows.append(("wall time", Units.formatSeconds(r.wallSeconds)))
        rows.append(("cpu time", "\(Units.formatSeconds(r.userSeconds)) user, \(Units.formatSeconds(r.systemSeconds)) system"))
        rows.append(("peak memory", Units.formatBytes(UInt64(max(0, r.maxRSSBytes))) + " (largest process)"))
        rows.append(("page faults", "\(r.usage.ru_majflt) major, \(r.usage.ru_minflt) minor"))
        rows.append(("context sw.", "\(r.usage.ru_nvcsw) voluntary, \(r.usage.ru_nivcsw) involuntary"))
        rows.append(("block I/O", "\(r.usage.ru_inblock) in, \(r.usage.ru_oublock) out"))
        if !r.violations.entries.isEmpty {
            let list = r.violations.entries.map { "\($0.syscall) ×\($0.count)" }.joined(separator: ", ")
            let rules = Array(Set(r.violations.entries.map(\.reason))).sorted().joined(separator: "; ")
            // Each reason names its rule: "deny unshare", "rule at strict.toml:20", "default_action".
            rows.append(("blocked", "\(list) (profile \(r.profile): \(rules))"))
            let names = r.violations.entries.map { "\"\($0.syscall)\"" }.joined(separator: ", ")
            rows.append(("", "to allow: --set 'seccomp.allow_add=[\(names)]' or add them to the profile's seccomp.allow"))
        }
        if let (verdict, pid) = r.violations.killedBy {
            rows.append(("killed", "pid \(pid) by seccomp: \(verdict.syscall) (\(verdict.reason), kill-process)"))
        }
        if let namespaces = r.namespaces { rows.append(("namespaces", namespaces.summary)) }
        if let files = r.files {
            for (i, line) in files.humanSummary(workingDirectory: r.workdir).enumerated() { rows.append((i == 0 ? "files" : "", line)) }
        }
        if let cgroup = r.cgroup { rows += cgroup.summaryRows }
        rows += monitorRows(r)
        if let filesystem = r.filesystem { rows.append(("filesystem", filesystem.summary)) }
        if let audit = r.audit { rows += audit.summaryRows() }
        for item in r.notEnforced { rows.append(("not enforced", item)) }
        // The labels are ASCII: UTF-8 length, not grapheme counting (the Unicode tables cost a start-up).
        let width = rows.map(\.0.utf8.count).max() ?? 0
        return ["sandbox: \(r.command.joined(separator: " ")) [profile \(r.profile)\(r.runID.map { ", run \($0)" } ?? "")]"]
            + rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.utf8.count) + "  " + $0.1 }
    }

    public static func signalName(_ sig: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
                                      8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
                                      14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"]
        return names[sig] ?? "signal \(sig)"
    }
}
