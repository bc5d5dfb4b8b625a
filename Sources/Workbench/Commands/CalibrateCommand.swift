import CommandLanguage
import Learning
import Tabular
import Diagnostics

extension CommandTable {
    /// `NEW = calibrate MODEL on DATA [method=sigmoid|isotonic]`.
    static let calibrate = CommandSpec(
        "calibrate", topic: "models",
        summary: "a new model whose class probabilities are calibrated on data (sigmoid or isotonic)",
        discussion: """
            Fits a map from the model's probabilities to calibrated ones: method=sigmoid (Platt's \
            logistic curve, two numbers per class; the default) or isotonic (a non-decreasing step-wise \
            linear map, for a few hundred rows or more). With two classes the second class's probability \
            is mapped and the first is one minus it; with more, each class is mapped against the rest and \
            the row is divided by its sum (scikit-learn's CalibratedClassifierCV). On the model's own \
            training data the map is cross-fitted: it learns from out-of-fold probabilities (5 stratified \
            folds, each refitted on the other four with the model's algorithm, settings and seed) and the \
            model itself stays the one trained on every row (CalibratedClassifierCV with ensemble=False); \
            on other data the map learns from the model's probabilities on those rows, which should be \
            rows the model did not train on. The new model keeps the algorithm and preprocessing; a \
            decision threshold is dropped (it was chosen on the old probabilities). Prints ECE, Brier \
            score and log loss before and after on the rows the map was fitted on (optimistic for the \
            map: evaluate or validate on other data). predict, evaluate, validate and the bundle \
            (workbench predict, serve) and its model.onnx (the map in standard operators) use the \
            calibrated probabilities.
            """,
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            CalibrateOption.method.spec
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: ["m2 = calibrate m on penguins.test", "m2 = calibrate m on penguins method=isotonic"],
        run: runCalibrate)

    private static func runCalibrate(_ context: inout CommandContext) throws {
        let (modelName, model) = try context.model(.model)
        let (dataName, dataset) = try context.dataset(.data)
        let pipeline = model.pipeline
        guard pipeline.task == .classification else {
            throw CommandError(
                "\(modelName): " + PipelineError.calibrationNeedsClassifier(task: pipeline.task).description,
                hint: "calibration is for classifiers' probabilities")
        }
        let method = context.invocation[CalibrateOption.method]
        let isTrainingData = dataName == model.dataName || dataset.fingerprint == model.dataFingerprint
        let codes: [Int], raw: Matrix
        if isTrainingData {
            let fit = context.fitContext(seed: Int(pipeline.seed), label: "out-of-fold probabilities")
            let oof = try OutOfFoldProbabilities.compute(pipeline, frame: dataset.frame, context: fit)
            (codes, raw) = (oof.truth, oof.probabilities)
            context.print(
                "\(dataName) is \(modelName)'s training data: the map is cross-fitted on out-of-fold probabilities (5 stratified folds, each refitted on the other four); the model stays the one trained on every row"
            )
        } else {
            guard let column = dataset.frame.column(named: pipeline.target.name) else {
                throw CommandError(
                    "\(dataName) has no column '\(pipeline.target.name)', the model's target",
                    hint: "calibration learns from the true classes")
            }
            let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<dataset.frame.rowCount))
            guard case .classes(let c, _) = truth, !kept.isEmpty else {
                throw CommandError("no row of \(dataName) has a known value of '\(pipeline.target.name)'")
            }
            let (x, warnings) = try pipeline.preprocessor.transform(
                kept.count == dataset.frame.rowCount ? dataset.frame : dataset.frame.selectingRows(kept))
            for w in warnings { context.print("warning: \(w)") }
            // The fitted model's own probabilities, before any earlier calibration.
            guard case .probabilities(let p) = pipeline.fitted.model.predict(x) else {
                throw CommandError("internal error: a classifier gave no probabilities")
            }
            (codes, raw) = (c, p)
            context.print(
                "the map is fitted on \(dataName)'s \(codes.count) rows with the model's probabilities; they should be rows \(modelName) did not train on"
            )
        }
        guard Set(codes).count >= 2 else {
            throw CommandError(
                "\(dataName) holds one class only: there is nothing to calibrate against",
                hint: "calibrate on rows with every class")
        }
        let calibration = ProbabilityCalibration.fit(method: method, truth: codes, probabilities: raw)
        let updatedPipeline = try pipeline.withCalibration(calibration)
        let before = ClassificationReport(truth: codes, probabilities: raw)
        let after = ClassificationReport(truth: codes, probabilities: calibration.apply(raw))
        let name = context.targets.first ?? "\(modelName)_calibrated"
        var table = TextTable(
            headers: ["on the \(codes.count) rows it was fitted on", "before", "after"],
            alignments: [.left, .right, .right])
        table.add([
            "ECE", before.calibration.map { formatScore($0.expectedCalibrationError) } ?? "",
            after.calibration.map { formatScore($0.expectedCalibrationError) } ?? "",
        ])
        table.add(["Brier", formatScore(before.brierScore), formatScore(after.brierScore)])
        table.add(["log loss", formatScore(before.logLoss), formatScore(after.logLoss)])
        table.add(["accuracy", formatScore(before.accuracy), formatScore(after.accuracy)])
        context.print(
            "\(name): \(modelName) with \(method.rawValue) calibration \(isTrainingData ? "cross-fitted on" : "fitted on") \(dataName)"
                + (pipeline.decisionThreshold != nil
                    ? "; its decision threshold is dropped (choose one again with threshold)" : ""))
        context.print(table)
        context.print(
            "(optimistic for the map: it learned from these rows; evaluate or validate \(name) on other data)")

        var updated = model
        updated.pipeline = updatedPipeline
        updated.calibrationOrigin = isTrainingData ? "cross-fitted out-of-fold on \(dataName)" : "fitted on \(dataName)"
        updated.decisionThresholdOrigin = nil
        if let frame = updated.trainingFrame, let training = try? CommandTable.scores(of: updatedPipeline, on: frame) {
            updated.trainingScores = training.scores
        }
        updated.heldOut = nil
        updated.validation = nil
        updated.runID = nil
        context.bind(name, .model(updated))
    }
}

private enum CalibrateOption {
    static let method: Option<ProbabilityCalibration.Method> = .choice(
        "method", default: .sigmoid, help: "the calibration map")
}
