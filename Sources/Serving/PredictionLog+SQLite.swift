import Bundles
import Crypto
import Foundation
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
import Learning
#endif

/// What a log records about the model it logs, whatever keeps it.
struct LogDescription: Sendable {
    var modelID: String
    /// The bundle as an absolute path.
    var bundle: String
    var features: [String]
    var redacted: [String]
    /// The challenger scored in the champion's shadow, when there is one.
    var shadowModelID: String?
    /// The name the model is served under: a shared log keeps each served model's rows apart by it.
    var servedName: String

    init(bundle: LoadedBundle, shadowBundle: LoadedBundle?, redacted: [String], servedName: String) {
        modelID = bundle.manifest.modelID
        self.bundle = PredictionLog.absolute(bundle.path)
        features = bundle.pipeline.inputs.map(\.name)
        self.redacted = redacted
        shadowModelID = shadowBundle?.manifest.modelID
        self.servedName = servedName
    }

    /// Why a log that records model `existing` cannot take this one's rows (nil: it can).
    func conflict(withLogged existing: String?) -> String? {
        guard let existing, existing != modelID, existing != shadowModelID else { return nil }
        return "it logs model \(existing), not \(modelID)"
    }
}

/// How a prediction log's location is read.
public enum PredictionLogLocation {
    /// Whether `location` names a PostgreSQL database (a log replicas share) rather than a file.
    public static func isShared(_ location: String) -> Bool {
        let lower = location.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }
}

/// A prediction log in an embedded SQLite database (WAL, so it can be read while the server
/// writes). The database and its -wal and -shm files are created mode 0600: they hold request
/// data. The hashing key is kept beside it in `FILE.key` (mode 0600). One server writes a file at
/// a time; ids continue the file's own sequence.
final class SQLitePredictionLogStore: PredictionLogStore {
    let path: String
    var location: String { path }
    let pool: DatabasePool
    let ids: PredictionIDs
    let hashingKey: [UInt8]
    private let retention: Int
    private let maximumAge: Double?
    /// When rows were last removed for their age (seconds since 1970): at most every ten seconds,
    /// as it scans the table.
    private let lastAgeRetention = Mutex(0.0)

    init(path: String, description: LogDescription, retention: Int, maximumAge: Double?) throws {
        self.path = path
        self.retention = retention
        self.maximumAge = maximumAge
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        hashingKey = try Self.loadKey(path + ".key")
        try Self.createPrivately(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS requests (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, status INTEGER NOT NULL,
                            latency_ms REAL NOT NULL, rows INTEGER NOT NULL);
                        CREATE TABLE IF NOT EXISTS predictions (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL, time REAL NOT NULL,
                            latency_ms REAL NOT NULL, inputs TEXT NOT NULL, label TEXT, value REAL, probabilities TEXT,
                            warnings TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS rejected (
                            id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, status INTEGER NOT NULL);
                        """)
                try Self.createOutcomesTable(db)
                try Self.migrateForShadow(db)
                var meta: [String: String] = [
                    "format": PredictionLog.formatVersion,
                    "model_id": description.modelID,
                    "bundle": description.bundle,
                    "features": PredictionLog.jsonArray(description.features),
                    "redacted": PredictionLog.jsonArray(description.redacted),
                ]
                // The model last scored in the champion's shadow, so monitor names it before (or
                // without) any of its predictions in table shadow.
                if let shadow = description.shadowModelID { meta["shadow_model_id"] = shadow }
                if let conflict = description.conflict(
                    withLogged: try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'"))
                {
                    throw ServingError.log(path: path, reason: conflict)
                }
                for (k, v) in meta {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [k, v])
                }
            }
            // AUTOINCREMENT's counter, which never goes back even when retention deleted every row.
            let last = try pool.read { db in
                max(
                    try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'predictions'") ?? 0,
                    try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM predictions") ?? 0)
            }
            ids = PredictionIDs(after: last)
        } catch let error as ServingError {
            throw error
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    func replenishIDs() throws {}

    func close() {}

    func write(_ requests: [LoggedRequest], rejected: [(time: Double, status: Int)]) throws {
        try pool.write { db in
            if !rejected.isEmpty {
                let statement = try db.makeStatement(sql: "INSERT INTO rejected (time, status) VALUES (?, ?)")
                for (time, status) in rejected { try statement.execute(arguments: [time, status]) }
                try db.execute(
                    sql: "DELETE FROM rejected WHERE id <= (SELECT MAX(id) FROM rejected) - ?",
                    arguments: [PredictionLog.rejectedRetention])
            }
            guard !requests.isEmpty else { return }
            let request = try db.makeStatement(
                sql: "INSERT INTO requests (time, status, latency_ms, rows) VALUES (?, ?, ?, ?)")
            let prediction = try db.makeStatement(
                sql: """
                    INSERT INTO predictions (id, request_id, time, latency_ms, inputs, label, value, probabilities, warnings, model)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for entry in requests {
                try request.execute(arguments: [entry.time, entry.status, entry.latencyMilliseconds, entry.rowCount])
                let requestID = db.lastInsertedRowID
                for row in entry.rows {
                    try prediction.execute(arguments: [
                        row.id, requestID, entry.time, entry.latencyMilliseconds, row.inputs, row.label, row.value,
                        row.probabilities, row.warnings, entry.model,
                    ])
                }
            }
            try db.execute(
                sql: "DELETE FROM predictions WHERE id <= (SELECT MAX(id) FROM predictions) - ?", arguments: [retention]
            )
            try db.execute(
                sql: "DELETE FROM outcomes WHERE prediction_id <= (SELECT MAX(id) FROM predictions) - ?",
                arguments: [retention])
            try db.execute(
                sql: "DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?", arguments: [retention])
            if let oldest = oldestKept() {
                try db.execute(
                    sql: "DELETE FROM outcomes WHERE prediction_id IN (SELECT id FROM predictions WHERE time < ?)",
                    arguments: [oldest])
                try db.execute(
                    sql: "DELETE FROM shadow WHERE prediction_id IN (SELECT id FROM predictions WHERE time < ?)",
                    arguments: [oldest])
                try db.execute(sql: "DELETE FROM predictions WHERE time < ?", arguments: [oldest])
                try db.execute(sql: "DELETE FROM requests WHERE time < ?", arguments: [oldest])
            }
        }
    }

    /// The time before which rows go for their age, when it is time to apply that bound.
    private func oldestKept() -> Double? {
        guard let maximumAge else { return nil }
        let now = Date().timeIntervalSince1970
        return lastAgeRetention.withLock { last in
            guard now - last >= PostgresPredictionLogStore.defaultRetentionInterval else { return nil }
            last = now
            return now - maximumAge
        }
    }

    func missing(_ ids: [Int64]) throws -> [Int64] {
        try pool.read { db in try Self.missing(ids, db) }
    }

    /// The ids among `ids` with no row in `predictions`, in the order given.
    private static func missing(_ ids: [Int64], _ db: Database) throws -> [Int64] {
        let statement = try db.makeStatement(sql: "SELECT 1 FROM predictions WHERE id = ?")
        var out: [Int64] = []
        for id in ids where try Int.fetchOne(statement, arguments: [id]) == nil { out.append(id) }
        return out
    }

    /// Checked and written in one transaction, so concurrent requests for one id cannot both win.
    func insert(_ outcomes: [Outcome], time: Double) throws -> OutcomeStorage {
        try pool.write { db -> OutcomeStorage in
            let unknown = try Self.missing(outcomes.map(\.id), db)
            guard unknown.isEmpty else { return .unknown(unknown) }
            let select = try db.makeStatement(sql: "SELECT label, value FROM outcomes WHERE prediction_id = ?")
            let insert = try db.makeStatement(
                sql: "INSERT INTO outcomes (prediction_id, time, label, value) VALUES (?, ?, ?, ?)")
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

    /// Table `outcomes`: at most one outcome per prediction id, with the time it arrived. Made by
    /// a server of this version when it opens a log; logs written before have none, and read as
    /// having no outcomes.
    static func createOutcomesTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS outcomes (
                    prediction_id INTEGER PRIMARY KEY, time REAL NOT NULL, label TEXT, value REAL);
                """)
    }

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
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS shadow (
                    prediction_id INTEGER PRIMARY KEY, model TEXT NOT NULL, answered_by TEXT NOT NULL, time REAL NOT NULL,
                    label TEXT, value REAL, probabilities TEXT, error TEXT);
                """)
    }

    /// Writes the challenger's predictions in one transaction and applies the log's retention to
    /// them. SQLite's busy timeout serialises it with the log's writer.
    func writeShadow(_ rows: [ShadowRow]) throws {
        guard !rows.isEmpty else { return }
        try pool.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT OR REPLACE INTO shadow (prediction_id, model, answered_by, time, label, value, probabilities, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for row in rows {
                try insert.execute(arguments: [
                    row.predictionID, row.model, row.answeredBy, row.time, row.label, row.value, row.probabilities,
                    row.error,
                ])
            }
            let newest = rows.map(\.predictionID).max() ?? 0
            try db.execute(sql: "DELETE FROM shadow WHERE prediction_id <= ?", arguments: [newest - Int64(retention)])
        }
    }

    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle?) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('model_id', ?), ('bundle', ?), ('features', ?)
                    """,
                arguments: [
                    champion.manifest.modelID, PredictionLog.absolute(champion.path),
                    PredictionLog.jsonArray(champion.pipeline.inputs.map(\.name)),
                ])
            if let challenger {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('shadow_model_id', ?)",
                    arguments: [challenger.manifest.modelID])
            }
        }
    }

    /// The log's hashing key: read from `path`, or made (32 random bytes, mode 0600) on first use.
    private static func loadKey(_ path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw ServingError.log(path: path, reason: "the key file is not 32 bytes") }
            return [UInt8](data)
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        let temporary = path + ".partial-\(getpid())"
        guard
            FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else {
            unlink(temporary)
            throw ServingError.log(path: path, reason: "cannot write the key file")
        }
        return [UInt8](bytes)
    }

    /// Creates an empty database file with mode 0600 when there is none, before SQLite opens it:
    /// SQLite gives its -wal and -shm files the database file's mode.
    private static func createPrivately(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw ServingError.log(path: path, reason: String(cString: strerror(errno)))
        }
    }

}
