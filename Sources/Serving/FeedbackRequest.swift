import Foundation
import Tabular
import Diagnostics

/// Turns a `POST /v1/feedback` body into outcomes, or says precisely what is wrong with it:
/// malformed JSON (400), more outcomes than `--max-rows` (413), or each outcome whose id, label or
/// value does not fit the model (422). One outcome is `{"id": 17, "label": "Adelie"}` (a
/// classifier) or `{"id": 17, "value": 3.2}` (a regressor); many are `{"outcomes": [...]}`.
struct FeedbackRequest: Sendable {
    /// The model's classes; empty for a regressor.
    let classes: [String]
    /// Most outcomes in one request (the server's `--max-rows`).
    let maximumOutcomes: Int
    private let classSet: Set<String>

    /// Ids are whole numbers JSON carries exactly (below 2^53).
    static let largestID = 9_007_199_254_740_991.0

    init(classes: [String], maximumOutcomes: Int) {
        self.classes = classes
        self.maximumOutcomes = maximumOutcomes
        classSet = Set(classes)
    }

    /// The outcomes of `body`, each id once (an outcome repeated alike counts once).
    func parse(_ body: Data) throws(APIError) -> [Outcome] {
        let value: JSONValue
        do { value = try JSONParser.parse(body, maximumArrayItems: maximumOutcomes) } catch {
            if error.overLimit { throw Self.tooMany(maximumOutcomes) }
            throw APIError.malformedJSON(error.description)
        }
        guard case .object(let object) = value else {
            throw Self.invalid([
                "body: expected {\"id\": …, \(field): …} or {\"outcomes\": [...]}, found \(value.typeName)"
            ])
        }
        var details = RequestRows.Details()
        var outcomes: [Outcome] = []
        if let items = object["outcomes"] {
            for key in object.keys.sorted() where key != "outcomes" {
                details.append("\(key): unknown field (many outcomes are {\"outcomes\": [...]} and nothing else)")
            }
            guard case .array(let array) = items, !array.isEmpty else {
                throw Self.invalid(
                    details.shown + [
                        "outcomes: expected a non-empty array of {\"id\": …, \(field): …}, found \(items.typeName)"
                    ])
            }
            guard array.count <= maximumOutcomes else { throw Self.tooMany(maximumOutcomes) }
            for (i, item) in array.enumerated() {
                guard case .object(let fields) = item else {
                    details.append(
                        "outcomes[\(i)]: expected an object {\"id\": …, \(field): …}, found \(item.typeName)")
                    continue
                }
                if let outcome = check(fields, prefix: "outcomes[\(i)].", details: &details) {
                    outcomes.append(outcome)
                }
            }
        } else if let outcome = check(object, prefix: "", details: &details) {
            outcomes.append(outcome)
        }
        // The same id twice: once if alike, refused if not.
        var seen: [Int64: Outcome] = [:]
        var distinct: [Outcome] = []
        for outcome in outcomes {
            if let earlier = seen[outcome.id] {
                if earlier != outcome {
                    details.append(
                        "id \(outcome.id): two different outcomes in one request (\(earlier.described), \(outcome.described))"
                    )
                }
                continue
            }
            seen[outcome.id] = outcome
            distinct.append(outcome)
        }
        guard details.isEmpty else { throw Self.invalid(details.shown) }
        return distinct
    }

    /// `"label"` for a classifier, `"value"` for a regressor.
    private var field: String { classes.isEmpty ? "\"value\"" : "\"label\"" }

    private func check(_ fields: [String: JSONValue], prefix: String, details: inout RequestRows.Details) -> Outcome? {
        var ok = true
        for key in fields.keys.sorted() where !["id", "label", "value"].contains(key) {
            details.append("\(prefix)\(key): unknown field (an outcome is {\"id\": …, \(field): …})")
            ok = false
        }
        var id: Int64?
        switch fields["id"] {
        case .number(let d)? where d >= 1 && d <= Self.largestID && d == d.rounded():
            id = Int64(d)
        case let other?:
            details.append(
                "\(prefix)id: expected a prediction id (a whole number from 1, as /v1/predict answered it), found \(Self.describe(other))"
            )
        case nil:
            details.append("\(prefix)id: missing (the id /v1/predict gave the prediction)")
        }
        var outcome = Outcome(id: id ?? 0)
        if classes.isEmpty {
            if fields["label"] != nil {
                details.append("\(prefix)label: the model is a regressor: send the true value as \"value\"")
                ok = false
            }
            switch fields["value"] {
            case .number(let d)? where d.isFinite: outcome.value = d
            case let other?:
                details.append("\(prefix)value: expected a finite number, found \(Self.describe(other))")
                ok = false
            case nil where fields["label"] == nil:
                details.append("\(prefix)value: missing (the true value)")
                ok = false
            case nil: break
            }
        } else {
            if fields["value"] != nil {
                details.append("\(prefix)value: the model is a classifier: send the true class as \"label\"")
                ok = false
            }
            switch fields["label"] {
            case .string(let s)? where classSet.contains(s): outcome.label = s
            case .string(let s)?:
                details.append("\(prefix)label: '\(s.prefix(40))' is not one of the model's classes (\(classList))")
                ok = false
            case let other?:
                details.append(
                    "\(prefix)label: expected one of the classes as a string (\(classList)), found \(Self.describe(other))"
                )
                ok = false
            case nil where fields["value"] == nil:
                details.append("\(prefix)label: missing (the true class: \(classList))")
                ok = false
            case nil: break
            }
        }
        guard ok, id != nil else { return nil }
        return outcome
    }

    /// The classes, quoted, the first 20.
    private var classList: String {
        classes.prefix(20).map { JSONWriter.quoted($0) }.joined(separator: ", ")
            + (classes.count > 20 ? ", … (\(classes.count) in all)" : "")
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let d): "the number \(formatNumber(d))"
        case .string(let s): "the string " + JSONWriter.quoted(String(s.prefix(40)))
        default: value.typeName
        }
    }

    static func invalid(_ details: [String]) -> APIError {
        APIError(422, "the outcomes do not match the model", details: details)
    }

    static func tooMany(_ limit: Int) -> APIError {
        APIError(
            413,
            Diagnostic(
                "the request has more than \(limit) outcomes",
                remedy: "send at most \(limit) outcomes per request (the server's \(setting: "max_rows"))"))
    }
}
