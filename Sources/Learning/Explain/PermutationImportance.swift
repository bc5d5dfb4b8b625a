public import Tabular
import Parallelism

/// How much a model's score drops when one input column's values are shuffled across rows
/// (Breiman 2001; scikit-learn's `permutation_importance`), per input column.
public struct PermutationImportance: Sendable, Codable, Equatable {
    /// One input column's importance.
    public struct Feature: Sendable, Codable, Equatable {
        public var name: String
        /// Mean drop in quality over the repeats (positive = the model relies on the column).
        public var mean: Double
        /// Population standard deviation of the drops (ddof = 0, as scikit-learn).
        public var standardDeviation: Double
        /// The drop of each repeat, in repeat order.
        public var drops: [Double]
    }

    public var metric: String
    /// Score of the unshuffled data.
    public var baselineScore: Double
    public var repeats: Int
    /// Sorted by decreasing mean drop (ties: input column order).
    public var features: [Feature]
}

extension Explainer {
    /// Permutation importance of every input column of `model` on the labelled rows of `frame`.
    ///
    /// Drop = baseline − shuffled score for metrics where higher is better, shuffled − baseline
    /// otherwise. Every encoded column of an input (one-hot group, missing indicator) is shuffled
    /// with the same permutation, which equals shuffling the input column since encoding is
    /// row-wise. Shuffle (feature f, repeat r) uses its own seeded stream, so the result is the
    /// same for any `threads`.
    /// - Parameter metric: a `MetricCatalog` name; the task's primary metric when nil.
    /// - Complexity: features × repeats predictions of the labelled rows.
    public static func permutationImportance(
        _ model: PipelineModel, data frame: DataFrame, metric metricName: String? = nil,
        repeats: Int = 5, seed: UInt64 = 42, threads: Int = 1,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) throws -> PermutationImportance {
        guard repeats >= 1 else { throw ExplainError.invalidRepeats(repeats) }
        let metric: MetricDefinition
        if let metricName {
            guard let found = MetricCatalog.named(metricName) else {
                throw ExplainError.unknownMetric(metricName, known: MetricCatalog.metrics(for: model.task).map(\.name))
            }
            metric = found
        } else {
            metric = MetricCatalog.primary(for: model.task)
        }
        guard metric.task == model.task else {
            throw ExplainError.metricTaskMismatch(metric: metric.name, task: model.task)
        }
        guard let targetColumn = frame.column(named: model.target.name) else {
            throw PreprocessingError.missingColumns([model.target.name])
        }
        let (target, kept) = model.target.encode(column: targetColumn, rows: Array(0..<frame.rowCount))
        guard !kept.isEmpty else { throw ExplainError.noLabelledRows(target: model.target.name) }
        let (x, _) = try model.preprocessor.transform(try model.derived(frame.selectingRows(kept)))
        let fitted = model.fitted.model
        // Every prediction goes in blocks that stop between them when asked (a k-NN model's
        // features × repeats predictions can take minutes).
        let blockRows = model.stoppableBlockRows
        let predict = { @Sendable (x: Matrix) throws -> Prediction in
            try PipelineModel.predict(fitted, x, blockRows: blockRows) { _ in
                if isCancelled() { throw LearningError.cancelled }
            }
        }
        let baseline = metric.value(Scores(target: target, prediction: try predict(x)))
        let sources = model.preprocessor.outputSources
        let inputs = model.preprocessor.features

        let drops = try parallelMap(inputs.count, threads: threads) { f -> [Double] in
            let columns = sources.indices.filter { sources[$0] == f }
            return try (0..<repeats).map { r in
                var generator = SeededGenerator(seed: seed, stream: f * repeats + r)
                var order = Array(0..<x.rows)
                generator.shuffle(&order)
                var shuffled = x
                for i in 0..<x.rows {
                    for j in columns { shuffled.values[i * x.columns + j] = x.values[order[i] * x.columns + j] }
                }
                let score = metric.value(Scores(target: target, prediction: try predict(shuffled)))
                return metric.higherIsBetter ? baseline - score : score - baseline
            }
        }
        let features = inputs.enumerated().map { f, spec -> PermutationImportance.Feature in
            let values = drops[f]
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return PermutationImportance.Feature(
                name: spec.name, mean: mean, standardDeviation: variance.squareRoot(), drops: values)
        }
        let sorted = features.enumerated().sorted { a, b in
            a.element.mean != b.element.mean ? a.element.mean > b.element.mean : a.offset < b.offset
        }.map(\.element)
        return PermutationImportance(metric: metric.name, baselineScore: baseline, repeats: repeats, features: sorted)
    }
}
