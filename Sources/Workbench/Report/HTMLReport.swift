import Charts

/// A session as one self-contained HTML page: a table of contents, every cell's command and
/// output (text as preformatted blocks, tables as HTML tables, charts as inline SVG), and the
/// model cards. No scripts, no external fonts or stylesheets; prints cleanly to PDF.
enum HTMLReport {
    static func render(_ report: SessionReport) -> String {
        var body =
            "<p class=\"meta\">\(report.cells.count) cell\(report.cells.count == 1 ? "" : "s") · \(escape(report.source)) · Workbench \(workbenchVersion)</p>\n"
        for note in report.notes { body += "<p class=\"note\">\(escape(note))</p>\n" }
        body += "</header>\n" + tableOfContents(report) + "<main>\n"
        for cell in report.cells { body += section(cell) }
        if !report.cards.isEmpty {
            body += "<section id=\"model-cards\" class=\"cards\">\n<h2>Model cards</h2>\n"
            for card in report.cards {
                body +=
                    "<article class=\"card\" id=\"card-\(anchor(card.name))\">\n" + MarkdownHTML.render(card.markdown)
                    + "</article>\n"
            }
            body += "</section>\n"
        }
        return page(title: report.title, body: body + "</main>\n", headerOpen: true)
    }

    /// The page around `body`: head with the stylesheet, the title as h1. With `headerOpen`, the
    /// body closes the header itself (after its notes); otherwise it is closed after the title.
    static func page(title: String, body: String, headerOpen: Bool = false) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="Workbench \(workbenchVersion)">
        <title>\(escape(title))</title>
        <style>
        \(stylesheet)
        </style>
        </head>
        <body>
        <header>
        <h1>\(escape(title))</h1>

        """ + (headerOpen ? "" : "</header>\n") + body + "</body>\n</html>\n"
    }

    static func tableOfContents(_ report: SessionReport) -> String {
        var html = "<nav id=\"contents\">\n<h2>Contents</h2>\n<ol class=\"cells\">\n"
        for cell in report.cells {
            let charts = cell.output.charts.count
            html +=
                "<li><a href=\"#cell-\(cell.number)\"><span class=\"n\">[\(cell.number)]</span> <code>\(escape(cell.command))</code></a>"
                + (charts > 0 ? " <span class=\"tag\">\(charts) chart\(charts == 1 ? "" : "s")</span>" : "")
                + (cell.succeeded ? "" : " <span class=\"tag error\">error</span>") + "</li>\n"
        }
        html += "</ol>\n"
        if !report.cards.isEmpty {
            html += "<h3><a href=\"#model-cards\">Model cards</a></h3>\n<ul>\n"
            for card in report.cards {
                html += "<li><a href=\"#card-\(anchor(card.name))\">\(escape(card.name))</a></li>\n"
            }
            html += "</ul>\n"
        }
        return html + "</nav>\n"
    }

    static func section(_ cell: Cell) -> String {
        var html = "<section class=\"cell\(cell.succeeded ? "" : " failed")\" id=\"cell-\(cell.number)\">\n"
        html +=
            "<h2 class=\"command\"><span class=\"prompt\">[\(cell.number)]&gt;</span> <code>\(escape(cell.command))</code></h2>\n"
        var text: [String] = []
        func flush() {
            // Trailing blank lines only space the terminal's output.
            while text.last?.isEmpty == true { text.removeLast() }
            while text.first?.isEmpty == true { text.removeFirst() }
            if !text.isEmpty {
                html += "<pre>" + text.map { escape(Output.stripMarkers($0)) }.joined(separator: "\n") + "</pre>\n"
            }
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
                html += htmlTable(table, id: "cell-\(cell.number)-table-\(tables)")
            case .figure(let chart, _):
                flush()
                charts += 1
                let id = SessionReport.chartID(cell: cell.number, index: charts)
                html +=
                    "<figure class=\"chart\" data-chart=\"\(id)\">" + SVGRenderer.render(chart, id: id)
                    + "</figure>\n"
            }
        }
        flush()
        return html + "</section>\n"
    }

    /// A table with its full cell texts (not cut to a terminal's width) and charts drawn in cells.
    static func htmlTable(_ table: TextTable, id: String) -> String {
        var html = "<div class=\"table\"><table id=\"\(id)\">\n<thead><tr>"
        for (c, header) in table.headers.enumerated() {
            html += "<th class=\"\(align(table, c))\">\(escape(Output.stripMarkers(header)))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for (r, row) in table.rows.enumerated() {
            html += "<tr>"
            for c in table.headers.indices {
                let content: String
                switch table.chart(row: r, column: c) {
                case .histogram(let h)?:
                    content = SVGRenderer.sparkline(h.counts, id: "\(id)-r\(r)-c\(c)")
                case .some(let chart):
                    content = SVGRenderer.render(chart, id: "\(id)-r\(r)-c\(c)")
                case nil:
                    content = c < row.count ? escape(Output.stripMarkers(row[c]).trimmingSpaces()) : ""
                }
                html += "<td class=\"\(align(table, c))\">\(content)</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody></table></div>\n"
        // Histograms in cells are sparklines in the table; below it, each drawn with its axes.
        let histograms = table.rows.indices.flatMap { r in
            table.headers.indices.compactMap { c -> (Int, Histogram)? in
                if case .histogram(let h)? = table.chart(row: r, column: c) { (r, h) } else { nil }
            }
        }
        if !histograms.isEmpty {
            html += "<div class=\"histograms\">"
            for (r, h) in histograms { html += SVGRenderer.render(.histogram(h), id: "\(id)-histogram-\(r + 1)") }
            html += "</div>\n"
        }
        return html
    }

    static func align(_ table: TextTable, _ column: Int) -> String {
        column < table.alignments.count && table.alignments[column] == .right ? "r" : "l"
    }

    static func escape(_ text: String) -> String { ChartFormat.escapeXML(text) }

    /// An id-safe form of a name.
    static func anchor(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    static let stylesheet = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #222; background: #fff; margin: 0 auto; max-width: 1040px; padding: 24px 32px 64px; line-height: 1.45; }
        h1 { font-size: 1.7em; margin: 0 0 4px; }
        .meta { color: #666; margin: 0 0 12px; }
        .note { background: #fff4e5; border-left: 4px solid #e69f00; padding: 6px 10px; }
        nav#contents { border: 1px solid #ddd; border-radius: 6px; padding: 8px 20px 12px; margin: 16px 0 28px; background: #fafafa; }
        nav#contents h2 { font-size: 1.1em; }
        nav#contents ol, nav#contents ul { margin: 4px 0; padding-left: 24px; }
        nav#contents a { color: #0b5394; text-decoration: none; }
        .tag { font-size: 0.75em; background: #e8f0fb; color: #0b5394; border-radius: 8px; padding: 1px 6px; }
        .tag.error { background: #fde8e8; color: #a30000; }
        section.cell { border-top: 1px solid #e5e5e5; padding: 10px 0 6px; }
        h2.command { font-size: 1em; font-weight: 600; margin: 4px 0 8px; }
        h2.command code { font-size: 1.05em; }
        .prompt { color: #0072b2; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        pre { background: #f6f8fa; border-radius: 4px; padding: 8px 10px; overflow-x: auto; font-size: 0.85em; margin: 6px 0; white-space: pre; }
        section.failed pre { background: #fff0f0; color: #8a0000; }
        div.table { overflow-x: auto; margin: 6px 0; }
        table { border-collapse: collapse; font-size: 0.85em; }
        th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; vertical-align: middle; white-space: nowrap; }
        th { background: #f2f4f7; text-align: left; }
        td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
        td svg { display: block; }
        div.histograms { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
        div.histograms svg { width: 320px; height: auto; border: 1px solid #eee; }
        @media print { div.histograms { break-inside: avoid; } }
        figure.chart { margin: 10px 0; }
        figure.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
        section.cards article.card { border: 1px solid #ddd; border-radius: 6px; padding: 4px 18px 10px; margin: 12px 0; }
        article.card h1 { font-size: 1.3em; } article.card h2 { font-size: 1.1em; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10pt; }
          nav#contents { break-after: page; background: none; }
          nav#contents a, a { color: inherit; }
          section.cell { break-inside: auto; }
          figure.chart, table, pre, h2.command { break-inside: avoid; }
          h2.command { break-after: avoid; }
          pre { white-space: pre-wrap; overflow: visible; background: none; border: 1px solid #ddd; }
          div.table { overflow: visible; }
          figure.chart svg { border: none; }
          article.card { break-before: page; }
        }
        """
}

extension String {
    /// Without leading and trailing spaces.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
