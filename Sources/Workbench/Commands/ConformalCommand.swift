import CommandLanguage
import Learning
import Tabular
import Diagnostics

extension CommandTable {
    /// `conformal MODEL on DATA alpha=A`.
    static let conformal = CommandSpec(
        "conformal", topic: "models",
        summary:
            "split conformal prediction: sets of classes or intervals that hold the truth for 1 − alpha of new rows",
        discussion: """
            Fits on DATA, calibration rows the model did not train on (its training data is refused), \
            and stores the result in the model. Classification: least-ambiguous sets (LAC): a row's score \
            is 1 − the probability of its true class, q̂ is the ⌈(n + 1)(1 − alpha)⌉-th smallest score, and \
            the set holds every class with probability ≥ 1 − q̂ (it may hold several classes, or none). \
            Regression: the interval prediction ± q̂ with absolute residuals as scores. The promise: on \
            new rows exchangeable with the calibration rows, the set or interval holds the true value at \
            least 1 − alpha of the time, on average over calibration draws — not for every row, not for \
            every subgroup, and not after drift. alpha below 1/(n + 1) cannot be promised with n rows. \
            predict shows the set or interval; validate reports the coverage on fresh rows with a 95% \
            interval and WARNs when it lies below the promise. The bundle keeps it: workbench predict and \
            serve return the set or interval (/v1: set or interval; /v2: set, one BOOL per class, or \
            lower and upper), and model.onnx computes the same outputs.
            """,
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            ConformalOption.alpha.spec
        ],
        provenance: .derivation,
        examples: ["conformal m on penguins.test alpha=0.1", "conformal r on diabetes.test alpha=0.2"],
        run: runConformal)

    private static func runConformal(_ context: inout CommandContext) throws {
        let (modelName, model) = try context.model(.model)
        let (dataName, dataset) = try context.dataset(.data)
        let pipeline = model.pipeline
        let alpha = context.invocation[ConformalOption.alpha]
        guard alpha > 0, alpha < 1 else {
            throw LanguageError.semantic(
                ConformalError.alphaOutOfRange(alpha).description, at: context.invocation.range(of: "alpha"),
                hint: "e.g. alpha=0.1 for 90% coverage")
        }
        guard dataName != model.dataName, dataset.fingerprint != model.dataFingerprint else {
            throw CommandError(
                "\(dataName) is the data \(modelName) was trained on: split conformal needs calibration rows the model did not learn from",
                hint: "split the data first (split D test=0.3), train on one part and run conformal on the other")
        }
        guard let column = dataset.frame.column(named: pipeline.target.name) else {
            throw CommandError(
                "\(dataName) has no column '\(pipeline.target.name)', the model's target",
                hint: "conformal scores need the true values")
        }
        let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<dataset.frame.rowCount))
        guard !kept.isEmpty else {
            throw CommandError("no row of \(dataName) has a known value of '\(pipeline.target.name)'")
        }
        let output = try pipeline.predict(
            kept.count == dataset.frame.rowCount ? dataset.frame : dataset.frame.selectingRows(kept),
            isCancelled: { [flag = context.session.cancellation] in flag.isSet })
        for w in output.warnings { context.print("warning: \(w)") }
        let predictor: ConformalPredictor
        do {
            predictor = try ConformalPredictor.fit(alpha: alpha, truth: truth, prediction: output.prediction)
        } catch let error as ConformalError {
            throw CommandError("\(dataName): " + error.description)
        }
        let level = formatFixed(predictor.coverage * 100, decimals: 1) + "%"
        switch output.prediction {
        case .probabilities(let p):
            let sizes = (0..<p.rows).map { predictor.set(p.row($0)).count }
            context.print(
                "\(modelName): prediction sets at \(level) coverage (least-ambiguous sets: every class with probability ≥ \(formatFixed(1 - predictor.quantile, decimals: 4))), from \(predictor.calibrationRows) rows of \(dataName)"
            )
            context.print(
                "on those rows: mean set size \(formatFixed(Double(sizes.reduce(0, +)) / Double(max(1, sizes.count)), decimals: 2)), "
                    + "\(sizes.filter { $0 == 0 }.count) empty, \(sizes.filter { $0 > 1 }.count) with more than one class"
            )
        case .values:
            context.print(
                "\(modelName): intervals prediction ± \(formatStatistic(predictor.quantile)) at \(level) coverage (absolute residuals), from \(predictor.calibrationRows) rows of \(dataName)"
            )
        }
        context.print(
            "the promise: on new rows like these, at least \(level) of sets or intervals hold the truth on average; not row by row, not per subgroup, not after drift"
        )
        var updated = model
        updated.pipeline = pipeline.withConformal(predictor)
        updated.conformalOrigin = "split conformal on \(predictor.calibrationRows) rows of \(dataName)"
        context.bind(modelName, .model(updated))
    }

    /// The set (class names) or interval of each row, for predict's table; nil without conformal.
    static func conformalCells(_ pipeline: PipelineModel, _ prediction: Prediction) -> [String]? {
        guard let c = pipeline.conformal else { return nil }
        switch prediction {
        case .probabilities(let p):
            return (0..<p.rows).map { r in
                "{"
                    + c.set(p.row(r)).map {
                        pipeline.target.classes.indices.contains($0) ? pipeline.target.classes[$0] : "?"
                    }.joined(separator: ", ") + "}"
            }
        case .values(let v):
            return v.map {
                let i = c.interval($0)
                return "[\(formatStatistic(i.lower)), \(formatStatistic(i.upper))]"
            }
        }
    }
}

private enum ConformalOption {
    static let alpha: Option<Double> = .number(
        "alpha", 0...1, default: 0.1, help: "the share of rows the promise may miss, in (0, 1)")
}
