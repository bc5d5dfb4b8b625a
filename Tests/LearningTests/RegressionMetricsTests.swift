import Testing
@testable import Learning

/// scikit-learn's documentation example: truth 3, −0.5, 2, 7; prediction 2.5, 0, 2, 8.
@Suite struct RegressionMetricsTests {
    let truth = [3, -0.5, 2, 7]
    let predicted = [2.5, 0.0, 2, 8]

    @Test func errors() {
        // squared errors 0.25 0.25 0 1 → mean 0.375 → RMSE √0.375 = 0.6123724
        #expect(isClose(RegressionMetrics.rmse(truth: truth, predicted: predicted), 0.375.squareRoot()))
        // |errors| 0.5 0.5 0 1 → mean 0.5, median of 0 0.5 0.5 1 = 0.5
        #expect(isClose(RegressionMetrics.mae(truth: truth, predicted: predicted), 0.5))
        #expect(isClose(RegressionMetrics.medianAbsoluteError(truth: truth, predicted: predicted), 0.5))
    }

    @Test func r2() {
        // mean 2.875; SS_tot = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875; SS_res = 1.5
        // R² = 1 − 1.5 / 29.1875 = 0.9486081
        #expect(isClose(RegressionMetrics.r2(truth: truth, predicted: predicted), 1 - 1.5 / 29.1875))
        // Constant truth: 1 if predicted exactly, else 0 (no division by zero).
        #expect(RegressionMetrics.r2(truth: [2, 2], predicted: [2, 2]) == 1)
        #expect(RegressionMetrics.r2(truth: [2, 2], predicted: [2, 3]) == 0)
    }

    @Test func residualQuantilesInterpolateLikeNumPy() {
        // residuals sorted −1 −0.5 0 0.5; position (n−1)·q = 3q:
        // 5%: 0.15 → −1 + 0.15·0.5 = −0.925; 25%: 0.75 → −0.625; 50%: 1.5 → −0.25;
        // 75%: 2.25 → 0.125; 95%: 2.85 → 0.425
        let quantiles = RegressionMetrics.residualQuantiles(truth: truth, predicted: predicted)
        #expect(quantiles.map(\.probability) == [0.05, 0.25, 0.5, 0.75, 0.95])
        let expected = [-0.925, -0.625, -0.25, 0.125, 0.425]
        for (q, e) in zip(quantiles, expected) { #expect(isClose(q.value, e), "\(q)") }
    }

    @Test func report() {
        let report = RegressionReport(truth: truth, predicted: predicted)
        #expect(report.rowCount == 4)
        #expect(isClose(report.mae, 0.5))
        #expect(report.residualQuantiles.count == 5)
        #expect(RegressionReport(truth: truth, prediction: .values(predicted)) == report)
        #expect(RegressionReport(truth: truth, prediction: .probabilities(Matrix([[1]]))) == nil)
    }
}
