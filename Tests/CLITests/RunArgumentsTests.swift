import ArgumentParser
import Testing
@testable import sandbox

/// `sandbox run`'s fast argument path (RunRequest.parseCommonForm) against swift-argument-parser's
/// parse of the same arguments: where the fast path accepts a list, both must mean the same thing;
/// everything else must be left to ArgumentParser.
@Suite("sandbox run arguments")
struct RunArgumentsTests {
    static func viaArgumentParser(_ arguments: [String]) throws -> RunRequest {
        let run = try Run.parse(Array(arguments.dropFirst()))
        var command = run.command
        if command.first == "--" { command.removeFirst() }
        return RunRequest(profiles: run.profile, timeout: run.timeout, killAfter: run.killAfter, overrides: run.overrides,
                          filesystemFlags: Run.filesystemFlags(binds: run.binds, roBinds: run.roBinds, tmpfs: run.tmpfs, hides: run.hides),
                          report: run.report, traceFiles: run.traceFiles, quiet: run.quiet, reportHTML: run.reportHTML,
                          printID: run.printID, audit: run.audit, command: command, net: run.net)
    }

    static let accepted: [[String]] = [
        ["run", "--", "/bin/true"],
        ["run", "-q", "-p", "default", "--", "/bin/true"],
        ["run", "-p", "default", "-p", "./my.toml", "--set", "limits.open_files=64", "--", "./server", "-p", "x"],
        ["run", "--profile", "strict", "--timeout", "30s", "--kill-after=2s", "--", "make", "test"],
        ["run", "--profile=audit", "--trace-files", "-", "--report", "r.json", "--quiet", "--", "sh", "-c", "echo --"],
        ["run", "--set", "watch.ignore=[\"/proc\"]", "--set=limits.nice=3", "--", "ls", "--", "-l"],
        ["run", "--report=-", "--", "x"],
        ["run", "-p", "", "--", "x"],
        ["run", "-q", "--quiet", "--", "x"],
        ["run", "--print-id", "--report-html", "r.html", "--", "x"],
        ["run", "--report-html=r.html", "-q", "--", "x"],
        ["run", "--net", "none", "-p", "default", "--", "x"],
        ["run", "--net=host", "--set", "network.mode=none", "--", "x"],
        ["run", "--hide", "/root", "--bind", "/a:/b", "--ro-bind=/usr", "--tmpfs", "/tmp:1GiB", "--bind", "/c", "--", "x"],
        ["run", "--audit", "-p", "audit", "--report", "r.json", "--", "dd", "bs=1"],
    ]

    @Test(arguments: accepted)
    func fastPathAgreesWithArgumentParser(_ arguments: [String]) throws {
        let fast = try #require(RunRequest.parseCommonForm(arguments[...]), "the fast path takes \(arguments)")
        #expect(fast == (try Self.viaArgumentParser(arguments)))
    }

    static let declined: [[String]] = [
        ["run"],                                    // no command: ArgumentParser's message
        ["run", "--"],                              // nor here
        ["run", "/bin/true"],                       // no --
        ["run", "--help"],
        ["run", "-h", "--", "x"],
        ["run", "-qp", "default", "--", "x"],       // bundled short options
        ["run", "-p", "--", "x"],                   // a missing value
        ["run", "--timeout", "-1", "--", "x"],      // a value that looks like an option
        ["run", "--profil", "default", "--", "x"],  // a typo: ArgumentParser suggests the flag
        ["run", "--quiet=yes", "--", "x"],
        ["run", "--print-id=yes", "--", "x"],
        ["profile", "list"],
        ["--version"],
    ]

    @Test(arguments: declined)
    func everythingElseGoesToArgumentParser(_ arguments: [String]) {
        #expect(RunRequest.parseCommonForm(arguments[...]) == nil)
    }
}
