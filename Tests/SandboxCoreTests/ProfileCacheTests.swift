import Foundation
import Testing
@testable import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

/// The compiled-profile cache: its encoding round-trips every profile exactly, an entry is used only while
/// every profile it was compiled from is unchanged, and a damaged or foreign entry is a miss, never a crash.
@Suite struct ProfileCacheTests {
    /// The canonical encoding of a compiled profile (sorted maps), to compare two compiled profiles whole.
    static func bytes(_ compiled: CompiledProfile) -> [UInt8] {
        var w = ByteWriter()
        compiled.encode(into: &w)
        return w.bytes
    }

    static func roundTrip(_ compiled: CompiledProfile) throws -> CompiledProfile {
        let encoded = bytes(compiled)
        return try encoded.withUnsafeBytes { buffer in
            var r = ByteReader(buffer)
            let decoded = try CompiledProfile(from: &r)
            #expect(r.isAtEnd)
            return decoded
        }
    }

    // MARK: - Encoding

    @Test(arguments: ["default", "strict", "build", "audit"])
    func everyBuiltinRoundTrips(name: String) throws {
        let profile = try builtin(name)
        let program = profile.seccomp.enabled ? try SeccompCompiler.compile(profile.seccomp, notifySocketFD: 4) : nil
        let compiled = CompiledProfile(profile: profile, seccomp: program)
        let decoded = try Self.roundTrip(compiled)
        #expect(Self.bytes(decoded) == Self.bytes(compiled))
        // Spot checks on the decoded values themselves, not only their encoding.
        #expect(decoded.profile.name == profile.name)
        #expect(decoded.profile.limits == profile.limits)
        #expect(decoded.profile.seccomp.rules == profile.seccomp.rules)
        #expect(decoded.profile.process.envSet.map(\.0) == profile.process.envSet.map(\.0))
        #expect(decoded.seccomp?.instructions.map(\.k) == program?.instructions.map(\.k))
        #expect(decoded.seccomp?.instructions.map(\.code) == program?.instructions.map(\.code))
        #expect(decoded.seccomp?.notified.count == program?.notified.count)
        #expect(decoded.seccomp?.hasListenerSocket == program?.hasListenerSocket)
    }

    @Test func decodedProgramAnswersNotificationsLikeTheOriginal() throws {
        let profile = try builtin("default")
        let program = try SeccompCompiler.compile(profile.seccomp, notifySocketFD: 3)
        let decoded = try #require(try Self.roundTrip(CompiledProfile(profile: profile, seccomp: program)).seccomp)
        let ioctl = try #require(SyscallTable.number(of: "ioctl"))
        let tiocsti: UInt64 = 0x5412
        #expect(decoded.verdict(nr: ioctl, args: [0, tiocsti, 0, 0, 0, 0])?.reason
                == program.verdict(nr: ioctl, args: [0, tiocsti, 0, 0, 0, 0])?.reason)
        let mount = try #require(SyscallTable.number(of: "mount"))
        #expect(decoded.verdict(nr: mount, args: [0, 0, 0, 0, 0, 0])?.reason == "deny mount")
    }

    @Test func everyTruncationIsRejected() throws {
        let encoded = Self.bytes(CompiledProfile(profile: try builtin("default")))
        for length in stride(from: 0, to: encoded.count, by: 7) {
            let prefix = Array(encoded[0..<length])
            #expect(throws: ByteReader.Malformed.self) {
                try prefix.withUnsafeBytes { buffer in
                    var r = ByteReader(buffer)
                    _ = try CompiledProfile(from: &r)
                }
            }
        }
    }

    @Test func aHugeLengthIsRejectedWithoutAllocating() throws {
        var w = ByteWriter()
        w.u64(UInt64.max)
        w.bytes.withUnsafeBytes { buffer in
            var r = ByteReader(buffer)
            #expect(throws: ByteReader.Malformed.self) { _ = try r.string() }
        }
    }

    // MARK: - When a compiled filter is reused

    @Test func aFilterThatNamesTheListenerFitsOnlyThatFD() throws {
        let settings = SeccompSettings(enabled: true, defaultAction: .allow, denyAction: .errno(EPERM), allow: [],
                                       deny: ["sendmsg"], absent: [], rules: [], architectures: ["native"], notify: true)
        let program = try SeccompCompiler.compile(settings, notifySocketFD: 5)
        #expect(program.listenerFDInFilter == 5)
        #expect(program.fits(notifySocketFD: 5, observe: []))
        #expect(!program.fits(notifySocketFD: 6, observe: []))
        #expect(!program.fits(notifySocketFD: nil, observe: []))
        #expect(!program.fits(notifySocketFD: 5, observe: ["openat"]))
    }

    @Test func theDefaultFilterFitsAnyListenerFD() throws {
        let program = try SeccompCompiler.compile(try builtin("default").seccomp, notifySocketFD: 4)
        #expect(program.listenerFDInFilter == nil, "sendmsg is allowed: no rule names the fd")
        #expect(program.fits(notifySocketFD: 9, observe: []))
        #expect(!program.fits(notifySocketFD: nil, observe: []), "compiled for a listener")
    }

    // MARK: - The cache on disk

    /// One lookup as `sandbox run` makes it, storing on a miss.
    static func run(_ cache: ProfileCache, _ names: [String], overrides: [String] = [],
                    resolver: ProfileResolver) throws -> (CompiledProfile, ProfileCache.Outcome) {
        let entry = try cache.lookup(names, overrides: overrides, resolver: resolver)
        var program = entry.compiled.seccomp
        if program == nil, entry.compiled.profile.seccomp.enabled {
            program = try SeccompCompiler.compile(entry.compiled.profile.seccomp, notifySocketFD: 4)
        }
        return (entry.compiled, cache.keep(entry, seccomp: program))
    }

    /// A profile directory, and a cache in a subdirectory of it (removed with it).
    static func fixture() throws -> (profiles: TempDir, cache: ProfileCache) {
        let profiles = try TempDir()
        return (profiles, ProfileCache(directory: profiles.path + "/cache"))
    }

    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".bin") }
    }

    @Test func aSecondLookupHitsAndGivesTheSameProfile() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path + "/cache")
        let (first, miss) = try Self.run(cache, ["default"], resolver: builtinResolver)
        #expect(miss == .init(status: .miss, reason: nil))
        let (second, hit) = try Self.run(cache, ["default"], resolver: builtinResolver)
        #expect(hit.status == .hit)
        #expect(Self.bytes(CompiledProfile(profile: second.profile)) == Self.bytes(CompiledProfile(profile: first.profile)))
        #expect(second.seccomp != nil, "the filter comes from the cache too")
        var st = stat()
        #expect(stat(dir.path + "/cache", &st) == 0 && st.st_mode & 0o777 == 0o700)
    }

    /// The launch hint a run keeps with its entry is given back by the next lookup that hits, before the
    /// profile is decoded; a miss gives none.
    @Test func theLaunchHintComesBackOnAHit() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path + "/cache")
        var hints: [UInt8] = []
        let miss = try cache.lookup(["ci"], overrides: [], resolver: builtinResolver, onHint: { hints.append($0) })
        #expect(miss.outcome.status == .miss && hints.isEmpty)
        _ = cache.keep(miss, seccomp: nil, hint: 3)
        let hit = try cache.lookup(["ci"], overrides: [], resolver: builtinResolver, onHint: { hints.append($0) })
        #expect(hit.outcome.status == .hit && hints == [3])
        #expect(NamespacesAhead.Want(hint: 3) == NamespacesAhead.Want(network: true, view: true))
        #expect(NamespacesAhead.Want(hint: 1)?.hint == 1 && NamespacesAhead.Want(hint: 2)?.hint == 2)
        #expect(NamespacesAhead.Want(hint: 0) == nil && NamespacesAhead.Want(hint: 4) == nil, "none, or one this build does not know")
    }

    @Test func overridesAndStacksAreEntriesOfTheirOwn() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path)
        #expect(try Self.run(cache, ["default"], resolver: builtinResolver).1.status == .miss)
        let (nice, outcome) = try Self.run(cache, ["default"], overrides: ["process.nice=7"], resolver: builtinResolver)
        #expect(outcome.status == .miss)
        #expect(nice.profile.process.nice == 7)
        #expect(try Self.run(cache, ["default", "build"], resolver: builtinResolver).1.status == .miss)
        #expect(try Self.run(cache, ["default"], overrides: ["process.nice=7"], resolver: builtinResolver).0.profile.process.nice == 7)
        #expect(Self.entries(dir.path).count == 3)
    }

    @Test func anEditedProfileIsCompiledAgain() throws {
        let (profiles, cache) = try Self.fixture()
        try profiles.write("mine.toml", "extends = \"default\"\n[process]\nnice = 3\n")
        #expect(try Self.run(cache, ["mine"], resolver: profiles.resolver).0.profile.process.nice == 3)
        #expect(try Self.run(cache, ["mine"], resolver: profiles.resolver).1.status == .hit)
        // Same length, same second: only the content differs.
        try profiles.write("mine.toml", "extends = \"default\"\n[process]\nnice = 4\n")
        let (edited, outcome) = try Self.run(cache, ["mine"], resolver: profiles.resolver)
        #expect(outcome.status == .miss)
        #expect(edited.profile.process.nice == 4)
    }

    @Test func aParentProfileEditIsSeenToo() throws {
        let (profiles, cache) = try Self.fixture()
        try profiles.write("base.toml", "[process]\nnice = 3\n")
        try profiles.write("leaf.toml", "extends = \"base\"\n")
        #expect(try Self.run(cache, ["leaf"], resolver: profiles.resolver).0.profile.process.nice == 3)
        try profiles.write("base.toml", "[process]\nnice = 9\n")
        let (edited, outcome) = try Self.run(cache, ["leaf"], resolver: profiles.resolver)
        #expect(outcome.status == .miss)
        #expect(edited.profile.process.nice == 9)
    }

    @Test func aProfileThatNowShadowsABuiltinIsUsed() throws {
        let (profiles, cache) = try Self.fixture()
        #expect(try Self.run(cache, ["default"], resolver: profiles.resolver).0.profile.process.nice == 5)
        try profiles.write("default.toml", "[process]\nnice = 11\n")
        let (shadowed, outcome) = try Self.run(cache, ["default"], resolver: profiles.resolver)
        #expect(outcome.status == .miss)
        #expect(shadowed.profile.process.nice == 11)
    }

    @Test func aDeletedProfileIsAnErrorNotACachedProfile() throws {
        let (profiles, cache) = try Self.fixture()
        let path = try profiles.write("gone.toml", "[process]\nnice = 3\n")
        _ = try Self.run(cache, [path], resolver: profiles.resolver)
        unlink(path)
        #expect(throws: SandboxError.self) { try Self.run(cache, [path], resolver: profiles.resolver) }
    }

    @Test func aDamagedEntryIsAMissAndIsReplaced() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path)
        _ = try Self.run(cache, ["default"], resolver: builtinResolver)
        let file = dir.path + "/" + (try #require(Self.entries(dir.path).first))
        var bytes = try #require(FileManager.default.contents(atPath: file)).map { $0 }
        for damage in [{ (b: inout [UInt8]) in b.removeLast(b.count / 2) }, { b in b[b.count - 3] ^= 0xFF }, { b in b[40] ^= 0x01 }] {
            var damaged = bytes
            damage(&damaged)
            try Data(damaged).write(to: URL(fileURLWithPath: file))
            let (compiled, outcome) = try Self.run(cache, ["default"], resolver: builtinResolver)
            #expect(outcome.status == .miss)
            #expect(compiled.profile.process.nice == 5)
            #expect(try Self.run(cache, ["default"], resolver: builtinResolver).1.status == .hit, "rewritten")
            bytes = try #require(FileManager.default.contents(atPath: file)).map { $0 }
        }
    }

    @Test func anEntryAnotherUserCouldWriteIsIgnored() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path)
        _ = try Self.run(cache, ["default"], resolver: builtinResolver)
        let file = dir.path + "/" + (try #require(Self.entries(dir.path).first))
        chmod(file, 0o666)
        #expect(try Self.run(cache, ["default"], resolver: builtinResolver).1.status == .miss)
        #expect(try Self.run(cache, ["default"], resolver: builtinResolver).1.status == .hit, "replaced by a private one")
    }

    @Test func aDirectoryOthersCanWriteIsNotUsed() throws {
        let dir = try TempDir()
        chmod(dir.path, 0o777)
        let cache = ProfileCache(directory: dir.path)
        let (_, outcome) = try Self.run(cache, ["default"], resolver: builtinResolver)
        #expect(outcome.status == .miss)
        #expect(outcome.reason?.contains("writable by others") == true, "\(String(describing: outcome.reason))")
        #expect(Self.entries(dir.path).isEmpty)
    }

    @Test func aDirectoryOfAnotherUserIsNotUsed() throws {
        guard getuid() == 0 else {
            print("skipped: needs root to give the directory to nobody")
            return
        }
        let dir = try TempDir()
        chown(dir.path, 65534, 65534)
        let (_, outcome) = try Self.run(ProfileCache(directory: dir.path), ["default"], resolver: builtinResolver)
        #expect(outcome.reason?.contains("belongs to uid 65534") == true, "\(String(describing: outcome.reason))")
    }

    @Test func onlyTheNewestEntriesAreKept() throws {
        let dir = try TempDir()
        let cache = ProfileCache(directory: dir.path)
        for nice in 0..<(ProfileCache.maxEntries + 5) {
            _ = try Self.run(cache, ["default"], overrides: ["process.nice=\(nice % 20)", "limits.open_files=\(100 + nice)"],
                             resolver: builtinResolver)
        }
        #expect(Self.entries(dir.path).count == ProfileCache.maxEntries)
        #expect(try Self.run(cache, ["default"], overrides: ["process.nice=\((ProfileCache.maxEntries + 4) % 20)",
                                                             "limits.open_files=\(100 + ProfileCache.maxEntries + 4)"],
                             resolver: builtinResolver).1.status == .hit)
    }

    // MARK: - Configuration

    @Test func environmentChoosesTheDirectory() throws {
        #expect(try ProfileCache.fromEnvironment { ["SANDBOX_CACHE": "/x/c", "HOME": "/h"][$0] }.directory == "/x/c")
        #expect(try ProfileCache.fromEnvironment { ["XDG_CACHE_HOME": "/xdg", "HOME": "/h"][$0] }.directory == "/xdg/sandbox")
        #expect(try ProfileCache.fromEnvironment { ["XDG_CACHE_HOME": "rel", "HOME": "/h"][$0] }.directory == "/h/.cache/sandbox")
        #expect(try ProfileCache.fromEnvironment { ["SANDBOX_CACHE": "off", "HOME": "/h"][$0] }.directory == nil)
        #expect(try ProfileCache.fromEnvironment { _ in nil }.directory == nil)
    }

    @Test func aRelativeCacheDirectoryIsAUsageError() throws {
        do {
            _ = try ProfileCache.fromEnvironment { ["SANDBOX_CACHE": "cache"][$0] }
            Issue.record("accepted a relative SANDBOX_CACHE")
        } catch let error as SandboxError {
            #expect(error.exitStatus == 125)
            #expect(error.description == "SANDBOX_CACHE=cache: expected an absolute directory or 'off'")
        }
    }

    @Test func offStillCompiles() throws {
        let (compiled, outcome) = try Self.run(ProfileCache(directory: nil, offReason: "SANDBOX_CACHE=off"), ["strict"],
                                               resolver: builtinResolver)
        #expect(outcome == .init(status: .off, reason: "SANDBOX_CACHE=off"))
        #expect(compiled.profile.name == "strict")
    }
}
