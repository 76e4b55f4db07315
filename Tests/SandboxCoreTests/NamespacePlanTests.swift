import Testing
@testable import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

/// `[namespaces]` and `[network]`: decoding, the cache codec, the prepared plan (flags, maps, the id
/// switch, the best-effort fallback), and the explanation of every refusal the kernel can give.
@Suite struct NamespacePlanTests {
    static let allCaps: UInt64 = ~0
    static let noCaps: UInt64 = 0

    static func profile(_ overrides: [String]) throws -> Profile {
        try builtinResolver.resolve(["default"], overrides: overrides)
    }

    @Test func decodesEveryKey() throws {
        let p = try Self.profile(["namespaces.pid=true", "namespaces.ipc=true", "namespaces.map_root=true",
                                  "namespaces.hostname=\"box\"", "network.mode=none", "process.user=nobody", "process.group=\"100\""])
        #expect(p.namespaces.requested == [.pid, .ipc])
        #expect(p.namespaces.wanted == [.pid, .network, .ipc])
        #expect(p.namespaces.mapRoot && p.namespaces.hostname == "box" && p.namespaces.networkMode == .none)
        #expect(p.process.user == "nobody" && p.process.group == "100")
        let plain = try builtin("default")
        #expect(plain.namespaces == NamespaceSettings() && plain.namespaces.wanted.isEmpty && plain.process.user == nil)
    }

    @Test func cacheCodecRoundTrips() throws {
        let p = try Self.profile(["namespaces.user=true", "namespaces.uts=true", "namespaces.cgroup=true", "namespaces.hostname=\"ci\"",
                                  "network.mode=none", "process.user=\"65534\""])
        let decoded = try ProfileCacheTests.roundTrip(CompiledProfile(profile: p))
        #expect(decoded.profile.namespaces == p.namespaces)
        #expect(decoded.profile.process.user == "65534" && decoded.profile.process.group == nil)
    }

    @Test func noNamespacesNoFlags() throws {
        let plan = try NamespacePlan.prepare(try builtin("default"), effectiveCaps: Self.noCaps, callerUid: 1000, callerGid: 1000)
        #expect(plan.isEmpty && plan.cloneFlags == 0 && plan.uidMap == nil && plan.switchIds == nil && plan.notes.isEmpty)
    }

    /// Rootless: a user namespace is added, the caller maps to itself, setgroups is denied.
    @Test func rootlessAddsAUserNamespace() throws {
        let plan = try NamespacePlan.prepare(try Self.profile(["namespaces.pid=true", "network.mode=none"]), effectiveCaps: Self.noCaps,
                                             callerUid: 1000, callerGid: 1001)
        #expect(plan.namespaces == [.user, .pid, .network])
        #expect(plan.cloneFlags == 0x1000_0000 | 0x2000_0000 | 0x4000_0000)
        #expect(plan.uidMap == "1000 1000 1\n" && plan.gidMap == "1001 1001 1\n" && plan.denySetgroups)
        #expect(plan.pidInit && plan.loopbackUp && plan.hostname == nil && plan.switchIds == nil)
        #expect(plan.notes.contains { $0.hasPrefix("user namespace added") })
    }

    @Test func rootlessMapRootAndOtherUser() throws {
        let root = try NamespacePlan.prepare(try Self.profile(["namespaces.user=true", "namespaces.map_root=true"]), effectiveCaps: Self.noCaps,
                                             callerUid: 1000, callerGid: 1000)
        #expect(root.uidMap == "0 1000 1\n" && root.gidMap == "0 1000 1\n")
        let other = try NamespacePlan.prepare(try Self.profile(["process.user=\"4242\""]), effectiveCaps: Self.noCaps, callerUid: 1000, callerGid: 1000)
        #expect(other.namespaces == [.user] && other.uidMap == "4242 1000 1\n" && other.switchIds == nil)
        #expect(throws: SandboxError.self) {
            try NamespacePlan.prepare(try Self.profile(["process.user=\"4242\"", "namespaces.map_root=true"]), effectiveCaps: Self.noCaps,
                                      callerUid: 1000, callerGid: 1000)
        }
    }

    /// As root no user namespace is added; with one, the target ids are mapped as themselves and the child
    /// switches to them (so the command's files are the target's on the host too).
    @Test func rootSwitchesIds() throws {
        let direct = try NamespacePlan.prepare(try Self.profile(["process.user=\"65534\"", "namespaces.pid=true"]), effectiveCaps: Self.allCaps,
                                               callerUid: 0, callerGid: 0)
        #expect(direct.namespaces == [.pid] && direct.uidMap == nil)
        #expect(direct.switchIds?.uid == 65534 && direct.switchIds?.gid == 65534 && direct.switchIds?.setGroups == true)
        let nested = try NamespacePlan.prepare(try Self.profile(["process.user=\"65534\"", "namespaces.user=true"]), effectiveCaps: Self.allCaps,
                                               callerUid: 0, callerGid: 0)
        #expect(nested.uidMap == "0 0 1\n65534 65534 1\n" && nested.gidMap == "0 0 1\n65534 65534 1\n" && !nested.denySetgroups)
        #expect(nested.switchIds?.uid == 65534)
        let unknown = #expect(throws: SandboxError.self) {
            try NamespacePlan.prepare(try Self.profile(["process.user=no-such-user-x"]), effectiveCaps: Self.allCaps, callerUid: 0, callerGid: 0)
        }
        #expect(unknown?.description.contains("process.user") == true)
    }

    @Test func bestEffortFallback() throws {
        let strict = try NamespacePlan.prepare(try Self.profile(["namespaces.pid=true"]), effectiveCaps: Self.noCaps, callerUid: 1, callerGid: 1)
        #expect(strict.withoutBestEffort(reason: "r") == nil)
        let partly = try NamespacePlan.prepare(try Self.profile(["namespaces.pid=true", "best_effort=[\"namespaces.pid\"]"]),
                                               effectiveCaps: Self.noCaps, callerUid: 1, callerGid: 1)
        #expect(partly.withoutBestEffort(reason: "r") == nil, "the added user namespace is not best-effort")
        let lenient = try NamespacePlan.prepare(try Self.profile(["namespaces.pid=true", "best_effort=[\"namespaces\"]"]),
                                                effectiveCaps: Self.noCaps, callerUid: 1, callerGid: 1)
        let fallback = try #require(lenient.withoutBestEffort(reason: "why"))
        #expect(fallback.isEmpty && fallback.cloneFlags == 0)
        #expect(fallback.notEnforced == ["namespaces.user (why)", "namespaces.pid (why)"])
    }

    // MARK: - Refusals

    static func environment(max: Int? = 15000, apparmor: Int? = nil, clone: Int? = nil, seccomp: Bool = false) -> KernelFeatures.NamespaceEnvironment {
        .init(maxUserNamespaces: max, apparmorRestrictsUserNamespaces: apparmor, unprivilegedUserNamespaceClone: clone,
              seccompFiltered: seccomp, executable: "/usr/local/bin/sandbox")
    }

    @Test func refusalsNameTheCauseAndTheFix() {
        func refusal(_ errno: Int32, _ env: KernelFeatures.NamespaceEnvironment, user: Bool = true, privileged: Bool = false) -> KernelFeatures.Availability {
            KernelFeatures.namespaceRefusal(errno: errno, namespaces: user ? [.user, .pid] : [.pid], privileged: privileged, environment: env)
        }
        let disabled = refusal(ENOSPC, Self.environment(max: 0))
        #expect(disabled.reason == "user namespaces are disabled (user.max_user_namespaces = 0)")
        #expect(disabled.fix?.contains("sysctl -w user.max_user_namespaces=") == true)

        let apparmor = refusal(EPERM, Self.environment(apparmor: 1))
        #expect(apparmor.reason.contains("kernel.apparmor_restrict_unprivileged_userns = 1"))
        #expect(apparmor.fix?.contains("profile sandbox /usr/local/bin/sandbox flags=(unconfined) { userns, }") == true)
        #expect(apparmor.fix?.contains("apparmor_parser -r /etc/apparmor.d/sandbox") == true)
        // Root is not restricted by it: the cause is elsewhere.
        #expect(!refusal(EPERM, Self.environment(apparmor: 1), privileged: true).reason.contains("AppArmor"))

        let debian = refusal(EPERM, Self.environment(clone: 0))
        #expect(debian.reason.contains("kernel.unprivileged_userns_clone = 0"))

        let container = refusal(EPERM, Self.environment(seccomp: true))
        #expect(container.reason.contains("seccomp filter around sandbox"))
        #expect(refusal(ENOSYS, Self.environment(seccomp: true)).reason == container.reason)

        #expect(refusal(EPERM, Self.environment(), user: false).reason == "creating namespaces needs CAP_SYS_ADMIN or a user namespace")
        #expect(refusal(ENOSPC, Self.environment()).reason.contains("limit on namespaces"))
        #expect(refusal(EINVAL, Self.environment()).reason.contains("CONFIG_USER_NS"))
    }
}
