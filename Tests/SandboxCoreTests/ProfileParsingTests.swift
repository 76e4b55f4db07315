import Testing
@testable import SandboxCore

/// What the profile loader makes of the format parsers' output: the built-ins' settings and lines as
/// before the parsers moved to SandboxFormats, OCI files through the importer, syntax errors as one
/// `SandboxError` line naming the file and line.
@Suite("Profiles through the parsers")
struct ProfileParsingTests {
    // MARK: - Built-in profiles

    /// Every built-in resolves to the settings, values and lines the TOMLKit-based loader gave it.
    @Test("a built-in parses as it did with TOMLKit", arguments: BuiltinProfiles.names)
    func builtinParsesAsBefore(_ name: String) throws {
        let expected = try #require(BuiltinProfileSnapshots.text[name], "no snapshot for \(name): add `sandbox profile show \(name)` to BuiltinProfileSnapshots")
        let text = ProfileText.render(try builtinResolver.resolution([name]))
        #expect(text == expected, "profiles/\(name).toml no longer parses as before (or was changed: then update BuiltinProfileSnapshots)")
    }

    /// Every built-in: each setting has a line, and each `[[seccomp.rules]]` table's origin is the line
    /// of its header.
    @Test("a built-in's settings point at their lines", arguments: BuiltinProfiles.names)
    func builtinLines(_ name: String) throws {
        let text = try #require(BuiltinProfiles.text(name))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let document = try ProfileDocument(name: name, source: "builtin:\(name).toml", text: text)
        #expect(!document.settings.isEmpty)
        for (path, setting) in document.settings {
            let line = try #require(setting.origin.line, "\(path) has no line")
            let key = String(path.split(separator: ".").last!)
            let written = lines[line - 1]
            #expect(written.contains(key) || written.hasPrefix("["), "\(name):\(line) for \(path): \(written)")
            for origin in setting.elementOrigins ?? [] {
                #expect(lines[origin.line! - 1].hasPrefix("[[\(path)]]"), "\(name):\(origin.line!)")
            }
        }
    }

    // MARK: - OCI files

    /// Argument values up to 2^64-1 are exact from the JSON text to the compiled rule.
    @Test func unsignedArgumentValuesSurviveImport() throws {
        let dir = try TempDir()
        let file = try dir.write("big.json", """
            {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]},
              {"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 18446744073709551614, "valueTwo": 9223372036854775810, "op": "SCMP_CMP_MASKED_EQ"}]}
            ]}
            """)
        let rules = try dir.resolver.resolve([file]).seccomp.rules
        #expect(rules.first { $0.syscall == "ioctl" }?.condition == ArgumentCondition(index: 1, op: .eq, value: .max, mask: .max))
        #expect(rules.first { $0.syscall == "fcntl" }?.condition
                == ArgumentCondition(index: 1, op: .masked_eq, value: 9_223_372_036_854_775_810, mask: 18_446_744_073_709_551_614))
    }

    /// A known field of the wrong type is an error naming it, not a silently dropped entry.
    static let badTypes: [(String, String)] = [
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}"#, "syscalls: expected a list of objects"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]}"#, "syscalls[0].names: expected a list of strings"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read", 1], "action": "SCMP_ACT_ERRNO"}]}"#, "syscalls[0].names: expected a list of strings, found 1"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": 1}]}"#, "syscalls[0].action: expected a string, found 1"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "includes": []}]}"#, "syscalls[0].includes: expected an object"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": "CAP_SYS_ADMIN"}}]}"#, "syscalls[0].excludes.caps: expected a list of strings"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "1"}]}"#, "syscalls[0].errnoRet: expected an errno number 1...4095, found \"1\""),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": "SCMP_ARCH_X86"}"#, "architectures: expected a list of strings"),
        (#"{"defaultAction": 1}"#, "defaultAction: expected a string, found 1"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 18446744073709551615}"#, "defaultErrnoRet: errno 18446744073709551615 is out of range 1...4095"),
    ]

    @Test("a field of the wrong type is an error", arguments: badTypes)
    func badType(_ json: String, _ message: String) throws {
        let dir = try TempDir()
        let file = try dir.write("bad.json", json)
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve([file]) }
        #expect(error?.description.hasPrefix(file + ": ") == true, "\(String(describing: error))")
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    /// A syntax error in an OCI file names the file and line.
    @Test func syntaxErrorInAnOCIFileNamesItsLine() throws {
        let dir = try TempDir()
        let file = try dir.write("trailing.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [\n  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\",}\n]}\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve([file]) }
        #expect(error?.description == "\(file):3: invalid JSON: expected a member name in quotes, found '}'")
    }

}
