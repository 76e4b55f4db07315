import Foundation
import Testing
@testable import SandboxCore

/// Every input in the fuzzers' seed corpus and regressions (`Fuzz/corpus/TARGET`, `Fuzz/regressions/TARGET`,
/// where each crash `scripts/fuzz` finds is kept) through the code its harness drives: it parses or is
/// refused on one line, and nothing traps. (The harnesses in `Fuzz/Sources` check more properties; this
/// keeps every crash fixed in an ordinary `swift test`.)
@Suite("Fuzz corpus and regressions")
struct FuzzRegressionTests {
    static let root = TestPaths.packageRoot + "/Fuzz"

    static func inputs(_ target: String) -> [(String, [UInt8])] {
        var result: [(String, [UInt8])] = []
        for folder in ["corpus", "regressions"] {
            let directory = "\(root)/\(folder)/\(target)"
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
                if let data = FileManager.default.contents(atPath: directory + "/" + name) { result.append(("\(folder)/\(target)/\(name)", [UInt8](data))) }
            }
        }
        return result
    }

    static func oneLine(_ error: Error, _ name: String, prefix: String) {
        let text = "\(error)"
        #expect(!text.contains("\n") && text.hasPrefix(prefix), "\(name): \(text.prefix(300))")
    }

    @Test("every target has seeds", arguments: ["toml", "json", "oci", "set", "units", "resolve"])
    func seeds(_ target: String) {
        #expect(!Self.inputs(target).isEmpty, "Fuzz/corpus/\(target)")
    }

    @Test func toml() {
        for (name, bytes) in Self.inputs("toml") {
            do { _ = try TOMLParser.parse(bytes: bytes, source: "f.toml") } catch { Self.oneLine(error, name, prefix: "f.toml:") }
        }
    }

    @Test func json() {
        for (name, bytes) in Self.inputs("json") {
            do {
                let value = try JSONParser.parse(bytes: bytes, source: "f.json")
                #expect(throws: Never.self, "\(name): serialised JSON parses") { try JSONParser.parse(value.serialized(), source: "again.json") }
            } catch { Self.oneLine(error, name, prefix: "f.json:") }
        }
    }

    @Test func oci() {
        for (name, bytes) in Self.inputs("oci") {
            let found = ProfileResolver.Found(name: "f", source: "f.json", bytes: bytes, isBuiltin: false)
            do {
                let document = try OCIProfileImporter.document(from: found, keptCapabilities: ["CAP_SYS_ADMIN"])
                var merged: [String: Setting] = [:]
                for (path, setting) in document.settings {
                    try ProfileDecoder.check(path, setting)
                    merged[path] = setting
                }
                _ = try SeccompCompiler.resolve(try ProfileDecoder.decode(name: "f", settings: merged).seccomp)
            } catch { Self.oneLine(error, name, prefix: "f.json") }
        }
    }

    @Test func set() {
        for (name, bytes) in Self.inputs("set") {
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                #expect(try ProfileResolver.overrideDocument(text, index: 0).settings.count == 1, "\(name)")
                _ = try builtinResolver.resolve(["default"], overrides: [text])
            } catch { Self.oneLine(error, name, prefix: "--set") }
            let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 {
                do {
                    _ = try ProfileResolver.overrideDocument(key: String(decoding: parts[0], as: UTF8.self),
                                                             value: String(decoding: parts[1], as: UTF8.self), source: "--flag")
                } catch { Self.oneLine(error, name, prefix: "--flag") }
            }
        }
    }

    @Test func units() {
        for (name, bytes) in Self.inputs("units") {
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Units.seconds(text)
            _ = Units.bytes(text)
            for key in ["limits.wall", "limits.kill_after", "limits.cpu", "limits.realtime_cpu", "limits.address_space"] {
                for value in [text, TOMLText.quote(text)] {
                    do { _ = try builtinResolver.resolve([], overrides: ["\(key)=\(value)"]) } catch { Self.oneLine(error, name, prefix: "--set") }
                }
            }
        }
    }

    /// Up to three files separated by lines of `----`: a.toml (resolved), b.toml, c.toml.
    @Test func resolve() throws {
        for (name, bytes) in Self.inputs("resolve") {
            let dir = try TempDir()
            let text = String(decoding: bytes, as: UTF8.self)
            // As the harness splits: at the first two separators; the third file keeps any later ones.
            let pieces = text.components(separatedBy: "\n----\n")
            let files = pieces.count <= 3 ? pieces : Array(pieces[..<2]) + [pieces[2...].joined(separator: "\n----\n")]
            for (n, file) in files.enumerated() {
                try dir.write(["a", "b", "c"][n] + ".toml", bytes: Array(file.utf8))
            }
            do {
                let resolution = try dir.resolver.resolution(["a"])
                var w = ByteWriter()
                CompiledProfile(profile: resolution.profile).encode(into: &w)
                _ = ProfileText.render(resolution)
            } catch let error as SandboxError {
                #expect(!error.description.contains("\n") && error.exitStatus == 125, "\(name): \(error)")
            }
        }
    }
}
