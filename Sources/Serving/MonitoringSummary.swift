public import Bundles
public import Foundation
public import Learning
import Tabular

/// A bundle's `reference.json`: drift profiles of the training inputs, of the model's predictions
/// on its training rows, and of cross-validation's out-of-fold predictions.
public struct BundleReference: Codable, Sendable {
    public var rows: Int
    public var inputs: ReferenceProfile
    /// Predictions on the training rows: shown for comparison, never tested (a model that fits its
    /// training rows well would "drift" on any fresh data).
    public var predictions: ReferenceProfile
    /// Out-of-fold predictions of cross-validation: the reference prediction drift is tested
    /// against, as in `validate`. Bundles exported before they carried it have none; then the
    /// predictions are not tested.
    public var outOfFold: ReferenceProfile?

    public init(rows: Int, inputs: ReferenceProfile, predictions: ReferenceProfile, outOfFold: ReferenceProfile? = nil)
    {
        self.rows = rows
        self.inputs = inputs
        self.predictions = predictions
        self.outOfFold = outOfFold
    }

    public static func decode(_ data: Data) throws -> BundleReference {
        do { return try ModelCoding.decoder().decode(BundleReference.self, from: data) } catch {
            throw ServingError.badReference(String(describing: error))
        }
    }
}

/// Thresholds of monitoring: the monitoring window and validate's drift rule.
public struct MonitorOptions: Sendable, Equatable {
    /// Most recent scored rows compared with the reference.
    public var window: Int = 1_000
    /// Fewer rows than this in the window: too little traffic to judge drift, no alert.
    public var minimumRows: Int = 30
    /// The same rule as `validate` and `drift`, through the same code (`DriftJudgement`): KS /
    /// chi-square on every feature and the predictions, Holm-adjusted together, with the effect floor.
    public var drift: DriftOptions = .validation
    /// How far the realised metric's interval must lie below the validation figure (above, for
    /// an error such as RMSE) to alert; nil: 0.05 for accuracy, 10 % of the validation RMSE.
    public var tolerance: Double? = nil
    /// When set, the window holds only the rows logged in the last this many seconds (still at
    /// most `window` of them): a window by time. Read from a log only (`monitor --since`).
    public var seconds: Double? = nil

    public init(window: Int = 1_000, minimumRows: Int = 30) {
        self.window = window
        self.minimumRows = minimumRows
    }
}

/// One answered request as monitoring sees it.
public struct RequestRecord: Sendable, Equatable {
    public var time: Double
    public var status: Int
    public var latencyMilliseconds: Double
    public var rows: Int
}

/// What `monitor`, `GET /v1/drift` and the drift gauges report: traffic, latency, the predictions
/// against training, and per-feature drift of the monitoring window against `reference.json`.
public struct MonitoringSummary: Codable, Sendable, Equatable {
    public struct Traffic: Codable, Sendable, Equatable {
        /// Prediction requests in the window of requests (answered, any status).
        public var requests: Int
        public var errors: Int
        public var errorRate: Double
        public var rowsScored: Int
        public var latencyP50Ms: Double?
        public var latencyP95Ms: Double?
        public var latencyP99Ms: Double?
    }

    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        /// number, text or date (a date is compared as days since 1970).
        public var kind: String
        public var psi: Double?
        public var psiBand: String
        /// The test that decides, as in `validate`: ks (numbers and dates) or chi_square (text).
        public var test: String
        public var statistic: Double?
        public var pValue: Double?
        /// The p-value adjusted across the features and predictions (Holm).
        public var adjustedPValue: Double?
        /// The KS distance or the total variation distance of the shares.
        public var effect: Double?
        /// Drift when the adjusted p-value is at most this (and the effect reaches `minimumEffect`).
        public var threshold: Double
        public var minimumEffect: Double
        public var drifted: Bool
        /// Written only as keyed hashes in the log, so not comparable from the log.
        public var redacted: Bool
    }

    public struct ClassShare: Codable, Sendable, Equatable {
        public var label: String
        public var training: Double
        public var current: Double
    }

    public struct Predictions: Codable, Sendable, Equatable {
        /// Classification: each class's share in training and in the window.
        public var classes: [ClassShare]
        /// Regression: mean prediction in training (from the reference sample) and in the window.
        public var trainingMean: Double?
        public var currentMean: Double?
        public var psi: Double?
        /// Tested against the out-of-fold predictions in the features' family; false when the
        /// bundle has no out-of-fold profile (not tested).
        public var drifted: Bool
        public var pValue: Double?
        public var adjustedPValue: Double?
    }

    public struct Alert: Codable, Sendable, Equatable {
        public var feature: String
        public var test: String
        public var statistic: Double?
        public var pValue: Double?
        public var adjustedPValue: Double?
        public var threshold: Double
        public var psi: Double?
        public var message: String
    }

    public var model: String
    public var windowCapacity: Int
    public var windowRows: Int
    /// collecting (too few rows to judge), ok, or alert.
    public var status: String
    public var traffic: Traffic
    public var features: [Feature]
    public var predictions: Predictions?
    public var alerts: [Alert]
    /// Realised performance on the rows with outcomes (when the log has any, or `--labels`).
    public var performance: RealisedPerformance? = nil

    /// Computes the summary of a window of scored rows.
    /// - Parameters:
    ///   - inputs: rows in `features` order, oldest first.
    ///   - outputs: the predicted label (text) or value (number) of each row.
    ///   - redacted: features whose values are hashes (from a log), left out of the comparison.
    /// - Complexity: O(n log n) per numeric feature for the window of n rows.
    public static func compute(
        model: String, reference: BundleReference, features: [FeatureSpec], classes: [String], inputs: [[JSONScalar]],
        outputs: [JSONScalar], requests: [RequestRecord], rowsScored: Int, options: MonitorOptions,
        redacted: Set<String> = []
    ) -> MonitoringSummary {
        let traffic = Self.traffic(requests, rowsScored: rowsScored)
        var summary = MonitoringSummary(
            model: model, windowCapacity: options.window, windowRows: inputs.count, status: "collecting",
            traffic: traffic, features: [], predictions: nil, alerts: [])
        let profiled = Set(reference.inputs.features.map(\.name))
        // Names are looked up in sets and dictionaries below, never in lists: a model may have ten
        // thousand features, and lookups in lists made this quadratic in them.
        let compared = features.filter { !redacted.contains($0.name) && profiled.contains($0.name) }
        // Not judged yet: report the features with no figures.
        func placeholder(_ f: FeatureSpec) -> Feature {
            // A date is compared as days since 1970 (`DateStep.daysColumn`): a number, by KS.
            let numeric = f.kind == .number || f.date != nil
            return Feature(
                name: f.name, kind: f.date != nil ? "date" : (numeric ? "number" : "text"), psi: nil,
                psiBand: "unknown", test: numeric ? "ks" : "chi_square",
                statistic: nil, pValue: nil, adjustedPValue: nil, effect: nil, threshold: options.drift.pValueThreshold,
                minimumEffect: options.drift.minimumEffect, drifted: false, redacted: redacted.contains(f.name))
        }
        guard inputs.count >= options.minimumRows, !inputs.isEmpty else {
            summary.features = features.map(placeholder)
            return summary
        }
        let predictionColumn = Self.predictionColumn(reference: reference, outputs: outputs)
        var judgement: DriftJudgement?
        do {
            var profile = reference.inputs
            let comparedNames = Set(compared.map(\.name))
            profile.features = profile.features.filter { comparedNames.contains($0.name) }
            let position = Dictionary(features.indices.map { (features[$0].name, $0) }, uniquingKeysWith: { a, _ in a })
            let frame = try Self.frame(
                inputs, columns: profile.features.compactMap { position[$0.name] }, features: features)
            judgement = try DriftJudgement(
                reference: profile, current: frame, predictionReference: reference.outOfFold,
                currentPredictions: predictionColumn, options: options.drift)
        } catch {
            judgement = nil
        }
        let results = Dictionary(
            (judgement?.inputs.features ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        summary.features = features.map { f in
            var item = placeholder(f)
            guard let d = results[f.name] else { return item }
            item.psi = d.psi.flatMap { $0.isFinite ? $0 : nil }
            item.psiBand = d.psiBand.rawValue
            item.test = d.decidedBy.rawValue
            item.statistic = d.kind == .number ? d.ks?.statistic : d.chiSquare?.statistic
            item.pValue = d.pValue
            item.adjustedPValue = d.adjustedPValue
            item.effect = d.effect
            item.drifted = d.drifted
            return item
        }
        summary.alerts = summary.features.filter(\.drifted).map { f in
            Alert(
                feature: f.name, test: f.test, statistic: f.statistic, pValue: f.pValue,
                adjustedPValue: f.adjustedPValue, threshold: f.threshold,
                psi: f.psi, message: alertMessage(f))
        }
        summary.predictions = predictionSummary(
            reference: reference, classes: classes, outputs: outputs, column: predictionColumn,
            tested: judgement?.predictions, options: options)
        summary.status = summary.alerts.isEmpty ? "ok" : "alert"
        return summary
    }

    /// The window as a frame of the `columns` (positions in `features`), column by column: the
    /// same values as `JSONScalar.frame` on rows keyed by name, without a dictionary per row,
    /// with dates as days since 1970 as drift compares them (`Preprocessor.driftView`).
    /// - Complexity: O(rows × columns).
    static func frame(_ inputs: [[JSONScalar]], columns: [Int], features: [FeatureSpec]) throws -> DataFrame {
        try DataFrame(
            columns: columns.map { i in
                let feature = features[i]
                switch feature.kind {
                case .number:
                    return Column(
                        name: feature.name,
                        data: .numeric(
                            inputs.map { row in
                                guard i < row.count else { return .nan }
                                switch row[i] {
                                case .number(let d): return d
                                case .text(let s): return Double(s) ?? .nan
                                case .null: return .nan
                                }
                            }))
                case .text:
                    var levels: [String] = []
                    var index: [String: Int32] = [:]
                    let codes: [Int32] = inputs.map { row in
                        guard i < row.count else { return -1 }
                        let text: String
                        switch row[i] {
                        case .text(let s): text = s
                        case .number(let d): text = formatNumber(d)
                        case .null: return -1
                        }
                        if let c = index[text] { return c }
                        index[text] = Int32(levels.count)
                        levels.append(text)
                        return Int32(levels.count - 1)
                    }
                    let column = Column(name: feature.name, data: .categorical(codes: codes, levels: levels))
                    return feature.date?.daysColumn(column) ?? column
                }
            })
    }

    /// "bill_length_mm drifted: KS p=<0.0001 (Holm-adjusted <0.0001) ≤ 0.05, KS distance 0.48 ≥ 0.1, PSI 3.1 (significant)".
    static func alertMessage(_ f: Feature) -> String {
        let figure: String
        switch f.test {
        case "ks", "chi_square":
            let test = f.test == "ks" ? "KS" : "chi-square"
            let adjusted = f.adjustedPValue.map { " (Holm-adjusted \(formatP($0)))" } ?? ""
            let effect =
                f.effect.map {
                    ", \(f.test == "ks" ? "KS distance" : "shift in shares") \(format($0)) ≥ \(format(f.minimumEffect))"
                } ?? ""
            figure = "\(test) p=\(formatP(f.pValue))\(adjusted) ≤ \(format(f.threshold))\(effect)"
        default:
            figure = "values appeared or vanished"
        }
        return "\(f.name) drifted: \(figure), PSI \(f.psi.map(format) ?? "n/a") (\(f.psiBand))"
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        if x != 0 && abs(x) < 0.001 { return String(format: "%.2e", x) }
        return String(format: "%.4g", x)
    }

    static func formatP(_ p: Double?) -> String {
        guard let p else { return "n/a" }
        return p < 0.0001 ? "<0.0001" : String(format: "%.4f", p)
    }

    private static func traffic(_ requests: [RequestRecord], rowsScored: Int) -> Traffic {
        let errors = requests.filter { $0.status >= 400 }.count
        let latencies = requests.map(\.latencyMilliseconds).sorted()
        func q(_ p: Double) -> Double? { latencies.isEmpty ? nil : DriftStatistics.quantile(sorted: latencies, p) }
        return Traffic(
            requests: requests.count, errors: errors,
            errorRate: requests.isEmpty ? 0 : Double(errors) / Double(requests.count),
            rowsScored: rowsScored, latencyP50Ms: q(0.5), latencyP95Ms: q(0.95), latencyP99Ms: q(0.99))
    }

    /// The window's predictions as the column the out-of-fold profile is compared with: labels
    /// (text) or values (numbers), named as the profile's feature.
    static func predictionColumn(reference: BundleReference, outputs: [JSONScalar]) -> Column? {
        guard let profile = (reference.outOfFold ?? reference.predictions).features.first else { return nil }
        if profile.categorical != nil {
            let labels = outputs.map { if case .text(let s) = $0 { s } else { "" } }
            let levels = Array(Set(labels)).sorted()
            let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
            return Column(name: profile.name, data: .categorical(codes: labels.map { code[$0] ?? -1 }, levels: levels))
        }
        return Column(
            name: profile.name, data: .numeric(outputs.map { if case .number(let d) = $0 { d } else { Double.nan } }))
    }

    /// Shares or means of the window's predictions beside training's, and the test against the
    /// out-of-fold predictions (`tested`, decided with the features' family).
    private static func predictionSummary(
        reference: BundleReference, classes: [String], outputs: [JSONScalar], column: Column?,
        tested: FeatureDrift?, options: MonitorOptions
    ) -> Predictions? {
        guard let profile = reference.predictions.features.first else { return nil }
        var result = Predictions(
            classes: [], trainingMean: nil, currentMean: nil, psi: nil, drifted: false, pValue: nil, adjustedPValue: nil
        )
        if let categorical = profile.categorical {
            let labels = outputs.map { if case .text(let s) = $0 { s } else { "" } }
            let total = Double(max(labels.count, 1))
            let referenceTotal = Double(max(categorical.counts.reduce(0, +), 1))
            var counts: [String: Int] = [:]
            for l in labels { counts[l, default: 0] += 1 }
            let names = classes.isEmpty ? categorical.levels : classes
            result.classes = names.map { name in
                let training =
                    categorical.levels.firstIndex(of: name).map { Double(categorical.counts[$0]) / referenceTotal } ?? 0
                return ClassShare(label: name, training: training, current: Double(counts[name] ?? 0) / total)
            }
        } else {
            let present = outputs.compactMap { if case .number(let d) = $0, d.isFinite { d } else { nil } }
            result.currentMean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
            if let sample = profile.numeric?.sample, !sample.isEmpty {
                result.trainingMean = sample.reduce(0, +) / Double(sample.count)
            }
        }
        if let tested {
            result.psi = tested.psi.flatMap { $0.isFinite ? $0 : nil }
            result.drifted = tested.drifted
            result.pValue = tested.pValue
            result.adjustedPValue = tested.adjustedPValue
        } else if let column, let frame = try? DataFrame(columns: [column]),
            let f = try? reference.predictions.measure(frame, options: options.drift).first
        {
            // No out-of-fold profile (an older bundle): PSI against training's predictions for
            // information, no test.
            result.psi = f.psi.flatMap { $0.isFinite ? $0 : nil }
        }
        return result
    }
}

extension MonitoringSummary {
    /// What an alert command reads on stdin: one line of JSON with the alert, the model, the
    /// window and the time.
    public func alertJSON(_ alert: Alert) -> String {
        struct Payload: Encodable {
            var alert: Alert
            var model: String
            var windowRows: Int
            var time: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Payload(
            alert: alert, model: model, windowRows: windowRows, time: ISO8601DateFormatter().string(from: Date()))
        return ((try? encoder.encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}
