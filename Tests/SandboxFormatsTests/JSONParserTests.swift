import Foundation
import Testing
@testable import SandboxFormats

/// The RFC 8259 JSON parser behind OCI profile import: every kind of value, exact 64-bit integers,
/// every rejection naming its line, the shared OCI fixtures, and no trap on any input.
@Suite("JSON parser")
struct JSONParserTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text, source: "t.json") }

    /// A value as text that tells every case apart: `i5`, `u5`, `d5.0`, `"s"`, `[..]`, `{k: v}` in order.
    static func shape(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return "i\(i)"
        case .uint(let u): return "u\(u)"
        case .double(let d): return "d\(d)"
        case .string(let s): return s.debugDescription
        case .array(let items): return "[" + items.map(shape).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.map { "\($0.0.debugDescription): \(shape($0.1))" }.joined(separator: ", ") + "}"
        }
    }

    static func shape(of text: String) throws -> String { shape(try parse(text)) }

    static let values: [(String, String)] = [
        ("null", "null"), ("true", "true"), ("false", "false"),
        ("0", "i0"), ("-0", "i0"), ("42", "i42"), ("-17", "i-17"),
        ("9223372036854775807", "i9223372036854775807"), ("-9223372036854775808", "i-9223372036854775808"),
        ("9223372036854775808", "u9223372036854775808"), ("18446744073709551615", "u18446744073709551615"),
        ("18446744073709551616", "d1.8446744073709552e+19"), ("-9223372036854775809", "d-9.223372036854776e+18"),
        ("1.5", "d1.5"), ("-0.25", "d-0.25"), ("1e3", "d1000.0"), ("1E+3", "d1000.0"), ("25e-2", "d0.25"), ("0.0", "d0.0"),
        ("\"\"", "\"\""), ("\"plain\"", "\"plain\""),
        (#""\"\\\/\b\f\n\r\t""#, #""\"\\/\u{08}\u{0C}\n\r\t""#),
        (#""caf\u00e9 \u00E9""#, "\"café é\""), (#""\ud83d\ude00""#, "\"😀\""), ("\"raw 日本 😀\"", "\"raw 日本 😀\""),
        (#""\u0000""#, #""\0""#),
        ("[]", "[]"), ("[1, \"a\", null, [true]]", "[i1, \"a\", null, [true]]"),
        ("{}", "{}"), ("{\"b\": 1, \"a\": {\"c\": []}}", "{\"b\": i1, \"a\": {\"c\": []}}"),
        (" \t\r\n [ 1 , 2 ] \r\n ", "[i1, i2]"),
        ("\u{FEFF}{\"a\": 1}", "{\"a\": i1}"),
    ]

    @Test("values", arguments: values)
    func value(_ text: String, _ expected: String) throws {
        #expect(try Self.shape(of: text) == expected)
    }

    /// What RFC 8259 rejects, the line the error must name, and what it must say.
    static let rejections: [(String, Int, String)] = [
        ("", 1, "expected a JSON value, found the end of the file"),
        ("  \n ", 2, "expected a JSON value, found the end of the file"),
        ("{\"a\": 1,}", 1, "expected a member name in quotes, found '}'"),
        ("[1, 2,]", 1, "expected a JSON value, found ']'"),
        ("[1,\n\n,2]", 3, "expected a JSON value, found ','"),
        ("{'a': 1}", 1, "expected a member name in quotes, found '''"),
        ("{a: 1}", 1, "expected a member name in quotes, found 'a'"),
        ("{\"a\" 1}", 1, "expected ':' after \"a\", found '1'"),
        ("{\"a\": 1 \"b\": 2}", 1, "expected ',' or '}' in an object, found '\"'"),
        ("[1 2]", 1, "expected ',' or ']' in an array, found '2'"),
        ("{\n\"a\": 1,\n\"b\": 2,\n\"a\": 3}", 4, "duplicate key \"a\" (first on line 2)"),
        ("// comment\n{}", 1, "expected a JSON value, found '/'"),
        ("{} # comment", 1, "'#' after the JSON value"),
        ("{}\n{}", 2, "'{' after the JSON value"),
        ("[1]]", 1, "']' after the JSON value"),
        ("01", 1, "leading zeros are not allowed in '01'"),
        ("-01", 1, "leading zeros are not allowed"),
        ("+1", 1, "expected a JSON value, found '+'"),
        (".5", 1, "expected a JSON value, found '.'"),
        ("1.", 1, "invalid number '1.'"),
        ("1.e3", 1, "invalid number '1.e3'"),
        ("1e", 1, "invalid number '1e'"),
        ("1e+", 1, "invalid number '1e+'"),
        ("-", 1, "invalid number '-'"),
        ("--1", 1, "invalid number '--1'"),
        ("1-2", 1, "invalid number '1-2'"),
        ("0x10", 1, "'x' after the JSON value"),
        ("1e400", 1, "number '1e400' is out of range"),
        ("NaN", 1, "expected a JSON value, found 'N'"),
        ("Infinity", 1, "expected a JSON value, found 'I'"),
        ("tru", 1, "expected a JSON value, found 'tru'"),
        ("truee", 1, "expected a JSON value, found 'truee'"),
        ("nul", 1, "expected a JSON value, found 'nul'"),
        ("True", 1, "expected a JSON value, found 'T'"),
        ("\"abc", 1, "unterminated string"),
        ("[\"a\n\"]", 1, "unterminated string"),
        ("\"tab\there\"", 1, "control character U+0009 in a string"),
        ("\"\u{01}\"", 1, "control character U+0001 in a string"),
        ("\"\\x\"", 1, "invalid escape '\\x'"),
        ("\"\\'\"", 1, "invalid escape '\\''"),
        ("\"\\u12\"", 1, "\\u needs 4 hexadecimal digits"),
        ("\"\\u12G4\"", 1, "\\u needs 4 hexadecimal digits"),
        ("\"\\U0001F600\"", 1, "invalid escape '\\U'"),
        ("\"\\ud83d\"", 1, "\\uD83D is half a surrogate pair"),
        ("\"\\ud83dx\"", 1, "\\uD83D is half a surrogate pair"),
        ("\"\\ude00\"", 1, "\\uDE00 is half a surrogate pair"),
        ("\"\\ud83d\\u0041\"", 1, "\\uD83D is not followed by a low surrogate"),
        ("[1,\n2", 1, "unterminated array"),
        ("{\"a\":\n1", 1, "unterminated object"),
        ("{\"a\": 1,\n", 1, "unterminated object"),
    ]

    @Test("a rejection names its line", arguments: rejections)
    func rejection(_ text: String, _ line: Int, _ message: String) {
        guard let error = Self.failure(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.hasPrefix("t.json:\(line): invalid JSON: "), "\(error)")
        #expect(error.contains(message), "\(error)")
        #expect(!error.contains("\n"), "one line: \(error)")
    }

    @Test func deepNestingIsAnError() {
        for text in [String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)] {
            #expect(Self.failure(text)?.contains("nested more than 128 deep") == true)
        }
        #expect(Self.failure(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)) == nil)
    }

    // MARK: - The OCI fixtures

    /// Each fixture reads as Foundation's JSONSerialization reads it (same members, same values).
    @Test("a fixture reads as JSONSerialization reads it", arguments: ["docker-default.json", "conditional_include.json", "example.json"])
    func fixtureMatchesFoundation(_ name: String) throws {
        let text = try FormatsTestFiles.read(FormatsTestFiles.ociData + "/" + name)
        let ours = try JSONParser.parse(text, source: name)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8))
        #expect(Self.same(ours, theirs), "\(name)")
    }

    @Test func dockerDefaultStructure() throws {
        let root = try JSONParser.parse(try FormatsTestFiles.read(FormatsTestFiles.ociData + "/docker-default.json"), source: "docker-default.json")
        guard case .object(let members) = root else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["defaultAction", "defaultErrnoRet", "archMap", "syscalls"], "members in file order")
        guard case .array(let syscalls)? = members.first(where: { $0.0 == "syscalls" })?.1 else { Issue.record("no syscalls"); return }
        #expect(syscalls.count == 33)
        guard case .array(let archMap)? = members.first(where: { $0.0 == "archMap" })?.1 else { Issue.record("no archMap"); return }
        #expect(Self.shape(archMap.last!) == "{\"architecture\": \"SCMP_ARCH_LOONGARCH64\", \"subArchitectures\": null}")
    }

    // MARK: - No trap on any input

    @Test func truncatedAndMutatedInputsThrowOrParse() throws {
        var random = SplitMix64(seed: 0x15_0B)
        let alphabet = Array("{}[]\":,\\/ \n\t0123456789-+.eEtrufalsn\u{01}é".utf8)
        let bytes = Array(try FormatsTestFiles.read(FormatsTestFiles.ociData + "/docker-default.json").utf8)
        for end in stride(from: 0, through: bytes.count, by: 5) {
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
        for _ in 0..<5000 {
            let length = Int(random.next() % 48)
            Self.parseOrThrowOneLine(String(decoding: (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }, as: UTF8.self))
        }
    }

    static func parseOrThrowOneLine(_ text: String) {
        do {
            _ = try parse(text)
        } catch let error as FormatError {
            if !error.description.hasPrefix("t.json:") || error.description.contains("\n") {
                Issue.record("not one line naming a line: \(error) for \(text)")
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

    /// Our value against JSONSerialization's: the same members (its dictionaries have no order), the
    /// same strings, the same numbers, null for NSNull. The fixtures have no booleans, whose bridging
    /// through NSNumber would blur them with integers.
    static func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool: return false
        case .int(let i): return (theirs as? NSNumber)?.int64Value == i
        case .uint(let u): return (theirs as? NSNumber)?.uint64Value == u
        case .double(let d): return (theirs as? NSNumber)?.doubleValue == d
        case .string(let s): return theirs as? String == s
        case .array(let items):
            guard let other = theirs as? [Any], other.count == items.count else { return false }
            return zip(items, other).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let other = theirs as? [String: Any], other.count == members.count else { return false }
            return members.allSatisfy { key, value in other[key].map { same(value, $0) } ?? false }
        }
    }
}
