import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The names in the directories that `filesystem.hide` globs list (`/etc/shadow*` lists /etc: 150 names,
/// 0.1-0.2 ms of getdents on the benchmark VM, on the launch's critical path), kept between runs in the
/// profile cache's directory (`listings.cache`) and used while the directory is unchanged: the same device,
/// inode, mtime and ctime. A directory's mtime changes with every name created, removed or renamed in it.
///
/// A listing is kept only once its directory has been unchanged for `settle` seconds (2), and only on a local
/// file system that keeps those times exactly (ext4, xfs, btrfs, tmpfs): a change in the same clock tick
/// as the listing could otherwise leave the times as they were. The file is trusted like a profile cache
/// entry (the caller's own, in a directory only the caller can write: `ProfileCache.readOwnFile`).
public final class ListingCache {
    static let fileName = "listings.cache"
    static let magic: [UInt8] = Array("sandbox-listings\n".utf8)
    static let formatVersion: UInt64 = 1
    /// ext4 (also ext2/3), xfs, btrfs, tmpfs.
    static let trustedFileSystems: Set<Int> = [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994]

    struct Stamp: Equatable {
        var device: UInt64, inode: UInt64, mtime: Int64, mtimeNanos: Int64, ctime: Int64, ctimeNanos: Int64
    }

    private let directory: String?
    /// Seconds a directory must have been unchanged for its listing to be kept.
    let settle: Int
    /// Read at the first listing asked for: a run whose view lists nothing never opens the file.
    private lazy var stored: [String: (stamp: Stamp, names: [CChar])] = directory.map(Self.load) ?? [:]
    private var changed = false

    /// The listings kept in `directory` (the profile cache's; nil: none kept, every directory is read).
    public init(directory: String?, settle: Int = 2) {
        self.directory = directory
        self.settle = settle
    }

    /// Whether `path`'s listing is kept and still matches the directory (for the tests).
    func isKept(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && stored[path]?.stamp == Self.stamp(st)
    }

    static func load(_ directory: String) -> [String: (stamp: Stamp, names: [CChar])] {
        guard let bytes = ProfileCache.readOwnFile(directory + "/" + Self.fileName) else { return [:] }
        return bytes.withUnsafeBytes { buffer in
            var r = ByteReader(buffer)
            guard let head = try? r.take(Self.magic.count), ProfileCache.equal(head, Self.magic),
                  (try? r.u64()) == Self.formatVersion, let count = try? r.count() else { return [:] }
            var read: [String: (stamp: Stamp, names: [CChar])] = [:]
            for _ in 0..<count {
                guard let path = try? r.string(), let values = try? (0..<6).map({ _ in try r.i64() }),
                      let names = try? r.raw() else { return [:] }
                let stamp = Stamp(device: UInt64(bitPattern: values[0]), inode: UInt64(bitPattern: values[1]), mtime: values[2],
                                  mtimeNanos: values[3], ctime: values[4], ctimeNanos: values[5])
                read[path] = (stamp, names.map { CChar(bitPattern: $0) })
            }
            return r.isAtEnd ? read : [:]
        }
    }

    /// The names in `path` (not `.` and `..`), each NUL-terminated, one after another; from the kept
    /// listing when the directory is unchanged, else read now (and kept when it may be).
    func names(in path: String) -> [CChar] {
        var st = stat()
        let stamp = stat(path, &st) == 0 ? Self.stamp(st) : nil
        if let stamp, let kept = stored[path], kept.stamp == stamp { return kept.names }
        let names = Self.read(path)
        if let stamp, directory != nil, mayKeep(path, st) {
            stored[path] = (stamp, names)
            changed = true
        } else if stored.removeValue(forKey: path) != nil {
            changed = true
        }
        return names
    }

    /// Writes the listings back when one was read anew (a new file renamed into place). After the run:
    /// never on the launch's path.
    public func save() {
        guard changed, let directory, ProfileCache.prepareDirectory(directory) == nil else { return }
        var w = ByteWriter()
        for byte in Self.magic { w.u8(byte) }
        w.u64(Self.formatVersion)
        w.array(stored.sorted { $0.key < $1.key }) { w, item in
            w.string(item.key)
            let s = item.value.stamp
            for value in [Int64(bitPattern: s.device), Int64(bitPattern: s.inode), s.mtime, s.mtimeNanos, s.ctime, s.ctimeNanos] { w.i64(value) }
            w.raw(item.value.names.map { UInt8(bitPattern: $0) })
        }
        let path = directory + "/" + Self.fileName, temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let written = (try? FileIO.writeAll(fd, w.bytes, name: temporary)) != nil
        close(fd)
        if !written || rename(temporary, path) != 0 { unlink(temporary) }
        changed = false
    }

    static func stamp(_ st: stat) -> Stamp {
        Stamp(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), mtime: Int64(st.st_mtim.tv_sec), mtimeNanos: Int64(st.st_mtim.tv_nsec),
              ctime: Int64(st.st_ctim.tv_sec), ctimeNanos: Int64(st.st_ctim.tv_nsec))
    }

    /// Unchanged for `settle` seconds, on a file system whose times can be trusted.
    func mayKeep(_ path: String, _ st: stat) -> Bool {
        guard Self.trustedFileSystems.contains(Self.fsType(path)) else { return false }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let newest = max(Int(st.st_mtim.tv_sec), Int(st.st_ctim.tv_sec))
        return now.tv_sec - newest >= settle
    }

    static func fsType(_ path: String) -> Int { sbx_fs_type(path) }

    /// readdir(3) of `path`: the names, each NUL-terminated, without `.` and `..`; none when it cannot be read.
    static func read(_ path: String) -> [CChar] {
        var names: [CChar] = []
        guard let dir = opendir(path) else { return names }
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let start = (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self)
            let name = UnsafeBufferPointer(start: start, count: strlen(start) + 1)
            if name[0] == 0x2e && (name[1] == 0 || name[1] == 0x2e && name[2] == 0) { continue }  // . and ..
            names.append(contentsOf: name)
        }
        closedir(dir)
        return names
    }
}
