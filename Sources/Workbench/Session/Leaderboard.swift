public import Learning

/// The result of `compare` or `tune`: candidates ranked by one metric on the same folds.
public struct Leaderboard: Sendable {
    public struct Row: Sendable {
        public var candidate: Candidate
        public var result: CrossValidationResult
        /// One-sided p-value of the corrected t-test "the best beats this one"; nil for the best.
        public var pValueAgainstBest: Double?
        /// Not significantly worse than the best at the test level.
        public var tiedWithBest: Bool
    }

    public var rows: [Row]
    public var metric: MetricDefinition
    public var dataName: String
    public var target: String
    public var task: Task
    public var folds: Int
    public var seed: UInt64
    /// Candidates not run, with why (budget, Ctrl-C, error).
    public var skipped: [(name: String, reason: String)]
    /// The feature columns every candidate was cross-validated on.
    public var features: [String] = []
    public static let significanceLevel = 0.05
}
