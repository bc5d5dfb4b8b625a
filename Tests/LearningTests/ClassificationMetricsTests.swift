import Testing
@testable import Learning

/// Hand-computed cases; each also agrees with scikit-learn 1.9 on the same inputs.
@Suite struct ClassificationMetricsTests {
    // truth 0 1 2 2, predicted 0 2 2 2.
    let truth = [0, 1, 2, 2]
    let predicted = [0, 2, 2, 2]

    @Test func accuracy() {
        // 3 of 4 right.
        #expect(ClassificationMetrics.accuracy(truth: truth, predicted: predicted) == 0.75)
    }

    @Test func balancedAccuracy() {
        // recalls: class 0 1/1, class 1 0/1, class 2 2/2 → (1 + 0 + 1) / 3
        #expect(isClose(ClassificationMetrics.balancedAccuracy(truth: truth, predicted: predicted), 2.0 / 3))
    }

    @Test func macroPrecisionRecallF1() {
        // precision: class 0 1/1, class 1 never predicted → 0, class 2 2/3 → (1 + 0 + 2/3) / 3 = 5/9
        #expect(isClose(ClassificationMetrics.macroPrecision(truth: truth, predicted: predicted), 5.0 / 9))
        // recall: 1, 0, 1 → 2/3
        #expect(isClose(ClassificationMetrics.macroRecall(truth: truth, predicted: predicted), 2.0 / 3))
        // F1: class 0 1; class 1 0; class 2 2·(2/3)·1 / (2/3 + 1) = 0.8 → (1 + 0 + 0.8) / 3 = 0.6
        #expect(isClose(ClassificationMetrics.macroF1(truth: truth, predicted: predicted), 0.6))
    }

    /// A report whose predicted labels are `predicted` (one-hot probabilities over `classCount`).
    private func report(truth: [Int], predicted: [Int], classCount: Int) -> ClassificationReport {
        ClassificationReport(
            truth: truth,
            probabilities: Matrix(
                rows: predicted.count, columns: classCount,
                values: predicted.flatMap { p in
                    (0..<classCount).map { $0 == p ? 1.0 : 0.0 }
                }))
    }

    @Test func perClassScoresAndTheirAveragesMatchTheMacroScores() {
        let r = report(truth: truth, predicted: predicted, classCount: 3)
        // class 0: 1/1, 1/1, F1 1, support 1; class 1: never predicted → precision 0, recall 0/1, F1 0,
        // support 1; class 2: 2/3 precision, 2/2 recall, F1 0.8, support 2 (scikit-learn's
        // precision_recall_fscore_support, zero_division=0).
        #expect(r.perClass.map(\.classCode) == [0, 1, 2])
        #expect(r.perClass.map(\.support) == [1, 1, 2])
        #expect(zip(r.perClass.map(\.precision), [1, 0, 2.0 / 3]).allSatisfy { isClose($0, $1) })
        #expect(r.perClass.map(\.recall) == [1, 0, 1])
        #expect(zip(r.perClass.map(\.f1), [1, 0, 0.8]).allSatisfy { isClose($0, $1) })
        // The table's macro row is the mean of its rows.
        #expect(isClose(r.perClass.map(\.f1).reduce(0, +) / 3, r.macroF1))
        #expect(isClose(r.perClass.map(\.precision).reduce(0, +) / 3, r.macroPrecision))
        // weighted: precision (1·1 + 0·1 + 2/3·2) / 4 = 7/12; recall (1 + 0 + 2) / 4 = 0.75 (= accuracy);
        // F1 (1 + 0 + 1.6) / 4 = 0.65
        let weighted = r.supportWeightedAverages
        #expect(isClose(weighted.precision, 7.0 / 12) && isClose(weighted.recall, 0.75) && isClose(weighted.f1, 0.65))
    }

    @Test func perClassAgreesWithScikitLearnOnTenRows() {
        // scikit-learn 1.9: precision_recall_fscore_support([0,0,0,1,1,2,2,2,2,0], [0,1,0,1,2,2,2,0,2,0])
        // → precision, recall, F1 [0.75, 0.5, 0.75] each, support [4, 2, 4]; weighted 0.7, 0.7, 0.7.
        let r = report(
            truth: [0, 0, 0, 1, 1, 2, 2, 2, 2, 0], predicted: [0, 1, 0, 1, 2, 2, 2, 0, 2, 0], classCount: 3)
        #expect(r.perClass.map(\.support) == [4, 2, 4])
        for (row, expected) in zip(r.perClass, [0.75, 0.5, 0.75]) {
            #expect(isClose(row.precision, expected) && isClose(row.recall, expected) && isClose(row.f1, expected))
        }
        let weighted = r.supportWeightedAverages
        #expect(isClose(weighted.precision, 0.7) && isClose(weighted.recall, 0.7) && isClose(weighted.f1, 0.7))
    }

    @Test func aClassNeitherTrueNorPredictedHasNoRow() {
        // truth 0 0 1 1, predicted 0 0 0 0 over 3 classes: class 2 never occurs, so no row (nor in
        // the macro averages); class 1 is true but never predicted, so it keeps its row.
        let r = report(truth: [0, 0, 1, 1], predicted: [0, 0, 0, 0], classCount: 3)
        #expect(r.perClass.map(\.classCode) == [0, 1])
        #expect(isClose(r.perClass[0].precision, 0.5) && r.perClass[1].precision == 0 && r.perClass[1].support == 2)
    }

    @Test func confusionMatrixRowsAreTruth() {
        #expect(
            ClassificationMetrics.confusionMatrix(truth: truth, predicted: predicted, classCount: 3)
                == [[1, 0, 0], [0, 0, 1], [0, 0, 2]])
    }

    @Test func logLoss() {
        // −(ln 0.8 + ln 0.6) / 2 = (0.2231436 + 0.5108256) / 2 = 0.3669846
        let p = Matrix([[0.8, 0.2], [0.4, 0.6]])
        #expect(isClose(ClassificationMetrics.logLoss(truth: [0, 1], probabilities: p), 0.3669845875401002))
        // A zero probability on the true class is clipped at 1e-15: −ln 1e-15 = 34.5387764
        let certainAndWrong = Matrix([[0.0, 1.0]])
        #expect(isClose(ClassificationMetrics.logLoss(truth: [0], probabilities: certainAndWrong), 34.538776394910684))
    }

    @Test func rocAUCBinary() {
        // scikit-learn's docstring example: 3 of the 4 (positive, negative) pairs ordered right.
        let p = Matrix([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
        #expect(isClose(ClassificationMetrics.rocAUC(truth: [0, 0, 1, 1], probabilities: p) ?? -1, 0.75))
    }

    @Test func rocAUCTiesCountHalf() {
        // scores 0.5(neg) 0.5(pos) 0.2(neg) 0.9(pos); ranks 2.5 2.5 1 4.
        // positive rank sum 2.5 + 4 = 6.5; AUC = (6.5 − 2·3/2) / (2·2) = 3.5 / 4 = 0.875
        // (pairs: the tied pair counts ½, the other three count 1).
        let auc = ClassificationMetrics.binaryAUC(positives: [false, true, false, true], scores: [0.5, 0.5, 0.2, 0.9])
        #expect(isClose(auc ?? -1, 0.875))
    }

    /// The sorted merge gives exactly the pairwise definition (whole and half pairs), on large
    /// inputs with many ties, signed zeros and NaN.
    @Test(arguments: [3, 2_000, 5_000])
    func rocAUCEqualsCountingEveryPair(count: Int) {
        var g = SeededGenerator(seed: UInt64(count))
        for trial in 0..<3 {
            let positives = (0..<count).map { _ in g.nextInt(below: 3) == 0 }
            var scores = (0..<count).map { i in i % 2 == 0 ? Double(g.nextInt(below: 20)) / 20 : g.nextUnit() }
            for i in stride(from: 0, to: count, by: 7) { scores[i] = g.nextInt(below: 2) == 0 ? 0.0 : -0.0 }
            var pairs = 0.0
            for i in 0..<count where positives[i] {
                for j in 0..<count where !positives[j] {
                    pairs += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
                }
            }
            let p = Double(positives.filter { $0 }.count), n = Double(count) - p
            let auc = ClassificationMetrics.binaryAUC(positives: positives, scores: scores)
            if p == 0 || n == 0 {
                #expect(auc == nil)
                continue
            }
            #expect(auc == pairs / (p * n), "trial \(trial)")
        }
        // With NaN (no rank) the comparison sort decides; the result is still a share.
        var scores = (0..<2_000).map { Double($0 % 10) }
        scores[5] = .nan
        let auc = ClassificationMetrics.binaryAUC(positives: (0..<2_000).map { $0 % 3 == 0 }, scores: scores)
        #expect(auc.map { $0 >= 0 && $0 <= 1 } == true)
    }

    @Test func macroScoresCountEveryClassSeenOnEitherSide() {
        // Class 3 is only predicted, class 1 only true: both count in the macro means.
        let truth = [0, 0, 1, 2], predicted = [0, 3, 2, 2]
        // precision: 0 → 1, 1 → 0 (never predicted), 2 → 1/2, 3 → 0; mean 1.5 / 4
        #expect(isClose(ClassificationMetrics.macroPrecision(truth: truth, predicted: predicted), 1.5 / 4))
        // recall: 0 → 1/2, 1 → 0, 2 → 1, 3 → 0 (no support); mean 1.5 / 4
        #expect(isClose(ClassificationMetrics.macroRecall(truth: truth, predicted: predicted), 1.5 / 4))
        // balanced accuracy: classes present in truth only (0, 1, 2): (1/2 + 0 + 1) / 3
        #expect(isClose(ClassificationMetrics.balancedAccuracy(truth: truth, predicted: predicted), 0.5))
    }

    @Test func rocAUCOneVersusRestMacro() {
        // class 0: 0.6 beats 0.2 and 0.1 → 1; class 1: 0.5 beats 0.3, ties 0.5 → (1 + ½)/2 = 0.75;
        // class 2: 0.4 beats 0.1 and 0.3 → 1. Mean (1 + 0.75 + 1) / 3 = 0.9166667
        let p = Matrix([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.5, 0.4]])
        #expect(isClose(ClassificationMetrics.rocAUC(truth: [0, 1, 2], probabilities: p) ?? -1, 11.0 / 12))
    }

    @Test func rocAUCUndefinedForOneClass() {
        #expect(ClassificationMetrics.rocAUC(truth: [1, 1], probabilities: Matrix([[0.3, 0.7], [0.4, 0.6]])) == nil)
    }

    @Test func brierScore() {
        // binary: ((0.2 − 0)² + (0.6 − 1)²) / 2 = (0.04 + 0.16) / 2 = 0.1
        let binary = Matrix([[0.8, 0.2], [0.4, 0.6]])
        #expect(isClose(ClassificationMetrics.brierScore(truth: [0, 1], probabilities: binary), 0.1))
        // multiclass: (0.6 − 1)² + 0.3² + 0.1² = 0.16 + 0.09 + 0.01 = 0.26
        let multiclass = Matrix([[0.6, 0.3, 0.1]])
        #expect(isClose(ClassificationMetrics.brierScore(truth: [0], probabilities: multiclass), 0.26))
    }

    @Test func reportCombinesEverything() {
        let p = Matrix([[0.8, 0.1, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8]])
        let report = ClassificationReport(truth: truth, probabilities: p)
        #expect(report.rowCount == 4 && report.classCount == 3)
        #expect(report.accuracy == 0.75)
        #expect(isClose(report.macroF1, 0.6))
        #expect(report.confusionMatrix == [[1, 0, 0], [0, 0, 1], [0, 0, 2]])
        #expect(report.rocAUC != nil)
        #expect(ClassificationReport(truth: truth, prediction: .probabilities(p)) == report)
        #expect(ClassificationReport(truth: truth, prediction: .values([1, 2, 3, 4])) == nil)
    }
}
