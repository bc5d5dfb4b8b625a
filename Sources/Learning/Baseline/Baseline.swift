/// The no-skill reference model: class priors (classification) or the mean (regression).
///
/// Like scikit-learn's `DummyClassifier(strategy="prior")` and `DummyRegressor(strategy="mean")`:
/// every row gets the training class shares, so its label is the majority class, or the training
/// mean. Any model worth keeping should beat it.
///
/// Hyperparameters: `class_weight` (none | balanced): with balanced, each class's weighted share
/// is the same, so every class gets probability 1/k (scikit-learn's `DummyClassifier` fitted with
/// the balanced sample weights).
public struct Baseline: Algorithm {
    public typealias Model = BaselineModel

    public static let name = "baseline"
    public static let summary = "Predicts the training class shares (majority class) or the training mean"
    public static let tasks: Set<Task> = [.classification, .regression]
    public static let wantsStandardizedInputs = false
    // It never looks at the features, so missing values do no harm.
    public static let acceptsMissingValues = true

    public struct Hyperparameters: HyperparameterSet {
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [ClassWeighting.field(\.classWeight)]
    }

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> BaselineModel {
        try FitInputValidation.check(Self.self, x, y)
        try context.checkCancellation()
        defer { context.progress(1) }
        let weights = try ClassWeighting.rowWeights(hyperparameters.classWeight, y, algorithm: Self.name)
        switch y {
        case .classes(let codes, let classCount):
            var counts = [Double](repeating: 0, count: classCount)
            for (row, c) in codes.enumerated() { counts[c] += weights?[row] ?? 1 }
            // In row order, so the same data gives the same bits.
            let total = counts.reduce(0, +)
            return BaselineModel(
                task: .classification, featureCount: x.columns,
                classShares: counts.map { $0 / total }, mean: 0)
        case .values(let values):
            // A plain sum in row order: the same data always gives the same bits.
            let mean = values.reduce(0, +) / Double(values.count)
            return BaselineModel(task: .regression, featureCount: x.columns, classShares: [], mean: mean)
        }
    }
}

/// A fitted `baseline`: the same class shares or mean for every row.
public struct BaselineModel: FittedModel, Equatable {
    public static let algorithmName = Baseline.name
    public let task: Task
    public let featureCount: Int
    /// Training share of each class code (classification); empty for regression.
    public let classShares: [Double]
    /// Training mean of the target (regression); 0 for classification.
    public let mean: Double

    public func predict(_ x: Matrix) -> Prediction {
        switch task {
        case .classification:
            var values = [Double]()
            values.reserveCapacity(x.rows * classShares.count)
            for _ in 0..<x.rows { values.append(contentsOf: classShares) }
            return .probabilities(Matrix(rows: x.rows, columns: classShares.count, values: values))
        case .regression:
            return .values([Double](repeating: mean, count: x.rows))
        }
    }
}

extension BaselineModel {
    public var outputWidth: Int { task == .classification ? classShares.count : 1 }

    /// Decodes a model, refusing class shares or a mean that do not fit its task.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let task = try container.decode(Task.self, forKey: .task)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let shares = try container.decode([Double].self, forKey: .classShares)
        let mean = try container.decode(Double.self, forKey: .mean)
        try StoredModelCheck.require(
            featureCount >= 0, at: path + [CodingKeys.featureCount], "\(featureCount) features")
        try StoredModelCheck.require(
            task == .classification ? shares.count >= 2 : shares.isEmpty, at: path + [CodingKeys.classShares],
            "\(shares.count) class shares for \(task.rawValue)")
        try StoredModelCheck.require(
            shares.allSatisfy { $0 >= 0 && $0 <= 1 } && mean.isFinite, at: path + [CodingKeys.classShares],
            "a class share outside 0…1 or a mean that is not finite")
        self.init(task: task, featureCount: featureCount, classShares: shares, mean: mean)
    }
}
