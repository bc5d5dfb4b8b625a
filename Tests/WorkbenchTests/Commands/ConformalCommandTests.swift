import Foundation
import Testing
import TestSupport
@testable import Workbench
@testable import Learning

@Suite("Conformal command", .serialized)
struct ConformalCommandTests {
    private func model(_ session: Session, _ name: String = "m") -> TrainedModel? {
        if case .model(let m)? = session.lookup(name) { return m }
        return nil
    }

    private func penguins() -> Session {
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/penguins_train.csv\" as p", "split p test=0.3 stratify=species seed=4",
            "m = train linear on p.train target=species")
        return session
    }

    @Test func setsAreStoredShownByPredictAndCheckedByValidate() throws {
        let session = penguins()
        let cell = try #require(run(session, "conformal m on p.test alpha=0.1"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(cell.output.plainText.contains("m: prediction sets at 90.0% coverage (least-ambiguous sets"))
        #expect(cell.output.plainText.contains("not row by row, not per subgroup, not after drift"))
        let conformal = try #require(model(session)?.pipeline.conformal)
        #expect(conformal.alpha == 0.1 && conformal.calibrationRows == 83)
        let predict = try #require(
            run(session, "load \"\(exampleData)/penguins_fresh.csv\" as fresh", "predict m on fresh rows=3"))
        #expect(predict.output.plainText.contains("set (90.0%)"), "\(predict.output.plainText)")
        #expect(predict.output.plainText.contains("{"))
        let validate = try #require(run(session, "v = validate m on \"\(exampleData)/penguins_fresh.csv\""))
        #expect(
            validate.output.plainText.contains("conformal coverage on the fresh rows: "), "\(validate.output.plainText)"
        )
        guard case .validation(let v)? = session.lookup("v") else {
            Issue.record("no validation")
            return
        }
        let coverage = try #require(v.conformalCoverage)
        #expect(coverage.rows == 69 && coverage.promised == 0.9)
        // The card states the promise and its limits.
        let card = try #require(run(session, "card m")).output.plainText
        #expect(
            card.contains(
                "- Conformal prediction sets: hold the truth for at least 90.0% of new rows exchangeable with the calibration rows, on average (split conformal on 83 rows of p.test)"
            ))
    }

    @Test func regressionGetsIntervals() throws {
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/diabetes.csv\" as d", "split d test=0.4 seed=2",
            "r = train linear on d.train target=progression",
            "conformal r on d.test alpha=0.2")
        let conformal = try #require(model(session, "r")?.pipeline.conformal)
        #expect(conformal.task == .regression && conformal.quantile > 0)
        let predict = try #require(run(session, "predict r on d.test rows=2"))
        #expect(predict.output.plainText.contains("interval (80.0%)"), "\(predict.output.plainText)")
    }

    @Test(arguments: [
        (
            "conformal m on p.train",
            "p.train is the data m was trained on: split conformal needs calibration rows the model did not learn from"
        ),
        ("conformal m on p.test alpha=0", "alpha must lie strictly between 0 and 1"),
        (
            "conformal m on p.test alpha=0.001",
            "83 calibration rows cannot promise coverage 0.999: with n rows the smallest alpha is 1/(n + 1) = 0.011904761904761904"
        ),
    ])
    func badRequestsAreClearErrors(command: String, message: String) throws {
        let session = penguins()
        let cell = try #require(run(session, command))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains(message), "\(cell.output.plainText)")
        #expect(model(session)?.pipeline.conformal == nil)
    }

    /// The bundle keeps the intervals, and `workbench predict` writes their ends beside the value.
    @Test func theShellPredictWritesTheIntervals() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/diabetes.csv\" as d", "split d test=0.4 seed=2",
            "r = train linear on d.train target=progression",
            "conformal r on d.test alpha=0.2")
        let export = try #require(run(session, "export r to \"\(folder)/b\""))
        #expect(export.succeeded, "\(export.output.plainText)")
        let csv = try String(contentsOfFile: exampleData + "/diabetes.csv", encoding: .utf8)
        let (status, out, err) = try runBinary(["predict", folder + "/b"], input: csv)
        #expect(status == 0, "\(err)")
        let lines = out.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(lines.first)
        let value = try #require(header.firstIndex(of: "predicted_progression"))
        let lower = try #require(header.firstIndex(of: "lower_progression")),
            upper = try #require(header.firstIndex(of: "upper_progression"))
        let q = try #require(model(session, "r")?.pipeline.conformal?.quantile)
        for row in lines.dropFirst().prefix(5) {
            let v = try #require(Double(row[value])), lo = try #require(Double(row[lower])),
                hi = try #require(Double(row[upper]))
            #expect(abs(lo - (v - q)) < 1e-9 && abs(hi - (v + q)) < 1e-9)
        }
    }
}
