/// Regression scores, computed as scikit-learn and NumPy do. Residuals are truth − prediction.
///
/// Lengths must agree (a caller bug otherwise). Empty inputs give NaN.
public enum RegressionMetrics {
    /// Root mean squared error.
    public static func rmse(truth: [Double], predicted: [Double]) -> Double {
        checkLengths(truth.count, predicted.count)
        let sum = zip(truth, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (sum / Double(truth.count)).squareRoot()
    }

    /// Mean absolute error.
    public static func mae(truth: [Double], predicted: [Double]) -> Double {
        checkLengths(truth.count, predicted.count)
        return zip(truth, predicted).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(truth.count)
    }

    /// Coefficient of determination, 1 − SS_res / SS_tot. A constant truth gives 1 when it is
    /// predicted exactly and 0 otherwise (scikit-learn's `force_finite`).
    public static func r2(truth: [Double], predicted: [Double]) -> Double {
        checkLengths(truth.count, predicted.count)
        let mean = truth.reduce(0, +) / Double(truth.count)
        var residual = 0.0, total = 0.0
        for (t, p) in zip(truth, predicted) {
            residual += (t - p) * (t - p)
            total += (t - mean) * (t - mean)
        }
        if total == 0 { return residual == 0 ? 1 : 0 }
        return 1 - residual / total
    }

    /// Median of |truth − prediction|.
    public static func medianAbsoluteError(truth: [Double], predicted: [Double]) -> Double {
        checkLengths(truth.count, predicted.count)
        return quantile(sorted: zip(truth, predicted).map { abs($0 - $1) }.sorted(), 0.5)
    }

    /// Quantiles of the residuals (truth − prediction) at the given probabilities.
    public static func residualQuantiles(
        truth: [Double], predicted: [Double],
        at probabilities: [Double] = [0.05, 0.25, 0.5, 0.75, 0.95]
    ) -> [ResidualQuantile] {
        checkLengths(truth.count, predicted.count)
        let sorted = zip(truth, predicted).map { $0 - $1 }.sorted()
        return probabilities.map { ResidualQuantile(probability: $0, value: quantile(sorted: sorted, $0)) }
    }

    /// NumPy's default ("linear") quantile: position h = (n − 1)·q, interpolating between the
    /// neighbouring order statistics.
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = Double(values.count - 1) * min(max(q, 0), 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + fraction * (values[upper] - values[lower])
    }

    private static func checkLengths(_ a: Int, _ b: Int) {
        precondition(a == b, "internal error: \(a) true values but \(b) predictions")
    }
}

/// One quantile of the residual distribution.
public struct ResidualQuantile: Sendable, Codable, Equatable {
    /// In 0...1 (0.05 is the 5th percentile).
    public let probability: Double
    public let value: Double
}
