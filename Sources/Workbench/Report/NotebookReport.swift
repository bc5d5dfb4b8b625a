import Charts

/// A session as a Jupyter notebook (nbformat 4.5): a Markdown cell naming Workbench, then one
/// cell per command with its outputs — text as a stream, tables as HTML with a plain-text
/// alternative, charts as `image/svg+xml` with the ASCII drawing as `text/plain`.
///
/// The command cells are code cells in a notebook whose language is `workbench`, so Jupyter shows
/// their outputs but has no kernel to run them: re-run a session with `workbench replay`.
enum NotebookReport {
    static func render(_ report: SessionReport) -> String {
        var cells: [JSON] = []
        var intro =
            "# \(report.title)\n\nA Workbench session: \(report.cells.count) cell\(report.cells.count == 1 ? "" : "s"), \(report.source), Workbench \(workbenchVersion).\n\nThe cells below are Workbench commands, not Python; their outputs are as Workbench printed them. Re-run the session with `workbench replay`."
        for note in report.notes { intro += "\n\n> " + note }
        cells.append(markdownCell(id: "intro", intro))
        for cell in report.cells {
            cells.append(
                .object([
                    ("cell_type", .string("code")),
                    ("execution_count", .number(cell.number)),
                    ("id", .string("cell-\(cell.number)")),
                    (
                        "metadata",
                        .object([
                            (
                                "workbench",
                                .object([("cell", .number(cell.number)), ("succeeded", .bool(cell.succeeded))])
                            )
                        ])
                    ),
                    ("outputs", .array(outputs(cell))),
                    ("source", lines(cell.command)),
                ]))
        }
        if !report.cards.isEmpty {
            cells.append(
                markdownCell(
                    id: "model-cards", "## Model cards\n\n" + report.cards.map(\.markdown).joined(separator: "\n")))
        }
        let notebook = JSON.object([
            ("cells", .array(cells)),
            (
                "metadata",
                .object([
                    ("language_info", .object([("name", .string("workbench")), ("file_extension", .string(".wb"))])),
                    (
                        "workbench",
                        .object([("version", .string(workbenchVersion)), ("source", .string(report.source))])
                    ),
                ])
            ),
            ("nbformat", .number(4)),
            ("nbformat_minor", .number(5)),
        ])
        return notebook.text(indent: 0) + "\n"
    }

    static func markdownCell(id: String, _ text: String) -> JSON {
        .object([
            ("cell_type", .string("markdown")), ("id", .string(id)), ("metadata", .object([])), ("source", lines(text)),
        ])
    }

    /// Text as nbformat's list of lines, each but the last ending in a newline.
    static func lines(_ text: String) -> JSON {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return .array(parts.enumerated().map { .string($1 + ($0 < parts.count - 1 ? "\n" : "")) })
    }

    static func outputs(_ cell: Cell) -> [JSON] {
        var result: [JSON] = []
        var text: [String] = []
        func flush() {
            guard !text.isEmpty else { return }
            result.append(
                .object([
                    ("name", .string(cell.succeeded ? "stdout" : "stderr")), ("output_type", .string("stream")),
                    ("text", lines(text.map(Output.stripMarkers).joined(separator: "\n") + "\n")),
                ]))
            text = []
        }
        var charts = 0, tables = 0
        for block in cell.output.blocks {
            switch block {
            case .text(let line):
                text.append(line)
            case .table(let table, _):
                flush()
                tables += 1
                let plain = block.plainLines.map(Output.stripMarkers).joined(separator: "\n")
                result.append(
                    display([
                        ("text/html", lines(HTMLReport.htmlTable(table, id: "cell-\(cell.number)-table-\(tables)"))),
                        ("text/plain", lines(plain)),
                    ]))
            case .figure(let chart, let plain):
                flush()
                charts += 1
                let svg = SVGRenderer.render(chart, id: SessionReport.chartID(cell: cell.number, index: charts))
                result.append(
                    display([
                        ("image/svg+xml", lines(svg)),
                        ("text/plain", lines(plain.map(Output.stripMarkers).joined(separator: "\n"))),
                    ]))
            }
        }
        flush()
        return result
    }

    static func display(_ data: [(String, JSON)]) -> JSON {
        .object([("data", .object(data)), ("metadata", .object([])), ("output_type", .string("display_data"))])
    }
}
