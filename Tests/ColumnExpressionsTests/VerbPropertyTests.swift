import Testing
import TestSupport
@testable import ColumnExpressions
@testable import Tabular

/// Random small tables: a key text column k (levels a–e, some missing), numbers x and y (small
/// integers so ties happen, some missing).
private func randomTable(_ random: inout SeededRandom, rows: Int, levels: [String] = ["a", "b", "c", "d", "e"]) throws
    -> DataFrame
{
    func number() -> Double {
        Int.random(in: 0..<10, using: &random) == 0 ? .nan : Double(Int.random(in: -3...3, using: &random))
    }
    let codes: [Int32] = (0..<rows).map { _ in
        Int.random(in: 0..<8, using: &random) == 0 ? -1 : Int32(Int.random(in: 0..<levels.count, using: &random))
    }
    return try DataFrame(columns: [
        Column(name: "k", data: .categorical(codes: codes, levels: levels)),
        Column(name: "x", data: .numeric((0..<rows).map { _ in number() })),
        Column(name: "y", data: .numeric((0..<rows).map { _ in number() })),
    ])
}

@Suite("Data verbs, properties")
struct VerbPropertyTests {
    /// filter's rows are exactly the rows where a row-by-row reading of the condition (missing
    /// comparisons undecided, Kleene and/or) is true.
    @Test func filterKeepsExactlyTheRowsWhereTheConditionHolds() throws {
        var random = SeededRandom(seed: 11)
        for trial in 0..<200 {
            let frame = try randomTable(&random, rows: Int.random(in: 0...40, using: &random))
            let c = Double(Int.random(in: -2...2, using: &random))
            let expression = try ExpressionParser.parse("x > \(c) and k != \"b\" or y is missing")
            _ = try expression.type(in: ExpressionSchema(frame))
            var evaluator = ExpressionEvaluator(frame: frame)
            let rows = try evaluator.evaluate(expression).trueRows(count: frame.rowCount).rows
            guard case .numeric(let x) = frame.columns[1].data, case .numeric(let y) = frame.columns[2].data,
                case .categorical(let k, let levels) = frame.columns[0].data
            else { return }
            let expected = (0..<frame.rowCount).filter { r in
                let a: Bool? = x[r].isNaN ? nil : x[r] > c
                let b: Bool? = k[r] < 0 ? nil : levels[Int(k[r])] != "b"
                let both: Bool? = a == false || b == false ? false : (a == nil || b == nil ? nil : true)
                return both == true || y[r].isNaN
            }
            #expect(rows == expected, "trial \(trial)")
        }
    }

    /// A join's rows are a nested loop's: for each left row in order, each right row with equal
    /// keys (missing never equal) in order; a left join adds the unmatched left rows.
    @Test func joinMatchesANestedLoop() throws {
        var random = SeededRandom(seed: 12)
        for trial in 0..<200 {
            let left = try randomTable(&random, rows: Int.random(in: 0...15, using: &random))
            // The right table's levels are in another order: keys compare by text, not code.
            let right = try randomTable(
                &random, rows: Int.random(in: 0...15, using: &random), levels: ["e", "c", "a", "z"])
            for kind in DataFrame.JoinKind.allCases {
                for keys in [["k"], ["k", "x"]] {
                    let (frame, summary) = try left.joined(with: right, on: keys, kind: kind, suffix: "_r")
                    var expected: [[String?]] = []
                    var matched = 0
                    for l in 0..<left.rowCount {
                        let lk = keys.map { left.column(named: $0)?.text(at: l) }
                        let matches = (0..<right.rowCount).filter { r in
                            !lk.contains(nil) && keys.map { right.column(named: $0)?.text(at: r) } == lk
                        }
                        if !matches.isEmpty { matched += 1 }
                        let leftValues = left.columns.map { $0.text(at: l) }
                        let rightColumns = right.columns.filter { !keys.contains($0.name) }
                        for r in matches { expected.append(leftValues + rightColumns.map { $0.text(at: r) }) }
                        if matches.isEmpty && kind == .left {
                            expected.append(leftValues + rightColumns.map { _ in nil })
                        }
                    }
                    let got = (0..<frame.rowCount).map { r in frame.columns.map { $0.text(at: r) } }
                    #expect(got == expected, "trial \(trial) \(kind) on \(keys)")
                    #expect(summary.leftMatched == matched)
                    #expect(try left.joinedRowCount(with: right, on: keys, kind: kind) == frame.rowCount)
                }
            }
        }
    }

    /// sort is stable and agrees with the standard library's sort on (key, original position),
    /// missing values last in either direction.
    @Test func sortIsStableAndAgreesWithTheStandardLibrary() throws {
        var random = SeededRandom(seed: 13)
        for trial in 0..<200 {
            let frame = try randomTable(&random, rows: Int.random(in: 0...40, using: &random))
            guard case .numeric(let x) = frame.columns[1].data,
                case .categorical(let k, let levels) = frame.columns[0].data
            else { return }
            for descending in [false, true] {
                let order = try frame.sortedRowOrder(by: [.init(column: "x", descending: descending)])
                let expected = Array(0..<frame.rowCount).sorted { a, b in
                    if x[a].isNaN != x[b].isNaN { return x[b].isNaN }
                    if x[a].isNaN || x[a] == x[b] { return a < b }
                    return descending ? x[a] > x[b] : x[a] < x[b]
                }
                #expect(order == expected, "trial \(trial)")
            }
            for descending in [false, true] {
                // One text key: by the text, stable, missing last either way.
                let byText = try frame.sortedRowOrder(by: [.init(column: "k", descending: descending)])
                let expected = Array(0..<frame.rowCount).sorted { a, b in
                    switch (k[a] < 0 ? nil : levels[Int(k[a])], k[b] < 0 ? nil : levels[Int(k[b])]) {
                    case (nil, nil): return a < b
                    case (nil, _): return false
                    case (_, nil): return true
                    case (let s?, let t?): return s == t ? a < b : (descending ? s > t : s < t)
                    }
                }
                #expect(byText == expected, "trial \(trial)")
            }
            let two = try frame.sortedRowOrder(by: [.init(column: "k"), .init(column: "x", descending: true)])
            let text = { (r: Int) -> String? in k[r] < 0 ? nil : levels[Int(k[r])] }
            let expected = Array(0..<frame.rowCount).sorted { a, b in
                switch (text(a), text(b)) {
                case (nil, nil): break
                case (nil, _): return false
                case (_, nil): return true
                case (let s?, let t?) where s != t: return s < t
                default: break
                }
                if x[a].isNaN != x[b].isNaN { return x[b].isNaN }
                if x[a].isNaN || x[a] == x[b] { return a < b }
                return x[a] > x[b]
            }
            #expect(two == expected, "trial \(trial)")
        }
    }

    /// Distinct rows: the first of each combination, and every row equals one of them.
    /// The radix order of a large column (past the digit-skipping shortcuts) is the standard
    /// library's stable order, with −0 equal to +0 and NaN last.
    @Test func radixOrderOfAMillionValuesIsTheStableOrder() throws {
        var random = SeededRandom(seed: 15)
        let values: [Double] = (0..<200_000).map { i in
            switch i % 7 {
            case 0: .nan
            case 1: -0.0
            case 2: 0.0
            default: Double(Int.random(in: -1_000...1_000, using: &random)) / 8
            }
        }
        for descending in [false, true] {
            let expected =
                values.indices.filter { !values[$0].isNaN }.sorted { a, b in
                    values[a] == values[b] ? a < b : (descending ? values[a] > values[b] : values[a] < values[b])
                } + values.indices.filter { values[$0].isNaN }
            #expect(radixOrder(values, descending: descending) == expected)
        }
    }

    @Test func dedupeKeepsTheFirstOfEachCombination() throws {
        var random = SeededRandom(seed: 14)
        for _ in 0..<100 {
            let frame = try randomTable(&random, rows: Int.random(in: 0...40, using: &random))
            let kept = try frame.firstRowsOfDistinct(on: ["k", "x"])
            let keys = (0..<frame.rowCount).map { r in [frame.columns[0].text(at: r), frame.columns[1].text(at: r)] }
            var seen: [[String?]] = []
            var expected: [Int] = []
            for (r, key) in keys.enumerated() where !seen.contains(key) {
                seen.append(key)
                expected.append(r)
            }
            #expect(kept == expected)
        }
    }
}
