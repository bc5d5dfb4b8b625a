import Testing
@testable import Learning

/// Hand-checked CART cases, the arithmetic in the comments.
@Suite struct TreeMicroTests {
    @Test func stumpPicksLowestWeightedGini() throws {
        // x = 1…6, y = 0 0 0 1 0 1. Weighted gini of each candidate threshold:
        // 1.5: L{0} 0;        R{0,0,1,0,1}: 1 - 0.6² - 0.4² = 0.48        → 5/6 · 0.48 = 0.400
        // 2.5: L{0,0} 0;      R{0,1,0,1}: 0.5                             → 4/6 · 0.5  = 0.333
        // 3.5: L{0,0,0} 0;    R{1,0,1}: 1 - (1/3)² - (2/3)² = 0.444       → 3/6 · 0.444 = 0.222  ← best
        // 4.5: L{0,0,0,1}: 1 - 0.75² - 0.25² = 0.375; R{0,1}: 0.5        → 0.25 + 0.167 = 0.417
        // 5.5: L{0,0,0,1,0}: 1 - 0.8² - 0.2² = 0.32; R{1} 0              → 5/6 · 0.32 = 0.267
        let x = Matrix((1...6).map { [Double($0)] })
        let y = Target.classes([0, 0, 0, 1, 0, 1], classCount: 2)
        let model = try DecisionTree.make(["max_depth": .int(1)]).fit(x, y, context: FitContext())
        let tree = model.tree
        #expect(tree.nodeCount == 3)
        #expect(tree.feature[0] == 0)
        #expect(tree.threshold[0] == 3.5)
        #expect(tree.cover == [6, 3, 3])
        let left = Int(tree.left[0]), right = Int(tree.right[0])
        #expect(Array(tree.values[(left * 2)..<(left * 2 + 2)]) == [1, 0])
        #expect(abs(tree.values[right * 2] - 1.0 / 3) < 1e-12)
        #expect(abs(tree.values[right * 2 + 1] - 2.0 / 3) < 1e-12)
    }

    @Test func entropyStumpAgreesOnAnEasyCase() throws {
        // y = 0 0 1 1 on x = 1…4: threshold 2.5 leaves both children pure (entropy 0).
        let x = Matrix((1...4).map { [Double($0)] })
        let y = Target.classes([0, 0, 1, 1], classCount: 2)
        let model = try DecisionTree.make(["criterion": .string("entropy")]).fit(x, y, context: FitContext())
        #expect(model.tree.threshold[0] == 2.5)
        #expect(model.tree.leafCount == 2)
    }

    @Test func solvesXorAtDepthTwo() throws {
        // The root split gains nothing (gini 0.5 on both sides), yet must happen, like scikit-learn.
        let rows: [[Double]] = [[0, 0], [0, 1], [1, 0], [1, 1]]
        let x = Matrix(rows + rows)
        let labels = [0, 1, 1, 0, 0, 1, 1, 0]
        let model = try DecisionTree.make(["max_depth": .int(2)]).fit(
            x, .classes(labels, classCount: 2), context: FitContext())
        #expect(model.tree.depth == 2)
        #expect(model.predict(x).labels == labels)
    }

    @Test func minSamplesLeafIsRespected() throws {
        let data = TreeTestSupport.synthetic(rows: 400)
        let model = try DecisionTree.make(["min_samples_leaf": .int(7)]).fit(data.x, data.y, context: FitContext())
        let tree = model.tree
        for i in 0..<tree.nodeCount where tree.feature[i] == Tree.leaf {
            #expect(tree.cover[i] >= 7)
        }
        #expect(tree.leafCount > 5)
    }

    @Test func regressionLeavesHoldMeans() throws {
        // x = 1 2 3 10 11 12, y = 1 2 3 10 20 30. Sum of squared errors per threshold:
        // 6.5:  L{1,2,3} mean 2 → 2;            R{10,20,30} mean 20 → 200         = 202
        // 10.5: L{1,2,3,10} mean 4 → 9+4+1+36 = 50; R{20,30} mean 25 → 50       = 100 ← best
        // 11.5: L{1,2,3,10,20} mean 7.2 → 254.8; R{30} → 0                        = 254.8
        // 2.5: 0.5 + 416.75 = 417.25;  1.5: 0 + 568 = 568
        let x = Matrix([1, 2, 3, 10, 11, 12].map { [Double($0)] })
        let y = Target.values([1, 2, 3, 10, 20, 30])
        let model = try DecisionTree.make(["max_depth": .int(1)]).fit(x, y, context: FitContext())
        #expect(model.tree.threshold[0] == 10.5)
        #expect(model.predict(Matrix([[0], [100]])) == .values([4, 25]))
        // Unlimited depth reproduces every training value.
        let full = try DecisionTree.make().fit(x, y, context: FitContext())
        #expect(full.predict(x) == .values([1, 2, 3, 10, 20, 30]))
    }

    @Test(arguments: [false, true])
    func missingValuesFollowTheLearnedSide(missingAreOnes: Bool) throws {
        // Values 1 2 3 are class 0, 10 11 12 class 1; the two NaN rows carry `missingClass`.
        // Putting the NaNs with their own class gives two pure children, so the split learns it.
        let missingClass = missingAreOnes ? 1 : 0
        let x = Matrix([[1], [2], [3], [.nan], [.nan], [10], [11], [12]])
        let y = Target.classes([0, 0, 0, missingClass, missingClass, 1, 1, 1], classCount: 2)
        let tree = try DecisionTree.make(["max_depth": .int(1)]).fit(x, y, context: FitContext())
        #expect(tree.tree.missingGoesLeft[0] == !missingAreOnes)
        #expect(tree.predict(Matrix([[.nan]])).labels == [missingClass])
        let boost = try GradientBoosting.make(["min_samples_leaf": .int(1), "max_iter": .int(5)]).fit(
            x, y, context: FitContext())
        #expect(boost.trees[0].missingGoesLeft[0] == !missingAreOnes)
        #expect(boost.predict(Matrix([[.nan]])).labels == [missingClass])
        let forest = try RandomForest.make(["n_estimators": .int(20), "max_features": .string("all")]).fit(
            x, y, context: FitContext())
        #expect(forest.predict(Matrix([[.nan]])).labels == [missingClass])
    }

    @Test func unseenMissingGoesToTheHeavierChild() throws {
        // No NaN in training: 4 rows go right (x > 2.5), 2 left, so a NaN goes right.
        let x = Matrix([[1], [2], [3], [4], [5], [6]])
        let model = try DecisionTree.make(["max_depth": .int(1)]).fit(
            x, .classes([0, 0, 1, 1, 1, 1], classCount: 2), context: FitContext())
        #expect(model.tree.threshold[0] == 2.5)
        #expect(model.tree.missingGoesLeft[0] == false)
    }

    /// Forest and tree predictions are scored in blocks of rows on all cores; every row must get
    /// exactly what walking each tree for that row alone gives, added in tree order (bit for bit),
    /// on the serial path (few rows) and the parallel one, with missing values.
    @Test(arguments: [7, 1_000])
    func blockScoringEqualsWalkingEachRow(rows: Int) throws {
        var g = SeededGenerator(seed: 11)
        let train = Matrix(
            (0..<600).map { _ in (0..<4).map { _ in g.nextInt(below: 10) == 0 ? .nan : g.nextGaussian() } })
        let classes = (0..<600).map { r in
            (train[r, 0].isNaN ? 0 : train[r, 0]) + train[r, 1] * 0.5 > 0 ? 1 : (g.nextInt(below: 4) == 0 ? 2 : 0)
        }
        let x = Matrix(
            (0..<rows).map { _ in (0..<4).map { _ in g.nextInt(below: 10) == 0 ? .nan : g.nextGaussian() * 1.5 } })
        let forest = try RandomForest.make(["n_estimators": .int(12)]).fit(
            train, .classes(classes, classCount: 3), context: FitContext(seed: 3))
        guard case .probabilities(let p) = forest.predict(x) else {
            Issue.record("no probabilities")
            return
        }
        let regression = try DecisionTree.make([:]).fit(
            train, .values(classes.map(Double.init)), context: FitContext(seed: 3))
        guard case .values(let v) = regression.predict(x) else {
            Issue.record("no values")
            return
        }
        for r in 0..<rows {
            let row = (0..<4).map { x[r, $0] }
            let expected: [Double] = row.withUnsafeBufferPointer { buffer in
                var sum = [Double](repeating: 0, count: 3)
                for tree in forest.trees {
                    let leaf = tree.leafIndex(buffer)
                    for k in 0..<3 { sum[k] += (1 / Double(forest.trees.count)) * tree.values[leaf * 3 + k] }
                }
                let total = sum.reduce(0, +)
                return total > 0 ? sum.map { $0 / total } : sum
            }
            #expect((0..<3).map { p[r, $0].bitPattern } == expected.map(\.bitPattern), "row \(r)")
            let leaf = row.withUnsafeBufferPointer { regression.tree.leafIndex($0) }
            #expect(v[r].bitPattern == regression.tree.values[leaf].bitPattern, "row \(r)")
        }
    }
}
