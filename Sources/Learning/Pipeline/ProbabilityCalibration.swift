import Foundation

/// A map from one class's raw probability to a calibrated one: Platt's sigmoid or isotonic
/// regression, as scikit-learn's `_SigmoidCalibration` and `IsotonicRegression(out_of_bounds="clip")`.
public enum ClassCalibrator: Sendable, Codable, Equatable {
    /// p ↦ 1 / (1 + exp(a·p + b)).
    case sigmoid(a: Double, b: Double)
    /// Piecewise linear through (x, y), increasing x; clipped to the ends.
    case isotonic(x: [Double], y: [Double])

    public func apply(_ p: Double) -> Double {
        switch self {
        case .sigmoid(let a, let b):
            let z = a * p + b
            return z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
        case .isotonic(let x, let y):
            guard let first = x.first, let last = x.last else { return p }
            if p <= first { return y[0] }
            if p >= last { return y[y.count - 1] }
            // The last knot at or below p (numpy's interp).
            var low = 0, high = x.count - 1
            while high - low > 1 {
                let mid = (low + high) / 2
                if x[mid] <= p { low = mid } else { high = mid }
            }
            let span = x[high] - x[low]
            return span > 0 ? y[low] + (p - x[low]) / span * (y[high] - y[low]) : y[high]
        }
    }

    /// Platt scaling fitted on `scores` against `positive`, with Platt's smoothed targets
    /// ((N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2)); the convex log loss is minimised by Newton's method to
    /// a gradient below 1e-12. Scores are scaled by their largest magnitude when that is 30 or
    /// more, as scikit-learn does (the map is the same).
    public static func fitSigmoid(scores: [Double], positive: [Bool]) -> ClassCalibrator {
        let largest = scores.map(abs).max() ?? 0
        let scale = largest >= 30 ? largest : 1
        let f = scores.map { $0 / scale }
        let negatives = Double(positive.filter { !$0 }.count), positives = Double(positive.count) - negatives
        let targets = positive.map { $0 ? (positives + 1) / (positives + 2) : 1 / (negatives + 2) }
        // Loss Σ −t·log σ(−z) − (1 − t)·log σ(z), z = a·f + b (P(positive) = σ(−z)).
        var a = 0.0, b = log((negatives + 1) / (positives + 1))
        for _ in 0..<100 {
            var ga = 0.0, gb = 0.0, haa = 0.0, hab = 0.0, hbb = 0.0
            for (fi, t) in zip(f, targets) {
                let z = a * fi + b
                let p = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))  // P(positive)
                let d = t - p  // ∂loss/∂z
                ga += d * fi
                gb += d
                let w = p * (1 - p)
                haa += w * fi * fi
                hab += w * fi
                hbb += w
            }
            if max(abs(ga), abs(gb)) < 1e-12 { break }
            let det = haa * hbb - hab * hab
            guard det > 1e-300 else { break }
            let da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det
            a -= da
            b -= db
            if max(abs(da), abs(db)) < 1e-15 { break }
        }
        return .sigmoid(a: a / scale, b: b)
    }

    /// Isotonic (non-decreasing) regression of `positive` on `scores` by pool-adjacent-violators:
    /// tied scores are merged first (their mean outcome, weighted by their count), as scikit-learn does.
    public static func fitIsotonic(scores: [Double], positive: [Bool]) -> ClassCalibrator {
        let order = scores.indices.filter { scores[$0].isFinite }.sorted { scores[$0] < scores[$1] }
        var xs: [Double] = [], sums: [Double] = [], weights: [Double] = []
        for i in order {
            let y = positive[i] ? 1.0 : 0.0
            if let last = xs.last, last == scores[i] {
                sums[sums.count - 1] += y
                weights[weights.count - 1] += 1
            } else {
                xs.append(scores[i])
                sums.append(y)
                weights.append(1)
            }
        }
        // Blocks of (total, weight, how many points); merged while a block's mean falls below the one before.
        var blocks: [(sum: Double, weight: Double, count: Int)] = []
        for i in xs.indices {
            blocks.append((sums[i], weights[i], 1))
            while blocks.count > 1 {
                let last = blocks[blocks.count - 1], before = blocks[blocks.count - 2]
                guard before.sum / before.weight >= last.sum / last.weight else { break }
                blocks.removeLast(2)
                blocks.append((before.sum + last.sum, before.weight + last.weight, before.count + last.count))
            }
        }
        var ys: [Double] = []
        for block in blocks { ys += [Double](repeating: block.sum / block.weight, count: block.count) }
        return .isotonic(x: xs, y: ys)
    }

    /// True when the stored map is usable: finite numbers, increasing knots of equal count, y in 0…1.
    var isValid: Bool {
        switch self {
        case .sigmoid(let a, let b): return a.isFinite && b.isFinite
        case .isotonic(let x, let y):
            guard !x.isEmpty, x.count == y.count, x.allSatisfy(\.isFinite),
                y.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 })
            else { return false }
            return zip(x, x.dropFirst()).allSatisfy { $0 < $1 } && zip(y, y.dropFirst()).allSatisfy { $0 <= $1 }
        }
    }
}

/// Calibrated class probabilities: one map per class (one for two classes: the second, the first
/// being 1 − it), the rows then normalised to sum to 1 — scikit-learn's `_CalibratedClassifier`.
public struct ProbabilityCalibration: Sendable, Codable, Equatable {
    public enum Method: String, Sendable, Codable, CaseIterable { case sigmoid, isotonic }

    public let method: Method
    /// Two classes: one map, for the second class; more: one per class.
    public let calibrators: [ClassCalibrator]

    public init(method: Method, calibrators: [ClassCalibrator]) {
        self.method = method
        self.calibrators = calibrators
    }

    /// Fits one map per class on `probabilities` (rows × classes) against `truth` (class codes).
    public static func fit(method: Method, truth: [Int], probabilities: Matrix) -> ProbabilityCalibration {
        let k = probabilities.columns
        let classes = k == 2 ? [1] : Array(0..<k)
        let maps = classes.map { c -> ClassCalibrator in
            let scores = (0..<probabilities.rows).map { probabilities[$0, c] }
            let positive = truth.map { $0 == c }
            return method == .sigmoid
                ? ClassCalibrator.fitSigmoid(scores: scores, positive: positive)
                : ClassCalibrator.fitIsotonic(scores: scores, positive: positive)
        }
        return ProbabilityCalibration(method: method, calibrators: maps)
    }

    /// The calibrated probabilities of `probabilities`.
    public func apply(_ probabilities: Matrix) -> Matrix {
        var out = probabilities
        let k = probabilities.columns
        for r in 0..<probabilities.rows {
            if k == 2 {
                let p = calibrators[0].apply(probabilities[r, 1])
                out[r, 0] = 1 - p
                out[r, 1] = p
            } else {
                var total = 0.0
                for c in 0..<k {
                    out[r, c] = calibrators[c].apply(probabilities[r, c])
                    total += out[r, c]
                }
                for c in 0..<k { out[r, c] = total > 0 ? out[r, c] / total : 1 / Double(k) }
            }
        }
        return out
    }

    /// Whether it fits a classifier of `classCount` classes and every map is usable.
    func isValid(classCount: Int) -> Bool {
        calibrators.count == (classCount == 2 ? 1 : classCount) && calibrators.allSatisfy(\.isValid)
    }
}
