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
            guard case .values(let p) = model.predict(data.x) else {
                Issue.record("expected values")
                return
            }
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

    @Test func sparseFeatureCommonBinIsTheNodeTotalsMinusTheRest() throws {
        // Feature 0 is one-hot-like (1 in rows 0–3 of 10, so bin 0 is "common" and never added
        // while building), feature 1 is dense noise that cannot beat it. y = 10 where the flag is
        // set, 0 elsewhere; baseline mean 4; g = 4 − y: −6 on the four flagged rows, 4 on the six
        // others; h = 1. The split puts the common bin (flag 0) left: −ΣG/ΣH = −24/6 = −4 → −4 · 0.5;
        // right: 24/4 = 6 → 3. The common bin's sums (24, 6, 6 rows) are the totals minus the flags.
        let flag: [Double] = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        let noise: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        let x = Matrix(rows: 10, columns: 2, values: (0..<10).flatMap { [flag[$0], noise[$0]] })
        let y = Target.values(flag.map { $0 * 10 })
        for threads in [1, 2] {
            let model = try GradientBoosting.make([
                "max_iter": .int(1), "min_samples_leaf": .int(1), "learning_rate": .double(0.5),
                "max_leaf_nodes": .int(2),
            ]).fit(x, y, context: FitContext(threads: threads))
            let tree = model.trees[0]
            #expect(tree.feature[0] == 0)
            #expect(tree.threshold[0] == 0.5)
            #expect(tree.values[Int(tree.left[0])] == -2)
            #expect(tree.values[Int(tree.right[0])] == 3)
            #expect(model.predict(x) == .values(flag.map { $0 == 1 ? 7 : 2 }))
        }
    }

    @Test func oneHotColumnsTrainTheSameModelOnAnyThreadCount() throws {
        // Two categories one-hot encoded (sparse features) beside numbers, 3000 rows: the parallel
        // path with uneven feature ranges, and each category's common bin derived per node.
        var g = SeededGenerator(seed: 21)
        let rows = 3000
        var values = [Double](), labels = [Int]()
        for _ in 0..<rows {
            let a = g.nextGaussian(), b = g.nextGaussian()
            let color = g.nextInt(below: 5), region = g.nextInt(below: 9)
            values += [a, b] + (0..<5).map { $0 == color ? 1 : 0 } + (0..<9).map { $0 == region ? 1 : 0 }
            labels.append(a + (color == 2 ? 1.5 : 0) - (region < 3 ? 1 : 0) + 0.5 * g.nextGaussian() > 0 ? 1 : 0)
        }
        let x = Matrix(rows: rows, columns: 16, values: values)
        let y = Target.classes(labels, classCount: 2)
        let booster = try GradientBoosting.make(["max_iter": .int(20), "early_stopping": .string("off")])
        let one = try booster.fit(x, y, context: FitContext(seed: 1, threads: 1))
        let two = try booster.fit(x, y, context: FitContext(seed: 1, threads: 2))
        #expect(one.trees == two.trees)
        #expect(one.trees.contains { tree in tree.feature.contains(4) })  // color 2 is used
        #expect(TreeTestSupport.accuracy(one.predict(x), y) > 0.8)
    }

    @Test func workerRangesBalanceTheWork() {
        #expect(HistogramGrower.balancedBounds(weights: [1, 1, 1, 1], workers: 2) == [0, 2, 4])
        // Dense features first, cheap sparse ones after: the cut moves right.
        #expect(HistogramGrower.balancedBounds(weights: [10, 10, 10, 1, 1, 1, 1, 1, 1], workers: 2) == [0, 2, 9])
        #expect(HistogramGrower.balancedBounds(weights: [100, 1], workers: 2) == [0, 1, 2])
        #expect(HistogramGrower.balancedBounds(weights: [1, 100], workers: 2) == [0, 1, 2])
        #expect(HistogramGrower.balancedBounds(weights: [5], workers: 1) == [0, 1])
    }

    @Test func largeFitsTrainTheSameModelOnAnyThreadCount() throws {
        // 25,000 rows: nodes of 4,096 rows or more are partitioned on two threads, and from
        // 20,000 rows the gradients are packed and the leaf values added by row ranges. Missing
        // values in one feature exercise both directions of the missing bin.
        var g = SeededGenerator(seed: 5)
        let rows = 25_000
        var values = [Double](), labels = [Int](), targets = [Double]()
        for _ in 0..<rows {
            let a = g.nextGaussian(), b = g.nextGaussian(), c = g.nextUnit(), d = Double(g.nextInt(below: 4))
            let shown = g.nextUnit() < 0.2 ? Double.nan : b
            values += [a, shown, c, d]
            let score = a - (shown.isNaN ? 0.8 : b) + (d == 2 ? 1 : 0) + 0.5 * g.nextGaussian()
            labels.append(score > 0 ? 1 : 0)
            targets.append(score)
        }
        let x = Matrix(rows: rows, columns: 4, values: values)
        let booster = try GradientBoosting.make(["max_iter": .int(4), "early_stopping": .string("off")])
        for y in [Target.classes(labels, classCount: 2), Target.values(targets)] {
            let one = try booster.fit(x, y, context: FitContext(seed: 1, threads: 1))
            let two = try booster.fit(x, y, context: FitContext(seed: 1, threads: 2))
            #expect(one.trees == two.trees)
            #expect(one.trees.allSatisfy { $0.feature.count >= 31 })  // full trees: many partitions
        }
    }

    @Test func leafValuesAreAddedOnceToEveryRowOnAnyThreadCount() {
        // Three leaves whose rows interleave over 0..<30,000 (each leaf's rows increasing).
        var tree = Tree(valueWidth: 1)
        let values = [0.5, -1.25, 2.0]
        for v in values { _ = tree.addLeaf(values: [v], cover: 1) }
        let n = 30_000
        let leafOf = (0..<n).map { ($0 * 7 + $0 / 3) % 3 }
        let leaves = (0..<3).map { leaf in
            (node: leaf, rows: ArraySlice((0..<n).filter { leafOf[$0] == leaf }.map { Int32($0) }))
        }
        let grown = HistogramGrower.Grown(tree: tree, binThreshold: [0, 0, 0], leaves: leaves)
        // Two columns per row (as multiclass): only column 1 changes.
        let start = (0..<(2 * n)).map { Double($0 % 5) }
        var serial = start, parallel = start
        grown.addLeafValues(into: &serial, width: 2, column: 1, threads: 1)
        grown.addLeafValues(into: &parallel, width: 2, column: 1, threads: 2)
        let expected = (0..<(2 * n)).map { i in i % 2 == 0 ? start[i] : start[i] + values[leafOf[i / 2]] }
        #expect(serial == expected)
        #expect(parallel == expected)
    }

    @Test func firstRowAtLeastABoundIsFoundByBinarySearch() {
        let rows: ArraySlice<Int32> = [9, 3, 5, 8, 12, 20][1...]  // indices 1...5, as a leaf's slice
        #expect(HistogramGrower.Grown.firstIndex(in: rows, atLeast: 0) == 1)
        #expect(HistogramGrower.Grown.firstIndex(in: rows, atLeast: 5) == 2)
        #expect(HistogramGrower.Grown.firstIndex(in: rows, atLeast: 6) == 3)
        #expect(HistogramGrower.Grown.firstIndex(in: rows, atLeast: 20) == 5)
        #expect(HistogramGrower.Grown.firstIndex(in: rows, atLeast: 21) == 6)
        #expect(HistogramGrower.Grown.firstIndex(in: rows[3..<3], atLeast: 4) == 3)
    }
}
