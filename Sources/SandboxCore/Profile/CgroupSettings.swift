/// `[cgroup]`: the run's own cgroup and its limits (Policy/CgroupPlan.swift turns them into writes to the
/// cgroup's files). A run gets a cgroup when any of these is set, or `enabled = true`; nothing is done,
/// nothing is even read, for a profile that sets none.
public struct CgroupSettings: Sendable, Equatable {
    /// A device's bandwidth limit: `"/dev/vda" = "50MiB"` (bytes per second).
    public struct Bandwidth: Sendable, Equatable {
        public var device: String
        public var bytesPerSecond: UInt64
    }

    /// `enabled` as written (nil: not written; a limit then implies a cgroup).
    public var enabled: Bool?
    public var memory: UInt64?
    /// nil: 0 when `memory` is set (swap must not dodge the limit), else untouched.
    public var memorySwap: UInt64?
    public var processes: Int?
    /// CPU bandwidth in cores (`1.5`: 150 ms of CPU time per 100 ms period).
    public var cpu: Double?
    /// 1-10000, 100 being the kernel's default (cgroup v2's scale; converted to cpu.shares on v1).
    public var cpuWeight: Int?
    /// 1-10000, 100 being the default (v2 io.weight; blkio.bfq.weight 1-1000 on v1).
    public var ioWeight: Int?
    public var ioReadBandwidth: [Bandwidth]
    public var ioWriteBandwidth: [Bandwidth]

    public static let none = CgroupSettings(enabled: nil, memory: nil, memorySwap: nil, processes: nil, cpu: nil, cpuWeight: nil,
                                            ioWeight: nil, ioReadBandwidth: [], ioWriteBandwidth: [])

    /// Whether the run gets a cgroup of its own.
    public var isUsed: Bool { enabled ?? hasLimits }

    public var hasLimits: Bool {
        memory != nil || memorySwap != nil || processes != nil || cpu != nil || cpuWeight != nil || ioWeight != nil
            || !ioReadBandwidth.isEmpty || !ioWriteBandwidth.isEmpty
    }

    /// The swap allowance that applies: as written, else 0 under a memory limit.
    public var effectiveSwap: UInt64? { memorySwap ?? (memory != nil ? 0 : nil) }

    /// Decodes `[cgroup]` from the merged settings (one call from ProfileDecoder).
    static func decode(_ field: (String) -> Field?) throws -> CgroupSettings {
        var s = CgroupSettings.none
        s.enabled = try field("cgroup.enabled")?.bool()
        s.memory = try field("cgroup.memory")?.size()
        s.memorySwap = try field("cgroup.memory_swap")?.size()
        s.processes = try field("cgroup.processes")?.integer(1...4_194_304)
        s.cpu = try field("cgroup.cpu")?.cores()
        s.cpuWeight = try field("cgroup.cpu_weight")?.integer(1...10_000)
        s.ioWeight = try field("cgroup.io_weight")?.integer(1...10_000)
        s.ioReadBandwidth = try field("cgroup.io_read_bandwidth")?.bandwidths() ?? []
        s.ioWriteBandwidth = try field("cgroup.io_write_bandwidth")?.bandwidths() ?? []
        if s.enabled == false, s.hasLimits, let f = field("cgroup.enabled") {
            throw f.error("is false, but a cgroup limit is set", hint: "remove the limit, or enabled = false")
        }
        if let memory = s.memory, memory < 1 << 20, let f = field("cgroup.memory") {
            throw f.error("\(memory) bytes is below 1 MiB, too little for any program to start", hint: "write e.g. \"64MiB\"")
        }
        return s
    }

    func encode(into w: inout ByteWriter) {
        w.optional(enabled) { $0.bool($1) }
        w.optional(memory) { $0.u64($1) }
        w.optional(memorySwap) { $0.u64($1) }
        w.optional(processes) { $0.int($1) }
        w.optional(cpu) { $0.double($1) }
        w.optional(cpuWeight) { $0.int($1) }
        w.optional(ioWeight) { $0.int($1) }
        for list in [ioReadBandwidth, ioWriteBandwidth] {
            w.array(list) { w, b in w.string(b.device); w.u64(b.bytesPerSecond) }
        }
    }

    init(enabled: Bool?, memory: UInt64?, memorySwap: UInt64?, processes: Int?, cpu: Double?, cpuWeight: Int?, ioWeight: Int?,
         ioReadBandwidth: [Bandwidth], ioWriteBandwidth: [Bandwidth]) {
        self.enabled = enabled
        self.memory = memory
        self.memorySwap = memorySwap
        self.processes = processes
        self.cpu = cpu
        self.cpuWeight = cpuWeight
        self.ioWeight = ioWeight
        self.ioReadBandwidth = ioReadBandwidth
        self.ioWriteBandwidth = ioWriteBandwidth
    }

    init(from r: inout ByteReader) throws {
        enabled = try r.optional { try $0.bool() }
        memory = try r.optional { try $0.u64() }
        memorySwap = try r.optional { try $0.u64() }
        processes = try r.optional { try $0.int() }
        cpu = try r.optional { try $0.double() }
        cpuWeight = try r.optional { try $0.int() }
        ioWeight = try r.optional { try $0.int() }
        ioReadBandwidth = try r.array { Bandwidth(device: try $0.string(), bytesPerSecond: try $0.u64()) }
        ioWriteBandwidth = try r.array { Bandwidth(device: try $0.string(), bytesPerSecond: try $0.u64()) }
    }
}

extension Field {
    /// Bytes: an integer, or a string with a unit (`"512MiB"`).
    func size() throws -> UInt64 {
        switch value {
        case .integer(let i) where i >= 0: return UInt64(i)
        case .integer(let i): throw error("\(i) is negative")
        case .string(let s):
            guard let bytes = Units.bytes(s) else {
                throw error("'\(s)' is not a size", hint: "write bytes, or e.g. \"512KiB\", \"64MiB\", \"2GiB\"")
            }
            return bytes
        default: throw expected("a size (bytes, or e.g. \"512MiB\")")
        }
    }

    /// CPU cores: a positive number, or a string holding one (`"1.5"`), at least 0.01 (1 ms per 100 ms).
    func cores() throws -> Double {
        let cores: Double
        switch value {
        case .integer(let i): cores = Double(i)
        case .float(let d): cores = d
        case .string(let s):
            guard let d = Double(s.trimmingCharacters(in: " ")), d.isFinite else {
                throw error("'\(s)' is not a number of cores", hint: "write e.g. \"0.5\", \"1.5\" or 2")
            }
            cores = d
        default: throw expected("a number of cores, e.g. \"1.5\"")
        }
        guard cores >= 0.01, cores <= 65_536 else { throw error("\(cores) cores is out of range 0.01...65536") }
        return cores
    }

    /// `{ "/dev/vda" = "50MiB" }`: a device path and its bytes per second.
    func bandwidths() throws -> [CgroupSettings.Bandwidth] {
        guard case .table(let pairs) = value else { throw expected("a table of device = bytes per second, e.g. { \"/dev/vda\" = \"50MiB\" }") }
        return try pairs.map { device, v in
            let sub = Field(path: path + "." + device, setting: Setting(value: v, origin: setting.origin))
            guard device.hasPrefix("/dev/") else { throw sub.error("'\(device)' is not a device path under /dev") }
            let bytes = try sub.size()
            guard bytes > 0 else { throw sub.error("0 bytes per second would stop all I/O", hint: "remove the entry for no limit") }
            return CgroupSettings.Bandwidth(device: device, bytesPerSecond: bytes)
        }
    }
}
