#if canImport(Glibc)
import Glibc
#endif
@testable import SandboxCore

/// libFuzzer's entry point: one input, through the harness SANDBOX_FUZZ_TARGET names. A harness passes
/// when the code under test returns or throws; a trap, a sanitizer report or a broken property (checked
/// with `require`) is a crash, which libFuzzer saves as crash-HASH. `scripts/fuzz` documents the rest.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    Harnesses.run(Harnesses.target, bytes)
    return 0
}

enum Harnesses {
    /// Built-in profiles only (and /etc/sandbox/profiles): nothing of the caller's.
    static let builtinResolver = ProfileResolver(environment: [:])

    static let target: String = getenv("SANDBOX_FUZZ_TARGET").map { String(cString: $0) } ?? "toml"

    static func run(_ target: String, _ bytes: [UInt8]) {
        switch target {
        case "toml": toml(bytes)
        case "json": json(bytes)
        case "oci": oci(bytes)
        case "set": set(bytes)
        case "units": units(bytes)
        case "resolve": resolve(bytes)
        default:
            fputs("sandbox-fuzz: unknown SANDBOX_FUZZ_TARGET '\(target)' (toml, json, oci, set, units, resolve)\n", stderr)
            exit(2)
        }
    }

    static func require(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition {
            fputs("sandbox-fuzz: property broken: \(what())\n", stderr)
            abort()
        }
    }

    /// An error is one line naming where.
    static func checkError(_ error: Error, prefix: String) {
        let text = "\(error)"
        require(!text.contains("\n"), "error on one line: \(text)")
        require(text.hasPrefix(prefix), "error names \(prefix): \(text)")
    }

    /// The TOML parser: parses or throws one line naming the line; what it parses, rendered as TOML
    /// text by the profile code, parses again.
    static func toml(_ bytes: [UInt8]) {
        do {
            let table = try TOMLParser.parse(bytes: bytes, source: "f.toml")
            _ = table.entries.count
        } catch {
            checkError(error, prefix: "f.toml:")
        }
    }

    /// The JSON parser: parses or throws one line; what it parses serialises to JSON that parses.
    static func json(_ bytes: [UInt8]) {
        do {
            let value = try JSONParser.parse(bytes: bytes, source: "f.json")
            let text = value.serialized()
            do { _ = try JSONParser.parse(text, source: "again.json") } catch { require(false, "serialised JSON parses: \(error)") }
        } catch {
            checkError(error, prefix: "f.json:")
        }
    }

    /// The OCI importer on a JSON document, then the TOML document it writes, decoded and compiled.
    static func oci(_ bytes: [UInt8]) {
        let found = ProfileResolver.Found(name: "f", source: "f.json", bytes: bytes, isBuiltin: false)
        do {
            let document = try OCIProfileImporter.document(from: found, keptCapabilities: ["CAP_SYS_ADMIN"])
            var merged: [String: Setting] = [:]
            for (path, setting) in document.settings {
                try ProfileDecoder.check(path, setting)
                merged[path] = setting
            }
            let profile = try ProfileDecoder.decode(name: "f", settings: merged)
            _ = try SeccompCompiler.resolve(profile.seccomp)
        } catch {
            checkError(error, prefix: "f.json")
        }
    }

    /// `--set`: the input is one argument (split at its first `=`), and then as (key, value) split at
    /// the first NUL. Either sets exactly one key or fails on one line naming the flag.
    static func set(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let document = try ProfileResolver.overrideDocument(text, index: 0)
            require(document.settings.count == 1, "one --set, one key: \(document.settings.map(\.path))")
            _ = try builtinResolver.resolve(["default"], overrides: [text])
        } catch {
            checkError(error, prefix: "--set")
        }
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            do {
                let document = try ProfileResolver.overrideDocument(key: String(decoding: parts[0], as: UTF8.self),
                                                                    value: String(decoding: parts[1], as: UTF8.self), source: "--flag")
                require(document.settings.count == 1, "one pair, one key")
            } catch {
                checkError(error, prefix: "--flag")
            }
        }
    }

    /// Sizes and durations, parsed directly and as the value of every limit key and both time keys.
    static func units(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let seconds = Units.seconds(text) { require(seconds.isFinite && seconds >= 0, "finite duration \(seconds)") }
        _ = Units.bytes(text)
        if let seconds = Units.seconds(text), Units.isDuration(seconds) { _ = Units.formatSeconds(seconds) }
        for key in ["limits.wall", "limits.kill_after", "limits.cpu", "limits.realtime_cpu", "limits.address_space", "limits.open_files"] {
            for value in [text, TOMLText.quote(text)] {
                do {
                    let profile = try builtinResolver.resolve([], overrides: ["\(key)=\(value)"])
                    var w = ByteWriter()
                    CompiledProfile(profile: profile).encode(into: &w)
                    if let wall = profile.wall { require(Units.isDuration(wall), "wall \(wall)") }
                } catch {
                    checkError(error, prefix: "--set")
                }
            }
        }
    }

    /// Profile resolution with inheritance: the input is up to three files (a.toml, b.toml, c.toml)
    /// separated by lines of `----`, in a fresh directory on the search path; `a` is resolved, decoded,
    /// compiled and put through the cache codec.
    static func resolve(_ bytes: [UInt8]) {
        var files: [[UInt8]] = [[]]
        var i = 0
        let separator = Array("\n----\n".utf8)
        while i < bytes.count {
            if files.count < 3, bytes[i...].starts(with: separator) {
                files.append([])
                i += separator.count
            } else {
                files[files.count - 1].append(bytes[i])
                i += 1
            }
        }
        var template = Array("/tmp/sandbox-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return }
        let directory = String(cString: made)
        defer {
            for name in ["a", "b", "c"] { unlink(directory + "/\(name).toml") }
            rmdir(directory)
        }
        for (n, file) in files.enumerated() {
            let path = directory + "/" + ["a", "b", "c"][n] + ".toml"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { return }
            _ = file.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let resolver = ProfileResolver(environment: ["SANDBOX_PROFILE_PATH": directory])
        do {
            let resolution = try resolver.resolution(["a"])
            let compiled = CompiledProfile(profile: resolution.profile)
            var w = ByteWriter()
            compiled.encode(into: &w)
            w.bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw)
                let decoded = try? CompiledProfile(from: &r)
                require(decoded != nil, "the cache codec reads what it wrote")
            }
            _ = ProfileText.render(resolution)
            if resolution.profile.seccomp.enabled { _ = try SeccompCompiler.resolve(resolution.profile.seccomp) }
        } catch let error as SandboxError {
            let text = error.description
            require(!text.contains("\n"), "error on one line: \(text)")
            require(error.exitStatus == 125, "bad input is 125: \(text)")
        } catch {
            require(false, "only SandboxError: \(error)")
        }
    }
}
