import Foundation
import Learning
import Tabular
import ColumnExpressions

/// The Markdown model card of a trained model: what it is for, what it learned from, how well it
/// did, and where not to trust it. Printed by `card`, written into every bundle.
enum ModelCard {
    /// With `markVolatile`, what differs between a session and its replay (the system, the
    /// transcript's path) is marked volatile, for printing in a cell; a card written to a file
    /// is plain Markdown.
    /// `sensitive` columns (an export's `sensitive=`) are listed without their ranges or values.
    static func markdown(
        name: String, model: TrainedModel, sessionFile: String?, cell: Int?, markVolatile: Bool = false,
        sensitive: Set<String> = []
    ) -> String {
        let varying: (String) -> String = { markVolatile ? Output.volatile($0) : $0 }
        let p = model.pipeline
        var lines: [String] = ["# Model card: \(name)", ""]
        lines += [
            "## Purpose", "",
            model.note ?? "_Not stated. Set it with `note \(name) \"what it is for and who should use it\"`._", "",
        ]
        lines += ["## Model", ""]
        lines.append(
            "- Predicts **\(p.target.name)** (\(p.task.rawValue))"
                + (p.task == .classification ? ": " + p.target.classes.joined(separator: ", ") : ""))
        lines.append(
            "- Algorithm: `\(p.algorithm)`; hyperparameters: "
                + p.parameters.values.keys.sorted().map { "`\($0)=\(p.parameters.values[$0]?.description ?? "")`" }
                .joined(separator: ", "))
        lines.append("- Seed: \(p.seed)")
        if let calibration = p.calibration {
            lines.append(
                "- Probabilities calibrated: \(calibration.method.rawValue)"
                    + (model.calibrationOrigin.map { " (\($0))" } ?? ""))
        }
        if let c = p.conformal {
            lines.append(
                "- Conformal \(c.task == .classification ? "prediction sets" : "intervals"): hold the truth for at least \(formatFixed(c.coverage * 100, decimals: 1))% of new rows exchangeable with the calibration rows, on average"
                    + (model.conformalOrigin.map { " (\($0))" } ?? "") + "; not per row, per subgroup or after drift")
        }
        if let t = p.decisionThreshold, p.target.classes.count == 2 {
            let positive = p.target.classes[1]
            lines.append(
                "- Decision threshold: labels **\(positive)** when P(\(positive)) ≥ \(formatFixed(t, decimals: 4)), else \(p.target.classes[0])"
                    + (model.decisionThresholdOrigin.map { " (\($0))" } ?? "")
                    + "; probabilities are the model's own, unchanged")
        }
        if let costs = p.decisionCosts {
            lines.append(
                "- Decision costs: labels the class with the lowest expected cost under the probabilities; "
                    + decisionCostsText(costs, classes: p.target.classes)
                    + (model.decisionThresholdOrigin.map { " (\($0))" } ?? "")
                    + "; probabilities are the model's own, unchanged")
        }
        lines.append("")
        lines += ["## Training data", ""]
        lines.append("- Dataset `\(model.dataName)`, \(model.rowCount) rows, \(p.inputs.count) input columns")
        lines.append("- Fingerprint: `\(model.dataFingerprint)`")
        if p.task == .classification, let frame = model.trainingFrame, let column = frame.column(named: p.target.name) {
            let summary = ColumnSummary(column: column, topLevels: 50)
            lines.append(
                "- Target distribution: "
                    + (summary.text?.top.map { "\($0.level) \($0.count)" }.joined(separator: ", ") ?? ""))
        }
        lines.append("")
        lines += ["| input | type | missing in training | range or values |", "|---|---|---|---|"]
        for f in p.inputs {
            if sensitive.contains(f.name) {
                let kind = f.date.map { "date (\($0.format))" } ?? f.kind.rawValue
                lines.append(
                    "| \(f.name) | \(kind) | \(formatFixed(f.missingRate * 100, decimals: 1))% | sensitive: not shown |"
                )
                continue
            }
            if let date = f.date {
                let years =
                    date.derived.first.map { "\(formatNumber($0.minimum)) to \(formatNumber($0.maximum))" } ?? ""
                lines.append(
                    "| \(f.name) | date (\(date.format)) | \(formatFixed(f.missingRate * 100, decimals: 1))% | years \(years), e.g. \(date.example) |"
                )
                continue
            }
            let detail =
                f.kind == .number
                ? "\(formatNumber(f.minimum)) to \(formatNumber(f.maximum))"
                : f.levels.prefix(8).joined(separator: ", ") + (f.levels.count > 8 ? ", …" : "")
            lines.append(
                "| \(f.name) | \(f.kind.rawValue) | \(formatFixed(f.missingRate * 100, decimals: 1))% | \(detail) |")
        }
        lines.append("")
        lines += ["## Preprocessing", ""]
        let o = p.preprocessor.options
        lines.append(
            "- Missing numbers: "
                + (o.impute ? "replaced by the training median" : "passed to the algorithm, which routes them natively")
        )
        lines.append(
            "- Missing text: "
                + (o.impute ? "replaced by the most frequent training value" : "encoded as no known value"))
        lines.append(
            "- Text columns one-hot encoded; values not seen in training count as none of the known values (with a warning)"
        )
        if !p.derivations.isEmpty {
            lines.append(
                "- Derived columns, computed from the inputs above before anything else (a value that cannot be computed, such as a division by zero, is missing):"
            )
            for d in p.derivations {
                lines.append("  - `\(d.name) = \(d.source)`")
            }
        }
        for f in p.preprocessor.features {
            guard let date = f.date else { continue }
            lines.append(
                "- Dates: \(f.name) is read as \(date.format) and becomes "
                    + date.derived.map { "`\($0.name)`" }.joined(separator: ", ")
                    + ", each a number; a value that is missing or not written \(date.format) is a missing date (with a warning)"
            )
        }
        lines.append(
            "- Numbers "
                + (o.standardize ? "standardised with the training mean and standard deviation" : "used as they are"))
        lines.append("")
        lines += ["## Performance", ""]
        for m in MetricCatalog.metrics(for: p.task) {
            let v = m.value(model.trainingScores)
            if v.isFinite {
                lines.append("- Training \(m.label): \(formatScore(v)) (on the rows it learned from: optimistic)")
            }
        }
        if let held = model.heldOut {
            for m in MetricCatalog.metrics(for: p.task) where m.value(held.scores).isFinite {
                lines.append("- Held-out test (\(held.data)) \(m.label): \(formatScore(m.value(held.scores)))")
            }
        }
        // Scored as the model decides (its calibration, threshold or costs), like validate's yardstick.
        if let cv = model.crossValidation?.scored(as: p) {
            for m in MetricCatalog.metrics(for: p.task) where cv.mean(of: m).isFinite {
                lines.append(
                    "- Cross-validated \(m.label): \(formatScore(cv.mean(of: m))) ± \(formatScore(cv.standardDeviation(of: m)))"
                )
            }
        }
        if let v = model.validation {
            lines.append("")
            lines += ["## Validation on fresh data", ""]
            lines.append("- Verdict: **\(v.verdict.rawValue)** on \(v.data)")
            for reason in v.reasons { lines.append("  - \(reason.severity.rawValue): \(reason.text)") }
            if let fresh = v.freshScores {
                for m in MetricCatalog.metrics(for: p.task) where m.value(fresh).isFinite {
                    let cv =
                        v.crossValidation[m.name].map {
                            " (cross-validation \(formatScore($0[0])) ± \(formatScore($0[1])))"
                        } ?? ""
                    lines.append("- Fresh \(m.label): \(formatScore(m.value(fresh)))\(cv)")
                }
            }
            if let d = v.drift {
                let drifted = d.driftedFeatures
                lines.append(
                    "- Drift: " + (drifted.isEmpty ? "no input drifted" : drifted.joined(separator: ", ") + " drifted"))
            }
        }
        lines.append("")
        lines += ["## Known limitations", ""]
        var limitations: [String] = []
        if p.task == .classification, let frame = model.trainingFrame, let column = frame.column(named: p.target.name) {
            let summary = ColumnSummary(column: column, topLevels: 50)
            for (level, count) in summary.text?.top ?? [] where count < 30 {
                limitations.append(
                    "Class '\(level)' has only \(count) training rows: its predictions are less reliable.")
            }
        }
        for f in p.inputs {
            guard let year = f.date?.derived.first, year.maximum.isFinite else { continue }
            limitations.append(
                "'\(f.name)' spans the years \(formatNumber(year.minimum)) to \(formatNumber(year.maximum)): for a date outside them the model extrapolates in its year."
            )
        }
        for f in p.inputs where f.missingRate > 0.2 {
            limitations.append(
                "'\(f.name)' was missing in \(formatFixed(f.missingRate * 100, decimals: 0))% of training rows.")
        }
        for f in model.validation?.drift?.features ?? [] where f.drifted {
            limitations.append(
                "'\(f.name)' drifted in the validation data: predictions on such data are less reliable.")
        }
        for finding in model.validation?.schemaFindings ?? [] where finding.contains("never seen in training") {
            limitations.append("Unseen categories in the validation data: \(finding).")
        }
        limitations.append(
            "Inputs outside the training ranges above, or text values not listed, make the model extrapolate: predictions carry a warning."
        )
        if model.rowCount < 1000 {
            limitations.append(
                "Trained on \(model.rowCount) rows: a small sample; validate on fresh data before relying on it.")
        }
        lines += limitations.map { "- " + $0 }
        lines.append("")
        lines += ["## Provenance", ""]
        lines.append(
            "- Workbench \(workbenchVersion), built with \(swiftVersion), on \(varying(ProcessInfo.processInfo.operatingSystemVersionString))"
        )
        // Always a line, so a card printed in a recorded session and in its replay (recorded
        // elsewhere, or not at all) have the same lines.
        lines.append(
            "- Session "
                + varying(sessionFile.map { "`\($0)`" + (cell.map { ", cell \($0)" } ?? "") } ?? "not recorded"))
        if let bundle = model.bundlePath { lines.append("- Imported from bundle `\(bundle)`") }
        if let provenance = model.bundleProvenance { lines.append("- " + provenance) }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

/// The compiler that built this binary, for provenance.
let swiftVersion: String = {
    #if compiler(>=6.3)
    return "Swift 6.3 or later"
    #elseif compiler(>=6.2)
    return "Swift 6.2"
    #else
    return "Swift 6"
    #endif
}()

/// A cost matrix in words: each costly decision, `true → decided cost`, and what the rest cost.
func decisionCostsText(_ costs: [[Double]], classes: [String]) -> String {
    var parts: [String] = []
    for (i, row) in costs.enumerated() where classes.indices.contains(i) {
        for (j, cost) in row.enumerated() where classes.indices.contains(j) && cost != (i == j ? 0 : 1) {
            parts.append("\(classes[i]) decided as \(classes[j]) costs \(formatNumber(cost))")
        }
    }
    return parts.isEmpty
        ? "every mistake costs 1, a right answer 0"
        : parts.joined(separator: ", ")
            + (parts.count < classes.count * classes.count ? "; other mistakes cost 1, right answers 0" : "")
}
