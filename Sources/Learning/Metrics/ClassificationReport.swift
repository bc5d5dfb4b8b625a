/// Every classification score for one set of predictions, for commands to print.
public struct ClassificationReport: Sendable, Codable, Equatable {
    public let rowCount: Int
    public let classCount: Int
    public let accuracy: Double
    public let balancedAccuracy: Double
    public let macroPrecision: Double
    public let macroRecall: Double
    public let macroF1: Double
    public let logLoss: Double
    /// nil when undefined (a class in the data has no contrasting rows).
    public let rocAUC: Double?
    public let brierScore: Double
    /// Rows = true class, columns = predicted class.
    public let confusionMatrix: [[Int]]
    /// Expected calibration error and the Brier score's reliability (nil in reports stored
    /// before they existed).
    public let calibration: CalibrationSummary?

    /// Scores `probabilities` (one column per class code) against `truth`; the predicted label
    /// is the one `decision` gives (the most probable class, ties to the lowest code, unless the
    /// model has a threshold or costs). Probability scores ignore the decision.
    public init(truth: [Int], probabilities: Matrix, decision: DecisionRule = .mostProbable) {
        let predicted = Prediction.probabilities(probabilities).labels(decision: decision) ?? []
        rowCount = truth.count
        classCount = probabilities.columns
        accuracy = ClassificationMetrics.accuracy(truth: truth, predicted: predicted)
        balancedAccuracy = ClassificationMetrics.balancedAccuracy(truth: truth, predicted: predicted)
        macroPrecision = ClassificationMetrics.macroPrecision(truth: truth, predicted: predicted)
        macroRecall = ClassificationMetrics.macroRecall(truth: truth, predicted: predicted)
        macroF1 = ClassificationMetrics.macroF1(truth: truth, predicted: predicted)
        logLoss = ClassificationMetrics.logLoss(truth: truth, probabilities: probabilities)
        rocAUC = ClassificationMetrics.rocAUC(truth: truth, probabilities: probabilities)
        brierScore = ClassificationMetrics.brierScore(truth: truth, probabilities: probabilities)
        confusionMatrix = ClassificationMetrics.confusionMatrix(
            truth: truth, predicted: predicted,
            classCount: probabilities.columns)
        calibration = truth.isEmpty ? nil : CalibrationSummary(truth: truth, probabilities: probabilities)
    }

    /// Scores a model's output; nil when it is not class probabilities.
    public init?(truth: [Int], prediction: Prediction, decision: DecisionRule = .mostProbable) {
        guard case .probabilities(let probabilities) = prediction else { return nil }
        self.init(truth: truth, probabilities: probabilities, decision: decision)
    }
}
