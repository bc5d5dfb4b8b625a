import Testing
@testable import Learning

/// The optimizer on its own, on textbook functions.
@Suite struct LBFGSTests {
    @Test func findsTheRosenbrockMinimum() throws {
        // f(a, b) = (1 − a)² + 100·(b − a²)², minimum 0 at (1, 1); the classic start (−1.2, 1).
        let solver = LBFGS(maxIterations: 500, gradientTolerance: 1e-10)
        let outcome = try solver.minimize(from: [-1.2, 1], beforeIteration: { _ in }) { p, gradient in
            let a = p[0], b = p[1]
            gradient[0] = -2 * (1 - a) - 400 * a * (b - a * a)
            gradient[1] = 200 * (b - a * a)
            return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
        }
        #expect(outcome.converged)
        #expect(abs(outcome.point[0] - 1) < 1e-6 && abs(outcome.point[1] - 1) < 1e-6)
        #expect(outcome.iterations < 100)
    }

    @Test func quadraticConvergesAndReportsIterations() throws {
        // f(x) = Σ i·xᵢ² has its minimum at 0; already optimal starts stop at iteration 0.
        let solver = LBFGS(maxIterations: 100, gradientTolerance: 1e-9)
        let objective: ([Double], inout [Double]) -> Double = { x, gradient in
            var value = 0.0
            for i in x.indices {
                value += Double(i + 1) * x[i] * x[i]
                gradient[i] = 2 * Double(i + 1) * x[i]
            }
            return value
        }
        let moved = try solver.minimize(from: [1, -2, 3, 0.5], beforeIteration: { _ in }, objective: objective)
        #expect(moved.converged && moved.point.allSatisfy { abs($0) < 1e-9 })
        let still = try solver.minimize(from: [0, 0, 0, 0], beforeIteration: { _ in }, objective: objective)
        #expect(still.iterations == 0 && still.converged)
    }

    @Test func stopsAtMaxIterationsWithoutClaimingConvergence() throws {
        let solver = LBFGS(maxIterations: 2, gradientTolerance: 0, functionTolerance: 0)
        let outcome = try solver.minimize(from: [-1.2, 1], beforeIteration: { _ in }) { p, gradient in
            let a = p[0], b = p[1]
            gradient[0] = -2 * (1 - a) - 400 * a * (b - a * a)
            gradient[1] = 200 * (b - a * a)
            return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
        }
        #expect(!outcome.converged && outcome.iterations == 2)
    }
}
