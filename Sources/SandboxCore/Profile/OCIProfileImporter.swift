#if canImport(Glibc)
import Glibc
#endif

/// Reads OCI runtime-spec seccomp JSON (what Docker, Podman and Kubernetes load), including Docker's own
/// default profile with `archMap` and `includes`/`excludes`, as a profile document: the `[seccomp]`
/// settings it amounts to. Capability conditions are evaluated against the capabilities the profile keeps
/// at the point where the file is applied; arch and kernel-version conditions against this machine.
///
/// A known field of the wrong type is an error (a `names` that is not a list of strings would otherwise
/// drop the entry, and with it a rule the file asks for); `null` counts as absent, as in Docker's files.
public enum OCIProfileImporter {
    public static func document(from found: ProfileResolver.Found, keptCapabilities: [String]) throws -> ProfileDocument {
        let source = found.source
        func fail(_ at: String, _ message: String) -> SandboxError { SandboxError(.usage, "\(source): \(at)", message) }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: found.bytes, source: source) } catch let failure as FormatError { throw SandboxError(failure) }
        guard case .object(let members) = root else {
            throw SandboxError(.usage, source, "not valid OCI seccomp JSON (expected a JSON object)")
        }
        let known = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata"]
        for (key, _) in members where !known.contains(key) {
            throw fail(key, "unknown key" + (Suggestion.hint(for: key, in: known).map { " (\($0))" } ?? ""))
        }
        guard let defaultName = try root.string("defaultAction", fail: fail) else { throw fail("defaultAction", "missing or not a string") }
        let defaultErrno = try root["defaultErrnoRet"].map { try errnoValue($0, at: "defaultErrnoRet", fail: fail) } ?? 1
        let defaultAction = try action(defaultName, errno: defaultErrno, at: "defaultAction", fail: fail)

        let caps = Set(keptCapabilities.compactMap { Capabilities.number(of: $0) })
        var allow: [String] = [], deny: [String] = [], absent: [String] = []
        var rules: [ProfileValue] = []
        let syscalls = try root.objects("syscalls", at: "syscalls", fail: fail) ?? []
        for (i, entry) in syscalls.enumerated() {
            let at = "syscalls[\(i)]"
            // includes: every condition must hold; excludes: any that holds excludes the entry.
            if try conditions(entry, "includes", at: at, caps: caps, all: true, fail: fail).contains(false) { continue }
            if try conditions(entry, "excludes", at: at, caps: caps, all: false, fail: fail).contains(true) { continue }
            let names = try entry.strings("names", at: at + ".names", fail: fail)
                ?? (try entry.string("name", at: at + ".name", fail: fail)).map { [$0] } ?? []
            guard let actionName = try entry.string("action", at: at + ".action", fail: fail) else { throw fail(at, "missing action") }
            let errnoRet = try entry["errnoRet"].map { try errnoValue($0, at: at + ".errnoRet", fail: fail) } ?? defaultErrno
            let entryAction = try action(actionName, errno: errnoRet, at: at, fail: fail)
            // Names this libseccomp does not know are skipped, as runc does: OCI files list syscalls of
            // every architecture and kernel.
            let usable = names.filter { SyscallTable.number(of: $0) != nil }
            let args = try entry.objects("args", at: at + ".args", fail: fail) ?? []
            if args.isEmpty {
                if entryAction == defaultAction { continue }
                switch entryAction {
                case .allow: allow += usable
                case .errno(let e) where e == ENOSYS: absent += usable
                case .errno(let e) where e == defaultErrno && defaultAction == .allow: deny += usable
                default:
                    rules += usable.map { .table([("syscall", .string($0)), ("action", .string(entryAction.description))]) }
                }
                continue
            }
            guard args.count == 1, let arg = args.first else {
                throw fail(at, "\(args.count) argument comparisons in one entry; sandbox rules compare one argument")
            }
            guard case .int(let index)? = arg["index"], (0...5).contains(index), let value = unsigned(arg["value"]),
                  case .string(let op)? = arg["op"] else {
                throw fail(at + ".args[0]", "needs index (0-5), a non-negative value and op")
            }
            guard let valueTwo = arg["valueTwo"] == nil ? 0 : unsigned(arg["valueTwo"]) else {
                throw fail(at + ".args[0].valueTwo", "expected a non-negative integer")
            }
            let ops = ["SCMP_CMP_EQ": "eq", "SCMP_CMP_NE": "ne", "SCMP_CMP_LT": "lt", "SCMP_CMP_LE": "le",
                       "SCMP_CMP_GT": "gt", "SCMP_CMP_GE": "ge", "SCMP_CMP_MASKED_EQ": "masked_eq"]
            guard let ourOp = ops[op] else { throw fail(at + ".args[0].op", "unknown operator '\(op)'") }
            var condition: [(String, ProfileValue)] = [("index", .integer(Int(index))), ("op", .string(ourOp))]
            // OCI's masked_eq: value is the mask, valueTwo the expected result.
            if ourOp == "masked_eq" {
                condition += [("mask", hex(value)), ("value", hex(valueTwo))]
            } else {
                condition.append(("value", hex(value)))
            }
            for name in usable {
                rules.append(.table([("syscall", .string(name)), ("action", .string(entryAction.description)),
                                     ("args", .array([.table(condition)]))]))
            }
        }

        var text = "[seccomp]\n"
        text += "default_action = \(TOMLText.quote(defaultAction.description))\n"
        if case .errno = defaultAction {} else { text += "deny_action = \(TOMLText.quote(SeccompAction.errno(defaultErrno).description))\n" }
        text += "allow = \(ProfileValue.array(allow.map(ProfileValue.string)))\n"
        text += "deny = \(ProfileValue.array(deny.map(ProfileValue.string)))\n"
        text += "absent = \(ProfileValue.array(absent.map(ProfileValue.string)))\n"
        text += "architectures = \(ProfileValue.array(try architectures(root, fail: fail).map(ProfileValue.string)))\n"
        for rule in rules {
            guard case .table(let pairs) = rule else { continue }
            text += "[[seccomp.rules]]\n" + pairs.map { "\($0.0) = \($0.1)\n" }.joined()
        }
        return try ProfileDocument(name: found.name, source: source, text: text)
    }

    /// A JSON number as an unsigned 64-bit value: a non-negative integer, or a float with no fraction.
    private static func unsigned(_ value: JSONValue?) -> UInt64? {
        switch value {
        case .int(let n)?: return n >= 0 ? UInt64(n) : nil
        case .uint(let n)?: return n
        case .double(let d)? where d >= 0 && d < 0x1p64 && d == d.rounded(): return UInt64(d)
        default: return nil
        }
    }

    /// Values beyond Int.max survive as hex strings, which rules accept.
    private static func hex(_ value: UInt64) -> ProfileValue { .string("0x" + String(value, radix: 16)) }

    /// The kernel's SECCOMP_RET_DATA holds an errno of at most 4095 (MAX_ERRNO).
    private static func errnoValue(_ value: JSONValue, at: String, fail: (String, String) -> SandboxError) throws -> Int32 {
        if case .uint(let n) = value { throw fail(at, "errno \(n) is out of range 1...4095") }
        guard case .int(let n) = value else {
            throw fail(at, "expected an errno number 1...4095, found \(value.serialized(indent: nil))")
        }
        guard (1...4095).contains(n) else { throw fail(at, "errno \(n) is out of range 1...4095") }
        return Int32(n)
    }

    private static func action(_ name: String, errno: Int32, at: String, fail: (String, String) -> SandboxError) throws -> SeccompAction {
        if name == "SCMP_ACT_ERRNO" { return .errno(errno) }
        if name == "SCMP_ACT_TRACE" || name == "SCMP_ACT_NOTIFY" {
            throw fail(at, "\(name) is not supported: sandbox does not hand syscalls to another tracer")
        }
        guard let action = SeccompActionParser.parse(name) else { throw fail(at, "unknown action '\(name)'") }
        return action
    }

    /// The conditions of `includes` or `excludes`, each evaluated: capabilities (all of them kept for
    /// `includes`, any for `excludes`), architectures (this one among them), minimum kernel version.
    private static func conditions(_ entry: JSONValue, _ key: String, at: String, caps: Set<Int32>, all: Bool,
                                   fail: (String, String) -> SandboxError) throws -> [Bool] {
        guard let conditions = entry[key] else { return [] }
        guard case .object = conditions else { throw fail("\(at).\(key)", "expected an object") }
        var results: [Bool] = []
        if let needed = try conditions.strings("caps", at: "\(at).\(key).caps", fail: fail) {
            let numbers = needed.map { Capabilities.number(of: $0) }
            results.append(all ? numbers.allSatisfy { $0.map(caps.contains) ?? false } : numbers.contains { $0.map(caps.contains) ?? false })
        }
        if let arches = try conditions.strings("arches", at: "\(at).\(key).arches", fail: fail) {
            results.append(arches.contains { nativeArchNames.contains($0) })
        }
        if let minimum = try conditions.string("minKernel", at: "\(at).\(key).minKernel", fail: fail) {
            results.append(kernelAtLeast(minimum))
        }
        return results
    }

    static let nativeArchNames: Set<String> = {
        #if arch(x86_64)
        return ["amd64", "x86_64", "SCMP_ARCH_X86_64"]
        #elseif arch(arm64)
        return ["arm64", "aarch64", "SCMP_ARCH_AARCH64"]
        #else
        return []
        #endif
    }()

    /// The native architecture's entry of `archMap` (with its sub-architectures), or `architectures`.
    private static func architectures(_ root: JSONValue, fail: (String, String) -> SandboxError) throws -> [String] {
        var result = ["native"]
        if let map = try root.objects("archMap", at: "archMap", fail: fail) {
            for (i, entry) in map.enumerated() {
                guard let architecture = try entry.string("architecture", at: "archMap[\(i)].architecture", fail: fail),
                      nativeArchNames.contains(architecture) else { continue }
                for sub in try entry.strings("subArchitectures", at: "archMap[\(i)].subArchitectures", fail: fail) ?? [] {
                    guard SeccompArchitectures.token(sub) != nil else { continue }
                    result.append(String(sub.dropFirst("SCMP_ARCH_".count)).lowercased())
                }
            }
        } else if let list = try root.strings("architectures", at: "architectures", fail: fail) {
            for arch in list where !nativeArchNames.contains(arch) && SeccompArchitectures.token(arch) != nil {
                result.append(String(arch.dropFirst("SCMP_ARCH_".count)).lowercased())
            }
        }
        return result
    }

    private static func kernelAtLeast(_ minimum: String) -> Bool {
        var name = utsname()
        uname(&name)
        let release = withUnsafePointer(to: name.release) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        let have = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        let want = minimum.split(separator: ".").prefix(2).compactMap { Int($0) }
        return have.lexicographicallyPrecedes(want) == false
    }
}

/// Typed reads of an OCI file's fields: nil when absent or null, an error naming the field when present
/// with another type.
private extension JSONValue {
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self, let value = members.first(where: { $0.0 == key })?.1 else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ key: String, at: String? = nil, fail: (String, String) -> SandboxError) throws -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let s) = value else { throw fail(at ?? key, "expected a string, found \(value.serialized(indent: nil))") }
        return s
    }

    func strings(_ key: String, at: String, fail: (String, String) -> SandboxError) throws -> [String]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value else { throw fail(at, "expected a list of strings") }
        return try items.map { item in
            guard case .string(let s) = item else { throw fail(at, "expected a list of strings, found \(item.serialized(indent: nil))") }
            return s
        }
    }

    func objects(_ key: String, at: String, fail: (String, String) -> SandboxError) throws -> [JSONValue]? {
        guard let value = self[key] else { return nil }
        guard case .array(let items) = value, items.allSatisfy({ if case .object = $0 { return true } else { return false } }) else {
            throw fail(at, "expected a list of objects")
        }
        return items
    }
}
