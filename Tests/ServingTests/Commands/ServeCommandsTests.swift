import Foundation
import Serving
import Testing
import TestSupport
@testable import Workbench

/// `serve` in the REPL and `workbench serve` / `workbench monitor` from the shell.
@Suite("serve and monitor commands", .serialized)
struct ServeCommandsTests {
    @Test func replServesInTheBackgroundListsMonitorsAndStops() async throws {
        nonisolated(unsafe) let session = makeSession()
        let servers = session.servers
        defer { servers.stopAll() }
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "m = train linear on penguins target=species",
        ] {
            #expect(session.execute(line)?.succeeded == true)
        }
        let serve = try #require(try await offPool { session.execute("serve m port=0") })
        #expect(serve.succeeded, "\(serve.output.plainText)")
        #expect(serve.output.plainText.hasPrefix("server 1: serving m at http://127.0.0.1:"))
        let port = try #require(session.servers.all.first?.server.port)
        // The session stays usable while the server answers.
        #expect(session.execute("ls")?.succeeded == true)
        let answer = try await HTTP.post("/v1/predict", port: port, body: sampleRow)
        #expect(answer.status == 200)
        let list = try #require(try await offPool { session.execute("servers") })
        #expect(list.output.plainText.contains("m"))
        let monitor = try #require(try await offPool { session.execute("monitor m") })
        #expect(monitor.succeeded)
        #expect(monitor.output.plainText.contains("traffic: 1 prediction requests, 0 errors"))
        let unknown = try #require(try await offPool { session.execute("stop 7") })
        #expect(!unknown.succeeded)
        #expect(unknown.output.plainText.contains("there is no server 7"))
        let stop = try #require(try await offPool { session.execute("stop 1") })
        #expect(stop.succeeded)
        #expect(stop.output.plainText == "stopped server 1 (m)")
        #expect(session.servers.all.isEmpty)
        await #expect(throws: (any Error).self) { _ = try await HTTP.get("/healthz", port: port) }
    }

    /// The REPL's serve and monitor check their ranges in the REPL's own words (`port=`), with the
    /// same ranges as the shell, before anything is exported or started.
    @Test func replServeAndMonitorNameTheirOptionsInTheReplsWords() async throws {
        nonisolated(unsafe) let session = makeSession()
        let servers = session.servers
        defer { servers.stopAll() }
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "m = train linear on penguins target=species",
        ] {
            #expect(session.execute(line)?.succeeded == true)
        }
        for (line, word) in [
            ("serve m port=70000", "port"), ("serve m window=0", "window"), ("serve m window=100000000", "window"),
            ("monitor \"log.sqlite\" window=1000000", "window"),
        ] {
            let result = try #require(try await offPool { session.execute(line) })
            #expect(!result.succeeded, "\(line)")
            let text = result.output.plainText
            #expect(
                text.contains(word) && text.contains("a whole number from") && !text.contains("--"), "\(line): \(text)")
        }
        #expect(session.servers.all.isEmpty)
    }

    @Test func shellServeStopsGracefullyOnSIGTERMAndFlushesItsLog() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let log = folder + "/log.sqlite"
        let server = try Subprocess(binary, ["serve", bundle, "--port", "0", "--log", log])
        defer { server.send(SIGKILL) }
        let bound = try #require(server.waitForLoopbackPort(), "no address in: \(server.output) \(server.errorOutput)")
        for _ in 0..<10 { #expect(try await HTTP.post("/v1/predict", port: bound, body: sampleRow).status == 200) }
        server.send(SIGTERM)
        #expect(server.wait(timeout: 20) == 0, "\(server.errorOutput)")
        #expect(server.output.contains("stopped; prediction log flushed to \(log)"))

        var options = MonitorOptions()
        options.minimumRows = 5
        let summary = try LogMonitor.summary(logPath: log, options: options)
        #expect(summary.traffic.rowsScored == 10)
        let monitor = try Subprocess(binary, ["monitor", log, "--window", "50"])
        #expect(monitor.wait(timeout: 60) == 0, "\(monitor.errorOutput)")
        #expect(monitor.output.contains("traffic: 10 prediction requests, 0 errors (0.0%), 10 rows scored in all"))
    }

    /// The shell's `monitor --watch` keeps refreshing, and its alert command runs once per breach,
    /// not once per refresh.
    @Test func shellMonitorWatchesAndAlertsOncePerBreach() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let log = folder + "/log.sqlite"
        let server = try await startServer(bundle) { options in
            options.logPath = log
            options.monitorInterval = .seconds(3600)
        }
        for row in try penguinRows("penguins_fresh_drift.csv") {
            try #require(try await HTTP.post("/v1/predict", port: server.port, body: row).status == 200)
        }
        await server.shutdown()

        let alerts = folder + "/alerts.jsonl"
        let monitor = try Subprocess(
            binary,
            [
                "monitor", bundle, "--log", log, "--window", "69", "--watch", "--interval", "0.2",
                "--alert-command", "tee -a \(alerts)",
            ])
        defer { monitor.send(SIGKILL) }
        let deadline = Date().addingTimeInterval(60)
        while monitor.output.components(separatedBy: "traffic: ").count < 4 && Date() < deadline { usleep(50_000) }
        monitor.send(SIGINT)
        monitor.wait(timeout: 20)
        let reports = monitor.output.components(separatedBy: "traffic: ").count - 1
        #expect(reports >= 3, "\(monitor.output) \(monitor.errorOutput)")
        #expect(monitor.output.contains("ALERT bill_length_mm drifted: KS p="))
        #expect(monitor.output.contains("ALERT flipper_length_mm drifted: KS p="))
        // Not a terminal: no screen clearing in the output.
        #expect(!monitor.output.contains("\u{1B}[2J"))
        let lines = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n")
        let features = lines.compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]).flatMap {
                ($0["alert"] as? [String: Any])?["feature"] as? String
            }
        }
        #expect(features.sorted() == ["bill_length_mm", "flipper_length_mm"], "\(lines)")
    }

    /// `workbench monitor LOG --labels FILE.csv key=COLUMN` joins a CSV of outcomes: the realised
    /// accuracy is the share of the file's rows whose species the model answered. Bad settings are
    /// usage errors (exit 64).
    @Test func shellMonitorJoinsAFileOfOutcomes() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let log = folder + "/log.sqlite"
        let server = try await startServer(bundle) { $0.logPath = log }
        let rows = try penguinRows("penguins_fresh.csv")
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [\(rows.joined(separator: ","))]}")
        await server.shutdown()
        let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
        let truth = try String(contentsOfFile: exampleData + "/penguins_fresh.csv", encoding: .utf8).split(
            separator: "\n"
        ).dropFirst()
            .map { String($0.split(separator: ",", omittingEmptySubsequences: false)[0]) }
        var csv = "prediction,species\n"
        var correct = 0
        for (p, species) in zip(predictions, truth) {
            csv += "\((p["id"] as? NSNumber)?.int64Value ?? 0),\(species)\n"
            if p["label"] as? String == species { correct += 1 }
        }
        try csv.write(toFile: folder + "/outcomes.csv", atomically: true, encoding: .utf8)
        let monitor = try Subprocess(
            binary, ["monitor", log, "--window", "100", "--labels", folder + "/outcomes.csv", "key=prediction"])
        #expect(monitor.wait(timeout: 60) == 0, "\(monitor.errorOutput)")
        #expect(
            monitor.output.contains("outcomes: \(rows.count) of \(rows.count) rows in the window labelled (100.0%)"),
            "\(monitor.output)")
        #expect(
            monitor.output.contains(
                "realised accuracy \(String(format: "%.4g", Double(correct) / Double(rows.count))) (95% CI"),
            "\(monitor.output)")
        for arguments in [["--labels", folder + "/outcomes.csv", "colour=red"], ["--tolerance", "-1"]] {
            let refused = try Subprocess(binary, ["monitor", log] + arguments)
            #expect(refused.wait(timeout: 60) == 64, "\(arguments): \(refused.errorOutput)")
        }
    }
}
