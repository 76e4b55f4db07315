import ArgumentParser
import SandboxCore
#if canImport(Glibc)
import Glibc
#endif

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, show, check and export profiles.",
        subcommands: [List.self, Show.self, Check.self, Export.self, BPF.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the profiles -p can name: name, source, description.")

        func run() throws {
            let found = ProfileResolver().available()
            let width = found.map(\.name.count).max() ?? 0
            let sourceWidth = found.map(\.source.count).max() ?? 0
            for profile in found {
                let description = (try? ProfileDocument(name: profile.name, source: profile.source, bytes: profile.bytes))
                    .flatMap { doc in doc.settings.first { $0.path == "description" }?.setting.value.stringValue } ?? "(invalid: run 'sandbox profile check \(profile.source)')"
                print(pad(profile.name, width) + "  " + pad(profile.source, sourceWidth) + "  " + description)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the fully resolved profile as TOML, with where each value came from.")
        @Argument(help: "Profile names or paths, stacked as with run -p.") var names: [String]
        @Option(name: .customLong("set"), help: "Overrides, as with run --set.") var overrides: [String] = []

        func run() throws {
            do {
                print(ProfileText.render(try ProfileResolver().resolution(names, overrides: overrides)))
            } catch let error as SandboxError { Sandbox.fail(error) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate profile files (a CI lint step): each file's first error on one line.",
            discussion: "Exit status: 0 when every profile is valid, 1 when one has errors, 125 when sandbox itself failed.")
        @Argument(help: "Profile files or names.") var files: [String]

        func run() throws {
            var status: Int32 = 0
            for file in files {
                do {
                    _ = try ProfileResolver().resolve([file])
                    print("\(file): ok")
                } catch let error as SandboxError {
                    printError("sandbox: \(error)")
                    // A profile with errors is what the lint reports; a failure of sandbox's own is not.
                    status = max(status, error.kind == .usage ? 1 : 125)
                }
            }
            if status != 0 { Glibc.exit(status) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a profile's seccomp policy as OCI seccomp JSON (Docker, Podman, Kubernetes).")
        @Flag(name: .customLong("oci"), help: "OCI runtime-spec seccomp JSON (the only format).") var oci = false
        @Argument(help: "Profile name or path.") var name: String

        func run() throws {
            do {
                guard oci else { throw SandboxError(.usage, "profile export", "choose a format", hint: "--oci") }
                let profile = try ProfileResolver().resolve([name])
                print(try OCIProfileExporter.export(profile).serialized())
            } catch let error as SandboxError { Sandbox.fail(error) }
        }
    }
}

extension ProfileCommand {
    struct BPF: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bpf",
            abstract: "Compile a profile's seccomp filter and print its size and notified syscalls (for audits and benchmarks).")
        @Argument(help: "Profile names or paths.") var names: [String]
        @Option(name: .shortAndLong, help: "Also write the program's raw instructions (struct sock_filter) to FILE.") var output: String?

        func run() throws {
            do {
                let profile = try ProfileResolver().resolve(names)
                guard profile.seccomp.enabled else {
                    print("\(profile.name): seccomp disabled")
                    return
                }
                let program = try SeccompCompiler.compile(profile.seccomp, notifySocketFD: 3)
                let notified = program.notified.values.map(\.syscall).sorted()
                print("\(profile.name): \(program.instructions.count) instructions, \(notified.count) syscalls reported through user notification")
                if let output {
                    try program.instructions.withUnsafeBytes { raw in
                        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                        guard fd >= 0 else { throw SandboxError(.usage, "--output \(output)", String(cString: strerror(errno))) }
                        defer { close(fd) }
                        guard write(fd, raw.baseAddress, raw.count) == raw.count else { throw SandboxError.system("write(\(output))", errno: errno) }
                    }
                }
            } catch let error as SandboxError { Sandbox.fail(error) }
        }
    }
}

func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
