import Charts
import CommandLanguage
import Diagnostics
import Learning
import Tabular

extension CommandTable {
    /// The kinds of plot `plot` draws.
    static let plotKinds = ["roc", "pr", "calibration", "residuals"]

    /// `plot roc|pr|calibration|residuals MODEL on DATA [class=NAME]`.
    static let plot = CommandSpec(
        "plot", topic: "models",
        summary:
            "draw a model's ROC, precision–recall or calibration curve, or its residuals, on data with the true target",
        discussion: """
            roc: true positive rate against false positive rate as the threshold moves, with the area \
            under the curve; pr: precision against recall, with average precision. With two classes the \
            curve is for the second class (class= picks another); with more, one curve per class, one \
            against the rest. calibration: the reliability diagram, the share of rows that are of the class \
            against the mean predicted probability in 10 equal-width bins (empty bins left out), with the \
            diagonal of perfect calibration and the expected calibration error (ECE, the rows-weighted mean \
            gap); with two classes for the second class (class= picks another), with more for the top \
            probability against the top class being right, or one class against the rest with class=. residuals: residual (true − predicted) against the prediction, for \
            regression; a pattern around the zero line means the model is systematically off there. \
            Charts are ASCII in transcripts and pipes, Unicode and colour in a terminal that shows them, \
            and SVG in reports (see report).
            """,
        positionals: [
            PositionalSpec(.kind, .choice(plotKinds)),
            PositionalSpec(.model, .binding),
            PositionalSpec(.data, keyword: "on", .dataset),
        ],
        options: [
            OptionSpec("class", .text, default: "second class, or each class", help: "the class whose curve to draw")
        ],
        examples: [
            "plot roc m on penguins.test", "plot pr m on penguins.test class=Gentoo",
            "plot calibration m on penguins.test",
            "plot residuals m on diabetes.test",
        ],
        reopen: .shows,
        run: runPlot)

    private static func runPlot(_ context: inout CommandContext) throws {
        let kind = try context.text(.kind)
        guard plotKinds.contains(kind) else {
            throw LanguageError.semantic(
                "plot draws " + plotKinds.joined(separator: ", ") + ", not '\(kind)'",
                at: context.invocation.range(of: .kind),
                hint: closestMatch(kind, among: plotKinds).map { "did you mean '\($0)'?" })
        }
        let (modelName, model) = try context.model(.model)
        let (dataName, dataset) = try context.dataset(.data)
        let pipeline = model.pipeline
        guard let column = dataset.frame.column(named: pipeline.target.name) else {
            throw CommandError(
                "\(dataName) has no column '\(pipeline.target.name)', the model's target",
                hint: "plots compare predictions with the true values")
        }
        let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<dataset.frame.rowCount))
        guard !kept.isEmpty else {
            throw CommandError("no row of \(dataName) has a known value of '\(pipeline.target.name)'")
        }
        let output = try pipeline.predict(
            kept.count == dataset.frame.rowCount ? dataset.frame : dataset.frame.selectingRows(kept),
            isCancelled: { [flag = context.session.cancellation] in flag.isSet })
        for w in output.warnings { context.print("warning: \(w)") }
        switch (kind, truth, output.prediction) {
        case ("residuals", .values(let actual), .values(let predicted)):
            let points = zip(actual, predicted).map { Point($1, $0 - $1) }
            let residuals = zip(actual, predicted).map { $0 - $1 }
            let above = residuals.filter { $0 > 0 }.count
            context.print(
                "residuals of \(modelName) on \(dataName): \(kept.count) rows, \(above) under-predicted (residual > 0), \(residuals.count - above) over-predicted or exact"
            )
            context.show(
                .xy(
                    XYPlot(
                        title: "residuals of \(modelName) on \(dataName)", xLabel: "predicted \(pipeline.target.name)",
                        yLabel: "residual (true − predicted)",
                        series: [Series(name: "", points: points, style: .dots)], reference: .horizontal(0))))
        case ("calibration", .classes(let codes, _), .probabilities(let p)):
            let classes = pipeline.target.classes
            let curve: CalibrationCurve
            let what: String
            if context.invocation.has("class") || classes.count == 2 {
                let c = try plottedClasses(classes, context: context)[0]
                curve = CalibrationCurve(positive: codes.map { $0 == c }, probabilities: (0..<p.rows).map { p[$0, c] })
                what = "P(\(classes[c]))"
            } else {
                let labels = output.prediction.labels ?? []
                curve = CalibrationCurve(
                    positive: zip(codes, labels).map { $0 == $1 },
                    probabilities: zip(0..<p.rows, labels).map { p[$0, $1] })
                what = "the top probability (is the top class right?)"
            }
            context.print(
                "calibration of \(modelName) on \(dataName) (\(kept.count) rows), \(curve.binCount) equal bins of \(what): ECE \(formatScore(curve.expectedCalibrationError)), "
                    + "Brier reliability \(formatScore(curve.brierReliability)); "
                    + curve.bins.map {
                        "\(formatFixed($0.meanProbability, decimals: 2))→\(formatFixed($0.positiveShare, decimals: 2)) (\($0.rows))"
                    }.joined(separator: ", "))
            context.show(
                .xy(
                    XYPlot(
                        title:
                            "calibration of \(modelName) on \(dataName) (ECE \(formatScore(curve.expectedCalibrationError)))",
                        xLabel: "mean predicted \(what.hasPrefix("P(") ? what : "top probability")",
                        yLabel: "observed share",
                        series: [
                            Series(
                                name: "observed share per bin",
                                points: curve.bins.map { Point($0.meanProbability, $0.positiveShare) })
                        ],
                        xRange: 0...1, yRange: 0...1, reference: .diagonal)))
        case ("residuals", _, _):
            throw CommandError(
                "\(modelName) is a classifier: residuals are for regression",
                hint: "for classifiers: plot roc \(modelName) on \(dataName), or plot pr")
        case (_, .classes(let codes, _), .probabilities(let p)):
            let classes = pipeline.target.classes
            let chosen = try plottedClasses(classes, context: context)
            var series: [Series] = []
            var summaries: [String] = []
            for c in chosen {
                let scores = (0..<p.rows).map { p[$0, c] }
                let positive = codes.map { $0 == c }
                let curve =
                    kind == "roc"
                    ? Curves.roc(scores: scores, positive: positive)
                    : Curves.precisionRecall(scores: scores, positive: positive)
                guard !curve.isEmpty else {
                    summaries.append(
                        "\(classes[c]) n/a (\(positive.contains(true) ? "no other class" : "no row of this class") in \(dataName))"
                    )
                    continue
                }
                let area = kind == "roc" ? Curves.trapezoidArea(curve) : Curves.averagePrecision(curve)
                let label = "\(classes[c]) (\(kind == "roc" ? "AUC" : "AP") \(formatFixed(area, decimals: 3)))"
                series.append(Series(name: label, points: curve.map { Point($0.x, $0.y) }))
                summaries.append("\(classes[c]) \(formatFixed(area, decimals: 3))")
            }
            let what = kind == "roc" ? "ROC" : "precision–recall"
            let measure = kind == "roc" ? "area under the curve" : "average precision"
            context.print(
                "\(what) of \(modelName) on \(dataName) (\(kept.count) rows)"
                    + (chosen.count > 1 ? ", each class against the rest" : "") + "; \(measure): "
                    + summaries.joined(separator: ", "))
            guard !series.isEmpty else {
                throw CommandError("no curve can be drawn: \(dataName) needs rows of the class and of the others")
            }
            context.show(
                .xy(
                    XYPlot(
                        title: "\(what) of \(modelName) on \(dataName)",
                        xLabel: kind == "roc" ? "false positive rate" : "recall",
                        yLabel: kind == "roc" ? "true positive rate" : "precision",
                        series: series, xRange: 0...1, yRange: 0...1, reference: kind == "roc" ? .diagonal : nil)))
        default:
            throw CommandError(
                "\(modelName) predicts numbers: \(kind == "roc" ? "ROC" : kind == "pr" ? "precision–recall" : "calibration") curves are for classifiers",
                hint: "for regression: plot residuals \(modelName) on \(dataName)")
        }
    }

    /// The class codes to draw: class=, else the second of two, else all (at most eight).
    private static func plottedClasses(_ classes: [String], context: CommandContext) throws -> [Int] {
        if let name = context.invocation.word("class") {
            guard let code = classes.firstIndex(of: name) else {
                throw LanguageError.unknownName(
                    kind: "class", name: name, at: context.invocation.range(of: "class"),
                    suggestion: closestMatch(name, among: classes), hint: "classes: " + classes.joined(separator: ", "))
            }
            return [code]
        }
        if classes.count == 2 { return [1] }
        return Array(classes.indices.prefix(8))
    }
}
