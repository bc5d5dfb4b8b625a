import CommandLanguage
import Foundation
import Learning

extension CommandTable {
    /// `runs [last=N] [algo=NAME] [kind=train]` and `runs show ID`.
    static let runs = CommandSpec(
        "runs", topic: "models",
        summary: "list recorded training runs across sessions, or show one: runs show 12",
        discussion: """
            Every train, compare and tune is recorded in $WORKBENCH_HOME/runs.sqlite, or in the \
            PostgreSQL database that WORKBENCH_REGISTRY=postgresql://… names (a registry a team shares): \
            algorithm, hyperparameters, seed, the data's fingerprint and shape, metrics, fit time, the \
            session file and cell that ran it, and who ran it on which machine. So is every promotion of \
            a served challenger (workbench promote, kind promote), with its evidence: agreement, both \
            models' metric, the paired test.
            """,
        positionals: [
            PositionalSpec(.action, .choice(["show", "where"]), optional: true),
            PositionalSpec(.id, .integer(1...Int.max), optional: true),
        ],
        options: [
            RunsOption.last.spec,
            OptionSpec("algo", .text, help: "only runs of this algorithm"),
            OptionSpec("kind", .choice(["train", "compare", "tune", "promote"]), help: "only runs of this kind"),
            OptionSpec("data", .text, help: "only runs on this dataset name"),
        ],
        examples: ["runs", "runs last=5 algo=forest", "runs where algo=boost", "runs show 3"],
        reopen: .shows,
        run: { context in
            guard let registry = context.session.registry else {
                let problem = context.session.registryStorage.problem.map { ": \($0)" } ?? ""
                throw CommandError(
                    "the run registry cannot be opened\(problem)",
                    hint: context.environment.registry == nil
                        ? "check that \(context.environment.home) is writable" : "check WORKBENCH_REGISTRY")
            }
            let action = context.invocation.positionals[.action]?.dottedName
            if action == "show" {
                guard case .number(let v, _, let range)? = context.invocation.positionals[.id],
                    let id = Int64(exactly: v)
                else {
                    throw LanguageError.missingArgument(
                        "a run id", command: "runs show", usage: "runs show ID",
                        at: context.invocation.range(of: .action))
                }
                guard let run = try registry.run(id: id) else {
                    throw LanguageError.semantic("there is no run \(id)", at: range, hint: "'runs' lists recent runs")
                }
                context.print(describe(run))
                return
            }
            let list = try registry.runs(
                last: context.invocation[RunsOption.last], algorithm: context.invocation.word("algo"),
                kind: context.invocation.word("kind"), data: context.invocation.word("data"))
            guard !list.isEmpty else {
                context.print("no runs recorded yet")
                return
            }
            var table = TextTable(
                headers: ["id", "kind", "algorithm", "data", "target", "score", "fit time", "when"],
                alignments: [.right, .left, .left, .left, .left, .right, .right, .left])
            for run in list {
                table.add([
                    Output.volatile(String(run.id ?? 0).leftPadded(to: 6)), run.kind, run.algorithm, run.dataName,
                    run.target, headline(run),
                    run.kind == "promote" ? "" : formatDuration(run.fitSeconds),
                    Output.volatile(run.createdAt.leftPadded(to: 20)),
                ])
            }
            context.print(table)
        })

    /// The run's main score: cross-validated if it has one, else on its training rows.
    private static func headline(_ run: RunRecord) -> String {
        let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data(run.metrics.utf8))) ?? [:]
        if run.kind == "promote" {
            // The evidence in brief: agreement, and the paired test's p when outcomes were known.
            var parts: [String] = []
            if let a = metrics["agreement"] ?? metrics["agreement_all_rows"] { parts.append("agree \(formatScore(a))") }
            if let p = metrics["p_value"] { parts.append("p \(formatScore(p))") }
            return parts.joined(separator: ", ")
        }
        let primary = MetricCatalog.primary(for: Task(rawValue: run.task) ?? .classification).name
        if let cv = metrics["cv_" + primary] { return "cv \(primary) \(formatScore(cv))" }
        if let t = metrics["training_" + primary] { return "train \(primary) \(formatScore(t))" }
        return ""
    }

    private static func describe(_ run: RunRecord) -> String {
        let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data(run.metrics.utf8))) ?? [:]
        var lines = [
            "run \(Output.volatile(String(run.id ?? 0))): \(run.kind) \(run.algorithm) on \(run.dataName) → \(run.target) (\(run.task))",
            "parameters   \(run.parameters)",
            "seed         \(run.seed)",
            "data         \(run.rows) rows × \(run.columns) features, \(run.dataFingerprint)",
            "fit time     \(formatDuration(run.fitSeconds))",
            "recorded     \(Output.volatile(run.createdAt)) by workbench \(run.workbenchVersion)"
                + (run.user.map { " for \(Output.volatile($0 + "@" + (run.host ?? "?")))" } ?? ""),
            "session      \(Output.volatile(run.sessionFile ?? "not recorded")) cell \(run.cell)",
            "metrics",
        ]
        if run.kind == "promote" {
            // A promotion trained nothing: its lines say what was swapped and on what evidence.
            lines = [
                "run \(Output.volatile(String(run.id ?? 0))): promote \(run.algorithm) to champion of \(run.dataName) → \(run.target) (\(run.task))",
                "details      \(run.parameters)",
                "evidence     \(run.rows) labelled rows",
                "recorded     \(Output.volatile(run.createdAt)) by workbench \(run.workbenchVersion)",
                "metrics",
            ]
        }
        for key in metrics.keys.sorted() { lines.append("  \(key)  \(formatScore(metrics[key] ?? .nan))") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string right-aligned in `width` characters, for volatile cells whose width must not vary.
    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}

private enum RunsOption {
    static let last: Option<Int> = .integer(
        "last", 1...10_000, default: 20, help: "how many runs to list, newest first")
}
