/// A resolved profile as TOML, each value followed by where it came from (like
/// `git config --show-origin`).
public enum ProfileText {
    public static func render(_ resolution: ProfileResolver.Resolution) -> String {
        let settings = resolution.settings
        var lines = ["# profile \(resolution.profile.name), resolved"]
        var section = ""
        let paths = settings.keys.sorted { a, b in
            let sa = a.contains(".") ? 1 : 0, sb = b.contains(".") ? 1 : 0
            return sa != sb ? sa < sb : a < b
        }
        let rules = settings["seccomp.rules"]
        for path in paths where path != "seccomp.rules" {
            let setting = settings[path]!
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            let (head, key) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            if head != section {
                lines.append("")
                lines.append("[\(head)]")
                section = head
            }
            lines.append("\(TOMLText.key(key)) = \(setting.value)  # \(setting.origin)")
        }
        if let rules, case .array(let items) = rules.value {
            for item in items {
                guard case .table(let pairs) = item else { continue }
                lines.append("")
                lines.append("[[seccomp.rules]]  # \(rules.origin)")
                for (key, value) in pairs { lines.append("\(TOMLText.key(key)) = \(value)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
