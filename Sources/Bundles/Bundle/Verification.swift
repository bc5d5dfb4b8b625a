import Foundation
import Learning
import Tabular

/// `verification.json`: input rows with the exact outputs the model gave at export, so a bundle
/// can prove wherever it lands that it still computes the same thing (like PMML's ModelVerification).
public struct VerificationSet: Codable, Sendable, Equatable {
    /// One input row: column → number, text, or null for missing.
    public var rows: [[String: JSONScalar]]
    /// Per row: class probabilities (classification) or the single predicted value (regression).
    public var outputs: [[Double]]

    /// How far a re-scored output may drift: libm differences across CPUs reach the last few bits.
    public static let tolerance = 1e-9

    /// Up to `count` rows spread evenly over `frame`, scored by `pipeline`.
    public init(pipeline: PipelineModel, frame: DataFrame, count: Int = 32) throws {
        let n = frame.rowCount
        let picked = n <= count ? Array(0..<n) : (0..<count).map { $0 * n / count }
        let sample = frame.selectingRows(picked)
        rows = (0..<sample.rowCount).map { r in
            var row: [String: JSONScalar] = [:]
            for feature in pipeline.preprocessor.features {
                guard let column = sample.column(named: feature.name) else { continue }
                row[feature.name] = JSONScalar(column: column, row: r)
            }
            return row
        }
        outputs = try VerificationSet.score(pipeline, rows: rows)
    }

    /// Re-scores the rows; nil if every output matches, else the first difference.
    public func check(_ pipeline: PipelineModel) throws -> (row: Int, detail: String)? {
        let now = try VerificationSet.score(pipeline, rows: rows)
        guard now.count == outputs.count else { return (0, "\(now.count) outputs instead of \(outputs.count)") }
        for (r, (expected, actual)) in zip(outputs, now).enumerated() {
            guard expected.count == actual.count else { return (r + 1, "\(actual.count) values instead of \(expected.count)") }
            for (e, a) in zip(expected, actual) where !(abs(e - a) <= VerificationSet.tolerance || (e.isNaN && a.isNaN)) {
                return (r + 1, "expected \(e), got \(a)")
            }
        }
        return nil
    }

    static func score(_ pipeline: PipelineModel, rows: [[String: JSONScalar]]) throws -> [[Double]] {
        let frame = try JSONScalar.frame(rows: rows, features: pipeline.preprocessor.features)
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
        if c.decodeNil() { self = .null }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .text(try c.decode(String.self)) }
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
        try DataFrame(columns: features.map { feature in
            switch feature.kind {
            case .number:
                return Column(name: feature.name, data: .numeric(rows.map { row in
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
