import Foundation

/// A multilayer perceptron trained with Adam, like scikit-learn's `MLPClassifier` /
/// `MLPRegressor` with `early_stopping=True`.
///
/// Hyperparameters: `MultilayerPerceptron.Hyperparameters`, with scikit-learn's defaults.
///
/// Weights and biases start Glorot-uniform from the seed; rows are reshuffled every epoch.
/// Classification uses softmax and cross-entropy; regression uses squared error on a target
/// standardised internally (and un-standardised on output), so the learning rate suits any
/// target scale.
public struct MultilayerPerceptron: Algorithm {
    public typealias Model = MultilayerPerceptronModel

    public static let name = "mlp"
    public static let summary = "Neural network (ReLU hidden layers, Adam, early stopping)"
    public static let tasks: Set<Task> = [.classification, .regression]

    public struct Hyperparameters: HyperparameterSet {
        /// Units in the first hidden layer (ReLU).
        public var hidden = 100
        /// Units in a second hidden layer; 0 means none.
        public var hidden2 = 0
        /// Adam step size (β₁ 0.9, β₂ 0.999, ε 1e-8).
        public var learningRate = 0.001
        /// L2 penalty on weights (not biases).
        public var alpha = 1e-4
        /// Rows per mini-batch, capped at the training rows.
        public var batchSize = 200
        /// `max_iter`: epochs.
        public var maxEpochs = 200
        /// auto: on with 2,000 rows or more. On: hold out `validationFraction` of the rows
        /// (stratified for classification) and stop when the validation score (accuracy or R²) has
        /// not improved by `tolerance` for more than `patience` epochs, keeping the best weights.
        /// Off: the training loss is watched instead.
        public var earlyStopping = EarlyStopping.auto
        public var validationFraction = 0.1
        /// `n_iter_no_change`.
        public var patience = 10
        /// `tol`.
        public var tolerance = 1e-4
        /// Each row's loss and gradient weighted by its class (`ClassWeighting`), normalised by the
        /// batch's weight as scikit-learn's `sample_weight`.
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .int("hidden", \.hidden, 1...4096, help: "units in the first hidden layer"),
            .int("hidden2", \.hidden2, 0...4096, help: "units in a second hidden layer (0: none)"),
            .double("learning_rate", \.learningRate, 1e-8...10, help: "Adam step size"),
            .double("alpha", \.alpha, 0...1e6, help: "L2 penalty on weights"),
            .int("batch_size", \.batchSize, 1...1_000_000, help: "rows per mini-batch (capped at the number of rows)"),
            .int("max_iter", \.maxEpochs, 1...100_000, help: "maximum epochs"),
            .choice(
                "early_stopping", \.earlyStopping,
                help: "stop on a held-out validation score; auto: only with 2,000 rows or more"),
            .double(
                "validation_fraction", \.validationFraction, 0.01...0.5,
                help: "share of rows held out for early stopping"),
            .int("n_iter_no_change", \.patience, 1...100_000, help: "epochs without improvement before stopping"),
            .double("tol", \.tolerance, 0...1, help: "smallest improvement that counts"),
            ClassWeighting.field(\.classWeight),
        ]
    }

    /// `early_stopping`: whether training stops on a held-out validation score.
    public enum EarlyStopping: String, CaseIterable, Sendable {
        /// Only with 2,000 rows or more.
        case auto
        case on = "true"
        case off = "false"
    }
    public static let wantsStandardizedInputs = true
    public static let acceptsMissingValues = false

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> MultilayerPerceptronModel {
        try FitInputValidation.check(Self.self, x, y)
        let rowWeights = try ClassWeighting.rowWeights(hyperparameters.classWeight, y, algorithm: Self.name) ?? []
        let n = x.rows, d = x.columns
        var generator = SeededGenerator(seed: context.seed)

        // Targets as the network sees them: class codes, or standardised values.
        var targetMean = 0.0, targetScale = 1.0
        let outputs: Int
        var classCodes: [Int] = []
        var scaledValues: [Double] = []
        switch y {
        case .classes(let codes, let classCount):
            outputs = classCount
            classCodes = codes
        case .values(let values):
            outputs = 1
            targetMean = values.reduce(0, +) / Double(n)
            let variance = values.reduce(0) { $0 + ($1 - targetMean) * ($1 - targetMean) } / Double(n)
            if variance > 0 { targetScale = variance.squareRoot() }
            scaledValues = values.map { ($0 - targetMean) / targetScale }
        }

        var layerSizes = [d, hyperparameters.hidden]
        if hyperparameters.hidden2 > 0 { layerSizes.append(hyperparameters.hidden2) }
        layerSizes.append(outputs)
        var network = NeuralNetwork(glorotUniformWith: layerSizes, generator: &generator)

        let (trainRows, validationRows) = splitForEarlyStopping(n: n, classCodes: classCodes, generator: &generator)
        let batchSize = min(hyperparameters.batchSize, trainRows.count)
        let maxEpochs = hyperparameters.maxEpochs
        let tolerance = hyperparameters.tolerance
        let patience = hyperparameters.patience
        let alpha = hyperparameters.alpha

        // Selected once: the validation set is scored after every epoch.
        let validationX = x.selectingRows(validationRows)
        let validationCodes = classCodes.isEmpty ? [] : validationRows.map { classCodes[$0] }
        let validationValues = scaledValues.isEmpty ? [] : validationRows.map { scaledValues[$0] }
        var trainer = AdamTrainer(
            network: network, learningRate: hyperparameters.learningRate, threads: context.threads)
        var order = trainRows
        var best = -Double.infinity  // validation score, or minus the training loss
        var bestParameters = network.parameters
        var epochsWithoutImprovement = 0
        var epochsRun = 0
        for epoch in 0..<maxEpochs {
            try context.checkCancellation()
            context.progress(Double(epoch) / Double(maxEpochs))
            generator.shuffle(&order)
            var epochLoss = 0.0
            var start = 0
            while start < order.count {
                let end = min(order.count, start + batchSize)
                let batch = order[start..<end]
                epochLoss +=
                    trainer.step(
                        x: x, rows: batch, classCodes: classCodes, values: scaledValues, rowWeights: rowWeights,
                        network: &network, alpha: alpha) * Double(batch.count)
                start = end
                if (start / batchSize) % 64 == 0 { try context.checkCancellation() }
            }
            epochsRun = epoch + 1
            let score: Double
            if validationRows.isEmpty {
                score = -epochLoss / Double(order.count)
            } else {
                score = network.score(x: validationX, classCodes: validationCodes, values: validationValues)
            }
            // scikit-learn's rule: an epoch counts as progress only if it beats the best by `tol`.
            epochsWithoutImprovement = score < best + tolerance ? epochsWithoutImprovement + 1 : 0
            if score > best {
                best = score
                bestParameters = network.parameters
            }
            if epochsWithoutImprovement > patience { break }
        }
        if !validationRows.isEmpty { network.parameters = bestParameters }
        context.progress(1)
        return MultilayerPerceptronModel(
            task: y.task, network: network, targetMean: targetMean,
            targetScale: targetScale, epochs: epochsRun)
    }

    /// Holds out `validation_fraction` of the rows (per class, for classification) when early
    /// stopping is on and both parts would be non-empty; otherwise trains on everything.
    private func splitForEarlyStopping(n: Int, classCodes: [Int], generator: inout SeededGenerator) -> (
        train: [Int], validation: [Int]
    ) {
        let all = Array(0..<n)
        // On small data a 10 % validation part is a handful of rows: stopping on it ends training
        // after a few epochs (iris: 0.65 accuracy instead of 0.94), so `auto` waits for enough rows.
        let mode = hyperparameters.earlyStopping
        guard mode == .on || (mode == .auto && n >= 2000) else { return (all, []) }
        let fraction = hyperparameters.validationFraction
        var validation: [Int] = []
        var shuffled = all
        generator.shuffle(&shuffled)
        if classCodes.isEmpty {
            validation = Array(shuffled.prefix(Int((fraction * Double(n)).rounded(.up))))
        } else {
            // Stratified: each class gives its share, rounded, at least one row when it has two.
            var byClass: [Int: [Int]] = [:]
            for row in shuffled { byClass[classCodes[row], default: []].append(row) }
            for code in byClass.keys.sorted() {
                let rows = byClass[code] ?? []
                var take = Int((fraction * Double(rows.count)).rounded())
                if take == 0 && rows.count >= 2 { take = 1 }
                validation.append(contentsOf: rows.prefix(min(take, rows.count - 1)))
            }
        }
        guard validation.count >= 2, validation.count < n else { return (all, []) }
        let held = Set(validation)
        return (shuffled.filter { !held.contains($0) }, validation.sorted())
    }
}

/// A fitted `mlp`: the network plus the target scaling to undo (regression).
public struct MultilayerPerceptronModel: FittedModel, Equatable {
    public static let algorithmName = MultilayerPerceptron.name
    public let task: Task
    public let network: NeuralNetwork
    /// Regression outputs are `targetMean + targetScale × network output`.
    public let targetMean: Double
    public let targetScale: Double
    /// Epochs actually trained.
    public let epochs: Int

    public var featureCount: Int { network.layerSizes[0] }

    /// Predicts on all active cores; the result is the same whatever the core count.
    public func predict(_ x: Matrix) -> Prediction {
        let outputs = network.forwardAll(
            x, softmax: task == .classification,
            threads: ProcessInfo.processInfo.activeProcessorCount)
        switch task {
        case .classification:
            return .probabilities(Matrix(rows: x.rows, columns: network.layerSizes.last ?? 0, values: outputs))
        case .regression:
            return .values(outputs.map { targetMean + targetScale * $0 })
        }
    }
}

extension MultilayerPerceptronModel {
    public var outputWidth: Int { task == .classification ? (network.layerSizes.last ?? 1) : 1 }

    /// Decodes a model, refusing a network whose outputs do not fit the task (see `NeuralNetwork`
    /// for the network's own checks) or a target scaling that is not finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let task = try container.decode(Task.self, forKey: .task)
        let network = try container.decode(NeuralNetwork.self, forKey: .network)
        let targetMean = try container.decode(Double.self, forKey: .targetMean)
        let targetScale = try container.decode(Double.self, forKey: .targetScale)
        let outputs = network.layerSizes.last ?? 0
        try StoredModelCheck.require(
            task == .classification ? outputs >= 2 : outputs == 1, at: path + [CodingKeys.network],
            "\(outputs) outputs for \(task.rawValue)")
        try StoredModelCheck.require(
            targetMean.isFinite && targetScale.isFinite, at: path + [CodingKeys.targetScale],
            "the target scaling is not finite")
        self.init(
            task: task, network: network, targetMean: targetMean, targetScale: targetScale,
            epochs: try container.decode(Int.self, forKey: .epochs))
    }
}
