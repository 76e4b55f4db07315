import Testing
@testable import SandboxFormats

/// TOML 1.0 in full: the byte-order mark, every escape, every date and time form, UTF-8 checked by the
/// parser itself, the key and value entry points `--set` uses, and time and memory linear in the input.
@Suite("TOML 1.0: encoding, escapes, dates, entry points, scale")
struct TOMLCompletenessTests {
    static func parse(_ bytes: [UInt8]) throws -> TOMLTable { try TOMLParser.parse(bytes: bytes, source: "t.toml") }
    static func value(_ text: String) throws -> TOMLValue? { try TOMLParser.parse(text, source: "t.toml")["v"] }

    @Test func byteOrderMarkIsSkipped() throws {
        let table = try Self.parse([0xEF, 0xBB, 0xBF] + Array("a = 1\n".utf8))
        #expect(table["a"] == .integer(1))
        #expect(try TOMLParser.parse("\u{FEFF}a = 1", source: "t.toml")["a"] == .integer(1))
        // Only at the start: elsewhere it is a character, which a bare key cannot hold.
        #expect(throws: FormatError.self) { try TOMLParser.parse("a = 1\n\u{FEFF}b = 2", source: "t.toml") }
    }

    /// U+FFFD written in the file is text; invalid UTF-8 is an error with its line, whatever it is in.
    @Test func replacementCharacterIsText() throws {
        #expect(try Self.value("v = \"\u{FFFD}\"") == .string("\u{FFFD}"))
        #expect(try Self.value("v = '\u{FFFD}' # \u{FFFD}") == .string("\u{FFFD}"))
    }

    static let invalidUTF8: [([UInt8], String)] = [
        ([0xFF], "byte 0xFF cannot start a character"),
        ([0xC0, 0xAF], "byte 0xC0 cannot start a character"),  // overlong '/'
        ([0xE0, 0x80, 0xAF], "bytes E0 80 AF"),  // overlong
        ([0xED, 0xA0, 0x80], "bytes ED A0 80"),  // a surrogate, U+D800
        ([0xF4, 0x90, 0x80, 0x80], "bytes F4 90 80 80"),  // above U+10FFFF
        ([0xE9, 0x22], "bytes E9 22"),  // Latin-1 é
        ([0xE2, 0x82], "bytes E2 82"),  // cut short
    ]

    @Test("invalid UTF-8 is an error naming its line", arguments: invalidUTF8)
    func invalidUTF8(_ bad: [UInt8], _ message: String) {
        for (prefix, suffix) in [("a = 1\nv = \"", "\""), ("a = 1\n# ", "\n"), ("a = 1\nv = '''x", "\n'''")] {
            let bytes = Array(prefix.utf8) + bad + Array(suffix.utf8)
            let error = #expect(throws: FormatError.self) { try Self.parse(bytes) }
            #expect(error?.line == 2, "\(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
            #expect(error?.description.hasPrefix("t.toml:2: invalid TOML: invalid UTF-8: ") == true)
        }
        if bad.count > 1 {  // cut short by the end of the file
            let end = #expect(throws: FormatError.self) { try Self.parse(Array("a = 1\n# ".utf8) + bad.dropLast()) }
            #expect(end?.line == 2)
        }
        // The JSON parser checks the same way.
        let json = #expect(throws: FormatError.self) { try JSONParser.parse(bytes: Array("[\n\"".utf8) + bad + Array("\"]".utf8), source: "t.json") }
        #expect(json?.description.hasPrefix("t.json:2: invalid JSON: invalid UTF-8: ") == true)
    }

    @Test func everyEscape() throws {
        #expect(try Self.value(#"v = "\b\t\n\f\r\"\\\u00e9\U0001F600\u0000""#) == .string("\u{08}\t\n\u{0C}\r\"\\é😀\u{0}"))
        #expect(try Self.value("v = \"\"\"a\\\n   b\\\r\n \\\n c\"\"\"") == .string("abc"), "line-ending backslashes")
        for bad in [#"v = "\e""#, #"v = "\x41""#, #"v = "\uD800""#, #"v = "\U00110000""#, #"v = "\u12""#, #"v = "\ ""#] {
            #expect(throws: FormatError.self, "\(bad)") { try Self.value(bad) }
        }
    }

    /// Offset date-times (Z, z, offsets, fractions, T, t or a space), local date-times, local dates,
    /// local times; and what RFC 3339 and TOML 1.0 refuse.
    @Test func everyDateTimeForm() throws {
        for text in ["1979-05-27T07:32:00Z", "1979-05-27t07:32:00z", "1979-05-27T00:32:00-07:00", "1979-05-27T00:32:00.999999+05:30",
                     "1979-05-27 07:32:00Z", "1979-05-27T07:32:00", "1979-05-27T00:32:00.5", "1979-05-27 00:32:00.123456789",
                     "1979-05-27", "07:32:00", "00:32:00.999999", "2000-02-29", "1990-12-31T23:59:60Z"] {
            #expect(try Self.value("v = \(text)") == .dateTime(text), "\(text)")
        }
        for text in ["1979-05-27T07:32", "1979-13-01", "1979-02-30", "1900-02-29", "1979-05-27T24:00:00", "07:60:00", "1979-05-27T07:32:00+24:00",
                     "1979-05-27T07:32:00.", "1979-5-27", "07:32", "1979-05-27T07:32:00Zz"] {
            #expect(throws: FormatError.self, "\(text)") { try Self.value("v = \(text)") }
        }
    }

    // MARK: - The entry points --set uses

    @Test func keyOnItsOwn() throws {
        #expect(try TOMLParser.parseKey("limits.open_files", source: "--set") == ["limits", "open_files"])
        #expect(try TOMLParser.parseKey(" process.env_set.\"MY VAR\" ", source: "--set") == ["process", "env_set", "MY VAR"])
        for bad in ["", "a b", "a.", "a=1", "a\n[b]", "a # c", "\"\"\"a\"\"\""] {
            #expect(throws: FormatError.self, "\(bad)") { try TOMLParser.parseKey(bad, source: "--set") }
        }
    }

    @Test func valueOnItsOwn() throws {
        #expect(try TOMLParser.parseValue("64", source: "--set") == .integer(64))
        #expect(try TOMLParser.parseValue(" \"30s\" ", source: "--set") == .string("30s"))
        #expect(try TOMLParser.parseValue("[1,\n 2, # two\n]", source: "--set") == .array([.integer(1), .integer(2)]))
        #expect(try TOMLParser.parseValue("{ soft = 1, hard = 2 }", source: "--set")
                == .table(TOMLTable(line: 1, entries: [.init(key: "soft", line: 1, value: .integer(1)), .init(key: "hard", line: 1, value: .integer(2))])))
        // Exactly one value: nothing after it, not a second line, not a table header.
        for bad in ["5\n[seccomp]\nenabled=false", "5 # c", "1 2", "\"a\" \"b\"", "", "/tmp", "[1", "5\n"] {
            #expect(throws: FormatError.self, "\(bad)") { try TOMLParser.parseValue(bad, source: "--set") }
        }
    }

    // MARK: - Linear in the input

    /// 100,000 `[[a]]` headers (arrays of tables used to copy their element list on every append).
    @Test func manyArrayTablesParse() throws {
        let text = String(repeating: "[[a]]\n", count: 100_000)
        guard case .array(let items)? = try TOMLParser.parse(text, source: "t.toml")["a"] else { Issue.record("no array"); return }
        #expect(items.count == 100_000)
        let nested = String(repeating: "[[a]]\n[[a.b]]\nx = 1\n", count: 20_000)
        guard case .array(let outer)? = try TOMLParser.parse(nested, source: "t.toml")["a"] else { Issue.record("no array"); return }
        #expect(outer.count == 20_000)
    }

    @Test func longValuesParse() throws {
        let long = String(repeating: "x", count: 1 << 20)
        #expect(try Self.value("v = \"\(long)\"") == .string(long))
        #expect(try Self.value("v = '''\(long)'''") == .string(long))
        let array = "v = [" + String(repeating: "1,", count: 100_000) + "]"
        guard case .array(let items)? = try Self.value(array) else { Issue.record("no array"); return }
        #expect(items.count == 100_000)
    }
}
