import Foundation
import PostgresAccess
import PostgresNIO

/// The run registry in a PostgreSQL database a team shares: the SQLite registry's table and
/// columns, plus who recorded each run and where. Ids come from a sequence, so any number of
/// writers at once get distinct ids and lose nothing.
///
/// The schema is created on first use and its version kept in `workbench_schema`; an advisory
/// lock makes the first users of an empty database take turns creating it.
final class PostgresRunStore: Sendable {
    private let pool: PostgresPool

    /// The version this build writes; a database at a later version is refused (a newer workbench
    /// migrated it), one at an earlier version is brought up to this one.
    static let schemaVersion = 1
    /// The advisory lock key for schema changes ("wbrunreg" in ASCII), shared by every workbench.
    static let migrationLock: Int64 = 0x7762_7275_6E72_6567

    /// Columns in the order of `RunRecord`, quoted as the SQLite registry spells them.
    static let columns = [
        "kind", "algorithm", "parameters", "seed", "dataName", "dataFingerprint", "rows", "columns", "target", "task",
        "metrics", "fitSeconds", "sessionFile", "cell", "createdAt", "workbenchVersion", "user", "host",
    ]

    init(_ location: PostgresLocation) throws {
        pool = try PostgresPool(location, maximumConnections: 2)
        do {
            try pool.blocking { try await Self.migrate($0) }
        } catch {
            pool.close()
            throw error
        }
    }

    deinit { pool.close() }

    private static func migrate(_ pool: PostgresPool) async throws {
        let location = pool.location.masked
        try await pool.withConnection { connection in
            let logger = PostgresPool.quietLogger
            _ = try await connection.query("BEGIN", logger: logger).collect()
            do {
                try await PostgresSchema.migrate(
                    connection, component: "runs", version: schemaVersion, lock: migrationLock,
                    statements: [
                        """
                        CREATE TABLE IF NOT EXISTS runs (
                            id bigserial PRIMARY KEY,
                            kind text NOT NULL, algorithm text NOT NULL, parameters text NOT NULL, seed bigint NOT NULL,
                            "dataName" text NOT NULL, "dataFingerprint" text NOT NULL, rows bigint NOT NULL, columns bigint NOT NULL,
                            target text NOT NULL, task text NOT NULL, metrics text NOT NULL, "fitSeconds" double precision NOT NULL,
                            "sessionFile" text, cell bigint NOT NULL, "createdAt" text NOT NULL, "workbenchVersion" text NOT NULL,
                            "user" text, host text)
                        """,
                        "CREATE INDEX IF NOT EXISTS runs_algorithm ON runs (algorithm)",
                    ],
                    tables: "the run registry", location: location, logger: logger)
                _ = try await connection.query("COMMIT", logger: logger).collect()
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                throw error
            }
        }
    }

    func insert(_ r: RunRecord) throws -> Int64? {
        try pool.blocking { pool in
            try await pool.withConnection { connection in
                let query: PostgresQuery = """
                    INSERT INTO runs (kind, algorithm, parameters, seed, "dataName", "dataFingerprint", rows, columns, target, task, metrics,
                        "fitSeconds", "sessionFile", cell, "createdAt", "workbenchVersion", "user", host)
                    VALUES (\(r.kind), \(r.algorithm), \(r.parameters), \(r.seed), \(r.dataName), \(r.dataFingerprint), \(Int64(r.rows)),
                        \(Int64(r.columns)), \(r.target), \(r.task), \(r.metrics), \(r.fitSeconds), \(r.sessionFile), \(Int64(r.cell)),
                        \(r.createdAt), \(r.workbenchVersion), \(r.user), \(r.host))
                    RETURNING id
                    """
                let rows = try await connection.query(query, logger: Self.logger).collect()
                return try rows.first.map { try $0.decode(Int64.self) }
            }
        }
    }

    func runs(last: Int, algorithm: String?, kind: String?, data: String?) throws -> [RunRecord] {
        try pool.blocking { pool in
            try await pool.withConnection { connection in
                // NULL filters match everything, so one statement serves every combination.
                let query: PostgresQuery = """
                    SELECT \(unescaped: Self.selectList) FROM runs
                    WHERE (\(algorithm)::text IS NULL OR algorithm = \(algorithm))
                      AND (\(kind)::text IS NULL OR kind = \(kind))
                      AND (\(data)::text IS NULL OR "dataName" = \(data))
                    ORDER BY id DESC LIMIT \(Int64(last))
                    """
                return try await connection.query(query, logger: Self.logger).collect().map(Self.record)
            }
        }
    }

    func run(id: Int64) throws -> RunRecord? {
        try pool.blocking { pool in
            try await pool.withConnection { connection in
                let query: PostgresQuery = "SELECT \(unescaped: Self.selectList) FROM runs WHERE id = \(id)"
                return try await connection.query(query, logger: Self.logger).collect().first.map(Self.record)
            }
        }
    }

    func count() throws -> Int {
        try pool.blocking { pool in
            try await pool.withConnection { connection in
                let rows = try await connection.query("SELECT count(*) FROM runs", logger: Self.logger).collect()
                return try rows.first.map { Int(try $0.decode(Int64.self)) } ?? 0
            }
        }
    }

    private static let logger = PostgresPool.quietLogger
    private static let selectList = "id, " + columns.map { "\"\($0)\"" }.joined(separator: ", ")

    private static func record(_ row: PostgresRow) throws -> RunRecord {
        let (id, kind, algorithm, parameters, seed, dataName, dataFingerprint, rows, columns) =
            try row.decode((Int64, String, String, String, Int64, String, String, Int64, Int64).self)
        let cells = row.makeRandomAccess()
        return RunRecord(
            id: id, kind: kind, algorithm: algorithm, parameters: parameters, seed: seed, dataName: dataName,
            dataFingerprint: dataFingerprint,
            rows: Int(rows), columns: Int(columns),
            target: try cells["target"].decode(String.self), task: try cells["task"].decode(String.self),
            metrics: try cells["metrics"].decode(String.self), fitSeconds: try cells["fitSeconds"].decode(Double.self),
            sessionFile: try cells["sessionFile"].decode(String?.self), cell: Int(try cells["cell"].decode(Int64.self)),
            createdAt: try cells["createdAt"].decode(String.self),
            workbenchVersion: try cells["workbenchVersion"].decode(String.self),
            user: try cells["user"].decode(String?.self), host: try cells["host"].decode(String?.self))
    }
}
