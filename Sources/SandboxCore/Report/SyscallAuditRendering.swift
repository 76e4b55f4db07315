/// JSON and summary lines of the syscall audit (`ReportRenderer` calls these).
extension SyscallAuditReport {
    /// `syscalls`, `processes` and `audit` (mechanism and notes) of the JSON report.
    var jsonFields: [(String, JSONValue)] {
        let syscalls: [JSONValue] = syscalls.map { s in
            .object([
                ("name", .string(s.name)), ("abi", .string(s.abi)), ("calls", .int(Int64(s.calls))),
                ("errors", .object(s.errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                ("denied", .int(Int64(s.denied))),
                ("args", .object(s.args.sorted { $0.key < $1.key }.map { arg in
                    (arg.key, .object(arg.value.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
                })),
            ])
        }
        let processes: [JSONValue] = processes.map { p in
            .object([
                ("pid", .int(Int64(p.pid))), ("parent", .int(Int64(p.parent))),
                ("executable", p.executable.map { .string($0) } ?? .null),
                ("argv", .array(p.argv.map { .string($0) })), ("argv_truncated", .bool(p.argvTruncated)),
                ("start_seconds", .double(p.start)), ("end_seconds", p.end.map { .double($0) } ?? .null),
                ("exit", p.exit.map { .string($0) } ?? .null),
                ("cpu_seconds", p.cpuSeconds.map { .double($0) } ?? .null),
            ])
        }
        return [
            ("syscalls", .array(syscalls)),
            ("processes", .array(processes)),
            ("audit", .object([
                ("mechanism", .string(mechanism)),
                ("return_values", .bool(seesReturnValues)),
                ("total_calls", .int(Int64(totalCalls))),
                ("total_denied", .int(Int64(totalDenied))),
                ("notes", .array(notes.map { .string($0) })),
            ])),
        ]
    }

    /// The summary's rows: an `strace -c`-like table of the top syscalls, the totals line and the tree.
    func summaryRows(top: Int = 12) -> [(String, String)] {
        var rows: [(String, String)] = []
        let total = totalCalls
        func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
            let n = s.utf8.count
            guard n < width else { return s }
            let fill = String(repeating: " ", count: width - n)
            return right ? fill + s : s + fill
        }
        rows.append(("syscalls", "\(syscalls.count) distinct syscalls, \(totalDenied) denied, \(total) calls (\(mechanism))"))
        rows.append(("", pad("% calls", 7) + "  " + pad("calls", 10) + "  " + pad("errors", 8) + "  " + pad("denied", 7) + "  syscall"))
        for s in syscalls.prefix(top) {
            let share = total == 0 ? 0 : Double(s.calls) * 100 / Double(total)
            let hundredths = Int((share * 100).rounded())
            let percent = "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
            let name = s.abi == "x86_64" ? s.name : "\(s.name) (\(s.abi))"
            let errors = s.errorCount == 0 ? "" : String(s.errorCount)
            let top = s.errors.max { $0.value < $1.value }.map { " " + $0.key } ?? ""
            rows.append(("", pad(percent, 7) + "  " + pad(String(s.calls), 10) + "  " + pad(errors, 8) + "  "
                         + pad(s.denied == 0 ? "" : String(s.denied), 7) + "  " + name + top))
        }
        if syscalls.count > top { rows.append(("", "… \(syscalls.count - top) more in the JSON report")) }
        if !processes.isEmpty {
            let children = Dictionary(grouping: processes, by: \.parent)
            let pids = Set(processes.map(\.pid))
            func walk(_ p: Process, depth: Int) {
                let program = p.argv.isEmpty ? (p.executable ?? "?") : p.argv.prefix(4).joined(separator: " ") + (p.argv.count > 4 || p.argvTruncated ? " …" : "")
                var facts: [String] = []
                if let exit = p.exit { facts.append(exit) }
                if let cpu = p.cpuSeconds { facts.append(Units.formatSeconds(cpu) + " cpu") }
                rows.append((rows.contains { $0.0 == "processes" } ? "" : "processes",
                             String(repeating: "  ", count: depth) + "\(p.pid) \(program)" + (facts.isEmpty ? "" : " (" + facts.joined(separator: ", ") + ")")))
                for child in children[p.pid] ?? [] { walk(child, depth: depth + 1) }
            }
            for root in processes where !pids.contains(root.parent) { walk(root, depth: 0) }
        }
        for note in notes { rows.append(("audit", note)) }
        return rows
    }
}
