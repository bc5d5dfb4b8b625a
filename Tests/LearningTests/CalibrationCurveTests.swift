import Foundation
import Testing
import TestSupport
@testable import Learning

/// Reliability bins, expected calibration error and the Brier score's reliability part.
@Suite struct CalibrationCurveTests {
    @Test func binsByHand() {
        // Bins of width 0.5: (0, 0.5] holds 0.2, 0.4 (one positive), (0.5, 1] holds 0.9, 1.0 (both).
        let curve = CalibrationCurve(
            positive: [false, true, true, true], probabilities: [0.2, 0.4, 0.9, 1.0], binCount: 2)
        #expect(curve.bins.map(\.rows) == [2, 2])
        #expect(curve.bins.map(\.positiveShare) == [0.5, 1])
        #expect(isClose(curve.bins[0].meanProbability, 0.3) && isClose(curve.bins[1].meanProbability, 0.95))
        // ECE = ½·|0.5 − 0.3| + ½·|1 − 0.95| = 0.125; reliability = ½·0.04 + ½·0.0025 = 0.02125.
        #expect(isClose(curve.expectedCalibrationError, 0.125))
        #expect(isClose(curve.brierReliability, 0.02125))
    }

    @Test func perfectlyCalibratedBinsHaveNoError() {
        // Ten rows at 0.3 with three positives, ten at 0.8 with eight.
        let positive = (0..<10).map { $0 < 3 } + (0..<10).map { $0 < 8 }
        let curve = CalibrationCurve(
            positive: positive, probabilities: [Double](repeating: 0.3, count: 10) + [Double](repeating: 0.8, count: 10)
        )
        #expect(curve.expectedCalibrationError < 1e-15)
        #expect(curve.brierReliability < 1e-15)
    }

    /// `Reference/sklearn_calibration_reference.json` (sklearn_calibration_reference.py).
    struct Reference: Decodable {
        struct Case: Decodable {
            let probabilities: [Double]
            let positiveShare: [Double]
            let meanProbability: [Double]
            let rows: [Int]
            let ece: Double
            let reliability: Double
            enum CodingKeys: String, CodingKey {
                case probabilities, rows, ece, reliability
                case positiveShare = "positive_share"
                case meanProbability = "mean_probability"
            }
        }
        let truth: [Int]
        let cases: [String: Case]
    }

    @Test(arguments: ["forest", "linear"])
    func binsMatchScikitLearnsCalibrationCurve(model: String) throws {
        let url = URL(fileURLWithPath: testsPath("LearningTests/Reference/sklearn_calibration_reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let c = try #require(reference.cases[model])
        let curve = CalibrationCurve(positive: reference.truth.map { $0 == 1 }, probabilities: c.probabilities)
        #expect(curve.bins.map(\.rows) == c.rows)
        #expect(zip(curve.bins.map(\.positiveShare), c.positiveShare).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(curve.bins.map(\.meanProbability), c.meanProbability).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(curve.expectedCalibrationError - c.ece) < 1e-12)
        #expect(abs(curve.brierReliability - c.reliability) < 1e-12)
    }

    @Test func multiclassUsesTheTopProbabilityAndSumsTheReliabilities() {
        // Top probabilities 0.6 (right), 0.7 (wrong), 0.8 (right).
        let p = Matrix([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]])
        let summary = CalibrationSummary(truth: [0, 0, 2], probabilities: p)
        #expect(summary.isTopLabel)
        #expect(summary.curve.bins.map(\.rows) == [1, 1, 1])
        // |1 − 0.6| + |0 − 0.7| + |1 − 0.8| over 3 = 1.3 / 3.
        #expect(isClose(summary.expectedCalibrationError, 1.3 / 3))
        let perClass = (0..<3).reduce(0.0) { sum, c in
            sum
                + CalibrationCurve(positive: [0, 0, 2].map { $0 == c }, probabilities: (0..<3).map { p[$0, c] })
                .brierReliability
        }
        #expect(isClose(summary.brierReliability, perClass))
        #expect(ClassificationReport(truth: [0, 0, 2], probabilities: p).calibration == summary)
    }
}
