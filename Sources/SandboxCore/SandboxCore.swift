// The format parsers (TOML, JSON) are a library of their own; SandboxCore's users see their types
// (`JSONValue`, `TOMLValue`, ...) as before.
@_exported import SandboxFormats

/// SandboxCore: everything of `sandbox` but argument parsing. The data flows one way:
/// profile → policy → launch → supervise → report.
public enum SandboxCore {
    public static let version = "0.1.0"
}
