/// Sizes and durations as people write them in profiles and flags.
public enum Units {
    /// `"512MiB"`, `"1G"`, `"64k"`, `"100"` → bytes. Binary multiples for both `K`/`KiB` spellings (as
    /// ulimit and systemd do), decimal only when written `KB`/`MB`/`GB`.
    public static func bytes(_ text: String) -> UInt64? {
        // On the bytes: this runs on every launch with a size (tmpfs, cgroup memory), and Character-wise
        // trimming and isNumber cost a fresh process more than the rest of the parse.
        let bytes = Array(text.utf8)
        var i = 0, end = bytes.count
        while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
        while end > i && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var number: UInt64 = 0
        let firstDigit = i
        while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            let (times10, o1) = number.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
            guard !o1 && !o2 else { return nil }
            number = sum
            i += 1
        }
        guard i > firstDigit else { return nil }
        while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
        let unit = String(decoding: Array(bytes[i..<end]), as: UTF8.self)
        // A switch, not a dictionary literal: this runs on every launch with a size, and a dictionary's first
        // use instantiates its generic metadata (tens of microseconds in a fresh process).
        let m: UInt64
        switch unit {
        case "", "B": m = 1
        case "K", "KiB", "k": m = 1 << 10
        case "M", "MiB", "m": m = 1 << 20
        case "G", "GiB", "g": m = 1 << 30
        case "T", "TiB": m = 1 << 40
        case "KB": m = 1_000
        case "MB": m = 1_000_000
        case "GB": m = 1_000_000_000
        case "TB": m = 1_000_000_000_000
        default: return nil
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: m)
        return overflow ? nil : product
    }

    /// `"500ms"`, `"30s"`, `"1.5s"`, `"5m"`, `"2h"`, `"10"` (seconds) → seconds. Any finite number of
    /// seconds, however large; `isDuration` says whether it is one sandbox can time.
    public static func seconds(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: " ")
        let number = s.prefix { ($0.isASCII && $0.isNumber) || $0 == "." }
        guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
        let unit = s.dropFirst(number.count).trimmingCharacters(in: " ")
        let scale: [String: Double] = ["": 1, "ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600]
        guard let k = scale[unit] else { return nil }
        let seconds = value * k
        return seconds.isFinite ? seconds : nil
    }

    /// The longest duration a profile or flag may give: 10^9 s, about 31.7 years. Every conversion of a
    /// duration (to the microseconds of RLIMIT_RTTIME, the whole seconds of RLIMIT_CPU, a timerfd's
    /// seconds and nanoseconds, 10^18 of them) fits in 64 bits below it.
    public static let maximumSeconds: Double = 1_000_000_000

    /// A duration sandbox can arm a timer for: finite, not negative, at most `maximumSeconds`.
    public static func isDuration(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds >= 0 && seconds <= maximumSeconds
    }

    /// What a duration outside `isDuration` is, for a message.
    public static func durationProblem(_ seconds: Double) -> String {
        if seconds.isNaN { return "nan is not a duration" }
        if seconds < 0 { return "a duration cannot be negative" }
        return "\(seconds) s is longer than the longest duration, 1000000000 s (about 31 years)"
    }

    /// A human figure: `12.3 MiB`.
    public static func formatBytes(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var i = 0
        while value >= 1024 && i < units.count - 1 { value /= 1024; i += 1 }
        return i == 0 ? "\(bytes) B" : String(format1: value) + " " + units[i]
    }

    /// `0.004 s`, `1.23 s`, `2m 03s`.
    public static func formatSeconds(_ s: Double) -> String {
        // Measured times are small; anything at all is shown without a trap.
        guard s.isFinite, abs(s) < 1e15 else { return "\(s) s" }
        if s >= 120 { return "\(Int(s) / 60)m \(String(twoDigits: Int(s) % 60))s" }
        if s < 0.01 { return String(format3: s) + " s" }
        return String(format2: s) + " s"
    }
}

extension String {
    init(format1 v: Double) { self.init(fixed: v, decimals: 1) }
    init(format2 v: Double) { self.init(fixed: v, decimals: 2) }
    init(format3 v: Double) { self.init(fixed: v, decimals: 3) }
    init(twoDigits v: Int) { self = v < 10 ? "0\(v)" : "\(v)" }
}
