import Foundation

/// Reads OCI runtime-spec seccomp JSON (what Docker, Podman and Kubernetes load), including Docker's own
/// default profile with `archMap` and `includes`/`excludes`, as a profile document: the `[seccomp]`
/// settings it amounts to. Capability conditions are evaluated against the capabilities the profile keeps
/// at the point where the file is applied; arch and kernel-version conditions against this machine.
public enum OCIProfileImporter {
    public static func document(from found: ProfileResolver.Found, keptCapabilities: [String]) throws -> ProfileDocument {
        let source = found.source
        func fail(_ at: String, _ message: String) -> SandboxError { SandboxError(.usage, "\(source): \(at)", message) }
        guard let data = found.text.data(using: .utf8),
              let json = try? JSONSerialization.jsonObject(with: data), let root = json as? [String: Any] else {
            throw SandboxError(.usage, source, "not valid OCI seccomp JSON (expected a JSON object)")
        }
        let known = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata"]
        for key in root.keys where !known.contains(key) {
            throw fail(key, "unknown key" + (Suggestion.hint(for: key, in: known).map { " (\($0))" } ?? ""))
        }
        guard let defaultName = root["defaultAction"] as? String else { throw fail("defaultAction", "missing or not a string") }
        let defaultErrno = try root["defaultErrnoRet"].map { try errnoValue($0, at: "defaultErrnoRet", fail: fail) } ?? 1
        let defaultAction = try action(defaultName, errno: defaultErrno, at: "defaultAction", fail: fail)

        let caps = Set(keptCapabilities.compactMap { Capabilities.number(of: $0) })
        var allow: [String] = [], deny: [String] = [], absent: [String] = []
        var rules: [ProfileValue] = []
        let syscalls = root["syscalls"] as? [[String: Any]] ?? []
        for (i, entry) in syscalls.enumerated() {
            let at = "syscalls[\(i)]"
            if !applies(entry["includes"] as? [String: Any], caps: caps, all: true) { continue }
            if applies(entry["excludes"] as? [String: Any], caps: caps, all: false), entry["excludes"] != nil,
               !(entry["excludes"] as? [String: Any] ?? [:]).isEmpty { continue }
            let names = (entry["names"] as? [String]) ?? ((entry["name"] as? String).map { [$0] } ?? [])
            guard let actionName = entry["action"] as? String else { throw fail(at, "missing action") }
            let errnoRet = try entry["errnoRet"].map { try errnoValue($0, at: at + ".errnoRet", fail: fail) } ?? defaultErrno
            let entryAction = try action(actionName, errno: errnoRet, at: at, fail: fail)
            // Names this libseccomp does not know are skipped, as runc does: OCI files list syscalls of
            // every architecture and kernel.
            let usable = names.filter { SyscallTable.number(of: $0) != nil }
            let args = entry["args"] as? [[String: Any]] ?? []
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
            guard let index = arg["index"] as? Int, (0...5).contains(index), let value = unsigned(arg["value"]),
                  let op = arg["op"] as? String else {
                throw fail(at + ".args[0]", "needs index (0-5), a non-negative value and op")
            }
            guard let valueTwo = arg["valueTwo"] == nil ? 0 : unsigned(arg["valueTwo"]) else {
                throw fail(at + ".args[0].valueTwo", "expected a non-negative integer")
            }
            let ops = ["SCMP_CMP_EQ": "eq", "SCMP_CMP_NE": "ne", "SCMP_CMP_LT": "lt", "SCMP_CMP_LE": "le",
                       "SCMP_CMP_GT": "gt", "SCMP_CMP_GE": "ge", "SCMP_CMP_MASKED_EQ": "masked_eq"]
            guard let ourOp = ops[op] else { throw fail(at + ".args[0].op", "unknown operator '\(op)'") }
            var condition: [(String, ProfileValue)] = [("index", .integer(index)), ("op", .string(ourOp))]
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

    /// A JSON number as an unsigned 64-bit value (JSONSerialization gives Int, UInt64 or Double).
    private static func unsigned(_ any: Any?) -> UInt64? {
        if let n = any as? Int { return n >= 0 ? UInt64(n) : nil }
        if let n = any as? UInt64 { return n }
        if let n = any as? NSNumber, n.doubleValue >= 0, n.doubleValue == n.doubleValue.rounded() { return n.uint64Value }
        return nil
    }

    /// Values beyond Int.max survive as hex strings, which rules accept.
    private static func hex(_ value: UInt64) -> ProfileValue { .string("0x" + String(value, radix: 16)) }

    /// The kernel's SECCOMP_RET_DATA holds an errno of at most 4095 (MAX_ERRNO).
    private static func errnoValue(_ any: Any, at: String, fail: (String, String) -> SandboxError) throws -> Int32 {
        guard let n = any as? Int, (1...4095).contains(n) else {
            throw fail(at, "errno \(any) is out of range 1...4095")
        }
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

    /// includes: every condition must hold (`all`); excludes: any that holds excludes.
    private static func applies(_ conditions: [String: Any]?, caps: Set<Int32>, all: Bool) -> Bool {
        guard let conditions, !conditions.isEmpty else { return true }
        var results: [Bool] = []
        if let needed = conditions["caps"] as? [String] {
            let numbers = needed.map { Capabilities.number(of: $0) }
            results.append(all ? numbers.allSatisfy { $0.map(caps.contains) ?? false } : numbers.contains { $0.map(caps.contains) ?? false })
        }
        if let arches = conditions["arches"] as? [String] {
            results.append(arches.contains { nativeArchNames.contains($0) })
        }
        if let minimum = conditions["minKernel"] as? String {
            results.append(kernelAtLeast(minimum))
        }
        return all ? results.allSatisfy { $0 } : results.contains(true)
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
    private static func architectures(_ root: [String: Any], fail: (String, String) -> SandboxError) throws -> [String] {
        var result = ["native"]
        if let map = root["archMap"] as? [[String: Any]] {
            for entry in map where nativeArchNames.contains(entry["architecture"] as? String ?? "") {
                for sub in entry["subArchitectures"] as? [String] ?? [] {
                    guard SeccompArchitectures.token(sub) != nil else { continue }
                    result.append(String(sub.dropFirst("SCMP_ARCH_".count)).lowercased())
                }
            }
        } else if let list = root["architectures"] as? [String] {
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
