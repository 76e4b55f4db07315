#if canImport(Glibc)
import Glibc
#endif

/// `[filesystem]` resolved against the host, in the parent: `~` expanded, sources made canonical, globs
/// expanded, conflicts found, the entries ordered parents first. Both enforcers read this one model:
/// `MountPlan` (a mount namespace) and `LandlockRuleset` (Landlock).
///
/// Destinations are not made canonical: a destination that passes through a symlink is an error here,
/// and the child, which opens each target without following symlinks, fails closed should one appear
/// between this check and the mount (the symlink-exchange races of runc CVE-2021-30465 and CVE-2025-31133).
public struct FilesystemView: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A host path (canonical) bound at `path`.
        case bind(source: String, writable: Bool, directory: Bool)
        /// A fresh tmpfs; `owner` (the command's uid and gid as the child sees them) for `$HOME`.
        case tmpfs(size: UInt64?, mode: UInt32, owner: (uid: UInt32, gid: UInt32)?)
        /// Appears as an empty read-only directory.
        case hiddenDirectory
        /// Appears as an empty read-only file.
        case hiddenFile
        /// What is already at `path`, made executable again beneath a part of the view that is not.
        case executable

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case let (.bind(s1, w1, d1), .bind(s2, w2, d2)): return s1 == s2 && w1 == w2 && d1 == d2
            case let (.tmpfs(s1, m1, o1), .tmpfs(s2, m2, o2)): return s1 == s2 && m1 == m2 && o1?.uid == o2?.uid && o1?.gid == o2?.gid
            case (.hiddenDirectory, .hiddenDirectory), (.hiddenFile, .hiddenFile), (.executable, .executable): return true
            default: return false
            }
        }

        /// A fresh, empty file system: what lies beneath it in the view must be created there.
        var isFresh: Bool {
            switch self {
            case .tmpfs, .hiddenDirectory: return true
            default: return false
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        /// Where in the view (absolute, normalized).
        public let path: String
        public let kind: Kind
        /// The key it came from, for messages (`filesystem.hide`).
        public let key: String
        /// Programs may be executed from it.
        public var executable: Bool = true
        /// The fresh mount (tmpfs or hidden directory) it lies beneath, if any: its missing parents (and the
        /// mount point itself) are created there by the child.
        public var beneathFresh: String?
    }

    public let rootWritable: Bool
    /// Programs may be executed from the root's tree (where no entry says otherwise).
    public let rootExecutable: Bool
    /// Parents first (by depth, then in the order the profile names them).
    public let entries: [Entry]
    /// The canonical working directory, where the command starts.
    public let workdir: String
    public let home: String?
    /// Facts worth a line in the report (not failures): `$HOME` missing, a hidden path absent.
    public let notes: [String]

    /// Resolves `settings`. `workdir` is the command's working directory, `home` its `$HOME`, `owner` the
    /// uid and gid the command runs as, as seen inside its namespaces.
    /// `alsoHidden`: directories hidden whatever the profile says (the mount-namespace view hides the
    /// user's control sockets), skipped when the view already covers them. `listings`: the directories
    /// that globs list, kept between runs (nil: each is read).
    public init(_ settings: FilesystemSettings, workdir: String, home: String?, owner: (uid: UInt32, gid: UInt32),
                alsoHidden: [String] = [], listings: ListingCache? = nil) throws {
        var notes: [String] = []
        let canonicalHome = home.flatMap { Self.realpath($0) }
        let workdir = Self.realpath(workdir) ?? workdir
        self.workdir = workdir
        self.home = canonicalHome

        func expand(_ path: String, key: String) throws -> String {
            guard path == "~" || path.hasPrefix("~/") else { return Self.normalize(path) }
            guard let canonicalHome else {
                throw SandboxError(.usage, key, "'\(path)' names $HOME, which is not set or does not exist")
            }
            return Self.normalize(canonicalHome + path.dropFirst())
        }
        func source(_ path: String, key: String) throws -> (String, Bool) {
            let expanded = try expand(path, key: key)
            guard let real = Self.realpath(expanded) else {
                throw SandboxError(.usage, key, "\(expanded): \(String(cString: strerror(errno)))", hint: "a bind source must exist on the host")
            }
            var st = stat()
            stat(real, &st)
            return (real, (st.st_mode & S_IFMT) == S_IFDIR)
        }

        var rootWritable = !settings.rootReadOnly
        var entries: [Entry] = []
        func add(_ entry: Entry) throws {
            if let i = entries.firstIndex(where: { $0.path == entry.path }) {
                let other = entries[i]
                // $HOME replaces a hide of the same path (a profile hides /root; root's $HOME is /root).
                if other.key == "filesystem.hide" && entry.key == "filesystem.home" { entries[i] = entry; return }
                if other.key == "filesystem.home" && entry.key == "filesystem.hide" { return }
                if other.kind == entry.kind { return }
                throw SandboxError(.usage, entry.key, "\(entry.path) is also in \(other.key)",
                                   hint: entry.key == "filesystem.workdir_writable" ? "run from a directory other than \(entry.path)" : "name each path once")
            }
            entries.append(entry)
        }
        for (specs, writable, key) in [(settings.readOnly, false, "filesystem.read_only"), (settings.readWrite, true, "filesystem.read_write")] {
            for spec in specs {
                let (src, dst) = FilesystemSettings.splitBind(spec)
                let (real, directory) = try source(src, key: key)
                // PATH alone names what is there, symlink or not; an explicit DESTINATION is taken as written.
                let destination = spec.contains(":") ? try expand(dst, key: key) : real
                if destination == "/" {
                    guard real == "/" else { throw SandboxError(.usage, key, "'\(spec)': only / can be bound at /") }
                    rootWritable = writable
                    continue
                }
                try add(Entry(path: destination, kind: .bind(source: real, writable: writable, directory: directory), key: key))
            }
        }
        for spec in settings.tmpfs {
            let (path, size) = FilesystemSettings.splitTmpfs(spec)
            let destination = try expand(path, key: "filesystem.tmpfs")
            guard destination != "/" else { throw SandboxError(.usage, "filesystem.tmpfs", "the root cannot be a tmpfs") }
            try add(Entry(path: destination, kind: .tmpfs(size: size, mode: 0o1777, owner: nil), key: "filesystem.tmpfs"))
        }
        var listing = Listing()
        for pattern in settings.hide {
            let expanded = try expand(pattern, key: "filesystem.hide")
            let matches = Self.glob(expanded, listing: &listing, listings: listings)
            if matches.isEmpty && !Self.isGlob(expanded) { notes.append("filesystem.hide: \(expanded) does not exist; nothing to hide") }
            for match in matches {
                guard let real = Self.realpath(match), real != "/" else { continue }
                var st = stat()
                guard stat(real, &st) == 0 else { continue }
                try add(Entry(path: real, kind: (st.st_mode & S_IFMT) == S_IFDIR ? .hiddenDirectory : .hiddenFile, key: "filesystem.hide"))
            }
        }
        for path in alsoHidden {
            guard let real = Self.realpath(path), !entries.contains(where: { $0.path == real || ($0.kind.isFresh && Self.isBeneath(real, $0.path)) })
            else { continue }
            try add(Entry(path: real, kind: .hiddenDirectory, key: "filesystem.hide"))
        }
        if settings.emptyHome {
            if let canonicalHome, canonicalHome != "/" {
                try add(Entry(path: canonicalHome, kind: .tmpfs(size: nil, mode: 0o700, owner: owner), key: "filesystem.home"))
            } else {
                notes.append("filesystem.home: $HOME (\(home ?? "unset")) " + (home == nil ? "is not set" : "does not exist") + "; nothing to replace")
            }
        }
        if settings.workdirWritable {
            if workdir == "/" {
                rootWritable = true
            } else {
                try add(Entry(path: workdir, kind: .bind(source: workdir, writable: true, directory: true), key: "filesystem.workdir_writable"))
            }
        }

        // Parents first: a mount point must exist before something is mounted beneath it. Stable, so the
        // profile's order decides among equals.
        let depths = entries.map { Self.depth($0.path) }
        entries = entries.indices.sorted { a, b in depths[a] != depths[b] ? depths[a] < depths[b] : a < b }.map { entries[$0] }

        // Executable paths: everywhere when the profile names none.
        let executables = try settings.executable.map { try $0.map { try expand($0, key: "filesystem.executable") } }
        func isExecutable(_ path: String) -> Bool { executables.map { $0.contains { Self.isBeneath(path, $0) } } ?? true }
        self.rootExecutable = isExecutable("/")
        // Where each mount point is: in a fresh mount (the child makes it) only when the nearest entry above
        // is one; beneath a bind it is in that bind's source, on the host.
        func enclosing(_ path: String, before end: Int) -> Entry? {
            entries[..<end].last { $0.path != path && Self.isBeneath(path, $0.path) }
        }
        // Where each entry's mount point is on the host, by entry index (nil: its own path).
        var hostPaths = [String?](repeating: nil, count: entries.count)
        for i in entries.indices {
            entries[i].executable = isExecutable(entries[i].path)
            let path = entries[i].path
            guard let above = enclosing(path, before: i) else { continue }
            if above.kind.isFresh {
                entries[i].beneathFresh = above.path
            } else if case .bind(let source, _, _) = above.kind {
                hostPaths[i] = source + path.dropFirst(above.path.count)
            }
        }
        for path in executables ?? [] where path != "/" && !entries.contains(where: { $0.path == path }) {
            // Beneath a part of the view that is not executable: that part's mount gets an executable copy here.
            let above = entries.last { Self.isBeneath(path, $0.path) }
            if !(above?.executable ?? rootExecutable) {
                var entry = Entry(path: path, kind: .executable, key: "filesystem.executable")
                if let above, above.kind.isFresh { entry.beneathFresh = above.path }
                var host: String?
                if case .bind(let source, _, _)? = above?.kind { host = source + path.dropFirst(above!.path.count) }
                entries.append(entry)
                hostPaths.append(host)
            }
        }

        // A destination must be on the host (or beneath a fresh mount, where the child creates it), and
        // reached without a symlink.
        for (entry, hostPath) in zip(entries, hostPaths) where entry.beneathFresh == nil {
            let host = hostPath ?? entry.path
            if let link = Self.symlinkComponent(of: host) {
                throw SandboxError(.usage, entry.key, "\(entry.path) passes through the symlink \(link)",
                                   hint: "write the real path (\(Self.realpath(host) ?? "it does not resolve")); mount targets are never reached through symlinks")
            }
            var st = stat()
            guard lstat(host, &st) == 0 else {
                throw SandboxError(.usage, entry.key, "\(entry.path) does not exist on the host",
                                   hint: "a destination must exist, or lie beneath a filesystem.tmpfs or filesystem.hide directory")
            }
            if case .bind(_, _, let directory) = entry.kind, directory != ((st.st_mode & S_IFMT) == S_IFDIR) {
                throw SandboxError(.usage, entry.key, "\(entry.path): " + (directory ? "a directory cannot be bound onto a file" : "a file cannot be bound onto a directory"))
            }
        }
        self.rootWritable = rootWritable
        self.entries = entries
        self.notes = notes
        let cover = entries.last { Self.isBeneath(workdir, $0.path) && $0.kind != .executable }
        self.workdirHiddenBy = cover.flatMap { $0.kind.isFresh || $0.kind == .hiddenFile ? $0 : nil }
    }

    /// The fresh or hidden entry the working directory lies beneath (with nothing binding it back), so that
    /// with the mounts it would not exist in the view.
    public let workdirHiddenBy: Entry?

    // MARK: - Paths

    /// Collapses repeated and trailing slashes (`.` and `..` were rejected when the profile was read).
    /// Byte by byte: it runs for every path of the view on every launch, and the generic
    /// `split`/`joined` pair costs a fresh process a witness-table lookup of about 0.1 ms.
    static func normalize(_ path: String) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "/")]
        bytes.reserveCapacity(path.utf8.count + 1)
        for byte in path.utf8 where !(byte == UInt8(ascii: "/") && bytes.last == UInt8(ascii: "/")) {
            bytes.append(byte)
        }
        if bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The number of components (of a normalized path): its slashes, but `/` has none.
    static func depth(_ path: String) -> Int {
        path == "/" ? 0 : path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
    }

    /// `path` equals `ancestor` or lies beneath it.
    static func isBeneath(_ path: String, _ ancestor: String) -> Bool {
        ancestor == "/" || path == ancestor || path.hasPrefix(ancestor + "/")
    }

    static func realpath(_ path: String) -> String? {
        guard let p = Glibc.realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func isGlob(_ path: String) -> Bool {
        path.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The names in one directory, kept while consecutive patterns look into it (`/etc/shadow*`,
    /// `/etc/gshadow*`, `/etc/sudoers*` list /etc once, not three times).
    struct Listing {
        var directory: String?
        /// The names as C strings, one after another (fnmatch reads them in place, no String per name).
        var names: [CChar] = []
        var starts: [Int] = []
    }

    /// The matches of `pattern`, sorted; a path without glob characters is itself, when it exists. Wildcards
    /// in the last component only are matched against `listing` (fnmatch with FNM_PERIOD, as glob(3): a
    /// leading dot is matched only by a dot; `.` and `..` never); others go to glob(3).
    static func glob(_ pattern: String, listing: inout Listing, listings: ListingCache? = nil) -> [String] {
        guard isGlob(pattern) else { return FileIO.exists(pattern) || isSymlink(pattern) ? [pattern] : [] }
        guard let slash = pattern.lastIndex(of: "/") else { return glob(pattern) }
        let parent = String(pattern[..<slash]), last = String(pattern[pattern.index(after: slash)...])
        guard !isGlob(parent) else { return glob(pattern) }
        let directory = parent.isEmpty ? "/" : parent
        if listing.directory != directory {
            listing = Listing(directory: directory)
            listing.names = listings?.names(in: directory) ?? ListingCache.read(directory)
            var start = 0
            for (i, byte) in listing.names.enumerated() where byte == 0 {
                listing.starts.append(start)
                start = i + 1
            }
        }
        var matches: [String] = []
        listing.names.withUnsafeBufferPointer { names in
            last.withCString { pattern in
                for start in listing.starts where fnmatch(pattern, names.baseAddress! + start, FNM_PERIOD) == 0 {
                    matches.append(parent + "/" + String(cString: names.baseAddress! + start))
                }
            }
        }
        return matches.sorted()
    }

    /// glob(3) of the whole pattern.
    static func glob(_ pattern: String) -> [String] {
        guard isGlob(pattern) else { return FileIO.exists(pattern) || isSymlink(pattern) ? [pattern] : [] }
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The first component of `path` (including the last) that is a symlink, if any. One lstat per
    /// component, on the path's own bytes cut short at each slash (no string built per component).
    static func symlinkComponent(of path: String) -> String? {
        var bytes = Array(normalize(path).utf8CString)
        let end = bytes.count - 1
        var i = 1
        while i <= end {
            guard i == end || bytes[i] == CChar(UInt8(ascii: "/")) else { i += 1; continue }
            let saved = bytes[i]
            bytes[i] = 0
            var st = stat()
            let link = lstat(bytes, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
            bytes[i] = saved
            if link { return String(decoding: bytes[..<i].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            i += 1
        }
        return nil
    }
}
