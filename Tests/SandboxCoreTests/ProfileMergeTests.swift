import Testing
@testable import SandboxCore

/// Inheritance (`extends`), stacked `-p`, `--set`, and where profiles are looked up.
@Suite("Profile merging and lookup")
struct ProfileMergeTests {
    /// base <- mid <- leaf, three levels, each touching scalars and lists.
    static func family() throws -> TempDir {
        let dir = try TempDir()
        try dir.write("base.toml", """
            description = "base"
            [limits]
            open_files = 100
            cpu = 10
            [process]
            nice = 1
            [seccomp]
            deny = ["mount"]
            """)
        try dir.write("mid.toml", """
            extends = "base"
            [process]
            nice = 2
            [seccomp]
            deny_add = ["umount2"]
            """)
        try dir.write("leaf.toml", """
            extends = "mid"
            description = "leaf"
            [limits]
            cpu = "1m"
            [seccomp]
            deny_add = ["ptrace", "mount"]
            """)
        return dir
    }

    @Test func inheritanceSeveralLevelsDeep() throws {
        let dir = try Self.family()
        let resolution = try dir.resolver.resolution(["leaf"])
        let p = resolution.profile, settings = resolution.settings
        #expect(p.description == "leaf")
        #expect(p.process.nice == 2, "mid overrides base, leaf does not touch it")
        #expect(p.limits[.open_files] == LimitValue(soft: 100, hard: 100), "inherited from base")
        #expect(p.limits[.cpu] == LimitValue(soft: 60, hard: 61), "leaf overrides base")
        #expect(p.seccomp.deny == ["mount", "umount2", "ptrace"], "_add appends, without duplicates")
        #expect(settings["process.nice"]?.origin == Origin(dir.path + "/mid.toml", line: 3))
        #expect(settings["limits.open_files"]?.origin == Origin(dir.path + "/base.toml", line: 3))
        #expect(settings["seccomp.deny"]?.origin.description.contains("base.toml:8") == true)
        #expect(settings["seccomp.deny"]?.origin.description.contains("leaf.toml:6") == true)
    }

    @Test func listsReplaceTheInheritedList() throws {
        let dir = try Self.family()
        try dir.write("replace.toml", """
            extends = "mid"
            [seccomp]
            deny = ["bpf"]
            """)
        #expect(try dir.resolver.resolve(["replace"]).seccomp.deny == ["bpf"])
    }

    @Test func addToASchemaDefaultList() throws {
        let dir = try TempDir()
        try dir.write("w.toml", "[watch]\nignore_add = [\"/run\"]\n")
        let resolution = try dir.resolver.resolution(["w"])
        let p = resolution.profile, settings = resolution.settings
        #expect(p.watch.ignore == ["/proc", "/sys", "/dev", "/run"])
        #expect(settings["watch.ignore"]?.origin == Origin(dir.path + "/w.toml", line: 2))
    }

    @Test func extendsAList() throws {
        let dir = try Self.family()
        try dir.write("two.toml", """
            extends = ["base", "other"]
            """)
        try dir.write("other.toml", """
            [process]
            nice = 9
            [seccomp]
            deny_add = ["bpf"]
            """)
        let p = try dir.resolver.resolve(["two"])
        #expect(p.process.nice == 9, "parents apply in order: the later wins")
        #expect(p.seccomp.deny == ["mount", "bpf"])
    }

    @Test func extendsARelativePath() throws {
        let dir = try TempDir()
        try dir.write("parents/p.toml", "[process]\nnice = 4\n")
        let child = try dir.write("child.toml", "extends = \"parents/p.toml\"\n")
        #expect(try dir.resolver.resolve([child]).process.nice == 4)
    }

    @Test func extendsABuiltin() throws {
        let dir = try TempDir()
        try dir.write("mine.toml", "extends = \"default\"\n[process]\nnice = 10\n")
        let resolution = try dir.resolver.resolution(["mine"])
        let p = resolution.profile, settings = resolution.settings
        #expect(p.process.nice == 10)
        #expect(p.seccomp.deny.contains("mount"))
        #expect(settings["seccomp.deny"]?.origin.source == "builtin:default.toml")
    }

    @Test func stackedProfilesApplyLeftToRight() throws {
        let dir = try TempDir()
        try dir.write("a.toml", "[process]\nnice = 1\nworkdir = \"/a\"\n[seccomp]\ndeny = [\"mount\"]\n")
        try dir.write("b.toml", "[process]\nnice = 2\n[seccomp]\ndeny_add = [\"bpf\"]\n")
        let ab = try dir.resolver.resolve(["a", "b"])
        #expect(ab.process.nice == 2)
        #expect(ab.process.workdir == "/a")
        #expect(ab.seccomp.deny == ["mount", "bpf"])
        #expect(ab.name == "a+b")
        let ba = try dir.resolver.resolve(["b", "a"])
        #expect(ba.process.nice == 1)
        #expect(ba.seccomp.deny == ["mount"], "a's list replaces what b added")
    }

    @Test func setOverridesLast() throws {
        let dir = try Self.family()
        let resolution = try dir.resolver.resolution(["leaf"], overrides: [
            "process.nice=7", "limits.open_files = 64", "seccomp.deny_add=[\"bpf\"]", "process.nice=8",
        ])
        let p = resolution.profile, settings = resolution.settings
        #expect(p.process.nice == 8, "later --set wins")
        #expect(p.limits[.open_files] == LimitValue(soft: 64, hard: 64))
        #expect(p.seccomp.deny == ["mount", "umount2", "ptrace", "bpf"])
        #expect(settings["process.nice"]?.origin.source == "--set")
    }

    @Test func setWithoutQuotesIsAString() throws {
        let p = try builtinResolver.resolve(["default"], overrides: ["process.workdir=/tmp", "limits.cpu=10s", "seccomp.deny_action=errno:EACCES"])
        #expect(p.process.workdir == "/tmp")
        #expect(p.limits[.cpu] == LimitValue(soft: 10, hard: 11), "a CPU scalar leaves one second for SIGXCPU")
        #expect(p.seccomp.denyAction == .errno(13))
        let quoted = try builtinResolver.resolve(["default"], overrides: ["process.workdir=\"/tmp/a b\""])
        #expect(quoted.process.workdir == "/tmp/a b")
    }

    static let badSets: [(String, String)] = [
        ("process.nicee=3", "process.nicee"),
        ("process.nice=high", "process.nice"),
        ("process.new_session=yes", "process.new_session"),
        ("limits.open_files=-1", "limits.open_files"),
        ("seccomp.deny=[\"mountt\"]", "seccomp.deny"),
        ("namespaces.usr=true", "namespaces.usr"),
        ("namespaces.pid=1", "namespaces.pid"),
        ("namespaces.map_root=yes", "namespaces.map_root"),
        ("namespaces.hostname=\"a b\"", "namespaces.hostname"),
        ("namespaces.hostname=\"\"", "namespaces.hostname"),
        ("network.mode=bridge", "network.mode"),
        ("network.mod=none", "network.mod"),
        ("process.user=\"\"", "process.user"),
        ("process.user=\"a:b\"", "process.user"),
        ("process.group=\"4294967295\"", "process.group"),
        ("process.user=5", "process.user"),
        ("cgroup.memory=1", "cgroup.memory"),
        ("filesystem.root=ro", "filesystem.root"),
        ("filesystem.hide=[\"x\"]", "filesystem.hide"),
        ("nonsense", "--set nonsense"),
        ("=5", "--set =5"),
    ]

    @Test("a bad --set fails naming its key", arguments: badSets)
    func badSet(_ set: String, _ key: String) {
        let error = #expect(throws: SandboxError.self) { try builtinResolver.resolve(["default"], overrides: [set]) }
        #expect(error?.description.contains(key) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("--set") == true, "\(String(describing: error))")
    }

    @Test func cycleIsAnErrorNamingTheChain() throws {
        let dir = try TempDir()
        let a = try dir.write("a.toml", "extends = \"b\"\n")
        let b = try dir.write("b.toml", "# b\nextends = \"a\"\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["a"]) }
        #expect(error?.message == "inheritance cycle: \(a) -> \(b) -> \(a)")
        #expect(error?.stage == "\(a):1: extends")
    }

    @Test func selfCycle() throws {
        let dir = try TempDir()
        let a = try dir.write("a.toml", "extends = \"a.toml\"\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["a"]) }
        #expect(error?.description.contains("inheritance cycle") == true)
        #expect(error?.description.contains(a) == true)
    }

    /// The same parent reached twice without a cycle (a diamond) is not a cycle.
    @Test func diamondIsNotACycle() throws {
        let dir = try TempDir()
        try dir.write("root.toml", "[process]\nnice = 1\n")
        try dir.write("left.toml", "extends = \"root\"\n")
        try dir.write("right.toml", "extends = \"root\"\n")
        try dir.write("bottom.toml", "extends = [\"left\", \"right\"]\n")
        #expect(try dir.resolver.resolve(["bottom"]).process.nice == 1)
    }

    @Test func missingParentNamesTheChain() throws {
        let dir = try TempDir()
        let a = try dir.write("a.toml", "extends = \"b\"\n")
        let b = try dir.write("b.toml", "description = \"b\"\n\nextends = \"nosuch\"\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["a"]) }
        #expect(error?.stage == "\(b):3: extends")
        #expect(error?.message == "cannot load 'nosuch' (chain: \(a) -> \(b) -> nosuch)")
        #expect(error?.hint?.contains("no such profile") == true)
    }

    @Test func missingParentFile() throws {
        let dir = try TempDir()
        try dir.write("a.toml", "extends = \"./gone.toml\"\n")
        let error = #expect(throws: SandboxError.self) { try dir.resolver.resolve(["a"]) }
        #expect(error?.description.contains("cannot load './gone.toml'") == true)
        #expect(error?.description.contains("profile file not found") == true)
    }

    @Test func unknownProfileSuggests() {
        let error = #expect(throws: SandboxError.self) { try builtinResolver.resolve(["defualt"]) }
        #expect(error?.description == "-p defualt: no such profile (did you mean 'default'?)")
    }

    /// SANDBOX_PROFILE_PATH (each entry in order), then ~/.config/sandbox/profiles, then
    /// /etc/sandbox/profiles, then the built-ins.
    @Test func searchPathOrder() throws {
        let first = try TempDir(), second = try TempDir(), home = try TempDir()
        let resolver = ProfileResolver(environment: ["SANDBOX_PROFILE_PATH": "\(first.path)::\(second.path)", "HOME": home.path])
        #expect(resolver.searchPath == [first.path, second.path, home.path + "/.config/sandbox/profiles", "/etc/sandbox/profiles"])

        try first.write("one.toml", "description = \"first\"\n")
        try second.write("one.toml", "description = \"second\"\n")
        try second.write("two.toml", "description = \"second\"\n")
        try home.write(".config/sandbox/profiles/two.toml", "description = \"home\"\n")
        try home.write(".config/sandbox/profiles/three.toml", "description = \"home\"\n")
        try home.write(".config/sandbox/profiles/default.toml", "description = \"home default\"\n")

        #expect(try resolver.find("one").source == first.path + "/one.toml")
        #expect(try resolver.find("two").source == second.path + "/two.toml")
        #expect(try resolver.find("three").source == home.path + "/.config/sandbox/profiles/three.toml")
        #expect(try resolver.resolve(["default"]).description == "home default", "a file shadows the built-in")
        if !FileIO.exists("/etc/sandbox/profiles/build.toml") {
            let found = try resolver.find("build")
            #expect(found.isBuiltin)
            #expect(found.source == "builtin:build.toml")
        }

        let available = resolver.available()
        #expect(available.first { $0.name == "one" }?.source == first.path + "/one.toml")
        #expect(available.first { $0.name == "two" }?.source == second.path + "/two.toml")
        #expect(available.first { $0.name == "default" }?.isBuiltin == false)
        #expect(Set(available.map(\.name)).isSuperset(of: BuiltinProfiles.names))
        #expect(available.count == Set(available.map(\.name)).count, "one entry per name")
    }

    @Test func noHomeNoHomeDirectory() {
        #expect(ProfileResolver(environment: [:]).searchPath == ["/etc/sandbox/profiles"])
        #expect(ProfileResolver(environment: ["HOME": ""]).searchPath == ["/etc/sandbox/profiles"])
    }

    @Test func showTextNamesOrigins() throws {
        let dir = try TempDir()
        try dir.write("file.toml", """
            # a profile
            [limits]
            open_files = 100
            [[seccomp.rules]]
            syscall = "ioctl"
            action = "errno:EPERM"
            args = [{ index = 1, op = "eq", value = "TIOCSTI" }]
            """)
        let text = ProfileText.render(try dir.resolver.resolution(["file"]))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "# profile file, resolved")
        #expect(lines.contains("[limits]"))
        #expect(lines.contains { $0.hasPrefix("open_files = 100  # ") && $0.hasSuffix("file.toml:3") }, "\(text)")
        #expect(lines.contains("kill_after = \"5s\"  # (default)"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("[[seccomp.rules]]  # ") && $0.hasSuffix("file.toml:4") }, "\(text)")
        #expect(lines.contains("syscall = \"ioctl\""))
        // Top-level keys come before any section.
        let description = lines.firstIndex { $0.hasPrefix("description = ") }
        let limits = lines.firstIndex(of: "[limits]")
        #expect(description != nil && limits != nil && description! < limits!)
    }

    @Test func showTextOfAnAppendNamesBothOrigins() throws {
        let dir = try Self.family()
        let text = ProfileText.render(try dir.resolver.resolution(["leaf"]))
        #expect(text.contains("deny = [\"mount\", \"umount2\", \"ptrace\"]  # "), "\(text)")
        #expect(text.contains("base.toml:8 + "), "\(text)")
    }
}
