/// A point of a threshold curve.
public struct CurvePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// ROC and precision–recall curves of scores against a binary truth, one point per distinct
/// score (tied scores move together, as in scikit-learn's `roc_curve` with all thresholds kept).
public enum Curves {
    /// (false positive rate, true positive rate) from (0, 0) to (1, 1); empty when one of the
    /// two classes has no rows (the curve is undefined).
    /// - Complexity: O(n log n).
    public static func roc(scores: [Double], positive: [Bool]) -> [CurvePoint] {
        let p = positive.filter { $0 }.count, n = positive.count - p
        guard p > 0, n > 0 else { return [] }
        var points = [CurvePoint(x: 0, y: 0)]
        var tp = 0, fp = 0
        for group in groupedByScore(scores) {
            for i in group { if positive[i] { tp += 1 } else { fp += 1 } }
            points.append(CurvePoint(x: Double(fp) / Double(n), y: Double(tp) / Double(p)))
        }
        return points
    }

    /// (recall, precision), starting at recall 0 with precision 1 (scikit-learn's convention);
    /// empty when no row is positive.
    /// - Complexity: O(n log n).
    public static func precisionRecall(scores: [Double], positive: [Bool]) -> [CurvePoint] {
        let p = positive.filter { $0 }.count
        guard p > 0 else { return [] }
        var points = [CurvePoint(x: 0, y: 1)]
        var tp = 0, fp = 0
        for group in groupedByScore(scores) {
            for i in group { if positive[i] { tp += 1 } else { fp += 1 } }
            points.append(CurvePoint(x: Double(tp) / Double(p), y: Double(tp) / Double(tp + fp)))
        }
        return points
    }

    /// Area under a curve by the trapezoidal rule (ROC AUC).
    public static func trapezoidArea(_ points: [CurvePoint]) -> Double {
        zip(points, points.dropFirst()).reduce(0) { $0 + ($1.1.x - $1.0.x) * ($1.0.y + $1.1.y) / 2 }
    }

    /// Average precision: precision at each threshold weighted by the recall it adds (a step
    /// function, not interpolated — scikit-learn's `average_precision_score`).
    public static func averagePrecision(_ points: [CurvePoint]) -> Double {
        zip(points, points.dropFirst()).reduce(0) { $0 + ($1.1.x - $1.0.x) * $1.1.y }
    }

    /// Row indices grouped by equal score, highest score first; NaN scores last.
    private static func groupedByScore(_ scores: [Double]) -> [[Int]] {
        let order = scores.indices.sorted { a, b in
            let x = scores[a], y = scores[b]
            if x.isNaN != y.isNaN { return !x.isNaN }
            return x != y ? x > y : a < b
        }
        var groups: [[Int]] = []
        for i in order {
            if let last = groups.last?.last, scores[last] == scores[i] || (scores[last].isNaN && scores[i].isNaN) {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        return groups
    }
}
