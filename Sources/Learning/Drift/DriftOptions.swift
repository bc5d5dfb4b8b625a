/// Thresholds of the drift decision rule; the defaults are Evidently's.
///
/// Rule: a reference of at most `smallReferenceRows` rows is judged by a test — Kolmogorov–
/// Smirnov (numbers) or chi-square (text) with p < `pValueThreshold` meaning drift; a larger
/// reference by a distance — normalised Wasserstein (numbers) or Jensen–Shannon (text) ≥ its
/// threshold meaning drift. (Tests become over-sensitive on large samples, hence the switch.)
/// PSI is always reported, with its band, but does not decide.
public struct DriftOptions: Sendable, Codable, Equatable {
    /// References with at most this many rows use the statistical tests.
    public var smallReferenceRows: Int = 1_000
    /// Drift when the test's p-value is below this.
    public var pValueThreshold: Double = 0.05
    /// Drift when Wasserstein distance / reference standard deviation reaches this.
    public var wassersteinThreshold: Double = 0.1
    /// Drift when the Jensen–Shannon distance (natural log) reaches this.
    public var jensenShannonThreshold: Double = 0.1
    /// PSI at or above this is "moderate".
    public var psiModerate: Double = 0.1
    /// PSI at or above this is "significant".
    public var psiSignificant: Double = 0.25
    /// Proportion substituted for an empty bin or absent level in PSI.
    public var emptyBinFloor: Double = DriftStatistics.defaultEmptyBinFloor
    /// The dataset drifts when at least this share of its features drift.
    public var driftedShare: Double = 0.5
    /// Adjustment of `pValueThreshold` for testing many features at once. Off by default, as in
    /// Evidently: with k features at 5 % each, about 5 % of stable features still get flagged.
    public var correction: PValueCorrection = .none
    /// Which statistic decides per feature: by reference size (above), or always a test.
    public var rule: DriftRule = .bySize
    /// Under `.tested`, the smallest effect that counts as drift: the KS statistic (numbers) or
    /// the total variation distance (text), i.e. the largest shift in the share of rows. Keeps
    /// tiny but "significant" shifts on large samples, and noise in near-constant columns, quiet.
    public var minimumEffect: Double = 0.1

    public init() {}

    /// The drift family's share of a validation verdict's 5 % false-alarm budget. A verdict is
    /// PASS only when no rule alarms, so on unchanged data its false-alarm rate is at most the sum
    /// of its rules' rates (the union bound): the metric gate spends 2.5 % (FAIL only when the
    /// whole 95 % interval is beyond the line: one side of it), the drift family the other 2.5 %.
    /// At 5 % for drift alone the two added up to 7.5 %, and 50 clean re-splits measured 6–8 %.
    public static let validationFamilyWiseError = 0.025

    /// The rule `validate` uses: a test on every feature, p-values adjusted by Holm across the
    /// family, drift when the adjusted p ≤ `validationFamilyWiseError` and the effect ≥
    /// `minimumEffect`. `drift` and the serving monitor use it too, through `DriftJudgement`.
    public static var validation: DriftOptions {
        var options = DriftOptions()
        options.rule = .tested
        options.correction = .holm
        options.pValueThreshold = validationFamilyWiseError
        return options
    }

    /// Decides every feature of one family jointly under `.tested`: adjusts the deciding tests'
    /// p-values by `correction`, then applies the p-value and effect thresholds. Features whose
    /// drift is decided by presence alone (`.noValues`) keep their decision and do not count.
    public func decide(_ features: inout [FeatureDrift]) {
        guard rule == .tested else { return }
        let tested = features.indices.filter { features[$0].pValue != nil }
        let raw = tested.map { features[$0].pValue ?? 1 }
        let adjusted: [Double] =
            switch correction {
            case .none: raw
            case .bonferroni: MultipleTesting.bonferroni(raw)
            case .holm: MultipleTesting.holm(raw)
            case .benjaminiHochberg: MultipleTesting.benjaminiHochberg(raw)
            }
        let rejected = MultipleTesting.rejects(adjusted, alpha: pValueThreshold)
        for (k, i) in tested.enumerated() {
            features[i].adjustedPValue = adjusted[k]
            features[i].drifted = rejected[k] && (features[i].effect ?? 0) >= minimumEffect
        }
    }

    /// The table's verdict from decided features: the drifted share, and whether it reaches
    /// `driftedShare`.
    public func summarize(_ features: [FeatureDrift]) -> DatasetDrift {
        let driftedCount = features.filter(\.drifted).count
        let share = features.isEmpty ? 0 : Double(driftedCount) / Double(features.count)
        return DatasetDrift(features: features, drifted: driftedCount > 0 && share >= driftedShare, share: share)
    }

    /// The PSI band of `psi` under these cut-offs.
    public func band(_ psi: Double) -> PSIBand {
        if psi.isNaN { return .unknown }
        if psi >= psiSignificant { return .significant }
        if psi >= psiModerate { return .moderate }
        return .stable
    }
}

/// How the p-value threshold accounts for the number of features tested together.
public enum PValueCorrection: String, Sendable, Codable, Equatable, CaseIterable {
    /// Each feature is tested at `pValueThreshold`.
    case none
    /// Each feature is tested at `pValueThreshold / k`, k = features decided by a test
    /// (family-wise error at most `pValueThreshold`).
    case bonferroni
    /// Holm's step-down adjustment: family-wise error at most `pValueThreshold`, more power.
    case holm
    /// Benjamini–Hochberg: false discovery rate at most `pValueThreshold`.
    case benjaminiHochberg = "benjamini_hochberg"
}

/// What decides a feature's drift.
public enum DriftRule: String, Sendable, Codable, Equatable {
    /// A test up to `smallReferenceRows` reference rows, a distance above (Evidently's rule).
    case bySize = "by_size"
    /// Always the test (KS / chi-square) after multiple-testing adjustment, plus an effect-size
    /// floor (see `DriftOptions.minimumEffect`).
    case tested
}

/// The conventional reading of a Population Stability Index.
public enum PSIBand: String, Sendable, Codable, Equatable {
    /// PSI < 0.1 by default.
    case stable
    /// 0.1 ≤ PSI < 0.25 by default.
    case moderate
    /// PSI ≥ 0.25 by default.
    case significant
    /// No values on one side, so no PSI.
    case unknown
}
