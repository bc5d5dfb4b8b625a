import Foundation
import PostgresNIO
import TestSupport
import Testing
@testable import PostgresAccess

/// The shared migration of Workbench's tables, against the real server (a private cluster in CI).
@Suite(
    "Schema versions in PostgreSQL",
    .enabled(if: TestPostgres.isAvailable, "needs WORKBENCH_TEST_POSTGRES (.ci/run starts a private cluster)"))
struct PostgresSchemaTests {
    private static func migrate(_ pool: PostgresPool, version: Int) async throws {
        try await pool.withConnection { connection in
            let logger = PostgresPool.quietLogger
            _ = try await connection.query("BEGIN", logger: logger).collect()
            do {
                try await PostgresSchema.migrate(
                    connection, component: "widgets", version: version, lock: 42,
                    statements: ["CREATE TABLE widgets (id integer)", "INSERT INTO widgets VALUES (1)"],
                    tables: "the widget store", location: pool.location.masked, logger: logger)
                _ = try await connection.query("COMMIT", logger: logger).collect()
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                throw error
            }
        }
    }

    /// Statements run once, the version is recorded, and a database newer than the code is refused
    /// with the tables named.
    @Test func migratesOnceAndRefusesANewerSchema() async throws {
        try await PostgresReadTests.withFreshDatabase { pool in
            try await Self.migrate(pool, version: 1)
            try await Self.migrate(pool, version: 1)  // again: nothing to do (a second CREATE would fail)
            let rows = try await pool.withConnection { connection in
                try await connection.query("SELECT count(*) FROM widgets", logger: PostgresPool.quietLogger).collect()
            }
            #expect(try rows.first?.decode(Int.self) == 1)
            try await pool.execute("UPDATE workbench_schema SET version = 3 WHERE component = 'widgets'")
            await #expect {
                try await Self.migrate(pool, version: 1)
            } throws: { error in
                "\(error)".contains("the widget store's schema is version 3, newer than this workbench's 1")
                    && "\(error)".contains("use a newer workbench")
            }
        }
    }
}
