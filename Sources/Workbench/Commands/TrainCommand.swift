import CommandLanguage
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `NAME = train ALGO on DATA target=COL [param=value ...]`.
    static let train = CommandSpec(
        "train", topic: "models",
        summary: "train a model: preprocessing plus an algorithm, fitted on a dataset",
        discussion: """
            The task is inferred from the target: text and whole numbers with at most 20 values, each \
            repeated, are classes; other numbers are regression; a line says how whole numbers were read, \
            and task= overrides. Identifiers, constants and free text are left out (one line names \
            them); features= always wins. Preprocessing is part of the model and fitted on these rows only: a date \
            column becomes year, month, day of week (1 = Monday), day of year (and hour for times), read in the \
            format found in training (another format is a missing date, with a warning), missing numbers \
            get the training median, missing text the most frequent value, text is one-hot encoded (values \
            unseen in training become all zeros, with a warning), and numbers are standardised for the \
            scale-sensitive algorithms (linear, knn, mlp). ALGO is an algorithm name or a candidate such \
            as lb.best. Any other key=value is a hyperparameter of the algorithm: see 'help algorithms'.
            """,
        positionals: [
            PositionalSpec(.algo, .algorithm),
            PositionalSpec(.data, keyword: "on", .dataset),
        ],
        options: [
            OptionSpec("target", .column, help: "the column to predict"),
            OptionSpec(
                "task", .choice(["classification", "regression"]), default: "from the target",
                help: "override the inferred task"),
            OptionSpec("features", .columns, default: "all others", help: "the columns to learn from"),
            OptionSpec("drop", .columns, help: "columns to leave out"),
            TrainOption.missingIndicators.spec,
            CommonOption.seed.spec,
        ],
        maxResults: 1, acceptsHyperparameters: true,
        provenance: .derivation,
        examples: [
            "m = train forest on penguins.train target=species",
            "m2 = train boost on penguins.train target=species learning_rate=0.05 max_iter=200 seed=7",
            "r = train linear on diabetes target=progression alpha=1.0",
            "best = train lb.best on penguins target=species",
        ],
        run: runTrain)

    private static func runTrain(_ context: inout CommandContext) throws {
        let candidate = try context.candidate(.algo)
        let (dataName, dataset) = try context.dataset(.data)
        let frame = dataset.frame
        let target = try context.targetColumn(in: frame)
        let features = try context.featureColumns(in: frame, target: target)
        let task = context.task(for: target, in: frame)
        let parameters = try context.hyperparameters(for: candidate.algorithm, over: candidate.parameters)
        let seed = context.invocation[CommonOption.seed]
        let missingIndicators = context.invocation[TrainOption.missingIndicators]
        let fit = context.fitContext(seed: seed, label: "training \(candidate.algorithm.name)")
        let key = ModelFitKey(
            algorithm: candidate.algorithm.name,
            parameters: try Parameters(
                algorithm: candidate.algorithm.name, specs: candidate.algorithm.parameterSpecs, given: parameters),
            target: target, task: task, features: features, missingIndicators: missingIndicators, seed: seed,
            data: dataset)
        let name =
            context.targets.first ?? "\(candidate.algorithm.name)_\(dataName.replacingOccurrences(of: ".", with: "_"))"
        let (pipeline, elapsed, restored) = try context.fitOrRestore(key: key, binding: name, trainingFrame: frame) {
            try PipelineModel.train(
                algorithm: candidate.algorithm, parameters: parameters, frame: frame, target: target,
                features: features,
                task: task, missingIndicators: missingIndicators, derivations: dataset.derivations, context: fit)
        }
        let trainingRows = frame.rowCount - (frame.column(named: target)?.data.missingCount ?? 0)
        // The training score is a sanity figure (optimistic by nature); on large data it is taken
        // on a seeded sample, since for knn scoring every training row costs rows² distances.
        let sampleRows = Self.trainingScoreRows(for: candidate.algorithm, trainingRows: trainingRows)
        let scored =
            frame.rowCount > sampleRows
            ? frame.selectingRows(
                trainTestSplit(
                    rowCount: frame.rowCount, testFraction: Double(sampleRows) / Double(frame.rowCount),
                    seed: UInt64(seed)
                ).test)
            : frame
        let training = try scores(of: pipeline, on: scored)
        var model = TrainedModel(
            pipeline: pipeline, dataName: dataName, dataFingerprint: dataset.fingerprint, rowCount: trainingRows,
            fitSeconds: elapsed, trainingScores: training.scores)
        model.trainingFrame = frame
        // The leaderboard's cross-validation is this model's own when nothing about it changed.
        if let evidence = candidate.evidence, evidence.dataName == dataName, evidence.target == target,
            evidence.features == features, pipeline.parameters.values == candidate.parameters.values
        {
            model.crossValidation = evidence.result
        }
        model.runID = context.recordRun(RunRecord(kind: "train", model: model, session: context.session))
        context.bind(name, .model(model))

        let taskText: String
        if pipeline.task == .classification {
            let classes = pipeline.target.classes
            taskText =
                "classification, \(classes.count) classes: " + classes.prefix(6).joined(separator: ", ")
                + (classes.count > 6 ? ", …" : "")
        } else {
            taskText = "regression"
        }
        context.print(
            "\(name): \(Candidate(algorithm: candidate.algorithm, parameters: pipeline.parameters).description) on \(dataName) → \(target) (\(taskText))"
        )
        let encoded = pipeline.preprocessor.outputNames.count
        context.print(
            "\(trainingRows) rows × \(features.count) features → \(encoded) inputs after encoding; seed \(seed)")
        if trainingRows < frame.rowCount {
            context.print("note: \(frame.rowCount - trainingRows) rows without a target were left out")
        }
        let metric = MetricCatalog.primary(for: pipeline.task)
        let measuredOn =
            scored.rowCount < frame.rowCount
            ? "measured on \(scored.rowCount) sampled rows it learned from" : "measured on the rows it learned from"
        context.print(
            "\(restored ? "restored from the model cache (fitted in \(formatDuration(elapsed)))" : "trained in \(formatDuration(elapsed))"); training \(metric.label) \(formatScore(metric.value(training.scores))) (\(measuredOn), so optimistic)"
        )
        if let id = model.runID { context.print("recorded as run \(Output.volatile(String(id)))") }
    }

    /// Scores a model on a frame that has its target column.
    /// At most this many rows are scored for the training figure: enough for its second decimal
    /// (a standard error under 1.2 points), and cheap even for knn, whose cost grows with rows².
    static let trainingScoreRows = 2_000

    /// Rows scored for the training figure: `trainingScoreRows`, or for an algorithm whose
    /// prediction scans every training row, as many as keep that scan near 40 million row pairs
    /// (500 rows at 80,000 training rows; never fewer than 500, a standard error under 2.3 points).
    static func trainingScoreRows(for algorithm: any Algorithm.Type, trainingRows: Int) -> Int {
        guard algorithm.predictionCostGrowsWithTrainingRows else { return trainingScoreRows }
        return min(trainingScoreRows, max(500, 40_000_000 / max(1, trainingRows)))
    }

    /// With a `session`, the prediction stops at Ctrl-C and a long k-NN run is announced in `notes`.
    static func scores(of pipeline: PipelineModel, on frame: DataFrame, session: Session? = nil, notes: inout [String])
        throws -> (scores: Scores, warnings: [InputWarning], rows: [Int])
    {
        guard let column = frame.column(named: pipeline.target.name) else {
            throw CommandError(
                "the data has no column '\(pipeline.target.name)', the model's target",
                hint: "scores need the true values; use predict for data without them")
        }
        let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<frame.rowCount))
        guard !kept.isEmpty else {
            throw CommandError("no row has a known value of '\(pipeline.target.name)' to score against")
        }
        let rows = kept.count == frame.rowCount ? frame : frame.selectingRows(kept)
        let output =
            try session.map { try InterruptiblePrediction.predict(pipeline, rows, session: $0, notes: &notes) }
            ?? pipeline.predict(rows)
        return (Scores(target: truth, prediction: output.prediction, decision: output.decision), output.warnings, kept)
    }

    static func scores(of pipeline: PipelineModel, on frame: DataFrame) throws -> (
        scores: Scores, warnings: [InputWarning], rows: [Int]
    ) {
        var notes: [String] = []
        return try scores(of: pipeline, on: frame, notes: &notes)
    }
}

private enum TrainOption {
    static let missingIndicators: Option<Bool> = .flag(
        "missing_indicators", default: false, help: "add a 0/1 column per number that had missing values")
}
