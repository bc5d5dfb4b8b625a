import Foundation
import Tabular
import Testing
@testable import Learning

/// Per-prediction contributions on trained pipelines, and permutation importance.
@Suite("Explanations")
struct ExplainTests {
    static func frame(_ name: String) throws -> DataFrame {
        let url = ExampleDatasets.folder.appendingPathComponent("\(name).csv")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSetupError(description: "example dataset missing: \(url.path)")
        }
        return try CSVReader.read(path: url.path)
    }

    static func train(
        _ algorithm: any Algorithm.Type, _ parameters: [String: ParameterValue] = [:], on name: String,
        target: String
    ) throws -> (PipelineModel, DataFrame) {
        let data = try frame(name)
        let model = try PipelineModel.train(
            algorithm: algorithm, parameters: parameters, frame: data, target: target,
            features: data.columnNames.filter { $0 != target }, context: FitContext(seed: 7))
        return (model, data)
    }

    /// The explained output recomputed from `predict`, on the explanation's scale.
    static func modelOutput(_ model: PipelineModel, _ frame: DataFrame, row: Int, classIndex k: Int?) throws -> Double {
        let (x, _) = try model.preprocessor.transform(frame.selectingRows([row]))
        if let boost = model.fitted.model as? GradientBoostingModel {
            let raw = boost.rawScores(x)
            guard let k else { return raw[0] }
            return boost.treesPerIteration == 1 ? (k == 1 ? raw[0] : -raw[0]) : raw[k]
        }
        switch model.fitted.model.predict(x) {
        case .values(let v): return v[0]
        case .probabilities(let p):
            guard let k else { return .nan }
            if model.fitted.model is LinearModel {
                // Binary: the log-odds of class k.
                return log(p[0, k] / p[0, 1 - k])
            }
            // Tree / forest: the probability, before the forest's renormalisation.
            return p[0, k]
        }
    }

    static let rows = [0, 5, 40, 100]

    @Test(arguments: [
        ("linear", "breast_cancer", "diagnosis"), ("linear", "diabetes", "progression"),
        ("tree", "penguins", "species"), ("tree", "diabetes", "progression"),
        ("forest", "penguins", "species"), ("forest", "breast_cancer", "diagnosis"),
        ("boost", "penguins", "species"), ("boost", "breast_cancer", "diagnosis"),
        ("boost", "diabetes", "progression"),
    ])
    func contributionsAddUpToTheOutput(_ algorithm: String, _ dataset: String, _ target: String) throws {
        let type = try #require(AlgorithmRegistry.named(algorithm))
        let parameters: [String: ParameterValue] =
            switch algorithm {
            case "forest": ["n_estimators": .int(10), "max_depth": .int(6)]
            case "boost": ["max_iter": .int(15)]
            case "tree": ["max_depth": .int(6)]
            default: [:]
            }
        let (model, data) = try Self.train(type, parameters, on: dataset, target: target)
        for row in Self.rows {
            let explanation = try Explainer.explain(model, row: row, of: data)
            let k = explanation.explainedClass.flatMap { model.target.classes.firstIndex(of: $0) }
            let expected = try Self.modelOutput(model, data, row: row, classIndex: k)
            let sum = explanation.baseValue + explanation.contributions.reduce(0) { $0 + $1.contribution }
            #expect(
                abs(sum - expected) <= 1e-9 * max(1, abs(expected)),
                "\(algorithm) \(dataset) row \(row): \(sum) vs \(expected)")
            #expect(abs(explanation.output - expected) <= 1e-9 * max(1, abs(expected)))
            #expect(explanation.contributions.count == model.preprocessor.features.count)
            let magnitudes = explanation.contributions.map { abs($0.contribution) }
            #expect(magnitudes == magnitudes.sorted(by: >))
            #expect(explanation.method == (algorithm == "linear" ? .linear : .treeSHAP))
        }
    }

    /// Multiclass linear: the per-class scores explained are the logits, so their softmax must
    /// be the predicted probabilities; one-hot groups (island, sex) are one contribution each.
    @Test func multiclassLinearLogitsGiveThePredictedProbabilities() throws {
        let (model, data) = try Self.train(Linear.self, on: "penguins", target: "species")
        let (x, _) = try model.preprocessor.transform(data.selectingRows([3]))
        guard case .probabilities(let p) = model.fitted.model.predict(x) else {
            Issue.record("not a classifier")
            return
        }
        let logits = try model.target.classes.map { try Explainer.explain(model, row: 3, of: data, className: $0) }
        for e in logits {
            #expect(e.scale == .logit)
            #expect(abs(e.baseValue + e.contributions.reduce(0) { $0 + $1.contribution } - e.output) < 1e-12)
            #expect(Set(e.contributions.map(\.feature)) == Set(model.preprocessor.inputNames))
        }
        let m = logits.map(\.output).max() ?? 0
        let exps = logits.map { exp($0.output - m) }
        let total = exps.reduce(0, +)
        for k in 0..<exps.count { #expect(abs(exps[k] / total - p[0, k]) < 1e-12) }
        let changes = try #require(logits[0].probabilityChanges)
        #expect(changes.count == model.preprocessor.features.count)
        #expect(changes.allSatisfy { $0.contribution.isFinite })
    }

    @Test func readingsSpeakPlainly() throws {
        let (model, data) = try Self.train(DecisionTree.self, ["max_depth": .int(3)], on: "penguins", target: "species")
        let explanation = try Explainer.explain(model, row: 0, of: data)
        let lines = explanation.readings(limit: 2)
        #expect(lines.count == 2)
        let top = try #require(explanation.contributions.first)
        #expect(lines[0].hasPrefix("\(top.feature) = \(top.value) pushed the prediction "))
        #expect(
            lines[0].contains(
                top.contribution >= 0 ? "toward \(explanation.predicted)" : "away from \(explanation.predicted)"))
        #expect(explanation.predicted == "Adelie")
        #expect(throws: ExplainError.rowOutOfRange(row: 999, rowCount: data.rowCount)) {
            try Explainer.explain(model, row: 999, of: data)
        }
    }

    @Test func otherAlgorithmsFallBackToOcclusion() throws {
        let (model, data) = try Self.train(KNearestNeighbors.self, on: "penguins", target: "species")
        let explanation = try Explainer.explain(model, row: 10, of: data)
        #expect(explanation.method == .occlusion && explanation.scale == .probability)
        let (x, _) = try model.preprocessor.transform(data.selectingRows([10]))
        guard case .probabilities(let p) = model.fitted.model.predict(x) else {
            Issue.record("not a classifier")
            return
        }
        let k = try #require(model.target.classes.firstIndex(of: explanation.predicted))
        #expect(abs(explanation.output - p[0, k]) < 1e-12)
        #expect(explanation.readings().first?.contains("moves the prediction") == true)
    }

    // MARK: Permutation importance

    /// `signal` alone decides the label (label = signal > 0); `noise1`, `noise2` and `color` are
    /// unrelated.
    static func synthetic(rows: Int = 300) throws -> DataFrame {
        var generator = SeededGenerator(seed: 11)
        let signal = (0..<rows).map { _ in generator.nextGaussian() }
        let noise1 = (0..<rows).map { _ in generator.nextGaussian() }
        let noise2 = (0..<rows).map { _ in generator.nextGaussian() * 10 }
        let color = (0..<rows).map { _ in Int32(generator.nextInt(below: 3)) }
        let label = signal.map { Int32($0 > 0 ? 1 : 0) }
        return try DataFrame(columns: [
            Column(name: "noise1", data: .numeric(noise1)),
            Column(name: "color", data: .categorical(codes: color, levels: ["red", "green", "blue"])),
            Column(name: "signal", data: .numeric(signal)),
            Column(name: "noise2", data: .numeric(noise2)),
            Column(name: "label", data: .categorical(codes: label, levels: ["no", "yes"])),
        ])
    }

    @Test(arguments: ["linear", "forest"])
    func permutationImportanceFindsTheInformativeFeature(_ algorithm: String) throws {
        let data = try Self.synthetic()
        let type = try #require(AlgorithmRegistry.named(algorithm))
        let model = try PipelineModel.train(
            algorithm: type, parameters: algorithm == "forest" ? ["n_estimators": .int(20)] : [:],
            frame: data, target: "label", features: ["noise1", "color", "signal", "noise2"],
            context: FitContext(seed: 1))
        let single = try Explainer.permutationImportance(model, data: data, repeats: 5, seed: 3, threads: 1)
        #expect(single.metric == "accuracy")
        #expect(single.features.map(\.name).first == "signal")
        #expect(single.features.count == 4)
        let top = try #require(single.features.first)
        #expect(top.mean > 0.3 && top.drops.count == 5)
        #expect(single.features.dropFirst().allSatisfy { $0.mean < 0.1 })
        let threaded = try Explainer.permutationImportance(model, data: data, repeats: 5, seed: 3, threads: 3)
        #expect(threaded == single)
        let logLoss = try Explainer.permutationImportance(
            model, data: data, metric: "log_loss", repeats: 2, seed: 3, threads: 2)
        #expect(logLoss.features.first?.name == "signal" && (logLoss.features.first?.mean ?? 0) > 0)
        #expect(throws: ExplainError.metricTaskMismatch(metric: "r2", task: .classification)) {
            try Explainer.permutationImportance(model, data: data, metric: "r2")
        }
    }
}
