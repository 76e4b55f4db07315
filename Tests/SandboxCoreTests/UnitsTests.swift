import Testing
@testable import SandboxCore

@Suite("Units: sizes and durations")
struct UnitsTests {
    static let sizes: [(String, UInt64?)] = [
        ("0", 0),
        ("100", 100),
        ("100B", 100),
        ("512MiB", 512 << 20),
        ("512M", 512 << 20),
        ("512m", 512 << 20),
        ("1G", 1 << 30),
        ("1g", 1 << 30),
        ("2GiB", 2 << 30),
        ("64k", 64 << 10),
        ("64K", 64 << 10),
        ("64KiB", 64 << 10),
        ("3T", 3 << 40),
        ("10KB", 10_000),
        ("10MB", 10_000_000),
        ("10GB", 10_000_000_000),
        ("1TB", 1_000_000_000_000),
        (" 2 GiB ", 2 << 30),
        ("18446744073709551615", .max),
        // Too large for 64 bits, as a number or after the multiplier.
        ("18446744073709551616", nil),
        ("16777216TiB", nil),
        ("17179869184G", nil),
        // Not sizes.
        ("", nil),
        ("MiB", nil),
        ("12 parsecs", nil),
        ("1.5G", nil),
        ("-1", nil),
        ("1kb", nil),
        ("1 KIB", nil),
        ("0x10", nil),
        ("unlimited", nil),
    ]

    @Test("Units.bytes", arguments: sizes)
    func bytes(_ text: String, _ expected: UInt64?) {
        #expect(Units.bytes(text) == expected)
    }

    static let durations: [(String, Double?)] = [
        ("0", 0),
        ("10", 10),
        ("500ms", 0.5),
        ("1.5s", 1.5),
        ("30s", 30),
        ("30sec", 30),
        ("5m", 300),
        ("5min", 300),
        ("2h", 7200),
        ("0.25h", 900),
        (".5s", 0.5),
        (" 5 m ", 300),
        ("", nil),
        ("s", nil),
        ("1.2.3s", nil),
        ("5d", nil),
        ("5M", nil),
        ("-1s", nil),
        ("1e3", nil),
        ("3 fortnights", nil),
    ]

    @Test("Units.seconds", arguments: durations)
    func seconds(_ text: String, _ expected: Double?) {
        #expect(Units.seconds(text) == expected)
    }

    static let byteFigures: [(UInt64, String)] = [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (512 << 20, "512.0 MiB"),
        ((5 << 30) + (1 << 29), "5.5 GiB"),
        (3 << 40, "3.0 TiB"),
        (5 << 50, "5120.0 TiB"),
    ]

    @Test("Units.formatBytes", arguments: byteFigures)
    func formatBytes(_ bytes: UInt64, _ expected: String) {
        #expect(Units.formatBytes(bytes) == expected)
    }

    static let secondFigures: [(Double, String)] = [
        (0, "0.000 s"),
        (0.004, "0.004 s"),
        (0.0123, "0.01 s"),
        (1.234, "1.23 s"),
        (59.5, "59.50 s"),
        (119, "119.00 s"),
        (120, "2m 00s"),
        (123.9, "2m 03s"),
        (3600, "60m 00s"),
    ]

    @Test("Units.formatSeconds", arguments: secondFigures)
    func formatSeconds(_ seconds: Double, _ expected: String) {
        #expect(Units.formatSeconds(seconds) == expected)
    }

    @Test func fixedPointFormatting() {
        #expect(String(fixed: 2.5, decimals: 0) == "3")
        #expect(String(fixed: 0.05, decimals: 1) == "0.1")
        #expect(String(fixed: 1.005, decimals: 3) == "1.005")
        #expect(String(fixed: -1.25, decimals: 1) == "-1.3")
        #expect(String(fixed: 10, decimals: 2) == "10.00")
        #expect(String(twoDigits: 7) == "07")
        #expect(String(twoDigits: 42) == "42")
    }

    /// A size that parses round-trips through the formatter to the same figure.
    @Test func parseThenFormat() {
        #expect(Units.bytes("512MiB").map(Units.formatBytes) == "512.0 MiB")
        #expect(Units.bytes("64k").map(Units.formatBytes) == "64.0 KiB")
    }
}
