import Foundation
import Testing
import TestSupport
@testable import ColumnExpressions
@testable import Tabular

/// Numbers x, y, z with missing values, zeros, huge values (so products overflow), ±∞ and -0;
/// text k (levels a–e, some missing).
private func randomTable(_ random: inout SeededRandom, rows: Int) throws -> DataFrame {
    func number() -> Double {
        switch Int.random(in: 0..<20, using: &random) {
        case 0, 1: .nan
        case 2, 3: 0
        case 4: -0.0
        case 5: Double.random(in: 1e150...1e200, using: &random) * (Bool.random(using: &random) ? 1 : -1)
        case 6: Bool.random(using: &random) ? .infinity : -.infinity
        case 7, 8: Double(Int.random(in: -3...3, using: &random))
        default: Double.random(in: -1e3...1e3, using: &random)
        }
    }
    let codes: [Int32] = (0..<rows).map { _ in
        Int.random(in: 0..<8, using: &random) == 0 ? -1 : Int32(Int.random(in: 0..<5, using: &random))
    }
    return try DataFrame(columns: [
        Column(name: "x", data: .numeric((0..<rows).map { _ in number() })),
        Column(name: "y", data: .numeric((0..<rows).map { _ in number() })),
        Column(name: "z", data: .numeric((0..<rows).map { _ in number() })),
        Column(name: "k", data: .categorical(codes: codes, levels: ["a", "b", "c", "d", "e"])),
    ])
}

/// Random expression sources. With `constants`, sub-expressions may read no column (`2 / 0`),
/// which the column-at-a-time evaluator counts its own way; the row-by-row reference below does not
/// model that, so it gets expressions without them.
private struct Sources {
    var random: SeededRandom
    var constants: Bool

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &random)] }

    mutating func literal() -> String { pick(["0", "1", "3", "2.5", "1e300", "0.5", "7"]) }

    mutating func number(_ depth: Int) -> String {
        if depth == 0 || Int.random(in: 0..<4, using: &random) == 0 {
            return constants && Bool.random(using: &random) ? literal() : pick(["x", "y", "z"])
        }
        let a = number(depth - 1)
        switch Int.random(in: 0..<14, using: &random) {
        case 0: return "-(\(a))"
        case 1: return "\(pick(["abs", "floor", "ceil", "exp", "log", "sqrt"]))(\(a))"
        case 2: return "round(\(a)\(Bool.random(using: &random) ? ", 2" : ""))"
        case 3: return "clip(\(a), \(number(depth - 1)), \(number(depth - 1)))"
        case 4: return "if(\(condition(depth - 1)), \(a), \(number(depth - 1)))"
        case 5: return "coalesce(\(a), \(number(depth - 1)))"
        default:
            let op = pick(["+", "-", "*", "/", "%"])
            // Without `constants` a literal only ever meets a column (x / 0, x * 1e300).
            let b =
                constants || Bool.random(using: &random)
                ? number(depth - 1) : (Bool.random(using: &random) ? literal() : pick(["x", "y", "z"]))
            return Bool.random(using: &random) ? "(\(a)) \(op) (\(b))" : "(\(b)) \(op) (\(a))"
        }
    }

    mutating func condition(_ depth: Int) -> String {
        if depth > 0, Int.random(in: 0..<3, using: &random) > 0 {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return "not (\(condition(depth - 1)))"
            case 1: return "(\(condition(depth - 1))) is missing"
            case 2: return "(\(condition(depth - 1))) or (\(condition(depth - 1)))"
            default: return "(\(condition(depth - 1))) and (\(condition(depth - 1)))"
            }
        }
        switch Int.random(in: 0..<11, using: &random) {
        case 0: return "k \(pick(["==", "!=", "<", ">="])) \"\(pick(["a", "c", "e", "q"]))\""
        case 1: return "\"\(pick(["b", "d"]))\" < k"
        case 2: return "k \(pick(["in", "not in"])) [\"a\", \"c\"]"
        case 3: return "\(pick(["x", "y", "k"])) is \(pick(["", "not "]))missing"
        case 4: return "\(pick(["x", "z"])) \(pick(["in", "not in"])) [0, 1, 3]"
        case 5: return "contains(k, \"a\")"
        case 6: return "(x > 1) == (y > 1)"
        case 7 where constants: return pick(["true", "false", "1 / 0 > 2"])
        default:
            let op = pick(["==", "!=", "<", "<=", ">", ">="])
            let right = constants || Bool.random(using: &random) ? literal() : number(min(depth, 1))
            return "(\(number(min(depth, 2)))) \(op) (\(right))"
        }
    }
}

/// A row-by-row reading of an expression, every operand evaluated on every row (so the counts are
/// those of a full evaluation).
private struct RowReference {
    let frame: DataFrame
    var zeroDivisions = 0, tooLarge = 0, logOutside = 0, sqrtOutside = 0

    func numbers(_ name: String) -> [Double] {
        if case .numeric(let v)? = frame.column(named: name)?.data { return v }
        return []
    }

    var notes: [String: Int] {
        var notes: [String: Int] = [:]
        for (reason, count) in [
            ("division by zero", zeroDivisions), ("a result too large for a number", tooLarge),
            ("log of a number ≤ 0", logOutside), ("square root of a negative number", sqrtOutside),
        ] where count > 0 {
            notes[reason] = count
        }
        return notes
    }

    mutating func finite(_ r: Double) -> Double {
        guard r.isInfinite else { return r }
        tooLarge += 1
        return .nan
    }

    mutating func number(_ e: ColumnExpression, _ row: Int) -> Double {
        switch e {
        case .number(let v, _): return v
        case .column(let name, _):
            let values = numbers(name)
            guard row < values.count else {
                Issue.record("no numbers named '\(name)'")
                return .nan
            }
            return values[row]
        case .negate(let a, _): return -number(a, row)
        case .binary(let op, let a, let b, _):
            let x = number(a, row), y = number(b, row)
            switch op {
            case .add: return finite(x + y)
            case .subtract: return finite(x - y)
            case .multiply: return finite(x * y)
            default:
                if !x.isNaN && y == 0 { zeroDivisions += 1 }
                if y == 0 { return .nan }
                return finite(op == .divide ? x / y : x - y * (x / y).rounded(.down))
            }
        case .call("if", let args, _):
            // Both sides computed, as column-at-a-time does.
            let c = condition(args[0], row)
            let a = number(args[1], row), b = number(args[2], row)
            return c == 1 ? a : (c == 0 ? b : .nan)
        case .call(let name, let args, _):
            let x = number(args[0], row)
            switch name {
            case "abs": return Swift.abs(x)
            case "floor": return x.rounded(.down)
            case "ceil": return x.rounded(.up)
            case "exp": return finite(Foundation.exp(x))
            case "log":
                if x <= 0 {
                    logOutside += 1
                    return .nan
                }
                return Foundation.log(x)
            case "sqrt":
                if x < 0 {
                    sqrtOutside += 1
                    return .nan
                }
                return x.squareRoot()
            case "round":
                guard args.count == 2, case .number(let d, _) = args[1], d != 0 else {
                    return x.rounded(.toNearestOrAwayFromZero)
                }
                let scale = Foundation.pow(10, d)
                return (x * scale).rounded(.toNearestOrAwayFromZero) / scale
            case "clip":
                let low = number(args[1], row), high = number(args[2], row)
                let lowered = x.isNaN || low.isNaN ? x : Swift.max(x, low)
                return lowered.isNaN || high.isNaN ? lowered : Swift.min(lowered, high)
            default:  // coalesce
                let y = number(args[1], row)
                return x.isNaN ? y : x
            }
        default: return .nan
        }
    }

    mutating func condition(_ e: ColumnExpression, _ row: Int) -> Int8 {
        func test<T: Comparable>(_ op: BinaryOperator, _ x: T, _ y: T) -> Int8 {
            let r =
                switch op {
                case .equal: x == y
                case .notEqual: x != y
                case .less: x < y
                case .lessOrEqual: x <= y
                case .greater: x > y
                default: x >= y
                }
            return r ? 1 : 0
        }
        func text(_ e: ColumnExpression) -> String? {
            switch e {
            case .text(let s, _): return s
            case .column(let name, _):
                guard case .categorical(let codes, let levels)? = frame.column(named: name)?.data, codes[row] >= 0
                else { return nil }
                return levels[Int(codes[row])]
            default: return nil
            }
        }
        switch e {
        case .boolean(let b, _): return b ? 1 : 0
        case .not(let a, _):
            let v = condition(a, row)
            return v < 0 ? -1 : 1 - v
        case .binary(let op, let a, let b, _) where op.isLogical:
            let x = condition(a, row), y = condition(b, row)
            if op == .and { return x == 0 || y == 0 ? 0 : (x < 0 || y < 0 ? -1 : 1) }
            return x == 1 || y == 1 ? 1 : (x < 0 || y < 0 ? -1 : 0)
        case .binary(let op, let a, let b, _):
            if case .binary(let inner, _, _, _) = a, inner.isComparison {
                let x = condition(a, row), y = condition(b, row)
                return x < 0 || y < 0 ? -1 : test(op, x, y)
            }
            if a.isText || b.isText {
                guard let x = text(a), let y = text(b) else { return -1 }
                return test(op, x, y)
            }
            let x = number(a, row), y = number(b, row)
            return x.isNaN || y.isNaN ? -1 : test(op, x, y)
        case .isMissing(let a, let negated, _):
            let missing = a.isText ? text(a) == nil : (a.isCondition ? condition(a, row) < 0 : number(a, row).isNaN)
            return missing != negated ? 1 : 0
        case .membership(let a, let items, let negated, _):
            let hit: Int8 = negated ? 0 : 1
            if a.isText {
                guard let x = text(a) else { return -1 }
                return items.contains { if case .text(let s, _) = $0 { s == x } else { false } } ? hit : 1 - hit
            }
            let x = number(a, row)
            if x.isNaN { return -1 }
            return items.contains { if case .number(let n, _) = $0 { n == x } else { false } } ? hit : 1 - hit
        case .call("contains", let args, _):
            guard let x = text(args[0]), case .text(let needle, _) = args[1] else { return -1 }
            return x.contains(needle) ? 1 : 0
        default: return -1
        }
    }
}

private extension ColumnExpression {
    var isCondition: Bool {
        switch self {
        case .binary(let op, _, _, _): op.isComparison || op.isLogical
        case .not, .isMissing, .membership, .boolean, .call("contains", _, _): true
        default: false
        }
    }

    var isText: Bool {
        switch self {
        case .text: true
        case .column(let name, _): name == "k"
        default: false
        }
    }
}

private func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// The values and notes of `source`, over blocks and column-at-a-time.
private func bothWays(_ source: String, _ frame: DataFrame) throws -> (
    blocks: ColumnValues, blockNotes: [String: Int], columns: ColumnValues, columnNotes: [String: Int]
) {
    let expression = try ExpressionParser.parse(source)
    _ = try expression.type(in: ExpressionSchema(frame))
    var blocks = ExpressionEvaluator(frame: frame)
    var columns = ExpressionEvaluator(frame: frame)
    columns.usesBlocks = false
    let b = try blocks.evaluate(expression)
    let c = try columns.evaluate(expression)
    return (b, blocks.notes, c, columns.notes)
}

private func doubles(_ v: ColumnValues, _ rows: Int) -> [Double] {
    guard case .numeric(let x) = v.column(named: "r", rows: rows).data else { return [] }
    return x
}

@Suite("Block programs")
struct BlockProgramTests {
    /// Over blocks, a numeric expression gives the column-at-a-time evaluator's bits (NaN
    /// payloads and -0 included) and the same notes, on tables that end mid-block and span several.
    @Test(arguments: [(seed: UInt64(31), constants: false), (seed: UInt64(32), constants: true)])
    func numbersMatchColumnAtATimeAndARowReference(seed: UInt64, constants: Bool) throws {
        var random = SeededRandom(seed: seed)
        var sources = Sources(random: SeededRandom(seed: seed &* 7), constants: constants)
        for trial in 0..<300 {
            let rows =
                trial % 10 == 0 ? Int.random(in: 2_040...4_200, using: &random) : Int.random(in: 1...60, using: &random)
            let frame = try randomTable(&random, rows: rows)
            let source = sources.number(Int.random(in: 1...4, using: &sources.random))
            let (blocks, blockNotes, columns, columnNotes) = try bothWays(source, frame)
            let values = doubles(blocks, rows)
            #expect(sameBits(values, doubles(columns, rows)), "trial \(trial): \(source)")
            #expect(blockNotes == columnNotes, "trial \(trial): \(source)")
            guard !constants else { continue }
            var reference = RowReference(frame: frame)
            let expression = try ExpressionParser.parse(source)
            let expected = (0..<rows).map { reference.number(expression, $0) }
            #expect(sameBits(values, expected), "trial \(trial): \(source)")
            #expect(blockNotes == reference.notes, "trial \(trial): \(source)")
        }
    }

    /// In chunks on both cores (from 2¹⁷ rows) the result is the same as in one chunk.
    @Test func largeTablesInChunksGiveTheSameBitsAndCounts() throws {
        var random = SeededRandom(seed: 33)
        let frame = try randomTable(&random, rows: 150_001)
        for source in ["x * y + z / 3", "exp(x) - log(y) % sqrt(z)", "clip(x / y, -1, round(z, 2))"] {
            let (blocks, blockNotes, columns, columnNotes) = try bothWays(source, frame)
            #expect(sameBits(doubles(blocks, frame.rowCount), doubles(columns, frame.rowCount)), "\(source)")
            #expect(blockNotes == columnNotes, "\(source)")
            #expect(blockNotes["division by zero", default: 0] > 0 || !source.contains("/ y"))
        }
    }

    /// filter over blocks, looking at `b` of `a and b` only where `a` is not false, keeps the rows
    /// a full evaluation keeps, with the same count of undecided rows and the same notes.
    @Test(arguments: [(seed: UInt64(41), constants: false), (seed: UInt64(42), constants: true)])
    func shortCircuitFilterKeepsTheRowsOfAFullEvaluation(seed: UInt64, constants: Bool) throws {
        var random = SeededRandom(seed: seed)
        var sources = Sources(random: SeededRandom(seed: seed &* 7), constants: constants)
        for trial in 0..<300 {
            let rows =
                trial % 10 == 0 ? Int.random(in: 2_040...4_200, using: &random) : Int.random(in: 1...60, using: &random)
            let frame = try randomTable(&random, rows: rows)
            let source = sources.condition(Int.random(in: 1...4, using: &sources.random))
            let expression = try ExpressionParser.parse(source)
            _ = try expression.type(in: ExpressionSchema(frame))
            var blocks = ExpressionEvaluator(frame: frame)
            var columns = ExpressionEvaluator(frame: frame)
            columns.usesBlocks = false
            let kept = try blocks.trueRows(of: expression)
            let full = try columns.evaluate(expression).trueRows(count: rows)
            #expect(kept.rows == full.rows, "trial \(trial): \(source)")
            #expect(kept.missing == full.missing, "trial \(trial): \(source)")
            #expect(blocks.notes == columns.notes, "trial \(trial): \(source)")
            guard !constants else { continue }
            var reference = RowReference(frame: frame)
            let values = (0..<rows).map { reference.condition(expression, $0) }
            #expect(kept.rows == values.indices.filter { values[$0] == 1 }, "trial \(trial): \(source)")
            #expect(kept.missing == values.filter { $0 < 0 }.count, "trial \(trial): \(source)")
            #expect(blocks.notes == reference.notes, "trial \(trial): \(source)")
        }
    }

    /// The benchmark's three conditions on a table large enough for chunks: same rows and counts.
    @Test func threeConditionsInChunks() throws {
        var random = SeededRandom(seed: 43)
        let frame = try randomTable(&random, rows: 150_001)
        let expression = try ExpressionParser.parse("x > 0.5 and k == \"c\" and y / z < 3 or z is missing")
        var blocks = ExpressionEvaluator(frame: frame)
        var columns = ExpressionEvaluator(frame: frame)
        columns.usesBlocks = false
        let kept = try blocks.trueRows(of: expression)
        let full = try columns.evaluate(expression).trueRows(count: frame.rowCount)
        #expect(kept.rows == full.rows)
        #expect(kept.missing == full.missing)
        #expect(blocks.notes == columns.notes)
        #expect(blocks.notes["division by zero", default: 0] > 0)
    }
}
