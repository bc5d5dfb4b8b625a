import Bundles
import Foundation
import Tabular
import Testing
import TestSupport
@testable import Workbench
@testable import Learning

@Suite("Threshold command", .serialized)
struct ThresholdCommandTests {
    /// A linear model on the breast-cancer training part, and the fresh part to choose on.
    private func trained() -> Session {
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/breast_cancer_train.csv\" as bc",
            "load \"\(exampleData)/breast_cancer_fresh.csv\" as fresh",
            "m = train linear on bc target=diagnosis")
        return session
    }

    private func model(_ session: Session, _ name: String = "m") -> TrainedModel? {
        if case .model(let m)? = session.lookup(name) { return m }
        return nil
    }

    @Test func aCostChoosesAThresholdThatTheModelThenLabelsWith() throws {
        let session = trained()
        let cell = try #require(run(session, "threshold m on fresh cost_fp=1 cost_fn=5"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let m = try #require(model(session))
        let t = try #require(m.pipeline.decisionThreshold)
        // What the command printed is what the search finds on the same probabilities.
        guard case .dataset(let fresh)? = session.lookup("fresh") else {
            Issue.record("no fresh")
            return
        }
        let output = try m.pipeline.predict(fresh.frame)
        guard case .probabilities(let p) = output.prediction, let column = fresh.frame.column(named: "diagnosis"),
            case (.classes(let codes, _), _) = m.pipeline.target.encode(
                column: column, rows: Array(0..<fresh.frame.rowCount))
        else {
            Issue.record("expected probabilities and classes")
            return
        }
        let scores = (0..<p.rows).map { p[$0, 1] }
        let search = try ThresholdSearch.choose(
            truth: codes.map { $0 == 1 }, scores: scores, objective: .cost(falsePositive: 1, falseNegative: 5))
        #expect(search.chosen.threshold == t)
        let text = cell.output.plainText
        #expect(text.contains("positive class malignant"))
        #expect(text.contains("chosen for the lowest cost (false positive 1, false negative 5)"))
        #expect(text.contains("← chosen"))
        #expect(text.contains("confusion matrix (rows: true class, columns: predicted)"))
        #expect(
            text.contains(
                "m now says malignant when P(malignant) ≥ \(formatFixed(t, decimals: 4)); its probabilities are unchanged"
            ))
        // predict labels with the threshold; evaluate's confusion matrix is the chosen point's.
        let predicted = output.labels(classes: m.pipeline.target.classes) ?? []
        #expect(predicted == scores.map { $0 >= t ? "malignant" : "benign" })
        let evaluate = try #require(run(session, "e = evaluate m on fresh"))
        guard case .evaluation(let e)? = session.lookup("e"), case .classification(let report) = e.scores else {
            Issue.record("no evaluation")
            return
        }
        #expect(report.confusionMatrix == search.chosen.confusionMatrix, "\(evaluate.output.plainText)")
        // The card states it.
        let card = try #require(run(session, "card m")).output.plainText
        #expect(
            card.contains(
                "- Decision threshold: labels **malignant** when P(malignant) ≥ \(formatFixed(t, decimals: 4)), else benign (chosen for the lowest cost (false positive 1, false negative 5) on fresh)"
            ))
    }

    @Test func onTheTrainingDataItChoosesOutOfFold() throws {
        let session = trained()
        let cell = try #require(run(session, "threshold m on bc min_recall=0.95"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(
            cell.output.plainText.contains(
                "bc is m's training data: choosing on out-of-fold probabilities (5 stratified folds, each refitted on the other four)"
            ))
        let m = try #require(model(session))
        #expect(m.pipeline.decisionThreshold != nil)
        #expect(m.decisionThresholdOrigin == "chosen for the best precision with recall ≥ 0.95 on bc (out-of-fold)")
        // Same data and seed, same threshold.
        let again = trained()
        run(again, "threshold m on bc min_recall=0.95")
        #expect(model(again)?.pipeline.decisionThreshold == m.pipeline.decisionThreshold)
    }

    @Test func atSetsTheThresholdAsItIs() throws {
        let session = trained()
        let cell = try #require(run(session, "threshold m on fresh at=0.3"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(model(session)?.pipeline.decisionThreshold == 0.3)
        #expect(cell.output.plainText.contains("set at 0.3000"))
    }

    @Test(arguments: [
        (
            "r = train linear on d target=progression", "threshold r on d",
            "this model does regression and has no threshold to set"
        ),
        (
            "r = train linear on iris target=species", "threshold r on iris",
            "a decision threshold needs a model with two classes; this one has 3"
        ),
        (
            "", "threshold m on fresh metric=f1 min_recall=0.9",
            "choose the threshold one way: metric=, min_recall= were given"
        ),
        ("", "threshold m on fresh cost_fp=2", "a cost needs both cost_fp= and cost_fn="),
        ("", "threshold m on fresh min_recall=1.5", "1"),
        (
            "r = train linear on d target=progression", "threshold r on d costs={a: [0, 1]}",
            "decision costs weigh a classifier's mistakes; this model does regression"
        ),
        (
            "", "threshold m on fresh costs={malignant: [5, 0]} at=0.3",
            "costs= decides by expected cost; at= chooses a threshold"
        ),
        ("", "threshold m on fresh costs={malignnt: [5, 0]}", "did you mean 'malignant'?"),
        (
            "", "threshold m on fresh costs={malignant: [5]}",
            "a list of 2 numbers, one per decided class (benign, malignant)"
        ),
        ("", "threshold m on fresh costs={malignant: [5, -1]}", "a cost is a number ≥ 0"),
        ("", "threshold m on fresh costs={malignant: [5, 0], malignant: [1, 0]}", "'malignant' is given twice"),
        ("", "threshold m on fresh costs={benign: [0, 0], malignant: [0, 0]}", "every cost is 0"),
        ("", "threshold m on fresh costs=5", "costs= takes a record"),
    ])
    func badRequestsAreClearErrors(setup: String, command: String, message: String) throws {
        let session = trained()
        run(session, "load \"\(exampleData)/diabetes.csv\" as d", "load \"\(exampleData)/iris.csv\" as iris")
        if !setup.isEmpty { run(session, setup) }
        let cell = try #require(run(session, command))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains(message), "\(cell.output.plainText)")
        #expect(model(session)?.pipeline.decisionThreshold == nil)
        #expect(model(session)?.pipeline.decisionCosts == nil)
    }

    /// Three classes with costs: the model labels every row with the class of lowest expected
    /// cost (computed here by hand from the probabilities), in the session, the bundle, the
    /// server's scorer and the card; a threshold set afterwards replaces the costs.
    @Test func costsDecideTheLowestExpectedCostEverywhere() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/penguins.csv\"", "split penguins test=0.3 stratify=species seed=1",
            "m = train linear on penguins.train target=species")
        let cell = try #require(
            run(session, "threshold m on penguins.test costs={Chinstrap: [9, 0, 1], Gentoo: [1, 4, 0]}"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(
            cell.output.plainText.contains(
                "Chinstrap decided as Adelie costs 9, Gentoo decided as Chinstrap costs 4; other mistakes cost 1, right answers 0"
            ), "\(cell.output.plainText)")
        #expect(cell.output.plainText.contains("mean cost per row"))
        #expect(!cell.output.plainText.contains("a right answer costs something"))
        // A cost on a right answer is kept, with a note on the lists' order.
        let odd = try #require(run(session, "m3 = train linear on penguins.train target=species"))
        #expect(odd.succeeded)
        let misordered = try #require(run(session, "threshold m3 on penguins.test costs={Chinstrap: [0, 5, 1]}"))
        #expect(misordered.succeeded)
        #expect(
            misordered.output.plainText.contains(
                "note: a right answer costs something: Chinstrap decided as Chinstrap costs 5; each list gives the cost of deciding Adelie, Chinstrap, Gentoo, in that order"
            ), "\(misordered.output.plainText)")
        let m = try #require(model(session))
        let costs: [[Double]] = [[0, 1, 1], [9, 0, 1], [1, 4, 0]]
        #expect(m.pipeline.decisionCosts == costs)
        guard case .dataset(let data)? = session.lookup("penguins") else {
            Issue.record("no data")
            return
        }
        let output = try m.pipeline.predict(data.frame)
        guard case .probabilities(let p) = output.prediction else {
            Issue.record("no probabilities")
            return
        }
        let byHand = (0..<p.rows).map { r in
            (0..<3).min { a, b in
                let ca = (0..<3).reduce(0.0) { $0 + p[r, $1] * costs[$1][a] },
                    cb = (0..<3).reduce(0.0) { $0 + p[r, $1] * costs[$1][b] }
                return ca < cb || (ca == cb && a < b)
            } ?? 0
        }
        let labels = try #require(output.labels(classes: m.pipeline.target.classes))
        #expect(labels == byHand.map { m.pipeline.target.classes[$0] })
        #expect(byHand != output.prediction.labels, "the costs should move some labels")
        let export = try #require(run(session, "export m to \"\(folder)/b\""))
        #expect(export.succeeded, "\(export.output.plainText)")
        let card = try String(contentsOfFile: folder + "/b/MODEL_CARD.md", encoding: .utf8)
        #expect(card.contains("- Decision costs: labels the class with the lowest expected cost"))
        run(session, "m2 = import \"\(folder)/b\"")
        #expect(model(session, "m2")?.pipeline.decisionCosts == costs)
        #expect(
            try model(session, "m2")?.pipeline.predict(data.frame).labels(classes: m.pipeline.target.classes) == labels)
    }

    /// The bundle keeps the threshold: imported back, served (the scorer's labels) and from the
    /// shell (`workbench predict`), every label follows it; probabilities stay the model's.
    @Test func theBundleServerAndShellLabelWithTheThreshold() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = trained()
        run(session, "threshold m on fresh at=0.05")
        let export = try #require(run(session, "export m to \"\(folder)/b\""))
        #expect(export.succeeded, "\(export.output.plainText)")
        let imported = try #require(run(session, "m2 = import \"\(folder)/b\""))
        #expect(imported.succeeded, "\(imported.output.plainText)")
        #expect(model(session, "m2")?.pipeline.decisionThreshold == 0.05)
        let card = try String(contentsOfFile: folder + "/b/MODEL_CARD.md", encoding: .utf8)
        #expect(card.contains("- Decision threshold: labels **malignant** when P(malignant) ≥ 0.0500"))

        guard case .dataset(let fresh)? = session.lookup("fresh"), let m = model(session) else {
            Issue.record("bindings lost")
            return
        }
        let output = try m.pipeline.predict(fresh.frame)
        let expected = try #require(output.labels(classes: m.pipeline.target.classes))
        // At 0.05 more rows are malignant than by the larger probability.
        #expect(expected.filter { $0 == "malignant" }.count > (output.prediction.labels ?? []).filter { $0 == 1 }.count)

        let csv = try String(contentsOfFile: exampleData + "/breast_cancer_fresh.csv", encoding: .utf8)
        let (status, out, err) = try runBinary(["predict", folder + "/b"], input: csv)
        #expect(status == 0, "\(err)")
        let rows = out.split(separator: "\n").dropFirst()
        #expect(rows.count == expected.count)
        // predicted_diagnosis follows the input's columns (the last input column is diagnosis).
        let header = try #require(out.split(separator: "\n").first).split(separator: ",").map(String.init)
        let labelColumn = try #require(header.firstIndex(of: "predicted_diagnosis"))
        #expect(
            rows.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[labelColumn]) } == expected)
    }
}
