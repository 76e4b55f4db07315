import ArgumentParser
import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run COMMAND in the sandbox a profile describes.",
        discussion: """
        Examples:
          sandbox run -- ls -l                       the default profile
          sandbox run -p strict -- python3 script.py  an allow-list filter
          sandbox run -p default --timeout 30s --report run.json -- make test
          sandbox run -p ./my.toml --set limits.open_files=64 -- ./server
          sandbox run -p audit --trace-files - -- ./installer.sh
          sandbox run --net none --set namespaces.pid=true -- ./test.sh
          sandbox run --audit --report run.json -- make     every syscall counted, like strace -f -c
        """)

    @Option(name: .shortAndLong, help: "Profile name or path; repeat to stack profiles in order.")
    var profile: [String] = []

    @Option(name: .long, help: "Wall-clock limit (e.g. 30s, 5m); overrides the profile's limits.wall.")
    var timeout: String?

    @Option(name: .customLong("kill-after"), help: "Grace period between SIGTERM and SIGKILL at the limit (default: the profile's, 5s).")
    var killAfter: String?

    @Option(name: .customLong("set"), help: "Override a profile key, e.g. --set limits.open_files=64 (repeatable).")
    var overrides: [String] = []

    @Option(name: .customLong("bind"), help: "Bind SRC[:DST] read-write into the view (filesystem.read_write_add).")
    var binds: [String] = []

    @Option(name: .customLong("ro-bind"), help: "Bind SRC[:DST] read-only into the view (filesystem.read_only_add).")
    var roBinds: [String] = []

    @Option(name: .customLong("tmpfs"), help: "A fresh tmpfs at DST[:SIZE] (filesystem.tmpfs_add).")
    var tmpfs: [String] = []

    @Option(name: .customLong("hide"), help: "Make PATH appear empty (filesystem.hide_add).")
    var hides: [String] = []

    @Option(name: .long, help: "Write the JSON report to FILE ('-' for stdout).")
    var report: String?

    @Option(name: .customLong("trace-files"), help: "Stream file events as JSON lines to FILE ('-' for stderr) while the command runs.")
    var traceFiles: String?

    @Option(name: .long, help: "Network: 'none' (a network namespace with only loopback) or 'host'; the same as --set network.mode=...")
    var net: String?

    @Flag(name: .shortAndLong, help: "Do not print the summary.")
    var quiet = false

    @Option(name: .customLong("report-html"), help: "Write a self-contained HTML report (charts of the timeline, usage, files, denied calls) to FILE.")
    var reportHTML: String?

    @Flag(name: .customLong("print-id"), help: "Print the run id (for sandbox ps/top/stop/events) on stderr once its control socket listens.")
    var printID = false
    @Flag(name: .long, help: "Count every syscall of the command's tree (audit.syscalls = true): calls, errors, denied calls, arguments, the process tree.")
    var audit = false

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() throws {
        var command = self.command
        if command.first == "--" {
            command.removeFirst()
        } else if command.first == "-h" || command.first == "--help" {
            throw CleanExit.helpRequest(Run.self)
        } else if let first = command.first, first.hasPrefix("-") {
            // Passthrough capture would take an unknown option for the command.
            Sandbox.fail(SandboxError(.usage, first, "unknown option of 'sandbox run'", hint: "see 'sandbox run --help'; the command goes after --"))
        }
        RunRequest(profiles: profile, timeout: timeout, killAfter: killAfter, overrides: overrides,
                   filesystemFlags: Self.filesystemFlags(binds: binds, roBinds: roBinds, tmpfs: tmpfs, hides: hides),
                   report: report, traceFiles: traceFiles, quiet: quiet, reportHTML: reportHTML, printID: printID,
                   audit: audit, command: command, net: net).execute()
    }

}

extension Run {
    /// The filesystem shorthands as RunRequest keeps them. ArgumentParser gives each flag's values apart,
    /// so across flags they come in this fixed order (within one flag, as given).
    static func filesystemFlags(binds: [String], roBinds: [String], tmpfs: [String], hides: [String]) -> [String] {
        binds.map { "--bind=" + $0 } + roBinds.map { "--ro-bind=" + $0 } + tmpfs.map { "--tmpfs=" + $0 } + hides.map { "--hide=" + $0 }
    }
}

/// `--trace-files`: one JSON line per file event, written as it happens.
final class TraceWriter {
    let fd: Int32

    init(_ path: String) throws {
        if path == "-" {
            fd = 2
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SandboxError(.usage, "--trace-files \(path)", String(cString: strerror(errno))) }
        }
    }

    func write(_ event: FileEvent) {
        try? FileIO.writeAll(fd, event.jsonLine + "\n", name: "trace")
    }
}
