import Learning

extension ONNXExporter {
    /// `scores = X · Wᵀ + b` with `Gemm` in double, then `Softmax` over classes (classification).
    ///
    /// Not ml `LinearClassifier`/`LinearRegressor`: those take float coefficients and emit float.
    /// The coefficient columns follow the graph's column order (`EncodedFeatures`).
    static func emitLinear(_ model: LinearModel, features x: EncodedFeatures, into graph: inout GraphBuilder) throws
        -> Head
    {
        let width = x.column.count
        guard model.featureCount == width, model.coefficients.columns == width,
            model.intercepts.count == model.coefficients.rows,
            model.coefficients.values.count == model.coefficients.rows * width
        else {
            throw ONNXExportError.inconsistent(
                "linear model shape \(model.coefficients.rows)×\(model.coefficients.columns) does not fit \(width) features"
            )
        }
        let weights = graph.constant(
            "coefficients", doubles: x.graphWeightColumns(of: model.coefficients.values, rows: model.coefficients.rows),
            shape: [model.coefficients.rows, x.width])
        let bias = graph.constant("intercepts", doubles: model.intercepts, shape: [model.intercepts.count])
        let scores = graph.add("Gemm", [x.value, weights, bias], named: "scores", attributes: [.int("transB", 1)])
        switch model.task {
        case .classification:
            return .probabilities(graph.add("Softmax", [scores], named: "softmax", attributes: [.int("axis", 1)]))
        case .regression:
            return .values(scores)
        }
    }
}
