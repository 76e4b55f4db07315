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
    /// stale ones and removes them; the cgroup2 one first, whose cgroup.kill empties the v1 ones too.
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
        let parents = (layout.unifiedDirectory.map { [($0, true)] } ?? []) + layout.hierarchies.map { ($0.directory, false) }
        for (parent, unified) in parents {
            for (name, mayKill) in stale where FileIO.exists(parent + "/" + name) {
                let path = parent + "/" + name
                if CgroupDirectory.removeTree(path) == EBUSY, mayKill {
                    CgroupDirectory.killAll(path, unified: unified)
                    if CgroupDirectory.waitEmpty(path, unified: unified, timeout: 0.5) { CgroupDirectory.removeTree(path) }
                }
            }
        }
    }
}
