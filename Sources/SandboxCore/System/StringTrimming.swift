extension StringProtocol {
    /// The string without the characters of `set` at either end (stdlib's answer to Foundation's
    /// `trimmingCharacters(in:)`, for the few places that trim).
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
