import CommandLanguage
import Learning

extension CommandTable {
    /// `algorithms [NAME]`: the algorithms and their hyperparameters.
    static let algorithms = CommandSpec(
        "algorithms", topic: "models",
        summary: "list the algorithms, or one algorithm's hyperparameters: algorithms forest",
        positionals: [PositionalSpec(.name, .algorithm, optional: true)],
        examples: ["algorithms", "algorithms boost"],
        reopen: .shows,
        run: { context in
            if context.invocation.positionals[.name] != nil {
                let algorithm = try context.candidate(.name).algorithm
                context.print("\(algorithm.name): \(algorithm.summary)")
                context.print(
                    "tasks: " + algorithm.tasksText + (algorithm.wantsStandardizedInputs ? "; inputs standardised" : "")
                        + (algorithm.acceptsMissingValues ? "; handles missing values natively" : ""))
                var table = TextTable(headers: ["hyperparameter", "default", "values", "meaning"])
                for spec in algorithm.parameterSpecs {
                    table.add([spec.name, spec.defaultValue.description, spec.kind.text, spec.help])
                }
                context.print(table)
                return
            }
            var table = TextTable(headers: ["algorithm", "tasks", "summary"])
            for algorithm in AlgorithmRegistry.all {
                table.add([algorithm.name, algorithm.tasksText, algorithm.summary])
            }
            context.print(table)
        })
}

extension Algorithm {
    static var tasksText: String { Task.allCases.filter(tasks.contains).map(\.rawValue).joined(separator: ", ") }
}

extension ParameterSpec.Kind {
    /// The allowed values, for tables.
    var text: String {
        switch self {
        case .int(let r): r.upperBound >= 1_000_000 ? "≥ \(r.lowerBound)" : "\(r.lowerBound)…\(r.upperBound)"
        case .double(let r):
            r.upperBound >= 1e6
                ? "≥ \(formatStatistic(r.lowerBound))"
                : "\(formatStatistic(r.lowerBound))…\(formatStatistic(r.upperBound))"
        case .choice(let options): options.joined(separator: " | ")
        }
    }
}
