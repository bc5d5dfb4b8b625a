import Bundles
import Foundation
import GRDB

/// A challenger's prediction on a row the champion answered, as the shadow scorer logs it.
struct ShadowRow: Sendable {
    /// The champion's prediction id for the same row.
    var predictionID: Int64
    /// The challenger's model id.
    var model: String
    /// The model id that answered the request.
    var answeredBy: String
    var time: Double
    var label: String?
    var value: Double?
    /// `{"class": p, …}` in the challenger's class names.
    var probabilities: String?
    /// Why the challenger gave no prediction for this row (its output was not finite).
    var error: String?
}

extension PredictionLog {
    /// The champion-and-challenger migration, run whenever a server of this version opens a log:
    /// `predictions` gains column `model` (the model that answered; null in rows written before
    /// it existed, which were all answered by the log's `model_id`), and table `shadow` holds the
    /// challenger's prediction for a prediction id. Older logs keep opening, for monitor and for
    /// serving; older readers ignore the column and the table.
    static func migrateForShadow(_ db: Database) throws {
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(predictions)").compactMap { $0["name"] as String? }
        if !columns.contains("model") {
            try db.execute(sql: "ALTER TABLE predictions ADD COLUMN model TEXT")
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS shadow (
                prediction_id INTEGER PRIMARY KEY, model TEXT NOT NULL, answered_by TEXT NOT NULL, time REAL NOT NULL,
                label TEXT, value REAL, probabilities TEXT, error TEXT);
            """)
    }

    /// Writes the challenger's predictions in one transaction, and applies the log's retention to
    /// them. Called by the shadow scorer's own thread, never on the request path; SQLite's busy
    /// timeout serialises it with the log's writer.
    func writeShadow(_ rows: [ShadowRow]) throws {
        guard !rows.isEmpty else { return }
        try pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO shadow (prediction_id, model, answered_by, time, label, value, probabilities, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                try insert.execute(arguments: [row.predictionID, row.model, row.answeredBy, row.time, row.label, row.value, row.probabilities, row.error])
            }
            let newest = rows.map(\.predictionID).max() ?? 0
            try db.execute(sql: "DELETE FROM shadow WHERE prediction_id <= ?", arguments: [newest - Int64(retention)])
        }
    }

    /// After a promotion: the log's model is the new champion (so `monitor LOG` reads its bundle,
    /// and a restarted server with the roles swapped opens the log).
    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO meta (key, value) VALUES ('model_id', ?), ('bundle', ?), ('features', ?), ('shadow_model_id', ?)
                """, arguments: [champion.manifest.modelID, Self.absolute(champion.path), Self.jsonArray(champion.pipeline.inputs.map(\.name)),
                                 challenger.manifest.modelID])
        }
    }
}
