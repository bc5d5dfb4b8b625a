/// Every regression score for one set of predictions, for commands to print.
public struct RegressionReport: Sendable, Codable, Equatable {
    public let rowCount: Int
    public let rmse: Double
    public let mae: Double
    public let r2: Double
    public let medianAbsoluteError: Double
    /// Residual (truth − prediction) quantiles at 5%, 25%, 50%, 75% and 95%.
    public let residualQuantiles: [ResidualQuantile]

    public init(truth: [Double], predicted: [Double]) {
        rowCount = truth.count
        rmse = RegressionMetrics.rmse(truth: truth, predicted: predicted)
        mae = RegressionMetrics.mae(truth: truth, predicted: predicted)
        r2 = RegressionMetrics.r2(truth: truth, predicted: predicted)
        medianAbsoluteError = RegressionMetrics.medianAbsoluteError(truth: truth, predicted: predicted)
        residualQuantiles = RegressionMetrics.residualQuantiles(truth: truth, predicted: predicted)
    }

    /// Scores a model's output; nil when it is not values.
    public init?(truth: [Double], prediction: Prediction) {
        guard case .values(let predicted) = prediction else { return nil }
        self.init(truth: truth, predicted: predicted)
    }
}
