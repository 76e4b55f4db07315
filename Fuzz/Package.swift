// swift-tools-version:6.0
// The libFuzzer harnesses, a package of their own so that the normal `swift build` never sees them.
// Built and run by scripts/fuzz (`swift build --sanitize fuzzer --sanitize address`): one binary, the
// harness chosen by SANDBOX_FUZZ_TARGET (toml, json, oci, set, units, resolve).
import PackageDescription

let package = Package(
    name: "sandbox-fuzz",
    dependencies: [.package(name: "sandbox", path: "..")],
    targets: [
        .executableTarget(
            name: "sandbox-fuzz",
            dependencies: [.product(name: "SandboxCore", package: "sandbox")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v5]
)
