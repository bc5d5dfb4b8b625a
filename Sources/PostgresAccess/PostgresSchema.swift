public import Logging
public import PostgresNIO

/// The versions of Workbench's tables in a shared database, one row per component in
/// `workbench_schema`, so a server or a registry refuses tables newer than it knows.
public enum PostgresSchema {
    /// Inside the caller's transaction: takes `lock` (an advisory lock, so replicas that start at
    /// once migrate one at a time), makes `workbench_schema` if it is missing, and when `component`
    /// has no version yet runs `statements` and records `version`. Throws when the database holds a
    /// newer version than `version`; `tables` names them in that message ("the run registry").
    public static func migrate(
        _ connection: PostgresConnection, component: String, version: Int, lock: Int64, statements: [String],
        tables: String, location: String, logger: Logger
    ) async throws {
        _ = try await connection.query("SELECT pg_advisory_xact_lock(\(lock))", logger: logger).collect()
        _ = try await connection.query(
            "CREATE TABLE IF NOT EXISTS workbench_schema (component text PRIMARY KEY, version integer NOT NULL)",
            logger: logger
        ).collect()
        let found = try await connection.query(
            "SELECT version FROM workbench_schema WHERE component = \(component)", logger: logger
        ).collect()
        let recorded = try found.first.map { try $0.decode(Int.self) } ?? 0
        if recorded > version {
            throw PostgresError.server(
                location: location,
                message: "\(tables)'s schema is version \(recorded), newer than this workbench's \(version)",
                sqlState: nil, hint: "use a newer workbench")
        }
        guard recorded < 1 else { return }
        for statement in statements {
            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
        }
        _ = try await connection.query(
            """
            INSERT INTO workbench_schema (component, version) VALUES (\(component), \(version))
            ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version
            """,
            logger: logger
        ).collect()
    }
}
