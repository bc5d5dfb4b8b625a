public import Diagnostics
/// Split conformal prediction: from scores on calibration rows the model did not train on, a
/// prediction set (classification) or interval (regression) that holds the truth for at least
/// 1 − alpha of new exchangeable rows, on average over calibration draws.
///
/// Classification uses least-ambiguous sets (LAC, "score" in MAPIE): the score of a row is
/// 1 − p(true class); the set holds every class whose probability is at least 1 − q̂. Regression
/// uses the absolute residual: ŷ ± q̂. q̂ is the ⌈(n + 1)(1 − alpha)⌉-th smallest of the n
/// calibration scores, so alpha below 1 / (n + 1) cannot be promised.
public struct ConformalPredictor: Sendable, Codable, Equatable {
    public let alpha: Double
    /// q̂: the calibration scores' conformal quantile.
    public let quantile: Double
    /// Calibration rows it was fitted on.
    public let calibrationRows: Int
    public let task: Task

    public var coverage: Double { 1 - alpha }

    /// Fits on the calibration rows' truth and the model's prediction for them.
    /// - Throws: `ConformalError` for alpha outside (0, 1) or too few rows for it.
    public static func fit(alpha: Double, truth: Target, prediction: Prediction) throws -> ConformalPredictor {
        guard alpha > 0, alpha < 1, alpha.isFinite else { throw ConformalError.alphaOutOfRange(alpha) }
        let scores: [Double]
        switch (truth, prediction) {
        case (.classes(let codes, _), .probabilities(let p)):
            scores = codes.enumerated().map { r, c in 1 - p[r, c] }
        case (.values(let y), .values(let v)):
            scores = zip(y, v).map { abs($0 - $1) }
        default:
            throw ConformalError.taskMismatch
        }
        let n = scores.count
        let rank = Int((Double(n + 1) * (1 - alpha)).rounded(.up))
        guard n >= 1, rank <= n else {
            throw ConformalError.tooFewRows(rows: n, alpha: alpha, smallestAlpha: 1 / Double(n + 1))
        }
        let sorted = scores.sorted()
        return ConformalPredictor(
            alpha: alpha, quantile: sorted[max(0, rank - 1)], calibrationRows: n, task: truth.task)
    }

    /// Classification: the class codes in the set, in code order.
    public func set(_ probabilities: [Double]) -> [Int] {
        probabilities.indices.filter { 1 - probabilities[$0] <= quantile }
    }

    /// Regression: the interval around a prediction.
    public func interval(_ value: Double) -> (lower: Double, upper: Double) { (value - quantile, value + quantile) }

    /// Per row, whether the set or interval of `prediction` holds `truth`.
    public func covers(truth: Target, prediction: Prediction) -> [Bool] {
        switch (truth, prediction) {
        case (.classes(let codes, _), .probabilities(let p)):
            return codes.enumerated().map { r, c in 1 - p[r, c] <= quantile }
        case (.values(let y), .values(let v)):
            return zip(y, v).map { abs($0 - $1) <= quantile }
        default:
            return []
        }
    }

    var isValid: Bool { alpha > 0 && alpha < 1 && quantile.isFinite && quantile >= 0 && calibrationRows >= 1 }
}

/// Why conformal prediction could not be set up.
public enum ConformalError: Error, Sendable, Equatable, UserFacingError {
    case alphaOutOfRange(Double)
    case tooFewRows(rows: Int, alpha: Double, smallestAlpha: Double)
    case taskMismatch

    public var diagnostic: Diagnostic {
        switch self {
        case .alphaOutOfRange(let a):
            "alpha must lie strictly between 0 and 1 (the share of rows the promise may miss), not \(a)"
        case .tooFewRows(let n, let a, let smallest):
            Diagnostic(
                "\(n) calibration rows cannot promise coverage \(1 - a): with n rows the smallest alpha is 1/(n + 1) = \(smallest)",
                remedy: "use alpha=\(smallest) or more, or calibrate on more rows")
        case .taskMismatch: "internal error: the prediction does not match the target's task"
        }
    }
}
