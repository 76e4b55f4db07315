/// The live monitor's part of the report: the run id, who stopped the run, the resource timeline, and
/// the summary's sparklines.
extension ReportRenderer {
    /// JSON fields: `run_id`, `stopped_by` and `timeline` (see docs/control-protocol.md).
    static func monitorFields(_ r: RunResult) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("run_id", r.runID.map { .string($0) } ?? .null)]
        pairs.append(("stopped_by", r.stoppedBy.map { stop in
            .object([("uid", .int(Int64(stop.uid))), ("signal", .string(Signals.name(stop.signal)))])
        } ?? .null))
        if let timeline = r.timeline { pairs.append(("timeline", timeline.json)) }
        return pairs
    }

    /// Summary rows: who stopped the run; CPU and memory sparklines for a run of more than a second.
    static func monitorRows(_ r: RunResult) -> [(String, String)] {
        var rows: [(String, String)] = []
        if let stop = r.stoppedBy { rows.append(("stopped", "by uid \(stop.uid) (sandbox stop, \(Signals.name(stop.signal)))")) }
        if let timeline = r.timeline, r.wallSeconds > 1, !timeline.samples.isEmpty {
            let cpu = timeline.cpuPercents
            let peakCPU = cpu.max() ?? 0
            rows.append(("cpu", Sparkline.render(cpu, top: max(100, peakCPU)) + "  peak \(Int(peakCPU.rounded()))% of one CPU"))
            let memory = timeline.samples.map { Double($0.rssBytes) }
            rows.append(("memory", Sparkline.render(memory) + "  peak " + Units.formatBytes(timeline.peakRSSBytes)
                         + " (whole tree, sampled every \(Units.formatSeconds(timeline.interval)))"))
        }
        for note in r.monitorNotes { rows.append(("note", note)) }
        return rows
    }
}
