import Foundation
import Tabular

/// Classification scores, computed as scikit-learn's `sklearn.metrics` does.
///
/// `truth` and `predicted` are class codes; `probabilities` has one row per example and one
/// column per class code. Lengths must agree (a caller bug otherwise). Empty inputs give NaN.
public enum ClassificationMetrics {
    /// Share of rows whose predicted class is the true class.
    public static func accuracy(truth: [Int], predicted: [Int]) -> Double {
        checkLengths(truth.count, predicted.count)
        let correct = zip(truth, predicted).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(truth.count)
    }

    /// Mean recall over the classes present in `truth` (scikit-learn's `balanced_accuracy_score`).
    public static func balancedAccuracy(truth: [Int], predicted: [Int]) -> Double {
        checkLengths(truth.count, predicted.count)
        // In class order, so the sum is added in the same order every time.
        let recalls = counts(truth: truth, predicted: predicted).filter { $0.support > 0 }.map {
            Double($0.truePositives) / Double($0.support)
        }
        return recalls.reduce(0, +) / Double(recalls.count)
    }

    /// `k × k` counts; row = true class, column = predicted class.
    public static func confusionMatrix(truth: [Int], predicted: [Int], classCount: Int) -> [[Int]] {
        checkLengths(truth.count, predicted.count)
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (t, p) in zip(truth, predicted) {
            precondition(
                t >= 0 && t < classCount && p >= 0 && p < classCount,
                "internal error: class code outside 0..<\(classCount)")
            matrix[t][p] += 1
        }
        return matrix
    }

    /// Macro-averaged precision over the classes in `truth` or `predicted`; a class never
    /// predicted has precision 0 (scikit-learn's `zero_division` default).
    public static func macroPrecision(truth: [Int], predicted: [Int]) -> Double {
        macroAverage(truth: truth, predicted: predicted) { $0.precision }
    }

    /// Macro-averaged recall over the classes in `truth` or `predicted`.
    public static func macroRecall(truth: [Int], predicted: [Int]) -> Double {
        macroAverage(truth: truth, predicted: predicted) { $0.recall }
    }

    /// Mean of the per-class F1 scores (not the F1 of the macro precision and recall).
    public static func macroF1(truth: [Int], predicted: [Int]) -> Double {
        macroAverage(truth: truth, predicted: predicted) { $0.f1 }
    }

    /// Mean negative log-likelihood of the true class, probabilities clipped to [1e-15, 1 − 1e-15].
    public static func logLoss(truth: [Int], probabilities: Matrix) -> Double {
        checkLengths(truth.count, probabilities.rows)
        var sum = 0.0
        for (row, t) in truth.enumerated() {
            sum -= log(min(max(probabilities[row, t], 1e-15), 1 - 1e-15))
        }
        return sum / Double(truth.count)
    }

    /// Area under the ROC curve. Binary (two columns): the score is column 1. Multiclass: the
    /// unweighted mean of one-vs-rest AUCs over the classes present in `truth` (scikit-learn
    /// refuses columns for absent classes; a held-out fold can lack a rare class, so they are
    /// skipped). Tied scores count half, as in `roc_auc_score`.
    /// - Returns: nil when undefined (only one class present in `truth`).
    public static func rocAUC(truth: [Int], probabilities: Matrix) -> Double? {
        checkLengths(truth.count, probabilities.rows)
        if probabilities.columns == 2 {
            return binaryAUC(positives: truth.map { $0 == 1 }, scores: probabilities.column(1))
        }
        let aucs = (0..<probabilities.columns).compactMap { c in
            binaryAUC(positives: truth.map { $0 == c }, scores: probabilities.column(c))
        }
        // Every present class must have an AUC; one that is undefined makes the macro mean undefined.
        let present = Set(truth).count
        guard !aucs.isEmpty, aucs.count == present else { return nil }
        return aucs.reduce(0, +) / Double(aucs.count)
    }

    /// Mann–Whitney AUC: the share of (positive, negative) pairs whose positive scores higher,
    /// ties counting half — (sum of positive ranks − P(P+1)/2) / (P·N) with ties at their mean rank.
    /// Both sides' scores are sorted (radix) and merged; every partial sum is a whole or half
    /// number, so the result is exact whatever the order of summing.
    /// - Complexity: O(n).
    public static func binaryAUC(positives: [Bool], scores: [Double]) -> Double? {
        checkLengths(positives.count, scores.count)
        var positiveScores: [Double] = [], negativeScores: [Double] = []
        for (isPositive, score) in zip(positives, scores) {
            if isPositive { positiveScores.append(score) } else { negativeScores.append(score) }
        }
        guard !positiveScores.isEmpty, !negativeScores.isEmpty else { return nil }
        // NaN has no rank; it keeps the ordering the comparison sort happens to give it.
        if scores.contains(where: \.isNaN) { return rankSumAUC(positives: positives, scores: scores) }
        positiveScores.sortByRadix()
        negativeScores.sortByRadix()
        var pairs = 0.0  // positive above negative, ties counting half
        var below = 0, throughEqual = 0
        for score in positiveScores {
            while below < negativeScores.count && negativeScores[below] < score { below += 1 }
            throughEqual = max(throughEqual, below)
            while throughEqual < negativeScores.count && negativeScores[throughEqual] == score { throughEqual += 1 }
            pairs += Double(below) + Double(throughEqual - below) / 2
        }
        return pairs / (Double(positiveScores.count) * Double(negativeScores.count))
    }

    /// The rank-sum form of `binaryAUC` with a comparison sort, for scores that include NaN.
    private static func rankSumAUC(positives: [Bool], scores: [Double]) -> Double {
        let positiveCount = positives.filter { $0 }.count
        let negativeCount = positives.count - positiveCount
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let meanRank = Double(start + end) / 2 + 1  // ranks are 1-based
            for position in start...end where positives[order[position]] { positiveRankSum += meanRank }
            start = end + 1
        }
        let p = Double(positiveCount), n = Double(negativeCount)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }

    /// Binary (two columns): mean (p₁ − y)². Multiclass: mean over rows of Σₖ (pₖ − [y = k])².
    public static func brierScore(truth: [Int], probabilities: Matrix) -> Double {
        checkLengths(truth.count, probabilities.rows)
        var sum = 0.0
        for (row, t) in truth.enumerated() {
            if probabilities.columns == 2 {
                let difference = probabilities[row, 1] - (t == 1 ? 1 : 0)
                sum += difference * difference
            } else {
                for c in 0..<probabilities.columns {
                    let difference = probabilities[row, c] - (t == c ? 1 : 0)
                    sum += difference * difference
                }
            }
        }
        return sum / Double(truth.count)
    }

    // MARK: Helpers

    /// Per-class counts.
    struct ClassCounts {
        var truePositives = 0
        var predictedCount = 0
        /// Rows whose true class is this one.
        var support = 0

        var precision: Double { predictedCount == 0 ? 0 : Double(truePositives) / Double(predictedCount) }
        var recall: Double { support == 0 ? 0 : Double(truePositives) / Double(support) }
        var f1: Double {
            let p = precision, r = recall
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
    }

    /// Counts of every class code that occurs in `truth` or `predicted`, in code order.
    static func counts(truth: [Int], predicted: [Int]) -> [ClassCounts] {
        let lowest = min(truth.min() ?? 0, predicted.min() ?? 0, 0)
        let highest = max(truth.max() ?? 0, predicted.max() ?? 0, 0)
        var perClass = [ClassCounts](repeating: ClassCounts(), count: highest - lowest + 1)
        for (t, p) in zip(truth, predicted) {
            perClass[t - lowest].support += 1
            perClass[p - lowest].predictedCount += 1
            if t == p { perClass[t - lowest].truePositives += 1 }
        }
        return perClass.filter { $0.support > 0 || $0.predictedCount > 0 }
    }

    private static func macroAverage(truth: [Int], predicted: [Int], _ score: (ClassCounts) -> Double) -> Double {
        checkLengths(truth.count, predicted.count)
        let scores = counts(truth: truth, predicted: predicted).map(score)
        return scores.reduce(0, +) / Double(scores.count)
    }

    private static func checkLengths(_ a: Int, _ b: Int) {
        precondition(a == b, "internal error: \(a) true values but \(b) predictions")
    }
}
