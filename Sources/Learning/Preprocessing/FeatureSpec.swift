import Tabular

/// What training saw of one input column: its type and the statistics preprocessing, schema
/// checks and drift monitoring need. Fitted on training rows only.
public struct FeatureSpec: Sendable, Codable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Share of training rows where the value was missing.
    public var missingRate: Double
    // Numbers (NaN when the column had no present value).
    public var median: Double = .nan
    public var mean: Double = .nan
    /// Population standard deviation, as scikit-learn's StandardScaler uses.
    public var standardDeviation: Double = .nan
    public var minimum: Double = .nan
    public var maximum: Double = .nan
    // Text: training levels in first-appearance order and their counts.
    public var levels: [String] = []
    public var levelCounts: [Int] = []

    /// The most frequent training level (ties: the first seen), used to impute missing text.
    public var mostFrequentLevel: Int? {
        levelCounts.indices.max { levelCounts[$0] < levelCounts[$1] || (levelCounts[$0] == levelCounts[$1] && $0 > $1) }
    }

    /// Statistics of `column` over `rows`.
    public init(column: Column, rows: [Int]) {
        name = column.name
        kind = column.kind
        switch column.data {
        case .numeric(let values):
            var present = rows.map { values[$0] }.filter { !$0.isNaN }
            missingRate = rows.isEmpty ? 0 : Double(rows.count - present.count) / Double(rows.count)
            guard !present.isEmpty else { return }
            present.sortByRadix()
            let n = Double(present.count)
            mean = present.reduce(0, +) / n
            standardDeviation = (present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
            median = ColumnSummary.quantile(sorted: present, 0.5)
            minimum = present[0]
            maximum = present[present.count - 1]
        case .categorical(let codes, let allLevels):
            var counts = [Int](repeating: 0, count: allLevels.count)
            var firstSeen: [Int] = []
            var missing = 0
            for r in rows {
                let c = Int(codes[r])
                if c < 0 { missing += 1; continue }
                if counts[c] == 0 { firstSeen.append(c) }
                counts[c] += 1
            }
            missingRate = rows.isEmpty ? 0 : Double(missing) / Double(rows.count)
            levels = firstSeen.map { allLevels[$0] }
            levelCounts = firstSeen.map { counts[$0] }
        }
    }
}
