/// The rlimits a profile can set, by their profile key. Numbers are the Linux `RLIMIT_*` values, which are
/// the same on every architecture Linux supports except alpha, mips and sparc (not targets of ours).
public enum ResourceLimit: String, CaseIterable, Sendable {
    case cpu, address_space, data, stack, open_files, processes, file_size, core, locked_memory
    case pending_signals, message_queues, file_locks, realtime_priority, realtime_cpu, nice_ceiling

    /// How the value is written in a profile.
    public enum Unit: Sendable { case bytes, seconds, microseconds, count }

    public var resource: Int32 {
        switch self {
        case .cpu: return 0
        case .file_size: return 1
        case .data: return 2
        case .stack: return 3
        case .core: return 4
        case .processes: return 6
        case .open_files: return 7
        case .locked_memory: return 8
        case .address_space: return 9
        case .file_locks: return 10
        case .pending_signals: return 11
        case .message_queues: return 12
        case .nice_ceiling: return 13
        case .realtime_priority: return 14
        case .realtime_cpu: return 15
        }
    }

    public var unit: Unit {
        switch self {
        case .cpu: return .seconds
        case .realtime_cpu: return .microseconds
        case .address_space, .data, .stack, .file_size, .core, .locked_memory, .message_queues: return .bytes
        case .open_files, .processes, .pending_signals, .file_locks, .realtime_priority, .nice_ceiling: return .count
        }
    }

    /// The kernel's name, for messages: `RLIMIT_NOFILE`.
    public var kernelName: String {
        let names = [0: "CPU", 1: "FSIZE", 2: "DATA", 3: "STACK", 4: "CORE", 6: "NPROC", 7: "NOFILE", 8: "MEMLOCK",
                     9: "AS", 10: "LOCKS", 11: "SIGPENDING", 12: "MSGQUEUE", 13: "NICE", 14: "RTPRIO", 15: "RTTIME"]
        return "RLIMIT_" + names[Int(resource)]!
    }

    static func byResource(_ resource: Int64) -> ResourceLimit? {
        allCases.first { Int64($0.resource) == resource }
    }

    /// Names people write from habit (ulimit, prlimit, systemd) and what we call them.
    static let habitualNames: [String: String] = [
        "nofile": "open_files", "nproc": "processes", "as": "address_space", "fsize": "file_size",
        "memlock": "locked_memory", "sigpending": "pending_signals", "msgqueue": "message_queues",
        "locks": "file_locks", "rtprio": "realtime_priority", "rttime": "realtime_cpu", "nice": "nice_ceiling",
        "vmem": "address_space", "memory": "address_space",
    ]
}

/// A soft and hard limit; `nil` is RLIM_INFINITY ("unlimited").
public struct LimitValue: Equatable, Sendable {
    public var soft: UInt64?
    public var hard: UInt64?
}

/// The limits a profile sets, by resource. Kept as raw rlim_t pairs indexed by the RLIMIT number rather
/// than in a dictionary (or an array of optionals): it is read on every launch, and each generic type the
/// process uses for the first time costs the Swift runtime a metadata instantiation, a dictionary keyed by
/// an enum of ours also a scan of every protocol conformance.
public struct ResourceLimits: Equatable, Sendable {
    /// soft, hard for each RLIMIT number 0..<16; UInt64.max is RLIM_INFINITY ("unlimited").
    private var raw = [UInt64](repeating: .max, count: 32)
    /// Bit N: RLIMIT number N is set.
    private var present: UInt32 = 0

    public init() {}

    public subscript(limit: ResourceLimit) -> LimitValue? {
        get {
            let i = Int(limit.resource)
            guard present & (1 << i) != 0 else { return nil }
            return LimitValue(soft: raw[2 * i] == .max ? nil : raw[2 * i], hard: raw[2 * i + 1] == .max ? nil : raw[2 * i + 1])
        }
        set {
            let i = Int(limit.resource)
            if let newValue {
                present |= 1 << i
                raw[2 * i] = newValue.soft ?? .max
                raw[2 * i + 1] = newValue.hard ?? .max
            } else {
                present &= ~(1 << i)
                raw[2 * i] = .max
                raw[2 * i + 1] = .max
            }
        }
    }

    public var isEmpty: Bool { present == 0 }

    /// The limits set, in `ResourceLimit.allCases` order.
    public var entries: [(limit: ResourceLimit, value: LimitValue)] {
        ResourceLimit.allCases.compactMap { limit in self[limit].map { (limit, $0) } }
    }
}
