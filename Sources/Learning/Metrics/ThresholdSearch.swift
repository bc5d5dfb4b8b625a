import Tabular
public import Diagnostics

/// What a binary classifier's decision threshold is chosen for.
public enum ThresholdObjective: Sendable, Equatable {
    /// The highest F1 of the positive class (code 1).
    case f1
    /// The highest balanced accuracy (mean of the two recalls).
    case balancedAccuracy
    /// The highest accuracy.
    case accuracy
    /// The lowest total cost: `falsePositive` per false positive, `falseNegative` per false negative.
    case cost(falsePositive: Double, falseNegative: Double)
    /// The highest precision among thresholds whose recall is at least the bound.
    case minimumRecall(Double)
    /// The highest recall among thresholds whose precision is at least the bound.
    case minimumPrecision(Double)
}

/// One candidate threshold and the confusion counts it gives (positive: class code 1, predicted
/// when its probability is at least `threshold`).
public struct ThresholdPoint: Sendable, Equatable {
    public let threshold: Double
    public let truePositives: Int
    public let falsePositives: Int
    public let trueNegatives: Int
    public let falseNegatives: Int

    /// 0 when nothing is predicted positive (scikit-learn's `zero_division` default).
    public var precision: Double {
        truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives)
    }
    public var recall: Double {
        truePositives + falseNegatives == 0 ? 0 : Double(truePositives) / Double(truePositives + falseNegatives)
    }
    /// 2·TP / (2·TP + FP + FN).
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }
    public var specificity: Double {
        trueNegatives + falsePositives == 0 ? 0 : Double(trueNegatives) / Double(trueNegatives + falsePositives)
    }
    public var balancedAccuracy: Double { (recall + specificity) / 2 }
    public var accuracy: Double {
        let n = truePositives + falsePositives + trueNegatives + falseNegatives
        return n == 0 ? 0 : Double(truePositives + trueNegatives) / Double(n)
    }
    /// Rows = true class (0, 1), columns = predicted class.
    public var confusionMatrix: [[Int]] { [[trueNegatives, falsePositives], [falseNegatives, truePositives]] }

    /// Total cost of the errors at `falsePositive` and `falseNegative` per row.
    public func cost(falsePositive: Double, falseNegative: Double) -> Double {
        falsePositive * Double(falsePositives) + falseNegative * Double(falseNegatives)
    }
}

/// The threshold an objective picked, with every candidate it was picked from.
public struct ThresholdChoice: Sendable, Equatable {
    public let chosen: ThresholdPoint
    /// Every candidate, lowest threshold first.
    public let curve: [ThresholdPoint]

    public init(chosen: ThresholdPoint, curve: [ThresholdPoint]) {
        self.chosen = chosen
        self.curve = curve
    }
}

/// Why no threshold could be chosen.
public enum ThresholdError: Error, Sendable, Equatable, UserFacingError {
    /// The rows hold one class only: no trade-off to choose on.
    case oneClass
    /// No threshold reaches the precision asked for; the best reachable is given.
    case precisionUnreachable(asked: Double, best: Double)

    public var diagnostic: Diagnostic {
        switch self {
        case .oneClass:
            Diagnostic(
                "the rows hold only one class, so there is no trade-off between errors to choose a threshold on",
                remedy: "choose it on data with both classes")
        case .precisionUnreachable(let asked, let best):
            Diagnostic(
                "no threshold reaches precision \(asked) on these rows; the highest is \(best)",
                remedy: "ask for a lower min_precision, or choose by cost or f1")
        }
    }
}

/// Chooses a binary classifier's decision threshold on scored rows.
public enum ThresholdSearch {
    /// One candidate between each pair of neighbouring distinct probabilities of the positive
    /// class (midway, so no row's label rests on the last bits of its probability: the ONNX graph
    /// computes in float), one below the lowest (every row positive) and one above the highest
    /// when it is below 1 (no row positive); lowest threshold first.
    /// - Complexity: O(n log n).
    public static func curve(truth: [Bool], scores: [Double]) -> [ThresholdPoint] {
        precondition(
            truth.count == scores.count, "internal error: \(truth.count) true values but \(scores.count) scores")
        let positives = truth.filter { $0 }.count, negatives = truth.count - positives
        // Highest score first; rows at the same score become positive together.
        let order = scores.indices.filter { scores[$0].isFinite }.sorted {
            scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1
        }
        var groups: [(value: Double, tp: Int, fp: Int)] = []
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            let value = scores[order[i]]
            while i < order.count && scores[order[i]] == value {
                if truth[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            groups.append((value, tp, fp))
        }
        func point(_ threshold: Double, _ tp: Int, _ fp: Int) -> ThresholdPoint {
            ThresholdPoint(
                threshold: min(1, max(0, threshold)), truePositives: tp, falsePositives: fp,
                trueNegatives: negatives - fp, falseNegatives: positives - tp)
        }
        var points: [ThresholdPoint] = []
        if let highest = groups.first?.value, highest < 1 { points.append(point((highest + 1) / 2, 0, 0)) }
        for (g, group) in groups.enumerated() {
            let below = g + 1 < groups.count ? groups[g + 1].value : 0
            points.append(point((group.value + below) / 2, group.tp, group.fp))
        }
        return points.reversed()
    }

    /// The counts at one threshold (class 1 when its score is at least `threshold`).
    public static func point(truth: [Bool], scores: [Double], threshold: Double) -> ThresholdPoint {
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (isPositive, score) in zip(truth, scores) {
            switch (isPositive, score >= threshold) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
        }
        return ThresholdPoint(
            threshold: threshold, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }

    /// The candidate that best meets `objective`; among equally good ones, the highest threshold
    /// (the fewest rows called positive).
    public static func choose(truth: [Bool], scores: [Double], objective: ThresholdObjective) throws -> ThresholdChoice
    {
        guard truth.contains(true), truth.contains(false) else { throw ThresholdError.oneClass }
        let points = curve(truth: truth, scores: scores)
        // Larger is better; nil means the point is not allowed.
        let value: (ThresholdPoint) -> Double? =
            switch objective {
            case .f1: { $0.f1 }
            case .balancedAccuracy: { $0.balancedAccuracy }
            case .accuracy: { $0.accuracy }
            case .cost(let fp, let fn): { -$0.cost(falsePositive: fp, falseNegative: fn) }
            case .minimumRecall(let bound): { $0.recall >= bound ? $0.precision : nil }
            case .minimumPrecision(let bound): { $0.precision >= bound ? $0.recall : nil }
            }
        var best: (point: ThresholdPoint, value: Double)?
        for point in points {
            guard let v = value(point) else { continue }
            // Walking up the thresholds, a tie moves to the higher one.
            if let current = best, v < current.value { continue }
            best = (point, v)
        }
        guard let best else {
            if case .minimumPrecision(let bound) = objective {
                throw ThresholdError.precisionUnreachable(asked: bound, best: points.map(\.precision).max() ?? 0)
            }
            throw ThresholdError.oneClass
        }
        return ThresholdChoice(chosen: best.point, curve: points)
    }
}
