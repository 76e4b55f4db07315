import Testing
@testable import SandboxCore

/// Extremes of every value, generated from `ProfileSchema.keys` (a key added later is covered without a
/// test of its own): zero, negatives, the largest integer and one past it, 1e308, inf, nan, every unit,
/// the wrong type, a huge string. Each value is either accepted, and then compiles into a launch-ready
/// profile, or refused with one line naming the file, the line and the key, exit 125. Nothing traps.
/// (`IntegrationTests/SchemaExtremesBinaryTests` runs a sample through the real binary.)
@Suite("Extremes of every schema key")
struct SchemaExtremesTests {
    /// 64 KiB: far past any real value (ProfileDecodingTests has a 1 MiB key), and quick in a debug build.
    static let hugeString = "\"" + String(repeating: "x", count: 1 << 16) + "\""

    /// TOML literals: numbers at and past every bound, every size and duration unit, every type.
    static let values: [String] = {
        var values = ["0", "-0", "1", "-1", "7", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                      "-9223372036854775809", "0x7FFFFFFFFFFFFFFF", "0.0", "0.5", "-0.5", "1e308", "-1e308", "1e309", "5e-324",
                      "inf", "-inf", "+inf", "nan", "-nan", "true", "false", "[]", "[1]", "[\"\"]", "[[]]", "{}", "{ soft = 1 }",
                      "{ soft = 1, hard = 0 }", "{ soft = 9223372036854775807, hard = 9223372036854775807 }", "{ soft = -1, hard = 1 }",
                      "{ soft = \"1e300s\", hard = \"unlimited\" }", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z",
                      "\"\"", "\"-1\"", "\" \"", "\"unlimited\"", "\"nan\"", "\"inf\"", "\"0x10\"", "\"1.5.5s\"", "\"\\u0663s\"", "\"1 s\"",
                      "\"18446744073709551615\"", "\"18446744073709551616\"", "\"17179869184GiB\"", "\"16777216TiB\"",
                      "\"1e300s\"", "\"99999999999999999999999s\"", "\"1000000000s\"", "\"1000000001s\"", "\"-5s\"", "\"16666667m\"",
                      "\"\\u0000\"", "\"a\\nb\"", "[\"/\"]", "[\"relative\"]", "[\"a=b\"]", "{ A = 1 }", "{ A = \"b\" }", hugeString,
                      "[" + hugeString + "]"]
        for unit in ["", "B", "K", "KiB", "M", "MiB", "G", "GiB", "T", "TiB", "k", "m", "g", "KB", "MB", "GB", "TB", "ms", "s", "sec", "min", "h", "d", "KIB"] {
            values.append("\"1\(unit)\"")
            values.append("\"0.5\(unit)\"")
        }
        return values
    }()

    /// The file text for `key = value` on line 3, and the key as the error must name it.
    static func profile(_ path: String, _ value: String) -> String {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 1 { return "# extremes\n\n\(path) = \(value)\n" }
        return "# extremes\n[\(parts[0])]\n\(parts[1]) = \(value)\n"
    }

    /// Every key of the schema, every value: accepted and compiled, or refused as one line at file:3.
    @Test("every value of every key is accepted or refused on one line", arguments: ProfileSchema.keys.map(\.path))
    func extremes(_ path: String) throws {
        let dir = try TempDir()
        var accepted = 0, refused = 0
        for value in Self.values {
            let file = try dir.write("x.toml", Self.profile(path, value))
            do {
                let profile = try dir.resolver.resolve([file])
                // Accepted: it must also survive compiling and the cache codec.
                var w = ByteWriter()
                CompiledProfile(profile: profile).encode(into: &w)
                accepted += 1
            } catch let error as SandboxError {
                refused += 1
                let text = error.description
                #expect(error.exitStatus == 125, "\(path) = \(value.prefix(60)): \(text.prefix(200))")
                #expect(!text.contains("\n"), "one line for \(path) = \(value.prefix(60)): \(text.prefix(200))")
                #expect(text.utf8.count < 1200, "short for \(path) = \(value.prefix(60)): \(text.prefix(200))")
                #expect(text.hasPrefix("\(file):3: "), "file and line for \(path) = \(value.prefix(60)): \(text.prefix(200))")
                if path != "extends" {
                    #expect(text.contains(path), "key for \(path) = \(value.prefix(60)): \(text.prefix(200))")
                }
            }
        }
        #expect(refused > 0, "\(path): some extreme is refused")
        #expect(accepted + refused == Self.values.count)
    }

    /// The same values through `--set`: refused on one line naming the flag and the key.
    @Test("every value of every key through --set", arguments: ProfileSchema.keys.map(\.path).filter { $0 != "extends" })
    func extremesThroughSet(_ path: String) throws {
        for value in Self.values {
            do {
                _ = try builtinResolver.resolve([], overrides: ["\(path)=\(value)"])
            } catch let error as SandboxError {
                let text = error.description
                #expect(error.exitStatus == 125 && !text.contains("\n") && text.utf8.count < 1200, "\(path)=\(value.prefix(60)): \(text.prefix(200))")
                #expect(text.hasPrefix("--set"), "\(path)=\(value.prefix(60)): \(text.prefix(200))")
                #expect(text.contains(path), "\(path)=\(value.prefix(60)): \(text.prefix(200))")
            }
        }
    }
}
