import CommandLanguage
import Learning
import Tabular

extension CommandTable {
    /// `drift DATA_A vs DATA_B [columns=...]`.
    static let drift = CommandSpec(
        "drift", topic: "models",
        summary: "compare two datasets column by column: KS / chi-square with Holm's correction, and PSI",
        discussion: """
            DATA_A is the reference (e.g. training data), DATA_B the current data. The rule is validate's \
            and the serving monitor's, one implementation: every column is tested — the two-sample \
            Kolmogorov–Smirnov test for numbers, the chi-square test of homogeneity for text — whatever \
            the size, the p-values are adjusted together by Holm's step-down procedure (family-wise \
            error at most p_value=, 2.5% by default: on unchanged data, at most 1 comparison in 40 names \
            any column; validate's verdicts share a 5% budget between this and their metric gate), and \
            a column drifts when its adjusted p ≤ p_value= and the shift is at least \
            min_effect= (0.1: the KS distance, i.e. the largest gap between the two cumulative shares, \
            or the total variation distance of the text shares), so near-constant columns and tiny \
            shifts on large samples do not alarm. correction= chooses bonferroni, benjamini_hochberg \
            (false discovery rate instead) or none. PSI on the reference's deciles (< 0.1 stable, \
            0.1–0.25 moderate, ≥ 0.25 significant) is shown beside the test as an effect size; it does \
            not decide. The table shows, per column, PSI and its band, the test, its statistic (for KS \
            the KS distance itself), the p-value, the adjusted p-value and whether it drifted. The \
            dataset counts as drifted when at least share= of its columns drift.
            """,
        positionals: [PositionalSpec(.a, .dataset), PositionalSpec(.b, keyword: "vs", .dataset)],
        options: [
            OptionSpec("columns", .columns, default: "all shared", help: "the columns to compare"),
            DriftOption.pValue.spec,
            DriftOption.minimumEffect.spec,
            DriftOption.share.spec,
            DriftOption.correction.spec,
        ],
        maxResults: 1,
        examples: ["drift penguins vs fresh", "d = drift train vs fresh columns=[bill_length_mm, island]"],
        run: { context in
            let (aName, a) = try context.dataset(.a)
            let (bName, b) = try context.dataset(.b)
            var columns = try context.columns("columns", in: a.frame)
            if columns.isEmpty { columns = a.frame.columnNames.filter { b.frame.column(named: $0) != nil } }
            guard !columns.isEmpty else { throw CommandError("\(aName) and \(bName) share no columns") }
            var options = DriftOptions.validation
            options.pValueThreshold = context.invocation[DriftOption.pValue]
            options.minimumEffect = context.invocation[DriftOption.minimumEffect]
            options.driftedShare = context.invocation[DriftOption.share]
            options.correction = context.invocation[DriftOption.correction]
            let reference = try ReferenceProfile(frame: a.frame, columns: columns, sampleCap: nil)
            let report = try DriftJudgement(reference: reference, current: b.frame, options: options).inputs
            context.print(
                "drift of \(bName) (\(b.frame.rowCount) rows) against \(aName) (\(a.frame.rowCount) rows); deciding: \(ruleText(options, tests: columns.count))"
            )
            context.print(driftTable(report, correction: options.correction))
            let drifted = report.driftedFeatures
            context.print(
                drifted.isEmpty
                    ? "no column drifted"
                    : "drifted: " + drifted.joined(separator: ", ") + " (\(drifted.count) of \(report.features.count))"
                        + (report.drifted ? "; the dataset as a whole drifted" : ""))
            context.bind(context.targets.first ?? "drift_report", .drift(report))
        })

    /// "KS / chi-square, Holm-adjusted p ≤ 0.05 over 8 columns, shift ≥ 0.1".
    static func ruleText(_ options: DriftOptions, tests: Int) -> String {
        let adjustment: String =
            switch options.correction {
            case .holm: "Holm-adjusted "
            case .bonferroni: "Bonferroni-adjusted "
            case .benjaminiHochberg: "Benjamini–Hochberg-adjusted "
            case .none: ""
            }
        return
            "KS / chi-square, \(adjustment)p ≤ \(formatStatistic(options.pValueThreshold)) over \(tests) column\(tests == 1 ? "" : "s"), shift ≥ \(formatStatistic(options.minimumEffect))"
    }
}

/// `drift`'s rule, defaulting to `validate`'s (`DriftOptions.validation`).
private enum DriftOption {
    static let pValue: Option<Double> = .number(
        "p_value", 0...1, default: DriftOptions.validation.pValueThreshold,
        help: "family-wise error (or false discovery rate) over the columns tested")
    static let minimumEffect: Option<Double> = .number(
        "min_effect", 0...1, default: DriftOptions.validation.minimumEffect,
        help: "smallest KS distance / total variation distance that counts as drift")
    static let share: Option<Double> = .number(
        "share", 0...1, default: DriftOptions.validation.driftedShare,
        help: "share of drifted columns for the dataset to count as drifted")
    static let correction: Option<PValueCorrection> = .choice(
        "correction", default: DriftOptions.validation.correction,
        options: [.holm, .bonferroni, .benjaminiHochberg, .none],
        help: "how the p-values are adjusted for testing every column at once")
}
