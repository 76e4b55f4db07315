import CCap
#if canImport(Glibc)
import Glibc
#endif

/// Capability names and numbers through libcap, and the capability state of this process.
public enum Capabilities {
    /// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
    public static let lastCap: Int32 = {
        if let text = try? FileIO.readText("/proc/sys/kernel/cap_last_cap"),
           let n = Int32(text.trimmingCharacters(in: " \n")) { return n }
        return Int32(CAP_LAST_CAP)
    }()

    /// `"net_admin"`, `"CAP_NET_ADMIN"` or `"cap_net_admin"` → 12; nil when libcap does not know the name.
    public static func number(of name: String) -> Int32? {
        var lowered = name.lowercased()
        if !lowered.hasPrefix("cap_") { lowered = "cap_" + lowered }
        var value: cap_value_t = 0
        guard cap_from_name(lowered, &value) == 0, value <= lastCap, value >= 0 else { return nil }
        return value
    }

    /// `12` → `"CAP_NET_ADMIN"`.
    public static func name(of number: Int32) -> String {
        guard let cString = cap_to_name(cap_value_t(number)) else { return "CAP_\(number)" }
        defer { cap_free(cString) }
        return String(cString: cString).uppercased()
    }

    public static var allNames: [String] { (0...lastCap).map { name(of: $0) } }

    static func check(_ name: String) -> String? {
        if number(of: name) != nil { return nil }
        let bare = name.uppercased().hasPrefix("CAP_") ? name.uppercased() : "CAP_" + name.uppercased()
        return "unknown capability '\(name)'" + (Suggestion.hint(for: bare, in: allNames).map { " (\($0))" } ?? "")
    }

    /// The calling process's permitted and effective sets, as bit masks, from /proc/self/status (the
    /// same numbers capget(2) returns).
    public static func current() -> (permitted: UInt64, effective: UInt64) {
        guard let status = try? FileIO.readText("/proc/self/status") else { return (0, 0) }
        func field(_ name: String) -> UInt64 {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                return UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: " \t"), radix: 16) ?? 0
            }
            return 0
        }
        return (field("CapPrm"), field("CapEff"))
    }

    public static let setpcap: Int32 = 8
    public static let sysResource: Int32 = 24
    public static let sysNice: Int32 = 23
}
