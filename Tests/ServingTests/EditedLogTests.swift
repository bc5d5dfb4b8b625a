import Bundles
import Foundation
import GRDB
import Serving
import Testing
import TestSupport

/// `monitor` reads a prediction log anyone can edit (issue 19, item 7): an edited log is refused
/// or read within bounds, never a crash, a hang or an unbounded read.
@Suite("Monitoring an edited prediction log", .serialized)
struct EditedLogTests {
    /// A real log of `bundle` holding `rows` rows of the fresh penguins, written directly.
    private func log(in folder: String, bundle: String, rows: Int = 40) throws -> String {
        let path = folder + "/log.sqlite"
        let log = try PredictionLog(location: path, bundle: try BundleReader.open(bundle), redact: [])
        log.close()
        let queue = try DatabaseQueue(path: path)
        let inputs = try penguinRows("penguins_fresh.csv")
        try queue.write { db in
            for index in 0..<rows {
                try db.execute(
                    sql: "INSERT INTO requests (time, status, latency_ms, rows) VALUES (?, 200, 1.5, 1)",
                    arguments: [Double(index)])
                try db.execute(
                    sql: """
                        INSERT INTO predictions (request_id, time, latency_ms, inputs, label, value, probabilities, warnings)
                        VALUES (?, ?, 1.5, ?, 'Adelie', NULL, NULL, '[]')
                        """, arguments: [index + 1, Double(index), inputs[index % inputs.count]])
            }
        }
        return path
    }

    private func edit(_ path: String, _ sql: String) throws {
        try DatabaseQueue(path: path).write { db in try db.execute(sql: sql) }
    }

    @Test func valuesOfTheWrongTypeAreReadWithoutACrash() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try log(in: folder, bundle: try exportPenguins(to: folder))
        // SQLite keeps whatever type is written: text where numbers were, a blob for a label, numbers in meta.
        try edit(
            path,
            """
            UPDATE requests SET status = 'two hundred', latency_ms = x'00ff', rows = 'many' WHERE id % 2 = 0;
            UPDATE predictions SET label = x'c328', value = 'n/a', inputs = 12 WHERE id % 3 = 0;
            INSERT INTO meta (key, value) VALUES (7, 8.5);
            """)
        var options = MonitorOptions()
        options.window = 40
        let summary = try LogMonitor.summary(logPath: path, options: options)
        #expect(summary.windowRows == 40)
    }

    @Test func aValueOverTheLimitIsRefusedNotLoaded() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try log(in: folder, bundle: try exportPenguins(to: folder))
        try edit(
            path, "UPDATE predictions SET inputs = '{\"x\":\"' || hex(zeroblob(4 * 1024 * 1024)) || '\"}' WHERE id = 40"
        )
        #expect(throws: ServingError.self) { try LogMonitor.summary(logPath: path, options: MonitorOptions()) }
    }

    @Test func aViewInPlaceOfATableIsNotALog() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try log(in: folder, bundle: try exportPenguins(to: folder))
        // A view that never ends: reading it would hang `monitor`.
        try edit(
            path,
            """
            DROP TABLE predictions;
            CREATE VIEW predictions AS WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n)
                SELECT id, 0 AS request_id, 0.0 AS time, 0.0 AS latency_ms, '{}' AS inputs, 'Adelie' AS label,
                       NULL AS value, NULL AS probabilities, '[]' AS warnings FROM n;
            """)
        #expect(throws: ServingError.notALog(path: path)) { try PredictionLogReader(path: path) }
    }

    @Test func aPathThatIsNotARegularFileIsRefusedAtOnce() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/log.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: ServingError.log(path: fifo, reason: "it is a FIFO (named pipe), not a prediction log file")) {
            try PredictionLogReader(path: fifo)
        }
        #expect(throws: ServingError.self) { try PredictionLogReader(path: "/dev/zero") }
        #expect(throws: ServingError.self) { try PredictionLogReader(path: folder) }
    }

    @Test func theWindowIsBounded() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try log(in: folder, bundle: try exportPenguins(to: folder), rows: 3)
        let reader = try PredictionLogReader(path: path)
        for window in [0, -1, PredictionLogReader.maximumWindow + 1] {
            #expect(throws: ServingError.self) { try reader.window(rows: window, features: []) }
        }
        #expect(try reader.window(rows: PredictionLogReader.maximumWindow, features: []).inputs.count == 3)
    }
}
