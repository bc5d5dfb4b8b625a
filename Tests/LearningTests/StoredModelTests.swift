import Foundation
import Testing
@testable import Learning
import Tabular

/// A stored model's JSON, edited at a path of keys and array indexes, as a crafted model file would be.
private struct StoredJSON {
    let original: Data
    let object: Any

    init(_ model: some Encodable) throws {
        original = try ModelCoding.encoder().encode(model)
        object = try JSONSerialization.jsonObject(with: original)
    }

    /// The file with the value at `path` replaced by `change(value)`.
    func edited(_ path: String, _ change: (Any) -> Any) throws -> Data {
        let keys = path.split(separator: ".").map(String.init)
        return try JSONSerialization.data(withJSONObject: Self.edit(object, keys[...], change), options: [.sortedKeys])
    }

    private static func edit(_ value: Any, _ path: ArraySlice<String>, _ change: (Any) -> Any) -> Any {
        guard let key = path.first else { return change(value) }
        if var dictionary = value as? [String: Any], let child = dictionary[key] {
            dictionary[key] = edit(child, path.dropFirst(), change)
            return dictionary
        }
        if var array = value as? [Any], let i = Int(key), array.indices.contains(i) {
            array[i] = edit(array[i], path.dropFirst(), change)
            return array
        }
        return value
    }
}

/// An edit of a stored model: what it does, the path it changes and the change.
private struct Damage {
    var what: String
    var path: String
    var change: (Any) -> Any

    init(_ what: String, _ path: String, _ change: @escaping (Any) -> Any) {
        self.what = what
        self.path = path
        self.change = change
    }
}

private func set(_ value: Any) -> (Any) -> Any { { _ in value } }
private func setElement(_ i: Int, _ value: Any) -> (Any) -> Any {
    { array in
        guard var a = array as? [Any], a.indices.contains(i) else { return array }
        a[i] = value
        return a
    }
}
private func dropLast(_ array: Any) -> Any {
    guard let a = array as? [Any], !a.isEmpty else { return array }
    return Array(a.dropLast())
}
private func empty(_: Any) -> Any { [Any]() }

/// Expects every damage to change the file and to be refused on decoding with a `DecodingError`,
/// and the undamaged file to decode to a model predicting exactly as the original.
private func expectRefused<M: FittedModel>(
    _ model: M, _ damages: [Damage], probe: Matrix,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let stored = try StoredJSON(model)
    let decoded = try ModelCoding.decoder().decode(M.self, from: stored.original)
    #expect(decoded.predict(probe) == model.predict(probe), sourceLocation: sourceLocation)
    for damage in damages {
        let data = try stored.edited(damage.path, damage.change)
        #expect(
            data != (try JSONSerialization.data(withJSONObject: stored.object, options: [.sortedKeys])),
            "\(damage.what): the damage must change the file",
            sourceLocation: sourceLocation)
        #expect(throws: DecodingError.self, "\(damage.what)", sourceLocation: sourceLocation) {
            try ModelCoding.decoder().decode(M.self, from: data)
        }
    }
}

/// Damaged model files of every family are refused on decoding, before a kernel can read past an
/// array, follow a cycle or return garbage (issue 19, item 1).
@Suite("Stored models")
struct StoredModelTests {
    private static let classData = SyntheticData.classification(rows: 60, columns: 4, classCount: 3)
    private static let valueData = SyntheticData.regression(rows: 60, columns: 4)
    private static let probe = SyntheticData.features(rows: 5, columns: 4, seed: 99)

    private static func fit<A: Algorithm>(
        _: A.Type, _ parameters: [String: ParameterValue] = [:], regression: Bool = false
    ) throws -> A.Model {
        let (x, y) = regression ? valueData : classData
        return try A.make(parameters).fit(x, y, context: FitContext(seed: 5))
    }

    @Test func tree() throws {
        let model = try Self.fit(DecisionTree.self, ["max_depth": .int(4)])
        let internalNodes = model.tree.feature.indices.filter { model.tree.feature[$0] != Tree.leaf }
        let last = try #require(internalNodes.last)
        try expectRefused(
            model,
            [
                Damage("a child index of 100000000", "tree.left", setElement(0, 100_000_000)),
                Damage("a negative child index", "tree.right", setElement(0, -5)),
                Damage("a node that is its own child", "tree.left", setElement(0, 0)),
                Damage("a cycle back to the root", "tree.right", setElement(last, 0)),
                Damage("a node with two parents", "tree.right", setElement(0, model.tree.left[0])),
                Damage("a values array one short", "tree.values", dropLast),
                Damage("a threshold array one short", "tree.threshold", dropLast),
                Damage("a NaN threshold", "tree.threshold", setElement(0, "nan")),
                Damage("an infinite output", "tree.values", setElement(0, "inf")),
                Damage("a negative cover", "tree.cover", setElement(0, -1)),
                Damage("an output width of zero", "tree.valueWidth", set(0)),
                Damage("an output width the values do not have", "tree.valueWidth", set(4)),
                Damage("a feature past the model's", "tree.feature", setElement(0, 9)),
                Damage("no nodes", "tree.feature", empty),
                Damage(
                    "a leaf with a child", "tree.left",
                    setElement(try #require(model.tree.feature.firstIndex(of: Tree.leaf)), 1)),
            ], probe: Self.probe)
    }

    /// A chain of `levels` splits, each sending rows left to the next split and right to a leaf:
    /// node 2i splits, 2i + 1 is its right leaf, 2i + 2 the next split (or the last leaf).
    private static func chain(levels: Int) throws -> Data {
        let n = 2 * levels + 1
        let feature = (0..<n).map { $0 < 2 * levels && $0.isMultiple(of: 2) ? 0 : -1 }
        let object: [String: Any] = [
            "task": "regression", "featureCount": 1,
            "tree": [
                "valueWidth": 1, "feature": feature, "threshold": [Double](repeating: 0.5, count: n),
                "left": (0..<n).map { feature[$0] == 0 ? $0 + 2 : -1 },
                "right": (0..<n).map { feature[$0] == 0 ? $0 + 1 : -1 },
                "missingGoesLeft": [Bool](repeating: true, count: n), "cover": [Double](repeating: 1, count: n),
                "values": (0..<n).map(Double.init),
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func treeDepthLimit() throws {
        let deepest = try ModelCoding.decoder().decode(
            DecisionTreeModel.self, from: Self.chain(levels: Tree.maximumDepth))
        #expect(deepest.tree.depth == Tree.maximumDepth)
        // x = 1 > 0.5 goes right at the root: leaf 1.
        #expect(deepest.predict(Matrix(rows: 1, columns: 1, values: [1])) == .values([1]))
        #expect(throws: DecodingError.self) {
            try ModelCoding.decoder().decode(DecisionTreeModel.self, from: Self.chain(levels: Tree.maximumDepth + 1))
        }
    }

    @Test func forest() throws {
        let model = try Self.fit(RandomForest.self, ["n_estimators": .int(3), "max_depth": .int(3)])
        try expectRefused(
            model,
            [
                Damage("no trees", "trees", empty),
                Damage("a child index of 100000000", "trees.1.left", setElement(0, 100_000_000)),
                Damage("a values array one short", "trees.2.values", dropLast),
                Damage(
                    "trees of different widths", "trees.1",
                    { tree in
                        guard var t = tree as? [String: Any], let values = t["values"] as? [Any] else { return tree }
                        t["valueWidth"] = 1
                        t["values"] = values.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
                        return t
                    }),
            ], probe: Self.probe)
    }

    @Test func boost() throws {
        let model = try Self.fit(GradientBoosting.self, ["max_iter": .int(3), "min_samples_leaf": .int(5)])
        try expectRefused(
            model,
            [
                Damage("a child index of 100000000", "trees.0.left", setElement(0, 100_000_000)),
                Damage("a baseline one short", "baseline", dropLast),
                Damage("a NaN baseline", "baseline", setElement(0, "nan")),
                Damage("more trees per iteration than scores", "treesPerIteration", set(5)),
                Damage("more classes than trees per iteration", "classCount", set(4)),
                Damage("one class", "classCount", set(1)),
                Damage("a tree missing from the last iteration", "trees", dropLast),
                Damage("a tree of two outputs", "trees.0.valueWidth", set(2)),
            ], probe: Self.probe)
        let regression = try Self.fit(GradientBoosting.self, ["max_iter": .int(3)], regression: true)
        try expectRefused(
            regression,
            [
                Damage("classes on a regression model", "classCount", set(3)),
                Damage("a cycle", "trees.1.left", setElement(0, 0)),
            ], probe: Self.probe)
    }

    @Test func linear() throws {
        let model = try Self.fit(Linear.self)
        try expectRefused(
            model,
            [
                Damage("an intercept one short", "intercepts", dropLast),
                Damage("coefficients one short", "coefficients.values", dropLast),
                Damage("a NaN weight", "coefficients.values", setElement(0, "nan")),
                Damage("an infinite intercept", "intercepts", setElement(0, "-inf")),
                Damage("a feature count the coefficients do not have", "featureCount", set(7)),
                Damage(
                    "one class", "coefficients",
                    { m in
                        guard var matrix = m as? [String: Any], let values = matrix["values"] as? [Any] else {
                            return m
                        }
                        matrix["rows"] = 1
                        matrix["values"] = Array(values.prefix(4))
                        return matrix
                    }),
            ], probe: Self.probe)
    }

    @Test func mlp() throws {
        let model = try Self.fit(MultilayerPerceptron.self, ["hidden": .int(4), "max_iter": .int(5)])
        try expectRefused(
            model,
            [
                Damage("weights one short", "network.parameters", dropLast),
                Damage("a NaN weight", "network.parameters", setElement(3, "nan")),
                Damage("a layer of zero units", "network.layerSizes", setElement(1, 0)),
                Damage("a layer size that overflows", "network.layerSizes", setElement(1, Int.max / 2)),
                Damage("a wider input layer", "network.layerSizes", setElement(0, 100_000_000)),
                Damage("no hidden or output layer", "network.layerSizes", set([4])),
                Damage("one output for three classes", "network.layerSizes", setElement(2, 1)),
            ], probe: Self.probe)
        let regression = try Self.fit(
            MultilayerPerceptron.self, ["hidden": .int(4), "max_iter": .int(5)], regression: true)
        try expectRefused(
            regression,
            [
                Damage("an infinite target scale", "targetScale", set("inf"))
            ], probe: Self.probe)
    }

    @Test func bayes() throws {
        let model = try Self.fit(GaussianNaiveBayes.self)
        try expectRefused(
            model,
            [
                Damage("a prior one short", "priors", dropLast),
                Damage("a prior above 1", "priors", setElement(0, 7)),
                Damage("a zero variance", "variances.values", setElement(0, 0)),
                Damage("a negative variance", "variances.values", setElement(1, -1)),
                Damage("means one short", "means.values", dropLast),
                Damage("a NaN mean", "means.values", setElement(0, "nan")),
                Damage("more classes than priors", "classCount", set(4)),
                Damage("more features than means", "featureCount", set(5)),
            ], probe: Self.probe)
    }

    @Test func knn() throws {
        let model = try Self.fit(KNearestNeighbors.self, ["k": .int(3)])
        try expectRefused(
            model,
            [
                Damage("one class", "classCount", set(1)),
                Damage("a NaN training value", "training.values", setElement(0, "nan")),
                Damage("k past the rows", "k", set(100_000_000)),
                Damage("a class code past the classes", "classCodes", setElement(0, 3)),
            ], probe: Self.probe)
        let regression = try Self.fit(KNearestNeighbors.self, ["k": .int(3)], regression: true)
        try expectRefused(
            regression,
            [
                Damage("a target one short", "targetValues", dropLast),
                Damage("an infinite target", "targetValues", setElement(0, "inf")),
            ], probe: Self.probe)
    }

    @Test func baseline() throws {
        let model = try Self.fit(Baseline.self)
        try expectRefused(
            model,
            [
                Damage("one class share", "classShares", set([1.0])),
                Damage("a share above 1", "classShares", setElement(0, 3)),
                Damage("a regression model with shares", "task", set("regression")),
            ], probe: Self.probe)
        let regression = try Self.fit(Baseline.self, regression: true)
        try expectRefused(
            regression,
            [
                Damage("a NaN mean", "mean", set("nan"))
            ], probe: Self.probe)
    }
}

/// A small frame of a number with a missing value, a text column, a 3-class label and a value.
private func pipelineFrame() throws -> DataFrame {
    try DataFrame(columns: [
        Column(name: "x", data: .numeric([1, 2, 3, 4, .nan, 6, 7, 8, 9, 10, 11, 12])),
        Column(
            name: "colour",
            data: .categorical(codes: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, -1, 2], levels: ["red", "blue", "green"])),
        Column(
            name: "label", data: .categorical(codes: [0, 0, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2], levels: ["a", "b", "c"])),
    ])
}

/// The preprocessor, target and pipeline check themselves and each other on decoding.
@Suite("Stored pipelines")
struct StoredPipelineTests {
    private static func pipeline(_ algorithm: any Algorithm.Type = Linear.self, missingIndicators: Bool = true) throws
        -> PipelineModel
    {
        try PipelineModel.train(
            algorithm: algorithm, parameters: [:], frame: pipelineFrame(), target: "label",
            features: ["x", "colour"], missingIndicators: missingIndicators, context: FitContext(seed: 3))
    }

    private static var damages: [Damage] {
        [
            Damage(
                "level counts one longer than the levels", "preprocessor.features.1.levelCounts",
                { a in (a as? [Any] ?? []) + [5] }),
            Damage("a level listed twice", "preprocessor.features.1.levels", setElement(1, "red")),
            Damage("encoded columns one short", "preprocessor.outputNames", dropLast),
            Damage("encoded columns from the wrong feature", "preprocessor.outputSources", setElement(0, 1)),
            Damage(
                "no missing indicator for a column with missing values", "preprocessor.options.missingIndicators",
                set(false)),
            Damage("an infinite mean", "preprocessor.features.0.mean", set("inf")),
            Damage("a missing share above 1", "preprocessor.features.0.missingRate", set(2)),
            Damage("a negative standard deviation", "preprocessor.features.0.standardDeviation", set(-1)),
            Damage("no features", "preprocessor.features", empty),
            Damage("a class listed twice", "target.classes", setElement(1, "a")),
            Damage("a fourth class the model does not score", "target.classes", { a in (a as? [Any] ?? []) + ["d"] }),
            Damage(
                "a regression target for a classifier", "target",
                { t in
                    guard var target = t as? [String: Any] else { return t }
                    target["task"] = "regression"
                    target["classes"] = [String]()
                    return target
                }),
            Damage("an algorithm name that is not the model's", "algorithm", set("tree")),
            Damage("a model of another algorithm", "fitted.algorithm", set("baseline")),
        ]
    }

    @Test func damagedPipelinesAreRefused() throws {
        let model = try Self.pipeline()
        let stored = try StoredJSON(model)
        let decoded = try ModelCoding.decoder().decode(PipelineModel.self, from: stored.original)
        #expect(try decoded.predict(pipelineFrame()).prediction == model.predict(pipelineFrame()).prediction)
        for damage in Self.damages {
            let data = try stored.edited(damage.path, damage.change)
            #expect(
                data != (try JSONSerialization.data(withJSONObject: stored.object, options: [.sortedKeys])),
                "\(damage.what): the damage must change the file")
            #expect(throws: DecodingError.self, "\(damage.what)") {
                try ModelCoding.decoder().decode(PipelineModel.self, from: data)
            }
        }
    }

    /// The model reads as many columns as the preprocessor makes: a tree that fits its own
    /// feature count but not the preprocessor's is refused by the pipeline.
    @Test func modelWidthMustMatchThePreprocessor() throws {
        let model = try Self.pipeline(DecisionTree.self)
        let stored = try StoredJSON(model)
        let data = try stored.edited("fitted.model.featureCount", set(50))
        do {
            _ = try ModelCoding.decoder().decode(PipelineModel.self, from: data)
            Issue.record("expected the pipeline to be refused")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(
                context.debugDescription
                    == "the model reads 50 columns, the preprocessor makes \(model.preprocessor.outputNames.count)")
        }
    }

    /// A pipeline with a date input (format yyyy-MM-dd, one missing date, so an indicator).
    private static func datedPipeline() throws -> PipelineModel {
        let dates: [String?] = [
            "2024-01-05", "2024-02-11", nil, "2024-03-20", "2024-04-02", "2024-05-17",
            "2024-06-30", "2024-07-04", "2024-08-15", "2024-09-09", "2024-10-31", "2024-12-25",
        ]
        var levels: [String] = []
        let codes = dates.map { d -> Int32 in
            guard let d else { return -1 }
            levels.append(d)
            return Int32(levels.count - 1)
        }
        let frame = try DataFrame(
            columns: try pipelineFrame().columns + [
                Column(name: "day", data: .categorical(codes: codes, levels: levels))
            ])
        return try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: frame, target: "label",
            features: ["x", "day"], missingIndicators: true, context: FitContext(seed: 3))
    }

    /// A crafted date step is refused on decoding, never run (issue 22, item 4).
    @Test func damagedDateStepsAreRefused() throws {
        let model = try Self.datedPipeline()
        #expect(model.preprocessor.features[1].date != nil)
        let stored = try StoredJSON(model)
        let decoded = try ModelCoding.decoder().decode(PipelineModel.self, from: stored.original)
        #expect(try ModelCoding.encoder().encode(decoded) == stored.original)
        let date = "preprocessor.features.1.date"
        let damages = [
            Damage("a separator no date is written with", date + ".format.separator", set("x")),
            Damage("an empty separator", date + ".format.separator", set("")),
            Damage("a two-digit year in a year-first format", date + ".format.twoDigitYear", set(true)),
            Damage("a time of day the derived numbers lack (no hour)", date + ".format.hasTime", set(true)),
            Damage("an unknown date order", date + ".format.order", set("sideways")),
            Damage("a derived number one short", date + ".derived", dropLast),
            Damage("no derived numbers", date + ".derived", empty),
            Damage("a derived number named for another column", date + ".derived.0.name", set("x (year)")),
            Damage(
                "derived numbers in another order", date + ".derived",
                { a in
                    guard var parts = a as? [Any], parts.count > 1 else { return a }
                    parts.swapAt(0, 1)
                    return parts
                }),
            Damage("a derived number that is text", date + ".derived.2.kind", set("text")),
            Damage("an infinite derived mean", date + ".derived.1.mean", set("inf")),
            Damage("an example that is not a date", date + ".example", set("tomorrow")),
            Damage("an example in another format", date + ".example", set("01/05/2024")),
            Damage(
                "a date input with levels", "preprocessor.features.1",
                { f in
                    guard var feature = f as? [String: Any] else { return f }
                    feature["levels"] = ["2024-01-05"]
                    feature["levelCounts"] = [1]
                    return feature
                }),
            Damage("a date input read as a number", "preprocessor.features.1.kind", set("number")),
            Damage(
                "a date step nested in a derived number", date + ".derived.0",
                { d in
                    guard var derived = d as? [String: Any],
                        let step = (stored.object as? [String: Any]).flatMap({
                            (($0["preprocessor"] as? [String: Any])?["features"] as? [Any])?[1] as? [String: Any]
                        })?["date"]
                    else { return d }
                    derived["date"] = step
                    return derived
                }),
            Damage(
                "a date step with no format", date,
                { s in
                    guard var step = s as? [String: Any] else { return s }
                    step["format"] = nil
                    return step
                }),
            Damage("no indicator column for a date with missing values", "preprocessor.outputNames", dropLast),
        ]
        for damage in damages {
            let data = try stored.edited(damage.path, damage.change)
            #expect(
                data != (try JSONSerialization.data(withJSONObject: stored.object, options: [.sortedKeys])),
                "\(damage.what): the damage must change the file")
            #expect(throws: DecodingError.self, "\(damage.what)") {
                try ModelCoding.decoder().decode(PipelineModel.self, from: data)
            }
        }
    }

    /// Every registered family round-trips through its checks.
    @Test(arguments: AlgorithmRegistry.names)
    func soundPipelinesDecode(algorithm: String) throws {
        let model = try Self.pipeline(try #require(AlgorithmRegistry.named(algorithm)))
        let decoded = try ModelCoding.decoder().decode(PipelineModel.self, from: ModelCoding.encoder().encode(model))
        #expect(try decoded.predict(pipelineFrame()).prediction == model.predict(pipelineFrame()).prediction)
    }
}
