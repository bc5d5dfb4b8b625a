import Foundation
import GRDB
public import Bundles
import Tabular

/// One served row with what the champion answered and what the challenger predicted in its shadow.
public struct PairedPrediction: Sendable, Equatable {
    public var id: Int64
    /// The model that answered, and its prediction (a label or a value).
    public var answeredBy: String
    public var answered: JSONScalar
    /// The model scored in the shadow, and its prediction; nil when the row has no challenger
    /// prediction (dropped when the challenger fell behind, or served without one).
    public var shadowModel: String?
    public var shadowed: JSONScalar?
    /// Why the challenger gave no prediction (scoring failed).
    public var shadowError: String?
    public var truth: JSONScalar?

    public init(
        id: Int64, answeredBy: String, answered: JSONScalar, shadowModel: String? = nil, shadowed: JSONScalar? = nil,
        shadowError: String? = nil, truth: JSONScalar? = nil
    ) {
        self.id = id
        self.answeredBy = answeredBy
        self.answered = answered
        self.shadowModel = shadowModel
        self.shadowed = shadowed
        self.shadowError = shadowError
        self.truth = truth
    }
}

extension PredictionLogReader {
    /// Whether the log has the champion-and-challenger table (written by `serve --shadow` since
    /// that existed).
    public func hasShadow() throws -> Bool {
        do {
            return try queue.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shadow')")
                    ?? false
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// The last `limit` predictions, oldest first, each with the challenger's prediction for the
    /// same row (when logged) and its outcome (from `labels` when given, else the log's); nil when
    /// the log has no challenger at all (never served with `--shadow`).
    /// - Complexity: O(limit) rows read.
    public func pairedWindow(rows limit: Int, labels: [Int64: JSONScalar]? = nil, since: Double? = nil) throws
        -> [PairedPrediction]?
    {
        try PredictionLogs.checkWindow(limit)
        guard try hasShadow() else { return nil }
        let outcomes = labels == nil ? try hasOutcomes() : false
        do {
            return try queue.read { db -> [PairedPrediction]? in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM shadow)") == true || shadowModelID != nil
                else { return nil }
                let fallback = modelID
                let filter = since == nil ? "" : "WHERE CAST(time AS REAL) >= ?"
                let sql = """
                    SELECT CAST(p.id AS INTEGER), CAST(p.model AS TEXT), CAST(p.label AS TEXT), CAST(p.value AS REAL),
                           CAST(s.model AS TEXT), CAST(s.label AS TEXT), CAST(s.value AS REAL), CAST(s.error AS TEXT),
                           \(outcomes ? "CAST(o.label AS TEXT), CAST(o.value AS REAL)" : "NULL, NULL")
                    FROM (SELECT id, model, label, value FROM predictions \(filter) ORDER BY id DESC LIMIT ?) p
                    LEFT JOIN shadow s ON s.prediction_id = p.id
                    \(outcomes ? "LEFT JOIN outcomes o ON o.prediction_id = p.id" : "")
                    ORDER BY p.id
                    """
                let arguments: StatementArguments = since.map { [$0, limit] } ?? [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row -> PairedPrediction? in
                    guard let id = row[0] as Int64? else { return nil }
                    var item = PairedPrediction(
                        id: id, answeredBy: (row[1] as String?) ?? fallback,
                        answered: PredictionLogs.output(row[2], row[3]))
                    if let model = row[4] as String? {
                        item.shadowModel = model
                        item.shadowError = row[7]
                        if item.shadowError == nil { item.shadowed = PredictionLogs.output(row[5], row[6]) }
                    }
                    item.truth = labels.map { $0[id] } ?? PredictionLogs.truth(row[8], row[9])
                    return item
                }
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// The newest challenger prediction's model and the model that answered that row — or, before
    /// any is logged, the log's model and the challenger it was served with: the two models being
    /// compared, even when no row of the window has a challenger prediction.
    public func latestPair() throws -> (answeredBy: String, shadow: String)? {
        let configured = shadowModelID.map { (answeredBy: modelID, shadow: $0) }
        guard try hasShadow() else { return configured }
        do {
            return try queue.read { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql:
                            "SELECT CAST(answered_by AS TEXT), CAST(model AS TEXT) FROM shadow ORDER BY prediction_id DESC LIMIT 1"
                    ),
                    let answered = row[0] as String?, let shadow = row[1] as String?
                else { return configured }
                return (answered, shadow)
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }
}
