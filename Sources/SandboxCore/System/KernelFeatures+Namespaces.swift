#if canImport(Glibc)
import Glibc
#endif

/// Why the kernel will not create a namespace for us, and what to do about it. Read only when a clone
/// with namespace flags (or a map write) has failed, or when a step in a user namespace is refused: the
/// run that works pays nothing for it.
extension KernelFeatures {
    /// The settings that decide whether namespaces can be made here.
    public struct NamespaceEnvironment: Sendable {
        /// `user.max_user_namespaces` (0 disables user namespaces for everyone but... nobody: root too).
        public var maxUserNamespaces: Int?
        /// `kernel.apparmor_restrict_unprivileged_userns` (Ubuntu 23.10 and later): 1 gives an unprivileged
        /// user namespace no capabilities unless an AppArmor profile allows the program `userns`.
        public var apparmorRestrictsUserNamespaces: Int?
        /// `kernel.unprivileged_userns_clone` (Debian's and older Ubuntu kernels' switch): 0 refuses them.
        public var unprivilegedUserNamespaceClone: Int?
        /// `Seccomp: 2` in /proc/self/status: a filter (a container's) is around sandbox itself.
        public var seccompFiltered: Bool
        /// /proc/self/exe, for the AppArmor profile to print.
        public var executable: String

        public init(maxUserNamespaces: Int?, apparmorRestrictsUserNamespaces: Int?, unprivilegedUserNamespaceClone: Int?,
                    seccompFiltered: Bool, executable: String) {
            self.maxUserNamespaces = maxUserNamespaces
            self.apparmorRestrictsUserNamespaces = apparmorRestrictsUserNamespaces
            self.unprivilegedUserNamespaceClone = unprivilegedUserNamespaceClone
            self.seccompFiltered = seccompFiltered
            self.executable = executable
        }

        /// This machine's, read once.
        public static let current: NamespaceEnvironment = {
            func number(_ path: String) -> Int? {
                (try? FileIO.readText(path)).flatMap { Int($0.trimmingCharacters(in: " \n")) }
            }
            let status = (try? FileIO.readText("/proc/self/status")) ?? ""
            let seccomp = status.split(separator: "\n").first { $0.hasPrefix("Seccomp:") }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
            return NamespaceEnvironment(
                maxUserNamespaces: number("/proc/sys/user/max_user_namespaces"),
                apparmorRestrictsUserNamespaces: number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
                unprivilegedUserNamespaceClone: number("/proc/sys/kernel/unprivileged_userns_clone"),
                seccompFiltered: seccomp.map { $0.hasSuffix("2") } ?? false,
                executable: length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/usr/local/bin/sandbox")
        }()
    }

    /// The AppArmor profile that lets `executable` create user namespaces under Ubuntu's restriction.
    public static func appArmorProfile(for executable: String) -> String {
        "abi <abi/4.0>, include <tunables/global> profile sandbox \(executable) flags=(unconfined) { userns, }"
    }

    /// Why creating `namespaces` failed with `errno` (from clone3, clone, or writing a map), with the fix.
    /// `privileged`: we hold CAP_SYS_ADMIN, so no user namespace was needed for the others.
    public static func namespaceRefusal(errno code: Int32, namespaces: [NamespaceSettings.Kind], privileged: Bool,
                                        environment env: NamespaceEnvironment = .current) -> Availability {
        let wantsUser = namespaces.contains(.user)
        let bestEffort = "or list them in best_effort (\"namespaces\") to run without"
        if wantsUser, env.maxUserNamespaces == 0 {
            return .no("user namespaces are disabled (user.max_user_namespaces = 0)",
                       fix: "sysctl -w user.max_user_namespaces=15000 as root, \(bestEffort)")
        }
        if wantsUser, !privileged, env.unprivilegedUserNamespaceClone == 0 {
            return .no("unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)",
                       fix: "sysctl -w kernel.unprivileged_userns_clone=1 as root, \(bestEffort)")
        }
        if wantsUser, !privileged, env.apparmorRestrictsUserNamespaces == 1, code == EPERM || code == EACCES {
            return .no("AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)",
                       fix: "allow sandbox with an AppArmor profile in /etc/apparmor.d/sandbox: '\(appArmorProfile(for: env.executable))' "
                           + "then apparmor_parser -r /etc/apparmor.d/sandbox (or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)")
        }
        if env.seccompFiltered, code == EPERM || code == ENOSYS || code == EACCES {
            return .no("a seccomp filter around sandbox (a container's policy, such as Docker's default) refuses to create namespaces",
                       fix: "run the container with a seccomp profile that allows clone and unshare with namespace flags, \(bestEffort)")
        }
        switch code {
        case ENOSPC:
            return .no("the limit on namespaces is reached (/proc/sys/user/max_*_namespaces)",
                       fix: "raise the limit with sysctl, or wait for the namespaces of ended runs to be freed")
        case EUSERS:
            return .no("user namespaces nest at most 32 deep", fix: "run sandbox from an outer namespace")
        case EINVAL:
            return .no("this kernel lacks one of them (CONFIG_USER_NS, CONFIG_PID_NS, CONFIG_NET_NS, CONFIG_UTS_NS, CONFIG_IPC_NS, CONFIG_CGROUPS)",
                       fix: bestEffort)
        case EPERM where !privileged && !wantsUser:
            return .no("creating namespaces needs CAP_SYS_ADMIN or a user namespace", fix: "set namespaces.user = true, or run as root")
        default:
            return .no(String(cString: strerror(code)), fix: bestEffort)
        }
    }

    /// Under Ubuntu's AppArmor restriction an unprivileged user namespace is created but holds no
    /// capabilities, so the first step that needs one fails with EPERM: the explanation then, else nil.
    public static func restrictedUserNamespaceHint(errno code: Int32, environment env: NamespaceEnvironment = .current) -> String? {
        guard code == EPERM, env.apparmorRestrictsUserNamespaces == 1, geteuid() != 0 else { return nil }
        let refusal = namespaceRefusal(errno: code, namespaces: [.user], privileged: false, environment: env)
        return refusal.reason + "; " + (refusal.fix ?? "")
    }
}
