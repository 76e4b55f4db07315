/// The shape of a run over time, in bounded memory: samples every `interval` seconds (100 ms at first);
/// when `capacity` samples are held, adjacent pairs are merged and the interval doubles, so a run of any
/// length keeps between capacity/2 and capacity samples spread over all of it.
///
/// Merging keeps what the charts and the report rely on: the later sample's cumulative counters (CPU
/// time, I/O), so rates between neighbours stay exact averages; the larger of the two memory and process
/// readings, so the peak is never merged away.
public struct Timeline: Sendable {
    public static let initialInterval = 0.1
    public static let defaultCapacity = 2000

    public private(set) var samples: [ResourceSample] = []
    public private(set) var interval: Double
    public let capacity: Int
    /// The largest tree RSS sum seen by any sample (kept through merges).
    public private(set) var peakRSSBytes: UInt64 = 0
    public private(set) var peakProcesses = 0
    /// Where the figures came from: "proc" (the /proc walk) or the cgroup's name for its sampler.
    public var source: String

    public init(capacity: Int = Timeline.defaultCapacity, interval: Double = Timeline.initialInterval, source: String = "proc") {
        precondition(capacity >= 2 && capacity % 2 == 0, "the capacity must be even to merge pairs")
        self.capacity = capacity
        self.interval = interval
        self.source = source
    }

    /// Adds a sample; returns true when the store was full and merged, so the caller re-arms its timer at
    /// the new (doubled) `interval`.
    @discardableResult
    public mutating func append(_ sample: ResourceSample) -> Bool {
        peakRSSBytes = max(peakRSSBytes, sample.rssBytes)
        peakProcesses = max(peakProcesses, sample.processes)
        samples.append(sample)
        guard samples.count >= capacity else { return false }
        var merged: [ResourceSample] = []
        merged.reserveCapacity(capacity)
        var i = 0
        while i + 1 < samples.count {
            var later = samples[i + 1]
            later.rssBytes = max(later.rssBytes, samples[i].rssBytes)
            later.processes = max(later.processes, samples[i].processes)
            merged.append(later)
            i += 2
        }
        samples = merged
        interval *= 2
        return true
    }

    /// CPU use between consecutive samples, in percent of one CPU (the first against the start, zero CPU).
    public var cpuPercents: [Double] {
        var result: [Double] = []
        result.reserveCapacity(samples.count)
        var previous = ResourceSample(time: 0, cpuSeconds: 0, rssBytes: 0, processes: 0, readBytes: 0, writeBytes: 0)
        for sample in samples {
            let dt = sample.time - previous.time
            result.append(dt > 0 ? max(0, (sample.cpuSeconds - previous.cpuSeconds) / dt * 100) : 0)
            previous = sample
        }
        return result
    }

    /// CPU percent over the last `window` seconds up to the newest sample (for `sandbox top`).
    public func recentCPUPercent(window: Double) -> Double? {
        guard let last = samples.last else { return nil }
        let first = samples.last { $0.time <= last.time - window } ?? samples.first!
        let dt = last.time - first.time
        if dt <= 0 { return last.time > 0 ? last.cpuSeconds / last.time * 100 : nil }
        return max(0, (last.cpuSeconds - first.cpuSeconds) / dt * 100)
    }

    /// The report's `timeline` object: the fields once, then one compact row per sample.
    public var json: JSONValue {
        let cpu = cpuPercents
        return .object([
            ("source", .string(source)),
            ("interval_seconds", .double(interval)),
            ("peak_rss_bytes", .int(Int64(peakRSSBytes))),
            ("peak_processes", .int(Int64(peakProcesses))),
            ("fields", .array(["time", "cpu_percent", "rss_bytes", "processes", "read_bytes", "write_bytes"].map { .string($0) })),
            ("samples", .array(samples.enumerated().map { i, s in
                .array([.double((s.time * 1000).rounded() / 1000), .double((cpu[i] * 10).rounded() / 10), .int(Int64(s.rssBytes)),
                        .int(Int64(s.processes)), .int(Int64(s.readBytes)), .int(Int64(s.writeBytes))])
            })),
        ])
    }
}

/// Sparklines for the summary: a series squeezed into at most `width` columns of ▁▂▃▄▅▆▇█.
public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// Each column is the largest value of its share of the series (a peak stays visible); the scale runs
    /// from zero to `top` (the series' maximum when nil).
    public static func render(_ values: [Double], width: Int = 40, top: Double? = nil) -> String {
        guard !values.isEmpty, width > 0 else { return "" }
        let columns = min(width, values.count)
        var peaks: [Double] = []
        for c in 0..<columns {
            let from = c * values.count / columns, to = max(from + 1, (c + 1) * values.count / columns)
            peaks.append(values[from..<to].max()!)
        }
        let scale = top ?? (peaks.max() ?? 0)
        return String(peaks.map { v -> Character in
            guard scale > 0 else { return bars[0] }
            let level = Int((min(v, scale) / scale * Double(bars.count - 1)).rounded())
            return bars[max(0, min(bars.count - 1, level))]
        })
    }
}
