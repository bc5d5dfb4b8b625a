import Foundation

/// The text of a monitoring summary, as `monitor` prints it (REPL and shell alike).
public enum MonitorReport {
    public static func render(_ s: MonitoringSummary, source: String) -> String {
        var lines: [String] = []
        lines.append(
            "monitoring \(source): model \(s.model), window \(s.windowRows) of \(s.windowCapacity) rows, status \(s.status.uppercased())"
        )
        let t = s.traffic
        func ms(_ x: Double?) -> String { x.map { String(format: "%.2f ms", $0) } ?? "n/a" }
        lines.append(
            "traffic: \(t.requests) prediction requests, \(t.errors) errors (\(String(format: "%.1f", t.errorRate * 100))%), \(t.rowsScored) rows scored in all"
        )
        lines.append("latency: p50 \(ms(t.latencyP50Ms)), p95 \(ms(t.latencyP95Ms)), p99 \(ms(t.latencyP99Ms))")
        if let p = s.predictions {
            if !p.classes.isEmpty {
                lines.append(
                    "predictions (share now vs training): "
                        + p.classes.map { "\($0.label) \(percent($0.current)) vs \(percent($0.training))" }.joined(
                            separator: ", ")
                        + (p.psi.map { "; PSI \(MonitoringSummary.format($0))" } ?? "") + tested(p))
            } else {
                lines.append(
                    "predictions: mean \(p.currentMean.map(MonitoringSummary.format) ?? "n/a") vs training \(p.trainingMean.map(MonitoringSummary.format) ?? "n/a")"
                        + (p.psi.map { "; PSI \(MonitoringSummary.format($0))" } ?? "") + tested(p))
            }
        }
        if s.status == "collecting" {
            lines.append("drift: not judged yet (too few rows in the window)")
        } else {
            if let f = s.features.first {
                lines.append(
                    "drift rule (validate's): KS / chi-square, Holm-adjusted p ≤ \(MonitoringSummary.format(f.threshold)) across the features"
                        + " and predictions, shift ≥ \(MonitoringSummary.format(f.minimumEffect))")
            }
            let header = ["feature", "PSI", "band", "test", "statistic", "p-value", "Holm p", "shift", "drifted"]
            var rows: [[String]] = [header]
            for f in s.features {
                rows.append([
                    f.name, f.psi.map(MonitoringSummary.format) ?? "n/a", f.psiBand, f.redacted ? "redacted" : f.test,
                    f.statistic.map(MonitoringSummary.format) ?? "",
                    f.pValue.map { MonitoringSummary.formatP($0) } ?? "",
                    f.adjustedPValue.map { MonitoringSummary.formatP($0) } ?? "",
                    f.effect.map(MonitoringSummary.format) ?? "", f.drifted ? "yes" : "no",
                ])
            }
            let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
            for (i, row) in rows.enumerated() {
                lines.append(
                    row.enumerated().map { c, cell in
                        c == 0 || c == 2 || c == 3 || c == 8
                            ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[c] - cell.count) + cell
                    }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
                if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
            }
        }
        if let p = s.performance { lines += performance(p) }
        for a in s.alerts { lines.append("ALERT \(a.message)") }
        if s.alerts.isEmpty && s.status == "ok" { lines.append("no alert") }
        return lines.joined(separator: "\n")
    }

    /// "; against the out-of-fold predictions Holm p 0.41, stable", or nothing when not tested.
    private static func tested(_ p: MonitoringSummary.Predictions) -> String {
        guard let adjusted = p.adjustedPValue else { return "" }
        return "; against the out-of-fold predictions Holm p \(MonitoringSummary.formatP(adjusted)), "
            + (p.drifted ? "drifted" : "stable")
    }

    /// The outcomes' lines: how many rows are labelled, the realised metric with its interval
    /// beside the validation figure, and (classification) the confidence-based estimate.
    static func performance(_ p: RealisedPerformance) -> [String] {
        func f(_ x: Double?) -> String { x.map(MonitoringSummary.format) ?? "n/a" }
        var lines = [
            "outcomes: \(p.labelledRows) of \(p.windowRows) rows in the window labelled (\(String(format: "%.1f", p.labelledShare * 100))%)"
        ]
        let validation =
            p.validation.map { v in
                let limit = p.higherIsBetter ? v - p.tolerance : v + p.tolerance
                return
                    " vs validation \(f(v)) (\(p.validationSource ?? "")); alert when the interval lies wholly \(p.higherIsBetter ? "below" : "above") \(f(limit))"
            } ?? " (the bundle records no validation figure to compare with)"
        if p.labelledRows == 0 {
            lines.append("realised \(p.label): no outcomes yet (POST /v1/feedback, or --labels FILE)")
        } else {
            var text =
                "realised \(p.label) \(f(p.value)) (95% CI \(f(p.lower))–\(f(p.upper)), \(p.intervalMethod == "wilson" ? "Wilson" : "bootstrap"), \(p.labelledRows) rows)"
            if p.mae != nil { text += ", MAE \(f(p.mae)) (95% CI \(f(p.maeLower))–\(f(p.maeUpper)))" }
            text += validation
            if p.labelledRows < p.minimumRows { text += "; not judged: fewer than \(p.minimumRows) labelled rows" }
            lines.append(text)
            if let classes = p.perClass, !classes.isEmpty {
                lines.append(
                    "per class (share of each true class predicted right): "
                        + classes.map { c in
                            "\(c.label) \(c.recall.map(MonitoringSummary.format) ?? "n/a") of \(c.rows)"
                        }.joined(separator: ", "))
            }
        }
        if let e = p.estimated {
            var text =
                "estimated accuracy (CBPE, mean probability of the predicted class): \(f(e.window)) on the window"
            if p.labelledRows > 0 { text += ", \(f(e.labelled)) on the labelled rows (realised \(f(p.value)))" }
            text +=
                e.calibrated
                ? "; the probabilities are calibrated (\(e.calibration ?? "")), as the estimate assumes"
                : "; the probabilities are not calibrated, so the estimate is uncalibrated (calibrate the model for a trustworthy one)"
            lines.append(text)
        }
        return lines
    }

    /// `monitor --windows K`: the realised metric per window, oldest first, as a table.
    public static func history(_ windows: [PerformanceWindow]) -> String {
        guard let first = windows.first?.performance else { return "" }
        func f(_ x: Double?) -> String { x.map(MonitoringSummary.format) ?? "" }
        let byTime = windows.first?.start != nil
        var header = (byTime ? ["logged (UTC)"] : []) + ["predictions", "rows", "labelled", first.label, "95% CI"]
        if first.estimated != nil { header.append("estimated") }
        var rows = [header]
        for w in windows {
            let p = w.performance
            let ids = w.firstID.map { a in w.lastID.map { "\(a)–\($0)" } ?? "\(a)" } ?? ""
            let logged = byTime ? [w.start.map { a in w.end.map { "\(clock(a))–\(clock($0))" } ?? "" } ?? ""] : []
            var row =
                logged + [
                    ids, String(p.windowRows), String(p.labelledRows), f(p.value),
                    p.lower == nil ? "" : "\(f(p.lower))–\(f(p.upper))",
                ]
            if first.estimated != nil { row.append(f(p.estimated?.window)) }
            rows.append(row)
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = [
            "realised \(first.label) per window, oldest first (outcomes arrive late: older windows are the better labelled):"
        ]
        for (i, row) in rows.enumerated() {
            lines.append(
                row.enumerated().map { c, cell in
                    c <= (byTime ? 1 : 0)
                        ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }

    /// A shared log's replicas: the rows each answered (within the retention) and when it last wrote.
    public static func replicas(_ replicas: [ReplicaCount]) -> String {
        let total = replicas.reduce(0) { $0 + $1.rowsScored }
        let parts = replicas.map { r in
            "\(r.replica) \(r.rowsScored)"
                + (r.lastWrite.map { " (last write \(clock($0)) UTC)" } ?? " (nothing written yet)")
        }
        return "replicas: \(replicas.count), \(total) rows in all: " + parts.joined(separator: "; ")
    }

    /// "2026-12-06 14:05:09" in UTC.
    private static func clock(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    private static func percent(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }
}
