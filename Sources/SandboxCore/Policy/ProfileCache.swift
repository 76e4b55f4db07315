#if canImport(Glibc)
import Glibc
#endif

/// Compiled profiles kept on disk, so that a run whose profiles have not changed skips the TOML parser,
/// the schema checks and the seccomp compiler: `sandbox run -p default -- true` takes 2.1 ms from the cache
/// against 2.9 ms without it on the benchmark machine (docs/benchmarks.md).
///
/// An entry is one file, named by a hash of what selects it (this binary, `-p` and `--set` as given, the
/// profile search path, the kernel's last capability). It holds that key in full, then every profile
/// lookup the resolution made with the text it found, a launch hint, then the compiled profile. It is used only when the
/// key matches byte for byte and every lookup, made again now, finds the same file with the same text:
/// any edit, a new profile that shadows an old one, or a new sandbox binary makes it a miss, and the miss
/// writes a fresh entry. Nothing is trusted from the file that has not been compared with its source, but
/// the compiled result itself; so an entry must be the caller's own file in a directory only the caller can
/// write (checked), and `SANDBOX_CACHE=off` turns the cache off.
///
/// Location: `$SANDBOX_CACHE` (an absolute directory, or `off`), else `$XDG_CACHE_HOME/sandbox`, else
/// `$HOME/.cache/sandbox`. At most `maxEntries` entries are kept; the oldest go first.
public struct ProfileCache {
    /// What the cache did for one run (the JSON report's `profile_cache`).
    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable { case hit, miss, off }
        public let status: Status
        /// Why it is off, or why a miss could not be stored.
        public let reason: String?
    }

    /// The directory, or nil when the cache is off.
    public let directory: String?
    let offReason: String?

    static let maxEntries = 64
    static let magic: [UInt8] = Array("sandbox-compiled-profile\n".utf8)
    /// Bump when the entry layout or the meaning of any encoded field changes.
    static let formatVersion: UInt64 = 2

    public init(directory: String?, offReason: String? = nil) {
        self.directory = directory
        self.offReason = directory == nil ? (offReason ?? "off") : nil
    }

    /// The cache the environment asks for. A relative `SANDBOX_CACHE` is a usage error (exit 125).
    public static func fromEnvironment(_ variable: (String) -> String? = { getenv($0).map { String(cString: $0) } }) throws -> ProfileCache {
        if let value = variable("SANDBOX_CACHE") {
            if value == "off" { return ProfileCache(directory: nil, offReason: "SANDBOX_CACHE=off") }
            guard value.hasPrefix("/") else {
                throw SandboxError(.usage, "SANDBOX_CACHE=\(value)", "expected an absolute directory or 'off'")
            }
            return ProfileCache(directory: value)
        }
        if let xdg = variable("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return ProfileCache(directory: xdg + "/sandbox") }
        if let home = variable("HOME"), home.hasPrefix("/") { return ProfileCache(directory: home + "/.cache/sandbox") }
        return ProfileCache(directory: nil, offReason: "neither SANDBOX_CACHE, XDG_CACHE_HOME nor HOME is set")
    }

    /// A compiled profile as the cache gave it, or as it was compiled for want of a valid entry.
    public struct Entry {
        public let compiled: CompiledProfile
        public let outcome: Outcome
        /// For a miss: where to store the entry, and what it will be checked against.
        fileprivate let pending: (path: String, key: [UInt8], lookups: [ProfileResolver.Lookup])?
    }

    /// Resolves `names` and `overrides`, from the cache when an entry is still valid. Errors are the
    /// resolver's (a bad profile is never cached). `onHint` gets the entry's launch hint (what the run that
    /// stored it passed to `keep`) as soon as its key and profiles match, before the compiled profile is
    /// decoded: a speculation the caller may start work on, and must check against the profile.
    public func lookup(_ names: [String], overrides: [String], resolver: ProfileResolver,
                       onHint: (UInt8) -> Void = { _ in }) throws -> Entry {
        func uncached(_ reason: String?) throws -> Entry {
            Entry(compiled: CompiledProfile(profile: try resolver.resolve(names, overrides: overrides)),
                  outcome: Outcome(status: .off, reason: reason), pending: nil)
        }
        guard let directory else { return try uncached(offReason) }
        guard let key = Self.key(names: names, overrides: overrides, searchPath: resolver.searchPath) else {
            return try uncached("cannot identify this binary: stat(/proc/self/exe) failed")
        }
        let path = directory + "/" + Self.fileName(for: key)
        if let compiled = Self.load(path, key: key, resolver: resolver, onHint: onHint) {
            return Entry(compiled: compiled, outcome: Outcome(status: .hit, reason: nil), pending: nil)
        }
        let resolution = try resolver.resolution(names, overrides: overrides)
        return Entry(compiled: CompiledProfile(profile: resolution.profile), outcome: Outcome(status: .miss, reason: nil),
                     pending: (path, key, resolution.lookups))
    }

    /// After a miss, stores the profile with the filter the run compiled from it (`LaunchPlan.seccomp`),
    /// unless that filter observes syscalls for the file watcher (it depends on the run), and the run's
    /// launch hint (`lookup`'s `onHint`). Returns the outcome for the report: a miss whose entry could not
    /// be written says why.
    public func keep(_ entry: Entry, seccomp: SeccompProgram?, hint: UInt8 = 0) -> Outcome {
        guard let pending = entry.pending, let directory else { return entry.outcome }
        let reusable = seccomp.flatMap { $0.notifications.observesAny ? nil : $0 }
        let failure = Self.store(CompiledProfile(profile: entry.compiled.profile, seccomp: reusable), lookups: pending.lookups,
                                 hint: hint, key: pending.key, directory: directory, path: pending.path)
        return Outcome(status: .miss, reason: failure)
    }

    // MARK: - Key

    /// What selects an entry, as bytes: compared in full on load (the file name is only its hash).
    static func key(names: [String], overrides: [String], searchPath: [String]) -> [UInt8]? {
        var w = ByteWriter()
        w.u64(formatVersion)
        w.string(SandboxCore.version)
        // This binary: a rebuilt or upgraded sandbox may compile the same text differently.
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return nil }
        for field in [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(bitPattern: Int64(st.st_size)),
                      UInt64(bitPattern: Int64(st.st_mtim.tv_sec)), UInt64(bitPattern: Int64(st.st_mtim.tv_nsec)),
                      UInt64(bitPattern: Int64(st.st_ctim.tv_sec)), UInt64(bitPattern: Int64(st.st_ctim.tv_nsec))] {
            w.u64(field)
        }
        // Capability names are checked against the running kernel's.
        w.i32(Capabilities.lastCap)
        w.strings(names)
        w.strings(overrides)
        w.strings(searchPath)
        return w.bytes
    }

    /// The hash of the key in hex: a file name, not a check (the key itself is compared).
    static func fileName(for key: [UInt8]) -> String {
        let hash = key.withUnsafeBytes { checksum($0) }
        let digits = Array("0123456789abcdef".utf8)
        var name = [UInt8](repeating: 0, count: 20)
        for i in 0..<16 { name[i] = digits[Int(hash >> UInt64(60 - 4 * i) & 0xF)] }
        name.replaceSubrange(16..<20, with: ".bin".utf8)
        return String(decoding: name, as: UTF8.self)
    }

    /// FNV-1a over 64-bit words (then the tail bytes): a check against a damaged file, not against an
    /// attacker (who would need to write into a directory only the caller can write).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let words = bytes.count / 8
        for i in 0..<words { hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x100_0000_01b3 }
        for byte in bytes[(words * 8)...] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    // MARK: - Load

    /// The entry at `path` when it is valid for `key` and the profiles as they are now; nil otherwise.
    static func load(_ path: String, key: [UInt8], resolver: ProfileResolver, onHint: (UInt8) -> Void = { _ in }) -> CompiledProfile? {
        guard let bytes = readOwnFile(path), bytes.count > 8 else { return nil }
        return bytes.withUnsafeBytes { file -> CompiledProfile? in
            let buffer = UnsafeRawBufferPointer(rebasing: file[..<(file.count - 8)])
            guard checksum(buffer) == UInt64(littleEndian: file.loadUnaligned(fromByteOffset: file.count - 8, as: UInt64.self)) else {
                return nil
            }
            var r = ByteReader(buffer)
            do {
                guard Self.equal(try r.take(magic.count), magic), Self.equal(try r.raw(), key) else { return nil }
                let lookupCount = try r.count()
                for _ in 0..<lookupCount {
                    let name = try r.string()
                    let relativeTo = try r.optional { try $0.string() }
                    let source = try r.string()
                    let text = try r.raw()
                    // The same question must find the same profile with the same text.
                    guard let found = try? resolver.find(name, relativeTo: relativeTo), found.source == source else { return nil }
                    guard Self.equal(text, found.bytes) else { return nil }
                }
                onHint(try r.u8())
                let compiled = try CompiledProfile(from: &r)
                return r.isAtEnd ? compiled : nil
            } catch {
                return nil
            }
        }
    }

    static func equal(_ stored: UnsafeRawBufferPointer, _ expected: [UInt8]) -> Bool {
        expected.withUnsafeBytes { equal(stored, $0) }
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// The file's bytes when it is a regular file of ours that nobody else can write, else nil.
    static func readOwnFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
              st.st_size > 0, st.st_size <= 1 << 20 else { return nil }
        let size = Int(st.st_size)
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let n = read(fd, buffer.baseAddress! + count, size - count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                count += n
            }
        }
        return bytes.count == size ? bytes : nil
    }

    // MARK: - Store

    /// Writes an entry (a new file renamed into place, so a reader never sees half of one). Returns why it
    /// could not, or nil.
    static func store(_ compiled: CompiledProfile, lookups: [ProfileResolver.Lookup], hint: UInt8 = 0, key: [UInt8],
                      directory: String, path: String) -> String? {
        if let problem = prepareDirectory(directory) { return problem }
        var w = ByteWriter()
        for byte in magic { w.u8(byte) }
        w.raw(key)
        w.array(lookups) { w, lookup in
            w.string(lookup.name)
            w.optional(lookup.relativeTo) { $0.string($1) }
            w.string(lookup.found.source)
            w.raw(lookup.found.bytes)
        }
        w.u8(hint)
        compiled.encode(into: &w)
        w.u64(w.bytes.withUnsafeBytes { checksum($0) })

        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return "cannot write \(temporary): \(String(cString: strerror(errno)))" }
        do {
            defer { close(fd) }
            try FileIO.writeAll(fd, w.bytes, name: temporary)
        } catch {
            unlink(temporary)
            return "cannot write \(path): \(error)"
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            return "cannot write \(path): \(String(cString: strerror(e)))"
        }
        evictOldEntries(directory)
        return nil
    }

    /// Creates the directory (mode 0700) when missing, and checks that it is ours and that nobody else
    /// can write to it: an entry is trusted as compiled, so no one else may be able to plant one.
    static func prepareDirectory(_ directory: String) -> String? {
        var st = stat()
        if lstat(directory, &st) != 0 {
            var prefix = ""
            for component in directory.split(separator: "/") {
                prefix += "/" + component
                if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                    return "cannot create \(prefix): \(String(cString: strerror(errno)))"
                }
            }
            guard lstat(directory, &st) == 0 else { return "cannot create \(directory): \(String(cString: strerror(errno)))" }
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { return "\(directory) is not a directory" }
        guard st.st_uid == geteuid() else { return "\(directory) belongs to uid \(st.st_uid), not to uid \(geteuid())" }
        guard st.st_mode & 0o022 == 0 else { return "\(directory) is writable by others (mode \(String(st.st_mode & 0o777, radix: 8)))" }
        return nil
    }

    /// Keeps the newest `maxEntries` entries.
    static func evictOldEntries(_ directory: String) {
        guard let dir = opendir(directory) else { return }
        var entries: [(name: String, mtime: Int)] = []
        while let entry = readdir(dir) {
            let name = directoryEntryName(entry)
            guard name.hasSuffix(".bin") else { continue }
            var st = stat()
            if stat(directory + "/" + name, &st) == 0 { entries.append((name, st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec)) }
        }
        closedir(dir)
        guard entries.count > maxEntries else { return }
        for entry in entries.sorted(by: { $0.mtime < $1.mtime }).prefix(entries.count - maxEntries) {
            unlink(directory + "/" + entry.name)
        }
    }
}
