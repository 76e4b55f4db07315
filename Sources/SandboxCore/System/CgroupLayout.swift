import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// How this host mounts cgroups, and where this process sits in each hierarchy, read the way systemd does
/// it: statfs(/sys/fs/cgroup) is cgroup2 on a unified host; a tmpfs there means cgroup v1 hierarchies in
/// its subdirectories, with cgroup2 at /sys/fs/cgroup/unified on a hybrid host. Where this process runs
/// comes from /proc/self/cgroup, per hierarchy: a run's cgroup is created beneath that, never beside it.
public struct CgroupLayout: Sendable, Equatable {
    public enum Mode: String, Sendable {
        /// cgroup2 at /sys/fs/cgroup, controllers there (every current distribution).
        case unified
        /// cgroup v1 controllers, cgroup2 at /sys/fs/cgroup/unified without controllers (systemd's hybrid).
        case hybrid
        /// cgroup v1 only.
        case legacy
    }

    /// One cgroup v1 hierarchy with a controller sandbox uses.
    public struct Hierarchy: Sendable, Equatable {
        /// Its controllers (`cpu`, `cpuacct` for a co-mounted `cpu,cpuacct`).
        public let controllers: [String]
        /// Where it is mounted (`/sys/fs/cgroup/memory`).
        public let mount: String
        /// This process's cgroup in it, from /proc/self/cgroup (`/process_api/b776…`).
        public let path: String

        /// The directory of this process's cgroup.
        public var directory: String { Self.join(mount, path) }

        static func join(_ mount: String, _ path: String) -> String { path == "/" ? mount : mount + path }
    }

    public let mode: Mode
    /// The cgroup2 mount, nil in legacy mode.
    public let unifiedMount: String?
    /// This process's cgroup2 path (the `0::` line).
    public let unifiedPath: String?
    /// The v1 hierarchies of `CgroupLayout.v1Controllers` that are mounted (none in unified mode).
    public let hierarchies: [Hierarchy]

    /// The v1 controllers whose limits and statistics sandbox uses.
    public static let v1Controllers = ["memory", "pids", "cpu", "cpuacct", "blkio"]
    /// The v2 controllers sandbox enables for a run's cgroup when it may.
    public static let v2Controllers = ["memory", "pids", "cpu", "io"]

    /// This process's cgroup2 directory.
    public var unifiedDirectory: String? {
        guard let unifiedMount, let unifiedPath else { return nil }
        return Hierarchy.join(unifiedMount, unifiedPath)
    }

    /// The v1 hierarchy holding `controller`.
    public func hierarchy(_ controller: String) -> Hierarchy? { hierarchies.first { $0.controllers.contains(controller) } }

    static let cgroup2Magic = 0x6367_7270   // CGROUP2_SUPER_MAGIC
    static let cgroup1Magic = 0x0027_e0eb   // CGROUP_SUPER_MAGIC
    static let tmpfsMagic = 0x0102_1994     // TMPFS_MAGIC

    /// The filesystem type at `path`, or nil when nothing is there.
    static func filesystemType(_ path: String) -> Int? {
        let type = sbx_fs_type(path)
        return type < 0 ? nil : Int(type)
    }

    /// Reads the host's layout; nil, with why, when there are no cgroups to use.
    static func detect(root: String = "/sys/fs/cgroup", procSelfCgroup: String = "/proc/self/cgroup") -> CgroupLayoutDetection {
        guard let text = try? FileIO.readText(procSelfCgroup) else {
            return .missing(("\(procSelfCgroup) is unreadable (no cgroup support in this kernel?)"))
        }
        let entries = parseProcCgroup(text)
        let unifiedPath = entries.first { $0.id == 0 && $0.controllers.isEmpty }?.path
        switch filesystemType(root) {
        case cgroup2Magic?:
            return .found(CgroupLayout(mode: .unified, unifiedMount: root, unifiedPath: unifiedPath ?? "/", hierarchies: []))
        case tmpfsMagic?:
            let unified = root + "/unified"
            let hasUnified = filesystemType(unified) == cgroup2Magic
            var hierarchies: [Hierarchy] = []
            for entry in entries where entry.id != 0 && entry.controllers.contains(where: v1Controllers.contains) {
                // systemd mounts co-mounted controllers at their joined name and links each name to it.
                let candidates = [commaJoined(entry.controllers)] + entry.controllers
                guard let mount = candidates.map({ root + "/" + $0 }).first(where: { filesystemType($0) == cgroup1Magic }) else { continue }
                hierarchies.append(Hierarchy(controllers: entry.controllers, mount: mount, path: entry.path))
            }
            if hierarchies.isEmpty && !hasUnified {
                return .missing(("no cgroup hierarchy is mounted under \(root)"))
            }
            return .found(CgroupLayout(mode: hasUnified ? .hybrid : .legacy, unifiedMount: hasUnified ? unified : nil,
                                         unifiedPath: hasUnified ? (unifiedPath ?? "/") : nil, hierarchies: hierarchies))
        default:
            return .missing(("\(root) is neither a cgroup2 mount nor a tmpfs of cgroup v1 hierarchies"))
        }
    }

    /// One line of /proc/self/cgroup: `ID:CONTROLLERS:PATH`; `0::PATH` is cgroup2, `N:name=systemd:PATH`
    /// a named hierarchy without controllers.
    struct ProcCgroupEntry: Equatable {
        let id: Int
        let controllers: [String]
        let path: String
    }

    /// `a,b`: a plain loop (Sequence.joined is generic enough to cost a protocol-conformance scan at its
    /// first call, a measurable part of a launch).
    static func commaJoined(_ names: [String]) -> String {
        var result = ""
        for (i, name) in names.enumerated() { result += i == 0 ? name : "," + name }
        return result
    }

    static func parseProcCgroup(_ text: String) -> [ProcCgroupEntry] {
        // One pass over the bytes (no Characters, no arrays of slices: a dozen lines, parsed on every run
        // with a cgroup, where the generic split cost more than the statfs calls beside it). The path may
        // contain ':', so only the first two separate fields.
        var text = text
        return text.withUTF8 { bytes -> [ProcCgroupEntry] in
            var entries: [ProcCgroupEntry] = []
            func string(_ from: Int, _ to: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self) }
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                defer { start = end + 1 }
                var first = start
                while first < end && bytes[first] != UInt8(ascii: ":") { first += 1 }
                var second = first + 1
                while second < end && bytes[second] != UInt8(ascii: ":") { second += 1 }
                guard second < end, first > start else { continue }
                var id = 0
                var digits = true
                for i in start..<first where digits {
                    let b = bytes[i]
                    if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") && id < Int.max / 10 - 9 { id = id * 10 + Int(b - UInt8(ascii: "0")) } else { digits = false }
                }
                guard digits else { continue }
                var controllers: [String] = []
                var from = first + 1
                while from < second {
                    var to = from
                    while to < second && bytes[to] != UInt8(ascii: ",") { to += 1 }
                    let named = to - from >= 5 && bytes[from] == UInt8(ascii: "n") && bytes[from + 1] == UInt8(ascii: "a")
                        && bytes[from + 2] == UInt8(ascii: "m") && bytes[from + 3] == UInt8(ascii: "e") && bytes[from + 4] == UInt8(ascii: "=")
                    if to > from && !named { controllers.append(string(from, to)) }
                    from = to + 1
                }
                if id != 0 && controllers.isEmpty { continue }
                entries.append(ProcCgroupEntry(id: id, controllers: controllers, path: string(second + 1, end)))
            }
            return entries
        }
    }
}

/// What `CgroupLayout.detect` found: the layout, or why there are no cgroups sandbox can use. (Not a
/// `Result`: a generic type's metadata is instantiated at run time, at a cost a launch notices.)
public enum CgroupLayoutDetection: Sendable {
    case found(CgroupLayout)
    case missing(String)

    public var layout: CgroupLayout? {
        if case .found(let layout) = self { return layout }
        return nil
    }

    public var reason: String? {
        if case .missing(let reason) = self { return reason }
        return nil
    }
}
