import Foundation
import Tabular
import TestSupport
import Testing
@testable import PostgresAccess

/// Against the real server named by WORKBENCH_TEST_POSTGRES (a private cluster in CI).
@Suite(
    "Reading from PostgreSQL",
    .enabled(if: TestPostgres.isAvailable, "needs WORKBENCH_TEST_POSTGRES (.ci/run starts a private cluster)"))
struct PostgresReadTests {
    /// A database made for one test and dropped after it.
    static func withFreshDatabase(_ body: (PostgresPool) async throws -> Void) async throws {
        let admin = try PostgresPool(PostgresLocation(parsing: try #require(TestPostgres.url)))
        defer { admin.close() }
        let name = TestPostgres.freshDatabaseName()
        try await admin.execute("CREATE DATABASE \(name)")
        let database = try PostgresPool(PostgresLocation(parsing: try #require(TestPostgres.url(database: name))))
        do {
            try await body(database)
        } catch {
            database.close()
            try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        database.close()
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
    }

    @Test func typesNullsDatesQuotesAndNonASCIIRoundTrip() async throws {
        try await Self.withFreshDatabase { db in
            try await db.execute(
                "CREATE TYPE mood AS ENUM ('calm', 'wild')",
                "CREATE DOMAIN price AS numeric(8,2)",
                #"""
                CREATE TABLE "Odd ""table""" (id int8, small int2, ratio float4, amount price, name text, tag varchar(8),
                    ok bool, born date, seen timestamp, stamped timestamptz, m mood)
                """#,
                #"""
                INSERT INTO "Odd ""table""" VALUES
                    (1, 7, 0.5, 12.25, 'O''Brien, "quoted"', 'ü', true, '2024-02-29', '2024-02-29 13:45:07', '2024-03-01 00:30:00+02', 'calm'),
                    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (3, -1, 2.5, 0.10, 'Zoë 東京', 'ü', false, '1969-12-31', '2000-01-01 00:00:00', '2024-01-01 12:00:00Z', 'wild');
                """#)
            let result = try await PostgresTableReader.read(db, source: .table(#"Odd "table""#), budgetBytes: nil)
            let frame = result.frame
            #expect(frame.rowCount == 3)
            #expect(
                frame.columns.map(\.name) == [
                    "id", "small", "ratio", "amount", "name", "tag", "ok", "born", "seen", "stamped", "m",
                ])
            #expect(
                frame.columns.map(\.kind) == [
                    .number, .number, .number, .number, .text, .text, .text, .text, .text, .text, .text,
                ])
            func texts(_ i: Int) -> [String?] { (0..<3).map { frame.columns[i].text(at: $0) } }
            guard case .numeric(let small) = frame.columns[1].data, case .numeric(let amount) = frame.columns[3].data
            else {
                Issue.record("numbers expected")
                return
            }
            #expect(small[0] == 7 && small[1].isNaN && small[2] == -1)
            #expect(amount[0] == 12.25 && amount[1].isNaN && amount[2] == 0.1)
            #expect(texts(4) == [#"O'Brien, "quoted""#, nil, "Zoë 東京"])
            #expect(texts(5) == ["ü", nil, "ü"])
            #expect(texts(6) == ["true", nil, "false"])
            #expect(texts(7) == ["2024-02-29", nil, "1969-12-31"])
            #expect(texts(8) == ["2024-02-29T13:45:07", nil, "2000-01-01T00:00:00"])
            #expect(texts(9) == ["2024-02-29T22:30:00Z", nil, "2024-01-01T12:00:00Z"])
            #expect(texts(10) == ["calm", nil, "wild"])
        }
    }

    @Test func aQueryStreamsInBatchesAndItsFingerprintFollowsTheRows() async throws {
        try await Self.withFreshDatabase { db in
            try await db.execute(
                "CREATE TABLE t AS SELECT g AS id, g % 7 AS k, 'row ' || g AS label FROM generate_series(1, 2500) g")
            let all = try await PostgresTableReader.read(
                db, source: .query("select * from t order by id;"), budgetBytes: nil, batchRows: 1000)
            #expect(all.frame.rowCount == 2500)
            // 100 rows first, until their width is known; then the most allowed: 100 + 1000 + 1000 + 400.
            #expect(all.batches == 4)
            let again = try await PostgresTableReader.read(
                db, source: .query("select * from t order by id"), budgetBytes: nil, batchRows: 333)
            #expect(Fingerprint.of(frame: again.frame) == Fingerprint.of(frame: all.frame))
            try await db.execute("UPDATE t SET k = 100 WHERE id = 2500")
            let changed = try await PostgresTableReader.read(
                db, source: .query("select * from t order by id"), budgetBytes: nil)
            #expect(Fingerprint.of(frame: changed.frame) != Fingerprint.of(frame: all.frame))
        }
    }

    @Test func refusesWhatItCannotReadWithTheReason() async throws {
        try await Self.withFreshDatabase { db in
            try await db.execute(
                "CREATE TABLE orders AS SELECT g AS id, point(g, g) AS p FROM generate_series(1, 50000) g",
                "ANALYZE orders")
            await #expect {
                _ = try await PostgresTableReader.read(db, source: .table("order"), budgetBytes: nil)
            } throws: { error in
                "\(error)".contains("has no table 'order'; did you mean 'orders'?")
            }
            await #expect {
                _ = try await PostgresTableReader.read(db, source: .table("orders"), budgetBytes: nil)
            } throws: { error in
                "\(error)".contains("column 'p' has type point") && "\(error)".contains("p::text")
            }
            // The planner knows the table's 50,000 rows before any is sent.
            await #expect {
                _ = try await PostgresTableReader.read(
                    db, source: .query("select id from orders"), budgetBytes: 100_000)
            } throws: { error in
                guard case .tooLarge(_, let bytes, let budget, let rows) = error as? PostgresError else { return false }
                return budget == 100_000 && rows == 50_000 && bytes == 400_000
            }
            // Wide rows the planner cannot size (its width for the expression is a guess), 50 MB in
            // all: refused for the budget. (That the refusal comes after the first 100-row batch,
            // not after all of them, follows from the fetch sizes; this test does not measure it.)
            await #expect {
                _ = try await PostgresTableReader.read(
                    db, source: .query("select id, repeat('x', 10000) || id as t from orders where id <= 5000"),
                    budgetBytes: 5_000_000)
            } throws: { error in
                guard case .tooLarge(_, let bytes, let budget, _) = error as? PostgresError else { return false }
                return budget == 5_000_000 && bytes > 5_000_000
            }
            await #expect {
                _ = try await PostgresTableReader.read(
                    db, source: .query("select id from orders where false"), budgetBytes: nil)
            } throws: { error in
                (error as? PostgresError) == .emptyResult(location: db.location.masked)
            }
            await #expect {
                _ = try await PostgresTableReader.read(db, source: .query("delete from orders"), budgetBytes: nil)
            } throws: { error in
                "\(error)".contains("syntax error")
            }
            // Nothing was deleted, and the pooled connection is usable after the failures.
            let count = try await PostgresTableReader.read(
                db, source: .query("select count(*) from orders"), budgetBytes: nil)
            #expect(count.frame.columns[0].text(at: 0) == "50000")
        }
    }

    /// `blocking` called from more tasks at once than Swift's cooperative pool has threads, each
    /// blocking its thread: the work runs on its own executor, so every call returns.
    @Test(.timeLimit(.minutes(1))) func blockingCallsFromEveryCooperativeThreadAllReturn() async throws {
        let pool = try PostgresPool(PostgresLocation(parsing: try #require(TestPostgres.url)))
        defer { pool.close() }
        let width = ProcessInfo.processInfo.activeProcessorCount * 4
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<width {
                group.addTask {
                    try pool.blocking { pool in
                        let rows = try await PostgresTableReader.read(
                            pool, source: .query("select \(i) + 1 as n, pg_sleep(0.05)::text as s"), budgetBytes: nil)
                        return Int(rows.frame.columns[0].text(at: 0) ?? "") ?? -1
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.sorted() == Array(1...width))
    }

    /// Whether a connection with `mode` is encrypted, as the server sees it.
    static func encrypted(_ mode: PostgresLocation.SSLMode) async throws -> Bool {
        var location = try PostgresLocation(parsing: try #require(TestPostgres.url))
        location.sslMode = mode
        let pool = try PostgresPool(location)
        defer { pool.close() }
        let rows = try await PostgresTableReader.read(
            pool, source: .query("select ssl::text from pg_stat_ssl where pid = pg_backend_pid()"), budgetBytes: nil)
        return rows.frame.columns[0].text(at: 0) == "true"
    }

    @Test func sslModesAgainstTheServer() async throws {
        var plain = try PostgresLocation(parsing: try #require(TestPostgres.url))
        plain.sslMode = .disable
        let pool = try PostgresPool(plain)
        defer { pool.close() }
        let offered =
            try await PostgresTableReader.read(pool, source: .query("select current_setting('ssl')"), budgetBytes: nil)
            .frame.columns[0].text(at: 0) == "on"
        #expect(try await !Self.encrypted(.disable))
        if offered {
            // The test cluster's certificate is self-signed: used, not trusted.
            #expect(try await Self.encrypted(.prefer))
            #expect(try await Self.encrypted(.require))
            await #expect { _ = try await Self.encrypted(.verifyFull) } throws: { error in
                guard case .tls = error as? PostgresError else { return false }
                return "\(error)".contains("certificate is not trusted here")
            }
        } else {
            #expect(try await !Self.encrypted(.prefer))
            await #expect { _ = try await Self.encrypted(.require) } throws: { error in
                (error as? PostgresError) == .tls(location: plain.masked, reason: "the server does not offer TLS")
            }
        }
    }

    @Test func aWrongPasswordOrAnUnreachableHostIsOneLineWithTheURLMasked() async throws {
        let good = try PostgresLocation(parsing: try #require(TestPostgres.url))
        var wrong = good
        wrong.password = "not-the-password"
        let db = try PostgresPool(wrong)
        defer { db.close() }
        await #expect { try await db.execute("select 1") } throws: { error in
            let text = "\(error)"
            return text.contains("refused the login") && text.contains(good.masked)
                && !text.contains("not-the-password") && !text.contains("\n")
        }
        let closed = try PostgresPool(
            PostgresLocation(parsing: "postgresql://ana:topsecret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"))
        defer { closed.close() }
        let started = ContinuousClock.now
        await #expect { try await closed.execute("select 1") } throws: { error in
            let text = "\(error)"
            return text.contains("postgresql://ana@127.0.0.1:1/x") && !text.contains("topsecret")
                && !text.contains("\n")
                && (text.contains("cannot reach") || text.contains("did not answer"))
        }
        // A guard against a hang, not a speed: the whole suite runs at once on two cores, where
        // a refusal that takes milliseconds alone was once reported after 10.2 s.
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
