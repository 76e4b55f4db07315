#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes with plain system calls (open, read, write), retried on EINTR.
public enum FileIO {
    /// Reads a whole file as text, invalid UTF-8 as U+FFFD. Throws a usage error naming the path (files we
    /// read are the user's input).
    public static func readText(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Reads a whole file's bytes (for a parser, which checks the encoding itself).
    public static func readBytes(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError(.usage, path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw SandboxError(.usage, path, "is a directory")
        }
        // One read for a regular file (its size plus one to see EOF); /proc files say 0 and take several.
        var buffer = [UInt8](repeating: 0, count: max(Int(st.st_size) + 1, 4096))
        var bytes: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SandboxError(.usage, path, String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }

    /// Writes (creating or truncating) a file.
    public static func writeText(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SandboxError(.usage, path, String(cString: strerror(errno))) }
        defer { close(fd) }
        try writeAll(fd, text, name: path)
    }

    /// Writes all of `text` to `fd`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ text: String, name: String) throws {
        try writeAll(fd, Array(text.utf8), name: name)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError.system("write(\(name))", errno: errno)
                }
                offset += n
            }
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
