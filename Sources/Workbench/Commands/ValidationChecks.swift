import Learning
import Tabular

extension CommandTable {
    /// The cross-validation gate on the main metric. FAIL only when the whole confidence interval
    /// of the fresh score lies beyond cross-validation minus `tolerance`; a point estimate beyond
    /// it whose interval still reaches the line is "within sampling error" (a PASS line). Without
    /// an interval the point estimate decides, as before.
    static func metricGate(
        metric: MetricDefinition, fresh value: Double, interval: ScoreInterval?, crossValidation cv: [Double],
        tolerance: Double, rows: Int
    ) -> ValidationReport.Reason? {
        let shortfall = metric.higherIsBetter ? cv[0] - value : value - cv[0]
        guard shortfall > tolerance else { return nil }
        let line = metric.higherIsBetter ? cv[0] - tolerance : cv[0] + tolerance
        let direction = metric.higherIsBetter ? "below" : "above"
        let base =
            "\(metric.label) \(formatScore(value)) on fresh data is \(formatScore(shortfall)) \(direction) cross-validation (\(formatScore(cv[0])) ± \(formatScore(cv[1])))"
        guard let interval else {
            return .init(severity: .fail, text: base + ", beyond tolerance \(formatStatistic(tolerance))")
        }
        let range = "\(intervalText(interval)) on \(rows) rows"
        let beyond = metric.higherIsBetter ? interval.upper < line : interval.lower > line
        return beyond
            ? .init(
                severity: .fail,
                text: base + ", beyond tolerance \(formatStatistic(tolerance)) even at the edge of its \(range)")
            : .init(severity: .pass, text: base + ", within sampling error: its \(range) reaches \(formatScore(line))")
    }

    /// The gate for R², judged on the model's error rather than on the fresh rows' own spread.
    /// R² = 1 − MSE / Var(y) on a fresh sample divides by that sample's target variance: a fresh
    /// 20% whose target happens to vary little gets a low R² although its errors are as small as
    /// cross-validation's (on diabetes, 89 rows with 71% of the usual variance turn RMSE 59 against
    /// 55 into R² 0.16 against 0.51), and a bootstrap over those rows cannot see it. So the fresh
    /// error is put on cross-validation's scale, 1 − MSE / V with V = RMSE_cv² / (1 − R²_cv) the
    /// target variance cross-validation implies, its interval is the bootstrap interval of the
    /// fresh RMSE mapped the same way (percentile intervals follow monotone maps), and the line
    /// R²_cv − tolerance is the same as `metricGate`'s. Nil (no gate line) when the figures are
    /// missing or degenerate, so the caller falls back to `metricGate`.
    static func errorScaleGate(
        freshR2: Double, freshRMSE: Double, rmseInterval: ScoreInterval?, crossValidationR2 cvR2: [Double],
        crossValidationRMSE cvRMSE: [Double], tolerance: Double, rows: Int
    ) -> ValidationReport.Reason?? {
        guard cvR2.count >= 2, cvRMSE.count >= 1, freshRMSE.isFinite, freshR2.isFinite else { return nil }
        let unexplained = 1 - cvR2[0]
        let variance = cvRMSE[0] * cvRMSE[0] / unexplained
        guard unexplained > 0, variance.isFinite, variance > 0 else { return nil }
        func skill(_ rmse: Double) -> Double { 1 - rmse * rmse / variance }
        let fresh = skill(freshRMSE)
        let shortfall = cvR2[0] - fresh
        guard shortfall > tolerance else { return .some(nil) }
        let line = cvR2[0] - tolerance
        let base =
            "R² \(formatScore(freshR2)) on fresh data; its error (RMSE \(formatScore(freshRMSE))) is R² \(formatScore(fresh)) "
            + "on cross-validation's scale (the target variance RMSE²/(1 − R²) of cross-validation), \(formatScore(shortfall)) below "
            + "cross-validation (\(formatScore(cvR2[0])) ± \(formatScore(cvR2[1])))"
        guard let rmseInterval else {
            return .some(.init(severity: .fail, text: base + ", beyond tolerance \(formatStatistic(tolerance))"))
        }
        // A larger RMSE is a lower skill: the interval's ends swap.
        let interval = ScoreInterval(
            lower: skill(rmseInterval.upper), upper: skill(rmseInterval.lower), method: rmseInterval.method,
            level: rmseInterval.level)
        let range = "\(intervalText(interval)) on \(rows) rows"
        return .some(
            interval.upper < line
                ? .init(
                    severity: .fail,
                    text: base + ", beyond tolerance \(formatStatistic(tolerance)) even at the edge of its \(range)")
                : .init(
                    severity: .pass, text: base + ", within sampling error: its \(range) reaches \(formatScore(line))"))
    }

    /// "95% Wilson interval 0.812–0.934".
    static func intervalText(_ i: ScoreInterval) -> String {
        "\(formatFixed(i.level * 100, decimals: 0))% \(i.method == .wilson ? "Wilson" : "bootstrap") interval \(formatScore(i.lower))–\(formatScore(i.upper))"
    }

    /// Test, adjusted p-value, effect and PSI of a drifted feature, for its verdict line.
    static func driftEvidence(_ f: FeatureDrift) -> String {
        var parts: [String] = []
        let test = f.kind == .number ? "KS" : "chi-square"
        if let p = f.pValue {
            parts.append(
                "\(test) p \(formatPValue(p))" + (f.adjustedPValue.map { " (Holm-adjusted \(formatPValue($0)))" } ?? "")
            )
        }
        if let e = f.effect {
            parts.append((f.kind == .number ? "KS distance " : "shift in shares ") + formatFixed(e, decimals: 2))
        }
        parts.append("PSI " + (f.psi.map { formatFixed($0, decimals: 2) } ?? "n/a"))
        if f.decidedBy == .noValues { parts = ["values only on one side"] }
        return parts.joined(separator: ", ")
    }

    /// Rows of `fresh` equal to some row of `training` in every column both frames have.
    /// - Complexity: O((n + N) · columns), hashing each row once.
    static func identicalRowCount(_ fresh: DataFrame, in training: DataFrame) -> Int {
        let shared = fresh.columnNames.filter { name in
            training.column(named: name).map { $0.kind == fresh.column(named: name)?.kind } ?? false
        }
        guard !shared.isEmpty else { return 0 }
        func key(_ frame: DataFrame, _ row: Int) -> [String] {
            shared.map { name -> String in
                guard let column = frame.column(named: name) else { return "" }
                switch column.data {
                case .numeric(let v): return v[row].isNaN ? "NaN" : String(v[row].bitPattern)
                case .categorical(let codes, let levels):
                    return codes[row] < 0 ? "\u{1F}missing" : levels[Int(codes[row])]
                }
            }
        }
        let trainingRows = Set((0..<training.rowCount).map { key(training, $0) })
        return (0..<fresh.rowCount).reduce(0) { $0 + (trainingRows.contains(key(fresh, $1)) ? 1 : 0) }
    }
}
