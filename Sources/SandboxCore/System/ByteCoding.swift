/// A flat little-endian byte encoding for the compiled-profile cache: fixed-width integers, and strings and
/// arrays prefixed with their length. No field names and no schema: both sides are written in the same
/// order, and the cache's format version changes whenever that order does.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(16384) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func int(_ v: Int) { i64(Int64(v)) }
    mutating func i32(_ v: Int32) { i64(Int64(v)) }
    mutating func double(_ v: Double) { u64(v.bitPattern) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u64(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func raw(_ data: [UInt8]) {
        u64(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// A presence byte, then the value when there is one.
    mutating func optional<T>(_ v: T?, _ write: (inout ByteWriter, T) -> Void) {
        bool(v != nil)
        if let v { write(&self, v) }
    }

    mutating func array<T>(_ items: [T], _ write: (inout ByteWriter, T) -> Void) {
        u64(UInt64(items.count))
        for item in items { write(&self, item) }
    }

    mutating func strings(_ items: [String]) { array(items) { $0.string($1) } }
}

/// Reads what `ByteWriter` wrote. Every read is bounds-checked and throws `ByteReader.Malformed` on a short
/// or inconsistent input: a damaged cache file is a cache miss, never a crash.
struct ByteReader {
    struct Malformed: Error {}

    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else { throw Malformed() }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func u8() throws -> UInt8 { try take(1)[0] }

    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw Malformed()
        }
    }

    mutating func u64() throws -> UInt64 {
        let chunk = try take(8)
        var v: UInt64 = 0
        withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: chunk) }
        return UInt64(littleEndian: v)
    }

    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
    mutating func int() throws -> Int { Int(try i64()) }

    mutating func i32() throws -> Int32 {
        guard let v = Int32(exactly: try i64()) else { throw Malformed() }
        return v
    }

    mutating func double() throws -> Double { Double(bitPattern: try u64()) }

    /// A count of things still to read, checked against the bytes left (each takes at least one byte), so
    /// that a damaged length cannot ask for a huge allocation.
    mutating func count() throws -> Int {
        let n = try u64()
        guard n <= UInt64(bytes.count - offset) else { throw Malformed() }
        return Int(n)
    }

    /// Invalid UTF-8 cannot come from `ByteWriter`; it is repaired rather than checked, as the stored
    /// key and profile texts are compared byte for byte before anything decoded here is used.
    mutating func string() throws -> String {
        String(decoding: try take(try count()).assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    mutating func raw() throws -> UnsafeRawBufferPointer { try take(try count()) }

    mutating func optional<T>(_ read: (inout ByteReader) throws -> T) throws -> T? {
        try bool() ? try read(&self) : nil
    }

    mutating func array<T>(_ read: (inout ByteReader) throws -> T) throws -> [T] {
        let n = try count()
        var items: [T] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try read(&self)) }
        return items
    }

    mutating func strings() throws -> [String] { try array { try $0.string() } }
}
