public import Tabular

/// What drift detection keeps of a reference sample, so current data can be compared later
/// without the reference rows (a bundle's `reference.json`, the serving monitor).
///
/// Per number: decile bin edges and the reference counts in those bins (PSI and Jensen–Shannon
/// are therefore identical to a comparison with the full reference), the standard deviation of
/// all present values (to normalise Wasserstein), and a sorted sample of at most `sampleCap`
/// values (a seeded subsample when there are more) for Kolmogorov–Smirnov and Wasserstein.
/// Per text column: the level counts.
public struct ReferenceProfile: Sendable, Codable, Equatable {
    /// Default cap on the stored sample per numeric feature.
    public static let defaultSampleCap = 5_000

    /// Rows in the reference (present or not); decides test vs distance in `DriftOptions`.
    public var rowCount: Int
    public var features: [FeatureProfile]

    /// Profiles `columns` of `frame` (all columns when nil).
    /// - Parameters:
    ///   - sampleCap: most values kept per numeric feature for KS / Wasserstein; nil keeps all.
    ///   - seed: drives the subsample when a feature has more than `sampleCap` values.
    /// - Complexity: O(n log n) per numeric column.
    public init(frame: DataFrame, columns: [String]? = nil, sampleCap: Int? = defaultSampleCap, seed: UInt64 = 42)
        throws
    {
        guard frame.rowCount > 0 else { throw DriftError.emptyReference }
        let names = columns ?? frame.columnNames
        let absent = names.filter { frame.column(named: $0) == nil }
        guard absent.isEmpty else { throw DriftError.missingColumns(absent) }
        rowCount = frame.rowCount
        features = names.enumerated().compactMap { index, name in
            frame.column(named: name).map {
                FeatureProfile(column: $0, sampleCap: sampleCap, seed: seed, stream: index)
            }
        }
    }

    /// The profile of one named sequence of values (a model's predictions): see
    /// `DriftDetector.predictionColumn`.
    public init(column: Column, sampleCap: Int? = defaultSampleCap, seed: UInt64 = 42) {
        rowCount = column.data.count
        features = [FeatureProfile(column: column, sampleCap: sampleCap, seed: seed, stream: 0)]
    }
}

/// The stored reference distribution of one column.
public struct FeatureProfile: Sendable, Codable, Equatable {
    public var name: String
    public var kind: ColumnKind
    public var rowCount: Int
    public var missingCount: Int
    /// Numbers only.
    public var numeric: NumericProfile?
    /// Text only.
    public var categorical: CategoricalProfile?

    public var missingRate: Double { rowCount == 0 ? 0 : Double(missingCount) / Double(rowCount) }

    init(column: Column, sampleCap: Int?, seed: UInt64, stream: Int) {
        name = column.name
        kind = column.kind
        rowCount = column.data.count
        missingCount = column.data.missingCount
        switch column.data {
        case .numeric(let values):
            numeric = NumericProfile(values: values, sampleCap: sampleCap, seed: seed, stream: stream)
        case .categorical(let codes, let levels):
            categorical = CategoricalProfile(codes: codes, levels: levels)
        }
    }
}

/// Reference bins, spread and sample of one numeric column (missing values excluded).
public struct NumericProfile: Sendable, Codable, Equatable {
    /// Interior decile edges, deduplicated; bins are (−∞, e₀], (e₀, e₁], …, (eₖ, +∞).
    public var edges: [Double]
    /// Reference values per bin (`edges.count + 1` entries).
    public var binCounts: [Int]
    /// Present values in the reference.
    public var count: Int
    /// Population standard deviation of all present values (0 when there are none).
    public var standardDeviation: Double
    /// Sorted present values, or a seeded subsample of them when there were more than the cap.
    public var sample: [Double]

    init(values: [Double], sampleCap: Int?, seed: UInt64, stream: Int) {
        // ±infinity cannot be binned meaningfully nor stored in JSON: excluded like missing.
        let present = values.filter { $0.isFinite }
        let sorted = present.sorted()
        count = present.count
        edges = DriftStatistics.decileEdges(sorted: sorted)
        binCounts = DriftStatistics.binCounts(sorted, edges: edges)
        // 0 rather than NaN for an all-missing column, so the profile stays JSON-encodable.
        standardDeviation = present.isEmpty ? 0 : DriftStatistics.standardDeviation(present)
        if let cap = sampleCap, present.count > cap {
            // Partial Fisher–Yates over the rows in their original order: the first `cap`
            // positions are a uniform sample that depends only on the seed.
            var pool = present
            var generator = SeededGenerator(seed: seed, stream: stream)
            for i in 0..<cap {
                let j = i + generator.nextInt(below: pool.count - i)
                pool.swapAt(i, j)
            }
            sample = Array(pool[0..<cap]).sorted()
        } else {
            sample = sorted
        }
    }
}

/// Reference level counts of one text column, in first-appearance order.
public struct CategoricalProfile: Sendable, Codable, Equatable {
    public var levels: [String]
    public var counts: [Int]

    init(codes: [Int32], levels allLevels: [String]) {
        var counts = [Int](repeating: 0, count: allLevels.count)
        var order: [Int] = []
        for c in codes where c >= 0 {
            if counts[Int(c)] == 0 { order.append(Int(c)) }
            counts[Int(c)] += 1
        }
        // Two codes can carry the same text only by a reader bug; merge them anyway.
        var merged: [String: Int] = [:]
        var names: [String] = []
        for c in order {
            let level = allLevels[c]
            if merged[level] == nil { names.append(level) }
            merged[level, default: 0] += counts[c]
        }
        levels = names
        self.counts = names.map { merged[$0] ?? 0 }
    }
}
