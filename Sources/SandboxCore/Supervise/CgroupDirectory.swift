#if canImport(Glibc)
import Glibc
#endif

/// Small system-call helpers for cgroup directories: one write per call (the kernel parses each write as
/// one value), whole-file reads of the small control files, and removal of a cgroup tree.
enum CgroupDirectory {
    /// Writes `value` to `path` with one write(2); returns 0 or the errno.
    static func write(_ path: String, _ value: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return write(fd: fd, value)
    }

    static func write(fd: Int32, _ value: String) -> Int32 {
        var value = value
        return value.withUTF8 { bytes in
            var n: Int
            repeat { n = Glibc.write(fd, bytes.baseAddress, bytes.count) } while n < 0 && errno == EINTR
            return n < 0 ? errno : 0
        }
    }

    /// A control file's text (they are small: one 4 KiB read covers all but huge `io.stat` files).
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return read(fd: fd)
    }

    /// Reads from offset 0 of an open control file (pread: the same fd serves every sample). The usual
    /// file fits one 4 KiB read, made straight into the string's storage (no byte arrays: their metadata
    /// and copies were a measurable part of a run's last reads); a larger one is read on in chunks.
    static func read(fd: Int32) -> String? {
        var failed = false
        var full = false
        let first = String(unsafeUninitializedCapacity: chunk) { buffer in
            var n: Int
            repeat { n = pread(fd, buffer.baseAddress, chunk, 0) } while n < 0 && errno == EINTR
            if n < 0 { failed = true; return 0 }
            // seq_file fills the buffer as far as the file goes: a short read is the end (one read, not two).
            full = n == chunk
            return n
        }
        if failed { return nil }
        guard full else { return first }
        var text = first
        var offset = chunk
        while true {
            var n = 0
            let more = String(unsafeUninitializedCapacity: chunk) { buffer in
                repeat { n = pread(fd, buffer.baseAddress, chunk, off_t(offset)) } while n < 0 && errno == EINTR
                return max(n, 0)
            }
            if n < 0 { return nil }
            text += more
            offset += n
            if n < chunk { return text }
        }
    }

    private static let chunk = 4096

    /// `read`, of a file in the directory `dirFD`.
    static func read(at dirFD: Int32, _ file: String) -> String? {
        let fd = openat(dirFD, file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return read(fd: fd)
    }

    /// `write`, to a file in the directory `dirFD`.
    static func write(at dirFD: Int32, _ file: String, _ value: String) -> Int32 {
        let fd = openat(dirFD, file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return write(fd: fd, value)
    }

    /// Subdirectory names of `path`.
    static func subdirectories(_ path: String) -> [String] { entries(path, types: [UInt8(DT_DIR)]) }

    /// Subdirectories and symbolic links (/sys/block holds links).
    static func subdirectoriesOrLinks(_ path: String) -> [String] { entries(path, types: [UInt8(DT_DIR), UInt8(DT_LNK)]) }

    private static func entries(_ path: String, types: [UInt8]) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            guard types.contains(entry.pointee.d_type) else { continue }
            let name = directoryEntryName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// rmdir of a cgroup and of any cgroups the command made inside it, deepest first. Returns 0 or the
    /// errno of the first failure (EBUSY: it still has processes).
    @discardableResult
    static func removeTree(_ path: String) -> Int32 {
        // The usual case first: no cgroup inside, one rmdir and no listing.
        if rmdir(path) == 0 || errno == ENOENT { return 0 }
        if errno != ENOTEMPTY && errno != EBUSY { return errno }
        for child in subdirectories(path) {
            let e = removeTree(path + "/" + child)
            if e != 0 { return e }
        }
        return rmdir(path) == 0 || errno == ENOENT ? 0 : errno
    }

    /// Waits until no process is left in the cgroup (cgroup2 `cgroup.events`, or a v1 `cgroup.procs`
    /// read empty), polling every millisecond for at most `timeout` seconds. Returns whether it emptied.
    static func waitEmpty(_ path: String, unified: Bool, timeout: Double) -> Bool {
        let deadline = Supervisor.now() + timeout
        while true {
            let empty: Bool
            if unified {
                empty = read(path + "/cgroup.events").flatMap(CgroupFiles.populated) != true
            } else {
                empty = read(path + "/cgroup.procs").map { CgroupFiles.pids($0).isEmpty } ?? true
            }
            if empty { return true }
            if Supervisor.now() > deadline { return false }
            usleep(1000)
        }
    }

    /// SIGKILLs every process in a cgroup: `cgroup.kill` (cgroup2, Linux 5.14) at once, else each pid of
    /// `cgroup.procs`, in rounds, since a process may fork while the round runs.
    /// `dirFD`, when the caller holds one, opens the files relative to it.
    static func killAll(_ path: String, unified: Bool, dirFD: Int32 = -1) {
        if unified, (dirFD >= 0 ? write(at: dirFD, "cgroup.kill", "1") : write(path + "/cgroup.kill", "1")) == 0 { return }
        for _ in 0..<100 {
            let pids = (dirFD >= 0 ? read(at: dirFD, "cgroup.procs") : read(path + "/cgroup.procs")).map(CgroupFiles.pids) ?? []
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
        }
    }
}
