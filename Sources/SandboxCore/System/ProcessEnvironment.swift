#if canImport(Glibc)
import Glibc
#endif

/// The caller's environment.
public enum ProcessEnvironment {
    /// The `NAME=value` entries, in order, as `environ` holds them.
    public static var entries: [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }

    /// The name part of a `NAME=value` entry.
    public static func name(of entry: String) -> Substring {
        let utf8 = entry.utf8
        return Substring(utf8[..<(utf8.firstIndex(of: UInt8(ascii: "=")) ?? utf8.endIndex)])
    }

    /// The value of `name` among `entries`, if it is set there.
    public static func value(of name: String, in entries: [String]) -> Substring? {
        for entry in entries where Self.name(of: entry) == name {
            return Substring(entry.utf8.dropFirst(name.utf8.count + 1))
        }
        return nil
    }
}
