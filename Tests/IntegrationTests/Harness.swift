import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How a process ended, with what it printed. `status` follows the shell's convention (and sandbox's):
/// the exit code, or 128+N when signal N killed it.
struct ProcessOutput: CustomStringConvertible {
    var status: Int32
    var signal: Int32?
    var stdout: String
    var stderr: String
    var wallSeconds: Double

    var description: String {
        "status \(status)\(signal.map { " (signal \($0))" } ?? ""), \(String(format: "%.2f", wallSeconds)) s\n"
            + "--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the built `sandbox` (and anything else) with posix_spawn(3): stdin from /dev/null, stdout and
/// stderr to files (no pipe to fill up and deadlock), every signal reset to default and unblocked.
enum Harness {
    /// The directory with the built products: the test bundle's own. On Linux `swift test` runs
    /// `.build/<config>/<package>PackageTests.xctest`, an executable next to `sandbox` and `sandbox-probe`.
    /// `SANDBOX_BUILD_DIR` overrides it.
    static let productsDirectory: String? = {
        var candidates: [String] = []
        if let custom = ProcessInfo.processInfo.environment["SANDBOX_BUILD_DIR"] { candidates.append(custom) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent)
        }
        if let arg0 = CommandLine.arguments.first {
            var dir = (arg0 as NSString).deletingLastPathComponent
            // A bundle directory (`X.xctest/...`) sits in the products directory.
            while dir.contains(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
            candidates.append(dir)
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/sandbox") }
    }()

    /// The path of a built product, or an error that says where it was looked for.
    static func product(_ name: String) throws -> String {
        guard let dir = productsDirectory, FileManager.default.isExecutableFile(atPath: dir + "/" + name) else {
            throw HarnessError("""
                built product '\(name)' not found next to the test bundle \
                (\(CommandLine.arguments.first ?? "?")); run `swift build --build-tests` first, or set SANDBOX_BUILD_DIR
                """)
        }
        return dir + "/" + name
    }

    static var sandbox: String { get throws { try product("sandbox") } }
    static var probe: String { get throws { try product("sandbox-probe") } }

    static let isRoot = getuid() == 0

    /// Runs `sandbox ARGS...` to completion. `environment` adds to (or, with nil, removes from) the
    /// test runner's own environment.
    static func sandbox(_ args: [String], extraFiles: [Int32: String] = [:], environment: [String: String?] = [:],
                        timeout: Double = 30) throws -> ProcessOutput {
        try run(try sandbox, args, extraFiles: extraFiles, environment: environment, timeout: timeout)
    }

    /// Runs `sandbox run ... --report FILE -- COMMAND` and decodes the report.
    static func sandboxReport(_ options: [String], _ command: [String], environment: [String: String?] = [:],
                              timeout: Double = 30) throws -> (ProcessOutput, SandboxReport) {
        let dir = try TemporaryDirectory()
        let reportPath = dir.path + "/report.json"
        let output = try sandbox(["run", "-q", "--report", reportPath] + options + ["--"] + command, environment: environment,
                                 timeout: timeout)
        guard let data = FileManager.default.contents(atPath: reportPath) else {
            throw HarnessError("sandbox wrote no report to \(reportPath): \(output)")
        }
        return (output, try SandboxReport.decode(data, context: output))
    }

    /// Runs a program to completion; kills it and throws after `timeout` seconds so that a hang fails
    /// one test instead of the whole run.
    static func run(_ path: String, _ args: [String], extraFiles: [Int32: String] = [:], environment: [String: String?] = [:],
                    timeout: Double = 30) throws -> ProcessOutput {
        let process = try start(path, args, extraFiles: extraFiles, environment: environment)
        return try process.wait(timeout: timeout)
    }

    /// Starts a program in the background.
    static func start(_ path: String, _ args: [String], extraFiles: [Int32: String] = [:],
                      environment: [String: String?] = [:]) throws -> SpawnedProcess {
        let dir = try TemporaryDirectory()
        let out = dir.path + "/stdout", err = dir.path + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Descriptors deliberately left open (no O_CLOEXEC) in sandbox, which must not pass them on.
        for (fd, file) in extraFiles { posix_spawn_file_actions_addopen(&actions, fd, file, O_RDONLY, 0) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + args).map { strdup($0) } + [nil]
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(path): \(String(cString: strerror(rc)))") }
        return SpawnedProcess(pid: pid, directory: dir, command: ([path] + args).joined(separator: " "))
    }

    /// The first executable named `name` on $PATH, skipping version-manager shims (pyenv's `python3` is a
    /// bash script under /root that an unprivileged user cannot run).
    static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = ["/usr/bin", "/bin", "/usr/local/bin"] + path.split(separator: ":").map(String.init)
        return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var python3: String { get throws {
        guard let path = tool("python3") else { throw HarnessError("python3 not found (the tests use it as a workload)") }
        return path
    } }
}

/// A process started by `Harness.start`.
final class SpawnedProcess {
    let pid: pid_t
    let command: String
    private let directory: TemporaryDirectory
    private let started = Harness.now()
    private var result: ProcessOutput?

    init(pid: pid_t, directory: TemporaryDirectory, command: String) {
        self.pid = pid
        self.directory = directory
        self.command = command
    }

    deinit {
        if result == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// What the process has written to stderr so far (it is still running).
    var stderrSoFar: String { (try? String(contentsOfFile: directory.path + "/stderr", encoding: .utf8)) ?? "" }

    /// Waits for the process to end (polling waitpid(WNOHANG) so that a deadline is possible).
    func wait(timeout: Double = 30) throws -> ProcessOutput {
        if let result { return result }
        let deadline = Harness.now() + timeout
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw HarnessError("waitpid \(pid): \(String(cString: strerror(errno)))") }
            if Harness.now() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                result = read(raw)
                throw HarnessError("\(command) still running after \(timeout) s; killed it. \(result!)")
            }
            usleep(2_000)
        }
        let output = read(raw)
        result = output
        return output
    }

    private func read(_ raw: Int32) -> ProcessOutput {
        // WIFSIGNALED / WEXITSTATUS, spelled out: the C macros are not imported.
        let termsig = raw & 0x7F
        let signal: Int32? = termsig != 0 ? termsig : nil
        let text = { (name: String) in
            (try? String(contentsOfFile: self.directory.path + "/" + name, encoding: .utf8)) ?? ""
        }
        return ProcessOutput(status: signal.map { 128 + $0 } ?? (raw >> 8) & 0xFF, signal: signal,
                             stdout: text("stdout"), stderr: text("stderr"), wallSeconds: Harness.now() - started)
    }
}

extension Harness {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
