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

    @Option(name: .long, help: "Write the JSON report to FILE ('-' for stdout).")
    var report: String?

    @Option(name: .customLong("trace-files"), help: "Stream file events as JSON lines to FILE ('-' for stderr) while the command runs.")
    var traceFiles: String?

    @Flag(name: .shortAndLong, help: "Do not print the summary.")
    var quiet = false

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
        RunRequest(profiles: profile, timeout: timeout, killAfter: killAfter, overrides: overrides, report: report,
                   traceFiles: traceFiles, quiet: quiet, audit: audit, command: command).execute()
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
