import Foundation
import Serving
import Testing
@testable import Workbench

/// `serve` in the REPL and `workbench serve` / `workbench monitor` from the shell.
@Suite("serve and monitor commands", .serialized)
struct ServeCommandTests {
    @Test func replServesInTheBackgroundListsMonitorsAndStops() async throws {
        nonisolated(unsafe) let session = makeSession()
        let servers = session.servers
        defer { servers.stopAll() }
        for line in ["load \"\(sharedDatasets)/penguins_train.csv\" as penguins", "m = train linear on penguins target=species"] {
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

    @Test func shellServeStopsGracefullyOnSIGTERMAndFlushesItsLog() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportPenguins(to: folder)
        let binary = repositoryRoot + "/.build/debug/workbench"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build")
        let log = folder + "/log.sqlite"
        let server = try Subprocess(binary, ["serve", bundle, "--port", "0", "--log", log])
        defer { server.send(SIGKILL) }
        var port: Int?
        let deadline = Date().addingTimeInterval(90)
        while port == nil && Date() < deadline {
            if let range = server.output.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(server.output[range].split(separator: ":").last ?? "")
            }
            usleep(50_000)
        }
        let bound = try #require(port, "no address in: \(server.output) \(server.errorOutput)")
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
}
