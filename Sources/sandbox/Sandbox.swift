import ArgumentParser
import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

@main
struct Sandbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a command under a sandbox profile: limits, capabilities, no_new_privs, seccomp; report what it did.",
        discussion: """
        Exit status: the command's own; 128+N when it died from signal N; 124 when the wall-clock limit \
        ended it; 125 when sandbox itself failed (bad flag, bad profile, a setup step); 126 when the command \
        cannot be executed; 127 when it is not found. `sandbox profile check` exits 0 when every profile is \
        valid, 1 when one has errors, 125 when sandbox itself failed.
        """,
        version: SandboxCore.version,
        subcommands: [Run.self, Ps.self, Top.self, Stop.self, Events.self, ProfileCommand.self, Syscalls.self])

    /// Argument errors exit 125 (sandbox's own failure), not ArgumentParser's 64, so that callers can tell
    /// them from the command's statuses.
    static func main() {
        if let request = RunRequest.parseCommonForm(CommandLine.arguments.dropFirst()) { request.execute() }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SandboxError {
            fail(error)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            printError("sandbox: \(message) (see 'sandbox --help')")
            Glibc.exit(125)
        }
    }

    static func fail(_ error: SandboxError) -> Never {
        printError("sandbox: \(error)")
        Glibc.exit(error.exitStatus)
    }
}

func printError(_ line: String) {
    try? FileIO.writeAll(2, line + "\n", name: "stderr")
}
