public import Bundles
import Foundation
public import Learning
import PostgresAccess
import PostgresNIO
import Tabular

/// Reads the shared prediction log of one served model in PostgreSQL: every replica's rows
/// together, newest by time. Nothing in the database is trusted more than a log file is: values
/// are read as the types expected, windows are bounded, and every read waits at most
/// `readTimeout`.
public final class PostgresPredictionLogReader: PredictionLogSource {
    public let location: String
    public let modelID: String
    public let bundlePath: String
    public let features: [String]
    public let redacted: Set<String>
    public let shadowModelID: String?
    /// The served name whose rows are read.
    public let name: String
    private let pool: PostgresPool
    static let readTimeout = 30.0
    private static let logger = PostgresPool.quietLogger

    /// - Parameter model: the served name to read; may be left out when the database logs one.
    public init(url: String, model: String?) throws {
        let location = try PostgresLocation(parsing: url)
        self.location = location.masked
        pool = try PostgresPool(location, maximumConnections: 2)
        do {
            let models = try pool.blocking(timeout: Self.readTimeout) { pool in
                try await pool.withConnection { connection -> [(String, String, String, String, String, String?)]? in
                    let exists = try await connection.query(
                        "SELECT to_regclass('workbench_log_models') IS NOT NULL", logger: Self.logger
                    ).collect()
                    guard try exists.first?.decode(Bool.self) == true else { return nil }
                    return try await connection.query(
                        "SELECT name, model_id, bundle, features, redacted, shadow_model_id FROM workbench_log_models WHERE format = \(PredictionLog.formatVersion) ORDER BY name",
                        logger: Self.logger
                    ).collect().map { try $0.decode((String, String, String, String, String, String?).self) }
                }
            }
            guard let models, !models.isEmpty else {
                throw ServingError.log(
                    path: location.masked,
                    reason:
                        "no prediction log is kept in this database yet (serving a model with this database as its log starts one)"
                )
            }
            let chosen: (String, String, String, String, String, String?)
            if let model {
                guard let found = models.first(where: { $0.0 == model }) ?? models.first(where: { $0.1 == model })
                else {
                    throw ServingError.log(
                        path: location.masked,
                        reason:
                            "no model named \(model) is logged here; logged: \(models.map(\.0).joined(separator: ", "))"
                    )
                }
                chosen = found
            } else {
                guard models.count == 1, let only = models.first else {
                    throw ServingError.log(
                        path: location.masked,
                        reason:
                            "\(models.count) models are logged here (\(models.map(\.0).joined(separator: ", "))); name the one to read"
                    )
                }
                chosen = only
            }
            (name, modelID, bundlePath) = (chosen.0, chosen.1, chosen.2)
            features = PredictionLogs.strings(chosen.3)
            redacted = Set(PredictionLogs.strings(chosen.4))
            shadowModelID = chosen.5
        } catch {
            pool.close()
            throw ServingError.sharedLog(error, location: location.masked)
        }
    }

    deinit { pool.close() }

    private func read<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        do {
            return try pool.blocking(timeout: Self.readTimeout) { pool in try await pool.withConnection(work) }
        } catch {
            throw ServingError.sharedLog(error, location: location)
        }
    }

    /// The largest text a log value may hold, as for a log file (`PredictionLogReader.maximumValueBytes`):
    /// a longer one is an edited log, and reads as null rather than being loaded.
    static let maximumValueBytes = Int(PredictionLogReader.maximumValueBytes)

    /// `column`, or null when it is longer than `maximumValueBytes`.
    private static func bounded(_ column: String) -> String {
        "CASE WHEN octet_length(\(column)) <= \(maximumValueBytes) THEN \(column) END"
    }

    public func window(rows limit: Int, features specs: [FeatureSpec], since: Double?) throws -> LogWindow {
        try PredictionLogs.checkWindow(limit)
        let name = self.name
        let (total, predictions, requests) = try read { connection in
            let total =
                try await connection.query(
                    "SELECT COALESCE(sum(rows), 0)::float8 FROM workbench_requests WHERE name = \(name) AND status = 200",
                    logger: Self.logger
                ).collect()
                .first?.decode(Double.self) ?? 0
            let since = since ?? -Double.infinity
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.bounded("inputs")), \(unescaped: Self.bounded("label")), value FROM workbench_predictions WHERE name = \(name) AND time >= \(since)
                ORDER BY time DESC, id DESC LIMIT \(Int64(limit))
                """, logger: Self.logger
            ).collect().map { try $0.decode((String?, String?, Double?).self) }
            let requests = try await connection.query(
                """
                SELECT time, status, latency_ms, rows FROM workbench_requests WHERE name = \(name) AND time >= \(since)
                ORDER BY time DESC, seq DESC LIMIT \(Int64(limit))
                """, logger: Self.logger
            ).collect().map { try $0.decode((Double, Int32, Double, Int32).self) }
            return (total, rows, requests)
        }
        let decoder = JSONDecoder()
        return LogWindow(
            inputs: predictions.reversed().map { PredictionLogs.inputs($0.0, specs, decoder: decoder) },
            outputs: predictions.reversed().map { PredictionLogs.output($0.1, $0.2) },
            requests: requests.reversed().map {
                RequestRecord(time: $0.0, status: Int($0.1), latencyMilliseconds: $0.2, rows: Int($0.3))
            },
            rowsScored: total.isFinite ? Int(min(max(total, 0), 1e15)) : 0)
    }

    public func labelledWindow(rows limit: Int, labels: [Int64: JSONScalar]?, since: Double?) throws
        -> [LabelledPrediction]
    {
        try PredictionLogs.checkWindow(limit)
        let name = self.name
        let rows = try read { connection in
            let since = since ?? -Double.infinity
            return try await connection.query(
                """
                SELECT p.id, \(unescaped: Self.bounded("p.label")), p.value, \(unescaped: Self.bounded("p.probabilities")), \(unescaped: Self.bounded("o.label")), o.value, p.time
                FROM (SELECT id, label, value, probabilities, time FROM workbench_predictions WHERE name = \(name) AND time >= \(since)
                      ORDER BY time DESC, id DESC LIMIT \(Int64(limit))) p
                LEFT JOIN workbench_outcomes o ON o.prediction_id = p.id
                ORDER BY p.time, p.id
                """, logger: Self.logger
            ).collect().map { try $0.decode((Int64, String?, Double?, String?, String?, Double?, Double).self) }
        }
        let decoder = JSONDecoder()
        return rows.map { row in
            var item = LabelledPrediction(predicted: PredictionLogs.output(row.1, row.2), id: row.0)
            item.time = row.6
            if let label = row.1 { item.confidence = PredictionLogs.confidence(row.3, label: label, decoder: decoder) }
            item.truth = labels.map { $0[row.0] } ?? PredictionLogs.truth(row.4, row.5)
            return item
        }
    }

    public func pairedWindow(rows limit: Int, labels: [Int64: JSONScalar]?, since: Double?) throws
        -> [PairedPrediction]?
    {
        try PredictionLogs.checkWindow(limit)
        let name = self.name
        let hasShadow = try read { connection in
            try await connection.query(
                "SELECT EXISTS (SELECT 1 FROM workbench_shadow WHERE name = \(name))", logger: Self.logger
            ).collect()
                .first?.decode(Bool.self) ?? false
        }
        guard hasShadow || shadowModelID != nil else { return nil }
        let rows = try read { connection in
            let since = since ?? -Double.infinity
            return try await connection.query(
                """
                SELECT p.id, \(unescaped: Self.bounded("p.model")), \(unescaped: Self.bounded("p.label")), p.value, \(unescaped: Self.bounded("s.model")), \(unescaped: Self.bounded("s.label")), s.value, \(unescaped: Self.bounded("s.error")), \(unescaped: Self.bounded("o.label")), o.value
                FROM (SELECT id, model, label, value, time FROM workbench_predictions WHERE name = \(name) AND time >= \(since)
                      ORDER BY time DESC, id DESC LIMIT \(Int64(limit))) p
                LEFT JOIN workbench_shadow s ON s.prediction_id = p.id
                LEFT JOIN workbench_outcomes o ON o.prediction_id = p.id
                ORDER BY p.time, p.id
                """, logger: Self.logger
            ).collect()
                .map {
                    try $0.decode(
                        (Int64, String?, String?, Double?, String?, String?, Double?, String?, String?, Double?).self)
                }
        }
        return rows.map { row in
            var item = PairedPrediction(
                id: row.0, answeredBy: row.1 ?? modelID, answered: PredictionLogs.output(row.2, row.3))
            if let model = row.4 {
                item.shadowModel = model
                item.shadowError = row.7
                if item.shadowError == nil { item.shadowed = PredictionLogs.output(row.5, row.6) }
            }
            item.truth = labels.map { $0[row.0] } ?? PredictionLogs.truth(row.8, row.9)
            return item
        }
    }

    public func latestPair() throws -> (answeredBy: String, shadow: String)? {
        let configured = shadowModelID.map { (answeredBy: modelID, shadow: $0) }
        let name = self.name
        let latest = try read { connection in
            try await connection.query(
                "SELECT answered_by, model FROM workbench_shadow WHERE name = \(name) ORDER BY time DESC, prediction_id DESC LIMIT 1",
                logger: Self.logger
            ).collect().first.map { try $0.decode((String, String).self) }
        }
        return latest.map { (answeredBy: $0.0, shadow: $0.1) } ?? configured
    }

    /// The newest request and the newest outcome: either changes when any replica commits rows
    /// or any outcome arrives (both read from indexes).
    public func dataVersion() throws -> Int {
        let name = self.name
        let (requests, outcomes, count) = try read { connection in
            let r =
                try await connection.query(
                    "SELECT COALESCE(max(time), 0) FROM workbench_requests WHERE name = \(name)", logger: Self.logger
                ).collect()
                .first?.decode(Double.self) ?? 0
            let o =
                try await connection.query(
                    "SELECT COALESCE(max(time), 0), count(*) FROM (SELECT time FROM workbench_outcomes ORDER BY time DESC LIMIT 1000) t",
                    logger: Self.logger
                ).collect().first?.decode((Double, Int64).self) ?? (0.0, Int64(0))
            return (r, o.0, o.1)
        }
        var hasher = Hasher()
        hasher.combine(requests)
        hasher.combine(outcomes)
        hasher.combine(count)
        return hasher.finalize()
    }

    /// Replicas with rows in the log, and those started in the last day (which may not have
    /// written yet): a replica restarted many times would otherwise be listed once per start.
    public func replicas() throws -> [ReplicaCount] {
        let name = self.name
        let recent = Date().timeIntervalSince1970 - 86_400
        let rows = try read { connection in
            try await connection.query(
                """
                SELECT r.replica, COALESCE(sum(q.rows), 0)::float8, max(r.last_write)
                FROM workbench_replicas r LEFT JOIN workbench_requests q ON q.writer = r.writer AND q.status = 200
                WHERE r.name = \(name) GROUP BY r.replica
                HAVING COALESCE(sum(q.rows), 0) > 0 OR max(r.started_at) > \(recent)
                ORDER BY r.replica
                """, logger: Self.logger
            ).collect().map { try $0.decode((String, Double, Double?).self) }
        }
        return rows.map { ReplicaCount(replica: $0.0, rowsScored: Int(min(max($0.1, 0), 1e15)), lastWrite: $0.2) }
    }
}
