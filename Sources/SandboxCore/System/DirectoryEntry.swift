#if canImport(Glibc)
import Glibc
#endif

/// The name of a readdir(3) entry, read in place. `entry.pointee.d_name` would copy the whole 256-byte
/// array, and the kernel's records are only as long as their name: for the last entry of a buffer that
/// copy reads past the end of glibc's heap buffer (AddressSanitizer reports it as a heap-buffer-overflow).
func directoryEntryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
    let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
}
