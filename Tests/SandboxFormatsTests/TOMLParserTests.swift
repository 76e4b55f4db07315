import Testing
@testable import SandboxFormats

/// The TOML 1.0 parser: every feature of the language a profile may use, every rejection TOML requires
/// (each naming its line), the line of every key, and no trap on any input.
@Suite("TOML parser")
struct TOMLParserTests {
    static func parse(_ text: String) throws -> TOMLTable { try TOMLParser.parse(text, source: "t.toml") }

    /// The value at a dotted path of plain keys.
    static func value(_ text: String, _ path: String) throws -> TOMLValue? {
        var value: TOMLValue? = .table(try parse(text))
        for key in path.split(separator: ".") {
            guard case .table(let table)? = value else { return nil }
            value = table[String(key)]
        }
        return value
    }

    /// The entry (key, line, value) at a dotted path of plain keys.
    static func entry(_ text: String, _ path: String) throws -> TOMLTable.Entry? {
        var table = try parse(text)
        let keys = path.split(separator: ".").map(String.init)
        for key in keys.dropLast() {
            guard case .table(let next)? = table[key] else { return nil }
            table = next
        }
        return table.entries.first { $0.key == keys.last }
    }

    // MARK: - Features

    @Test func commentsAreIgnored() throws {
        let table = try Self.parse("""
            # a comment = not a key
            a = 1 # after a value
            # é, 日本, and a tab\there
            [t] # after a header
            b = "# not a comment"
            """)
        #expect(table.entries.map(\.key) == ["a", "t"])
        #expect(table["a"] == .integer(1))
        #expect(try Self.value("[t] # x\nb = \"# not a comment\"", "t.b") == .string("# not a comment"))
    }

    @Test func keysBareQuotedAndDotted() throws {
        let table = try Self.parse("""
            bare_key-1 = 1
            1234 = 2
            "quoted key" = 3
            'literal "key"' = 4
            "" = 5
            "a.b" = 6
            site . "google.com" . 'x y' = 7
            """)
        #expect(table.entries.map(\.key) == ["bare_key-1", "1234", "quoted key", "literal \"key\"", "", "a.b", "site"])
        guard case .table(let site)? = table["site"], case .table(let google)? = site["google.com"] else {
            Issue.record("dotted keys did not make tables: \(table)")
            return
        }
        #expect(google["x y"] == .integer(7))
        #expect(try Self.value("\"\\u0041\" = 1", "A") == .integer(1), "escapes in quoted keys")
    }

    @Test func keysKeepTheirOrder() throws {
        let table = try Self.parse("zebra = 1\napple = 2\n[middle]\nz = 1\na = 2\n[first]\n")
        #expect(table.entries.map(\.key) == ["zebra", "apple", "middle", "first"])
        guard case .table(let middle)? = table["middle"] else { Issue.record("no [middle]"); return }
        #expect(middle.entries.map(\.key) == ["z", "a"])
        #expect(try Self.value("t = { z = 1, a = 2, m = 3 }", "t") == .table(TOMLTable(line: 1, entries: [
            .init(key: "z", line: 1, value: .integer(1)), .init(key: "a", line: 1, value: .integer(2)), .init(key: "m", line: 1, value: .integer(3)),
        ])))
    }

    @Test func tablesAndSubTables() throws {
        let text = """
            [a]
            x = 1
            [a.b]
            y = 2
            [ c . "d" ]
            z = 3
            [e.f.g]
            w = 4
            [e]
            v = 5
            [fruit]
            apple.color = "red"
            [fruit.apple.texture]
            smooth = true
            """
        #expect(try Self.value(text, "a.x") == .integer(1))
        #expect(try Self.value(text, "a.b.y") == .integer(2))
        #expect(try Self.value(text, "c.d.z") == .integer(3))
        #expect(try Self.value(text, "e.f.g.w") == .integer(4))
        #expect(try Self.value(text, "e.v") == .integer(5), "a table named as a parent may be defined later")
        #expect(try Self.value(text, "fruit.apple.texture.smooth") == .bool(true), "a header may add a sub-table to a dotted table")
        // Dotted keys add to their section's dotted tables, whatever comes between them.
        let dotted = "a.b = 1\nc = { d = 1 }\na.e = 2\n[t]\nx.y = 1\nz = [{ w = 1 }]\nx.v = 2\n"
        #expect(try Self.value(dotted, "a.e") == .integer(2))
        #expect(try Self.value(dotted, "t.x.v") == .integer(2))
        #expect(try Self.parse(text).entries.map(\.key) == ["a", "c", "e", "fruit"])
    }

    @Test func arraysOfTables() throws {
        let text = """
            [[products]]
            name = "Hammer"

            [[products]]

            [[products]]
            name = "Nail"
            [products.dims]
            size = 3
            [[products.parts]]
            id = 1
            [[products.parts]]
            id = 2
            """
        guard case .array(let products)? = try Self.value(text, "products") else { Issue.record("no array"); return }
        #expect(products.count == 3)
        let tables = products.compactMap { item -> TOMLTable? in if case .table(let t) = item { return t } else { return nil } }
        #expect(tables.map(\.line) == [1, 4, 6], "each element's line is its [[header]]")
        #expect(tables[0]["name"] == .string("Hammer"))
        #expect(tables[1].entries.isEmpty)
        #expect(tables[2]["name"] == .string("Nail"))
        guard case .table(let dims)? = tables[2]["dims"], case .array(let parts)? = tables[2]["parts"] else {
            Issue.record("sub-tables go to the last element: \(tables[2])")
            return
        }
        #expect(dims["size"] == .integer(3))
        #expect(parts.count == 2)
        // A sub-table of each element is its own: defining it again for the next element is fine.
        _ = try Self.parse("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n")
    }

    @Test func inlineTables() throws {
        let text = #"""
            name = { first = "Tom", last = "Preston-Werner" }
            point = {x=1,y=2}
            empty = {}
            nested = { a = { b = { c = 1 } }, d = [1, { e = 2 }] }
            dotted = { type.name = "pug", type.size = "small" }
            """#
        #expect(try Self.value(text, "name.last") == .string("Preston-Werner"))
        #expect(try Self.value(text, "point.y") == .integer(2))
        #expect(try Self.value(text, "empty") == .table(TOMLTable(line: 3, entries: [])))
        #expect(try Self.value(text, "nested.a.b.c") == .integer(1))
        #expect(try Self.value(text, "dotted.type.size") == .string("small"))
        guard case .array(let d)? = try Self.value(text, "nested.d"), case .table(let e)? = d.last else { Issue.record("nested.d"); return }
        #expect(e["e"] == .integer(2))
        #expect(try Self.value("a = { b = [\n  1,\n  2,\n] }", "a.b") == .array([.integer(1), .integer(2)]), "a value in an inline table may span lines")
    }

    @Test func arrays() throws {
        let text = """
            empty = []
            ints = [ 1, 2, 3 ]
            mixed = [ "a", 'b', 1.5, true, [ 1 ], { x = 1 } ]
            nested = [ [ 1, 2 ], [ "a" ] ]
            multi = [
              "one",   # first
              # a comment line
              "two",
            ]
            trailing = [1,2,]
            spread = [

              1

              ,2
            ]
            """
        #expect(try Self.value(text, "empty") == .array([]))
        #expect(try Self.value(text, "ints") == .array([.integer(1), .integer(2), .integer(3)]))
        guard case .array(let mixed)? = try Self.value(text, "mixed") else { Issue.record("mixed"); return }
        #expect(mixed.count == 6)
        #expect(mixed[4] == .array([.integer(1)]))
        #expect(try Self.value(text, "nested") == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
        #expect(try Self.value(text, "multi") == .array([.string("one"), .string("two")]))
        #expect(try Self.value(text, "trailing") == .array([.integer(1), .integer(2)]))
        #expect(try Self.value(text, "spread") == .array([.integer(1), .integer(2)]))
    }

    static let strings: [(String, String)] = [
        (#"s = "plain""#, "plain"),
        (#"s = """#, ""),
        (#"s = "tab\there""#, "tab\there"),
        (#"s = "\b\t\n\f\r\"\\""#, "\u{08}\t\n\u{0C}\r\"\\"),
        (#"s = "caf\u00E9 \U0001F600""#, "café 😀"),
        (#"s = "raw é and 日本""#, "raw é and 日本"),
        (#"s = "a\u0000b""#, "a\u{0}b"),
        (#"s = 'C:\Users\nodejs'"#, #"C:\Users\nodejs"#),
        (#"s = '<\i\c*\s*>'"#, #"<\i\c*\s*>"#),
        (#"s = ''"#, ""),
        ("s = \"\"\"\nRoses\nViolets\"\"\"", "Roses\nViolets"),
        ("s = \"\"\"\r\nRoses\r\nViolets\"\"\"", "Roses\nViolets"),
        ("s = \"\"\"\nThe quick \\\n\n    brown \\   \n  fox.\"\"\"", "The quick brown fox."),
        ("s = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"", "Here are two quotation marks: \"\". Simple enough."),
        ("s = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"", "\"This,\" she said, \"is just a pointless statement.\""),
        ("s = \"\"\"a\"\"\"\"\"", "a\"\""),
        ("s = \"\"\"\\u00E9\\\"\"\"\"\"", "é\"\""),
        ("s = \"\"\"# not a comment\"\"\"", "# not a comment"),
        ("s = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved. \\n\n'''", "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved. \\n\n"),
        ("s = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''", "Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\""),
        ("s = ''''That,' she said, 'is still pointless.''''", "'That,' she said, 'is still pointless.'"),
    ]

    @Test("strings", arguments: strings)
    func string(_ text: String, _ expected: String) throws {
        #expect(try Self.value(text, "s") == .string(expected))
    }

    static let integers: [(String, Int)] = [
        ("+99", 99), ("42", 42), ("0", 0), ("-17", -17), ("+0", 0), ("-0", 0),
        ("1_000", 1000), ("5_349_221", 5_349_221), ("53_49_221", 5_349_221), ("1_2_3_4_5", 12345),
        ("0xDEADBEEF", 0xDEAD_BEEF), ("0xdeadbeef", 0xDEAD_BEEF), ("0xdead_beef", 0xDEAD_BEEF), ("0x00FF", 255),
        ("0o01234567", 0o1234567), ("0o755", 0o755), ("0b11010110", 0b1101_0110), ("0b0", 0),
        ("9223372036854775807", .max), ("-9223372036854775808", .min), ("0x7FFFFFFFFFFFFFFF", .max),
    ]

    @Test("integers", arguments: integers)
    func integer(_ text: String, _ expected: Int) throws {
        #expect(try Self.value("n = \(text)", "n") == .integer(expected))
    }

    static let floats: [(String, Double)] = [
        ("+1.0", 1), ("3.1415", 3.1415), ("-0.01", -0.01), ("5e+22", 5e22), ("1e06", 1e6), ("-2E-2", -0.02),
        ("6.626e-34", 6.626e-34), ("224_617.445_991_228", 224_617.445_991_228), ("1e1_0", 1e10), ("0.0", 0), ("0e0", 0),
        ("inf", .infinity), ("+inf", .infinity), ("-inf", -.infinity), ("1.7976931348623157e308", .greatestFiniteMagnitude),
    ]

    @Test("floats", arguments: floats)
    func float(_ text: String, _ expected: Double) throws {
        #expect(try Self.value("f = \(text)", "f") == .float(expected))
    }

    @Test func floatSpecials() throws {
        for text in ["nan", "+nan", "-nan"] {
            guard case .float(let f)? = try Self.value("f = \(text)", "f") else { Issue.record("\(text)"); continue }
            #expect(f.isNaN, "\(text)")
        }
        guard case .float(let negativeZero)? = try Self.value("f = -0.0", "f") else { Issue.record("-0.0"); return }
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    @Test func booleans() throws {
        #expect(try Self.value("b = true", "b") == .bool(true))
        #expect(try Self.value("b = false # no", "b") == .bool(false))
        #expect(try Self.value("b = [true,false]", "b") == .array([.bool(true), .bool(false)]))
    }

    static let dates = [
        "1979-05-27T07:32:00Z", "1979-05-27T00:32:00-07:00", "1979-05-27T00:32:00.999999+07:00", "1979-05-27 07:32:00Z",
        "1979-05-27t07:32:00z", "1979-05-27T07:32:00", "1979-05-27T00:32:00.999999", "1979-05-27", "07:32:00",
        "00:32:00.999999", "2024-02-29", "1990-12-31T23:59:60Z",
    ]

    @Test("dates and times are recognised", arguments: dates)
    func dateTime(_ text: String) throws {
        #expect(try Self.value("d = \(text)", "d") == .dateTime(text))
        #expect(try Self.value("d = [\(text), \(text)]", "d") == .array([.dateTime(text), .dateTime(text)]))
    }

    // MARK: - Lines

    /// The line of each key and table: what errors and `profile show` point at.
    @Test func everyKeyHasItsLine() throws {
        let text = """
            # comment = not a key
            description = "x"
            extends = ["default"]

            [limits]
            open_files = { soft = 1, hard = 2 }
              cpu   =  5   # indented
            "data" = "1GiB"
            multi = \"\"\"
            nice = 1
            \"\"\"
            after = [
              "a",
            ]
            [ process ]
            env_set.A = "1"
            [[seccomp.rules]]
            syscall = "ioctl"
            [[seccomp.rules]]
            syscall = "clone"
            """
        let lines: [(String, Int)] = [
            ("description", 2), ("extends", 3), ("limits", 5), ("limits.open_files", 6), ("limits.cpu", 7),
            ("limits.data", 8), ("limits.multi", 9), ("limits.after", 12), ("process", 15), ("process.env_set", 16),
            ("process.env_set.A", 16), ("seccomp", 17), ("seccomp.rules", 17),
        ]
        for (path, line) in lines {
            #expect(try Self.entry(text, path)?.line == line, "\(path)")
        }
        #expect(try Self.entry(text, "limits.nice") == nil, "text in a multi-line string is not a key")
        guard case .array(let rules)? = try Self.value(text, "seccomp.rules") else { Issue.record("rules"); return }
        #expect(rules.compactMap { if case .table(let t) = $0 { return t.line } else { return nil } } == [17, 19])
    }

    @Test func windowsLineEndings() throws {
        let text = "[process]\r\nnice = 1\r\nlist = [\r\n  1,\r\n]\r\nnext = 2\r\n"
        #expect(try Self.entry(text, "process.nice")?.line == 2)
        #expect(try Self.entry(text, "process.next")?.line == 6)
        #expect(Self.failure("a = 1\r\nb = \r\n")?.hasPrefix("t.toml:2:") == true)
    }

    // MARK: - Rejections

    /// What TOML rejects, the line the error must name, and what it must say.
    static let rejections: [(String, Int, String)] = [
        // Keys and values
        ("a = 1\nb = 2\na = 3", 3, "duplicate key 'a' (first on line 1)"),
        ("a.b = 1\na.b = 2", 2, "duplicate key 'a.b' (first on line 1)"),
        ("\"a\" = 1\na = 2", 2, "duplicate key 'a'"),
        ("a = 1\na.b = 2", 2, "'a' is already a value (line 1), not a table"),
        ("a", 1, "key 'a' has no value"),
        ("a =", 1, "key 'a' has no value"),
        ("a = # comment", 1, "key 'a' has no value"),
        ("x = 1\na\n= 1", 2, "key 'a' has no value"),
        ("a b = 1", 1, "expected '=' after key 'a', found 'b'"),
        ("a = 1 b = 2", 1, "expected the end of the line, found 'b'"),
        ("= 1", 1, "expected a key, found '='"),
        ("a. = 1", 1, "expected a key, found '='"),
        ("a..b = 1", 1, "expected a key, found '.'"),
        ("\"\"\"a\"\"\" = 1", 1, "a key cannot be a multi-line string"),
        ("nice = = 5", 1, "expected a value, found '='"),
        ("a = yes", 1, "invalid value 'yes' (a string needs quotes)"),
        ("a = True", 1, "invalid value 'True'"),
        ("a = truely", 1, "invalid value 'truely'"),
        ("a = \"x\" \"y\"", 1, "expected the end of the line, found '\"'"),
        ("a = 1\rb = 2", 1, "control character U+000D"),
        // Tables
        ("[a]\n[b]\n[a]", 3, "table [a] is defined twice (first on line 1)"),
        ("[a.b]\nx = 1\n[a]\n[a.b]", 4, "table [a.b] is defined twice (first on line 1)"),
        ("[a]\nb.c = 1\n[a.b]", 3, "table [a.b] is already defined by dotted keys on line 2"),
        ("a.b = 1\n[a]", 2, "table [a] is already defined by dotted keys on line 1"),
        ("[a.b]\n[a]\nb.c = 1", 3, "cannot add to table 'b' with dotted keys: it is defined on line 1"),
        ("[a.b.c]\n[a]\nb.c.d = 1", 3, "cannot add to table 'b.c' with dotted keys"),
        ("[fruit]\napple.color = 'red'\n[fruit.apple]", 3, "already defined by dotted keys"),
        ("a = 1\n[a]", 2, "cannot define table [a]: 'a' is already a value (line 1)"),
        ("[a]\nb = 1\n[a.b]", 3, "cannot define table [a.b]: 'a.b' is already a value (line 2)"),
        ("[]", 1, "expected a key, found ']'"),
        ("[a", 1, "expected ']' to close the table header, found the end of the file"),
        ("[a]]", 1, "expected the end of the line, found ']'"),
        ("[[a]", 1, "expected ']]' to close the table header"),
        ("[a] b = 1", 1, "expected the end of the line, found 'b'"),
        // Arrays of tables
        ("[[a]]\n[a]", 2, "[a] is an array of tables (line 1)"),
        ("[a]\n[[a]]", 2, "cannot append to [[a]]: it is a table (line 1)"),
        ("a = [1]\n[[a]]", 2, "cannot append to [[a]]: it is an array written inline on line 1"),
        ("a = [{b = 1}]\n[a.c]", 2, "cannot add to 'a': 'a' is already a value (line 1)"),
        // Inline tables are closed once written
        ("a = { b = 1 }\n[a]", 2, "cannot define table [a]: 'a' is an inline table (line 1), closed where it is written"),
        ("a = { b = 1 }\n[a.c]", 2, "'a' is an inline table (line 1)"),
        ("a = { b = 1 }\na.c = 2", 2, "'a' is an inline table (line 1)"),
        ("a = { b = {} }\n[a.b]", 2, "'a' is an inline table"),
        ("a = { b = 1, b = 2 }", 1, "duplicate key 'b'"),
        ("a = { b.c = 1, b = 2 }", 1, "duplicate key 'b'"),
        ("a = { b = 1, }", 1, "trailing comma in an inline table"),
        ("a = { b = 1\n}", 1, "unterminated inline table"),
        ("a = {\nb = 1 }", 1, "expected a key, found the end of the line"),
        ("a = { b = 1 c = 2 }", 1, "expected ',' or '}' in an inline table, found 'c'"),
        ("a = { b }", 1, "expected '=' after key 'b', found '}'"),
        // Arrays
        ("a = [1 2]", 1, "expected ',' or ']' in an array, found '2'"),
        ("a = [\n1,\n2\n3]", 4, "expected ',' or ']' in an array, found '3'"),
        ("a = [,]", 1, "expected a value, found ','"),
        ("a = [1,,2]", 1, "expected a value, found ','"),
        ("x = 1\na = [1,\n2,\n", 2, "unterminated array"),
        // Strings
        ("a = \"abc", 1, "unterminated string"),
        ("a = 'abc", 1, "unterminated string"),
        ("[process]\nworkdir = \"/tmp\nnice = 1", 2, "unterminated string"),
        ("a = 'abc\nb = 1", 1, "unterminated string"),
        ("x = 1\na = \"\"\"abc\n\ndef", 2, "unterminated multi-line string"),
        ("a = '''abc''", 1, "unterminated multi-line string"),
        ("a = \"\"\"a\"\"\"\"\"\"", 1, "6 quotes in a row"),
        ("a = \"\\x\"", 1, "invalid escape '\\x'"),
        ("a = \"\\ \"", 1, "invalid escape '\\ '"),
        ("a = \"\\e\"", 1, "invalid escape '\\e'"),
        ("a = \"\\u12\"", 1, "\\u needs 4 hexadecimal digits"),
        ("a = \"\\U0001F60\"", 1, "\\U needs 8 hexadecimal digits"),
        ("a = \"\\uD800\"", 1, "\\uD800 is not a Unicode scalar value"),
        ("a = \"\\U00110000\"", 1, "\\U00110000 is not a Unicode scalar value"),
        ("a = \"x\\\ny\"", 1, "unterminated string"),
        ("a = \"\"\"x\\ y\"\"\"", 1, "invalid escape '\\ '"),
        ("a = \"tab\tok, bell\u{07} not\"", 1, "control character U+0007 in a string (write it as \\u0007)"),
        ("a = 'del\u{7F}'", 1, "control character U+007F in a string"),
        ("a = \"\"\"x\ry\"\"\"", 1, "control character U+000D in a string"),
        ("a = '''\u{1B}'''", 1, "control character U+001B in a string"),
        ("# bell \u{07}\na = 1", 1, "control character U+0007 is not allowed in a comment"),
        ("a = 1 # del \u{7F}", 1, "control character U+007F is not allowed in a comment"),
        ("x = 1\n\u{01}", 2, "expected a key, found control character U+0001"),
        // Integers
        ("a = 01", 1, "leading zeros are not allowed in '01'"),
        ("a = -01", 1, "leading zeros are not allowed in '-01'"),
        ("a = 0_1", 1, "leading zeros are not allowed"),
        ("a = 00.5", 1, "leading zeros are not allowed"),
        ("a = 1__000", 1, "invalid value '1__000'"),
        ("a = _1", 1, "invalid value '_1' (a string needs quotes)"),
        ("a = 1_", 1, "invalid value '1_'"),
        ("a = 0x_1", 1, "invalid value '0x_1'"),
        ("a = 0x", 1, "invalid value '0x'"),
        ("a = 0xG", 1, "invalid value '0xG'"),
        ("a = 0o8", 1, "invalid value '0o8'"),
        ("a = 0b2", 1, "invalid value '0b2'"),
        ("a = 0X1F", 1, "invalid value '0X1F'"),
        ("a = +0x1", 1, "a sign is not allowed on '+0x1'"),
        ("a = -0b1", 1, "a sign is not allowed on '-0b1'"),
        ("a = 9223372036854775808", 1, "integer '9223372036854775808' does not fit in 64 bits"),
        ("a = -9223372036854775809", 1, "does not fit in 64 bits"),
        ("a = 0x8000000000000000", 1, "does not fit in 64 bits"),
        ("a = 99999999999999999999999", 1, "does not fit in 64 bits"),
        ("a = 1-2", 1, "invalid value '1-2'"),
        ("a = --1", 1, "invalid value '--1'"),
        ("a = +", 1, "invalid value '+'"),
        // Floats
        ("a = 1.", 1, "invalid value '1.'"),
        ("a = .5", 1, "invalid value '.5'"),
        ("a = 1.e5", 1, "invalid value '1.e5'"),
        ("a = 1e", 1, "invalid value '1e'"),
        ("a = 1e+", 1, "invalid value '1e+'"),
        ("a = 1.5.5", 1, "invalid value '1.5.5'"),
        ("a = 1_.5", 1, "invalid value '1_.5'"),
        ("a = 1._5", 1, "invalid value '1._5'"),
        ("a = 1e_5", 1, "invalid value '1e_5'"),
        ("a = 1e999", 1, "float '1e999' is out of range"),
        ("a = infinity", 1, "invalid value 'infinity'"),
        ("a = NaN", 1, "invalid value 'NaN'"),
        // Dates and times
        ("a = 2023-02-29", 1, "invalid date or time '2023-02-29'"),
        ("a = 1979-13-01", 1, "invalid date or time"),
        ("a = 1979-05-27T25:00:00", 1, "invalid date or time"),
        ("a = 1979-05-27T07:32", 1, "invalid date or time"),
        ("a = 07:32", 1, "invalid date or time '07:32'"),
        ("a = 1979-05-27T07:32:00+7:00", 1, "invalid date or time"),
        ("a = 1979-05-27X07:32:00", 1, "invalid date or time"),
        ("a = 1979-05-27 07:32:00 Z", 1, "expected the end of the line, found 'Z'"),
    ]

    @Test("a rejection names its line", arguments: rejections)
    func rejection(_ text: String, _ line: Int, _ message: String) {
        guard let error = Self.failure(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.hasPrefix("t.toml:\(line): invalid TOML: "), "\(error)")
        #expect(error.contains(message), "\(error)")
        #expect(!error.contains("\n"), "one line: \(error)")
    }

    /// Nesting beyond the limit is an error, not a stack overflow.
    @Test func deepNestingIsAnError() {
        for text in [
            "a = " + String(repeating: "[", count: 100_000),
            "a = " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
            "a = " + String(repeating: "{b = ", count: 200) + "1" + String(repeating: "}", count: 200),
            "[" + Array(repeating: "a", count: 200).joined(separator: ".") + "]",
            Array(repeating: "a", count: 200).joined(separator: ".") + " = 1",
            "a = " + String(repeating: "{ b.c.d.e = [", count: 40),
        ] {
            #expect(Self.failure(text)?.contains("nested more than 100 deep") == true, "\(text.prefix(40))")
        }
        #expect(Self.failure("a = " + String(repeating: "[", count: 90) + String(repeating: "]", count: 90)) == nil)
    }

    // MARK: - No trap on any input

    /// Every prefix of every built-in profile, and many random mutations of them, parse or throw one
    /// error naming a line; none traps (a trap would end the test run).
    @Test func truncatedAndMutatedInputsThrowOrParse() {
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array("[]{}\"'.,=#\\\n\r\t _-+:0123456789abcdefxoXEeinftrsu{}é".utf8)
        #expect(FormatsTestFiles.profiles.count >= 4, "profiles/*.toml")
        for (_, text) in FormatsTestFiles.profiles {
            let bytes = Array(text.utf8)
            for end in 0...bytes.count {
                Self.parseOrThrowOneLine(String(decoding: bytes[..<end], as: UTF8.self))
            }
            for _ in 0..<1000 {
                var mutated = bytes
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let at = Int(random.next() % UInt64(mutated.count))
                    switch random.next() % 3 {
                    case 0: mutated[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: mutated.remove(at: at)
                    default: mutated.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    }
                }
                Self.parseOrThrowOneLine(String(decoding: mutated, as: UTF8.self))
            }
        }
        for _ in 0..<5000 {
            let length = Int(random.next() % 64)
            let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            Self.parseOrThrowOneLine(String(decoding: bytes, as: UTF8.self))
        }
    }

    static func parseOrThrowOneLine(_ text: String) {
        do {
            _ = try parse(text)
        } catch let error as FormatError {
            let description = error.description
            if !description.hasPrefix("t.toml:") || description.contains("\n") {
                Issue.record("not one line naming a line: \(description) for \(text)")
            }
        } catch {
            Issue.record("unexpected error \(error) for \(text)")
        }
    }

    static func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
