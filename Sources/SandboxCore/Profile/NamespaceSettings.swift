/// `[namespaces]` and `[network]`: the namespaces the command's child is cloned into, how the caller's ids
/// map inside a user namespace, the hostname of a UTS namespace and the network mode. Every namespace is off
/// by default, and then the launch makes no system call for any of them.
public struct NamespaceSettings: Sendable, Equatable {
    /// A namespace the profile can ask for: its key under `[namespaces]` and its clone(2) flag.
    public enum Kind: String, CaseIterable, Sendable {
        case user, pid, mount, network, ipc, uts, cgroup

        /// CLONE_NEWUSER and friends (linux/sched.h).
        public var cloneFlag: UInt64 {
            switch self {
            case .user: return 0x1000_0000
            case .pid: return 0x2000_0000
            case .mount: return 0x0002_0000
            case .network: return 0x4000_0000
            case .ipc: return 0x0800_0000
            case .uts: return 0x0400_0000
            case .cgroup: return 0x0200_0000
            }
        }

        /// The name under /proc/PID/ns.
        public var procName: String {
            switch self {
            case .network: return "net"
            case .mount: return "mnt"
            default: return rawValue
            }
        }
    }

    /// `network.mode`: the host's network (no namespace), or a network namespace with only loopback, up.
    public enum NetworkMode: String, CaseIterable, Sendable {
        case host, none
    }

    /// The namespaces asked for by `namespaces.KIND = true`, in `Kind` order.
    public var requested: [Kind]
    /// `namespaces.map_root`: the caller is uid/gid 0 inside the user namespace (else it is itself).
    public var mapRoot: Bool
    /// `namespaces.hostname`: set in the UTS namespace (when there is one).
    public var hostname: String
    public var networkMode: NetworkMode

    public init(requested: [Kind] = [], mapRoot: Bool = false, hostname: String = "sandbox", networkMode: NetworkMode = .host) {
        self.requested = requested
        self.mapRoot = mapRoot
        self.hostname = hostname
        self.networkMode = networkMode
    }

    /// The namespaces the profile asks for: the listed ones, plus a network namespace for `network.mode =
    /// "none"`.
    public var wanted: [Kind] {
        Kind.allCases.filter { requested.contains($0) || ($0 == .network && networkMode == .none) }
    }
}
