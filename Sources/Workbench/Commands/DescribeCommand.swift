import Charts
import Tabular

extension CommandTable {
    /// `describe NAME`: per-column type, counts, missing values and statistics.
    static let describe = CommandSpec(
        "describe", topic: "data",
        summary: "summarise each column: type, count, missing, statistics or top levels",
        discussion: """
            Numbers: mean, standard deviation (n − 1), min, quartiles (linear interpolation, like pandas), \
            max and a 10-bin histogram from min to max. Text: distinct values and the most frequent ones.
            """,
        positionals: [PositionalSpec("NAME", .dataset)],
        examples: ["describe penguins"],
        run: { context in
            let (name, dataset) = try context.dataset("NAME")
            let frame = dataset.frame
            let summaries = ColumnSummary.summaries(of: frame)
            context.print("\(name): \(frame.rowCount) rows × \(frame.columnCount) columns")
            let numeric = summaries.filter { $0.kind == .number }
            if !numeric.isEmpty {
                context.output.blank()
                var table = TextTable(
                    headers: ["column", "type", "count", "missing", "mean", "std", "min", "25%", "50%", "75%", "max", "histogram"],
                    alignments: [.left, .left] + Array(repeating: .right, count: 9) + [.left])
                for s in numeric {
                    let type = frame.column(named: s.name)?.isIntegral == true ? "int" : "float"
                    if let n = s.numeric {
                        let histogram = Histogram(title: s.name, minimum: n.min, maximum: n.max, counts: n.histogram)
                        table.add([s.name, type, String(s.count), String(s.missing)]
                            + [n.mean, n.std, n.min, n.q25, n.median, n.q75, n.max].map { formatStatistic($0) }
                            + [sparkline(n.histogram)], charts: [11: .histogram(histogram)])
                    } else {
                        table.add([s.name, "empty", "0", String(s.missing)] + Array(repeating: "", count: 8))
                    }
                }
                context.print(table)
            }
            let text = summaries.filter { $0.kind == .text }
            if !text.isEmpty {
                context.output.blank()
                var table = TextTable(headers: ["column", "type", "count", "missing", "distinct", "top values"],
                                      alignments: [.left, .left, .right, .right, .right, .left])
                for s in text {
                    let stats = s.text
                    let top = stats?.top.map { "\($0.level) (\($0.count))" }.joined(separator: ", ") ?? ""
                    let more = (stats?.distinct ?? 0) > (stats?.top.count ?? 0) ? ", …" : ""
                    table.add([s.name, "text", String(s.count), String(s.missing), String(stats?.distinct ?? 0), top + more])
                }
                context.print(table)
            }
        })

    /// Bin heights as ASCII levels, so the same bytes show on any terminal and in transcripts
    /// (Unicode terminals and reports draw the cell's histogram chart instead).
    static func sparkline(_ counts: [Int]) -> String {
        TerminalRenderer.sparkline(counts, style: .ascii)
    }
}
