public import ColumnExpressions
import Foundation
public import Tabular

/// A trained model end to end: preprocessing, the fitted algorithm and the target's encoding.
/// Encodes to JSON and reloads to bit-identical predictions.
public struct PipelineModel: Sendable, Codable {
    public let algorithm: String
    public let parameters: Parameters
    public let seed: UInt64
    public let preprocessor: Preprocessor
    public let target: TargetSpec
    public let fitted: AnyFittedModel
    /// The derived columns among the features (and those they read), computed from the raw
    /// columns before preprocessing; empty for a model trained on plain columns.
    public private(set) var derivations: [Derivation] = []
    /// What training saw of the raw columns the model takes when it has derivations; nil otherwise
    /// (then its inputs are the preprocessor's features).
    public private(set) var rawInputs: [FeatureSpec]? = nil

    /// The columns a caller gives: the features, except that derived ones are replaced by the raw
    /// columns their formulas read.
    public var inputs: [FeatureSpec] { rawInputs ?? preprocessor.features }
    /// Binary classification only: the probability of the second class (code 1) at or above which
    /// the label is that class, chosen by `threshold`; nil is the most probable class (0.5).
    /// Probabilities never change; only the label does. Set with `withDecisionThreshold`.
    public private(set) var decisionThreshold: Double? = nil
    /// Classification: the cost of deciding each class when the truth is each class (rows: true
    /// class, columns: decided class, class order); the label is the class with the lowest
    /// expected cost under the probabilities. Set with `withDecisionCosts`; never with a threshold.
    public private(set) var decisionCosts: [[Double]]? = nil
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
        /// The model's decision rule, applied by `labels`.
        public var decision: DecisionRule = .mostProbable

        /// Predicted labels (classification) as text, under the model's decision rule.
        public func labels(classes: [String]) -> [String]? {
            prediction.labels(decision: decision).map { codes in
                codes.map { classes.indices.contains($0) ? classes[$0] : "" }
            }
        }
    }

    /// How the model turns probabilities into its label: its costs, its threshold, or the most probable class.
    public var decision: DecisionRule {
        if let decisionCosts { return .costs(decisionCosts) }
        return DecisionRule(threshold: decisionThreshold)
    }

    public var task: Task { target.task }

    /// Fits the preprocessing on `rows` and then the algorithm on the encoded rows.
    public static func train(
        algorithm: any Algorithm.Type, parameters: [String: ParameterValue], frame: DataFrame,
        target targetName: String,
        features: [String], rows: [Int]? = nil, task: Task? = nil, missingIndicators: Bool = false,
        derivations: [Derivation] = [], context: FitContext
    ) throws -> PipelineModel {
        var model = try train(
            algorithm, parameters: parameters, frame: frame, target: targetName, features: features,
            rows: rows ?? Array(0..<frame.rowCount), task: task, missingIndicators: missingIndicators, context: context)
        let needed = derivations.needed(by: features)
        guard !needed.isEmpty else { return model }
        // The derived features' columns are in `frame` already; the model records how to compute
        // them and what training saw of the raw columns they come from.
        let raw = needed.rawInputs(for: features)
        let missing = raw.filter { frame.column(named: $0) == nil }
        guard missing.isEmpty else { throw PreprocessingError.missingColumns(missing) }
        // The rows training used: those with a target.
        let all = rows ?? Array(0..<frame.rowCount)
        let used = frame.column(named: targetName).map { c in all.filter { !c.data.isMissing(at: $0) } } ?? all
        model.derivations = needed
        model.rawInputs = raw.compactMap { frame.column(named: $0) }.map { FeatureSpec.fitting($0, rows: used) }
        return model
    }

    private static func train<A: Algorithm>(
        _: A.Type, parameters given: [String: ParameterValue], frame: DataFrame, target targetName: String,
        features: [String], rows: [Int], task: Task?, missingIndicators: Bool, context: FitContext
    ) throws -> PipelineModel {
        guard let targetColumn = frame.column(named: targetName) else {
            throw PreprocessingError.missingColumns([targetName])
        }
        let algorithm = try A.make(given)
        let (spec, target, used) = try TargetSpec.fit(column: targetColumn, rows: rows, task: task)
        guard A.tasks.contains(spec.task) else {
            throw PipelineError.unsupportedTask(algorithm: A.name, task: spec.task)
        }
        let options = Preprocessor.Options(
            standardize: A.wantsStandardizedInputs, impute: !A.acceptsMissingValues,
            missingIndicators: missingIndicators)
        let preprocessor = try Preprocessor(fitting: frame, features: features, rows: used, options: options)
        let (x, _) = try preprocessor.transform(frame.selectingRows(used))
        let model = try algorithm.fit(x, target, context: context)
        return PipelineModel(
            algorithm: A.name, parameters: algorithm.parameters, seed: context.seed, preprocessor: preprocessor,
            target: spec, fitted: AnyFittedModel(model))
    }

    /// `frame` with the model's derived columns computed from its raw columns (as it is when the
    /// model has none).
    public func derived(_ frame: DataFrame) throws -> DataFrame {
        guard !derivations.isEmpty else { return frame }
        return try derivations.apply(to: frame).frame
    }

    /// `frame` as drift compares the model's inputs: each date input as its days since 1970
    /// (`Preprocessor.driftView`, over the raw inputs when the model derives columns).
    public func driftView(_ frame: DataFrame) -> DataFrame {
        let dates = Dictionary(inputs.compactMap { f in f.date.map { (f.name, $0) } }, uniquingKeysWith: { a, _ in a })
        guard !dates.isEmpty else { return frame }
        return frame.mappingColumns { column in dates[column.name]?.daysColumn(column) ?? column }
    }

    /// Predicts every row of `frame` (columns by name; extra columns ignored).
    public func predict(_ frame: DataFrame) throws -> Output {
        let (x, warnings) = try preprocessor.transform(try derived(frame))
        return Output(prediction: calibrated(fitted.model.predict(x)), warnings: warnings, decision: decision)
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
        copy.decisionCosts = nil
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
        copy.decisionCosts = nil
        return copy
    }

    /// The same model deciding the class with the lowest expected cost (nil: back to the most
    /// probable class); replaces a decision threshold.
    /// - Throws: `PipelineError.costsNeedClassifier` for a regression model,
    ///   `PipelineError.invalidCosts` unless the matrix is classes × classes of finite numbers ≥ 0.
    public func withDecisionCosts(_ costs: [[Double]]?) throws -> PipelineModel {
        if let costs {
            guard task == .classification else { throw PipelineError.costsNeedClassifier }
            guard DecisionRule.validCosts(costs, classCount: target.classes.count) else {
                throw PipelineError.invalidCosts(classCount: target.classes.count)
            }
        }
        var copy = self
        copy.decisionCosts = costs
        copy.decisionThreshold = nil
        return copy
    }

    static func checkThreshold(_ threshold: Double, target: TargetSpec) throws {
        guard target.task == .classification, target.classes.count == 2 else {
            throw PipelineError.thresholdNeedsBinaryClassifier(task: target.task, classCount: target.classes.count)
        }
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else {
            throw PipelineError.thresholdOutOfRange(threshold)
        }
    }

    /// The class code of one row of probabilities under this model's decision rule.
    public func decidedClass(_ probabilities: [Double]) -> Int {
        decision.decide(probabilities)
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
        derivations = try container.decodeIfPresent([Derivation].self, forKey: .derivations) ?? []
        rawInputs = try container.decodeIfPresent([FeatureSpec].self, forKey: .rawInputs)
        if !derivations.isEmpty {
            guard let rawInputs else {
                throw DecodingError.dataCorruptedError(
                    forKey: .rawInputs, in: container,
                    debugDescription: "a model with derived columns must list its raw inputs")
            }
            let kinds: [String: ColumnKind]
            do { kinds = try derivations.check(raw: rawInputs.map { ($0.name, $0.kind) }) } catch {
                throw DecodingError.dataCorruptedError(
                    forKey: .derivations, in: container, debugDescription: "derived column: \(error.message)")
            }
            let rawNames = Set(rawInputs.map(\.name))
            for feature in preprocessor.features {
                try StoredModelCheck.require(
                    rawNames.contains(feature.name) || kinds[feature.name] == feature.kind,
                    at: path + [CodingKeys.derivations],
                    "feature '\(feature.name)' is neither a raw input nor a derived column of its type")
            }
        }
        // Absent in models saved before thresholds existed.
        decisionThreshold = try container.decodeIfPresent(Double.self, forKey: .decisionThreshold)
        if let decisionThreshold {
            try StoredModelCheck.require(
                target.task == .classification && target.classes.count == 2, at: path + [CodingKeys.decisionThreshold],
                "a decision threshold on a model that is not a two-class classifier")
            try StoredModelCheck.require(
                decisionThreshold.isFinite && decisionThreshold >= 0 && decisionThreshold <= 1,
                at: path + [CodingKeys.decisionThreshold],
                "decision threshold \(decisionThreshold) is not a number from 0 to 1")
        }
        decisionCosts = try container.decodeIfPresent([[Double]].self, forKey: .decisionCosts)
        if let decisionCosts {
            try StoredModelCheck.require(
                target.task == .classification
                    && DecisionRule.validCosts(decisionCosts, classCount: target.classes.count),
                at: path + [CodingKeys.decisionCosts],
                "decision costs that are not a classes × classes matrix of finite numbers ≥ 0 with some cost above 0")
            try StoredModelCheck.require(
                decisionThreshold == nil, at: path + [CodingKeys.decisionCosts],
                "both decision costs and a decision threshold")
        }
        calibration = try container.decodeIfPresent(ProbabilityCalibration.self, forKey: .calibration)
        if let calibration {
            try StoredModelCheck.require(
                target.task == .classification && calibration.isValid(classCount: target.classes.count),
                at: path + [CodingKeys.calibration],
                "a calibration that does not fit the model's classes, or with knots that are not finite, increasing and within 0…1"
            )
        }
        conformal = try container.decodeIfPresent(ConformalPredictor.self, forKey: .conformal)
        if let conformal {
            try StoredModelCheck.require(
                conformal.isValid && conformal.task == target.task, at: path + [CodingKeys.conformal],
                "a conformal predictor with alpha outside (0, 1), a quantile that is not a finite number ≥ 0, or another task"
            )
        }
        let model = fitted.model
        try StoredModelCheck.require(
            type(of: model).algorithmName == algorithm, at: path + [CodingKeys.algorithm],
            "the pipeline says '\(algorithm)' but holds a '\(type(of: model).algorithmName)' model")
        try StoredModelCheck.require(
            model.task == target.task, at: path + [CodingKeys.fitted],
            "a \(model.task.rawValue) model for a \(target.task.rawValue) target")
        try StoredModelCheck.require(
            model.featureCount == preprocessor.outputNames.count, at: path + [CodingKeys.fitted],
            "the model reads \(model.featureCount) columns, the preprocessor makes \(preprocessor.outputNames.count)")
        let classes = target.task == .classification ? target.classes.count : 1
        try StoredModelCheck.require(
            model.outputWidth == classes, at: path + [CodingKeys.fitted],
            "the model gives \(model.outputWidth) outputs per row for \(classes) \(classes == 1 ? "value" : "classes")")
    }
}

extension PipelineModel {
    enum CodingKeys: String, CodingKey {
        case algorithm, parameters, seed, preprocessor, target, fitted, derivations
        case rawInputs = "inputs"
        case decisionThreshold, decisionCosts, calibration, conformal
    }

    /// Written by hand so a model without derived columns has exactly the JSON it always had.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(seed, forKey: .seed)
        try container.encode(preprocessor, forKey: .preprocessor)
        try container.encode(target, forKey: .target)
        try container.encode(fitted, forKey: .fitted)
        if !derivations.isEmpty {
            try container.encode(derivations, forKey: .derivations)
            try container.encodeIfPresent(rawInputs, forKey: .rawInputs)
        }
        try container.encodeIfPresent(decisionThreshold, forKey: .decisionThreshold)
        try container.encodeIfPresent(decisionCosts, forKey: .decisionCosts)
        try container.encodeIfPresent(calibration, forKey: .calibration)
        try container.encodeIfPresent(conformal, forKey: .conformal)
    }
}
