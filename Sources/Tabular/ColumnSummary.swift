public import Foundation
import Parallelism

/// Per-column statistics shown by `describe`, computed once over the whole column.
public struct ColumnSummary: Sendable, Equatable {
    public struct NumericStats: Sendable, Equatable {
        public var mean: Double
        /// Sample standard deviation (n - 1), like pandas.
        public var std: Double
        public var min: Double
        public var q25: Double
        public var median: Double
        public var q75: Double
        public var max: Double
        public var integral: Bool
        /// Counts over equal-width bins from min to max, for histograms.
        public var histogram: [Int]
    }

    public struct TextStats: Sendable, Equatable {
        public var distinct: Int
        /// The most frequent levels with counts, most frequent first (ties: first appearance).
        public var top: [(level: String, count: Int)]

        public static func == (a: TextStats, b: TextStats) -> Bool {
            a.distinct == b.distinct && a.top.count == b.top.count
                && zip(a.top, b.top).allSatisfy { $0.level == $1.level && $0.count == $1.count }
        }
    }

    public var name: String
    public var kind: ColumnKind
    public var count: Int
    public var missing: Int
    public var numeric: NumericStats?
    public var text: TextStats?

    public init(column: Column, histogramBins: Int = 10, topLevels: Int = 3) {
        name = column.name
        kind = column.kind
        switch column.data {
        case .numeric(let values):
            var present = values.filter { !$0.isNaN }
            count = present.count
            missing = values.count - present.count
            present.sortByRadix()  // the stable sort's exact result, several times faster
            numeric =
                present.isEmpty
                ? nil : ColumnSummary.numericStats(sorted: present, bins: histogramBins, integral: column.isIntegral)
        case .categorical(let codes, let levels):
            var counts = [Int](repeating: 0, count: levels.count)
            var missingCount = 0
            for c in codes {
                if c < 0 { missingCount += 1 } else { counts[Int(c)] += 1 }
            }
            count = codes.count - missingCount
            missing = missingCount
            let order = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
            text = TextStats(
                distinct: counts.filter { $0 > 0 }.count,
                top: order.prefix(topLevels).filter { counts[$0] > 0 }.map { (levels[$0], counts[$0]) })
        }
    }

    /// Every column's summary, columns spread over `threads` workers (each sorts its own column).
    public static func summaries(of frame: DataFrame, threads: Int = ProcessInfo.processInfo.activeProcessorCount)
        -> [ColumnSummary]
    {
        let columns = frame.columns
        return parallelMap(columns.count, threads: max(1, threads)) { ColumnSummary(column: columns[$0]) }
    }

    /// Quantile by linear interpolation between closest ranks (numpy's default, pandas' describe).
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    private static func numericStats(sorted: [Double], bins: Int, integral: Bool) -> NumericStats {
        let n = Double(sorted.count)
        // Two-pass mean and variance: stable for values with a large common offset.
        let mean = sorted.reduce(0, +) / n
        let variance = sorted.count > 1 ? sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : .nan
        let lo = sorted[0], hi = sorted[sorted.count - 1]
        var histogram = [Int](repeating: 0, count: bins)
        let width = (hi - lo) / Double(bins)
        for v in sorted {
            let b = width > 0 ? min(bins - 1, Int((v - lo) / width)) : 0
            histogram[b] += 1
        }
        return NumericStats(
            mean: mean, std: variance.squareRoot(), min: lo,
            q25: quantile(sorted: sorted, 0.25), median: quantile(sorted: sorted, 0.5),
            q75: quantile(sorted: sorted, 0.75),
            max: hi, integral: integral, histogram: histogram)
    }
}
