import Testing
@testable import SandboxCore

/// One profile file and the one-line error it must produce: the file and line, the key path, the
/// message, and the "did you mean" hint where there is a plausible one.
struct BadProfile: Sendable, CustomTestStringConvertible {
    let label: String
    let text: String
    /// The line the error must point at (`bad.toml:LINE`), or nil when the error is about the whole file.
    let line: Int?
    /// The key path (or `[section]`) the error must name.
    let key: String?
    let message: String
    var hint: String? = nil
    var testDescription: String { label }
}

/// A profile that must decode, and what it must decode to.
struct GoodProfile: Sendable, CustomTestStringConvertible {
    let label: String
    let text: String
    let check: @Sendable (Profile) -> Void
    var testDescription: String { label }
}

@Suite("Profile decoding: every error names the file, line and key")
struct ProfileDecodingTests {
    static let bad: [BadProfile] = [
        BadProfile(label: "unknown key", text: """
            description = "x"
            [process]
            nicee = 5
            """, line: 3, key: "process.nicee", message: "unknown key", hint: "did you mean 'nice'?"),
        BadProfile(label: "unknown section", text: """
            description = "x"

            [limitz]
            cpu = 5
            """, line: 3, key: "limitz", message: "unknown key", hint: "did you mean 'limits'?"),
        // A misspelt section is an unknown key, with the section it meant.
        BadProfile(label: "unknown section", text: """
            description = "x"
            [filesystm]
            root = "read-only"
            """, line: 2, key: "filesystm", message: "unknown key", hint: "did you mean 'filesystem'?"),
        BadProfile(label: "key in the wrong section", text: """
            # a comment
            nice = 5
            """, line: 2, key: "nice", message: "unknown key", hint: "'nice' belongs in [process]"),
        BadProfile(label: "wrong type: string for bool", text: """
            [process]
            nice = 5
            new_session = "yes"
            """, line: 3, key: "process.new_session", message: "expected true or false, found a string \"yes\""),
        BadProfile(label: "wrong type: integer for string", text: """
            [process]
            workdir = 5
            """, line: 2, key: "process.workdir", message: "expected a string, found an integer 5"),
        BadProfile(label: "integer out of range", text: """
            [process]
            nice = 40
            """, line: 2, key: "process.nice", message: "40 is out of range -20...19"),
        BadProfile(label: "audit mechanism not among the options", text: """
            [audit]
            mechanism = "ebfp"
            """, line: 2, key: "audit.mechanism", message: "'ebfp' is not one of auto, ebpf, seccomp-notify", hint: "did you mean 'ebpf'?"),
        BadProfile(label: "choice not among the options", text: """
            [process]
            pty = "allways"
            """, line: 2, key: "process.pty", message: "'allways' is not one of auto, always, never", hint: "did you mean 'always'?"),
        BadProfile(label: "bad unit", text: """
            [limits]
            cpu = 5
            data = "12 parsecs"
            """, line: 3, key: "limits.data", message: "'12 parsecs' is not a size"),
        BadProfile(label: "bad duration", text: """
            [limits]
            wall = "3 fortnights"
            """, line: 2, key: "limits.wall", message: "'3 fortnights' is not a duration"),
        BadProfile(label: "negative limit", text: """
            [limits]
            open_files = -1
            """, line: 2, key: "limits.open_files", message: "-1 is negative", hint: "write \"unlimited\" for no limit"),
        BadProfile(label: "soft above hard", text: """
            [limits]

            open_files = { soft = 100, hard = 10 }
            """, line: 3, key: "limits.open_files", message: "soft limit is above the hard limit"),
        BadProfile(label: "limit table without hard", text: """
            [limits]
            open_files = { soft = 100 }
            """, line: 2, key: "limits.open_files", message: "a limit table needs both soft and hard"),
        BadProfile(label: "limit table with a misspelt key", text: """
            [limits]
            open_files = { soft = 1, hart = 2 }
            """, line: 2, key: "limits.open_files.hart", message: "unknown key", hint: "did you mean 'hard'?"),
        BadProfile(label: "CPU below one second", text: """
            [limits]
            cpu = "500ms"
            """, line: 2, key: "limits.cpu", message: "RLIMIT_CPU counts whole seconds"),
        BadProfile(label: "RLIMIT_RSS", text: """
            [limits]
            rss = "1GiB"
            """, line: 2, key: "limits.rss", message: "unknown key", hint: "RLIMIT_RSS has no effect on Linux"),
        BadProfile(label: "habitual name nofile", text: """
            [limits]
            nofile = 64
            """, line: 2, key: "limits.nofile", message: "unknown key", hint: "did you mean 'open_files'?"),
        BadProfile(label: "habitual name nproc", text: """
            [limits]
            nproc = 64
            """, line: 2, key: "limits.nproc", message: "unknown key", hint: "did you mean 'processes'?"),
        BadProfile(label: "unknown syscall", text: """
            [seccomp]
            deny = [
              "ptrace",
              "mountt",
            ]
            """, line: 2, key: "seccomp.deny", message: "unknown syscall 'mountt' (did you mean 'mount'?)"),
        BadProfile(label: "unknown capability", text: """
            [capabilities]
            keep = ["NET_ADMN"]
            """, line: 2, key: "capabilities.keep", message: "unknown capability 'NET_ADMN' (did you mean 'CAP_NET_ADMIN'?)"),
        BadProfile(label: "unknown errno in deny_action", text: """
            [seccomp]
            deny_action = "errno:EPERMM"
            """, line: 2, key: "seccomp.deny_action", message: "unknown errno in 'errno:EPERMM' (did you mean 'EPERM'?)"),
        BadProfile(label: "errno beyond 4095", text: """
            [seccomp]
            default_action = "errno:5000"
            """, line: 2, key: "seccomp.default_action", message: "unknown action 'errno:5000'"),
        BadProfile(label: "unknown errno in a rule's action", text: """
            [seccomp]
            deny = []

            [[seccomp.rules]]
            syscall = "ioctl"
            action = "errno:ENOPE"
            """, line: 4, key: "seccomp.rules[0]", message: "unknown action 'errno:ENOPE'"),
        BadProfile(label: "unknown file operation", text: """
            [watch]
            operations = ["reed"]
            """, line: 2, key: "watch.operations", message: "unknown file operation 'reed' (did you mean 'read'?)"),
        BadProfile(label: "relative watch path", text: """
            [watch]
            ignore = ["proc"]
            """, line: 2, key: "watch.ignore", message: "'proc' is not an absolute path"),
        BadProfile(label: "unknown best-effort feature", text: """
            best_effort = ["limit"]
            """, line: 1, key: "best_effort", message: "unknown feature 'limit' (did you mean 'limits'?)"),
        BadProfile(label: "bad umask", text: """
            [process]
            umask = "999"
            """, line: 2, key: "process.umask", message: "'999' is not an octal mode"),
        BadProfile(label: "bad I/O class", text: """
            [process]
            ioprio = "idla"
            """, line: 2, key: "process.ioprio", message: "unknown I/O class 'idla'", hint: "did you mean 'idle'?"),
        BadProfile(label: "invalid TOML", text: """
            description = "x"
            [process]
            nice = = 5
            """, line: 3, key: nil, message: "invalid TOML"),
        BadProfile(label: "invalid TOML: unterminated string", text: """
            [process]
            workdir = "/tmp
            nice = 1
            """, line: 2, key: nil, message: "invalid TOML"),
        BadProfile(label: "binary data", text: "\u{7F}ELF\u{02}\u{01}\u{01}\u{00}\u{00}\u{00}",
                   line: nil, key: nil, message: "not a TOML profile (binary data)"),
        BadProfile(label: "extends with a wrong type", text: """
            description = "x"
            extends = 5
            """, line: 2, key: "extends", message: "expected a profile name or a list of names, found an integer"),
        BadProfile(label: "extends with a list of non-strings", text: """
            extends = ["default", 1]
            """, line: 1, key: "extends", message: "expected a profile name or a list of names, found an array"),
        BadProfile(label: "_add on a non-list key", text: """
            [process]
            nice_add = 1
            """, line: 2, key: "process.nice_add", message: "unknown key"),
        BadProfile(label: "_add on an unknown list", text: """
            [seccomp]
            denny_add = ["bpf"]
            """, line: 2, key: "seccomp.denny_add", message: "unknown key"),
        BadProfile(label: "_add with a bad element", text: """
            [seccomp]
            deny_add = ["mountt"]
            """, line: 2, key: "seccomp.deny_add", message: "unknown syscall 'mountt' (did you mean 'mount'?)"),
        BadProfile(label: "dates have no meaning", text: """
            description = 1979-05-27
            """, line: 1, key: "description", message: "dates and times have no meaning in a profile"),
    ]

    @Test("a bad profile fails with one line naming file, line and key", arguments: bad)
    func badProfile(_ c: BadProfile) throws {
        let dir = try TempDir()
        let file = try dir.write("bad.toml", c.text)
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["bad"]) }
        guard let error else { return }
        let text = error.description
        #expect(error.kind == .usage)
        #expect(error.exitStatus == 125)
        #expect(!text.contains("\n"), "one line: \(text)")
        if let line = c.line {
            #expect(text.hasPrefix("\(file):\(line)"), "names \(file):\(line): \(text)")
        } else {
            #expect(text.hasPrefix(file), "names \(file): \(text)")
        }
        if let key = c.key { #expect(error.stage.hasSuffix(" " + key), "names key \(key): \(text)") }
        #expect(text.contains(c.message), "says \(c.message): \(text)")
        if let hint = c.hint { #expect(text.contains(hint), "hints \(hint): \(text)") }

        // `profile check` (load) reports the same error as a run (resolve).
        let found = ProfileResolver.Found(name: "bad", source: file, bytes: try FileIO.readBytes(file), isBuiltin: false)
        let checked = #expect(throws: SandboxError.self) { try dir.resolver.load(found) }
        #expect(checked?.description == text)
    }

    /// The decoder takes the text as given; a NUL inside otherwise valid text is binary too.
    @Test func nulByteIsBinary() {
        let error = #expect(throws: SandboxError.self) {
            try ProfileDocument(name: "x", source: "x.toml", text: "description = \"a\"\n\u{0}\n")
        }
        #expect(error?.description == "x.toml: not a TOML profile (binary data)")
    }

    /// Invalid UTF-8 read from a file is the parser's error, naming its line (not U+FFFD, not "binary").
    @Test func invalidUTF8IsAnErrorNamingItsLine() throws {
        let dir = try TempDir()
        let bytes: [UInt8] = Array("[process]\nworkdir = \"/caf".utf8) + [0xE9] + Array("\"\n".utf8)
        let path = try dir.write("latin1.toml", bytes: bytes)
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve([path]) }
        #expect(error?.description == "\(path):2: invalid TOML: invalid UTF-8: bytes E9 22 0A are not a character")
        #expect(error?.exitStatus == 125)
    }

    /// U+FFFD written as such is a character like any other, and a byte-order mark is not part of the file.
    @Test func replacementCharacterAndByteOrderMarkAreValid() throws {
        let dir = try TempDir()
        let path = try dir.write("bom.toml", bytes: [0xEF, 0xBB, 0xBF] + Array("description = \"a \u{FFFD} b\"\n[process]\nnice = 3\n".utf8))
        let profile = try dir.resolver.resolve([path])
        #expect(profile.description == "a \u{FFFD} b")
        #expect(profile.process.nice == 3)
    }

    /// A megabyte unknown key: one short line, no suggestion search over it.
    @Test func hugeUnknownKeyIsOneShortLine() throws {
        let key = String(repeating: "k", count: 1 << 20)
        let error = #expect(throws: SandboxError.self) { try ProfileDocument(name: "x", source: "x.toml", text: "[limits]\n\(key) = 1\n") }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("x.toml:2: limits.kkk"), "\(text.prefix(80))")
        #expect(text.hasSuffix("...: unknown key"), "\(text.suffix(80))")
        #expect(text.utf8.count < 120)
    }

    /// An error in the second `[[seccomp.rules]]` table must point at that table, not at the first.
    @Test func errorInSecondRulePointsAtItsLine() throws {
        let dir = try TempDir()
        let file = try dir.write("rules.toml", """
            [[seccomp.rules]]
            syscall = "ioctl"
            action = "errno:EPERM"

            [[seccomp.rules]]
            syscall = "ioctl"
            action = "errno:ENOPE"
            """)
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["rules"]) }
        #expect(error?.stage.contains("seccomp.rules[1]") == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("\(file):5") == true, "\(String(describing: error))")
    }

    /// A profile saved with Windows line endings parses, and its errors still name the right line.
    @Test func crlfProfile() throws {
        let dir = try TempDir()
        let file = try dir.write("crlf.toml", "description = \"x\"\r\n[process]\r\nnicee = 1\r\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["crlf"]) }
        #expect(error?.description.contains("process.nicee: unknown key") == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("\(file):3") == true, "\(String(describing: error))")
    }

    static let good: [GoodProfile] = [
        GoodProfile(label: "empty profile gets the schema defaults", text: "") { p in
            #expect(p.process.newSession)
            #expect(p.process.noNewPrivileges)
            #expect(p.seccomp.enabled)
            #expect(p.seccomp.defaultAction == .allow)
            #expect(p.seccomp.denyAction == .errno(1))
            #expect(p.seccomp.architectures == ["native"])
            #expect(p.killAfter == 5)
            #expect(p.wall == nil)
            #expect(p.limits.isEmpty)
            #expect(p.watch.ignore == ["/proc", "/sys", "/dev"])
            #expect(p.audit == AuditSettings(syscalls: false, mechanism: "auto"))
        },
        GoodProfile(label: "audit section", text: "[audit]\nsyscalls = true\nmechanism = \"seccomp-notify\"") { p in
            #expect(p.audit == AuditSettings(syscalls: true, mechanism: "seccomp-notify"))
        },
        GoodProfile(label: "limit as soft/hard table", text: "[limits]\nopen_files = { soft = 10, hard = 20 }") { p in
            #expect(p.limits[.open_files] == LimitValue(soft: 10, hard: 20))
        },
        GoodProfile(label: "limit scalar sets both", text: "[limits]\nprocesses = 64") { p in
            #expect(p.limits[.processes] == LimitValue(soft: 64, hard: 64))
        },
        GoodProfile(label: "limit with unit", text: "[limits]\ndata = \"512MiB\"") { p in
            #expect(p.limits[.data] == LimitValue(soft: 512 << 20, hard: 512 << 20))
        },
        GoodProfile(label: "unlimited hard", text: "[limits]\nstack = { soft = \"8MiB\", hard = \"unlimited\" }") { p in
            #expect(p.limits[.stack] == LimitValue(soft: 8 << 20, hard: nil))
        },
        GoodProfile(label: "unlimited", text: "[limits]\ncore = \"unlimited\"") { p in
            #expect(p.limits[.core] == LimitValue(soft: nil, hard: nil))
        },
        GoodProfile(label: "CPU seconds round up", text: "[limits]\ncpu = \"1.5s\"") { p in
            #expect(p.limits[.cpu] == LimitValue(soft: 2, hard: 3))
        },
        GoodProfile(label: "realtime_cpu in microseconds", text: "[limits]\nrealtime_cpu = \"500ms\"") { p in
            #expect(p.limits[.realtime_cpu] == LimitValue(soft: 500_000, hard: 500_000))
        },
        GoodProfile(label: "wall and kill_after durations", text: "[limits]\nwall = \"1.5s\"\nkill_after = 2") { p in
            #expect(p.wall == 1.5)
            #expect(p.killAfter == 2)
        },
        GoodProfile(label: "process settings", text: """
            [process]
            nice = -3
            umask = "027"
            ioprio = "best-effort:7"
            workdir = "/tmp"
            env = "clear"
            env_keep = ["PATH"]
            env_set = { LANG = "C" }
            pty = "never"
            """) { p in
            #expect(p.process.nice == -3)
            #expect(p.process.umask == 0o27)
            #expect(p.process.ioprio == Int32(2 << 13 | 7))
            #expect(p.process.workdir == "/tmp")
            #expect(p.process.clearEnvironment)
            #expect(p.process.envKeep == ["PATH"])
            #expect(p.process.envSet.map(\.0) == ["LANG"] && p.process.envSet.map(\.1) == ["C"])
            #expect(p.process.pty == "never")
        },
        GoodProfile(label: "idle I/O class", text: "[process]\nioprio = \"idle\"") { p in
            #expect(p.process.ioprio == Int32(3 << 13))
        },
        GoodProfile(label: "dotted keys at the top level", text: "process.nice = 3\nlimits.open_files = 7") { p in
            #expect(p.process.nice == 3)
            #expect(p.limits[.open_files] == LimitValue(soft: 7, hard: 7))
        },
        GoodProfile(label: "capability names with and without CAP_", text: "[capabilities]\nkeep = [\"net_admin\", \"CAP_SYS_NICE\"]") { p in
            #expect(p.capabilities == [12, 23])
        },
        GoodProfile(label: "actions by name and number", text: """
            [seccomp]
            default_action = "errno:13"
            deny_action = "kill"
            """) { p in
            #expect(p.seccomp.defaultAction == .errno(13))
            #expect(p.seccomp.denyAction == .killProcess)
        },
        GoodProfile(label: "seccomp lists and a rule", text: """
            best_effort = ["limits", "seccomp-notify"]
            [seccomp]
            deny = ["ptrace"]
            absent = ["clone3"]
            architectures = ["native", "i386"]
            [[seccomp.rules]]
            syscall = "socket"
            action = "errno:EAFNOSUPPORT"
            args = [{ index = 0, op = "ne", value = "AF_UNIX" }]
            """) { p in
            #expect(Set(p.bestEffort) == ["limits", "seccomp-notify"])
            #expect(p.seccomp.deny == ["ptrace"])
            #expect(p.seccomp.absent == ["clone3"])
            #expect(p.seccomp.architectures == ["native", "i386"])
            #expect(p.seccomp.rules.count == 1)
            #expect(p.seccomp.rules.first?.action == .errno(97))
            #expect(p.seccomp.rules.first?.condition == ArgumentCondition(index: 0, op: .ne, value: 1, mask: 1))
        },
    ]

    @Test("a good profile decodes", arguments: good)
    func goodProfile(_ c: GoodProfile) throws {
        let dir = try TempDir()
        try dir.write("good.toml", c.text)
        c.check(try dir.resolver.resolve(["good"]))
    }
}
