import Foundation
import GRDB
import Serving
import Testing
import TestSupport

/// Drift end to end, the prediction log, alerts, and the REPL's serve / servers / monitor / stop.
@Suite("Monitoring a served model", .serialized)
struct MonitoringTests {
    /// Sends each row of `file` as a single-row request.
    private func send(_ file: String, to port: Int) async throws {
        for row in try penguinRows(file) {
            let answer = try await HTTP.post("/v1/predict", port: port, body: row)
            try #require(answer.status == 200, "\(answer.body)")
        }
    }

    /// Waits (bounded) until `condition` holds.
    private func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    @Test func freshRowsRaiseNoAlertAndShiftedRowsAlertOnExactlyTheShiftedFeatures() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let alerts = folder + "/alerts.jsonl"
        let log = folder + "/predictions.sqlite"
        let server = try await startServer(bundle) { options in
            options.monitor.window = 69
            // Only the explicit evaluations below: a periodic one landing while the drifted rows
            // are half sent would judge a window mixing both files (seen on a loaded machine).
            options.monitorInterval = .seconds(3600)
            options.logPath = log
            options.alertCommand = try? AlertCommand(arguments: ["tee", "-a", alerts])
        }
        try await send("penguins_fresh.csv", to: server.port)
        let fresh = server.service.evaluateMonitoring()
        #expect(fresh.windowRows == 69)
        #expect(fresh.status == "ok")
        #expect(fresh.alerts.isEmpty, "\(fresh.alerts.map(\.message))")
        let freshDrift = try await HTTP.get("/v1/drift", port: server.port)
        #expect(freshDrift.json["status"] as? String == "ok")

        try await send("penguins_fresh_drift.csv", to: server.port)
        let drifted = server.service.evaluateMonitoring()
        #expect(drifted.alerts.map(\.feature).sorted() == ["bill_length_mm", "flipper_length_mm"])
        let drift = try await HTTP.get("/v1/drift", port: server.port)
        #expect(drift.status == 200)
        let reported = try #require(drift.json["alerts"] as? [[String: Any]])
        #expect(reported.compactMap { $0["feature"] as? String }.sorted() == ["bill_length_mm", "flipper_length_mm"])
        let metrics = try await HTTP.get("/metrics", port: server.port).body
        #expect(metrics.contains(#"workbench_feature_drift_alert{feature="bill_length_mm"} 1"#))
        #expect(metrics.contains(#"workbench_feature_drift_alert{feature="flipper_length_mm"} 1"#))
        #expect(metrics.contains(#"workbench_feature_drift_alert{feature="island"} 0"#))
        #expect(metrics.contains("workbench_drift_alerts_active 2"))
        // The alert command ran once per breach, with the alert as JSON on stdin.
        #expect(
            eventually {
                ((try? String(contentsOfFile: alerts, encoding: .utf8)) ?? "").split(separator: "\n").count == 2
            })
        let lines = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n")
        let features = lines.compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]).flatMap {
                ($0["alert"] as? [String: Any])?["feature"] as? String
            }
        }
        #expect(features.sorted() == ["bill_length_mm", "flipper_length_mm"])
        // A second evaluation of the same breach does not alert again.
        server.service.evaluateMonitoring()
        usleep(300_000)
        #expect(try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n").count == 2)
        await server.shutdown()

        // The same verdict from the log, as `monitor` prints it.
        var options = MonitorOptions()
        options.window = 69
        let fromLog = try LogMonitor.summary(logPath: log, options: options)
        #expect(fromLog.windowRows == 69)
        #expect(fromLog.traffic.requests == 69)
        #expect(fromLog.traffic.rowsScored == 138)
        #expect(fromLog.alerts.map(\.feature).sorted() == ["bill_length_mm", "flipper_length_mm"])
        let text = MonitorReport.render(fromLog, source: "predictions.sqlite")
        #expect(text.contains("ALERT bill_length_mm drifted: KS p="))
        #expect(text.contains("ALERT flipper_length_mm drifted: KS p="))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("ALERT") }.count == 2)
        #expect(text.contains("latency: p50 "))
    }

    @Test func logHoldsEveryRowAndNeverSensitiveValuesInClear() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder, extra: "sensitive=[island]")
        let log = folder + "/log.sqlite"
        let server = try await startServer(bundle) { options in
            options.logPath = log
            options.redact = ["sex"]
        }
        for _ in 0..<5 { _ = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow) }
        _ = try await HTTP.post("/v1/predict", port: server.port, body: #"{"island": 3}"#)
        let model = try await HTTP.get("/v1/model", port: server.port)
        #expect(!model.body.contains("Torgersen"), "the manifest shows a sensitive column's categories")
        await server.shutdown()

        let queue = try DatabaseQueue(path: log)
        let (rows, inputs, requests) = try await queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM predictions") ?? 0,
                try String.fetchAll(db, sql: "SELECT inputs FROM predictions"),
                try Int.fetchAll(db, sql: "SELECT status FROM requests ORDER BY id")
            )
        }
        #expect(rows == 5)
        #expect(requests == [200, 200, 200, 200, 200, 422])
        let first = try #require(try JSONSerialization.jsonObject(with: Data(inputs[0].utf8)) as? [String: Any])
        #expect((first["island"] as? String)?.hasPrefix("hmac-sha256:") == true)
        #expect((first["sex"] as? String)?.hasPrefix("hmac-sha256:") == true)
        #expect(first["bill_length_mm"] as? Double == 39.1)
        let all = try String(contentsOf: URL(fileURLWithPath: log), encoding: .isoLatin1)
        #expect(!all.contains("Torgersen") && !all.contains("\"male\""))
        let keyAttributes = try FileManager.default.attributesOfItem(atPath: log + ".key")
        #expect((keyAttributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func logKeepsOnlyTheRetainedRows() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let log = folder + "/log.sqlite"
        let server = try await startServer(bundle) { options in
            options.logPath = log
            options.logRetention = 10
        }
        for _ in 0..<5 {
            _ = try await HTTP.post(
                "/v1/predict", port: server.port,
                body: "{\"rows\": [\(sampleRow), \(sampleRow), \(sampleRow), \(sampleRow), \(sampleRow)]}")
        }
        // Readable while the server runs.
        #expect(
            eventually {
                ((try? DatabaseQueue(path: log).read { try Int.fetchOne($0, sql: "SELECT MAX(id) FROM predictions") })
                    ?? 0) == 25
            })
        await server.shutdown()
        let count = try await DatabaseQueue(path: log).read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM predictions")
        }
        #expect(count == 10)
    }

    @Test func alertCommandLinesAreSplitWithoutAShell() throws {
        #expect(
            try AlertCommand(commandLine: #"notify-send -u 'critical alert' "a \"b\"" c\ d"#).arguments == [
                "notify-send", "-u", "critical alert", "a \"b\"", "c d",
            ])
        #expect(throws: ServingError.self) { try AlertCommand(commandLine: "echo 'open") }
        // Shell syntax in the command line or in the alert is just text.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = try AlertCommand(commandLine: "tee \(folder)/out \(folder)/$(touch \(folder)/pwned)")
        let done = DispatchSemaphore(value: 0)
        command.run(json: #"{"feature": "$(touch \#(folder)/pwned2)"}"#) { _ in done.signal() }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(FileManager.default.fileExists(atPath: folder + "/out"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned2"))
    }
}
