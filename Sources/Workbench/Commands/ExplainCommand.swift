import Charts
import CommandLanguage
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `explain MODEL [on DATA]`, `explain MODEL on DATA row=N`, `explain MODEL {col: value, ...}`.
    static let explain = CommandSpec(
        "explain", topic: "models",
        summary: "what a model relies on (permutation importance), or why it predicted one row",
        discussion: """
            Without a row: permutation importance on DATA (default: the training data) — how much the \
            main metric drops when a column's values are shuffled, mean and std over seeded repeats. With \
            row=N or {col: value}: each input's contribution to this prediction — exact for linear models \
            (coefficient × standardised value, in log-odds), TreeSHAP for tree, forest and boost \
            (contributions plus the base value add up to the model's raw output), and an occlusion \
            approximation (replace the input with its training median or most frequent value) for the rest.
            """,
        positionals: [
            PositionalSpec(.model, .binding),
            PositionalSpec(.data, keyword: "on", .dataset, optional: true),
            PositionalSpec(.row, .record, optional: true),
        ],
        options: [
            ExplainOption.row.spec,
            ExplainOption.repeats.spec,
            OptionSpec("class", .text, default: "the predicted one", help: "the class to explain"),
            CommonOption.seed.spec,
        ],
        examples: [
            "explain m", "explain m on penguins.test", "explain m on penguins.test row=3",
            "explain m {island: Biscoe, flipper_length_mm: 221, bill_length_mm: 47}",
        ],
        reopen: .shows,
        run: { context in
            let (name, model) = try context.model(.model)
            let pipeline = model.pipeline
            var frame: DataFrame
            var dataName: String
            if context.invocation.positionals[.data] != nil {
                let (n, d) = try context.dataset(.data)
                frame = d.frame
                dataName = n
            } else if let training = model.trainingFrame {
                frame = training
                dataName = model.dataName + " (training data)"
            } else {
                frame = try DataFrame(columns: [])
                dataName = ""
            }
            if case .record(let fields, _)? = context.invocation.positionals[.row] {
                frame = try rowFrame(fields, pipeline: pipeline, context: &context)
                try explainRow(&context, name: name, model: model, frame: frame, row: 0)
                return
            }
            if let row = context.invocation[ExplainOption.row] {
                guard row <= frame.rowCount else {
                    throw LanguageError.semantic(
                        "\(dataName) has \(frame.rowCount) rows", at: context.invocation.range(of: "row"), hint: nil)
                }
                try explainRow(&context, name: name, model: model, frame: frame, row: row - 1)
                return
            }
            guard frame.rowCount > 0 else {
                throw CommandError("no data to measure importance on", hint: "give one: explain \(name) on DATA")
            }
            let importance = try Explainer.permutationImportance(
                pipeline, data: frame, repeats: context.invocation[ExplainOption.repeats],
                seed: UInt64(context.invocation[CommonOption.seed]),
                threads: ProcessInfo.processInfo.activeProcessorCount,
                isCancelled: { [flag = context.session.cancellation] in flag.isSet })
            context.print(
                "permutation importance of \(name) on \(dataName): drop in \(importance.metric) when a column is shuffled (baseline \(formatScore(importance.baselineScore)), \(importance.repeats) repeats)"
            )
            var table = TextTable(
                headers: ["feature", "drop", "± std", ""], alignments: [.left, .right, .right, .left])
            let top = importance.features.map(\.mean).max() ?? 0
            for f in importance.features {
                let bar =
                    top > 0 && f.mean > 0
                    ? String(repeating: "#", count: max(1, Int((f.mean / top * 30).rounded()))) : ""
                table.add(
                    [f.name, formatFixed(f.mean, decimals: 4), formatFixed(f.standardDeviation, decimals: 4), bar],
                    charts: [3: .cellBar(CellBar(value: f.mean, scale: top, cells: 30))])
            }
            context.print(table)
        })

    private static func explainRow(
        _ context: inout CommandContext, name: String, model: TrainedModel, frame: DataFrame, row: Int
    ) throws {
        let explanation = try Explainer.explain(
            model.pipeline, row: row, of: frame, className: context.invocation.word("class"))
        let method: String =
            switch explanation.method {
            case .linear: "exact linear contributions"
            case .treeSHAP: "TreeSHAP"
            case .occlusion: "occlusion (approximate: each input replaced by its typical training value)"
            }
        context.print(
            "\(name) predicts \(explanation.predicted)"
                + (explanation.explainedClass.map { "; explaining the score of \($0)" } ?? "")
                + " — \(method), on the \(explanation.scale.rawValue) scale")
        var table = TextTable(
            headers: ["feature", "value", "contribution", ""], alignments: [.left, .left, .right, .left])
        let top = explanation.contributions.map { abs($0.contribution) }.max() ?? 0
        for c in explanation.contributions {
            let width = top > 0 ? Int((abs(c.contribution) / top * 20).rounded()) : 0
            table.add(
                [
                    c.feature, c.value.isEmpty ? "(missing)" : c.value,
                    (c.contribution >= 0 ? "+" : "") + formatFixed(c.contribution, decimals: 4),
                    String(repeating: c.contribution >= 0 ? "+" : "-", count: width),
                ],
                charts: [3: .cellBar(CellBar(value: c.contribution, scale: top, signed: true))])
        }
        context.print(table)
        context.print(
            "base value \(formatFixed(explanation.baseValue, decimals: 4)) + contributions = \(formatFixed(explanation.output, decimals: 4))"
                + (explanation.method == .occlusion ? " (occlusion: not additive)" : ""))
        for line in explanation.readings(limit: 3) { context.print("· " + line) }
    }
}

private enum ExplainOption {
    static let row: Option<Int?> = .integer("row", 1...Int.max, help: "explain this row (1-based) of DATA")
    static let repeats: Option<Int> = .integer(
        "repeats", 1...100, default: 5, help: "shuffles per column for permutation importance")
}
