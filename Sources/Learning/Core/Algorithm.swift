/// How a fit is run: its seed, its thread budget, and the caller's cancellation and progress hooks.
public struct FitContext: Sendable {
    /// Every random choice in a fit derives from this seed; the same seed gives the same model
    /// whatever `threads` is.
    public var seed: UInt64
    /// Threads the fit may use (at least 1).
    public var threads: Int
    /// Polled between units of work; a fit that sees `true` throws `LearningError.cancelled`.
    public var isCancelled: @Sendable () -> Bool
    /// Fraction done, 0...1, for progress display; may be called from any thread.
    public var progress: @Sendable (Double) -> Void

    public init(
        seed: UInt64 = 42,
        threads: Int = 1,
        isCancelled: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) {
        self.seed = seed
        self.threads = max(1, threads)
        self.isCancelled = isCancelled
        self.progress = progress
    }

    /// Throws `LearningError.cancelled` when the caller asked to stop.
    public func checkCancellation() throws {
        if isCancelled() { throw LearningError.cancelled }
    }
}

/// A trained model: immutable, thread-safe, and encodable for exact reload.
public protocol FittedModel: Sendable, Codable {
    /// The registry name of the algorithm that made it.
    static var algorithmName: String { get }
    var task: Task { get }
    /// Columns the model expects in `predict`.
    var featureCount: Int { get }
    /// Columns of `predict`'s probabilities (classification: the class count), or 1 (regression).
    var outputWidth: Int { get }
    /// Class probabilities (classification) or values (regression), one per row of `x`.
    func predict(_ x: Matrix) -> Prediction
}

/// A learning algorithm with its hyperparameters: scikit-learn's estimator, minus the fitted state.
///
/// Constructing stores parameters only; `fit` ignores any previous fit and returns a new model.
public protocol Algorithm: Sendable {
    associatedtype Model: FittedModel
    /// The family's settings, one typed property each (see `HyperparameterSet`).
    associatedtype Hyperparameters: HyperparameterSet

    /// The name used in `train NAME on ...`.
    static var name: String { get }
    /// One line for `help train`.
    static var summary: String { get }
    static var tasks: Set<Task> { get }
    /// The pipeline standardizes numeric inputs for algorithms that are scale-sensitive.
    static var wantsStandardizedInputs: Bool { get }
    /// When true the pipeline passes missing values through as NaN instead of imputing them.
    static var acceptsMissingValues: Bool { get }
    /// True when predicting one row costs time in proportion to the training rows (knn scans them
    /// all), so callers can score fewer rows for figures that do not need many.
    static var predictionCostGrowsWithTrainingRows: Bool { get }

    var hyperparameters: Hyperparameters { get }
    init(_ hyperparameters: Hyperparameters)

    func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> Model
}

extension Algorithm {
    public static var predictionCostGrowsWithTrainingRows: Bool { false }

    /// The declaration of each hyperparameter: drives validation, `help algorithms` and completion.
    public static var parameterSpecs: [ParameterSpec] { Hyperparameters.specs }

    /// The hyperparameters by name, every one present (what a pipeline, a bundle and a run record keep).
    public var parameters: Parameters { Parameters(hyperparameters) }

    /// The algorithm with the settings `parameters` holds.
    public init(parameters: Parameters) { self.init(Hyperparameters(parameters)) }

    /// Builds the algorithm from user-given values, validated against `parameterSpecs`.
    public static func make(_ given: [String: ParameterValue] = [:]) throws -> Self {
        Self(parameters: try Parameters(algorithm: name, specs: parameterSpecs, given: given))
    }
}
