import ColumnExpressions
import CommandLanguage
import Diagnostics
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `filter D where EXPRESSION`: the rows where a condition holds.
    static let filter = CommandSpec(
        "filter", topic: "data",
        summary: "keep the rows where a condition holds",
        discussion: """
            The condition is a column expression: comparisons (== != < <= > >=), and / or / not, \
            x in ["a", "b"], x is missing, arithmetic (+ - * / %) and functions (abs log exp sqrt \
            round floor ceil clip if coalesce lower upper trim length contains startswith endswith, \
            and year month day weekday dayofyear hour of a date column). Text goes in double quotes, \
            a column name with spaces in backticks: `Date Egg`. A row where the condition cannot be \
            decided (a missing value) is left out and counted. Without a name the result is NAME_filtered.
            """,
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.condition, keyword: "where", .expression)],
        maxResults: 1,
        provenance: .derivation,
        examples: [
            "filter penguins where island == \"Dream\" and body_mass_g > 4000",
            "adults = filter people where age >= 18 and country in [\"FR\", \"DE\"]",
        ],
        run: runFilter)

    private static func runFilter(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        let (text, offset) = try context.expressionText(.condition)
        let frame = dataset.frame
        var evaluator = ExpressionEvaluator(frame: frame)
        let (rows, undecided) = try context.reading(expressionAt: offset) {
            () throws(ExpressionError) -> (rows: [Int], missing: Int) in
            let expression = try ExpressionParser.parse(text)
            let type = try expression.type(in: ExpressionSchema(frame))
            guard type == .boolean else {
                throw ExpressionError(
                    "filter needs a condition, but this is \(type == .number ? "a number" : "text")",
                    at: expression.span,
                    hint: "compare it, for example \(expression.columns.first ?? "x") > 0")
            }
            return try evaluator.trueRows(of: expression)
        }
        let result = context.targets.first ?? name + "_filtered"
        context.bindReshaped(result, frame: frame.selectingRows(rows), source: "filter of \(name)", parent: dataset)
        let share = frame.rowCount == 0 ? 0 : Double(rows.count) / Double(frame.rowCount)
        context.print("\(result): \(rows.count) of \(rowsText(frame.rowCount)) (\(formatPercent(share))) where \(text)")
        if undecided > 0 {
            context.print(
                "note: \(rowsText(undecided)) left out where the condition cannot be decided (a value it reads is missing)"
            )
        }
        context.printNotes(evaluator.notes)
        if rows.isEmpty { context.print("note: no row matches; the result is empty") }
    }

    /// `sort D by COL [desc], …`.
    static let sort = CommandSpec(
        "sort", topic: "data",
        summary: "order the rows by one or more columns",
        discussion:
            "Each column may be followed by desc (or asc, the default). The sort is stable: rows that tie keep their order. Missing values go last. Without a name the result is NAME_sorted.",
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.keys, keyword: "by", .expression)],
        maxResults: 1,
        provenance: .derivation,
        examples: ["sort penguins by body_mass_g desc", "sort penguins by species, bill_length_mm desc"],
        run: { context in
            let (name, dataset) = try context.dataset(.name)
            let (text, offset) = try context.expressionText(.keys)
            let frame = dataset.frame
            let keys = try context.reading(expressionAt: offset) { () throws(ExpressionError) -> [DataFrame.SortKey] in
                try ExpressionParser.parseSortKeys(text).map {
                    (key: (name: String, span: Span, descending: Bool)) throws(ExpressionError) -> DataFrame.SortKey in
                    guard frame.column(named: key.name) != nil else {
                        throw ExpressionError(
                            "no column '\(key.name)'", at: key.span,
                            hint: closestMatch(key.name, among: frame.columnNames).map { "did you mean '\($0)'?" })
                    }
                    return DataFrame.SortKey(column: key.name, descending: key.descending)
                }
            }
            let order = try frame.sortedRowOrder(by: keys)
            let result = context.targets.first ?? name + "_sorted"
            context.bindReshaped(result, frame: frame.selectingRows(order), source: "sort of \(name)", parent: dataset)
            context.print(
                "\(result): \(rowsText(frame.rowCount)) by "
                    + keys.map { $0.column + ($0.descending ? " (descending)" : "") }.joined(separator: ", "))
        })

    /// `sample D n=… | frac=… [seed=…]`.
    static let sample = CommandSpec(
        "sample", topic: "data",
        summary: "a seeded random sample of rows, without replacement",
        discussion:
            "Give n= (a number of rows) or frac= (a share). The rows keep their order in the data. Without a name the result is NAME_sample.",
        positionals: [PositionalSpec(.name, .dataset)],
        options: [
            SampleOption.count.spec,
            SampleOption.share.spec,
            CommonOption.seed.spec,
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: ["sample penguins n=50", "small = sample big frac=10% seed=7"],
        run: { context in
            let (name, dataset) = try context.dataset(.name)
            let frame = dataset.frame
            let inv = context.invocation
            guard inv.has(SampleOption.count) != inv.has(SampleOption.share) else {
                throw LanguageError.semantic(
                    "give either n= or frac=", at: inv.statement.verbRange,
                    hint: "for example: sample \(name) n=100 or sample \(name) frac=0.1")
            }
            let wanted =
                inv[SampleOption.count] ?? Int(((inv[SampleOption.share] ?? 0) * Double(frame.rowCount)).rounded())
            let count = min(wanted, frame.rowCount)
            // A partial Fisher–Yates shuffle of the row numbers, then back in data order.
            var generator = SeededGenerator(seed: UInt64(inv[CommonOption.seed]))
            var rows = Array(0..<frame.rowCount)
            for i in 0..<count {
                let j = i + generator.nextInt(below: frame.rowCount - i)
                rows.swapAt(i, j)
            }
            let picked = rows[0..<count].sorted()
            let result = context.targets.first ?? name + "_sample"
            context.bindReshaped(
                result, frame: frame.selectingRows(picked), source: "sample of \(name)", parent: dataset)
            context.print("\(result): \(count) of \(rowsText(frame.rowCount)), seed \(inv[CommonOption.seed])")
            if wanted > frame.rowCount {
                context.print("note: asked for \(wanted) rows; the data has \(frame.rowCount), so all are kept")
            }
        })

    /// `dedupe D [on COLS]`.
    static let dedupe = CommandSpec(
        "dedupe", topic: "data",
        summary: "drop repeated rows, keeping the first of each",
        discussion:
            "Rows repeat when every column is equal, or with on COLS the given columns (missing equals missing). Without a name the result is NAME_deduped.",
        positionals: [
            PositionalSpec(.name, .dataset), PositionalSpec(.cols, keyword: "on", .columns, optional: true),
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: ["dedupe penguins", "dedupe customers on email"],
        run: { context in
            let (name, dataset) = try context.dataset(.name)
            let frame = dataset.frame
            let columns = try context.columns(.cols, in: frame)
            let rows = try frame.firstRowsOfDistinct(on: columns)
            let result = context.targets.first ?? name + "_deduped"
            context.bindReshaped(result, frame: frame.selectingRows(rows), source: "dedupe of \(name)", parent: dataset)
            let on = columns.isEmpty ? "every column" : columns.joined(separator: ", ")
            context.print(
                "\(result): \(rowsText(rows.count)); \(rowsText(frame.rowCount - rows.count)) repeated \(on) and were dropped"
            )
        })
}

private enum SampleOption {
    static let count: Option<Int?> = .integer("n", 0...Int.max, help: "how many rows")
    static let share: Option<Double?> = .fraction("frac", help: "what share of the rows")
}
