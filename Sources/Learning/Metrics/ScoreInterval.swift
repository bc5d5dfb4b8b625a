/// A two-sided confidence interval for a score measured on one finite test set: how far the
/// score could move by the luck of which rows were drawn.
public struct ScoreInterval: Sendable, Codable, Equatable {
    /// How the interval was computed.
    public enum Method: String, Sendable, Codable, Equatable {
        /// Wilson's score interval for a proportion (accuracy).
        case wilson
        /// Percentile bootstrap over rows, seeded.
        case bootstrap
    }

    public var lower: Double
    public var upper: Double
    public var method: Method
    /// Coverage, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, method: Method, level: Double) {
        self.lower = lower
        self.upper = upper
        self.method = method
        self.level = level
    }

    /// The two-sided standard-normal quantile for 95 % coverage.
    public static let z95 = 1.959963984540054

    /// Wilson's score interval for `successes` out of `trials`:
    /// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike p̂ ± z·se it stays inside
    /// [0, 1] and keeps its coverage near 0 and 1 (as `statsmodels`' `proportion_confint(method="wilson")`).
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> ScoreInterval? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
        return ScoreInterval(lower: max(0, centre - half), upper: min(1, centre + half), method: .wilson, level: 0.95)
    }

    /// Percentile bootstrap of `metric` over the rows of one scored prediction: `resamples`
    /// draws of n rows with replacement from a generator seeded by `seed` (same seed, same
    /// interval). Resamples where the metric is undefined are skipped; nil when fewer than half
    /// are usable.
    /// - Complexity: O(resamples · cost of scoring n rows).
    public static func bootstrap(
        metric: MetricDefinition, target: Target, prediction: Prediction, decision: DecisionRule = .mostProbable,
        level: Double = 0.95,
        resamples: Int = 1_000, seed: UInt64
    ) -> ScoreInterval? {
        let n = target.count
        guard n > 1, prediction.rowCount == n, resamples > 0 else { return nil }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var rows = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for i in 0..<n { rows[i] = generator.nextInt(below: n) }
            let value = metric.value(
                Scores(target: target.selecting(rows), prediction: prediction.selecting(rows), decision: decision))
            if value.isFinite { values.append(value) }
        }
        guard values.count * 2 >= resamples else { return nil }
        values.sort()
        let alpha = (1 - level) / 2
        return ScoreInterval(
            lower: quantile(values, alpha), upper: quantile(values, 1 - alpha), method: .bootstrap, level: level)
    }

    /// Percentile bootstrap of a mean of per-row terms, mapped by `transform`: RMSE is the square
    /// root of the mean squared error (`terms` the squared errors, `transform` the square root),
    /// MAE the mean absolute error. The same draws as `bootstrap` with the same seed (n rows with
    /// replacement per resample, from `SeededGenerator(seed:)`), so the same interval, without
    /// scoring a whole report per resample.
    /// - Complexity: O(resamples · n).
    public static func bootstrapMean(
        of terms: [Double], transform: (Double) -> Double = { $0 }, level: Double = 0.95,
        resamples: Int = 1_000, seed: UInt64
    ) -> ScoreInterval? {
        let n = terms.count
        guard n > 1, resamples > 0 else { return nil }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += terms[generator.nextInt(below: n)] }
            let value = transform(sum / Double(n))
            if value.isFinite { values.append(value) }
        }
        guard values.count * 2 >= resamples else { return nil }
        values.sort()
        let alpha = (1 - level) / 2
        return ScoreInterval(
            lower: quantile(values, alpha), upper: quantile(values, 1 - alpha), method: .bootstrap, level: level)
    }

    /// The size-aware interval for `metric`: Wilson for accuracy (a proportion of rows), the
    /// bootstrap for everything else.
    /// Labels follow the model's `decision` rule.
    public static func of(
        metric: MetricDefinition, target: Target, prediction: Prediction, decision: DecisionRule = .mostProbable,
        seed: UInt64
    ) -> ScoreInterval? {
        if metric.name == "accuracy",
            case .classification(let report) = Scores(target: target, prediction: prediction, decision: decision)
        {
            return wilson(
                successes: Int((report.accuracy * Double(report.rowCount)).rounded()), trials: report.rowCount)
        }
        return bootstrap(metric: metric, target: target, prediction: prediction, decision: decision, seed: seed)
    }

    /// Linear interpolation between order statistics (NumPy's default `quantile`).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }
}

extension Prediction {
    /// Rows of this prediction.
    public var rowCount: Int {
        switch self {
        case .probabilities(let p): p.rows
        case .values(let v): v.count
        }
    }

    /// The same prediction restricted to the rows at `indices` (repeats allowed).
    public func selecting(_ indices: [Int]) -> Prediction {
        switch self {
        case .values(let v): return .values(indices.map { v[$0] })
        case .probabilities(let p):
            var values: [Double] = []
            values.reserveCapacity(indices.count * p.columns)
            for r in indices { values += p.row(r) }
            return .probabilities(Matrix(rows: indices.count, columns: p.columns, values: values))
        }
    }
}
