import Foundation
public import Serving

extension RunRecord {
    /// The record of a promotion (`workbench promote`), kind "promote": the new champion's
    /// algorithm, model ids and bundles in `parameters`, the evidence in `metrics` (agreement, both
    /// models' metric on the labelled rows, the paired test's statistic and p-value, the counts),
    /// the test's name and the recommendation in `parameters` too. `rows` is the number of
    /// labelled rows the test used; `dataName` the served model's name.
    public init(promotion report: PromotionReport, server: String) {
        var parameters: [String: String] = [
            "server": server,
            "champion": report.champion.model,
            "champion_bundle": report.champion.bundle,
            "previous_champion": report.challenger.model,
            "previous_champion_algorithm": report.challenger.algorithm,
            "previous_champion_bundle": report.challenger.bundle,
        ]
        var metrics: [String: Double] = [
            "shadow_rows_scored": Double(report.counts.scored),
            "shadow_rows_failed": Double(report.counts.failed),
            "shadow_rows_dropped": Double(report.counts.dropped),
        ]
        if let a = report.counts.agreement { metrics["agreement_all_rows"] = a }
        if let d = report.counts.meanAbsoluteDifference { metrics["mean_absolute_difference_all_rows"] = d }
        if let e = report.evidence {
            parameters["test"] = e.test + (e.method.map { " (\($0))" } ?? "")
            parameters["recommendation"] = e.recommendation
            parameters["better"] = e.better
            metrics["window_rows"] = Double(e.windowRows)
            metrics["paired_rows"] = Double(e.pairedRows)
            metrics["labelled_rows"] = Double(e.labelledRows)
            if let a = e.agreement { metrics["agreement"] = a }
            if let d = e.meanAbsoluteDifference { metrics["mean_absolute_difference"] = d }
            // The metric each model had on the labelled rows while they were champion and
            // challenger: "challenger_" is the model promoted now.
            let key = e.metric.replacingOccurrences(of: " ", with: "_")
            if let v = e.championMetric { metrics["previous_champion_" + key] = v }
            if let v = e.challengerMetric { metrics["promoted_" + key] = v }
            if let p = e.pValue { metrics["p_value"] = p }
            if let s = e.statistic, s.isFinite { metrics["statistic"] = s }
            if let b = e.championOnlyRight { metrics["previous_champion_only_right"] = Double(b) }
            if let c = e.challengerOnlyRight { metrics["promoted_only_right"] = Double(c) }
        } else {
            parameters["recommendation"] = "no evidence from a prediction log (the server keeps none)"
        }
        self.init(
            id: nil, kind: "promote", algorithm: report.champion.algorithm, parameters: promotionJSON(parameters),
            seed: 0,
            dataName: report.champion.name, dataFingerprint: "", rows: report.evidence?.labelledRows ?? 0,
            columns: report.inputs,
            target: report.target, task: report.task, metrics: promotionJSON(metrics), fitSeconds: 0, sessionFile: nil,
            cell: 0,
            createdAt: isoNow(), workbenchVersion: runningVersion, user: RunRecord.currentUser,
            host: RunRecord.currentHost)
    }
}

private func promotionJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

/// The running version, under a name record properties do not shadow.
private let runningVersion = workbenchVersion
