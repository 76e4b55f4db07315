import CSeccomp

/// `allow`, `errno`, `errno:EPERM`, `errno:13`, `kill-process` (or `kill`), `kill-thread`, `trap`, `log`.
/// Also the OCI spellings (`SCMP_ACT_ERRNO`, …) so imported profiles read the same.
enum SeccompActionParser {
    static func parse(_ text: String) -> SeccompAction? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts[0].lowercased() {
        case "allow", "scmp_act_allow": return parts.count == 1 ? .allow : nil
        case "errno", "scmp_act_errno":
            guard parts.count == 2 else { return .errno(1) }
            if let n = Int32(parts[1]), n > 0, n < 4096 { return .errno(n) }
            return ErrnoNames.number(of: parts[1]).map { .errno($0) }
        case "kill-process", "kill", "scmp_act_kill_process": return parts.count == 1 ? .killProcess : nil
        case "kill-thread", "scmp_act_kill", "scmp_act_kill_thread": return parts.count == 1 ? .killThread : nil
        case "trap", "scmp_act_trap": return parts.count == 1 ? .trap : nil
        case "log", "scmp_act_log": return parts.count == 1 ? .log : nil
        default: return nil
        }
    }
}

/// The ABIs a filter can cover, by the names profiles and OCI files use.
enum SeccompArchitectures {
    /// AUDIT_ARCH_* values (libseccomp's SCMP_ARCH_* macros are expressions Swift does not import).
    static let tokens: [String: UInt32] = [
        "native": 0,
        "x86_64": 0xC000_003E, "x86": 0x4000_0003, "i386": 0x4000_0003, "x32": 0x4000_003E,
        "aarch64": 0xC000_00B7, "arm": 0x4000_0028,
    ]
    static var names: [String] { tokens.keys.sorted() }

    static func token(_ name: String) -> UInt32? {
        if let t = tokens[name] { return t }
        // OCI: SCMP_ARCH_X86_64 and friends.
        if name.hasPrefix("SCMP_ARCH_") { return tokens[String(name.dropFirst(10)).lowercased()] }
        return nil
    }
}
