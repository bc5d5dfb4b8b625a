/// Precision, recall, F1 and support of one class: a row of scikit-learn's `classification_report`.
public struct ClassScores: Sendable, Equatable {
    /// The class code (an index into the target's classes).
    public let classCode: Int
    /// Of the rows predicted as this class, the share that are (0 when it is never predicted,
    /// scikit-learn's `zero_division` default).
    public let precision: Double
    /// Of the rows of this class, the share predicted as it.
    public let recall: Double
    public let f1: Double
    /// Rows whose true class is this one.
    public let support: Int
}

extension ClassificationReport {
    /// One row per class that occurs in the truth or the predictions, in code order — the classes
    /// the macro averages run over, so the mean of each column is the matching macro score.
    /// Derived from the confusion matrix (row sums are support, column sums predictions), so an
    /// old stored report has them too.
    public var perClass: [ClassScores] {
        let matrix = confusionMatrix
        return matrix.indices.compactMap { c in
            var counts = ClassificationMetrics.ClassCounts()
            counts.truePositives = matrix[c][c]
            counts.support = matrix[c].reduce(0, +)
            counts.predictedCount = matrix.reduce(0) { $0 + (c < $1.count ? $1[c] : 0) }
            guard counts.support > 0 || counts.predictedCount > 0 else { return nil }
            return ClassScores(
                classCode: c, precision: counts.precision, recall: counts.recall, f1: counts.f1, support: counts.support
            )
        }
    }

    /// Precision, recall and F1 averaged with each class weighted by its support (scikit-learn's
    /// "weighted avg"); NaN when no row has a class.
    public var supportWeightedAverages: (precision: Double, recall: Double, f1: Double) {
        let rows = perClass
        let total = Double(rows.reduce(0) { $0 + $1.support })
        guard total > 0 else { return (.nan, .nan, .nan) }
        func mean(_ score: (ClassScores) -> Double) -> Double {
            rows.reduce(0) { $0 + score($1) * Double($1.support) } / total
        }
        return (mean(\.precision), mean(\.recall), mean(\.f1))
    }
}
