import CommandLanguage
import Tabular

extension CommandTable {
    /// `show NAME [rows=N]`: the first rows of a dataset as a table.
    static let show = CommandSpec(
        "show", topic: "data",
        summary: "print the first rows of a dataset",
        discussion:
            "Missing values print as an empty cell. Wide tables are cut to the terminal width; columns that do not fit are named below the table.",
        positionals: [PositionalSpec(.name, .dataset)],
        options: [CommonOption.rows.spec],
        examples: ["show penguins", "show penguins.train rows=5"],
        reopen: .shows,
        run: { context in
            let (_, dataset) = try context.dataset(.name)
            let frame = dataset.frame
            let limit = min(frame.rowCount, context.invocation[CommonOption.rows])
            var table = TextTable(
                headers: ["#"] + frame.columnNames,
                alignments: [.right] + frame.columns.map { $0.kind == .number ? .right : .left })
            for row in 0..<limit {
                table.add([String(row + 1)] + frame.columns.map { $0.text(at: row) ?? "" })
            }
            context.print(table)
            if limit < frame.rowCount {
                context.print("… \(frame.rowCount - limit) more rows (\(frame.rowCount) in all)")
            }
        })
}
