// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sandbox",
    products: [
        .executable(name: "sandbox", targets: ["sandbox"]),
        .library(name: "SandboxCore", targets: ["SandboxCore"]),
        .library(name: "SandboxFormats", targets: ["SandboxFormats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, through pkg-config (Debian: libseccomp-dev, libcap-dev).
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CBPF", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]),
        // Only the code that runs between fork and exec.
        .target(name: "CSandboxSpawn"),
        // Thin C shims for kernel interfaces Swift cannot call directly (variadic ioctl, raw syscalls).
        .target(name: "CSandboxSys", dependencies: ["CSandboxSpawn"]),
        // The TOML and JSON parsers: format code, no profile knowledge, no dependencies.
        .target(name: "SandboxFormats"),
        // The syscall audit's libbpf loader. Its BPF program (bpf/, not compiled as host C) is built by the
        // BPFCompiler plugin into SandboxCore.
        .target(name: "CSandboxAudit", dependencies: ["CBPF"], exclude: ["bpf"]),
        .plugin(name: "BPFCompiler", capability: .buildTool()),
        .target(
            name: "SandboxCore",
            dependencies: ["SandboxFormats", "CSeccomp", "CCap", "CSandboxSpawn", "CSandboxSys", "CSandboxAudit"],
            plugins: ["BPFCompiler"]
        ),
        .executableTarget(
            name: "sandbox",
            dependencies: [
                "SandboxCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A probe the tests run inside the sandbox: makes one syscall by name and prints the errno.
        .executableTarget(name: "sandbox-probe"),
        .testTarget(name: "SandboxFormatsTests", dependencies: ["SandboxFormats"]),
        .testTarget(name: "SandboxCoreTests", dependencies: ["SandboxCore"]),
        .testTarget(name: "IntegrationTests", dependencies: ["SandboxCore"]),
        .testTarget(name: "CLITests", dependencies: [
            "sandbox", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
