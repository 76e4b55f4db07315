/// SandboxCore: everything of `sandbox` but argument parsing. The data flows one way:
/// profile → policy → launch → supervise → report.
public enum SandboxCore {
    public static let version = "0.1.0"
}
