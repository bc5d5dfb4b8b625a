import Foundation
import Testing
import TestSupport
@testable import Learning

/// Quality parity with scikit-learn: same data, same folds, same standardization; the reference
/// scores come from `Reference/sklearn_reference_a.py` (committed with its JSON output).
@Suite("Parity with scikit-learn")
struct SklearnParityTests {
    /// One algorithm on one dataset.
    struct Case: Sendable, CustomStringConvertible {
        let dataset: String
        let targetColumn: String
        let task: Task
        let algorithm: String
        var description: String { "\(algorithm) on \(dataset)" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for algorithm in ["baseline", "linear", "knn", "bayes", "mlp", "mlp_no_early_stopping"] {
            cases.append(Case(dataset: "iris", targetColumn: "species", task: .classification, algorithm: algorithm))
            cases.append(
                Case(dataset: "breast_cancer", targetColumn: "diagnosis", task: .classification, algorithm: algorithm))
            if algorithm != "bayes" {
                cases.append(
                    Case(dataset: "diabetes", targetColumn: "progression", task: .regression, algorithm: algorithm))
            }
        }
        return cases
    }()

    /// `Reference/sklearn_reference_a.json`.
    struct Reference: Decodable {
        /// dataset → algorithm → mean score.
        let scores: [String: [String: Double]]
        /// dataset → algorithm → score per seed (stochastic algorithms only).
        let seedScores: [String: [String: [Double]]]

        enum CodingKeys: String, CodingKey {
            case scores
            case seedScores = "seed_scores"
        }
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: testsPath("LearningTests/Reference/sklearn_reference_a.json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func workbenchScore(_ testCase: Case, dataset: ExampleDatasets.Dataset) throws -> Double {
        switch testCase.algorithm {
        case "baseline": return try RowModuloFolds.meanScore(try Baseline.make(), on: dataset)
        case "linear": return try RowModuloFolds.meanScore(try Linear.make(), on: dataset)
        case "knn": return try RowModuloFolds.meanScore(try KNearestNeighbors.make(), on: dataset)
        case "bayes": return try RowModuloFolds.meanScore(try GaussianNaiveBayes.make(), on: dataset)
        case "mlp":
            // Stochastic: averaged over seeds, like the reference.
            let seeds: [UInt64] = [0, 1, 2, 3, 4]
            let scores = try seeds.map {
                try RowModuloFolds.meanScore(
                    try MultilayerPerceptron.make(["early_stopping": .string("true")]), on: dataset, seed: $0)
            }
            return scores.reduce(0, +) / Double(scores.count)
        case "mlp_no_early_stopping":
            // Trained to convergence the seed matters little (scikit-learn's five seeds agree
            // within a point), so one seed keeps the debug-build test time down.
            return try RowModuloFolds.meanScore(
                try MultilayerPerceptron.make(["early_stopping": .string("false")]), on: dataset, seed: 0)
        default: throw TestSetupError(description: "no parity case for \(testCase.algorithm)")
        }
    }

    @Test(arguments: cases)
    func matchesScikitLearn(_ testCase: Case) throws {
        let file = try Self.reference()
        let reference = try #require(
            file.scores[testCase.dataset]?[testCase.algorithm], "no reference score for \(testCase)")
        let dataset = try ExampleDatasets.load(testCase.dataset, target: testCase.targetColumn, task: testCase.task)
        let start = Date()
        let score = try Self.workbenchScore(testCase, dataset: dataset)
        print("parity \(testCase): workbench \(score) sklearn \(reference) (\(Date().timeIntervalSince(start))s)")
        if testCase.algorithm == "mlp" && testCase.dataset == "iris" {
            // With early stopping on 150 rows (12 validation rows, one mini-batch per epoch)
            // scikit-learn's own five seeds range over ~0.5–0.8, so a mean from a different random
            // stream cannot be held to 1.5 points; it must fall inside scikit-learn's seed range.
            // `mlp_no_early_stopping` on iris is held to the usual tolerance.
            let seedScores = try #require(file.seedScores[testCase.dataset]?[testCase.algorithm])
            let low = seedScores.min() ?? reference, high = seedScores.max() ?? reference
            #expect(score >= low && score <= high, "\(testCase): workbench \(score), scikit-learn seeds \(seedScores)")
            return
        }
        let tolerance = testCase.task == .classification ? 0.015 : 0.03
        #expect(abs(score - reference) <= tolerance, "\(testCase): workbench \(score), scikit-learn \(reference)")
    }
}
