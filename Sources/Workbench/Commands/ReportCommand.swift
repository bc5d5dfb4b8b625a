import CommandLanguage
import Foundation

extension CommandTable {
    /// `report "PATH.html|.md|.ipynb"`: the session so far as a notebook people can read.
    static let report = CommandSpec(
        "report", topic: "session",
        summary: "write this session so far as an HTML page, Markdown or a Jupyter notebook, with charts",
        discussion: """
            The format follows the extension. .html: one self-contained page (no scripts, no external \
            fonts) with a table of contents, every cell's command and output, tables as HTML tables, \
            charts as inline SVG and the model cards of the session's models; it prints cleanly to PDF. \
            .md: Markdown, with the charts as SVG files in NAME_files/ beside it. .ipynb: a Jupyter \
            notebook (nbformat 4) whose cells are the commands with their outputs, charts as SVG. \
            Files are written atomically; an existing file is replaced only with overwrite=yes. From the shell, workbench report SESSION.wbt -o PATH replays \
            a recorded transcript and writes its report.
            """,
        positionals: [PositionalSpec(.path, .path)],
        options: [
            CommonOption.overwrite.help("replace an existing report (and its chart files)").spec
        ],
        examples: ["report \"penguins.html\"", "report \"notes/penguins.md\"", "report \"penguins.ipynb\""],
        reopen: .actsOutside,
        run: { context in
            let target = try context.fileTarget()
            let written = target.shown
            _ = try ReportWriter.format(of: target.path)
            _ = try target.destination()
            let session = context.session
            let source = session.transcriptPath.map { "session recorded to \($0)" } ?? "interactive session"
            let report = SessionReport(session: session, title: "Workbench session", source: source)
            let files = try ReportWriter.write(report, to: target)
            context.recordWritten(
                WrittenFile(
                    path: written,
                    stableText: SessionReport.stableText(of: session, format: try ReportWriter.format(of: target.path)))
            )
            let charts = report.cells.reduce(0) { $0 + $1.output.charts.count }
            context.print(
                "wrote \(written): \(report.cells.count) cell\(report.cells.count == 1 ? "" : "s"), \(charts) chart\(charts == 1 ? "" : "s"), \(report.cards.count) model card\(report.cards.count == 1 ? "" : "s")"
                    + (files.count > 1
                        ? " (+ \(files.count - 1) SVG file\(files.count == 2 ? "" : "s") in \(((written as NSString).deletingPathExtension as NSString).lastPathComponent)_files/)"
                        : ""))
        })
}
