import Foundation
import Bundles
import Learning
import Tabular

/// The champion against its challenger on the same served rows: how often they agree, and — on
/// the rows whose outcomes are known — both performances, a paired test and a recommendation in
/// plain words. Classification: accuracy, McNemar's test (exact binomial below 25 discordant rows,
/// chi-square with continuity correction otherwise). Regression: mean absolute error, the paired
/// t-test on the absolute errors.
public struct ChampionChallengerComparison: Codable, Sendable, Equatable {
    /// The significance level of the recommendation.
    public static let alpha = 0.05
    /// Below this many labelled rows (or, for McNemar, rows where exactly one model was right) the
    /// recommendation says the test has little power.
    public static let littlePowerRows = 30
    public static let littlePowerDiscordant = 10

    public var champion: String
    public var challenger: String
    public var classification: Bool
    /// Predictions in the window; those with the challenger's prediction; those it failed on.
    public var windowRows: Int
    public var pairedRows: Int
    public var failedRows: Int
    /// Classification: the share of paired rows where the labels agree.
    public var agreement: Double?
    /// Regression: the mean absolute difference of the two values.
    public var meanAbsoluteDifference: Double?
    public var labelledRows: Int
    /// "accuracy" or "mean absolute error".
    public var metric: String
    public var championMetric: Double?
    public var challengerMetric: Double?
    /// "McNemar" or "paired t-test on absolute errors".
    public var test: String
    /// McNemar's method (exact binomial or chi-square with continuity correction).
    public var method: String?
    public var statistic: Double?
    public var pValue: Double?
    /// McNemar: labelled rows where only the champion, or only the challenger, was right.
    public var championOnlyRight: Int?
    public var challengerOnlyRight: Int?
    /// The paired t-test: mean of champion's minus challenger's absolute error, degrees of freedom.
    public var meanErrorDifference: Double?
    public var degreesOfFreedom: Int?
    /// "challenger", "champion" or "neither".
    public var better: String
    public var recommendation: String

    /// Compares the two models on `rows` (oldest first). The champion is the model that answered
    /// the newest row with a challenger prediction, the challenger the one in its shadow; older rows
    /// answered the other way round (before a promotion) count for the same two models. Rows of
    /// another pair of models are left out. When no row of the window has a challenger prediction,
    /// `latestPair` (the log's newest: the model that answered, the one in its shadow) names the
    /// two; nil when there is neither.
    public static func compare(
        _ rows: [PairedPrediction], classification: Bool,
        latestPair: (answeredBy: String, shadow: String)? = nil
    ) -> ChampionChallengerComparison? {
        let champion: String, challenger: String
        if let newest = rows.last(where: { $0.shadowModel != nil }), let model = newest.shadowModel {
            (champion, challenger) = (newest.answeredBy, model)
        } else if let pair = latestPair {
            // Promoted since, when the newest row was answered by the model then in the shadow.
            (champion, challenger) =
                rows.last?.answeredBy == pair.shadow ? (pair.shadow, pair.answeredBy) : (pair.answeredBy, pair.shadow)
        } else {
            return nil
        }
        var failed = 0, paired = 0
        var agreed = 0, difference = 0.0
        var labelled: [(champion: JSONScalar, challenger: JSONScalar, truth: JSONScalar)] = []
        for row in rows {
            guard let model = row.shadowModel, Set([model, row.answeredBy]) == Set([champion, challenger]) else {
                continue
            }
            guard row.shadowError == nil, let shadowed = row.shadowed else {
                failed += 1
                continue
            }
            let (a, b) = row.answeredBy == champion ? (row.answered, shadowed) : (shadowed, row.answered)
            switch (a, b) {
            case (.text(let x), .text(let y)):
                paired += 1
                if x == y { agreed += 1 }
            case (.number(let x), .number(let y)):
                paired += 1
                difference += abs(x - y)
            default:
                continue
            }
            if let truth = row.truth { labelled.append((a, b, truth)) }
        }
        var c = ChampionChallengerComparison(
            champion: champion, challenger: challenger, classification: classification, windowRows: rows.count,
            pairedRows: paired,
            failedRows: failed, labelledRows: 0, metric: classification ? "accuracy" : "mean absolute error",
            test: classification ? "McNemar" : "paired t-test on absolute errors", better: "neither", recommendation: ""
        )
        if paired > 0 {
            if classification {
                c.agreement = Double(agreed) / Double(paired)
            } else {
                c.meanAbsoluteDifference = difference / Double(paired)
            }
        }
        if classification {
            var rightA = 0, rightB = 0, onlyA = 0, onlyB = 0, n = 0
            for (a, b, truth) in labelled {
                guard case .text(let t) = truth else { continue }
                n += 1
                let okA = a == .text(t), okB = b == .text(t)
                if okA { rightA += 1 }
                if okB { rightB += 1 }
                if okA && !okB { onlyA += 1 }
                if okB && !okA { onlyB += 1 }
            }
            c.labelledRows = n
            if n > 0 {
                c.championMetric = Double(rightA) / Double(n)
                c.challengerMetric = Double(rightB) / Double(n)
                let test = McNemarTest(firstOnlyRight: onlyA, secondOnlyRight: onlyB)
                c.method = test.method.rawValue
                c.statistic = test.statistic
                c.pValue = test.pValue
                c.championOnlyRight = onlyA
                c.challengerOnlyRight = onlyB
            }
        } else {
            var errorsA: [Double] = [], errorsB: [Double] = []
            for (a, b, truth) in labelled {
                guard case .number(let t) = truth, case .number(let x) = a, case .number(let y) = b else { continue }
                errorsA.append(abs(x - t))
                errorsB.append(abs(y - t))
            }
            c.labelledRows = errorsA.count
            if !errorsA.isEmpty {
                c.championMetric = errorsA.reduce(0, +) / Double(errorsA.count)
                c.challengerMetric = errorsB.reduce(0, +) / Double(errorsB.count)
                let test = PairedTTest(differences: zip(errorsA, errorsB).map { $0 - $1 })
                c.meanErrorDifference = test.meanDifference
                c.degreesOfFreedom = test.degreesOfFreedom
                if test.pValue != nil { c.statistic = test.t }
                c.pValue = test.pValue
            }
        }
        (c.better, c.recommendation) = recommend(c)
        return c
    }

    /// Which model the evidence favours at `alpha`, and the sentence saying so.
    static func recommend(_ c: ChampionChallengerComparison) -> (String, String) {
        guard c.pairedRows > 0 else {
            if c.windowRows == 0 { return ("neither", "no prediction in the window yet: nothing to compare") }
            if c.failedRows > 0 {
                return (
                    "neither",
                    "the challenger failed on every row of the window it was given (\(count(c.failedRows))); keep the champion"
                )
            }
            return (
                "neither",
                "no row of the window has the challenger's prediction: they were dropped (the challenger fell behind the traffic; "
                    + "workbench_shadow_rows_dropped_total counts them) or arrived before it was served; nothing to compare yet"
            )
        }
        guard c.labelledRows > 0, let a = c.championMetric, let b = c.challengerMetric else {
            return (
                "neither",
                "no outcomes on these rows yet: agreement alone cannot say which model is better (send outcomes with POST /v1/feedback, or pass --labels FILE)"
            )
        }
        let rows = "\(count(c.labelledRows)) labelled row\(c.labelledRows == 1 ? "" : "s")"
        guard let p = c.pValue else {
            return ("neither", "too few labelled rows to test (\(rows)); keep the champion")
        }
        let discordant = (c.championOnlyRight ?? 0) + (c.challengerOnlyRight ?? 0)
        var caveat = ""
        if c.labelledRows < littlePowerRows {
            caveat = "; with so few labelled rows the test has little power: a real difference may not show yet"
        } else if c.classification && discordant < littlePowerDiscordant {
            caveat =
                "; only \(discordant) row\(discordant == 1 ? "" : "s") where exactly one model was right, so the test has little power"
        }
        guard p < alpha, a != b else {
            return ("neither", "no evidence of a difference (\(formatP(p)) over \(rows)); keep the champion" + caveat)
        }
        let challengerBetter = c.classification ? b > a : b < a
        let who = challengerBetter ? "challenger" : "champion"
        let by: String
        if c.classification {
            by =
                "by \(String(format: "%.1f", abs(b - a) * 100)) points of accuracy (\(fixed(challengerBetter ? b : a)) vs \(fixed(challengerBetter ? a : b)))"
        } else {
            by =
                "by \(MonitoringSummary.format(abs(a - b))) in mean absolute error (\(MonitoringSummary.format(challengerBetter ? b : a)) vs \(MonitoringSummary.format(challengerBetter ? a : b)))"
        }
        let advice = challengerBetter ? "promote it (workbench promote)" : "keep the champion"
        return (who, "the \(who) is better \(by), \(formatP(p)) over \(rows); \(advice)")
    }

    /// "p = 0.012", "p = 0.41", "p < 0.001".
    static func formatP(_ p: Double) -> String {
        if p < 0.001 { return "p < 0.001" }
        return "p = " + (p < 0.01 ? String(format: "%.3f", p) : String(format: "%.2f", p))
    }

    private static func fixed(_ x: Double) -> String { String(format: "%.3f", x) }

    /// 1240 → "1,240".
    static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The lines `monitor` prints.
    public var lines: [String] {
        func f(_ x: Double?) -> String { x.map(MonitoringSummary.format) ?? "n/a" }
        var lines = [
            "champion \(champion) vs challenger \(challenger): \(Self.count(pairedRows)) of \(Self.count(windowRows)) rows in the window scored by both"
                + (failedRows > 0 ? ", challenger failed on \(Self.count(failedRows))" : "")
                + (windowRows - pairedRows - failedRows > 0
                    ? ", \(Self.count(windowRows - pairedRows - failedRows)) without a challenger prediction (dropped, or served without one)"
                    : "")
        ]
        if let agreement {
            lines.append(
                "agreement: the labels agree on \(String(format: "%.1f", agreement * 100))% of the rows scored by both")
        } else if let meanAbsoluteDifference {
            lines.append("agreement: mean absolute difference of the two predictions \(f(meanAbsoluteDifference))")
        }
        if labelledRows > 0 {
            let g: (Double?) -> String = { x in
                x.map { classification ? String(format: "%.3f", $0) : MonitoringSummary.format($0) } ?? "n/a"
            }
            var text =
                "on \(Self.count(labelledRows)) labelled rows: \(metric) champion \(g(championMetric)), challenger \(g(challengerMetric))"
            if classification, let method, let pValue {
                text +=
                    "; McNemar (\(method)): \(championOnlyRight ?? 0) rows only the champion got right, \(challengerOnlyRight ?? 0) only the challenger, "
                    + (method == McNemarTest.Method.chiSquare.rawValue ? "chi-square \(f(statistic)), " : "")
                    + Self.formatP(pValue)
            } else if !classification, let pValue {
                text +=
                    "; paired t-test on absolute errors: t = \(f(statistic)), df \(degreesOfFreedom ?? 0), "
                    + Self.formatP(pValue)
            }
            lines.append(text)
        }
        lines.append("recommendation: " + recommendation)
        return lines
    }
}

extension LogMonitor {
    /// The champion against the challenger over the log's last window (`options.window` rows, or
    /// the last `options.seconds`), outcomes from `labels` when given, else the log's; nil when the
    /// log holds no challenger predictions.
    public static func comparison(
        logPath: String, model: String? = nil, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, labels: OutcomeFile? = nil
    ) throws -> ChampionChallengerComparison? {
        try comparison(
            log: try PredictionLogs.open(logPath, model: model), bundlePath: bundlePath, trustedKey: trustedKey,
            options: options, labels: labels)
    }

    public static func comparison(
        log: any PredictionLogSource, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, labels: OutcomeFile? = nil
    ) throws -> ChampionChallengerComparison? {
        let bundle = try BundleReader.open(bundlePath ?? log.bundlePath, trustedKey: trustedKey)
        let classification = bundle.pipeline.task == .classification
        let truths = try labels?.outcomes(classes: bundle.pipeline.target.classes, target: bundle.manifest.target)
        let since = options.seconds.map { Date().timeIntervalSince1970 - $0 }
        guard
            let rows = try log.pairedWindow(
                rows: min(options.window, PredictionLogReader.maximumWindow), labels: truths, since: since)
        else { return nil }
        return ChampionChallengerComparison.compare(
            rows, classification: classification, latestPair: try log.latestPair())
    }
}
