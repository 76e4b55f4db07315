import CCap
import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// Capability names and numbers through libcap, and the capability state of this process.
public enum Capabilities {
    /// The highest capability number this kernel knows (what /proc/sys/kernel/cap_last_cap says), found
    /// with PR_CAPBSET_READ, which fails with EINVAL past it: usually two calls, starting from libcap's.
    public static let lastCap: Int32 = {
        var cap = Int32(CAP_LAST_CAP)
        if sbx_capbset_read(cap) >= 0 {
            while cap < 63 && sbx_capbset_read(cap + 1) >= 0 { cap += 1 }
        } else {
            while cap > 0 && sbx_capbset_read(cap) < 0 { cap -= 1 }
        }
        return cap
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

    /// The calling process's permitted and effective sets, as bit masks (capget(2)).
    public static func current() -> (permitted: UInt64, effective: UInt64) {
        var permitted: UInt64 = 0, effective: UInt64 = 0
        guard sbx_capget(&permitted, &effective) == 0 else { return (0, 0) }
        return (permitted, effective)
    }

    public static let setgid: Int32 = 6
    public static let setuid: Int32 = 7
    public static let setpcap: Int32 = 8
    public static let sysAdmin: Int32 = 21
    public static let sysResource: Int32 = 24
    public static let sysNice: Int32 = 23
}
