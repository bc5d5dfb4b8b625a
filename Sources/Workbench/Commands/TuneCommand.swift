import CommandLanguage
import Diagnostics
import Learning
import Tabular

extension CommandTable {
    /// `t = tune ALGO on DATA target=COL param=[a, b, c] ... [search=grid|random trials=N]`.
    static let tune = CommandSpec(
        "tune", topic: "models",
        summary: "search hyperparameters by cross-validation and bind the best setting",
        discussion: """
            Each hyperparameter given as a list is searched; single values are held fixed. search=grid \
            tries every combination, search=random a seeded sample of trials= of them. All settings share \
            the same folds, so their scores are comparable. The result is a leaderboard: 'train t.best on \
            DATA target=...' trains the winner on all the data.
            """,
        positionals: [PositionalSpec(.algo, .algorithm), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            OptionSpec("target", .column, help: "the column to predict"),
            CommonOption.folds.spec,
            OptionSpec(
                "metric", .choice(MetricCatalog.all.map(\.name)), default: "accuracy or r2", help: "what to rank by"),
            TuneOption.search.spec,
            TuneOption.trials.spec,
            OptionSpec(
                "task", .choice(["classification", "regression"]), default: "from the target",
                help: "override the inferred task"),
            OptionSpec("features", .columns, default: "all others", help: "the columns to learn from"),
            OptionSpec("drop", .columns, help: "columns to leave out"),
            CompareOption.budget.spec,
            CommonOption.seed.spec,
        ],
        maxResults: 1, acceptsHyperparameters: true,
        provenance: .derivation,
        examples: [
            "t = tune knn on penguins target=species k=[1, 3, 5, 9, 15] weights=[uniform, distance]",
            "t = tune boost on penguins target=species learning_rate=[0.03, 0.1, 0.3] max_leaf_nodes=[7, 15, 31] search=random trials=5",
        ],
        run: { context in
            let base = try context.candidate(.algo)
            let algorithm = base.algorithm
            let (dataName, dataset) = try context.dataset(.data)
            var grid: [(String, [ParameterValue])] = []
            var fixed = base.parameters.values
            for (key, keyRange, value) in context.invocation.hyperparameters {
                guard let spec = algorithm.parameterSpecs.first(where: { $0.name == key }) else {
                    let known = algorithm.parameterSpecs.map(\.name)
                    throw LanguageError.unknownOption(
                        key, command: "tune \(algorithm.name)", at: keyRange,
                        suggestion: closestMatch(key, among: known), known: known)
                }
                let items: [Expression]
                if case .list(let elements, _) = value { items = elements } else { items = [value] }
                guard !items.isEmpty else {
                    throw LanguageError.semantic("\(key) needs at least one value", at: value.range, hint: nil)
                }
                var values: [ParameterValue] = []
                for item in items {
                    let v = try CommandContext.parameterValue(item, spec: spec)
                    do {
                        _ = try Parameters(algorithm: algorithm.name, specs: algorithm.parameterSpecs, given: [key: v])
                    } catch let LearningError.invalidParameter(_, name, _, expected) {
                        throw LanguageError.invalidValue(option: name, expected: expected, at: item.range)
                    }
                    values.append(v)
                }
                if values.count == 1 { fixed[key] = values[0] } else { grid.append((key, values)) }
            }
            guard !grid.isEmpty else {
                throw LanguageError.semantic(
                    "nothing to search: give at least one hyperparameter as a list, e.g. k=[1, 5, 15]",
                    at: context.invocation.statement.verbRange,
                    hint: "'help algorithms' lists each algorithm's hyperparameters")
            }
            var settings: [[String: ParameterValue]] = [fixed]
            for (key, values) in grid {
                settings = settings.flatMap { s in values.map { v in s.merging([key: v]) { $1 } } }
            }
            let total = settings.count
            if context.invocation[TuneOption.search] == .random {
                var generator = SeededGenerator(seed: UInt64(context.invocation[CommonOption.seed]))
                generator.shuffle(&settings)
                settings = Array(settings.prefix(context.invocation[TuneOption.trials]))
            }
            let candidates = try settings.map {
                try Candidate(
                    algorithm: algorithm,
                    parameters: Parameters(algorithm: algorithm.name, specs: algorithm.parameterSpecs, given: $0))
            }
            let leaderboard = try crossValidate(candidates, kind: "tune", data: (dataName, dataset), context: &context)
            context.print(
                "tried \(candidates.count) of \(total) setting\(total == 1 ? "" : "s") (\(context.invocation[TuneOption.search].rawValue) search)"
            )
            var shown = leaderboard
            shown.rows = Array(leaderboard.rows.prefix(10))
            show(shown, in: &context)
            if leaderboard.rows.count > 10 { context.print("… \(leaderboard.rows.count - 10) more settings") }
            if let best = leaderboard.rows.first { context.print("best: \(best.candidate.description)") }
            context.bind(context.targets.first ?? "tuned", .leaderboard(leaderboard))
        })
}

private enum TuneOption {
    enum Search: String, CaseIterable, Sendable {
        case grid
        case random
    }

    static let search: Option<Search> = .choice(
        "search", default: .grid, help: "try every combination, or a random sample")
    static let trials: Option<Int> = .integer(
        "trials", 1...10_000, default: 10, help: "settings to try with search=random")
}
