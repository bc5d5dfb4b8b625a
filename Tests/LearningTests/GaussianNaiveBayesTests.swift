import Foundation
import Testing
@testable import Learning

/// `bayes`: posteriors computed by hand.
@Suite struct GaussianNaiveBayesTests {
    @Test func twoFeatureTextbookPosterior() throws {
        // class 0 rows (0, 0), (2, 4); class 1 rows (3, 1), (5, 3); priors ½ each.
        // Feature 1: class 0 μ=1 σ²=1, class 1 μ=4 σ²=1. Feature 2: class 0 μ=2 σ²=4, class 1 μ=2 σ²=1.
        // Query (2, 4), log-likelihood of class 0 minus class 1:
        //   feature 1: −(2−1)²/2 + (2−4)²/2 = −0.5 + 2 = 1.5
        //   feature 2: −½·ln(4) − (4−2)²/(2·4) + (4−2)²/2 = −0.6931472 − 0.5 + 2 = 0.8068528
        // P(class 0 | x) = 1 / (1 + e^−2.3068528) = 1 / 1.0995740 = 0.9094430
        // (var_smoothing adds 1e-9 × 3.25, the largest feature variance: negligible here.)
        let x = Matrix([[0, 0], [2, 4], [3, 1], [5, 3]])
        let model = try GaussianNaiveBayes.make().fit(x, .classes([0, 0, 1, 1], classCount: 2), context: FitContext())
        #expect(model.means == Matrix([[1, 2], [4, 2]]))
        #expect(isClose(model.variances[0, 1], 4 + 3.25e-9, tolerance: 1e-12))
        guard case .probabilities(let p) = model.predict(Matrix([[2, 4]])) else {
            Issue.record("expected probabilities")
            return
        }
        let expected = 1 / (1 + exp(-(1.5 + 1.5 - log(4.0) / 2)))
        #expect(isClose(p[0, 0], expected, tolerance: 1e-7))
        #expect(abs(p[0, 0] - 0.9094430) < 1e-6)
        #expect(isClose(p[0, 0] + p[0, 1], 1))
    }

    @Test func priorsFollowClassShares() throws {
        // Identical features: the posterior is the prior, 3/4 and 1/4.
        let x = Matrix(rows: 4, columns: 1, repeating: 1)
        let model = try GaussianNaiveBayes.make().fit(x, .classes([0, 0, 0, 1], classCount: 2), context: FitContext())
        guard case .probabilities(let p) = model.predict(Matrix([[1]])) else { return }
        #expect(isClose(p[0, 0], 0.75) && isClose(p[0, 1], 0.25))
    }

    @Test func classWithoutRowsGetsProbabilityZero() throws {
        let x = Matrix([[0], [1]])
        let model = try GaussianNaiveBayes.make().fit(x, .classes([0, 2], classCount: 3), context: FitContext())
        guard case .probabilities(let p) = model.predict(Matrix([[0.5]])) else { return }
        #expect(p[0, 1] == 0)
        #expect(isClose(p[0, 0] + p[0, 2], 1))
    }

    @Test func regressionIsRejected() throws {
        #expect(throws: LearningError.unsupportedTask(algorithm: "bayes", task: .regression)) {
            try GaussianNaiveBayes.make().fit(Matrix([[1]]), .values([1]), context: FitContext())
        }
    }
}
