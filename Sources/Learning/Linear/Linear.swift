import Parallelism

/// Linear models: multinomial logistic regression (classification) and ridge / ordinary least
/// squares (regression).
///
/// Hyperparameters: `Linear.Hyperparameters`, with the defaults of scikit-learn's
/// `LogisticRegression` and `Ridge`.
///
/// Binary problems are fitted in scikit-learn's binomial form (one weight vector, penalised
/// once) and stored as two softmax rows ±w/2, so every classifier is stored the same way.
public struct Linear: Algorithm {
    public typealias Model = LinearModel

    public static let name = "linear"
    public static let summary = "Logistic regression (L2, L-BFGS) or ridge / least-squares regression"
    public static let tasks: Set<Task> = [.classification, .regression]

    public struct Hyperparameters: HyperparameterSet {
        /// `C` (classification): inverse L2 strength; the penalty is on weights only, never on
        /// intercepts. The objective is mean log loss + ‖W‖² / (2·C·n), i.e. scikit-learn's.
        public var inverseRegularization = 1.0
        /// `max_iter` (classification): L-BFGS iterations.
        public var maxIterations = 100
        /// `tol` (classification): stop when the largest gradient component is below it.
        public var tolerance = 1e-4
        /// Regression: ridge penalty α‖w‖²; 0 is ordinary least squares.
        public var alpha = 0.0
        /// Classification: balanced weighs the log loss of each row by its class
        /// (`ClassWeighting`), as `LogisticRegression(class_weight='balanced')`.
        public var classWeight = ClassWeight.none
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .double(
                "C", \.inverseRegularization, 1e-12...1e12,
                help: "classification: inverse L2 penalty strength; smaller means simpler"),
            .int("max_iter", \.maxIterations, 1...100_000, help: "classification: maximum L-BFGS iterations"),
            .double(
                "tol", \.tolerance, 0...1, help: "classification: stop when every gradient component is below this"),
            .double("alpha", \.alpha, 0...1e12, help: "regression: ridge penalty; 0 is ordinary least squares"),
            ClassWeighting.field(\.classWeight),
        ]
    }
    public static let wantsStandardizedInputs = true
    public static let acceptsMissingValues = false

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    /// Rows per work unit. Fixed (not derived from the thread count) so that sums are always
    /// added in the same order and the model bytes never depend on `threads`.
    static let chunkRows = 2048

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> LinearModel {
        try FitInputValidation.check(Self.self, x, y)
        let weights = try ClassWeighting.rowWeights(hyperparameters.classWeight, y, algorithm: Self.name)
        switch y {
        case .classes(let codes, let classCount):
            return try fitLogistic(x, codes, classCount: classCount, weights: weights ?? [], context: context)
        case .values(let values):
            return try fitRidge(x, values, context: context)
        }
    }

    // MARK: Logistic regression

    private func fitLogistic(_ x: Matrix, _ codes: [Int], classCount: Int, weights: [Double], context: FitContext)
        throws -> LinearModel
    {
        try context.checkCancellation()
        let d = x.columns
        let objective = LogisticObjective(
            x: x, codes: codes, classCount: classCount,
            inverseC: 1 / hyperparameters.inverseRegularization, threads: context.threads, weights: weights)
        let maxIterations = hyperparameters.maxIterations
        let solver = LBFGS(maxIterations: maxIterations, gradientTolerance: hyperparameters.tolerance)
        let outcome = try solver.minimize(
            from: [Double](repeating: 0, count: objective.parameterCount),
            beforeIteration: { iteration in
                try context.checkCancellation()
                context.progress(Double(iteration - 1) / Double(maxIterations))
            },
            objective: { theta, gradient in try objective.evaluate(theta, gradient: &gradient) })
        context.progress(1)

        var coefficients = Matrix(rows: classCount, columns: d)
        var intercepts = [Double](repeating: 0, count: classCount)
        let theta = outcome.point
        if objective.isBinary {
            // softmax(-z/2, z/2) = (1 - σ(z), σ(z)): the binomial model as two softmax rows.
            for j in 0..<d {
                coefficients[0, j] = -theta[j] / 2
                coefficients[1, j] = theta[j] / 2
            }
            intercepts = [-theta[d] / 2, theta[d] / 2]
        } else {
            for k in 0..<classCount {
                for j in 0..<d { coefficients[k, j] = theta[k * (d + 1) + j] }
                intercepts[k] = theta[k * (d + 1) + d]
            }
        }
        return LinearModel(
            task: .classification, featureCount: d, coefficients: coefficients,
            intercepts: intercepts, iterations: outcome.iterations, converged: outcome.converged)
    }

    // MARK: Ridge regression

    private func fitRidge(_ x: Matrix, _ values: [Double], context: FitContext) throws -> LinearModel {
        let n = x.rows, d = x.columns
        let chunks = (n + Self.chunkRows - 1) / Self.chunkRows
        // Means first, then the centred Gram matrix: centring before multiplying avoids the
        // cancellation of Σxxᵀ - n·x̄x̄ᵀ on features with large offsets.
        var featureMeans = [Double](repeating: 0, count: d)
        var targetMean = 0.0
        for i in 0..<n {
            for j in 0..<d { featureMeans[j] += x.values[i * d + j] }
            targetMean += values[i]
        }
        for j in 0..<d { featureMeans[j] /= Double(n) }
        targetMean /= Double(n)
        let means = featureMeans, yMean = targetMean

        let partials = try parallelMap(chunks, threads: context.threads) { chunk -> [Double] in
            try context.checkCancellation()
            // Upper triangle of the Gram matrix (d×d) followed by Xᵀy (d).
            var sums = [Double](repeating: 0, count: d * d + d)
            var centred = [Double](repeating: 0, count: d)
            let end = min(n, (chunk + 1) * Self.chunkRows)
            for i in (chunk * Self.chunkRows)..<end {
                for j in 0..<d { centred[j] = x.values[i * d + j] - means[j] }
                let r = values[i] - yMean
                for a in 0..<d {
                    let ca = centred[a]
                    if ca == 0 { continue }
                    for b in a..<d { sums[a * d + b] += ca * centred[b] }
                    sums[d * d + a] += ca * r
                }
            }
            return sums
        }
        var gram = [Double](repeating: 0, count: d * d)
        var rightHandSide = [Double](repeating: 0, count: d)
        for partial in partials {
            for a in 0..<d {
                for b in a..<d { gram[a * d + b] += partial[a * d + b] }
                rightHandSide[a] += partial[d * d + a]
            }
        }
        for a in 0..<d {
            for b in 0..<a { gram[a * d + b] = gram[b * d + a] }
        }
        let alpha = hyperparameters.alpha
        for a in 0..<d { gram[a * d + a] += alpha }
        let weights = SymmetricSolver.solveDroppingDependentColumns(gram: gram, size: d, rightHandSide: rightHandSide)
        var intercept = yMean
        for j in 0..<d { intercept -= weights[j] * means[j] }
        context.progress(1)
        return LinearModel(
            task: .regression, featureCount: d,
            coefficients: Matrix(rows: 1, columns: d, values: weights),
            intercepts: [intercept], iterations: 1, converged: true)
    }
}

/// A fitted `linear` model: scores = coefficients · x + intercepts.
///
/// Laid out for ONNX's `LinearClassifier` (coefficients per class × feature, one intercept per
/// class, softmax post-transform) and `LinearRegressor` (one row, one intercept).
public struct LinearModel: FittedModel, Equatable {
    public static let algorithmName = Linear.name
    public let task: Task
    public let featureCount: Int
    /// One row per class code (classification) or a single row (regression); `featureCount` columns.
    public let coefficients: Matrix
    /// One per row of `coefficients`.
    public let intercepts: [Double]
    /// Solver iterations used (1 for the closed-form regression).
    public let iterations: Int
    /// False when L-BFGS stopped at `max_iter` before meeting `tol`.
    public let converged: Bool

    public func predict(_ x: Matrix) -> Prediction {
        let outputs = coefficients.rows, d = featureCount
        var scores = [Double](repeating: 0, count: x.rows * outputs)
        for i in 0..<x.rows {
            let rowStart = i * d
            for k in 0..<outputs {
                var z = intercepts[k]
                let weightStart = k * d
                for j in 0..<d { z += coefficients.values[weightStart + j] * x.values[rowStart + j] }
                scores[i * outputs + k] = z
            }
        }
        switch task {
        case .classification:
            LogSpace.softmaxRows(&scores, columns: outputs)
            return .probabilities(Matrix(rows: x.rows, columns: outputs, values: scores))
        case .regression:
            return .values(scores)
        }
    }
}

extension LinearModel {
    public var outputWidth: Int { task == .classification ? coefficients.rows : 1 }

    /// Decodes a model, refusing coefficients that do not match the features and intercepts, or
    /// that are not finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let task = try container.decode(Task.self, forKey: .task)
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let coefficients = try container.decode(Matrix.self, forKey: .coefficients)
        let intercepts = try container.decode([Double].self, forKey: .intercepts)
        try StoredModelCheck.require(
            coefficients.columns == featureCount, at: path + [CodingKeys.coefficients],
            "\(coefficients.columns) coefficients per output for \(featureCount) features")
        try StoredModelCheck.require(
            task == .classification ? coefficients.rows >= 2 : coefficients.rows == 1,
            at: path + [CodingKeys.coefficients],
            "\(coefficients.rows) rows of coefficients for \(task.rawValue)")
        try StoredModelCheck.require(
            intercepts.count == coefficients.rows, at: path + [CodingKeys.intercepts],
            "\(intercepts.count) intercepts for \(coefficients.rows) rows of coefficients")
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(coefficients.values) && StoredModelCheck.allFinite(intercepts),
            at: path + [CodingKeys.coefficients], "a coefficient or intercept is not a finite number")
        self.init(
            task: task, featureCount: featureCount, coefficients: coefficients, intercepts: intercepts,
            iterations: try container.decode(Int.self, forKey: .iterations),
            converged: try container.decode(Bool.self, forKey: .converged))
    }
}
