#if canImport(Glibc)
import Glibc
#endif
import CSandboxSys

/// Turns the file handles of fid-mode fanotify events into absolute paths: open_by_handle_at(2) on a
/// descriptor of the marked filesystem, then readlink(2) of /proc/self/fd/N. Directory paths are cached by
/// (fsid, handle), because a burst of creates in one directory would otherwise cost two system calls
/// each.
///
/// Handles are opened O_PATH, which generates no fanotify event: the watcher never reads its own activity
/// back (and it would be dropped anyway, our pid not being in the command's tree).
final class FileHandleResolver {
    /// The fsid fanotify reports, to an open directory on that filesystem (the `mount_fd` argument).
    private var mountFDs: [UInt64: Int32] = [:]
    private var cache: [[UInt8]: String] = [:]
    /// The last directory resolved and its key.
    private var lastKey: [UInt8] = []
    private var lastPath: String?
    private var pathBuffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)

    /// Registers a directory fd of a marked filesystem; returns false if its fsid is already known.
    @discardableResult
    func addMount(fd: Int32) -> Bool {
        var fsid: UInt64 = 0
        guard sbx_fsid_of(fd, &fsid) == 0, mountFDs[fsid] == nil else { return false }
        mountFDs[fsid] = fd
        return true
    }

    /// The mount fds, for closing.
    var allMountFDs: [Int32] { Array(mountFDs.values) }

    /// The path of the object behind `handle`, or nil when it is gone (ESTALE) or on an unknown filesystem.
    func path(fsid: UInt64, handle: UnsafeRawPointer) -> String? {
        let size = sbx_file_handle_size(handle)
        // Most events of a batch are in the directory of the event before: compare the bytes, skip the hash.
        if let lastPath, FileHandleResolver.key(lastKey, equals: fsid, handle: handle, size: size) { return lastPath }
        let key = FileHandleResolver.key(fsid: fsid, handle: handle, size: size)
        if let known = cache[key] {
            lastKey = key
            lastPath = known
            return known
        }
        guard let mountFD = mountFDs[fsid] else { return nil }
        let fd = sbx_open_by_handle(mountFD, handle)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let n = readlink("/proc/self/fd/\(fd)", &pathBuffer, pathBuffer.count - 1)
        guard n > 0 else { return nil }
        pathBuffer[n] = 0
        var path = String(cString: pathBuffer)
        // d_path() of an unlinked object: its last name plus a marker. The name is still the best answer,
        // but it must not be cached (a new directory may take the name).
        if path.hasSuffix(" (deleted)") {
            path.removeLast(" (deleted)".count)
            return path
        }
        guard path.hasPrefix("/") else { return nil }
        cache[key] = path
        lastKey = key
        lastPath = path
        return path
    }

    /// Remembers the path of a directory just created (its handle comes with FAN_REPORT_TARGET_FID), so
    /// events inside it stay resolvable even if it is removed before we read them.
    func remember(fsid: UInt64, handle: UnsafeRawPointer, path: String) {
        let key = FileHandleResolver.key(fsid: fsid, handle: handle, size: sbx_file_handle_size(handle))
        cache[key] = path
        if key == lastKey { lastPath = path }
    }

    /// Forgets every cached path: a directory was renamed, so any path below it may be stale.
    func invalidate() {
        cache.removeAll(keepingCapacity: true)
        lastPath = nil
    }

    /// Whether `key` (as built by `key(fsid:handle:size:)`) names this handle.
    private static func key(_ key: [UInt8], equals fsid: UInt64, handle: UnsafeRawPointer, size: Int) -> Bool {
        guard key.count == 8 + size else { return false }
        return key.withUnsafeBytes { bytes in
            bytes.loadUnaligned(as: UInt64.self) == fsid && memcmp(bytes.baseAddress! + 8, handle, size) == 0
        }
    }

    private static func key(fsid: UInt64, handle: UnsafeRawPointer, size: Int) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 8 + size)
        key.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: fsid, as: UInt64.self)
            bytes.baseAddress!.advanced(by: 8).copyMemory(from: handle, byteCount: size)
        }
        return key
    }
}
