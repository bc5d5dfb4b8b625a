public import Bundles
import Foundation
import Tabular
import Diagnostics

/// A CSV file of outcomes for `monitor --labels FILE key=COLUMN [truth=COLUMN]`: one row per
/// prediction whose truth is known, its prediction id (as `/v1/predict` answered it) in the key
/// column and the true class or value in the truth column. Used instead of the log's own outcomes.
public struct OutcomeFile: Sendable, Equatable {
    public var path: String
    /// The column of prediction ids.
    public var key: String
    /// The column of truths; nil: the model's target name, else `label` (a classifier) or `value`.
    public var truth: String?

    public static let defaultKey = "id"

    public init(path: String, key: String = OutcomeFile.defaultKey, truth: String? = nil) {
        self.path = path
        self.key = key
        self.truth = truth
    }

    /// `FILE [key=COLUMN] [truth=COLUMN]`, as the command line gives them.
    public init(words: [String]) throws(ServingError) {
        guard let file = words.first, !file.contains("=") || FileManager.default.fileExists(atPath: file) else {
            throw ServingError.badOption(
                "\(setting: "labels") needs a file first: \(setting: "labels", "FILE.csv") key=COLUMN [truth=COLUMN]")
        }
        self.init(path: file)
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ServingError.badOption(
                    Diagnostic(
                        "\(setting: "labels"): '\(word)' is not key=COLUMN or truth=COLUMN",
                        remedy:
                            "put the log before \(setting: "labels"): workbench monitor LOG \(setting: "labels", "FILE.csv") key=COLUMN"
                    )
                )
            }
            switch parts[0] {
            case "key": key = parts[1]
            case "truth": truth = parts[1]
            default:
                throw ServingError.badOption(
                    "\(setting: "labels"): unknown setting '\(parts[0])' (it takes key=COLUMN and truth=COLUMN)")
            }
        }
    }

    /// Prediction id → truth (text for a classifier, a number for a regressor). Rows with no
    /// truth are skipped (not known yet); everything else that does not fit is an error naming
    /// the line: an id that is not a whole number from 1, a class the model does not have, text
    /// for a regressor, one id with two different truths.
    /// - Parameters:
    ///   - classes: the model's classes; empty for a regressor.
    ///   - target: the model's target name, the truth column by default.
    public func outcomes(classes: [String], target: String) throws(ServingError) -> [Int64: JSONScalar] {
        let frame: DataFrame
        do { frame = try CSVReader.read(path: path) } catch {
            throw ServingError.labels(path: path, reason: "\(error)")
        }
        let columns = frame.columnNames
        guard let ids = frame.column(named: key) else {
            throw ServingError.labels(
                path: path,
                reason:
                    Diagnostic(
                        "no column '\(key)' of prediction ids (its columns: \(columns.joined(separator: ", ")))",
                        remedy: "name it with key=COLUMN")
            )
        }
        let fallback = classes.isEmpty ? "value" : "label"
        let truthName = truth ?? (columns.contains(target) ? target : fallback)
        guard let truths = frame.column(named: truthName) else {
            throw ServingError.labels(
                path: path,
                reason:
                    Diagnostic(
                        "no column '\(truthName)' of outcomes (its columns: \(columns.joined(separator: ", ")))",
                        remedy: "name it with truth=COLUMN")
            )
        }
        guard case .numeric(let idValues) = ids.data else {
            throw ServingError.labels(
                path: path,
                reason: "column '\(key)' holds text, not prediction ids (whole numbers, as /v1/predict answered them)")
        }
        let known = Set(classes)
        var out: [Int64: JSONScalar] = [:]
        for row in 0..<frame.rowCount {
            // The header is line 1.
            let line = row + 2
            let raw = idValues[row]
            guard raw.isFinite, raw >= 1, raw <= FeedbackRequest.largestID, raw == raw.rounded() else {
                if raw.isNaN {
                    throw ServingError.labels(path: path, reason: "line \(line): no prediction id in column '\(key)'")
                }
                throw ServingError.labels(
                    path: path,
                    reason:
                        "line \(line): '\(formatNumber(raw))' in column '\(key)' is not a prediction id (a whole number from 1)"
                )
            }
            let id = Int64(raw)
            let value: JSONScalar
            if classes.isEmpty {
                guard case .numeric(let v) = truths.data else {
                    throw ServingError.labels(
                        path: path,
                        reason: "column '\(truthName)' holds text; the model is a regressor and needs numbers")
                }
                guard v[row].isFinite else {
                    if v[row].isNaN { continue }
                    throw ServingError.labels(
                        path: path, reason: "line \(line): '\(v[row])' in column '\(truthName)' is not a finite number")
                }
                value = .number(v[row])
            } else {
                guard let text = truths.text(at: row) else { continue }
                guard known.contains(text) else {
                    let list = classes.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
                    throw ServingError.labels(
                        path: path,
                        reason:
                            "line \(line): '\(text.prefix(40))' in column '\(truthName)' is not one of the model's classes (\(list))"
                    )
                }
                value = .text(text)
            }
            if let earlier = out[id], earlier != value {
                throw ServingError.labels(
                    path: path, reason: "line \(line): prediction \(id) has two different outcomes in the file")
            }
            out[id] = value
        }
        return out
    }
}
