import Charts
import CommandLanguage
import Learning
import Tabular

extension CommandTable {
    /// `describe NAME`: per-column type, counts, missing values and statistics.
    static let describe = CommandSpec(
        "describe", topic: "data",
        summary: "summarise each column: type, count, missing, statistics or top levels",
        discussion: """
            Numbers: mean, standard deviation (n − 1), min, quartiles (linear interpolation, like pandas), \
            max and a 10-bin histogram from min to max. Text: distinct values and the most frequent ones. \
            A role column (shown when some column has one) flags columns worth a second look before \
            training: identifier (unique per row, or counting up row by row), constant or near-constant, \
            mostly missing (over 90%), free text, high-cardinality text, and dates (with the format found); \
            suggestions follow the tables.
            """,
        positionals: [PositionalSpec(.name, .dataset)],
        examples: ["describe penguins"],
        reopen: .shows,
        run: { context in
            let (name, dataset) = try context.dataset(.name)
            let frame = dataset.frame
            let summaries = ColumnSummary.summaries(of: frame)
            let roles = Dictionary(
                ColumnRole.detect(in: frame).map { ($0.name, $0.role) }, uniquingKeysWith: { a, _ in a })
            let role = { (name: String) in roles[name]??.name ?? "" }
            context.print("\(name): \(frame.rowCount) rows × \(frame.columnCount) columns")
            let numeric = summaries.filter { $0.kind == .number }
            if !numeric.isEmpty {
                context.output.blank()
                // The role column is shown when some column of the table has a role.
                let roleColumn = numeric.contains { !role($0.name).isEmpty } ? [role] : []
                let r = roleColumn.count
                var table = TextTable(
                    headers: ["column", "type"] + roleColumn.map { _ in "role" } + [
                        "count", "missing", "mean", "std", "min", "25%", "50%", "75%", "max", "histogram",
                    ],
                    alignments: [.left, .left] + roleColumn.map { _ in .left } + Array(repeating: .right, count: 9) + [
                        .left
                    ])
                for s in numeric {
                    let type = frame.column(named: s.name)?.isIntegral == true ? "int" : "float"
                    if let n = s.numeric {
                        let histogram = Histogram(title: s.name, minimum: n.min, maximum: n.max, counts: n.histogram)
                        table.add(
                            [s.name, type] + roleColumn.map { $0(s.name) } + [String(s.count), String(s.missing)]
                                + [n.mean, n.std, n.min, n.q25, n.median, n.q75, n.max].map { formatStatistic($0) }
                                + [sparkline(n.histogram)], charts: [11 + r: .histogram(histogram)])
                    } else {
                        table.add(
                            [s.name, "empty"] + roleColumn.map { $0(s.name) } + ["0", String(s.missing)]
                                + Array(repeating: "", count: 8))
                    }
                }
                context.print(table)
            }
            let text = summaries.filter { $0.kind == .text }
            if !text.isEmpty {
                context.output.blank()
                let roleColumn = text.contains { !role($0.name).isEmpty } ? [role] : []
                var table = TextTable(
                    headers: ["column", "type"] + roleColumn.map { _ in "role" } + [
                        "count", "missing", "distinct", "top values",
                    ],
                    alignments: [.left, .left] + roleColumn.map { _ in .left } + [.right, .right, .right, .left])
                for s in text {
                    let stats = s.text
                    let top = stats?.top.map { "\($0.level) (\($0.count))" }.joined(separator: ", ") ?? ""
                    let more = (stats?.distinct ?? 0) > (stats?.top.count ?? 0) ? ", …" : ""
                    table.add(
                        [s.name, "text"] + roleColumn.map { $0(s.name) } + [
                            String(s.count), String(s.missing), String(stats?.distinct ?? 0), top + more,
                        ])
                }
                context.print(table)
            }
            let suggestions = frame.columnNames.compactMap { name in
                roles[name].flatMap { $0 }.map { roleSuggestion(column: name, role: $0) }
            }
            if !suggestions.isEmpty {
                context.output.blank()
                context.print("suggestions:")
                for line in suggestions { context.print("- " + line) }
            }
        })

    /// What to do about a column with `role`, in one line.
    static func roleSuggestion(column name: String, role: ColumnRole) -> String {
        switch role {
        case .identifier(.unique):
            return "\(name) is an identifier (a different value in every row): models leave it out"
        case .identifier(.sequence):
            return "\(name) is an identifier (it counts up row by row): models leave it out"
        case .constant(let value?):
            return "\(name) is constant ('\(value)' in every row): models leave it out"
        case .constant(nil):
            return "\(name) is empty in every row: models leave it out"
        case .nearConstant(let value, let share):
            return
                "\(name) is '\(value)' in \(formatPercent(share)) of rows: it carries little information; drop=[\(name)] to leave it out"
        case .mostlyMissing(let share):
            return
                "\(name) is missing in \(formatPercent(share)) of rows: drop=[\(name)] to leave it out, or missing_indicators=yes to learn from its absence"
        case .freeText(let distinct):
            return "\(name) is free text (\(distinct) different values): models leave it out"
        case .highCardinality(let distinct):
            return
                "\(name) has \(distinct) different values: one-hot encoding makes \(distinct) inputs; drop=[\(name)] to leave it out"
        case .date(let d):
            let unparsed =
                d.firstUnparsed.map { "; mixed formats: '\($0.value)' (row \($0.row + 1)) is not \(d.format)" } ?? ""
            let parts = DateStep.parts(for: d.format).map(\.rawValue).joined(separator: ", ")
            return "\(name) holds dates (\(d.format))\(unparsed): models use its \(parts)"
        }
    }

    /// `93%`, or one decimal between 99% and 100%.
    static func formatPercent(_ share: Double) -> String {
        let percent = share * 100
        return (percent >= 99 && percent < 100 ? formatFixed(percent, decimals: 1) : String(Int(percent.rounded())))
            + "%"
    }

    /// Bin heights as ASCII levels, so the same bytes show on any terminal and in transcripts
    /// (Unicode terminals and reports draw the cell's histogram chart instead).
    static func sparkline(_ counts: [Int]) -> String {
        TerminalRenderer.sparkline(counts, style: .ascii)
    }
}
