/// A named score that model selection can rank by.
public struct MetricDefinition: Sendable {
    public let name: String
    /// Shown in tables.
    public let label: String
    public let task: Task
    public let higherIsBetter: Bool
    let classification: (@Sendable (ClassificationReport) -> Double)?
    let regression: (@Sendable (RegressionReport) -> Double)?

    /// The value in a report of this metric's task (NaN for the other task or when undefined).
    public func value(_ scores: Scores) -> Double {
        switch scores {
        case .classification(let r): classification?(r) ?? .nan
        case .regression(let r): regression?(r) ?? .nan
        }
    }
}

/// The full set of scores for one set of predictions.
public enum Scores: Sendable, Codable, Equatable {
    case classification(ClassificationReport)
    case regression(RegressionReport)

    /// Rows scored.
    public var rowCount: Int {
        switch self {
        case .classification(let r): r.rowCount
        case .regression(let r): r.rowCount
        }
    }

    /// Scores a prediction against the true target; labels follow the model's `decision` rule.
    public init(target: Target, prediction: Prediction, decision: DecisionRule = .mostProbable) {
        switch (target, prediction) {
        case (.classes(let truth, _), .probabilities(let p)):
            self = .classification(ClassificationReport(truth: truth, probabilities: p, decision: decision))
        case (.values(let truth), .values(let v)):
            self = .regression(RegressionReport(truth: truth, predicted: v))
        case (.classes(let truth, let k), .values(let v)):
            // A regressor on class codes: score its rounded output as labels.
            let probabilities = Matrix(
                rows: v.count, columns: k,
                values: v.flatMap { x in
                    (0..<k).map { Double($0) == min(Double(k - 1), max(0, x.rounded())) ? 1.0 : 0.0 }
                })
            self = .classification(ClassificationReport(truth: truth, probabilities: probabilities))
        case (.values(let truth), .probabilities(let p)):
            self = .regression(RegressionReport(truth: truth, predicted: (0..<p.rows).map { p[$0, 0] }))
        }
    }
}

/// Every metric `compare`, `tune` and `validate` can rank by.
public enum MetricCatalog {
    public static let all: [MetricDefinition] = [
        .init(
            name: "accuracy", label: "accuracy", task: .classification, higherIsBetter: true,
            classification: { $0.accuracy }, regression: nil),
        .init(
            name: "balanced_accuracy", label: "balanced acc", task: .classification, higherIsBetter: true,
            classification: { $0.balancedAccuracy }, regression: nil),
        .init(
            name: "f1", label: "macro F1", task: .classification, higherIsBetter: true, classification: { $0.macroF1 },
            regression: nil),
        .init(
            name: "precision", label: "macro precision", task: .classification, higherIsBetter: true,
            classification: { $0.macroPrecision }, regression: nil),
        .init(
            name: "recall", label: "macro recall", task: .classification, higherIsBetter: true,
            classification: { $0.macroRecall }, regression: nil),
        .init(
            name: "log_loss", label: "log loss", task: .classification, higherIsBetter: false,
            classification: { $0.logLoss }, regression: nil),
        .init(
            name: "auc", label: "ROC AUC", task: .classification, higherIsBetter: true,
            classification: { $0.rocAUC ?? .nan }, regression: nil),
        .init(
            name: "brier", label: "Brier", task: .classification, higherIsBetter: false,
            classification: { $0.brierScore }, regression: nil),
        .init(
            name: "r2", label: "R²", task: .regression, higherIsBetter: true, classification: nil, regression: { $0.r2 }
        ),
        .init(
            name: "rmse", label: "RMSE", task: .regression, higherIsBetter: false, classification: nil,
            regression: { $0.rmse }),
        .init(
            name: "mae", label: "MAE", task: .regression, higherIsBetter: false, classification: nil,
            regression: { $0.mae }),
        .init(
            name: "median_ae", label: "median AE", task: .regression, higherIsBetter: false, classification: nil,
            regression: { $0.medianAbsoluteError }),
    ]

    public static func named(_ name: String) -> MetricDefinition? { all.first { $0.name == name } }

    public static func metrics(for task: Task) -> [MetricDefinition] { all.filter { $0.task == task } }

    /// The default ranking metric: accuracy for classification, R² for regression.
    public static func primary(for task: Task) -> MetricDefinition {
        task == .classification ? all[0] : all[8]
    }
}
