import Testing
@testable import SandboxCore

@Suite("KeyLocator: the line of each key")
struct KeyLocatorTests {
    static let text = """
        # comment = not a key
        description = "x"
        extends = ["default"]

        [limits]
        open_files = { soft = 1, hard = 2 }
          cpu   =  5   # indented
        "data" = "1GiB"

        [ process ]
        nice = 1
        env_set = { A = "1" }
        [seccomp]
        deny = [
          "mount",
        ]
        [[seccomp.rules]]
        syscall = "ioctl"
        [[seccomp.rules]]
        syscall = "clone"
        [watch]
        watch.enabled = true
        """

    static let lines: [(String, Int?)] = [
        ("description", 2),
        ("extends", 3),
        ("limits", 5),
        ("limits.open_files", 6),
        ("limits.open_files.soft", 6),
        ("limits.cpu", 7),
        ("limits.data", 8),
        ("process", 10),
        ("process.nice", 11),
        ("process.env_set.A", 12),
        ("seccomp.deny", 14),
        ("seccomp.rules", 17),
        ("watch", 21),
        ("watch.watch.enabled", 22),
        // Not written: the nearest enclosing table that is.
        ("process.workdir", 10),
        ("limits.stack", 5),
        // Not written at all.
        ("capabilities.keep", nil),
        ("comment", nil),
    ]

    @Test("line of a key path", arguments: lines)
    func line(_ path: String, _ expected: Int?) {
        #expect(KeyLocator(text: Self.text).line(for: path) == expected)
    }

    @Test func dottedKeysAtTheTopLevel() {
        let locator = KeyLocator(text: "a = 1\nprocess . nice = 3\nlimits.\"open_files\" = 4\n")
        #expect(locator.line(for: "process.nice") == 2)
        #expect(locator.line(for: "limits.open_files") == 3)
    }

    /// "\r\n" is one Character in Swift, so splitting on "\n" does not split CRLF text at all.
    @Test func windowsLineEndings() {
        let locator = KeyLocator(text: "[process]\r\nnice = 1\r\n")
        #expect(locator.line(for: "process.nice") == 2)
    }

    @Test func firstOccurrenceWins() {
        let locator = KeyLocator(text: "[limits]\ncpu = 1\n[process]\n[limits]\ncpu = 2\n")
        #expect(locator.line(for: "limits.cpu") == 2)
    }

    /// `key = value` inside a multi-line string is text, not a key; it must not shadow the real key.
    @Test func multiLineStringIsNotAKey() {
        let text = "description = \"\"\"\nnice = 1\n\"\"\"\nnice = 2\n"
        #expect(KeyLocator(text: text).line(for: "nice") == 4)
    }
}
