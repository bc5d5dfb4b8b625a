public import Tabular

/// Class probabilities for a model's own training rows, each from a refit that did not see it.
public enum OutOfFoldProbabilities {
    /// Refits `pipeline`'s algorithm, parameters and inputs on k − 1 of `k` stratified folds of
    /// `frame` (seeded by the pipeline's seed) and predicts the held-out fold, so every row with a
    /// target gets a probability from a model that did not learn from it.
    /// - Returns: the rows (indices into `frame`), their class codes and probabilities, in row order.
    public static func compute(_ pipeline: PipelineModel, frame: DataFrame, k: Int = 5, context: FitContext) throws
        -> (rows: [Int], truth: [Int], probabilities: Matrix)
    {
        guard let algorithm = AlgorithmRegistry.named(pipeline.algorithm) else {
            throw PipelineError.unknownAlgorithm(pipeline.algorithm, known: AlgorithmRegistry.names)
        }
        guard let column = frame.column(named: pipeline.target.name) else {
            throw PreprocessingError.missingColumns([pipeline.target.name])
        }
        let (encoded, rows) = pipeline.target.encode(column: column, rows: Array(0..<frame.rowCount))
        guard case .classes(let codes, let classCount) = encoded, rows.count >= k else {
            throw PipelineError.thresholdNeedsBinaryClassifier(
                task: pipeline.task, classCount: pipeline.target.classes.count)
        }
        let folds = KFold.folds(rowCount: rows.count, k: k, strata: codes, seed: pipeline.seed)
        var values = [Double](repeating: 0, count: rows.count * classCount)
        for fold in folds {
            try context.checkCancellation()
            let held = Set(fold)
            let trainRows = rows.indices.filter { !held.contains($0) }.map { rows[$0] }
            let refit = try PipelineModel.train(
                algorithm: algorithm, parameters: pipeline.parameters.values, frame: frame,
                target: pipeline.target.name,
                features: pipeline.preprocessor.inputNames, rows: trainRows, task: pipeline.task,
                missingIndicators: pipeline.preprocessor.options.missingIndicators, context: context)
            guard case .probabilities(let p) = try refit.predict(frame.selectingRows(fold.map { rows[$0] })).prediction
            else { continue }
            // A fold's refit can lack a class its training rows did not have: match columns by name.
            for (i, position) in fold.enumerated() {
                for (c, name) in refit.target.classes.enumerated() {
                    guard let code = pipeline.target.classes.firstIndex(of: name), c < p.columns else { continue }
                    values[position * classCount + code] = p[i, c]
                }
            }
        }
        return (rows, codes, Matrix(rows: rows.count, columns: classCount, values: values))
    }
}
