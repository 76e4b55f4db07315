import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

extension KernelFeatures {
    /// The Landlock ABI version (landlock_create_ruleset with LANDLOCK_CREATE_RULESET_VERSION), 0 when the
    /// kernel has none. ABI 1 is Linux 5.13; 2 adds REFER (5.19), 3 TRUNCATE (6.2), 4 TCP rules (6.7),
    /// 5 IOCTL_DEV (6.10), 6 scoping of abstract sockets and signals (6.12), 7 audit logging (6.15).
    public static let landlockABI: Int = Int(max(0, sbx_landlock_abi()))

    /// Whether Landlock can be used, and if not, why.
    public static let landlock: Availability = {
        let abi = sbx_landlock_abi()
        if abi > 0 { return .yes }
        switch errno {
        case ENOSYS:
            return .no("the kernel has no Landlock (CONFIG_SECURITY_LANDLOCK, Linux 5.13)", fix: "a kernel built with Landlock")
        case EOPNOTSUPP:
            return .no("Landlock is built in but not enabled", fix: "add landlock to the lsm= kernel boot parameter")
        default:
            return .no("landlock_create_ruleset: \(String(cString: strerror(errno)))")
        }
    }()
}
