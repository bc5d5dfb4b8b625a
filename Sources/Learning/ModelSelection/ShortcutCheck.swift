public import Tabular

/// Signs that a comparison's scores come from a shortcut rather than from learning: a feature that
/// is the target under another name, a single feature that alone predicts the target almost
/// perfectly, rows shared between the training data and a set meant to be new. Each finding names
/// its column or set; nothing is changed, the caller warns.
public enum ShortcutCheck {
    /// A one-feature tree scoring at least this (accuracy, or R²) in cross-validation is a warning.
    public static let singleFeatureThreshold = 0.98
    /// The single-feature check cross-validates on at most this many rows (a seeded sample).
    public static let sampleRows = 5_000

    /// Features that map one-to-one onto the target over `rows` where both are present (at least
    /// two values, and every value seen twice on average, so unique keys are not called relabellings).
    /// - Complexity: O(rows × features).
    public static func relabellings(frame: DataFrame, target: String, features: [String], rows: [Int]) -> [String] {
        guard let targetColumn = frame.column(named: target) else { return [] }
        return features.filter { name in
            guard let column = frame.column(named: name) else { return false }
            var forward: [String: String] = [:], backward: [String: String] = [:]
            var pairs = 0
            for r in rows {
                guard let f = column.text(at: r), let t = targetColumn.text(at: r) else { continue }
                pairs += 1
                if let seen = forward[f], seen != t { return false }
                if let seen = backward[t], seen != f { return false }
                forward[f] = t
                backward[t] = f
            }
            return forward.count >= 2 && pairs >= 2 * forward.count
        }
    }

    /// Features a one-feature decision tree predicts almost perfectly from, with their scores,
    /// cross-validated on `folds` (at most `sampleRows` rows, sampled with `context.seed`).
    public static func strongSingleFeatures(
        frame: DataFrame, target: String, features: [String], task: Task, rows: [Int], folds k: Int, strata: [Int]?,
        context: FitContext
    ) throws -> [(feature: String, score: Double)] {
        var used = rows
        var usedStrata = strata
        if rows.count > sampleRows {
            let picked = trainTestSplit(
                rowCount: rows.count, testFraction: Double(sampleRows) / Double(rows.count), seed: context.seed
            ).test
            used = picked.map { rows[$0] }
            usedStrata = strata.map { s in picked.map { s[$0] } }
        }
        let folds = KFold.folds(
            rowCount: used.count, k: min(k, used.count), strata: task == .classification ? usedStrata : nil,
            seed: context.seed
        )
        .map { $0.map { used[$0] } }
        let metric = MetricCatalog.primary(for: task)
        var found: [(String, Double)] = []
        for feature in features {
            try context.checkCancellation()
            let result = try CrossValidation.run(
                algorithm: DecisionTree.self, parameters: [:], frame: frame, target: target, features: [feature],
                task: task, folds: folds, allRows: used, context: context)
            let score = result.mean(of: metric)
            if score >= singleFeatureThreshold { found.append((feature, score)) }
        }
        return found
    }

    /// How many rows of `other` repeat a row of `training` exactly in `columns` (missing equals
    /// missing), counting each row of `other` once. Columns absent from either frame are skipped.
    /// - Complexity: O((rows of both) × columns).
    public static func sharedRows(training: DataFrame, other: DataFrame, columns: [String]) -> Int {
        let names = columns.filter { training.column(named: $0) != nil && other.column(named: $0) != nil }
        guard !names.isEmpty else { return 0 }
        let trainingColumns = names.compactMap { training.column(named: $0) }
        let otherColumns = names.compactMap { other.column(named: $0) }
        let seen = Set((0..<training.rowCount).map { r in trainingColumns.map { $0.text(at: r) } })
        return (0..<other.rowCount).filter { r in seen.contains(otherColumns.map { $0.text(at: r) }) }.count
    }
}
