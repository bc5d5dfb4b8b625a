import ColumnExpressions
import CommandLanguage
import Tabular
import Foundation

extension CommandTable {
    /// `count D by COLS`: how many rows have each value (a crosstab for two columns).
    static let count = CommandSpec(
        "count", topic: "data",
        summary: "count the rows per value of one or more columns (a crosstab for two)",
        discussion: """
            One column: each value with its count and share, most frequent first. Two columns: a \
            crosstab of counts with each row's shares. The counts are bound as a dataset (NAME_counts, \
            one row per combination, with count and share), so they can be filtered, sorted or written.
            """,
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.cols, keyword: "by", .columns)],
        maxResults: 1,
        provenance: .derivation,
        examples: ["count penguins by species", "count penguins by island, species"],
        run: runCount)

    private static func runCount(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        let frame = dataset.frame
        let columns = try context.columns(.cols, in: frame)
        let (ids, firstRows) = try frame.groupIDs(on: columns)
        var counts = [Int](repeating: 0, count: firstRows.count)
        for g in ids { counts[g] += 1 }
        // Most frequent first; ties in order of first appearance.
        let order = counts.indices.sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
        let keyColumns = columns.compactMap { frame.column(named: $0) }.map {
            Column(name: $0.name, data: $0.data.selecting(order.map { firstRows[$0] }))
        }
        let total = Double(max(1, frame.rowCount))
        let result = try DataFrame(
            columns: keyColumns + [
                Column(name: "count", data: .numeric(order.map { Double(counts[$0]) })),
                Column(name: "share", data: .numeric(order.map { Double(counts[$0]) / total })),
            ])
        let bound = context.targets.first ?? name.replacingOccurrences(of: ".", with: "_") + "_counts"
        context.bindReshaped(bound, frame: result, source: "count of \(name)", parent: dataset, derivations: [])
        func text(_ column: Column, _ row: Int) -> String { column.text(at: row) ?? "(missing)" }
        // Two columns: a crosstab while it fits a screen (rows are the first column's values,
        // columns the second's, by frequency); beyond, the long table of combinations.
        let pair =
            columns.count == 2
            ? frame.column(named: columns[0]).flatMap { a in frame.column(named: columns[1]).map { (a, $0) } } : nil
        let crosstab = pair.map {
            (Self.valuesByFrequency($0.0, frame.rowCount), Self.valuesByFrequency($0.1, frame.rowCount))
        }
        if let (a, b) = pair, let (rowValues, columnValues) = crosstab, rowValues.count <= Self.crosstabLimit,
            columnValues.count <= Self.crosstabColumnLimit
        {
            var cell: [String: [String: Int]] = [:]
            for r in 0..<frame.rowCount { cell[text(a, r), default: [:]][text(b, r), default: 0] += 1 }
            var table = TextTable(
                headers: [columns[0]] + columnValues + ["total"],
                alignments: [.left] + Array(repeating: .right, count: columnValues.count + 1))
            for value in rowValues {
                let rowTotal = columnValues.reduce(0) { $0 + (cell[value]?[$1] ?? 0) }
                table.add(
                    [value]
                        + columnValues.map { v in
                            let n = cell[value]?[v] ?? 0
                            return "\(n) (\(formatPercent(rowTotal == 0 ? 0 : Double(n) / Double(rowTotal))))"
                        } + [String(rowTotal)])
            }
            context.print(
                "\(bound): \(columns[0]) × \(columns[1]) in \(name) (\(rowsText(frame.rowCount)); shares of each row)")
            context.print(table)
        } else {
            var table = TextTable(
                headers: columns + ["count", "share"],
                alignments: Array(repeating: .left, count: columns.count) + [.right, .right])
            for r in 0..<min(result.rowCount, 30) {
                table.add(
                    keyColumns.map { text($0, r) } + [
                        String(counts[order[r]]), formatPercent(Double(counts[order[r]]) / total),
                    ])
            }
            context.print(
                "\(bound): \(result.rowCount) distinct value\(result.rowCount == 1 ? "" : "s") of \(columns.joined(separator: ", ")) in \(name) (\(rowsText(frame.rowCount)))"
            )
            context.print(table)
            if result.rowCount > 30 {
                context.print("… \(result.rowCount - 30) more (show \(bound) rows=\(result.rowCount))")
            }
        }
    }

    /// The most distinct values a crosstab's rows show, and its columns (each cell is "n (share)").
    static let crosstabLimit = 20
    static let crosstabColumnLimit = 8

    /// A column's values, most frequent first (numbers in their order), "(missing)" for missing.
    private static func valuesByFrequency(_ column: Column, _ rows: Int) -> [String] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for r in 0..<rows {
            let v = column.text(at: r) ?? "(missing)"
            if counts[v] == nil { order.append(v) }
            counts[v, default: 0] += 1
        }
        if column.kind == .number {
            return order.sorted { a, b in
                switch (Double(a), Double(b)) {
                case (let x?, let y?): x < y
                case (nil, _?): false
                case (_?, nil): true
                default: a < b
                }
            }
        }
        let n = order.map { counts[$0, default: 0] }
        return order.indices.sorted { n[$0] > n[$1] || (n[$0] == n[$1] && $0 < $1) }.map { order[$0] }
    }

    /// `group D by COLS NAME = SUMMARY(EXPRESSION), …`.
    static let group = CommandSpec(
        "group", topic: "data",
        summary: "summarise the rows of each group: count, sum, mean, median, min, max, std, distinct",
        discussion: """
            One row per distinct combination of the key columns (missing is a value of its own), \
            sorted by the keys, with each NAME = SUMMARY(EXPRESSION): count() counts rows, count(x) \
            the rows where x is present, distinct(x) its distinct values; sum, mean, median, min, max \
            and std (sample, n − 1) take numbers and leave missing values out. The expression may be \
            any column expression (mean(body_mass_g / 1000)). Without a name the result is NAME_groups.
            """,
        positionals: [
            PositionalSpec(.name, .dataset), PositionalSpec(.cols, keyword: "by", .columns),
            PositionalSpec(.summaries, .expression),
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: [
            "group penguins by species n = count(), mass = mean(body_mass_g)",
            "group penguins by island, sex birds = count(), longest = max(flipper_length_mm)",
        ],
        run: runGroup)

    private static func runGroup(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        let frame = dataset.frame
        let columns = try context.columns(.cols, in: frame)
        let (text, offset) = try context.expressionText(.summaries)
        let aggregations = try context.reading(expressionAt: offset) { () throws(ExpressionError) -> [Aggregation] in
            try Aggregation.parse(text, schema: ExpressionSchema(frame))
        }
        for a in aggregations where columns.contains(a.name) || aggregations.filter({ $0.name == a.name }).count > 1 {
            throw LanguageError.semantic(
                "'\(a.name)' names two columns of the result", at: SourceRange(offset, offset + text.count),
                hint: "give each summary its own name")
        }
        let (ids, firstRows) = try frame.groupIDs(on: columns)
        // Groups sorted by their keys (numbers by value, text alphabetically, missing last).
        let keyFrame = try frame.selectingColumns(columns).selectingRows(firstRows)
        let order = try keyFrame.sortedRowOrder(by: columns.map { DataFrame.SortKey(column: $0) })
        var evaluator = ExpressionEvaluator(frame: frame)
        var summaries: [Column] = []
        for a in aggregations {
            summaries.append(
                try context.reading(expressionAt: offset) { () throws(ExpressionError) -> Column in
                    try a.values(over: frame, ids: ids, groups: firstRows.count, evaluator: &evaluator)
                })
        }
        let result = try DataFrame(
            columns: keyFrame.selectingRows(order).columns
                + summaries.map { Column(name: $0.name, data: $0.data.selecting(order)) })
        let bound = context.targets.first ?? name.replacingOccurrences(of: ".", with: "_") + "_groups"
        context.bindReshaped(bound, frame: result, source: "group of \(name)", parent: dataset, derivations: [])
        context.print(
            "\(bound): \(result.rowCount) group\(result.rowCount == 1 ? "" : "s") of \(columns.joined(separator: ", ")) in \(name) (\(rowsText(frame.rowCount)))"
        )
        var table = TextTable(
            headers: result.columnNames, alignments: result.columns.map { $0.kind == .number ? .right : .left })
        for r in 0..<min(result.rowCount, 30) {
            table.add(
                result.columns.map { c in
                    if case .numeric(let v) = c.data { return v[r].isNaN ? "(missing)" : formatStatistic(v[r]) }
                    return c.text(at: r) ?? "(missing)"
                })
        }
        context.print(table)
        if result.rowCount > 30 {
            context.print("… \(result.rowCount - 30) more (show \(bound) rows=\(result.rowCount))")
        }
        context.printNotes(evaluator.notes)
    }
}
