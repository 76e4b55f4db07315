import Testing
@testable import SandboxCore

/// `--set KEY=VALUE`: one key set to one value, whatever characters the value holds. The key path and
/// the value are parsed on their own; nothing is pasted into TOML text, so a value forwarded from
/// someone else cannot set a second key.
@Suite("--set: one key, one value")
struct OverrideTests {
    static func resolve(_ sets: [String]) throws -> Profile { try builtinResolver.resolve(["default"], overrides: sets) }

    /// A value holding newlines, headers and `=`: a string for a string key, an error for others; the
    /// filter stays on either way.
    @Test func injectedLinesSetNothingElse() throws {
        let injection = "5\n[seccomp]\nenabled=false"
        let error = #expect(throws: SandboxError.self) { try Self.resolve(["process.nice=" + injection]) }
        #expect(error?.description.hasPrefix("--set process.nice: invalid value") == true, "\(String(describing: error))")
        let p = try Self.resolve(["process.workdir=/tmp\n[seccomp]\nenabled=false", "description=x\"\nseccomp.enabled=false\n#"])
        #expect(p.process.workdir == "/tmp\n[seccomp]\nenabled=false")
        #expect(p.description == "x\"\nseccomp.enabled=false\n#")
        #expect(p.seccomp.enabled)
        // An inline table is one value, but only for a key that takes a table.
        #expect(throws: SandboxError.self) { try Self.resolve(["seccomp={ enabled = false }"]) }
        #expect(throws: SandboxError.self) { try Self.resolve(["process.nice={ a = 1 }"]) }
        #expect(try Self.resolve([]).seccomp.enabled)
    }

    @Test func valuesAreExactlyOneTOMLValueOrAString() throws {
        #expect(try Self.resolve(["limits.open_files=64"]).limits[.open_files] == LimitValue(soft: 64, hard: 64))
        #expect(try Self.resolve(["limits.open_files={ soft = 10, hard = 20 }"]).limits[.open_files] == LimitValue(soft: 10, hard: 20))
        #expect(try Self.resolve(["process.workdir=/a b=c"]).process.workdir == "/a b=c")
        #expect(try Self.resolve(["process.workdir=\"/q\""]).process.workdir == "/q")
        #expect(try Self.resolve(["process.workdir= /x "]).process.workdir == "/x")
        let env = try Self.resolve(["process.env_set.LANG=C.UTF-8", "process.env_set.\"A B\"=x=y"]).process.envSet
        #expect(env.map(\.0) == ["A B"] && env.map(\.1) == ["x=y"], "the last --set of a table replaces it")
        #expect(try Self.resolve(["seccomp.deny_add=[\"bpf\"]"]).seccomp.deny.contains("bpf"))
    }

    static let refused: [(String, String)] = [
        ("extends=strict", "--set extends: inheritance cannot be changed"),
        ("seccomp=1", "--set seccomp: is a section"),
        ("a b=1", "--set a b: invalid key"),
        ("process.=1", "--set process.: invalid key"),
        ("process.nice=9223372036854775808", "does not fit in 64 bits"),
        ("process.nice=1 2", "--set process.nice: invalid value"),
        ("process.new_session=true false", "--set process.new_session: invalid value"),
        ("description=1979-05-27", "dates and times have no meaning"),
        ("limits.wall=1e300", "longer than the longest duration"),
    ]

    @Test("a --set that is not one key and one value is refused", arguments: refused)
    func refusedSet(_ set: String, _ message: String) {
        let error = #expect(throws: SandboxError.self) { try Self.resolve([set]) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(error?.exitStatus == 125)
        #expect(error?.description.contains("\n") == false)
    }

    /// The (key, value) form that flags defined as a `--set` build on.
    @Test func keyValuePairs() throws {
        let text = try ProfileResolver.overrideDocument(key: "process.workdir", value: "/tmp\n[x]", source: "--flag")
        #expect(text.settings.map(\.path) == ["process.workdir"])
        #expect(text.settings[0].setting.value == .string("/tmp\n[x]"))
        #expect(text.settings[0].setting.origin == Origin("--flag"))
        let made = try ProfileResolver.overrideDocument(key: "seccomp.allow_add", value: .array([.string("bpf")]), source: "--flag")
        #expect(made.settings.map(\.path) == ["seccomp.allow_add"])
        let error = #expect(throws: SandboxError.self) {
            try ProfileResolver.overrideDocument(key: "process.nice", value: .string("x"), source: "--flag")
        }
        #expect(error?.description.hasPrefix("--flag: process.nice: expected an integer") == true, "\(String(describing: error))")
    }
}
