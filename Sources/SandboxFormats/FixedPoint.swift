extension String {
    /// Fixed-point formatting without Foundation's String(format:): `1.500000`, `-0.25`. A value too
    /// large for `decimals` places in 63 bits (above about 9.2e18 / 10^decimals), where fixed digits
    /// would be noise anyway, is written as Swift's shortest round-trip form (`1.8e+19`), a valid JSON
    /// and TOML number; so is a value that is not finite (`inf`, `nan`; JSON callers check first).
    public init(fixed value: Double, decimals: Int) {
        precondition((0...18).contains(decimals), "decimals out of range")
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        // 2^63 is exact as a Double; anything below it converts to Int64 without a trap.
        guard scaled.isFinite, abs(scaled) < 9_223_372_036_854_775_808.0 else {
            self = value.description
            return
        }
        let negative = scaled < 0
        let magnitude = UInt64(abs(scaled))
        let whole = magnitude / UInt64(scale)
        var fraction = String(magnitude % UInt64(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        self = (negative ? "-" : "") + String(whole) + (decimals > 0 ? "." + fraction : "")
    }
}
