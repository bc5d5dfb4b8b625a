import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Parallelism

/// Histogram gradient boosting, like scikit-learn's `HistGradientBoostingClassifier/Regressor`
/// and LightGBM.
///
/// Hyperparameters: `GradientBoosting.Hyperparameters`, with scikit-learn's defaults.
///
/// Losses: log loss (binary: one tree per iteration on log-odds; multiclass: softmax) and half
/// squared error. The initial prediction is the log-odds / log prior / mean. Missing values are
/// routed natively: each split learns whether they go left or right. Early stopping scores the
/// loss on the held-out rows and stops when none of the last `n_iter_no_change` iterations beat
/// the one before them by more than `tol`.
public struct GradientBoosting: Algorithm {
    public static let name = "boost"
    public static let summary = "histogram gradient boosting (leaf-wise, ≤255 bins, native missing values)"
    public static let tasks: Set<Task> = [.classification, .regression]
    public static let wantsStandardizedInputs = false
    public static let acceptsMissingValues = true
    public struct Hyperparameters: HyperparameterSet {
        public var learningRate = 0.1
        /// `max_iter`: boosting iterations (multiclass: one tree per class per iteration).
        public var maxIterations = 100
        /// Leaf-wise, best-first growth.
        public var maxLeafNodes = 31
        /// 0 = unlimited.
        public var maxDepth = 0
        public var minSamplesLeaf = 20
        public var l2Regularization = 0.0
        /// Value bins per feature (quantiles), plus one bin for missing values.
        public var maxBins = 255
        /// auto: on when there are more than 10,000 rows.
        public var earlyStopping = EarlyStopping.auto
        /// Share of the rows held out for early stopping.
        public var validationFraction = 0.1
        /// `n_iter_no_change`.
        public var patience = 10
        /// `tol`: the smallest loss improvement that counts.
        public var tolerance = 1e-7
        /// Each row's gradient and hessian, the initial prediction and the early-stopping loss
        /// weighted by its class (`ClassWeighting`), as scikit-learn does.
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .double("learning_rate", \.learningRate, 1e-6...10, help: "shrinkage of each tree"),
            .int("max_iter", \.maxIterations, 1...100_000, help: "boosting iterations"),
            .int("max_leaf_nodes", \.maxLeafNodes, 2...65_536, help: "leaves per tree"),
            .int("max_depth", \.maxDepth, 0...10_000, help: "deepest level; 0 = unlimited"),
            .int("min_samples_leaf", \.minSamplesLeaf, 1...1_000_000_000, help: "fewest rows in each leaf"),
            .double("l2_regularization", \.l2Regularization, 0...1e9, help: "L2 penalty on leaf values"),
            .int("max_bins", \.maxBins, 2...255, help: "value bins per feature"),
            .choice(
                "early_stopping", \.earlyStopping,
                help: "stop when the validation loss stalls; auto = on above 10000 rows"),
            .double("validation_fraction", \.validationFraction, 0.01...0.9, help: "rows held out for early stopping"),
            .int("n_iter_no_change", \.patience, 1...100_000, help: "iterations without improvement before stopping"),
            .double("tol", \.tolerance, 0...1e9, help: "smallest loss improvement that counts"),
            ClassWeighting.field(\.classWeight),
        ]
    }

    /// `early_stopping`: whether iterations stop when the held-out loss stalls.
    public enum EarlyStopping: String, CaseIterable, Sendable {
        /// On above 10,000 rows.
        case auto
        case on
        case off
    }

    public let hyperparameters: Hyperparameters
    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> GradientBoostingModel {
        try TreeInputs.check(x, y, algorithm: Self.name)
        let n = x.rows
        let loss = BoostingLoss(y)
        let k = loss.treesPerIteration
        // Computed on every row before the early-stopping split, as scikit-learn does.
        let classWeights = try ClassWeighting.rowWeights(hyperparameters.classWeight, y, algorithm: Self.name)

        // Hold out validation rows for early stopping.
        let stopping: Bool
        switch hyperparameters.earlyStopping {
        case .on: stopping = true
        case .off: stopping = false
        case .auto: stopping = n > 10_000
        }
        var splitGenerator = SeededGenerator(seed: context.seed, stream: 0)
        var trainRows = Array(0..<n), validRows = [Int]()
        if stopping {
            let held = Int((Double(n) * hyperparameters.validationFraction).rounded(.up))
            if held >= 1 && held < n {
                splitGenerator.shuffle(&trainRows)
                validRows = Array(trainRows[0..<held]).sorted()
                trainRows = Array(trainRows[held...]).sorted()
            }
        }
        let binner = try FeatureBinner(
            x, rows: trainRows, maxBins: hyperparameters.maxBins,
            generator: &splitGenerator, threads: context.threads)
        let bins = try BoostingBins(x, rows: trainRows, binner: binner, threads: context.threads)
        let validBins =
            validRows.isEmpty ? nil : try BoostingBins(x, rows: validRows, binner: binner, threads: context.threads)
        let yTrain = loss.targets(trainRows), yValid = loss.targets(validRows)
        let wTrain = classWeights.map { w in trainRows.map { w[$0] } },
            wValid = classWeights.map { w in validRows.map { w[$0] } }
        let baseline = loss.baseline(yTrain, weights: wTrain)

        let grower = HistogramGrower(
            bins: bins, edges: binner.edges, maxLeafNodes: hyperparameters.maxLeafNodes,
            maxDepth: hyperparameters.maxDepth,
            minSamplesLeaf: hyperparameters.minSamplesLeaf, l2: hyperparameters.l2Regularization,
            threads: context.threads)
        let learningRate = hyperparameters.learningRate
        let maxIter = hyperparameters.maxIterations
        let patience = hyperparameters.patience
        let tol = hyperparameters.tolerance

        var raw = [Double](repeating: 0, count: trainRows.count * k)
        for i in 0..<trainRows.count { for c in 0..<k { raw[i * k + c] = baseline[c] } }
        var validRaw = [Double](repeating: 0, count: validRows.count * k)
        for i in 0..<validRows.count { for c in 0..<k { validRaw[i * k + c] = baseline[c] } }
        var scores = validBins == nil ? [] : [-loss.loss(raw: validRaw, targets: yValid, weights: wValid)]
        var gradients = [Double](repeating: 0, count: trainRows.count * k)
        var hessians = gradients
        var trees = [Tree]()
        var g = [Double](repeating: 0, count: k == 1 ? 0 : trainRows.count), h = g

        for iteration in 0..<maxIter {
            try context.checkCancellation()
            loss.gradients(
                raw: raw, targets: yTrain, gradients: &gradients, hessians: &hessians, threads: context.threads)
            if let wTrain {
                for i in 0..<trainRows.count {
                    for c in 0..<k {
                        gradients[i * k + c] *= wTrain[i]
                        hessians[i * k + c] *= wTrain[i]
                    }
                }
            }
            for c in 0..<k {
                let grown: HistogramGrower.Grown
                if k == 1 {
                    grown = try grower.grow(gradients: gradients, hessians: hessians, learningRate: learningRate)
                } else {
                    for i in 0..<trainRows.count {
                        g[i] = gradients[i * k + c]
                        h[i] = hessians[i * k + c]
                    }
                    grown = try grower.grow(gradients: g, hessians: h, learningRate: learningRate)
                }
                grown.addLeafValues(into: &raw, width: k, column: c, threads: context.threads)
                if let vb = validBins {
                    Self.addBinned(grown, bins: vb, into: &validRaw, width: k, column: c)
                }
                trees.append(grown.tree)
            }
            context.progress(Double(iteration + 1) / Double(maxIter))
            if validBins != nil {
                scores.append(-loss.loss(raw: validRaw, targets: yValid, weights: wValid))
                if scores.count > patience {
                    let reference = scores[scores.count - patience - 1]
                    if !scores.suffix(patience).contains(where: { $0 > reference + tol }) { break }
                }
            }
        }
        context.progress(1)
        return GradientBoostingModel(
            task: y.task, featureCount: x.columns, classCount: loss.classCount,
            baseline: baseline, treesPerIteration: k, trees: trees)
    }

    /// Adds a freshly grown tree's output for binned rows (validation set) without real thresholds.
    private static func addBinned(
        _ grown: HistogramGrower.Grown, bins: BoostingBins, into raw: inout [Double], width: Int, column: Int
    ) {
        let tree = grown.tree
        bins.codes.withUnsafeBufferPointer { code in
            for r in 0..<bins.rowCount {
                var node = 0
                while tree.feature[node] != Tree.leaf {
                    let f = Int(tree.feature[node])
                    let b = Int(code[r * bins.featureCount + f])
                    let left = b == bins.binCounts[f] ? tree.missingGoesLeft[node] : b <= grown.binThreshold[node]
                    node = Int(left ? tree.left[node] : tree.right[node])
                }
                raw[r * width + column] += tree.values[node]
            }
        }
    }
}

/// A fitted boosting model: raw score = baseline + Σ tree outputs (learning rate already applied),
/// then sigmoid (binary), softmax (multiclass) or identity (regression).
public struct GradientBoostingModel: FittedModel {
    public static let algorithmName = GradientBoosting.name
    public let task: Task
    public let featureCount: Int
    /// Classes for classification (0 for regression).
    public let classCount: Int
    /// Initial raw score per output column.
    public let baseline: [Double]
    /// Trees per iteration: 1, or the class count for multiclass; tree i adds to column i % this.
    public let treesPerIteration: Int
    public let trees: [Tree]

    /// Raw scores (log-odds, class logits or values), `treesPerIteration` per row.
    public func rawScores(_ x: Matrix) -> [Double] {
        // Large batches are scored in blocks of rows on all cores. Each row still adds the trees in
        // the same order, so the result does not depend on the number of threads.
        // 128-row blocks: a 1,000-row request batch already splits across cores, while a block
        // still amortises each tree's nodes staying in cache.
        let block = 128
        guard x.rows >= 2 * block else { return rawScores(x, rows: 0..<x.rows) }
        let blocks = (x.rows + block - 1) / block
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let parts = parallelMap(blocks, threads: threads) { b in
            self.rawScores(x, rows: (b * block)..<min(x.rows, (b + 1) * block))
        }
        return parts.flatMap { $0 }
    }

    /// Raw scores of the rows in `range`, row-major with one column per tree of an iteration.
    private func rawScores(_ x: Matrix, rows range: Range<Int>) -> [Double] {
        let k = treesPerIteration
        var out = [Double](repeating: 0, count: range.count * k)
        for r in 0..<range.count { for c in 0..<k { out[r * k + c] = baseline[c] } }
        x.values.withUnsafeBufferPointer { all in
            out.withUnsafeMutableBufferPointer { scores in
                for i in trees.indices {
                    trees[i].addValues(all, columns: x.columns, rows: range, into: scores, stride: k, column: i % k)
                }
            }
        }
        return out
    }

    public func predict(_ x: Matrix) -> Prediction {
        let raw = rawScores(x)
        switch task {
        case .regression:
            return .values(raw)
        case .classification:
            return .probabilities(BoostingLoss.probabilities(raw: raw, rows: x.rows, classCount: classCount))
        }
    }
}

/// The boosting losses: gradients, hessians, loss values and link functions.
struct BoostingLoss {
    /// Which loss: binary log loss, softmax log loss, or half squared error.
    enum Kind { case binary, multiclass, squaredError }
    let kind: Kind
    let classCount: Int
    private let target: Target

    init(_ target: Target) {
        self.target = target
        switch target {
        case .classes(_, let k):
            classCount = k
            kind = k <= 2 ? .binary : .multiclass
        case .values:
            classCount = 0
            kind = .squaredError
        }
    }

    var treesPerIteration: Int { kind == .multiclass ? classCount : 1 }

    /// Targets of the given rows as doubles (class codes or values).
    func targets(_ rows: [Int]) -> [Double] {
        switch target {
        case .classes(let c, _): rows.map { Double(c[$0]) }
        case .values(let v): rows.map { v[$0] }
        }
    }

    /// Initial raw scores: log-odds (binary), log priors (multiclass) or the mean; with row
    /// `weights`, the weighted ones (scikit-learn's `fit_intercept_only` with sample weights).
    func baseline(_ y: [Double], weights: [Double]? = nil) -> [Double] {
        if let weights {
            let total = weights.reduce(0, +)
            guard total > 0 else { return baseline(y) }
            switch kind {
            case .squaredError:
                return [zip(y, weights).reduce(0) { $0 + $1.0 * $1.1 } / total]
            case .binary:
                let p = min(max(zip(y, weights).reduce(0) { $0 + $1.0 * $1.1 } / total, 1e-12), 1 - 1e-12)
                return [log(p / (1 - p))]
            case .multiclass:
                var shares = [Double](repeating: 0, count: classCount)
                for (v, w) in zip(y, weights) { shares[Int(v)] += w }
                return shares.map { log(max($0 / total, 1e-12)) }
            }
        }
        let n = Double(max(1, y.count))
        switch kind {
        case .squaredError:
            return [y.reduce(0, +) / n]
        case .binary:
            let p = min(max(y.reduce(0, +) / n, 1e-12), 1 - 1e-12)
            return [log(p / (1 - p))]
        case .multiclass:
            var counts = [Double](repeating: 0, count: classCount)
            for v in y { counts[Int(v)] += 1 }
            return counts.map { log(max($0 / n, 1e-12)) }
        }
    }

    /// Fills gradients and hessians of the loss with respect to the raw scores; large sets in two
    /// or more blocks of rows at once (each row's values depend on that row alone).
    func gradients(
        raw: [Double], targets y: [Double], gradients g: inout [Double], hessians h: inout [Double], threads: Int = 1
    ) {
        let n = y.count, k = kind == .multiclass ? classCount : 1
        precondition(
            raw.count >= n * k && g.count >= n * k && h.count >= n * k, "internal error: gradient buffers too short")
        let blocks = threads > 1 && n >= 20_000 ? threads : 1
        raw.withUnsafeBufferPointer { rawBuffer in
            y.withUnsafeBufferPointer { yBuffer in
                g.withUnsafeMutableBufferPointer { gBuffer in
                    h.withUnsafeMutableBufferPointer { hBuffer in
                        guard n > 0 else { return }
                        let raw = SharedPointer(UnsafeMutablePointer(mutating: rawBuffer.baseAddress!))
                        let y = SharedPointer(UnsafeMutablePointer(mutating: yBuffer.baseAddress!))
                        let g = SharedPointer(gBuffer.baseAddress!), h = SharedPointer(hBuffer.baseAddress!)
                        if blocks == 1 {
                            fillGradients(
                                rows: 0..<n, raw: raw.pointer, targets: y.pointer, gradients: g.pointer,
                                hessians: h.pointer)
                        } else {
                            SpinningPool.shared.run(blocks) { b in
                                fillGradients(
                                    rows: (b * n / blocks)..<((b + 1) * n / blocks),
                                    raw: raw.pointer, targets: y.pointer, gradients: g.pointer, hessians: h.pointer)
                            }
                        }
                    }
                }
            }
        }
    }

    private func fillGradients(
        rows: Range<Int>, raw: UnsafeMutablePointer<Double>, targets y: UnsafeMutablePointer<Double>,
        gradients g: UnsafeMutablePointer<Double>, hessians h: UnsafeMutablePointer<Double>
    ) {
        switch kind {
        case .squaredError:
            for i in rows {
                g[i] = raw[i] - y[i]
                h[i] = 1
            }
        case .binary:
            for i in rows {
                let p = Self.sigmoid(raw[i])
                g[i] = p - y[i]
                h[i] = p * (1 - p)
            }
        case .multiclass:
            let k = classCount
            var p = [Double](repeating: 0, count: k)
            for i in rows {
                var m = -Double.infinity
                for c in 0..<k { m = max(m, raw[i * k + c]) }
                var s = 0.0
                for c in 0..<k {
                    p[c] = exp(raw[i * k + c] - m)
                    s += p[c]
                }
                for c in 0..<k {
                    let q = p[c] / s
                    g[i * k + c] = q - (Int(y[i]) == c ? 1 : 0)
                    h[i * k + c] = q * (1 - q)
                }
            }
        }
    }

    /// Mean loss: half squared error, or log loss; with row `weights`, their weighted mean.
    func loss(raw: [Double], targets y: [Double], weights: [Double]? = nil) -> Double {
        guard !y.isEmpty else { return 0 }
        var total = 0.0
        @inline(__always) func weight(_ i: Int) -> Double { weights?[i] ?? 1 }
        switch kind {
        case .squaredError:
            for i in 0..<y.count {
                let e = raw[i] - y[i]
                total += weight(i) * (0.5 * e * e)
            }
        case .binary:
            // log(1 + e^f) − y·f, computed without overflow.
            for i in 0..<y.count {
                let f = raw[i]
                total += weight(i) * ((f > 0 ? f + log1p(exp(-f)) : log1p(exp(f))) - y[i] * f)
            }
        case .multiclass:
            let k = classCount
            for i in 0..<y.count {
                var m = -Double.infinity
                for c in 0..<k { m = max(m, raw[i * k + c]) }
                var s = 0.0
                for c in 0..<k { s += exp(raw[i * k + c] - m) }
                total += weight(i) * (m + log(s) - raw[i * k + Int(y[i])])
            }
        }
        return total / (weights.map { $0.reduce(0, +) } ?? Double(y.count))
    }

    static func sigmoid(_ f: Double) -> Double {
        f >= 0 ? 1 / (1 + exp(-f)) : exp(f) / (1 + exp(f))
    }

    static func softmax(_ raw: [Double], row i: Int, width k: Int, into p: inout [Double]) {
        var m = -Double.infinity
        for c in 0..<k { m = max(m, raw[i * k + c]) }
        var s = 0.0
        for c in 0..<k {
            p[c] = exp(raw[i * k + c] - m)
            s += p[c]
        }
        for c in 0..<k { p[c] /= s }
    }

    /// Class probabilities from raw scores (one column for binary, `classCount` for multiclass).
    static func probabilities(raw: [Double], rows: Int, classCount: Int) -> Matrix {
        let k = max(1, classCount)
        var out = [Double](repeating: 0, count: rows * k)
        if classCount <= 1 {
            for r in 0..<rows { out[r] = 1 }
        } else if classCount == 2 {
            for r in 0..<rows {
                let p = sigmoid(raw[r])
                out[r * 2] = 1 - p
                out[r * 2 + 1] = p
            }
        } else {
            var p = [Double](repeating: 0, count: k)
            for r in 0..<rows {
                softmax(raw, row: r, width: k, into: &p)
                for c in 0..<k { out[r * k + c] = p[c] }
            }
        }
        return Matrix(rows: rows, columns: k, values: out)
    }
}

extension GradientBoostingModel {
    public var outputWidth: Int { task == .classification ? classCount : 1 }

    /// Decodes a model, refusing one whose class count, baseline, trees per iteration and trees
    /// disagree (the scorer indexes the baseline and the score columns by them).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let task = try container.decode(Task.self, forKey: .task)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let classCount = try container.decode(Int.self, forKey: .classCount)
        let baseline = try container.decode([Double].self, forKey: .baseline)
        let perIteration = try container.decode(Int.self, forKey: .treesPerIteration)
        let trees = try container.decode([Tree].self, forKey: .trees)
        switch task {
        case .regression:
            try StoredModelCheck.require(
                classCount == 0, at: path + [CodingKeys.classCount], "a regression model with \(classCount) classes")
        case .classification:
            try StoredModelCheck.require(
                classCount >= 2, at: path + [CodingKeys.classCount],
                "a classifier needs at least two classes, not \(classCount)")
        }
        let expected = classCount > 2 ? classCount : 1
        try StoredModelCheck.require(
            perIteration == expected, at: path + [CodingKeys.treesPerIteration],
            "\(perIteration) trees per iteration where \(classCount) classes need \(expected)")
        try StoredModelCheck.require(
            baseline.count == perIteration, at: path + [CodingKeys.baseline],
            "\(baseline.count) baseline scores for \(perIteration) trees per iteration")
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(baseline), at: path + [CodingKeys.baseline],
            "a baseline score is not a finite number")
        try StoredModelCheck.require(
            trees.count % perIteration == 0, at: path + [CodingKeys.trees],
            "\(trees.count) trees is not a whole number of iterations of \(perIteration)")
        try TreeInputs.checkStored(
            trees, task: task, featureCount: featureCount, width: 1, at: path + [CodingKeys.trees])
        self.init(
            task: task, featureCount: featureCount, classCount: classCount, baseline: baseline,
            treesPerIteration: perIteration, trees: trees)
    }
}
