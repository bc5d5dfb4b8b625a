import Bundles
import Foundation
import Learning
import Tabular
import Testing
@testable import Serving

/// The request body parser: hand-checked values and errors, and agreement with Foundation's
/// JSONSerialization on generated documents.
@Suite("Serving: JSON request parser")
struct JSONParserTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONParser.parse(Data(text.utf8)) }

    @Test func valuesOfEveryType() throws {
        #expect(
            try parse(#" {"a": 1, "b": [true, false, null], "c": "x\"y\\z\/\n", "d": -0.5e2, "e": {}} "#)
                == .object([
                    "a": .number(1), "b": .array([.bool(true), .bool(false), .null]), "c": .string("x\"y\\z/\n"),
                    "d": .number(-50), "e": .object([:]),
                ]))
        #expect(try parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("0") == .number(0))
        #expect(try parse("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
        #expect(try parse("4.9e-324") == .number(.leastNonzeroMagnitude))
        // Out of range reads as infinity; the row check then says "expected a finite number".
        #expect(try parse("1e400") == .number(.infinity))
        #expect(try parse(#"{"a": 1, "a": 2}"#) == .object(["a": .number(2)]))
        #expect(try parse(#""tab\there""#) == .string("tab\there"))
    }

    @Test(arguments: [
        ("", "the body ends where a value should be at byte 0"),
        ("{\"island\": ", "the body ends where a value should be at byte 11"),
        ("{\"a\" 1}", "expected ':' after the key at byte 5"),
        ("{\"a\": 1,}", "expected a quoted key at byte 8"),
        ("[1 2]", "expected ',' or ']' in an array at byte 3"),
        ("01", "unexpected text after the JSON value at byte 1"),
        ("-", "a number needs a digit after '-' at byte 1"),
        ("1.", "a number needs digits after '.' at byte 2"),
        ("1e", "a number needs digits in its exponent at byte 2"),
        ("tru", "unexpected end of the body at byte 0"),
        ("nul1", "unexpected character 'n' at byte 0"),
        ("\"a\tb\"", "a control character inside a string (escape it) at byte 2"),
        ("\"\\x\"", "an invalid escape \\'x' at byte 2"),
        ("\"\\ud800\"", "a lone UTF-16 surrogate in a \\u escape at byte 7"),
        ("\"\\u12g4\"", "a \\u escape needs four hex digits at byte 5"),
        ("{1: 2}", "expected a quoted key at byte 1"),
        ("NaN", "unexpected character 'N' at byte 0"),
        ("[1] x", "unexpected text after the JSON value at byte 4"),
    ])
    func errorsSayWhatAndWhere(text: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
        do { _ = try parse(text) } catch { #expect(error.description == message) }
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        let broken = Data([0x22, 0xC3, 0x28, 0x22])
        #expect(throws: JSONSyntaxError(message: "a string that is not valid UTF-8", offset: 1)) {
            try JSONParser.parse(broken)
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
        do { _ = try parse(deep) } catch { #expect(error.message == "nested more than 64 levels deep") }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? parse(fine)) != nil)
    }

    /// Random documents: written out (escaped strings, shortest round-trip numbers), accepted by
    /// Foundation's JSONSerialization as valid JSON, and parsed back to the same value here.
    @Test func parsesGeneratedDocumentsBackToTheirValues() throws {
        var seed = UInt64.random(in: 0...UInt64.max)
        let recorded = seed
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("ab é\"\\/\n\t\u{1}😀{}[],:")
        func randomValue(_ depth: Int) -> JSONValue {
            switch next() % (depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(next() % 2 == 0)
            case 2: return .number(Double(Int64(bitPattern: next()) % 1_000_000) / Double(1 + next() % 1000))
            case 3:
                return .string(
                    String((0..<Int(next() % 8)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }))
            case 4: return .array((0..<Int(next() % 4)).map { _ in randomValue(depth + 1) })
            default:
                var o: [String: JSONValue] = [:]
                for k in 0..<Int(next() % 4) {
                    o["k\(k)\(alphabet[Int(next() % UInt64(alphabet.count))])"] = randomValue(depth + 1)
                }
                return .object(o)
            }
        }
        func write(_ v: JSONValue) -> String {
            switch v {
            case .null: "null"
            case .bool(let b): b ? "true" : "false"
            case .number(let d): "\(d)"
            case .string(let s): JSONWriter.quoted(s)
            case .array(let a): "[" + a.map(write).joined(separator: ", ") + "]"
            case .object(let o):
                "{" + o.map { JSONWriter.quoted($0.key) + ": " + write($0.value) }.joined(separator: ",") + "}"
            }
        }
        for _ in 0..<500 {
            let value = JSONValue.object(["rows": randomValue(0)])
            let data = Data(write(value).utf8)
            #expect(
                (try? JSONSerialization.jsonObject(with: data)) != nil,
                "seed \(recorded): not JSON to Foundation: \(String(decoding: data, as: UTF8.self))")
            #expect(try JSONParser.parse(data) == value, "seed \(recorded): \(String(decoding: data, as: UTF8.self))")
        }
    }
}

/// A feature trained on one value: a number, or a text level.
private func feature(_ name: String, number: Double? = nil, text: String? = nil) -> FeatureSpec {
    let data: ColumnData = number.map { .numeric([$0]) } ?? .categorical(codes: [0], levels: [text ?? "x"])
    return FeatureSpec(column: Column(name: name, data: data), rows: [0])
}

/// The fast paths' model: two texts, two numbers, one name outside ASCII.
private let fastPathFeatures = [
    feature("island", text: "Biscoe"), feature("bill_length_mm", number: 40), feature("größe", number: 1),
    feature("sex", text: "male"),
]

/// The one-row fast path: it takes the common request, and whatever it accepts, the full parse
/// accepts with the same values (anything else falls through to the full parse).
@Suite("Serving: one-row fast path")
struct FlatRowTests {
    private let rows = RequestRows(features: fastPathFeatures)

    private func agree(_ body: String, _ comment: Comment? = nil) {
        let data = Data(body.utf8)
        guard let fast = rows.flatRow(data) else { return }
        let full = try? rows.parseFully(data)
        #expect(full == [fast], "\(body)")
    }

    @Test func commonRequestsTakeTheFastPath() {
        let plain = #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": -1e2, "sex": "male"}"#
        #expect(rows.flatRow(Data(plain.utf8)) == [.text("Biscoe"), .number(48.6), .number(-100), .text("male")])
        let reordered = #" {"sex":null,"größe":3,"island":"Dream","bill_length_mm":0} "#
        #expect(rows.flatRow(Data(reordered.utf8)) == [.text("Dream"), .number(0), .number(3), .null])
        agree(plain)
        agree(reordered)
    }

    @Test(arguments: [
        #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": 1}"#,  // missing field
        #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": 1, "sex": "male", "x": 1}"#,  // unknown field
        #"{"island": 1, "bill_length_mm": 48.6, "größe": 1, "sex": "male"}"#,  // wrong type
        #"{"island": "Biscoe", "bill_length_mm": "48.6", "größe": 1, "sex": "male"}"#,
        #"{"island": "Biscoe", "bill_length_mm": 1e999, "größe": 1, "sex": "male"}"#,  // not finite
        #"{"island": "Bis\u0063oe", "bill_length_mm": 48.6, "größe": 1, "sex": "male"}"#,  // escape
        #"{"island": "Biscoe", "bill_length_mm": 48.6, "gro\u0308ße": 1, "sex": "male"}"#,  // escaped key
        "{\"island\": \"Biscoe\", \"bill_length_mm\": 48.6, \"gro\u{308}ße\": 1, \"sex\": \"male\"}",  // decomposed key
        #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": 1, "sex": "male"} x"#,  // trailing text
        #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": 1, "sex": "male",}"#,
        #"{"rows": [{"island": "Biscoe", "bill_length_mm": 48.6, "größe": 1, "sex": "male"}]}"#,  // batch
        // duplicate, last wrong
        #"{"island": "Biscoe", "island": 2, "bill_length_mm": 48.6, "größe": 1, "sex": "male"}"#,
        "{}", "[]", "", "null",
    ])
    func everythingElseFallsThrough(body: String) {
        #expect(rows.flatRow(Data(body.utf8)) == nil)
    }

    @Test func duplicateKeysKeepTheLastValueLikeTheFullParse() {
        let body = #"{"island": 2, "island": "Torgersen", "bill_length_mm": 1, "größe": null, "sex": "female"}"#
        agree(body)
        let twice = #"{"island": "Dream", "island": "Torgersen", "bill_length_mm": 1, "größe": null, "sex": "female"}"#
        #expect(rows.flatRow(Data(twice.utf8))?.first == .text("Torgersen"))
        agree(twice)
    }

    /// Random byte edits of a valid row: the fast path never accepts what the full parse refuses
    /// or reads differently.
    @Test func randomEditsAgreeWithTheFullParse() {
        let base = Array(#"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": -1e2, "sex": "male"}"#.utf8)
        var generator = SeededGenerator(seed: 2_700)
        for bytes in randomJSONEdits(of: base, count: 5_000, using: &generator) {
            let data = Data(bytes)
            guard let fast = rows.flatRow(data) else { continue }
            #expect((try? rows.parseFully(data)) == [fast], "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}

/// The batch fast path: `{"rows": [...]}` of plain rows read straight into the inputs, and whatever
/// it accepts, the full parse accepts with the same rows.
@Suite("Serving: batch fast path")
struct FlatRowsTests {
    private let rows = RequestRows(features: fastPathFeatures, maximumRows: 3)

    static let first = #"{"island": "Biscoe", "bill_length_mm": 48.6, "größe": -1e2, "sex": "male"}"#
    static let second = #"{"sex":null,"größe":3,"island":"Dream","bill_length_mm":0}"#

    @Test func batchesTakeTheFastPath() throws {
        let body = Data(#" {"rows": [\#(Self.first), \#(Self.second)]} "#.utf8)
        let fast = try #require(rows.flatRows(body))
        #expect(
            fast == [
                [.text("Biscoe"), .number(48.6), .number(-100), .text("male")],
                [.text("Dream"), .number(0), .number(3), .null],
            ])
        #expect(try rows.parseFully(body) == fast)
        #expect(try rows.parse(body) == fast)
    }

    @Test(arguments: [
        #"{"rows": []}"#,  // empty: the full parse explains
        // over the limit of 3
        #"{"rows": [\#(FlatRowsTests.first), \#(FlatRowsTests.first), \#(FlatRowsTests.first), \#(FlatRowsTests.first)]}"#,
        #"{"rows": [\#(FlatRowsTests.first)], "x": 1}"#,  // another key
        #"{"x": 1, "rows": [\#(FlatRowsTests.first)]}"#,
        #"{"rows": [\#(FlatRowsTests.first),]}"#,
        #"{"rows": [\#(FlatRowsTests.first)]} x"#,
        #"{"rows": [{"island": "Biscoe"}]}"#,  // a row missing fields
        #"{"rows": [1]}"#,
        #"{"rows": \#(FlatRowsTests.first)}"#,
        #"{"r\u006fws": [\#(FlatRowsTests.first)]}"#,  // escaped key
        #"[\#(FlatRowsTests.first)]"#, "", "{}",
    ])
    func everythingElseFallsThrough(body: String) {
        #expect(rows.flatRows(Data(body.utf8)) == nil, "\(body)")
    }

    @Test func aFeatureNamedRowsMakesTheBodyOneRow() {
        let table = RequestRows(features: [feature("rows", number: 1)])
        #expect(table.flatRows(Data(#"{"rows": [{"rows": 1}]}"#.utf8)) == nil)
    }

    /// Random byte edits of a valid batch, seeded: the fast path never accepts what the full parse
    /// refuses or reads differently.
    @Test func randomEditsAgreeWithTheFullParse() {
        let base = Array(#"{"rows": [\#(Self.first), \#(Self.second)]}"#.utf8)
        var generator = SeededGenerator(seed: 2_701)
        var accepted = 0
        for bytes in randomJSONEdits(of: base, count: 6_000, using: &generator) {
            let data = Data(bytes)
            guard let fast = rows.flatRows(data) else { continue }
            accepted += 1
            #expect((try? rows.parseFully(data)) == fast, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 100)
    }
}

/// `count` copies of `base`, each with 1 to 3 random byte edits (one dropped, replaced or inserted)
/// from JSON's punctuation, digits, letters and a few bytes that are not valid UTF-8 or JSON.
private func randomJSONEdits(of base: [UInt8], count: Int, using generator: inout SeededGenerator) -> [[UInt8]] {
    let alphabet = Array(#"{}[]",:\ 0123456789.eE+-abcnulltrue"#.utf8) + [0x00, 0x1F, 0xC3, 0xB6, 0xFF]
    return (0..<count).map { _ in
        var bytes = base
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes.remove(at: at)
            case 1: bytes[at] = alphabet.randomElement(using: &generator) ?? 0
            default: bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: at)
            }
        }
        return bytes
    }
}
