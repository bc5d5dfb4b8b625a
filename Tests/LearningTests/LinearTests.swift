import Foundation
import Testing
@testable import Learning

/// `linear`: the logistic objective, its optimum, and exact least squares.
@Suite struct LinearTests {
    // MARK: Logistic regression

    @Test(arguments: [2, 3])
    func logisticGradientMatchesFiniteDifferences(classCount: Int) throws {
        let (x, y) = SyntheticData.classification(rows: 25, columns: 3, classCount: classCount)
        guard case .classes(let codes, _) = y else { throw TestSetupError(description: "expected classes") }
        let objective = LogisticObjective(x: x, codes: codes, classCount: classCount, inverseC: 1 / 0.7, threads: 1)
        var generator = SeededGenerator(seed: 3)
        let theta = (0..<objective.parameterCount).map { _ in 0.5 * generator.nextGaussian() }
        var gradient = [Double](repeating: 0, count: theta.count)
        _ = try objective.evaluate(theta, gradient: &gradient)
        var scratch = gradient
        let h = 1e-6
        for i in theta.indices {
            var plus = theta, minus = theta
            plus[i] += h
            minus[i] -= h
            // Central difference: (f(θ + h·eᵢ) − f(θ − h·eᵢ)) / 2h, error O(h²).
            let numeric =
                (try objective.evaluate(plus, gradient: &scratch) - objective.evaluate(minus, gradient: &scratch))
                / (2 * h)
            #expect(abs(numeric - gradient[i]) < 1e-7, "component \(i): analytic \(gradient[i]), numeric \(numeric)")
        }
    }

    @Test func logisticLossAtZeroIsLogOfClassCount() throws {
        // All scores 0 → every class has probability 1/k → mean loss ln k, penalty 0.
        let (x, y) = SyntheticData.classification(rows: 10, columns: 2, classCount: 3)
        guard case .classes(let codes, _) = y else { throw TestSetupError(description: "expected classes") }
        let objective = LogisticObjective(x: x, codes: codes, classCount: 3, inverseC: 1, threads: 1)
        var gradient = [Double](repeating: 0, count: objective.parameterCount)
        #expect(isClose(try objective.evaluate(gradient, gradient: &gradient), log(3.0)))
    }

    @Test func binaryLogisticSolvesTheStationarityCondition() throws {
        // x = −1 → class 0, x = +1 → class 1, C = 1, n = 2. By symmetry b = 0 and the objective is
        // ln(1 + e^−w) + w²/(2·C·n) = ln(1 + e^−w) + w²/4; its derivative vanishes where
        // w/2 = 1 / (1 + e^w), i.e. w ≈ 0.6749.
        let x = Matrix(rows: 2, columns: 1, values: [-1, 1])
        let model = try Linear.make(["tol": .double(1e-10)]).fit(
            x, .classes([0, 1], classCount: 2), context: FitContext())
        let w = model.coefficients[1, 0] * 2  // stored as ±w/2 rows
        #expect(model.converged)
        #expect(abs(w / 2 - 1 / (1 + exp(w))) < 1e-8)
        #expect(abs(w - 0.6749) < 1e-3)
        #expect(abs(model.intercepts[1]) < 1e-8)
        #expect(model.coefficients[0, 0] == -model.coefficients[1, 0])
    }

    @Test func logisticConvergesOnStandardizedData() throws {
        let (x, y) = SyntheticData.classification(rows: 200, columns: 5, classCount: 3)
        let model = try Linear.make().fit(x, y, context: FitContext())
        #expect(model.converged, "stopped after \(model.iterations) iterations")
        let labels = model.predict(x).labels ?? []
        guard case .classes(let codes, _) = y else { return }
        #expect(ClassificationMetrics.accuracy(truth: codes, predicted: labels) > 0.8)
    }

    @Test func manyChunksGiveTheSameBytesOnAnyThreadCount() throws {
        // 5000 rows span three 2048-row work units, so the threads really split the sums.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (x, y) in [
            SyntheticData.classification(rows: 5000, columns: 5, classCount: 3),
            SyntheticData.regression(rows: 5000, columns: 5),
        ] {
            let one = try Linear.make().fit(x, y, context: FitContext(threads: 1))
            let four = try Linear.make().fit(x, y, context: FitContext(threads: 4))
            #expect(try encoder.encode(one) == encoder.encode(four))
        }
    }

    // MARK: Least squares

    @Test func ordinaryLeastSquaresRecoversExactCoefficients() throws {
        // y = 3 + 2·x₀ − x₁ + 0.5·x₂ exactly.
        let x = SyntheticData.features(rows: 20, columns: 3, seed: 5)
        let y = (0..<20).map { 3 + 2 * x[$0, 0] - x[$0, 1] + 0.5 * x[$0, 2] }
        let model = try Linear.make().fit(x, .values(y), context: FitContext())
        for (found, expected) in zip(model.coefficients.values, [2, -1, 0.5]) { #expect(abs(found - expected) < 1e-10) }
        #expect(abs(model.intercepts[0] - 3) < 1e-10)
    }

    @Test func collinearColumnsStillFitExactly() throws {
        // Column 2 = 2 × column 0 and column 3 is constant: least squares has many solutions;
        // the dependent columns are dropped (weight 0) and predictions stay exact.
        let base = SyntheticData.features(rows: 15, columns: 2, seed: 9)
        var x = Matrix(rows: 15, columns: 4)
        for i in 0..<15 {
            x[i, 0] = base[i, 0]
            x[i, 1] = base[i, 1]
            x[i, 2] = 2 * base[i, 0]
            x[i, 3] = 7
        }
        let y = (0..<15).map { 1 + 4 * x[$0, 0] - x[$0, 1] }
        let model = try Linear.make().fit(x, .values(y), context: FitContext())
        #expect(model.coefficients.values.allSatisfy { $0.isFinite })
        #expect(model.coefficients[0, 2] == 0 && model.coefficients[0, 3] == 0)
        guard case .values(let predicted) = model.predict(x) else {
            Issue.record("expected values")
            return
        }
        for (p, t) in zip(predicted, y) { #expect(abs(p - t) < 1e-9) }
    }

    @Test func ridgeShrinksBySumOfSquaresPlusAlpha() throws {
        // x = −1 0 1 (centred), y = −2 0 2: Σx² = 2, Σxy = 4, so w = 4 / (2 + α); α = 2 → w = 1.
        let x = Matrix(rows: 3, columns: 1, values: [-1, 0, 1])
        let model = try Linear.make(["alpha": .double(2)]).fit(x, .values([-2, 0, 2]), context: FitContext())
        #expect(isClose(model.coefficients[0, 0], 1))
        #expect(abs(model.intercepts[0]) < 1e-12)
    }
}
