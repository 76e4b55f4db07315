#if canImport(Glibc)
import Glibc
#endif

extension KernelFeatures {
    /// The host's cgroup layout, read once (statfs of /sys/fs/cgroup, /proc/self/cgroup). Only a run that
    /// asks for a cgroup touches this.
    public static let cgroupLayout: CgroupLayoutDetection = CgroupLayout.detect()

    /// Whether this process may create cgroups beneath its own: the directory of its cgroup in each
    /// hierarchy must be writable (root, or a subtree the host delegated, as systemd delegates
    /// `user@UID.service` or a scope started with `Delegate=yes`). `directories` are the ones the run
    /// needs.
    static func cgroupDelegation(_ directories: [String]) -> Availability {
        let denied = directories.filter { access($0, W_OK) != 0 }
        guard !denied.isEmpty else { return .yes }
        let uid = getuid()
        return .no("the cgroup\(denied.count > 1 ? "s" : "") sandbox runs in (\(denied.joined(separator: ", "))) \(denied.count > 1 ? "are" : "is") not writable by uid \(uid): nothing is delegated to it",
                   fix: "run as root, or under a delegated cgroup (systemd-run --user --scope -p Delegate=yes sandbox run ...; on a hybrid host the v1 controllers need the administrator to delegate them)")
    }
}
