import Foundation
import Testing
import TestSupport
@testable import Workbench
@testable import Learning

@Suite("Evaluate command")
struct EvaluateCommandTests {
    /// The forest of the penguins golden transcript on its stratified test part: its confusion
    /// matrix is Adelie 30 / 1 / 0, Chinstrap 0 / 13 / 0, Gentoo 0 / 0 / 25.
    private func evaluated() -> (Session, Cell?) {
        let session = makeSession()
        let cell = run(
            session, "load \"\(exampleData)/penguins_train.csv\" as penguins",
            "split penguins test=0.25 stratify=species seed=11",
            "m = train forest on penguins.train target=species seed=1", "e = evaluate m on penguins.test")
        return (session, cell)
    }

    @Test func printsPrecisionRecallF1AndSupportPerClassBesideTheAverages() throws {
        let (_, cell) = evaluated()
        let text = try #require(cell).output.plainText
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("class precision recall F1 support"), "\(text)")
        // Adelie: 30 of 30 predicted right, 30 of 31 found, F1 = 2·1·(30/31) / (1 + 30/31) = 0.984.
        #expect(lines.contains("Adelie 1.000 0.968 0.984 31"), "\(text)")
        // Chinstrap: 13 of 14 predicted right, 13 of 13 found, F1 = 26/27 = 0.963.
        #expect(lines.contains("Chinstrap 0.929 1.000 0.963 13"), "\(text)")
        #expect(lines.contains("Gentoo 1.000 1.000 1.000 25"), "\(text)")
        // Macro: the plain means (as the macro lines above); weighted by support 31, 13, 25 of 69.
        #expect(lines.contains("macro average 0.976 0.989 0.982 69"), "\(text)")
        #expect(lines.contains("weighted average 0.987 0.986 0.986 69"), "\(text)")
    }

    @Test func theTableIsTheReportsPerClassScores() throws {
        let (session, _) = evaluated()
        guard case .evaluation(let e)? = session.lookup("e"), case .classification(let report) = e.scores else {
            Issue.record("expected a classification evaluation")
            return
        }
        #expect(report.perClass.map(\.support) == [31, 13, 25])
        #expect(abs(report.perClass.map(\.recall).reduce(0, +) / 3 - report.macroRecall) < 1e-12)
    }

    @Test func printsTheCalibrationErrorAndTheBriersReliability() throws {
        let (session, cell) = evaluated()
        guard case .evaluation(let e)? = session.lookup("e"), case .classification(let report) = e.scores,
            let calibration = report.calibration
        else {
            Issue.record("no calibration")
            return
        }
        #expect(calibration.isTopLabel)
        // Reliability is part of the Brier score, never more.
        #expect(calibration.brierReliability <= report.brierScore)
        let text = try #require(cell).output.plainText
        #expect(
            text.contains(
                "calibration: ECE \(formatScore(calibration.expectedCalibrationError)) (10 equal bins of the top probability), "
                    + "Brier reliability \(formatScore(calibration.brierReliability)) of Brier \(formatScore(report.brierScore))"
            ), "\(text)")
    }

    @Test func regressionHasNoPerClassTable() throws {
        let session = makeSession()
        let cell = try #require(
            run(
                session, "load \"\(exampleData)/diabetes.csv\" as d", "m = train linear on d target=progression",
                "evaluate m on d"))
        #expect(cell.succeeded)
        #expect(!cell.output.plainText.contains("weighted average"))
    }
}
