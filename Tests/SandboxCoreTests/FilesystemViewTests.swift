import Foundation
import Testing
@testable import SandboxCore
import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// `[filesystem]`: decoding and its errors, the view's resolution, the mount plan and the Landlock
/// ruleset built from it, the cache codec, the command-line shorthands.
@Suite("Filesystem view")
struct FilesystemViewTests {
    static func settings(_ text: String) throws -> FilesystemSettings {
        let dir = try TempDir()
        try dir.write("p.toml", text)
        return try dir.resolver.resolve(["p"]).filesystem
    }

    static func failure(_ text: String) -> String? {
        do { _ = try settings(text); return nil } catch { return "\(error)" }
    }

    @Test func noKeyNoView() throws {
        #expect(try Self.settings("description = \"x\"\n") == .inactive)
        #expect(try builtin("default").filesystem.isActive == false)
    }

    @Test func decodesEveryKey() throws {
        let s = try Self.settings("""
            [filesystem]
            root = "read-only"
            read_only = ["/usr", "/opt:/mnt"]
            read_write = ["~/work"]
            executable = ["/usr"]
            hide = ["/etc/sudoers*"]
            tmpfs = ["/tmp:64MiB", "/var/tmp"]
            workdir_writable = true
            home = "empty"
            landlock = false
            landlock_scope = ["signal"]
            """)
        #expect(s.isActive && s.rootReadOnly && s.workdirWritable && s.emptyHome && !s.landlock)
        #expect(s.readOnly == ["/usr", "/opt:/mnt"] && s.readWrite == ["~/work"] && s.executable == ["/usr"])
        #expect(s.tmpfs == ["/tmp:64MiB", "/var/tmp"] && s.hide == ["/etc/sudoers*"] && s.landlockScope == ["signal"])
        #expect(FilesystemSettings.splitTmpfs("/tmp:64MiB").size == 64 << 20)
        #expect(FilesystemSettings.splitBind("/opt:/mnt") == ("/opt", "/mnt"))
    }

    static let badValues: [(String, String)] = [
        ("[filesystem]\nroot = \"ro\"", "filesystem.root: 'ro' is not one of read-write, read-only"),
        ("[filesystem]\nreadonly = [\"/usr\"]", "did you mean 'read_only'"),
        ("[filesystem]\nhide = [\"etc\"]", "'etc' is not an absolute path"),
        ("[filesystem]\nhide = [\"/etc/../root\"]", "has a . or .. component"),
        ("[filesystem]\nhide = [\"/et*/shadow\"]", "only the last component may be a glob"),
        ("[filesystem]\ntmpfs = [\"/tmp:lots\"]", "'lots' is not a size"),
        ("[filesystem]\nread_write = [\"/a:b\"]", "'b' is not an absolute path"),
        ("[filesystem]\nlandlock_scope = [\"signals\"]", "unknown Landlock scope 'signals' (did you mean 'signal'?)"),
        ("[filesystem]\nworkdir_writable = \"yes\"", "expected true or false"),
        ("[filesystem]\nhome = \"none\"", "'none' is not one of host, empty"),
        ("best_effort = [\"landlok\"]", "did you mean 'landlock'"),
    ]

    @Test("a bad [filesystem] value is one line naming the key", arguments: badValues.indices)
    func badValue(_ i: Int) throws {
        let (text, message) = Self.badValues[i]
        let error = try #require(Self.failure(text), "\(text) was accepted")
        #expect(error.contains(message), "\(error)")
        #expect(!error.contains("\n"))
        #expect(error.contains("p.toml:"), "names the file: \(error)")
    }

    @Test func cacheCodecRoundTrips() throws {
        let profile = try builtin("ci")
        var w = ByteWriter()
        CompiledProfile(profile: profile).encode(into: &w)
        let decoded = try w.bytes.withUnsafeBytes { raw -> CompiledProfile in
            var r = ByteReader(raw)
            return try CompiledProfile(from: &r)
        }
        #expect(decoded.profile.filesystem == profile.filesystem)
        #expect(decoded.profile.filesystem.isActive && decoded.profile.filesystem.hide.contains("/root"))
    }

    @Test func shorthandsAreOneQuotedSet() throws {
        #expect(try FilesystemSettings.override(flag: "--bind", value: "/a b:/c") == #"filesystem.read_write_add=["/a b:/c"]"#)
        #expect(try FilesystemSettings.override(flag: "--ro-bind", value: "/x\"y") == #"filesystem.read_only_add=["/x\"y"]"#)
        #expect(try FilesystemSettings.override(flag: "--tmpfs", value: "/tmp:1GiB") == #"filesystem.tmpfs_add=["/tmp:1GiB"]"#)
        let error = #expect(throws: SandboxError.self) { try FilesystemSettings.override(flag: "--hide", value: "relative") }
        #expect(error?.description == "--hide relative: 'relative' is not an absolute path (or ~/...)")
        // The text goes through --set unchanged: one key, the value a string.
        let profile = try builtinResolver.resolve(["default"], overrides: [try FilesystemSettings.override(flag: "--bind", value: "/a=b:/c")])
        #expect(profile.filesystem.readWrite == ["/a=b:/c"])
    }

    // MARK: - The view

    /// A scratch tree: `work/` (the working directory), `home/` ($HOME), `data/`, `link -> data`.
    final class Tree {
        let dir: TempDir
        var root: String { dir.path }
        init() throws {
            dir = try TempDir()
            for sub in ["work/data", "home/.ssh", "data/sub"] { try FileManager.default.createDirectory(atPath: dir.path + "/" + sub, withIntermediateDirectories: true) }
            try dir.write("data/file", "x")
            symlink(dir.path + "/data", dir.path + "/link")
        }
        func view(_ s: FilesystemSettings) throws -> FilesystemView {
            try FilesystemView(s, workdir: root + "/work", home: root + "/home", owner: (1000, 1000))
        }
    }

    static func make(_ edit: (inout FilesystemSettings) -> Void) -> FilesystemSettings {
        var s = FilesystemSettings.inactive
        s.isActive = true
        edit(&s)
        return s
    }

    @Test func parentsFirstAndMountPointsInFreshMounts() throws {
        let t = try Tree()
        let view = try t.view(Self.make {
            $0.rootReadOnly = true
            $0.workdirWritable = true
            $0.hide = [t.root]
            $0.emptyHome = true
        })
        let real = FilesystemView.realpath(t.root)!
        #expect(view.entries.map(\.path) == [real, real + "/home", real + "/work"])
        #expect(view.entries[2].beneathFresh == real && view.entries[1].beneathFresh == real)
        #expect(view.entries[1].kind == .tmpfs(size: nil, mode: 0o700, owner: (1000, 1000)))
        #expect(view.workdirHiddenBy == nil)

        let plan = MountPlan(view, pidNamespace: true)
        let text = plan.ops.map(\.description)
        let rel = String(real.dropFirst())
        // The workdir's mount point is made inside the hiding tmpfs, then bound; the hiding tmpfs is sealed last.
        let mkdir = try #require(text.firstIndex(of: "mkdir /\(rel)/work mode 755"))
        let bind = try #require(text.firstIndex(of: "bind /\(rel)/work from /oldroot\(real)/work nosuid,nodev recursive in-fresh"))
        #expect(mkdir < bind)
        // Sealed after everything beneath it, and before /proc, which comes last: the child's own ops.
        let seal = try #require(text.firstIndex(of: "setattr /\(rel) ro"))
        #expect(seal > bind && seal == plan.childFirst - 1)
        #expect(text.contains("fs /\(rel)/home from tmpfs mode=700,uid=1000,gid=1000 nosuid,nodev in-fresh"))
        #expect(text[plan.childFirst] == "fs /proc from proc nosuid,nodev,noexec")
        func inProc(_ op: MountPlan.Op) -> Bool { op.target == "proc" || op.target.hasPrefix("proc/") }
        #expect(plan.ops[plan.childFirst...].allSatisfy(inProc) && !plan.ops[..<plan.childFirst].contains(where: inProc))
        #expect(plan.rootAttributes == MountPlan.rdonly | MountPlan.nosuid | MountPlan.nodev)
        #expect(text.contains("rebind /proc/sys ro,nosuid,nodev,noexec recursive optional in-fresh"))
        #expect(text.contains("fs /dev/pts from devpts ptmxmode=0666,mode=0620 nosuid,noexec in-fresh"))
        #expect(text.contains("bind /dev/null from /oldroot/dev/null nosuid,noexec in-fresh"))
        #expect(!text.contains { $0.hasPrefix("rebind /sys") }, "a read-only root has a read-only /sys already")
        // Without a PID namespace the host's /proc is bound: nothing needs the child, all can be built ahead.
        let hostProc = MountPlan(view, pidNamespace: false)
        #expect(hostProc.childFirst == hostProc.ops.count)
        #expect(hostProc.ops.contains { $0.description == "bind /proc from /oldroot/proc nosuid,nodev,noexec recursive" })
        // A network namespace of its own: a fresh sysfs (only its interfaces under /sys/class/net), mounted
        // before the masked paths so that /sys/firmware is still masked, with the cgroup tree bound back.
        let withNet = MountPlan(view, pidNamespace: true, networkNamespace: true).ops.map(\.description)
        let sysfs = try #require(withNet.firstIndex(of: "fs /sys from sysfs ro,nosuid,nodev,noexec"))
        #expect(withNet[sysfs + 1] == "bind /sys/fs/cgroup from /oldroot/sys/fs/cgroup ro,nosuid,nodev,noexec recursive optional in-fresh")
        if let firmware = withNet.firstIndex(where: { $0.contains("/sys/firmware") }) { #expect(sysfs < firmware) }
        #expect(!text.contains { $0.contains("sysfs") }, "without a network namespace the host's /sys stays")
    }

    /// A hidden directory with nothing mounted beneath it, and a masked /proc or /sys directory, is the
    /// staging root's empty directory bound read-only (no tmpfs of its own, nothing to seal); a hidden file
    /// the empty file.
    @Test func emptyDirectoriesAreOneBoundDirectory() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        let view = try t.view(Self.make { $0.hide = [real + "/home", real + "/data/file"] })
        let rel = String(real.dropFirst())
        let text = MountPlan(view, pidNamespace: true, networkNamespace: true).ops.map(\.description)
        #expect(text.contains("bind /\(rel)/home from /emptydir ro,nosuid,nodev,noexec"), "\(text)")
        #expect(text.contains("bind /\(rel)/data/file from /empty ro,nosuid,nodev,noexec"), "\(text)")
        #expect(!text.contains { $0.hasPrefix("setattr /\(rel)/home") }, "nothing to seal: \(text)")
        #expect(!text.contains { $0.hasPrefix("fs ") && $0.contains("size=4096") }, "a tmpfs for an empty directory: \(text)")
        for masked in ["/proc/acpi", "/sys/firmware"] where FileManager.default.fileExists(atPath: masked) {
            #expect(text.contains("bind \(masked) from /emptydir ro,nosuid,nodev,noexec optional in-fresh"), "\(text)")
        }
    }

    /// An op is re-checked after mounting unless its target lies in a file system an earlier op mounted
    /// fresh: the deepest earlier mount above it decides, and a bind (host content) keeps the re-check.
    @Test func onlyTargetsInFreshFileSystemsSkipTheirRecheck() {
        func op(_ kind: sbx_mount_kind, _ target: String) -> MountPlan.Op { MountPlan.Op(kind: kind, target: target) }
        let marked = MountPlan.markingInFresh([
            op(SBX_MNT_FS, "proc"), op(SBX_MNT_BIND, "proc/kcore"), op(SBX_MNT_REBIND, "proc/sys"),
            op(SBX_MNT_FS, "tmp"), op(SBX_MNT_BIND, "tmp/project"), op(SBX_MNT_BIND, "tmp/project/data"),
            op(SBX_MNT_FS, "tmp/project/cache"), op(SBX_MNT_BIND, "tmp/project/cache/x"),
            op(SBX_MNT_BIND, "etc/shadow"), op(SBX_MNT_FS, "home"), op(SBX_MNT_BIND, "procfoo/x"),
        ])
        #expect(marked.filter(\.inFresh).map(\.target) == ["proc/kcore", "proc/sys", "tmp/project", "tmp/project/cache/x"])
    }

    // MARK: - Built ahead

    /// A thread started on a stale cache hint (a network namespace, for a profile that wants none) is
    /// released by the plan, which starts none: nothing is kept and no descriptor is left.
    @Test(.enabled(if: geteuid() == 0, "the thread is started only by a supervisor that may make namespaces: root"))
    func aThreadOnAStaleHintIsReleased() throws {
        func descriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        let compiled = CompiledProfile(profile: try builtin("default"))
        // A plan holds descriptors of its own (the seccomp listener's socket pair): counted without a hint.
        let open = descriptors()
        let plain = try LaunchPlan(compiled: compiled, command: ["true"])
        let own = descriptors() - open
        let early = try #require(EarlyNamespaces.start(hint: NamespacesAhead.Want(network: true, view: false).hint))
        let plan = try LaunchPlan(compiled: compiled, command: ["true"], early: early)
        #expect(plan.ahead == nil && plan.launchHint == 0 && plain.launchHint == 0)
        #expect(early.ahead.take().network == nil, "the network namespace made on the hint was closed")
        #expect(descriptors() == open + 2 * own, "descriptors left open")
    }

    /// The view built ahead on the supervisor's threads (as root, no user namespace): their pivots leave the
    /// calling process in its own mount namespace, root and working directory; a view whose op fails there
    /// leaves no namespace and no descriptor behind (the child then builds the view itself and reports it).
    @Test(.enabled(if: geteuid() == 0, "the view is built ahead only by a supervisor that may make namespaces: root"))
    func viewBuiltAheadLeavesTheCallerAndCleansUp() throws {
        func link(_ path: String) -> String { (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?" }
        func descriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        let before = (mnt: link("/proc/self/ns/mnt"), root: link("/proc/self/root"), cwd: FileManager.default.currentDirectoryPath)
        let namespaces = try NamespacePlan.prepare(try builtin("ci"), effectiveCaps: Capabilities.current().effective)
        let t = try Tree()
        let view = try t.view(Self.make { $0.rootReadOnly = true; $0.readWrite = [t.root + "/data"] })
        func prepared() -> MountPlan.Prepared {
            MountPlan.Prepared(MountPlan(view, pidNamespace: true, networkNamespace: namespaces.has(.network)))
        }
        let open = descriptors()

        let built = prepared()
        let ahead = try #require(NamespacesAhead.start(for: namespaces, view: true))
        ahead.build(built)
        let made = ahead.take()
        let namespace = try #require(made.view, "the view was not built ahead")
        // The child's go-ahead: the network namespace, the view's, and the clone of each of its /proc binds.
        let handed = try #require(ahead.handed())
        #expect(handed.count >= 3 && handed[0] == made.network && handed[1] == namespace, "\(handed)")
        #expect(link("/proc/self/fd/\(namespace)").hasPrefix("mnt:[") && link("/proc/self/fd/\(namespace)") != before.mnt)
        #expect(made.network != nil)
        ahead.release()
        #expect((link("/proc/self/ns/mnt"), link("/proc/self/root"), FileManager.default.currentDirectoryPath) == before)
        #expect(descriptors() == open, "descriptors left open")

        // The bind's source goes away after planning: the thread's clone of it fails, and nothing is kept.
        let failing = prepared()
        try FileManager.default.removeItem(atPath: t.root + "/data")
        let second = try #require(NamespacesAhead.start(for: namespaces, view: true))
        second.build(failing)
        #expect(second.take().view == nil && second.handed() == nil)
        second.release()
        #expect((link("/proc/self/ns/mnt"), link("/proc/self/root"), FileManager.default.currentDirectoryPath) == before)
        #expect(descriptors() == open, "descriptors left open after a failed view")
    }

    @Test func homeReplacesAHideOfItAndWorkdirInATmpfsIsFound() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        let view = try t.view(Self.make { $0.hide = [real + "/home"]; $0.emptyHome = true })
        #expect(view.entries.count == 1 && view.entries[0].key == "filesystem.home")
        let hidden = try t.view(Self.make { $0.tmpfs = [real] })
        #expect(hidden.workdirHiddenBy?.path == real)
    }

    @Test func destinationsAreCheckedNotResolved() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        let viaLink = #expect(throws: SandboxError.self) { try t.view(Self.make { $0.readOnly = ["/usr:\(real)/link/sub"] }) }
        #expect(viaLink?.description.contains("passes through the symlink \(real)/link") == true, "\(String(describing: viaLink))")
        let missing = #expect(throws: SandboxError.self) { try t.view(Self.make { $0.readOnly = ["/usr:\(real)/nowhere"] }) }
        #expect(missing?.description.contains("does not exist on the host") == true)
        let twice = #expect(throws: SandboxError.self) { try t.view(Self.make { $0.readOnly = [real + "/data"]; $0.tmpfs = [real + "/data"] }) }
        #expect(twice?.description == "filesystem.tmpfs: \(real)/data is also in filesystem.read_only (name each path once)")
        let fileOnDir = #expect(throws: SandboxError.self) { try t.view(Self.make { $0.readOnly = ["\(real)/data/file:\(real)/work"] }) }
        #expect(fileOnDir?.description.contains("a file cannot be bound onto a directory") == true)
        // PATH alone is resolved: a bind of the link is a bind of its target, onto itself.
        let view = try t.view(Self.make { $0.readOnly = [real + "/link"] })
        #expect(view.entries.first?.path == real + "/data" && view.entries.first?.kind == .bind(source: real + "/data", writable: false, directory: true))
    }

    @Test func globsAndHome() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        try t.dir.write("data/sudoers", "")
        try t.dir.write("data/sudoers.d/x", "")
        let view = try t.view(Self.make { $0.hide = [real + "/data/sudo*", "~/.ssh", real + "/absent"] })
        #expect(Set(view.entries.map(\.path)) == [real + "/data/sudoers", real + "/data/sudoers.d", real + "/home/.ssh"])
        #expect(view.entries.first { $0.path.hasSuffix("/sudoers") }?.kind == .hiddenFile)
        #expect(view.notes == ["filesystem.hide: \(real)/absent does not exist; nothing to hide"])
    }

    /// The hide globs: one listing per directory for consecutive patterns, glob(3)'s rules (a leading dot
    /// only by a dot, never `.` or `..`, sorted), wildcards in a parent left to glob(3).
    @Test func globMatchesAsGlob3() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        for name in ["g/b1", "g/a2", "g/a1", "g/.a3", "g/sub/a4"] { try t.dir.write(name, "") }
        var listing = FilesystemView.Listing()
        #expect(FilesystemView.glob(real + "/g/a*", listing: &listing) == [real + "/g/a1", real + "/g/a2"])
        #expect(listing.directory == real + "/g")
        #expect(FilesystemView.glob(real + "/g/.a*", listing: &listing) == [real + "/g/.a3"])
        #expect(FilesystemView.glob(real + "/g/*", listing: &listing) == ["a1", "a2", "b1", "sub"].map { real + "/g/" + $0 })
        #expect(FilesystemView.glob(real + "/g/.*", listing: &listing) == [real + "/g/.a3"])
        #expect(FilesystemView.glob(real + "/g/a*", listing: &listing) == FilesystemView.glob(real + "/g/a*"))
        #expect(FilesystemView.glob(real + "/*/sub/a*", listing: &listing) == [real + "/g/sub/a4"])
        #expect(FilesystemView.glob(real + "/absent/a*", listing: &listing).isEmpty)
        #expect(FilesystemView.glob(real + "/g/a1", listing: &listing) == [real + "/g/a1"])
    }

    @Test func pathsAreNormalizedAndSymlinksFound() throws {
        #expect(FilesystemView.normalize("//a//b/") == "/a/b")
        #expect(FilesystemView.normalize("/") == "/" && FilesystemView.normalize("") == "/")
        #expect(FilesystemView.normalize("a/b") == "/a/b")
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        #expect(FilesystemView.symlinkComponent(of: real + "/link/sub") == real + "/link")
        #expect(FilesystemView.symlinkComponent(of: real + "/link") == real + "/link")
        #expect(FilesystemView.symlinkComponent(of: real + "//data/") == nil)
        #expect(FilesystemView.symlinkComponent(of: "/") == nil)
        #expect([0, 0o7, 0o700, 0o1777, 0o4755].map(MountPlan.octal) == ["0", "7", "700", "1777", "4755"])
    }

    // MARK: - Landlock

    @Test func handledRightsFollowTheABI() {
        #expect(LandlockRuleset.handled(abi: 0) == 0)
        #expect(LandlockRuleset.handled(abi: 1) == 0x1FFF)
        #expect(LandlockRuleset.handled(abi: 2) == 0x3FFF)
        #expect(LandlockRuleset.handled(abi: 3) == 0x7FFF)
        #expect(LandlockRuleset.handled(abi: 4) == 0x7FFF)
        #expect(LandlockRuleset.handled(abi: 5) == 0xFFFF)
        #expect(LandlockRuleset.handled(abi: 7) == 0xFFFF)
    }

    @Test func rulesAndWhatLandlockAloneCannotSay() throws {
        let t = try Tree()
        let real = FilesystemView.realpath(t.root)!
        let view = try t.view(Self.make {
            $0.rootReadOnly = true
            $0.workdirWritable = true
            $0.readOnly = ["\(real)/data:\(real)/work/data"]
            $0.tmpfs = ["/tmp"]
            $0.hide = [real + "/home"]
        })
        let alone = LandlockRuleset(view, scopes: ["signal"], abi: 3, inView: false)
        let root = try #require(alone.rules.first)
        #expect(root.path == "/" && root.access == LandlockRuleset.read | LandlockRuleset.execute)
        let work = try #require(alone.rules.first { $0.path == real + "/work" })
        #expect(work.access & LandlockRuleset.writeFile != 0 && work.access & LandlockRuleset.ioctlDev == 0, "IOCTL_DEV is ABI 5")
        let null = try #require(alone.rules.first { $0.path == "/dev/null" })
        #expect(null.access & LandlockRuleset.readDir == 0, "a rule on a file holds only file rights")
        #expect(alone.unexpressed.count == 3, "\(alone.unexpressed)")
        #expect(alone.unexpressed.contains { $0.hasPrefix("filesystem.hide \(real)/home (hiding beneath a visible path") })
        #expect(alone.unexpressed.contains { $0.hasPrefix("filesystem.tmpfs /tmp (a fresh tmpfs needs a mount namespace") })
        #expect(alone.unsupportedScopes == ["filesystem.landlock_scope signal (needs Landlock ABI 6, Linux 6.12; this kernel has 3)"])

        let inView = LandlockRuleset(view, scopes: ["signal", "abstract-unix-socket"], abi: 7, inView: true)
        #expect(inView.unexpressed.isEmpty && inView.scoped == 3)
        #expect(inView.rules.contains { $0.path == "/tmp" && $0.access & LandlockRuleset.makeReg != 0 })

        let writableRoot = try t.view(Self.make { $0.readOnly = [real + "/data"] })
        #expect(LandlockRuleset(writableRoot, scopes: [], abi: 7, inView: false).unexpressed
            == ["filesystem.read_only \(real)/data (read-only beneath the writable /: Landlock cannot take rights away beneath an allowed path)"])
    }
}
