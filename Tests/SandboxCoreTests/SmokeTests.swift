import Testing
@testable import SandboxCore

@Test func versionIsSet() { #expect(!SandboxCore.version.isEmpty) }
