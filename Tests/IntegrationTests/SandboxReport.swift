import Foundation

/// The JSON report (`sandbox run --report FILE`), decoded. Decoding fails when a field is missing or has
/// the wrong type, which is itself a check of the format.
struct SandboxReport: Decodable {
    struct Exit: Decodable {
        let code: Int
        let signal: Int?
        let reason: String
    }

    struct Usage: Decodable {
        let wallSeconds: Double
        let userSeconds: Double
        let systemSeconds: Double
        let maxRssBytes: Int64
        let minorFaults: Int64
        let majorFaults: Int64
        let voluntaryContextSwitches: Int64
        let involuntaryContextSwitches: Int64
        let blockInputOps: Int64
        let blockOutputOps: Int64

        var cpuSeconds: Double { userSeconds + systemSeconds }
    }

    struct Blocked: Decodable {
        let syscall: String
        let count: Int
        let action: String
        let rule: String?
    }

    struct Seccomp: Decodable {
        let blocked: [Blocked]
    }

    let version: Int
    let command: [String]
    let profile: String
    let exit: Exit
    let limitHit: String?
    let usage: Usage
    let seccomp: Seccomp
    let notes: [String]?

    /// The raw object, for checks that a key is present even when its value is null.
    let raw: [String: Any]

    enum CodingKeys: String, CodingKey {
        case version, command, profile, exit, limitHit, usage, seccomp, notes
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        command = try c.decode([String].self, forKey: .command)
        profile = try c.decode(String.self, forKey: .profile)
        exit = try c.decode(Exit.self, forKey: .exit)
        limitHit = try c.decodeIfPresent(String.self, forKey: .limitHit)
        usage = try c.decode(Usage.self, forKey: .usage)
        seccomp = try c.decode(Seccomp.self, forKey: .seccomp)
        notes = try c.decodeIfPresent([String].self, forKey: .notes)
        raw = [:]
    }

    private init(decoded: SandboxReport, raw: [String: Any]) {
        version = decoded.version
        command = decoded.command
        profile = decoded.profile
        exit = decoded.exit
        limitHit = decoded.limitHit
        usage = decoded.usage
        seccomp = decoded.seccomp
        notes = decoded.notes
        self.raw = raw
    }

    static func decode(_ data: Data, context: CustomStringConvertible) throws -> SandboxReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let decoded = try decoder.decode(SandboxReport.self, from: data)
            let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            return SandboxReport(decoded: decoded, raw: raw)
        } catch {
            throw HarnessError("report does not decode: \(error)\n\(String(decoding: data, as: UTF8.self))\n\(context)")
        }
    }

    func blocked(_ syscall: String) -> Blocked? { seccomp.blocked.first { $0.syscall == syscall } }
}
