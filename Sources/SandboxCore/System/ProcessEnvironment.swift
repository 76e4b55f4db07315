#if canImport(Glibc)
import Glibc
#endif

/// The caller's environment.
public enum ProcessEnvironment {
    /// Only the named variables (getenv: no copy of the whole environment).
    public static func variables(_ names: String...) -> [String: String] {
        var result: [String: String] = [:]
        for name in names { if let value = getenv(name) { result[name] = String(cString: value) } }
        return result
    }

    /// In order, as `environ` holds them.
    public static var pairs: [(String, String)] {
        var result: [(String, String)] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
            }
            pointer += 1
        }
        return result
    }
}
