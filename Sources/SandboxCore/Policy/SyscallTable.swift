import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Syscall names and numbers as libseccomp knows them: the table that profile names are checked against.
public enum SyscallTable {
    /// libseccomp's "no such syscall".
    static let unknown: Int32 = -1
    /// The highest number we enumerate on the native ABI (x86_64 is at 462 in Linux 6.x).
    static let enumerationLimit: Int32 = 1024

    /// The native number of `name`, a negative pseudo-number for a syscall that exists only on other
    /// architectures (`mmap2` on x86_64), or nil for a name libseccomp does not know at all.
    public static func number(of name: String) -> Int32? {
        let nr = seccomp_syscall_resolve_name(name)
        return nr == unknown ? nil : nr
    }

    /// The native name of syscall `nr`, if libseccomp knows one.
    public static func name(of nr: Int32) -> String? {
        guard let cString = seccomp_syscall_resolve_num_arch(UInt32(SCMP_ARCH_NATIVE), nr) else { return nil }
        defer { free(cString) }
        return String(cString: cString)
    }

    /// Every syscall of the native ABI that libseccomp can name, by number. A syscall newer than this
    /// table is "unknown to the profile" and gets ENOSYS (see SeccompCompiler).
    public static let native: [(nr: Int32, name: String)] = enumerate { name(of: $0) }

    /// Asks libseccomp about each number from `base` on (a linear search of its table each time), up to
    /// `enumerationLimit`, stopping after `gapLimit` unknown numbers in a row: past the last syscall only
    /// misses follow. (x86_64's largest gap, 335-423, is 89 numbers.)
    static let gapLimit: Int32 = 160
    static func enumerate(from base: Int32 = 0, _ lookup: (Int32) -> String?) -> [(nr: Int32, name: String)] {
        var result: [(nr: Int32, name: String)] = []
        var misses: Int32 = 0
        for nr in base..<base + enumerationLimit {
            if let name = lookup(nr) {
                result.append((nr, name))
                misses = 0
            } else {
                misses += 1
                if misses == gapLimit { break }
            }
        }
        return result
    }

    /// The syscalls of another ABI (an AUDIT_ARCH_* token), by number; x32 numbers carry the x32 bit.
    static func table(forArchitecture arch: UInt32) -> [(nr: Int32, name: String)] {
        let base: Int32 = arch == SeccompArchitectures.tokens["x32"] ? 0x4000_0000 : 0
        return enumerate(from: base) { nr in
            guard let cString = seccomp_syscall_resolve_num_arch(arch, nr) else { return nil }
            defer { free(cString) }
            return String(cString: cString)
        }
    }

    public static let nativeNames: Set<String> = Set(native.map(\.name))

    /// Checks a syscall name written in a profile; a group (`@name`) is checked against the group table.
    static func check(_ name: String) -> String? {
        if name.hasPrefix("@") {
            if SyscallGroups.named(name) != nil { return nil }
            return "unknown syscall group '\(name)'" + (Suggestion.hint(for: name, in: SyscallGroups.all.map(\.name)).map { " (\($0))" } ?? "")
        }
        if number(of: name) != nil { return nil }
        return "unknown syscall '\(name)'" + (Suggestion.hint(for: name, in: nativeNames).map { " (\($0))" } ?? "")
    }
}
