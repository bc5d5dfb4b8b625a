import Foundation
import Testing
import TestSupport
@testable import Workbench

@Suite("Reports: HTML, Markdown and Jupyter from a session or a transcript")
struct ReportTests {
    /// A session with a table, charts of several kinds and a model.
    private func chartSession() -> Session {
        let session = makeSession()
        run(
            session, #"load "examples/penguins.csv""#, "describe penguins",
            "split penguins test=0.25 stratify=species seed=3",
            "m = train linear on penguins.train target=species", "evaluate m on penguins.test",
            "plot roc m on penguins.test",
            "explain m on penguins.test", "shwo penguins")
        return session
    }

    @Test func htmlIsSelfContained() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = chartSession()
        let cell = try #require(run(session, "report \"\(folder)/s.html\""))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(cell.output.plainText.contains("8 cells, 2 charts, 1 model card"))
        let html = try String(contentsOfFile: folder + "/s.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<nav id=\"contents\">"))
        for n in 1...8 { #expect(html.contains("<section class=\"cell") && html.contains("id=\"cell-\(n)\"")) }
        #expect(
            html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"cell-5-chart-1\""), "the confusion matrix")
        #expect(html.contains("id=\"cell-6-chart-1\""), "the ROC curve")
        #expect(html.contains("<table id=\"cell-2-table-1\">"), "describe's table as an HTML table")
        #expect(html.contains("class=\"spark\""), "describe's histograms")
        #expect(html.contains("<h1>Model card: m</h1>"))
        #expect(html.contains("@media print"))
        #expect(html.contains("class=\"cell failed\""), "the failed cell is marked")
        #expect(!html.contains("<script") && !html.contains("@import") && !html.contains("<link"))
        let urls = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(urls == namespaces, "no URL but the SVG namespace")
        // Written atomically: no temporary file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["s.html"])
    }

    @Test func markdownWritesChartsBeside() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = chartSession()
        let cell = try #require(run(session, "report \"\(folder)/notes.md\""))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let md = try String(contentsOfFile: folder + "/notes.md", encoding: .utf8)
        #expect(
            md.contains("![confusion matrix (rows: true class, columns: predicted)](notes_files/cell-5-chart-1.svg)"))
        #expect(md.contains("| column | type | count |"))
        #expect(md.contains("## Model card: m"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/notes_files").sorted()
        #expect(files == ["cell-5-chart-1.svg", "cell-6-chart-1.svg"])
    }

    @Test func notebookIsNbformat4() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = chartSession()
        let cell = try #require(run(session, "report \"\(folder)/s.ipynb\""))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/s.ipynb"))
        let notebook = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(notebook["nbformat"] as? Int == 4)
        let cells = try #require(notebook["cells"] as? [[String: Any]])
        #expect(cells.count == 1 + 8 + 1)
        let roc = cells[6]
        #expect((roc["source"] as? [String]) == ["plot roc m on penguins.test"])
        let outputs = try #require(roc["outputs"] as? [[String: Any]])
        let svg = outputs.compactMap { ($0["data"] as? [String: Any])?["image/svg+xml"] }
        #expect(svg.count == 1)
    }

    @Test func unknownExtensionIsRefused() throws {
        let session = chartSession()
        let cell = try #require(run(session, "report \"s.pdf\""))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains("end the path in .html"))
        let missing = try #require(run(session, "report \"/nonexistent-folder/s.html\""))
        #expect(!missing.succeeded && missing.output.plainText.contains("no folder"))
    }

    @Test func transcriptReplayRegainsCharts() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try SessionReport.replaying(transcriptAt: repositoryRoot + "/sessions/report-charts.wbt")
        #expect(report.notes.isEmpty, "\(report.notes)")
        #expect(report.cells.reduce(0) { $0 + $1.output.charts.count } >= 4)
        #expect(!report.cards.isEmpty)
        // The charts are the same on every replay (timings elsewhere on the page vary).
        func svgs(_ html: String) -> [String] {
            html.components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        }
        let again = try SessionReport.replaying(transcriptAt: repositoryRoot + "/sessions/report-charts.wbt")
        #expect(svgs(HTMLReport.render(report)) == svgs(HTMLReport.render(again)))
    }

    @Test func commandLineReport() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try runBinary(["report", "sessions/report-charts.wbt", "-o", folder + "/r.html"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("wrote \(folder)/r.html"))
        #expect(FileManager.default.fileExists(atPath: folder + "/r.html"))
        let bad = try runBinary(["report", "sessions/nope.wbt", "-o", folder + "/r.html"])
        #expect(bad.status == 2 && bad.err.contains("no such transcript"))
    }

    @Test func commandsAndOutputAreEscaped() throws {
        let session = makeSession()
        run(session, #"load "<script>alert(1)</script>.csv""#, "note x \"a & b\"")
        let report = SessionReport(session: session, title: "T <b>", source: "test")
        let html = HTMLReport.render(report)
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;.csv"))
        #expect(html.contains("<title>T &lt;b&gt;</title>"))
        let notebook = NotebookReport.render(report)
        #expect(notebook.contains(#""load \"<script>alert(1)</script>.csv\"""#), "JSON strings escape quotes")
    }

    @Test func markdownCardsBecomeHTML() {
        let html = MarkdownHTML.render(
            "# Title\n\nSome **bold** and `code <x>`.\n\n- one\n  - nested\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n_Not stated._\n"
        )
        #expect(html.contains("<h1>Title</h1>"))
        #expect(html.contains("<strong>bold</strong>") && html.contains("<code>code &lt;x&gt;</code>"))
        #expect(html.contains("<ul>\n<li>one<ul>\n<li>nested</li></ul>\n</li>\n<li>two</li></ul>"))
        #expect(html.contains("<thead><tr><th>a</th><th>b</th></tr></thead>"))
        #expect(html.contains("<p><em>Not stated.</em></p>"))
    }
}
