import Foundation
import Tabular
import TestSupport
import Testing
@testable import Learning

/// A calibrated or thresholded model's cross-validation is scored as the model decides: the
/// refits have no rule, so their own fold scores would measure another classifier.
@Suite("Cross-validation scored under the model's own rule")
struct CrossValidationUnderRuleTests {
    /// Naive Bayes on breast cancer: its 5-fold cross-validation (refits without any rule) and
    /// the model fitted on every row.
    static func naiveBayesOnBreastCancer() throws -> (CrossValidationResult, PipelineModel) {
        let frame = try CSVReader.read(path: exampleData + "/breast_cancer.csv")
        let features = frame.columnNames.filter { $0 != "diagnosis" }
        let (rows, task, strata) = try CrossValidation.usableRows(frame: frame, target: "diagnosis", task: nil)
        let folds = KFold.folds(rowCount: rows.count, k: 5, strata: task == .classification ? strata : nil, seed: 7)
            .map { $0.map { rows[$0] } }
        let cv = try CrossValidation.run(
            algorithm: GaussianNaiveBayes.self, parameters: [:], frame: frame, target: "diagnosis",
            features: features, task: .classification, folds: folds, allRows: rows, context: FitContext())
        let model = try PipelineModel.train(
            algorithm: GaussianNaiveBayes.self, parameters: [:], frame: frame, target: "diagnosis",
            features: features, context: FitContext())
        return (cv, model)
    }

    @Test func aThresholdRescoresEachFoldFromItsOutOfFoldProbabilities() throws {
        let (cv, model) = try Self.naiveBayesOnBreastCancer()
        // No rule: the very same result.
        #expect(cv.scored(as: model).foldScores == cv.foldScores)
        // A threshold of 0.999 on the second class: by hand, each fold's accuracy is the share of
        // its rows whose out-of-fold probability of that class is ≥ 0.999 exactly when it is its class.
        let strict = try model.withDecisionThreshold(0.999)
        let rescored = cv.scored(as: strict)
        guard case .probabilities(let p, let classes)? = cv.outOfFold, let truth = cv.outOfFoldTruth else {
            Issue.record("no out-of-fold probabilities")
            return
        }
        #expect(classes == model.target.classes && cv.foldSizes.count == 5 && cv.foldSizes.reduce(0, +) == p.rows)
        let accuracy = try #require(MetricCatalog.named("accuracy"))
        var start = 0
        for (fold, size) in cv.foldSizes.enumerated() {
            let right = (start..<start + size).filter { r in (p[r, 1] >= 0.999 ? classes[1] : classes[0]) == truth[r] }
                .count
            #expect(abs(accuracy.value(rescored.foldScores[fold]) - Double(right) / Double(size)) < 1e-12)
            start += size
        }
        // The rule changes the labels, so the refits' figure is not the model's.
        #expect(rescored.mean(of: accuracy) != cv.mean(of: accuracy))
        // Probabilities are untouched by a threshold: log loss stays.
        let logLoss = try #require(MetricCatalog.named("log_loss"))
        #expect(abs(rescored.mean(of: logLoss) - cv.mean(of: logLoss)) < 1e-12)
    }

    @Test func aCalibrationChangesTheProbabilitiesScored() throws {
        let (cv, model) = try Self.naiveBayesOnBreastCancer()
        // Squeezes every probability into 0.2…0.8: labels keep their side of 0.5, log loss changes.
        let calibrated = try model.withCalibration(
            ProbabilityCalibration(method: .isotonic, calibrators: [.isotonic(x: [0, 1], y: [0.2, 0.8])]))
        let rescored = cv.scored(as: calibrated)
        let accuracy = try #require(MetricCatalog.named("accuracy")),
            logLoss = try #require(MetricCatalog.named("log_loss"))
        #expect(abs(rescored.mean(of: accuracy) - cv.mean(of: accuracy)) < 1e-12)
        #expect(rescored.mean(of: logLoss) != cv.mean(of: logLoss))
    }
}
