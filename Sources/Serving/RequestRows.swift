import Bundles
import Foundation
import Learning
import Tabular

/// Turns a `POST /v1/predict` body into rows of the model's inputs, or says precisely what is
/// wrong with it: malformed JSON (400), or each missing, unknown and wrongly typed field (422).
struct RequestRows: Sendable {
    /// Most field problems listed in one answer.
    static let maximumDetails = 50

    let features: [FeatureSpec]
    /// Most rows in one request; also the most items any array in the body may hold, so the
    /// parse stops there instead of building a huge tree first.
    let maximumRows: Int
    private let featureIndex: [String: Int]
    /// For the one-row fast path: each feature's name as UTF-8, and whether it takes numbers.
    private let featureNames: [[UInt8]]
    private let numeric: [Bool]

    init(features: [FeatureSpec], maximumRows: Int = ServeOptions.defaultMaximumRows) {
        self.features = features
        self.maximumRows = maximumRows
        featureNames = features.map { Array($0.name.utf8) }
        numeric = features.map { $0.kind == .number }
        var index: [String: Int] = [:]
        for (i, f) in features.enumerated() { index[f.name] = i }
        featureIndex = index
    }

    /// The rows of `body`: a JSON object (one row) or `{"rows": [...]}` (a batch).
    func parse(_ body: Data) throws(APIError) -> [[JSONScalar]] {
        // Most requests are one valid row or a batch of them: read them straight into the inputs.
        // Anything else takes the full parse, which accepts the same rows and explains what it
        // refuses.
        if let row = flatRow(body) { return [row] }
        if let rows = flatRows(body) { return rows }
        return try parseFully(body)
    }

    /// The batch fast path alone (see `JSONParser.flatRows`): nil when the body is not
    /// `{"rows": [...]}` of valid flat rows written plainly, or a feature is named `rows` (then
    /// such a body is one row).
    func flatRows(_ body: Data) -> [[JSONScalar]]? {
        guard !features.isEmpty, featureIndex["rows"] == nil else { return nil }
        return body.withUnsafeBytes {
            JSONParser.flatRows($0, names: featureNames, numeric: numeric, limit: maximumRows)
        }
    }

    /// The one-row fast path alone (see `JSONParser.flatRow`): nil when the body is not one valid
    /// flat row written plainly.
    func flatRow(_ body: Data) -> [JSONScalar]? {
        guard !features.isEmpty else { return nil }
        return body.withUnsafeBytes { JSONParser.flatRow($0, names: featureNames, numeric: numeric) }
    }

    /// The full parse: any body, with every problem reported.
    func parseFully(_ body: Data) throws(APIError) -> [[JSONScalar]] {
        let value: JSONValue
        do { value = try JSONParser.parse(body, maximumArrayItems: maximumRows) } catch {
            if error.overLimit { throw APIError.tooManyRows(maximumRows) }
            throw APIError.malformedJSON(error.description)
        }
        guard case .object(let object) = value else {
            throw APIError.invalidFields([
                "body: expected a JSON object (one row) or {\"rows\": [...]}, found \(value.typeName)"
            ])
        }
        var details = Details()
        var rows: [[JSONScalar]] = []
        if object["rows"] != nil && featureIndex["rows"] == nil {
            for key in object.keys.sorted() where key != "rows" {
                details.append("\(key): unknown field (a batch is {\"rows\": [...]} and nothing else)")
            }
            guard case .array(let items)? = object["rows"], !items.isEmpty else {
                throw APIError.invalidFields(
                    details.shown + [
                        "rows: expected a non-empty array of row objects, found \(object["rows"].map(Self.describeEmpty) ?? "nothing")"
                    ])
            }
            guard items.count <= maximumRows else { throw APIError.tooManyRows(maximumRows) }
            rows.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard case .object(let row) = item else {
                    details.append("rows[\(i)]: expected a row object, found \(item.typeName)")
                    continue
                }
                rows.append(check(row, prefix: "rows[\(i)].", details: &details))
            }
        } else {
            rows.append(check(object, prefix: "", details: &details))
        }
        guard details.isEmpty else {
            throw APIError.invalidFields(details.shown)
        }
        return rows
    }

    /// The row's values in feature order; problems are appended to `details`.
    private func check(_ row: [String: JSONValue], prefix: String, details: inout Details) -> [JSONScalar] {
        // Sorted only when there is something to report (this runs on every request).
        var unknown: [String] = []
        for key in row.keys where featureIndex[key] == nil { unknown.append(key) }
        for key in unknown.sorted() { details.append("\(prefix)\(key): unknown field") }
        var values: [JSONScalar] = []
        values.reserveCapacity(features.count)
        for feature in features {
            guard let value = row[feature.name] else {
                details.append("\(prefix)\(feature.name): missing (send null for a missing value)")
                values.append(.null)
                continue
            }
            switch (feature.kind, value) {
            case (_, .null):
                values.append(.null)
            case (.number, .number(let d)):
                if let problem = JSONScalar.numberProblem(d) {
                    details.append("\(prefix)\(feature.name): \(problem)")
                    values.append(.null)
                    continue
                }
                values.append(.number(d))
            case (.text, .string(let s)):
                values.append(.text(s))
            case (.number, _):
                details.append("\(prefix)\(feature.name): expected a number or null, found \(value.typeName)")
                values.append(.null)
            case (.text, _):
                details.append("\(prefix)\(feature.name): expected a string or null, found \(value.typeName)")
                values.append(.null)
            }
        }
        return values
    }

    /// Problems found, of which only the first `maximumDetails` are kept: a batch of empty rows
    /// has a problem per feature per row, and holding them all cost more memory than the body.
    struct Details {
        private(set) var kept: [String] = []
        private(set) var count = 0

        var isEmpty: Bool { count == 0 }

        mutating func append(_ detail: @autoclosure () -> String) {
            count += 1
            if kept.count < RequestRows.maximumDetails { kept.append(detail()) }
        }

        var shown: [String] { kept + (count > kept.count ? ["… and \(count - kept.count) more"] : []) }
    }

    private static func describeEmpty(_ value: JSONValue) -> String {
        if case .array(let a) = value, a.isEmpty { return "an empty array" }
        return value.typeName
    }
}
