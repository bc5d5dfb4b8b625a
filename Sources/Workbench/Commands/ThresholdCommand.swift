import Charts
import Diagnostics
import CommandLanguage
import Learning
import Tabular
import Foundation

extension CommandTable {
    /// `threshold MODEL on DATA [metric= | cost_fp= cost_fn= | min_recall= | min_precision= | at=]`.
    static let threshold = CommandSpec(
        "threshold", topic: "models",
        summary:
            "choose where a two-class model says yes: by F1, balanced accuracy, accuracy, error costs or a recall or precision floor",
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
            change. The model card states it. With costs= (any classifier, and the only way for more \
            than two classes) the model decides, for every row, the class with the lowest expected cost \
            Σ P(true class) × cost(true class, decided class): each key is a true class and its list \
            the cost of deciding each class, in class order; a class not given costs 0 when decided \
            right and 1 for any mistake. Nothing is searched: the rule follows from the costs and the \
            probabilities (so they should be calibrated). It shows the mean cost per row and the \
            accuracy on DATA before and after, and the confusion matrix under the costs.
            """,
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            ThresholdOption.metric.spec,
            ThresholdOption.costFalsePositive.spec,
            ThresholdOption.costFalseNegative.spec,
            ThresholdOption.minimumRecall.spec,
            ThresholdOption.minimumPrecision.spec,
            ThresholdOption.at.spec,
            OptionSpec(
                "costs", .record,
                help:
                    "any number of classes: {TRUE: [cost of deciding each class, in class order], …}; the lowest expected cost wins"
            ),
        ],
        provenance: .derivation,
        examples: [
            "threshold m on cancer.test",
            "threshold m on cancer.test cost_fp=1 cost_fn=5",
            "threshold m on cancer.train min_recall=0.95",
            "threshold m on cancer.test at=0.3",
            "threshold m on penguins.test costs={Chinstrap: [5, 0, 1]}",
        ],
        run: runThreshold)

    private static func runThreshold(_ context: inout CommandContext) throws {
        let (modelName, model) = try context.model(.model)
        let (dataName, dataset) = try context.dataset(.data)
        let pipeline = model.pipeline
        if context.invocation.has("costs") {
            try runCosts(&context, modelName: modelName, model: model, dataName: dataName, dataset: dataset)
            return
        }
        guard pipeline.task == .classification, pipeline.target.classes.count == 2 else {
            throw CommandError(
                "\(modelName): "
                    + PipelineError.thresholdNeedsBinaryClassifier(
                        task: pipeline.task, classCount: pipeline.target.classes.count
                    ).description)
        }
        let objective = try thresholdObjective(context)
        let classes = pipeline.target.classes
        let positive = classes[1]

        let (codes, probabilities, isTrainingData) = try decisionProbabilities(
            &context, modelName: modelName, model: model, dataName: dataName, dataset: dataset)
        let truth = codes.map { $0 == 1 }
        let scores = (0..<probabilities.rows).map { probabilities[$0, 1] }
        let choice: ThresholdChoice
        do {
            if case .fixed(let t) = objective {
                choice = ThresholdChoice(
                    chosen: ThresholdSearch.point(truth: truth, scores: scores, threshold: t),
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
        context.print(
            "\(modelName) on \(dataName): \(codes.count) rows, positive class \(positive) (\(truth.filter { $0 }.count) rows); \(objective.description)"
        )
        context.print(
            "threshold \(formatFixed(chosen.threshold, decimals: 4)): precision \(formatScore(chosen.precision)), recall \(formatScore(chosen.recall)), F1 \(formatScore(chosen.f1))"
                + costText(chosen, objective)
                + " · at \(formatFixed(pipeline.decisionThreshold ?? 0.5, decimals: 4)) before: precision \(formatScore(before.precision)), recall \(formatScore(before.recall)), F1 \(formatScore(before.f1))"
                + costText(before, objective))
        context.output.blank()
        context.print(
            tradeOffTable(
                choice, truth: truth, scores: scores, objective: objective, current: pipeline.decisionThreshold ?? 0.5))
        context.show(
            .xy(
                XYPlot(
                    title: "precision and recall of \(positive) against the threshold (\(modelName) on \(dataName))",
                    xLabel: "threshold on P(\(positive))", yLabel: "score",
                    series: [
                        Series(name: "precision", points: choice.curve.map { Point($0.threshold, $0.precision) }),
                        Series(name: "recall", points: choice.curve.map { Point($0.threshold, $0.recall) }),
                    ],
                    xRange: 0...1, yRange: 0...1)))
        context.output.blank()
        let report = ClassificationReport(
            truth: codes, probabilities: probabilities, decision: .threshold(chosen.threshold))
        context.show(
            confusionChart(report, classes: classes),
            plain: renderConfusion(report, classes: classes, width: context.environment.width))

        bindDecided(
            &context, modelName, model, pipeline: try pipeline.withDecisionThreshold(chosen.threshold),
            origin: "\(objective.description) on \(dataName)" + (isTrainingData ? " (out-of-fold)" : ""))
        context.print(
            "\(modelName) now says \(positive) when P(\(positive)) ≥ \(formatFixed(chosen.threshold, decimals: 4)); its probabilities are unchanged"
        )
    }

    /// The probabilities a decision rule is chosen on, with the true class codes: out-of-fold on
    /// the model's training data (5 stratified folds, mapped by its calibration), else its own.
    private static func decisionProbabilities(
        _ context: inout CommandContext, modelName: String, model: TrainedModel, dataName: String,
        dataset: Dataset
    ) throws -> (codes: [Int], probabilities: Matrix, isTrainingData: Bool) {
        let pipeline = model.pipeline
        let isTrainingData = dataName == model.dataName || dataset.fingerprint == model.dataFingerprint
        let codes: [Int], probabilities: Matrix
        if isTrainingData {
            let fit = context.fitContext(seed: Int(pipeline.seed), label: "out-of-fold probabilities")
            let oof = try OutOfFoldProbabilities.compute(pipeline, frame: dataset.frame, context: fit)
            // The refits are uncalibrated: a calibrated model's map is applied to them, so the
            // threshold is chosen on the probabilities the model gives.
            (codes, probabilities) = (
                oof.truth, pipeline.calibration.map { $0.apply(oof.probabilities) } ?? oof.probabilities
            )
            context.print(
                "\(dataName) is \(modelName)'s training data: choosing on out-of-fold probabilities (5 stratified folds, each refitted on the other four)"
                    + (pipeline.calibration != nil ? ", mapped by the model's calibration" : ""))
        } else {
            guard let column = dataset.frame.column(named: pipeline.target.name) else {
                throw CommandError(
                    "\(dataName) has no column '\(pipeline.target.name)', the model's target",
                    hint: "a decision rule is chosen against the true classes")
            }
            let (truth, kept) = pipeline.target.encode(column: column, rows: Array(0..<dataset.frame.rowCount))
            guard case .classes(let c, _) = truth, !kept.isEmpty else {
                throw CommandError("no row of \(dataName) has a known value of '\(pipeline.target.name)'")
            }
            let output = try pipeline.predict(
                kept.count == dataset.frame.rowCount ? dataset.frame : dataset.frame.selectingRows(kept),
                isCancelled: { [flag = context.session.cancellation] in flag.isSet })
            for w in output.warnings { context.print("warning: \(w)") }
            guard case .probabilities(let p) = output.prediction else {
                throw CommandError("internal error: a classifier gave no probabilities")
            }
            (codes, probabilities) = (c, p)
        }
        return (codes, probabilities, isTrainingData)
    }

    /// `threshold MODEL on DATA costs={…}`: the lowest expected cost decides, for any classifier.
    private static func runCosts(
        _ context: inout CommandContext, modelName: String, model: TrainedModel, dataName: String, dataset: Dataset
    ) throws {
        let pipeline = model.pipeline
        let invocation = context.invocation
        guard pipeline.task == .classification else {
            throw CommandError(
                "\(modelName): " + PipelineError.costsNeedClassifier.description,
                hint: "costs weigh a classifier's mistakes")
        }
        if let other = ["metric", "cost_fp", "cost_fn", "min_recall", "min_precision", "at"].first(
            where: invocation.has)
        {
            throw LanguageError.semantic(
                "costs= decides by expected cost; \(other)= chooses a threshold: give one of them",
                at: invocation.range(of: other), hint: "keep one way")
        }
        let classes = pipeline.target.classes
        let costs = try costMatrix(invocation, classes: classes)
        // Legal, but usually a list written in the wrong order: say which order the lists are in.
        for (i, row) in costs.enumerated() where row[i] > 0 {
            context.print(
                "note: a right answer costs something: \(classes[i]) decided as \(classes[i]) costs \(formatNumber(row[i])); each list gives the cost of deciding \(classes.joined(separator: ", ")), in that order"
            )
        }
        let (codes, probabilities, isTrainingData) = try decisionProbabilities(
            &context, modelName: modelName, model: model, dataName: dataName, dataset: dataset)
        let rule = DecisionRule.costs(costs)
        let beforeRule = pipeline.decision
        func meanCost(_ decision: DecisionRule) -> Double {
            let decided = Prediction.probabilities(probabilities).labels(decision: decision) ?? []
            return zip(codes, decided).reduce(0.0) { $0 + costs[$1.0][$1.1] } / Double(max(1, codes.count))
        }
        let before = ClassificationReport(truth: codes, probabilities: probabilities, decision: beforeRule)
        let after = ClassificationReport(truth: codes, probabilities: probabilities, decision: rule)
        context.print(
            "\(modelName) on \(dataName): \(codes.count) rows; the class with the lowest expected cost: "
                + decisionCostsText(costs, classes: classes))
        var table = TextTable(
            headers: ["on \(dataName)", "before", "with the costs"], alignments: [.left, .right, .right])
        table.add(["mean cost per row", formatStatistic(meanCost(beforeRule)), formatStatistic(meanCost(rule))])
        table.add(["accuracy", formatScore(before.accuracy), formatScore(after.accuracy)])
        table.add(["macro recall", formatScore(before.macroRecall), formatScore(after.macroRecall)])
        context.print(table)
        context.output.blank()
        context.show(
            confusionChart(after, classes: classes),
            plain: renderConfusion(after, classes: classes, width: context.environment.width))

        bindDecided(
            &context, modelName, model, pipeline: try pipeline.withDecisionCosts(costs),
            origin: "costs on \(dataName)" + (isTrainingData ? " (out-of-fold)" : ""))
        context.print(
            "\(modelName) now decides the class with the lowest expected cost; its probabilities are unchanged")
    }

    /// Binds `model` with its new decision rule: training scores recomputed under it, and the
    /// held-out scores and validation taken with the old rule dropped (they no longer describe the labels).
    private static func bindDecided(
        _ context: inout CommandContext, _ modelName: String, _ model: TrainedModel, pipeline: PipelineModel,
        origin: String
    ) {
        var updated = model
        updated.pipeline = pipeline
        updated.decisionThresholdOrigin = origin
        if let frame = updated.trainingFrame, let training = try? CommandTable.scores(of: pipeline, on: frame) {
            updated.trainingScores = training.scores
        }
        updated.heldOut = nil
        updated.validation = nil
        context.bind(modelName, .model(updated))
    }

    /// `costs={TRUE: [c₀, c₁, …], …}` as a classes × classes matrix; rows not given are 0 on the
    /// diagonal and 1 elsewhere.
    private static func costMatrix(_ invocation: Invocation, classes: [String]) throws -> [[Double]] {
        guard let value = invocation.options["costs"]?.value else { return [] }
        guard case .record(let fields, _) = value, !fields.isEmpty else {
            throw LanguageError.semantic(
                "costs= takes a record: each true class and the cost of deciding each class, e.g. {\(classes.last ?? "B"): [\(classes.indices.map { $0 == 0 ? "5" : ($0 == classes.count - 1 ? "0" : "1") }.joined(separator: ", "))]}",
                at: value.range, hint: "classes, in order: " + classes.joined(separator: ", "))
        }
        var matrix = classes.indices.map { i in classes.indices.map { j in i == j ? 0.0 : 1.0 } }
        var seen = Set<String>()
        for field in fields {
            guard let row = classes.firstIndex(of: field.key) else {
                throw LanguageError.semantic(
                    "'\(field.key)' is not a class of the model", at: field.keyRange,
                    hint: closestMatch(field.key, among: classes).map { "did you mean '\($0)'?" } ?? "classes: "
                        + classes.joined(separator: ", "))
            }
            guard seen.insert(field.key).inserted else {
                throw LanguageError.semantic(
                    "'\(field.key)' is given twice", at: field.keyRange, hint: "one list of costs per true class")
            }
            guard case .list(let items, let range) = field.value, items.count == classes.count else {
                throw LanguageError.semantic(
                    "the costs for true \(field.key) are a list of \(classes.count) numbers, one per decided class (\(classes.joined(separator: ", ")))",
                    at: field.value.range, hint: nil)
            }
            for (j, item) in items.enumerated() {
                guard case .number(let cost, _, let itemRange) = item, cost.isFinite, cost >= 0 else {
                    throw LanguageError.semantic("a cost is a number ≥ 0", at: item.range, hint: nil)
                }
                _ = itemRange
                matrix[row][j] = cost
            }
            _ = range
        }
        guard DecisionRule.validCosts(matrix, classCount: classes.count) else {
            throw LanguageError.semantic(
                "every cost is 0: any decision is as good as another", at: value.range,
                hint: "give a mistake a cost above 0")
        }
        return matrix
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
            case .search(.cost(let fp, let fn)):
                "chosen for the lowest cost (false positive \(formatStatistic(fp)), false negative \(formatStatistic(fn)))"
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
            throw LanguageError.semantic(
                "choose the threshold one way: "
                    + ways.map { $0 == "cost" ? "cost_fp= cost_fn=" : "\($0)=" }.joined(separator: ", ")
                    + " were given",
                at: invocation.range(
                    of: ways[1] == "cost" ? (invocation.has("cost_fp") ? "cost_fp" : "cost_fn") : ways[1]),
                hint: "keep one of them")
        }
        switch ways.first {
        case "cost":
            guard let fp = invocation[ThresholdOption.costFalsePositive],
                let fn = invocation[ThresholdOption.costFalseNegative]
            else {
                throw LanguageError.semantic(
                    "a cost needs both cost_fp= and cost_fn=",
                    at: invocation.range(of: invocation.has("cost_fp") ? "cost_fp" : "cost_fn"),
                    hint: "e.g. cost_fp=1 cost_fn=5: a missed positive costs five false alarms")
            }
            guard fp > 0 || fn > 0 else {
                throw LanguageError.semantic(
                    "with both costs 0 every threshold costs nothing", at: invocation.range(of: "cost_fp"),
                    hint: "give at least one cost above 0")
            }
            return .search(.cost(falsePositive: fp, falseNegative: fn))
        default:
            if let recall = invocation[ThresholdOption.minimumRecall] { return .search(.minimumRecall(recall)) }
            if let precision = invocation[ThresholdOption.minimumPrecision] {
                return .search(.minimumPrecision(precision))
            }
            if let at = invocation[ThresholdOption.at] { return .fixed(at) }
            switch invocation[ThresholdOption.metric] {
            case .balancedAccuracy: return .search(.balancedAccuracy)
            case .accuracy: return .search(.accuracy)
            case .f1: return .search(.f1)
            }
        }
    }

    private static func costText(_ point: ThresholdPoint, _ rule: ThresholdRule) -> String {
        guard case .search(.cost(let fp, let fn)) = rule else { return "" }
        return ", cost \(formatStatistic(point.cost(falsePositive: fp, falseNegative: fn)))"
    }

    /// Precision, recall and F1 at thresholds 0.1 … 0.9, the current one and the chosen one.
    private static func tradeOffTable(
        _ choice: ThresholdChoice, truth: [Bool], scores: [Double], objective: ThresholdRule, current: Double
    ) -> TextTable {
        let isCost: Bool = if case .search(.cost) = objective { true } else { false }
        var table = TextTable(
            headers: ["threshold", "precision", "recall", "F1", "predicted positive"] + (isCost ? ["cost"] : []) + [""],
            alignments: [.right, .right, .right, .right, .right] + (isCost ? [.right] : []) + [.left])
        var thresholds = (1...9).map { Double($0) / 10 }
        for t in [current, choice.chosen.threshold] where !thresholds.contains(t) { thresholds.append(t) }
        for t in thresholds.sorted() {
            let point =
                t == choice.chosen.threshold
                ? choice.chosen : ThresholdSearch.point(truth: truth, scores: scores, threshold: t)
            let mark = t == choice.chosen.threshold ? "← chosen" : (t == current ? "← before" : "")
            table.add(
                [
                    formatFixed(t, decimals: 4), formatScore(point.precision), formatScore(point.recall),
                    formatScore(point.f1),
                    String(point.truePositives + point.falsePositives),
                ] + (isCost ? [costText(point, objective).replacingOccurrences(of: ", cost ", with: "")] : []) + [mark])
        }
        return table
    }
}

private enum ThresholdOption {
    enum Metric: String, CaseIterable, Sendable {
        case f1
        case balancedAccuracy = "balanced_accuracy"
        case accuracy
    }

    static let metric: Option<Metric> = .choice("metric", default: .f1, help: "the score to make highest")
    static let costFalsePositive: Option<Double?> = .number(
        "cost_fp", 0...1e12, help: "cost of one false positive (with cost_fn=): the lowest total cost wins")
    static let costFalseNegative: Option<Double?> = .number(
        "cost_fn", 0...1e12, help: "cost of one false negative (with cost_fp=)")
    static let minimumRecall: Option<Double?> = .number(
        "min_recall", 0...1, help: "keep at least this recall; the best precision wins")
    static let minimumPrecision: Option<Double?> = .number(
        "min_precision", 0...1, help: "keep at least this precision; the best recall wins")
    static let at: Option<Double?> = .number("at", 0...1, help: "set this threshold as it is")
}
