import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// Samples the supervisor's descendants from /proc: the tree is found from /proc/self/task/*/children
/// down (the supervisor is a child subreaper, so orphans of the tree stay in it), and each process's
/// /proc/PID/stat and /proc/PID/io are read into one reused buffer, parsed without allocating strings.
///
/// CPU time and I/O are cumulative for the whole run: the kernel adds a reaped child's utime/stime and
/// I/O to its parent's `cutime`/`cstime` and `ioac` at wait(2), and what the supervisor reaped itself is in
/// its own RUSAGE_CHILDREN and /proc/self/io; so the sum over live processes plus those reaped totals
/// only grows. RSS and the process count are the live tree's.
public final class ProcTreeSampler: ResourceSampler {
    private let ownPid = getpid()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    private let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
    private let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// The supervisor's own storage I/O before the command started (not the command's).
    private var ownIO: (read: UInt64, write: UInt64) = (0, 0)
    public private(set) var pids: [Int32] = []
    public var source: String { "proc" }
    private var queue: [Int32] = []

    /// A process of the tree whose resident set is ours: the init borrowing our memory.
    private let notCountingMemoryOf: Int32?

    public init(notCountingMemoryOf pid: Int32? = nil) {
        notCountingMemoryOf = pid
        ownIO = readIO("/proc/self/io")
    }

    deinit { buffer.deallocate() }

    public func sample(time: Double) -> ResourceSample {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        var cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let reaped = readIO("/proc/self/io")
        var read = reaped.read &- ownIO.read, write = reaped.write &- ownIO.write
        var rss: UInt64 = 0
        pids.removeAll(keepingCapacity: true)
        queue.removeAll(keepingCapacity: true)
        children(of: ownPid, threads: 0)
        while let pid = queue.popLast() {
            guard let stat = readStat(pid) else { continue }
            pids.append(pid)
            cpu += Double(stat.cpuTicks) / ticks
            if pid != notCountingMemoryOf { rss += stat.rssPages * pageSize }
            let io = readIO("/proc/\(pid)/io")
            read &+= io.read
            write &+= io.write
            children(of: pid, threads: stat.threads)
        }
        return ResourceSample(time: time, cpuSeconds: cpu, rssBytes: rss, processes: pids.count, readBytes: read, writeBytes: write)
    }

    /// Queues the children of every thread of `pid` (a single-threaded process has one children file).
    private func children(of pid: Int32, threads: Int) {
        if pid != ownPid, threads <= 1 {
            readChildren("/proc/\(pid)/task/\(pid)/children")
            return
        }
        let path = pid == ownPid ? "/proc/self/task" : "/proc/\(pid)/task"
        guard let dir = opendir(path) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let tid = directoryEntryName(entry)
            guard !tid.hasPrefix(".") else { continue }
            readChildren(path + "/" + tid + "/children")
        }
    }

    private func readChildren(_ path: String) {
        let n = readFile(path)
        guard n > 0 else { return }
        var value: Int32 = 0, digits = false
        for i in 0..<n {
            let byte = buffer[i]
            if byte >= 0x30 && byte <= 0x39 {
                value = value * 10 + Int32(byte - 0x30)
                digits = true
            } else if digits {
                queue.append(value)
                value = 0
                digits = false
            }
        }
        if digits { queue.append(value) }
    }

    /// utime+stime+cutime+cstime (fields 14-17), num_threads (20) and rss (24) from /proc/PID/stat.
    private func readStat(_ pid: Int32) -> (cpuTicks: UInt64, threads: Int, rssPages: UInt64)? {
        let n = readFile("/proc/\(pid)/stat")
        guard n > 0 else { return nil }
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        var close = n - 1
        while close > 0 && buffer[close] != UInt8(ascii: ")") { close -= 1 }
        guard close > 0 else { return nil }
        var field = 2, value: UInt64 = 0
        var cpu: UInt64 = 0, threads = 1, rss: UInt64 = 0
        var i = close + 2
        // Field 3 is the state letter; numbers from field 4 on.
        while i < n {
            let byte = buffer[i]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                field += 1
                switch field {
                case 14, 15, 16, 17: cpu += value
                case 20: threads = Int(value)
                case 24: rss = value
                default: break
                }
                if field >= 24 { break }
                value = 0
            } else if byte >= 0x30 && byte <= 0x39 {
                value = value &* 10 &+ UInt64(byte - 0x30)
            }
            i += 1
        }
        // State 'Z' (a zombie not yet reaped) has no memory; its CPU time still counts.
        return (cpu, threads, rss)
    }

    /// read_bytes and write_bytes from an io file (zero when it cannot be read: another user's process).
    private func readIO(_ path: String) -> (read: UInt64, write: UInt64) {
        let n = readFile(path)
        guard n > 0 else { return (0, 0) }
        var result: (read: UInt64, write: UInt64) = (0, 0)
        var lineStart = 0
        for i in 0..<n where buffer[i] == UInt8(ascii: "\n") {
            let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<i])
            if line.starts(with: "read_bytes: ".utf8) { result.read = Self.number(line) }
            else if line.starts(with: "write_bytes: ".utf8) { result.write = Self.number(line) }
            lineStart = i + 1
        }
        return result
    }

    private static func number(_ line: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0
        for byte in line where byte >= 0x30 && byte <= 0x39 { value = value &* 10 &+ UInt64(byte - 0x30) }
        return value
    }

    /// One read(2) into the buffer; the byte count, or 0.
    private func readFile(_ path: String) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { Glibc.close(fd) }
        let n = read(fd, buffer.baseAddress, buffer.count)
        return max(0, n)
    }
}
