import Bundles
import Foundation
import Learning
import Tabular

/// A bundle's `reference.json`: drift profiles of the training inputs and of the model's
/// predictions on its training rows.
public struct BundleReference: Codable, Sendable {
    public var rows: Int
    public var inputs: ReferenceProfile
    public var predictions: ReferenceProfile

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
    /// The same rule and thresholds as `validate`: KS / chi-square with Bonferroni for small
    /// references, Wasserstein / Jensen–Shannon for large ones.
    public var drift: DriftOptions = {
        var o = DriftOptions()
        o.correction = .bonferroni
        return o
    }()

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
        public var kind: String
        public var psi: Double?
        public var psiBand: String
        /// The statistic that decides, as `validate` chooses it: ks, chi_square, wasserstein, jensen_shannon.
        public var test: String
        public var statistic: Double?
        public var pValue: Double?
        /// Drift when the p-value is below (tests) or the distance reaches (distances) this.
        public var threshold: Double
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
        public var drifted: Bool
    }

    public struct Alert: Codable, Sendable, Equatable {
        public var feature: String
        public var test: String
        public var statistic: Double?
        public var pValue: Double?
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

    /// Computes the summary of a window of scored rows.
    /// - Parameters:
    ///   - inputs: rows in `features` order, oldest first.
    ///   - outputs: the predicted label (text) or value (number) of each row.
    ///   - redacted: features whose values are hashes (from a log), left out of the comparison.
    /// - Complexity: O(n log n) per numeric feature for the window of n rows.
    public static func compute(
        model: String, reference: BundleReference, features: [FeatureSpec], classes: [String], inputs: [[JSONScalar]],
        outputs: [JSONScalar], requests: [RequestRecord], rowsScored: Int, options: MonitorOptions, redacted: Set<String> = []
    ) -> MonitoringSummary {
        let traffic = Self.traffic(requests, rowsScored: rowsScored)
        var summary = MonitoringSummary(model: model, windowCapacity: options.window, windowRows: inputs.count, status: "collecting",
                                        traffic: traffic, features: [], predictions: nil, alerts: [])
        let profiled = Set(reference.inputs.features.map(\.name))
        // Names are looked up in sets and dictionaries below, never in lists: a model may have ten
        // thousand features, and lookups in lists made this quadratic in them.
        let compared = features.filter { !redacted.contains($0.name) && profiled.contains($0.name) }
        let small = reference.inputs.rowCount <= options.drift.smallReferenceRows
        var featureOptions = options.drift
        if small && featureOptions.correction == .bonferroni && !compared.isEmpty {
            featureOptions.pValueThreshold /= Double(compared.count)
        }
        // Not judged yet: report the features with no figures.
        func placeholder(_ f: FeatureSpec) -> Feature {
            let test = small ? (f.kind == .number ? "ks" : "chi_square") : (f.kind == .number ? "wasserstein" : "jensen_shannon")
            let threshold = small ? featureOptions.pValueThreshold : (f.kind == .number ? options.drift.wassersteinThreshold : options.drift.jensenShannonThreshold)
            return Feature(name: f.name, kind: f.kind == .number ? "number" : "text", psi: nil, psiBand: "unknown", test: test, statistic: nil,
                           pValue: nil, threshold: threshold, drifted: false, redacted: redacted.contains(f.name))
        }
        guard inputs.count >= options.minimumRows, !inputs.isEmpty else {
            summary.features = features.map(placeholder)
            return summary
        }
        var drifts: [FeatureDrift]? = []
        do {
            var profile = reference.inputs
            let comparedNames = Set(compared.map(\.name))
            profile.features = profile.features.filter { comparedNames.contains($0.name) }
            // `ReferenceProfile.compare` finds each column by name in the frame, quadratic in the
            // features (seconds at ten thousand): compared in blocks of 256 instead. The blocks
            // get the whole set's Bonferroni threshold, divided here as `compare` would divide it.
            var blockOptions = options.drift
            if small && blockOptions.correction == .bonferroni && !profile.features.isEmpty {
                blockOptions.pValueThreshold = options.drift.pValueThreshold / Double(profile.features.count)
            }
            blockOptions.correction = .none
            let position = Dictionary(features.indices.map { (features[$0].name, $0) }, uniquingKeysWith: { a, _ in a })
            for start in stride(from: 0, to: profile.features.count, by: 256) {
                var block = profile
                block.features = Array(profile.features[start..<min(start + 256, profile.features.count)])
                let frame = try Self.frame(inputs, columns: block.features.compactMap { position[$0.name] }, features: features)
                drifts?.append(contentsOf: try block.compare(frame, options: blockOptions).features)
            }
        } catch {
            drifts = nil
        }
        let results = Dictionary((drifts ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        summary.features = features.map { f in
            var item = placeholder(f)
            guard let d = results[f.name] else { return item }
            item.psi = d.psi.flatMap { $0.isFinite ? $0 : nil }
            item.psiBand = d.psiBand.rawValue
            item.test = d.decidedBy.rawValue
            switch d.decidedBy {
            case .kolmogorovSmirnov: item.statistic = d.ks?.statistic; item.pValue = d.ks?.pValue
            case .chiSquare: item.statistic = d.chiSquare?.statistic; item.pValue = d.chiSquare?.pValue
            case .wasserstein: item.statistic = d.wasserstein?.normalized
            case .jensenShannon: item.statistic = d.jensenShannon
            case .noValues: break
            }
            item.drifted = d.drifted
            return item
        }
        summary.alerts = summary.features.filter(\.drifted).map { f in
            Alert(feature: f.name, test: f.test, statistic: f.statistic, pValue: f.pValue, threshold: f.threshold, psi: f.psi, message: alertMessage(f))
        }
        summary.predictions = predictionSummary(reference: reference, classes: classes, outputs: outputs, options: options)
        summary.status = summary.alerts.isEmpty ? "ok" : "alert"
        return summary
    }

    /// The window as a frame of the `columns` (positions in `features`), column by column: the
    /// same values as `JSONScalar.frame` on rows keyed by name, without a dictionary per row.
    /// - Complexity: O(rows × columns).
    static func frame(_ inputs: [[JSONScalar]], columns: [Int], features: [FeatureSpec]) throws -> DataFrame {
        try DataFrame(columns: columns.map { i in
            let feature = features[i]
            switch feature.kind {
            case .number:
                return Column(name: feature.name, data: .numeric(inputs.map { row in
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
                return Column(name: feature.name, data: .categorical(codes: codes, levels: levels))
            }
        })
    }

    static func alertMessage(_ f: Feature) -> String {
        let figure: String
        switch f.test {
        case "ks", "chi_square":
            figure = "\(f.test == "ks" ? "KS" : "chi-square") p=\(formatP(f.pValue)) < \(format(f.threshold))" + (f.statistic.map { " (statistic \(format($0)))" } ?? "")
        case "wasserstein", "jensen_shannon":
            figure = "\(f.test == "wasserstein" ? "normalised Wasserstein" : "Jensen-Shannon") \(f.statistic.map(format) ?? "n/a") ≥ \(format(f.threshold))"
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
        return Traffic(requests: requests.count, errors: errors, errorRate: requests.isEmpty ? 0 : Double(errors) / Double(requests.count),
                       rowsScored: rowsScored, latencyP50Ms: q(0.5), latencyP95Ms: q(0.95), latencyP99Ms: q(0.99))
    }

    private static func predictionSummary(reference: BundleReference, classes: [String], outputs: [JSONScalar], options: MonitorOptions) -> Predictions? {
        guard let profile = reference.predictions.features.first else { return nil }
        let column: Column
        var result = Predictions(classes: [], trainingMean: nil, currentMean: nil, psi: nil, drifted: false)
        if let categorical = profile.categorical {
            let labels = outputs.map { if case .text(let s) = $0 { s } else { "" } }
            let total = Double(max(labels.count, 1))
            let referenceTotal = Double(max(categorical.counts.reduce(0, +), 1))
            var counts: [String: Int] = [:]
            for l in labels { counts[l, default: 0] += 1 }
            let names = classes.isEmpty ? categorical.levels : classes
            result.classes = names.map { name in
                let training = categorical.levels.firstIndex(of: name).map { Double(categorical.counts[$0]) / referenceTotal } ?? 0
                return ClassShare(label: name, training: training, current: Double(counts[name] ?? 0) / total)
            }
            let levels = Array(Set(labels)).sorted()
            let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
            column = Column(name: profile.name, data: .categorical(codes: labels.map { code[$0] ?? -1 }, levels: levels))
        } else {
            let values = outputs.map { if case .number(let d) = $0 { d } else { Double.nan } }
            let present = values.filter(\.isFinite)
            result.currentMean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
            if let sample = profile.numeric?.sample, !sample.isEmpty { result.trainingMean = sample.reduce(0, +) / Double(sample.count) }
            column = Column(name: profile.name, data: .numeric(values))
        }
        if let frame = try? DataFrame(columns: [column]), let drift = try? reference.predictions.compare(frame, options: options.drift), let f = drift.features.first {
            result.psi = f.psi.flatMap { $0.isFinite ? $0 : nil }
            result.drifted = f.drifted
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
        let payload = Payload(alert: alert, model: model, windowRows: windowRows, time: ISO8601DateFormatter().string(from: Date()))
        return ((try? encoder.encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}
