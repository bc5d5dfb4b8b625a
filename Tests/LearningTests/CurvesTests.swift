import Testing
@testable import Learning

@Suite struct CurvesTests {
    // Scores 0.9, 0.8, 0.7, 0.6 with truth +, −, +, −: two positives, two negatives.
    let scores = [0.9, 0.8, 0.7, 0.6]
    let positive = [true, false, true, false]

    @Test func rocByHand() {
        let roc = Curves.roc(scores: scores, positive: positive)
        // Thresholds 0.9, 0.8, 0.7, 0.6: (fp/2, tp/2).
        #expect(
            roc == [
                CurvePoint(x: 0, y: 0), CurvePoint(x: 0, y: 0.5), CurvePoint(x: 0.5, y: 0.5), CurvePoint(x: 0.5, y: 1),
                CurvePoint(x: 1, y: 1),
            ])
        // AUC = 0.5 · 0.5 + 0.5 · 1 = 0.75 (scikit-learn's roc_auc_score gives 0.75).
        #expect(Curves.trapezoidArea(roc) == 0.75)
    }

    @Test func precisionRecallByHand() {
        let pr = Curves.precisionRecall(scores: scores, positive: positive)
        #expect(pr.map(\.x) == [0, 0.5, 0.5, 1, 1])
        #expect(pr.map(\.y) == [1, 1, 0.5, 2.0 / 3.0, 0.5])
        // AP = 0.5 · 1 + 0.5 · 2/3 = 0.8333 (scikit-learn's average_precision_score).
        #expect(abs(Curves.averagePrecision(pr) - 5.0 / 6.0) < 1e-12)
    }

    @Test func tiedScoresMoveTogether() {
        let roc = Curves.roc(scores: [0.5, 0.5, 0.5, 0.1], positive: [true, false, true, false])
        // The three tied rows form one step: (1/2, 2/2), then the last negative.
        #expect(roc == [CurvePoint(x: 0, y: 0), CurvePoint(x: 0.5, y: 1), CurvePoint(x: 1, y: 1)])
    }

    @Test func undefinedWithoutBothClasses() {
        #expect(Curves.roc(scores: [0.1, 0.2], positive: [true, true]).isEmpty)
        #expect(Curves.precisionRecall(scores: [0.1, 0.2], positive: [false, false]).isEmpty)
    }
}
