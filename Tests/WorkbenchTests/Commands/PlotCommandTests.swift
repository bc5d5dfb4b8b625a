import Charts
import Learning
import Foundation
import Testing
@testable import Workbench

@Suite("Charts in commands: plot, shaded confusion matrix, bars, terminal styles")
struct PlotCommandTests {
    private func penguinsSession() -> Session {
        let session = makeSession()
        run(
            session, #"load "examples/penguins.csv""#, "split penguins test=0.25 stratify=species seed=3",
            "m = train linear on penguins.train target=species")
        return session
    }

    @Test func rocCurvePerClass() throws {
        let session = penguinsSession()
        let cell = try #require(run(session, "plot roc m on penguins.test"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let chart = try #require(cell.output.charts.first)
        guard case .xy(let plot) = chart else {
            Issue.record("not an x–y plot")
            return
        }
        #expect(plot.series.count == 3)
        #expect(plot.reference == .diagonal)
        for series in plot.series {
            #expect(series.points.first == Point(0, 0) && series.points.last == Point(1, 1))
        }
        #expect(cell.output.lines.contains { $0.contains("area under the curve: Adelie") })
        // The transcript form is plain ASCII with the legend.
        let text = cell.output.transcriptLines.joined(separator: "\n")
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("* Adelie (AUC"))
    }

    @Test func precisionRecallForOneClass() throws {
        let session = penguinsSession()
        let cell = try #require(run(session, "plot pr m on penguins.test class=Gentoo"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        guard case .xy(let plot)? = cell.output.charts.first else {
            Issue.record("no chart")
            return
        }
        #expect(plot.series.count == 1 && plot.series[0].name.hasPrefix("Gentoo (AP "))
    }

    /// The reliability diagram: one point per non-empty bin, the diagonal, and the ECE that
    /// evaluate reports for the same rows (the top probability with three classes).
    @Test func calibrationDiagramAndItsError() throws {
        let session = penguinsSession()
        let cell = try #require(run(session, "plot calibration m on penguins.test"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        guard case .xy(let plot)? = cell.output.charts.first else {
            Issue.record("no chart")
            return
        }
        #expect(plot.reference == .diagonal && plot.series.count == 1)
        #expect(plot.series[0].points.allSatisfy { (0...1).contains($0.x) && (0...1).contains($0.y) })
        run(session, "e = evaluate m on penguins.test")
        guard case .evaluation(let e)? = session.lookup("e"), case .classification(let report) = e.scores,
            let calibration = report.calibration
        else {
            Issue.record("no evaluation")
            return
        }
        #expect(plot.series[0].points.count == calibration.curve.bins.count)
        #expect(
            cell.output.lines.contains {
                $0.contains(
                    "10 equal bins of the top probability (is the top class right?): ECE \(formatScore(calibration.expectedCalibrationError))"
                )
            })
        // One class against the rest with class=; an SVG like the other charts.
        let gentoo = try #require(run(session, "plot calibration m on penguins.test class=Gentoo"))
        #expect(gentoo.output.lines.contains { $0.contains("10 equal bins of P(Gentoo)") })
        guard let chart = gentoo.output.charts.first else {
            Issue.record("no chart")
            return
        }
        #expect(SVGRenderer.render(chart, id: "calibration").contains("<svg"))
    }

    @Test func calibrationIsForClassifiers() throws {
        let session = makeSession()
        run(session, #"load "examples/diabetes.csv""#, "r = train linear on diabetes target=progression")
        let cell = try #require(run(session, "plot calibration r on diabetes"))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains("r predicts numbers: calibration curves are for classifiers"))
    }

    @Test func residualsForRegression() throws {
        let session = makeSession()
        run(session, #"load "examples/diabetes.csv""#, "m = train linear on diabetes target=progression")
        let cell = try #require(run(session, "plot residuals m on diabetes"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        guard case .xy(let plot)? = cell.output.charts.first else {
            Issue.record("no chart")
            return
        }
        #expect(plot.series[0].points.count == 442)
        #expect(plot.reference == .horizontal(0))
        let roc = try #require(run(session, "plot roc m on diabetes"))
        #expect(!roc.succeeded && roc.output.plainText.contains("plot residuals m on diabetes"))
    }

    @Test func wrongKindsAreUserErrors() throws {
        let session = penguinsSession()
        let residuals = try #require(run(session, "plot residuals m on penguins.test"))
        #expect(!residuals.succeeded && residuals.output.plainText.contains("is a classifier"))
        let typo = try #require(run(session, "plot rco m on penguins.test"))
        #expect(!typo.succeeded && typo.output.plainText.contains("did you mean 'roc'?"))
        let badClass = try #require(run(session, "plot roc m on penguins.test class=Gentu"))
        #expect(!badClass.succeeded && badClass.output.plainText.contains("Gentoo"))
    }

    @Test func evaluateShowsAShadedConfusionMatrixWithTheSameText() throws {
        let session = penguinsSession()
        let cell = try #require(run(session, "evaluate m on penguins.test"))
        guard case .heatmap(let heatmap)? = cell.output.charts.first else {
            Issue.record("no confusion chart")
            return
        }
        #expect(heatmap.rowLabels == ["Adelie", "Chinstrap", "Gentoo"])
        // Plain output is the table it always was.
        #expect(cell.output.lines.contains("confusion matrix (rows: true class, columns: predicted)"))
        #expect(cell.output.lines.contains { $0.hasPrefix("Adelie ") })
        let rich = session.display(cell.output)
        #expect(!rich.contains("\u{1B}"), "the test session has no rich terminal")
        let unicode = cell.output.terminalText(style: .unicode, width: 100)
        #expect(unicode.contains("\u{1B}[48;5;"), "shaded cells use background colours")
    }

    @Test func richTerminalDrawsUnicodeWhilePlainStaysASCII() throws {
        let session = penguinsSession()
        let describe = try #require(run(session, "describe penguins"))
        let unicode = describe.output.terminalText(style: .unicode, width: 100)
        #expect(unicode.contains { "▁▂▃▄▅▆▇█".contains($0) })
        #expect(describe.output.plainText.unicodeScalars.allSatisfy { $0.isASCII || "×…—".unicodeScalars.contains($0) })
        let lb = try #require(run(session, "compare [linear, tree] on penguins.train target=species"))
        #expect(lb.output.plainText.contains("#####"))
        #expect(lb.output.terminalText(style: .unicode, width: 100).contains("█"))
        // Each row of the table still fits the width with Unicode cells.
        for line in lb.output.terminalText(style: .unicode, width: 100).split(separator: "\n") where line.contains("█")
        {
            #expect(TerminalRenderer.visibleWidth(String(line)) <= 100)
        }
    }

    @Test(arguments: [
        (["TERM": "xterm-256color"], true), (["TERM": "dumb"], false), (["TERM": "xterm", "NO_COLOR": ""], false),
        (["TERM": "xterm", "NO_COLOR": "1"], false),
    ])
    func richTextNeedsATerminalAndNoOptOut(environment: [String: String], expected: Bool) throws {
        // A pipe is never a terminal, whatever the environment says.
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        #expect(!SessionEnvironment.supportsRichText(descriptor: fds[1], environment: environment))
        // On a terminal, only NO_COLOR and TERM=dumb turn Unicode and colour off.
        #expect(SessionEnvironment.supportsRichText(isTerminal: true, environment: environment) == expected)
        #expect(!SessionEnvironment.supportsRichText(isTerminal: false, environment: environment))
    }
}
