/// Whether a model's score on fresh data falls short of its cross-validation beyond a tolerance,
/// judged with the fresh score's uncertainty: the gate `validate` applies, as data (the
/// interpreter words it; a server or a CI gate can apply the same rule).
///
/// The line is cross-validation's mean minus `tolerance` (plus, for a metric where lower is
/// better). Past the line, the gate fails only when the whole confidence interval of the fresh
/// figure lies past it; an interval that still reaches the line is within sampling error. Without
/// an interval the point estimate decides.
public struct FreshScoreGate: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Past the line, and so is the whole interval (or there is none).
        case fails
        /// Past the line, but its interval reaches it.
        case withinSamplingError
    }

    /// The fresh figure on the scale compared (the metric itself, or for R² the fresh error put
    /// on cross-validation's scale: see `errorScale`).
    public var fresh: Double
    /// How far the fresh figure is on the wrong side of cross-validation's mean (> `tolerance`).
    public var shortfall: Double
    /// Cross-validation's mean moved by the tolerance: what the fresh figure must reach.
    public var line: Double
    /// The fresh figure's confidence interval on the same scale, when there is one.
    public var interval: ScoreInterval?
    public var outcome: Outcome

    /// The gate on a metric: nil when the fresh value is within `tolerance` of cross-validation's
    /// mean `crossValidationMean` (nothing to say).
    public static func metric(
        higherIsBetter: Bool, fresh: Double, interval: ScoreInterval?, crossValidationMean mean: Double,
        tolerance: Double
    ) -> FreshScoreGate? {
        let shortfall = higherIsBetter ? mean - fresh : fresh - mean
        guard shortfall > tolerance else { return nil }
        let line = higherIsBetter ? mean - tolerance : mean + tolerance
        let beyond = interval.map { higherIsBetter ? $0.upper < line : $0.lower > line } ?? true
        return FreshScoreGate(
            fresh: fresh, shortfall: shortfall, line: line, interval: interval,
            outcome: beyond ? .fails : .withinSamplingError)
    }

    /// The gate for R², judged on the model's error rather than on the fresh rows' own spread.
    /// R² = 1 − MSE / Var(y) on a fresh sample divides by that sample's target variance: a fresh
    /// 20% whose target happens to vary little gets a low R² although its errors are as small as
    /// cross-validation's (on diabetes, 89 rows with 71% of the usual variance turn RMSE 59 against
    /// 55 into R² 0.16 against 0.51), and a bootstrap over those rows cannot see it. So the fresh
    /// error is put on cross-validation's scale, 1 − MSE / V with V = RMSE_cv² / (1 − R²_cv) the
    /// target variance cross-validation implies, its interval is the bootstrap interval of the
    /// fresh RMSE mapped the same way (percentile intervals follow monotone maps), and the line
    /// is R²_cv − tolerance as in `metric`.
    /// - Returns: nil when the figures are missing or degenerate (no scale: use `metric`);
    ///   `.some(nil)` when the error is within tolerance on that scale.
    public static func errorScale(
        freshRMSE: Double, rmseInterval: ScoreInterval?, crossValidationR2 r2: Double,
        crossValidationRMSE rmse: Double, tolerance: Double
    ) -> FreshScoreGate?? {
        guard freshRMSE.isFinite, r2.isFinite, rmse.isFinite else { return nil }
        let unexplained = 1 - r2
        let variance = rmse * rmse / unexplained
        guard unexplained > 0, variance.isFinite, variance > 0 else { return nil }
        func skill(_ rmse: Double) -> Double { 1 - rmse * rmse / variance }
        // A larger RMSE is a lower skill: the interval's ends swap.
        let interval = rmseInterval.map {
            ScoreInterval(lower: skill($0.upper), upper: skill($0.lower), method: $0.method, level: $0.level)
        }
        return .some(
            metric(
                higherIsBetter: true, fresh: skill(freshRMSE), interval: interval, crossValidationMean: r2,
                tolerance: tolerance))
    }
}
