import Foundation
import Testing

extension SandboxBinary {
    /// `--trace-files FILE` streams one JSON object per file event while the command runs.
    @Suite struct TraceFilesTests {
        @Test func traceFilesWritesJSONLines() throws {
            let dir = try TemporaryDirectory(mode: 0o777)
            let trace = dir.file("trace.jsonl")
            let target = dir.file("created")
            let out = try Harness.sandbox(["run", "-q", "--trace-files", trace, "--", "sh", "-c", "echo a > \(target)"])
            #expect(out.status == 0, "\(out)")
            let text = try String(contentsOfFile: trace, encoding: .utf8)
            let events = text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            }
            #expect(!events.isEmpty && events.count == text.split(separator: "\n").count, "every line is a JSON object: \(text)")
            #expect(events.contains { $0["op"] as? String == "create" && $0["path"] as? String == target }, "\(text)")
            #expect(events.allSatisfy { $0["pid"] is Int && $0["time"] is Double }, "\(text)")
        }

        @Test func unwritableTraceFileIs125() throws {
            let out = try Harness.sandbox(["run", "-q", "--trace-files", "/nonexistent-dir/trace", "--", "true"])
            #expect(out.status == 125, "\(out)")
            #expect(out.stderr.hasPrefix("sandbox: --trace-files /nonexistent-dir/trace"), "\(out)")
        }
    }
}
