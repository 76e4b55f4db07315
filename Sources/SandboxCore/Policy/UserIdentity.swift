#if canImport(Glibc)
import Glibc
#endif

/// `process.user` / `process.group` resolved to numbers in the parent (getpwnam_r and getgrnam_r read NSS,
/// which the child must never do).
public struct UserIdentity: Sendable, Equatable {
    public let uid: uid_t
    public let gid: gid_t
    /// How the profile named them, for the report and errors.
    public let userText: String?
    public let groupText: String?

    /// nil when the profile names neither. A user without a group takes the user's primary group (as `su`
    /// does); a group alone keeps the caller's uid.
    public static func resolve(user: String?, group: String?, callerUid: uid_t, callerGid: gid_t) throws -> UserIdentity? {
        guard user != nil || group != nil else { return nil }
        var uid = callerUid
        var gid = callerGid
        if let user {
            guard let entry = userEntry(user) else {
                throw SandboxError(.usage, "process.user", "no such user '\(user)'", hint: "write a user of /etc/passwd or a number such as \"65534\"")
            }
            (uid, gid) = entry
        }
        if let group {
            guard let number = groupNumber(group) else {
                throw SandboxError(.usage, "process.group", "no such group '\(group)'", hint: "write a group of /etc/group or a number such as \"65534\"")
            }
            gid = number
        }
        return UserIdentity(uid: uid, gid: gid, userText: user, groupText: group)
    }

    /// A number stands for itself (its primary group is then the group of that number's entry, or the
    /// same number when there is none).
    private static func userEntry(_ name: String) -> (uid_t, gid_t)? {
        let number = UInt32(name)
        for fields in entries("/etc/passwd") where fields.count > 3 {
            guard let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { continue }
            if fields[0] == name || uid == number { return (uid, gid) }
        }
        return number.map { ($0, $0) }
    }

    private static func groupNumber(_ name: String) -> gid_t? {
        if let number = UInt32(name) { return number }
        return entries("/etc/group").first { $0.count > 2 && $0[0] == name }.flatMap { UInt32($0[2]) }
    }

    /// The colon-separated lines of /etc/passwd or /etc/group. Read directly rather than through NSS
    /// (getpwnam_r): the release binary links glibc statically, which cannot load NSS modules. Names of
    /// other NSS sources (LDAP, systemd-homed) are therefore not found; numbers always work.
    private static func entries(_ path: String) -> [[Substring]] {
        ((try? FileIO.readText(path)) ?? "").split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
    }
}
