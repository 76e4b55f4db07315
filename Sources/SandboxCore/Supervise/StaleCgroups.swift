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
        let bytes = Array(name.utf8)
        let prefix = Array("sandbox-".utf8)
        guard bytes.starts(with: prefix) else { return nil }
        let parts = bytes[prefix.count...].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count >= 2, let number = CgroupFiles.number(parts[0]), let pid = pid_t(exactly: number), pid > 0 else { return nil }
        if parts.count == 2 && CgroupFiles.is(parts[1], "supervisor") { return (pid, false) }
        guard CgroupFiles.number(parts[1]) != nil, parts.count == 2 || (parts.count == 3 && CgroupFiles.is(parts[2], "keep")) else { return nil }
        return (pid, parts.count == 2)
    }

    /// A pid is dead when kill(pid, 0) says ESRCH (EPERM: it lives, under another user).
    static func isDead(_ pid: pid_t) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    /// Looks beside each of the run's future cgroups (in the parents, this process's own cgroups) for
    /// stale ones and removes them: killed first through the cgroup2 one's cgroup.kill (which empties the v1
    /// ones too), the v1 ones removed, the cgroup2 one last.
    /// Where cgroup2 is mounted, every run has a cgroup2 cgroup, made first and removed last, so a stale run
    /// is found by listing that one directory; its name is then removed from every hierarchy of the layout
    /// (an earlier run with a CPU limit had a cpu cgroup too). Legacy hosts list each v1 hierarchy.
    static func clean(_ layout: CgroupLayout) {
        var stale: [(name: String, kill: Bool)] = []
        let listed = layout.unifiedDirectory.map { [$0] } ?? layout.hierarchies.map(\.directory)
        for parent in listed {
            for name in CgroupDirectory.subdirectories(parent) {
                guard let (pid, mayKill) = parse(name), pid != getpid(), isDead(pid), !stale.contains(where: { $0.name == name }) else { continue }
                stale.append((name, mayKill))
            }
        }
        guard !stale.isEmpty else { return }
        for (name, mayKill) in stale {
            // The cgroup2 one is how a stale run is found: it goes last, so that a run cleaning at the same
            // time as this one (both found it) still finds it and finishes the work, rather than returning
            // while the v1 ones are still there. Killing comes first, through its cgroup.kill, which empties
            // the v1 ones too.
            let unified = layout.unifiedDirectory.map { $0 + "/" + name }
            if let unified, mayKill, FileIO.exists(unified) {
                CgroupDirectory.killAll(unified, unified: true)
                _ = CgroupDirectory.waitEmpty(unified, unified: true, timeout: 0.5)
            }
            for path in layout.hierarchies.map({ $0.directory + "/" + name }) + (unified.map { [$0] } ?? []) where FileIO.exists(path) {
                let isUnified = path == unified
                if CgroupDirectory.removeTree(path) == EBUSY, mayKill {
                    CgroupDirectory.killAll(path, unified: isUnified)
                    if CgroupDirectory.waitEmpty(path, unified: isUnified, timeout: 0.5) { CgroupDirectory.removeTree(path) }
                }
            }
        }
    }
}
