public import Tabular

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
    /// Dates (text, no levels): the fitted date step that turns each value into numbers; nil for
    /// every other feature, and then absent from the model's JSON.
    public var date: DateStep?

    /// The most frequent training level (ties: the first seen), used to impute missing text.
    public var mostFrequentLevel: Int? {
        levelCounts.indices.max { levelCounts[$0] < levelCounts[$1] || (levelCounts[$0] == levelCounts[$1] && $0 > $1) }
    }

    /// A date input: text whose values the date step turns into numbers; its missing share
    /// counts the training rows without a date in the step's format.
    public init(name: String, date: DateStep, missingRate: Double) {
        self.name = name
        kind = .text
        self.missingRate = missingRate
        self.date = date
    }

    /// What training saw of `column` over `rows`: a date input when its values there are dates
    /// (`DateStep`), else the statistics of a number or text column.
    public static func fitting(_ column: Column, rows: [Int]) -> FeatureSpec {
        guard let step = DateStep(fitting: column, rows: rows) else { return FeatureSpec(column: column, rows: rows) }
        return FeatureSpec(name: column.name, date: step, missingRate: step.derived.first?.missingRate ?? 0)
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
                if c < 0 {
                    missing += 1
                    continue
                }
                if counts[c] == 0 { firstSeen.append(c) }
                counts[c] += 1
            }
            missingRate = rows.isEmpty ? 0 : Double(missing) / Double(rows.count)
            levels = firstSeen.map { allLevels[$0] }
            levelCounts = firstSeen.map { counts[$0] }
        }
    }
}

extension FeatureSpec {
    /// Decodes a spec, refusing statistics the encoders cannot use: infinite numbers (NaN means the
    /// column had no present value), a negative spread, a missing share outside 0…1, levels that
    /// repeat or whose counts do not match them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(ColumnKind.self, forKey: .kind)
        missingRate = try container.decode(Double.self, forKey: .missingRate)
        median = try container.decode(Double.self, forKey: .median)
        mean = try container.decode(Double.self, forKey: .mean)
        standardDeviation = try container.decode(Double.self, forKey: .standardDeviation)
        minimum = try container.decode(Double.self, forKey: .minimum)
        maximum = try container.decode(Double.self, forKey: .maximum)
        levels = try container.decode([String].self, forKey: .levels)
        levelCounts = try container.decode([Int].self, forKey: .levelCounts)
        date = try container.decodeIfPresent(DateStep.self, forKey: .date)
        try StoredModelCheck.require(
            missingRate >= 0 && missingRate <= 1, at: path + [CodingKeys.missingRate],
            "'\(name)' has a missing share of \(missingRate), outside 0…1")
        try StoredModelCheck.require(
            [median, mean, standardDeviation, minimum, maximum].allSatisfy { !$0.isInfinite },
            at: path + [CodingKeys.mean], "'\(name)' has an infinite statistic")
        try StoredModelCheck.require(
            !(standardDeviation < 0), at: path + [CodingKeys.standardDeviation],
            "'\(name)' has a negative standard deviation")
        try StoredModelCheck.require(
            kind == .text || levels.isEmpty, at: path + [CodingKeys.levels], "number column '\(name)' has text levels")
        try StoredModelCheck.require(
            levelCounts.count == levels.count && levelCounts.allSatisfy { $0 >= 0 },
            at: path + [CodingKeys.levelCounts],
            "'\(name)' has \(levelCounts.count) level counts for \(levels.count) levels")
        try StoredModelCheck.require(
            Set(levels).count == levels.count, at: path + [CodingKeys.levels], "'\(name)' lists a level twice")
        if let date {
            try StoredModelCheck.require(
                kind == .text && levels.isEmpty, at: path + [CodingKeys.date],
                "date input '\(name)' must be text without levels")
            try StoredModelCheck.require(
                date.derived.map(\.name) == date.parts.map { DateStep.derivedName(name, $0) },
                at: path + [CodingKeys.date],
                "the derived numbers of date input '\(name)' must be named "
                    + date.parts.map { DateStep.derivedName(name, $0) }.joined(separator: ", "))
        }
    }
}
