public import Bundles
import Learning
import Tabular

/// One scored row: what came in, what the model said, and why the answer may deserve less trust.
public struct ScoredRow: Sendable {
    /// Inputs in the model's feature order.
    public var inputs: [JSONScalar]
    /// Classification: the predicted label and each class's probability (class order).
    public var label: String?
    public var probabilities: [Double]?
    /// Regression: the predicted value.
    public var value: Double?
    public var warnings: [String]
    /// With a conformal predictor: the prediction set (classification) or the interval's two ends.
    public var set: [String]? = nil
    public var interval: [Double]? = nil
    /// The prediction's id in the prediction log, which `POST /v1/feedback` names to give its
    /// outcome; set by `ModelService` once the row is scored.
    public var id: Int64? = nil
}

/// Scores validated rows with a bundle's pipeline and writes the JSON answer.
struct ModelScorer: Sendable {
    let pipeline: PipelineModel
    let modelID: String
    let features: [FeatureSpec]
    let classes: [String]
    private let knownLevels: [Set<String>]
    /// Per feature: whether it takes numbers, and its training range.
    private let numeric: [Bool]
    private let minimum: [Double]
    private let maximum: [Double]
    private let levelIndexes: [[String: Int]]
    private let quotedClasses: [String]
    /// `{"model":"ID","predictions":[`, written once.
    private let responsePrefix: String
    /// Columns whose values warnings must not repeat (they reach the prediction log).
    private let sensitive: [Bool]

    init(pipeline: PipelineModel, modelID: String, sensitive: Set<String> = []) {
        self.pipeline = pipeline
        self.modelID = modelID
        features = pipeline.inputs
        classes = pipeline.target.classes
        knownLevels = features.map { Set($0.levels) }
        numeric = features.map { $0.kind == .number }
        minimum = features.map(\.minimum)
        maximum = features.map(\.maximum)
        levelIndexes = pipeline.preprocessor.levelIndexes()
        quotedClasses = pipeline.target.classes.map(JSONWriter.quoted)
        responsePrefix = "{\"model\":" + JSONWriter.quoted(modelID) + ",\"predictions\":["
        self.sensitive = pipeline.inputs.map { sensitive.contains($0.name) }
    }

    var isClassifier: Bool { pipeline.task == .classification }

    /// Scores `rows` (values in feature order). A row whose output is not finite (numbers so far
    /// outside training that the arithmetic overflows) is a 422 naming the row, not a 500.
    func score(_ rows: [[JSONScalar]]) throws(APIError) -> [ScoredRow] {
        // Rows go straight to the model's encoding, without building a frame: this is the
        // request path, and for one row the frame cost more than the model.
        let values = rows.map { row in
            row.map { scalar -> FeatureValue in
                switch scalar {
                case .number(let d): .number(d)
                case .text(let s): .text(s)
                case .null: .missing
                }
            }
        }
        let prediction: Prediction
        if pipeline.derivations.isEmpty {
            prediction = pipeline.calibrated(
                pipeline.fitted.model.predict(pipeline.preprocessor.transform(rows: values, levels: levelIndexes)))
        } else {
            // Derived columns are computed on a frame of the raw inputs, as in the session.
            do { prediction = try pipeline.predict(Self.frame(rows, features: features)).prediction } catch {
                throw APIError(
                    422, "the model's derived columns cannot be computed from these values", details: ["\(error)"])
            }
        }
        var scored: [ScoredRow] = []
        scored.reserveCapacity(rows.count)
        var bad: [String] = []
        for (r, row) in rows.enumerated() {
            var out = ScoredRow(inputs: row, label: nil, probabilities: nil, value: nil, warnings: warnings(row))
            switch prediction {
            case .probabilities(let p):
                var probabilities = [Double](repeating: 0, count: p.columns)
                var finite = true
                for c in 0..<p.columns {
                    let v = p[r, c]
                    if !v.isFinite { finite = false }
                    probabilities[c] = v
                }
                if !finite { bad.append(Self.rowName(r, of: rows.count)) }
                out.probabilities = probabilities
                // The model's decision rule: its threshold when it has one, else the most probable class.
                let decided = pipeline.decidedClass(probabilities)
                out.label = classes.indices.contains(decided) ? classes[decided] : ""
                if let conformal = pipeline.conformal {
                    out.set = conformal.set(probabilities).map { classes.indices.contains($0) ? classes[$0] : "" }
                }
            case .values(let v):
                if !v[r].isFinite { bad.append(Self.rowName(r, of: rows.count)) }
                out.value = v[r]
                if let conformal = pipeline.conformal {
                    let ends = conformal.interval(v[r])
                    out.interval = [ends.lower, ends.upper]
                }
            }
            scored.append(out)
        }
        guard bad.isEmpty else {
            throw APIError(
                422, "the model gives no finite prediction for these values",
                details: bad.map { "\($0): numbers far outside the training range overflow the model's arithmetic" })
        }
        return scored
    }

    /// Rows (values in `features` order) as a table: numbers as numbers, text dictionary-encoded.
    static func frame(_ rows: [[JSONScalar]], features: [FeatureSpec]) throws -> DataFrame {
        try DataFrame(
            columns: features.enumerated().map { i, feature in
                if feature.kind == .number {
                    return Column(
                        name: feature.name,
                        data: .numeric(rows.map { if case .number(let d) = $0[i] { d } else { .nan } }))
                }
                var levels: [String] = []
                var index: [String: Int32] = [:]
                let codes: [Int32] = rows.map { row in
                    guard case .text(let s) = row[i] else { return -1 }
                    if let c = index[s] { return c }
                    index[s] = Int32(levels.count)
                    levels.append(s)
                    return Int32(levels.count - 1)
                }
                return Column(name: feature.name, data: .categorical(codes: codes, levels: levels))
            })
    }

    private static func rowName(_ r: Int, of count: Int) -> String { count == 1 ? "row" : "rows[\(r)]" }

    /// Per-row warnings: a category training never saw, a number outside the training range.
    func warnings(_ row: [JSONScalar]) -> [String] {
        var out: [String] = []
        for i in features.indices {
            switch row[i] {
            case .number(let v) where numeric[i]:
                if v < minimum[i] || v > maximum[i] {
                    let f = features[i]
                    if sensitive[i] {
                        out.append("\(f.name): a value outside the training range; the model is extrapolating")
                        continue
                    }
                    out.append(
                        "\(f.name) = \(formatNumber(v)) is outside the training range \(formatNumber(f.minimum))…\(formatNumber(f.maximum)); the model is extrapolating"
                    )
                }
            case .text(let s) where features[i].date != nil:
                // A date input takes any date in its training format (not only the dates training
                // saw); another text is a missing date, as in the session.
                guard let date = features[i].date, date.parse(s) == nil else { continue }
                let f = features[i]
                if sensitive[i] {
                    out.append("\(f.name): not a date written \(date.format) as in training; treated as missing")
                    continue
                }
                out.append("\(f.name) = '\(s)' is not a date written \(date.format) as in training; treated as missing")
            case .text(let s) where !numeric[i]:
                if !knownLevels[i].contains(s) {
                    let f = features[i]
                    if sensitive[i] {
                        out.append("\(f.name): a value never seen in training; it counts as none of the known values")
                        continue
                    }
                    out.append("\(f.name) = '\(s)' was never seen in training; it counts as none of the known values")
                }
            default:
                break
            }
        }
        return out
    }

    /// `{"model": ..., "predictions": [{"id", "label", "probabilities", "warnings"} | {"id", "value", "warnings"}]}`.
    func responseBody(_ rows: [ScoredRow]) -> String {
        var w = JSONWriter()
        w.raw(responsePrefix)
        for (r, row) in rows.enumerated() {
            if r > 0 { w.raw(",") }
            if let id = row.id {
                w.raw("{\"id\":")
                w.raw(String(id))
                w.raw(",")
            } else {
                w.raw("{")
            }
            if let p = row.probabilities {
                w.raw("\"label\":")
                w.string(row.label ?? "")
                w.raw(",\"probabilities\":{")
                for c in 0..<p.count {
                    if c > 0 { w.raw(",") }
                    w.raw(quotedClasses[c])
                    w.raw(":")
                    w.number(p[c])
                }
                w.raw("}")
            } else {
                w.raw("\"value\":")
                w.number(row.value ?? 0)
            }
            if let set = row.set {
                w.raw(",\"set\":[")
                for (i, name) in set.enumerated() {
                    if i > 0 { w.raw(",") }
                    w.string(name)
                }
                w.raw("]")
            }
            if let interval = row.interval {
                w.raw(",\"interval\":[")
                w.number(interval[0])
                w.raw(",")
                w.number(interval[1])
                w.raw("]")
            }
            if let conformal = pipeline.conformal {
                w.raw(",\"coverage\":")
                w.number(conformal.coverage)
            }
            w.raw(",\"warnings\":[")
            for (i, warning) in row.warnings.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(warning)
            }
            w.raw("]}")
        }
        w.raw("]}")
        return w.text
    }
}
