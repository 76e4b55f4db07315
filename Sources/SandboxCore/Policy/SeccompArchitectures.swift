/// The ABIs a filter can cover, by the names profiles and OCI files use.
enum SeccompArchitectures {
    /// AUDIT_ARCH_* values (libseccomp's SCMP_ARCH_* macros are expressions Swift does not import).
    static let tokens: [String: UInt32] = [
        "native": 0,
        "x86_64": 0xC000_003E, "x86": 0x4000_0003, "i386": 0x4000_0003, "x32": 0x4000_003E,
        "aarch64": 0xC000_00B7, "arm": 0x4000_0028,
    ]
    static var names: [String] { tokens.keys.sorted() }

    static func token(_ name: String) -> UInt32? {
        if let t = tokens[name] { return t }
        // OCI: SCMP_ARCH_X86_64 and friends.
        if name.hasPrefix("SCMP_ARCH_") { return tokens[String(name.dropFirst(10)).lowercased()] }
        return nil
    }
}
