import Foundation
import SandboxCore
import Testing

extension SandboxBinary {
    /// A sample of the schema extremes (`SandboxCoreTests/SchemaExtremesTests` covers every value in the
    /// library) through the real binary, for every key of `ProfileSchema.keys`: in a profile file and as
    /// `--set`, each refused value is exit 125, one line naming the file, line and key (or the flag and
    /// key), and the command, which would create a file, never runs.
    @Suite struct SchemaExtremesBinaryTests {
        static let sample = ["-1", "9223372036854775808", "1e308", "nan", "\"1e300s\"", "\"99999999999999999999999s\"",
                             "true", "[1]", "{}", "\"\"", "1979-05-27"]

        /// Up to `count` values of the sample that the library refuses for `path` in a file (and whether
        /// it refuses them as `--set` too: there a value that is not one TOML value is a string).
        static func refused(_ path: String, in dir: TemporaryDirectory, count: Int) throws -> [(String, Bool)] {
            var values: [(String, Bool)] = []
            let resolver = ProfileResolver(environment: [:])
            for value in sample where values.count < count {
                let file = try dir.write("probe.toml", SchemaText.profile(path, value))
                guard (try? resolver.resolve([file])) == nil else { continue }
                values.append((value, path != "extends" && (try? resolver.resolve([], overrides: ["\(path)=\(value)"])) == nil))
            }
            return values
        }

        @Test("refused extremes through the binary", arguments: ProfileSchema.keys.map(\.path))
        func binary(_ path: String) throws {
            let dir = try TemporaryDirectory()
            let marker = dir.file("marker")
            let values = try Self.refused(path, in: dir, count: 2)
            #expect(!values.isEmpty, "\(path): nothing in the sample is refused")
            for (value, bySet) in values {
                let file = try dir.write("x.toml", SchemaText.profile(path, value))
                var runs = [(["-p", file], "sandbox: \(file):3: ")]
                if bySet { runs.append((["--set", "\(path)=\(value)"], "sandbox: --set")) }
                for (options, prefix) in runs {
                    let out = try Harness.sandbox(["run", "-q"] + options + ["--", "touch", marker])
                    #expect(out.status == 125, "\(path) = \(value): \(out)")
                    #expect(out.stderr.hasPrefix(prefix), "\(path) = \(value): \(out)")
                    #expect(out.stderr.contains(path), "names the key: \(out)")
                    #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.hasSuffix("\n"), "one line: \(out)")
                    #expect(out.stdout.isEmpty, "\(out)")
                    #expect(!FileManager.default.fileExists(atPath: marker), "\(path) = \(value): the command ran")
                }
            }
        }
    }
}

/// `key = value` on line 3 of a profile, under its section's header.
enum SchemaText {
    static func profile(_ path: String, _ value: String) -> String {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 1 { return "# extremes\n\n\(path) = \(value)\n" }
        return "# extremes\n[\(parts[0])]\n\(parts[1]) = \(value)\n"
    }
}
