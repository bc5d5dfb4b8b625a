import Foundation
import Testing
@testable import ColumnExpressions
import Tabular

/// A small table: x, y numbers (y has a zero and a missing value), s text with a missing value, d dates.
private func table() throws -> DataFrame {
    try DataFrame(columns: [
        Column(name: "x", data: .numeric([1, -7, 2.5, 10])),
        Column(name: "y", data: .numeric([2, 3, 0, .nan])),
        Column(name: "s", data: .categorical(codes: [0, 1, -1, 2], levels: ["Dream", " biscoe ", "Torgersen"])),
        Column(
            name: "d", data: .categorical(codes: [0, 1, 2, -1], levels: ["2024-03-01", "2023-12-31", "not a date"])),
        Column(name: "Date Egg", data: .numeric([1, 2, 3, 4])),
    ])
}

private func evaluate(_ source: String, _ frame: DataFrame) throws -> (ColumnValues, [String: Int]) {
    let expression = try ExpressionParser.parse(source)
    _ = try expression.type(in: ExpressionSchema(frame))
    var evaluator = ExpressionEvaluator(frame: frame)
    let values = try evaluator.evaluate(expression)
    return (values, evaluator.notes)
}

private func numbers(_ source: String, _ frame: DataFrame) throws -> [Double] {
    let (values, _) = try evaluate(source, frame)
    guard case .numeric(let v) = values.column(named: "r", rows: frame.rowCount).data else { return [] }
    return v
}

/// Same doubles, NaN equal to NaN.
private func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.isNaN && $1.isNaN || $0 == $1 }
}

@Suite("Column expressions")
struct ExpressionTests {
    @Test func arithmeticFollowsPrecedenceAndFlooredRemainder() throws {
        let frame = try table()
        #expect(try numbers("x + x * 2", frame) == [3, -21, 7.5, 30])
        #expect(try numbers("(x + 1) * 2", frame) == [4, -12, 7, 22])
        #expect(try numbers("-x % 3", frame) == [2, 1, 0.5, 2])  // -1 % 3 = 2, 7 % 3 = 1, -2.5 % 3 = 0.5, -10 % 3 = 2
        #expect(try numbers("x × 2 ÷ 4", frame) == [0.5, -3.5, 1.25, 5])
    }

    /// A column large enough to be computed in chunks on every core gives the bits of a plain
    /// loop, with the zero divisions and overflows counted once.
    @Test func largeColumnsInChunksGiveThePlainLoopsBits() throws {
        let n = 300_001
        var g = SystemRandomNumberGenerator()
        let x = (0..<n).map { i in i % 97 == 0 ? Double.nan : Double.random(in: -1e3...1e3, using: &g) }
        let y = (0..<n).map { i in i % 89 == 0 ? 0 : Double.random(in: -5...5, using: &g) }
        let frame = try DataFrame(columns: [Column(name: "x", data: .numeric(x)), Column(name: "y", data: .numeric(y))])
        let (values, notes) = try evaluate("x * y + x / y - 3 % y", frame)
        guard case .numeric(let v) = values.column(named: "r", rows: n).data else {
            Issue.record("not numbers")
            return
        }
        let plain = (0..<n).map { i -> Double in
            let q = y[i] == 0 ? Double.nan : x[i] / y[i]
            let r = y[i] == 0 ? Double.nan : 3 - y[i] * (3 / y[i]).rounded(.down)
            return x[i] * y[i] + q - r
        }
        #expect(same(v, plain))
        let zeroDivisions = (0..<n).filter { y[$0] == 0 && !x[$0].isNaN }.count + (0..<n).filter { y[$0] == 0 }.count
        #expect(notes["division by zero"] == zeroDivisions)
    }

    @Test func divisionByZeroIsMissingAndCounted() throws {
        let frame = try table()
        let (values, notes) = try evaluate("x / y", frame)
        guard case .numeric(let v) = values.column(named: "r", rows: 4).data else {
            Issue.record("not numbers")
            return
        }
        #expect(same(v, [0.5, -7.0 / 3, .nan, .nan]))
        // Row 3 divides by zero; row 4's divisor is missing, which is not a division by zero.
        #expect(notes == ["division by zero": 1])
        let (_, logNotes) = try evaluate("log(x) + sqrt(x)", frame)
        #expect(logNotes == ["log of a number ≤ 0": 1, "square root of a negative number": 1])
    }

    @Test func conditionsAreThreeValued() throws {
        let frame = try table()
        // y > 1: true, true, false, missing.
        #expect(try numbers("y > 1", frame).map { $0.isNaN ? -1 : $0 } == [1, 1, 0, -1])
        // false and missing is false; true or missing is true; true and missing is missing.
        #expect(try numbers("x > 5 and y > 1", frame).map { $0.isNaN ? -1 : $0 } == [0, 0, 0, -1])
        #expect(try numbers("x > 5 or y > 1", frame).map { $0.isNaN ? -1 : $0 } == [1, 1, 0, 1])
        #expect(try numbers("not (y > 1)", frame).map { $0.isNaN ? -1 : $0 } == [0, 0, 1, -1])
        #expect(try numbers("y is missing", frame) == [0, 0, 0, 1])
        #expect(try numbers("s is not missing", frame) == [1, 1, 0, 1])
        let (filter, _) = try evaluate("y > 1 or s == \"Torgersen\"", frame)
        #expect(filter.trueRows(count: 4).rows == [0, 1, 3])
    }

    @Test func textFunctionsWorkOnTheDictionary() throws {
        let frame = try table()
        #expect(try numbers("trim(lower(s)) == \"biscoe\"", frame).map { $0.isNaN ? -1 : $0 } == [0, 1, -1, 0])
        #expect(try numbers("s in [\"Dream\", \"Torgersen\"]", frame).map { $0.isNaN ? -1 : $0 } == [1, 0, -1, 1])
        #expect(try numbers("s not in [\"Dream\"]", frame).map { $0.isNaN ? -1 : $0 } == [0, 1, -1, 1])
        #expect(
            try numbers("contains(s, \"o\") and startswith(s, \"T\")", frame).map { $0.isNaN ? -1 : $0 } == [
                0, 0, -1, 1,
            ])
        #expect(same(try numbers("length(s)", frame), [5, 8, .nan, 9]))
        let (values, _) = try evaluate("coalesce(upper(s), \"NONE\")", frame)
        guard case .categorical(let codes, let levels) = values.column(named: "r", rows: 4).data else {
            Issue.record("not text")
            return
        }
        #expect(codes.map { levels[Int($0)] } == ["DREAM", " BISCOE ", "NONE", "TORGERSEN"])
    }

    @Test func functionsOnNumbers() throws {
        let frame = try table()
        #expect(try numbers("round(x)", frame) == [1, -7, 3, 10])  // halves away from zero
        #expect(try numbers("round(x / 3, 2)", frame) == [0.33, -2.33, 0.83, 3.33])
        #expect(try numbers("clip(x, 0, 5)", frame) == [1, 0, 2.5, 5])
        #expect(try numbers("abs(x) + floor(2.5) + ceil(-2.5)", frame) == [1, 7, 2.5, 10])
        #expect(same(try numbers("if(y > 1, x, 0 - x)", frame), [1, -7, -2.5, .nan]))
        #expect(try numbers("coalesce(y, 99)", frame) == [2, 3, 0, 99])
        #expect(try numbers("`Date Egg` * 10", frame) == [10, 20, 30, 40])
    }

    @Test func datePartsReadTheDetectedFormat() throws {
        let frame = try table()
        let (values, notes) = try evaluate("year(d) * 10000 + month(d) * 100 + day(d)", frame)
        guard case .numeric(let v) = values.column(named: "r", rows: 4).data else {
            Issue.record("not numbers")
            return
        }
        #expect(same(v, [20240301, 20231231, .nan, .nan]))
        #expect(notes == ["not a date written yyyy-MM-dd (ISO 8601)": 1])
        #expect(try numbers("weekday(d)", frame).prefix(2) == [5, 7])  // a Friday and a Sunday
    }

    @Test func typeErrorsPointAtTheOperand() throws {
        let frame = try table()
        let schema = ExpressionSchema(frame)
        func failure(_ source: String) throws -> ExpressionError? {
            do {
                _ = try ExpressionParser.parse(source).type(in: schema)
                return nil
            } catch {
                return error
            }
        }
        let text = try #require(try failure("s + 1"))
        #expect(text.span == Span(0, 1))
        #expect(text.message == "'+' needs a number, but 's' is text")
        let compare = try #require(try failure("x == \"a\""))
        #expect(compare.span == Span(5, 8))
        #expect(compare.message == "'==' compares a number with text")
        let unknown = try #require(try failure("yy > 1"))
        #expect(unknown.message == "no column 'yy'")
        #expect(unknown.hint == "did you mean 'y'?")
        let function = try #require(try failure("sqr(x)"))
        #expect(function.hint == "did you mean 'sqrt'?")
        let condition = try #require(try failure("x and y > 1"))
        #expect(condition.span == Span(0, 1))
        let arity = try #require(try failure("clip(x, 1)"))
        #expect(arity.message == "clip takes 3 arguments, found 2")
    }

    @Test func parseErrorsNeverCrash() throws {
        for source in [
            "", "x >", "(x", "x ) y", "\"open", "`open", "x ! y", "1abc", "x in []", "x is", "f(,)",
            String(repeating: "(", count: 10_000) + "x", String(repeating: "-", count: 10_000) + "x",
            String(repeating: "not ", count: 5_000) + "x", "x @ y",
        ] {
            #expect(throws: ExpressionError.self, "\(source.prefix(20))") { try ExpressionParser.parse(source) }
        }
    }

    /// `x + x + …` builds a tree as deep as it is long: up to the limit it is checked and computed
    /// (recursing through every level, here on a test thread's small stack); beyond it is refused.
    @Test func longChainsAreBoundedAndComputed() throws {
        let frame = try table()
        let longest = Array(repeating: "x", count: ExpressionParser.maximumValues).joined(separator: " + ")
        #expect(try numbers(longest, frame) == [1000, -7000, 2500, 10000])
        let conditions = Array(repeating: "x > 0", count: ExpressionParser.maximumValues / 2).joined(separator: " and ")
        #expect(try numbers(conditions, frame) == [1, 0, 1, 1])
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(longest + " + x") }
    }

    @Test func definitionsAndSortKeysParse() throws {
        let definitions = try ExpressionParser.parseDefinitions("ratio = x / y, `big one` = x > 5, \"t\" = lower(s)")
        #expect(definitions.map(\.name) == ["ratio", "big one", "t"])
        #expect(definitions[0].nameSpan == Span(0, 5))
        let keys = try ExpressionParser.parseSortKeys("x desc, `Date Egg`, s asc")
        #expect(keys.map(\.name) == ["x", "Date Egg", "s"])
        #expect(keys.map(\.descending) == [true, false, false])
        #expect(throws: ExpressionError.self) { try ExpressionParser.parseSortKeys("x sideways") }
        #expect(throws: ExpressionError.self) { try ExpressionParser.parseDefinitions("x + 1") }
    }

    @Test func derivationsRoundTripAndReplayOnNewRows() throws {
        let frame = try table()
        let ratio = try Derivation(name: "ratio", source: "x / y")
        let twice = try Derivation(name: "twice", source: "ratio * 2")
        let derivations = [ratio, twice]
        #expect(derivations.needed(by: ["twice", "s"]).map(\.name) == ["ratio", "twice"])
        #expect(derivations.rawInputs(for: ["twice", "s"]) == ["s", "x", "y"])
        let (out, notes) = try derivations.apply(to: frame)
        guard case .numeric(let v) = out.column(named: "twice")?.data else {
            Issue.record("no twice")
            return
        }
        #expect(same(v, [1, -14.0 / 3, .nan, .nan]))
        #expect(notes == ["division by zero": 1])
        let data = try JSONEncoder().encode(derivations)
        #expect(try JSONDecoder().decode([Derivation].self, from: data) == derivations)
        let broken = Data(#"[{"name":"r","source":"x +"}]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Derivation].self, from: broken) }
        #expect(throws: ExpressionError.self) { try derivations.check(raw: [("x", .number), ("y", .text)]) }
    }

    @Test func aggregationsSummariseEachGroup() throws {
        let frame = try DataFrame(columns: [
            Column(name: "g", data: .categorical(codes: [0, 1, 0, 0, 1, -1], levels: ["a", "b"])),
            Column(name: "v", data: .numeric([1, 10, 3, .nan, 20, 7])),
        ])
        let (ids, first) = try frame.groupIDs(on: ["g"])
        #expect(ids == [0, 1, 0, 0, 1, 2])
        #expect(first == [0, 1, 5])
        let aggregations = try Aggregation.parse(
            "n = count(), present = count(v), total = sum(v), m = mean(v), md = median(v), lo = min(v), hi = max(v), sd = std(v), k = distinct(v)",
            schema: ExpressionSchema(frame))
        var evaluator = ExpressionEvaluator(frame: frame)
        var result: [String: [Double]] = [:]
        for a in aggregations {
            guard case .numeric(let v) = try a.values(over: frame, ids: ids, groups: 3, evaluator: &evaluator).data
            else { continue }
            result[a.name] = v
        }
        #expect(result["n"] == [3, 2, 1])
        #expect(result["present"] == [2, 2, 1])
        #expect(result["total"] == [4, 30, 7])
        #expect(result["m"] == [2, 15, 7])
        #expect(result["md"] == [2, 15, 7])
        #expect(result["lo"] == [1, 10, 7])
        #expect(result["hi"] == [3, 20, 7])
        #expect(same(result["sd"] ?? [], [Double(2).squareRoot(), Double(50).squareRoot(), .nan]))
        #expect(result["k"] == [2, 2, 1])
        #expect(throws: ExpressionError.self) { try Aggregation.parse("m = mean(g)", schema: ExpressionSchema(frame)) }
        #expect(throws: ExpressionError.self) { try Aggregation.parse("m = avg(v)", schema: ExpressionSchema(frame)) }
    }
}
