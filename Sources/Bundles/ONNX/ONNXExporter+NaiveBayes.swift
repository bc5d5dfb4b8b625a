import Foundation
import Learning

extension ONNXExporter {
    /// Gaussian naive Bayes with broadcasting in double:
    /// `score[n, c] = constant[c] − ½ Σⱼ (x[n, j] − μ[c, j])² / σ²[c, j]`, then `Softmax`, where
    /// `constant[c] = log prior[c] − ½ Σⱼ log(2π σ²[c, j])` is computed here exactly as Workbench does.
    /// The per-class statistics' columns follow the graph's column order (`EncodedFeatures`).
    static func emitNaiveBayes(
        _ model: GaussianNaiveBayesModel, features x: EncodedFeatures, into graph: inout GraphBuilder
    ) throws -> Head {
        let width = x.column.count
        let d = model.featureCount, k = model.classCount
        guard d == width, x.aliases.isEmpty, model.means.rows == k, model.means.columns == d,
            model.variances.rows == k, model.variances.columns == d, model.priors.count == k,
            model.means.values.count == k * d, model.variances.values.count == k * d
        else {
            throw ONNXExportError.inconsistent("naive Bayes statistics do not fit \(k) classes × \(width) features")
        }
        let constants = (0..<k).map { c -> Double in
            var sum = log(model.priors[c])
            for j in 0..<d { sum -= 0.5 * log(2 * Double.pi * model.variances.values[c * d + j]) }
            return sum
        }
        let axis1 = graph.constant("class_axis", int64s: [1], shape: [1])
        let axis2 = graph.constant("feature_axis", int64s: [2], shape: [1])
        let rows = graph.add("Unsqueeze", [x.value, axis1], named: "rows_by_class")  // [N, 1, d]
        let means = graph.constant(
            "class_means", doubles: x.graphColumns(of: model.means.values, rows: k), shape: [k, d])
        let variances = graph.constant(
            "class_variances", doubles: x.graphColumns(of: model.variances.values, rows: k), shape: [k, d])
        let deviation = graph.add("Sub", [rows, means], named: "deviation")  // [N, k, d]
        let squared = graph.add("Mul", [deviation, deviation], named: "squared_deviation")
        let scaled = graph.add("Div", [squared, variances], named: "scaled_deviation")
        // [N, k]
        let total = graph.add("ReduceSum", [scaled, axis2], named: "deviation_sum", attributes: [.int("keepdims", 0)])
        let half = graph.constant("minus_half", doubles: [-0.5], shape: [1])
        let logLikelihood = graph.add("Mul", [total, half], named: "log_likelihood")
        let constant = graph.constant("class_constants", doubles: constants, shape: [k])
        let scores = graph.add("Add", [logLikelihood, constant], named: "joint_log_likelihood")
        return .probabilities(
            graph.add("Softmax", [scores], named: "bayes_probabilities", attributes: [.int("axis", 1)]))
    }
}
