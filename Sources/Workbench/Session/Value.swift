import Synchronization
public import ColumnExpressions
public import Learning
public import Tabular

/// A dataset bound in the session, with where it came from.
public struct Dataset: Sendable {
    /// Never replaced: the fingerprint cache belongs to it.
    public let frame: DataFrame
    /// How the user referred to its origin (a path as typed, a query, "split of iris").
    public var source: String
    /// Where a part of a `split` came from, so advice can name the split (nil for loaded data).
    public var split: SplitOrigin? = nil
    /// The columns `derive` computed, in order: a model trained on them computes them itself
    /// from the raw columns.
    public var derivations: [Derivation] = []
    private var fingerprintCache: FingerprintCache

    /// A dataset whose fingerprint is known (a file's bytes, a query's table).
    public init(
        frame: DataFrame, source: String, fingerprint: String, split: SplitOrigin? = nil, derivations: [Derivation] = []
    ) {
        self.frame = frame
        self.source = source
        self.split = split
        self.derivations = derivations
        fingerprintCache = FingerprintCache(known: fingerprint)
    }

    /// A dataset computed in the session (filter, join, …): its fingerprint is the table's,
    /// hashed when first asked for — hashing a million rows costs more than most verbs.
    public init(frame: DataFrame, source: String, split: SplitOrigin? = nil, derivations: [Derivation] = []) {
        self.frame = frame
        self.source = source
        self.split = split
        self.derivations = derivations
        fingerprintCache = FingerprintCache(known: nil)
    }

    /// `sha256:` content fingerprint: of the file's bytes when loaded from a file, else of the table.
    public var fingerprint: String {
        get { fingerprintCache.value(of: frame) }
        set { fingerprintCache = FingerprintCache(known: newValue) }
    }
}

/// A fingerprint given, or computed once from the table on first use.
final class FingerprintCache: Sendable {
    private let value: Mutex<String?>

    init(known: String?) { value = Mutex(known) }

    func value(of frame: DataFrame) -> String {
        value.withLock { cached in
            if let cached { return cached }
            let computed = Fingerprint.of(frame: frame)
            cached = computed
            return computed
        }
    }
}

/// The dataset a `split` part was cut from, and the column it was stratified by (if any).
public struct SplitOrigin: Sendable {
    public var parent: String
    public var stratifiedBy: String?
}

/// An algorithm with fixed hyperparameters: what `lb.best` or `t.best` names, and what `train` accepts.
public struct Candidate: Sendable {
    public var algorithm: any Algorithm.Type
    public var parameters: Parameters
    /// The cross-validation this exact candidate already had (from compare or tune), so a model
    /// trained from it on the same data, target and features carries it instead of redoing it.
    public var evidence: CrossValidationEvidence?

    public init(algorithm: any Algorithm.Type, parameters: Parameters, evidence: CrossValidationEvidence? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
        self.evidence = evidence
    }

    /// `forest (n_estimators=200, max_depth=8)`, listing only values that differ from the defaults.
    public var description: String {
        let defaults =
            (try? Parameters(algorithm: algorithm.name, specs: algorithm.parameterSpecs, given: [:]))?.values ?? [:]
        let changed = parameters.values.keys.sorted().filter { parameters.values[$0] != defaults[$0] }
        guard !changed.isEmpty else { return algorithm.name }
        return algorithm.name + " ("
            + changed.map { "\($0)=\(parameters.values[$0]?.description ?? "")" }.joined(separator: ", ") + ")"
    }
}

/// Where and how a candidate was cross-validated.
public struct CrossValidationEvidence: Sendable {
    public var dataName: String
    public var target: String
    public var features: [String]
    public var result: CrossValidationResult
}

extension Leaderboard {
    /// Row `index`'s candidate, carrying its cross-validation.
    func candidate(at index: Int) -> Candidate? {
        guard rows.indices.contains(index) else { return nil }
        var c = rows[index].candidate
        c.evidence = CrossValidationEvidence(
            dataName: dataName, target: target, features: features, result: rows[index].result)
        return c
    }
}

/// A trained model in the session, with the record of how it was made.
public struct TrainedModel: Sendable {
    public var pipeline: PipelineModel
    /// The dataset name it was trained on, and that data's fingerprint and shape.
    public var dataName: String
    public var dataFingerprint: String
    public var rowCount: Int
    public var fitSeconds: Double
    /// The score on its own training rows (optimistic).
    public var trainingScores: Scores
    /// Cross-validation scores per fold when the model came out of compare or tune.
    public var crossValidation: CrossValidationResult?
    /// The run registry id of the training run, if it was recorded.
    public var runID: Int64?
    /// Purpose and intended users, set with `note`.
    public var note: String?
    /// The training rows (shared storage, not a copy): the sample for bundles' verification rows
    /// and resource profile, and the reference for drift.
    public var trainingFrame: DataFrame?
    /// Where the model came from when it was imported from a bundle.
    public var bundlePath: String?
    /// For an imported model, what its bundle says of how it was made (a line for the card).
    public var bundleProvenance: String?
    /// The latest validation on fresh data, for the card and the bundle.
    public var validation: ValidationReport?
    /// The latest `evaluate` on held-out data (not the training data): its name and scores.
    public var heldOut: (data: String, scores: Scores)?
    /// What an imported bundle carries in place of the training rows and fold scores.
    public var bundleEvidence: BundleEvidence?
    /// How `threshold` chose the pipeline's decision threshold, for the card.
    public var decisionThresholdOrigin: String?
    /// How `calibrate` fitted the pipeline's calibration, for the card.
    public var calibrationOrigin: String?
    /// Where `conformal` fitted the pipeline's sets or intervals, for the card.
    public var conformalOrigin: String?
}

/// The evidence a bundle keeps for validation: cross-validation figures from its manifest and
/// the drift profiles from its `reference.json`.
public struct BundleEvidence: Sendable {
    /// Mean and standard deviation per metric name (the manifest's `cv_NAME`, `cv_NAME_std`).
    public var crossValidation: [String: [Double]]
    /// The training inputs' profile.
    public var inputs: ReferenceProfile?
    /// The out-of-fold predictions' profile (bundles written before it existed lack it).
    public var outOfFold: ReferenceProfile?
}

/// Scores of one model on one dataset, bound by `e = evaluate ...`.
public struct EvaluationValue: Sendable {
    public var model: String
    public var data: String
    public var scores: Scores
}

/// Anything a name can be bound to in a session.
public enum Value: Sendable {
    case dataset(Dataset)
    case model(TrainedModel)
    case candidate(Candidate)
    case leaderboard(Leaderboard)
    case evaluation(EvaluationValue)
    case validation(ValidationReport)
    case drift(DatasetDrift)
    case number(Double)

    /// The kind as users read it in messages and `ls`.
    public var kindName: String {
        switch self {
        case .dataset: "dataset"
        case .model: "model"
        case .candidate: "candidate"
        case .leaderboard: "leaderboard"
        case .evaluation: "evaluation"
        case .validation: "validation"
        case .drift: "drift report"
        case .number: "number"
        }
    }

    /// One line for `ls`.
    public var summary: String {
        switch self {
        case .dataset(let d):
            "\(d.frame.rowCount) rows × \(d.frame.columnCount) columns  from \(d.source)"
        case .model(let m):
            "\(Candidate(algorithm: AlgorithmRegistry.named(m.pipeline.algorithm) ?? Baseline.self, parameters: m.pipeline.parameters).description) → \(m.pipeline.target.name) (\(m.pipeline.task.rawValue)), trained on \(m.dataName)"
        case .candidate(let c):
            c.description
        case .leaderboard(let lb):
            "\(lb.rows.count) candidates on \(lb.dataName) by \(lb.metric.name), best \(lb.rows.first?.candidate.description ?? "-")"
        case .evaluation(let e):
            "\(e.model) on \(e.data)"
        case .validation(let v):
            "\(v.verdict.rawValue): \(v.model) on \(v.data)"
        case .drift(let d):
            "\(d.driftedFeatures.count) of \(d.features.count) features drifted"
        case .number(let x):
            formatStatistic(x)
        }
    }

    /// A named part of the value (`lb.best`, `e.accuracy`), if it has one.
    public func part(_ name: String) -> Value? {
        switch self {
        case .leaderboard(let lb):
            if name == "best", let best = lb.candidate(at: 0) { return .candidate(best) }
            return nil
        case .evaluation(let e):
            guard let metric = MetricCatalog.named(name) else { return nil }
            let x = metric.value(e.scores)
            return x.isNaN ? nil : .number(x)
        case .validation(let v):
            switch name {
            case "report": return .validation(v)
            case "verdict": return nil
            case "passed": return .number(v.verdict == .pass ? 1 : 0)
            default:
                guard let fresh = v.freshScores, let metric = MetricCatalog.named(name) else { return nil }
                let x = metric.value(fresh)
                return x.isNaN ? nil : .number(x)
            }
        case .drift(let d):
            if name == "share" { return .number(d.share) }
            return d.features.first { $0.name == name }.flatMap { $0.psi }.map { .number($0) }
        case .model(let m):
            switch name {
            case "algorithm":
                return .candidate(
                    Candidate(
                        algorithm: AlgorithmRegistry.named(m.pipeline.algorithm) ?? Baseline.self,
                        parameters: m.pipeline.parameters))
            default: return MetricCatalog.named(name).map { .number($0.value(m.trainingScores)) }
            }
        default:
            return nil
        }
    }
}
