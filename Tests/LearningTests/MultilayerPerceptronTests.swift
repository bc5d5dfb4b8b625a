import Foundation
import Testing
@testable import Learning

/// `mlp`: backpropagation, what it can learn, target scaling, early stopping.
@Suite struct MultilayerPerceptronTests {
    /// Backpropagation against central finite differences, for softmax/cross-entropy with one and
    /// two hidden layers and for squared error.
    @Test(arguments: [[3, 5, 3], [3, 4, 3, 2], [3, 6, 1]])
    func gradientMatchesFiniteDifferences(layerSizes: [Int]) {
        let rows = 8
        let x = SyntheticData.features(rows: rows, columns: layerSizes[0], seed: 31)
        let outputs = layerSizes[layerSizes.count - 1]
        let codes = outputs > 1 ? (0..<rows).map { $0 % outputs } : []
        let values = outputs == 1 ? (0..<rows).map { Double($0) / 4 - 1 } : []
        var generator = SeededGenerator(seed: 5)
        let network = NeuralNetwork(glorotUniformWith: layerSizes, generator: &generator)
        var trainer = AdamTrainer(network: network, learningRate: 0.001, threads: 1)
        let batch = Array(0..<rows)[...]
        let alpha = 0.3
        _ = trainer.computeGradient(
            x: x, rows: batch, classCodes: codes, values: values, network: network, alpha: alpha)
        let analytic = trainer.gradient
        var probe = trainer
        let h = 1e-6
        for i in network.parameters.indices {
            var plus = network, minus = network
            plus.parameters[i] += h
            minus.parameters[i] -= h
            let up = probe.computeGradient(
                x: x, rows: batch, classCodes: codes, values: values, network: plus, alpha: alpha)
            let down = probe.computeGradient(
                x: x, rows: batch, classCodes: codes, values: values, network: minus, alpha: alpha)
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic[i]) < 1e-6, "parameter \(i): analytic \(analytic[i]), numeric \(numeric)")
        }
    }

    /// The class-weighted objective (Σ wᵢ·lossᵢ / Σw + α‖W‖² / (2·Σw)) against finite differences.
    @Test(arguments: [[3, 5, 3], [3, 6, 1]])
    func weightedGradientMatchesFiniteDifferences(layerSizes: [Int]) {
        let rows = 8
        let x = SyntheticData.features(rows: rows, columns: layerSizes[0], seed: 32)
        let outputs = layerSizes[layerSizes.count - 1]
        let codes = outputs > 1 ? (0..<rows).map { $0 % outputs } : []
        let values = outputs == 1 ? (0..<rows).map { Double($0) / 4 - 1 } : []
        let weights = (0..<rows).map { 0.5 + Double($0 % 3) }
        var generator = SeededGenerator(seed: 6)
        let network = NeuralNetwork(glorotUniformWith: layerSizes, generator: &generator)
        var trainer = AdamTrainer(network: network, learningRate: 0.001, threads: 1)
        let batch = Array(1..<rows)[...]
        _ = trainer.computeGradient(
            x: x, rows: batch, classCodes: codes, values: values, rowWeights: weights, network: network, alpha: 0.3)
        let analytic = trainer.gradient
        var probe = trainer
        let h = 1e-6
        for i in network.parameters.indices {
            var plus = network, minus = network
            plus.parameters[i] += h
            minus.parameters[i] -= h
            let up = probe.computeGradient(
                x: x, rows: batch, classCodes: codes, values: values, rowWeights: weights, network: plus, alpha: 0.3)
            let down = probe.computeGradient(
                x: x, rows: batch, classCodes: codes, values: values, rowWeights: weights, network: minus, alpha: 0.3)
            #expect(abs((up - down) / (2 * h) - analytic[i]) < 1e-6, "parameter \(i)")
        }
    }

    @Test func learnsWhatALinearModelCannot() throws {
        // XOR-like: class = [x₀·x₁ > 0]. No linear boundary does better than chance; a small
        // hidden layer does.
        let x = SyntheticData.features(rows: 200, columns: 2, seed: 51)
        let codes = (0..<200).map { x[$0, 0] * x[$0, 1] > 0 ? 1 : 0 }
        let y = Target.classes(codes, classCount: 2)
        let algorithm = try MultilayerPerceptron.make([
            "hidden": .int(16), "early_stopping": .string("false"),
            "learning_rate": .double(0.01), "max_iter": .int(200),
        ])
        let model = try algorithm.fit(x, y, context: FitContext(seed: 1))
        let linear = try Linear.make().fit(x, y, context: FitContext())
        let mlpAccuracy = ClassificationMetrics.accuracy(truth: codes, predicted: model.predict(x).labels ?? [])
        let linearAccuracy = ClassificationMetrics.accuracy(truth: codes, predicted: linear.predict(x).labels ?? [])
        #expect(mlpAccuracy > 0.9, "mlp \(mlpAccuracy)")
        #expect(linearAccuracy < 0.7, "linear \(linearAccuracy)")
    }

    @Test func regressionTargetScaleIsRestored() throws {
        // y = 1000 + 500·x₀: the network sees a standardized target; outputs must be in y's units.
        let x = SyntheticData.features(rows: 120, columns: 2, seed: 41)
        let y = (0..<120).map { 1000 + 500 * x[$0, 0] }
        let algorithm = try MultilayerPerceptron.make([
            "hidden": .int(16), "hidden2": .int(8), "max_iter": .int(150),
            "learning_rate": .double(0.01), "early_stopping": .string("false"),
        ])
        let model = try algorithm.fit(x, .values(y), context: FitContext(seed: 2))
        #expect(model.network.layerSizes == [2, 16, 8, 1])
        guard case .values(let predicted) = model.predict(x) else {
            Issue.record("expected values")
            return
        }
        #expect(abs(model.targetMean - 1000) < 100 && abs(model.targetScale - 500) < 100)
        let meanPrediction = predicted.reduce(0, +) / 120
        let meanTruth = y.reduce(0, +) / 120
        #expect(abs(meanPrediction - meanTruth) < 20)
        #expect(RegressionMetrics.r2(truth: y, predicted: predicted) > 0.95)
    }

    @Test func batchPartsGiveTheSameBytesOnAnyThreadCount() throws {
        // 300 rows in batches of 200 → parts of 64 rows: the threads really split each batch.
        let (x, y) = SyntheticData.classification(rows: 300, columns: 4, classCount: 3)
        let algorithm = try MultilayerPerceptron.make(["hidden": .int(8), "max_iter": .int(5)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let one = try encoder.encode(algorithm.fit(x, y, context: FitContext(seed: 4, threads: 1)))
        let three = try encoder.encode(algorithm.fit(x, y, context: FitContext(seed: 4, threads: 3)))
        #expect(one == three)
    }

    @Test func earlyStoppingStopsBeforeMaxIter() throws {
        let (x, y) = SyntheticData.classification(rows: 100, columns: 4, classCount: 2)
        let model = try MultilayerPerceptron.make(["hidden": .int(8), "max_iter": .int(2000)]).fit(
            x, y, context: FitContext())
        #expect(model.epochs < 2000)
    }
}
