import Testing
@testable import SandboxCore

@Suite struct SyscallGroupsTests {
    /// The groups profiles may name; all of them come from systemd.
    static let required = [
        "@default", "@aio", "@basic-io", "@chown", "@clock", "@cpu-emulation", "@debug",
        "@file-system", "@io-event", "@ipc", "@keyring", "@memlock", "@module", "@mount",
        "@network-io", "@obsolete", "@pkey", "@privileged", "@process", "@raw-io", "@reboot",
        "@resources", "@sandbox", "@setuid", "@signal", "@swap", "@sync", "@system-service",
        "@timer", "@known",
    ]

    @Test(arguments: required)
    func requiredGroupExists(_ name: String) {
        #expect(SyscallGroups.named(name) != nil)
    }

    @Test func namesAreUniqueAndStartWithAt() {
        let names = SyscallGroups.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix("@") })
    }

    @Test func everyReferencedGroupExists() {
        for group in SyscallGroups.all {
            for member in group.members where member.hasPrefix("@") {
                #expect(SyscallGroups.named(member) != nil, "\(group.name) names missing \(member)")
            }
        }
    }

    @Test func noGroupIsEmpty() throws {
        for group in SyscallGroups.all {
            #expect(!group.members.isEmpty, "\(group.name) has no members")
            #expect(!group.summary.isEmpty, "\(group.name) has no summary")
            #expect(try !SyscallGroups.expand(group.name).isEmpty, "\(group.name) expands to nothing")
        }
    }

    @Test func noGroupListsAMemberTwice() {
        for group in SyscallGroups.all {
            #expect(Set(group.members).count == group.members.count, "\(group.name) repeats a member")
        }
    }

    /// A depth-first walk that fails if it meets a group already on its path.
    @Test func groupsHaveNoCycles() {
        func walk(_ name: String, path: [String]) {
            guard !path.contains(name) else {
                Issue.record("cycle: \((path + [name]).joined(separator: " -> "))")
                return
            }
            for member in SyscallGroups.named(name)?.members ?? [] where member.hasPrefix("@") {
                walk(member, path: path + [name])
            }
        }
        for group in SyscallGroups.all {
            walk(group.name, path: [])
        }
    }

    @Test func systemServiceIncludesTheBasics() throws {
        let calls = try SyscallGroups.expand("@system-service")
        for name in ["read", "write", "execve", "openat", "mmap", "clone", "seccomp"] {
            #expect(calls.contains(name), "@system-service lacks \(name)")
        }
        #expect(!calls.contains("mount"))
        #expect(!calls.contains("reboot"))
    }

    @Test func mountHasTheOldAndNewMountAPIs() throws {
        let calls = try SyscallGroups.expand("@mount")
        for name in ["mount", "umount2", "fsopen", "move_mount", "pivot_root", "open_tree"] {
            #expect(calls.contains(name), "@mount lacks \(name)")
        }
    }

    @Test func privilegedExpandsItsNestedGroups() throws {
        let calls = try SyscallGroups.expand("@privileged")
        // From @clock, @module, @reboot and @swap respectively.
        for name in ["settimeofday", "init_module", "reboot", "swapon", "bpf"] {
            #expect(calls.contains(name), "@privileged lacks \(name)")
        }
        // Group names never leak into the expansion.
        #expect(!calls.contains { $0.hasPrefix("@") })
    }

    @Test func expansionIsSortedAndUnique() throws {
        let calls = try SyscallGroups.expand("@system-service")
        #expect(calls == Array(Set(calls)).sorted())
    }

    @Test func knownCoversObsoleteAndCurrentCalls() throws {
        let known = Set(try SyscallGroups.expand("@known"))
        #expect(known.isSuperset(of: try SyscallGroups.expand("@obsolete")))
        #expect(known.isSuperset(of: ["read", "mount", "clone3", "io_uring_setup", "landlock_add_rule"]))
    }

    @Test func unknownGroupSuggestsTheNearestName() {
        #expect(throws: SyscallGroups.UnknownGroupError(name: "@mountt", suggestion: "@mount")) {
            try SyscallGroups.expand("@mountt")
        }
        do {
            _ = try SyscallGroups.expand("@mountt")
        } catch {
            #expect("\(error)".contains("did you mean \"@mount\""))
        }
    }

    @Test func bareNameSuggestsTheGroup() {
        #expect(SyscallGroups.nearestName(to: "system-service") == "@system-service")
        #expect(SyscallGroups.nearestName(to: "@netwrok-io") == "@network-io")
    }

    @Test func nonsenseGetsTheListInsteadOfAGuess() {
        #expect(SyscallGroups.nearestName(to: "@zzzzzzzzzzzz") == nil)
        let error = SyscallGroups.UnknownGroupError(name: "@zzzzzzzzzzzz", suggestion: nil)
        #expect(error.description.contains("known groups: @default, @aio"))
    }

    @Test func editDistance() {
        #expect(SyscallGroups.editDistance("", "abc") == 3)
        #expect(SyscallGroups.editDistance("kitten", "sitting") == 3)
        #expect(SyscallGroups.editDistance("@mount", "@mount") == 0)
    }
}
