import Charts
import CommandLanguage
import Learning
import Tabular

extension CommandTable {
    /// `evaluate MODEL on DATA`: every metric of the model on a dataset with the true target.
    static let evaluate = CommandSpec(
        "evaluate", topic: "models",
        summary: "score a model on a dataset that has the true target",
        discussion: """
            Classification: accuracy, balanced accuracy, macro precision / recall / F1, log loss, ROC AUC \
            (one-vs-rest macro average for more than two classes) and Brier score; precision, recall, F1 and \
            support (true rows) per class with their macro and support-weighted averages; calibration: the \
            expected calibration error (ECE, over 10 equal-width bins of the second class's probability, or of \
            the top probability with more classes) and the Brier score's reliability part (the share of it \
            calibration could remove, binned the same way); and the confusion matrix (rows: true class, \
            columns: predicted). Regression: RMSE, MAE, R², median absolute \
            error and residual quantiles (residual = true − predicted, in the target's units).
            """,
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.data, keyword: "on", .dataset)],
        maxResults: 1,
        provenance: .annotation, examples: ["evaluate m on penguins.test", "e = evaluate m on penguins.test"],
        run: { context in
            let (modelName, model) = try context.model(.model)
            let (dataName, dataset) = try context.dataset(.data)
            var notes: [String] = []
            let (scores, warnings, rows) = try scores(
                of: model.pipeline, on: dataset.frame, session: context.session, notes: &notes)
            context.print(
                "\(modelName) on \(dataName): \(rows.count) rows"
                    + (rows.count < dataset.frame.rowCount
                        ? " (\(dataset.frame.rowCount - rows.count) without a target left out)" : ""))
            for note in notes { context.print("warning: \(note)") }
            for w in warnings { context.print("warning: \(w)") }
            context.record(
                .evaluated(model: NamedModel(name: modelName, model: model), scores: scores, data: dataset))
            context.print(
                renderScores(scores, classes: model.pipeline.target.classes, width: context.environment.width))
            if case .classification(let report) = scores {
                let classes = model.pipeline.target.classes
                context.output.blank()
                context.print(perClassTable(report, classes: classes))
                context.output.blank()
                context.show(
                    confusionChart(report, classes: classes),
                    plain: renderConfusion(report, classes: classes, width: context.environment.width))
            }
            if dataName != model.dataName {
                // Remembered as the held-out test score that validate shows beside cross-validation.
                var updated = model
                updated.heldOut = (dataName, scores)
                context.bind(modelName, .model(updated))
            }
            if let target = context.targets.first {
                context.bind(target, .evaluation(EvaluationValue(model: modelName, data: dataName, scores: scores)))
            }
        })

    /// The metrics of a report as aligned lines, and the confusion matrix or residual quantiles.
    static func renderScores(_ scores: Scores, classes: [String], width: Int) -> String {
        var lines: [String] = []
        let metrics = MetricCatalog.all.filter { m in
            switch scores {
            case .classification: m.task == .classification
            case .regression: m.task == .regression
            }
        }
        let labelWidth = metrics.map(\.label.count).max() ?? 0
        for metric in metrics {
            lines.append(
                metric.label + String(repeating: " ", count: labelWidth - metric.label.count + 2)
                    + formatScore(metric.value(scores)))
        }
        switch scores {
        case .classification(let report):
            // The confusion matrix follows as a chart (see confusionChart).
            if let line = calibrationLine(report, classes: classes) { lines.append(line) }
        case .regression(let report):
            lines.append("")
            lines.append(
                "residuals (true − predicted): "
                    + report.residualQuantiles.map {
                        "\(Int(($0.probability * 100).rounded()))% \(formatStatistic($0.value))"
                    }.joined(separator: " · "))
        }
        return lines.joined(separator: "\n")
    }

    /// "calibration: ECE …, Brier reliability … of …", saying what was binned; nil for a report
    /// stored before calibration figures existed.
    static func calibrationLine(_ report: ClassificationReport, classes: [String]) -> String? {
        guard let c = report.calibration else { return nil }
        let what = c.isTopLabel ? "the top probability" : "P(\(classes.count > 1 ? classes[1] : "class 1"))"
        return
            "calibration: ECE \(formatScore(c.expectedCalibrationError)) (\(c.curve.binCount) equal bins of \(what)), "
            + "Brier reliability \(formatScore(c.brierReliability)) of Brier \(formatScore(report.brierScore))"
    }

    /// Precision, recall, F1 and support per class, then the macro and support-weighted averages
    /// (scikit-learn's `classification_report` without its accuracy line, shown above it).
    static func perClassTable(_ report: ClassificationReport, classes: [String]) -> TextTable {
        var table = TextTable(
            headers: ["class", "precision", "recall", "F1", "support"],
            alignments: [.left, .right, .right, .right, .right])
        let rows = report.perClass
        for row in rows {
            table.add([
                row.classCode < classes.count ? classes[row.classCode] : "?", formatScore(row.precision),
                formatScore(row.recall),
                formatScore(row.f1), String(row.support),
            ])
        }
        let support = String(rows.reduce(0) { $0 + $1.support })
        table.add([
            "macro average", formatScore(report.macroPrecision), formatScore(report.macroRecall),
            formatScore(report.macroF1), support,
        ])
        let weighted = report.supportWeightedAverages
        table.add([
            "weighted average", formatScore(weighted.precision), formatScore(weighted.recall), formatScore(weighted.f1),
            support,
        ])
        return table
    }

    /// The confusion matrix as a table: its plain-text form.
    static func renderConfusion(_ report: ClassificationReport, classes: [String], width: Int) -> [String] {
        var table = TextTable(headers: [""] + classes, alignments: [.left] + classes.map { _ in .right })
        for (i, row) in report.confusionMatrix.enumerated() {
            table.add([i < classes.count ? classes[i] : "?"] + row.map(String.init))
        }
        return ["confusion matrix (rows: true class, columns: predicted)"]
            + table.render(width: width).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The confusion matrix as a shaded grid.
    static func confusionChart(_ report: ClassificationReport, classes: [String]) -> Chart {
        let labels = report.confusionMatrix.indices.map { $0 < classes.count ? classes[$0] : "?" }
        return .heatmap(
            Heatmap(
                title: "confusion matrix (rows: true class, columns: predicted)", rowTitle: "true",
                columnTitle: "predicted",
                rowLabels: labels, columnLabels: labels, cells: report.confusionMatrix.map { $0.map(Double.init) }))
    }
}
