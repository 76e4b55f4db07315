import Foundation
@testable import SandboxCore

/// The (path, operation) pairs of the successful calls in an `strace -f -y -e trace=file -o FILE` log,
/// the reference the file watchers are checked against.
///
/// Mapping, chosen to match what both watchers can see:
/// - open/openat/openat2/creat: O_RDONLY is read (O_PATH opens are skipped); O_WRONLY, O_RDWR or O_TRUNC
///   is write; O_CREAT on a path that did not exist is create as well.
/// - execve/execveat: exec of the file (symlinks followed).
/// - unlink, unlinkat: delete (rmdir with AT_REMOVEDIR); rmdir: rmdir; mkdir, mkdirat: mkdir.
/// - rename, renameat, renameat2: rename, for both names.
/// - chmod, chown, utimensat and friends: attrib; truncate: write.
/// - stat, access, readlink, getcwd, chdir, statfs and other lookups: nothing (no operation of the issue).
/// Paths are made absolute against the working directory or the `-y` decoration of the dirfd, then
/// resolved as the watchers resolve them (directory part always, last component when the call follows).
struct StraceFileCalls {
    struct Pair: Hashable, CustomStringConvertible {
        let path: String
        let operation: FileOperation
        var description: String { "\(operation.rawValue) \(path)" }
    }

    var pairs: Set<Pair> = []

    init(log: String, workingDirectory: String, freshDirectory: String) {
        var existing: Set<String> = []
        var unfinished: [String: String] = [:]
        for rawLine in log.split(separator: "\n").map(String.init) {
            guard let space = rawLine.firstIndex(of: " ") else { continue }
            let pid = String(rawLine[..<space])
            var line = String(rawLine[rawLine.index(after: space)...]).trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("<unfinished ...>") {
                unfinished[pid] = String(line.dropLast("<unfinished ...>".count))
                continue
            }
            if line.hasPrefix("<... "), let end = line.range(of: " resumed>") {
                line = (unfinished.removeValue(forKey: pid) ?? "") + line[end.upperBound...]
            }
            // strace pads short calls to align the result column: "mkdir("d", 0777)      = 0".
            guard let open = line.firstIndex(of: "("), let equals = line.range(of: " = ", options: .backwards)
            else { continue }
            let call = line[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
            guard call.hasSuffix(")") else { continue }
            let result = line[equals.upperBound...]
            guard let first = result.first, first.isNumber || first == "0" else { continue }
            let name = String(line[..<open])
            let args = StraceFileCalls.split(String(call[call.index(after: open)...].dropLast()))

            func path(_ dirIndex: Int?, _ pathIndex: Int, follow: Bool) -> String? {
                guard pathIndex < args.count, let raw = StraceFileCalls.unquote(args[pathIndex]) else { return nil }
                var base = workingDirectory
                if let dirIndex, dirIndex < args.count, let lt = args[dirIndex].firstIndex(of: "<") {
                    base = String(args[dirIndex][args[dirIndex].index(after: lt)...].dropLast())
                }
                let joined = raw.hasPrefix("/") ? raw : base + "/" + raw
                return NotifyFileObserver.canonical(joined, follow: follow)
            }
            func exists(_ p: String) -> Bool {
                WatchOptions.path(p, isUnder: freshDirectory) ? existing.contains(p) : FileManager.default.fileExists(atPath: p)
            }
            func add(_ p: String?, _ op: FileOperation) {
                guard let p else { return }
                pairs.insert(Pair(path: p, operation: op))
                switch op {
                case .create, .mkdir: existing.insert(p)
                case .delete, .rmdir: existing.remove(p)
                default: break
                }
            }
            switch name {
            case "open", "openat", "creat":
                let dir: Int? = name == "openat" ? 0 : nil
                let pathIndex = name == "openat" ? 1 : 0
                let flags = name == "creat" ? "O_WRONLY|O_CREAT|O_TRUNC" : (args.count > pathIndex + 1 ? args[pathIndex + 1] : "")
                if flags.contains("O_PATH") { continue }
                guard let p = path(dir, pathIndex, follow: !flags.contains("O_NOFOLLOW")) else { continue }
                let writes = flags.contains("O_WRONLY") || flags.contains("O_RDWR") || flags.contains("O_TRUNC")
                if flags.contains("O_CREAT") && !exists(p) { add(p, .create) }
                add(p, writes ? .write : .read)
            case "execve": add(path(nil, 0, follow: true), .exec)
            case "execveat": add(path(0, 1, follow: true), .exec)
            case "unlink": add(path(nil, 0, follow: false), .delete)
            case "unlinkat":
                add(path(0, 1, follow: false), args.count > 2 && args[2].contains("AT_REMOVEDIR") ? .rmdir : .delete)
            case "rmdir": add(path(nil, 0, follow: false), .rmdir)
            case "mkdir": add(path(nil, 0, follow: false), .mkdir)
            case "mkdirat": add(path(0, 1, follow: false), .mkdir)
            case "rename":
                let old = path(nil, 0, follow: false), new = path(nil, 1, follow: false)
                add(old, .rename); add(new, .rename); if let old { existing.remove(old) }; if let new { existing.insert(new) }
            case "renameat", "renameat2":
                let old = path(0, 1, follow: false), new = path(2, 3, follow: false)
                add(old, .rename); add(new, .rename); if let old { existing.remove(old) }; if let new { existing.insert(new) }
            case "chmod", "chown", "utimes", "setxattr", "removexattr": add(path(nil, 0, follow: true), .attrib)
            case "fchmodat", "fchownat", "utimensat": add(path(0, 1, follow: true), .attrib)
            case "truncate": add(path(nil, 0, follow: true), .write)
            default: continue
            }
        }
    }

    /// Splits an argument list at top-level commas (not inside quotes, brackets or braces).
    static func split(_ text: String) -> [String] {
        var out: [String] = [], current = "", depth = 0, quoted = false, escaped = false
        for ch in text {
            if quoted {
                current.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { quoted = false }
                continue
            }
            switch ch {
            case "\"": quoted = true; current.append(ch)
            case "[", "{", "(": depth += 1; current.append(ch)
            case "]", "}", ")": depth -= 1; current.append(ch)
            case "," where depth == 0: out.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            default: current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current.trimmingCharacters(in: .whitespaces)) }
        return out
    }

    /// The string of a quoted argument (`"x"` or `"x"...`), without escapes beyond \" and \\.
    static func unquote(_ arg: String) -> String? {
        guard arg.hasPrefix("\""), let end = arg.dropFirst().lastIndex(of: "\"") else { return nil }
        return String(arg[arg.index(after: arg.startIndex)..<end])
            .replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
    }
}
