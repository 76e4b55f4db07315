import Testing
@testable import SandboxFormats

/// `String(fixed:decimals:)`, which JSON reports use for every double: no trap at any magnitude.
@Suite("Fixed-point formatting")
struct FixedPointTests {
    @Test func ordinaryValues() {
        #expect(String(fixed: 1.5, decimals: 6) == "1.500000")
        #expect(String(fixed: -0.25, decimals: 2) == "-0.25")
        #expect(String(fixed: 0, decimals: 0) == "0")
        #expect(String(fixed: 12_345_678_901.5, decimals: 6) == "12345678901.500000")
    }

    /// 1.8e13 and beyond used to trap converting to UInt64; they are written in shortest form instead.
    @Test func hugeValuesDoNotTrap() {
        #expect(String(fixed: 1.8e13, decimals: 6) == "18000000000000.0")
        #expect(String(fixed: -1.8e13, decimals: 6) == "-18000000000000.0")
        #expect(String(fixed: 9.2e12, decimals: 6) == "9200000000000.000000")
        #expect(String(fixed: .greatestFiniteMagnitude, decimals: 6) == "1.7976931348623157e+308")
        #expect(String(fixed: 9.2e18, decimals: 0) == "9200000000000000000")
        #expect(String(fixed: 9.3e18, decimals: 0) == "9.3e+18")
        #expect(JSONValue.double(1e300).serialized() == "1e+300")
        #expect(JSONValue.double(.infinity).serialized() == "null")
    }
}
