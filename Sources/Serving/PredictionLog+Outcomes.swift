import Foundation
import GRDB
import Tabular

/// The truth that became known for one served prediction: its class (classification) or its
/// value (regression), named by the prediction's id.
public struct Outcome: Sendable, Equatable {
    public var id: Int64
    public var label: String?
    public var value: Double?

    public init(id: Int64, label: String? = nil, value: Double? = nil) {
        self.id = id
        self.label = label
        self.value = value
    }

    /// The outcome as a client sends it: `label "Adelie"` or `value 3.5`.
    var described: String {
        if let label { return "label " + JSONWriter.quoted(label) }
        return "value " + (value.map(formatNumber) ?? "null")
    }
}

/// What storing outcomes did: all were stored (or already stored alike), or none was.
enum OutcomeStorage: Sendable, Equatable {
    /// `recorded` new outcomes; `unchanged` that were already recorded with the same truth.
    case stored(recorded: Int, unchanged: Int)
    /// Ids with no prediction in the log (never served, or older than the log's retention).
    case unknown([Int64])
    /// Ids that already have another outcome: what was sent and what is stored.
    case conflicting([(sent: Outcome, stored: Outcome)])

    static func == (a: OutcomeStorage, b: OutcomeStorage) -> Bool {
        switch (a, b) {
        case (.stored(let r1, let u1), .stored(let r2, let u2)): r1 == r2 && u1 == u2
        case (.unknown(let x), .unknown(let y)): x == y
        case (.conflicting(let x), .conflicting(let y)): x.map(\.sent) == y.map(\.sent) && x.map(\.stored) == y.map(\.stored)
        default: false
        }
    }
}

extension PredictionLog {
    /// Table `outcomes`: at most one outcome per prediction id, with the time it arrived. Made by
    /// a server of this version when it opens a log; logs written before have none, and read as
    /// having no outcomes.
    static func createOutcomesTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS outcomes (
                prediction_id INTEGER PRIMARY KEY, time REAL NOT NULL, label TEXT, value REAL);
            """)
    }

    /// Stores `outcomes` (ids distinct) all together or not at all: refused when an id names no
    /// prediction in the log or already has a different outcome; an outcome sent again alike is
    /// counted as unchanged (so a client may retry). Checked and written in one transaction, so
    /// concurrent requests for one id cannot both win. Blocks on the database (and, for
    /// predictions this server made that may still be queued, on the writer): call it off the
    /// event loops.
    func store(_ outcomes: [Outcome], time: Double = Date().timeIntervalSince1970) throws -> OutcomeStorage {
        let ids = outcomes.map(\.id)
        // Predictions answered moments ago may still be in the writer's queue.
        let missing = try pool.read { db in try Self.missing(ids, db) }
        if missing.contains(where: { $0 > lastIDAtOpen }) { waitUntilWritten() }
        return try pool.write { db -> OutcomeStorage in
            let unknown = try Self.missing(ids, db)
            guard unknown.isEmpty else { return .unknown(unknown) }
            let select = try db.makeStatement(sql: "SELECT label, value FROM outcomes WHERE prediction_id = ?")
            let insert = try db.makeStatement(sql: "INSERT INTO outcomes (prediction_id, time, label, value) VALUES (?, ?, ?, ?)")
            var conflicts: [(sent: Outcome, stored: Outcome)] = []
            var fresh: [Outcome] = []
            for outcome in outcomes {
                if let row = try Row.fetchOne(select, arguments: [outcome.id]) {
                    let stored = Outcome(id: outcome.id, label: row[0], value: row[1])
                    if stored != outcome { conflicts.append((outcome, stored)) }
                } else {
                    fresh.append(outcome)
                }
            }
            guard conflicts.isEmpty else { return .conflicting(conflicts) }
            for outcome in fresh { try insert.execute(arguments: [outcome.id, time, outcome.label, outcome.value]) }
            return .stored(recorded: fresh.count, unchanged: outcomes.count - fresh.count)
        }
    }

    /// The ids among `ids` with no row in `predictions`, in the order given.
    private static func missing(_ ids: [Int64], _ db: Database) throws -> [Int64] {
        let statement = try db.makeStatement(sql: "SELECT 1 FROM predictions WHERE id = ?")
        var out: [Int64] = []
        for id in ids where try Int.fetchOne(statement, arguments: [id]) == nil { out.append(id) }
        return out
    }
}
