import Foundation

/// Gaussian naive Bayes, like scikit-learn's `GaussianNB`: each feature is normal within each
/// class, independently of the others.
///
/// Hyperparameters: `GaussianNaiveBayes.Hyperparameters`, with scikit-learn's defaults.
///
/// Class priors are the training class shares. Categorical inputs arrive one-hot encoded and are
/// modelled as Gaussian 0/1 columns, which is what scikit-learn does on the same matrix; a
/// Bernoulli/categorical likelihood for indicator groups would be better but needs the pipeline
/// to say which columns form a group, which the `Algorithm` interface does not carry yet.
public struct GaussianNaiveBayes: Algorithm {
    public typealias Model = GaussianNaiveBayesModel

    public static let name = "bayes"
    public static let summary = "Gaussian naive Bayes: per-class normal features, independent given the class"
    public static let tasks: Set<Task> = [.classification]

    public struct Hyperparameters: HyperparameterSet {
        /// `var_smoothing`: adds `var_smoothing × (largest feature variance)` to every variance,
        /// so constant features cannot divide by zero.
        public var varianceSmoothing = 1e-9
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .double(
                "var_smoothing", \.varianceSmoothing, 0...1,
                help: "fraction of the largest feature variance added to every variance")
        ]
    }
    // Scale-free: each feature gets its own mean and variance.
    public static let wantsStandardizedInputs = false
    public static let acceptsMissingValues = false

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> GaussianNaiveBayesModel {
        try FitInputValidation.check(Self.self, x, y)
        guard case .classes(let codes, let classCount) = y else {
            throw LearningError.unsupportedTask(algorithm: Self.name, task: y.task)
        }
        try context.checkCancellation()
        let n = x.rows, d = x.columns
        var counts = [Double](repeating: 0, count: classCount)
        var means = [Double](repeating: 0, count: classCount * d)
        var variances = [Double](repeating: 0, count: classCount * d)
        for i in 0..<n {
            counts[codes[i]] += 1
            for j in 0..<d { means[codes[i] * d + j] += x.values[i * d + j] }
        }
        for c in 0..<classCount where counts[c] > 0 {
            for j in 0..<d { means[c * d + j] /= counts[c] }
        }
        // Two passes (mean, then squared deviations) for accuracy on large offsets.
        for i in 0..<n {
            let c = codes[i]
            for j in 0..<d {
                let deviation = x.values[i * d + j] - means[c * d + j]
                variances[c * d + j] += deviation * deviation
            }
        }
        for c in 0..<classCount where counts[c] > 0 {
            for j in 0..<d { variances[c * d + j] /= counts[c] }
        }
        context.progress(0.5)
        try context.checkCancellation()

        // Largest variance of any feature over the whole training set (population variance).
        var largestVariance = 0.0
        for j in 0..<d {
            var mean = 0.0
            for i in 0..<n { mean += x.values[i * d + j] }
            mean /= Double(n)
            var sum = 0.0
            for i in 0..<n {
                let deviation = x.values[i * d + j] - mean
                sum += deviation * deviation
            }
            largestVariance = max(largestVariance, sum / Double(n))
        }
        var epsilon = hyperparameters.varianceSmoothing * largestVariance
        // All features constant: any positive floor keeps the likelihood finite.
        if !(epsilon > 0) { epsilon = Double.leastNormalMagnitude.squareRoot() }
        for index in variances.indices { variances[index] += epsilon }
        // Classes without training rows keep prior 0 and a harmless unit Gaussian.
        for c in 0..<classCount where counts[c] == 0 {
            for j in 0..<d { variances[c * d + j] = 1 }
        }
        context.progress(1)
        return GaussianNaiveBayesModel(
            featureCount: d, classCount: classCount,
            priors: counts.map { $0 / Double(n) },
            means: Matrix(rows: classCount, columns: d, values: means),
            variances: Matrix(rows: classCount, columns: d, values: variances))
    }
}

/// A fitted `bayes` model: per-class priors, feature means and (smoothed) variances.
public struct GaussianNaiveBayesModel: FittedModel, Equatable {
    public static let algorithmName = GaussianNaiveBayes.name
    public var task: Task { .classification }
    public let featureCount: Int
    public let classCount: Int
    /// Training share of each class (0 for a class with no rows).
    public let priors: [Double]
    /// classCount × featureCount.
    public let means: Matrix
    /// classCount × featureCount, smoothing included.
    public let variances: Matrix

    /// Posterior class probabilities: log prior + Σ log N(x | μ, σ²), normalised by log-sum-exp.
    public func predict(_ x: Matrix) -> Prediction {
        let d = featureCount
        // Per-class constant: log prior − ½ Σ log(2π σ²).
        let constants = (0..<classCount).map { c -> Double in
            var sum = log(priors[c])
            for j in 0..<d { sum -= 0.5 * log(2 * Double.pi * variances.values[c * d + j]) }
            return sum
        }
        var out = [Double](repeating: 0, count: x.rows * classCount)
        out.withUnsafeMutableBufferPointer { scores in
            guard let base = scores.baseAddress else { return }
            for i in 0..<x.rows {
                for c in 0..<classCount {
                    var sum = constants[c]
                    for j in 0..<d {
                        let deviation = x.values[i * d + j] - means.values[c * d + j]
                        sum -= 0.5 * deviation * deviation / variances.values[c * d + j]
                    }
                    scores[i * classCount + c] = sum
                }
                LogSpace.softmaxInPlace(UnsafeMutableBufferPointer(start: base + i * classCount, count: classCount))
            }
        }
        return .probabilities(Matrix(rows: x.rows, columns: classCount, values: out))
    }
}

extension GaussianNaiveBayesModel {
    public var outputWidth: Int { classCount }

    /// Decodes a model, refusing priors, means or variances that do not match the classes and
    /// features, or variances that are not positive.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let featureCount = try container.decode(Int.self, forKey: .featureCount)
        let classCount = try container.decode(Int.self, forKey: .classCount)
        let priors = try container.decode([Double].self, forKey: .priors)
        let means = try container.decode(Matrix.self, forKey: .means)
        let variances = try container.decode(Matrix.self, forKey: .variances)
        try StoredModelCheck.require(
            classCount >= 2, at: path + [CodingKeys.classCount],
            "a classifier needs at least two classes, not \(classCount)")
        try StoredModelCheck.require(
            priors.count == classCount && priors.allSatisfy { $0 >= 0 && $0 <= 1 }, at: path + [CodingKeys.priors],
            "\(priors.count) priors for \(classCount) classes, each must be a share in 0…1")
        for (key, matrix) in [(CodingKeys.means, means), (.variances, variances)] {
            try StoredModelCheck.require(
                matrix.rows == classCount && matrix.columns == featureCount, at: path + [key],
                "a \(matrix.rows) × \(matrix.columns) matrix for \(classCount) classes × \(featureCount) features")
        }
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(means.values), at: path + [CodingKeys.means], "a mean is not a finite number")
        try StoredModelCheck.require(
            variances.values.allSatisfy { $0.isFinite && $0 > 0 }, at: path + [CodingKeys.variances],
            "a variance is not a positive finite number")
        self.init(
            featureCount: featureCount, classCount: classCount, priors: priors, means: means, variances: variances)
    }
}
