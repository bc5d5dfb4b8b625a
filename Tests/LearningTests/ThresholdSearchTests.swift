import Foundation
import Testing
import TestSupport
import Tabular
@testable import Learning
import Diagnostics

/// Decision thresholds: the search by hand, against scikit-learn, and stored in the pipeline.
@Suite struct ThresholdSearchTests {
    // Scores 0.9 0.8 0.7 0.4 0.2 for positive, negative, positive, negative, negative. Candidates
    // sit midway between neighbours: 0.95 (nothing positive), 0.85, 0.75, 0.55, 0.3, 0.1.
    let truth = [true, false, true, false, false]
    let scores = [0.9, 0.8, 0.7, 0.4, 0.2]

    @Test func candidatesSitMidwayBetweenNeighbouringProbabilities() {
        let curve = ThresholdSearch.curve(truth: truth, scores: scores)
        #expect(curve.map(\.threshold).map { ($0 * 100).rounded() / 100 } == [0.1, 0.3, 0.55, 0.75, 0.85, 0.95])
        // (TP, FP) from the highest threshold down: (0,0) (1,0) (1,1) (2,1) (2,2) (2,3).
        #expect(curve.map(\.truePositives) == [2, 2, 2, 1, 1, 0])
        #expect(curve.map(\.falsePositives) == [3, 2, 1, 1, 0, 0])
    }

    @Test func eachObjectivePicksItsPoint() throws {
        func chosen(_ objective: ThresholdObjective) throws -> Double {
            (try ThresholdSearch.choose(truth: truth, scores: scores, objective: objective).chosen.threshold * 100)
                .rounded() / 100
        }
        // F1 = 2TP / (2TP + FP + FN): 0, 2/3, 1/2, 4/5, 2/3, 4/7 → 0.55.
        #expect(try chosen(.f1) == 0.55)
        // Cost 1·FP + 5·FN: 10, 5, 6, 1, 2, 3 → 0.55; 5·FP + 1·FN: 2, 1, 6, 5, 10, 15 → 0.85.
        #expect(try chosen(.cost(falsePositive: 1, falseNegative: 5)) == 0.55)
        #expect(try chosen(.cost(falsePositive: 5, falseNegative: 1)) == 0.85)
        // Recall 1 at 0.55 (precision 2/3), 0.3 (1/2), 0.1 (2/5) → 0.55.
        #expect(try chosen(.minimumRecall(1)) == 0.55)
        // Precision 1 only at 0.85 (nothing predicted at 0.95 counts as precision 0).
        #expect(try chosen(.minimumPrecision(1)) == 0.85)
        // Balanced accuracy: at 0.55 (1 + 2/3) / 2 = 0.833, the highest.
        #expect(try chosen(.balancedAccuracy) == 0.55)
    }

    @Test func impossibleRequestsSayWhy() {
        #expect(throws: ThresholdError.oneClass) {
            _ = try ThresholdSearch.choose(truth: [true, true], scores: [0.2, 0.9], objective: .f1)
        }
        // Candidates 0.95 (none), 0.5 (the negative at 0.9: precision 0) and 0.05 (both: 1/2).
        #expect(throws: ThresholdError.precisionUnreachable(asked: 0.9, best: 0.5)) {
            _ = try ThresholdSearch.choose(
                truth: [false, true], scores: [0.9, 0.1], objective: .minimumPrecision(0.9))
        }
    }

    /// `Reference/sklearn_threshold_reference.json` (made by sklearn_threshold_reference.py).
    struct Reference: Decodable {
        struct BestF1: Decodable {
            let f1: Double
            let threshold: Double
        }
        let truth: [Int]
        let probabilities: [Double]
        let bestF1: BestF1
        let bestPrecisionAtRecall095: Double
        let lowestCostFp1Fn5: Int
        let fixed03Labels: [Int]

        enum CodingKeys: String, CodingKey {
            case truth, probabilities
            case bestF1 = "best_f1"
            case bestPrecisionAtRecall095 = "best_precision_at_recall_0_95"
            case lowestCostFp1Fn5 = "lowest_cost_fp1_fn5"
            case fixed03Labels = "fixed_0_3_labels"
        }
    }

    @Test func agreesWithScikitLearnOnBreastCancerProbabilities() throws {
        let url = URL(fileURLWithPath: testsPath("LearningTests/Reference/sklearn_threshold_reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let truth = reference.truth.map { $0 == 1 }
        let f1 = try ThresholdSearch.choose(truth: truth, scores: reference.probabilities, objective: .f1)
        #expect(abs(f1.chosen.f1 - reference.bestF1.f1) < 1e-12)
        // Midway below scikit-learn's threshold (the lowest probability it calls positive), above the next lower one.
        let below = reference.probabilities.filter { $0 < reference.bestF1.threshold }.max() ?? 0
        #expect(f1.chosen.threshold <= reference.bestF1.threshold && f1.chosen.threshold > below)
        let recall = try ThresholdSearch.choose(
            truth: truth, scores: reference.probabilities, objective: .minimumRecall(0.95))
        #expect(abs(recall.chosen.precision - reference.bestPrecisionAtRecall095) < 1e-12)
        let cost = try ThresholdSearch.choose(
            truth: truth, scores: reference.probabilities, objective: .cost(falsePositive: 1, falseNegative: 5))
        #expect(Int(cost.chosen.cost(falsePositive: 1, falseNegative: 5)) == reference.lowestCostFp1Fn5)
        // The label rule is FixedThresholdClassifier's: positive when the probability reaches the threshold.
        let p = Matrix(rows: truth.count, columns: 2, values: reference.probabilities.flatMap { [1 - $0, $0] })
        #expect(Prediction.probabilities(p).labels(decision: .threshold(0.3)) == reference.fixed03Labels)
    }

    @Test func labelsFollowTheThresholdOnlyForTwoClasses() {
        let two = Prediction.probabilities(Matrix([[0.7, 0.3], [0.4, 0.6], [0.75, 0.25]]))
        #expect(two.labels == [0, 1, 0])
        #expect(two.labels(decision: .threshold(0.3)) == [1, 1, 0])
        let three = Prediction.probabilities(Matrix([[0.5, 0.3, 0.2]]))
        #expect(three.labels(decision: .threshold(0.1)) == [0])
    }

    /// Costs decide the class with the lowest expected cost, worked by hand: p = (0.5, 0.3, 0.2),
    /// deciding A costs 0.3·1 + 0.2·10 = 2.3, B 0.5·1 + 0.2·1 = 0.7, C 0.5·1 + 0.3·1 = 0.8 → B,
    /// though A is the most probable.
    @Test func costsDecideTheLowestExpectedCost() {
        let costs: [[Double]] = [[0, 1, 1], [1, 0, 1], [10, 1, 0]]
        let rows = Prediction.probabilities(
            Matrix([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2]]))
        #expect(rows.labels == [0, 0, 2, 0])
        // Row 2: A 0.05 + 0.5 = 0.55, B 0.9 + 0.5 = 1.4, C 0.95 → A. Row 4: A 0.4 + 2 = 2.4, B 0.4 + 0.2 = 0.6, C 0.8 → B.
        #expect(rows.labels(decision: .costs(costs)) == [1, 0, 2, 1])
        // Equal costs everywhere off the diagonal: the most probable class (ties: lowest code).
        let plain: [[Double]] = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
        #expect(rows.labels(decision: .costs(plain)) == rows.labels)
        #expect(DecisionRule.validCosts(costs, classCount: 3))
        #expect(!DecisionRule.validCosts([[0, 1], [1, 0]], classCount: 3))
        #expect(!DecisionRule.validCosts([[0, 1, 1], [1, 0, -1], [1, 1, 0]], classCount: 3))
        #expect(!DecisionRule.validCosts([[0, 0, 0], [0, 0, 0], [0, 0, 0]], classCount: 3))
        #expect(!DecisionRule.validCosts([[0, 1, .infinity], [1, 0, 1], [1, 1, 0]], classCount: 3))
    }

    /// The out-of-fold reference for prediction drift gives the labels the model would give: under
    /// its threshold, so a thresholded model's own labels are not taken for drift.
    @Test func outOfFoldLabelsFollowTheModelsDecision() throws {
        let frame = try CSVReader.read(path: exampleData + "/breast_cancer.csv")
        let features = frame.columns.map(\.name).filter { $0 != "diagnosis" }
        let trained = try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: frame, target: "diagnosis",
            features: features, context: FitContext(seed: 1))
        #expect(trained.target.classes == ["benign", "malignant"])
        let oof = OutOfFoldPredictions.probabilities(
            Matrix([[0.9, 0.1], [0.97, 0.03], [0.2, 0.8]]), classes: ["benign", "malignant"])
        func labels(_ column: Column) -> [String] { (0..<column.data.count).map { column.text(at: $0) ?? "" } }
        #expect(labels(oof.column(for: trained)) == ["benign", "benign", "malignant"])
        #expect(
            labels(oof.column(for: try trained.withDecisionThreshold(0.05))) == ["malignant", "benign", "malignant"])
        // A fold's classes in another order are put in the model's.
        let swapped = OutOfFoldPredictions.probabilities(Matrix([[0.1, 0.9]]), classes: ["malignant", "benign"])
        #expect(labels(swapped.column(for: trained)) == ["benign"])
    }

    /// A pipeline keeps its costs through JSON; a stored matrix of the wrong size, with a negative
    /// cost, or beside a threshold is refused when decoded.
    @Test func thePipelineStoresValidatesAndReloadsItsCosts() throws {
        let frame = try CSVReader.read(path: exampleData + "/iris.csv")
        let trained = try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: frame, target: "species",
            features: ["sepal_length", "sepal_width", "petal_length", "petal_width"], context: FitContext(seed: 1))
        let costs: [[Double]] = [[0, 1, 1], [1, 0, 8], [1, 1, 0]]
        let model = try trained.withDecisionCosts(costs)
        let data = try ModelCoding.encoder().encode(model)
        let reloaded = try ModelCoding.decoder().decode(PipelineModel.self, from: data)
        #expect(reloaded.decisionCosts == costs)
        #expect(reloaded.decision == DecisionRule.costs(costs))
        #expect(
            try reloaded.predict(frame).labels(classes: reloaded.target.classes)
                == model.predict(frame).labels(classes: model.target.classes))
        #expect(throws: PipelineError.self) { try trained.withDecisionCosts([[0, 1], [1, 0]]) }
        let text = String(decoding: data, as: UTF8.self)
        for bad in ["[[0,1,1],[1,0,8]]", "[[0,1,1],[1,0,-8],[1,1,0]]"] {
            let broken = text.replacingOccurrences(
                of: "\"decisionCosts\":[[0,1,1],[1,0,8],[1,1,0]]", with: "\"decisionCosts\":\(bad)")
            #expect(broken != text)
            #expect(throws: (any Error).self) {
                try ModelCoding.decoder().decode(PipelineModel.self, from: Data(broken.utf8))
            }
        }
    }

    @Test func thePipelineStoresValidatesAndReloadsItsThreshold() throws {
        let frame = try CSVReader.read(path: exampleData + "/breast_cancer.csv")
        let model = try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: frame, target: "diagnosis",
            features: frame.columnNames.filter { $0 != "diagnosis" }, context: FitContext())
        #expect(model.decisionThreshold == nil)
        let moved = try model.withDecisionThreshold(0.2)
        let encoded = try JSONEncoder().encode(moved)
        let reloaded = try JSONDecoder().decode(PipelineModel.self, from: encoded)
        #expect(reloaded.decisionThreshold == 0.2)
        let output = try reloaded.predict(frame)
        // Probabilities unchanged; labels follow the threshold.
        #expect(output.prediction == (try model.predict(frame)).prediction)
        guard case .probabilities(let p) = output.prediction else {
            Issue.record("no probabilities")
            return
        }
        let expected = (0..<p.rows).map { p[$0, 1] >= 0.2 ? "malignant" : "benign" }
        #expect(output.labels(classes: reloaded.target.classes) == expected)
        // A model saved before thresholds (no key) loads without one.
        #expect(
            try JSONDecoder().decode(PipelineModel.self, from: try JSONEncoder().encode(model)).decisionThreshold == nil
        )
        // A stored threshold outside 0…1 is refused where it is.
        let text = try #require(String(data: encoded, encoding: .utf8)).replacingOccurrences(
            of: "\"decisionThreshold\":0.2", with: "\"decisionThreshold\":1.5")
        #expect(text.contains("1.5"))
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(PipelineModel.self, from: Data(text.utf8)) }
        #expect(throws: PipelineError.thresholdOutOfRange(-0.1)) { _ = try model.withDecisionThreshold(-0.1) }
    }

    @Test func onlyTwoClassClassifiersTakeAThreshold() throws {
        let iris = try CSVReader.read(path: exampleData + "/iris.csv")
        let threeClasses = try PipelineModel.train(
            algorithm: Baseline.self, parameters: [:], frame: iris, target: "species",
            features: iris.columnNames.filter { $0 != "species" }, context: FitContext())
        #expect(throws: PipelineError.thresholdNeedsBinaryClassifier(task: .classification, classCount: 3)) {
            _ = try threeClasses.withDecisionThreshold(0.4)
        }
        let diabetes = try CSVReader.read(path: exampleData + "/diabetes.csv")
        let regression = try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: diabetes, target: "progression",
            features: diabetes.columnNames.filter { $0 != "progression" }, context: FitContext())
        #expect(throws: PipelineError.thresholdNeedsBinaryClassifier(task: .regression, classCount: 0)) {
            _ = try regression.withDecisionThreshold(0.4)
        }
        #expect(
            PipelineError.thresholdNeedsBinaryClassifier(task: .regression, classCount: 0).description.contains(
                "regression"))
    }
}
