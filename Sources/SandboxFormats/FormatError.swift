/// A syntax error in a TOML or JSON document: the document's name, the line, and what is wrong. Its
/// description is one line, `SOURCE:LINE: invalid TOML: WHAT`.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Format: String, Sendable {
        case toml = "TOML"
        case json = "JSON"
    }

    public let format: Format
    /// The document's name as the caller gave it: a path, `builtin:NAME.toml`, `--set`.
    public let source: String
    public let line: Int
    public let message: String

    public init(_ format: Format, source: String, line: Int, message: String) {
        self.format = format
        self.source = source
        self.line = line
        self.message = message
    }

    init(_ format: Format, source: String, _ failure: ParseFailure) {
        self.init(format, source: source, line: failure.line, message: failure.message)
    }

    /// `SOURCE:LINE`, where the error is.
    public var location: String { "\(source):\(line)" }

    public var description: String { "\(location): invalid \(format.rawValue): \(message)" }
}
