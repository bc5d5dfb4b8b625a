import Foundation
import Testing
import TestSupport
@testable import Workbench
@testable import Learning

@Suite("Calibrate command", .serialized)
struct CalibrateCommandTests {
    private func model(_ session: Session, _ name: String) -> TrainedModel? {
        if case .model(let m)? = session.lookup(name) { return m }
        return nil
    }

    /// Naive Bayes on breast cancer is over-confident; a sigmoid map fitted on held-out rows
    /// lowers its calibration error there, and the new model predicts with the map.
    @Test func heldOutSigmoidMakesANewCalibratedModel() throws {
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/breast_cancer_train.csv\" as bc",
            "load \"\(exampleData)/breast_cancer_fresh.csv\" as fresh",
            "m = train bayes on bc target=diagnosis", "threshold m on fresh at=0.3")
        let cell = try #require(run(session, "m2 = calibrate m on fresh"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let text = cell.output.plainText
        #expect(text.contains("m2: m with sigmoid calibration fitted on fresh; its decision threshold is dropped"))
        #expect(text.contains("they should be rows m did not train on"))
        let original = try #require(model(session, "m")), calibrated = try #require(model(session, "m2"))
        #expect(original.pipeline.calibration == nil && original.pipeline.decisionThreshold == 0.3)
        #expect(calibrated.pipeline.calibration?.method == .sigmoid && calibrated.pipeline.decisionThreshold == nil)
        guard case .dataset(let fresh)? = session.lookup("fresh") else {
            Issue.record("no fresh")
            return
        }
        guard case .probabilities(let raw) = try original.pipeline.predict(fresh.frame).prediction,
            case .probabilities(let p) = try calibrated.pipeline.predict(fresh.frame).prediction,
            let calibration = calibrated.pipeline.calibration
        else {
            Issue.record("no probabilities")
            return
        }
        #expect(p == calibration.apply(raw))
        run(session, "e1 = evaluate m on fresh", "e2 = evaluate m2 on fresh")
        guard case .evaluation(let e1)? = session.lookup("e1"), case .classification(let r1) = e1.scores,
            case .evaluation(let e2)? = session.lookup("e2"), case .classification(let r2) = e2.scores
        else {
            Issue.record("no evaluations")
            return
        }
        #expect(r2.logLoss < r1.logLoss, "log loss \(r1.logLoss) → \(r2.logLoss)")
        let card = try #require(run(session, "card m2")).output.plainText
        #expect(card.contains("- Probabilities calibrated: sigmoid (fitted on fresh)"))
    }

    @Test func onTheTrainingDataTheMapIsCrossFitted() throws {
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/penguins_train.csv\" as p",
            "m = train forest on p target=species n_estimators=20")
        let cell = try #require(run(session, "m2 = calibrate m on p method=isotonic"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(
            cell.output.plainText.contains(
                "p is m's training data: the map is cross-fitted on out-of-fold probabilities"))
        let calibrated = try #require(model(session, "m2"))
        // Three classes: one map per class.
        #expect(calibrated.pipeline.calibration?.calibrators.count == 3)
        #expect(calibrated.calibrationOrigin == "cross-fitted out-of-fold on p")
        // The fitted model is the one trained on every row: same raw probabilities.
        guard case .dataset(let data)? = session.lookup("p"), let original = model(session, "m") else { return }
        let (x, _) = try original.pipeline.preprocessor.transform(data.frame)
        #expect(original.pipeline.fitted.model.predict(x) == calibrated.pipeline.fitted.model.predict(x))
    }

    /// The bundle keeps the calibration (model.json, workbench predict, serve) and its ONNX graph
    /// computes it (checked against ONNX Runtime by Tests/BundlesTests/Interop).
    @Test func exportKeepsTheCalibrationInTheModelAndTheGraph() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(
            session, "load \"\(exampleData)/breast_cancer_train.csv\" as bc",
            "load \"\(exampleData)/breast_cancer_fresh.csv\" as fresh",
            "m = train bayes on bc target=diagnosis", "m2 = calibrate m on fresh")
        let export = try #require(run(session, "export m2 to \"\(folder)/b\""))
        #expect(export.succeeded, "\(export.output.plainText)")
        #expect(
            export.output.plainText.contains("model.onnx: the whole pipeline in standard ONNX operators"),
            "\(export.output.plainText)")
        #expect(FileManager.default.fileExists(atPath: folder + "/b/model.onnx"))
        run(session, "b = import \"\(folder)/b\"")
        guard case .dataset(let fresh)? = session.lookup("fresh"), let original = model(session, "m2"),
            let imported = model(session, "b")
        else {
            Issue.record("bindings lost")
            return
        }
        #expect(
            try original.pipeline.predict(fresh.frame).prediction == imported.pipeline.predict(fresh.frame).prediction)
    }

    @Test func aRegressionModelHasNothingToCalibrate() throws {
        let session = makeSession()
        run(session, "load \"\(exampleData)/diabetes.csv\" as d", "r = train linear on d target=progression")
        let cell = try #require(run(session, "r2 = calibrate r on d"))
        #expect(!cell.succeeded)
        #expect(
            cell.output.plainText.contains("calibration maps a classifier's probabilities; this model does regression"))
    }
}
