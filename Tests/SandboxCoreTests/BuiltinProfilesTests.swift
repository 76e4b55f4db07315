import Foundation
import Testing
@testable import SandboxCore

/// The profiles compiled into the binary are exactly the files in `profiles/`, every one of them
/// resolves, and the reference documentation covers every key.
@Suite("Built-in profiles")
struct BuiltinProfilesTests {
    static let profilesDirectory = TestPaths.packageRoot + "/profiles"

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: profilesDirectory)) ?? [])
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Built-ins whose seccomp lists name `@groups` cannot resolve until the group table is merged.
    static func usesGroups(_ name: String) -> Bool {
        var name: String? = name
        while let current = name, let text = BuiltinProfiles.text(current) {
            if text.contains("\"@") { return true }
            name = text.split(separator: "\n").first { $0.hasPrefix("extends") }
                .flatMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
        }
        return false
    }

    @Test func sameNamesAsTheFiles() {
        #expect(!Self.files.isEmpty, "no profiles found in \(Self.profilesDirectory)")
        #expect(Self.files == BuiltinProfiles.names,
                "run scripts/embed-profiles after adding or removing a profile")
    }

    @Test("the built-in text equals profiles/NAME.toml", arguments: files)
    func embeddedTextMatchesFile(_ name: String) throws {
        let file = try FileIO.readText(Self.profilesDirectory + "/\(name).toml")
        func trimmed(_ s: String) -> Substring {
            var s = Substring(s)
            while s.last == "\n" { s = s.dropLast() }
            return s
        }
        let embedded = try #require(BuiltinProfiles.text(name), "profiles/\(name).toml is not embedded")
        #expect(trimmed(embedded) == trimmed(file), "profiles/\(name).toml changed: run scripts/embed-profiles")
    }

    @Test("a built-in without groups resolves", arguments: BuiltinProfiles.names.filter { !usesGroups($0) })
    func resolvesWithoutGroups(_ name: String) throws {
        let profile = try builtin(name)
        #expect(profile.name == name)
        #expect(!profile.description.isEmpty, "a built-in says what it is for")
        _ = try builtinResolver.load(try builtinResolver.find(name))
    }

    @Test("a built-in with groups resolves",
          arguments: BuiltinProfiles.names.filter { usesGroups($0) })
    func resolvesWithGroups(_ name: String) throws {
        let profile = try builtin(name)
        #expect(profile.name == name)
        #expect(!profile.description.isEmpty)
    }

    @Test func strictUsesGroupsAndDefaultDoesNot() {
        #expect(Self.usesGroups("strict"))
        #expect(!Self.usesGroups("default"))
        #expect(!Self.usesGroups("build"))
    }

    /// Every key of the schema appears in docs/profiles.md: as its dotted path, or as its name in backticks
    /// somewhere after its `[section]`.
    @Test func docsMentionEveryKey() throws {
        let path = TestPaths.packageRoot + "/docs/profiles.md"
        guard FileIO.exists(path) else {
            Issue.record("docs/profiles.md is missing (\(path)): it must document every key of ProfileSchema.keys")
            return
        }
        let doc = try FileIO.readText(path)
        for key in ProfileSchema.keys {
            let parts = key.path.split(separator: ".", maxSplits: 1).map(String.init)
            var mentioned = doc.contains(key.path)
            if !mentioned, parts.count == 2, let section = doc.range(of: "[\(parts[0])]") {
                let rest = doc[section.upperBound...]
                mentioned = rest.contains("`\(parts[1])`") || rest.contains("`\(parts[1]) =") || rest.contains("\n\(parts[1]) =")
            }
            #expect(mentioned, "docs/profiles.md does not mention \(key.path)")
        }
    }
}
