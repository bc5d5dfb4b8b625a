import Charts
import CommandLanguage
import Diagnostics
import Foundation
public import Learning
import Tabular

/// PASS, WARN or FAIL, with every reason.
public enum Verdict: String, Sendable, Codable, Comparable {
    case pass = "PASS", warn = "WARN", fail = "FAIL"

    public static func < (a: Verdict, b: Verdict) -> Bool {
        let order: [Verdict] = [.pass, .warn, .fail]
        return (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
    }
}

/// The full result of validating a model on fresh data (`v.report`).
public struct ValidationReport: Sendable, Codable {
    public struct Reason: Sendable, Codable {
        public var severity: Verdict
        public var text: String
    }

    public var model: String
    public var data: String
    public var verdict: Verdict
    public var reasons: [Reason]
    public var schemaFindings: [String]
    public var freshScores: Scores?
    /// Cross-validation mean and std per metric name (the yardstick fresh scores are held to).
    public var crossValidation: [String: [Double]]
    /// The held-out test score per metric name, when the model was evaluated on one.
    public var heldOut: [String: Double] = [:]
    public var heldOutData: String?
    public var drift: DatasetDrift?
    /// Fresh predictions against the out-of-fold predictions of cross-validation.
    public var predictionDrift: FeatureDrift?
    /// The main metric's confidence interval on the fresh rows (Wilson or seeded bootstrap).
    public var freshInterval: ScoreInterval? = nil
    /// Fresh rows identical to a training row, in every column both have.
    public var rowsSeenInTraining: Int? = nil
    /// How many fresh rows the model's conformal sets or intervals held, against its promise.
    public var conformalCoverage: ConformalCoverage? = nil
}

/// Fresh rows covered by a model's conformal sets or intervals, with a Wilson interval.
public struct ConformalCoverage: Sendable, Codable {
    public var covered: Int
    public var rows: Int
    public var promised: Double
    public var interval: ScoreInterval?
}

extension CommandTable {
    /// `v = validate MODEL[, MODEL...] on DATA|"fresh.csv" [tolerance=] [min_score=] [baseline= min_gain=]`.
    static let validate = CommandSpec(
        "validate", topic: "models",
        summary: "check models on fresh data: schema, metrics against cross-validation, drift, gates → PASS/WARN/FAIL",
        discussion: """
            Schema: a missing or retyped model input, or data the model cannot score, is a FAIL line \
            (never an aborted command); unseen categories, values outside the training range in over 10% of rows (5 at least) and \
            missing values far above training are WARN lines; extra columns are listed. Metrics: fresh \
            data beside the model's cross-validation mean ± std (computed now on its training data if it \
            did not come from compare or tune), with a 95% interval for the main metric (Wilson for \
            accuracy, a seeded bootstrap of 1,000 resamples otherwise). FAIL when the whole interval lies \
            below cross-validation minus tolerance=; a lower score whose interval still reaches that line \
            is "within sampling error". R² is judged on its error: the fresh RMSE (and its bootstrap \
            interval) as R² against the target variance cross-validation implies, RMSE²/(1 − R²), since a \
            small fresh part's own spread moves R² more than the model's error does. Classification also shows \
            the fresh rows' calibration (ECE and the Brier score's reliability, as in evaluate) and precision, \
            recall, F1 and support per class, with their macro and support-weighted averages. Drift: every feature against the training rows (KS for numbers, \
            chi-square for text) and the predictions against cross-validation's out-of-fold predictions \
            (chi-square on predicted classes, KS on predicted values), one family of tests with Holm's \
            adjustment (family-wise error 2.5%); a feature drifts when its Holm-adjusted p ≤ 0.025 and the \
            shift is at least 0.1 (KS distance, or total variation distance of the shares); PSI is shown \
            as the effect size (see 'help drift'). The verdict's false-alarm budget on unchanged data is \
            5%, shared: 2.5% for the metric gate (one side of its 95% interval), 2.5% for drift. Fresh data with the training data's fingerprint, or \
            at least half its rows identical to training rows, is a WARN with the count. Gates: \
            min_score= on the main metric, and baseline=OTHER min_gain= (absolute, or relative with %) \
            on the same fresh data. With several models, each is validated and they are ranked on their \
            fresh score, verdicts beside it; the best-scoring one that did not FAIL goes forward, the \
            baseline is not ranked, and nothing goes forward when every candidate failed. In `workbench run` and `replay`, --strict makes a FAIL exit non-zero.
            """,
        positionals: [PositionalSpec(.models, .binding), PositionalSpec(.data, keyword: "on", .binding)],
        options: [
            ValidateOption.tolerance.spec,
            ValidateOption.minimumScore.spec,
            OptionSpec("baseline", .text, help: "another model the candidate must beat on the same fresh data"),
            ValidateOption.minimumGain.spec,
            OptionSpec(
                "metric", .choice(MetricCatalog.all.map(\.name)), default: "accuracy or r2", help: "the main metric"),
        ],
        maxResults: 1,
        provenance: .annotation,
        examples: [
            "v = validate m on \"examples/penguins_fresh.csv\"",
            "v = validate m on fresh tolerance=0.03 min_score=0.9",
            "validate m1, m2, m3 on fresh baseline=m0 min_gain=2%",
            "validate lb.top(3) on \"examples/penguins_fresh.csv\"",
        ],
        run: runValidate)

    private static func runValidate(_ context: inout CommandContext) throws {
        let (dataName, frame, fingerprint) = try validationData(&context)
        guard frame.rowCount > 0 else { throw CommandError("\(dataName) has no rows to validate on") }
        let expression = context.invocation.positionals[.models]
        var names: [(String, SourceRange)]
        if case .call(let parts, let arguments, let range)? = expression, parts.last == "top", parts.count >= 2 {
            names = try trainTopCandidates(
                leaderboard: parts.dropLast().joined(separator: "."), arguments: arguments, range: range,
                context: &context)
        } else if case .list(let items, _)? = expression {
            names = items.compactMap { item in item.dottedName.map { ($0, item.range) } }
        } else if let expression, let name = expression.dottedName {
            names = [(name, expression.range)]
        } else {
            throw LanguageError.semantic("expected model names", at: context.invocation.range(of: .models), hint: nil)
        }
        // The baseline is the yardstick, not a contender: failing it against itself says nothing.
        if let baseline = context.invocation.word("baseline"), names.count > 1,
            names.contains(where: { $0.0 == baseline })
        {
            names.removeAll { $0.0 == baseline }
            context.print("\(baseline) is the baseline, so it is not ranked as a candidate")
        }
        var reports: [(String, ValidationReport)] = []
        for (name, range) in names {
            guard
                case .model(let model)? = context.session.lookup(name)
                    ?? context.pendingBindings.last(where: { $0.name == name })?.value
            else {
                throw LanguageError.unknownName(
                    kind: "model", name: name, at: range,
                    suggestion: closestMatch(name, among: context.session.boundNames), hint: nil)
            }
            let (validated, cv) = try validateOne(
                name: name, model: model, dataName: dataName, frame: frame, fingerprint: fingerprint, context: &context)
            var report = validated
            if names.count > 1 { context.print("") }
            context.output.append(renderValidation(report, model: model))
            var updated = model
            updated.validation = report
            // Keep cross-validation computed now, so the card and an exported bundle carry it.
            if updated.crossValidation == nil { updated.crossValidation = cv }
            context.bind(name, .model(updated))
            report.model = name
            reports.append((name, report))
            if report.verdict == .fail { context.session.recordValidationFailure() }
        }
        if reports.count > 1 {
            context.print("")
            context.print(rankValidations(reports, context: context))
        }
        if let target = context.targets.first, let first = reports.first {
            context.bind(
                target,
                .validation(
                    reports.count == 1
                        ? first.1 : (reports.min { rankKey($0.1, context) < rankKey($1.1, context) }?.1 ?? first.1)))
        }
    }

    /// `lb.top(K)`: the K best candidates of a leaderboard, each trained on the leaderboard's data
    /// and bound as `lb.top1` … `lb.topK`, ready to validate.
    private static func trainTopCandidates(
        leaderboard name: String, arguments: [Expression], range: SourceRange, context: inout CommandContext
    ) throws -> [(String, SourceRange)] {
        guard case .leaderboard(let lb)? = context.session.lookup(name) else {
            throw LanguageError.semantic(
                "'\(name)' is not a leaderboard; top(K) picks the best K candidates of compare or tune", at: range,
                hint: nil)
        }
        guard arguments.count == 1, case .number(let v, _, _) = arguments[0], let k = Int(exactly: v), k >= 1 else {
            throw LanguageError.semantic("top takes one whole number, e.g. \(name).top(3)", at: range, hint: nil)
        }
        guard case .dataset(let data)? = context.session.lookup(lb.dataName) else {
            throw CommandError(
                "the data \(name) was compared on ('\(lb.dataName)') is no longer bound",
                hint: "train the candidates yourself and validate them by name")
        }
        var names: [(String, SourceRange)] = []
        for (i, row) in lb.rows.prefix(k).enumerated() {
            // The leaderboard's own feature choice (drop= / features=), which its scores belong to.
            let features = lb.features.isEmpty ? data.frame.columnNames.filter { $0 != lb.target } : lb.features
            let pipeline = try PipelineModel.train(
                algorithm: row.candidate.algorithm, parameters: row.candidate.parameters.values, frame: data.frame,
                target: lb.target, features: features, task: lb.task, derivations: data.derivations,
                context: context.fitContext(seed: Int(lb.seed), label: "training \(row.candidate.description)"))
            var model = TrainedModel(
                pipeline: pipeline, dataName: lb.dataName, dataFingerprint: data.fingerprint,
                rowCount: data.frame.rowCount,
                fitSeconds: 0, trainingScores: try scores(of: pipeline, on: data.frame).scores)
            model.trainingFrame = data.frame
            model.crossValidation = row.result
            let bound = "\(name).top\(i + 1)"
            context.bind(bound, .model(model))
            context.print("\(bound): \(row.candidate.description), trained on \(lb.dataName)")
            names.append((bound, range))
        }
        return names
    }

    /// The fresh data: a bound dataset or a quoted CSV path loaded on the spot.
    private static func validationData(_ context: inout CommandContext) throws -> (String, DataFrame, String) {
        if case .string? = context.invocation.positionals[.data] {
            let (written, _) = try context.path(.data)
            let location = context.session.locateData(written)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else {
                throw TabularError.fileNotFound(path: written)
            }
            let (frame, fingerprint) = try CSVReader.readFingerprinted(path: location.path, displayName: written)
            if let note = location.note { context.print(note) }
            context.recordDataFile(path: written, fingerprint: fingerprint)
            return ("\"\(written)\"", frame, fingerprint)
        }
        let (name, dataset) = try context.dataset(.data)
        return (name, dataset.frame, dataset.fingerprint)
    }

    private static func mainMetric(_ context: CommandContext, task: Task) -> MetricDefinition {
        if let name = context.invocation.word("metric"), let m = MetricCatalog.named(name), m.task == task { return m }
        return MetricCatalog.primary(for: task)
    }

    private static func rankKey(_ r: ValidationReport, _ context: CommandContext) -> Double {
        guard let s = r.freshScores else { return .infinity }
        let m: MetricDefinition =
            switch s {
            case .classification: mainMetric(context, task: .classification)
            case .regression: mainMetric(context, task: .regression)
            }
        let v = m.value(s)
        return m.higherIsBetter ? -v : v
    }

    static func validateOne(
        name: String, model: TrainedModel, dataName: String, frame: DataFrame, fingerprint: String,
        context: inout CommandContext
    ) throws -> (ValidationReport, CrossValidationResult?) {
        let pipeline = model.pipeline
        let metric = mainMetric(context, task: pipeline.task)
        var reasons: [ValidationReport.Reason] = []
        var findings: [String] = []
        func stopped(_ reasons: [ValidationReport.Reason]) -> ValidationReport {
            ValidationReport(
                model: name, data: dataName, verdict: .fail, reasons: reasons, schemaFindings: findings,
                freshScores: nil, crossValidation: [:], drift: nil, predictionDrift: nil)
        }

        // Schema: problems the model cannot score through are FAIL verdicts, never an aborted command.
        let features = pipeline.inputs
        let missing = features.filter { frame.column(named: $0.name) == nil }.map(\.name)
        for m in missing { findings.append("\(m): missing from the data; the model needs it") }
        let known = Set(features.map(\.name) + [pipeline.target.name])
        for c in frame.columnNames where !known.contains(c) {
            findings.append("\(c): extra column, not used by the model")
        }
        var retyped: [String] = []
        for f in features {
            guard let column = frame.column(named: f.name) else { continue }
            if f.kind != column.kind {
                findings.append(
                    "\(f.name): "
                        + (column.kind == .text
                            ? "text in the data, numbers in training" : "numbers in the data, text in training"))
                retyped.append(f.name)
            }
            let rate = column.data.count == 0 ? 0 : Double(column.data.missingCount) / Double(column.data.count)
            if rate > f.missingRate + 0.1 && rate > 2 * f.missingRate {
                findings.append(
                    "\(f.name): \(formatFixed(rate * 100, decimals: 1))% missing, \(formatFixed(f.missingRate * 100, decimals: 1))% in training"
                )
                reasons.append(.init(severity: .warn, text: "\(f.name) is missing far more often than in training"))
            }
        }
        if !missing.isEmpty {
            reasons.insert(
                .init(
                    severity: .fail,
                    text: "the data lacks model input\(missing.count == 1 ? "" : "s"): "
                        + missing.joined(separator: ", ")), at: 0)
        }
        if !retyped.isEmpty {
            reasons.insert(
                .init(
                    severity: .fail,
                    text: "retyped column\(retyped.count == 1 ? "" : "s") the model cannot read: "
                        + retyped.joined(separator: ", ")), at: missing.isEmpty ? 0 : 1)
        }
        if !missing.isEmpty || !retyped.isEmpty { return (stopped(reasons), nil) }
        let output: PipelineModel.Output
        do {
            output = try pipeline.predict(frame, isCancelled: { [flag = context.session.cancellation] in flag.isSet })
        } catch LearningError.cancelled {
            throw LearningError.cancelled
        } catch {
            reasons.insert(.init(severity: .fail, text: "the model cannot score this data: \(error)"), at: 0)
            return (stopped(reasons), nil)
        }
        for w in output.warnings {
            switch w.kind {
            case .unseenCategory(let v):
                findings.append(
                    "\(w.column): \(w.count) row\(w.count == 1 ? "" : "s") with '\(v)', never seen in training")
            case .outOfRange(_, let lo, let hi):
                findings.append(
                    "\(w.column): \(w.count) value\(w.count == 1 ? "" : "s") outside the training range \(formatNumber(lo))…\(formatNumber(hi))"
                )
                // A few values beyond the training extremes are expected by chance (each fresh
                // value falls outside with probability about 2/(N+1)); many are not.
                if w.count >= 5 && Double(w.count) > 0.1 * Double(frame.rowCount) {
                    reasons.append(
                        .init(
                            severity: .warn,
                            text: "\(w.column): \(w.count) of \(frame.rowCount) values outside the training range"))
                }
            case .notANumber(let v):
                findings.append(
                    "\(w.column): \(w.count) value\(w.count == 1 ? "" : "s") like '\(v)' that are not numbers")
                reasons.append(
                    .init(
                        severity: .warn,
                        text: "\(w.column): \(w.count) value\(w.count == 1 ? "" : "s") that are not numbers"))
            case .notADate(let v, let format):
                findings.append(
                    "\(w.column): \(w.count) value\(w.count == 1 ? "" : "s") like '\(v)' that are not dates written \(format) as in training"
                )
                reasons.append(
                    .init(
                        severity: .warn,
                        text:
                            "\(w.column): \(w.count) value\(w.count == 1 ? "" : "s") that are not dates in the training format"
                    ))
            }
        }
        if output.warnings.contains(where: { if case .unseenCategory = $0.kind { return true } else { return false } })
        {
            reasons.append(.init(severity: .warn, text: "some rows have categories never seen in training"))
        }

        // Fresh data that is (largely) the training data says nothing about fresh performance.
        var seen: Int?
        if fingerprint == model.dataFingerprint {
            seen = frame.rowCount
            reasons.append(
                .init(
                    severity: .warn,
                    text:
                        "this is the training data (same fingerprint): all \(frame.rowCount) rows were seen in training"
                ))
        } else if let training = model.trainingFrame {
            let count = identicalRowCount(frame, in: training)
            seen = count
            if count * 2 >= frame.rowCount {
                reasons.append(
                    .init(
                        severity: .warn,
                        text: "\(count) of \(frame.rowCount) rows are identical to training rows: not fresh data"))
            }
        }

        // Cross-validation: the yardstick for scores, and its out-of-fold predictions the
        // reference for prediction drift.
        let cv = try crossValidation(of: model, context: context)

        // Metrics against cross-validation, judged with the fresh score's sampling error.
        var cvTable: [String: [Double]] = [:]
        var heldOutTable: [String: Double] = [:]
        var freshScores: Scores?
        var interval: ScoreInterval?
        var conformalCoverage: ConformalCoverage?
        if let targetColumn = frame.column(named: pipeline.target.name) {
            // Reuse the predictions made above when every row has a target to score against.
            let (truth, kept) = pipeline.target.encode(column: targetColumn, rows: Array(0..<frame.rowCount))
            freshScores =
                kept.count == frame.rowCount
                ? Scores(target: truth, prediction: output.prediction, decision: output.decision)
                : try scores(of: pipeline, on: frame).scores
            if !kept.isEmpty {
                interval = ScoreInterval.of(
                    metric: metric, target: truth, prediction: output.prediction.selecting(kept),
                    decision: output.decision, seed: pipeline.seed)
                if let conformal = pipeline.conformal {
                    let covered = conformal.covers(truth: truth, prediction: output.prediction.selecting(kept)).filter {
                        $0
                    }.count
                    let wilson = ScoreInterval.wilson(successes: covered, trials: kept.count)
                    conformalCoverage = ConformalCoverage(
                        covered: covered, rows: kept.count, promised: conformal.coverage, interval: wilson)
                    if let wilson, wilson.upper < conformal.coverage {
                        reasons.append(
                            .init(
                                severity: .warn,
                                text:
                                    "the conformal \(pipeline.task == .classification ? "sets" : "intervals") hold \(covered) of \(kept.count) fresh rows (\(intervalText(wilson))), below the promised \(formatFixed(conformal.coverage * 100, decimals: 1))%"
                            ))
                    }
                }
            }
            if let cv {
                for m in MetricCatalog.metrics(for: pipeline.task) {
                    cvTable[m.name] = [cv.mean(of: m), cv.standardDeviation(of: m)]
                }
            } else if let evidence = model.bundleEvidence {
                cvTable = evidence.crossValidation
            }
            if let held = model.heldOut {
                for m in MetricCatalog.metrics(for: pipeline.task) { heldOutTable[m.name] = m.value(held.scores) }
            }
            if let fresh = freshScores, let cv = cvTable[metric.name] {
                let tolerance = context.invocation[ValidateOption.tolerance]
                let rmse = MetricCatalog.named("rmse")
                let errorScale: ValidationReport.Reason?? =
                    metric.name == "r2" && !kept.isEmpty
                    ? cvTable["rmse"].flatMap { cvRMSE in
                        rmse.flatMap { rmse in
                            errorScaleGate(
                                freshR2: metric.value(fresh), freshRMSE: rmse.value(fresh),
                                rmseInterval: ScoreInterval.of(
                                    metric: rmse, target: truth,
                                    prediction: output.prediction.selecting(kept), seed: pipeline.seed),
                                crossValidationR2: cv, crossValidationRMSE: cvRMSE, tolerance: tolerance,
                                rows: kept.count)
                        }
                    }
                    : nil
                if case .some(let decided) = errorScale {
                    if let decided { reasons.append(decided) }
                } else if let reason = metricGate(
                    metric: metric, fresh: metric.value(fresh), interval: interval, crossValidation: cv,
                    tolerance: tolerance, rows: kept.count)
                {
                    reasons.append(reason)
                }
            }
        } else {
            reasons.append(
                .init(
                    severity: .warn,
                    text:
                        "the data has no '\(pipeline.target.name)' column: metrics cannot be computed without the target; schema and drift only"
                ))
        }

        // Gates.
        if let fresh = freshScores {
            let value = metric.value(fresh)
            if let floor = context.invocation[ValidateOption.minimumScore] {
                let ok = metric.higherIsBetter ? value >= floor : value <= floor
                if !ok {
                    reasons.append(
                        .init(
                            severity: .fail,
                            text: "\(metric.label) \(formatScore(value)) misses min_score \(formatStatistic(floor))"))
                }
            }
            if let baselineName = context.invocation.word("baseline"), baselineName != name {
                guard
                    case .model(let baseline)? = context.session.lookup(baselineName)
                        ?? context.pendingBindings.last(where: { $0.name == baselineName })?.value
                else {
                    throw LanguageError.unknownName(
                        kind: "model", name: baselineName, at: context.invocation.range(of: "baseline"),
                        suggestion: closestMatch(baselineName, among: context.session.boundNames), hint: nil)
                }
                let other = metric.value(try scores(of: baseline.pipeline, on: frame).scores)
                let gainText: String
                let required: Double
                if case .number(let g, let text, _)? = context.invocation.options["min_gain"]?.value,
                    text.hasSuffix("%")
                {
                    required = abs(other) * g
                    gainText = "\(text) of \(formatScore(other))"
                } else {
                    required = context.invocation[ValidateOption.minimumGain]
                    gainText = formatStatistic(required)
                }
                let gain = metric.higherIsBetter ? value - other : other - value
                if gain < required {
                    reasons.append(
                        .init(
                            severity: .fail,
                            text:
                                "\(metric.label) \(formatScore(value)) does not beat \(baselineName) (\(formatScore(other))) by min_gain \(gainText)"
                        ))
                }
            }
        }

        // Drift of inputs against the training data and of predictions against out-of-fold
        // predictions: one family of tests, Holm-adjusted together, each with an effect floor.
        var drift: DatasetDrift?
        var predictionDrift: FeatureDrift?
        let options = DriftOptions.validation
        // Dates compared as days since 1970 (the preprocessor's drift view), on both sides.
        let inputProfile: ReferenceProfile? =
            try model.trainingFrame.map {
                try ReferenceProfile(frame: pipeline.driftView($0), columns: features.map(\.name), sampleCap: nil)
            }
            ?? model.bundleEvidence?.inputs
        if let inputProfile {
            let predictionProfile =
                cv?.outOfFold.map { ReferenceProfile(column: $0.column(for: pipeline), sampleCap: nil) }
                ?? model.bundleEvidence?.outOfFold
            let judgement = try DriftJudgement(
                reference: inputProfile, current: pipeline.driftView(frame), predictionReference: predictionProfile,
                currentPredictions: DriftDetector.predictionColumn(
                    output.prediction, classes: pipeline.target.classes, decision: output.decision),
                options: options)
            let inputs = judgement.inputs
            drift = inputs
            predictionDrift = judgement.predictions
            for f in inputs.features where f.drifted {
                reasons.append(.init(severity: .warn, text: "\(f.name) drifted: \(driftEvidence(f))"))
            }
            if inputs.drifted {
                reasons.append(
                    .init(
                        severity: .warn,
                        text:
                            "the data as a whole drifted (\(formatFixed(inputs.share * 100, decimals: 0))% of features)"
                    ))
            }
            if let p = predictionDrift, p.drifted {
                reasons.append(
                    .init(
                        severity: .warn,
                        text:
                            "the predictions drifted from the out-of-fold predictions of cross-validation: \(driftEvidence(p))"
                    ))
            }
        } else {
            reasons.append(
                .init(
                    severity: .warn,
                    text: "no training data in this session (nor a profile in the bundle) to check drift against"))
        }
        let verdict = reasons.map(\.severity).max() ?? .pass
        // Worst first, otherwise in the order found.
        reasons = reasons.enumerated().sorted { ($0.element.severity, $1.offset) > ($1.element.severity, $0.offset) }
            .map(\.element)
        var report = ValidationReport(
            model: name, data: dataName, verdict: verdict, reasons: reasons, schemaFindings: findings,
            freshScores: freshScores,
            crossValidation: cvTable, heldOut: heldOutTable, heldOutData: model.heldOut?.data, drift: drift,
            predictionDrift: predictionDrift)
        report.freshInterval = interval
        report.rowsSeenInTraining = seen
        report.conformalCoverage = conformalCoverage
        return (report, cv)
    }

    /// The model's cross-validation (kept from compare or train, else run now) scored as the model
    /// decides: after its calibration, under its threshold or costs. The yardstick of validate's
    /// verdict and of an exported bundle's figures, so a thresholded model is measured against its
    /// own rule, not the refits' most-probable labels.
    static func crossValidation(of model: TrainedModel, context: CommandContext) throws -> CrossValidationResult? {
        try (model.crossValidation ?? crossValidateNow(model, context: context)).map { $0.scored(as: model.pipeline) }
    }

    /// 5-fold cross-validation of the model's algorithm and parameters on its own training data.
    static func crossValidateNow(_ model: TrainedModel, context: CommandContext) throws -> CrossValidationResult? {
        guard let frame = model.trainingFrame, let algorithm = AlgorithmRegistry.named(model.pipeline.algorithm) else {
            return nil
        }
        let pipeline = model.pipeline
        let (rows, task, strata) = try CrossValidation.usableRows(
            frame: frame, target: pipeline.target.name, task: pipeline.task)
        guard rows.count >= 10 else { return nil }
        let folds = KFold.folds(
            rowCount: rows.count, k: 5, strata: task == .classification ? strata : nil, seed: pipeline.seed
        ).map { $0.map { rows[$0] } }
        return try CrossValidation.run(
            algorithm: algorithm, parameters: pipeline.parameters.values, frame: frame, target: pipeline.target.name,
            features: pipeline.preprocessor.inputNames, task: task, folds: folds, allRows: rows,
            context: context.fitContext(seed: Int(pipeline.seed), label: "cross-validating"))
    }

    /// The validation as text and tables (the drift table keeps its PSI bars as charts).
    static func renderValidation(_ r: ValidationReport, model: TrainedModel) -> Output {
        var lines = Output("validate \(r.model) on \(r.data): \(r.verdict.rawValue)")
        for reason in r.reasons { lines.append("  \(reason.severity.rawValue)  \(reason.text)") }
        if !r.schemaFindings.isEmpty {
            lines.append("schema:")
            for finding in r.schemaFindings { lines.append("  " + finding) }
        } else {
            lines.append("schema: every model input present with its training type")
        }
        if let fresh = r.freshScores {
            let test = r.heldOutData.map { ["test (\($0))"] } ?? []
            var table = TextTable(
                headers: ["metric", "cross-validation"] + test + ["fresh", "vs cross-validation"],
                alignments: [.left, .right] + test.map { _ in .right } + [.right, .right])
            for m in MetricCatalog.metrics(for: model.pipeline.task) {
                let v = m.value(fresh)
                guard v.isFinite else { continue }
                let testCell = test.isEmpty ? [] : [r.heldOut[m.name].map(formatScore) ?? ""]
                if let cv = r.crossValidation[m.name] {
                    table.add(
                        [m.label, formatScore(cv[0]) + " ± " + formatScore(cv[1])] + testCell + [
                            formatScore(v), (v - cv[0] >= 0 ? "+" : "") + formatScore(v - cv[0]),
                        ])
                } else {
                    table.add([m.label, ""] + testCell + [formatScore(v), ""])
                }
            }
            lines.append(table, width: 100)
            if let i = r.freshInterval {
                lines.append(
                    "fresh \(i.method == .wilson ? "accuracy" : "main metric"): \(intervalText(i)) (sampling error of \(fresh.rowCount) rows)"
                )
            }
            if let c = r.conformalCoverage {
                lines.append(
                    "conformal coverage on the fresh rows: \(c.covered) of \(c.rows) = \(formatScore(Double(c.covered) / Double(max(1, c.rows))))"
                        + (c.interval.map { " (\(intervalText($0)))" } ?? "")
                        + ", promised \(formatFixed(c.promised * 100, decimals: 1))%")
            }
            if case .classification(let report) = fresh {
                if let line = calibrationLine(report, classes: model.pipeline.target.classes) {
                    lines.append("fresh " + line)
                }
                lines.append("fresh data per class:")
                lines.append(perClassTable(report, classes: model.pipeline.target.classes), width: 100)
            }
        }
        if let seen = r.rowsSeenInTraining, seen > 0 {
            lines.append("rows seen in training: \(seen) of the fresh rows are identical to training rows")
        }
        if let d = r.drift {
            lines.append(
                "drift against the training data (\(d.driftedFeatures.count) of \(d.features.count) features):")
            lines.append(driftTable(d), width: 100)
        }
        if let p = r.predictionDrift {
            lines.append(
                "predictions against cross-validation's out-of-fold predictions: \(driftEvidence(p)) (\(p.psiBand.rawValue))"
                    + (p.drifted ? ", drifted" : ", stable"))
        } else if r.drift != nil {
            lines.append("predictions: no out-of-fold predictions to compare with")
        }
        return lines
    }

    private static func rankValidations(_ reports: [(String, ValidationReport)], context: CommandContext) -> String {
        var table = TextTable(
            headers: ["rank", "model", "verdict", "fresh score"], alignments: [.right, .left, .left, .right])
        let (ranked, forward) = ranking(reports) { rankKey($0, context) }
        for (i, (name, r)) in ranked.enumerated() {
            let score =
                r.freshScores.map { s -> String in
                    let m: MetricDefinition =
                        switch s {
                        case .classification: mainMetric(context, task: .classification)
                        case .regression: mainMetric(context, task: .regression)
                        }
                    return m.label + " " + formatScore(m.value(s))
                } ?? "n/a"
            table.add([String(i + 1), name, r.verdict.rawValue, score])
        }
        return "ranked on the fresh score (the best that did not FAIL goes forward):\n" + table.render(width: 100)
            + (forward.map { "\ngoes forward: \($0)" } ?? "\ngoes forward: none (every candidate failed)")
    }

    /// Candidates in rank order and the one that goes forward. Ranked on the fresh score alone
    /// (`key`, lower first; ties keep the order given): the verdict is shown beside it and decides
    /// only what goes forward, the best-ranked candidate that did not FAIL. A WARN is for a person
    /// to read, not a penalty in the ranking.
    static func ranking(_ reports: [(String, ValidationReport)], key: (ValidationReport) -> Double) -> (
        ranked: [(String, ValidationReport)], forward: String?
    ) {
        let ranked = reports.enumerated().sorted { a, b in
            let (ka, kb) = (key(a.element.1), key(b.element.1))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
        return (ranked, ranked.first { $0.1.verdict != .fail }?.0)
    }

    /// One line per feature: PSI with its band, the deciding test and a bar (the bar cells carry
    /// charts, a full bar at PSI 1).
    static func driftTable(_ d: DatasetDrift, correction: PValueCorrection = .holm) -> TextTable {
        let adjusted = d.features.contains { $0.adjustedPValue != nil } && correction != .none
        let adjustedHeader =
            switch correction {
            case .bonferroni: "Bonferroni p"
            case .benjaminiHochberg: "BH p"
            default: "Holm p"
            }
        var table = TextTable(
            headers: ["feature", "PSI", "", "band", "test", "statistic", "p-value"] + (adjusted ? [adjustedHeader] : [])
                + ["drifted"],
            alignments: [.left, .right, .left, .left, .left, .right, .right] + (adjusted ? [.right] : []) + [.left])
        for f in d.features {
            let psi = f.psi ?? 0
            let bar = String(repeating: "#", count: min(20, Int((psi * 20).rounded())))
            let (test, statistic, p): (String, String, String) =
                switch f.decidedBy {
                case .kolmogorovSmirnov:
                    (
                        "KS", f.ks.map { formatFixed($0.statistic, decimals: 3) } ?? "",
                        f.ks.map { formatPValue($0.pValue) } ?? ""
                    )
                case .chiSquare:
                    (
                        "chi-square", f.chiSquare.map { formatStatistic($0.statistic) } ?? "",
                        f.chiSquare.map { formatPValue($0.pValue) } ?? ""
                    )
                case .wasserstein:
                    ("Wasserstein", f.wasserstein.map { formatFixed($0.normalized, decimals: 3) } ?? "", "")
                case .jensenShannon: ("Jensen-Shannon", f.jensenShannon.map { formatFixed($0, decimals: 3) } ?? "", "")
                default: (f.decidedBy.rawValue, "", "")
                }
            let holm = adjusted ? [f.adjustedPValue.map(formatPValue) ?? ""] : []
            table.add(
                [
                    f.name, f.psi.map { formatFixed($0, decimals: 3) } ?? "n/a", bar, f.psiBand.rawValue, test,
                    statistic, p,
                ] + holm + [f.drifted ? "yes" : "no"],
                charts: [2: .cellBar(CellBar(value: min(1, psi), scale: 1))])
        }
        return table
    }

    static func testName(_ decider: DriftDecider) -> String {
        switch decider {
        case .kolmogorovSmirnov: "KS test"
        case .chiSquare: "chi-square test"
        case .wasserstein: "Wasserstein distance"
        case .jensenShannon: "Jensen-Shannon distance"
        default: decider.rawValue
        }
    }

    static func formatPValue(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : formatFixed(p, decimals: 4)
    }
}

private enum ValidateOption {
    static let tolerance: Option<Double> = .number(
        "tolerance", 0...1e9, default: 0.05, help: "how far the fresh score may fall below cross-validation")
    static let minimumScore: Option<Double?> = .number(
        "min_score", -1e12...1e12, help: "the fresh main metric must reach this")
    static let minimumGain: Option<Double> = .number(
        "min_gain", -1e12...1e12, default: 0, help: "margin over baseline=: absolute (0.01) or relative (2%)")
}
