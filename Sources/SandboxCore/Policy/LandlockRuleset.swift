import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// The Landlock enforcer of a `FilesystemView`: path-beneath rules with the rights each part of the view
/// grants, masked to what the kernel's ABI knows (the kernel documentation's best-effort pattern) and to
/// what an inode of that type can take (a rule on a file may only hold file rights).
///
/// Landlock only ever adds rights beneath a rule: it cannot take a right away beneath a place that grants
/// it, so hiding a path or making it read-only beneath a writable one, a fresh tmpfs, an empty `$HOME` and
/// a bind to another place are not expressible. Those are `unexpressed`; with a mount namespace they are
/// the mounts' job, without one they are "not enforced" (or an error).
public struct LandlockRuleset {
    // LANDLOCK_ACCESS_FS_* (the installed <linux/landlock.h> may be older than the running kernel).
    public static let execute: UInt64 = 1 << 0, writeFile: UInt64 = 1 << 1, readFile: UInt64 = 1 << 2, readDir: UInt64 = 1 << 3,
                      removeDir: UInt64 = 1 << 4, removeFile: UInt64 = 1 << 5, makeChar: UInt64 = 1 << 6, makeDir: UInt64 = 1 << 7,
                      makeReg: UInt64 = 1 << 8, makeSock: UInt64 = 1 << 9, makeFifo: UInt64 = 1 << 10, makeBlock: UInt64 = 1 << 11,
                      makeSym: UInt64 = 1 << 12, refer: UInt64 = 1 << 13, truncate: UInt64 = 1 << 14, ioctlDev: UInt64 = 1 << 15

    /// The rights a rule on a file (not a directory) may hold.
    static let fileRights = execute | writeFile | readFile | truncate | ioctlDev
    static let read = readFile | readDir
    static let write = read | writeFile | removeDir | removeFile | makeDir | makeReg | makeSock | makeFifo | makeSym | refer
        | truncate | ioctlDev
    static let device = readFile | writeFile | truncate | ioctlDev

    /// The file-system rights ABI `abi` handles: ABI 1 the first thirteen, 2 adds REFER, 3 TRUNCATE, 5
    /// IOCTL_DEV. Rights it does not know are left out, so the ruleset means the same on every kernel,
    /// only less of it on older ones.
    public static func handled(abi: Int) -> UInt64 {
        guard abi >= 1 else { return 0 }
        var rights: UInt64 = (1 << 13) - 1
        if abi >= 2 { rights |= refer }
        if abi >= 3 { rights |= truncate }
        if abi >= 5 { rights |= ioctlDev }
        return rights
    }

    public struct Rule: Equatable {
        public let path: String
        public let access: UInt64
        public let optional: Bool
    }

    public let handledAccess: UInt64
    public let scoped: UInt64
    public let rules: [Rule]
    /// What Landlock alone cannot express, each a "not enforced" sentence ("filesystem.hide /root (…)").
    public let unexpressed: [String]
    /// Scopes asked for that this kernel's ABI lacks.
    public let unsupportedScopes: [String]
    public let abi: Int

    /// `inView`: the rules name paths of the mount namespace's view (opened by the child after the mounts);
    /// otherwise the host's paths (opened here, by the parent).
    public init(_ view: FilesystemView, scopes: [String], abi: Int, inView: Bool) {
        let handled = Self.handled(abi: abi)
        var rules: [Rule] = []
        var unexpressed: [String] = []
        func add(_ path: String, _ rights: UInt64, directory: Bool = true, optional: Bool = false) {
            let masked = rights & handled & (directory ? ~0 : Self.fileRights)
            if masked != 0 { rules.append(Rule(path: path, access: masked, optional: optional)) }
        }
        func exec(_ yes: Bool) -> UInt64 { yes ? Self.execute : 0 }
        let beneathMount = "Landlock cannot take rights away beneath an allowed path"
        let needsMount = "needs a mount namespace (namespaces.mount)"

        add("/", (view.rootWritable ? Self.write : Self.read) | exec(view.rootExecutable))
        // Writable places, by path, for "read-only beneath writable" below.
        var writable: [String] = view.rootWritable ? ["/"] : []
        for entry in view.entries {
            let path = entry.path
            switch entry.kind {
            case .bind(let source, let isWritable, let directory):
                if !inView && source != path {
                    unexpressed.append("\(entry.key) \(source):\(path) (binding elsewhere \(needsMount))")
                    continue
                }
                if !inView && !isWritable, let above = writable.first(where: { FilesystemView.isBeneath(path, $0) }) {
                    unexpressed.append("\(entry.key) \(path) (read-only beneath the writable \(above): \(beneathMount))")
                    continue
                }
                add(path, (isWritable ? Self.write : Self.read) | exec(entry.executable), directory: directory)
                if isWritable { writable.append(path) }
            case .tmpfs:
                if inView {
                    add(path, Self.write | exec(entry.executable))
                } else {
                    // Best effort without a mount namespace: the host's directory, writable.
                    unexpressed.append("\(entry.key) \(path) (a fresh tmpfs \(needsMount); the host's \(path) is used, read-write)")
                    add(path, Self.write | exec(entry.executable), optional: true)
                }
            case .hiddenDirectory, .hiddenFile:
                // With the mounts it is an empty read-only tmpfs or file and needs no rule of its own.
                if !inView { unexpressed.append("\(entry.key) \(path) (hiding beneath a visible path: \(beneathMount))") }
            case .executable:
                add(path, Self.read | Self.execute)
            }
        }
        // What every program needs to write: the harmless devices, terminals, shared memory, and its own /proc.
        for device in MountPlan.devices { add("/dev/" + device, Self.device, directory: false, optional: true) }
        add("/dev/pts", Self.device | Self.readDir, optional: true)
        add("/dev/ptmx", Self.device, directory: false, optional: true)
        add("/dev/shm", Self.write, optional: true)
        add("/proc", Self.read | Self.writeFile | Self.truncate)

        var scoped: UInt64 = 0
        var unsupportedScopes: [String] = []
        for name in scopes {
            guard let bit = FilesystemSettings.scopes.first(where: { $0.name == name })?.bit else { continue }
            if abi >= 6 { scoped |= bit } else { unsupportedScopes.append("filesystem.landlock_scope \(name) (needs Landlock ABI 6, Linux 6.12; this kernel has \(abi))") }
        }
        self.handledAccess = handled
        self.scoped = scoped
        self.rules = rules
        self.unexpressed = unexpressed
        self.unsupportedScopes = unsupportedScopes
        self.abi = abi
    }

    // MARK: - C layout

    /// The rules laid out for `sbx_plan`. Host paths are opened here (O_PATH); a path that is missing is
    /// left out when optional. The fds are close-on-exec and closed when this object goes away.
    public final class Prepared {
        let rules: UnsafeMutablePointer<sbx_landlock_rule>
        private(set) var count = 0
        /// The path of each rule laid out (optional ones that were missing are left out).
        private(set) var paths: [String] = []
        private var fds: [Int32] = []
        private var strings: [UnsafeMutablePointer<CChar>] = []
        /// O_PATH (Glibc does not export it without _GNU_SOURCE): the same value on every Linux ABI Swift runs on.
        static let oPath: Int32 = 0o10000000

        init(_ ruleset: LandlockRuleset, inView: Bool) throws {
            rules = .allocate(capacity: max(ruleset.rules.count, 1))
            for rule in ruleset.rules {
                var c = sbx_landlock_rule()
                c.access = rule.access
                c.optional = rule.optional ? 1 : 0
                c.fd = -1
                if inView {
                    let p = strdup(rule.path)!
                    strings.append(p)
                    c.path = UnsafePointer(p)
                } else {
                    let fd = open(rule.path, Self.oPath | O_CLOEXEC)
                    if fd < 0 {
                        if rule.optional && errno == ENOENT { continue }
                        let e = errno
                        release()
                        throw SandboxError.system("open(\(rule.path), O_PATH) for a Landlock rule", errno: e)
                    }
                    fds.append(fd)
                    c.fd = fd
                }
                rules[count] = c
                paths.append(rule.path)
                count += 1
            }
        }

        private func release() {
            for fd in fds { close(fd) }
            fds = []
        }

        deinit {
            release()
            for p in strings { free(p) }
            rules.deallocate()
        }
    }
}
