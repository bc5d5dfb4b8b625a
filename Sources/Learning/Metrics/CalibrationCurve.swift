/// How well probabilities match frequencies: the reliability diagram's bins, the expected
/// calibration error and the reliability part of the Brier score.
///
/// Bins are `binCount` equal-width intervals of the probability, (lower, upper] with the first
/// closed at 0 — scikit-learn's `calibration_curve(strategy="uniform")`. Empty bins are left out.
public struct CalibrationCurve: Sendable, Codable, Equatable {
    /// One non-empty bin: the mean probability in it, the share of its rows that are positive.
    public struct Bin: Sendable, Codable, Equatable {
        public let meanProbability: Double
        public let positiveShare: Double
        public let rows: Int
    }

    public let bins: [Bin]
    public let binCount: Int

    /// Σ over bins of (rows in bin / rows) · |positive share − mean probability|.
    public var expectedCalibrationError: Double {
        let total = Double(bins.reduce(0) { $0 + $1.rows })
        guard total > 0 else { return .nan }
        return bins.reduce(0) { $0 + Double($1.rows) / total * abs($1.positiveShare - $1.meanProbability) }
    }

    /// Murphy's reliability term of the Brier score, Σ over bins of (rows in bin / rows) ·
    /// (mean probability − positive share)²: the part of the Brier score that calibration could
    /// remove. With probabilities that vary inside a bin it is the binned estimate, not exact.
    public var brierReliability: Double {
        let total = Double(bins.reduce(0) { $0 + $1.rows })
        guard total > 0 else { return .nan }
        return bins.reduce(0) {
            $0 + Double($1.rows) / total * ($1.meanProbability - $1.positiveShare)
                * ($1.meanProbability - $1.positiveShare)
        }
    }

    /// Bins `probabilities` (of the event `positive`) into `binCount` equal-width bins. Non-finite
    /// probabilities are skipped. Each bin's sums run in row order, so the result is the same bits
    /// every time.
    public init(positive: [Bool], probabilities: [Double], binCount: Int = 10) {
        precondition(
            positive.count == probabilities.count,
            "internal error: \(positive.count) outcomes but \(probabilities.count) probabilities")
        let k = max(1, binCount)
        var sums = [Double](repeating: 0, count: k), hits = [Int](repeating: 0, count: k),
            counts = [Int](repeating: 0, count: k)
        // Edges as numpy's linspace makes them (i · (1/k): 0.30000000000000004, not 0.3), so a
        // probability on an edge lands in the same bin as in scikit-learn.
        let step = 1 / Double(k)
        for (isPositive, p) in zip(positive, probabilities) where p.isFinite {
            // (edge i, edge i+1], the first bin also taking 0: searchsorted over the inner edges.
            var bin = 0
            while bin < k - 1 && p > Double(bin + 1) * step { bin += 1 }
            sums[bin] += p
            counts[bin] += 1
            if isPositive { hits[bin] += 1 }
        }
        bins = (0..<k).compactMap { b in
            counts[b] == 0
                ? nil
                : Bin(
                    meanProbability: sums[b] / Double(counts[b]), positiveShare: Double(hits[b]) / Double(counts[b]),
                    rows: counts[b])
        }
        self.binCount = k
    }
}

/// The calibration figures of a classifier's probabilities, as `evaluate` and `validate` show them.
public struct CalibrationSummary: Sendable, Codable, Equatable {
    /// Two classes: P(second class) against it being true. More: the top probability against the
    /// top class being right ("confidence").
    public let curve: CalibrationCurve
    /// Two classes: the reliability of the Brier score on the second class; more: the sum over
    /// classes of each one-against-the-rest reliability, matching the multiclass Brier score.
    public let brierReliability: Double
    public let isTopLabel: Bool

    public var expectedCalibrationError: Double { curve.expectedCalibrationError }

    public init(truth: [Int], probabilities: Matrix, binCount: Int = 10) {
        let rows = 0..<probabilities.rows
        if probabilities.columns == 2 {
            curve = CalibrationCurve(
                positive: truth.map { $0 == 1 }, probabilities: rows.map { probabilities[$0, 1] }, binCount: binCount)
            brierReliability = curve.brierReliability
            isTopLabel = false
        } else {
            let labels = Prediction.probabilities(probabilities).labels ?? []
            curve = CalibrationCurve(
                positive: zip(truth, labels).map { $0 == $1 },
                probabilities: zip(rows, labels).map { probabilities[$0, $1] }, binCount: binCount)
            brierReliability = (0..<probabilities.columns).reduce(0) { sum, c in
                sum
                    + CalibrationCurve(
                        positive: truth.map { $0 == c }, probabilities: rows.map { probabilities[$0, c] },
                        binCount: binCount
                    ).brierReliability
            }
            isTopLabel = true
        }
    }
}
