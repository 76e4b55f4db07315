#if canImport(Glibc)
import Glibc
#endif

/// The namespaces of one run, prepared in the parent: the clone flags, the uid_map / gid_map lines the
/// parent writes once the child exists, the hostname, whether loopback comes up, whether PID 1 is our init,
/// and the ids the command switches to. `Launcher` hands these to the C child (`sbx_plan`'s namespace
/// block) and writes the maps; the child only makes the system calls.
public struct NamespacePlan: Sendable {
    /// The namespaces the child is cloned into (user first when there is one).
    public private(set) var namespaces: [NamespaceSettings.Kind]
    public var cloneFlags: UInt64 { namespaces.reduce(0) { $0 | $1.cloneFlag } }
    public var isEmpty: Bool { namespaces.isEmpty }
    public func has(_ kind: NamespaceSettings.Kind) -> Bool { namespaces.contains(kind) }

    /// /proc/PID/uid_map and gid_map contents, written by the parent (nil: no user namespace).
    public private(set) var uidMap: String?
    public private(set) var gidMap: String?
    /// "deny" to /proc/PID/setgroups before gid_map: the kernel requires it of an unprivileged writer
    /// (CVE-2014-8989: otherwise dropping a group with setgroups could gain access).
    public private(set) var denySetgroups = false
    /// sethostname in the UTS namespace.
    public var hostname: String? { has(.uts) ? settings.hostname : nil }
    public var loopbackUp: Bool { has(.network) }
    public var pidInit: Bool { has(.pid) }
    /// setgroups / setresgid / setresuid in the child before capabilities (root, or inside a user namespace
    /// where the target ids are mapped).
    public private(set) var switchIds: (uid: uid_t, gid: gid_t, setGroups: Bool)?
    /// The ids the command runs as, as seen inside (for the report).
    public private(set) var identity: UserIdentity?
    public private(set) var notes: [String] = []
    public private(set) var notEnforced: [String] = []

    let settings: NamespaceSettings
    /// The namespaces `best_effort` lets go unenforced.
    let bestEffort: Set<NamespaceSettings.Kind>
    let callerUid: uid_t
    let callerGid: gid_t
    let mayMapOthers: Bool
    /// CAP_SYS_ADMIN: namespaces other than user need no user namespace (for explaining refusals).
    public let privileged: Bool

    /// From the profile and our privileges: CAP_SYS_ADMIN creates namespaces without a user namespace;
    /// CAP_SETUID / CAP_SETGID map ids other than our own and switch to them.
    /// `callerUid` / `callerGid` default to geteuid() / getegid(), asked only when the profile has a
    /// namespace or an identity (the default path makes no extra system call).
    public static func prepare(_ profile: Profile, effectiveCaps: UInt64,
                               callerUid: uid_t? = nil, callerGid: gid_t? = nil) throws -> NamespacePlan {
        func has(_ cap: Int32) -> Bool { effectiveCaps & (1 << UInt64(cap)) != 0 }
        let involved = !profile.namespaces.wanted.isEmpty || profile.process.user != nil || profile.process.group != nil
        let callerUid = callerUid ?? (involved ? geteuid() : 0)
        let callerGid = callerGid ?? (involved ? getegid() : 0)
        let mayMapOthers = has(Capabilities.setuid) && has(Capabilities.setgid)
        let identity = try UserIdentity.resolve(user: profile.process.user, group: profile.process.group,
                                                callerUid: callerUid, callerGid: callerGid)
        var plan = NamespacePlan(namespaces: profile.namespaces.wanted, settings: profile.namespaces,
                                 bestEffort: Set(NamespaceSettings.Kind.allCases.filter { kind in
                                     profile.allowsBestEffort("namespaces") || profile.allowsBestEffort("namespaces." + kind.rawValue) }),
                                 callerUid: callerUid, callerGid: callerGid, mayMapOthers: mayMapOthers,
                                 privileged: has(Capabilities.sysAdmin))
        plan.identity = identity
        // Rootless, the kernel creates the other namespaces only inside a user namespace of ours (it then
        // owns them, and our capabilities there are what sethostname and SIOCSIFFLAGS check); so does
        // running as another user.
        let needsUser = !plan.namespaces.isEmpty && !has(Capabilities.sysAdmin)
            || identity.map { ($0.uid != callerUid || $0.gid != callerGid) && !mayMapOthers } == true
        if needsUser && !plan.has(.user) {
            plan.namespaces.insert(.user, at: 0)
            plan.notes.append("user namespace added: " + (has(Capabilities.sysAdmin)
                ? "switching to another uid/gid without CAP_SETUID/CAP_SETGID goes through its map"
                : "without CAP_SYS_ADMIN the kernel creates namespaces only inside one"))
        }
        try plan.prepareIds()
        return plan
    }

    /// The maps and the id switch. Inside the user namespace the caller is itself (or root, with map_root);
    /// rootless, only that one uid and gid can be mapped, so process.user becomes what the caller maps to.
    private mutating func prepareIds() throws {
        switchIds = nil
        uidMap = nil
        gidMap = nil
        denySetgroups = false
        let target = identity
        guard has(.user) else {
            if let target, target.uid != callerUid || target.gid != callerGid {
                switchIds = (target.uid, target.gid, true)
            }
            return
        }
        let insideUid: uid_t = settings.mapRoot ? 0 : callerUid
        let insideGid: gid_t = settings.mapRoot ? 0 : callerGid
        if mayMapOthers {
            // Privileged: the caller as itself (or root), and the target ids as themselves, so that the
            // command's files belong to the target on the host too; the child switches with setresuid.
            var uids = ["\(insideUid) \(callerUid) 1"]
            var gids = ["\(insideGid) \(callerGid) 1"]
            if let target {
                if target.uid != insideUid && target.uid != callerUid { uids.append("\(target.uid) \(target.uid) 1") }
                if target.gid != insideGid && target.gid != callerGid { gids.append("\(target.gid) \(target.gid) 1") }
                if target.uid != insideUid || target.gid != insideGid {
                    switchIds = (target.uid == callerUid ? insideUid : target.uid, target.gid == callerGid ? insideGid : target.gid, true)
                }
            }
            uidMap = uids.joined(separator: "\n") + "\n"
            gidMap = gids.joined(separator: "\n") + "\n"
            return
        }
        if let target, settings.mapRoot, target.uid != 0 || target.gid != 0 {
            throw SandboxError(.usage, "process.user", "rootless, a user namespace maps one uid: the caller cannot be both root (namespaces.map_root) and \(target.userText ?? target.groupText ?? "")",
                               hint: "drop namespaces.map_root, or run sandbox as root")
        }
        uidMap = "\(target?.uid ?? insideUid) \(callerUid) 1\n"
        gidMap = "\(target?.gid ?? insideGid) \(callerGid) 1\n"
        denySetgroups = true
    }

    /// The plan without the namespaces the profile lets go unenforced, after the kernel refused to create
    /// them for `reason`; nil when one it refused is not best-effort (the run must then fail).
    public func withoutBestEffort(reason: String) -> NamespacePlan? {
        guard namespaces.allSatisfy(bestEffort.contains) else { return nil }
        var plan = self
        plan.notEnforced = namespaces.map { "namespaces.\($0.rawValue) (\(reason))" }
        plan.notes = []
        plan.namespaces = []
        if let target = identity, target.uid != callerUid || target.gid != callerGid, !mayMapOthers {
            plan.notEnforced.append("process.user/group (needs the user namespace)")
            plan.identity = nil
        }
        try? plan.prepareIds()
        return plan
    }

    /// The namespaces as the report lists them, e.g. "user, pid, net".
    public var summary: String { namespaces.map(\.procName).joined(separator: ", ") }
}
