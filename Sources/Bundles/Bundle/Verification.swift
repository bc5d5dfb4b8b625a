import Foundation
public import Learning
public import Tabular
public import Diagnostics

/// `verification.json`: input rows with the exact outputs the model gave at export, so a bundle
/// can prove wherever it lands that it still computes the same thing (like PMML's ModelVerification).
public struct VerificationSet: Codable, Sendable, Equatable {
    /// One input row: column → number, text, or null for missing.
    public var rows: [[String: JSONScalar]]
    /// Per row: class probabilities (classification) or the single predicted value (regression).
    public var outputs: [[Double]]
    /// Per row, its class in the training data (classification; null where it was missing), so a
    /// reader can see that every class's output was re-scored. Empty for regression.
    public var labels: [String?]

    /// How far a re-scored output may drift: libm differences across CPUs reach the last few bits.
    public static let tolerance = 1e-9
    /// The fewest rows a regression bundle's verification set may hold (a classifier's needs one
    /// row of each class).
    public static let minimumRegressionRows = 8

    /// Up to `count` rows spread evenly over `frame`, plus a row of each class none of them has
    /// (classification), repeated up to `minimumRegressionRows` when the frame is smaller; scored
    /// by `pipeline`. Throws when the frame lacks a class, so no bundle is written that its reader
    /// would refuse.
    public init(pipeline: PipelineModel, frame: DataFrame, count: Int = 32) throws {
        let n = frame.rowCount
        guard n > 0 else { throw VerificationError.noRows }
        var picked = n <= count ? Array(0..<n) : (0..<count).map { $0 * n / count }
        var labels: [String?] = []
        if pipeline.task == .classification {
            guard let target = frame.column(named: pipeline.target.name) else {
                throw VerificationError.noTargetColumn(pipeline.target.name)
            }
            var seen = Set(picked.compactMap { target.text(at: $0) })
            for label in pipeline.target.classes where !seen.contains(label) {
                guard let row = (0..<n).first(where: { target.text(at: $0) == label }) else {
                    throw VerificationError.classWithoutRows(label)
                }
                picked.append(row)
                seen.insert(label)
            }
            labels = picked.map { target.text(at: $0) }
        } else {
            var r = 0
            while picked.count < Self.minimumRegressionRows {
                picked.append(r % n)
                r += 1
            }
        }
        let sample = frame.selectingRows(picked)
        rows = (0..<sample.rowCount).map { r in
            var row: [String: JSONScalar] = [:]
            for feature in pipeline.inputs {
                guard let column = sample.column(named: feature.name) else { continue }
                row[feature.name] = JSONScalar(column: column, row: r)
            }
            return row
        }
        self.labels = labels
        outputs = try VerificationSet.score(pipeline, rows: rows)
    }

    private enum CodingKeys: String, CodingKey { case rows, outputs, labels }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rows = try container.decode([[String: JSONScalar]].self, forKey: .rows)
        outputs = try container.decode([[Double]].self, forKey: .outputs)
        labels = try container.decodeIfPresent([String?].self, forKey: .labels) ?? []
    }

    /// Why this set cannot vouch for `pipeline`, or nil: it must hold rows, one output of the
    /// model's width per row, and one row of each class (classification) or at least
    /// `minimumRegressionRows` rows (regression).
    public func coverageProblem(for pipeline: PipelineModel) -> String? {
        guard !rows.isEmpty else { return "it holds no rows, so the model was never run before use" }
        guard outputs.count == rows.count else { return "\(outputs.count) outputs for \(rows.count) rows" }
        let width = pipeline.task == .classification ? pipeline.target.classes.count : 1
        if let r = outputs.firstIndex(where: { $0.count != width }) {
            return "row \(r + 1) has \(outputs[r].count) outputs, the model gives \(width)"
        }
        switch pipeline.task {
        case .classification:
            guard !labels.isEmpty else {
                return
                    "it records no class for its rows (an export before this check?); a classifier's set needs a row of each class"
            }
            guard labels.count == rows.count else {
                return "\(labels.count) labels for \(rows.count) rows; each row needs its class"
            }
            let present = Set(labels.compactMap { $0 })
            if let absent = pipeline.target.classes.first(where: { !present.contains($0) }) {
                return "no row of class '\(absent)'; a classifier's set needs a row of each class"
            }
        case .regression:
            guard rows.count >= Self.minimumRegressionRows else {
                return "\(rows.count) rows; a regression model's set needs at least \(Self.minimumRegressionRows)"
            }
        }
        return nil
    }

    /// Re-scores the rows; nil if every output matches, else the first difference.
    public func check(_ pipeline: PipelineModel) throws -> (row: Int, detail: String)? {
        let now = try VerificationSet.score(pipeline, rows: rows)
        guard now.count == outputs.count else { return (0, "\(now.count) outputs instead of \(outputs.count)") }
        for (r, (expected, actual)) in zip(outputs, now).enumerated() {
            guard expected.count == actual.count else {
                return (r + 1, "\(actual.count) values instead of \(expected.count)")
            }
            for (e, a) in zip(expected, actual) where !(abs(e - a) <= VerificationSet.tolerance || (e.isNaN && a.isNaN))
            {
                return (r + 1, "expected \(e), got \(a)")
            }
        }
        return nil
    }

    static func score(_ pipeline: PipelineModel, rows: [[String: JSONScalar]]) throws -> [[Double]] {
        let frame = try JSONScalar.frame(rows: rows, features: pipeline.inputs)
        switch try pipeline.predict(frame).prediction {
        case .probabilities(let p): return (0..<p.rows).map { p.row($0) }
        case .values(let v): return v.map { [$0] }
        }
    }
}

/// A JSON number, string or null: one cell of an input row.
public enum JSONScalar: Codable, Sendable, Equatable {
    case number(Double)
    case text(String)
    case null

    /// The number rule every scoring path applies (`serve` answers 422, `predict` fails the row):
    /// a numeric input is finite. `1e999` reads as infinity and would reach the model otherwise.
    /// - Returns: what is wrong, or nil.
    public static func numberProblem(_ value: Double) -> String? {
        value.isFinite ? nil : "expected a finite number"
    }

    init(column: Column, row: Int) {
        switch column.data {
        case .numeric(let v): self = v[row].isNaN ? .null : .number(v[row])
        case .categorical: self = column.text(at: row).map(JSONScalar.text) ?? .null
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }

    /// A frame with one column per feature from JSON rows; absent keys are missing.
    public static func frame(rows: [[String: JSONScalar]], features: [FeatureSpec]) throws -> DataFrame {
        try DataFrame(
            columns: features.map { feature in
                switch feature.kind {
                case .number:
                    return Column(
                        name: feature.name,
                        data: .numeric(
                            rows.map { row in
                                switch row[feature.name] {
                                case .number(let d)?: d
                                case .text(let s)?: Double(s) ?? .nan
                                default: .nan
                                }
                            }))
                case .text:
                    var levels: [String] = []
                    var index: [String: Int32] = [:]
                    let codes: [Int32] = rows.map { row in
                        let text: String
                        switch row[feature.name] {
                        case .text(let s)?: text = s
                        case .number(let d)?: text = formatNumber(d)
                        default: return -1
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
}

/// Why a verification set could not be made from the rows given.
public enum VerificationError: Error, Sendable, Equatable, UserFacingError {
    case noRows
    case noTargetColumn(String)
    case classWithoutRows(String)

    public var diagnostic: Diagnostic {
        switch self {
        case .noRows: "there are no rows to take verification rows from"
        case .noTargetColumn(let name): "the rows for verification lack the target column '\(name)'"
        case .classWithoutRows(let label):
            Diagnostic(
                "no row of class '\(label)' to verify the bundle with",
                remedy: "export from the data the model was trained on")
        }
    }
}
