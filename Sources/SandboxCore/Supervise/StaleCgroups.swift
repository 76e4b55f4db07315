#if canImport(Glibc)
import Glibc
#endif

/// Removes the cgroups of runs whose supervisor is dead (a `sandbox` that was SIGKILLed could not remove
/// its own). Names say whose they are: `sandbox-<pid>-<n>` (what is left inside is killed, as that run's
/// `kill_orphans` would have), `sandbox-<pid>-<n>-keep` (kill_orphans off: removed only once empty) and
/// `sandbox-<pid>-supervisor` (a cgroup2 leaf sandbox moved itself into).
enum StaleCgroups {
    /// The supervisor pid and whether the contents may be killed, for a name of ours.
    static func parse(_ name: String) -> (pid: pid_t, kill: Bool)? {
        guard name.hasPrefix("sandbox-") else { return nil }
        let parts = name.dropFirst(8).split(separator: "-")
        guard parts.count >= 2, let pid = pid_t(parts[0]), pid > 0 else { return nil }
        if parts.count == 2 && parts[1] == "supervisor" { return (pid, false) }
        guard Int(parts[1]) != nil, parts.count == 2 || (parts.count == 3 && parts[2] == "keep") else { return nil }
        return (pid, parts.count == 2)
    }

    /// A pid is dead when kill(pid, 0) says ESRCH (EPERM: it lives, under another user).
    static func isDead(_ pid: pid_t) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    /// Looks beside each of the run's future cgroups (in the parents, this process's own cgroups) for
    /// stale ones and removes them; the cgroup2 one first, whose cgroup.kill empties the v1 ones too.
    static func clean(_ directories: [CgroupPlan.Directory]) {
        let ordered = directories.filter { $0.kind == .unified } + directories.filter { $0.kind != .unified }
        for dir in ordered {
            for name in CgroupDirectory.subdirectories(dir.parent) {
                guard let (pid, mayKill) = parse(name), pid != getpid(), isDead(pid) else { continue }
                let path = dir.parent + "/" + name
                let unified = dir.kind == .unified
                if CgroupDirectory.removeTree(path) == EBUSY, mayKill {
                    CgroupDirectory.killAll(path, unified: unified)
                    if CgroupDirectory.waitEmpty(path, unified: unified, timeout: 0.5) { CgroupDirectory.removeTree(path) }
                }
            }
        }
    }
}
