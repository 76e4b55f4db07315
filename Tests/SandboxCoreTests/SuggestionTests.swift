import Testing
@testable import SandboxCore

@Suite("Did you mean")
struct SuggestionTests {
    static let distances: [(String, String, Int)] = [
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("nice", "nice", 0),
        ("nicee", "nice", 1),
        ("mountt", "mount", 1),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("hard", "hrad", 1),   // a transposition is one edit
    ]

    @Test("Levenshtein distance", arguments: distances)
    func distance(_ a: String, _ b: String, _ expected: Int) {
        #expect(Suggestion.distance(Array(a), Array(b)) == expected)
        #expect(Suggestion.distance(Array(b), Array(a)) == expected, "symmetric")
    }

    static let nearest: [(String, [String], String?)] = [
        ("nicee", ["nice", "ioprio", "umask"], "nice"),
        ("NICE", ["nice", "ioprio"], "nice"),
        ("limitz", ["limits", "process", "seccomp"], "limits"),
        ("nofile", ["open_files", "processes"], nil),
        ("xyz", ["abc"], nil),
        // One edit is always allowed, even for short words.
        ("ab", ["ac"], "ac"),
        // A third of the word: 2 edits for a 6-letter word, not 3.
        ("sccomp", ["seccomp"], "seccomp"),
        ("cmp", ["seccomp"], nil),
        // The first of equally near candidates.
        ("cat", ["bat", "hat"], "bat"),
        ("anything", [], nil),
    ]

    @Test("nearest candidate", arguments: nearest)
    func nearestCandidate(_ word: String, _ candidates: [String], _ expected: String?) {
        #expect(Suggestion.nearest(to: word, in: candidates) == expected)
    }

    @Test func hintWording() {
        #expect(Suggestion.hint(for: "mountt", in: ["mount", "umount"]) == "did you mean 'mount'?")
        #expect(Suggestion.hint(for: "zzzz", in: ["mount"]) == nil)
    }

    /// Swapped letters are the commonest typo, but count as two edits: short words get no hint.
    @Test func transpositionOfAShortWord() {
        #expect(Suggestion.nearest(to: "hrad", in: ["soft", "hard"]) == "hard")
        #expect(Suggestion.nearest(to: "idel", in: ["idle", "realtime", "best-effort"]) == "idle")
    }

    /// The profile layer's own hints, which go beyond edit distance.
    @Test func profileKeyHints() {
        #expect(ProfileDocument.suggestion(for: "nofile", under: "limits") == "did you mean 'open_files'?")
        #expect(ProfileDocument.suggestion(for: "vmem", under: "limits") == "did you mean 'address_space'?")
        #expect(ProfileDocument.suggestion(for: "rss", under: "limits")?.contains("RLIMIT_RSS has no effect") == true)
        #expect(ProfileDocument.suggestion(for: "nicee", under: "process") == "did you mean 'nice'?")
        #expect(ProfileDocument.suggestion(for: "nice", under: "") == "'nice' belongs in [process]")
        #expect(ProfileDocument.suggestion(for: "nice", under: "limits") == "did you mean 'nice_ceiling'?")
        #expect(ProfileDocument.suggestion(for: "cgrup", under: "") == "did you mean 'cgroup'?")
        #expect(ProfileDocument.suggestion(for: "zzzzzz", under: "") == nil)
    }

    @Test func capabilityAndSyscallHints() {
        #expect(Capabilities.check("NET_ADMN") == "unknown capability 'NET_ADMN' (did you mean 'CAP_NET_ADMIN'?)")
        #expect(Capabilities.check("cap_sys_admim") == "unknown capability 'cap_sys_admim' (did you mean 'CAP_SYS_ADMIN'?)")
        #expect(Capabilities.check("net_admin") == nil)
        #expect(Capabilities.check("CAP_SYS_ADMIN") == nil)
        #expect(SyscallTable.check("mountt") == "unknown syscall 'mountt' (did you mean 'mount'?)")
        #expect(SyscallTable.check("mount") == nil)
        #expect(SyscallTable.check("mmap2") == nil, "a syscall of another ABI is a known name")
    }

    @Test func capabilityNames() {
        #expect(Capabilities.number(of: "CAP_NET_ADMIN") == 12)
        #expect(Capabilities.number(of: "net_admin") == 12)
        #expect(Capabilities.number(of: "Cap_Sys_Admin") == 21)
        #expect(Capabilities.number(of: "CAP_NOPE") == nil)
        #expect(Capabilities.name(of: 21) == "CAP_SYS_ADMIN")
        #expect(Capabilities.allNames.count == Int(Capabilities.lastCap) + 1)
    }
}
