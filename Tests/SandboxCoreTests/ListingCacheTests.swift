import Foundation
import Testing
@testable import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

/// The directory listings `filesystem.hide` globs read, kept between runs while the directory is unchanged.
@Suite("Listing cache") struct ListingCacheTests {
    static func names(_ bytes: [CChar]) -> [String] {
        bytes.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }.sorted()
    }

    /// Kept, saved and used by the next run; a name created, removed or renamed in the directory changes
    /// its times, and the next run reads it again.
    @Test func aListingIsKeptUntilTheDirectoryChanges() throws {
        let t = try TempDir(), listed = t.path + "/etc", cache = t.path + "/cache"
        try FileManager.default.createDirectory(atPath: listed, withIntermediateDirectories: false)
        for name in ["shadow", "shadow-", "passwd"] { FileManager.default.createFile(atPath: listed + "/" + name, contents: nil) }
        guard ListingCache.trustedFileSystems.contains(ListingCache.fsType(listed)) else {
            print("skipped aListingIsKeptUntilTheDirectoryChanges: \(t.path) is on a file system whose times are not trusted")
            return
        }
        let first = ListingCache(directory: cache, settle: 0)
        #expect(Self.names(first.names(in: listed)) == ["passwd", "shadow", "shadow-"])
        first.save()
        let second = ListingCache(directory: cache, settle: 0)
        #expect(second.isKept(listed), "the next run has it")
        #expect(Self.names(second.names(in: listed)) == ["passwd", "shadow", "shadow-"])

        FileManager.default.createFile(atPath: listed + "/shadow.bak", contents: nil)
        #expect(!second.isKept(listed), "a new name changes the directory's times")
        #expect(Self.names(second.names(in: listed)) == ["passwd", "shadow", "shadow-", "shadow.bak"])
        second.save()
        try FileManager.default.moveItem(atPath: listed + "/shadow.bak", toPath: listed + "/gshadow")
        let third = ListingCache(directory: cache, settle: 0)
        #expect(Self.names(third.names(in: listed)) == ["gshadow", "passwd", "shadow", "shadow-"])
    }

    /// A directory changed within the last `settle` seconds is read every time, never kept: a change in
    /// the same clock tick could leave its times as they were.
    @Test func aDirectoryChangedJustNowIsNotKept() throws {
        let t = try TempDir(), listed = t.path + "/etc"
        try FileManager.default.createDirectory(atPath: listed, withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: listed + "/shadow", contents: nil)
        let cache = ListingCache(directory: t.path + "/cache")
        #expect(Self.names(cache.names(in: listed)) == ["shadow"])
        #expect(!cache.isKept(listed))
        cache.save()
        #expect(!FileManager.default.fileExists(atPath: t.path + "/cache/" + ListingCache.fileName), "nothing to keep, nothing written")
    }

    /// A damaged or foreign file is no listing: every directory is read.
    @Test func aDamagedFileIsIgnored() throws {
        let t = try TempDir(), cache = t.path + "/cache"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        FileManager.default.createFile(atPath: cache + "/" + ListingCache.fileName, contents: Data("sandbox-listings\ngarbage".utf8),
                                       attributes: [.posixPermissions: 0o600])
        let listings = ListingCache(directory: cache, settle: 0)
        #expect(Self.names(listings.names(in: t.path)) == ["cache"])
    }
}
