import Testing
@testable import Learning

/// Hand-checked gradient-boosting cases.
@Suite struct BoostMicroTests {
    @Test func binaryLogLossGradientsAndHessians() {
        // p = sigmoid(raw): raw 0 → p = 0.5; raw ln 3 → p = 3/(1+3) = 0.75; raw −ln 3 → p = 0.25.
        // g = p − y, h = p(1 − p):
        //   (raw 0, y 1):     g = −0.5,  h = 0.25
        //   (raw ln3, y 0):   g = 0.75,  h = 0.75 · 0.25 = 0.1875
        //   (raw −ln3, y 1):  g = −0.75, h = 0.1875
        let loss = BoostingLoss(.classes([1, 0, 1], classCount: 2))
        var g = [Double](repeating: 0, count: 3), h = g
        let ln3 = 1.0986122886681098  // ln 3
        loss.gradients(raw: [0, ln3, -ln3], targets: [1, 0, 1], gradients: &g, hessians: &h)
        let expectedG = [-0.5, 0.75, -0.75], expectedH = [0.25, 0.1875, 0.1875]
        for i in 0..<3 {
            #expect(abs(g[i] - expectedG[i]) < 1e-12)
            #expect(abs(h[i] - expectedH[i]) < 1e-12)
        }
        // Baseline: two of three positive → log-odds ln(2/3 ÷ 1/3) = ln 2.
        #expect(abs(loss.baseline([1, 0, 1])[0] - 0.6931471805599453) < 1e-12)
        // Log loss at raw 0 is ln 2 whatever the label.
        #expect(abs(loss.loss(raw: [0, 0], targets: [1, 0]) - 0.6931471805599453) < 1e-12)
    }

    @Test func firstTreeLeafValuesAreNewtonSteps() throws {
        // Regression, y = 1 1 5 5 on x = 1…4, baseline mean 3, g = 3 − y = (2, 2, −2, −2), h = 1.
        // One split at 2.5; left leaf −ΣG/ΣH = −4/2 = −2, right +2, times learning rate 0.5.
        let x = Matrix((1...4).map { [Double($0)] })
        let model = try GradientBoosting.make([
            "max_iter": .int(1), "min_samples_leaf": .int(1), "learning_rate": .double(0.5),
        ]).fit(x, .values([1, 1, 5, 5]), context: FitContext())
        #expect(model.baseline == [3])
        let tree = model.trees[0]
        #expect(tree.threshold[0] == 2.5)
        #expect(tree.values[Int(tree.left[0])] == -1)
        #expect(tree.values[Int(tree.right[0])] == 1)
        #expect(model.predict(x) == .values([2, 2, 4, 4]))
    }

    @Test func trainingLossFallsEveryIteration() throws {
        let data = TreeTestSupport.syntheticRegression(rows: 200)
        guard case .values(let y) = data.y else { return }
        var previous = Double.infinity
        for iterations in 1...8 {
            let model = try GradientBoosting.make([
                "max_iter": .int(iterations), "min_samples_leaf": .int(5), "early_stopping": .string("off"),
            ]).fit(data.x, data.y, context: FitContext())
            guard case .values(let p) = model.predict(data.x) else { Issue.record("expected values"); return }
            let mse = zip(p, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(y.count)
            #expect(mse < previous, "iteration \(iterations): \(mse) after \(previous)")
            previous = mse
        }
    }

    @Test func multiclassGrowsOneTreePerClassPerIteration() throws {
        let data = TreeTestSupport.synthetic(rows: 300, classes: 3)
        let model = try GradientBoosting.make(["max_iter": .int(4)]).fit(data.x, data.y, context: FitContext())
        #expect(model.treesPerIteration == 3)
        #expect(model.trees.count == 12)
        #expect(TreeTestSupport.accuracy(model.predict(data.x), data.y) > 0.7)
    }

    @Test func earlyStoppingStopsOnAStalledValidationLoss() throws {
        // Labels are pure noise: validation loss cannot improve for long.
        var g = SeededGenerator(seed: 3)
        let x = Matrix(rows: 2000, columns: 3, values: (0..<6000).map { _ in g.nextUnit() })
        let y = Target.classes((0..<2000).map { _ in g.nextInt(below: 2) }, classCount: 2)
        let model = try GradientBoosting.make(["early_stopping": .string("on"), "max_iter": .int(200)])
            .fit(x, y, context: FitContext())
        #expect(model.trees.count < 200)
    }
}
