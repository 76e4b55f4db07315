/// Parsers for the cgroup files the report reads, after the formats in the kernel's
/// Documentation/admin-guide/cgroup-v2.rst ("Interface Files": flat keyed, nested keyed, single value) and
/// cgroup-v1/{memory,pids,blkio-controller}.rst. Pure functions over text, so that the v2 formats this
/// host cannot produce are tested against the documented samples.
///
/// They work on UTF-8 bytes, never on Characters: these files are ASCII, and grapheme breaking (what
/// `String.split` on a Character does) costs the launch its Unicode tables.
public enum CgroupFiles {
    typealias Word = ArraySlice<UInt8>

    /// The lines of `text`, each split into its space-separated words.
    static func lines(_ text: String) -> [[Word]] {
        Array(text.utf8).split(separator: .newline).map { $0.split(separator: .space) }
    }

    /// A decimal number (nil for anything else, `max` included).
    static func number(_ word: Word) -> UInt64? { word.withUnsafeBufferPointer(number) }

    static func number(_ word: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !word.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in word {
            guard byte.isDigit else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    static func string(_ word: Word) -> String { String(decoding: word, as: UTF8.self) }

    static func `is`(_ word: Word, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { word.elementsEqual($0) }
    }

    /// A single value: a number, or `max` (nil).
    static func single(_ text: String) -> UInt64? {
        var result: UInt64?
        forEachLine(text) { line in
            result = line.first.flatMap(number)
            return false
        }
        return result
    }

    /// The value of `key` in a flat-keyed file (`KEY VALUE` lines), without building a dictionary.
    static func value(_ text: String, _ key: StaticString) -> UInt64? {
        var result: UInt64?
        forEachLine(text) { line in
            guard line.count == 2, key.withUTF8Buffer({ line.first!.elementsEqual($0) }) else { return true }
            result = number(line.second!)
            return false
        }
        return result
    }

    /// The first two space-separated words of a line, and how many it has: what `single`, `value` and
    /// `pids` need, over the text's own bytes.
    struct Line {
        var first: UnsafeBufferPointer<UInt8>?
        var second: UnsafeBufferPointer<UInt8>?
        var count = 0
    }

    /// Calls `body` with each non-empty line until it returns false. The hot files (`pids.events`,
    /// `memory.oom_control`, `cgroup.procs`, read on every run) are parsed here without the generic
    /// `split`, whose arrays of slices cost a run their metadata and allocations (`lines` is the
    /// general form, for the report's figures).
    static func forEachLine(_ text: String, _ body: (Line) -> Bool) {
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                var line = Line()
                while i < n && bytes[i] != UInt8(ascii: "\n") {
                    if bytes[i] == UInt8(ascii: " ") { i += 1; continue }
                    let start = i
                    while i < n && bytes[i] != UInt8(ascii: " ") && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                    let word = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    if line.count == 0 { line.first = word } else if line.count == 1 { line.second = word }
                    line.count += 1
                }
                i += 1
                if line.count > 0 && !body(line) { return }
            }
        }
    }

    /// Flat keyed: `KEY VALUE` lines (`memory.events`, `cpu.stat`, `pids.events`, v1 `memory.oom_control`).
    static func flatKeyed(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for words in lines(text) where words.count == 2 {
            if let value = number(words[1]) { result[string(words[0])] = value }
        }
        return result
    }

    /// Bytes read and written over every device of v2 `io.stat` (nested keyed:
    /// `8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0`).
    static func ioStat(_ text: String) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for words in lines(text) {
            for field in words.dropFirst() {
                let kv = field.split(separator: .equals, maxSplits: 1)
                guard kv.count == 2, let value = number(kv[1]) else { continue }
                if `is`(kv[0], "rbytes") { read &+= value }
                if `is`(kv[0], "wbytes") { written &+= value }
            }
        }
        return (read, written)
    }

    /// Bytes read and written over every device of v1 `blkio.throttle.io_service_bytes`
    /// (`8:0 Read 4096`, `8:0 Write 0`, … then `Total N`).
    static func blkioServiceBytes(_ text: String) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for words in lines(text) where words.count == 3 && words[0].contains(.colon) {
            guard let value = number(words[2]) else { continue }
            if `is`(words[1], "Read") { read &+= value }
            if `is`(words[1], "Write") { written &+= value }
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
        for words in lines(text) {
            guard let kind = words.first else { continue }
            var p = Pressure(avg10: 0, avg60: 0, avg300: 0, total: 0)
            var seen = 0
            for field in words.dropFirst() {
                let kv = field.split(separator: .equals, maxSplits: 1)
                guard kv.count == 2 else { continue }
                if `is`(kv[0], "total") {
                    if let v = number(kv[1]) { p.total = v; seen += 1 }
                    continue
                }
                guard let v = Double(string(kv[1])) else { continue }
                if `is`(kv[0], "avg10") { p.avg10 = v; seen += 1 }
                if `is`(kv[0], "avg60") { p.avg60 = v; seen += 1 }
                if `is`(kv[0], "avg300") { p.avg300 = v; seen += 1 }
            }
            guard seen == 4 else { continue }
            if `is`(kind, "some") { some = p }
            if `is`(kind, "full") { full = p }
        }
        return (some, full)
    }

    /// The pids in `cgroup.procs`.
    static func pids(_ text: String) -> [Int32] {
        var pids: [Int32] = []
        forEachLine(text) { line in
            if let pid = line.first.flatMap(number).flatMap({ Int32(exactly: $0) }) { pids.append(pid) }
            return true
        }
        return pids
    }

    /// `populated 1` in cgroup2 `cgroup.events`.
    static func populated(_ text: String) -> Bool? { value(text, "populated").map { $0 != 0 } }

    /// The space-separated words of a one-line file (`cgroup.controllers`, `cgroup.subtree_control`).
    static func words(_ text: String) -> [String] { lines(text).flatMap { $0.map(string) } }
}
