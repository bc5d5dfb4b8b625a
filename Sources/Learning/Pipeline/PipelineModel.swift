import Foundation
import Tabular

/// A trained model end to end: preprocessing, the fitted algorithm and the target's encoding.
/// Encodes to JSON and reloads to bit-identical predictions.
public struct PipelineModel: Sendable, Codable {
    public let algorithm: String
    public let parameters: Parameters
    public let seed: UInt64
    public let preprocessor: Preprocessor
    public let target: TargetSpec
    public let fitted: AnyFittedModel

    /// What `predict` returns for a batch of rows.
    public struct Output: Sendable {
        public var prediction: Prediction
        public var warnings: [InputWarning]

        /// Predicted labels (classification) as text.
        public func labels(classes: [String]) -> [String]? {
            prediction.labels.map { codes in codes.map { classes.indices.contains($0) ? classes[$0] : "" } }
        }
    }

    public var task: Task { target.task }

    /// Fits the preprocessing on `rows` and then the algorithm on the encoded rows.
    public static func train(
        algorithm: any Algorithm.Type, parameters: [String: ParameterValue], frame: DataFrame, target targetName: String,
        features: [String], rows: [Int]? = nil, task: Task? = nil, missingIndicators: Bool = false, context: FitContext
    ) throws -> PipelineModel {
        try train(algorithm, parameters: parameters, frame: frame, target: targetName, features: features, rows: rows ?? Array(0..<frame.rowCount), task: task, missingIndicators: missingIndicators, context: context)
    }

    private static func train<A: Algorithm>(
        _: A.Type, parameters given: [String: ParameterValue], frame: DataFrame, target targetName: String,
        features: [String], rows: [Int], task: Task?, missingIndicators: Bool, context: FitContext
    ) throws -> PipelineModel {
        guard let targetColumn = frame.column(named: targetName) else { throw PreprocessingError.missingColumns([targetName]) }
        let algorithm = try A.make(given)
        let (spec, target, used) = try TargetSpec.fit(column: targetColumn, rows: rows, task: task)
        guard A.tasks.contains(spec.task) else { throw PipelineError.unsupportedTask(algorithm: A.name, task: spec.task) }
        let options = Preprocessor.Options(standardize: A.wantsStandardizedInputs, impute: !A.acceptsMissingValues, missingIndicators: missingIndicators)
        let preprocessor = try Preprocessor(fitting: frame, features: features, rows: used, options: options)
        let (x, _) = try preprocessor.transform(frame.selectingRows(used))
        let model = try algorithm.fit(x, target, context: context)
        return PipelineModel(algorithm: A.name, parameters: algorithm.parameters, seed: context.seed, preprocessor: preprocessor, target: spec, fitted: AnyFittedModel(model))
    }

    /// Predicts every row of `frame` (columns by name; extra columns ignored).
    public func predict(_ frame: DataFrame) throws -> Output {
        let (x, warnings) = try preprocessor.transform(frame)
        return Output(prediction: fitted.model.predict(x), warnings: warnings)
    }
}
