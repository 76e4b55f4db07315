import SandboxCore
print("sandbox \(SandboxCore.version)")
