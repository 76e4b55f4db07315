import CSeccomp

/// `allow`, `errno`, `errno:EPERM`, `errno:13`, `kill-process` (or `kill`), `kill-thread`, `trap`, `log`.
/// Also the OCI spellings (`SCMP_ACT_ERRNO`, …) so imported profiles read the same.
enum SeccompActionParser {
    static func parse(_ text: String) -> SeccompAction? {
        // Empty pieces kept: "" and ":x" have a first part (an empty one, which is no action).
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
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
