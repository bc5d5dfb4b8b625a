import Charts
import CommandLanguage
import Learning
import Tabular

extension CommandTable {
    /// `threshold MODEL on DATA [metric= | cost_fp= cost_fn= | min_recall= | min_precision= | at=]`.
    static let threshold = CommandSpec(
        "threshold", topic: "models",
        summary: "choose where a two-class model says yes: by F1, balanced accuracy, accuracy, error costs or a recall or precision floor",
        discussion: """
            The positive class is the second of the two (the classes in sorted order); the label is it \
            when its probability is at least the threshold, and 0.5 is the most probable class. Exactly one \
            way to choose: metric= (f1, balanced_accuracy or accuracy, the default f1), cost_fp= and \
            cost_fn= (the threshold with the lowest total cost of false positives and false negatives), \
            min_recall= (the best precision that keeps at least that recall), min_precision= (the best \
            recall that keeps at least that precision), or at= to set a threshold as it is. Every \
            distinct probability of the positive class on the data is a candidate; among equally good \
            ones the highest wins. On the model's own training data the probabilities are out-of-fold: \
            5 stratified folds, each refitted with the model's algorithm, settings and seed on the other \
            four (scores on rows a model learned from would pick a threshold that only suits them); on \
            other data, the model's own probabilities. Shows the trade-off (precision, recall and F1 \
            across thresholds, with the cost when given), the confusion matrix at the chosen point, and \
            stores the threshold in the model: predict, evaluate, validate, export (the bundle, \
            workbench predict and serve) and the ONNX graph all label with it; probabilities never \
            change. The model card states it.
            """,
        positionals: [PositionalSpec("MODEL", .binding), PositionalSpec("DATA", keyword: "on", .dataset)],
        options: [
            OptionSpec("metric", .choice(["f1", "balanced_accuracy", "accuracy"]), default: "f1", help: "the score to make highest"),
            OptionSpec("cost_fp", .number(0...1e12), help: "cost of one false positive (with cost_fn=): the lowest total cost wins"),
            OptionSpec("cost_fn", .number(0...1e12), help: "cost of one false negative (with cost_fp=)"),
            OptionSpec("min_recall", .number(0...1), help: "keep at least this recall; the best precision wins"),
            OptionSpec("min_precision", .number(0...1), help: "keep at least this precision; the best recall wins"),
            OptionSpec("at", .number(0...1), help: "set this threshold as it is"),
        ],
        provenance: .derivation, examples: [
            "threshold m on cancer.test",
            "threshold m on cancer.test cost_fp=1 cost_fn=5",
            "threshold m on cancer.train min_recall=0.95",
            "threshold m on cancer.test at=0.3",
        ],
        run: runThreshold)

    private static func runThreshold(_ context: inout CommandContext) throws {
        let (modelName, model) = try context.model("MODEL")
        let (dataName, dataset) = try context.dataset("DATA")
        let pipeline = model.pipeline
        guard pipeline.task == .classification, pipeline.target.classes.count == 2 else {
            throw CommandError("\(modelName): " + PipelineError.thresholdNeedsBinaryClassifier(task: pipeline.task, classCount: pipeline.target.classes.count).description)
        }
        let objective = try thresholdObjective(context)
        let classes = pipeline.target.classes
        let positive = classes[1]

        // Out-of-fold on the training data, else the model's own probabilities.
        let isTrainingData = dataName == model.dataName || dataset.fingerprint == model.dataFingerprint
        let codes: [Int], probabilities: Matrix
        if isTrainingData {
            let fit = context.fitContext(seed: Int(pipeline.seed), label: "out-of-fold probabilities")
            let oof = try OutOfFoldProbabilities.compute(pipeline, frame: dataset.frame, context: fit)
            // The refits are uncalibrated: a calibrated model's map is applied to them, so the
            // threshold is chosen on the probabilities the model gives.
            (codes, probabilities) = (oof.truth, pipeline.calibration.map { $0.apply(oof.probabilities) } ?? oof.probabilities)
            context.print("\(dataName) is \(modelName)'s training data: choosing on out-of-fold probabilities (5 stratified folds, each refitted on the other four)"
                          + (pipeline.calibration != nil ? ", mapped by the model's calibration" : ""))
        } else {
            guard let column = dataset.frame.column(named: pipeline.target.name) else {
                throw CommandError("\(dataName) has no column '\(pipeline.target.name)', the model's target", hint: "a threshold is chosen against the true classes")
            }
            let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<dataset.frame.rowCount))
            guard case .classes(let c, _) = truth, !kept.isEmpty else { throw CommandError("no row of \(dataName) has a known value of '\(pipeline.target.name)'") }
            let output = try pipeline.predict(kept.count == dataset.frame.rowCount ? dataset.frame : dataset.frame.selectingRows(kept),
                                              isCancelled: { [flag = context.session.cancellation] in flag.isSet })
            for w in output.warnings { context.print("warning: \(w)") }
            guard case .probabilities(let p) = output.prediction else { throw CommandError("internal error: a classifier gave no probabilities") }
            (codes, probabilities) = (c, p)
        }
        let truth = codes.map { $0 == 1 }
        let scores = (0..<probabilities.rows).map { probabilities[$0, 1] }
        let choice: ThresholdChoice
        do {
            if case .fixed(let t) = objective {
                choice = ThresholdChoice(chosen: ThresholdSearch.point(truth: truth, scores: scores, threshold: t),
                                         curve: ThresholdSearch.curve(truth: truth, scores: scores))
            } else if let searched = objective.searched {
                choice = try ThresholdSearch.choose(truth: truth, scores: scores, objective: searched)
            } else {
                throw CommandError("internal error: no way to choose a threshold")
            }
        } catch let error as ThresholdError {
            throw CommandError("\(dataName): " + error.description)
        }
        let chosen = choice.chosen
        let before = ThresholdSearch.point(truth: truth, scores: scores, threshold: pipeline.decisionThreshold ?? 0.5)
        context.print("\(modelName) on \(dataName): \(codes.count) rows, positive class \(positive) (\(truth.filter { $0 }.count) rows); \(objective.description)")
        context.print("threshold \(formatFixed(chosen.threshold, decimals: 4)): precision \(formatScore(chosen.precision)), recall \(formatScore(chosen.recall)), F1 \(formatScore(chosen.f1))"
                      + costText(chosen, objective) + " · at \(formatFixed(pipeline.decisionThreshold ?? 0.5, decimals: 4)) before: precision \(formatScore(before.precision)), recall \(formatScore(before.recall)), F1 \(formatScore(before.f1))" + costText(before, objective))
        context.output.blank()
        context.print(tradeOffTable(choice, truth: truth, scores: scores, objective: objective, current: pipeline.decisionThreshold ?? 0.5))
        context.show(.xy(XYPlot(
            title: "precision and recall of \(positive) against the threshold (\(modelName) on \(dataName))", xLabel: "threshold on P(\(positive))", yLabel: "score",
            series: [Series(name: "precision", points: choice.curve.map { Point($0.threshold, $0.precision) }),
                     Series(name: "recall", points: choice.curve.map { Point($0.threshold, $0.recall) })],
            xRange: 0...1, yRange: 0...1)))
        context.output.blank()
        let report = ClassificationReport(truth: codes, probabilities: probabilities, threshold: chosen.threshold)
        context.show(confusionChart(report, classes: classes), plain: renderConfusion(report, classes: classes, width: context.environment.width))

        var updated = model
        updated.pipeline = try pipeline.withDecisionThreshold(chosen.threshold)
        updated.decisionThresholdOrigin = "\(objective.description) on \(dataName)" + (isTrainingData ? " (out-of-fold)" : "")
        if let frame = updated.trainingFrame, let training = try? CommandTable.scores(of: updated.pipeline, on: frame) {
            updated.trainingScores = training.scores
        }
        // Scores taken with the old rule no longer describe the labels.
        updated.heldOut = nil
        updated.validation = nil
        context.bind(modelName, .model(updated))
        context.print("\(modelName) now says \(positive) when P(\(positive)) ≥ \(formatFixed(chosen.threshold, decimals: 4)); its probabilities are unchanged")
    }

    /// How the threshold is chosen, from the options (one way at most; f1 by default).
    enum ThresholdRule: CustomStringConvertible {
        case search(ThresholdObjective)
        case fixed(Double)

        var searched: ThresholdObjective? { if case .search(let o) = self { o } else { nil } }

        var description: String {
            switch self {
            case .fixed(let t): "set at \(formatFixed(t, decimals: 4))"
            case .search(.f1): "chosen for the highest F1"
            case .search(.balancedAccuracy): "chosen for the highest balanced accuracy"
            case .search(.accuracy): "chosen for the highest accuracy"
            case .search(.cost(let fp, let fn)): "chosen for the lowest cost (false positive \(formatStatistic(fp)), false negative \(formatStatistic(fn)))"
            case .search(.minimumRecall(let r)): "chosen for the best precision with recall ≥ \(formatStatistic(r))"
            case .search(.minimumPrecision(let p)): "chosen for the best recall with precision ≥ \(formatStatistic(p))"
            }
        }
    }

    private static func thresholdObjective(_ context: CommandContext) throws -> ThresholdRule {
        let invocation = context.invocation
        let ways = ["metric", "cost", "min_recall", "min_precision", "at"].filter { way in
            way == "cost" ? invocation.has("cost_fp") || invocation.has("cost_fn") : invocation.has(way)
        }
        guard ways.count <= 1 else {
            throw LanguageError.semantic("choose the threshold one way: " + ways.map { $0 == "cost" ? "cost_fp= cost_fn=" : "\($0)=" }.joined(separator: ", ") + " were given",
                                         at: invocation.range(of: ways[1] == "cost" ? (invocation.has("cost_fp") ? "cost_fp" : "cost_fn") : ways[1]), hint: "keep one of them")
        }
        switch ways.first {
        case "cost":
            guard invocation.has("cost_fp"), invocation.has("cost_fn") else {
                throw LanguageError.semantic("a cost needs both cost_fp= and cost_fn=", at: invocation.range(of: invocation.has("cost_fp") ? "cost_fp" : "cost_fn"),
                                             hint: "e.g. cost_fp=1 cost_fn=5: a missed positive costs five false alarms")
            }
            let fp = invocation.double("cost_fp", default: 1), fn = invocation.double("cost_fn", default: 1)
            guard fp > 0 || fn > 0 else {
                throw LanguageError.semantic("with both costs 0 every threshold costs nothing", at: invocation.range(of: "cost_fp"), hint: "give at least one cost above 0")
            }
            return .search(.cost(falsePositive: fp, falseNegative: fn))
        case "min_recall": return .search(.minimumRecall(invocation.double("min_recall", default: 0)))
        case "min_precision": return .search(.minimumPrecision(invocation.double("min_precision", default: 0)))
        case "at": return .fixed(invocation.double("at", default: 0.5))
        default:
            switch invocation.word("metric") {
            case "balanced_accuracy": return .search(.balancedAccuracy)
            case "accuracy": return .search(.accuracy)
            default: return .search(.f1)
            }
        }
    }

    private static func costText(_ point: ThresholdPoint, _ rule: ThresholdRule) -> String {
        guard case .search(.cost(let fp, let fn)) = rule else { return "" }
        return ", cost \(formatStatistic(point.cost(falsePositive: fp, falseNegative: fn)))"
    }

    /// Precision, recall and F1 at thresholds 0.1 … 0.9, the current one and the chosen one.
    private static func tradeOffTable(_ choice: ThresholdChoice, truth: [Bool], scores: [Double], objective: ThresholdRule, current: Double) -> TextTable {
        let isCost: Bool = if case .search(.cost) = objective { true } else { false }
        var table = TextTable(headers: ["threshold", "precision", "recall", "F1", "predicted positive"] + (isCost ? ["cost"] : []) + [""],
                              alignments: [.right, .right, .right, .right, .right] + (isCost ? [.right] : []) + [.left])
        var thresholds = (1...9).map { Double($0) / 10 }
        for t in [current, choice.chosen.threshold] where !thresholds.contains(t) { thresholds.append(t) }
        for t in thresholds.sorted() {
            let point = t == choice.chosen.threshold ? choice.chosen : ThresholdSearch.point(truth: truth, scores: scores, threshold: t)
            let mark = t == choice.chosen.threshold ? "← chosen" : (t == current ? "← before" : "")
            table.add([formatFixed(t, decimals: 4), formatScore(point.precision), formatScore(point.recall), formatScore(point.f1),
                       String(point.truePositives + point.falsePositives)] + (isCost ? [costText(point, objective).replacingOccurrences(of: ", cost ", with: "")] : []) + [mark])
        }
        return table
    }
}
