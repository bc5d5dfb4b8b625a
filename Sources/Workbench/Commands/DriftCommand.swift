import Learning
import Tabular

extension CommandTable {
    /// `drift DATA_A vs DATA_B [columns=...]`.
    static let drift = CommandSpec(
        "drift", topic: "models",
        summary: "compare two datasets column by column: PSI, KS / chi-square, Jensen–Shannon, Wasserstein",
        discussion: """
            DATA_A is the reference (e.g. training data), DATA_B the current data. Numbers: PSI on the \
            reference's deciles, the two-sample Kolmogorov–Smirnov test, normalised Wasserstein distance \
            and Jensen–Shannon distance. Text: PSI over values, chi-square test of homogeneity, \
            Jensen–Shannon. p-values flag everything on large samples, so the deciding test depends on \
            size (as in Evidently): up to 1,000 reference rows KS / chi-square at p < 0.05, above that \
            Wasserstein (numbers) / Jensen–Shannon (text) ≥ 0.1. PSI is always shown: < 0.1 stable, \
            0.1–0.25 moderate, ≥ 0.25 significant. Testing many columns at once, the p-value threshold is \
            divided by their number (Bonferroni; correction=none turns it off). The dataset counts as \
            drifted when at least half its columns drift. The thresholds are options. validate uses a \
            stricter rule for its verdicts: KS / chi-square on every feature whatever the size, p-values \
            adjusted by Holm's step-down procedure across the features and the predictions (family-wise \
            error 5%), and drift only when the adjusted p < 0.05 and the shift is at least 0.1 (KS \
            distance, or total variation distance of the shares), so near-constant columns and tiny \
            shifts on large samples do not alarm.
            """,
        positionals: [PositionalSpec("A", .dataset), PositionalSpec("B", keyword: "vs", .dataset)],
        options: [
            OptionSpec("columns", .columns, default: "all shared", help: "the columns to compare"),
            OptionSpec("p_value", .number(0...1), default: "0.05", help: "KS / chi-square threshold (small references)"),
            OptionSpec("distance", .number(0...1e9), default: "0.1", help: "Wasserstein / Jensen–Shannon threshold (large references)"),
            OptionSpec("small", .integer(0...Int.max), default: "1000", help: "reference rows up to which the p-value tests decide"),
            OptionSpec("share", .number(0...1), default: "0.5", help: "share of drifted columns for the dataset to count as drifted"),
            OptionSpec("correction", .choice(["bonferroni", "none"]), default: "bonferroni", help: "divide the p-value threshold by the number of columns tested"),
        ],
        maxResults: 1,
        examples: ["drift penguins vs fresh", "d = drift train vs fresh columns=[bill_length_mm, island]"],
        run: { context in
            let (aName, a) = try context.dataset("A")
            let (bName, b) = try context.dataset("B")
            var columns = try context.columns("columns", in: a.frame)
            if columns.isEmpty { columns = a.frame.columnNames.filter { b.frame.column(named: $0) != nil } }
            guard !columns.isEmpty else { throw CommandError("\(aName) and \(bName) share no columns") }
            var options = DriftOptions()
            options.pValueThreshold = context.invocation.double("p_value", default: options.pValueThreshold)
            options.wassersteinThreshold = context.invocation.double("distance", default: options.wassersteinThreshold)
            options.jensenShannonThreshold = context.invocation.double("distance", default: options.jensenShannonThreshold)
            options.smallReferenceRows = context.invocation.int("small", default: options.smallReferenceRows)
            options.driftedShare = context.invocation.double("share", default: options.driftedShare)
            options.correction = context.invocation.word("correction") == "none" ? .none : .bonferroni
            let report = try DriftDetector.compare(reference: a.frame, current: b.frame, columns: columns, options: options)
            let bonferroni = options.correction == .bonferroni && columns.count > 1
            let decided = a.frame.rowCount <= options.smallReferenceRows
                ? "KS / chi-square at p < \(formatStatistic(options.pValueThreshold))" + (bonferroni ? " / \(columns.count) columns (Bonferroni)" : "")
                : "Wasserstein / Jensen–Shannon ≥ \(formatStatistic(options.wassersteinThreshold))"
            context.print("drift of \(bName) (\(b.frame.rowCount) rows) against \(aName) (\(a.frame.rowCount) rows); deciding: \(decided)")
            context.print(driftTable(report))
            let drifted = report.driftedFeatures
            context.print(drifted.isEmpty ? "no column drifted" : "drifted: " + drifted.joined(separator: ", ") + " (\(drifted.count) of \(report.features.count))" + (report.drifted ? "; the dataset as a whole drifted" : ""))
            context.bind(context.targets.first ?? "drift_report", .drift(report))
        })
}
