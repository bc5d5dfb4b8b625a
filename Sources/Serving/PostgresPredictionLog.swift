import Bundles
import Crypto
import Foundation
import NIOCore
public import PostgresAccess
import PostgresNIO
import Synchronization
import Learning

/// A prediction log in a PostgreSQL database that any number of server replicas write at once
/// (`serve --log postgresql://…`) and `monitor postgresql://…` reads as one.
///
/// Tables (created on first use, version in `workbench_schema`, component `predictions`):
/// `workbench_log_models` (one row per served name: the model, its bundle and inputs),
/// `workbench_log_keys` (the hashing key per served name, apart so a reader can be denied it),
/// `workbench_requests`, `workbench_predictions`, `workbench_outcomes`, `workbench_shadow`,
/// `workbench_rejected`; every row names the served model and the replica that wrote it.
///
/// Ids: each server takes a block of `blockSize` ids from sequence `workbench_prediction_blocks`
/// when it opens the log, and the next block when half of the current one is used (see
/// `PredictionIDs`), so ids are unique across replicas and `POST /v1/feedback` on any replica
/// finds a prediction any other made. Rows are written with `ON CONFLICT DO NOTHING` and requests
/// carry the writer's own key, so a write that timed out here but committed there is not counted
/// twice when it is tried again.
public final class PostgresPredictionLogStore: PredictionLogStore {
    /// 2^24 ids a block: hours of full load between blocks, and ids stay below 2^53 (exact in a
    /// JSON number) for 2^29 blocks.
    public static let defaultBlockSize: Int64 = 1 << 24
    static let schemaVersion = 1
    /// The advisory lock key for schema changes ("wbpredlg" in ASCII).
    static let migrationLock: Int64 = 0x7762_7072_6564_6C67
    /// How long a statement may take before the writer gives up on it and tries again later: two
    /// seconds, and a second more for every 20,000 rows written (a batch held through an outage
    /// is large). Short, so an outage shows as failed writes at once rather than as a long wait.
    static func writeTimeout(rows: Int) -> Double { 2 + Double(rows) / 20_000 }
    /// How often row and time retention are applied by default (a scan of the newest rows' times).
    static let defaultRetentionInterval = 10.0

    /// This host's name and the process id: distinct for replicas on one host or many.
    static var defaultReplica: String {
        ProcessInfo.processInfo.hostName + ":" + String(ProcessInfo.processInfo.processIdentifier)
    }

    let pool: PostgresPool
    var location: String { pool.location.masked }
    let ids: PredictionIDs
    let hashingKey: [UInt8]
    let servedName: String
    let replica: String
    /// This writer's key in `workbench_requests` (its first block's number).
    private let writer: Int64
    private let blockSize: Int64
    private let retention: Int
    private let maximumAge: Double?
    private let retentionInterval: Double
    private let lastRetention = Mutex(0.0)

    init(
        url: String, description: LogDescription, retention: Int, maximumAge: Double?, replica: String,
        blockSize: Int64,
        retentionInterval: Double = PostgresPredictionLogStore.defaultRetentionInterval
    ) throws {
        self.retentionInterval = retentionInterval
        let location = try PostgresLocation(parsing: url)
        pool = try PostgresPool(location, maximumConnections: 3)
        servedName = description.servedName
        self.replica = replica
        self.retention = retention
        self.maximumAge = maximumAge
        self.blockSize = max(blockSize, 1_024)
        do {
            let opened = try pool.blocking(timeout: Double(location.connectTimeout) * 2 + 5) {
                [blockSize = self.blockSize] pool in
                try await Self.open(pool, description: description, replica: replica, blockSize: blockSize)
            }
            hashingKey = opened.key
            writer = opened.block
            ids = PredictionIDs(block: Self.ids(ofBlock: opened.block, size: self.blockSize))
        } catch {
            pool.close()
            throw ServingError.sharedLog(error, location: location.masked)
        }
    }

    func close() { pool.close() }

    static func ids(ofBlock n: Int64, size: Int64) -> ClosedRange<Int64> {
        (n - 1) * size + 1...n * size
    }

    private static let logger = PostgresPool.quietLogger

    /// Creates or migrates the tables, records the model (refusing a served name another model
    /// logs), reads or makes the hashing key, registers the replica and takes the first block.
    private static func open(_ pool: PostgresPool, description d: LogDescription, replica: String, blockSize: Int64)
        async throws -> (key: [UInt8], block: Int64)
    {
        try await pool.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: logger).collect()
            do {
                try await PostgresSchema.migrate(
                    connection, component: "predictions", version: schemaVersion, lock: migrationLock,
                    statements: Self.schema, tables: "the prediction log", location: pool.location.masked,
                    logger: logger)
                let logged = try await connection.query(
                    "SELECT model_id FROM workbench_log_models WHERE name = \(d.servedName) FOR UPDATE", logger: logger
                ).collect()
                if let conflict = d.conflict(withLogged: try logged.first.map { try $0.decode(String.self) }) {
                    throw ServingError.log(
                        path: pool.location.masked, reason: conflict + " under the name \(d.servedName)")
                }
                let features = PredictionLog.jsonArray(d.features), redacted = PredictionLog.jsonArray(d.redacted)
                let now = Date().timeIntervalSince1970
                _ = try await connection.query(
                    """
                    INSERT INTO workbench_log_models (name, format, model_id, bundle, features, redacted, shadow_model_id, updated_at)
                    VALUES (\(d.servedName), \(PredictionLog.formatVersion), \(d.modelID), \(d.bundle), \(features), \(redacted), \(d.shadowModelID), \(now))
                    ON CONFLICT (name) DO UPDATE SET model_id = EXCLUDED.model_id, bundle = EXCLUDED.bundle, features = EXCLUDED.features,
                        redacted = EXCLUDED.redacted, shadow_model_id = COALESCE(EXCLUDED.shadow_model_id, workbench_log_models.shadow_model_id),
                        updated_at = EXCLUDED.updated_at
                    """, logger: logger
                ).collect()
                let fresh = ByteBuffer(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
                _ = try await connection.query(
                    "INSERT INTO workbench_log_keys (name, key) VALUES (\(d.servedName), \(fresh)) ON CONFLICT (name) DO NOTHING",
                    logger: logger
                ).collect()
                let keyRows = try await connection.query(
                    "SELECT key FROM workbench_log_keys WHERE name = \(d.servedName)", logger: logger
                ).collect()
                guard let stored = try keyRows.first?.decode(ByteBuffer.self), stored.readableBytes == 32 else {
                    throw ServingError.log(
                        path: pool.location.masked,
                        reason: "the hashing key of \(d.servedName) in workbench_log_keys is not 32 bytes")
                }
                let block = try await Self.nextBlock(connection)
                _ = try await connection.query(
                    """
                    INSERT INTO workbench_replicas (name, replica, writer, started_at, last_write, model_id)
                    VALUES (\(d.servedName), \(replica), \(block), \(now), NULL, \(d.modelID))
                    """, logger: logger
                ).collect()
                _ = try await connection.query("COMMIT", logger: logger).collect()
                return (Array(stored.readableBytesView), block)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                throw error
            }
        }
    }

    private static func nextBlock(_ connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("SELECT nextval('workbench_prediction_blocks')", logger: logger).collect()
        guard let n = try rows.first?.decode(Int64.self) else {
            throw PostgresError.emptyResult(location: "workbench_prediction_blocks")
        }
        return n
    }

    /// Version 1 of the schema. `time` is seconds since 1970 (as in the SQLite log).
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS workbench_log_models (
            name text PRIMARY KEY, format text NOT NULL, model_id text NOT NULL, bundle text NOT NULL, features text NOT NULL,
            redacted text NOT NULL, shadow_model_id text, updated_at double precision NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS workbench_log_keys (name text PRIMARY KEY, key bytea NOT NULL)",
        "CREATE SEQUENCE IF NOT EXISTS workbench_prediction_blocks",
        """
        CREATE TABLE IF NOT EXISTS workbench_replicas (
            writer bigint PRIMARY KEY, name text NOT NULL, replica text NOT NULL, model_id text NOT NULL,
            started_at double precision NOT NULL, last_write double precision)
        """,
        """
        CREATE TABLE IF NOT EXISTS workbench_requests (
            writer bigint NOT NULL, seq bigint NOT NULL, name text NOT NULL, replica text NOT NULL, time double precision NOT NULL,
            status integer NOT NULL, latency_ms double precision NOT NULL, rows integer NOT NULL, model text,
            PRIMARY KEY (writer, seq))
        """,
        "CREATE INDEX IF NOT EXISTS workbench_requests_name_time ON workbench_requests (name, time)",
        """
        CREATE TABLE IF NOT EXISTS workbench_predictions (
            id bigint PRIMARY KEY, name text NOT NULL, replica text NOT NULL, time double precision NOT NULL,
            latency_ms double precision NOT NULL, inputs text NOT NULL, label text, value double precision, probabilities text,
            warnings text NOT NULL, model text)
        """,
        "CREATE INDEX IF NOT EXISTS workbench_predictions_name_time ON workbench_predictions (name, time)",
        """
        CREATE TABLE IF NOT EXISTS workbench_outcomes (
            prediction_id bigint PRIMARY KEY, time double precision NOT NULL, label text, value double precision)
        """,
        "CREATE INDEX IF NOT EXISTS workbench_outcomes_time ON workbench_outcomes (time)",
        """
        CREATE TABLE IF NOT EXISTS workbench_shadow (
            prediction_id bigint PRIMARY KEY, name text NOT NULL, model text NOT NULL, answered_by text NOT NULL,
            time double precision NOT NULL, label text, value double precision, probabilities text, error text)
        """,
        "CREATE INDEX IF NOT EXISTS workbench_shadow_name_time ON workbench_shadow (name, time)",
        """
        CREATE TABLE IF NOT EXISTS workbench_rejected (
            id bigserial PRIMARY KEY, name text NOT NULL, replica text NOT NULL, time double precision NOT NULL, status integer NOT NULL)
        """,
    ]

    /// Runs `work` on a pooled connection, waiting at most `writeTimeout` for `rows` rows.
    private func run<T: Sendable>(rows: Int = 0, _ work: @escaping @Sendable (PostgresConnection) async throws -> T)
        throws -> T
    {
        try pool.blocking(timeout: Self.writeTimeout(rows: rows)) { pool in try await pool.withConnection(work) }
    }

    /// Runs `work` in one transaction on a pooled connection.
    private func transaction<T: Sendable>(
        rows: Int = 0, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws -> T {
        try run(rows: rows) { connection in
            _ = try await connection.query("BEGIN", logger: Self.logger).collect()
            do {
                let result = try await work(connection)
                _ = try await connection.query("COMMIT", logger: Self.logger).collect()
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: Self.logger).collect()
                throw error
            }
        }
    }

    func replenishIDs() throws {
        let block = try run { connection in try await Self.nextBlock(connection) }
        ids.add(block: Self.ids(ofBlock: block, size: blockSize))
    }

    func write(_ requests: [LoggedRequest], rejected: [(time: Double, status: Int)]) throws {
        var requestsJSON = JSONWriter(), predictionsJSON = JSONWriter(), rejectedJSON = JSONWriter()
        requestsJSON.raw("[")
        predictionsJSON.raw("[")
        var firstRow = true
        for (r, request) in requests.enumerated() {
            if r > 0 { requestsJSON.raw(",") }
            requestsJSON.raw("{\"seq\":\(request.sequence),\"time\":")
            requestsJSON.number(request.time)
            requestsJSON.raw(",\"status\":\(request.status),\"latency_ms\":")
            requestsJSON.number(request.latencyMilliseconds)
            requestsJSON.raw(",\"rows\":\(request.rowCount),\"model\":")
            requestsJSON.string(request.model)
            requestsJSON.raw("}")
            for row in request.rows {
                if !firstRow { predictionsJSON.raw(",") }
                firstRow = false
                predictionsJSON.raw("{\"id\":\(row.id),\"time\":")
                predictionsJSON.number(request.time)
                predictionsJSON.raw(",\"latency_ms\":")
                predictionsJSON.number(request.latencyMilliseconds)
                predictionsJSON.raw(",\"inputs\":")
                predictionsJSON.string(row.inputs)
                predictionsJSON.raw(",\"label\":")
                predictionsJSON.string(row.label)
                predictionsJSON.raw(",\"value\":")
                predictionsJSON.raw(row.value.map(JSONWriter.number) ?? "null")
                predictionsJSON.raw(",\"probabilities\":")
                predictionsJSON.string(row.probabilities)
                predictionsJSON.raw(",\"warnings\":")
                predictionsJSON.string(row.warnings)
                predictionsJSON.raw(",\"model\":")
                predictionsJSON.string(request.model)
                predictionsJSON.raw("}")
            }
        }
        requestsJSON.raw("]")
        predictionsJSON.raw("]")
        rejectedJSON.raw("[")
        for (i, r) in rejected.enumerated() {
            rejectedJSON.raw((i > 0 ? "," : "") + "{\"time\":")
            rejectedJSON.number(r.time)
            rejectedJSON.raw(",\"status\":\(r.status)}")
        }
        rejectedJSON.raw("]")
        let (name, replica, writer) = (servedName, self.replica, self.writer)
        let requestsText = requestsJSON.text, predictionsText = predictionsJSON.text, rejectedText = rejectedJSON.text
        let now = Date().timeIntervalSince1970
        let applyRetention = lastRetention.withLock { last in
            guard now - last >= retentionInterval else { return false }
            last = now
            return true
        }
        let retention = Int64(self.retention)
        let oldest = maximumAge.map { now - $0 }
        let rows = requests.reduce(0) { $0 + $1.rows.count }
        try transaction(rows: rows) { connection in
            if !requests.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO workbench_requests (writer, seq, name, replica, time, status, latency_ms, rows, model)
                    SELECT \(writer), r.seq, \(name), \(replica), r.time, r.status, r.latency_ms, r.rows, r.model
                    FROM jsonb_to_recordset(\(requestsText)::jsonb)
                        AS r(seq bigint, time double precision, status integer, latency_ms double precision, rows integer, model text)
                    ON CONFLICT (writer, seq) DO NOTHING
                    """, logger: Self.logger
                ).collect()
                _ = try await connection.query(
                    """
                    INSERT INTO workbench_predictions (id, name, replica, time, latency_ms, inputs, label, value, probabilities, warnings, model)
                    SELECT p.id, \(name), \(replica), p.time, p.latency_ms, p.inputs, p.label, p.value, p.probabilities, p.warnings, p.model
                    FROM jsonb_to_recordset(\(predictionsText)::jsonb)
                        AS p(id bigint, time double precision, latency_ms double precision, inputs text, label text, value double precision,
                             probabilities text, warnings text, model text)
                    ON CONFLICT (id) DO NOTHING
                    """, logger: Self.logger
                ).collect()
                _ = try await connection.query(
                    "UPDATE workbench_replicas SET last_write = \(now) WHERE writer = \(writer)", logger: Self.logger
                ).collect()
            }
            if !rejected.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO workbench_rejected (name, replica, time, status)
                    SELECT \(name), \(replica), r.time, r.status FROM jsonb_to_recordset(\(rejectedText)::jsonb) AS r(time double precision, status integer)
                    """, logger: Self.logger
                ).collect()
            }
            if applyRetention {
                try await Self.applyRetention(connection, name: name, rows: retention, oldest: oldest)
            }
        }
    }

    /// Keeps the newest `rows` predictions of `name` logged after `oldest` (and requests over the
    /// same span), with their outcomes and challenger predictions; the last `rejectedRetention`
    /// refused requests.
    private static func applyRetention(_ connection: PostgresConnection, name: String, rows: Int64, oldest: Double?)
        async throws
    {
        let keep = Int64(PredictionLog.rejectedRetention)
        _ = try await connection.query(
            """
            DELETE FROM workbench_rejected WHERE name = \(name)
              AND id <= (SELECT max(id) FROM workbench_rejected WHERE name = \(name)) - \(keep)
            """, logger: logger
        ).collect()
        // The newest row beyond the bound, by (time, id): it and everything older go. Rows of one
        // request share a time, so the id breaks the tie.
        let beyond = try await connection.query(
            "SELECT time, id FROM workbench_predictions WHERE name = \(name) ORDER BY time DESC, id DESC OFFSET \(rows) LIMIT 1",
            logger: logger
        ).collect().first.map { try $0.decode((Double, Int64).self) }
        var cutoff = beyond ?? (-Double.infinity, Int64.min)
        if let oldest, oldest > cutoff.0 { cutoff = (oldest, Int64.min) }
        guard cutoff.0 > -Double.infinity else { return }
        let (time, id) = cutoff
        _ = try await connection.query(
            """
            WITH gone AS (DELETE FROM workbench_predictions WHERE name = \(name) AND (time < \(time) OR (time = \(time) AND id <= \(id))) RETURNING id),
                 outcomes AS (DELETE FROM workbench_outcomes WHERE prediction_id IN (SELECT id FROM gone))
            DELETE FROM workbench_shadow WHERE prediction_id IN (SELECT id FROM gone)
            """, logger: logger
        ).collect()
        _ = try await connection.query(
            "DELETE FROM workbench_requests WHERE name = \(name) AND time < \(time)", logger: logger
        ).collect()
    }

    func missing(_ ids: [Int64]) throws -> [Int64] {
        let found = try run { connection in
            try await connection.query(
                "SELECT id FROM workbench_predictions WHERE id = ANY(\(ids))", logger: Self.logger
            ).collect()
                .map { try $0.decode(Int64.self) }
        }
        let present = Set(found)
        return ids.filter { !present.contains($0) }
    }

    /// In one transaction: the ids must name predictions; new outcomes go in with `ON CONFLICT DO
    /// NOTHING`, so when two replicas store one id at once exactly one wins, and the other sees
    /// the stored outcome and compares.
    func insert(_ outcomes: [Outcome], time: Double) throws -> OutcomeStorage {
        var json = JSONWriter()
        json.raw("[")
        for (i, o) in outcomes.enumerated() {
            json.raw((i > 0 ? "," : "") + "{\"id\":\(o.id),\"label\":")
            json.string(o.label)
            json.raw(",\"value\":" + (o.value.map(JSONWriter.number) ?? "null") + "}")
        }
        json.raw("]")
        do {
            return try storeOutcomes(outcomes, json: json.text, time: time)
        } catch let refused as ConflictingOutcomes {
            return .conflicting(refused.conflicts)
        }
    }

    private func storeOutcomes(_ outcomes: [Outcome], json text: String, time: Double) throws -> OutcomeStorage {
        let ids = outcomes.map(\.id)
        return try transaction { connection -> OutcomeStorage in
            let found = Set(
                try await connection.query(
                    "SELECT id FROM workbench_predictions WHERE id = ANY(\(ids))", logger: Self.logger
                ).collect()
                    .map { try $0.decode(Int64.self) })
            let unknown = ids.filter { !found.contains($0) }
            guard unknown.isEmpty else { return .unknown(unknown) }
            let inserted = Set(
                try await connection.query(
                    """
                    INSERT INTO workbench_outcomes (prediction_id, time, label, value)
                    SELECT o.id, \(time), o.label, o.value FROM jsonb_to_recordset(\(text)::jsonb) AS o(id bigint, label text, value double precision)
                    ON CONFLICT (prediction_id) DO NOTHING
                    RETURNING prediction_id
                    """, logger: Self.logger
                ).collect().map { try $0.decode(Int64.self) })
            let others = outcomes.filter { !inserted.contains($0.id) }
            var conflicts: [(sent: Outcome, stored: Outcome)] = []
            if !others.isEmpty {
                let otherIDs = others.map(\.id)
                var stored: [Int64: Outcome] = [:]
                for row in try await connection.query(
                    "SELECT prediction_id, label, value FROM workbench_outcomes WHERE prediction_id = ANY(\(otherIDs))",
                    logger: Self.logger
                ).collect() {
                    let (id, label, value) = try row.decode((Int64, String?, Double?).self)
                    stored[id] = Outcome(id: id, label: label, value: value)
                }
                for sent in others {
                    if let s = stored[sent.id], s != sent { conflicts.append((sent, s)) }
                }
            }
            guard conflicts.isEmpty else {
                // All or nothing: the new ones go too.
                throw ConflictingOutcomes(conflicts: conflicts)
            }
            return .stored(recorded: inserted.count, unchanged: outcomes.count - inserted.count)
        }
    }

    func writeShadow(_ rows: [ShadowRow]) throws {
        var json = JSONWriter()
        json.raw("[")
        for (i, r) in rows.enumerated() {
            json.raw((i > 0 ? "," : "") + "{\"id\":\(r.predictionID),\"model\":")
            json.string(r.model)
            json.raw(",\"answered_by\":")
            json.string(r.answeredBy)
            json.raw(",\"time\":")
            json.number(r.time)
            json.raw(",\"label\":")
            json.string(r.label)
            json.raw(",\"value\":" + (r.value.map(JSONWriter.number) ?? "null") + ",\"probabilities\":")
            json.string(r.probabilities)
            json.raw(",\"error\":")
            json.string(r.error)
            json.raw("}")
        }
        json.raw("]")
        let text = json.text, name = servedName
        try run { connection in
            _ = try await connection.query(
                """
                INSERT INTO workbench_shadow (prediction_id, name, model, answered_by, time, label, value, probabilities, error)
                SELECT s.id, \(name), s.model, s.answered_by, s.time, s.label, s.value, s.probabilities, s.error
                FROM jsonb_to_recordset(\(text)::jsonb)
                    AS s(id bigint, model text, answered_by text, time double precision, label text, value double precision, probabilities text, error text)
                ON CONFLICT (prediction_id) DO UPDATE SET model = EXCLUDED.model, answered_by = EXCLUDED.answered_by, time = EXCLUDED.time,
                    label = EXCLUDED.label, value = EXCLUDED.value, probabilities = EXCLUDED.probabilities, error = EXCLUDED.error
                """, logger: Self.logger
            ).collect()
        }
    }

    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle?) throws {
        let name = servedName, model = champion.manifest.modelID, bundle = PredictionLog.absolute(champion.path)
        let features = PredictionLog.jsonArray(champion.pipeline.inputs.map(\.name)),
            shadow = challenger?.manifest.modelID
        let now = Date().timeIntervalSince1970
        try run { connection in
            _ = try await connection.query(
                """
                UPDATE workbench_log_models SET model_id = \(model), bundle = \(bundle), features = \(features),
                    shadow_model_id = COALESCE(\(shadow), shadow_model_id), updated_at = \(now) WHERE name = \(name)
                """, logger: Self.logger
            ).collect()
        }
    }
}

/// Outcomes refused because some ids already have another: thrown inside the transaction so it
/// rolls back, and turned into `OutcomeStorage.conflicting` outside it.
struct ConflictingOutcomes: PostgresWorkError, @unchecked Sendable {
    // @unchecked: tuples of Sendable values, never mutated.
    var conflicts: [(sent: Outcome, stored: Outcome)]
}

extension ServingError: PostgresWorkError {
    /// A shared log's failure in the words users read: its own error as it is, the database's
    /// (which names the connection, masked) once, anything else with the log's location.
    static func sharedLog(_ error: any Error, location: String) -> ServingError {
        if let error = error as? ServingError { return error }
        if let error = error as? PostgresAccess.PostgresError { return .sharedLog(error.description) }
        return .log(path: location, reason: String(describing: error))
    }
}
