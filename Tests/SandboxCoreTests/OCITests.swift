import Foundation
import Testing
@testable import SandboxCore

/// OCI runtime-spec seccomp JSON: importing Docker's profiles (with capability and architecture
/// conditions) and exporting ours so that it means the same thing elsewhere.
@Suite("OCI seccomp import and export")
struct OCITests {
    static let EPERM: Int32 = 1, ENOSYS: Int32 = 38
    static let TIOCSTI: UInt64 = 0x5412

    static func data(_ name: String) -> String { TestPaths.ociData + "/" + name }

    /// Resolves an OCI file, optionally after a profile that keeps `capabilities` (the importer evaluates
    /// `includes`/`excludes` against the capabilities kept at the point where the file applies).
    static func importing(_ file: String, keeping capabilities: [String] = []) throws -> Profile {
        let dir = try TempDir()
        var names: [String] = []
        if !capabilities.isEmpty {
            names.append(try dir.write("caps.toml", "[capabilities]\nkeep = \(ProfileValue.array(capabilities.map(ProfileValue.string)))\n"))
        }
        return try dir.resolver.resolve(names + [file])
    }

    static func nr(_ name: String) throws -> Int32 { try #require(SyscallTable.number(of: name)) }

    @Test func sharedDataIsPresent() {
        #expect(FileIO.exists(Self.data("docker-default.json")), "CI must clone shared/ beside the repository (\(TestPaths.ociData))")
    }

    @Test func dockerDefaultWithoutCapabilities() throws {
        let profile = try Self.importing(Self.data("docker-default.json"))
        let s = profile.seccomp
        #expect(s.defaultAction == .errno(Self.EPERM))
        #expect(s.architectures == ["native", "x86", "x32"], "archMap: x86_64 with its sub-architectures")
        let v = try SeccompCompiler.resolve(s)
        #expect(v["read"]?.action == .allow)
        #expect(v["mount"]?.action != .allow, "mount needs CAP_SYS_ADMIN")
        #expect(v["mount"]?.action == .errno(Self.EPERM))
        #expect(v["reboot"]?.action == .errno(Self.EPERM))
        #expect(v["clone3"]?.action == .errno(Self.ENOSYS), "clone3 gets ENOSYS so libc falls back to clone")
        #expect(v["arch_prctl"]?.action == .allow, "included for amd64")
        #expect(v["ptrace"]?.action == .allow, "minKernel 4.8")
        // clone: the base verdict is the default, and an argument rule allows it without namespace flags.
        #expect(v["clone"]?.action == .errno(Self.EPERM))
        let cloneRules = s.rules.filter { $0.syscall == "clone" }
        #expect(cloneRules.map(\.condition) == [ArgumentCondition(index: 0, op: .masked_eq, value: 0, mask: 0x7E02_0000)])
        #expect(cloneRules.first?.action == .allow)
        #expect(s.rules.filter { $0.syscall == "personality" }.count == 5)

        // The native ABI alone (see dockerDefaultCompilesWithItsSubArchitectures for all of them).
        var native = s
        native.architectures = ["native"]
        let bpf = BPFInterpreter(try SeccompCompiler.compile(native, notifySocketFD: nil))
        #expect(try bpf.run(nr: try Self.nr("clone"), args: [17]) == BPFInterpreter.Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("clone"), args: [0x1000_0011]) == BPFInterpreter.Ret.errno(Self.EPERM))
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [2]) == BPFInterpreter.Ret.allow, "AF_INET")
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [38]) == BPFInterpreter.Ret.errno(Self.EPERM), "AF_ALG")
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [39]) == BPFInterpreter.Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("socket"), args: [40]) == BPFInterpreter.Ret.errno(Self.EPERM), "AF_VSOCK")
        #expect(try bpf.run(nr: try Self.nr("personality"), args: [8]) == BPFInterpreter.Ret.allow)
        #expect(try bpf.run(nr: try Self.nr("personality"), args: [0x0040_0000]) == BPFInterpreter.Ret.errno(Self.EPERM))
    }

    /// Docker's archMap lets the x86 and x32 ABIs through on x86_64; the socket argument rules must then
    /// compile for x86 too, where socket() is also reachable through socketcall(2).
    @Test func dockerDefaultCompilesWithItsSubArchitectures() throws {
        let s = try Self.importing(Self.data("docker-default.json")).seccomp
        let bpf = BPFInterpreter(try SeccompCompiler.compile(s, notifySocketFD: nil))
        #expect(try bpf.run(nr: try Self.nr("read"), arch: BPFInterpreter.auditArchI386) != BPFInterpreter.Ret.killProcess,
                "the i386 sub-architecture is let through")
    }

    @Test func dockerDefaultKeepingSysAdmin() throws {
        let profile = try Self.importing(Self.data("docker-default.json"), keeping: ["CAP_SYS_ADMIN"])
        let v = try SeccompCompiler.resolve(profile.seccomp)
        #expect(v["mount"]?.action == .allow)
        #expect(v["unshare"]?.action == .allow)
        #expect(v["clone"]?.action == .allow)
        #expect(v["clone3"]?.action == .allow, "the ENOSYS entry excludes CAP_SYS_ADMIN")
        #expect(profile.seccomp.rules.filter { $0.syscall == "clone" }.isEmpty, "the clone argument rule is excluded")
        #expect(v["reboot"]?.action == .errno(Self.EPERM), "needs CAP_SYS_BOOT")
    }

    @Test func conditionalIncludes() throws {
        let file = Self.data("conditional_include.json")
        let none = try SeccompCompiler.resolve(try Self.importing(file).seccomp)
        #expect(none["chmod"]?.action == .allow)
        #expect(none["syslog"]?.action == .errno(Self.EPERM), "syslog needs CAP_SYSLOG")
        #expect(none["ptrace"]?.action == .allow)
        #expect(none["read"]?.action == .errno(Self.EPERM), "defaultErrnoRet absent: EPERM")

        let syslog = try SeccompCompiler.resolve(try Self.importing(file, keeping: ["CAP_SYSLOG"]).seccomp)
        #expect(syslog["syslog"]?.action == .allow)
        #expect(syslog["ptrace"]?.action == .allow)

        let admin = try SeccompCompiler.resolve(try Self.importing(file, keeping: ["CAP_SYS_ADMIN"]).seccomp)
        #expect(admin["ptrace"]?.action == .errno(Self.EPERM), "excluded when CAP_SYS_ADMIN is kept")
        #expect(admin["syslog"]?.action == .errno(Self.EPERM))
    }

    /// example.json gives syslog errnoRet 12345, which no errno is (the kernel's limit is 4095). It must
    /// fail with one clear error naming the entry, not import something else.
    @Test func errnoBeyond4095IsOneClearError() throws {
        let file = Self.data("example.json")
        let error = #expect(throws: SandboxError.self) { try Self.importing(file) }
        guard let error else { return }
        let text = error.description
        #expect(text.hasPrefix(file), "\(text)")
        #expect(text.contains("12345"), "\(text)")
        #expect(!text.contains("\n"), "\(text)")
        #expect(text.contains("syscalls[3]"), "\(text)")
        // Not a line number of the TOML the importer generates ("example.json:7").
        #expect(!text.dropFirst(file.count).hasPrefix(":") || text.dropFirst(file.count).hasPrefix(": "), "\(text)")
    }

    @Test func exampleWithoutTheBadErrnoImports() throws {
        let dir = try TempDir()
        var text = try FileIO.readText(Self.data("example.json"))
        text = text.replacingOccurrences(of: "12345", with: "13")
        let file = try dir.write("example-fixed.json", text)
        let s = try dir.resolver.resolve([file]).seccomp
        let v = try SeccompCompiler.resolve(s)
        #expect(v["open"]?.action == .allow)
        #expect(v["close"]?.action == .allow)
        #expect(v["syslog"]?.action == .errno(13))
        #expect(v["read"]?.action == .errno(Self.EPERM))
        #expect(s.rules.first { $0.syscall == "clone" }?.condition == ArgumentCondition(index: 0, op: .masked_eq, value: 0, mask: 2114060288))
    }

    static let badFiles: [(String, String)] = [
        ("[]", "not valid OCI seccomp JSON"),
        ("{\"defaultActoin\": \"SCMP_ACT_ALLOW\"}", "defaultActoin: unknown key (did you mean 'defaultAction'?)"),
        ("{\"syscalls\": []}", "defaultAction: missing or not a string"),
        ("{\"defaultAction\": \"SCMP_ACT_TRACE\"}", "SCMP_ACT_TRACE is not supported"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}", "syscalls[0]: missing action"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\"}]}", "syscalls[0]: unknown action 'SCMP_ACT_NOPE'"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
         "syscalls[0]: 2 argument comparisons in one entry"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_LIKE\"}]}]}",
         "syscalls[0].args[0].op: unknown operator 'SCMP_CMP_LIKE'"),
    ]

    @Test("a bad OCI file fails with one line naming the file and entry", arguments: badFiles)
    func badFile(_ json: String, _ message: String) throws {
        let dir = try TempDir()
        let file = try dir.write("bad.json", json)
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve([file]) }
        #expect(error?.description.hasPrefix(file) == true, "\(String(describing: error))")
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    /// Bad input is never a crash: an argument value or errno that does not fit must be an error.
    @Test func outOfRangeNumbersDoNotCrash() async throws {
        await #expect(processExitsWith: .success) {
            let json = """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO",
                 "args": [{"index": 1, "value": -1, "op": "SCMP_CMP_EQ"}]}]}
                """
            let path = "/tmp/sandbox-utest-negative-\(getpid()).json"
            try? FileIO.writeText(json, to: path)
            defer { unlink(path) }
            _ = try? ProfileResolver(environment: [:]).resolve([path])
        }
        await #expect(processExitsWith: .success) {
            let json = """
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 99999999999}
                """
            let path = "/tmp/sandbox-utest-bigerrno-\(getpid()).json"
            try? FileIO.writeText(json, to: path)
            defer { unlink(path) }
            _ = try? ProfileResolver(environment: [:]).resolve([path])
        }
    }

    // MARK: - Export

    @Test func exportIsValidOCIJSON() throws {
        let text = try OCIProfileExporter.export(try builtin("default")).serialized()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["defaultAction"] as? String == "SCMP_ACT_ERRNO")
        #expect(root["defaultErrnoRet"] as? Int == Int(Self.ENOSYS))
        #expect(root["architectures"] as? [String] == ["SCMP_ARCH_X86_64"])
        let syscalls = try #require(root["syscalls"] as? [[String: Any]])
        #expect(!syscalls.isEmpty)
        var named = Set<String>()
        for entry in syscalls {
            let names = try #require(entry["names"] as? [String])
            let action = try #require(entry["action"] as? String)
            #expect(!names.isEmpty)
            #expect(action.hasPrefix("SCMP_ACT_"))
            #expect(entry["args"] is [Any])
            if action == "SCMP_ACT_ERRNO" { #expect(entry["errnoRet"] is Int, "\(names)") }
            if (entry["args"] as? [Any])?.isEmpty == true { named.formUnion(names) }
        }
        #expect(named == SyscallTable.nativeNames, "every native syscall is listed once with its action")
        let ioctl = syscalls.filter { ($0["names"] as? [String]) == ["ioctl"] && !(($0["args"] as? [Any])?.isEmpty ?? true) }
        #expect(ioctl.count == 2, "TIOCSTI and TIOCLINUX")
        let arg = try #require((ioctl.first?["args"] as? [[String: Any]])?.first)
        #expect(arg["index"] as? Int == 1)
        #expect(arg["op"] as? String == "SCMP_CMP_MASKED_EQ")
        #expect(arg["value"] as? Int == 0xFFFF_FFFF, "OCI's masked_eq: value is the mask")
        #expect(arg["valueTwo"] as? Int == Int(Self.TIOCSTI))
    }

    /// Argument values above Int64.max (masks, negative ints as the kernel sees them) survive the trip.
    @Test func exportKeepsValuesAboveInt64() throws {
        let dir = try TempDir()
        let profile = try dir.write("big.toml", """
            extends = "default"
            [[seccomp.rules_add]]
            syscall = "kill"
            action = "errno:EPERM"
            args = [{ index = 0, op = "masked_eq", mask = "0xFFFFFFFFFFFFFFFF", value = "0x8000000000000001" }]
            """)
        let original = try dir.resolver.resolve([profile])
        let text = try OCIProfileExporter.export(original).serialized()
        #expect(text.contains("18446744073709551615"), "the mask as an unsigned number")
        let file = try dir.write("exported.json", text)
        let reimported = try dir.resolver.resolve([file])
        #expect(reimported.seccomp.rules.contains { $0.syscall == "kill" && $0.condition?.mask == UInt64.max && $0.condition?.value == 0x8000_0000_0000_0001 })
    }

    /// Export the default profile, import the file again: every native syscall gets the same verdict, the
    /// argument rules are the same, and the compiled filters behave the same.
    @Test func exportThenImportRoundTrips() throws {
        let original = try builtin("default")
        let dir = try TempDir()
        let file = try dir.write("exported.json", try OCIProfileExporter.export(original).serialized())
        let reimported = try dir.resolver.resolve([file])

        let a = try SeccompCompiler.resolve(original.seccomp)
        let b = try SeccompCompiler.resolve(reimported.seccomp)
        for (_, name) in SyscallTable.native {
            #expect(a[name]?.action == b[name]?.action, "\(name): \(String(describing: a[name]?.action)) became \(String(describing: b[name]?.action))")
        }

        func conditional(_ p: Profile, _ syscall: String) -> [String] {
            p.seccomp.rules.filter { $0.syscall == syscall && $0.condition != nil }
                .map { "\($0.action) \($0.condition!)" }.sorted()
        }
        for syscall in ["ioctl", "clone", "personality"] {
            #expect(conditional(original, syscall) == conditional(reimported, syscall), "\(syscall)")
        }

        let pa = try SeccompCompiler.compile(original.seccomp, notifySocketFD: 3)
        let pb = try SeccompCompiler.compile(reimported.seccomp, notifySocketFD: 3)
        let ioctl = try Self.nr("ioctl")
        let args: [UInt64] = [0, Self.TIOCSTI, 0, 0, 0, 0]
        #expect(pa.verdict(nr: ioctl, args: args)?.action == .errno(Self.EPERM))
        #expect(pa.verdict(nr: ioctl, args: args)?.action == pb.verdict(nr: ioctl, args: args)?.action)

        let ba = BPFInterpreter(try SeccompCompiler.compile(original.seccomp, notifySocketFD: nil))
        let bb = BPFInterpreter(try SeccompCompiler.compile(reimported.seccomp, notifySocketFD: nil))
        for (nr, name) in SyscallTable.native {
            for args in [[UInt64](), [0x1000_0011, Self.TIOCSTI]] {
                let x = try ba.run(nr: nr, args: args), y = try bb.run(nr: nr, args: args)
                #expect(x == y, "\(name)\(args): 0x\(String(x, radix: 16)) vs 0x\(String(y, radix: 16))")
            }
        }
    }
}
