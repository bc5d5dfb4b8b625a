public import Tabular

/// Which statistic made the drift decision for a feature.
public enum DriftDecider: String, Sendable, Codable, Equatable {
    case kolmogorovSmirnov = "ks"
    case chiSquare = "chi_square"
    case wasserstein
    case jensenShannon = "jensen_shannon"
    /// One side had no present value, so nothing could be compared: drift when exactly one side
    /// has values (the feature appeared or vanished).
    case noValues = "no_values"
}

/// Two-sample Kolmogorov–Smirnov result.
public struct KSResult: Sendable, Codable, Equatable {
    public var statistic: Double
    public var pValue: Double
}

/// Chi-square test of homogeneity result.
public struct ChiSquareResult: Sendable, Codable, Equatable {
    public var statistic: Double
    public var pValue: Double
    public var degreesOfFreedom: Int
}

/// Wasserstein (earth mover's) distance, raw and divided by the reference standard deviation.
public struct WassersteinResult: Sendable, Codable, Equatable {
    /// `scipy.stats.wasserstein_distance(reference, current)`, in the feature's units.
    public var distance: Double
    /// `distance / max(reference sd (ddof 0), 0.001)` — Evidently's normalisation, unitless.
    public var normalized: Double
}

/// Drift of one feature between a reference and a current sample (missing values excluded from
/// every distribution and reported as rates; infinities are excluded too but not counted as missing).
public struct FeatureDrift: Sendable, Codable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// nil when one side has no present value (also for `jensenShannon`), so reports stay
    /// JSON-encodable.
    public var psi: Double?
    public var psiBand: PSIBand
    /// Numbers only.
    public var ks: KSResult?
    /// Text only.
    public var chiSquare: ChiSquareResult?
    /// Over the PSI bins (numbers) or the levels (text).
    public var jensenShannon: Double?
    /// Numbers only.
    public var wasserstein: WassersteinResult?
    public var decidedBy: DriftDecider
    public var drifted: Bool
    public var referenceMissingRate: Double
    public var currentMissingRate: Double
    /// Largest shift in the share of rows: the KS statistic (numbers) or the total variation
    /// distance ½Σ|pᵢ − qᵢ| over levels (text); nil when one side is empty.
    public var effect: Double? = nil
    /// The deciding test's p-value after multiple-testing adjustment (`DriftRule.tested` only).
    public var adjustedPValue: Double? = nil

    /// The p-value of the test for this kind of column (KS for numbers, chi-square for text).
    public var pValue: Double? { kind == .number ? ks?.pValue : chiSquare?.pValue }
}

/// Drift of a whole table: per feature, and the share that drifted.
public struct DatasetDrift: Sendable, Codable, Equatable {
    public var features: [FeatureDrift]
    /// True when `share` reaches `DriftOptions.driftedShare` (and at least one feature drifted).
    public var drifted: Bool
    /// Drifted features / all features.
    public var share: Double

    /// Names of the drifted features, in column order.
    public var driftedFeatures: [String] { features.filter(\.drifted).map(\.name) }
}
