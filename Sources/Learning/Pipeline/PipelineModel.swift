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
    /// Binary classification only: the probability of the second class (code 1) at or above which
    /// the label is that class, chosen by `threshold`; nil is the most probable class (0.5).
    /// Probabilities never change; only the label does. Set with `withDecisionThreshold`.
    public private(set) var decisionThreshold: Double? = nil
    /// Classification only: maps the fitted model's probabilities to calibrated ones (set by
    /// `calibrate`); nil means the model's own. Every prediction path applies it (`calibrated`).
    public private(set) var calibration: ProbabilityCalibration? = nil
    /// Split-conformal sets or intervals fitted by `conformal`, on the probabilities or values this
    /// pipeline gives (so after its calibration); nil when it has none.
    public private(set) var conformal: ConformalPredictor? = nil

    /// What `predict` returns for a batch of rows.
    public struct Output: Sendable {
        public var prediction: Prediction
        public var warnings: [InputWarning]
        /// The model's decision threshold, applied by `labels`.
        public var decisionThreshold: Double? = nil

        /// Predicted labels (classification) as text, with the model's decision threshold.
        public func labels(classes: [String]) -> [String]? {
            prediction.labels(threshold: decisionThreshold).map { codes in codes.map { classes.indices.contains($0) ? classes[$0] : "" } }
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
        return Output(prediction: calibrated(fitted.model.predict(x)), warnings: warnings, decisionThreshold: decisionThreshold)
    }

    /// The fitted model's raw prediction after the pipeline's calibration, if it has one.
    public func calibrated(_ prediction: Prediction) -> Prediction {
        guard let calibration, case .probabilities(let p) = prediction else { return prediction }
        return .probabilities(calibration.apply(p))
    }

    /// The same model with its probabilities mapped by `calibration` (which replaces any earlier
    /// one). A decision threshold was chosen on the old probabilities, so it is dropped.
    public func withCalibration(_ calibration: ProbabilityCalibration) throws -> PipelineModel {
        guard task == .classification, calibration.isValid(classCount: target.classes.count) else {
            throw PipelineError.calibrationNeedsClassifier(task: task)
        }
        var copy = self
        copy.calibration = calibration
        copy.decisionThreshold = nil
        // Fitted on the old probabilities: no longer a promise.
        copy.conformal = nil
        return copy
    }

    /// The same model with split-conformal sets or intervals.
    public func withConformal(_ conformal: ConformalPredictor) -> PipelineModel {
        var copy = self
        copy.conformal = conformal
        return copy
    }

    /// The same model deciding its label at `threshold` (nil: back to the most probable class).
    /// - Throws: `PipelineError.thresholdNeedsBinaryClassifier` unless the model has exactly two
    ///   classes; `PipelineError.thresholdOutOfRange` unless 0 ≤ threshold ≤ 1.
    public func withDecisionThreshold(_ threshold: Double?) throws -> PipelineModel {
        if let threshold {
            try Self.checkThreshold(threshold, target: target)
        }
        var copy = self
        copy.decisionThreshold = threshold
        return copy
    }

    static func checkThreshold(_ threshold: Double, target: TargetSpec) throws {
        guard target.task == .classification, target.classes.count == 2 else {
            throw PipelineError.thresholdNeedsBinaryClassifier(task: target.task, classCount: target.classes.count)
        }
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else { throw PipelineError.thresholdOutOfRange(threshold) }
    }

    /// The class code of one row of probabilities under this model's decision rule.
    public func decidedClass(_ probabilities: [Double]) -> Int {
        Prediction.decidedClass(probabilities, threshold: decisionThreshold)
    }
}

extension PipelineModel {
    /// Decodes a pipeline, refusing parts that disagree: the model's task, input width and output
    /// width must be the target's and the preprocessor's (each part checks itself as it decodes).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        algorithm = try container.decode(String.self, forKey: .algorithm)
        parameters = try container.decode(Parameters.self, forKey: .parameters)
        seed = try container.decode(UInt64.self, forKey: .seed)
        preprocessor = try container.decode(Preprocessor.self, forKey: .preprocessor)
        target = try container.decode(TargetSpec.self, forKey: .target)
        fitted = try container.decode(AnyFittedModel.self, forKey: .fitted)
        // Absent in models saved before thresholds existed.
        decisionThreshold = try container.decodeIfPresent(Double.self, forKey: .decisionThreshold)
        if let decisionThreshold {
            try StoredModelCheck.require(target.task == .classification && target.classes.count == 2, at: path + [CodingKeys.decisionThreshold],
                                         "a decision threshold on a model that is not a two-class classifier")
            try StoredModelCheck.require(decisionThreshold.isFinite && decisionThreshold >= 0 && decisionThreshold <= 1,
                                         at: path + [CodingKeys.decisionThreshold], "decision threshold \(decisionThreshold) is not a number from 0 to 1")
        }
        calibration = try container.decodeIfPresent(ProbabilityCalibration.self, forKey: .calibration)
        if let calibration {
            try StoredModelCheck.require(target.task == .classification && calibration.isValid(classCount: target.classes.count),
                                         at: path + [CodingKeys.calibration],
                                         "a calibration that does not fit the model's classes, or with knots that are not finite, increasing and within 0…1")
        }
        conformal = try container.decodeIfPresent(ConformalPredictor.self, forKey: .conformal)
        if let conformal {
            try StoredModelCheck.require(conformal.isValid && conformal.task == target.task, at: path + [CodingKeys.conformal],
                                         "a conformal predictor with alpha outside (0, 1), a quantile that is not a finite number ≥ 0, or another task")
        }
        let model = fitted.model
        try StoredModelCheck.require(type(of: model).algorithmName == algorithm, at: path + [CodingKeys.algorithm],
                                     "the pipeline says '\(algorithm)' but holds a '\(type(of: model).algorithmName)' model")
        try StoredModelCheck.require(model.task == target.task, at: path + [CodingKeys.fitted],
                                     "a \(model.task.rawValue) model for a \(target.task.rawValue) target")
        try StoredModelCheck.require(model.featureCount == preprocessor.outputNames.count, at: path + [CodingKeys.fitted],
                                     "the model reads \(model.featureCount) columns, the preprocessor makes \(preprocessor.outputNames.count)")
        let classes = target.task == .classification ? target.classes.count : 1
        try StoredModelCheck.require(model.outputWidth == classes, at: path + [CodingKeys.fitted],
                                     "the model gives \(model.outputWidth) outputs per row for \(classes) \(classes == 1 ? "value" : "classes")")
    }
}
