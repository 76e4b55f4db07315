#if canImport(Glibc)
import Glibc
#endif

/// Finds, kills and reaps what the command's tree left behind. sandbox is a child subreaper
/// (PR_SET_CHILD_SUBREAPER), so every orphan of the tree, daemons included, becomes our child.
enum OrphanReaper {
    /// Reaps exited children other than `main`, which the supervisor reaps itself (with its pidfd) so its
    /// status is not lost. waitid(WNOWAIT) peeks without reaping.
    static func reapOthers(than main: pid_t) {
        while true {
            var info = siginfo_t()
            guard waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return }
            let pid = info._sifields._sigchld.si_pid
            if pid == 0 || pid == main { return }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Reaps every child until none is left.
    static func reapAll() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid > 0 { continue }
            if pid < 0 && errno == EINTR { continue }
            return
        }
    }

    /// SIGKILLs our remaining children and reaps them, repeatedly: a dying process's own children are
    /// reparented to us and appear in the next round.
    static func killAll() {
        // No child at all (ECHILD), the usual case: nothing to look for in /proc.
        var info = siginfo_t()
        if waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD { return }
        for _ in 0..<100 {
            let children = Self.children()
            if children.isEmpty { return }
            for pid in children { kill(pid, SIGKILL) }
            var status: Int32 = 0
            for pid in children { waitpid(pid, &status, 0) }
        }
    }

    /// Every descendant of ours, depth first from /proc/PID/task/*/children.
    static func descendants() -> [pid_t] {
        var result: [pid_t] = []
        var queue = children()
        while let pid = queue.popLast(), result.count < 65536 {
            result.append(pid)
            for task in RunDirectory.entries("/proc/\(pid)/task") {
                if let text = try? FileIO.readText("/proc/\(pid)/task/\(task)/children") {
                    queue += text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: " \n")) }
                }
            }
        }
        return result
    }

    /// Our children, from /proc/self/task/*/children (one file per thread of ours).
    static func children() -> [pid_t] {
        var result: [pid_t] = []
        guard let dir = opendir("/proc/self/task") else { return [] }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let tid = directoryEntryName(entry)
            guard let _ = Int(tid), let text = try? FileIO.readText("/proc/self/task/\(tid)/children") else { continue }
            result += text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: " \n")) }
        }
        return result
    }
}
