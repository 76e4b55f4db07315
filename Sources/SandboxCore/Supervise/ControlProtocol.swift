/// The control socket's protocol: JSON lines (one object per line, UTF-8, `\n`-terminated) over a unix
/// stream socket; docs/control-protocol.md is its reference. Every request names the protocol version
/// it speaks and one request:
///
///     {"version":1,"request":"status"}
///     {"version":1,"request":"stats"}
///     {"version":1,"request":"events"}                 then a stream of event records
///     {"version":1,"request":"signal","signal":"SIGUSR1"}
///     {"version":1,"request":"stop","signal":"SIGTERM","grace":5}   then {"op":"end",...} at the end
///
/// Every answer carries `"version"` and `"ok"`; a failure has `"error"` (one sentence). A request of a
/// newer major version than the supervisor's is refused with `"ok":false` and the version it speaks.
public enum ControlProtocol {
    public static let version = 1
    /// Longest request line accepted; a longer one closes the connection.
    public static let maximumRequest = 4096

    public enum Request: Equatable {
        case status, stats, events
        case signal(Int32)
        case stop(signal: Int32, grace: Double)
    }

    /// Parses one request line; the error is the sentence sent back.
    public static func parse(_ line: String) -> Result<Request, ControlError> {
        guard let json = try? JSONParser.parse(line, source: "request") else { return .failure(ControlError("not a JSON object")) }
        let m = ControlMessage(json)
        guard m.isObject else { return .failure(ControlError("not a JSON object")) }
        guard let v = m.int("version") else { return .failure(ControlError("no \"version\" (this supervisor speaks \(version))")) }
        guard v == Int64(version) else { return .failure(ControlError("version \(v) is not supported (this supervisor speaks \(version))")) }
        guard let request = m.string("request") else { return .failure(ControlError("no \"request\"")) }
        func signal(default fallback: Int32?) -> Result<Int32, ControlError> {
            guard let value = m.value("signal") else {
                return fallback.map { .success($0) } ?? .failure(ControlError("\"signal\" is required"))
            }
            if case .int(let n) = value, n > 0, n < 65 { return .success(Int32(n)) }
            if case .string(let name) = value, let n = Signals.number(name) { return .success(n) }
            return .failure(ControlError("unknown signal \(value.serialized(indent: nil))"))
        }
        switch request {
        case "status": return .success(.status)
        case "stats": return .success(.stats)
        case "events": return .success(.events)
        case "signal": return signal(default: nil).map { .signal($0) }
        case "stop":
            let grace = m.double("grace") ?? 5
            guard grace >= 0, grace <= 86400 else { return .failure(ControlError("\"grace\" must be 0 to 86400 seconds")) }
            return signal(default: 15).map { .stop(signal: $0, grace: grace) }
        default:
            return .failure(ControlError("unknown request '\(request)' (status, stats, events, signal, stop)"))
        }
    }

    /// `{"version":1,"ok":true, FIELDS...}` as one line.
    public static func reply(_ fields: [(String, JSONValue)]) -> String {
        JSONValue.object([("version", .int(Int64(version))), ("ok", .bool(true))] + fields).serialized(indent: nil) + "\n"
    }

    public static func failure(_ message: String) -> String {
        JSONValue.object([("version", .int(Int64(version))), ("ok", .bool(false)), ("error", .string(message))]).serialized(indent: nil) + "\n"
    }

    /// A request line, as a client sends it.
    public static func requestLine(_ request: String, _ fields: [(String, JSONValue)] = []) -> String {
        JSONValue.object([("version", .int(Int64(version))), ("request", .string(request))] + fields).serialized(indent: nil) + "\n"
    }
}

public struct ControlError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Read access to a parsed JSON object (a request, an answer, a run record).
public struct ControlMessage {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }
    public init?(line: String) {
        guard let json = try? JSONParser.parse(line, source: "control socket") else { return nil }
        self.json = json
    }

    public var isObject: Bool { if case .object = json { return true } else { return false } }
    public func value(_ key: String) -> JSONValue? {
        guard case .object(let pairs) = json else { return nil }
        return pairs.first { $0.0 == key }?.1
    }
    public func string(_ key: String) -> String? { if case .string(let s)? = value(key) { return s } else { return nil } }
    public func int(_ key: String) -> Int64? {
        switch value(key) {
        case .int(let i)?: return i
        case .uint(let u)?: return Int64(exactly: u)
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int64(d)
        default: return nil
        }
    }
    public func double(_ key: String) -> Double? {
        switch value(key) {
        case .int(let i)?: return Double(i)
        case .uint(let u)?: return Double(u)
        case .double(let d)?: return d
        default: return nil
        }
    }
    public func bool(_ key: String) -> Bool? { if case .bool(let b)? = value(key) { return b } else { return nil } }
    public func strings(_ key: String) -> [String]? {
        guard case .array(let items)? = value(key) else { return nil }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
    /// The member `key` when it is an object (not null).
    public func object(_ key: String) -> ControlMessage? {
        if case .object? = value(key) { return ControlMessage(value(key)!) } else { return nil }
    }
}

/// Signal names and numbers (x86-64 and aarch64 share these), for `--signal` and the protocol.
public enum Signals {
    static let names: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7), ("FPE", 8), ("KILL", 9),
        ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15), ("CHLD", 17), ("CONT", 18),
        ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26),
        ("PROF", 27), ("WINCH", 28), ("IO", 29), ("PWR", 30), ("SYS", 31),
    ]

    /// `TERM`, `SIGTERM`, `sigterm` or `15`.
    public static func number(_ text: String) -> Int32? {
        if let n = Int32(text) { return n > 0 && n < 65 ? n : nil }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        return names.first { $0.0 == name }?.1
    }

    public static func name(_ number: Int32) -> String {
        names.first { $0.1 == number }.map { "SIG" + $0.0 } ?? "signal \(number)"
    }
}
