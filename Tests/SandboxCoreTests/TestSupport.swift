import Foundation
import Testing
@testable import SandboxCore

/// A fresh directory under the system temporary directory, removed when the value goes away. Profiles
/// written here are found through `SANDBOX_PROFILE_PATH` (see `resolver`), never through the caller's
/// HOME or /etc.
final class TempDir {
    let path: String

    init() throws {
        let base = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/sandbox-utest-XXXXXX"
        var template = Array(base.utf8CString)
        guard let made = mkdtemp(&template) else { throw SandboxError.system("mkdtemp", errno: errno) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` (which may contain directories) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        let directory = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileIO.writeText(text, to: full)
        return full
    }

    /// Writes raw bytes (a String cannot hold invalid UTF-8).
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        guard FileManager.default.createFile(atPath: full, contents: Data(bytes)) else {
            throw SandboxError(.setup, full, "cannot create")
        }
        return full
    }

    /// A resolver that looks here first, with no HOME (so the caller's own profiles never leak in).
    var resolver: ProfileResolver { ProfileResolver(environment: ["SANDBOX_PROFILE_PATH": path]) }
}

enum TestPaths {
    /// The package root, found from this file's own path (Tests/SandboxCoreTests/TestSupport.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The shared test data, which CI clones beside the repository: `<root>/../shared/data/oci`.
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
}

/// A resolver that sees only the built-in profiles (and /etc/sandbox/profiles, absent on test machines).
let builtinResolver = ProfileResolver(environment: [:])

/// The built-in profile `name`, resolved.
func builtin(_ name: String) throws -> Profile { try builtinResolver.resolve([name]) }
