/// The report's account of the filesystem view: which enforcers applied (`mount-namespace`, `landlock`),
/// the Landlock ABI, and how many mount ops and rules were applied.
public struct FilesystemReport: Sendable {
    public let enforcers: [String]
    public let landlockABI: Int?
    public let mountOps: Int
    public let landlockRules: Int

    init(_ plan: FilesystemPlan) {
        enforcers = plan.enforcers
        landlockABI = plan.landlock?.abi
        mountOps = plan.mounts?.ops.count ?? 0
        landlockRules = plan.landlock?.rules.count ?? 0
    }

    var json: JSONValue {
        .object([
            ("enforcers", .array(enforcers.map { .string($0) })),
            ("landlock_abi", landlockABI.map { .int(Int64($0)) } ?? .null),
            ("mount_ops", .int(Int64(mountOps))),
            ("landlock_rules", .int(Int64(landlockRules))),
        ])
    }

    var summary: String {
        let names = enforcers.map { $0 == "landlock" ? "Landlock ABI \(landlockABI ?? 0)" : "mount namespace" }
        return names.isEmpty ? "view not enforced" : "view enforced by " + names.joined(separator: " and ")
    }
}
