import Learning
import Tabular

extension CommandTable {
    /// The cross-validation gate on the main metric (`FreshScoreGate.metric`), worded.
    static func metricGate(
        metric: MetricDefinition, fresh value: Double, interval: ScoreInterval?, crossValidation cv: [Double],
        tolerance: Double, rows: Int
    ) -> ValidationReport.Reason? {
        guard
            let gate = FreshScoreGate.metric(
                higherIsBetter: metric.higherIsBetter, fresh: value, interval: interval, crossValidationMean: cv[0],
                tolerance: tolerance)
        else { return nil }
        let direction = metric.higherIsBetter ? "below" : "above"
        let base =
            "\(metric.label) \(formatScore(value)) on fresh data is \(formatScore(gate.shortfall)) \(direction) cross-validation (\(formatScore(cv[0])) ± \(formatScore(cv[1])))"
        return reason(gate, base, tolerance: tolerance, rows: rows)
    }

    /// The gate for R² on cross-validation's error scale (`FreshScoreGate.errorScale`), worded:
    /// nil when there is no such scale (the caller falls back to `metricGate`), `.some(nil)` when
    /// the error is within tolerance.
    static func errorScaleGate(
        freshR2: Double, freshRMSE: Double, rmseInterval: ScoreInterval?, crossValidationR2 cvR2: [Double],
        crossValidationRMSE cvRMSE: [Double], tolerance: Double, rows: Int
    ) -> ValidationReport.Reason?? {
        guard cvR2.count >= 2, cvRMSE.count >= 1, freshR2.isFinite,
            case .some(let decided) = FreshScoreGate.errorScale(
                freshRMSE: freshRMSE, rmseInterval: rmseInterval, crossValidationR2: cvR2[0],
                crossValidationRMSE: cvRMSE[0], tolerance: tolerance)
        else { return nil }
        guard let gate = decided else { return .some(nil) }
        let base =
            "R² \(formatScore(freshR2)) on fresh data; its error (RMSE \(formatScore(freshRMSE))) is R² \(formatScore(gate.fresh)) "
            + "on cross-validation's scale (the target variance RMSE²/(1 − R²) of cross-validation), \(formatScore(gate.shortfall)) below "
            + "cross-validation (\(formatScore(cvR2[0])) ± \(formatScore(cvR2[1])))"
        return .some(reason(gate, base, tolerance: tolerance, rows: rows))
    }

    /// A gate's verdict as a validation line.
    private static func reason(_ gate: FreshScoreGate, _ base: String, tolerance: Double, rows: Int)
        -> ValidationReport.Reason
    {
        guard let interval = gate.interval else {
            return .init(severity: .fail, text: base + ", beyond tolerance \(formatStatistic(tolerance))")
        }
        let range = "\(intervalText(interval)) on \(rows) rows"
        switch gate.outcome {
        case .fails:
            return .init(
                severity: .fail,
                text: base + ", beyond tolerance \(formatStatistic(tolerance)) even at the edge of its \(range)")
        case .withinSamplingError:
            return .init(
                severity: .pass, text: base + ", within sampling error: its \(range) reaches \(formatScore(gate.line))")
        }
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
