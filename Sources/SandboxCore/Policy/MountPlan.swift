import CSandboxSpawn
#if canImport(Glibc)
import Glibc
#endif

/// The mount-namespace enforcer of a `FilesystemView`: a flat list of prepared `sbx_mount_op`s that
/// `step_mounts` (spawn_mounts.c) runs in one loop, bubblewrap's `setup_newroot` shape. Every string and
/// flag is made here, in the parent; the child only makes the system calls.
///
/// The new root is the host's root copied with every submount, nosuid and nodev (and read-only) on each,
/// then, in order: `/sys` read-only with Docker's masked paths, a minimal `/dev`, the view's entries (parents
/// first), and last `/proc` (fresh with a PID namespace, else the host's bound) with Docker's masked and
/// read-only paths and any entry beneath it.
public final class MountPlan {
    /// Docker's masked paths (moby `oci/defaults.go`): kernel memory, keys, timers and hardware details
    /// that a container has no business reading. Directories and files get the staging root's empty one, bound read-only.
    static let maskedPaths = ["/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                              "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                              "/sys/devices/virtual/powercap"]
    /// Docker's read-only paths: writing there reconfigures the host's kernel.
    static let readOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    /// The device nodes bound from the host into the minimal `/dev`.
    static let devices = ["null", "zero", "full", "random", "urandom", "tty"]

    static let rdonly = UInt64(MOUNT_ATTR_RDONLY), nosuid = UInt64(MOUNT_ATTR_NOSUID), nodev = UInt64(MOUNT_ATTR_NODEV),
               noexec = UInt64(MOUNT_ATTR_NOEXEC)

    /// One op as Swift values, before it is laid out for C (kept for the unit tests and `description`).
    public struct Op: Equatable, CustomStringConvertible {
        public var kind: sbx_mount_kind
        public var target: String
        public var source: String? = nil
        public var name: String? = nil
        public var options: [(String, String)] = []
        public var attrSet: UInt64 = 0
        public var attrClear: UInt64 = 0
        public var mode: UInt32 = 0
        public var optional = false
        public var recursive = false
        /// The target lies in a file system an earlier op mounted fresh (`inFresh(_:)`).
        public var inFresh = false

        public static func == (a: Op, b: Op) -> Bool { a.description == b.description }

        public var description: String {
            let kinds: [UInt32: String] = [SBX_MNT_BIND.rawValue: "bind", SBX_MNT_REBIND.rawValue: "rebind", SBX_MNT_FS.rawValue: "fs",
                                           SBX_MNT_MKDIR.rawValue: "mkdir", SBX_MNT_MKFILE.rawValue: "mkfile",
                                           SBX_MNT_SYMLINK.rawValue: "symlink", SBX_MNT_SETATTR.rawValue: "setattr"]
            var words = [kinds[kind.rawValue] ?? "?", "/" + target + (name.map { (target.isEmpty ? "" : "/") + $0 } ?? "")]
            if let source { words.append("from " + source) }
            if !options.isEmpty { words.append(options.map { "\($0.0)=\($0.1)" }.joined(separator: ",")) }
            let attrs = [(MountPlan.rdonly, "ro"), (MountPlan.nosuid, "nosuid"), (MountPlan.nodev, "nodev"), (MountPlan.noexec, "noexec")]
            let set = attrs.filter { attrSet & $0.0 != 0 }.map(\.1), clear = attrs.filter { attrClear & $0.0 != 0 }.map { "-" + $0.1 }
            if !(set + clear).isEmpty { words.append((set + clear).joined(separator: ",")) }
            if mode != 0 { words.append("mode " + String(mode, radix: 8)) }
            if recursive { words.append("recursive") }
            if optional { words.append("optional") }
            if inFresh { words.append("in-fresh") }
            return words.joined(separator: " ")
        }
    }

    public let ops: [Op]
    /// The first op that needs the child's PID namespace (its fresh `/proc` and what lies in it); `ops.count`
    /// when none does.
    public let childFirst: Int
    public let rootAttributes: UInt64
    /// The working directory the child changes to inside the view.
    public let workdir: String
    /// The view's fresh tmpfs mounts (`filesystem.tmpfs`, an empty `$HOME`): file systems the command's
    /// tree gets that did not exist when the launch was prepared.
    public let freshMounts: [String]

    /// The old root's path in the staging root, where bind sources are found.
    static let oldRoot = "/oldroot"
    /// The staging root's empty file and empty directory (spawn_mounts.c makes them), which hidden and
    /// masked paths are bound to, read-only: one inode each for every such path, and no file system of their
    /// own (a tmpfs per directory cost ~15 µs more to mount and to tear down, measured on the 2-core VM).
    static let emptyFile = "/empty", emptyDirectory = "/emptydir"
    /// Where the staging tmpfs goes (in the child's mount namespace only), as bubblewrap does (spawn_mounts.c).
    public static let staging = SBX_VIEW_STAGING

    public init(_ view: FilesystemView, pidNamespace: Bool, networkNamespace: Bool = false) {
        var ops: [Op] = []
        let (ro, nosuid, nodev, noexec) = (Self.rdonly, Self.nosuid, Self.nodev, Self.noexec)
        func relative(_ path: String) -> String { String(path.drop { $0 == "/" }) }
        func split(_ path: String) -> (parent: String, name: String) {
            let parts = path.split(separator: "/")
            return (parts.dropLast().joined(separator: "/"), String(parts.last ?? ""))
        }
        func tmpfs(_ target: String, options: [(String, String)], attributes: UInt64, optional: Bool = false) -> Op {
            Op(kind: SBX_MNT_FS, target: target, source: "tmpfs", options: options, attrSet: attributes, optional: optional)
        }

        // /proc: a fresh one shows only the command's PID namespace; without one, the host's is the only
        // procfs the kernel lets us mount (a new procfs needs a PID namespace owned by our user namespace).
        let system = nosuid | nodev | noexec
        if pidNamespace {
            ops.append(Op(kind: SBX_MNT_FS, target: "proc", source: "proc", attrSet: system))
        } else {
            ops.append(Op(kind: SBX_MNT_BIND, target: "proc", source: Self.oldRoot + "/proc", attrSet: system, recursive: true))
        }
        // /sys: with a network namespace of its own, a fresh sysfs, read-only, so that /sys/class/net lists
        // the namespace's interfaces (only lo) and not the host's; the host's cgroup tree is bound back into
        // it read-only (runtimes read their limits there). Without one, the host's, read-only.
        if networkNamespace {
            ops.append(Op(kind: SBX_MNT_FS, target: "sys", source: "sysfs", attrSet: ro | system))
            ops.append(Op(kind: SBX_MNT_BIND, target: "sys/fs/cgroup", source: Self.oldRoot + "/sys/fs/cgroup", attrSet: ro | system,
                          optional: true, recursive: true))
        }
        // Masked after /proc is up and before anything runs in it; optional, as kernels differ in which exist.
        // sysfs's are kobject directories wherever they exist, and not looked up here: a lookup in sysfs can
        // wait on the kernfs lock while a network namespace is made (ours, on the thread) or torn down.
        for path in Self.maskedPaths {
            let inSysfs = path.hasPrefix("/sys/")
            var st = stat()
            if !inSysfs && stat(path, &st) != 0 { continue }
            let directory = inSysfs || (st.st_mode & S_IFMT) == S_IFDIR
            ops.append(Op(kind: SBX_MNT_BIND, target: relative(path), source: directory ? Self.emptyDirectory : Self.emptyFile,
                          attrSet: ro | system, optional: true))
        }
        for path in Self.readOnlyPaths {
            ops.append(Op(kind: SBX_MNT_REBIND, target: relative(path), attrSet: ro | system, optional: true, recursive: true))
        }
        if !networkNamespace, view.rootWritable {
            // /sys read-only even under a writable root (it is already with a read-only one).
            ops.append(Op(kind: SBX_MNT_REBIND, target: "sys", attrSet: ro | system, optional: true, recursive: true))
        }

        // A minimal /dev: the harmless nodes bound from the host, a private devpts (its own ptmx, so the
        // host's terminals are not listed), shm, and the fd links.
        ops.append(tmpfs("dev", options: [("mode", "0755"), ("size", "65536")], attributes: nosuid | noexec))
        for device in Self.devices {
            ops.append(Op(kind: SBX_MNT_MKFILE, target: "dev", name: device, mode: 0o666))
            ops.append(Op(kind: SBX_MNT_BIND, target: "dev/" + device, source: Self.oldRoot + "/dev/" + device, attrSet: nosuid | noexec))
        }
        ops.append(Op(kind: SBX_MNT_MKDIR, target: "dev", name: "pts", mode: 0o755))
        // Every devpts mounted through fsopen is a new instance. No gid=5 (tty): in a user namespace that
        // group is usually unmapped and the mount would fail.
        ops.append(Op(kind: SBX_MNT_FS, target: "dev/pts", source: "devpts", options: [("ptmxmode", "0666"), ("mode", "0620")],
                      attrSet: nosuid | noexec))
        ops.append(Op(kind: SBX_MNT_SYMLINK, target: "dev", source: "pts/ptmx", name: "ptmx"))
        ops.append(Op(kind: SBX_MNT_MKDIR, target: "dev", name: "shm", mode: 0o755))
        ops.append(tmpfs("dev/shm", options: [("mode", "1777")], attributes: system))
        for (name, link) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            ops.append(Op(kind: SBX_MNT_SYMLINK, target: "dev", source: link, name: name))
        }

        // The view's entries, parents first. Read-only directories that hide something are sealed at the
        // end, once what is mounted beneath them has its mount point.
        var seal: [Op] = []
        var created = Set<String>()
        for entry in view.entries {
            let exec = entry.executable ? 0 : noexec
            if let fresh = entry.beneathFresh {
                // Mount points inside a fresh tmpfs: every missing parent, then the point itself.
                var path = fresh
                let rest = entry.path.dropFirst(fresh.count).split(separator: "/")
                for (i, component) in rest.enumerated() {
                    let parent = path
                    path += (path == "/" ? "" : "/") + component
                    guard created.insert(path).inserted else { continue }
                    let isLast = i == rest.count - 1
                    let fileLike: Bool = {
                        switch entry.kind {
                        case .bind(_, _, let directory): return !directory
                        case .hiddenFile: return true
                        default: return false
                        }
                    }()
                    ops.append(Op(kind: isLast && fileLike ? SBX_MNT_MKFILE : SBX_MNT_MKDIR, target: relative(parent),
                                  name: String(component), mode: isLast && fileLike ? 0o644 : 0o755))
                }
            }
            let target = relative(entry.path)
            switch entry.kind {
            case .bind(let source, let writable, _):
                ops.append(Op(kind: SBX_MNT_BIND, target: target, source: Self.oldRoot + (source == "/" ? "" : source),
                              attrSet: nosuid | nodev | (writable ? 0 : ro) | exec, recursive: true))
            case .tmpfs(let size, let mode, let owner):
                var options = [("mode", Self.octal(mode))]
                if let size { options.append(("size", String(size))) }
                if let owner { options += [("uid", String(owner.uid)), ("gid", String(owner.gid))] }
                ops.append(tmpfs(target, options: options, attributes: nosuid | nodev | exec))
            case .hiddenDirectory where view.entries.contains(where: { $0.beneathFresh == entry.path }):
                // Mount points beneath it: a tmpfs of its own, where they are made, sealed read-only once used.
                ops.append(tmpfs(target, options: [("mode", "0755"), ("size", "4096")], attributes: nosuid | nodev | noexec))
                seal.append(Op(kind: SBX_MNT_SETATTR, target: target, attrSet: ro))
            case .hiddenDirectory:
                ops.append(Op(kind: SBX_MNT_BIND, target: target, source: Self.emptyDirectory, attrSet: ro | nosuid | nodev | noexec))
            case .hiddenFile:
                ops.append(Op(kind: SBX_MNT_BIND, target: target, source: Self.emptyFile, attrSet: ro | nosuid | nodev | noexec))
            case .executable:
                // Only the top mount: submounts keep theirs (a locked noexec one could not be cleared).
                ops.append(Op(kind: SBX_MNT_REBIND, target: target, attrClear: noexec))
            }
        }
        // /proc and what lies in it last: with a PID namespace only the child can mount that /proc, so when
        // the supervisor builds the view ahead, the child runs these ops itself after joining it.
        let all = ops + seal
        func inProc(_ op: Op) -> Bool { op.target == "proc" || op.target.hasPrefix("proc/") }
        let base = all.filter { !inProc($0) }
        self.ops = Self.markingInFresh(base + all.filter(inProc))
        self.childFirst = pidNamespace ? base.count : all.count
        self.rootAttributes = nosuid | nodev | (view.rootWritable ? 0 : ro) | (view.rootExecutable ? 0 : noexec)
        self.workdir = view.workdir
        self.freshMounts = view.entries.compactMap { if case .tmpfs = $0.kind { return $0.path } else { return nil } }
    }

    /// Marks each op whose target lies in a file system an earlier op mounted fresh: the deepest earlier
    /// mount at one of its parent directories is an `SBX_MNT_FS` op (a bind brings in host content, which a
    /// host process could rename under us). Nobody outside the view's namespace reaches such a file system
    /// and nothing runs inside it yet, so the child skips its re-check after mounting there.
    static func markingInFresh(_ ops: [Op]) -> [Op] {
        var mounted: [Substring: Bool] = [:]
        var marked = ops
        for i in marked.indices {
            let target = Substring(marked[i].target)
            var end = target.endIndex
            while let slash = target[..<end].lastIndex(of: "/") {
                if let fresh = mounted[target[..<slash]] {
                    marked[i].inFresh = fresh
                    break
                }
                end = slash
            }
            let kind = marked[i].kind
            if kind == SBX_MNT_FS || kind == SBX_MNT_BIND { mounted[target] = kind == SBX_MNT_FS }
        }
        return marked
    }

    /// `mode` in octal digits. Not `String(_:radix:)`: that generic initializer costs a fresh process a
    /// witness-table lookup (about 50 microseconds) on every launch with a view.
    static func octal(_ mode: UInt32) -> String {
        var digits: [UInt8] = []
        var rest = mode
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest & 7))
            rest >>= 3
        } while rest != 0
        digits.reverse()
        // From an Array: a lazy reversed view would send String(decoding:) through a dynamic cast.
        return String(decoding: digits, as: UTF8.self)
    }

    // MARK: - C layout

    /// The ops laid out for `sbx_plan`: the strings and the array live as long as this object.
    public final class Prepared {
        /// What `sbx_plan.view` points to.
        let view: UnsafeMutablePointer<sbx_view>
        let ops: UnsafeMutablePointer<sbx_mount_op>
        let count: Int
        let workdir: UnsafeMutablePointer<CChar>
        private var strings: [UnsafeMutableRawPointer] = []

        init(_ plan: MountPlan) {
            count = plan.ops.count
            ops = .allocate(capacity: max(count, 1))
            workdir = strdup(plan.workdir)!
            view = .allocate(capacity: 1)
            view.initialize(to: sbx_view(root_attr: plan.rootAttributes, op_count: Int32(count),
                                         ops: UnsafePointer(ops), child_first: Int32(plan.childFirst), workdir: workdir))
            func keep(_ s: String?) -> UnsafePointer<CChar>? {
                guard let s, let p = strdup(s) else { return nil }
                strings.append(UnsafeMutableRawPointer(p))
                return UnsafePointer(p)
            }
            for (i, op) in plan.ops.enumerated() {
                var c = sbx_mount_op()
                c.kind = Int32(op.kind.rawValue)
                c.flags = (op.optional ? Int32(SBX_MNT_OPTIONAL.rawValue) : 0) | (op.recursive ? Int32(SBX_MNT_RECURSIVE.rawValue) : 0)
                    | (op.inFresh ? Int32(SBX_MNT_IN_FRESH.rawValue) : 0)
                c.source = keep(op.source)
                c.target = keep(op.target)
                c.name = keep(op.name)
                if !op.options.isEmpty {
                    // "key\0value\0key\0value\0\0"
                    var bytes: [UInt8] = []
                    for (key, value) in op.options { bytes += Array(key.utf8) + [0] + Array(value.utf8) + [0] }
                    bytes.append(0)
                    let p = malloc(bytes.count)!.assumingMemoryBound(to: CChar.self)
                    for (j, b) in bytes.enumerated() { p[j] = CChar(bitPattern: b) }
                    strings.append(UnsafeMutableRawPointer(p))
                    c.options = UnsafePointer(p)
                }
                c.attr_set = op.attrSet
                c.attr_clr = op.attrClear
                c.mode = op.mode
                ops[i] = c
            }
        }

        deinit {
            for p in strings { free(p) }
            view.deallocate()
            ops.deallocate()
            free(workdir)
        }
    }
}
