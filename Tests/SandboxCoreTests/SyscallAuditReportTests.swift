import Testing
@testable import SandboxCore

/// The audit's names for argument values and its report rendering (the counting itself is tested on the
/// real kernel in IntegrationTests/AuditTests).
@Suite struct SyscallAuditReportTests {
    @Test func cloneFlagsNameTheExitSignalAndTheBits() {
        #expect(SyscallNames.cloneFlags(0x0100_0000 | 0x0020_0000 | 17, exitSignal: true)
                == "SIGCHLD|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID")
        #expect(SyscallNames.cloneFlags(0x1000_0000 | 0x2000_0000, exitSignal: false) == "CLONE_NEWUSER|CLONE_NEWPID")
        #expect(SyscallNames.cloneFlags(0, exitSignal: false) == "0")
        #expect(SyscallNames.cloneFlags(0x8_0000_0000, exitSignal: false) == "0x800000000")
    }

    @Test func argumentValuesHaveTheirNames() {
        #expect(SyscallNames.value(arg: 1, 2, syscall: "socket") == "AF_INET")
        #expect(SyscallNames.value(arg: 2, 5, syscall: "socket") == "SOCK_SEQPACKET")
        #expect(SyscallNames.value(arg: 3, 0x5401, syscall: "ioctl") == "TCGETS")
        #expect(SyscallNames.value(arg: 3, 0xdead, syscall: "ioctl") == "0xdead")
        #expect(SyscallNames.value(arg: 5, 38, syscall: "prctl") == "PR_SET_NO_NEW_PRIVS")
        #expect(SyscallNames.value(arg: 7, 1, syscall: "mmap") == "PROT_WRITE|PROT_EXEC")
        #expect(SyscallNames.value(arg: 8, 1030, syscall: "fcntl") == "F_DUPFD_CLOEXEC")
    }

    @Test func syscallNamesPerABI() {
        #expect(SyscallNames.name(nr: 0, abi: 0) == "read")
        #expect(SyscallNames.name(nr: 20, abi: 1) == "getpid")
        #expect(SyscallNames.name(nr: 1, abi: 2) == "write")
        #expect(SyscallNames.name(nr: 1000, abi: 0) == "syscall_1000")
    }

    static let report = SyscallAuditReport(
        mechanism: "ebpf",
        syscalls: [
            .init(name: "read", abi: "x86_64", calls: 30, errors: ["EAGAIN": 2], denied: 0, args: [:]),
            .init(name: "ptrace", abi: "x86_64", calls: 1, errors: ["EPERM": 1], denied: 1, args: [:]),
            .init(name: "socket", abi: "x86_64", calls: 1, errors: [:], denied: 0, args: ["family": ["AF_UNIX": 1]]),
        ],
        processes: [
            .init(pid: 10, parent: 1, executable: "/bin/sh", argv: ["sh", "-c", "x"], argvTruncated: false, start: 0, end: 1,
                  exit: "exited 0", cpuSeconds: 0.5),
            .init(pid: 11, parent: 10, executable: "/bin/x", argv: ["x"], argvTruncated: false, start: 0.1, end: 0.9,
                  exit: "killed by SIGKILL", cpuSeconds: nil),
        ],
        seesReturnValues: true, notes: [])

    @Test func jsonHasSyscallsProcessesAndTotals() throws {
        // Pretty-printed: compared without its whitespace (no expected string has a space).
        let text = String(JSONValue.object(Self.report.jsonFields).serialized().filter { !$0.isWhitespace })
        #expect(text.contains(#""syscalls":[{"name":"read","abi":"x86_64","calls":30,"errors":{"EAGAIN":2},"denied":0,"args":{}}"#))
        #expect(text.contains(#""args":{"family":{"AF_UNIX":1}}"#))
        #expect(text.contains(#""processes":[{"pid":10,"parent":1,"executable":"/bin/sh","argv":["sh","-c","x"]"#))
        #expect(text.contains(#""total_calls":32,"total_denied":1"#))
    }

    @Test func summaryHasTheTotalsLineTheTableAndTheTree() {
        let rows = Self.report.summaryRows()
        #expect(rows.first?.1 == "3 distinct syscalls, 1 denied, 32 calls (ebpf)")
        #expect(rows.contains { $0.1.contains("93.75") && $0.1.hasSuffix("read EAGAIN") })
        #expect(rows.contains { $0.0 == "processes" && $0.1 == "10 sh -c x (exited 0, 0.50 s cpu)" }, "\(rows)")
        #expect(rows.contains { $0.0 == "" && $0.1 == "  11 x (killed by SIGKILL)" }, "\(rows)")
    }
}
