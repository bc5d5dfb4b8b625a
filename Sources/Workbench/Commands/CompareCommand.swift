import Charts
import CommandLanguage
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `lb = compare ALGOS|all on DATA target=COL [folds=5] [metric=] [seed=] [budget=]`.
    static let compare = CommandSpec(
        "compare", topic: "models",
        summary: "cross-validate several algorithms on the same folds and rank them",
        discussion: """
            Stratified k-fold for classification, plain k-fold for regression; every candidate sees the \
            same folds, and preprocessing is refitted inside each fold. The baseline (majority class or \
            mean) is always included, so every score has a floor to beat. Candidates whose score is not \
            significantly below the best are marked '≈ best': one-sided corrected resampled t-test \
            (Nadeau & Bengio 2003) at the 5% level. budget= stops starting new candidates once that much \
            time has passed; Ctrl-C stops too, and the candidates already finished are kept. Before the \
            leaderboard, warnings name any feature that relabels the target or alone predicts it almost \
            perfectly (a one-feature tree at 0.98 or more), and rows other datasets share with this one; \
            a class under 10% of rows is noted with the baseline's balanced accuracy.
            """,
        positionals: [PositionalSpec(.algos, .algorithms), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            OptionSpec("target", .column, help: "the column to predict"),
            CommonOption.folds.spec,
            OptionSpec(
                "metric", .choice(MetricCatalog.all.map(\.name)), default: "accuracy or r2", help: "what to rank by"),
            OptionSpec(
                "task", .choice(["classification", "regression"]), default: "from the target",
                help: "override the inferred task"),
            OptionSpec("features", .columns, default: "all others", help: "the columns to learn from"),
            OptionSpec("drop", .columns, help: "columns to leave out"),
            CompareOption.budget.help("stop starting candidates after this long, e.g. 60s or 2m").spec,
            CommonOption.seed.spec,
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: [
            "lb = compare all on penguins target=species",
            "lb = compare [linear, forest, boost] on penguins target=species folds=10 metric=balanced_accuracy",
            "compare tree, forest on diabetes target=progression budget=30s",
        ],
        run: runCompare)

    private static func runCompare(_ context: inout CommandContext) throws {
        var candidates = try context.candidates(.algos)
        if !candidates.contains(where: { $0.algorithm.name == Baseline.name }) {
            candidates.insert(
                Candidate(
                    algorithm: Baseline.self,
                    parameters: try Parameters(algorithm: Baseline.name, specs: Baseline.parameterSpecs, given: [:])),
                at: 0)
        }
        let (dataName, dataset) = try context.dataset(.data)
        let leaderboard = try crossValidate(candidates, kind: "compare", data: (dataName, dataset), context: &context)
        show(leaderboard, in: &context)
        if let note = balanceNote(leaderboard, dataset: dataset) { context.print(note) }
        context.bind(context.targets.first ?? "lb", .leaderboard(leaderboard))
    }

    /// Warnings about shortcuts, printed before any candidate runs: a feature that relabels the
    /// target, a feature that alone predicts it almost perfectly, and rows of other datasets in the
    /// session (a test or fresh set) that repeat rows of this one.
    static func shortcutWarnings(
        data: (name: String, dataset: Dataset), target: String, features: [String], task: Task,
        rows: [Int], folds: Int, strata: [Int]?, context: inout CommandContext
    ) throws -> [String] {
        let frame = data.dataset.frame
        var lines: [String] = []
        let relabellings = ShortcutCheck.relabellings(frame: frame, target: target, features: features, rows: rows)
        for feature in relabellings {
            lines.append(
                "warning: \(feature) is a relabelling of \(target): each of its values goes with one value of \(target) and back. If it is not known before \(target) is, drop=[\(feature)]"
            )
        }
        context.progress("compare: checking single features")
        let seed = context.invocation[CommonOption.seed]
        let strong = try ShortcutCheck.strongSingleFeatures(
            frame: frame, target: target, features: features.filter { !relabellings.contains($0) }, task: task,
            rows: rows,
            folds: folds, strata: strata,
            context: context.fitContext(seed: seed, label: "compare: checking single features"))
        let metric = MetricCatalog.primary(for: task)
        for (feature, score) in strong {
            lines.append(
                "warning: \(feature) alone predicts \(target) almost perfectly (a one-feature tree scores \(metric.label) \(formatScore(score)) in cross-validation): a leak or a shortcut? If it is not known before \(target) is, drop=[\(feature)]"
            )
        }
        for name in context.session.boundNames where name != data.name {
            // A split's parts are cut from their parent: sharing rows with it is by design.
            guard case .dataset(let other)? = context.session.lookup(name), other.frame.column(named: target) != nil,
                other.split?.parent != data.name, data.dataset.split?.parent != name
            else { continue }
            let shared = ShortcutCheck.sharedRows(training: frame, other: other.frame, columns: features + [target])
            guard shared > 0 else { continue }
            lines.append(
                "warning: \(shared) of \(other.frame.rowCount) rows of \(name) repeat rows of \(data.name) (same features and \(target)): scores on \(name) would be optimistic for those rows"
            )
        }
        return lines
    }

    /// A note when the rarest class is under 10% of the rows: the baseline's balanced accuracy, and
    /// `stratify=` when the data is an unstratified split.
    static func balanceNote(_ lb: Leaderboard, dataset: Dataset) -> String? {
        guard lb.task == .classification, let column = dataset.frame.column(named: lb.target) else { return nil }
        var counts: [String: Int] = [:]
        for r in 0..<dataset.frame.rowCount { if let t = column.text(at: r) { counts[t, default: 0] += 1 } }
        let total = counts.values.reduce(0, +)
        guard total > 0,
            let rarest = counts.min(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
            Double(rarest.value) < 0.1 * Double(total)
        else { return nil }
        let share = formatFixed(100 * Double(rarest.value) / Double(total), decimals: 1)
        var note = "note: class \(rarest.key) is \(share)% of rows (\(rarest.value) of \(total)), so accuracy flatters"
        if let baseline = lb.rows.first(where: { $0.candidate.algorithm.name == Baseline.name }),
            let balanced = MetricCatalog.named("balanced_accuracy")
        {
            note += "; the baseline's balanced accuracy is \(formatScore(baseline.result.mean(of: balanced)))"
        }
        if lb.metric.name != "balanced_accuracy" { note += "; metric=balanced_accuracy ranks by it" }
        if let split = dataset.split, split.stratifiedBy == nil {
            note +=
                "\nnote: \(split.parent) was split without stratify=: split \(split.parent) stratify=\(lb.target) keeps each class's share in both parts"
        }
        return note
    }

    /// Cross-validates candidates on shared folds and ranks them; shared by compare and tune.
    static func crossValidate(
        _ candidates: [Candidate], kind: String, data: (name: String, dataset: Dataset), context: inout CommandContext
    ) throws -> Leaderboard {
        try crossValidate(candidates, kind: kind, data: data, checkShortcuts: kind == "compare", context: &context)
    }

    /// As above; with `checkShortcuts`, `shortcutWarnings` are printed before the candidates run.
    static func crossValidate(
        _ candidates: [Candidate], kind: String, data: (name: String, dataset: Dataset), checkShortcuts: Bool,
        context: inout CommandContext
    ) throws -> Leaderboard {
        let frame = data.dataset.frame
        let target = try context.targetColumn(in: frame)
        let features = try context.featureColumns(in: frame, target: target)
        let (rows, task, strata) = try CrossValidation.usableRows(
            frame: frame, target: target, task: context.task(for: target, in: frame))
        let k = context.invocation[CommonOption.folds]
        guard k <= rows.count else {
            throw LanguageError.semantic(
                "folds=\(k) is more than the \(rows.count) rows", at: context.invocation.range(of: "folds"), hint: nil)
        }
        let metric = try rankingMetric(context, task: task)
        let seed = context.invocation[CommonOption.seed]
        let foldIndices = KFold.folds(
            rowCount: rows.count, k: k, strata: task == .classification ? strata : nil, seed: UInt64(seed))
        let folds = foldIndices.map { $0.map { rows[$0] } }
        if checkShortcuts {
            for line in try shortcutWarnings(
                data: data, target: target, features: features, task: task, rows: rows, folds: k, strata: strata,
                context: &context)
            {
                context.print(line)
            }
        }
        let budget = context.invocation[CompareOption.budget] ?? .infinity
        let clock = ContinuousClock()
        let start = clock.now
        var results: [(Candidate, CrossValidationResult)] = []
        var skipped: [(name: String, reason: String)] = []
        // The first candidate Ctrl-C stopped: the ones before it ran, the rest did not. A replay of
        // a cell stopped that way stops at the same candidate (`Session.candidateLimit`).
        var stoppedAt: Int?
        let limit = context.session.candidateLimit ?? .max
        for (i, candidate) in candidates.enumerated() {
            if (clock.now - start).seconds > budget {
                skipped.append((candidate.description, "budget of \(formatStatistic(budget)) s used up"))
                continue
            }
            if context.session.cancellation.isSet || i >= limit {
                stoppedAt = stoppedAt ?? i
                skipped.append((candidate.description, "stopped with Ctrl-C"))
                continue
            }
            guard candidate.algorithm.tasks.contains(task) else {
                skipped.append((candidate.description, "does not do \(task.rawValue)"))
                continue
            }
            context.progress("\(kind): \(candidate.description) (\(i + 1) of \(candidates.count))")
            do {
                let result = try CrossValidation.run(
                    algorithm: candidate.algorithm, parameters: candidate.parameters.values, frame: frame,
                    target: target, features: features,
                    task: task, folds: folds, allRows: rows,
                    context: context.fitContext(seed: seed, label: "\(kind) \(candidate.description)"))
                results.append((Candidate(algorithm: candidate.algorithm, parameters: result.parameters), result))
            } catch LearningError.cancelled {
                stoppedAt = stoppedAt ?? i
                skipped.append((candidate.description, "stopped with Ctrl-C"))
            } catch {
                let message = Session.render(error, line: "").replacingOccurrences(of: "error: ", with: "")
                skipped.append(
                    (
                        candidate.description,
                        "failed: " + (message.split(separator: "\n").first.map(String.init) ?? "unknown error")
                    ))
            }
        }
        guard !results.isEmpty else {
            throw CommandError(
                "no candidate finished", hint: skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; "))
        }
        // Rank: best first; NaN scores last; ties keep the order given.
        let sign = metric.higherIsBetter ? 1.0 : -1.0
        let ranked = results.enumerated().sorted { a, b in
            let x = sign * a.element.1.mean(of: metric), y = sign * b.element.1.mean(of: metric)
            if x.isNaN != y.isNaN { return !x.isNaN }
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        let best = ranked[0].1
        let testFraction = 1.0 / Double(k)
        let rowsOut = ranked.enumerated().map { index, entry -> Leaderboard.Row in
            guard index > 0 else {
                return Leaderboard.Row(candidate: entry.0, result: entry.1, pValueAgainstBest: nil, tiedWithBest: true)
            }
            let bestScores = best.values(of: metric).map { sign * $0 }
            let theseScores = entry.1.values(of: metric).map { sign * $0 }
            let test = CorrectedTTest(first: bestScores, second: theseScores, testFraction: testFraction)
            return Leaderboard.Row(
                candidate: entry.0, result: entry.1, pValueAgainstBest: test.pValue,
                tiedWithBest: test.pValue >= Leaderboard.significanceLevel)
        }
        if let stoppedAt {
            context.interruption = .candidates(
                ran: stoppedAt, of: candidates.count, finished: results.map(\.0.description).joined(separator: ", "))
        }
        var leaderboard = Leaderboard(
            rows: rowsOut, metric: metric, dataName: data.name, target: target, task: task, folds: k,
            seed: UInt64(seed), skipped: skipped)
        leaderboard.features = features
        let session = context.session
        for row in rowsOut {
            let run = RunRecord(
                kind: kind, result: row.result, leaderboard: leaderboard, dataFingerprint: data.dataset.fingerprint,
                rows: rows.count, columns: features.count, session: session)
            // One note is enough when the registry refuses.
            guard context.recordRun(run) != nil else { break }
        }
        return leaderboard
    }

    private static func rankingMetric(_ context: CommandContext, task: Task) throws -> MetricDefinition {
        guard let name = context.invocation.word("metric") else { return MetricCatalog.primary(for: task) }
        guard let metric = MetricCatalog.named(name), metric.task == task else {
            throw LanguageError.semantic(
                "metric=\(name) does not apply to \(task.rawValue)", at: context.invocation.range(of: "metric"),
                hint: "for \(task.rawValue): " + MetricCatalog.metrics(for: task).map(\.name).joined(separator: ", "))
        }
        return metric
    }

    /// The leaderboard as a table: the ranking metric's mean and spread, two more metrics,
    /// fit time per fold, the comparison with the best, and a bar of the ranking metric when the
    /// table has room for one (numbers are never cut to make room for bars).
    static func show(_ lb: Leaderboard, in context: inout CommandContext) {
        let bare = leaderboardTable(lb, barCells: 0)
        let natural =
            bare.render(width: .max).split(separator: "\n").map { TextTable.visibleCount(String($0)) }.max() ?? 0
        let room = context.environment.width - natural - 2
        let table = room >= 8 ? leaderboardTable(lb, barCells: min(20, room)) : bare
        context.print(
            "\(lb.folds)-fold \(lb.task == .classification ? "stratified " : "")cross-validation on \(lb.dataName) → \(lb.target), seed \(lb.seed), ranked by \(lb.metric.label)"
        )
        context.print(table)
        context.print(
            "≈: not significantly worse than the best; <: significantly worse (one-sided corrected resampled t-test, Nadeau & Bengio 2003, at p < \(formatStatistic(Leaderboard.significanceLevel)))"
        )
        for s in lb.skipped { context.print("skipped \(s.name): \(s.reason)") }
    }

    /// The leaderboard's rows; with `barCells` > 0 a last column of bars at most that long.
    static func leaderboardTable(_ lb: Leaderboard, barCells: Int) -> TextTable {
        let others = MetricCatalog.metrics(for: lb.task).filter { $0.name != lb.metric.name }.prefix(2)
        let bars = barCells > 0
        var table = TextTable(
            headers: ["rank", "candidate", lb.metric.label, "± std"] + others.map(\.label) + ["fit/fold", "vs best"]
                + (bars ? [""] : []),
            alignments: [.right, .left, .right, .right] + others.map { _ in .right } + [.right, .left]
                + (bars ? [.left] : []))
        let means = lb.rows.map { $0.result.mean(of: lb.metric) }
        let scale = means.filter(\.isFinite).map(abs).max() ?? 0
        let signed = means.contains { $0 < 0 }
        let barColumn = 4 + others.count + 2
        for (i, row) in lb.rows.enumerated() {
            let r = row.result
            let vsBest =
                i == 0
                ? "best" : (row.tiedWithBest ? "≈ p=" : "< p=") + formatFixed(row.pValueAgainstBest ?? 1, decimals: 3)
            let cells =
                [
                    String(i + 1), row.candidate.description, formatScore(r.mean(of: lb.metric)),
                    formatScore(r.standardDeviation(of: lb.metric)),
                ]
                + others.map { formatScore(r.mean(of: $0)) }
                + [formatDuration(r.fitSeconds.reduce(0, +) / Double(max(1, r.fitSeconds.count))), vsBest]
            if bars {
                let bar = CellBar(value: means[i], scale: scale, signed: signed, cells: barCells)
                table.add(
                    cells + [TerminalRenderer.cellBar(bar, width: barCells, style: .ascii)],
                    charts: [barColumn: .cellBar(bar)])
            } else {
                table.add(cells)
            }
        }
        return table
    }
}

/// Options `compare` shares with `tune`.
enum CompareOption {
    /// Seconds after which no further candidate starts (no limit when left out).
    static let budget: Option<Double?> = .number("budget", 0...1e9, help: "stop starting settings after this long")
}
