import Foundation

/// The files the format tests read: the repository's built-in profiles, and the shared OCI fixtures
/// (which CI clones beside the repository: `<root>/../shared/data/oci`).
enum FormatsTestFiles {
    /// The package root, found from this file's own path (Tests/SandboxFormatsTests/Support.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The first `shared/data/oci` above the package root (beside it in CI, two levels up in a worktree
    /// under `wt/`); beside the root when there is none, so a missing fixture names that path.
    static let ociData: String = {
        var url = URL(fileURLWithPath: packageRoot).deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("shared/data/oci").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/data/oci").path
    }()

    /// `profiles/*.toml`, by name.
    static let profiles: [(name: String, text: String)] = {
        let directory = packageRoot + "/profiles"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
        return names.map { ($0, (try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) ?? "") }
    }()

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

/// A small deterministic random number generator (SplitMix64), so that a fuzz failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
