import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// The filesystem view of one run, prepared: which enforcers apply (a mount namespace where the profile has
/// one, Landlock where the kernel has it), their prepared C values, and what the report says about them.
/// `LaunchPlan` makes one with `prepare` and `Launcher` copies it into `sbx_plan` with `apply`.
///
/// A view is enforced by the mount namespace when the profile has `namespaces.mount` (and, rootless,
/// `namespaces.user`, without which the kernel refuses the mount namespace): the view does not switch them
/// on by itself, so that a profile that asks for no namespace gets none and the view from Landlock alone.
public final class FilesystemPlan {
    public let view: FilesystemView
    public let mounts: MountPlan?
    public let landlock: LandlockRuleset?
    /// The enforcers that applied, for the report: `mount-namespace`, `landlock`.
    public let enforcers: [String]
    public private(set) var notEnforced: [String] = []
    public private(set) var notes: [String] = []
    /// The mount ops laid out for C: the child's, and the thread's that builds the view ahead (`NamespacesAhead`).
    let preparedMounts: MountPlan.Prepared?
    private let preparedRules: LandlockRuleset.Prepared?

    /// nil when the profile has no `[filesystem]` view. The mount namespace enforces it when `namespaces`
    /// has one (with a PID namespace, a fresh /proc); `mayRestrict`: the child may call
    /// landlock_restrict_self (no_new_privs or CAP_SYS_ADMIN; a user namespace gives the latter).
    /// `onMounts` gets the mount ops laid out for C as soon as they are, before the Landlock rules: the
    /// thread that builds the view ahead can start on them.
    static func prepare(_ profile: Profile, workdir: String, home: String?, namespaces: NamespacePlan,
                        mayRestrict: Bool, listings: ListingCache? = nil,
                        onMounts: (MountPlan.Prepared) -> Void = { _ in }) throws -> FilesystemPlan? {
        guard profile.filesystem.isActive else { return nil }
        return try FilesystemPlan(Inputs(profile: profile, workdir: workdir, home: home, mayRestrict: mayRestrict, listings: listings),
                                  namespaces: namespaces, onMounts: onMounts)
    }

    /// The same view for a smaller set of namespaces (the kernel refused best-effort ones).
    func prepared(namespaces: NamespacePlan) throws -> FilesystemPlan {
        try FilesystemPlan(inputs, namespaces: namespaces)
    }

    private struct Inputs {
        let profile: Profile
        let workdir: String
        let home: String?
        let mayRestrict: Bool
        let listings: ListingCache?
    }
    private let inputs: Inputs

    private init(_ inputs: Inputs, namespaces: NamespacePlan, onMounts: (MountPlan.Prepared) -> Void = { _ in }) throws {
        self.inputs = inputs
        let (profile, workdir, home) = (inputs.profile, inputs.workdir, inputs.home)
        let mountNamespace = namespaces.has(.mount), pidNamespace = namespaces.has(.pid), networkNamespace = namespaces.has(.network)
        let mayRestrict = inputs.mayRestrict || namespaces.has(.user)
        let owner = namespaces.commandOwner
        let settings = profile.filesystem
        // In a mount namespace the user's control sockets (docs/control-protocol.md) are hidden from the
        // command; the directory is made now when absent, or a run's first socket would appear in the view.
        let runDirectory = mountNamespace ? (try? RunDirectory.prepare()) : nil
        let view = try FilesystemView(settings, workdir: workdir, home: home, owner: owner, alsoHidden: runDirectory.map { [$0] } ?? [],
                                      listings: inputs.listings)
        self.view = view
        var notEnforced: [String] = []
        var notes = view.notes
        var enforcers: [String] = []

        var mounts: MountPlan?
        if mountNamespace {
            let api = KernelFeatures.mountSetattr
            guard api.available else {
                throw SandboxError(.setup, "filesystem", "the mount namespace view is not available: \(api.reason)", hint: api.fix)
            }
            if let cover = view.workdirHiddenBy {
                throw SandboxError(.usage, cover.key, "the working directory \(view.workdir) lies beneath \(cover.path), so it would not exist in the view",
                                   hint: "set filesystem.workdir_writable = true (or bind it with --ro-bind), or run from another directory")
            }
            mounts = MountPlan(view, pidNamespace: pidNamespace, networkNamespace: networkNamespace)
            enforcers.append("mount-namespace")
        }
        self.mounts = mounts
        let preparedMounts = mounts.map(MountPlan.Prepared.init)
        if let preparedMounts { onMounts(preparedMounts) }

        var landlock: LandlockRuleset?
        if settings.landlock {
            let available = KernelFeatures.landlock
            if !available.available {
                guard profile.allowsBestEffort("landlock") else {
                    throw SandboxError(.setup, "filesystem.landlock", "Landlock is not available: \(available.reason)",
                                       hint: (available.fix.map { $0 + ", or " } ?? "") + "add \"landlock\" to best_effort, or set filesystem.landlock = false")
                }
                notEnforced.append("landlock (\(available.reason))")
            } else if !mayRestrict {
                throw SandboxError(.usage, "filesystem.landlock", "Landlock needs no_new_privileges (or CAP_SYS_ADMIN)",
                                   hint: "set process.no_new_privileges = true, or filesystem.landlock = false")
            } else {
                let ruleset = LandlockRuleset(view, scopes: settings.landlockScope, abi: KernelFeatures.landlockABI, inView: mounts != nil)
                if !ruleset.unsupportedScopes.isEmpty {
                    guard profile.allowsBestEffort("landlock") else {
                        throw SandboxError(.setup, "filesystem.landlock_scope", ruleset.unsupportedScopes[0], hint: "add \"landlock\" to best_effort")
                    }
                    notEnforced += ruleset.unsupportedScopes
                }
                if mounts == nil && !ruleset.unexpressed.isEmpty {
                    guard profile.allowsBestEffort("filesystem") else {
                        throw SandboxError(.usage, "filesystem", "not enforceable by Landlock alone: " + ruleset.unexpressed[0],
                                           hint: "set namespaces.mount = true (rootless also namespaces.user), or add \"filesystem\" to best_effort")
                    }
                    notEnforced += ruleset.unexpressed
                }
                if mounts == nil { notes.append("filesystem view by Landlock alone: /dev, /proc and /sys are the host's") }
                landlock = ruleset
                enforcers.append("landlock")
            }
        }
        self.landlock = landlock
        if enforcers.isEmpty {
            guard profile.allowsBestEffort("filesystem") else {
                throw SandboxError(.usage, "filesystem", "nothing can enforce the view: no mount namespace and no Landlock",
                                   hint: "set namespaces.mount = true (rootless also namespaces.user), or filesystem.landlock = true on a kernel with Landlock")
            }
            notEnforced.append("filesystem (no mount namespace, no Landlock)")
        }
        self.enforcers = enforcers
        self.preparedMounts = preparedMounts
        self.preparedRules = try landlock.map { try LandlockRuleset.Prepared($0, inView: mounts != nil) }
        self.notEnforced = notEnforced
        self.notes = notes
    }

    /// Copies the prepared values into the child's plan (step_mounts refuses to run without CLONE_NEWNS
    /// among the clone flags or a mount namespace made ahead: NamespaceLaunch.fill sets those).
    func apply(to c: inout sbx_plan) {
        if let prepared = preparedMounts { c.view = UnsafePointer(prepared.view) }
        if let landlock, let prepared = preparedRules {
            c.landlock = 1
            c.landlock_fs = landlock.handledAccess
            c.landlock_scoped = landlock.scoped
            c.landlock_rule_count = Int32(prepared.count)
            c.landlock_rules = UnsafePointer(prepared.rules)
        }
    }

    /// One sentence for a failed mount op or Landlock rule: which op, on which path.
    func explain(_ failure: ChildFailure) -> SandboxError? {
        let reason = String(cString: strerror(failure.errno))
        switch UInt32(failure.step) {
        case SBX_STEP_MOUNTS.rawValue:
            guard let mounts else { return nil }
            if failure.detail >= 0, Int(failure.detail) < mounts.ops.count {
                let op = mounts.ops[Int(failure.detail)]
                let hint: String? = failure.errno == ELOOP ? "a symlink on the way to a mount target is never followed"
                    : failure.errno == EXDEV ? "the mount target moved while it was mounted on" : nil
                return SandboxError(.setup, "filesystem view: \(op)", reason, hint: hint)
            }
            return SandboxError(.setup, "filesystem view: the new root (staging at \(MountPlan.staging), pivot_root, working directory \(view.workdir))", reason,
                                hint: failure.errno == EPERM ? "mounting needs a mount namespace with CAP_SYS_ADMIN in it (rootless: namespaces.user)" : nil)
        case SBX_STEP_LANDLOCK.rawValue:
            guard let landlock, let prepared = preparedRules else { return nil }
            if failure.detail >= 0, Int(failure.detail) < prepared.paths.count {
                return SandboxError(.setup, "landlock_add_rule(\(prepared.paths[Int(failure.detail)]))", reason)
            }
            return SandboxError(.setup, "landlock (ABI \(landlock.abi))", reason)
        default:
            return nil
        }
    }
}

extension NamespacePlan {
    /// The uid and gid the command runs as, as seen inside its user namespace (the owner of an empty $HOME):
    /// the id switch's target, else what the caller maps to, else the caller.
    var commandOwner: (uid: UInt32, gid: UInt32) {
        if let ids = switchIds { return (ids.uid, ids.gid) }
        func inside(_ map: String?) -> UInt32? { map?.split(separator: " ").first.flatMap { UInt32($0) } }
        return (inside(uidMap) ?? geteuid(), inside(gidMap) ?? getegid())
    }
}
