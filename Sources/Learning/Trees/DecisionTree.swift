/// CART decision tree with exact splits, like scikit-learn's `DecisionTreeClassifier/Regressor`.
///
/// Hyperparameters: `DecisionTree.Hyperparameters`, with scikit-learn's defaults.
///
/// Splits are exact: every feature is sorted once and candidate thresholds lie halfway between
/// consecutive distinct values. Missing values (NaN) are routed natively: each split learns
/// whether they go left or right; a split whose node saw none sends them to the heavier child.
/// - Complexity: O(d · n log n) to presort, then O(n · d) per tree level.
public struct DecisionTree: Algorithm {
    public static let name = "tree"
    public static let summary = "decision tree (CART, exact splits, native missing values)"
    public static let tasks: Set<Task> = [.classification, .regression]
    public static let wantsStandardizedInputs = false
    public static let acceptsMissingValues = true
    public struct Hyperparameters: HyperparameterSet {
        /// auto: gini for classification, squared_error for regression.
        public var criterion = CriterionChoice.auto
        /// 0 = unlimited.
        public var maxDepth = 0
        public var minSamplesSplit = 2
        public var minSamplesLeaf = 1
        /// Features scored per node, drawn from the seeded generator.
        public var maxFeatures = FeatureBudget.all
        /// Rows weighted by class in the impurities and leaf distributions (`ClassWeighting`);
        /// row-count rules stay unweighted, as in scikit-learn.
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .choice(
                "criterion", \.criterion, options: [.auto, .gini, .entropy, .squaredError], help: CriterionChoice.help),
            .int("max_depth", \.maxDepth, 0...10_000, help: "deepest level; 0 = unlimited"),
            .int("min_samples_split", \.minSamplesSplit, 2...1_000_000_000, help: "fewest rows a node needs to split"),
            .int("min_samples_leaf", \.minSamplesLeaf, 1...1_000_000_000, help: "fewest rows in each leaf"),
            .choice("max_features", \.maxFeatures, options: [.all, .sqrt, .log2], help: "features scored per split"),
            ClassWeighting.field(\.classWeight),
        ]
    }

    public let hyperparameters: Hyperparameters
    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> DecisionTreeModel {
        try TreeInputs.check(x, y, algorithm: Self.name)
        let settings = hyperparameters
        let criterion = try SplitCriterion.resolve(settings.criterion, task: y.task, algorithm: Self.name)
        try context.checkCancellation()
        var source = try PresortedColumns(x, threads: context.threads)
        let grower = DepthFirstGrower(
            criterion: criterion,
            maxDepth: settings.maxDepth,
            minSamplesSplit: settings.minSamplesSplit,
            minSamplesLeaf: settings.minSamplesLeaf,
            maxFeatures: TreeInputs.featureBudget(settings.maxFeatures, featureCount: x.columns))
        var generator = SeededGenerator(seed: context.seed, stream: 0)
        let weights = try ClassWeighting.rowWeights(settings.classWeight, y, algorithm: Self.name)
        let tree = try grower.grow(
            &source, targets: TrainingTargets(y, weights: weights ?? []), rootRows: 0..<x.rows, rowCount: x.rows,
            generator: &generator, context: context, reportProgress: true)
        context.progress(1)
        return DecisionTreeModel(task: y.task, featureCount: x.columns, tree: tree)
    }
}

/// A fitted CART tree: one `Tree` whose leaves hold class distributions or means.
public struct DecisionTreeModel: FittedModel {
    public static let algorithmName = DecisionTree.name
    public let task: Task
    public let featureCount: Int
    public let tree: Tree

    public func predict(_ x: Matrix) -> Prediction {
        let out = Tree.summedOutputs(of: [tree], x, scale: 1)
        switch task {
        case .classification: return .probabilities(Matrix(rows: x.rows, columns: tree.valueWidth, values: out))
        case .regression: return .values(out)
        }
    }
}

/// Input checks and parameter helpers shared by the tree family.
enum TreeInputs {
    /// Rejects empty or mismatched training data, infinite features (NaN is fine: it means
    /// missing) and class codes out of range.
    static func check(_ x: Matrix, _ y: Target, algorithm: String) throws {
        guard x.rows > 0, x.columns > 0 else { throw LearningError.emptyTrainingSet }
        guard y.count == x.rows else {
            throw LearningError.invalidParameter(
                algorithm: algorithm, name: "target", value: "\(y.count) values",
                expected: "one value per row (\(x.rows))")
        }
        // Thresholds must stay finite (JSON, ONNX), and an infinite value would sit on the wrong
        // side of the clamped "every non-missing value" threshold.
        guard !x.values.contains(where: { $0.isInfinite }) else {
            throw LearningError.invalidParameter(
                algorithm: algorithm, name: "features", value: "infinity",
                expected: "finite numbers (NaN for missing)")
        }
        switch y {
        case .classes(let codes, let k):
            guard k >= 1, codes.allSatisfy({ $0 >= 0 && $0 < k }) else {
                throw LearningError.invalidParameter(
                    algorithm: algorithm, name: "target", value: "class codes",
                    expected: "codes in 0..<\(k)")
            }
        case .values(let v):
            guard v.allSatisfy({ $0.isFinite }) else {
                throw LearningError.invalidParameter(
                    algorithm: algorithm, name: "target", value: "non-finite value",
                    expected: "finite target values")
            }
        }
    }

    /// Refuses stored trees whose outputs do not fit `task` (class probabilities: at least two; a
    /// value: one) or that test a feature past `featureCount`.
    static func checkStored(_ trees: [Tree], task: Task, featureCount: Int, width: Int? = nil, at path: [any CodingKey])
        throws
    {
        try StoredModelCheck.require(featureCount >= 0, at: path, "\(featureCount) features")
        let expected = width ?? (task == .classification ? max(2, trees.first?.valueWidth ?? 2) : 1)
        for (t, tree) in trees.enumerated() {
            try StoredModelCheck.require(
                tree.valueWidth == expected, at: path,
                "tree \(t) has \(tree.valueWidth) outputs per node, the model \(expected)")
            try StoredModelCheck.require(
                tree.largestFeature < featureCount, at: path,
                "tree \(t) tests feature \(tree.largestFeature) of a model with \(featureCount)")
        }
    }

    /// Number of features to score per node for a `max_features` choice (`auto` already resolved).
    static func featureBudget(_ choice: FeatureBudget, featureCount d: Int) -> Int {
        switch choice {
        case .sqrt: max(1, Int(Double(d).squareRoot()))
        case .log2: max(1, Int(log2Floor(d)))
        case .all, .auto: d
        }
    }

    private static func log2Floor(_ d: Int) -> Int { d <= 1 ? 0 : (Int.bitWidth - 1 - d.leadingZeroBitCount) }
}

extension DecisionTreeModel {
    public var outputWidth: Int { task == .classification ? tree.valueWidth : 1 }

    /// Decodes a model, refusing a tree that does not fit its task and features (see `Tree`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let task = try container.decode(Task.self, forKey: .task)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let tree = try container.decode(Tree.self, forKey: .tree)
        try TreeInputs.checkStored(
            [tree], task: task, featureCount: featureCount, at: container.codingPath + [CodingKeys.tree])
        self.init(task: task, featureCount: featureCount, tree: tree)
    }
}
