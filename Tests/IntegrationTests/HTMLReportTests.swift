import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension SandboxBinary {
    /// `--report-html` in a real browser: headless Chromium runs the page's script (which marks the page
    /// once it has run to its end), keeps hostile argv and paths as text, and its screenshot shows the charts.
    @Suite struct HTMLReportTests {
        static var chromium: String? { Harness.tool("chromium") ?? Harness.tool("chromium-browser") }

        static func hasChromium(_ test: String) -> Bool {
            if chromium == nil { print("skipped \(test): needs chromium (scripts/setup installs it)") }
            return chromium != nil
        }

        @Test(.enabled(if: hasChromium("HTMLReportTests.rendersInHeadlessChromium")))
        func rendersInHeadlessChromium() throws {
            let dir = try TemporaryDirectory()
            let html = dir.file("report.html")
            let hostile = "<script>document.title='pwned'</script>\"><img src=x id=injected onerror=alert(1)>"
            // Denied calls (the default profile denies unshare), files touched, a second of timeline.
            let script = "unshare -U true 2>/dev/null; echo x > \(dir.path)/out.txt; sleep 1.2; true"
            let out = try Harness.sandbox(["run", "-q", "--set", "watch.enabled=true", "--report-html", html, "--",
                                           "sh", "-c", script, hostile])
            #expect(out.status == 0, "\(out)")
            let page = try String(contentsOfFile: html, encoding: .utf8)
            #expect(!page.contains("<img src=x"), "argv reached the page unescaped")
            #expect(!page.contains("src=\"http") && !page.contains("href=\"http"), "the page loads nothing")
            let chromium = try #require(Self.chromium)
            let base = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.path)/profile"]
            let dom = try Harness.run(chromium, base + ["--virtual-time-budget=2000", "--dump-dom", "file://" + html], timeout: 120)
            #expect(dom.status == 0, "\(dom)")
            // The script sets data-rendered last: it ran to its end, no error stopped it.
            #expect(dom.stdout.contains("data-rendered=\"6\""), "\(dom.stdout.prefix(400))")
            #expect(!dom.stdout.contains("id=\"injected\"") && !dom.stdout.contains("<title>pwned"), "hostile argv became markup")
            for id in ["cpu-chart", "memory-chart", "processes-chart", "usage-chart", "files-chart", "denied-chart"] {
                #expect(dom.stdout.contains("id=\"\(id)\""), "\(id) missing")
            }
            let png = dir.file("shot.png")
            // Half scale: a PNG small enough for the pure-Python check below.
            let shot = try Harness.run(chromium, base + ["--screenshot=\(png)", "--window-size=1000,1400", "--force-device-scale-factor=0.5",
                                                         "--hide-scrollbars", "file://" + html], timeout: 120)
            #expect(FileManager.default.fileExists(atPath: png), "\(shot)")
            // Not blank: many colours, and the bars' solid blue (#2f6fde) among them.
            let colours = try Harness.run(try Harness.python3, ["-c", Self.pngColours, png], timeout: 120)
            let figures = colours.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect(figures.count == 2 && figures[0] > 20 && figures[1] > 500, "distinct colours, blue pixels: \(colours)")
        }

        /// Decodes an 8-bit RGB(A) PNG with zlib alone and prints its distinct colours and #2f6fde pixels.
        static let pngColours = """
        import sys, zlib, struct
        data = open(sys.argv[1], 'rb').read(); pos = 8; idat = b''
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
            if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if kind == b'IDAT': idat += body
        bpp = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); colours = set(); blue = 0
        for y in range(h):
            f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                if f == 1: line[i] = (line[i] + a) & 255
                elif f == 2: line[i] = (line[i] + b) & 255
                elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            for x in range(0, stride, bpp):
                px = bytes(line[x:x + 3]); colours.add(px); blue += px == b'\\x2f\\x6f\\xde'
            prev = line
        print(len(colours), blue)
        """
    }
}
