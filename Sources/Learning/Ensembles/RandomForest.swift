import Dispatch
import Parallelism

/// Random forest of CART trees on bootstrap samples, like scikit-learn's `RandomForestClassifier/Regressor`.
///
/// Hyperparameters: `RandomForest.Hyperparameters`, with scikit-learn's defaults.
///
/// Speed choice: splits are found on binned features (quantile bins, at most `max_bins` per
/// feature plus one for missing values, built once for all trees) rather than on exact sorted
/// values: a node costs O(rows) per scored feature with no sorting, and thresholds are the bin
/// edges (real values). Missing values are routed natively like in `tree`. Trees are grown in
/// parallel (`context.threads`), each from its own seeded stream, so the model does not depend
/// on the thread count. Probabilities are the mean of the trees' leaf class distributions.
public struct RandomForest: Algorithm {
    public static let name = "forest"
    public static let summary = "random forest (bootstrap, histogram splits on ≤255 bins, native missing values)"
    public static let tasks: Set<Task> = [.classification, .regression]
    public static let wantsStandardizedInputs = false
    public static let acceptsMissingValues = true
    public struct Hyperparameters: HyperparameterSet {
        /// `n_estimators`.
        public var treeCount = 100
        /// auto: gini for classification, squared_error for regression.
        public var criterion = CriterionChoice.auto
        /// 0 = unlimited.
        public var maxDepth = 0
        public var minSamplesSplit = 2
        public var minSamplesLeaf = 1
        /// auto: sqrt for classification, all for regression.
        public var maxFeatures = FeatureBudget.auto
        public var bootstrap = true
        public var maxBins = 255
        /// Multiplies each row's bootstrap count (`ClassWeighting`).
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .int("n_estimators", \.treeCount, 1...100_000, help: "number of trees"),
            .choice(
                "criterion", \.criterion, options: [.auto, .gini, .entropy, .squaredError], help: CriterionChoice.help),
            .int("max_depth", \.maxDepth, 0...10_000, help: "deepest level; 0 = unlimited"),
            .int("min_samples_split", \.minSamplesSplit, 2...1_000_000_000, help: "fewest rows a node needs to split"),
            .int("min_samples_leaf", \.minSamplesLeaf, 1...1_000_000_000, help: "fewest rows in each leaf"),
            .choice(
                "max_features", \.maxFeatures, options: [.auto, .sqrt, .log2, .all],
                help: "features scored per split; auto = sqrt (classification) or all (regression)"),
            .flag("bootstrap", \.bootstrap, help: "train each tree on a bootstrap sample"),
            .int("max_bins", \.maxBins, 2...255, help: "value bins per feature for split search"),
            ClassWeighting.field(\.classWeight),
        ]
    }

    public let hyperparameters: Hyperparameters
    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> RandomForestModel {
        try TreeInputs.check(x, y, algorithm: Self.name)
        let settings = hyperparameters
        let criterion = try SplitCriterion.resolve(settings.criterion, task: y.task, algorithm: Self.name)
        var featureChoice = settings.maxFeatures
        if featureChoice == .auto { featureChoice = y.task == .classification ? .sqrt : .all }
        let n = x.rows
        let allRows = Array(0..<n)
        var binGenerator = SeededGenerator(seed: context.seed, stream: 0)
        let binner = try FeatureBinner(
            x, rows: allRows, maxBins: settings.maxBins,
            generator: &binGenerator, threads: context.threads)
        let codes = FeatureBinner.columnMajor(
            try binner.transform(x, rows: allRows, threads: context.threads),
            rows: n, features: x.columns)
        try context.checkCancellation()

        // Class weights multiply the bootstrap counts, as scikit-learn's class_weight does.
        let classWeights = try ClassWeighting.rowWeights(settings.classWeight, y, algorithm: Self.name)
        let baseTargets = TrainingTargets(y, weights: classWeights ?? [])
        let grower = DepthFirstGrower(
            criterion: criterion,
            maxDepth: settings.maxDepth,
            minSamplesSplit: settings.minSamplesSplit,
            minSamplesLeaf: settings.minSamplesLeaf,
            maxFeatures: TreeInputs.featureBudget(featureChoice, featureCount: x.columns))
        let treeCount = settings.treeCount
        let bootstrap = settings.bootstrap
        let done = ProgressCounter(total: treeCount, report: context.progress)
        let trees = try parallelMap(treeCount, threads: context.threads) { t -> Tree in
            try context.checkCancellation()
            var generator = SeededGenerator(seed: context.seed, stream: t + 1)
            var sample = [Int32]()
            var targets = baseTargets
            if bootstrap {
                var counts = [Double](repeating: 0, count: n)
                for _ in 0..<n { counts[generator.nextInt(below: n)] += 1 }
                sample.reserveCapacity(n * 2 / 3)
                for r in 0..<n where counts[r] > 0 { sample.append(Int32(r)) }
                if let classWeights { for r in 0..<n { counts[r] *= classWeights[r] } }
                targets.weights = counts
            } else {
                sample = (0..<n).map { Int32($0) }
            }
            var source = BinnedRows(
                binner: binner, codes: codes, rowCount: n, sample: sample,
                statsWidth: targets.statsWidth)
            let tree = try grower.grow(
                &source, targets: targets, rootRows: sample.lazy.map { Int($0) }, rowCount: sample.count,
                generator: &generator, context: context, reportProgress: false)
            done.increment()
            return tree
        }
        return RandomForestModel(task: y.task, featureCount: x.columns, trees: trees)
    }
}

/// A fitted random forest: trees whose outputs (class distributions or means) are averaged.
public struct RandomForestModel: FittedModel {
    public static let algorithmName = RandomForest.name
    public let task: Task
    public let featureCount: Int
    public let trees: [Tree]

    public func predict(_ x: Matrix) -> Prediction {
        let width = trees.first?.valueWidth ?? 1
        var out = Tree.summedOutputs(of: trees, x, scale: 1 / Double(max(1, trees.count)))
        switch task {
        case .classification:
            // Renormalize: the average of distributions sums to 1 only up to rounding.
            for r in 0..<x.rows {
                var s = 0.0
                for k in 0..<width { s += out[r * width + k] }
                if s > 0 { for k in 0..<width { out[r * width + k] /= s } }
            }
            return .probabilities(Matrix(rows: x.rows, columns: width, values: out))
        case .regression:
            return .values(out)
        }
    }
}

/// Counts finished work units from any thread and reports the fraction done.
final class ProgressCounter: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var finished = 0
    private let total: Int
    private let report: @Sendable (Double) -> Void

    init(total: Int, report: @escaping @Sendable (Double) -> Void) {
        self.total = max(1, total)
        self.report = report
    }

    func increment() {
        // Reported under the lock so fractions arrive in increasing order.
        lock.wait()
        defer { lock.signal() }
        finished += 1
        report(Double(finished) / Double(total))
    }
}

extension RandomForestModel {
    public var outputWidth: Int { task == .classification ? (trees.first?.valueWidth ?? 1) : 1 }

    /// Decodes a model, refusing one without trees or whose trees disagree in outputs or features.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let task = try container.decode(Task.self, forKey: .task)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let trees = try container.decode([Tree].self, forKey: .trees)
        try StoredModelCheck.require(
            !trees.isEmpty, at: container.codingPath + [CodingKeys.trees], "a forest needs at least one tree")
        try TreeInputs.checkStored(
            trees, task: task, featureCount: featureCount, at: container.codingPath + [CodingKeys.trees])
        self.init(task: task, featureCount: featureCount, trees: trees)
    }
}
