import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real binary against the real kernel, one test at a time: several tests measure CPU time or wait
/// for signals, and parallel runs would make both noisy. Every suite of this module that runs `sandbox`
/// nests in here.
@Suite(.serialized) enum SandboxBinary {}

/// A fresh directory under /tmp (mode 0755, so that a test that drops to `nobody` can reach it), removed
/// with everything in it when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(mode: mode_t = 0o755) throws {
        var template = Array("/tmp/sbx-itest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))") }
        path = String(cString: made)
        chmod(path, mode)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` in this directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, mode)
        return file
    }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Conditions for tests that need root or a feature. Each prints why it skips, because a silent skip in
/// CI (which runs as root) would hide a whole area.
enum Condition {
    static func root(_ test: String) -> Bool {
        if !Harness.isRoot { print("skipped \(test): needs root (uid is \(getuid()))") }
        return Harness.isRoot
    }

    /// Dropping to `nobody` takes root and setpriv(1).
    static func canDropToNobody(_ test: String) -> Bool {
        guard root(test) else { return false }
        guard Harness.tool("setpriv") != nil, getpwnam("nobody") != nil else {
            print("skipped \(test): needs setpriv(1) and a 'nobody' user")
            return false
        }
        return true
    }

    /// Whether `sandbox-probe` has subcommand `name` (its usage lists it). The probe is written in
    /// parallel with these tests; until it lands, the shell and python versions of each check stand in.
    static func probeSupports(_ name: String, _ test: String) -> Bool {
        let usage = (try? Harness.run(try Harness.probe, ["--help"]))?.stdout ?? ""
        let supported = usage.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") }
        if !supported { print("skipped \(test): sandbox-probe has no '\(name)' subcommand yet") }
        return supported
    }
}

/// The lines `Name:\tvalue` of /proc/PID/status, as printed by a command in the sandbox.
struct ProcStatus {
    let fields: [String: String]

    init(_ text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.fields = fields
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A capability mask as a number (the file prints hex).
    func capabilities(_ set: String) -> UInt64? { fields[set].flatMap { UInt64($0, radix: 16) } }
}

/// /proc/PID/stat, split after the command name (which may contain spaces and parentheses).
struct ProcStat {
    /// Fields 3... of proc(5): `state` is fields[0], `session` fields[3], `nice` fields[16].
    let fields: [String]
    let pid: Int

    init?(_ text: String) {
        guard let close = text.lastIndex(of: ")"), let pid = Int(text.prefix { $0 != " " }) else { return nil }
        self.pid = pid
        fields = text[text.index(after: close)...].split(separator: " ").map(String.init)
        guard fields.count > 16 else { return nil }
    }

    var state: String { fields[0] }
    var session: Int? { Int(fields[3]) }
    var nice: Int? { Int(fields[16]) }
}

extension Harness {
    /// Whether `pid` names a live process: one that exists and is not a zombie (a process SIGKILLed after
    /// its parent died stays a zombie until init reaps it, and init here may never do so).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let stat = ProcStat(text) else {
            return false
        }
        return stat.state != "Z" && stat.state != "X"
    }

    /// Whether /proc has any entry for `pid`, zombie or not.
    static func exists(_ pid: pid_t) -> Bool { FileManager.default.fileExists(atPath: "/proc/\(pid)") }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held and how long it took.
    static func waitUntil(timeout: Double, _ condition: () -> Bool) -> (Bool, Double) {
        let start = now()
        while now() - start < timeout {
            if condition() { return (true, now() - start) }
            usleep(5_000)
        }
        return (condition(), now() - start)
    }

    /// The pids written one per line to `file` by commands in the sandbox.
    static func pids(in file: String) -> [pid_t] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }
}
