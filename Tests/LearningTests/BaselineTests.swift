import Testing
@testable import Learning

/// `baseline`: class shares and the mean, by hand.
@Suite struct BaselineTests {
    @Test func classificationPredictsTrainingShares() throws {
        // classes 0 0 1 2 → shares 2/4, 1/4, 1/4 for every row; majority label 0.
        let x = Matrix(rows: 4, columns: 1, values: [1, 2, 3, 4])
        let model = try Baseline.make().fit(x, .classes([0, 0, 1, 2], classCount: 3), context: FitContext())
        let prediction = model.predict(Matrix(rows: 2, columns: 1, values: [9, .nan]))
        #expect(prediction == .probabilities(Matrix([[0.5, 0.25, 0.25], [0.5, 0.25, 0.25]])))
        #expect(prediction.labels == [0, 0])
    }

    @Test func regressionPredictsTheMean() throws {
        // (1 + 2 + 3 + 6) / 4 = 3
        let x = Matrix(rows: 4, columns: 2, repeating: 0)
        let model = try Baseline.make().fit(x, .values([1, 2, 3, 6]), context: FitContext())
        #expect(model.predict(Matrix(rows: 3, columns: 2)) == .values([3, 3, 3]))
    }
}
