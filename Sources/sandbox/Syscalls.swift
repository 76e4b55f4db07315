import ArgumentParser
import SandboxCore

struct Syscalls: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syscalls",
        abstract: "List the syscall groups, or the members of one group (one per line).",
        discussion: "Groups follow systemd's names and meanings; use them in a profile's seccomp.allow and seccomp.deny.")

    @Argument(help: "A group such as @mount.") var group: String?

    func run() throws {
        guard let group else {
            let width = SyscallGroups.all.map(\.name.count).max() ?? 0
            for g in SyscallGroups.all { print(pad(g.name, width) + "  " + g.summary) }
            return
        }
        do {
            let name = group.hasPrefix("@") ? group : "@" + group
            for member in try SyscallGroups.expand(name) { print(member) }
        } catch let error as SandboxError {
            Sandbox.fail(error)
        } catch {
            Sandbox.fail(SandboxError(.usage, group, "\(error)"))
        }
    }
}
