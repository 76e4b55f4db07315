/// Parsers for the cgroup files the report reads, after the formats in the kernel's
/// Documentation/admin-guide/cgroup-v2.rst ("Interface Files": flat keyed, nested keyed, single value) and
/// cgroup-v1/{memory,pids,blkio-controller}.rst. Pure functions over text, so that the v2 formats this
/// host cannot produce are tested against the documented samples.
public enum CgroupFiles {
    /// A single value: a number, or `max` (nil).
    static func single(_ text: String) -> UInt64? {
        UInt64(text.trimmingCharacters(in: " \n"))
    }

    /// Flat keyed: `KEY VALUE` lines (`memory.events`, `cpu.stat`, `pids.events`, v1 `memory.oom_control`).
    static func flatKeyed(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }

    /// Bytes read and written over every device of v2 `io.stat` (nested keyed:
    /// `8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0`).
    static func ioStat(_ text: String) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for line in text.split(separator: "\n") {
            for field in line.split(separator: " ").dropFirst() {
                let kv = field.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, let value = UInt64(kv[1]) else { continue }
                if kv[0] == "rbytes" { read &+= value }
                if kv[0] == "wbytes" { written &+= value }
            }
        }
        return (read, written)
    }

    /// Bytes read and written over every device of v1 `blkio.throttle.io_service_bytes`
    /// (`8:0 Read 4096`, `8:0 Write 0`, … then `Total N`).
    static func blkioServiceBytes(_ text: String) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0].contains(":"), let value = UInt64(parts[2]) else { continue }
            if parts[1] == "Read" { read &+= value }
            if parts[1] == "Write" { written &+= value }
        }
        return (read, written)
    }

    /// One line of a PSI file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`).
    public struct Pressure: Equatable, Sendable {
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        /// Stall time in microseconds.
        public var total: UInt64
    }

    /// `cpu.pressure`, `memory.pressure`, `io.pressure`: the `some` and `full` lines (cpu has `full` since 5.13).
    static func pressure(_ text: String) -> (some: Pressure?, full: Pressure?) {
        var some: Pressure?, full: Pressure?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard let kind = parts.first else { continue }
            var p = Pressure(avg10: 0, avg60: 0, avg300: 0, total: 0)
            var seen = 0
            for field in parts.dropFirst() {
                let kv = field.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                switch kv[0] {
                case "avg10": if let v = Double(kv[1]) { p.avg10 = v; seen += 1 }
                case "avg60": if let v = Double(kv[1]) { p.avg60 = v; seen += 1 }
                case "avg300": if let v = Double(kv[1]) { p.avg300 = v; seen += 1 }
                case "total": if let v = UInt64(kv[1]) { p.total = v; seen += 1 }
                default: break
                }
            }
            guard seen == 4 else { continue }
            if kind == "some" { some = p }
            if kind == "full" { full = p }
        }
        return (some, full)
    }

    /// The pids in `cgroup.procs`.
    static func pids(_ text: String) -> [Int32] { text.split(separator: "\n").compactMap { Int32($0) } }

    /// `populated 1` in cgroup2 `cgroup.events`.
    static func populated(_ text: String) -> Bool? { flatKeyed(text)["populated"].map { $0 != 0 } }
}
