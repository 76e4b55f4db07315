import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

/// What `sandbox run` was asked to do, however its arguments were parsed, and the run itself.
struct RunRequest: Equatable {
    var profiles: [String] = []
    var timeout: String?
    var killAfter: String?
    var overrides: [String] = []
    /// `--bind`, `--ro-bind`, `--tmpfs`, `--hide` as `FLAG=VALUE`, in order; each becomes one `--set`.
    var filesystemFlags: [String] = []
    var report: String?
    var traceFiles: String?
    var quiet = false
    var reportHTML: String?
    var printID = false
    var audit = false
    var command: [String] = []
    /// `--net none|host`: the same as `--set network.mode=...`, applied after the `--set` flags.
    var net: String? = nil

    /// Runs the command and exits with its status (or 125 when sandbox cannot start it).
    func execute() -> Never {
        do {
            let timeout = try self.timeout.map { try Self.duration($0, flag: "--timeout") }
            var overrides = self.overrides
            for flag in filesystemFlags {
                let eq = flag.firstIndex(of: "=")!
                overrides.append(try FilesystemSettings.override(flag: String(flag[..<eq]), value: String(flag[flag.index(after: eq)...])))
            }
            if traceFiles != nil { overrides.append("watch.enabled=true") }
            if let net {
                let modes = NamespaceSettings.NetworkMode.allCases.map(\.rawValue)
                guard modes.contains(net) else {
                    throw SandboxError(.usage, "--net \(net)", "expected " + modes.joined(separator: " or "))
                }
                overrides.append("network.mode=\"\(net)\"")
            }
            if audit { overrides.append("audit.syscalls=true") }
            let cache = try ProfileCache.fromEnvironment()
            // What the last run of this entry made ahead is started now, before the profile is decoded.
            var early: EarlyNamespaces?
            let entry = try cache.lookup(profiles.isEmpty ? ["default"] : profiles, overrides: overrides, resolver: ProfileResolver(),
                                         onHint: { early = EarlyNamespaces.start(hint: $0) })
            let profile = entry.compiled.profile
            let killAfter = try self.killAfter.map { try Self.duration($0, flag: "--kill-after") } ?? profile.killAfter
            let trace = try traceFiles.map(TraceWriter.init)
            // Opened now, so that an unwritable report path fails before the command runs.
            let reportFD = try report.map { path -> Int32 in
                if path == "-" { return 1 }
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw SandboxError(.usage, "--report \(path)", String(cString: strerror(errno))) }
                return fd
            }
            let htmlFD = try reportHTML.map { path -> Int32 in
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw SandboxError(.usage, "--report-html \(path)", String(cString: strerror(errno))) }
                return fd
            }
            // Nothing renders the figures of a quiet run without a report: fewer cgroups, fewer files read.
            let rendersFigures = !quiet || report != nil || reportHTML != nil
            let listings = ListingCache(directory: cache.directory)
            let plan = try LaunchPlan(compiled: entry.compiled, command: command, onFileEvent: trace?.write, rendersFigures: rendersFigures,
                                      early: early, listings: listings)
            early = nil
            let cacheOutcome = cache.keep(entry, seccomp: plan.seccomp, hint: plan.launchHint)
            let supervisor = Supervisor(plan: plan, options: .init(timeout: timeout, killAfter: killAfter))
            if printID { supervisor.onControlReady = { id in printError(id) } }
            supervisor.rendersFigures = rendersFigures
            var result = try supervisor.run()
            result.profileCache = cacheOutcome
            listings.save()
            if let failure = result.setupFailure { printError("sandbox: \(failure.error)") }
            if !quiet { printError(ReportRenderer.summaryLines(result).joined(separator: "\n")) }
            if let reportFD, let report {
                try FileIO.writeAll(reportFD, ReportRenderer.json(result).serialized() + "\n", name: report)
                if reportFD != 1 { close(reportFD) }
            }
            if let htmlFD, let reportHTML {
                try FileIO.writeAll(htmlFD, HTMLReport.render(ReportRenderer.json(result)), name: reportHTML)
                close(htmlFD)
            }
            // _exit: everything was written with write(2); atexit handlers of the runtime have nothing to do.
            _exit(result.exitStatus)
        } catch let error as SandboxError {
            Sandbox.fail(error)
        } catch {
            Sandbox.fail(SandboxError(.setup, "sandbox run", "\(error)"))
        }
    }

    static func duration(_ text: String, flag: String) throws -> Double {
        guard let seconds = Units.seconds(text), seconds > 0 else {
            throw SandboxError(.usage, "\(flag) \(text)", "not a duration", hint: "e.g. 500ms, 30s, 5m, 2h")
        }
        guard Units.isDuration(seconds) else { throw SandboxError(.usage, "\(flag) \(text)", Units.durationProblem(seconds)) }
        return seconds
    }

    /// The arguments of `sandbox run` in their plain spelling (`-p NAME`, `--timeout=30s`, `-q`, …, then
    /// `--` and the command), parsed without swift-argument-parser, whose reflection over the command
    /// tree costs about 2 ms at every start. Anything else (help, a typo, a bundled `-qp`, a value that
    /// looks like an option, no `--`) returns nil and goes to ArgumentParser, which parses it or explains
    /// the mistake. A test checks that both parsers agree on every argument list this one accepts.
    static func parseCommonForm(_ arguments: ArraySlice<String>) -> RunRequest? {
        var request = RunRequest()
        var rest = arguments
        guard rest.popFirst() == "run" else { return nil }
        while let argument = rest.popFirst() {
            if argument == "--" {
                request.command = Array(rest)
                // Grouped by flag as ArgumentParser gives them (Run.filesystemFlags), so both paths agree.
                let order = ["--bind=", "--ro-bind=", "--tmpfs=", "--hide="]
                request.filesystemFlags = order.flatMap { prefix in request.filesystemFlags.filter { $0.hasPrefix(prefix) } }
                return request.command.isEmpty ? nil : request
            }
            if argument == "-q" || argument == "--quiet" {
                request.quiet = true
                continue
            }
            if argument == "--print-id" {
                request.printID = true
                continue
            }
            if argument == "--audit" {
                request.audit = true
                continue
            }
            var name = argument, value: String
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let next = rest.popFirst(), next == "-" || !next.hasPrefix("-") else { return nil }
                value = next
            }
            switch name {
            case "-p", "--profile": request.profiles.append(value)
            case "--timeout": request.timeout = value
            case "--kill-after": request.killAfter = value
            case "--set": request.overrides.append(value)
            case "--report": request.report = value
            case "--trace-files": request.traceFiles = value
            case "--report-html": request.reportHTML = value
            case "--net": request.net = value
            case "--bind", "--ro-bind", "--tmpfs", "--hide": request.filesystemFlags.append(name + "=" + value)
            default: return nil
            }
        }
        return nil
    }
}
