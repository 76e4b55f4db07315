import Testing
@testable import SandboxCore

/// The live monitor's model: the bounded timeline and its downsampling, the sparklines, the control
/// protocol's requests, the HTML report's escaping.
@Suite("monitor model")
struct MonitorModelTests {
    static func sample(_ i: Int, interval: Double = 0.1, cpu: Double = 0.5, rss: UInt64 = 1000) -> ResourceSample {
        ResourceSample(time: Double(i + 1) * interval, cpuSeconds: Double(i + 1) * interval * cpu, rssBytes: rss,
                       processes: 1, readBytes: UInt64(i) * 10, writeBytes: UInt64(i) * 20)
    }

    @Test func aLongRunStaysBoundedAndKeepsItsShape() {
        // A 10-minute run at 100 ms: 6,000 samples offered, half the CPU busy throughout, one memory spike.
        var timeline = Timeline()
        var interval = Timeline.initialInterval
        var t = 0.0, cpu = 0.0, i = 0
        var merges = 0
        while t < 600 {
            t += timeline.interval
            cpu += timeline.interval * 0.5
            let spike = i == 1234
            let merged = timeline.append(ResourceSample(time: t, cpuSeconds: cpu, rssBytes: spike ? 900_000 : 1000, processes: spike ? 7 : 1,
                                                        readBytes: UInt64(i), writeBytes: 0))
            if merged { merges += 1; interval *= 2 }
            #expect(timeline.samples.count < Timeline.defaultCapacity)
            i += 1
        }
        #expect(merges >= 1 && timeline.interval == interval)
        #expect(timeline.samples.count >= Timeline.defaultCapacity / 2)
        // The peak survives the merges, in the samples and in the summary figure.
        #expect(timeline.peakRSSBytes == 900_000 && timeline.samples.map(\.rssBytes).max() == 900_000)
        #expect(timeline.peakProcesses == 7)
        // Cumulative counters: the last sample is the last reading; rates stay exact averages.
        #expect(timeline.samples.last?.readBytes == UInt64(i - 1))
        #expect(timeline.cpuPercents.allSatisfy { abs($0 - 50) < 0.001 })
        // Time is spread over all of the run, in order.
        #expect(zip(timeline.samples, timeline.samples.dropFirst()).allSatisfy { $0.time < $1.time })
        #expect((timeline.samples.last?.time ?? 0) >= 599)
    }

    @Test func mergingPairsKeepsTheLaterCountersAndTheLargerGauges() {
        var timeline = Timeline(capacity: 4)
        let merges = [10, 50, 30, 20].enumerated().map { i, rss in timeline.append(Self.sample(i, rss: UInt64(rss))) }
        #expect(merges == [false, false, false, true])
        #expect(timeline.interval == 0.2)
        #expect(timeline.samples.map(\.rssBytes) == [50, 30])
        #expect(timeline.samples.map(\.time) == [Self.sample(1).time, Self.sample(3).time])
        #expect(timeline.samples.map(\.writeBytes) == [20, 60])
    }

    @Test func theJSONHasOneRowPerSample() {
        var timeline = Timeline()
        for i in 0..<3 { timeline.append(Self.sample(i)) }
        let json = timeline.json.serialized(indent: nil)
        #expect(json.contains("\"fields\":[\"time\",\"cpu_percent\",\"rss_bytes\",\"processes\",\"read_bytes\",\"write_bytes\"]"))
        #expect(json.contains("\"samples\":[[0.100000,50.000000,1000,1,0,0],"))
    }

    @Test func sparklines() {
        #expect(Sparkline.render([0, 25, 50, 75, 100], top: 100) == "▁▃▅▆█")
        #expect(Sparkline.render([]) == "")
        #expect(Sparkline.render([0, 0, 0]) == "▁▁▁")
        // Squeezed into the width, each column the peak of its share.
        let long = (0..<400).map { $0 == 203 ? 100.0 : 1.0 }
        let line = Sparkline.render(long, width: 40)
        #expect(line.count == 40 && line.filter { $0 == "█" }.count == 1)
    }

    @Test func controlRequests() throws {
        #expect(try ControlProtocol.parse(#"{"version":1,"request":"status"}"#).get() == .status)
        #expect(try ControlProtocol.parse(#"{"version":1,"request":"signal","signal":"usr1"}"#).get() == .signal(10))
        #expect(try ControlProtocol.parse(#"{"version":1,"request":"signal","signal":9}"#).get() == .signal(9))
        #expect(try ControlProtocol.parse(#"{"version":1,"request":"stop"}"#).get() == .stop(signal: 15, grace: 5))
        #expect(try ControlProtocol.parse(#"{"version":1,"request":"stop","signal":"SIGINT","grace":0.5}"#).get() == .stop(signal: 2, grace: 0.5))
        let refused: [(String, String)] = [
            ("[1]", "not a JSON object"), ("{", "not a JSON object"),
            (#"{"request":"status"}"#, "no \"version\""),
            (#"{"version":2,"request":"status"}"#, "version 2 is not supported"),
            (#"{"version":1}"#, "no \"request\""),
            (#"{"version":1,"request":"reboot"}"#, "unknown request 'reboot'"),
            (#"{"version":1,"request":"signal"}"#, "\"signal\" is required"),
            (#"{"version":1,"request":"signal","signal":"SIGNOPE"}"#, "unknown signal"),
            (#"{"version":1,"request":"signal","signal":0}"#, "unknown signal"),
            (#"{"version":1,"request":"stop","grace":-1}"#, "\"grace\" must be"),
        ]
        for (line, message) in refused {
            guard case .failure(let error) = ControlProtocol.parse(line) else { Issue.record("accepted \(line)"); continue }
            #expect(error.description.contains(message), "\(line): \(error)")
        }
        #expect(ControlProtocol.reply([("x", .int(1))]) == "{\"version\":1,\"ok\":true,\"x\":1}\n")
    }

    @Test func signalNames() {
        #expect(Signals.number("TERM") == 15 && Signals.number("sigkill") == 9 && Signals.number("2") == 2)
        #expect(Signals.number("0") == nil && Signals.number("NOPE") == nil && Signals.number("99") == nil)
        #expect(Signals.name(15) == "SIGTERM")
    }

    @Test func runIDs() {
        let id = RunDirectory.newID()
        #expect(RunDirectory.isValidID(id))
        #expect(RunDirectory.newID() != id)
        for bad in ["", "1234567", "123456789", "ABCDEF12", "../../x1", "0123456g"] { #expect(!RunDirectory.isValidID(bad), "\(bad)") }
    }

    @Test func theHTMLReportEscapesWhatTheCommandChose() {
        #expect(HTMLReport.escape("<a href=\"x\" onclick='y'>&</a>") == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLReport.escape("a\u{1B}[2Jb") == "a&#27;[2Jb")
        let hostile = "</script><script>alert(1)</script>"
        let report = JSONValue.object([
            ("command", .array([.string("sh"), .string(hostile)])), ("profile", .string("<b>p</b>")),
            ("files", .array([.object([("path", .string("/tmp/\"><img src=x>")), ("operations", .array([.string("write")])), ("count", .int(1))])])),
            ("syscalls", .array([.object([("name", .string("<openat>")), ("count", .int(3))])])),
            ("processes", .array([.object([("pid", .int(1)), ("argv", .array([.string("<init>")])), ("children", .array([]))])])),
        ])
        let page = HTMLReport.render(report)
        #expect(!page.contains(hostile) && !page.contains("<img src=x>") && !page.contains("<b>p</b>") && !page.contains("<openat>"))
        #expect(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"))
        // One script, with the policy's nonce; nothing external.
        #expect(page.components(separatedBy: "<script").count == 2)
        #expect(page.contains("default-src 'none'") && !page.contains("http://") && !page.contains("https://"))
        // The audit's sections render when the report has them.
        #expect(page.contains("id=\"syscalls\"") && page.contains("id=\"syscalls-chart\"") && page.contains("id=\"processes\""))
    }
}
