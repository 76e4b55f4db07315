import CSandboxSys

/// `--report-html FILE`: one self-contained page drawn from the JSON report (so whatever the report
/// holds, the page can show): inline SVG charts of the timeline's CPU and memory, the CPU time, the
/// files touched and the denied calls, and the syscall and process sections when the report has them.
///
/// Everything from the command (argv, paths, syscall names, notes) is attacker-controlled and escaped
/// (`escape`) in text and attributes alike. The page loads nothing: a Content-Security-Policy of
/// `default-src 'none'` with one nonce for its single inline script, so even a string that escaped
/// escaping could neither run script nor fetch anything.
public enum HTMLReport {
    public static func render(_ report: JSONValue) -> String {
        let r = ControlMessage(report)
        var nonceBytes: UInt64 = 0
        _ = sbx_random(&nonceBytes, 8)
        let nonce = String(nonceBytes, radix: 36)
        let command = (r.strings("command") ?? []).joined(separator: " ")
        var body = ""
        body += "<h1>sandbox report</h1>\n<p class=\"cmd\"><code>\(escape(command))</code></p>\n"
        body += summaryTable(r)
        body += timelineSection(r.object("timeline"))
        body += usageSection(r.object("usage"))
        body += filesSection(r)
        body += deniedSection(r.object("seccomp"))
        body += genericSection("Syscalls", r.value("syscalls"), id: "syscalls")
        body += genericSection("Processes", r.value("processes"), id: "processes")
        body += notesSection(r)
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-\(nonce)'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>sandbox: \(escape(String(command.prefix(80))))</title>
        <style>\(style)</style></head>
        <body>
        \(body)<script nonce="\(nonce)">
        // Marks the page as rendered (a headless browser test reads it) and shows a chart's value under the pointer.
        (function () {
          var charts = document.querySelectorAll("svg.chart");
          charts.forEach(function (svg) {
            var out = svg.parentNode.querySelector(".readout");
            svg.querySelectorAll("[data-v]").forEach(function (el) {
              el.addEventListener("mouseenter", function () { if (out) out.textContent = el.getAttribute("data-v"); });
            });
          });
          // Last, so that it is only set when nothing above threw.
          document.documentElement.setAttribute("data-rendered", String(charts.length));
        })();
        </script>
        </body></html>

        """
    }

    /// HTML-escapes text for element content and quoted attribute values alike.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters (a path may hold them) are shown, not passed to the parser.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += "&#\(ch.value);" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    static let style = """
    body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1d2430;background:#fff}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
    code{font:13px ui-monospace,monospace;word-break:break-all}.cmd code{background:#f2f4f8;padding:4px 8px;border-radius:4px;display:inline-block}
    table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}th{color:#5b6575;font-weight:600}
    td.n{text-align:right;font-variant-numeric:tabular-nums}
    svg.chart{display:block;background:#fafbfd;border:1px solid #e3e7ee;border-radius:6px;margin:6px 0}
    .readout{color:#5b6575;font-size:12px;min-height:1.2em}.muted{color:#7a8494}
    .bad{color:#b3261e;font-weight:600}.ok{color:#1e7b34;font-weight:600}
    """

    // MARK: sections

    static func summaryTable(_ r: ControlMessage) -> String {
        var rows: [(String, String)] = [("profile", escape(r.string("profile") ?? "?"))]
        if let id = r.string("run_id") { rows.append(("run id", "<code>\(escape(id))</code>")) }
        if let exit = r.object("exit") {
            let status = exit.int("status") ?? -1
            let reason = exit.string("reason") ?? "?"
            let signal = exit.string("signal_name").map { ", \(escape($0))" } ?? ""
            rows.append(("exit", "<span class=\"\(status == 0 ? "ok" : "bad")\">status \(status)</span> (\(escape(reason))\(signal))"))
        }
        if let stop = r.object("stopped_by") {
            rows.append(("stopped", "by uid \(stop.int("uid") ?? -1) (sandbox stop, \(escape(stop.string("signal") ?? "?")))"))
        }
        if let limit = r.string("limit_hit") { rows.append(("limit hit", escape(limit))) }
        if let error = r.string("setup_error") { rows.append(("setup error", escape(error))) }
        return "<table class=\"summary\">" + rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined() + "</table>\n"
    }

    static func timelineSection(_ timeline: ControlMessage?) -> String {
        var out = "<h2 id=\"timeline\">Timeline</h2>\n"
        guard let timeline, case .array(let rows)? = timeline.value("samples"), !rows.isEmpty else {
            return out + "<p class=\"muted\">No samples: the run ended before the first one (100 ms).</p>\n"
        }
        var times: [Double] = [], cpu: [Double] = [], rss: [Double] = [], procs: [Double] = []
        for row in rows {
            guard case .array(let f) = row, f.count >= 4 else { continue }
            times.append(number(f[0])); cpu.append(number(f[1])); rss.append(number(f[2])); procs.append(number(f[3]))
        }
        let interval = timeline.double("interval_seconds") ?? 0.1
        out += "<p class=\"muted\">\(rows.count) samples of the whole tree, every \(format(interval)) s (source: \(escape(timeline.string("source") ?? "?"))).</p>\n"
        out += "<h3>CPU (% of one CPU)</h3>" + lineChart(times, cpu, id: "cpu-chart", color: "#2f6fde", unit: "%", minTop: 100) + "<div class=\"readout\"></div>\n"
        let peak = timeline.int("peak_rss_bytes").map { " — peak " + Units.formatBytes(UInt64(max(0, $0))) } ?? ""
        out += "<h3>Memory (resident, whole tree\(peak))</h3>" + lineChart(times, rss, id: "memory-chart", color: "#1e9e6a", unit: "B", minTop: 1)
            + "<div class=\"readout\"></div>\n"
        out += "<h3>Processes</h3>" + lineChart(times, procs, id: "processes-chart", color: "#8a4fd1", unit: "", minTop: 1, height: 90)
            + "<div class=\"readout\"></div>\n"
        return out
    }

    static func usageSection(_ usage: ControlMessage?) -> String {
        guard let usage else { return "" }
        let wall = usage.double("wall_seconds") ?? 0, user = usage.double("user_seconds") ?? 0, system = usage.double("system_seconds") ?? 0
        var out = "<h2 id=\"usage\">Usage</h2>\n"
        out += barChart([("wall", wall), ("user CPU", user), ("system CPU", system)], id: "usage-chart", unit: " s")
        let rows: [(String, String)] = [
            ("peak memory", Units.formatBytes(UInt64(max(0, usage.int("max_rss_bytes") ?? 0))) + " (largest single process, getrusage)"),
            ("page faults", "\(usage.int("major_faults") ?? 0) major, \(usage.int("minor_faults") ?? 0) minor"),
            ("context switches", "\(usage.int("voluntary_context_switches") ?? 0) voluntary, \(usage.int("involuntary_context_switches") ?? 0) involuntary"),
            ("block I/O", "\(usage.int("block_input_ops") ?? 0) in, \(usage.int("block_output_ops") ?? 0) out"),
        ]
        return out + "<table>" + rows.map { "<tr><th>\($0.0)</th><td>\(escape($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    static func filesSection(_ r: ControlMessage) -> String {
        guard case .array(let files)? = r.value("files") else { return "" }
        var out = "<h2 id=\"files\">Files touched</h2>\n"
        if files.isEmpty { return out + "<p class=\"muted\">None recorded.</p>\n" }
        var perOperation: [String: Double] = [:]
        var rows: [(String, [String], Int64)] = []
        for file in files {
            let f = ControlMessage(file)
            let ops = f.strings("operations") ?? []
            for op in ops { perOperation[op, default: 0] += 1 }
            rows.append((f.string("path") ?? "?", ops, f.int("count") ?? 0))
        }
        out += "<p class=\"muted\">\(files.count) paths (\(escape(r.string("files_mechanism") ?? "?"))). Paths per operation:</p>"
        out += barChart(perOperation.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }, id: "files-chart", unit: "")
        out += "<table><tr><th>path</th><th>operations</th><th>events</th></tr>"
        for (path, ops, count) in rows.prefix(500) {
            out += "<tr><td><code>\(escape(path))</code></td><td>\(escape(ops.joined(separator: ", ")))</td><td class=\"n\">\(count)</td></tr>"
        }
        out += "</table>"
        if rows.count > 500 { out += "<p class=\"muted\">… and \(rows.count - 500) more in the JSON report.</p>" }
        return out + "\n"
    }

    static func deniedSection(_ seccomp: ControlMessage?) -> String {
        var out = "<h2 id=\"denied\">Denied calls</h2>\n"
        guard let seccomp, case .array(let blocked)? = seccomp.value("blocked"), !blocked.isEmpty else {
            return out + "<p class=\"muted\">None: the filter blocked nothing (or the profile has no filter).</p>\n"
        }
        let entries = blocked.map(ControlMessage.init)
        out += barChart(entries.map { ($0.string("syscall") ?? "?", Double($0.int("count") ?? 0)) }, id: "denied-chart", unit: "")
        out += "<table><tr><th>syscall</th><th>count</th><th>action</th><th>rule</th><th>first pid</th></tr>"
        for e in entries {
            out += "<tr><td><code>\(escape(e.string("syscall") ?? "?"))</code></td><td class=\"n\">\(e.int("count") ?? 0)</td>"
                + "<td>\(escape(e.string("action") ?? ""))</td><td>\(escape(e.string("rule") ?? ""))</td><td class=\"n\">\(e.int("first_pid") ?? 0)</td></tr>"
        }
        return out + "</table>\n"
    }

    /// A section the audit fills (`syscalls`, `processes`): an array of objects as a table (with a chart of
    /// the first name and count when it has them); a process tree (objects with `children`) as nested lists.
    static func genericSection(_ title: String, _ value: JSONValue?, id: String) -> String {
        guard let value else { return "" }
        var out = "<h2 id=\"\(id)\">\(title)</h2>\n"
        switch value {
        case .array(let items) where items.contains(where: { ControlMessage($0).value("children") != nil }):
            out += "<ul class=\"tree\">" + items.map(treeItem).joined() + "</ul>"
        case .array(let items):
            let objects = items.map(ControlMessage.init)
            let keys = objects.first.flatMap { o -> [String]? in if case .object(let pairs) = o.json { return pairs.map(\.0) } else { return nil } } ?? []
            if let name = keys.first(where: { ["name", "syscall", "comm"].contains($0) }), let count = keys.first(where: { ["count", "calls"].contains($0) }) {
                let bars = objects.map { ($0.string(name) ?? "?", $0.double(count) ?? 0) }.sorted { $0.1 > $1.1 }.prefix(30)
                out += barChart(Array(bars), id: "\(id)-chart", unit: "")
            }
            out += "<table><tr>" + keys.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            for o in objects.prefix(1000) {
                out += "<tr>" + keys.map { "<td>\(escape(scalarText(o.value($0))))</td>" }.joined() + "</tr>"
            }
            out += "</table>"
        default:
            out += "<pre>\(escape(value.serialized()))</pre>"
        }
        return out + "\n"
    }

    static func treeItem(_ node: JSONValue) -> String {
        let n = ControlMessage(node)
        var label = n.int("pid").map { "\($0) " } ?? ""
        if let argv = n.strings("argv") { label += argv.joined(separator: " ") } else { label += n.string("comm") ?? n.string("command") ?? "" }
        if let status = n.int("exit") ?? n.int("status") { label += " → \(status)" }
        var out = "<li><code>\(escape(label))</code>"
        if case .array(let children)? = n.value("children"), !children.isEmpty { out += "<ul>" + children.map(treeItem).joined() + "</ul>" }
        return out + "</li>"
    }

    static func notesSection(_ r: ControlMessage) -> String {
        let items = (r.strings("not_enforced") ?? []).map { "not enforced: " + $0 } + (r.strings("notes") ?? [])
        guard !items.isEmpty else { return "" }
        return "<h2 id=\"notes\">Notes</h2>\n<ul>" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
    }

    // MARK: charts

    /// A filled line chart of `ys` over `xs`, with axis labels; each point carries its value for the readout.
    static func lineChart(_ xs: [Double], _ ys: [Double], id: String, color: String, unit: String, minTop: Double, height: Double = 160) -> String {
        let width = 940.0, left = 64.0, bottom = 22.0, top = 8.0
        let plotW = width - left - 30, plotH = height - bottom - top
        let maxX = max(xs.last ?? 1, 0.001), maxY = max(ys.max() ?? 0, minTop)
        func px(_ x: Double) -> Double { left + x / maxX * plotW }
        func py(_ y: Double) -> Double { top + plotH - y / maxY * plotH }
        var path = "M\(format(px(0))),\(format(py(0)))"
        for (x, y) in zip(xs, ys) { path += " L\(format(px(x))),\(format(py(y)))" }
        let area = path + " L\(format(px(xs.last ?? 0))),\(format(py(0))) Z"
        var svg = "<svg class=\"chart\" id=\"\(id)\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for i in 0...4 {
            let y = maxY * Double(i) / 4
            svg += "<line x1=\"\(format(left))\" x2=\"\(format(width - 10))\" y1=\"\(format(py(y)))\" y2=\"\(format(py(y)))\" stroke=\"#e3e7ee\"/>"
            svg += "<text x=\"\(format(left - 6))\" y=\"\(format(py(y) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6575\">\(escape(axisLabel(y, unit: unit)))</text>"
        }
        for i in 0...4 {
            let x = maxX * Double(i) / 4
            svg += "<text x=\"\(format(px(x)))\" y=\"\(format(height - 6))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6575\">\(format(x)) s</text>"
        }
        svg += "<path d=\"\(area)\" fill=\"\(color)\" fill-opacity=\"0.18\"/><path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"/>"
        // Hover targets, thinned to at most ~200.
        let step = max(1, xs.count / 200)
        for i in stride(from: 0, to: xs.count, by: step) {
            svg += "<circle cx=\"\(format(px(xs[i])))\" cy=\"\(format(py(ys[i])))\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.01\" data-v=\"\(format(xs[i])) s: \(escape(axisLabel(ys[i], unit: unit)))\"/>"
        }
        return svg + "</svg>"
    }

    /// Horizontal bars with their labels and values.
    static func barChart(_ bars: [(String, Double)], id: String, unit: String) -> String {
        let rowH = 22.0, labelW = 220.0, width = 940.0
        let height = Double(max(1, bars.count)) * rowH + 8
        let maxV = max(bars.map(\.1).max() ?? 0, 1e-9)
        var svg = "<svg class=\"chart\" id=\"\(id)\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for (i, (label, value)) in bars.enumerated() {
            let y = 4 + Double(i) * rowH
            let w = max(1, value / maxV * (width - labelW - 90))
            let shown = label.count > 32 ? String(label.prefix(31)) + "…" : label
            svg += "<text x=\"\(format(labelW - 8))\" y=\"\(format(y + 15))\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2430\">\(escape(shown))</text>"
            svg += "<rect x=\"\(format(labelW))\" y=\"\(format(y + 3))\" width=\"\(format(w))\" height=\"\(format(rowH - 6))\" rx=\"2\" fill=\"#2f6fde\" data-v=\"\(escape(label)): \(format(value))\(unit)\"/>"
            svg += "<text x=\"\(format(labelW + w + 6))\" y=\"\(format(y + 15))\" font-size=\"12\" fill=\"#5b6575\">\(format(value))\(escape(unit))</text>"
        }
        return svg + "</svg><div class=\"readout\"></div>\n"
    }

    static func axisLabel(_ v: Double, unit: String) -> String {
        unit == "B" ? Units.formatBytes(UInt64(max(0, v))) : format(v) + unit
    }

    static func scalarText(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s
        case nil, .null?: return ""
        case let other?: return other.serialized(indent: nil)
        }
    }

    static func number(_ v: JSONValue) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        case .double(let d): return d
        default: return 0
        }
    }

    /// At most two decimals, no trailing zeros.
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let scaled = (v * 100).rounded()
        let whole = Int64(scaled / 100), frac = Int64(abs(scaled).truncatingRemainder(dividingBy: 100))
        let sign = scaled < 0 && whole == 0 ? "-" : ""
        if frac == 0 { return sign + String(whole) }
        let digits = frac < 10 ? "0\(frac)" : (frac % 10 == 0 ? String(frac / 10) : String(frac))
        return sign + String(whole) + "." + digits
    }
}
