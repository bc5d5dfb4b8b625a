public import Tabular
public import Diagnostics

/// The column a model predicts and how its values map to the algorithm's target.
public struct TargetSpec: Sendable, Codable, Equatable {
    public var name: String
    public var task: Task
    /// Class labels in code order (classification only): sorted, like scikit-learn's classes_.
    public var classes: [String]

    /// Encodes `column` over `rows`, skipping rows whose target is missing; without a requested
    /// task, `TaskInference` chooses one. Returns the spec, the target, and the rows actually used.
    public static func fit(column: Column, rows: [Int], task requested: Task?) throws -> (TargetSpec, Target, [Int]) {
        let task = requested ?? TaskInference.infer(column: column, rows: rows).task
        let used = rows.filter { !column.data.isMissing(at: $0) }
        guard !used.isEmpty else { throw PipelineError.targetAllMissing(column.name) }
        switch task {
        case .regression:
            guard case .numeric(let values) = column.data else {
                throw PipelineError.textTargetForRegression(column.name)
            }
            return (
                TargetSpec(name: column.name, task: .regression, classes: []), .values(used.map { values[$0] }), used
            )
        case .classification:
            let labels = used.map { column.text(at: $0) ?? "" }
            let classes = Array(Set(labels)).sorted(by: TargetSpec.labelOrder)
            guard classes.count >= 2 else { throw PipelineError.singleClass(column.name, classes.first ?? "") }
            let code = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            return (
                TargetSpec(name: column.name, task: .classification, classes: classes),
                .classes(labels.map { code[$0] ?? 0 }, classCount: classes.count), used
            )
        }
    }

    /// Numeric labels sort as numbers (2 before 10), others as text.
    static func labelOrder(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }

    /// The target of `rows` of `column`, encoded with this spec; rows with a missing or unknown
    /// target are dropped, and the rows kept are returned.
    public func encode(column: Column, rows: [Int]) -> (Target, [Int]) {
        switch task {
        case .regression:
            guard case .numeric(let values) = column.data else { return (.values([]), []) }
            let used = rows.filter { !values[$0].isNaN }
            return (.values(used.map { values[$0] }), used)
        case .classification:
            let code = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            var kept: [Int] = []
            var codes: [Int] = []
            for r in rows {
                if let text = column.text(at: r), let c = code[text] {
                    kept.append(r)
                    codes.append(c)
                }
            }
            return (.classes(codes, classCount: classes.count), kept)
        }
    }
}

/// Why a pipeline could not be trained or applied.
public enum PipelineError: Error, Sendable, Equatable, UserFacingError {
    case targetAllMissing(String)
    case textTargetForRegression(String)
    case singleClass(String, String)
    case unknownAlgorithm(String, known: [String])
    case unsupportedTask(algorithm: String, task: Task)
    case thresholdNeedsBinaryClassifier(task: Task, classCount: Int)
    case thresholdOutOfRange(Double)
    case calibrationNeedsClassifier(task: Task)
    case costsNeedClassifier
    case invalidCosts(classCount: Int)

    public var diagnostic: Diagnostic {
        switch self {
        case .targetAllMissing(let c): "the target '\(c)' is missing in every row"
        case .textTargetForRegression(let c):
            Diagnostic(
                "'\(c)' holds text, so it cannot be a regression target",
                remedy: "use task=classification, or pick a numeric target")
        case .singleClass(let c, let v):
            "the target '\(c)' has only one class ('\(v)'); classification needs at least two"
        case .unknownAlgorithm(let name, let known):
            Diagnostic("unknown algorithm '\(name)'", remedy: "algorithms: \(known.joined(separator: ", "))")
        case .unsupportedTask(let a, let t): "'\(a)' does not do \(t.rawValue)"
        case .thresholdNeedsBinaryClassifier(let task, let k):
            task == .regression
                ? "a decision threshold applies to a classifier's probabilities; this model does regression and has no threshold to set"
                : Diagnostic(
                    "a decision threshold needs a model with two classes; this one has \(k)",
                    remedy:
                        "with more classes give the cost of each mistake instead: costs={TRUE: [cost of deciding each class], …}"
                )
        case .thresholdOutOfRange(let t): "the decision threshold must be a probability from 0 to 1, not \(t)"
        case .calibrationNeedsClassifier(let task):
            task == .regression
                ? "calibration maps a classifier's probabilities; this model does regression"
                : "internal error: a calibration that does not fit the model's classes"
        case .costsNeedClassifier: "decision costs weigh a classifier's mistakes; this model does regression"
        case .invalidCosts(let k):
            "decision costs need \(k) rows of \(k) numbers ≥ 0 (the cost of each decided class when the truth is each class), with some mistake costing more than 0"
        }
    }
}

extension TargetSpec {
    /// Decodes a spec, refusing classes that are too few or repeated (codes are looked up by label)
    /// and classes given for a regression target.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath + [CodingKeys.classes]
        name = try container.decode(String.self, forKey: .name)
        task = try container.decode(Task.self, forKey: .task)
        classes = try container.decode([String].self, forKey: .classes)
        switch task {
        case .classification:
            try StoredModelCheck.require(
                classes.count >= 2, at: path, "a classifier needs at least two classes, not \(classes.count)")
            try StoredModelCheck.require(Set(classes).count == classes.count, at: path, "a class label appears twice")
        case .regression:
            try StoredModelCheck.require(classes.isEmpty, at: path, "a regression target has no classes")
        }
    }
}
