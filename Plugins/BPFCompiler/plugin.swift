import Foundation
import PackagePlugin

/// Compiles the syscall audit's BPF program (`Sources/CSandboxAudit/bpf/audit.bpf.c`) with the toolchain's
/// clang (`-target bpf`) and embeds the object in the target as a generated Swift source, so that the
/// binary carries the program and nothing is compiled at run time. No prebuilt object is committed.
@main
struct BPFCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let bpf = package.appending(path: "Sources/CSandboxAudit/bpf")
        let source = bpf.appending(path: "audit.bpf.c")
        let shared = package.appending(path: "Sources/CSandboxAudit/include/sandbox_audit_shared.h")
        let object = context.pluginWorkDirectoryURL.appending(path: "audit.bpf.o")
        let output = context.pluginWorkDirectoryURL.appending(path: "AuditProgramObject.swift")
        let embed = package.appending(path: "Plugins/BPFCompiler/embed.sh")
        return [.buildCommand(
            displayName: "Compiling the audit BPF program",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [embed.path, Self.clang(context), source.path, object.path, output.path],
            inputFiles: [source, shared, embed],
            outputFiles: [output])]
    }

    /// The toolchain's clang: $SANDBOX_BPF_CLANG, /opt/swift's, or the one SwiftPM finds (next to swiftc).
    static func clang(_ context: PluginContext) -> String {
        if let path = ProcessInfoLite.environment("SANDBOX_BPF_CLANG") { return path }
        if let tool = try? context.tool(named: "clang") { return tool.url.path }
        return "/opt/swift/usr/bin/clang"
    }
}

import Glibc

enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let s = String(cString: value)
        return s.isEmpty ? nil : s
    }
}
