#if canImport(Glibc)
import Glibc
#endif

/// The caller's environment, read once from `environ`.
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in pairs { result[key] = value }
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
