/// Limited-memory BFGS for smooth, unconstrained minimisation (Nocedal & Wright, algorithms 7.4
/// and 7.5) with a backtracking Armijo line search.
///
/// Stops like SciPy's L-BFGS-B, which scikit-learn's `lbfgs` solver uses: when the largest
/// gradient component is at most `gradientTolerance`, or when the relative decrease of the
/// objective falls below `functionTolerance`.
struct LBFGS {
    /// Correction pairs kept (SciPy's default `maxcor`).
    var memory = 10
    var maxIterations: Int
    var gradientTolerance: Double
    var functionTolerance = 64 * Double.ulpOfOne
    var maxLineSearchSteps = 50

    /// Where the search ended.
    struct Outcome {
        var point: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    /// Minimises `objective`, which returns f(x) and writes ∇f(x) into its second argument.
    /// `beforeIteration` runs before each iteration with its 1-based number (for cancellation
    /// and progress).
    func minimize(
        from start: [Double],
        beforeIteration: (Int) throws -> Void,
        objective: ([Double], inout [Double]) throws -> Double
    ) throws -> Outcome {
        let n = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: n)
        var value = try objective(x, &gradient)
        if Self.maxAbs(gradient) <= gradientTolerance {
            return Outcome(point: x, value: value, iterations: 0, converged: true)
        }
        var steps: [[Double]] = []  // s_i = x_{i+1} - x_i, oldest first
        var changes: [[Double]] = []  // y_i = g_{i+1} - g_i
        var inverseCurvatures: [Double] = []  // 1 / (s_i · y_i)
        var alphas = [Double](repeating: 0, count: memory)
        var direction = [Double](repeating: 0, count: n)
        var trial = [Double](repeating: 0, count: n)
        var trialGradient = [Double](repeating: 0, count: n)

        for iteration in 1...max(1, maxIterations) {
            try beforeIteration(iteration)
            // Two-loop recursion: direction = -H·g with H the implicit inverse-Hessian estimate.
            direction = gradient
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[i] = inverseCurvatures[i] * Self.dot(steps[i], direction)
                Self.addScaled(&direction, -alphas[i], changes[i])
            }
            let scale: Double
            if let s = steps.last, let y = changes.last {
                scale = Self.dot(s, y) / Self.dot(y, y)
            } else {
                // First step: move a unit distance along -g, as SciPy does.
                scale = 1 / Self.dot(gradient, gradient).squareRoot()
            }
            for i in 0..<n { direction[i] *= scale }
            for i in 0..<steps.count {
                let beta = inverseCurvatures[i] * Self.dot(changes[i], direction)
                Self.addScaled(&direction, alphas[i] - beta, steps[i])
            }
            for i in 0..<n { direction[i] = -direction[i] }
            var slope = Self.dot(direction, gradient)
            if !(slope < 0) {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                steps.removeAll()
                changes.removeAll()
                inverseCurvatures.removeAll()
                let norm = Self.dot(gradient, gradient).squareRoot()
                for i in 0..<n { direction[i] = -gradient[i] / norm }
                slope = Self.dot(direction, gradient)
            }

            // Backtracking with safeguarded quadratic interpolation; Armijo constant 1e-4.
            var stepLength = 1.0
            var trialValue = Double.nan
            var accepted = false
            for _ in 0..<maxLineSearchSteps {
                for i in 0..<n { trial[i] = x[i] + stepLength * direction[i] }
                trialValue = try objective(trial, &trialGradient)
                if trialValue.isFinite && trialValue <= value + 1e-4 * stepLength * slope {
                    accepted = true
                    break
                }
                let curvature = trialValue - value - slope * stepLength
                var next = stepLength * 0.5
                if trialValue.isFinite && curvature > 0 {
                    next = -slope * stepLength * stepLength / (2 * curvature)
                }
                stepLength = min(0.5 * stepLength, max(0.1 * stepLength, next))
            }
            guard accepted else {
                // No decrease possible at machine precision: we are as close as we can get.
                return Outcome(
                    point: x, value: value, iterations: iteration,
                    converged: Self.maxAbs(gradient) <= gradientTolerance * 10)
            }

            var s = trial
            var y = trialGradient
            for i in 0..<n {
                s[i] -= x[i]
                y[i] -= gradient[i]
            }
            let sy = Self.dot(s, y)
            if sy > 1e-12 * Self.dot(y, y) && sy > 0 {
                if steps.count == memory {
                    steps.removeFirst()
                    changes.removeFirst()
                    inverseCurvatures.removeFirst()
                }
                steps.append(s)
                changes.append(y)
                inverseCurvatures.append(1 / sy)
            }
            let previousValue = value
            swap(&x, &trial)
            swap(&gradient, &trialGradient)
            value = trialValue
            if Self.maxAbs(gradient) <= gradientTolerance {
                return Outcome(point: x, value: value, iterations: iteration, converged: true)
            }
            let relativeDecrease = (previousValue - value) / max(abs(previousValue), abs(value), 1)
            if relativeDecrease <= functionTolerance {
                return Outcome(point: x, value: value, iterations: iteration, converged: true)
            }
        }
        return Outcome(point: x, value: value, iterations: maxIterations, converged: false)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    static func addScaled(_ target: inout [Double], _ factor: Double, _ source: [Double]) {
        for i in 0..<target.count { target[i] += factor * source[i] }
    }

    static func maxAbs(_ a: [Double]) -> Double {
        var m = 0.0
        for v in a where abs(v) > m { m = abs(v) }
        return m
    }
}
