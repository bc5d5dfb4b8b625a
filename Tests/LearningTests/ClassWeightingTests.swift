import Testing
@testable import Learning

/// `class_weight`: the balanced weights by hand, and what each family does with them.
@Suite struct ClassWeightingTests {
    @Test func balancedWeightsAreRowsOverClassesTimesClassRows() {
        // 4 rows, 2 classes: class 0 has 3 rows → 4 / (2·3) = 2/3; class 1 has 1 → 4 / (2·1) = 2.
        let w = ClassWeighting.balanced(codes: [0, 0, 0, 1], classCount: 2)
        #expect(isClose(w[0], 2.0 / 3) && w[1] == 2)
        // Class 1 has no row: it is not counted among the classes present (scikit-learn's
        // LabelEncoder sees two), so 3 / (2·2) = 0.75 and 3 / (2·1) = 1.5, and class 1 weighs 0.
        #expect(ClassWeighting.balanced(codes: [0, 0, 2], classCount: 3) == [0.75, 0, 1.5])
    }

    @Test func rowWeightsAddUpToTheRowCount() throws {
        let (_, y) = SyntheticData.classification(rows: 37, classCount: 3, seed: 3)
        let balanced = try Linear.make(["class_weight": .string("balanced")]).hyperparameters.classWeight
        let weights = try #require(try ClassWeighting.rowWeights(balanced, y, algorithm: "linear"))
        #expect(isClose(weights.reduce(0, +), 37))
        let none = try Linear.make().hyperparameters.classWeight
        #expect(try ClassWeighting.rowWeights(none, y, algorithm: "linear") == nil)
    }

    static let families = ["baseline", "linear", "tree", "forest", "boost", "mlp"]

    /// Settings for a quick fit on 8 rows; forest without bootstrap so its leaves see every row;
    /// mlp without the stop on a stalled training loss (tol=0), so it reaches the shares.
    static func algorithm(_ name: String, weighted: Bool) throws -> any Algorithm {
        var given: [String: ParameterValue] = weighted ? ["class_weight": .string("balanced")] : [:]
        switch name {
        case "forest":
            given["bootstrap"] = .string("false")
            given["n_estimators"] = .int(3)
        case "mlp":
            given["early_stopping"] = .string("false")
            given["max_iter"] = .int(1_500)
            given["learning_rate"] = .double(0.01)
            given["hidden"] = .int(4)
            given["tol"] = .double(0)
        default: break
        }
        let type = try #require(AlgorithmRegistry.named(name))
        return try type.make(given)
    }

    /// With no informative feature a classifier predicts its (weighted) class shares: 6 rows of
    /// class 0 and 2 of class 1 give 0.75 / 0.25 unweighted; balanced weights 8 / (2·6) = 2/3 and
    /// 8 / (2·2) = 2 make both classes weigh 4, so every row gets 0.5 / 0.5.
    @Test(arguments: families)
    func balancedWeightsEqualiseTheClassesWhenFeaturesSayNothing(family: String) throws {
        let x = Matrix(rows: 8, columns: 2, values: [Double](repeating: 0, count: 16))
        let y = Target.classes([0, 1, 0, 0, 1, 0, 0, 0], classCount: 2)
        // Exact for the counting families; linear and boost to their solver's tolerance; mlp only
        // near (Adam stalls about 0.04 from the unweighted 0.75 on these 8 rows, weighted or not).
        let tolerance =
            switch family {
            case "baseline", "tree", "forest": 1e-12
            case "mlp": 0.05
            default: 1e-3
            }
        for (weighted, expected) in [(false, 0.75), (true, 0.5)] {
            let model = try Self.algorithm(family, weighted: weighted).fit(x, y, context: FitContext(seed: 1))
            guard case .probabilities(let p) = model.predict(x) else {
                Issue.record("\(family): no probabilities")
                return
            }
            #expect(
                abs(p[0, 0] - expected) <= tolerance,
                "\(family) weighted=\(weighted): P(class 0) = \(p[0, 0]), expected \(expected)")
        }
    }

    @Test(arguments: ["baseline", "linear", "tree", "forest", "boost", "mlp"])
    func classWeightsOnARegressionTargetAreRefused(family: String) throws {
        let x = Matrix(rows: 4, columns: 1, values: [0, 1, 2, 3])
        let algorithm = try Self.algorithm(family, weighted: true)
        #expect(
            throws: LearningError.invalidParameter(
                algorithm: family, name: "class_weight", value: "balanced",
                expected: "none for regression (class weights apply to classification)")
        ) {
            _ = try algorithm.fit(x, .values([1, 2, 3, 4]), context: FitContext())
        }
    }

    /// The same seed and data give the same model bytes with class weights, whatever the threads.
    @Test(arguments: ["forest", "boost", "linear"])
    func weightedFitsDoNotDependOnThreads(family: String) throws {
        let (x, y) = SyntheticData.classification(rows: 120, classCount: 3, seed: 11)
        let algorithm = try Self.algorithm(family, weighted: true)
        let one = try TreeTestSupport.json(
            AnyFittedModel(algorithm.fit(x, y, context: FitContext(seed: 4, threads: 1))))
        let two = try TreeTestSupport.json(
            AnyFittedModel(algorithm.fit(x, y, context: FitContext(seed: 4, threads: 2))))
        #expect(one == two)
    }
}
