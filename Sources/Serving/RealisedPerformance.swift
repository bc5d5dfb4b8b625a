public import Bundles
import Foundation
import Learning

/// One row of the monitoring window as performance sees it: what the model said and, once
/// known, what was true.
public struct LabelledPrediction: Sendable, Equatable {
    /// The predicted label (classification) or value (regression).
    public var predicted: JSONScalar
    /// The outcome: a label or a value; nil while unknown.
    public var truth: JSONScalar?
    /// Classification: the probability the model gave the class it predicted (for CBPE).
    public var confidence: Double?
    /// The prediction's id in the log, when read from one.
    public var id: Int64?
    /// When it was logged (seconds since 1970), when read from a log.
    public var time: Double? = nil

    public init(predicted: JSONScalar, truth: JSONScalar? = nil, confidence: Double? = nil, id: Int64? = nil) {
        self.predicted = predicted
        self.truth = truth
        self.confidence = confidence
        self.id = id
    }
}

/// How the model did on the rows of the monitoring window whose outcomes are known, beside the
/// figure it was validated with: accuracy (classification) with Wilson's interval, or RMSE and MAE
/// (regression) with a seeded percentile bootstrap. `breached` when the interval lies wholly on
/// the wrong side of the validation figure by more than the tolerance.
public struct RealisedPerformance: Codable, Sendable, Equatable {
    /// accuracy or rmse.
    public var metric: String
    public var higherIsBetter: Bool
    public var windowRows: Int
    /// Rows of the window with an outcome.
    public var labelledRows: Int
    public var labelledShare: Double
    /// The metric on the labelled rows, and its 95 % interval (nil without labelled rows).
    public var value: Double?
    public var lower: Double?
    public var upper: Double?
    /// wilson or bootstrap.
    public var intervalMethod: String
    /// Regression: the mean absolute error and its interval.
    public var mae: Double?
    public var maeLower: Double?
    public var maeUpper: Double?
    /// The figure from the bundle's manifest (`validation_…`, else cross-validation's `cv_…`), and
    /// which it is.
    public var validation: Double?
    public var validationSource: String?
    /// How far below (or, for an error, above) the validation figure the interval must lie to alert.
    public var tolerance: Double
    /// Fewer labelled rows than this: not judged.
    public var minimumRows: Int
    public var breached: Bool
    /// Classification: expected accuracy from the predicted probabilities (see `EstimatedAccuracy`).
    public var estimated: EstimatedAccuracy?
    /// Classification: per true class, its labelled rows and the share the model got right (recall).
    public var perClass: [ClassFigure]? = nil

    /// One class's figures on the labelled rows.
    public struct ClassFigure: Codable, Sendable, Equatable {
        public var label: String
        /// Labelled rows whose true class this is.
        public var rows: Int
        /// The share of them predicted as this class; nil without rows.
        public var recall: Double?
    }

    /// Confidence-based performance estimation (as NannyML's CBPE): if the probabilities are
    /// calibrated, the chance that a prediction is right is the probability given to the predicted
    /// class, so their mean is the accuracy to expect — before any outcome arrives.
    public struct EstimatedAccuracy: Codable, Sendable, Equatable {
        /// Over every row of the window.
        public var window: Double?
        /// Over the labelled rows only, to set beside the realised accuracy.
        public var labelled: Double?
        /// Whether the pipeline calibrates its probabilities (`calibrate`), and how.
        public var calibrated: Bool
        public var calibration: String?
    }

    /// The `feature` of a performance alert (in parentheses, to stand apart from column names).
    public static let alertName = "(performance)"

    /// The seed of the bootstrap: the same window gives the same interval.
    public static let bootstrapSeed: UInt64 = 29

    /// - Parameters:
    ///   - rows: the window, oldest first.
    ///   - classification: whether the model is a classifier (labels) or a regressor (values).
    ///   - metrics: the bundle manifest's metrics, for the validation figure.
    ///   - tolerance: nil for the default: 0.05 for accuracy; 10 % of the validation figure for RMSE.
    ///   - calibration: the pipeline's calibration method, nil when it has none.
    ///   - classes: the model's classes, for the per-class figures (in this order).
    /// - Complexity: O(n) for accuracy; O(1000 · n) for the bootstrap of n labelled rows.
    public static func compute(
        rows: [LabelledPrediction], classification: Bool, metrics: [String: Double], tolerance: Double?,
        minimumRows: Int, calibration: String?, classes: [String] = []
    ) -> RealisedPerformance {
        let metric = classification ? "accuracy" : "rmse"
        let (validation, source): (Double?, String?) = {
            for key in ["validation_" + metric, "cv_" + metric] {
                if let v = metrics[key], v.isFinite { return (v, key) }
            }
            return (nil, nil)
        }()
        let tolerance = tolerance ?? (classification ? 0.05 : 0.1 * abs(validation ?? 0))
        var result = RealisedPerformance(
            metric: metric, higherIsBetter: classification, windowRows: rows.count, labelledRows: 0, labelledShare: 0,
            value: nil, lower: nil, upper: nil,
            intervalMethod: classification ? "wilson" : "bootstrap", mae: nil, maeLower: nil, maeUpper: nil,
            validation: validation,
            validationSource: source, tolerance: tolerance, minimumRows: minimumRows, breached: false, estimated: nil)
        if classification {
            var n = 0, correct = 0
            var confidenceAll = 0.0, confidenceAllCount = 0, confidenceLabelled = 0.0
            var support: [String: Int] = [:], hits: [String: Int] = [:]
            for row in rows {
                if let c = row.confidence, c.isFinite {
                    confidenceAll += c
                    confidenceAllCount += 1
                }
                guard case .text(let truth)? = row.truth else { continue }
                n += 1
                support[truth, default: 0] += 1
                if case .text(let predicted) = row.predicted, predicted == truth {
                    correct += 1
                    hits[truth, default: 0] += 1
                }
                confidenceLabelled += row.confidence.flatMap { $0.isFinite ? $0 : nil } ?? .nan
            }
            result.labelledRows = n
            result.perClass = (classes.isEmpty ? support.keys.sorted() : classes).map { c in
                let rows = support[c] ?? 0
                return ClassFigure(label: c, rows: rows, recall: rows > 0 ? Double(hits[c] ?? 0) / Double(rows) : nil)
            }
            if n > 0 {
                result.value = Double(correct) / Double(n)
                let interval = ScoreInterval.wilson(successes: correct, trials: n)
                result.lower = interval?.lower
                result.upper = interval?.upper
            }
            result.estimated = EstimatedAccuracy(
                window: confidenceAllCount > 0 ? confidenceAll / Double(confidenceAllCount) : nil,
                labelled: n > 0 && confidenceLabelled.isFinite ? confidenceLabelled / Double(n) : nil,
                calibrated: calibration != nil, calibration: calibration)
        } else {
            var squared: [Double] = [], absolute: [Double] = []
            for row in rows {
                guard case .number(let truth)? = row.truth, case .number(let predicted) = row.predicted, truth.isFinite,
                    predicted.isFinite
                else { continue }
                let e = truth - predicted
                squared.append(e * e)
                absolute.append(abs(e))
            }
            result.labelledRows = squared.count
            if !squared.isEmpty {
                let n = Double(squared.count)
                result.value = (squared.reduce(0, +) / n).squareRoot()
                result.mae = absolute.reduce(0, +) / n
                let rmse = ScoreInterval.bootstrapMean(of: squared, transform: { $0.squareRoot() }, seed: bootstrapSeed)
                let mae = ScoreInterval.bootstrapMean(of: absolute, seed: bootstrapSeed)
                result.lower = rmse?.lower
                result.upper = rmse?.upper
                result.maeLower = mae?.lower
                result.maeUpper = mae?.upper
            }
        }
        result.labelledShare = rows.isEmpty ? 0 : Double(result.labelledRows) / Double(rows.count)
        if result.labelledRows >= max(minimumRows, 1), let validation, let lower = result.lower,
            let upper = result.upper
        {
            result.breached = classification ? upper < validation - tolerance : lower > validation + tolerance
        }
        return result
    }

    /// The alert when `breached`, in the shape drift alerts take (so the same alert command,
    /// `BreachTracker` and ALERT lines serve both); its `feature` is `alertName`.
    public var alert: MonitoringSummary.Alert? {
        guard breached, let value, let lower, let upper, let validation else { return nil }
        let side = higherIsBetter ? "below" : "above"
        let limit = higherIsBetter ? validation - tolerance : validation + tolerance
        let message =
            "realised \(label) \(Self.format(value)) (95% CI \(Self.format(lower))–\(Self.format(upper)), \(labelledRows) labelled rows) "
            + "lies wholly \(side) the validation figure \(Self.format(validation)) \(higherIsBetter ? "minus" : "plus") the tolerance \(Self.format(tolerance)) = \(Self.format(limit))"
        return MonitoringSummary.Alert(
            feature: Self.alertName, test: intervalMethod, statistic: value, pValue: nil, adjustedPValue: nil,
            threshold: limit, psi: nil, message: message)
    }

    /// accuracy or RMSE, as printed.
    public var label: String { metric == "rmse" ? "RMSE" : metric }

    static func format(_ x: Double) -> String { MonitoringSummary.format(x) }
}

/// Realised performance over one of several consecutive windows of the log, oldest first
/// (`monitor --windows K`): outcomes arrive late, so older windows are the better labelled.
public struct PerformanceWindow: Sendable, Equatable {
    /// The ids of the window's first and last predictions.
    public var firstID: Int64?
    public var lastID: Int64?
    public var performance: RealisedPerformance
    /// With windows by time: where the window starts and ends (seconds since 1970).
    public var start: Double? = nil
    public var end: Double? = nil

    /// Splits `rows` (oldest first) into consecutive windows of `size` rows, the newest ending at
    /// the last row (the oldest may be shorter), and computes each as `compute` would.
    public static func split(
        _ rows: [LabelledPrediction], size: Int, compute: ([LabelledPrediction]) -> RealisedPerformance
    ) -> [PerformanceWindow] {
        guard size > 0, !rows.isEmpty else { return [] }
        var windows: [PerformanceWindow] = []
        var end = rows.count
        while end > 0 {
            let start = max(0, end - size)
            let slice = Array(rows[start..<end])
            windows.append(
                PerformanceWindow(firstID: slice.first?.id, lastID: slice.last?.id, performance: compute(slice)))
            end = start
        }
        return windows.reversed()
    }

    /// Splits `rows` (oldest first) into `count` consecutive windows of `seconds` each, the newest
    /// ending at `now`, by the time each row was logged; a window keeps its newest `limit` rows.
    /// Empty windows are kept (no traffic is worth seeing).
    public static func split(
        _ rows: [LabelledPrediction], seconds: Double, count: Int, now: Double, limit: Int,
        compute: ([LabelledPrediction]) -> RealisedPerformance
    ) -> [PerformanceWindow] {
        guard seconds > 0, count > 0 else { return [] }
        var buckets = [[LabelledPrediction]](repeating: [], count: count)
        for row in rows {
            guard let time = row.time, time.isFinite, time <= now else { continue }
            let age = Int(((now - time) / seconds).rounded(.down))
            guard age >= 0, age < count else { continue }
            buckets[count - 1 - age].append(row)
        }
        return buckets.enumerated().map { k, bucket in
            let slice = Array(bucket.suffix(max(limit, 1)))
            let end = now - seconds * Double(count - 1 - k)
            return PerformanceWindow(
                firstID: slice.first?.id, lastID: slice.last?.id, performance: compute(slice), start: end - seconds,
                end: end)
        }
    }
}

extension MonitoringSummary {
    /// The summary with realised performance attached, and its alert (if breached) among the
    /// alerts, the status following.
    public func with(performance: RealisedPerformance?) -> MonitoringSummary {
        var s = self
        s.performance = performance
        s.alerts.removeAll { $0.feature == RealisedPerformance.alertName }
        if let alert = performance?.alert {
            s.alerts.append(alert)
            s.status = "alert"
        } else if s.status == "alert", s.alerts.isEmpty {
            s.status = "ok"
        }
        return s
    }
}
