/// A TOML value as `TOMLParser` reads it. Integers are 64-bit (TOML's range); dates and times are
/// recognised and kept as written, since a profile gives them no meaning.
public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    /// An offset or local date-time, a local date or a local time, as written.
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)
}
