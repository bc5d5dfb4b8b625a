import Charts
import Foundation

/// A session as Markdown: the cells with their output in fenced blocks, tables as pipe tables,
/// charts as SVG files in a folder beside the document (like nbconvert's `NAME_files`).
enum MarkdownReport {
    /// The document and the chart files (name → SVG) to write into `filesFolder`.
    static func render(_ report: SessionReport, filesFolder: String) -> (
        markdown: String, files: [(name: String, svg: String)]
    ) {
        var md =
            "# \(report.title)\n\n\(report.cells.count) cell\(report.cells.count == 1 ? "" : "s") · \(report.source) · Workbench \(workbenchVersion)\n\n"
        for note in report.notes { md += "> \(inline(note))\n\n" }
        md += "## Contents\n\n"
        for cell in report.cells { md += "- [[\(cell.number)] \(code(cell.command))](#cell-\(cell.number))\n" }
        if !report.cards.isEmpty { md += "- [Model cards](#model-cards)\n" }
        md += "\n"
        var files: [(String, String)] = []
        for cell in report.cells {
            md += "<a id=\"cell-\(cell.number)\"></a>\n\n### [\(cell.number)] \(code(cell.command))\n\n"
            var text: [String] = []
            func flush() {
                while text.last?.isEmpty == true { text.removeLast() }
                while text.first?.isEmpty == true { text.removeFirst() }
                if !text.isEmpty { md += fence(text.map(Output.stripMarkers)) }
                text = []
            }
            var charts = 0
            for block in cell.output.blocks {
                switch block {
                case .text(let line):
                    text.append(line)
                case .table(let table, _):
                    flush()
                    md += pipeTable(table)
                case .figure(let chart, _):
                    flush()
                    charts += 1
                    let id = SessionReport.chartID(cell: cell.number, index: charts)
                    files.append((id + ".svg", SVGRenderer.render(chart, id: id) + "\n"))
                    md +=
                        "![\(inline(chart.title).replacingOccurrences(of: "]", with: ")"))](\(filesFolder)/\(id).svg)\n\n"
                }
            }
            flush()
        }
        if !report.cards.isEmpty {
            md += "<a id=\"model-cards\"></a>\n\n## Model cards\n\n"
            for card in report.cards {
                // One heading level down, under "Model cards".
                md +=
                    card.markdown.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("#") ? "##" + $0 : String($0) }.joined(separator: "\n") + "\n"
            }
        }
        return (md, files)
    }

    /// Inline code that survives backticks inside it.
    static func code(_ text: String) -> String {
        text.contains("`") ? "`` " + text + " ``" : "`" + text + "`"
    }

    static func fence(_ lines: [String]) -> String {
        var marker = "```"
        while lines.contains(where: { $0.hasPrefix(marker) }) { marker += "`" }
        return marker + "text\n" + lines.joined(separator: "\n") + "\n" + marker + "\n\n"
    }

    /// Text from data for Markdown outside code: HTML's special characters as entities, so a cell
    /// holding `<script>` or `<img onerror=…>` shows as text instead of becoming markup, and line
    /// ends as spaces (a table row is one line).
    static func inline(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    static func pipeTable(_ table: TextTable) -> String {
        func cell(_ s: String) -> String {
            inline(Output.stripMarkers(s).trimmingSpaces()).replacingOccurrences(of: "|", with: "\\|")
        }
        var md = "| " + table.headers.map(cell).joined(separator: " | ") + " |\n"
        md +=
            "|"
            + table.headers.indices.map {
                table.alignments.indices.contains($0) && table.alignments[$0] == .right ? "---:" : "---"
            }.joined(separator: "|") + "|\n"
        for row in table.rows {
            md +=
                "| " + table.headers.indices.map { $0 < row.count ? cell(row[$0]) : "" }.joined(separator: " | ")
                + " |\n"
        }
        return md + "\n"
    }
}
